//! Next-sentence prediction: how likely is it that B really follows A?

use serde::Serialize;

use super::softmax;
use crate::encoder::Outputs;
use crate::error::{BertError, Result};
use crate::heads::HeadKind;
use crate::loaded_model::LoadedModel;
use crate::readback::read_back;
use crate::tokenizer::Truncation;

#[derive(Debug, Clone, Serialize)]
pub struct NextSentence {
    /// P(IsNext): B follows A.
    pub is_next: f32,
    /// The two raw logits, `[IsNext, NotNext]`.
    pub logits: [f32; 2],
}

pub async fn next_sentence(p: &LoadedModel, a: &str, b: &str) -> Result<NextSentence> {
    let head = p.bert.next_sentence.as_ref().ok_or_else(|| p.bert.missing_head(HeadKind::NextSentence))?;
    let encoded = p.tokenizer.encode(a, Some(b), Truncation::LongestFirst)?;
    let pooled = p.run(&encoded, Outputs::default()).pooler_output.ok_or_else(|| {
        BertError::MissingHead(crate::detail!(
            "missing_head.pooler_nsp",
            "next-sentence prediction needs a pooler; this model has none"
        ))
    })?;
    let logits = read_back(head.forward(pooled)).await?;
    let probs = softmax(&logits);
    Ok(NextSentence { is_next: probs[0], logits: [logits[0], logits[1]] })
}
