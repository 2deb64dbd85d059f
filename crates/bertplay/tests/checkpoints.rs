//! Loading and saving checkpoints: exact round trips, old and prefixed names, and every way a
//! checkpoint can be wrong giving a clear error.

mod common;

use std::collections::HashMap;

use bertplay::checkpoint::{load_bert, save_bert};
use bertplay::heads::HeadKind;
use bertplay::readback::read_back;
use bertplay::{BertError, BertTokenizer, LoadedModel, Outputs};
use burn::tensor::Device;
use common::*;
use safetensors::tensor::TensorView;
use safetensors::SafeTensors;

fn tiny_files(name: &str) -> (Vec<u8>, Vec<u8>) {
    let dir = fixtures().join(name);
    (std::fs::read(dir.join("config.json")).unwrap(), std::fs::read(dir.join("model.safetensors")).unwrap())
}

/// Rewrites a safetensors file: `f` renames a tensor, or drops it with `None`.
fn rewrite(bytes: &[u8], f: impl Fn(&str) -> Option<String>, extra: Vec<(String, Vec<usize>, Vec<f32>)>) -> Vec<u8> {
    let file = SafeTensors::deserialize(bytes).unwrap();
    let extra_bytes: Vec<(String, Vec<usize>, Vec<u8>)> =
        extra.into_iter().map(|(n, s, v)| (n, s, v.iter().flat_map(|x| x.to_le_bytes()).collect())).collect();
    let mut views: Vec<(String, TensorView)> =
        file.tensors().into_iter().filter_map(|(name, view)| f(&name).map(|n| (n, view))).collect();
    for (n, s, b) in &extra_bytes {
        views.push((n.clone(), TensorView::new(safetensors::Dtype::F32, s.clone(), b).unwrap()));
    }
    safetensors::serialize(views, None).unwrap()
}

fn outputs(config: &[u8], weights: &[u8]) -> Vec<f32> {
    let device = Device::flex();
    let (bert, _) = load_bert(config, weights, &device).unwrap();
    let input = heads_input(&device);
    let out = bert.model.forward(&input, Outputs::default());
    let mut all = block(read_back(out.last_hidden_state.clone())).unwrap();
    all.extend(block(read_back(out.pooler_output.unwrap())).unwrap());
    let [_, s, h] = out.last_hidden_state.dims();
    let mlm =
        bert.masked_lm.as_ref().unwrap().forward(out.last_hidden_state.reshape([s, h]), &bert.model.embeddings.word);
    all.extend(block(read_back(mlm)).unwrap());
    all
}

fn heads_input(device: &Device) -> bertplay::BertInput {
    let p =
        BertTokenizer::from_vocab_txt(&std::fs::read(fixtures().join("tiny-pretraining/vocab.txt")).unwrap(), true, 64)
            .unwrap();
    let e =
        p.encode("the capital of [MASK] is paris.", Some("the cat sat"), bertplay::Truncation::LongestFirst).unwrap();
    bertplay::loaded_model::input_batch(&[e], device)
}

#[test]
fn save_then_load_is_exact() {
    let device = Device::flex();
    for name in ["tiny-pretraining", "tiny-qa", "tiny-classifier", "tiny-token-classifier"] {
        let (config, weights) = tiny_files(name);
        let (bert, report) = load_bert(&config, &weights, &device).unwrap();
        assert!(report.unused.is_empty(), "{name}: unused {:?}", report.unused);
        let saved = block(save_bert(&bert)).unwrap();
        let (again, _) = load_bert(saved.config_json.as_bytes(), &saved.safetensors, &device).unwrap();
        assert_eq!(again.heads(), bert.heads(), "{name}");
        assert_eq!(again.config.labels().unwrap(), bert.config.labels().unwrap(), "{name}");
        let twice = block(save_bert(&again)).unwrap();
        assert_eq!(twice.safetensors, saved.safetensors, "{name}: a second save differs");
        // Every tensor we wrote equals transformers' own file, bit for bit.
        let ours = SafeTensors::deserialize(&saved.safetensors).unwrap();
        let theirs = SafeTensors::deserialize(&weights).unwrap();
        let theirs: HashMap<String, Vec<u8>> =
            theirs.tensors().into_iter().map(|(n, v)| (n, v.data().to_vec())).collect();
        for (n, v) in ours.tensors() {
            assert_eq!(theirs.get(&n).map(Vec::as_slice), Some(v.data()), "{name}: {n}");
        }
        assert_eq!(ours.len(), theirs.len(), "{name}: tensor count");
    }
    let (config, weights) = tiny_files("tiny-pretraining");
    let saved = block(save_bert(&load_bert(&config, &weights, &device).unwrap().0)).unwrap();
    assert_eq!(outputs(&config, &weights), outputs(saved.config_json.as_bytes(), &saved.safetensors));
    assert!(saved.config_json.contains("BertForPreTraining"));
}

#[test]
fn reads_unprefixed_and_gamma_beta_names() {
    let (config, weights) = tiny_files("tiny-pretraining");
    let old = rewrite(
        &weights,
        |n| {
            let n = n.strip_prefix("bert.").unwrap_or(n);
            Some(n.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"))
        },
        vec![],
    );
    assert_eq!(outputs(&config, &weights), outputs(&config, &old));
}

#[test]
fn reports_what_was_loaded_missing_and_unused() {
    let (config, weights) = tiny_files("tiny-qa");
    let extra = vec![("bert.embeddings.something_else".to_string(), vec![2], vec![1.0, 2.0])];
    let (bert, report) = load_bert(&config, &rewrite(&weights, |n| Some(n.into()), extra), &Device::flex()).unwrap();
    assert_eq!(report.heads, [HeadKind::QuestionAnswering]);
    assert!(report.loaded.contains(&"qa_outputs.weight".to_string()));
    assert!(report.loaded.contains(&"encoder.layer.1.output.LayerNorm.bias".to_string()));
    assert_eq!(report.unused, ["embeddings.something_else"]);
    assert!(report.missing.iter().any(|m| m == "masked_lm"));
    assert!(bert.masked_lm.is_none() && bert.next_sentence.is_none());
}

fn load_err(config: &[u8], weights: &[u8]) -> String {
    match load_bert(config, weights, &Device::flex()) {
        Ok(_) => panic!("loaded a bad checkpoint"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_checkpoints_give_clear_errors() {
    let (config, weights) = tiny_files("tiny-pretraining");
    let text = String::from_utf8(config.clone()).unwrap();

    assert!(load_err(b"{\"hidden_size\": 32,", &weights).starts_with("config.json:"));
    assert!(load_err(&config, &weights[..weights.len() / 2]).contains("not a valid safetensors file"));
    assert!(load_err(&config, b"\xff\xff\xff\xff\xff\xff\xff\xffgarbage").contains("not a valid safetensors file"));
    assert!(load_err(&config, &[]).contains("not a valid safetensors file"));

    let wider = text.replace("\"intermediate_size\": 37", "\"intermediate_size\": 40");
    let err = load_err(wider.as_bytes(), &weights);
    assert!(err.contains("contradict config.json") && err.contains("intermediate.dense.weight"), "{err}");

    let partial = rewrite(&weights, |n| (n != "cls.seq_relationship.bias").then(|| n.into()), vec![]);
    let err = load_err(&config, &partial);
    assert!(err.contains("missing") && err.contains("cls.seq_relationship.bias"), "{err}");

    let untied = rewrite(
        &weights,
        |n| Some(n.into()),
        vec![("cls.predictions.decoder.weight".into(), vec![99, 32], vec![0.5; 99 * 32])],
    );
    assert!(load_err(&config, &untied).contains("tied"));

    let (config, weights) = tiny_files("tiny-classifier");
    let two =
        String::from_utf8(config).unwrap().replace("\"2\": \"positive\"", "").replace("\"neutral\",", "\"neutral\"");
    let err = load_err(two.as_bytes(), &weights);
    assert!(err.contains("3 outputs") && err.contains("2 labels"), "{err}");
}

#[test]
fn a_vocabulary_larger_than_the_config_is_refused() {
    let device = Device::flex();
    let (config, weights) = tiny_files("tiny-pretraining");
    let mut vocab = std::fs::read_to_string(fixtures().join("tiny-pretraining/vocab.txt")).unwrap();
    for i in 0..30 {
        vocab += &format!("extra{i}\n"); // 98 distinct tokens before ("a" is listed twice)
    }
    let files = bertplay::ModelFiles {
        config_json: &config,
        safetensors: &weights,
        tokenizer: bertplay::TokenizerFile::VocabTxt { bytes: vocab.as_bytes(), lowercase: true },
    };
    match LoadedModel::load(files, &device) {
        Err(BertError::Tokenizer(msg)) => {
            assert!(msg.to_string().contains("128 tokens") && msg.to_string().contains("vocab_size is 99"), "{msg}")
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("accepted a vocabulary the embeddings cannot hold"),
    }
    let broken = bertplay::ModelFiles {
        config_json: &config,
        safetensors: &weights,
        tokenizer: bertplay::TokenizerFile::Json(b"{\"model\": 3}"),
    };
    assert!(matches!(LoadedModel::load(broken, &device), Err(BertError::Tokenizer(_))));
}

/// Sizes a stranger's files may carry: each refused with a message before anything of that
/// size is allocated.
#[test]
fn hostile_sizes_are_refused_before_anything_is_allocated() {
    let (config, weights) = tiny_files("tiny-pretraining");
    let text = String::from_utf8(config.clone()).unwrap();
    let huge = text.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 2000000000");
    assert!(load_err(huge.as_bytes(), &weights).contains("num_hidden_layers is 2000000000"));
    let deep = text.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 200");
    let err = load_err(deep.as_bytes(), &weights);
    assert!(err.contains("more than the") && err.contains("MB of model.safetensors"), "{err}");
    let short = text.replace("\"max_position_embeddings\": 64", "\"max_position_embeddings\": 2");
    assert!(load_err(short.as_bytes(), &weights).contains("at least 3"));

    let (config, weights) = tiny_files("tiny-classifier");
    for shape in [vec![], vec![2_000_000_000, 0], vec![3, 31]] {
        let len = shape.iter().product::<usize>().min(1 << 20);
        let bad = rewrite(
            &weights,
            |n| (n != "classifier.weight").then(|| n.into()),
            vec![("classifier.weight".into(), shape.clone(), vec![0.0; if shape.is_empty() { 1 } else { len }])],
        );
        let err = load_err(&config, &bad);
        assert!(err.contains("classifier.weight has shape"), "{shape:?}: {err}");
    }
}

#[test]
fn a_token_id_beyond_the_embeddings_is_refused() {
    let device = Device::flex();
    let dir = fixtures().join("../../assets/toy-model");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let tokenizer = String::from_utf8(read("tokenizer.json")).unwrap().replace("\"paris\": 9,", "\"paris\": 500,");
    assert!(tokenizer.contains("\"paris\": 500"), "the toy's tokenizer.json names paris");
    let files = bertplay::ModelFiles {
        config_json: &read("config.json"),
        safetensors: &read("model.safetensors"),
        tokenizer: bertplay::TokenizerFile::Json(tokenizer.as_bytes()),
    };
    match LoadedModel::load(files, &device) {
        Err(BertError::Tokenizer(msg)) => {
            assert!(msg.to_string().contains("\"paris\" the id 500") && msg.to_string().contains("99"), "{msg}")
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("accepted an id the embedding table cannot look up"),
    }
}

/// Inputs the fuzz targets (tests/fuzz.rs) found: each once took the process down.
#[test]
fn tokenizer_files_that_broke_the_tokenizers_crate_get_messages() {
    let json = std::fs::read_to_string(fixtures().join("../../assets/toy-model/tokenizer.json")).unwrap();
    // A syntax error inside "decoder" panicked in the crate's deserializer.
    let at = json.find("\"prefix\"").unwrap();
    let broken = format!("{}{{{}", &json[..at + 8], &json[at + 8..]);
    let err = BertTokenizer::from_tokenizer_json(broken.as_bytes(), 16).err().unwrap().to_string();
    assert!(err.contains("tokenizer.json is not valid JSON"), "{err}");
    // An id of 2^31 made the crate size its tables by it: 38 s and gigabytes for one encode.
    let huge = json.replace("\"paris\": 9,", "\"paris\": 2147483648,");
    assert_ne!(huge, json);
    let err = BertTokenizer::from_tokenizer_json(huge.as_bytes(), 16).err().unwrap().to_string();
    assert!(err.contains("gives \"paris\" the id 2147483648; ids here are below 1048576"), "{err}");
}

#[test]
fn a_model_with_one_segment_refuses_a_pair() {
    let device = Device::flex();
    let mut config = bertplay::BertConfig::new(99, 8, 1, 2, 16);
    config.type_vocab_size = 1;
    config.max_position_embeddings = 16;
    let bert = bertplay::Bert::init(&config, &[HeadKind::NextSentence], &device).unwrap();
    let vocab = std::fs::read(fixtures().join("tiny-pretraining/vocab.txt")).unwrap();
    let tokenizer = BertTokenizer::from_vocab_txt(&vocab, true, 16).unwrap();
    let p = LoadedModel::new(bert, tokenizer, &device, Default::default()).unwrap();
    assert!(p.tokenizer.encode("the cat", None, bertplay::Truncation::LongestFirst).is_ok());
    let err = block(bertplay::tasks::nsp::next_sentence(&p, "the cat", "sat")).unwrap_err().to_string();
    assert!(err.contains("single segment"), "{err}");
    assert!(p.tokenizer.encode_windows("who", "the cat").unwrap_err().to_string().contains("single segment"));
}
