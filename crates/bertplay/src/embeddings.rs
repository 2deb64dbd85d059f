//! Input embeddings: word + learned position + token type (segment), then LayerNorm and dropout.

use burn::module::Module;
use burn::nn::Embedding;
use burn::tensor::{Device, Int, Tensor};

use crate::config::BertConfig;
use crate::dropout::Dropout;
use crate::hf_names::{join, HfVisitor};
use crate::init;
use crate::layer_norm::LayerNorm;

#[derive(Module, Debug)]
pub struct Embeddings {
    pub word: Embedding,
    /// One learned vector per position: BERT has no sinusoids, so it knows at most
    /// `max_position_embeddings` positions.
    pub position: Embedding,
    /// Segment A (0) or B (1), for sentence pairs.
    pub token_type: Embedding,
    pub norm: LayerNorm,
    pub dropout: Dropout,
}

impl Embeddings {
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        Self {
            word: init::table(config, config.vocab_size, device),
            position: init::table(config, config.max_position_embeddings, device),
            token_type: init::table(config, config.type_vocab_size, device),
            norm: init::layer_norm(config, device),
            dropout: init::hidden_dropout(config),
        }
    }

    /// `[batch, seq]` ids → `[batch, seq, hidden]` vectors, the encoder's input.
    pub fn forward(&self, input_ids: Tensor<2, Int>, token_type_ids: Tensor<2, Int>) -> Tensor<3> {
        self.forward_words(self.word.forward(input_ids), token_type_ids)
    }

    /// The same from word vectors already looked up (`[batch, seq, hidden]`): saliency scales
    /// them and asks how the prediction changes.
    pub fn forward_words(&self, words: Tensor<3>, token_type_ids: Tensor<2, Int>) -> Tensor<3> {
        let [_, seq, _] = words.dims();
        let token_type = self.token_type.forward(token_type_ids);
        self.dropout.forward(self.norm.forward_residual(words + self.positions(seq), token_type))
    }

    /// The first `seq` learned position vectors, `[1, seq, hidden]`.
    fn positions(&self, seq: usize) -> Tensor<3> {
        self.position.weight.val().narrow(0, 0, seq).unsqueeze_dim(0)
    }

    /// The three summands before normalisation: word `[b, s, h]`, position `[1, s, h]`,
    /// token type `[b, s, h]`. Shown by the playground's "embedding sum" view.
    pub fn parts(
        &self,
        input_ids: Tensor<2, Int>,
        token_type_ids: Tensor<2, Int>,
    ) -> (Tensor<3>, Tensor<3>, Tensor<3>) {
        let [_, seq] = input_ids.dims();
        (self.word.forward(input_ids), self.positions(seq), self.token_type.forward(token_type_ids))
    }

    pub fn visit_hf(&mut self, prefix: &str, v: &mut impl HfVisitor) {
        v.embedding(&join(prefix, "word_embeddings"), &mut self.word);
        v.embedding(&join(prefix, "position_embeddings"), &mut self.position);
        v.embedding(&join(prefix, "token_type_embeddings"), &mut self.token_type);
        v.layer_norm(&join(prefix, "LayerNorm"), &mut self.norm);
    }
}
