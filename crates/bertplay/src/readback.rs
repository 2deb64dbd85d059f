//! Reading results back from the device to the host: tasks, training, evaluation and checkpoints
//! all end this way. Async because WebGPU in a browser can only read asynchronously; native
//! callers block on it.

use burn::tensor::{Tensor, Transaction};

use crate::error::{BertError, Result};

/// Reads tensors back to the host, each flattened, in one transaction (one round trip on a GPU).
pub async fn read_all(tensors: Vec<Tensor<1>>) -> Result<Vec<Vec<f32>>> {
    let transaction = tensors.into_iter().fold(Transaction::default(), |t, tensor| t.register(tensor));
    let data = transaction.execute_async().await.map_err(|e| BertError::Device(format!("{e:?}").into()))?;
    data.into_iter().map(|d| d.try_into_vec::<f32>().map_err(|e| BertError::Device(format!("{e:?}").into()))).collect()
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
