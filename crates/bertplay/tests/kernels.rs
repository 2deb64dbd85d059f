//! The project's CPU kernels against Burn's own tensor operations on a small BERT: the same
//! hidden states, attentions and pooler output, and under autodiff (dropout on) the same
//! gradient for every parameter. Tests here switch the kernels off and on for the whole
//! process, so they take turns.

use std::collections::BTreeMap;

use bertplay::heads::HeadKind;
use bertplay::kernels::use_cpu_kernels;
use bertplay::{Bert, BertConfig, BertInput, Encoded, Outputs};
use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Gradients, Tensor, TensorData};

static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// 3 layers, hidden 48 in 4 heads of 12, GELU; random weights from a fixed seed, drawn now
/// (parameters are lazy: drawn later, they would take numbers meant for dropout).
fn model(device: &Device) -> Bert {
    let config = BertConfig::new(50, 48, 3, 4, 96);
    device.seed(11);
    let bert = Bert::init(&config, &[HeadKind::MaskedLm, HeadKind::NextSentence], device).unwrap();
    bert.visit(&mut Materialise);
    bert
}

struct Materialise;

impl ModuleVisitor for Materialise {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        param.val();
    }
}

/// Two sequences, the second a pair and shorter (so the first pads nothing and the second does).
fn input(device: &Device) -> BertInput {
    let encoded = |ids: Vec<u32>, types: Vec<u32>| Encoded {
        tokens: vec![String::new(); ids.len()],
        offsets: vec![(0, 0); ids.len()],
        sequence_ids: vec![Some(0); ids.len()],
        truncated: false,
        ids,
        type_ids: types,
    };
    let a = encoded((1..=9).collect(), vec![0; 9]);
    let b = encoded(vec![2, 7, 7, 30, 3, 44], vec![0, 0, 0, 1, 1, 1]);
    bertplay::loaded_model::input_batch(&[a, b], device)
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

fn assert_close(what: &str, a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol * (1.0 + y.abs()), "{what}[{i}]: kernels {x}, Burn {y}");
    }
}

/// Everything an inspection reads, flattened: hidden states, attentions, pooler.
fn inspect(bert: &Bert, device: &Device) -> Vec<Vec<f32>> {
    let out = bert.model.forward(&input(device), Outputs::everything());
    let mut all: Vec<Vec<f32>> = out.hidden_states.into_iter().map(values).collect();
    all.extend(out.attentions.into_iter().map(values));
    all.push(values(out.pooler_output.unwrap()));
    all.push(values(out.last_hidden_state));
    all
}

#[test]
fn inference_matches_burns_operations() {
    let _turn = one_at_a_time();
    let device = Device::flex();
    let bert = model(&device);
    use_cpu_kernels(true);
    let ours = inspect(&bert, &device);
    // The plain pass (no attentions kept) takes the kernel without probabilities.
    let plain = values(bert.model.forward(&input(&device), Outputs::default()).last_hidden_state);
    use_cpu_kernels(false);
    let burns = inspect(&bert, &device);
    use_cpu_kernels(true);
    for (i, (a, b)) in ours.iter().zip(&burns).enumerate() {
        assert_close(&format!("output {i}"), a, b, 1e-5);
    }
    assert_close("plain pass", &plain, burns.last().unwrap(), 1e-5);
}

/// Every parameter's gradient, by path.
struct Grads<'a> {
    grads: &'a Gradients,
    path: Vec<String>,
    found: BTreeMap<String, Vec<f32>>,
}

impl ModuleVisitor for Grads<'_> {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = param.val().grad(self.grads) {
            self.found.insert(self.path.join("."), values(grad));
        }
    }
}

/// A loss that reaches every parameter: masked-LM logits at two positions, NSP logits, and the
/// whole last hidden state, weighted by fixed numbers. Dropout is on (training mode).
fn gradients(bert: &Bert, device: &Device) -> BTreeMap<String, Vec<f32>> {
    device.seed(5);
    let out = bert.model.forward(&input(device), Outputs::default());
    let [batch, seq, hidden] = out.last_hidden_state.dims();
    let n = batch * seq * hidden;
    let weights: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
    let weights = Tensor::<3>::from_data(TensorData::new(weights, [batch, seq, hidden]), device);
    let mut loss = (out.last_hidden_state.clone() * weights).sum();
    let picked = out.last_hidden_state.slice([0..2, 1..2]).reshape([2, hidden]);
    let mlm = bert.masked_lm.as_ref().unwrap().forward(picked, &bert.model.embeddings.word);
    loss = loss + mlm.powi_scalar(2).mean();
    let nsp = bert.next_sentence.as_ref().unwrap().forward(out.pooler_output.unwrap());
    loss = loss + nsp.sum();
    let grads = loss.backward();
    let mut visitor = Grads { grads: &grads, path: Vec::new(), found: BTreeMap::new() };
    bert.visit(&mut visitor);
    visitor.found
}

#[test]
fn training_gradients_match_burns_operations() {
    let _turn = one_at_a_time();
    let device = Device::flex().autodiff();
    let bert = model(&device);
    use_cpu_kernels(true);
    let ours = gradients(&bert, &device);
    use_cpu_kernels(false);
    let burns = gradients(&bert, &device);
    use_cpu_kernels(true);
    assert_eq!(ours.keys().collect::<Vec<_>>(), burns.keys().collect::<Vec<_>>(), "the same parameters get gradients");
    assert!(ours.len() > 40, "every parameter: {}", ours.len());
    for (name, grad) in &ours {
        assert!(grad.iter().any(|&g| g != 0.0), "{name} has a gradient");
        assert_close(name, grad, &burns[name], 2e-4);
    }
}
