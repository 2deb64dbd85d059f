//! Hugging Face checkpoints: `config.json` + `model.safetensors` bytes in, a [`Bert`] and a
//! report out; and back. No file system here: the edges read and write the bytes.

use std::collections::{BTreeMap, HashMap};

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors};
use serde::Serialize;

use crate::bert::Bert;
use crate::config::{BertConfig, MAX_LABELS};
use crate::error::{BertError, Result};
use crate::heads::HeadKind;
use crate::hf_names::HfVisitor;
use crate::readback::read_all;

/// What a load found: which tensors became parameters, which optional parts the checkpoint
/// lacks, and which tensors in the file nothing used.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadReport {
    pub loaded: Vec<String>,
    /// Optional parts absent from the file: `pooler`, or a head's [`HeadKind::key`].
    pub missing: Vec<String>,
    pub unused: Vec<String>,
    pub heads: Vec<HeadKind>,
}

/// A model as Hugging Face stores it.
pub struct SavedModel {
    pub config_json: String,
    pub safetensors: Vec<u8>,
}

/// One tensor from the file, converted to f32, under its canonical name.
struct Stored {
    shape: Vec<usize>,
    values: Vec<f32>,
}

const MLM_DECODER: &str = "cls.predictions.decoder.weight";

/// Builds a [`Bert`] from a checkpoint. Every part the file has is loaded; a part the file
/// lacks is left out (and reported), never left random; a tensor that contradicts the config,
/// or a head that is only partly there, is an error.
pub fn load_bert(config_json: &[u8], weights: &[u8], device: &Device) -> Result<(Bert, LoadReport)> {
    let mut config = BertConfig::from_json(config_json)?;
    let mut stored = read_tensors(weights)?;
    // Two bytes a number at the least (float16): a smaller file cannot hold this model, so its
    // sizes are not believed (and the model is not allocated).
    let needed = config.encoder_parameters().saturating_mul(2);
    if needed > weights.len() as u64 {
        return Err(BertError::Checkpoint(crate::detail!(
            "checkpoint.too_small",
            "config.json describes {numbers} numbers in the embeddings and encoder alone, more than the {mb} MB of model.safetensors can hold",
            numbers = config.encoder_parameters(),
            mb = format!("{:.1}", weights.len() as f64 / 1e6),
        )));
    }

    let has = |prefix: &str| stored.keys().any(|k| k.starts_with(prefix));
    let token_level = config
        .extra
        .get("architectures")
        .and_then(|a| a.as_array())
        .is_some_and(|a| a.iter().any(|s| s.as_str() == Some("BertForTokenClassification")));
    let mut heads = Vec::new();
    if has("cls.predictions.") {
        heads.push(HeadKind::MaskedLm);
    }
    if has("cls.seq_relationship.") {
        heads.push(HeadKind::NextSentence);
    }
    if has("classifier.") {
        heads.push(if token_level { HeadKind::TokenClassification } else { HeadKind::SequenceClassification });
        reconcile_labels(&mut config, &stored)?;
    }
    if has("qa_outputs.") {
        heads.push(HeadKind::QuestionAnswering);
    }

    let mut bert = Bert::init(&config, &heads, device)?;
    let mut report = LoadReport { heads: heads.clone(), ..Default::default() };
    if !stored.contains_key("pooler.dense.weight") {
        bert.model.pooler = None;
        report.missing.push("pooler".into());
    }
    for kind in HeadKind::ALL {
        if !heads.contains(&kind) {
            report.missing.push(kind.key().to_string());
        }
    }

    if let Some(decoder) = stored.remove(MLM_DECODER) {
        check_tied(&decoder, stored.get("embeddings.word_embeddings.weight"))?;
        report.loaded.push(format!("{MLM_DECODER} (tied to the word embeddings)"));
    }
    let mut loader = Loader { stored: &mut stored, device, loaded: Vec::new(), absent: Vec::new(), wrong: Vec::new() };
    bert.visit_hf(&mut loader);
    let Loader { loaded, absent, wrong, .. } = loader;
    if !wrong.is_empty() {
        let (tensors, more) = first_few(&wrong);
        return Err(BertError::Checkpoint(if more == 0 {
            crate::detail!("checkpoint.shapes", "tensor shapes contradict config.json: {tensors}", tensors = tensors)
        } else {
            crate::detail!(
                "checkpoint.shapes_more",
                "tensor shapes contradict config.json: {tensors} and {more} more",
                tensors = tensors,
                more = more,
            )
        }));
    }
    if !absent.is_empty() {
        let (tensors, more) = first_few(&absent);
        return Err(BertError::Checkpoint(if more == 0 {
            crate::detail!("checkpoint.missing", "tensors missing from model.safetensors: {tensors}", tensors = tensors)
        } else {
            crate::detail!(
                "checkpoint.missing_more",
                "tensors missing from model.safetensors: {tensors} and {more} more",
                tensors = tensors,
                more = more,
            )
        }));
    }
    report.loaded.extend(loaded);
    report.unused = stored.into_keys().collect();
    Ok((bert, report))
}

/// The classifier's width decides the label count; `id2label` must agree with it.
fn reconcile_labels(config: &mut BertConfig, stored: &BTreeMap<String, Stored>) -> Result<()> {
    let Some(weight) = stored.get("classifier.weight") else {
        return Err(BertError::Checkpoint(crate::detail!(
            "checkpoint.bias_only",
            "classifier.bias without classifier.weight"
        )));
    };
    let outputs = match weight.shape[..] {
        [outputs, width] if width == config.hidden_size && (1..=MAX_LABELS).contains(&outputs) => outputs,
        _ => {
            return Err(BertError::Checkpoint(crate::detail!(
                "checkpoint.classifier_shape",
                "classifier.weight has shape {shape}; a classifier is [labels, {hidden}] with 1 to {max} labels",
                shape = format!("{:?}", weight.shape),
                hidden = config.hidden_size,
                max = MAX_LABELS,
            )))
        }
    };
    match &config.id2label {
        Some(labels) if labels.len() != outputs => Err(BertError::Checkpoint(crate::detail!(
            "checkpoint.label_count",
            "classifier has {outputs} outputs but config.json's id2label names {labels} labels",
            outputs = outputs,
            labels = labels.len(),
        ))),
        Some(_) => Ok(()),
        None => {
            let names: Vec<String> = (0..outputs).map(|i| format!("LABEL_{i}")).collect();
            config.set_labels(&names);
            Ok(())
        }
    }
}

/// A checkpoint may store the MLM decoder; we only accept it when it really is the embedding.
fn check_tied(decoder: &Stored, word: Option<&Stored>) -> Result<()> {
    let same = word.is_some_and(|w| w.shape == decoder.shape && w.values == decoder.values);
    if same {
        Ok(())
    } else {
        Err(BertError::Checkpoint(crate::detail!(
            "checkpoint.untied",
            "{name} differs from the word embeddings; only tied MLM decoders are supported",
            name = MLM_DECODER,
        )))
    }
}

/// The first four items joined, and how many more there are.
fn first_few(items: &[String]) -> (String, usize) {
    (items.iter().take(4).map(String::as_str).collect::<Vec<_>>().join("; "), items.len().saturating_sub(4))
}

/// Parses the safetensors bytes and gives each float tensor its canonical name:
/// no `bert.` prefix, LayerNorm `gamma`/`beta` read as `weight`/`bias`.
fn read_tensors(bytes: &[u8]) -> Result<BTreeMap<String, Stored>> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| {
        BertError::Safetensors(crate::detail!("safetensors.invalid", "not a valid safetensors file ({e})", e = e))
    })?;
    let mut out = BTreeMap::new();
    for (name, view) in file.tensors() {
        let values = match view.dtype() {
            Dtype::F32 => view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            Dtype::F16 => {
                view.data().chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect()
            }
            Dtype::BF16 => {
                view.data().chunks_exact(2).map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32()).collect()
            }
            Dtype::F64 => {
                view.data().chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap()) as f32).collect()
            }
            // Integer buffers such as `embeddings.position_ids` are not parameters.
            _ => Vec::new(),
        };
        let key = canonical_name(&name);
        if out.contains_key(&key) {
            return Err(BertError::Safetensors(crate::detail!(
                "safetensors.same_name",
                "two tensors both mean \"{key}\"",
                key = key,
            )));
        }
        out.insert(key, Stored { shape: view.shape().to_vec(), values });
    }
    if let Some(bias) = out.remove("cls.predictions.decoder.bias") {
        out.entry("cls.predictions.bias".to_string()).or_insert(bias);
    }
    Ok(out)
}

fn canonical_name(name: &str) -> String {
    let name = name.strip_prefix("bert.").unwrap_or(name);
    if name.contains("LayerNorm.") {
        if let Some(stem) = name.strip_suffix(".gamma") {
            return format!("{stem}.weight");
        }
        if let Some(stem) = name.strip_suffix(".beta") {
            return format!("{stem}.bias");
        }
    }
    name.to_string()
}

/// Moves stored tensors into the model's parameters, checking each shape.
struct Loader<'a> {
    stored: &'a mut BTreeMap<String, Stored>,
    device: &'a Device,
    loaded: Vec<String>,
    absent: Vec<String>,
    wrong: Vec<String>,
}

impl Loader<'_> {
    /// The stored values for `name` if present and shaped `expected`.
    fn take(&mut self, name: &str, expected: &[usize]) -> Option<Vec<f32>> {
        let Some(stored) = self.stored.remove(name) else {
            self.absent.push(name.to_string());
            return None;
        };
        if stored.shape != expected || stored.values.len() != expected.iter().product::<usize>() {
            self.wrong.push(format!("{name} is {:?} in the file, config.json implies {expected:?}", stored.shape));
            return None;
        }
        self.loaded.push(name.to_string());
        Some(stored.values)
    }
}

impl HfVisitor for Loader<'_> {
    fn matrix(&mut self, name: &str, param: &mut Param<Tensor<2>>, transposed: bool) {
        let [rows, cols] = param.lazy_shape().dims();
        let expected = if transposed { [cols, rows] } else { [rows, cols] };
        if let Some(values) = self.take(name, &expected) {
            // Transposed here, on the host, so the parameter is laid out exactly like one the model
            // initialised or trained itself: a strided view would take other kernels and round
            // differently, and a resumed run would drift from the one it continues.
            let values = if transposed { transpose(&values, cols, rows) } else { values };
            *param = Param::from_tensor(Tensor::<2>::from_data(TensorData::new(values, [rows, cols]), self.device));
        }
    }

    fn vector(&mut self, name: &str, param: &mut Param<Tensor<1>>) {
        let [len] = param.lazy_shape().dims();
        if let Some(values) = self.take(name, &[len]) {
            *param = Param::from_tensor(Tensor::<1>::from_data(TensorData::new(values, [len]), self.device));
        }
    }
}

/// `[rows, cols]` row-major values → `[cols, rows]`.
fn transpose(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    (0..cols).flat_map(|c| (0..rows).map(move |r| values[r * cols + c])).collect()
}

/// Gathers every parameter in Hugging Face layout (flattened), to be read in one transaction.
struct Collector {
    prefix_base: bool,
    names: Vec<String>,
    shapes: Vec<Vec<usize>>,
    tensors: Vec<Tensor<1>>,
}

impl Collector {
    fn push<const D: usize>(&mut self, name: &str, tensor: Tensor<D>) {
        let is_head = ["cls.", "classifier.", "qa_outputs."].iter().any(|p| name.starts_with(p));
        let name = if self.prefix_base && !is_head { format!("bert.{name}") } else { name.to_string() };
        self.names.push(name);
        self.shapes.push(tensor.dims().to_vec());
        let len = tensor.dims().iter().product::<usize>();
        self.tensors.push(tensor.reshape([len]));
    }
}

impl HfVisitor for Collector {
    fn matrix(&mut self, name: &str, param: &mut Param<Tensor<2>>, transposed: bool) {
        let value = param.val();
        self.push(name, if transposed { value.transpose() } else { value });
    }

    fn vector(&mut self, name: &str, param: &mut Param<Tensor<1>>) {
        self.push(name, param.val());
    }
}

/// Plain f32 tensors (already read back from the device) → safetensors bytes.
pub(crate) fn write_f32(
    names: &[String],
    shapes: &[Vec<usize>],
    values: &[Vec<f32>],
    metadata: HashMap<String, String>,
) -> Result<Vec<u8>> {
    let bytes: Vec<Vec<u8>> = values.iter().map(|v| v.iter().flat_map(|x| x.to_le_bytes()).collect()).collect();
    let views = names.iter().zip(shapes).zip(&bytes).map(|((name, shape), b)| {
        let view = safetensors::tensor::TensorView::new(Dtype::F32, shape.clone(), b).expect("sizes agree");
        (name.clone(), view)
    });
    safetensors::serialize(views, Some(metadata)).map_err(|e| BertError::Safetensors(e.to_string().into()))
}

/// Writes the model as transformers saves a `BertFor…`: `bert.`-prefixed encoder names when
/// there are heads, the MLM decoder left tied (not stored), labels in the config.
pub async fn save_bert(bert: &Bert) -> Result<SavedModel> {
    let mut bert = bert.clone();
    let mut collector =
        Collector { prefix_base: !bert.heads().is_empty(), names: vec![], shapes: vec![], tensors: vec![] };
    bert.visit_hf(&mut collector);
    let values = read_all(collector.tensors).await?;
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    let safetensors = write_f32(&collector.names, &collector.shapes, &values, metadata)?;

    let mut config = bert.config.clone();
    config.extra.insert("architectures".into(), serde_json::json!([bert.architecture()]));
    Ok(SavedModel { config_json: config.to_json(), safetensors })
}
