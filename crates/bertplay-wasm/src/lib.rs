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

use bertplay::tasks::{classify, explain, features, fill_mask, inspect, nsp, qa, saliency};
use bertplay::{BertError, LoadedModel, ModelFiles, TokenizerFile};
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

extern "C" {
    /// The dependencies' static constructors (cubecl registers its IR this way), which the
    /// linker gathers into one function.
    fn __wasm_call_ctors();
}

/// Runs once when the module starts. The explicit call to the constructors matters: without
/// one, the linker wraps every export so that it runs them all again first, which cost about
/// 40 ms on every call into the engine (each inspection, each step of a promise). A panic
/// aborts the wasm instance: print its message where the worker can forward it.
#[wasm_bindgen(start)]
pub fn start() {
    // SAFETY: called once, first, before any other code of the module runs.
    unsafe { __wasm_call_ctors() };
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
    loaded: Rc<LoadedModel>,
}

#[wasm_bindgen]
impl Model {
    /// `backend` is `webgpu` (after [`init_webgpu`]) or `cpu`. The tokenizer is `tokenizer.json`
    /// when `vocab_txt` is false, else a `vocab.txt` read with BERT's pipeline (normalise, split, WordPiece).
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
        let loaded = LoadedModel::load(files, &device).map_err(error)?;
        Ok(Model { loaded: Rc::new(loaded) })
    }

    /// What was loaded: architecture, heads, config, label names and the load report.
    pub fn summary(&self) -> Result<String, JsError> {
        let p = &self.loaded;
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

    /// An inspection with its numbers as typed arrays (`word`, `position`, `token_type`,
    /// `attentions`, `hidden_states`, `pooler`, `internals`: flat, row-major) beside `meta`, the
    /// JSON of the rest (tokens, ids, `layers`, `heads`, …): printing and parsing a million
    /// floats as JSON took longer than the model. The page nests them as `bertplay inspect
    /// --json` does.
    pub fn inspect(&self, text: String, text_b: Option<String>, internals_layer: Option<usize>) -> Promise {
        let p = self.loaded.clone();
        future_to_promise(async move {
            let b = inspect::inspect_blocks(&p, &text, text_b.as_deref(), internals_layer).await.map_err(error)?;
            let meta = serde_json::json!({
                "tokens": b.tokens,
                "input_ids": b.input_ids,
                "token_type_ids": b.token_type_ids,
                "special_tokens_mask": b.special_tokens_mask,
                "truncated": b.truncated,
                "layers": b.layers,
                "heads": b.heads,
                "internals_layer": b.internals.as_ref().map(|(layer, _)| *layer),
            });
            let out = js_sys::Object::new();
            let set = |key: &str, value: &JsValue| js_sys::Reflect::set(&out, &key.into(), value).map(|_| ());
            let floats = |v: &[f32]| JsValue::from(js_sys::Float32Array::from(v));
            set("meta", &JsValue::from_str(&meta.to_string()))?;
            for (key, values) in [
                ("word", &b.word),
                ("position", &b.position),
                ("token_type", &b.token_type),
                ("attentions", &b.attentions),
                ("hidden_states", &b.hidden_states),
            ] {
                set(key, &floats(values))?;
            }
            set("pooler", &b.pooler.as_deref().map_or(JsValue::NULL, floats))?;
            let internals = match &b.internals {
                Some((_, parts)) => parts.iter().map(|v| floats(v)).collect::<js_sys::Array>().into(),
                None => JsValue::NULL,
            };
            set("internals", &internals)?;
            Ok(out.into())
        })
    }

    /// The last hidden state, as feature extraction returns it: `{ tokens, dims: [seq, hidden],
    /// last_hidden_state: Float32Array }` (the numbers as one typed array, not JSON).
    pub fn features(&self, text: String, text_b: Option<String>) -> Promise {
        let p = self.loaded.clone();
        future_to_promise(async move {
            let f = features::features(&p, &text, text_b.as_deref()).await.map_err(error)?;
            let out = js_sys::Object::new();
            let tokens: js_sys::Array = f.tokens.iter().map(|t| JsValue::from_str(t)).collect();
            let dims: js_sys::Array = [f.tokens.len(), f.hidden].iter().map(|&d| JsValue::from(d as u32)).collect();
            js_sys::Reflect::set(&out, &"tokens".into(), &tokens)?;
            js_sys::Reflect::set(&out, &"dims".into(), &dims)?;
            js_sys::Reflect::set(
                &out,
                &"last_hidden_state".into(),
                &js_sys::Float32Array::from(&f.last_hidden_state[..]),
            )?;
            js_sys::Reflect::set(&out, &"truncated".into(), &JsValue::from_bool(f.truncated))?;
            Ok(out.into())
        })
    }

    /// One token's trip through one layer (`tasks::explain`): every step's numbers, as the
    /// CLI's `explain --json` prints them.
    pub fn explain(&self, text: String, text_b: Option<String>, layer: usize, head: usize, token: usize) -> Promise {
        let focus = explain::Focus { layer, head, token };
        self.task(move |p| async move { explain::explain(&p, &text, text_b.as_deref(), focus).await })
    }

    /// Per-token saliency (`tasks::saliency`), as `bertplay saliency --json` prints it.
    /// `task_json`: `{ "task": "fill_mask" | "classify" | "qa" | "nsp", … }`; `method`:
    /// `gradient_times_input` or `integrated_gradients`.
    pub fn saliency(&self, task_json: &str, method: &str, steps: usize) -> Result<Promise, JsError> {
        let task: saliency::SaliencyTask =
            serde_json::from_str(task_json).map_err(|e| JsError::new(&format!("saliency task: {e}")))?;
        let method: saliency::Method = serde_json::from_value(method.into())
            .map_err(|_| JsError::new(&format!("unknown saliency method {method:?}")))?;
        Ok(self.task(move |p| async move { saliency::saliency(&p, &task, method, steps).await }))
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
        training::preview(&self.loaded, data, options_json)
    }

    /// Runs one task on the model and resolves to its JSON text (or rejects with the error).
    fn task<T, F>(&self, run: impl FnOnce(Rc<LoadedModel>) -> F) -> Promise
    where
        T: Serialize,
        F: Future<Output = bertplay::Result<T>> + 'static,
    {
        let out = run(self.loaded.clone());
        future_to_promise(async move {
            let value = out.await.map_err(error)?;
            Ok(JsValue::from_str(&json(&value)?))
        })
    }
}

/// A model's files as JavaScript passes them: the tokenizer is `tokenizer.json`, or a
/// `vocab.txt` (read with BERT's pipeline (normalise, split, WordPiece), lower-casing as `lowercase` says) when `vocab_txt`.
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

/// A JS `Error` with the English message, plus `kind`, `detail`, `code` and `params` so the page can say
/// it in the user's language.
fn error(e: BertError) -> JsError {
    let error = JsError::new(&e.to_string());
    let object = JsValue::from(error.clone());
    let params = js_sys::Object::new();
    for (name, value) in &e.detail().params {
        let _ = js_sys::Reflect::set(&params, &(*name).into(), &value.into());
    }
    let _ = js_sys::Reflect::set(&object, &"kind".into(), &e.kind().into());
    let _ = js_sys::Reflect::set(&object, &"detail".into(), &e.detail().to_string().into());
    if let Some(code) = e.detail().code {
        let _ = js_sys::Reflect::set(&object, &"code".into(), &code.into());
    }
    let _ = js_sys::Reflect::set(&object, &"params".into(), &params);
    error
}
