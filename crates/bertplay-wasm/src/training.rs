//! Training in the browser: the core's `Trainer` behind a JavaScript class. The Web Worker calls
//! `run(n)` in a loop, so between chunks it can pause, stop, evaluate or save a checkpoint; each
//! chunk reads its losses back in one transaction (never one read per step).

use std::cell::RefCell;
use std::rc::Rc;

use bertplay::checkpoint::{save_bert, LoadReport};
use bertplay::heads::HeadKind;
use bertplay::loaded_model::model_folder;
use bertplay::training::dataset::{DataOptions, DataPreview, DataTask, Dataset, DatasetKind, RowPreview};
use bertplay::training::evaluate::{evaluate_classification, evaluate_pretraining, ClassificationScores};
use bertplay::training::hyperparameters::{Hyperparameters, Preset};
use bertplay::training::setup::{fresh_bert, held_out_mask_seed, with_task_head, ModelShape, EVAL_BATCH};
use bertplay::training::trainer::{read_steps, StepRecord, Trainer};
use bertplay::{BertConfig, BertTokenizer, LoadedModel, ModelFiles, TokenizerFile};
use burn::tensor::Device;
use js_sys::{Object, Promise, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::{device_for, error, json, model_files, Model};

/// The training panel's settings, as the page sends them (and a saved run keeps them).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainOptions {
    data: DataOptions,
    lr: f64,
    batch_size: usize,
    epochs: usize,
    warmup: f64,
    weight_decay: f64,
    freeze_layers: usize,
    /// Start from random weights of this size (with the loaded model's tokenizer).
    fresh: Option<ModelShape>,
}

impl TrainOptions {
    fn parse(text: &str) -> Result<Self, JsError> {
        let options: Self = serde_json::from_str(text).map_err(|e| JsError::new(&format!("training options: {e}")))?;
        options.hyperparameters().validate().map_err(error)?;
        Ok(options)
    }

    fn hyperparameters(&self) -> Hyperparameters {
        Hyperparameters {
            lr: self.lr,
            batch_size: self.batch_size,
            epochs: self.epochs,
            max_len: self.data.max_len,
            warmup: self.warmup,
            weight_decay: self.weight_decay,
            freeze_layers: self.freeze_layers,
            seed: self.data.seed,
        }
    }
}

struct Job {
    trainer: Trainer,
    data: Rc<Dataset>,
    tokenizer: BertTokenizer,
    device: Device,
}

/// `Training.info`'s answer.
#[derive(Serialize)]
struct RunInfo {
    step: usize,
    total_steps: usize,
    steps_per_epoch: usize,
    epochs: usize,
    batch_size: usize,
    /// The learning rate of every step.
    schedule: Vec<f64>,
    data: DataPreview,
}

/// `Training.run`'s answer: the steps done, and whether they ended an epoch or the run.
#[derive(Serialize)]
struct Chunk {
    records: Vec<StepRecord>,
    epoch_end: bool,
    done: bool,
}

/// Classification scores with every validation row's prediction, for the page's table.
#[derive(Serialize)]
struct ClassificationReport {
    #[serde(flatten)]
    scores: ClassificationScores,
    predictions: Vec<PredictedRow>,
}

#[derive(Serialize)]
struct PredictedRow {
    #[serde(flatten)]
    row: RowPreview,
    predicted: String,
}

/// A training run on one backend.
#[wasm_bindgen]
pub struct Training {
    job: Rc<RefCell<Job>>,
}

fn busy() -> JsError {
    JsError::new("the training run is busy with another call")
}

#[wasm_bindgen]
impl Training {
    /// A new run from a loaded model's files (`config`, `weights`, tokenizer as in
    /// `Model.load`), the user's data and the panel's options (JSON).
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        backend: &str,
        config_json: &[u8],
        safetensors: &[u8],
        tokenizer: &[u8],
        vocab_txt: bool,
        lowercase: bool,
        data: &[u8],
        options_json: &str,
    ) -> Result<Training, JsError> {
        let options = TrainOptions::parse(options_json)?;
        let device = device_for(backend)?;
        let files = model_files(config_json, safetensors, tokenizer, vocab_txt, lowercase);
        let LoadedModel { bert, tokenizer, .. } = LoadedModel::load(files, &device).map_err(error)?;
        let data = Dataset::prepare(data, &options.data, &tokenizer).map_err(error)?;
        let seed = options.data.seed;
        let bert = match &options.fresh {
            None => bert,
            Some(shape) => {
                fresh_bert(&shape.config(tokenizer.vocab_size(), tokenizer.max_len()).map_err(error)?, seed, &device)
                    .map_err(error)?
            }
        };
        let bert = match options.data.task {
            DataTask::Classify => with_task_head(bert, HeadKind::SequenceClassification, data.labels(), seed, &device),
            DataTask::Pretrain => with_task_head(bert, HeadKind::MaskedLm, None, seed, &device),
        }
        .map_err(error)?;
        let plan = options.hyperparameters().plan(data.train.len());
        let trainer = Trainer::new(bert, plan, &data.train, data.mask_vocab()).map_err(error)?;
        Ok(Self::wrap(trainer, data, tokenizer, device))
    }

    /// Continues a run from a checkpoint's files (as `checkpoint()` gave them) with the same
    /// data and options; other data is refused.
    #[allow(clippy::too_many_arguments)]
    pub fn resume(
        backend: &str,
        config_json: &[u8],
        safetensors: &[u8],
        tokenizer_json: &[u8],
        optimizer: &[u8],
        state_json: &str,
        data: &[u8],
        options_json: &str,
    ) -> Result<Training, JsError> {
        let options = TrainOptions::parse(options_json)?;
        let device = device_for(backend)?;
        let files = ModelFiles { config_json, safetensors, tokenizer: TokenizerFile::Json(tokenizer_json) };
        let loaded = LoadedModel::load(files, &device).map_err(error)?;
        let data = Dataset::prepare(data, &options.data, &loaded.tokenizer).map_err(error)?;
        let trainer = Trainer::resume(loaded.bert, safetensors, optimizer, state_json, &data.train, data.mask_vocab())
            .map_err(error)?;
        Ok(Self::wrap(trainer, data, loaded.tokenizer, device))
    }

    fn wrap(trainer: Trainer, data: Dataset, tokenizer: BertTokenizer, device: Device) -> Training {
        Training { job: Rc::new(RefCell::new(Job { trainer, data: Rc::new(data), tokenizer, device })) }
    }

    /// The run's shape: examples, labels, steps, the learning rate of every step (to draw the
    /// schedule ahead of time) and the step reached.
    pub fn info(&self) -> Result<String, JsError> {
        let job = self.job.try_borrow().map_err(|_| busy())?;
        let plan = &job.trainer.plan;
        let steps_per_epoch = plan.steps_per_epoch(job.data.train.len());
        json(&RunInfo {
            step: job.trainer.step,
            total_steps: plan.total_steps,
            steps_per_epoch,
            epochs: plan.total_steps.div_ceil(steps_per_epoch),
            batch_size: plan.batch_size,
            schedule: (0..plan.total_steps).map(|s| plan.schedule.lr(s)).collect(),
            data: job.data.preview(),
        })
    }

    /// Up to `max_steps` updates, never past the end of an epoch (so the caller can evaluate and
    /// save there). Resolves to `{ records: [{ step, loss, grad_norm, lr, tokens }], epoch_end,
    /// done }`; rejects when the loss became NaN or infinite.
    pub fn run(&self, max_steps: usize) -> Promise {
        let job = self.job.clone();
        future_to_promise(async move {
            let outputs = {
                let mut job = job.try_borrow_mut().map_err(|_| busy())?;
                let Job { trainer, data, .. } = &mut *job;
                let per_epoch = trainer.plan.steps_per_epoch(data.train.len());
                let mut outputs = Vec::new();
                while !trainer.is_done() && outputs.len() < max_steps.max(1) {
                    let step = trainer.step;
                    outputs.push((step, trainer.train_step(&data.train).map_err(error)?));
                    if trainer.step.is_multiple_of(per_epoch) {
                        break;
                    }
                }
                outputs
            };
            if outputs.is_empty() {
                return Err(JsError::new("the run is already finished").into());
            }
            let records = read_steps(outputs).await.map_err(error)?;
            if let Some(r) = records.iter().find(|r| r.diverged()) {
                return Err(JsError::new(&format!(
                    "the loss became {} at step {}: training stopped. The best model so far and the last checkpoint are kept; start a new run with a lower learning rate",
                    r.loss, r.step
                ))
                .into());
            }
            let job = job.try_borrow().map_err(|_| busy())?;
            let per_epoch = job.trainer.plan.steps_per_epoch(job.data.train.len());
            let chunk =
                Chunk { records, epoch_end: job.trainer.step.is_multiple_of(per_epoch), done: job.trainer.is_done() };
            Ok(JsValue::from_str(&json(&chunk)?))
        })
    }

    /// Scores the model as it is now on the validation data: accuracy, macro-F1 and every
    /// validation row's prediction (classification), or MLM top-1/top-5 and NSP accuracy.
    pub fn evaluate(&self) -> Promise {
        let job = self.job.clone();
        future_to_promise(async move {
            let (bert, data, seed) = {
                let job = job.try_borrow().map_err(|_| busy())?;
                (job.trainer.model(), job.data.clone(), job.trainer.plan.seed)
            };
            if data.validation.is_empty() {
                return Ok(JsValue::from_str("null"));
            }
            let value = match &data.kind {
                DatasetKind::Classify { labels, validation_rows, .. } => {
                    let s = evaluate_classification(&bert, &data.validation, EVAL_BATCH, labels.len())
                        .await
                        .map_err(error)?;
                    let predictions = validation_rows
                        .iter()
                        .zip(&s.predictions)
                        .map(|(row, &p)| PredictedRow { row: row.into(), predicted: labels[p].clone() })
                        .collect();
                    serde_json::to_value(ClassificationReport { scores: s, predictions }).map_err(JsError::from)?
                }
                DatasetKind::Pretrain { vocab, .. } => {
                    let s = evaluate_pretraining(&bert, &data.validation, EVAL_BATCH, vocab, held_out_mask_seed(seed))
                        .await
                        .map_err(error)?;
                    serde_json::to_value(&s).map_err(JsError::from)?
                }
            };
            Ok(JsValue::from_str(&json(&value)?))
        })
    }

    /// A resumable checkpoint: `{ "config.json", "model.safetensors", "tokenizer.json",
    /// "tokenizer_config.json", "optimizer.safetensors", "trainer_state.json" }` as bytes. The
    /// first four are the Hugging Face model folder (`model_files` gives only those).
    pub fn checkpoint(&self) -> Promise {
        let snapshot = self.job.try_borrow().map(|job| (job.trainer.checkpoint(), job.tokenizer.clone()));
        future_to_promise(async move {
            let (checkpoint, tokenizer) = snapshot.map_err(|_| busy())?;
            let checkpoint = checkpoint.await.map_err(error)?;
            let mut files = model_folder(checkpoint.model, &tokenizer).map_err(error)?;
            files.push(("optimizer.safetensors", checkpoint.optimizer));
            files.push(("trainer_state.json", checkpoint.state_json.into_bytes()));
            Ok(file_map(files)?.into())
        })
    }

    /// The model as trained so far as a Hugging Face folder's files (no optimizer state).
    pub fn model_files(&self) -> Promise {
        let snapshot = self.job.try_borrow().map(|job| (job.trainer.model(), job.tokenizer.clone()));
        future_to_promise(async move {
            let (bert, tokenizer) = snapshot.map_err(|_| busy())?;
            let saved = save_bert(&bert).await.map_err(error)?;
            Ok(file_map(model_folder(saved, &tokenizer).map_err(error)?)?.into())
        })
    }

    /// The model as trained so far, for the playground's views and tasks.
    pub fn model(&self) -> Result<Model, JsError> {
        let job = self.job.try_borrow().map_err(|_| busy())?;
        let loaded = LoadedModel::new(job.trainer.model(), job.tokenizer.clone(), &job.device, LoadReport::default())
            .map_err(error)?;
        Ok(Model { loaded: Rc::new(loaded) })
    }
}

/// `{ name: Uint8Array }` for JavaScript.
fn file_map(files: Vec<(&str, Vec<u8>)>) -> Result<Object, JsValue> {
    let out = Object::new();
    for (name, bytes) in files {
        Reflect::set(&out, &name.into(), &Uint8Array::from(bytes.as_slice()))?;
    }
    Ok(out)
}

/// The data preview for the loaded model's tokenizer, before a run starts.
pub fn preview(loaded: &LoadedModel, data: &[u8], options_json: &str) -> Result<String, JsError> {
    let options: DataOptions =
        serde_json::from_str(options_json).map_err(|e| JsError::new(&format!("data options: {e}")))?;
    let tokenizer: &BertTokenizer = &loaded.tokenizer;
    json(&Dataset::prepare(data, &options, tokenizer).map_err(error)?.preview())
}

/// The training form's presets, so the page and the CLI share one table.
#[derive(Serialize)]
struct Presets {
    /// The course's table, for fine-tuning a pretrained BERT.
    course: Hyperparameters,
    /// For a mini-BERT trained from random weights.
    mini_bert: Hyperparameters,
}

/// `{ course, mini_bert }`: each `{ lr, batch_size, epochs, max_len, warmup, weight_decay,
/// freeze_layers, seed }`.
#[wasm_bindgen]
pub fn training_presets() -> Result<String, JsError> {
    json(&Presets { course: Hyperparameters::COURSE_CLASSIFICATION, mini_bert: Hyperparameters::MINI_BERT })
}

/// The table a model's training starts from, and what decided it.
#[derive(Serialize)]
struct Fit {
    preset: Preset,
    /// Numbers in the model's embeddings and encoder.
    parameters: u64,
    /// Below this many, a model gets the mini-BERT table.
    small_model: u64,
}

/// `{ preset: "course" | "mini_bert", parameters, small_model }` for the model `config_json`
/// describes.
#[wasm_bindgen]
pub fn training_fit(config_json: &[u8]) -> Result<String, JsError> {
    let config = BertConfig::from_json(config_json).map_err(error)?;
    json(&Fit {
        preset: Preset::for_model(&config),
        parameters: config.encoder_parameters(),
        small_model: Preset::SMALL_MODEL,
    })
}
