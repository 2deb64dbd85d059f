//! One token's trip through one encoder layer, every number as the engine computed it: the
//! layer's input, one head's Q, K and V, the dot products, the scaling by √d, the softmax, the
//! weighted sum of V, all heads together, the output projection, residual + LayerNorm, the
//! feed-forward's expansion, GELU and shrink, and the layer's output. The learn mode steps
//! through these; nothing is recomputed outside the model.

use serde::Serialize;

use crate::encoder::Outputs;
use crate::error::{BertError, Result};
use crate::loaded_model::LoadedModel;
use crate::readback::{flatten, read_all};
use crate::tokenizer::Truncation;

/// Which layer, head and token to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Focus {
    /// 0-based encoder layer.
    pub layer: usize,
    /// 0-based attention head of that layer.
    pub head: usize,
    /// Position in the tokenized input (0 is `[CLS]`).
    pub token: usize,
}

/// The steps of one layer for one token (and one head's attention), in the order BERT computes
/// them. `[seq]` vectors run over the keys the token attends to.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub tokens: Vec<String>,
    pub layer: usize,
    pub head: usize,
    pub token: usize,
    pub head_dim: usize,
    /// The layer's input, every token: `[seq][hidden]` (the embeddings for layer 0).
    pub input: Vec<Vec<f32>>,
    /// This head's projections of every token: `[seq][head_dim]` each.
    pub q: Vec<Vec<f32>>,
    pub k: Vec<Vec<f32>>,
    pub v: Vec<Vec<f32>>,
    /// `q[token]·k[j]` for every key `j`.
    pub scores: Vec<f32>,
    /// `scores / √head_dim`.
    pub scaled: Vec<f32>,
    /// What the padding mask adds to each key's score: 0 for a real token, the most negative
    /// float for padding (one text has none).
    pub mask: Vec<f32>,
    /// After the padding mask and the softmax: how much the token attends to each key.
    pub probs: Vec<f32>,
    /// This head's weighted sum of V for the token: `[head_dim]`.
    pub context: Vec<f32>,
    /// Every head's context for the token, side by side: `[hidden]`.
    pub heads_concat: Vec<f32>,
    /// After the output projection: `[hidden]`.
    pub attention_output: Vec<f32>,
    /// `LayerNorm(input[token] + attention_output)`: `[hidden]`.
    pub attention_norm: Vec<f32>,
    /// After the expansion and GELU: `[intermediate]`.
    pub intermediate: Vec<f32>,
    /// After the shrink back: `[hidden]`.
    pub ffn_output: Vec<f32>,
    /// `LayerNorm(attention_norm + ffn_output)`, the layer's output for the token: `[hidden]`.
    pub output: Vec<f32>,
    pub truncated: bool,
}

pub async fn explain(p: &LoadedModel, text: &str, text_b: Option<&str>, focus: Focus) -> Result<Explanation> {
    let config = &p.bert.config;
    let (layers, heads) = (config.num_hidden_layers, config.num_attention_heads);
    if focus.layer >= layers {
        return Err(BertError::Input(crate::detail!(
            "input.layer",
            "layer {layer} does not exist: the model has layers 0..{layers}",
            layer = focus.layer,
            layers = layers,
        )));
    }
    if focus.head >= heads {
        return Err(BertError::Input(crate::detail!(
            "input.head",
            "head {head} does not exist: each layer has heads 0..{heads}",
            head = focus.head,
            heads = heads
        )));
    }
    let encoded = p.tokenizer.encode(text, text_b, Truncation::LongestFirst)?;
    let seq = encoded.tokens.len();
    if focus.token >= seq {
        return Err(BertError::Input(crate::detail!(
            "input.token",
            "token {token} does not exist: the input has tokens 0..{count} ({tokens})",
            token = focus.token,
            count = seq,
            tokens = encoded.tokens.join(" "),
        )));
    }
    // The layer's internals hold its probabilities: the other layers keep none.
    let outputs = Outputs { attentions: false, hidden_states: true, internals_layer: Some(focus.layer) };
    let input = p.input(&encoded);
    let mask = input.mask_bias();
    let mut out = p.bert.model.forward(&input, outputs);
    let internals = out.internals.take().expect("the layer's internals were asked for");
    let a = internals.attention;
    // `hidden_states` holds the embeddings, then every layer's output: the layer's input and
    // its output are neighbours.
    let mut states = out.hidden_states.drain(focus.layer..=focus.layer + 1);
    let (input, output) = (states.next().expect("input"), states.next().expect("output"));
    let blocks = read_all(vec![
        flatten(input),
        flatten(a.query),
        flatten(a.key),
        flatten(a.value),
        flatten(a.dot_products),
        flatten(a.scores),
        flatten(a.probs),
        flatten(a.context),
        flatten(internals.attention_output),
        flatten(internals.attention_norm),
        flatten(internals.intermediate),
        flatten(internals.ffn_output),
        flatten(output),
        flatten(mask),
    ])
    .await?;
    let [input, query, key, value, dots, scores, probs, context, attention_output, attention_norm, intermediate, ffn_output, output, mask] =
        <[Vec<f32>; 14]>::try_from(blocks).expect("fourteen blocks read");

    let hidden = config.hidden_size;
    let head_dim = hidden / heads;
    let width = intermediate.len() / seq;
    let rows = |flat: &[f32], width: usize| flat.chunks(width).map(<[f32]>::to_vec).collect::<Vec<_>>();
    let token_row = |flat: &[f32], width: usize| flat[focus.token * width..(focus.token + 1) * width].to_vec();
    // `[heads, seq, …]` blocks: this head's part.
    let head_block =
        |flat: &[f32], width: usize| flat[focus.head * seq * width..(focus.head + 1) * seq * width].to_vec();
    let context_row = token_row(&context, hidden);

    Ok(Explanation {
        tokens: encoded.tokens,
        layer: focus.layer,
        head: focus.head,
        token: focus.token,
        head_dim,
        input: rows(&input, hidden),
        q: rows(&head_block(&query, head_dim), head_dim),
        k: rows(&head_block(&key, head_dim), head_dim),
        v: rows(&head_block(&value, head_dim), head_dim),
        scores: token_row(&head_block(&dots, seq), seq),
        scaled: token_row(&head_block(&scores, seq), seq),
        mask,
        probs: token_row(&head_block(&probs, seq), seq),
        context: context_row[focus.head * head_dim..(focus.head + 1) * head_dim].to_vec(),
        heads_concat: context_row,
        attention_output: token_row(&attention_output, hidden),
        attention_norm: token_row(&attention_norm, hidden),
        intermediate: token_row(&intermediate, width),
        ffn_output: token_row(&ffn_output, hidden),
        output: token_row(&output, hidden),
        truncated: encoded.truncated,
    })
}
