//! The pooler: `tanh(dense(h[CLS]))`, one vector per sequence for sentence-level heads
//! (next-sentence prediction, classification). Token-level tasks use the hidden states instead.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use crate::config::BertConfig;
use crate::hf_names::{join, HfVisitor};
use crate::init;
use crate::kernels;

#[derive(Module, Debug)]
pub struct Pooler {
    pub dense: Linear,
}

impl Pooler {
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        Self { dense: init::dense(config, config.hidden_size, config.hidden_size, device) }
    }

    /// `[batch, seq, hidden]` → `[batch, hidden]`, from the first (`[CLS]`) token.
    pub fn forward(&self, hidden: Tensor<3>) -> Tensor<2> {
        let [batch, _, width] = hidden.dims();
        let cls = hidden.slice([0..batch, 0..1]).reshape([batch, width]);
        kernels::dense(cls, &self.dense, None).tanh()
    }

    pub fn visit_hf(&mut self, prefix: &str, v: &mut impl HfVisitor) {
        v.linear(&join(prefix, "dense"), &mut self.dense);
    }
}
