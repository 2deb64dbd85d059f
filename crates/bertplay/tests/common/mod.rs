//! Shared by the integration tests: where the fixtures and the reference model live.
#![allow(dead_code)]

pub mod float64;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bertplay::{LoadedModel, ModelFiles, TokenizerFile};
use burn::tensor::Device;
use safetensors::{Dtype, SafeTensors};

/// Read when the test runs (cargo sets it), not baked in at build time: CI reuses builds across
/// clones in different folders.
pub fn fixtures() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test")).join("../../tests/fixtures")
}

/// all-MiniLM-L6-v2, fetched by `scripts/fetch-reference-model.sh` (the README's test command
/// runs it). `BERTPLAY_MINILM` overrides the folder.
pub fn minilm_dir() -> PathBuf {
    let dir = std::env::var_os("BERTPLAY_MINILM").map(PathBuf::from).unwrap_or_else(|| {
        let cache = std::env::var_os("BERTPLAY_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/bertplay"));
        cache.join("models/all-MiniLM-L6-v2")
    });
    assert!(
        dir.join("model.safetensors").is_file(),
        "the reference model is missing at {}: run scripts/fetch-reference-model.sh",
        dir.display()
    );
    dir
}

pub fn load_dir(dir: &Path, use_vocab_txt: bool, device: &Device) -> LoadedModel {
    let config = std::fs::read(dir.join("config.json")).unwrap();
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let tokenizer_bytes = if use_vocab_txt {
        std::fs::read(dir.join("vocab.txt")).unwrap()
    } else {
        std::fs::read(dir.join("tokenizer.json")).unwrap()
    };
    let tokenizer = if use_vocab_txt {
        TokenizerFile::VocabTxt { bytes: &tokenizer_bytes, lowercase: true }
    } else {
        TokenizerFile::Json(&tokenizer_bytes)
    };
    LoadedModel::load(ModelFiles { config_json: &config, safetensors: &weights, tokenizer }, device).unwrap()
}

/// A safetensors file of expected values, as f32 (floats) or i64 (ids) vectors with shapes.
pub struct Expected {
    pub floats: HashMap<String, (Vec<usize>, Vec<f32>)>,
    pub ints: HashMap<String, Vec<i64>>,
}

pub fn read_expected(path: PathBuf) -> Expected {
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let mut out = Expected { floats: HashMap::new(), ints: HashMap::new() };
    for (name, view) in file.tensors() {
        match view.dtype() {
            Dtype::F32 => {
                let v = view.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
                out.floats.insert(name, (view.shape().to_vec(), v));
            }
            Dtype::I64 => {
                let v = view.data().chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap())).collect();
                out.ints.insert(name, v);
            }
            other => panic!("unexpected dtype {other:?}"),
        }
    }
    out
}

/// Largest |a - b|, with a length check.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

pub fn flat3(v: &[Vec<Vec<f32>>]) -> Vec<f32> {
    v.iter().flatten().flatten().copied().collect()
}

/// Runs one of the core's async functions to completion (flex reads synchronously anyway).
pub fn block<F: std::future::Future>(future: F) -> F::Output {
    pollster::block_on(future)
}
