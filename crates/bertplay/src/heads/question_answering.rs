//! Extractive question answering: each token gets a start logit and an end logit
//! (`qa_outputs`, hidden → 2); the answer is the best-scoring span (see `tasks::qa`).

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use crate::config::BertConfig;
use crate::hf_names::HfVisitor;
use crate::init;
use crate::kernels;

#[derive(Module, Debug)]
pub struct QuestionAnsweringHead {
    pub dense: Linear,
}

impl QuestionAnsweringHead {
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        Self { dense: init::dense(config, config.hidden_size, 2, device) }
    }

    /// `[batch, seq, hidden]` → (start, end) logits, `[batch, seq]` each.
    pub fn forward(&self, hidden: Tensor<3>) -> (Tensor<2>, Tensor<2>) {
        let [batch, seq, _] = hidden.dims();
        let logits = kernels::dense(hidden, &self.dense, None);
        let start = logits.clone().slice([0..batch, 0..seq, 0..1]).reshape([batch, seq]);
        let end = logits.slice([0..batch, 0..seq, 1..2]).reshape([batch, seq]);
        (start, end)
    }

    pub fn visit_hf(&mut self, v: &mut impl HfVisitor) {
        v.linear("qa_outputs", &mut self.dense);
    }
}
