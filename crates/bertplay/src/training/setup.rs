//! Setting a run up: the model it starts from and how it is scored. The CLI and the page start
//! runs through these, so the same seed gives the same first weights and the same held-out
//! masks on both.

use burn::tensor::Device;
use serde::Deserialize;

use crate::bert::Bert;
use crate::config::BertConfig;
use crate::error::{BertError, Result};
use crate::heads::HeadKind;

/// The size of a fresh BERT, as a person picks it to pretrain a mini-BERT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelShape {
    /// Encoder layers.
    pub layers: usize,
    /// Width of every token's hidden state.
    pub hidden: usize,
    /// Attention heads per layer; `hidden` must be a multiple of it.
    pub heads: usize,
    /// Width of the feed-forward layer (BERT uses 4 × hidden).
    pub intermediate: usize,
}

impl ModelShape {
    /// BERT's config of this shape for a vocabulary, with `max_positions` learned positions.
    pub fn config(&self, vocab_size: usize, max_positions: usize) -> Result<BertConfig> {
        let mut config = BertConfig::new(vocab_size, self.hidden, self.layers, self.heads, self.intermediate);
        config.max_position_embeddings = max_positions;
        // A shape comes from a form or flags, not from a config.json: say so in the message.
        config.validate().map_err(|e| match e {
            BertError::Config(msg) => BertError::Input(format!("the model's shape: {msg}").into()),
            other => other,
        })?;
        Ok(config)
    }
}

/// A randomly initialised BERT with the pretraining heads (masked-LM, next sentence); the seed
/// makes it reproducible.
pub fn fresh_bert(config: &BertConfig, seed: u64, device: &Device) -> Result<Bert> {
    device.seed(seed);
    Bert::init(config, &[HeadKind::MaskedLm, HeadKind::NextSentence], device)
}

/// `bert` with the head a run trains (see [`Bert::for_fine_tuning`]); a new head's first
/// weights come from the run's seed, so the same settings give the same run.
pub fn with_task_head(
    bert: Bert,
    head: HeadKind,
    labels: Option<&[String]>,
    seed: u64,
    device: &Device,
) -> Result<Bert> {
    device.seed(seed);
    bert.for_fine_tuning(head, labels, device)
}

/// Examples per forward pass when scoring (no gradients, so larger than a training batch).
pub const EVAL_BATCH: usize = 32;

/// The seed of the held-out masks a pretraining run is scored on: the same at every
/// evaluation, so the scores compare, and apart from the training masks.
pub fn held_out_mask_seed(run_seed: u64) -> u64 {
    run_seed ^ 0xE7A1
}
