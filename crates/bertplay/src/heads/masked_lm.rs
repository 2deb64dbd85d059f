//! The masked-LM head: transform (dense → activation → LayerNorm), then scores against every
//! word embedding. The decoder *is* the word-embedding table (tied weights), plus a bias.

use burn::module::{Module, Param};
use burn::nn::{Embedding, Initializer, Linear};
use burn::tensor::{Device, Tensor};

use crate::activation::HiddenAct;
use crate::config::BertConfig;
use crate::hf_names::{join, HfVisitor};
use crate::init;
use crate::kernels;
use crate::layer_norm::LayerNorm;

#[derive(Module, Debug)]
pub struct MaskedLmHead {
    pub dense: Linear,
    pub norm: LayerNorm,
    /// One bias per vocabulary entry (`cls.predictions.bias`).
    pub bias: Param<Tensor<1>>,
    #[module(skip)]
    pub act: HiddenAct,
}

impl MaskedLmHead {
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        Self {
            dense: init::dense(config, config.hidden_size, config.hidden_size, device),
            norm: init::layer_norm(config, device),
            bias: Initializer::Zeros.init([config.vocab_size], device),
            act: config.hidden_act,
        }
    }

    /// `[n, hidden]` token vectors → `[n, vocab]` logits. Pass only the rows you need
    /// (the `[MASK]` positions): the vocabulary projection is the costliest matmul in BERT.
    pub fn forward(&self, hidden: Tensor<2>, word_embeddings: &Embedding) -> Tensor<2> {
        let h = self.norm.forward(kernels::dense(hidden, &self.dense, Some(self.act)));
        kernels::linear(h, word_embeddings.weight.val().transpose(), Some(self.bias.val()), None)
    }

    pub fn visit_hf(&mut self, v: &mut impl HfVisitor) {
        let prefix = "cls.predictions";
        v.linear(&join(prefix, "transform.dense"), &mut self.dense);
        v.layer_norm(&join(prefix, "transform.LayerNorm"), &mut self.norm);
        v.vector(&join(prefix, "bias"), &mut self.bias);
    }
}
