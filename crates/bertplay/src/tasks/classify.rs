//! Sequence classification (sentiment, topic, …): a probability for every label.

use serde::Serialize;

use super::softmax;
use crate::encoder::Outputs;
use crate::error::{BertError, Result};
use crate::heads::HeadKind;
use crate::loaded_model::LoadedModel;
use crate::readback::read_back;
use crate::tokenizer::Truncation;

#[derive(Debug, Clone, Serialize)]
pub struct LabelScore {
    pub label: String,
    pub id: usize,
    pub probability: f32,
}

/// All labels, likeliest first.
pub async fn classify(p: &LoadedModel, text: &str, text_b: Option<&str>) -> Result<Vec<LabelScore>> {
    let head =
        p.bert.sequence_classifier.as_ref().ok_or_else(|| p.bert.missing_head(HeadKind::SequenceClassification))?;
    let encoded = p.tokenizer.encode(text, text_b, Truncation::LongestFirst)?;
    let pooled = p.run(&encoded, Outputs::default()).pooler_output.ok_or_else(|| {
        BertError::MissingHead(crate::detail!(
            "missing_head.pooler_classify",
            "classification needs a pooler; this model has none"
        ))
    })?;
    let probs = softmax(&read_back(head.forward(pooled)).await?);
    Ok(rank(&probs, &p.bert.config.labels()?))
}

/// Pairs probabilities with label names, best first.
pub fn rank(probs: &[f32], labels: &[String]) -> Vec<LabelScore> {
    let mut scores: Vec<LabelScore> = probs
        .iter()
        .enumerate()
        .map(|(id, &probability)| LabelScore {
            label: labels.get(id).cloned().unwrap_or_else(|| format!("LABEL_{id}")),
            id,
            probability,
        })
        .collect();
    scores.sort_by(|a, b| b.probability.total_cmp(&a.probability));
    scores
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranks_best_first_with_names() {
        let labels = ["neg".to_string(), "pos".to_string()];
        let r = super::rank(&[0.2, 0.8], &labels);
        assert_eq!((r[0].label.as_str(), r[0].id), ("pos", 1));
        assert_eq!(r[1].label, "neg");
    }
}
