//! Training in the browser: the core's `Trainer` behind a JavaScript class. The Web Worker calls
//! `run(n)` in a loop, so between chunks it can pause, stop, evaluate or save a checkpoint; each
//! chunk reads its losses back in one transaction (never one read per step).

use std::cell::RefCell;
use std::rc::Rc;

use bertplay::checkpoint::{save_bert, LoadReport};
use bertplay::heads::HeadKind;
use bertplay::pipeline::model_folder;
use bertplay::training::dataset::{DataOptions, DataTask, Dataset, DatasetKind};
use bertplay::training::evaluate::{evaluate_classification, evaluate_pretraining};
use bertplay::training::trainer::{read_steps, Trainer, TrainingPlan};
use bertplay::{Bert, BertConfig, BertTokenizer, ModelFiles, Pipeline, TokenizerFile};
use burn::tensor::Device;
use js_sys::{Object, Promise, Reflect, Uint8Array};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::{device_for, error, json, model_files, Model};

/// The training panel's settings, as the page sends them.
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
    fresh: Option<Shape>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Shape {
    layers: usize,
    hidden: usize,
    heads: usize,
    intermediate: usize,
}

impl TrainOptions {
    fn parse(text: &str) -> Result<Self, JsError> {
        let options: Self = serde_json::from_str(text).map_err(|e| JsError::new(&format!("training options: {e}")))?;
        let bad = |what: &str| Err(JsError::new(&format!("training options: {what}")));
        if !(options.lr > 0.0 && options.lr < 1.0) {
            return bad("the learning rate must be between 0 and 1");
        }
        if options.batch_size == 0 || options.epochs == 0 {
            return bad("batch size and epochs must be at least 1");
        }
        if !(0.0..1.0).contains(&options.warmup) || !(0.0..1.0).contains(&options.data.validation) {
            return bad("warm-up and the validation share must be at least 0 and below 1");
        }
        if options.data.max_len < 8 {
            return bad("the maximum length must be at least 8 tokens");
        }
        Ok(options)
    }

    fn plan(&self, examples: usize) -> TrainingPlan {
        let mut plan = TrainingPlan::for_epochs(examples, self.epochs, self.batch_size, self.lr, self.warmup);
        plan.optimizer.weight_decay = self.weight_decay;
        plan.seed = self.data.seed;
        plan.frozen_layers = self.freeze_layers;
        plan
    }
}

struct Job {
    trainer: Trainer,
    data: Rc<Dataset>,
    tokenizer: BertTokenizer,
    device: Device,
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
        let Pipeline { bert, tokenizer, .. } = Pipeline::load(files, &device).map_err(error)?;
        let data = Dataset::prepare(data, &options.data, &tokenizer).map_err(error)?;
        let bert = match &options.fresh {
            None => bert,
            Some(s) => {
                let mut config = BertConfig::new(tokenizer.vocab_size(), s.hidden, s.layers, s.heads, s.intermediate);
                config.max_position_embeddings = tokenizer.max_len();
                config.validate().map_err(error)?;
                device.seed(options.data.seed);
                Bert::init(&config, &[HeadKind::MaskedLm, HeadKind::NextSentence], &device).map_err(error)?
            }
        };
        // New heads start from the run's seed, so the same settings give the same run.
        device.seed(options.data.seed);
        let bert = match options.data.task {
            DataTask::Classify => bert.for_fine_tuning(HeadKind::SequenceClassification, data.labels(), &device),
            DataTask::Pretrain => bert.for_fine_tuning(HeadKind::MaskedLm, None, &device),
        }
        .map_err(error)?;
        let trainer =
            Trainer::new(bert, options.plan(data.train.len()), &data.train, mask_vocab(&data)).map_err(error)?;
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
        let loaded = Pipeline::load(files, &device).map_err(error)?;
        let data = Dataset::prepare(data, &options.data, &loaded.tokenizer).map_err(error)?;
        let trainer =
            Trainer::resume(loaded.bert, optimizer, state_json, &data.train, mask_vocab(&data)).map_err(error)?;
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
        let schedule: Vec<f64> = (0..plan.total_steps).map(|s| plan.schedule.lr(s)).collect();
        json(&serde_json::json!({
            "step": job.trainer.step,
            "total_steps": plan.total_steps,
            "steps_per_epoch": plan.steps_per_epoch(job.data.train.len()),
            "epochs": plan.total_steps.div_ceil(plan.steps_per_epoch(job.data.train.len())),
            "batch_size": plan.batch_size,
            "schedule": schedule,
            "data": job.data.preview(),
        }))
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
            Ok(JsValue::from_str(&json(&serde_json::json!({
                "records": records,
                "epoch_end": job.trainer.step.is_multiple_of(per_epoch),
                "done": job.trainer.is_done(),
            }))?))
        })
    }

    /// Scores the model as it is now on the validation data: accuracy, macro-F1 and every
    /// validation row's prediction (classification), or MLM top-1/top-5 and NSP accuracy.
    pub fn evaluate(&self) -> Promise {
        let job = self.job.clone();
        future_to_promise(async move {
            let (bert, data) = {
                let job = job.try_borrow().map_err(|_| busy())?;
                (job.trainer.model(), job.data.clone())
            };
            if data.validation.is_empty() {
                return Ok(JsValue::from_str("null"));
            }
            let value = match &data.kind {
                DatasetKind::Classify { labels, validation_rows, .. } => {
                    let s = evaluate_classification(&bert, &data.validation, EVAL_BATCH, labels.len())
                        .await
                        .map_err(error)?;
                    let rows: Vec<_> = validation_rows
                        .iter()
                        .zip(&s.predictions)
                        .map(|(row, &p)| {
                            serde_json::json!({ "line": row.line, "text": row.text, "text_b": row.text_b,
                                "label": row.label, "predicted": labels[p] })
                        })
                        .collect();
                    let mut value = serde_json::to_value(&s).map_err(JsError::from)?;
                    value["predictions"] = rows.into();
                    value
                }
                DatasetKind::Pretrain { vocab, .. } => {
                    let s = evaluate_pretraining(&bert, &data.validation, EVAL_BATCH, vocab, EVAL_SEED)
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
        let pipeline = Pipeline::new(job.trainer.model(), job.tokenizer.clone(), &job.device, LoadReport::default())
            .map_err(error)?;
        Ok(Model { pipeline: Rc::new(pipeline) })
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

const EVAL_BATCH: usize = 32;
/// Held-out masks for pretraining scores: the same every evaluation, so they compare.
const EVAL_SEED: u64 = 0xE7A1;

fn mask_vocab(data: &Dataset) -> Option<bertplay::training::masking::MaskVocab> {
    match &data.kind {
        DatasetKind::Pretrain { vocab, .. } => Some(vocab.clone()),
        DatasetKind::Classify { .. } => None,
    }
}

/// The data preview for the loaded model's tokenizer, before a run starts.
pub fn preview(pipeline: &Pipeline, data: &[u8], options_json: &str) -> Result<String, JsError> {
    let options: DataOptions =
        serde_json::from_str(options_json).map_err(|e| JsError::new(&format!("data options: {e}")))?;
    let tokenizer: &BertTokenizer = &pipeline.tokenizer;
    json(&Dataset::prepare(data, &options, tokenizer).map_err(error)?.preview())
}
