//! AdamW (Loshchilov & Hutter): Adam's moment estimates with weight decay applied to the weights
//! directly, not through the gradient. As in BERT, biases and LayerNorm parameters are not decayed,
//! and gradients are first clipped to a global norm.
//!
//! Written here rather than taken from `burn::optim` for three reasons: the decay exclusion needs
//! each parameter's name, the clipping needs the norm over *all* gradients (Burn clips each tensor
//! alone), and a checkpoint must store the moments under stable names so a resumed run continues
//! bit for bit. Everything stays on the device: a step reads nothing back.

use std::collections::{BTreeMap, HashMap};

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, Gradients, Tensor, TensorData};

use crate::checkpoint::write_f32;
use crate::error::{BertError, Result};
use crate::readback::read_all;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AdamWConfig {
    pub beta1: f64,
    pub beta2: f64,
    pub epsilon: f64,
    pub weight_decay: f64,
    /// Gradients are scaled down together when their global L2 norm exceeds this (BERT: 1.0).
    pub max_grad_norm: Option<f64>,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        Self { beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weight_decay: 0.01, max_grad_norm: Some(1.0) }
    }
}

/// Adam's running averages of one parameter's gradient and squared gradient, kept flat.
#[derive(Debug, Clone)]
struct Moments {
    first: Tensor<1>,
    second: Tensor<1>,
}

#[derive(Clone)]
pub struct AdamW {
    pub config: AdamWConfig,
    /// Updates made so far (Adam's bias correction needs it).
    steps: u64,
    /// By parameter path (`model.encoder.layers.0.attention.query.weight`).
    moments: BTreeMap<String, Moments>,
}

const STATE_KEY: &str = "bertplay_adamw";

/// Whether a parameter is decayed: BERT leaves biases and LayerNorm's scale and shift alone.
pub fn decays(path: &str, in_layer_norm: bool) -> bool {
    !in_layer_norm && !path.ends_with(".bias") && path != "bias"
}

impl AdamW {
    pub fn new(config: AdamWConfig) -> Self {
        Self { config, steps: 0, moments: BTreeMap::new() }
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// One update with learning rate `lr` from the gradients of a backward pass. Returns the
    /// module and the gradients' global norm before clipping (a device scalar, for logging).
    pub fn step<M: Module>(&mut self, module: M, grads: &Gradients, lr: f64) -> (M, Tensor<1>) {
        let mut collect = CollectGrads { grads, path: Vec::new(), found: Vec::new() };
        module.visit(&mut collect);
        let found = collect.found;
        let Some((_, first)) = found.first() else {
            let device = module.devices().into_iter().next().unwrap_or_default();
            return (module, Tensor::zeros([1], &device));
        };
        let device = first.device();
        let norm = found.iter().map(|(_, g)| g.clone().powi_scalar(2).sum()).reduce(|a, b| a + b).unwrap().sqrt();
        // min(1, max / norm), computed on the device so no value is read back.
        let scale = self.config.max_grad_norm.map(|max| (norm.clone() + 1e-6).recip().mul_scalar(max).clamp_max(1.0));

        self.steps += 1;
        let t = self.steps as i32;
        let c = self.config;
        let mut update = ApplyUpdate {
            grads: found.into_iter().collect(),
            moments: &mut self.moments,
            scale,
            lr,
            config: c,
            bias1: 1.0 - c.beta1.powi(t),
            bias2: 1.0 - c.beta2.powi(t),
            device,
            path: Vec::new(),
            layer_norm_depth: 0,
        };
        let module = module.map(&mut update);
        (module, norm)
    }

    /// The moments and step count as safetensors bytes (read back asynchronously, so this works
    /// on WebGPU too).
    pub async fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut names = Vec::new();
        let mut tensors = Vec::new();
        for (path, m) in &self.moments {
            names.extend([format!("{path}.exp_avg"), format!("{path}.exp_avg_sq")]);
            tensors.extend([m.first.clone(), m.second.clone()]);
        }
        let values = read_all(tensors).await?;
        let shapes: Vec<Vec<usize>> = values.iter().map(|v| vec![v.len()]).collect();
        // One metadata entry: safetensors keeps metadata in a hash map, whose order (and so the
        // file's bytes) would otherwise change from save to save.
        let state = serde_json::json!({ "steps": self.steps, "config": self.config });
        let metadata = HashMap::from([(STATE_KEY.to_string(), state.to_string())]);
        write_f32(&names, &shapes, &values, metadata)
    }

    /// Restores what [`AdamW::to_bytes`] saved.
    pub fn from_bytes(bytes: &[u8], device: &Device) -> Result<Self> {
        let bad = |e: String| BertError::Checkpoint(format!("optimizer state: {e}").into());
        let (_, header) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| bad(e.to_string()))?;
        let meta = header.metadata().clone().unwrap_or_default();
        let state: serde_json::Value = meta
            .get(STATE_KEY)
            .and_then(|s| serde_json::from_str(s).ok())
            .ok_or_else(|| bad("no step count or settings".into()))?;
        let steps = state["steps"].as_u64().ok_or_else(|| bad("no step count".into()))?;
        let config = serde_json::from_value(state["config"].clone()).map_err(|e| bad(e.to_string()))?;
        let file = safetensors::SafeTensors::deserialize(bytes).map_err(|e| bad(e.to_string()))?;
        let load = |name: &str| -> Result<Tensor<1>> {
            let view = file.tensor(name).map_err(|e| bad(e.to_string()))?;
            let values: Vec<f32> =
                view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
            let len = values.len();
            Ok(Tensor::from_data(TensorData::new(values, [len]), device))
        };
        let mut moments = BTreeMap::new();
        for name in file.names() {
            if let Some(path) = name.strip_suffix(".exp_avg") {
                let moment = Moments { first: load(name)?, second: load(&format!("{path}.exp_avg_sq"))? };
                moments.insert(path.to_string(), moment);
            }
        }
        Ok(Self { config, steps, moments })
    }
}

impl AdamW {
    /// Checks that every saved moment belongs to a parameter of `module` of the same size: an
    /// optimizer state saved with other weights would otherwise fail mid-run, or worse.
    pub fn check_fits<M: Module>(&self, module: &M) -> Result<()> {
        let mut sizes = ParamSizes { path: Vec::new(), found: BTreeMap::new() };
        module.visit(&mut sizes);
        for (path, moment) in &self.moments {
            let saved = moment.first.dims()[0];
            match sizes.found.get(path) {
                Some(&n) if n == saved => {}
                Some(&n) => {
                    return Err(BertError::Checkpoint(format!(
                        "the optimizer state does not belong to these weights: {path} has {n} numbers in the model and {saved} in the optimizer state"
                    ).into()))
                }
                None => {
                    return Err(BertError::Checkpoint(format!(
                        "the optimizer state does not belong to these weights: it has moments for {path}, which the model does not have"
                    ).into()))
                }
            }
        }
        Ok(())
    }
}

/// Every float parameter's size under its path (the paths moments are saved under).
struct ParamSizes {
    path: Vec<String>,
    found: BTreeMap<String, usize>,
}

impl ModuleVisitor for ParamSizes {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.found.insert(self.path.join("."), param.val().shape().num_elements());
    }
}

/// First pass: every parameter's gradient, flattened, under its path.
struct CollectGrads<'a> {
    grads: &'a Gradients,
    path: Vec<String>,
    found: Vec<(String, Tensor<1>)>,
}

impl ModuleVisitor for CollectGrads<'_> {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = param.val().grad(self.grads) {
            let n = grad.shape().num_elements();
            self.found.push((self.path.join("."), grad.reshape([n])));
        }
    }
}

/// Second pass: the AdamW update of every parameter that has a gradient.
struct ApplyUpdate<'a> {
    grads: BTreeMap<String, Tensor<1>>,
    moments: &'a mut BTreeMap<String, Moments>,
    scale: Option<Tensor<1>>,
    lr: f64,
    config: AdamWConfig,
    bias1: f64,
    bias2: f64,
    device: Device,
    path: Vec<String>,
    layer_norm_depth: usize,
}

impl ModuleMapper for ApplyUpdate<'_> {
    fn enter_module(&mut self, name: &str, container: &str) {
        self.path.push(name.to_string());
        self.layer_norm_depth += usize::from(container == "Struct:LayerNorm");
    }
    fn exit_module(&mut self, _name: &str, container: &str) {
        self.path.pop();
        self.layer_norm_depth -= usize::from(container == "Struct:LayerNorm");
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let path = self.path.join(".");
        let Some(mut grad) = self.grads.remove(&path) else { return param };
        if let Some(scale) = &self.scale {
            grad = grad * scale.clone();
        }
        let c = self.config;
        let n = grad.dims()[0];
        let moments = self.moments.entry(path.clone()).or_insert_with(|| Moments {
            first: Tensor::zeros([n], &self.device),
            second: Tensor::zeros([n], &self.device),
        });
        moments.first = moments.first.clone() * c.beta1 + grad.clone() * (1.0 - c.beta1);
        moments.second = moments.second.clone() * c.beta2 + grad.powi_scalar(2) * (1.0 - c.beta2);
        let step = (moments.first.clone() / self.bias1) / ((moments.second.clone() / self.bias2).sqrt() + c.epsilon);

        let (id, tensor, mapper) = param.consume();
        let require_grad = tensor.is_require_grad();
        let shape = tensor.shape();
        let mut weights = tensor.inner().reshape([n]);
        if decays(&path, self.layer_norm_depth > 0) && c.weight_decay > 0.0 {
            weights = weights * (1.0 - self.lr * c.weight_decay);
        }
        let updated = (weights - step * self.lr).reshape(shape);
        let updated = Tensor::from_inner(updated);
        let updated = if require_grad { updated.require_grad() } else { updated };
        Param::from_mapped_value(id, updated, mapper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};

    #[derive(Module, Debug)]
    struct Tiny {
        dense: Linear,
        norm: LayerNorm,
    }

    fn tiny(device: &Device) -> Tiny {
        Tiny { dense: LinearConfig::new(3, 2).init(device), norm: LayerNormConfig::new(2).init(device) }
    }

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_into_vec::<f32>().unwrap()
    }

    #[test]
    fn only_weights_outside_layer_norm_decay() {
        assert!(decays("dense.weight", false));
        assert!(!decays("dense.bias", false));
        assert!(!decays("norm.gamma", true));
    }

    /// One step against AdamW written out by hand on plain numbers.
    #[test]
    fn first_step_matches_the_formula() {
        let device = Device::flex();
        let model = tiny(&device).train();
        let before = values(model.dense.weight.val());
        let x = Tensor::<2>::from_data([[1.0, -2.0, 0.5]], &device.clone().autodiff());
        let loss = model.norm.forward(model.dense.forward(x)).powi_scalar(2).sum();
        let grads = loss.backward();
        let grad = values(model.dense.weight.val().grad(&grads).unwrap());
        let config = AdamWConfig { max_grad_norm: None, ..AdamWConfig::default() };
        let mut adam = AdamW::new(config);
        let (model, _) = adam.step(model, &grads, 0.1);
        let after = values(model.dense.weight.val());
        for ((w, g), new) in before.iter().zip(&grad).zip(&after) {
            let (w, g) = (*w as f64, *g as f64);
            let m = 0.1 * g / (1.0 - 0.9);
            let v = 0.001 * g * g / (1.0 - 0.999);
            let expected = w * (1.0 - 0.1 * 0.01) - 0.1 * m / (v.sqrt() + 1e-6);
            assert!((expected - *new as f64).abs() < 1e-5, "{expected} vs {new}");
        }
        assert!(model.dense.weight.val().is_require_grad(), "updated weights stay trainable");
    }

    #[test]
    fn clipping_bounds_the_update_and_reports_the_norm() {
        let device = Device::flex();
        let model = tiny(&device).train();
        let x = Tensor::<2>::from_data([[100.0, -200.0, 50.0]], &device.clone().autodiff());
        let grads = model.dense.forward(x).sum().backward();
        let mut adam = AdamW::new(AdamWConfig { max_grad_norm: Some(1.0), ..AdamWConfig::default() });
        let (_, norm) = adam.step(model, &grads, 0.1);
        // d(sum)/dW = x per output row (2 rows) and 1 per bias: sqrt(2·(100²+200²+50²) + 2).
        let expected = (2.0f64 * (100.0 * 100.0 + 200.0 * 200.0 + 50.0 * 50.0) + 2.0).sqrt();
        assert!((values(norm)[0] as f64 - expected).abs() < 1e-2);
    }

    #[test]
    fn state_round_trips_through_bytes() {
        let device = Device::flex();
        let model = tiny(&device).train();
        let x = Tensor::<2>::from_data([[1.0, 2.0, 3.0]], &device.clone().autodiff());
        let grads = model.dense.forward(x).sum().backward();
        let mut adam = AdamW::new(AdamWConfig::default());
        adam.step(model, &grads, 0.01);
        let bytes = pollster::block_on(adam.to_bytes()).unwrap();
        let back = AdamW::from_bytes(&bytes, &device).unwrap();
        assert_eq!(back.steps, 1);
        assert_eq!(back.config, adam.config);
        assert_eq!(back.moments.keys().collect::<Vec<_>>(), adam.moments.keys().collect::<Vec<_>>());
        for (a, b) in adam.moments.values().zip(back.moments.values()) {
            assert_eq!(values(a.second.clone()), values(b.second.clone()));
        }
        assert!(AdamW::from_bytes(b"junk", &device).is_err());
    }
}
