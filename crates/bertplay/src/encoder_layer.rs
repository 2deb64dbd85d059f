//! One transformer encoder layer, post-LayerNorm as in BERT:
//! `h = LN(x + Attention(x))`, then `y = LN(h + FeedForward(h))`.

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use crate::attention::{AttentionInternals, LayerOutputs, SelfAttention};
use crate::config::BertConfig;
use crate::dropout::Dropout;
use crate::feed_forward::FeedForward;
use crate::hf_names::{join, HfVisitor};
use crate::init;
use crate::layer_norm::LayerNorm;

/// A layer's output, and what it was asked to keep on the way.
pub struct LayerOutput {
    /// `[batch, seq, hidden]`: the next layer's input.
    pub hidden: Tensor<3>,
    /// `[batch, heads, seq, seq]`, when kept.
    pub probs: Option<Tensor<4>>,
    pub internals: Option<LayerInternals>,
}

/// Every intermediate result of one layer, in the order the layer computes them: the attention's
/// own, then the two residual blocks. `[batch, seq, width]` each.
#[derive(Debug, Clone)]
pub struct LayerInternals {
    pub attention: AttentionInternals,
    /// After the output projection, before the residual.
    pub attention_output: Tensor<3>,
    /// `LN(x + attention_output)`.
    pub attention_norm: Tensor<3>,
    /// After the expansion and the activation (GELU): `[batch, seq, intermediate]`.
    pub intermediate: Tensor<3>,
    /// After the shrink back to the hidden size, before the residual.
    pub ffn_output: Tensor<3>,
}

#[derive(Module, Debug)]
pub struct EncoderLayer {
    pub attention: SelfAttention,
    pub attention_norm: LayerNorm,
    pub feed_forward: FeedForward,
    pub output_norm: LayerNorm,
    /// Dropout on each residual branch before it is added back.
    pub dropout: Dropout,
}

impl EncoderLayer {
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        Self {
            attention: SelfAttention::init(config, device),
            attention_norm: init::layer_norm(config, device),
            feed_forward: FeedForward::init(config, device),
            output_norm: init::layer_norm(config, device),
            dropout: init::hidden_dropout(config),
        }
    }

    pub fn forward(&self, x: Tensor<3>, mask_bias: Tensor<4>, keep: LayerOutputs) -> LayerOutput {
        let attended = self.attention.forward(x.clone(), mask_bias, keep);
        let h = self.attention_norm.forward_residual(self.dropout.forward(attended.output.clone()), x);
        let Some(attention) = attended.internals else {
            let y = self.output_norm.forward_residual(self.dropout.forward(self.feed_forward.forward(h.clone())), h);
            return LayerOutput { hidden: y, probs: attended.probs, internals: None };
        };
        // The same arithmetic, each step kept.
        let intermediate = self.feed_forward.intermediate(h.clone());
        let ffn_output = self.feed_forward.output(intermediate.clone());
        let y = self.output_norm.forward_residual(self.dropout.forward(ffn_output.clone()), h.clone());
        let internals = LayerInternals {
            attention,
            attention_output: attended.output,
            attention_norm: h,
            intermediate,
            ffn_output,
        };
        LayerOutput { hidden: y, probs: attended.probs, internals: Some(internals) }
    }

    pub fn visit_hf(&mut self, prefix: &str, v: &mut impl HfVisitor) {
        self.attention.visit_hf(&join(prefix, "attention"), v);
        v.layer_norm(&join(prefix, "attention.output.LayerNorm"), &mut self.attention_norm);
        self.feed_forward.visit_hf(prefix, v);
        v.layer_norm(&join(prefix, "output.LayerNorm"), &mut self.output_norm);
    }
}
