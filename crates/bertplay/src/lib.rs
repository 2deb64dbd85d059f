//! BERT Playground's core: BERT written out one concept per file, on Burn.
//!
//! Reading order, as in the course: [`config`] → [`embeddings`] → [`attention`] →
//! [`feed_forward`] → [`encoder_layer`] → [`encoder`] → [`pooler`] → [`model`] → [`heads`] →
//! [`bert`]; then [`checkpoint`] and [`tokenizer`] to load real models, and [`tasks`] to use them.
//! Bytes in, tensors and plain structs out: no file system, network or threads here.

pub mod activation;
pub mod attention;
pub mod bert;
pub mod checkpoint;
pub mod config;
pub mod device;
pub mod dropout;
pub mod embeddings;
pub mod encoder;
pub mod encoder_layer;
pub mod error;
pub mod feed_forward;
pub mod heads;
pub mod hf_names;
mod init;
pub mod kernels;
pub mod layer_norm;
pub mod loaded_model;
pub mod model;
pub mod pooler;
pub mod readback;
pub mod rng;
pub mod tasks;
pub mod tokenizer;
pub mod training;

pub use bert::Bert;
pub use config::BertConfig;
pub use encoder::Outputs;
pub use error::{BertError, Detail, Result};
pub use loaded_model::{LoadedModel, ModelFiles, TokenizerFile};
pub use model::{BertInput, BertModel, BertOutput};
pub use tokenizer::{BertTokenizer, Encoded, Truncation};
