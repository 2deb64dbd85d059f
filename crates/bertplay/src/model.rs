//! `BertModel`: embeddings → encoder stack → pooler. Heads sit on top of it (see `bert.rs`).

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::config::BertConfig;
use crate::embeddings::Embeddings;
use crate::encoder::{Encoder, Outputs};
use crate::encoder_layer::LayerInternals;
use crate::hf_names::HfVisitor;
use crate::pooler::Pooler;

#[derive(Module, Debug)]
pub struct BertModel {
    pub embeddings: Embeddings,
    pub encoder: Encoder,
    /// Absent in checkpoints saved without one; sentence-level heads need it.
    pub pooler: Option<Pooler>,
}

/// A padded batch, as tensors: `[batch, seq]` each.
#[derive(Debug, Clone)]
pub struct BertInput {
    pub input_ids: Tensor<2, Int>,
    pub token_type_ids: Tensor<2, Int>,
    /// 1 for real tokens, 0 for padding.
    pub attention_mask: Tensor<2, Int>,
}

impl BertInput {
    /// Pads rows of `(input ids, token type ids)` to the longest one (id 0, segment 0, mask 0).
    /// Tokenizer encodings become rows in [`crate::loaded_model::input_batch`].
    pub fn padded(rows: &[(&[u32], &[u32])], device: &Device) -> Self {
        let batch = rows.len();
        let seq = rows.iter().map(|(ids, _)| ids.len()).max().unwrap_or(0);
        let pad = |pick: &dyn Fn(usize) -> Vec<i64>| {
            let mut flat = vec![0i64; batch * seq];
            for row in 0..batch {
                let values = pick(row);
                flat[row * seq..row * seq + values.len()].copy_from_slice(&values);
            }
            Tensor::<2, Int>::from_data(TensorData::new(flat, [batch, seq]), device)
        };
        Self {
            input_ids: pad(&|r| rows[r].0.iter().map(|&i| i64::from(i)).collect()),
            token_type_ids: pad(&|r| rows[r].1.iter().map(|&i| i64::from(i)).collect()),
            attention_mask: pad(&|r| vec![1; rows[r].0.len()]),
        }
    }

    /// `[batch, 1, 1, seq]`: 0 where the mask is 1, the most negative float where it is 0, so
    /// that after softmax padding keys get exactly zero weight.
    pub fn mask_bias(&self) -> Tensor<4> {
        let [batch, seq] = self.attention_mask.dims();
        let padding = self.attention_mask.clone().float().neg() + 1.0;
        (padding * f32::MIN).reshape([batch, 1, 1, seq])
    }
}

pub struct BertOutput {
    /// `[batch, seq, hidden]`: one vector per token, for token-level tasks.
    pub last_hidden_state: Tensor<3>,
    /// `[batch, hidden]`: one vector per sequence, when the model has a pooler.
    pub pooler_output: Option<Tensor<2>>,
    pub hidden_states: Vec<Tensor<3>>,
    pub attentions: Vec<Tensor<4>>,
    pub internals: Option<LayerInternals>,
}

impl BertModel {
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        Self {
            embeddings: Embeddings::init(config, device),
            encoder: Encoder::init(config, device),
            pooler: Some(Pooler::init(config, device)),
        }
    }

    pub fn forward(&self, input: &BertInput, outputs: Outputs) -> BertOutput {
        let embedded = self.embeddings.forward(input.input_ids.clone(), input.token_type_ids.clone());
        self.encode(embedded, input, outputs)
    }

    /// The forward pass from the input's word vectors (`[batch, seq, hidden]`, looked up or
    /// changed by the caller); `input` gives the segments and the padding.
    pub fn forward_words(&self, words: Tensor<3>, input: &BertInput, outputs: Outputs) -> BertOutput {
        let embedded = self.embeddings.forward_words(words, input.token_type_ids.clone());
        self.encode(embedded, input, outputs)
    }

    fn encode(&self, embedded: Tensor<3>, input: &BertInput, outputs: Outputs) -> BertOutput {
        let encoded = self.encoder.forward(embedded, input.mask_bias(), outputs);
        let pooler_output = self.pooler.as_ref().map(|p| p.forward(encoded.last_hidden_state.clone()));
        BertOutput {
            last_hidden_state: encoded.last_hidden_state,
            pooler_output,
            hidden_states: encoded.hidden_states,
            attentions: encoded.attentions,
            internals: encoded.internals,
        }
    }

    /// Names without the `bert.` prefix, as `BertModel` saves them.
    pub fn visit_hf(&mut self, v: &mut impl HfVisitor) {
        self.embeddings.visit_hf("embeddings", v);
        self.encoder.visit_hf("encoder", v);
        if let Some(pooler) = &mut self.pooler {
            pooler.visit_hf("pooler", v);
        }
    }
}
