//! Reading a Hugging Face model folder from disk: the file-system edge of the core's loaders.

use std::fs;
use std::path::Path;

use bertplay::{LoadedModel, ModelFiles, TokenizerFile};
use burn::tensor::Device;

/// Loads `config.json`, `model.safetensors` and `tokenizer.json` (or `vocab.txt`) from `dir`.
pub fn load(dir: &Path, device: &Device) -> Result<LoadedModel, String> {
    if !dir.is_dir() {
        return Err(format!("model folder {} does not exist", dir.display()));
    }
    let read = |name: &str| fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()));
    let config_json = read("config.json")?;
    let safetensors = read("model.safetensors")?;
    let tokenizer_json = dir.join("tokenizer.json");
    let vocab_txt = dir.join("vocab.txt");
    let (bytes, is_json) = if tokenizer_json.is_file() {
        (read("tokenizer.json")?, true)
    } else if vocab_txt.is_file() {
        (read("vocab.txt")?, false)
    } else {
        return Err(format!("{} has neither tokenizer.json nor vocab.txt", dir.display()));
    };
    let tokenizer = if is_json {
        TokenizerFile::Json(&bytes)
    } else {
        TokenizerFile::VocabTxt { bytes: &bytes, lowercase: lowercase(dir) }
    };
    let files = ModelFiles { config_json: &config_json, safetensors: &safetensors, tokenizer };
    LoadedModel::load(files, device).map_err(|e| e.to_string())
}

/// `do_lower_case` from `tokenizer_config.json`; uncased (true) when the file does not say.
fn lowercase(dir: &Path) -> bool {
    fs::read(dir.join("tokenizer_config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("do_lower_case").and_then(|l| l.as_bool()))
        .unwrap_or(true)
}

/// Writes a model folder, refusing to overwrite one that already holds a model.
pub fn write(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), String> {
    if dir.join("model.safetensors").exists() {
        return Err(format!("{} already holds a model; choose an empty folder", dir.display()));
    }
    replace(dir, files)
}

/// Writes a model folder over whatever it holds, each file whole or not at all: a process
/// killed mid-write leaves the old file or the new one, never half of one.
pub fn replace(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, bytes) in files {
        write_whole(&dir.join(name), bytes)?;
    }
    Ok(())
}

/// Writes `path` through a temporary file beside it and a rename, which replaces it at once.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    fs::write(&partial, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    fs::rename(&partial, path).map_err(|e| format!("{}: {e}", path.display()))
}
