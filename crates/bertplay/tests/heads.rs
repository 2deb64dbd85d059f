//! Every head against transformers, on tiny random checkpoints made by
//! `tests/reference/make_fixtures.py` (BertForPreTraining, …QuestionAnswering,
//! …SequenceClassification, …TokenClassification).

mod common;

use bertplay::checkpoint::load_bert;
use bertplay::heads::HeadKind;
use bertplay::readback::read_back;
use bertplay::{Bert, BertInput, Outputs};
use burn::tensor::{Device, Int, Tensor, TensorData};
use common::*;

pub fn tiny(name: &str, device: &Device) -> (Bert, Expected, BertInput) {
    let dir = fixtures().join(name);
    let (bert, _) = load_bert(
        &std::fs::read(dir.join("config.json")).unwrap(),
        &std::fs::read(dir.join("model.safetensors")).unwrap(),
        device,
    )
    .unwrap();
    let expected = read_expected(dir.join("expected.safetensors"));
    let ids = expected.ints["input_ids"].clone();
    let types = expected.ints["token_type_ids"].clone();
    let n = ids.len();
    let input = BertInput {
        input_ids: Tensor::<2, Int>::from_data(TensorData::new(ids, [1, n]), device),
        token_type_ids: Tensor::<2, Int>::from_data(TensorData::new(types, [1, n]), device),
        attention_mask: Tensor::<2, Int>::ones([1, n], device),
    };
    (bert, expected, input)
}

fn close(name: &str, got: Vec<f32>, want: &[f32]) {
    let diff = max_abs_diff(&got, want);
    assert!(diff < 1e-4, "{name} differs from transformers by {diff}");
}

#[test]
fn pretraining_heads_match_transformers() {
    let device = Device::flex();
    let (bert, expected, input) = tiny("tiny-pretraining", &device);
    assert_eq!(bert.heads(), [HeadKind::MaskedLm, HeadKind::NextSentence]);
    let out = bert.model.forward(&input, Outputs::default());
    let [_, seq, hidden] = out.last_hidden_state.dims();
    let mlm = bert.masked_lm.as_ref().unwrap();
    let logits = mlm.forward(out.last_hidden_state.reshape([seq, hidden]), &bert.model.embeddings.word);
    close("prediction_logits", block(read_back(logits)).unwrap(), &expected.floats["prediction_logits"].1);
    let nsp = bert.next_sentence.as_ref().unwrap().forward(out.pooler_output.unwrap());
    close("seq_relationship_logits", block(read_back(nsp)).unwrap(), &expected.floats["seq_relationship_logits"].1);
}

#[test]
fn classification_heads_match_transformers() {
    let device = Device::flex();
    let (bert, expected, input) = tiny("tiny-classifier", &device);
    assert_eq!(bert.heads(), [HeadKind::SequenceClassification]);
    assert_eq!(bert.config.labels().unwrap(), ["negative", "neutral", "positive"]);
    let out = bert.model.forward(&input, Outputs::default());
    let logits = bert.sequence_classifier.as_ref().unwrap().forward(out.pooler_output.unwrap());
    close("sequence logits", block(read_back(logits)).unwrap(), &expected.floats["logits"].1);

    let (bert, expected, input) = tiny("tiny-token-classifier", &device);
    assert_eq!(bert.heads(), [HeadKind::TokenClassification]);
    let out = bert.model.forward(&input, Outputs::default());
    let logits = bert.token_classifier.as_ref().unwrap().forward(out.last_hidden_state);
    close("token logits", block(read_back(logits)).unwrap(), &expected.floats["logits"].1);
}

#[test]
fn question_answering_head_matches_transformers() {
    let device = Device::flex();
    let (bert, expected, input) = tiny("tiny-qa", &device);
    let out = bert.model.forward(&input, Outputs::default());
    let (start, end) = bert.question_answering.as_ref().unwrap().forward(out.last_hidden_state);
    close("start_logits", block(read_back(start)).unwrap(), &expected.floats["start_logits"].1);
    close("end_logits", block(read_back(end)).unwrap(), &expected.floats["end_logits"].1);
}

#[test]
fn the_mlm_decoder_is_the_word_embedding_table() {
    let device = Device::flex();
    let (mut bert, _, input) = tiny("tiny-pretraining", &device);
    let out = bert.model.forward(&input, Outputs::default());
    let rows = out.last_hidden_state.reshape([13, 32]);
    let before =
        block(read_back(bert.masked_lm.as_ref().unwrap().forward(rows.clone(), &bert.model.embeddings.word))).unwrap();
    // Changing the embedding table changes the MLM scores: one tensor, not a copy.
    let word = &mut bert.model.embeddings.word.weight;
    *word = burn::module::Param::from_tensor(word.val() * 2.0);
    let after = block(read_back(bert.masked_lm.as_ref().unwrap().forward(rows, &bert.model.embeddings.word))).unwrap();
    assert!(max_abs_diff(&before, &after) > 1e-3);
}
