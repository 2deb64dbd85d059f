//! `bertplay finetune` and `bertplay eval`: classification (CSV / TSV / JSONL) and extractive QA
//! (SQuAD v1.1 JSON) with the course's defaults.

use std::fs;
use std::path::{Path, PathBuf};

use bertplay::heads::HeadKind;
use bertplay::loaded_model::model_folder;
use bertplay::training::batch::Example;
use bertplay::training::evaluate::{evaluate_classification, evaluate_qa};
use bertplay::training::fine_tuning::{
    check_label_count, classification_examples, qa_examples, qa_question_windows, single_class_warning,
};
use bertplay::training::hyperparameters::Hyperparameters;
use bertplay::training::labelled::{label_names, parse_labelled, BadRows, DataFormat, LabelledRow};
use bertplay::training::setup::{with_task_head, EVAL_BATCH};
use bertplay::training::squad::{parse_squad, QaExample};
use bertplay::training::trainer::Trainer;
use bertplay::{Bert, BertTokenizer, LoadedModel};
use burn::tensor::Device;
use clap::ValueEnum;
use pollster::block_on;
use serde_json::{json, Value};

use crate::train::{self, LoopOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Task {
    Classify,
    Qa,
}

impl Task {
    /// The course's table for the task (see [`Hyperparameters`]).
    pub fn course(self) -> Hyperparameters {
        match self {
            Task::Classify => Hyperparameters::COURSE_CLASSIFICATION,
            Task::Qa => Hyperparameters::COURSE_QA,
        }
    }
}

const COURSE: Hyperparameters = Hyperparameters::COURSE_CLASSIFICATION;

/// `bertplay finetune`'s flags; the defaults follow the course's table.
#[derive(clap::Args)]
pub struct FinetuneArgs {
    #[arg(long, value_enum)]
    pub task: Task,
    #[arg(long)]
    pub model: PathBuf,
    #[arg(long)]
    pub train: PathBuf,
    /// Scored after every epoch.
    #[arg(long)]
    pub eval: Option<PathBuf>,
    #[arg(long)]
    pub out: PathBuf,
    /// Default 2e-5 (classify) or 3e-5 (qa).
    #[arg(long)]
    pub lr: Option<f64>,
    #[arg(long, default_value_t = COURSE.batch_size)]
    pub batch: usize,
    #[arg(long, default_value_t = COURSE.epochs)]
    pub epochs: usize,
    /// Default 128 (classify) or 384 (qa).
    #[arg(long)]
    pub max_len: Option<usize>,
    /// Tokens shared by consecutive QA windows.
    #[arg(long, default_value_t = 128)]
    pub stride: usize,
    #[arg(long, default_value_t = COURSE.weight_decay)]
    pub weight_decay: f64,
    /// Share of the steps spent warming the learning rate up.
    #[arg(long, default_value_t = COURSE.warmup)]
    pub warmup: f64,
    /// Keep the embeddings and this many lowest layers fixed.
    #[arg(long, default_value_t = COURSE.freeze_layers)]
    pub freeze_layers: usize,
    /// Train on this many rows (or questions), spread evenly over the file.
    #[arg(long)]
    pub limit: Option<usize>,
    /// SQuAD articles to train on, 1-based and inclusive, e.g. 25-48.
    #[arg(long, value_parser = parse_range)]
    pub articles: Option<(usize, usize)>,
    /// Skip malformed rows (and say how many) instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
    #[arg(long, default_value_t = COURSE.seed)]
    pub seed: u64,
    #[arg(long, default_value_t = 20)]
    pub log_every: usize,
    #[arg(long, default_value_t = 200)]
    pub save_every: usize,
    /// Continue the run saved in --out.
    #[arg(long)]
    pub resume: bool,
}

/// Data for one task, ready to train on or to score.
enum Data {
    Classify { rows: Vec<LabelledRow> },
    Qa { questions: Vec<QaExample> },
}

fn load_data(task: Task, path: &Path, skip_bad_rows: bool, articles: Option<(usize, usize)>) -> Result<Data, String> {
    let name = path.display();
    let bytes = fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    match task {
        Task::Classify => {
            let format = DataFormat::from_file_name(&path.to_string_lossy()).map_err(|e| format!("{name}: {e}"))?;
            let bad = if skip_bad_rows { BadRows::Skip } else { BadRows::Fail };
            let data = parse_labelled(&bytes, format, bad).map_err(|e| format!("{name}: {e}"))?;
            if !data.skipped.is_empty() {
                let (line, why) = &data.skipped[0];
                eprintln!("{name}: skipped {} bad rows (first: line {line}: {why})", data.skipped.len());
            }
            Ok(Data::Classify { rows: data.rows })
        }
        Task::Qa => {
            let mut questions = parse_squad(&bytes).map_err(|e| format!("{name}: {e}"))?;
            if let Some((from, to)) = articles {
                // 1-based and inclusive, as a person counts articles.
                questions.retain(|q| (from..=to).contains(&(q.article + 1)));
                if questions.is_empty() {
                    return Err(format!("{name}: no questions in articles {from}-{to}"));
                }
            }
            Ok(Data::Qa { questions })
        }
    }
}

/// `limit` rows spread evenly over the file (not the first ones, which may be sorted).
fn evenly_spaced<T>(items: Vec<T>, limit: Option<usize>) -> Vec<T> {
    match limit {
        Some(limit) if limit < items.len() => {
            let n = items.len();
            let wanted: Vec<usize> = (0..limit).map(|i| i * n / limit).collect();
            items.into_iter().enumerate().filter(|(i, _)| wanted.binary_search(i).is_ok()).map(|(_, x)| x).collect()
        }
        _ => items,
    }
}

/// What a task needs for scoring: examples, plus QA's questions and windows.
struct Prepared {
    examples: Vec<Example>,
    qa: Option<(Vec<QaExample>, Vec<Vec<bertplay::training::squad::QaWindow>>)>,
}

fn prepare(
    data: Data,
    tokenizer: &BertTokenizer,
    labels: &[String],
    max_len: usize,
    stride: usize,
) -> Result<Prepared, String> {
    match data {
        Data::Classify { rows } => Ok(Prepared {
            examples: classification_examples(tokenizer, &rows, labels, max_len).map_err(|e| e.to_string())?,
            qa: None,
        }),
        Data::Qa { questions } => {
            let found = qa_question_windows(tokenizer, &questions, max_len, stride).map_err(|e| e.to_string())?;
            if let Some(first) = found.skipped.first() {
                eprintln!(
                    "bertplay: warning: skipped {} questions with no room for a context ({first})",
                    found.skipped.len()
                );
            }
            Ok(Prepared { examples: qa_examples(&found.windows), qa: Some((questions, found.windows)) })
        }
    }
}

fn score(bert: &Bert, data: &Prepared, num_labels: usize) -> Result<(Value, String), String> {
    match &data.qa {
        None => {
            let s = block_on(evaluate_classification(bert, &data.examples, EVAL_BATCH, num_labels))
                .map_err(|e| e.to_string())?;
            let line = format!(
                "loss {:.4}, accuracy {:.4}, macro-F1 {:.4} ({} examples)",
                s.loss, s.accuracy, s.macro_f1, s.examples
            );
            Ok((serde_json::to_value(&s).expect("plain numbers"), line))
        }
        Some((questions, windows)) => {
            let s = block_on(evaluate_qa(bert, questions, windows, EVAL_BATCH)).map_err(|e| e.to_string())?;
            let line = format!(
                "loss {:.4}, exact match {:.2}, F1 {:.2} ({} questions)",
                s.loss,
                100.0 * s.squad.exact_match,
                100.0 * s.squad.f1,
                s.squad.count
            );
            Ok((serde_json::to_value(&s).expect("plain numbers"), line))
        }
    }
}

fn head_of(task: Task) -> HeadKind {
    match task {
        Task::Classify => HeadKind::SequenceClassification,
        Task::Qa => HeadKind::QuestionAnswering,
    }
}

impl FinetuneArgs {
    /// The flags as the run's hyperparameters, checked; `max_len` is capped to the model's.
    fn hyperparameters(&self, model_max_len: usize) -> Result<Hyperparameters, String> {
        let course = self.task.course();
        let hyper = Hyperparameters {
            lr: self.lr.unwrap_or(course.lr),
            batch_size: self.batch,
            epochs: self.epochs,
            max_len: self.max_len.unwrap_or(course.max_len).min(model_max_len),
            warmup: self.warmup,
            weight_decay: self.weight_decay,
            freeze_layers: self.freeze_layers,
            seed: self.seed,
        };
        hyper.validate().map_err(|e| e.to_string())?;
        Ok(hyper)
    }
}

pub fn finetune(args: &FinetuneArgs, device: &Device) -> Result<Value, String> {
    if args.resume {
        // The run continues from its own checkpoint: say so rather than ignore --model quietly.
        eprintln!(
            "bertplay: warning: --resume continues the run saved in {}; --model {} is not read",
            train::checkpoint_dir(&args.out).display(),
            args.model.display()
        );
    }
    let resume_from = train::existing_checkpoint(&args.out, args.resume)?;
    let train_data = load_data(args.task, &args.train, args.skip_bad_rows, args.articles)?;
    let train_data = match train_data {
        Data::Classify { rows } => Data::Classify { rows: evenly_spaced(rows, args.limit) },
        Data::Qa { questions } => Data::Qa { questions: evenly_spaced(questions, args.limit) },
    };
    let labels = match &train_data {
        Data::Classify { rows } => {
            let labels = label_names(rows);
            check_label_count(&labels).map_err(|e| e.to_string())?;
            if let Some(warning) = single_class_warning(&labels) {
                eprintln!("bertplay: warning: {warning}");
            }
            Some(labels)
        }
        Data::Qa { .. } => None,
    };
    let (loaded, resumed) = match &resume_from {
        Some(dir) => {
            let r = train::read_checkpoint(dir, device)?;
            (r.loaded, Some((r.weights, r.optimizer, r.state_json)))
        }
        None => {
            let p = crate::model_dir::load(&args.model, device)?;
            let bert = with_task_head(p.bert, head_of(args.task), labels.as_deref(), args.seed, device)
                .map_err(|e| e.to_string())?;
            (LoadedModel::new(bert, p.tokenizer, device, p.report).map_err(|e| e.to_string())?, None)
        }
    };
    let LoadedModel { bert, tokenizer, .. } = loaded;
    let labels = labels.unwrap_or_default();
    let hyper = args.hyperparameters(tokenizer.max_len())?;
    let max_len = hyper.max_len;
    let train_set = prepare(train_data, &tokenizer, &labels, max_len, args.stride)?;
    let eval_set = match &args.eval {
        Some(path) => Some(prepare(
            load_data(args.task, path, args.skip_bad_rows, None)?,
            &tokenizer,
            &labels,
            max_len,
            args.stride,
        )?),
        None => None,
    };
    let examples = &train_set.examples;
    eprintln!(
        "{} training examples{}",
        examples.len(),
        if labels.is_empty() { String::new() } else { format!(", labels: {}", labels.join(", ")) }
    );

    let mut trainer = match resumed {
        Some((weights, optimizer, state)) => {
            Trainer::resume(bert, &weights, &optimizer, &state, examples, None).map_err(|e| e.to_string())?
        }
        None => Trainer::new(bert, hyper.plan(examples.len()), examples, None).map_err(|e| e.to_string())?,
    };
    let options = LoopOptions {
        out: args.out.clone(),
        log_every: args.log_every.max(1),
        save_every: args.save_every.max(1),
        eval_every: 0,
    };
    let num_labels = labels.len();
    let mut evaluate = |bert: &Bert| match &eval_set {
        Some(set) => score(bert, set, num_labels),
        None => Ok((Value::Null, "no --eval file".into())),
    };
    let started = std::time::Instant::now();
    let scores = train::run(&mut trainer, examples, &tokenizer, &options, &mut evaluate)?;
    let files = block_on(async { model_folder(bertplay::checkpoint::save_bert(&trainer.model()).await?, &tokenizer) })
        .map_err(|e| e.to_string())?;
    // The folder was checked when the run started; a resumed run may find its own files here.
    crate::model_dir::replace(&args.out, &files)?;
    let report = json!({
        "out": args.out, "task": format!("{:?}", args.task).to_lowercase(), "train_examples": examples.len(),
        "steps": trainer.step, "seconds_this_session": started.elapsed().as_secs_f64(), "eval": scores,
    });
    crate::model_dir::write_whole(&args.out.join("eval.json"), report.to_string().as_bytes())?;
    Ok(report)
}

/// `bertplay eval`: scores a fine-tuned model on a file, with its own labels.
pub fn eval(
    task: Task,
    model: &Path,
    data: &Path,
    max_len: Option<usize>,
    stride: usize,
    skip_bad_rows: bool,
    device: &Device,
) -> Result<Value, String> {
    let p = crate::model_dir::load(model, device)?;
    if !p.bert.has_head(head_of(task)) {
        return Err(p.bert.missing_head(head_of(task)).to_string());
    }
    let labels = if task == Task::Classify { p.bert.config.labels().map_err(|e| e.to_string())? } else { Vec::new() };
    let max_len = max_len.unwrap_or(task.course().max_len).min(p.tokenizer.max_len());
    let set = prepare(load_data(task, data, skip_bad_rows, None)?, &p.tokenizer, &labels, max_len, stride)?;
    let (scores, line) = score(&p.bert, &set, labels.len())?;
    eprintln!("{line}");
    Ok(scores)
}

/// `A-B` → `(A, B)` with `1 ≤ A ≤ B`.
fn parse_range(s: &str) -> Result<(usize, usize), String> {
    let (a, b) = s.split_once('-').ok_or("expected FROM-TO, e.g. 25-48")?;
    let (a, b) =
        (a.trim().parse::<usize>().map_err(|e| e.to_string())?, b.trim().parse::<usize>().map_err(|e| e.to_string())?);
    if a == 0 || a > b {
        return Err(format!("{s}: expected 1 ≤ FROM ≤ TO"));
    }
    Ok((a, b))
}
