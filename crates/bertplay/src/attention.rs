//! Multi-head self-attention, written out so every step can be looked at:
//! Q, K, V projections → scores QKᵀ/√d → softmax (padding masked) → weighted sum of V →
//! heads concatenated → output projection.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{activation::softmax, Device, Tensor};

use crate::kernels::{self, AttentionInputs};

use crate::config::BertConfig;
use crate::dropout::Dropout;
use crate::hf_names::{join, HfVisitor};
use crate::init;

#[derive(Module, Debug)]
pub struct SelfAttention {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    /// Mixes the concatenated heads back into one hidden vector (`attention.output.dense`).
    pub output: Linear,
    /// Dropout on the attention probabilities, as in the original BERT.
    pub dropout: Dropout,
    pub heads: usize,
}

/// What one layer's attention computed on the way, for the views and the learn mode's steps.
#[derive(Debug, Clone)]
pub struct AttentionInternals {
    /// `[batch, heads, seq, head_size]` each.
    pub query: Tensor<4>,
    pub key: Tensor<4>,
    pub value: Tensor<4>,
    /// `QKᵀ`, every query's dot product with every key: `[batch, heads, seq, seq]`.
    pub dot_products: Tensor<4>,
    /// `QKᵀ/√d` before the padding mask and softmax: `[batch, heads, seq, seq]`.
    pub scores: Tensor<4>,
    /// After the mask and softmax (before dropout): `[batch, heads, seq, seq]`.
    pub probs: Tensor<4>,
    /// Every head's weighted sum of V, concatenated: `[batch, seq, hidden]`, before the
    /// output projection.
    pub context: Tensor<3>,
}

/// What one layer's attention returns besides its output (the encoder asks per layer).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayerOutputs {
    pub probs: bool,
    pub internals: bool,
}

/// The layer's output, and what was asked to be kept on the way.
pub struct AttentionOutput {
    /// `[batch, seq, hidden]`, before the residual connection.
    pub output: Tensor<3>,
    /// Softmax probabilities before dropout: `[batch, heads, query, key]`.
    pub probs: Option<Tensor<4>>,
    pub internals: Option<AttentionInternals>,
}

impl SelfAttention {
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        let h = config.hidden_size;
        Self {
            query: init::dense(config, h, h, device),
            key: init::dense(config, h, h, device),
            value: init::dense(config, h, h, device),
            output: init::dense(config, h, h, device),
            dropout: Dropout::new(config.attention_probs_dropout_prob),
            heads: config.num_attention_heads,
        }
    }

    /// `x`: `[batch, seq, hidden]`; `mask_bias`: `[batch, 1, 1, seq]`, 0 for real tokens and a
    /// huge negative number for padding, so padding gets exactly zero probability.
    pub fn forward(&self, x: Tensor<3>, mask_bias: Tensor<4>, keep: LayerOutputs) -> AttentionOutput {
        let [batch, seq, hidden] = x.dims();
        let head_size = hidden / self.heads;
        let device = x.device();
        let q = kernels::dense(x.clone(), &self.query, None);
        let k = kernels::dense(x.clone(), &self.key, None);
        let v = kernels::dense(x, &self.value, None);

        // The engine's own kernel reads each head where the projections left it (no split or
        // merge copies), applies dropout while training, and keeps the probabilities if asked.
        // (Probabilities kept while gradients are tracked take the written-out path below.)
        if kernels::has_attention_kernel(&q) && !keep.internals && !(keep.probs && device.is_autodiff()) {
            let inputs = AttentionInputs {
                query: q,
                key: k,
                value: v,
                mask_bias: mask_bias.reshape([batch, seq]),
                heads: self.heads,
                dropout: self.dropout.multipliers([batch, self.heads, seq, seq], &device),
                keep_probs: keep.probs,
            };
            let (context, probs) = kernels::attention(inputs);
            return AttentionOutput { output: kernels::dense(context, &self.output, None), probs, internals: None };
        }

        let split_heads = |t: Tensor<3>| t.reshape([batch, seq, self.heads, head_size]).swap_dims(1, 2);
        let (q, k, v) = (split_heads(q), split_heads(k), split_heads(v));

        // Plain inference keeps nothing, so the backend's fused kernel may compute
        // softmax(QKᵀ/√d + mask)·V in one pass without materialising the probabilities.
        if !keep.probs && !keep.internals && !device.is_autodiff() {
            let [_, _, _, keys] = mask_bias.dims();
            // One [seq, seq] tile per sequence, shared by the heads (no per-head copy).
            let bias = mask_bias.expand([batch, 1, seq, keys]);
            let context = attention(q, k, v, None, Some(bias), AttentionModuleOptions::default());
            let context = context.swap_dims(1, 2).reshape([batch, seq, hidden]);
            return AttentionOutput {
                output: kernels::dense(context, &self.output, None),
                probs: None,
                internals: None,
            };
        }

        let scale = (head_size as f64).sqrt().recip();
        // Kept, the dot products are a step of their own; otherwise scaling Q (seq × hidden
        // numbers) is cheaper than scaling the scores (seq × seq × heads).
        let (dot_products, scores) = if keep.internals {
            let dots = q.clone().matmul(k.clone().swap_dims(2, 3));
            (Some(dots.clone()), dots * scale)
        } else {
            (None, (q.clone() * scale).matmul(k.clone().swap_dims(2, 3)))
        };
        let probs = softmax(scores.clone() + mask_bias, 3);

        let context = self.dropout.forward(probs.clone()).matmul(v.clone());
        let context = context.swap_dims(1, 2).reshape([batch, seq, hidden]);
        let internals = dot_products.map(|dot_products| AttentionInternals {
            query: q,
            key: k,
            value: v,
            dot_products,
            scores,
            probs: probs.clone(),
            context: context.clone(),
        });
        AttentionOutput {
            output: kernels::dense(context, &self.output, None),
            probs: keep.probs.then_some(probs),
            internals,
        }
    }

    /// `prefix` is the layer's `attention`: Q/K/V live under `self`, the projection under `output`.
    pub fn visit_hf(&mut self, prefix: &str, v: &mut impl HfVisitor) {
        v.linear(&join(prefix, "self.query"), &mut self.query);
        v.linear(&join(prefix, "self.key"), &mut self.key);
        v.linear(&join(prefix, "self.value"), &mut self.value);
        v.linear(&join(prefix, "output.dense"), &mut self.output);
    }
}
