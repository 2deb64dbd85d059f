//! The `bertplay` binary as a user meets it: JSON shapes, readable output, and one clear line
//! on stderr with a non-zero exit for every bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Read when the test runs, not baked in at build time (builds are shared across clones).
fn fixtures() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test")).join("../../tests/fixtures")
}

fn bertplay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bertplay")).args(args).env("RUST_BACKTRACE", "1").output().unwrap()
}

fn ok_json(args: &[&str]) -> serde_json::Value {
    let out = bertplay(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Fails with exactly one line on stderr that contains `needle`, and no panic.
fn fails_with(args: &[&str], needle: &str) {
    let out = bertplay(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: stderr is not one line:\n{err}");
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!err.contains("panicked") && !err.contains("internal error"), "{err}");
}

/// A copy of a fixture model folder that a test may break.
fn copy_model(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixtures().join(name)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn inspect_json_has_every_key_in_shape() {
    let dir = fixtures().join("tiny-pretraining");
    let v = ok_json(&["inspect", "--model", s(&dir), "--text", "the cat sat", "--text-b", "on the mat", "--json"]);
    let n = v["tokens"].as_array().unwrap().len();
    assert_eq!(n, 9); // [CLS] the cat sat [SEP] on the mat [SEP]
    assert_eq!(v["input_ids"].as_array().unwrap().len(), n);
    assert_eq!(v["token_type_ids"], serde_json::json!([0, 0, 0, 0, 0, 1, 1, 1, 1]));
    let att = &v["attentions"];
    assert_eq!((att.as_array().unwrap().len(), att[0].as_array().unwrap().len()), (2, 4));
    assert_eq!((att[1][3].as_array().unwrap().len(), att[1][3][n - 1].as_array().unwrap().len()), (n, n));
    let hs = &v["hidden_states"];
    assert_eq!(
        (hs.as_array().unwrap().len(), hs[2].as_array().unwrap().len(), hs[2][0].as_array().unwrap().len()),
        (3, n, 32)
    );
    assert_eq!(v["pooler"].as_array().unwrap().len(), 32);
}

#[test]
fn every_task_command_answers() {
    let pre = fixtures().join("tiny-pretraining");
    let v = ok_json(&["fill-mask", "--model", s(&pre), "--text", "the [MASK] sat.", "--top-k", "3", "--json"]);
    assert_eq!(v["masks"][0]["candidates"].as_array().unwrap().len(), 3);
    let v = ok_json(&["nsp", "--model", s(&pre), "--text", "the cat sat.", "--text-b", "it was good.", "--json"]);
    assert!(v["is_next"].as_f64().unwrap() >= 0.0);
    let v = ok_json(&[
        "qa",
        "--model",
        s(&fixtures().join("tiny-qa")),
        "--question",
        "who?",
        "--context",
        "a cat in paris",
        "--json",
    ]);
    assert!(v["answer"].is_string() && v["start"].as_u64() <= v["end"].as_u64());
    let v = ok_json(&["classify", "--model", s(&fixtures().join("tiny-classifier")), "--text", "good", "--json"]);
    assert_eq!(v["labels"].as_array().unwrap().len(), 3);

    let out = bertplay(&["fill-mask", "--model", s(&pre), "--text", "the [MASK] sat."]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("[MASK] at token 2"));
    let out = bertplay(&["inspect", "--model", s(&pre), "--text", "the cat"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 tokens, 2 layers × 4 heads"));
    let v = ok_json(&["bench", "--model", s(&pre), "--batch", "2", "--seq", "16", "--iterations", "2", "--json"]);
    assert!(v["tokens_per_s"].as_f64().unwrap() > 0.0);
    // Shapes that would allocate without bound are refused before anything is built.
    let out = bertplay(&["bench", "--model", s(&pre), "--batch", "100000000", "--seq", "16"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--batch is at most 4096"));
    let out = bertplay(&["fill-mask", "--model", s(&pre), "--text", "the [MASK] sat.", "--top-k", "0"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("top-k must be at least 1"));
}

#[test]
fn long_text_is_truncated_with_a_warning() {
    let pre = fixtures().join("tiny-pretraining");
    let text = "the cat sat on the mat . ".repeat(20);
    let out = bertplay(&["inspect", "--model", s(&pre), "--text", &text, "--json"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tokens"].as_array().unwrap().len(), 64);
}

#[test]
fn bad_input_gives_one_clear_line() {
    let pre = fixtures().join("tiny-pretraining");
    let m = s(&pre);
    fails_with(&["inspect", "--model", "/no/such/model", "--text", "hi"], "does not exist");
    fails_with(&["inspect", "--model", m, "--text", ""], "empty");
    fails_with(&["inspect", "--model", m, "--text", "hi", "--device", "tpu"], "not available");
    fails_with(&["fill-mask", "--model", m, "--text", "no mask here"], "no [MASK]");
    fails_with(&["qa", "--model", m, "--question", "q", "--context", "c"], "no question-answering head");

    let dir = copy_model("tiny-pretraining");
    let d = s(dir.path());
    std::fs::remove_file(dir.path().join("vocab.txt")).unwrap();
    fails_with(&["inspect", "--model", d, "--text", "hi"], "neither tokenizer.json nor vocab.txt");

    let dir = copy_model("tiny-pretraining");
    let d = s(dir.path());
    std::fs::write(dir.path().join("config.json"), "{\"hidden_size\": 32,").unwrap();
    fails_with(&["inspect", "--model", d, "--text", "hi"], "config.json");

    let dir = copy_model("tiny-pretraining");
    let d = s(dir.path());
    let weights = std::fs::read(dir.path().join("model.safetensors")).unwrap();
    std::fs::write(dir.path().join("model.safetensors"), &weights[..weights.len() - 1000]).unwrap();
    fails_with(&["inspect", "--model", d, "--text", "hi"], "not a valid safetensors file");
    std::fs::write(dir.path().join("model.safetensors"), b"this is not a checkpoint at all").unwrap();
    fails_with(&["inspect", "--model", d, "--text", "hi"], "not a valid safetensors file");
    std::fs::remove_file(dir.path().join("model.safetensors")).unwrap();
    fails_with(&["inspect", "--model", d, "--text", "hi"], "model.safetensors");

    let dir = copy_model("tiny-pretraining");
    let d = s(dir.path());
    let config = std::fs::read_to_string(dir.path().join("config.json")).unwrap();
    std::fs::write(dir.path().join("config.json"), config.replace("\"hidden_size\": 32", "\"hidden_size\": 48"))
        .unwrap();
    fails_with(&["inspect", "--model", d, "--text", "hi"], "contradict config.json");

    let dir = copy_model("tiny-pretraining");
    let d = s(dir.path());
    let mut vocab = std::fs::read_to_string(dir.path().join("vocab.txt")).unwrap();
    (0..40).for_each(|i| vocab += &format!("more{i}\n"));
    std::fs::write(dir.path().join("vocab.txt"), vocab).unwrap();
    fails_with(&["inspect", "--model", d, "--text", "hi"], "vocab_size is 99");
}

#[test]
fn export_writes_a_folder_that_loads_with_the_same_answers() {
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("model");
    let pre = fixtures().join("tiny-pretraining");
    let v = ok_json(&["export", "--model", s(&pre), "--out", s(&dest), "--json"]);
    assert_eq!(v["architecture"], "BertForPreTraining");
    for name in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
        assert!(dest.join(name).is_file(), "{name}");
    }
    let args = |m: &Path| {
        vec![
            "fill-mask".to_string(),
            "--model".into(),
            s(m).into(),
            "--text".into(),
            "the [MASK] sat on the mat.".into(),
            "--json".into(),
        ]
    };
    let a = ok_json(&args(&pre).iter().map(String::as_str).collect::<Vec<_>>());
    let b = ok_json(&args(&dest).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(a, b);
    fails_with(&["export", "--model", s(&pre), "--out", s(&dest)], "already holds a model");
}

/// `bertplay new` (the starting point of `pretrain`) is reproducible: the same tokenizer, shape
/// and seed give the same bytes, another seed other weights; the config says it is untrained.
#[test]
fn new_makes_a_reproducible_untrained_pretraining_model() {
    let tokenizer = fixtures().join("../../assets/builtin-model/tokenizer.json");
    let out = tempfile::tempdir().unwrap();
    let make = |name: &str, seed: &str| {
        let dir = out.path().join(name);
        let args = ["--json", "new", "--tokenizer", s(&tokenizer), "--out", s(&dir), "--layers", "2", "--hidden", "64"];
        let made = ok_json(&[&args[..], &["--heads", "4", "--intermediate", "256", "--seed", seed]].concat());
        assert_eq!(made["architecture"], "BertForPreTraining");
        dir
    };
    let (a, b, c) = (make("a", "2026"), make("b", "2026"), make("c", "7"));
    let read = |dir: &Path, file: &str| std::fs::read(dir.join(file)).unwrap();
    for file in ["config.json", "model.safetensors", "tokenizer.json"] {
        assert!(read(&a, file) == read(&b, file), "{file}: the same seed gave other bytes");
    }
    assert!(read(&a, "model.safetensors") != read(&c, "model.safetensors"), "another seed, same weights");
    let config: serde_json::Value = serde_json::from_slice(&read(&a, "config.json")).unwrap();
    assert_eq!(config["bertplay_untrained"], true);
    let masks = ok_json(&["--json", "fill-mask", "--model", s(&a), "--text", "the [MASK] sat."]);
    assert_eq!(masks["masks"][0]["candidates"].as_array().unwrap().len(), 5);
    fails_with(&["new", "--tokenizer", "/nonexistent/tokenizer.json", "--out", s(&c)], "nonexistent");
    let d = out.path().join("d");
    let bad = ["new", "--tokenizer", s(&tokenizer), "--out", s(&d), "--hidden", "30", "--heads", "4"];
    fails_with(&bad, "hidden_size");
}

/// The playground's built-in model is the pretrained mini-BERT of `scripts/pretrain-builtin.sh`:
/// trained (not the `new` placeholder), small enough to ship, with both pretraining heads, and
/// it knows the course's example.
#[test]
fn builtin_model_is_pretrained_and_fills_the_course_example() {
    let model = fixtures().join("../../assets/builtin-model");
    let config: serde_json::Value = serde_json::from_slice(&std::fs::read(model.join("config.json")).unwrap()).unwrap();
    assert!(config.get("bertplay_untrained").is_none(), "the built-in model is marked untrained");
    assert_eq!(config["architectures"][0], "BertForPreTraining");
    let bytes = std::fs::metadata(model.join("model.safetensors")).unwrap().len();
    assert!(bytes <= 20_000_000, "built-in weights are {bytes} bytes, over 20 MB");
    let v = ok_json(&["--json", "fill-mask", "--model", s(&model), "--text", "the capital of [MASK] is paris."]);
    let top5: Vec<&str> =
        v["masks"][0]["candidates"].as_array().unwrap().iter().map(|c| c["token"].as_str().unwrap()).collect();
    assert_eq!(top5.len(), 5);
    assert!(top5.contains(&"france"), "top 5 for the course's example: {top5:?}");
    let nsp = ok_json(&[
        "--json",
        "nsp",
        "--model",
        s(&model),
        "--text",
        "the cat sat on the mat.",
        "--text-b",
        "it was warm there.",
    ]);
    assert!(nsp["is_next"].as_f64().is_some(), "{nsp}");
}
