//! What each kind of training minimises, on top of the encoder:
//! - pretraining: masked-LM cross-entropy over the masked tokens + NSP cross-entropy (BERT's sum);
//! - classification: cross-entropy of the label from the pooled `[CLS]` vector;
//! - question answering: the mean of the start and end positions' cross-entropies.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor};

use super::batch::Batch;
use crate::bert::Bert;
use crate::encoder::Outputs;
use crate::error::{BertError, Result};
use crate::heads::HeadKind;

/// The loss, and the logits evaluation scores.
pub struct LossAndLogits {
    /// A one-element tensor.
    pub loss: Tensor<1>,
    pub logits: Logits,
}

pub enum Logits {
    /// `[masked tokens, vocab]` and `[batch, 2]` (index 0 = "B follows A", as in BERT).
    Pretraining { masked_lm: Tensor<2>, next_sentence: Tensor<2> },
    /// `[batch, labels]`.
    Classification(Tensor<2>),
    /// `[batch, seq]` each.
    QuestionAnswering { start: Tensor<2>, end: Tensor<2> },
}

/// Mean cross-entropy of `logits` `[n, classes]` against class ids `[n]`.
pub fn cross_entropy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let [n, _] = logits.dims();
    log_softmax(logits, 1).gather(1, targets.reshape([n, 1])).mean().neg()
}

/// The heads a batch's objective needs, for a clear error before any work is done.
pub fn needed_heads(batch: &Batch) -> &'static [HeadKind] {
    match batch {
        Batch::Pretraining { .. } => &[HeadKind::MaskedLm, HeadKind::NextSentence],
        Batch::Classification { .. } => &[HeadKind::SequenceClassification],
        Batch::QuestionAnswering { .. } => &[HeadKind::QuestionAnswering],
    }
}

pub fn forward(bert: &Bert, batch: &Batch) -> Result<LossAndLogits> {
    if let Some(&missing) = needed_heads(batch).iter().find(|&&k| !bert.has_head(k)) {
        return Err(bert.missing_head(missing));
    }
    let output = bert.model.forward(batch.input(), Outputs::default());
    let pooled = || {
        output
            .pooler_output
            .clone()
            .ok_or_else(|| BertError::MissingHead(crate::detail!("missing_head.pooler", "this model has no pooler")))
    };
    Ok(match batch {
        Batch::Pretraining { mlm_positions, mlm_labels, is_next, .. } => {
            let [b, s, h] = output.last_hidden_state.dims();
            let masked = output.last_hidden_state.clone().reshape([b * s, h]).select(0, mlm_positions.clone());
            let head = bert.masked_lm.as_ref().expect("checked above");
            let masked_lm = head.forward(masked, &bert.model.embeddings.word);
            let next_sentence = bert.next_sentence.as_ref().expect("checked above").forward(pooled()?);
            // BERT's NSP label 0 means "is next".
            let nsp_targets = is_next.clone().neg() + 1;
            let nsp_loss = cross_entropy(next_sentence.clone(), nsp_targets);
            // A batch with nothing to predict (only special or unknown tokens) trains NSP alone:
            // the mean over zero masked tokens would be NaN. The count is a shape, not a read.
            let loss = if mlm_labels.dims()[0] == 0 {
                nsp_loss
            } else {
                cross_entropy(masked_lm.clone(), mlm_labels.clone()) + nsp_loss
            };
            LossAndLogits { loss, logits: Logits::Pretraining { masked_lm, next_sentence } }
        }
        Batch::Classification { labels, .. } => {
            let logits = bert.sequence_classifier.as_ref().expect("checked above").forward(pooled()?);
            LossAndLogits {
                loss: cross_entropy(logits.clone(), labels.clone()),
                logits: Logits::Classification(logits),
            }
        }
        Batch::QuestionAnswering { starts, ends, .. } => {
            let head = bert.question_answering.as_ref().expect("checked above");
            let (start, end) = head.forward(output.last_hidden_state);
            let loss = (cross_entropy(start.clone(), starts.clone()) + cross_entropy(end.clone(), ends.clone())) / 2.0;
            LossAndLogits { loss, logits: Logits::QuestionAnswering { start, end } }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn cross_entropy_matches_the_formula() {
        let device = Device::flex();
        let logits = Tensor::<2>::from_data([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5]], &device);
        let targets = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 2], [2]), &device);
        let got: f32 = cross_entropy(logits, targets).into_scalar();
        let first = -(2.0f64.exp() / (2.0f64.exp() + 1.0 + (-1.0f64).exp())).ln();
        let second = 3.0f64.ln();
        assert!((got as f64 - (first + second) / 2.0).abs() < 1e-5);
    }
}
