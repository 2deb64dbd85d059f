//! The core, callable from JavaScript. The playground's Web Worker starts a backend
//! (`init_webgpu` once, or the CPU), loads a model from bytes and runs the tasks; every task
//! returns a Promise of the same JSON the CLI prints with `--json`. `Training` (training.rs)
//! fine-tunes or pretrains a model in the worker with the core's training engine.
//!
//! Reads from the GPU are async (a synchronous read panics on WebGPU in a browser), so each
//! task runs as a future that owns a shared handle to the model.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use bertplay::tasks::{classify, fill_mask, inspect, nsp, qa};
use bertplay::{BertError, ModelFiles, Pipeline, TokenizerFile};
use burn::tensor::Device;
use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

mod training;
pub use training::Training;

thread_local! {
    /// WebGPU can be initialised once per page (worker); later models reuse the device.
    static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// A panic aborts the wasm instance: print its message where the worker can forward it.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&format!("bertplay panicked: {info}").into())));
}

/// Starts Burn's WebGPU runtime and describes the adapter it chose.
#[wasm_bindgen]
pub async fn init_webgpu() -> Result<String, JsError> {
    if WEBGPU.with(|d| d.borrow().is_some()) {
        return Err(JsError::new("WebGPU is already initialised"));
    }
    let (device, setup) = Device::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| JsError::new(&format!("WebGPU could not start: {e}")))?;
    let info = setup.adapter.get_info();
    WEBGPU.with(|d| *d.borrow_mut() = Some(device));
    Ok(serde_json::json!({ "name": info.name, "driver": info.driver, "backend": info.backend.to_string() }).to_string())
}

/// A loaded model on one backend.
#[wasm_bindgen]
pub struct Model {
    pipeline: Rc<Pipeline>,
}

#[wasm_bindgen]
impl Model {
    /// `backend` is `webgpu` (after [`init_webgpu`]) or `cpu`. The tokenizer is `tokenizer.json`
    /// when `vocab_txt` is false, else a `vocab.txt` read with BERT's pipeline.
    pub fn load(
        backend: &str,
        config_json: &[u8],
        safetensors: &[u8],
        tokenizer: &[u8],
        vocab_txt: bool,
        lowercase: bool,
    ) -> Result<Model, JsError> {
        let device = device_for(backend)?;
        let files = model_files(config_json, safetensors, tokenizer, vocab_txt, lowercase);
        let pipeline = Pipeline::load(files, &device).map_err(error)?;
        Ok(Model { pipeline: Rc::new(pipeline) })
    }

    /// What was loaded: architecture, heads, config, label names and the load report.
    pub fn summary(&self) -> Result<String, JsError> {
        let p = &self.pipeline;
        json(&serde_json::json!({
            "architecture": p.bert.architecture(),
            "heads": p.bert.heads(),
            "config": serde_json::from_str::<serde_json::Value>(&p.bert.config.to_json())?,
            "labels": p.bert.config.labels().map_err(error)?,
            "report": p.report,
            "vocab_size": p.tokenizer.vocab_size(),
            "max_len": p.tokenizer.max_len(),
        }))
    }

    pub fn inspect(&self, text: String, text_b: Option<String>, internals_layer: Option<usize>) -> Promise {
        self.task(move |p| async move { inspect::inspect(&p, &text, text_b.as_deref(), internals_layer).await })
    }

    pub fn fill_mask(&self, text: String, k: usize) -> Promise {
        self.task(move |p| async move {
            fill_mask::fill_mask(&p, &text, k).await.map(|masks| serde_json::json!({ "masks": masks }))
        })
    }

    pub fn nsp(&self, a: String, b: String) -> Promise {
        self.task(move |p| async move { nsp::next_sentence(&p, &a, &b).await })
    }

    pub fn qa(&self, question: String, context: String) -> Promise {
        self.task(move |p| async move { qa::answer(&p, &question, &context, qa::MAX_ANSWER_LEN).await })
    }

    pub fn classify(&self, text: String, text_b: Option<String>) -> Promise {
        self.task(move |p| async move {
            classify::classify(&p, &text, text_b.as_deref()).await.map(|labels| serde_json::json!({ "labels": labels }))
        })
    }

    /// How `data` would be read and split for training this model (`options`: the data part of
    /// the training options, JSON): sizes, label counts, the first rows, bad rows, warnings.
    pub fn preview_data(&self, data: &[u8], options_json: &str) -> Result<String, JsError> {
        training::preview(&self.pipeline, data, options_json)
    }

    /// Runs one task on the model and resolves to its JSON text (or rejects with the error).
    fn task<T, F>(&self, run: impl FnOnce(Rc<Pipeline>) -> F) -> Promise
    where
        T: Serialize,
        F: Future<Output = bertplay::Result<T>> + 'static,
    {
        let out = run(self.pipeline.clone());
        future_to_promise(async move {
            let value = out.await.map_err(error)?;
            Ok(JsValue::from_str(&json(&value)?))
        })
    }
}

/// A model's files as JavaScript passes them: the tokenizer is `tokenizer.json`, or a
/// `vocab.txt` (read with BERT's pipeline, lower-casing as `lowercase` says) when `vocab_txt`.
fn model_files<'a>(
    config_json: &'a [u8],
    safetensors: &'a [u8],
    tokenizer: &'a [u8],
    vocab_txt: bool,
    lowercase: bool,
) -> ModelFiles<'a> {
    let tokenizer = if vocab_txt {
        TokenizerFile::VocabTxt { bytes: tokenizer, lowercase }
    } else {
        TokenizerFile::Json(tokenizer)
    };
    ModelFiles { config_json, safetensors, tokenizer }
}

/// The device of `backend`: `webgpu` (after [`init_webgpu`]) or `cpu`.
fn device_for(backend: &str) -> Result<Device, JsError> {
    match backend {
        "cpu" => Ok(Device::flex()),
        "webgpu" => WEBGPU
            .with(|d| d.borrow().clone())
            .ok_or_else(|| JsError::new("WebGPU is not initialised: call init_webgpu first")),
        other => Err(JsError::new(&format!("unknown backend \"{other}\" (use webgpu or cpu)"))),
    }
}

fn json<T: Serialize>(value: &T) -> Result<String, JsError> {
    Ok(serde_json::to_string(value)?)
}

fn error(e: BertError) -> JsError {
    JsError::new(&e.to_string())
}
