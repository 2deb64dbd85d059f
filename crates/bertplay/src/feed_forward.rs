//! The position-wise feed-forward block: expand (hidden → intermediate), activation, shrink back.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use crate::activation::HiddenAct;
use crate::config::BertConfig;
use crate::hf_names::{join, HfVisitor};
use crate::init;
use crate::kernels;

#[derive(Module, Debug)]
pub struct FeedForward {
    /// `intermediate.dense`: hidden → intermediate (4× wider in BERT).
    pub expand: Linear,
    /// `output.dense`: intermediate → hidden.
    pub shrink: Linear,
    #[module(skip)]
    pub act: HiddenAct,
}

impl FeedForward {
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        Self {
            expand: init::dense(config, config.hidden_size, config.intermediate_size, device),
            shrink: init::dense(config, config.intermediate_size, config.hidden_size, device),
            act: config.hidden_act,
        }
    }

    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.output(self.intermediate(x))
    }

    /// Expand and activate (transformers' `BertIntermediate`): `[batch, seq, intermediate]`.
    pub fn intermediate(&self, x: Tensor<3>) -> Tensor<3> {
        kernels::dense(x, &self.expand, Some(self.act))
    }

    /// Shrink back to the hidden size (the dense half of transformers' `BertOutput`).
    pub fn output(&self, x: Tensor<3>) -> Tensor<3> {
        kernels::dense(x, &self.shrink, None)
    }

    /// `prefix` is the encoder layer's own name: HF keeps the two halves in sibling modules.
    pub fn visit_hf(&mut self, prefix: &str, v: &mut impl HfVisitor) {
        v.linear(&join(prefix, "intermediate.dense"), &mut self.expand);
        v.linear(&join(prefix, "output.dense"), &mut self.shrink);
    }
}
