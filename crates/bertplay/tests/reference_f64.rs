//! The course's toy BERT (vocabulary 99, d_model 10, 2 heads, 3 tokens) against an independent
//! float64 implementation written here with plain loops, reading the same weights by their
//! Hugging Face names. Checks every hidden state, attention probability and the pooler, for a
//! freshly initialised toy and for the one the playground ships.

mod common;

use bertplay::checkpoint::save_bert;
use bertplay::readback::read_back;
use bertplay::{Bert, BertConfig, BertInput, Outputs};
use burn::tensor::{Device, Int, Tensor, TensorData};
use common::float64::{add, erf, Mat, Weights};
use common::{block, max_abs_diff};

/// Returns (hidden states per layer incl. embeddings, attention probs [layer][head][q][k], pooler).
fn forward_f64(w: &Weights, c: &BertConfig, ids: &[usize], types: &[usize]) -> (Vec<Mat>, Vec<Vec<Mat>>, Vec<f64>) {
    let (word, pos, typ) = (
        w.mat("bert.embeddings.word_embeddings.weight"),
        w.mat("bert.embeddings.position_embeddings.weight"),
        w.mat("bert.embeddings.token_type_embeddings.weight"),
    );
    let emb: Mat = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (0..c.hidden_size).map(|d| word[id][d] + pos[i][d] + typ[types[i]][d]).collect())
        .collect();
    let mut x = w.layer_norm("bert.embeddings.LayerNorm", &emb, c.layer_norm_eps);
    let (mut hidden, mut attentions) = (vec![x.clone()], Vec::new());
    let (heads, dh) = (c.num_attention_heads, c.head_size());
    for l in 0..c.num_hidden_layers {
        let p = format!("bert.encoder.layer.{l}");
        let q = w.linear(&format!("{p}.attention.self.query"), &x);
        let k = w.linear(&format!("{p}.attention.self.key"), &x);
        let v = w.linear(&format!("{p}.attention.self.value"), &x);
        let mut context = vec![vec![0.0; c.hidden_size]; ids.len()];
        let mut layer_probs = Vec::new();
        for h in 0..heads {
            let r = h * dh..(h + 1) * dh;
            let mut probs = Vec::new();
            for i in 0..ids.len() {
                let scores: Vec<f64> = (0..ids.len())
                    .map(|j| r.clone().map(|d| q[i][d] * k[j][d]).sum::<f64>() / (dh as f64).sqrt())
                    .collect();
                let max = scores.iter().cloned().fold(f64::MIN, f64::max);
                let sum: f64 = scores.iter().map(|s| (s - max).exp()).sum();
                let row: Vec<f64> = scores.iter().map(|s| (s - max).exp() / sum).collect();
                for d in r.clone() {
                    context[i][d] = (0..ids.len()).map(|j| row[j] * v[j][d]).sum();
                }
                probs.push(row);
            }
            layer_probs.push(probs);
        }
        attentions.push(layer_probs);
        let attended = w.linear(&format!("{p}.attention.output.dense"), &context);
        let h1 = w.layer_norm(&format!("{p}.attention.output.LayerNorm"), &add(&x, &attended), c.layer_norm_eps);
        let expanded = w.linear(&format!("{p}.intermediate.dense"), &h1);
        let activated: Mat =
            expanded.iter().map(|r| r.iter().map(|&z| 0.5 * z * (1.0 + erf(z / 2f64.sqrt()))).collect()).collect();
        let shrunk = w.linear(&format!("{p}.output.dense"), &activated);
        x = w.layer_norm(&format!("{p}.output.LayerNorm"), &add(&h1, &shrunk), c.layer_norm_eps);
        hidden.push(x.clone());
    }
    let pooled = w.linear("bert.pooler.dense", &vec![x[0].clone()])[0].iter().map(|v| v.tanh()).collect();
    (hidden, attentions, pooled)
}

#[test]
fn course_toy_model_matches_a_float64_reference() {
    let device = Device::flex();
    device.seed(42);
    let mut config = BertConfig::new(99, 10, 2, 2, 40);
    // Wider than BERT's 0.02 so the attention is far from uniform and a wrong step shows.
    config.initializer_range = 0.5;
    let bert = Bert::init(&config, &[bertplay::heads::HeadKind::MaskedLm], &device).unwrap();
    let saved = block(save_bert(&bert)).unwrap();
    let weights = Weights::from_safetensors(&saved.safetensors);
    let (ids, types) = ([2usize, 57, 3], [0usize, 0, 1]);

    let input = BertInput {
        input_ids: Tensor::<2, Int>::from_data(
            TensorData::new(ids.iter().map(|&i| i as i64).collect::<Vec<_>>(), [1, 3]),
            &device,
        ),
        token_type_ids: Tensor::<2, Int>::from_data(
            TensorData::new(types.iter().map(|&i| i as i64).collect::<Vec<_>>(), [1, 3]),
            &device,
        ),
        attention_mask: Tensor::<2, Int>::ones([1, 3], &device),
    };
    assert_matches_float64(&bert, &input, &weights, &ids, &types);
}

/// The engine's hidden states, attention and pooler for `input` against the float64 forward.
fn assert_matches_float64(bert: &Bert, input: &BertInput, weights: &Weights, ids: &[usize], types: &[usize]) {
    let (hidden, attentions, pooled) = forward_f64(weights, &bert.config, ids, types);
    let out = bert.model.forward(input, Outputs::everything());
    for (l, (ours, theirs)) in out.hidden_states.into_iter().zip(&hidden).enumerate() {
        let theirs: Vec<f32> = theirs.iter().flatten().map(|&v| v as f32).collect();
        let d = max_abs_diff(&block(read_back(ours)).unwrap(), &theirs);
        assert!(d < 1e-5, "hidden state {l} differs by {d}");
    }
    for (l, (ours, theirs)) in out.attentions.into_iter().zip(&attentions).enumerate() {
        let theirs: Vec<f32> = theirs.iter().flatten().flatten().map(|&v| v as f32).collect();
        let d = max_abs_diff(&block(read_back(ours)).unwrap(), &theirs);
        assert!(d < 1e-6, "attention {l} differs by {d}");
        assert!(theirs.iter().cloned().fold(0.0, f32::max) > 0.5, "attention should not be uniform");
    }
    let pooler: Vec<f32> = pooled.iter().map(|&v| v as f32).collect();
    let d = max_abs_diff(&block(read_back(out.pooler_output.unwrap())).unwrap(), &pooler);
    assert!(d < 1e-5, "pooler differs by {d}");
}

/// The toy the playground's learn mode ships (`assets/toy-model`, made by
/// `scripts/make-toy-model.sh`) on the course's three tokens.
#[test]
fn the_bundled_toy_model_matches_a_float64_reference() {
    let device = Device::flex();
    let dir = common::fixtures().join("../../assets/toy-model");
    let p = common::load_dir(&dir, false, &device);
    let c = &p.bert.config;
    assert_eq!((c.vocab_size, c.hidden_size, c.num_attention_heads), (99, 10, 2), "the course's toy shape");
    let encoded = p.tokenizer.encode("paris", None, bertplay::Truncation::LongestFirst).unwrap();
    assert_eq!(encoded.tokens, ["[CLS]", "paris", "[SEP]"]);
    let ids: Vec<usize> = encoded.ids.iter().map(|&i| i as usize).collect();
    let types: Vec<usize> = encoded.type_ids.iter().map(|&i| i as usize).collect();
    let weights = Weights::from_safetensors(&std::fs::read(dir.join("model.safetensors")).unwrap());
    assert_matches_float64(&p.bert, &p.input(&encoded), &weights, &ids, &types);
}
