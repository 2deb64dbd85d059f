//! The settings a person chooses for a run, with the course's table as the default. The CLI's
//! flags and the page's form both fill this one struct, so the defaults and the checks are
//! written once.

use serde::{Deserialize, Serialize};

use super::trainer::TrainingPlan;
use crate::config::{BertConfig, MAX_LAYERS, MAX_POSITIONS};
use crate::error::{BertError, Result};

/// Bounds on what a form or a script may ask for: far beyond a classroom run, short of a run
/// that could never end or a batch that could never fit.
pub const MAX_EPOCHS: usize = 1000;
pub const MAX_BATCH: usize = 4096;

/// Which of the two tables a model starts from. The course's table was written for pretrained
/// BERTs of BERT-base's size (110 M numbers); a model of a few million (the built-in one, a
/// mini-BERT) barely moves at its rate of 2e-5: on the bundled topics sample the built-in model
/// stayed near chance with it (0.39 held-out) and passes 0.8 with [`Hyperparameters::MINI_BERT`]
/// (the page's training test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    Course,
    MiniBert,
}

impl Preset {
    /// Models with fewer numbers than this (embeddings and encoder) get the mini-BERT table.
    pub const SMALL_MODEL: u64 = 10_000_000;

    pub fn for_model(config: &BertConfig) -> Self {
        if config.encoder_parameters() < Self::SMALL_MODEL {
            Self::MiniBert
        } else {
            Self::Course
        }
    }

    pub fn hyperparameters(self) -> Hyperparameters {
        match self {
            Self::Course => Hyperparameters::COURSE_CLASSIFICATION,
            Self::MiniBert => Hyperparameters::MINI_BERT,
        }
    }
}

/// A run's hyperparameters; `plan` turns them into the trainer's step-by-step plan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hyperparameters {
    /// Peak learning rate of AdamW.
    pub lr: f64,
    pub batch_size: usize,
    /// Passes over the training data.
    pub epochs: usize,
    /// Longest input in tokens; longer inputs are truncated.
    pub max_len: usize,
    /// Share of the steps spent warming the learning rate up from zero.
    pub warmup: f64,
    /// AdamW's decoupled weight decay.
    pub weight_decay: f64,
    /// The embeddings and this many lowest encoder layers are not trained.
    pub freeze_layers: usize,
    /// Decides the data split, the shuffles, the masks, dropout and new heads' weights.
    pub seed: u64,
}

impl Hyperparameters {
    /// The course's table for fine-tuning a pretrained BERT on sentence classification
    /// (IMDB sentiment): LR 2e-5, batch 8, 3 epochs, 128 tokens, weight decay 0.01.
    pub const COURSE_CLASSIFICATION: Self = Self {
        lr: 2e-5,
        batch_size: 8,
        epochs: 3,
        max_len: 128,
        warmup: 0.0,
        weight_decay: 0.01,
        freeze_layers: 0,
        seed: 42,
    };

    /// The course's table for SQuAD question answering: LR 3e-5 and 384-token windows.
    pub const COURSE_QA: Self = Self { lr: 3e-5, max_len: 384, ..Self::COURSE_CLASSIFICATION };

    /// A mini-BERT trained from random weights learns little at the course's rate: a higher
    /// rate, more epochs and a warm-up, on shorter inputs.
    pub const MINI_BERT: Self =
        Self { lr: 5e-4, batch_size: 16, epochs: 8, max_len: 64, warmup: 0.1, ..Self::COURSE_CLASSIFICATION };

    /// The shortest input worth training on: `[CLS]`, `[SEP]` and a few words.
    pub const MIN_MAX_LEN: usize = 8;

    /// Checks every field, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(BertError::Input(format!("training options: {what}").into()));
        // Any positive rate is allowed: one too large diverges, and the run stops saying so.
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return bad("the learning rate must be a positive number");
        }
        if self.batch_size == 0 || self.epochs == 0 {
            return bad("batch size and epochs must be at least 1");
        }
        if self.batch_size > MAX_BATCH || self.epochs > MAX_EPOCHS {
            return bad(&format!("batch size and epochs are at most {MAX_BATCH} and {MAX_EPOCHS}"));
        }
        if self.freeze_layers > MAX_LAYERS {
            return bad(&format!("at most {MAX_LAYERS} layers can be frozen"));
        }
        if !(0.0..1.0).contains(&self.warmup) {
            return bad("warm-up must be at least 0 and below 1");
        }
        if !(0.0..=1.0).contains(&self.weight_decay) {
            return bad("weight decay must be between 0 and 1");
        }
        if !(Self::MIN_MAX_LEN..=MAX_POSITIONS).contains(&self.max_len) {
            return bad(&format!("the maximum length must be {} to {MAX_POSITIONS} tokens", Self::MIN_MAX_LEN));
        }
        Ok(())
    }

    /// The plan for `epochs` passes over `examples` training examples.
    pub fn plan(&self, examples: usize) -> TrainingPlan {
        self.with_choices(TrainingPlan::for_epochs(examples, self.epochs, self.batch_size, self.lr, self.warmup))
    }

    /// The plan for a run measured in updates rather than epochs (pretraining on a corpus).
    pub fn plan_for_steps(&self, total_steps: usize) -> TrainingPlan {
        self.with_choices(TrainingPlan::for_steps(total_steps, self.batch_size, self.lr, self.warmup))
    }

    fn with_choices(&self, mut plan: TrainingPlan) -> TrainingPlan {
        plan.optimizer.weight_decay = self.weight_decay;
        plan.seed = self.seed;
        plan.frozen_layers = self.freeze_layers;
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_course_table_is_valid_and_becomes_a_plan() {
        for h in [Hyperparameters::COURSE_CLASSIFICATION, Hyperparameters::COURSE_QA, Hyperparameters::MINI_BERT] {
            h.validate().unwrap();
        }
        let plan = Hyperparameters::COURSE_CLASSIFICATION.plan(100);
        assert_eq!((plan.batch_size, plan.total_steps), (8, 13 * 3));
        assert_eq!((plan.schedule.peak_lr, plan.optimizer.weight_decay, plan.seed), (2e-5, 0.01, 42));
        let warm = Hyperparameters { warmup: 0.1, ..Hyperparameters::COURSE_CLASSIFICATION }.plan_for_steps(200);
        assert_eq!((warm.total_steps, warm.schedule.warmup_steps), (200, 20));
    }

    #[test]
    fn each_bad_field_is_named() {
        let course = Hyperparameters::COURSE_CLASSIFICATION;
        let err = |h: Hyperparameters| h.validate().unwrap_err().to_string();
        assert!(err(Hyperparameters { lr: 0.0, ..course }).contains("learning rate"));
        assert!(err(Hyperparameters { lr: f64::NAN, ..course }).contains("learning rate"));
        assert!(err(Hyperparameters { lr: f64::INFINITY, ..course }).contains("learning rate"));
        assert!(err(Hyperparameters { batch_size: 0, ..course }).contains("batch size"));
        assert!(err(Hyperparameters { epochs: 0, ..course }).contains("epochs"));
        assert!(err(Hyperparameters { warmup: 1.0, ..course }).contains("warm-up"));
        assert!(err(Hyperparameters { weight_decay: -0.1, ..course }).contains("weight decay"));
        assert!(err(Hyperparameters { max_len: 4, ..course }).contains("8 to"));
        assert!(err(Hyperparameters { epochs: 1_000_000_000, ..course }).contains("at most"));
        assert!(err(Hyperparameters { batch_size: 1 << 20, ..course }).contains("at most"));
        assert!(err(Hyperparameters { freeze_layers: 1 << 20, ..course }).contains("frozen"));
    }

    #[test]
    fn a_small_model_gets_the_mini_bert_table_and_bert_base_the_course_s() {
        let built_in = BertConfig::new(8000, 256, 4, 4, 768);
        let base = BertConfig::new(30522, 768, 12, 12, 3072);
        assert_eq!(Preset::for_model(&built_in), Preset::MiniBert);
        assert_eq!(Preset::for_model(&base), Preset::Course);
        assert_eq!(Preset::MiniBert.hyperparameters(), Hyperparameters::MINI_BERT);
        assert!(built_in.encoder_parameters() < Preset::SMALL_MODEL && base.encoder_parameters() > 100_000_000);
    }
}
