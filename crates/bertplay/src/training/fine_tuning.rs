//! Turning labelled rows and SQuAD questions into training examples for a model's tokenizer, with
//! the checks a user needs before a long run starts: labels the training set never saw, a
//! training set with a single class, questions too long to leave room for a context.

use std::collections::BTreeMap;

use super::batch::{Example, Target};
use super::labelled::LabelledRow;
use super::squad::{qa_windows, QaExample, QaWindow};
use crate::config::MAX_LABELS;
use crate::error::{BertError, Detail, Result};
use crate::rng::Rng;
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
                BertError::Input(crate::detail!(
                    "input.unknown_label",
                    "line {line}: label {label:?} is not one the model was trained with ({labels})",
                    line = row.line,
                    label = &row.label,
                    labels = labels.join(", "),
                ))
            })?;
            let encoded = tokenizer
                .encode(&row.text, row.text_b.as_deref(), Truncation::LongestFirst)
                .map_err(|e| BertError::Input(format!("line {}: {e}", row.line).into()))?;
            Ok(Example { encoded, target: Target::Label(label) })
        })
        .collect()
}

/// Splits rows into training and validation sets: `fraction` of each label's rows, at least one
/// when a label has two or more (a label's only row trains), picked with `seed`. Per label, so a small set still validates
/// every class; both parts keep the file's order.
pub fn split_validation(rows: Vec<LabelledRow>, fraction: f64, seed: u64) -> (Vec<LabelledRow>, Vec<LabelledRow>) {
    let mut rng = Rng::new(seed);
    let mut held = vec![false; rows.len()];
    // Each label's rows in one pass (sorted by label so the draws are the same every time):
    // linear in the rows however many labels there are.
    let mut by_label: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        by_label.entry(row.label.as_str()).or_default().push(i);
    }
    for mut members in by_label.into_values() {
        let wanted = (fraction.clamp(0.0, 1.0) * members.len() as f64).round() as usize;
        let wanted = if fraction > 0.0 && members.len() >= 2 { wanted.clamp(1, members.len() - 1) } else { 0 };
        rng.shuffle(&mut members);
        members[..wanted].iter().for_each(|&i| held[i] = true);
    }
    let (mut train, mut validation) = (Vec::new(), Vec::new());
    for (row, held) in rows.into_iter().zip(held) {
        if held {
            validation.push(row)
        } else {
            train.push(row)
        }
    }
    (train, validation)
}

/// Refuses more labels than a classifier here may have (usually the wrong column).
pub fn check_label_count(labels: &[String]) -> Result<()> {
    if labels.len() > MAX_LABELS {
        return Err(BertError::Input(crate::detail!(
            "input.too_many_labels",
            "the data has {count} different labels; a classifier here has at most {max} (is the label column the right one?)",
            count = labels.len(),
            max = MAX_LABELS,
        )));
    }
    Ok(())
}

/// A warning for a training set that cannot teach a decision, or `None`.
pub fn single_class_warning(labels: &[String]) -> Option<Detail> {
    (labels.len() < 2).then(|| {
        crate::detail!(
            "warning.one_label",
            "the training data has only one label ({label}): the model can only learn to always predict it",
            label = labels.first().map(String::as_str).unwrap_or("none"),
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

/// The most tokens a QA data set's windows may hold (SQuAD's training set at length 384 has
/// about 34 million): every question cuts its context into windows of its own, so a long
/// context asked about many times grows faster than its file.
pub const MAX_QA_TOKENS: usize = 50_000_000;

pub fn qa_question_windows(
    tokenizer: &BertTokenizer,
    questions: &[QaExample],
    max_len: usize,
    stride: usize,
) -> Result<QuestionWindows> {
    windows_within(tokenizer, questions, max_len, stride, MAX_QA_TOKENS)
}

fn windows_within(
    tokenizer: &BertTokenizer,
    questions: &[QaExample],
    max_len: usize,
    stride: usize,
    max_tokens: usize,
) -> Result<QuestionWindows> {
    let mut out = QuestionWindows { windows: Vec::with_capacity(questions.len()), skipped: Vec::new() };
    let mut tokens = 0;
    for q in questions {
        match qa_windows(tokenizer, q, max_len, stride) {
            Ok(windows) => {
                tokens += windows.iter().map(|w| w.encoded.ids.len()).sum::<usize>();
                if tokens > max_tokens {
                    return Err(BertError::Input(
                        format!(
                            "question {}: the questions' windows exceed {max_tokens} tokens; \
                         train on fewer questions or shorter contexts",
                            q.id
                        )
                        .into(),
                    ));
                }
                out.windows.push(windows)
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(labels: &[&str]) -> Vec<LabelledRow> {
        let row = |(i, l): (usize, &&str)| LabelledRow {
            text: format!("t{i}"),
            text_b: None,
            label: l.to_string(),
            line: i + 2,
        };
        labels.iter().enumerate().map(row).collect()
    }

    #[test]
    fn validation_split_is_per_label_seeded_and_keeps_order() {
        let labels: Vec<&str> = (0..100).map(|i| if i % 4 == 0 { "neg" } else { "pos" }).collect();
        let (train, val) = split_validation(rows(&labels), 0.2, 7);
        assert_eq!((train.len(), val.len()), (80, 20));
        assert_eq!(val.iter().filter(|r| r.label == "neg").count(), 5, "a fifth of the 25 negatives");
        assert!(train.windows(2).all(|w| w[0].line < w[1].line) && val.windows(2).all(|w| w[0].line < w[1].line));
        let (_, again) = split_validation(rows(&labels), 0.2, 7);
        assert_eq!(val, again);
        let (_, other) = split_validation(rows(&labels), 0.2, 8);
        assert_ne!(val, other);
    }

    #[test]
    fn a_rare_label_still_reaches_both_sides() {
        let (train, val) = split_validation(rows(&["a", "a", "a", "a", "a", "a", "b", "b"]), 0.1, 1);
        assert!(val.iter().any(|r| r.label == "b") && train.iter().any(|r| r.label == "b"));
        let (train, val) = split_validation(rows(&["a", "b", "b"]), 0.5, 1);
        assert!(train.iter().any(|r| r.label == "a") && val.iter().all(|r| r.label == "b"), "a single row trains");
        let (train, val) = split_validation(rows(&["a", "b"]), 0.0, 1);
        assert_eq!((train.len(), val.len()), (2, 0));
    }

    #[test]
    fn qa_windows_are_bounded_in_tokens() {
        let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "what", "?", "w"].join("\n");
        let tokenizer = BertTokenizer::from_vocab_txt(vocab.as_bytes(), true, 32).unwrap();
        let context: std::sync::Arc<str> = vec!["w"; 100].join(" ").into();
        let question = |i: usize| QaExample {
            id: format!("q{i}"),
            article: 0,
            question: "what ?".into(),
            context: context.clone(),
            answers: vec![crate::training::squad::QaAnswer { text: "w".into(), start: 0 }],
        };
        let questions: Vec<QaExample> = (0..10).map(question).collect();
        let all = windows_within(&tokenizer, &questions, 32, 8, usize::MAX).unwrap();
        let per_question: usize = all.windows[0].iter().map(|w| w.encoded.ids.len()).sum();
        assert!(windows_within(&tokenizer, &questions, 32, 8, 10 * per_question).is_ok());
        let e = windows_within(&tokenizer, &questions, 32, 8, 10 * per_question - 1).err().unwrap().to_string();
        assert!(e.contains("question q9: the questions' windows exceed"), "{e}");
    }
}
