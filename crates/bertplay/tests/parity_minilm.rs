//! all-MiniLM-L6-v2 against transformers: token ids exactly, hidden states and pooler to 1e-4,
//! attentions to 1e-5, for English, Indonesian, accents, CJK, emoji, a pair and 512 tokens.

mod common;

use bertplay::tasks::inspect::inspect;
use bertplay::Truncation;
use burn::tensor::Device;
use common::*;

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    text: String,
    text_b: Option<String>,
}

fn cases() -> Vec<Case> {
    serde_json::from_slice(&std::fs::read(fixtures().join("minilm.json")).unwrap()).unwrap()
}

#[test]
fn token_ids_equal_transformers_from_tokenizer_json_and_vocab_txt() {
    let expected = read_expected(fixtures().join("minilm.safetensors"));
    let device = Device::flex();
    for use_vocab in [false, true] {
        let p = load_dir(&minilm_dir(), use_vocab, &device);
        for case in cases() {
            let e = p.tokenizer.encode(&case.text, case.text_b.as_deref(), Truncation::LongestFirst).unwrap();
            let ids: Vec<i64> = e.ids.iter().map(|&i| i as i64).collect();
            let types: Vec<i64> = e.type_ids.iter().map(|&i| i as i64).collect();
            assert_eq!(
                ids,
                expected.ints[&format!("{}.input_ids", case.name)],
                "{} (vocab.txt: {use_vocab})",
                case.name
            );
            assert_eq!(types, expected.ints[&format!("{}.token_type_ids", case.name)], "{}", case.name);
            assert_eq!(e.truncated, case.name == "long", "{}", case.name);
        }
    }
}

/// Runs every case on `device` and compares with the fixtures.
pub fn check_parity(device: &Device, names: &[&str]) {
    let expected = read_expected(fixtures().join("minilm.safetensors"));
    let p = load_dir(&minilm_dir(), false, device);
    for case in cases().into_iter().filter(|c| names.is_empty() || names.contains(&c.name.as_str())) {
        let out = block(inspect(&p, &case.text, case.text_b.as_deref(), None)).unwrap();
        let get = |k: &str| &expected.floats[&format!("{}.{k}", case.name)].1;

        // The plain path (fused attention where the backend has it) gives the same last layer.
        let encoded = p.tokenizer.encode(&case.text, case.text_b.as_deref(), Truncation::LongestFirst).unwrap();
        let plain =
            block(bertplay::readback::read_back(p.run(&encoded, bertplay::Outputs::default()).last_hidden_state))
                .unwrap();
        let last_layer: &[f32] = if case.name == "long" {
            get("last_hidden_state")
        } else {
            let all = get("hidden_states");
            &all[all.len() - plain.len()..]
        };
        let d = max_abs_diff(&plain, last_layer);
        assert!(d < 1e-4, "{}: plain forward differs by {d}", case.name);
        let pooler = max_abs_diff(out.pooler.as_ref().unwrap(), get("pooler"));
        eprintln!("{}: {} tokens, pooler max diff {pooler:e}", case.name, out.tokens.len());
        assert!(pooler < 1e-4, "{}: pooler differs by {pooler}", case.name);
        if case.name == "long" {
            let last = max_abs_diff(&out.hidden_states.last().unwrap().concat(), get("last_hidden_state"));
            assert!(last < 1e-4, "long: last hidden state differs by {last}");
            let rows: Vec<f32> = out.attentions.last().unwrap().iter().flat_map(|h| h[..4].concat()).collect();
            let attn = max_abs_diff(&rows, get("last_attention_rows"));
            assert!(attn < 1e-5, "long: attention differs by {attn}");
        } else {
            let hidden: Vec<f32> = out.hidden_states.iter().flat_map(|l| l.concat()).collect();
            let diff = max_abs_diff(&hidden, get("hidden_states"));
            assert!(diff < 1e-4, "{}: hidden states differ by {diff}", case.name);
            let attn =
                max_abs_diff(&out.attentions.iter().flat_map(|l| flat3(l)).collect::<Vec<_>>(), get("attentions"));
            assert!(attn < 1e-5, "{}: attentions differ by {attn}", case.name);
            eprintln!("  hidden {diff:e}, attention {attn:e}");
        }
    }
}

#[test]
fn flex_matches_transformers() {
    check_parity(&Device::flex(), &[]);
}

/// On Vulkan when the machine has an adapter (CI installs Mesa's llvmpipe); says so when not.
#[cfg(feature = "vulkan")]
#[test]
fn vulkan_matches_transformers() {
    let device = bertplay::device::by_name("vulkan").unwrap();
    let probe = device.clone();
    let works = std::panic::catch_unwind(move || burn::tensor::Tensor::<1>::ones([2], &probe).try_into_data().is_ok());
    if !matches!(works, Ok(true)) {
        eprintln!("SKIPPED vulkan_matches_transformers: no Vulkan adapter on this machine");
        return;
    }
    eprintln!("running MiniLM parity on Vulkan");
    check_parity(&device, &["english", "pair", "cjk", "emoji"]);
}
