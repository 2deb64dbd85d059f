//! Hugging Face parameter names. Each module lists its parameters once, under the names
//! transformers uses, through [`HfVisitor`]; loading and saving a checkpoint are two visitors.

use burn::module::Param;
use burn::nn::{Embedding, Linear};
use burn::tensor::Tensor;

use crate::layer_norm::LayerNorm;

/// Sees every parameter of a model under its Hugging Face name.
pub trait HfVisitor {
    /// A matrix. `transposed`: stored as `[out, in]` by PyTorch but `[in, out]` by Burn's `Linear`.
    fn matrix(&mut self, name: &str, param: &mut Param<Tensor<2>>, transposed: bool);
    fn vector(&mut self, name: &str, param: &mut Param<Tensor<1>>);

    fn linear(&mut self, name: &str, linear: &mut Linear) {
        self.matrix(&join(name, "weight"), &mut linear.weight, true);
        if let Some(bias) = &mut linear.bias {
            self.vector(&join(name, "bias"), bias);
        }
    }

    fn layer_norm(&mut self, name: &str, norm: &mut LayerNorm) {
        self.vector(&join(name, "weight"), &mut norm.gamma);
        self.vector(&join(name, "bias"), &mut norm.beta);
    }

    fn embedding(&mut self, name: &str, table: &mut Embedding) {
        self.matrix(&join(name, "weight"), &mut table.weight, false);
    }
}

/// `join("encoder", "layer")` is `encoder.layer`; an empty prefix adds no dot.
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}
