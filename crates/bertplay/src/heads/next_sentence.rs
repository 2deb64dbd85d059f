//! Next-sentence prediction: from the pooled `[CLS]` vector, two logits,
//! index 0 = "B follows A" (IsNext), index 1 = "B is random" (NotNext).

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use crate::config::BertConfig;
use crate::hf_names::HfVisitor;
use crate::init;
use crate::kernels;

#[derive(Module, Debug)]
pub struct NextSentenceHead {
    pub dense: Linear,
}

impl NextSentenceHead {
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        Self { dense: init::dense(config, config.hidden_size, 2, device) }
    }

    /// `[batch, hidden]` pooled → `[batch, 2]` logits.
    pub fn forward(&self, pooled: Tensor<2>) -> Tensor<2> {
        kernels::dense(pooled, &self.dense, None)
    }

    pub fn visit_hf(&mut self, v: &mut impl HfVisitor) {
        v.linear("cls.seq_relationship", &mut self.dense);
    }
}
