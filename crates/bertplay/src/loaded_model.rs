//! A loaded model ready for tasks: the checkpoint's [`Bert`], its tokenizer and the device,
//! built from the bytes of a Hugging Face model folder.

use burn::tensor::Device;

use crate::bert::Bert;
use crate::checkpoint::{load_bert, save_bert, LoadReport, SavedModel};
use crate::encoder::Outputs;
use crate::error::{BertError, Result};
use crate::model::{BertInput, BertOutput};
use crate::tokenizer::{BertTokenizer, Encoded, Truncation};

/// The tokenizer half of a model folder.
pub enum TokenizerFile<'a> {
    /// `tokenizer.json`, which carries its own normalisation settings.
    Json(&'a [u8]),
    /// `vocab.txt`, with BERT's pipeline and the given casing.
    VocabTxt { bytes: &'a [u8], lowercase: bool },
}

/// The bytes of a model folder.
pub struct ModelFiles<'a> {
    pub config_json: &'a [u8],
    pub safetensors: &'a [u8],
    pub tokenizer: TokenizerFile<'a>,
}

pub struct LoadedModel {
    pub bert: Bert,
    pub tokenizer: BertTokenizer,
    pub device: Device,
    pub report: LoadReport,
}

impl LoadedModel {
    pub fn load(files: ModelFiles<'_>, device: &Device) -> Result<Self> {
        let (bert, report) = load_bert(files.config_json, files.safetensors, device)?;
        let max_len = bert.config.max_position_embeddings;
        let tokenizer = match files.tokenizer {
            TokenizerFile::Json(bytes) => BertTokenizer::from_tokenizer_json(bytes, max_len)?,
            TokenizerFile::VocabTxt { bytes, lowercase } => BertTokenizer::from_vocab_txt(bytes, lowercase, max_len)?,
        };
        Self::new(bert, tokenizer, device, report)
    }

    /// Pairs a model with a tokenizer, refusing ids the embedding table cannot look up and
    /// pairs a model with one segment cannot read.
    pub fn new(bert: Bert, tokenizer: BertTokenizer, device: &Device, report: LoadReport) -> Result<Self> {
        let vocab_size = bert.config.vocab_size;
        if tokenizer.vocab_size() > vocab_size {
            return Err(BertError::Tokenizer(crate::detail!(
                "tokenizer.vocab_size",
                "the vocabulary has {tokens} tokens but config.json's vocab_size is {vocab_size}",
                tokens = tokenizer.vocab_size(),
                vocab_size = vocab_size,
            )));
        }
        if let Some((id, token)) = tokenizer.largest_id().filter(|(id, _)| *id as usize >= vocab_size) {
            return Err(BertError::Tokenizer(crate::detail!(
                "tokenizer.id_beyond",
                "the tokenizer gives {token:?} the id {id}, beyond config.json's vocab_size {vocab_size}",
                token = token,
                id = id,
                vocab_size = vocab_size,
            )));
        }
        // The post-processor names its own [CLS] and [SEP] ids, which every encoding carries.
        let probe = tokenizer.encode("a", Some("b"), Truncation::LongestFirst)?;
        if let Some((at, id)) = probe.ids.iter().enumerate().find(|(_, id)| **id as usize >= vocab_size) {
            return Err(BertError::Tokenizer(crate::detail!(
                "tokenizer.added_beyond",
                "the tokenizer adds {token:?} with the id {id}, beyond config.json's vocab_size {vocab_size}",
                token = &probe.tokens[at],
                id = id,
                vocab_size = vocab_size,
            )));
        }
        let tokenizer = tokenizer.with_segments(bert.config.type_vocab_size);
        Ok(Self { bert, tokenizer, device: device.clone(), report })
    }

    /// The model folder's files, named as transformers expects them: `config.json`,
    /// `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`.
    pub async fn save(&self) -> Result<Vec<(&'static str, Vec<u8>)>> {
        model_folder(save_bert(&self.bert).await?, &self.tokenizer)
    }

    /// One encoded input as a batch of one on this model's device.
    pub fn input(&self, encoded: &Encoded) -> BertInput {
        input_batch(std::slice::from_ref(encoded), &self.device)
    }

    /// Runs the encoder on one encoded input.
    pub fn run(&self, encoded: &Encoded, outputs: Outputs) -> BertOutput {
        self.bert.model.forward(&self.input(encoded), outputs)
    }
}

/// Tokenizer encodings as the model's input: one padded batch on `device`. Here, where the
/// tokenizer meets the model, so that neither knows the other's types.
pub fn input_batch(encodings: &[Encoded], device: &Device) -> BertInput {
    let rows: Vec<(&[u32], &[u32])> = encodings.iter().map(|e| (&e.ids[..], &e.type_ids[..])).collect();
    BertInput::padded(&rows, device)
}

/// A saved model and its tokenizer as a model folder's files, named as transformers expects
/// them: `config.json`, `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`.
pub fn model_folder(saved: SavedModel, tokenizer: &BertTokenizer) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let tokenizer_config = serde_json::json!({
        "tokenizer_class": "BertTokenizerFast",
        "model_max_length": tokenizer.max_len(),
    });
    Ok(vec![
        ("config.json", saved.config_json.into_bytes()),
        ("model.safetensors", saved.safetensors),
        ("tokenizer.json", tokenizer.to_json()?.into_bytes()),
        ("tokenizer_config.json", tokenizer_config.to_string().into_bytes()),
    ])
}
