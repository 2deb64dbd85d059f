//! One error type for the whole core, so every edge (CLI, browser) can print one clear line.

use thiserror::Error;

/// Everything that can go wrong between bytes in and answers out.
#[derive(Debug, Error)]
pub enum BertError {
    /// `config.json` is not JSON, or its values cannot describe a BERT.
    #[error("config.json: {0}")]
    Config(String),
    /// The weights file is not a readable safetensors file.
    #[error("model.safetensors: {0}")]
    Safetensors(String),
    /// The weights exist but do not fit the config (shape, missing tensor, partial head).
    #[error("checkpoint does not fit its config: {0}")]
    Checkpoint(String),
    /// The tokenizer files are unreadable or contradict the config.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// The user's input cannot be run (empty text, no `[MASK]`, ...).
    #[error("{0}")]
    Input(String),
    /// The model has no head for the task that was asked for.
    #[error("{0}")]
    MissingHead(String),
    /// A device could not be created or read from.
    #[error("device: {0}")]
    Device(String),
}

pub type Result<T> = std::result::Result<T, BertError>;
