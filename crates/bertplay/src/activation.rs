//! The feed-forward non-linearity named by `hidden_act` in `config.json`.

use burn::tensor::{activation, Tensor};
use serde::{Deserialize, Serialize};

/// BERT uses the exact (erf) GELU; later checkpoints sometimes name a cheaper variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum HiddenAct {
    #[default]
    #[serde(rename = "gelu")]
    Gelu,
    /// The tanh approximation (`gelu_new`, `gelu_pytorch_tanh` in transformers).
    #[serde(rename = "gelu_new", alias = "gelu_pytorch_tanh", alias = "gelu_fast")]
    GeluTanh,
    #[serde(rename = "relu")]
    Relu,
    #[serde(rename = "silu", alias = "swish")]
    Silu,
}

impl HiddenAct {
    pub fn forward<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            HiddenAct::Gelu => activation::gelu(x),
            HiddenAct::GeluTanh => activation::gelu_approximate(x),
            HiddenAct::Relu => activation::relu(x),
            HiddenAct::Silu => activation::silu(x),
        }
    }
}
