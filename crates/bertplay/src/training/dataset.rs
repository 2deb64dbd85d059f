//! A user's own data, ready to train on: labelled rows split into training and validation rows
//! (classification), or documents split into training and held-out text (pretraining), all
//! tokenized for one model. The browser builds the same dataset for the preview, for training and
//! again when it resumes a saved run, so the three always agree.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::batch::Example;
use super::corpus::Corpus;
use super::fine_tuning::{check_label_count, classification_examples, single_class_warning, split_validation};
use super::labelled::{label_names, parse_labelled, BadRows, DataFormat, LabelledRow};
use super::masking::MaskVocab;
use super::pretraining::{mask_vocab, pretraining_examples};
use crate::error::{BertError, Detail, Result};
use crate::rng::Rng;
use crate::tokenizer::BertTokenizer;

/// What the model learns from the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataTask {
    /// Sequence classification from labelled rows.
    Classify,
    /// Masked-LM + next-sentence prediction on plain text.
    Pretrain,
}

/// How to read and split the data; part of a saved run, so a resumed run rebuilds the same split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataOptions {
    pub task: DataTask,
    /// A file name whose extension says the format (`.csv`, `.tsv`, `.jsonl`); `None` guesses
    /// it from the text (pasted data).
    pub file_name: Option<String>,
    pub max_len: usize,
    /// Share of the rows (or documents) kept for validation.
    pub validation: f64,
    pub seed: u64,
}

/// Rows the user sees in the preview, as parsed.
#[derive(Debug, Clone, Serialize)]
pub struct RowPreview {
    pub line: usize,
    pub text: String,
    pub text_b: Option<String>,
    pub label: String,
}

impl From<&LabelledRow> for RowPreview {
    fn from(r: &LabelledRow) -> Self {
        Self { line: r.line, text: r.text.clone(), text_b: r.text_b.clone(), label: r.label.clone() }
    }
}

/// How many rows of a label went to each side.
#[derive(Debug, Clone, Serialize)]
pub struct LabelCount {
    pub label: String,
    pub train: usize,
    pub validation: usize,
}

pub enum DatasetKind {
    Classify {
        /// Label names in id order.
        labels: Vec<String>,
        /// The validation rows, in the order of `Dataset::validation`.
        validation_rows: Vec<LabelledRow>,
        counts: Vec<LabelCount>,
        first_rows: Vec<RowPreview>,
    },
    Pretrain {
        vocab: MaskVocab,
        documents: (usize, usize),
    },
}

pub struct Dataset {
    pub train: Vec<Example>,
    pub validation: Vec<Example>,
    pub kind: DatasetKind,
    /// `(line, reason)` of each row left out.
    pub skipped: Vec<(usize, Detail)>,
    pub warnings: Vec<Detail>,
}

/// Rows shown in the preview.
const PREVIEW_ROWS: usize = 20;

impl Dataset {
    /// Reads `bytes` as `options` say and tokenizes it with `tokenizer`. Bad rows are left out
    /// and listed; data with no usable row, or too little text for pretraining, is an error.
    pub fn prepare(bytes: &[u8], options: &DataOptions, tokenizer: &BertTokenizer) -> Result<Dataset> {
        if !(0.0..1.0).contains(&options.validation) {
            return Err(BertError::Input("data options: the validation share must be at least 0 and below 1".into()));
        }
        match options.task {
            DataTask::Classify => Self::classify(bytes, options, tokenizer),
            DataTask::Pretrain => Self::pretrain(bytes, options, tokenizer),
        }
    }

    fn classify(bytes: &[u8], options: &DataOptions, tokenizer: &BertTokenizer) -> Result<Dataset> {
        let format = match &options.file_name {
            Some(name) => DataFormat::from_file_name(name)?,
            None => DataFormat::sniff(bytes),
        };
        // Fails when no row is usable, naming the first bad one.
        let data = parse_labelled(bytes, format, BadRows::Skip)?;
        let labels = label_names(&data.rows);
        check_label_count(&labels)?;
        let warnings = single_class_warning(&labels).into_iter().collect();
        let first_rows = data.rows.iter().take(PREVIEW_ROWS).map(RowPreview::from).collect();
        let (train_rows, validation_rows) = split_validation(data.rows, options.validation, options.seed);
        // One pass over each side, not one per label.
        fn count(rows: &[LabelledRow]) -> HashMap<&str, usize> {
            let mut n = HashMap::new();
            rows.iter().for_each(|r| *n.entry(r.label.as_str()).or_default() += 1);
            n
        }
        let (train_counts, validation_counts) = (count(&train_rows), count(&validation_rows));
        let counts = labels
            .iter()
            .map(|l| LabelCount {
                label: l.clone(),
                train: train_counts.get(l.as_str()).copied().unwrap_or(0),
                validation: validation_counts.get(l.as_str()).copied().unwrap_or(0),
            })
            .collect();
        Ok(Dataset {
            train: classification_examples(tokenizer, &train_rows, &labels, options.max_len)?,
            validation: classification_examples(tokenizer, &validation_rows, &labels, options.max_len)?,
            kind: DatasetKind::Classify { labels, validation_rows, counts, first_rows },
            skipped: data.skipped,
            warnings,
        })
    }

    fn pretrain(bytes: &[u8], options: &DataOptions, tokenizer: &BertTokenizer) -> Result<Dataset> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| BertError::Input(crate::detail!("input.not_utf8", "the text is not UTF-8 ({e})", e = e)))?;
        let mut rng = Rng::new(options.seed);
        let (train, held_out) = Corpus::parse(text)?.split_held_out(options.validation, &mut rng);
        let documents = (train.documents.len(), held_out.documents.len());
        let examples = pretraining_examples(tokenizer, &train, options.max_len, &mut rng)?;
        // Held-out text too small for NSP pairs means no held-out scores, not no training.
        let (validation, warnings) = match pretraining_examples(tokenizer, &held_out, options.max_len, &mut rng) {
            Ok(pairs) => (pairs, Vec::new()),
            Err(e) => (Vec::new(), vec![crate::detail!("warning.no_held_out", "no held-out evaluation: {e}", e = e)]),
        };
        Ok(Dataset {
            train: examples,
            validation,
            kind: DatasetKind::Pretrain { vocab: mask_vocab(tokenizer)?, documents },
            skipped: Vec::new(),
            warnings,
        })
    }

    /// The labels (classification) in id order.
    pub fn labels(&self) -> Option<&[String]> {
        match &self.kind {
            DatasetKind::Classify { labels, .. } => Some(labels),
            DatasetKind::Pretrain { .. } => None,
        }
    }

    /// The vocabulary masked-LM replaces tokens from (pretraining), or `None`.
    pub fn mask_vocab(&self) -> Option<MaskVocab> {
        match &self.kind {
            DatasetKind::Pretrain { vocab, .. } => Some(vocab.clone()),
            DatasetKind::Classify { .. } => None,
        }
    }

    /// What the preview shows: sizes of both sides, per-label counts, the first rows as parsed,
    /// the rows left out and the warnings.
    pub fn preview(&self) -> DataPreview {
        let kind = match &self.kind {
            DatasetKind::Classify { labels, counts, first_rows, .. } => {
                PreviewKind::Classify { labels: labels.clone(), counts: counts.clone(), rows: first_rows.clone() }
            }
            DatasetKind::Pretrain { documents, .. } => {
                PreviewKind::Pretrain { documents: Split { train: documents.0, validation: documents.1 } }
            }
        };
        DataPreview {
            train: self.train.len(),
            validation: self.validation.len(),
            skipped: self
                .skipped
                .iter()
                .map(|(line, reason)| SkippedRow { line: *line, reason: reason.clone() })
                .collect(),
            warnings: self.warnings.clone(),
            kind,
        }
    }
}

/// The data preview the page shows before a run starts (and with a run's info).
#[derive(Debug, Clone, Serialize)]
pub struct DataPreview {
    /// Training examples (sentence pairs when pretraining).
    pub train: usize,
    /// Validation examples.
    pub validation: usize,
    pub skipped: Vec<SkippedRow>,
    pub warnings: Vec<Detail>,
    #[serde(flatten)]
    pub kind: PreviewKind,
}

/// A row left out of the data, and why.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedRow {
    pub line: usize,
    pub reason: Detail,
}

/// The task's part of the preview; serialized as `"task": "classify" | "pretrain"` beside the rest.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum PreviewKind {
    Classify { labels: Vec<String>, counts: Vec<LabelCount>, rows: Vec<RowPreview> },
    Pretrain { documents: Split },
}

/// A count on each side of the split.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Split {
    pub train: usize,
    pub validation: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> BertTokenizer {
        let words = "the a film was good bad great awful cat dog sat on mat it fun dull day";
        let vocab: String = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
            .into_iter()
            .chain(words.split(' '))
            .chain([".", ","])
            .map(|t| format!("{t}\n"))
            .collect();
        BertTokenizer::from_vocab_txt(vocab.as_bytes(), true, 32).unwrap()
    }

    fn options(task: DataTask) -> DataOptions {
        DataOptions { task, file_name: None, max_len: 32, validation: 0.25, seed: 3 }
    }

    #[test]
    fn pasted_csv_is_split_counted_and_bad_rows_are_listed() {
        let mut csv = String::from("text,label\n");
        for i in 0..8 {
            csv += if i % 2 == 0 { "the film was good,pos\n" } else { "the film was awful,neg\n" };
        }
        csv += "a row with no label\n";
        let data = Dataset::prepare(csv.as_bytes(), &options(DataTask::Classify), &tokenizer()).unwrap();
        assert_eq!((data.train.len(), data.validation.len()), (6, 2));
        assert_eq!(data.labels().unwrap(), ["neg", "pos"]);
        assert_eq!(data.skipped.len(), 1);
        assert_eq!(data.skipped[0].0, 10, "the bad row's line");
        let PreviewKind::Classify { counts, rows, .. } = data.preview().kind else { unreachable!() };
        assert_eq!(counts[0].validation, 1);
        assert_eq!(rows[0].label, "pos");
        let again = Dataset::prepare(csv.as_bytes(), &options(DataTask::Classify), &tokenizer()).unwrap();
        let DatasetKind::Classify { validation_rows: a, .. } = data.kind else { unreachable!() };
        let DatasetKind::Classify { validation_rows: b, .. } = again.kind else { unreachable!() };
        assert_eq!(a, b, "the same options give the same split");
    }

    #[test]
    fn bad_data_gets_clear_errors_and_warnings() {
        let one_class = "text,label\nthe cat sat,a\nthe dog sat,a\n";
        let data = Dataset::prepare(one_class.as_bytes(), &options(DataTask::Classify), &tokenizer()).unwrap();
        assert!(data.warnings[0].to_string().contains("only one label"), "{:?}", data.warnings);
        let err = |text: &str, task| Dataset::prepare(text.as_bytes(), &options(task), &tokenizer()).err().unwrap();
        assert!(err("text,label\n\"open quote,a\n", DataTask::Classify).to_string().contains("line 2"));
        let no_label = err("text,label\nno label here\n", DataTask::Classify).to_string();
        assert!(no_label.contains("no usable rows") && no_label.contains("line 2"), "{no_label}");
        assert!(err("", DataTask::Classify).to_string().contains("has no rows"));
        assert!(err("the cat sat.\n", DataTask::Pretrain).to_string().contains("next-sentence prediction needs"));
        // A new label on every row (usually the wrong column): refused, and quickly.
        let many: String = std::iter::once("text,label\n".to_string())
            .chain((0..20_000).map(|i| format!("the cat sat,label{i}\n")))
            .collect();
        assert!(err(&many, DataTask::Classify).to_string().contains("20000 different labels"));
    }

    #[test]
    fn pretraining_text_holds_documents_out() {
        let doc = "the cat sat on the mat.\nit was a good day.\nthe dog sat.\n";
        let text = [doc; 8].join("\n");
        let data = Dataset::prepare(text.as_bytes(), &options(DataTask::Pretrain), &tokenizer()).unwrap();
        let DatasetKind::Pretrain { documents, .. } = data.kind else { unreachable!() };
        assert_eq!(documents, (6, 2));
        assert!(!data.train.is_empty() && !data.validation.is_empty());
        assert_eq!(serde_json::to_value(data.preview()).unwrap()["task"], "pretrain");
    }
}
