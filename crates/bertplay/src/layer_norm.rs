//! LayerNorm, `γ·(x − μ)/σ + β` over the hidden size of each token, and BERT's post-norm residual
//! connection `LN(x + sublayer(x))` in one step (`add_layer_norm`). Burn's own LayerNorm keeps ε
//! to itself; the fused kernel needs it, so BERT's LayerNorm is written out here.

use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::{Device, Tensor};

use crate::kernels;

#[derive(Module, Debug)]
pub struct LayerNorm {
    /// Scale γ, `[hidden]` (`LayerNorm.weight` in transformers, `gamma` in old checkpoints).
    pub gamma: Param<Tensor<1>>,
    /// Shift β, `[hidden]` (`LayerNorm.bias`, or `beta`).
    pub beta: Param<Tensor<1>>,
    /// Added to the variance so that a constant vector does not divide by zero (`layer_norm_eps`).
    #[module(skip)]
    pub epsilon: f64,
}

impl LayerNorm {
    /// The identity at first: γ = 1, β = 0.
    pub fn init(width: usize, epsilon: f64, device: &Device) -> Self {
        Self { gamma: Initializer::Ones.init([width], device), beta: Initializer::Zeros.init([width], device), epsilon }
    }

    /// Normalises each vector along the last dimension.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        kernels::add_layer_norm(x, None, self.gamma.val(), self.beta.val(), self.epsilon)
    }

    /// `LN(x + residual)`.
    pub fn forward_residual<const D: usize>(&self, x: Tensor<D>, residual: Tensor<D>) -> Tensor<D> {
        kernels::add_layer_norm(x, Some(residual), self.gamma.val(), self.beta.val(), self.epsilon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_each_vector_and_adds_the_residual_first() {
        let device = Device::flex();
        let mut norm = LayerNorm::init(4, 1e-12, &device);
        norm.gamma = Param::from_tensor(Tensor::from_floats([1.0, 2.0, 1.0, 1.0], &device));
        let x = Tensor::<3>::from_floats([[[1.0, 2.0, 3.0, 4.0]], [[0.0, 0.0, 0.0, 8.0]]], &device);
        let r = Tensor::<3>::from_floats([[[1.0, 0.0, -1.0, 0.0]], [[0.0, 0.0, 0.0, -4.0]]], &device);
        let out = norm.forward_residual(x, r).into_data().try_to_vec::<f32>().unwrap();
        // [2, 2, 2, 4] → mean 2.5, σ = √0.75; [0, 0, 0, 4] → mean 1, σ = √3.
        let (a, b) = (0.75f32.sqrt(), 3f32.sqrt());
        let want = [-0.5 / a, -1.0 / a, -0.5 / a, 1.5 / a, -1.0 / b, -2.0 / b, -1.0 / b, 3.0 / b];
        for (got, want) in out.iter().zip(want) {
            assert!((got - want).abs() < 1e-5, "{got} vs {want}");
        }
    }
}
