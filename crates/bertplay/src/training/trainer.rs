//! The training loop, one step at a time, so the caller decides when to read numbers back, print,
//! save or yield to a browser's event loop. A step does no device reads: its loss comes back as a
//! tensor, and callers read many steps' losses in one transaction.
//!
//! Reproducibility: every random choice of step `s` (the epoch's shuffle, MLM masks, dropout)
//! comes from generators derived from `(seed, s)`. A checkpoint therefore needs only the weights,
//! AdamW's moments, the step and the seed to continue exactly as the run would have.

use std::future::Future;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::adamw::{AdamW, AdamWConfig};
use super::batch::{Batch, Example, Target};
use super::masking::MaskVocab;
use super::objectives;
use super::schedule::LinearSchedule;
use crate::bert::Bert;
use crate::checkpoint::{save_bert, SavedModel};
use crate::error::{BertError, Result};
use crate::rng::Rng;

/// Everything that decides a run besides the data; saved in every checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingPlan {
    pub batch_size: usize,
    pub total_steps: usize,
    pub schedule: LinearSchedule,
    pub optimizer: AdamWConfig,
    pub seed: u64,
    /// The embeddings and this many lowest encoder layers are not trained.
    pub frozen_layers: usize,
}

impl TrainingPlan {
    /// A plan for `epochs` passes over `examples` examples, warming up over `warmup_ratio` of it.
    pub fn for_epochs(examples: usize, epochs: usize, batch_size: usize, lr: f64, warmup_ratio: f64) -> Self {
        Self::for_steps(examples.div_ceil(batch_size.max(1)) * epochs, batch_size, lr, warmup_ratio)
    }

    /// A plan of `total_steps` updates (pretraining counts steps, not epochs).
    pub fn for_steps(total_steps: usize, batch_size: usize, lr: f64, warmup_ratio: f64) -> Self {
        let batch_size = batch_size.max(1);
        Self {
            batch_size,
            total_steps,
            schedule: LinearSchedule::with_warmup_ratio(lr, total_steps, warmup_ratio),
            optimizer: AdamWConfig::default(),
            seed: 42,
            frozen_layers: 0,
        }
    }

    pub fn steps_per_epoch(&self, examples: usize) -> usize {
        examples.div_ceil(self.batch_size).max(1)
    }
}

/// What a step leaves on the device, to be read whenever the caller chooses.
pub struct StepOutput {
    pub loss: Tensor<1>,
    pub grad_norm: Tensor<1>,
    pub lr: f64,
    /// Real tokens in the batch (for tokens per second).
    pub tokens: usize,
}

/// A step's numbers once read back from the device.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepRecord {
    /// 1-based: the number of updates done after this one.
    pub step: usize,
    pub loss: f32,
    pub grad_norm: f32,
    pub lr: f64,
    pub tokens: usize,
}

impl StepRecord {
    /// A NaN or infinite loss or gradient norm: the run cannot go on from here.
    pub fn diverged(&self) -> bool {
        !self.loss.is_finite() || !self.grad_norm.is_finite()
    }
}

/// Reads many steps' losses and gradient norms in one transaction (`(step index, output)`).
pub async fn read_steps(outputs: Vec<(usize, StepOutput)>) -> Result<Vec<StepRecord>> {
    let tensors = outputs.iter().flat_map(|(_, o)| [o.loss.clone(), o.grad_norm.clone()]).collect();
    let values = crate::readback::read_all(tensors).await?;
    Ok(outputs
        .iter()
        .zip(values.chunks(2))
        .map(|((step, o), pair)| StepRecord {
            step: step + 1,
            loss: pair[0][0],
            grad_norm: pair[1][0],
            lr: o.lr,
            tokens: o.tokens,
        })
        .collect())
}

/// A resumable snapshot of a run: a Hugging Face model, AdamW's moments and the run's state.
pub struct Checkpoint {
    pub model: SavedModel,
    pub optimizer: Vec<u8>,
    pub state_json: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RunState {
    step: usize,
    plan: TrainingPlan,
    /// The number of training examples and a hash of their tokens and targets, to refuse
    /// resuming on different data (another file, seed or maximum length).
    examples: usize,
    fingerprint: String,
    /// A hash of the checkpoint's `model.safetensors`, to refuse an optimizer state saved with
    /// other weights of the same shape (absent in checkpoints saved before it was kept).
    #[serde(default)]
    weights: Option<String>,
    /// Every generator of the run derives from the plan's seed and the step.
    rng: String,
}

pub struct Trainer {
    /// On the autodiff device, in training mode (dropout on).
    bert: Bert,
    optimizer: AdamW,
    pub plan: TrainingPlan,
    /// Updates done so far.
    pub step: usize,
    examples: usize,
    fingerprint: String,
    mask_vocab: Option<MaskVocab>,
    device: Device,
    /// The current epoch's order of examples.
    order: Option<(usize, Vec<usize>)>,
}

/// Stream numbers for [`Rng::fork`], so the three uses never share numbers.
const SHUFFLE: u64 = 1 << 40;
const MASKING: u64 = 2 << 40;
const DROPOUT: u64 = 3 << 40;

impl Trainer {
    /// `bert` on a plain device; `examples` is the training set (the same list is passed to
    /// every step); `mask_vocab` is needed for pretraining only.
    pub fn new(bert: Bert, plan: TrainingPlan, examples: &[Example], mask_vocab: Option<MaskVocab>) -> Result<Self> {
        let fingerprint = fingerprint(examples);
        let examples = examples.len();
        if examples == 0 {
            return Err(BertError::Input(crate::detail!("input.no_examples", "there are no training examples")));
        }
        let device = bert.model.embeddings.word.weight.val().device();
        let mut bert = bert.train();
        if plan.frozen_layers > 0 {
            let layers = bert.model.encoder.layers.len();
            if plan.frozen_layers > layers {
                return Err(BertError::Input(
                    format!("cannot freeze {} layers: the model has {layers}", plan.frozen_layers).into(),
                ));
            }
            // `no_grad`, not `freeze`: frozen layers still use dropout while training, as in transformers.
            bert.model.embeddings = bert.model.embeddings.no_grad();
            for layer in &mut bert.model.encoder.layers[..plan.frozen_layers] {
                *layer = layer.clone().no_grad();
            }
        }
        let optimizer = AdamW::new(plan.optimizer);
        Ok(Self { bert, optimizer, plan, step: 0, examples, fingerprint, mask_vocab, device, order: None })
    }

    /// Continues the run a [`Checkpoint`] saved; `bert` is its model, loaded on a plain device
    /// from the checkpoint's `weights` (the `model.safetensors` bytes).
    pub fn resume(
        bert: Bert,
        weights: &[u8],
        optimizer: &[u8],
        state_json: &str,
        examples: &[Example],
        mask_vocab: Option<MaskVocab>,
    ) -> Result<Self> {
        let state: RunState = serde_json::from_str(state_json)
            .map_err(|e| BertError::Checkpoint(format!("the training state is unreadable ({e})").into()))?;
        if state.examples != examples.len() || state.fingerprint != fingerprint(examples) {
            return Err(BertError::Input(format!(
                "the checkpoint was trained on other data ({} examples; now {}): resume with the same data and settings",
                state.examples,
                examples.len()
            ).into()));
        }
        if state.weights.is_some_and(|saved| saved != weights_fingerprint(weights)) {
            return Err(BertError::Checkpoint(
                "the weights are not the ones this optimizer state was saved with (another checkpoint's, \
                 or changed since): resume from one checkpoint folder as it was saved"
                    .into(),
            ));
        }
        let mut trainer = Self::new(bert, state.plan, examples, mask_vocab)?;
        trainer.optimizer = AdamW::from_bytes(optimizer, &trainer.device)?;
        trainer.optimizer.check_fits(&trainer.bert)?;
        trainer.step = state.step;
        Ok(trainer)
    }

    pub fn is_done(&self) -> bool {
        self.step >= self.plan.total_steps
    }

    /// 0-based epoch of the next step.
    pub fn epoch(&self) -> usize {
        self.step / self.plan.steps_per_epoch(self.examples)
    }

    /// The indices of the examples step `step` trains on.
    pub fn batch_indices(&mut self, step: usize) -> Vec<usize> {
        let per_epoch = self.plan.steps_per_epoch(self.examples);
        let epoch = step / per_epoch;
        if self.order.as_ref().is_none_or(|(e, _)| *e != epoch) {
            let mut order: Vec<usize> = (0..self.examples).collect();
            Rng::new(self.plan.seed).fork(SHUFFLE + epoch as u64).shuffle(&mut order);
            self.order = Some((epoch, order));
        }
        let order = &self.order.as_ref().expect("just set").1;
        let start = (step % per_epoch) * self.plan.batch_size;
        order[start..(start + self.plan.batch_size).min(order.len())].to_vec()
    }

    /// One update on the next batch of `examples` (the same list every step).
    pub fn train_step(&mut self, examples: &[Example]) -> Result<StepOutput> {
        if examples.len() != self.examples {
            return Err(BertError::Input(crate::detail!(
                "input.data_changed",
                "the training set changed during the run"
            )));
        }
        let step = self.step;
        let picked: Vec<&Example> = self.batch_indices(step).into_iter().map(|i| &examples[i]).collect();
        let mut mask_rng = Rng::new(self.plan.seed).fork(MASKING + step as u64);
        let autodiff = self.device.clone().autodiff();
        let batch = Batch::new(&picked, self.mask_vocab.as_ref().map(|v| (v, &mut mask_rng)), &autodiff);
        autodiff.seed(Rng::new(self.plan.seed).fork(DROPOUT + step as u64).next_u64());

        let loss = objectives::forward(&self.bert, &batch)?.loss;
        let grads = loss.backward();
        let lr = self.plan.schedule.lr(step);
        let (bert, grad_norm) = self.optimizer.step(self.bert.clone(), &grads, lr);
        self.bert = bert;
        self.step += 1;
        Ok(StepOutput { loss: loss.inner(), grad_norm, lr, tokens: Batch::tokens(&picked) })
    }

    /// The model as it is now, without autodiff and with dropout off.
    pub fn model(&self) -> Bert {
        self.bert.valid()
    }

    /// Everything needed to continue exactly from here. The snapshot is taken now; the returned
    /// future only reads it back (asynchronously) and borrows nothing, so a caller may keep
    /// training meanwhile.
    pub fn checkpoint(&self) -> impl Future<Output = Result<Checkpoint>> + 'static {
        let mut state = RunState {
            step: self.step,
            plan: self.plan.clone(),
            examples: self.examples,
            fingerprint: self.fingerprint.clone(),
            weights: None,
            rng: format!("SplitMix64 streams derived from seed {} and the step", self.plan.seed),
        };
        let (model, optimizer) = (self.model(), self.optimizer.clone());
        async move {
            let model = save_bert(&model).await?;
            state.weights = Some(weights_fingerprint(&model.safetensors));
            Ok(Checkpoint {
                model,
                optimizer: optimizer.to_bytes().await?,
                state_json: serde_json::to_string_pretty(&state).expect("plain data"),
            })
        }
    }
}

/// FNV-1a over every example's tokens, segments and target.
fn fingerprint(examples: &[Example]) -> String {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |x: u64| {
        for byte in x.to_le_bytes() {
            hash = (hash ^ byte as u64).wrapping_mul(0x100_0000_01b3);
        }
    };
    for e in examples {
        e.encoded.ids.iter().chain(&e.encoded.type_ids).for_each(|&x| eat(x as u64));
        match e.target {
            Target::Pretraining { is_next } => eat(is_next as u64),
            Target::Label(label) => eat(label as u64),
            Target::Span { start, end } => (eat(start as u64), eat(end as u64)).1,
        }
        eat(u64::MAX);
    }
    format!("{hash:016x}")
}

/// A hash of a weights file, eight bytes at a time (a bert-base file is 440 MB): it guards
/// against mixing up files, not against forgery.
fn weights_fingerprint(bytes: &[u8]) -> String {
    let words = bytes.chunks(8).map(|c| {
        let mut word = [0u8; 8];
        word[..c.len()].copy_from_slice(c);
        u64::from_le_bytes(word)
    });
    let hash = words.fold(0xcbf2_9ce4_8422_2325u64 ^ bytes.len() as u64, |h, w| {
        (h ^ w).wrapping_mul(0x100_0000_01b3).rotate_left(29)
    });
    format!("{hash:016x}")
}
