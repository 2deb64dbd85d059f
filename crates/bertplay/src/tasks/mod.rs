//! What BERT is used for, as plain functions: tokenize → run the model → read a few numbers
//! back → turn them into answers. The number-crunching halves (`top_k`, `best_span`, …) take
//! plain slices so the browser can feed them from async reads.

pub mod classify;
pub mod features;
pub mod fill_mask;
pub mod inspect;
pub mod nsp;
pub mod qa;

use burn::tensor::{Tensor, Transaction};

use crate::error::{BertError, Result};

/// Reads tensors back to the host, each flattened, in one transaction (one round trip on a GPU).
/// Async because WebGPU in a browser can only read asynchronously; native callers block on it.
pub async fn read_all(tensors: Vec<Tensor<1>>) -> Result<Vec<Vec<f32>>> {
    let transaction = tensors.into_iter().fold(Transaction::default(), |t, tensor| t.register(tensor));
    let data = transaction.execute_async().await.map_err(|e| BertError::Device(format!("{e:?}")))?;
    data.into_iter().map(|d| d.try_into_vec::<f32>().map_err(|e| BertError::Device(format!("{e:?}")))).collect()
}

/// Reads one tensor back to the host, flattened.
pub async fn read_back<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>> {
    let mut all = read_all(vec![flatten(tensor)]).await?;
    Ok(all.remove(0))
}

/// A tensor's values in one dimension, for [`read_all`].
pub fn flatten<const D: usize>(tensor: Tensor<D>) -> Tensor<1> {
    let len = tensor.dims().iter().product::<usize>();
    tensor.reshape([len])
}

/// Softmax over a slice (for host-side probabilities).
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|x| (x - max).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn softmax_sums_to_one_and_keeps_order() {
        let p = super::softmax(&[1.0, 3.0, 2.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[1] > p[2] && p[2] > p[0]);
        assert!((p[1] - 0.665_240_9).abs() < 1e-6);
    }
}
