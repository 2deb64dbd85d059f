//! Dropout, as BERT trains with it: each value is zeroed with probability `p` and the rest are
//! scaled by `1 / (1 - p)`, so the expected output equals the input; evaluation leaves it alone.
//!
//! Burn's `Dropout` decides when to drop (training flag, autodiff device, `p > 0`) and, on GPUs,
//! draws the mask in a kernel. On the CPU backend its mask comes from a general-purpose sampler,
//! one element at a time on one thread; with long inputs the attention-probability masks
//! (`batch × heads × seq × seq` per layer) cost about a fifth of a training step. There the mask
//! is drawn here instead: SplitMix64, one `u64` per two elements, applied in one multiply.

use burn::module::Module;
use burn::nn::DropoutConfig;
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};

use crate::rng::Rng;

#[derive(Module, Debug)]
pub struct Dropout {
    /// Holds the probability and the training flag that `valid()` and `freeze` clear.
    burn: burn::nn::Dropout,
}

impl Dropout {
    /// `prob` must be in `[0, 1)`; configs are checked before models are built.
    pub fn new(prob: f64) -> Self {
        Self { burn: DropoutConfig::new(prob).init() }
    }

    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        match self.multipliers(input.dims(), &input.device()) {
            Some(mask) => input * mask,
            None => self.burn.forward(input),
        }
    }

    /// The mask as multipliers (0 or `1/(1−p)`) when this dropout is active on the CPU backend,
    /// for kernels that apply it themselves (attention); `None` when it leaves values alone or
    /// runs on a GPU.
    pub fn multipliers<const D: usize>(&self, shape: [usize; D], device: &Device) -> Option<Tensor<D>> {
        if !on_cpu(device) || !self.burn.training.is_enabled() || !device.is_autodiff() || self.burn.prob == 0.0 {
            return None;
        }
        let keep = 1.0 - self.burn.prob;
        let mask = keep_mask(shape.iter().product(), keep, seed_from(device));
        Some(Tensor::<D>::from_data(TensorData::new(mask, shape), device))
    }
}

#[cfg(feature = "flex")]
fn on_cpu(device: &Device) -> bool {
    *device == Device::flex()
}

#[cfg(not(feature = "flex"))]
fn on_cpu(_device: &Device) -> bool {
    false
}

/// 60 bits from the device's generator, so `device.seed(..)` (which the trainer sets per step)
/// decides the mask exactly as it decides Burn's own random tensors. A synchronous read, which
/// the CPU backend answers at once. (Its integers are 32-bit, hence two draws of 30 bits.)
fn seed_from(device: &Device) -> u64 {
    let draws = Tensor::<1, Int>::random([2], Distribution::Uniform(0.0, (1u64 << 30) as f64), device);
    let draws = draws.into_data().convert::<i64>().try_into_vec::<i64>().expect("converted to i64");
    ((draws[0] as u64) << 30) | draws[1] as u64
}

/// `n` multipliers: `1 / keep` with probability `keep`, else 0. Each 32-bit half of a SplitMix64
/// draw decides one element.
fn keep_mask(n: usize, keep: f64, seed: u64) -> Vec<f32> {
    let threshold = (keep * (1u64 << 32) as f64) as u64;
    let scale = (1.0 / keep) as f32;
    let decide = |bits: u64| if bits < threshold { scale } else { 0.0 };
    let mut rng = Rng::new(seed);
    let mut bits = 0;
    // Written once, straight into the new vector (no zero-fill first): masks run to 100 MB.
    (0..n)
        .map(|i| {
            bits = if i % 2 == 0 { rng.next_u64() } else { bits >> 32 };
            decide(bits & 0xFFFF_FFFF)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_into_vec::<f32>().unwrap()
    }

    #[test]
    fn training_drops_about_p_and_scales_the_rest() {
        let device = Device::flex().autodiff();
        let dropout = Dropout::new(0.1);
        device.seed(7);
        let x = Tensor::<2>::ones([300, 1000], &device) * 2.0;
        let out = values(dropout.forward(x));
        let dropped = out.iter().filter(|&&v| v == 0.0).count() as f64 / out.len() as f64;
        assert!((dropped - 0.1).abs() < 0.003, "dropped {dropped}");
        let scaled = (2.0 / 0.9) as f32;
        assert!(out.iter().all(|&v| v == 0.0 || v == scaled), "kept values are x / (1 - p)");
    }

    /// Whether the device's seed reaches this mask is tested in `tests/training.rs`, where tests
    /// take turns with flex's one process-wide generator; here other tests draw from it meanwhile.
    #[test]
    fn the_seed_decides_the_mask() {
        assert_eq!(keep_mask(256, 0.5, 1), keep_mask(256, 0.5, 1));
        assert_ne!(keep_mask(256, 0.5, 1), keep_mask(256, 0.5, 2));
    }

    #[test]
    fn evaluation_and_plain_devices_leave_the_input_alone() {
        let x = Tensor::<2>::from_floats([[1.0, -2.0, 3.0]], &Device::flex());
        assert_eq!(values(Dropout::new(0.5).forward(x.clone())), [1.0, -2.0, 3.0]);
        let ad = Device::flex().autodiff();
        let x = Tensor::<2>::from_floats([[1.0, -2.0, 3.0]], &ad);
        assert_eq!(values(Dropout::new(0.5).valid().forward(x)), [1.0, -2.0, 3.0]);
    }

    #[test]
    fn gradient_is_the_mask() {
        let device = Device::flex().autodiff();
        device.seed(3);
        let x = Tensor::<2>::ones([8, 32], &device).require_grad();
        let out = Dropout::new(0.25).forward(x.clone());
        let grads = out.clone().sum().backward();
        let grad = x.grad(&grads).unwrap();
        assert_eq!(values(grad), values(out), "d(x·m)/dx = m, and x = 1");
    }
}
