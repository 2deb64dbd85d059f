//! Everything the playground draws for one input: tokens, every layer's attention, every
//! hidden state, the pooler output, and optionally one layer's Q/K/V and raw scores.

use burn::tensor::Tensor;
use serde::Serialize;

use crate::encoder::Outputs;
use crate::error::{BertError, Result};
use crate::loaded_model::LoadedModel;
use crate::readback::{flatten, read_all};
use crate::tokenizer::Truncation;

#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub tokens: Vec<String>,
    pub input_ids: Vec<u32>,
    pub token_type_ids: Vec<u32>,
    /// 1 for `[CLS]`, `[SEP]` and other tokens the tokenizer added, 0 for the text's own.
    pub special_tokens_mask: Vec<u32>,
    /// The three vectors summed (then normalised) into `hidden_states[0]`.
    pub embeddings: EmbeddingParts,
    /// `[layer][head][query][key]`.
    pub attentions: Vec<Vec<Vec<Vec<f32>>>>,
    /// `[layer + 1][token][dim]`, the embedding output first.
    pub hidden_states: Vec<Vec<Vec<f32>>>,
    /// `[dim]`; `None` for checkpoints without a pooler.
    pub pooler: Option<Vec<f32>>,
    pub truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internals: Option<Internals>,
}

/// Word, position and segment embedding of every token, `[token][dim]` each.
#[derive(Debug, Clone, Serialize)]
pub struct EmbeddingParts {
    pub word: Vec<Vec<f32>>,
    pub position: Vec<Vec<f32>>,
    pub token_type: Vec<Vec<f32>>,
}

/// One layer's attention arithmetic, per head.
#[derive(Debug, Clone, Serialize)]
pub struct Internals {
    pub layer: usize,
    /// `[head][token][head_size]` each.
    pub query: Vec<Vec<Vec<f32>>>,
    pub key: Vec<Vec<Vec<f32>>>,
    pub value: Vec<Vec<Vec<f32>>>,
    /// `QKᵀ/√d` before masking and softmax: `[head][query][key]`.
    pub scores: Vec<Vec<Vec<f32>>>,
}

/// What an inspection reads back, as flat row-major blocks (the browser takes them as typed
/// arrays; [`InspectionBlocks::nested`] gives the JSON shape).
#[derive(Debug, Clone)]
pub struct InspectionBlocks {
    pub tokens: Vec<String>,
    pub input_ids: Vec<u32>,
    pub token_type_ids: Vec<u32>,
    pub special_tokens_mask: Vec<u32>,
    pub truncated: bool,
    pub layers: usize,
    pub heads: usize,
    /// `[token][dim]` each.
    pub word: Vec<f32>,
    pub position: Vec<f32>,
    pub token_type: Vec<f32>,
    /// `[layer][head][query][key]`.
    pub attentions: Vec<f32>,
    /// `[layer + 1][token][dim]`.
    pub hidden_states: Vec<f32>,
    pub pooler: Option<Vec<f32>>,
    /// The layer, then `[head][token][head_size]` Q, K, V and `[head][query][key]` scores.
    pub internals: Option<(usize, [Vec<f32>; 4])>,
}

pub async fn inspect(
    p: &LoadedModel,
    text: &str,
    text_b: Option<&str>,
    internals_layer: Option<usize>,
) -> Result<Inspection> {
    Ok(inspect_blocks(p, text, text_b, internals_layer).await?.nested())
}

pub async fn inspect_blocks(
    p: &LoadedModel,
    text: &str,
    text_b: Option<&str>,
    internals_layer: Option<usize>,
) -> Result<InspectionBlocks> {
    let layers = p.bert.config.num_hidden_layers;
    if let Some(layer) = internals_layer.filter(|&l| l >= layers) {
        return Err(BertError::Input(crate::detail!(
            "input.layer",
            "layer {layer} does not exist: the model has layers 0..{layers}",
            layer = layer,
            layers = layers
        )));
    }
    let encoded = p.tokenizer.encode(text, text_b, Truncation::LongestFirst)?;
    let input = p.input(&encoded);
    let (word, position, token_type) =
        p.bert.model.embeddings.parts(input.input_ids.clone(), input.token_type_ids.clone());
    let out = p.bert.model.forward(&input, Outputs { attentions: true, hidden_states: true, internals_layer });

    // Everything in one read: [word, position, token type, attentions, hidden states, pooler?,
    // q, k, v, scores?].
    let mut tensors = vec![
        flatten(word),
        flatten(position),
        flatten(token_type),
        flatten(Tensor::cat(out.attentions, 0)),
        flatten(Tensor::cat(out.hidden_states, 0)),
    ];
    let has_pooler = out.pooler_output.is_some();
    tensors.extend(out.pooler_output.map(flatten));
    if let Some(i) = out.internals.map(|i| i.attention) {
        tensors.extend([flatten(i.query), flatten(i.key), flatten(i.value), flatten(i.scores)]);
    }
    let mut read = read_all(tensors).await?.into_iter();
    let mut next = || read.next().unwrap_or_default();
    let (word, position, token_type, attentions, hidden_states) = (next(), next(), next(), next(), next());
    let pooler = has_pooler.then(&mut next);
    let internals = internals_layer.map(|layer| (layer, [next(), next(), next(), next()]));
    Ok(InspectionBlocks {
        special_tokens_mask: encoded.sequence_ids.iter().map(|s| u32::from(s.is_none())).collect(),
        tokens: encoded.tokens,
        input_ids: encoded.ids,
        token_type_ids: encoded.type_ids,
        truncated: encoded.truncated,
        layers,
        heads: p.bert.config.num_attention_heads,
        word,
        position,
        token_type,
        attentions,
        hidden_states,
        pooler,
        internals,
    })
}

impl InspectionBlocks {
    /// The blocks as nested lists, the shape `bertplay inspect --json` prints.
    pub fn nested(self) -> Inspection {
        let (seq, heads) = (self.tokens.len(), self.heads);
        let internals = self.internals.map(|(layer, [query, key, value, scores])| Internals {
            layer,
            query: nest3(&query, heads, seq),
            key: nest3(&key, heads, seq),
            value: nest3(&value, heads, seq),
            scores: nest3(&scores, heads, seq),
        });
        Inspection {
            embeddings: EmbeddingParts {
                word: nest2(&self.word, seq),
                position: nest2(&self.position, seq),
                token_type: nest2(&self.token_type, seq),
            },
            attentions: self.attentions.chunks((heads * seq * seq).max(1)).map(|l| nest3(l, heads, seq)).collect(),
            hidden_states: nest3(&self.hidden_states, self.layers + 1, seq),
            pooler: self.pooler,
            tokens: self.tokens,
            input_ids: self.input_ids,
            token_type_ids: self.token_type_ids,
            special_tokens_mask: self.special_tokens_mask,
            truncated: self.truncated,
            internals,
        }
    }
}

/// A flat `[a, b]` buffer as rows.
fn nest2(flat: &[f32], a: usize) -> Vec<Vec<f32>> {
    flat.chunks((flat.len() / a.max(1)).max(1)).map(<[f32]>::to_vec).collect()
}

/// A flat `[a, b, c]` buffer as nested vectors.
fn nest3(flat: &[f32], a: usize, b: usize) -> Vec<Vec<Vec<f32>>> {
    let c = flat.len() / (a * b).max(1);
    flat.chunks(b * c).map(|m| m.chunks(c).map(<[f32]>::to_vec).collect()).collect()
}
