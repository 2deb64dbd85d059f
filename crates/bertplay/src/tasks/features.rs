//! Feature extraction: one vector per token, the encoder's last hidden state, which sentence
//! embeddings and most downstream uses start from. The cheapest task: nothing else is kept.

use serde::Serialize;

use crate::encoder::Outputs;
use crate::error::Result;
use crate::loaded_model::LoadedModel;
use crate::readback::read_back;
use crate::tokenizer::Truncation;

#[derive(Debug, Clone, Serialize)]
pub struct Features {
    pub tokens: Vec<String>,
    /// Length of each token's vector (the hidden size).
    pub hidden: usize,
    /// `[token][dim]`, flattened.
    pub last_hidden_state: Vec<f32>,
    pub truncated: bool,
}

pub async fn features(p: &LoadedModel, text: &str, text_b: Option<&str>) -> Result<Features> {
    let encoded = p.tokenizer.encode(text, text_b, Truncation::LongestFirst)?;
    let out = p.run(&encoded, Outputs::default());
    let last_hidden_state = read_back(out.last_hidden_state).await?;
    Ok(Features {
        tokens: encoded.tokens,
        hidden: p.bert.config.hidden_size,
        last_hidden_state,
        truncated: encoded.truncated,
    })
}
