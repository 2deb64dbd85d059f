//! Classification heads: dropout then one dense layer to `num_labels` logits. The same layer
//! (`classifier` in HF) reads the pooled vector for a sentence label, or every token's hidden
//! state for token labels (e.g. named entities).

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use crate::config::BertConfig;
use crate::dropout::Dropout;
use crate::hf_names::HfVisitor;
use crate::init;
use crate::kernels;

#[derive(Module, Debug)]
pub struct Classifier {
    pub dropout: Dropout,
    pub dense: Linear,
}

impl Classifier {
    pub fn init(config: &BertConfig, num_labels: usize, device: &Device) -> Self {
        Self {
            dropout: init::hidden_dropout(config),
            dense: init::dense(config, config.hidden_size, num_labels, device),
        }
    }

    /// `[…, hidden]` → `[…, num_labels]` logits.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        kernels::dense(self.dropout.forward(x), &self.dense, None)
    }

    pub fn visit_hf(&mut self, v: &mut impl HfVisitor) {
        v.linear("classifier", &mut self.dense);
    }
}
