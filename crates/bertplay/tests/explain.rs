//! `tasks::explain` shows every step of one layer for one token. Each step is recomputed here in
//! float64 from the step's own shown inputs and the checkpoint's weights, and must agree within
//! 1e-5; the layer's output must be the next layer's input, and the probabilities the inspect's
//! attention row. On the test model (every layer, head and token) and on MiniLM.

mod common;

use bertplay::tasks::explain::{explain, Explanation, Focus};
use bertplay::tasks::inspect::inspect;
use bertplay::LoadedModel;
use burn::tensor::Device;
use common::float64::{erf, Mat, Weights};
use common::{block, fixtures, load_dir, minilm_dir};

fn wide(xs: &[f32]) -> Vec<f64> {
    xs.iter().map(|&x| x as f64).collect()
}

fn rows(xs: &[Vec<f32>]) -> Mat {
    xs.iter().map(|r| wide(r)).collect()
}

fn close(name: &str, ours: &[f32], reference: &[f64]) {
    assert_eq!(ours.len(), reference.len(), "{name}: length");
    let d = ours.iter().zip(reference).map(|(&a, &b)| (a as f64 - b).abs()).fold(0.0, f64::max);
    assert!(d < 1e-5, "{name} differs from float64 by {d}");
}

/// The step's float64 version from its shown inputs, one step at a time.
fn check_steps(e: &Explanation, w: &Weights, prefix: &str, eps: f64) {
    let p = format!("{prefix}encoder.layer.{}", e.layer);
    let t = e.token;
    let (h, d) = (e.head, e.head_dim);
    let input = rows(&e.input);
    let part = |m: Mat| -> Mat { m.into_iter().map(|r| r[h * d..(h + 1) * d].to_vec()).collect() };
    let q = part(w.linear(&format!("{p}.attention.self.query"), &input));
    let k = part(w.linear(&format!("{p}.attention.self.key"), &input));
    let v = part(w.linear(&format!("{p}.attention.self.value"), &input));
    for (name, ours, theirs) in [("q", &e.q, &q), ("k", &e.k, &k), ("v", &e.v, &v)] {
        for (j, (a, b)) in ours.iter().zip(theirs).enumerate() {
            close(&format!("{name}[{j}]"), a, b);
        }
    }
    // From the shown q and k: the dot products, then the scaling.
    let (sq, sk) = (wide(&e.q[t]), rows(&e.k));
    let scores: Vec<f64> = sk.iter().map(|kj| kj.iter().zip(&sq).map(|(a, b)| a * b).sum()).collect();
    close("scores", &e.scores, &scores);
    let scaled: Vec<f64> = wide(&e.scores).iter().map(|s| s / (d as f64).sqrt()).collect();
    close("scaled", &e.scaled, &scaled);
    // One text has no padding: the mask adds nothing. Then softmax, with the max shift.
    assert!(e.mask.len() == e.scaled.len() && e.mask.iter().all(|&m| m == 0.0), "{:?}", e.mask);
    let shown: Vec<f64> = e.scaled.iter().zip(&e.mask).map(|(&s, &m)| s as f64 + m as f64).collect();
    let max = shown.iter().cloned().fold(f64::MIN, f64::max);
    let sum: f64 = shown.iter().map(|s| (s - max).exp()).sum();
    let probs: Vec<f64> = shown.iter().map(|s| (s - max).exp() / sum).collect();
    close("probs", &e.probs, &probs);
    let context: Vec<f64> =
        (0..d).map(|i| e.probs.iter().zip(&e.v).map(|(&p, vj)| p as f64 * vj[i] as f64).sum()).collect();
    close("context", &e.context, &context);
    assert_eq!(&e.heads_concat[h * d..(h + 1) * d], &e.context[..], "this head's part of the concatenation");
    let row = |xs: &[f32]| vec![wide(xs)];
    let attention_output = w.linear(&format!("{p}.attention.output.dense"), &row(&e.heads_concat));
    close("attention_output", &e.attention_output, &attention_output[0]);
    let residual: Vec<f64> = input[t].iter().zip(&e.attention_output).map(|(x, &a)| x + a as f64).collect();
    let norm = w.layer_norm(&format!("{p}.attention.output.LayerNorm"), &vec![residual], eps);
    close("attention_norm", &e.attention_norm, &norm[0]);
    let expanded = w.linear(&format!("{p}.intermediate.dense"), &row(&e.attention_norm));
    let gelu: Vec<f64> = expanded[0].iter().map(|&z| 0.5 * z * (1.0 + erf(z / 2f64.sqrt()))).collect();
    close("intermediate", &e.intermediate, &gelu);
    let shrunk = w.linear(&format!("{p}.output.dense"), &row(&e.intermediate));
    close("ffn_output", &e.ffn_output, &shrunk[0]);
    let residual: Vec<f64> = e.attention_norm.iter().zip(&e.ffn_output).map(|(&a, &b)| a as f64 + b as f64).collect();
    let output = w.layer_norm(&format!("{p}.output.LayerNorm"), &vec![residual], eps);
    close("output", &e.output, &output[0]);
}

/// Every focus given: the steps hold, and agree with an inspection of the same input.
fn check_model(p: &LoadedModel, weights: &[u8], text: &str, text_b: Option<&str>, foci: &[Focus]) {
    let w = Weights::from_safetensors(weights);
    let prefix = if w.0.contains_key("bert.embeddings.word_embeddings.weight") { "bert." } else { "" };
    let inspection = block(inspect(p, text, text_b, None)).unwrap();
    for &focus in foci {
        let e = block(explain(p, text, text_b, focus)).unwrap();
        assert_eq!(e.tokens, inspection.tokens);
        check_steps(&e, &w, prefix, p.bert.config.layer_norm_eps);
        let at = format!("{focus:?}");
        for (j, row) in e.input.iter().enumerate() {
            assert_eq!(row, &inspection.hidden_states[focus.layer][j], "{at}: input is the layer's hidden state");
        }
        let next = &inspection.hidden_states[focus.layer + 1][focus.token];
        let d = common::max_abs_diff(&e.output, next);
        assert!(d < 1e-5, "{at}: output differs from the next hidden state by {d}");
        let d = common::max_abs_diff(&e.probs, &inspection.attentions[focus.layer][focus.head][focus.token]);
        assert!(d < 1e-5, "{at}: probs differ from the inspect's attention row by {d}");
    }
}

#[test]
fn every_step_of_the_test_model_agrees_with_float64() {
    let device = Device::flex();
    let dir = fixtures().join("tiny-pretraining");
    let p = load_dir(&dir, true, &device);
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let (layers, heads) = (p.bert.config.num_hidden_layers, p.bert.config.num_attention_heads);
    let foci: Vec<Focus> = (0..layers)
        .flat_map(|layer| (0..heads).flat_map(move |head| (0..5).map(move |token| Focus { layer, head, token })))
        .collect();
    check_model(&p, &weights, "the cat sat", Some("on the mat"), &foci);
}

#[test]
fn minilm_steps_agree_with_float64() {
    let device = Device::flex();
    let dir = minilm_dir();
    let p = load_dir(&dir, false, &device);
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let foci = [
        Focus { layer: 0, head: 0, token: 1 },
        Focus { layer: 3, head: 7, token: 4 },
        Focus { layer: 5, head: 11, token: 0 },
    ];
    check_model(&p, &weights, "The capital of France is Paris.", None, &foci);
}

#[test]
fn a_focus_outside_the_model_is_a_clear_error() {
    let device = Device::flex();
    let p = load_dir(&fixtures().join("tiny-pretraining"), true, &device);
    let err = |focus| block(explain(&p, "the cat sat", None, focus)).unwrap_err().to_string();
    assert!(err(Focus { layer: 2, head: 0, token: 0 }).contains("layer 2 does not exist"));
    assert!(err(Focus { layer: 0, head: 4, token: 0 }).contains("head 4 does not exist"));
    let token = err(Focus { layer: 0, head: 0, token: 5 });
    assert!(token.contains("token 5 does not exist") && token.contains("[CLS] the cat sat [SEP]"), "{token}");
}
