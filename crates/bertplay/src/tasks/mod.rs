//! What BERT is used for, as plain functions: tokenize → run the model → read a few numbers
//! back → turn them into answers. The number-crunching halves (`top_k`, `best_span`, …) take
//! plain slices so the browser can feed them from async reads.

pub mod classify;
pub mod explain;
pub mod features;
pub mod fill_mask;
pub mod inspect;
pub mod nsp;
pub mod qa;
pub mod saliency;

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
