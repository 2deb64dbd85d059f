//! BERT's initialisation for fresh layers: weights ~ N(0, initializer_range), zero biases,
//! LayerNorm at identity. Parameters are lazy, so loading a checkpoint never pays for it.

use burn::nn::{Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig};
use burn::tensor::Device;

use crate::config::BertConfig;
use crate::dropout::Dropout;
use crate::layer_norm::LayerNorm;

fn normal(config: &BertConfig) -> Initializer {
    Initializer::Normal { mean: 0.0, std: config.initializer_range }
}

/// A dense layer `d_in → d_out`. The bias starts at zero: the initializer only fills weights
/// when the bias is created separately below.
pub fn dense(config: &BertConfig, d_in: usize, d_out: usize, device: &Device) -> Linear {
    let mut linear = LinearConfig::new(d_in, d_out).with_bias(false).with_initializer(normal(config)).init(device);
    linear.bias = Some(Initializer::Zeros.init([d_out], device));
    linear
}

pub fn table(config: &BertConfig, rows: usize, device: &Device) -> Embedding {
    EmbeddingConfig::new(rows, config.hidden_size).with_initializer(normal(config)).init(device)
}

pub fn layer_norm(config: &BertConfig, device: &Device) -> LayerNorm {
    LayerNorm::init(config.hidden_size, config.layer_norm_eps, device)
}

/// Dropout on the hidden states (embeddings, residual branches, heads).
pub fn hidden_dropout(config: &BertConfig) -> Dropout {
    Dropout::new(config.hidden_dropout_prob)
}
