//! Turning labelled rows and SQuAD questions into training examples for a model's tokenizer, with
//! the checks a user needs before a long run starts: labels the training set never saw, a
//! training set with a single class, questions too long to leave room for a context.

use super::batch::{Example, Target};
use super::labelled::LabelledRow;
use super::squad::{qa_windows, QaExample, QaWindow};
use crate::error::{BertError, Result};
use crate::tokenizer::{BertTokenizer, Truncation};

/// Sequence-classification examples; `labels` are the model's label names, in id order.
/// A row whose label is not among them is an error naming its line.
pub fn classification_examples(
    tokenizer: &BertTokenizer,
    rows: &[LabelledRow],
    labels: &[String],
    max_len: usize,
) -> Result<Vec<Example>> {
    let tokenizer = tokenizer.with_max_len(max_len)?;
    rows.iter()
        .map(|row| {
            let label = labels.iter().position(|l| *l == row.label).ok_or_else(|| {
                BertError::Input(format!(
                    "line {}: label {:?} is not one the model was trained with ({})",
                    row.line,
                    row.label,
                    labels.join(", ")
                ))
            })?;
            let encoded = tokenizer
                .encode(&row.text, row.text_b.as_deref(), Truncation::LongestFirst)
                .map_err(|e| BertError::Input(format!("line {}: {e}", row.line)))?;
            Ok(Example { encoded, target: Target::Label(label) })
        })
        .collect()
}

/// A warning for a training set that cannot teach a decision, or `None`.
pub fn single_class_warning(labels: &[String]) -> Option<String> {
    (labels.len() < 2).then(|| {
        format!(
            "the training data has only one label ({}): the model can only learn to always predict it",
            labels.first().map(String::as_str).unwrap_or("none")
        )
    })
}

/// Every question's windows (the course's max length and doc stride), kept per question so
/// evaluation can pick the best span over all of them. A question too long to leave room for
/// its context gets no windows (it cannot be trained on, and scores as unanswered) and is
/// listed in `skipped`.
pub struct QuestionWindows {
    pub windows: Vec<Vec<QaWindow>>,
    pub skipped: Vec<String>,
}

pub fn qa_question_windows(
    tokenizer: &BertTokenizer,
    questions: &[QaExample],
    max_len: usize,
    stride: usize,
) -> Result<QuestionWindows> {
    let mut out = QuestionWindows { windows: Vec::with_capacity(questions.len()), skipped: Vec::new() };
    for q in questions {
        match qa_windows(tokenizer, q, max_len, stride) {
            Ok(windows) => out.windows.push(windows),
            Err(e) => {
                out.skipped.push(format!("question {}: {e}", q.id));
                out.windows.push(Vec::new());
            }
        }
    }
    Ok(out)
}

/// Training examples from windows: every window, with the answer's tokens or `[CLS]` when the
/// window does not hold the whole answer.
pub fn qa_examples(windows: &[Vec<QaWindow>]) -> Vec<Example> {
    windows
        .iter()
        .flatten()
        .map(|w| Example { encoded: w.encoded.clone(), target: Target::Span { start: w.start, end: w.end } })
        .collect()
}
