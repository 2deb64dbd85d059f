//! The task functions end to end, on MiniLM and the tiny checkpoints: padding, fill-mask, NSP,
//! QA, classification, and their errors.

mod common;

use bertplay::readback::read_back;
use bertplay::tasks::{classify, fill_mask, inspect, nsp, qa};
use bertplay::{BertError, LoadedModel, Outputs, Truncation};
use burn::tensor::Device;
use common::*;

fn tiny(name: &str) -> LoadedModel {
    load_dir(&fixtures().join(name), true, &Device::flex())
}

#[test]
fn padding_gets_zero_attention_and_changes_nothing() {
    let device = Device::flex();
    let p = load_dir(&minilm_dir(), false, &device);
    let long = p
        .tokenizer
        .encode("Padding must not change what the real tokens see, ever.", None, Truncation::LongestFirst)
        .unwrap();
    let short = p.tokenizer.encode("Short one.", None, Truncation::LongestFirst).unwrap();
    let (n_long, n_short) = (long.ids.len(), short.ids.len());
    let batch = bertplay::loaded_model::input_batch(&[long.clone(), short.clone()], &device);
    let padded = p.bert.model.forward(&batch, Outputs::everything());
    let alone = p.run(&short, Outputs::everything());

    let hidden = p.bert.config.hidden_size;
    let padded_last = block(read_back(padded.last_hidden_state.clone().slice([1..2, 0..n_short]))).unwrap();
    let alone_last = block(read_back(alone.last_hidden_state)).unwrap();
    assert_eq!(padded_last.len(), n_short * hidden);
    assert!(max_abs_diff(&padded_last, &alone_last) < 1e-5);
    let d = max_abs_diff(
        &block(read_back(padded.pooler_output.unwrap().narrow(0, 1, 1))).unwrap(),
        &block(read_back(alone.pooler_output.unwrap())).unwrap(),
    );
    assert!(d < 1e-5, "pooler changed by padding: {d}");

    let heads = p.bert.config.num_attention_heads;
    for layer in padded.attentions {
        let to_padding = block(read_back(layer.slice([1..2, 0..heads, 0..n_long, n_short..n_long]))).unwrap();
        assert!(to_padding.iter().all(|&w| w == 0.0), "a padding key got attention");
    }
}

#[test]
fn fill_mask_ranks_tokens_for_every_mask() {
    let p = tiny("tiny-pretraining");
    let out = block(fill_mask::fill_mask(&p, "the capital of [MASK] is [MASK].", 5)).unwrap();
    assert_eq!(out.iter().map(|m| m.position).collect::<Vec<_>>(), [4, 6]);
    for m in &out {
        assert_eq!(m.candidates.len(), 5);
        assert!(m.candidates.windows(2).all(|w| w[0].probability >= w[1].probability));
        assert!(m.candidates.iter().map(|c| c.probability).sum::<f32>() <= 1.0 + 1e-5);
        assert_eq!(p.tokenizer.token_to_id(&m.candidates[0].token), Some(m.candidates[0].id));
    }
    let err = block(fill_mask::fill_mask(&p, "[MASK]", 0)).unwrap_err().to_string();
    assert!(err.contains("top-k must be at least 1"), "{err}");
    let err = block(fill_mask::fill_mask(&p, "no mask here", 5)).unwrap_err().to_string();
    assert!(err.contains("no [MASK]"), "{err}");
    assert!(matches!(block(fill_mask::fill_mask(&p, "   ", 5)), Err(BertError::Input(_))));
}

#[test]
fn tasks_without_their_head_say_so() {
    let p = load_dir(&minilm_dir(), false, &Device::flex());
    let err = block(fill_mask::fill_mask(&p, "The capital of [MASK] is Paris.", 5)).unwrap_err().to_string();
    assert!(err.contains("no masked-LM head"), "{err}");
    assert!(block(nsp::next_sentence(&p, "a", "b")).unwrap_err().to_string().contains("next-sentence"));
    assert!(block(qa::answer(&p, "who?", "me", 30)).unwrap_err().to_string().contains("question-answering"));
    assert!(block(classify::classify(&p, "x", None)).unwrap_err().to_string().contains("sequence-classification"));
    let err = block(inspect::inspect(&p, "text", None, Some(6))).unwrap_err().to_string();
    assert!(err.contains("layer 6 does not exist"), "{err}");
}

#[test]
fn nsp_classify_and_qa_give_well_formed_answers() {
    let out = block(nsp::next_sentence(&tiny("tiny-pretraining"), "the cat sat on the mat.", "it was good.")).unwrap();
    assert!((0.0..=1.0).contains(&out.is_next));
    let expected = 1.0 / (1.0 + (out.logits[1] - out.logits[0]).exp());
    assert!((out.is_next - expected).abs() < 1e-6);

    let labels = block(classify::classify(&tiny("tiny-classifier"), "it was good", None)).unwrap();
    let mut names: Vec<_> = labels.iter().map(|l| l.label.as_str()).collect();
    names.sort();
    assert_eq!(names, ["negative", "neutral", "positive"]);

    let context = "the book was written by a cat in paris.";
    let a = block(qa::answer(&tiny("tiny-qa"), "who wrote the book?", context, 30)).unwrap();
    assert!(a.start_token <= a.end_token && a.end_token - a.start_token < 30);
    assert_eq!(context.chars().skip(a.start).take(a.end - a.start).collect::<String>(), a.answer);
    assert!(!a.answer.is_empty() && a.score > 0.0 && a.score <= 1.0);
    assert_eq!(a.tokens.len(), a.start_logits.len());
}

#[test]
fn internals_expose_q_k_v_and_raw_scores() {
    let p = load_dir(&minilm_dir(), false, &Device::flex());
    let out = block(inspect::inspect(&p, "Attention is all you need.", None, Some(2))).unwrap();
    let i = out.internals.unwrap();
    let n = out.tokens.len();
    assert_eq!((i.layer, i.query.len(), i.query[0].len(), i.query[0][0].len()), (2, 12, n, 32));
    // softmax(scores) row equals the reported attention for that layer (no padding here).
    let row = bertplay::tasks::softmax(&i.scores[3][1]);
    assert!(max_abs_diff(&row, &out.attentions[2][3][1]) < 1e-6);
    // scores = q·k / √32
    let dot: f32 = i.query[3][1].iter().zip(&i.key[3][4]).map(|(a, b)| a * b).sum::<f32>() / 32f32.sqrt();
    assert!((dot - i.scores[3][1][4]).abs() < 1e-4);
}

#[test]
fn embedding_parts_sum_and_normalise_to_the_first_hidden_state() {
    let p = load_dir(&minilm_dir(), false, &Device::flex());
    let out = block(inspect::inspect(&p, "Paris is big.", Some("Yes."), None)).unwrap();
    assert_eq!(out.special_tokens_mask, [1, 0, 0, 0, 0, 1, 0, 0, 1]);
    let e = &out.embeddings;
    let norm = &p.bert.model.embeddings.norm;
    let (gamma, beta) = (block(read_back(norm.gamma.val())).unwrap(), block(read_back(norm.beta.val())).unwrap());
    for t in 0..out.tokens.len() {
        let sum: Vec<f32> = (0..gamma.len()).map(|d| e.word[t][d] + e.position[t][d] + e.token_type[t][d]).collect();
        let mean = sum.iter().sum::<f32>() / sum.len() as f32;
        let var = sum.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / sum.len() as f32;
        let normed: Vec<f32> =
            sum.iter().enumerate().map(|(d, x)| (x - mean) / (var + 1e-12).sqrt() * gamma[d] + beta[d]).collect();
        assert!(max_abs_diff(&normed, &out.hidden_states[0][t]) < 1e-4, "token {t}");
    }
    // Segment B tokens use the second segment row, position rows differ per token.
    assert_ne!(e.token_type[1], e.token_type[6]);
    assert_ne!(e.position[1], e.position[2]);
}

#[test]
fn long_qa_contexts_are_read_in_overlapping_windows() {
    let p = load_dir(&minilm_dir(), false, &Device::flex());
    let context = (0..300)
        .map(|i| format!("Sentence number {i} talks about nothing in particular."))
        .collect::<Vec<_>>()
        .join(" ");
    let windows = p.tokenizer.encode_windows("Which sentence is it?", &context).unwrap();
    assert!(windows.len() > 5, "{} windows", windows.len());
    let context_offsets = |w: &bertplay::Encoded| -> Vec<(usize, usize)> {
        w.offsets.iter().zip(&w.sequence_ids).filter(|(_, s)| **s == Some(1)).map(|(o, _)| *o).collect()
    };
    for pair in windows.windows(2) {
        let (a, b) = (context_offsets(&pair[0]), context_offsets(&pair[1]));
        assert!(pair[0].ids.len() <= 512 && pair[0].ids.len() > 400);
        // The next window starts WINDOW_STRIDE context tokens before this one ends.
        assert_eq!(b[0], a[a.len() - bertplay::tokenizer::WINDOW_STRIDE]);
    }
    let last = context_offsets(windows.last().unwrap());
    assert_eq!(last.last().unwrap().1, context.chars().count(), "the last window reaches the context's end");

    let qa_model = tiny("tiny-qa");
    let long = "the cat sat on the mat . ".repeat(40);
    let a = block(qa::answer(&qa_model, "who sat?", &long, 30)).unwrap();
    assert!(a.windows > 1 && a.window < a.windows);
    assert_eq!(long.chars().skip(a.start).take(a.end - a.start).collect::<String>(), a.answer);
}

#[test]
fn a_long_context_goes_through_the_model_a_few_windows_at_a_time() {
    let p = tiny("tiny-qa");
    let long = "the cat sat on the mat . ".repeat(400);
    let a = block(qa::answer(&p, "who sat?", &long, 30)).unwrap();
    assert!(a.windows > 2 * qa::WINDOW_BATCH, "{} windows: more than two batches", a.windows);
    // The winning window's logits are what that window alone gives.
    let windows = p.tokenizer.encode_windows("who sat?", &long).unwrap();
    let alone = bertplay::loaded_model::input_batch(&windows[a.window..=a.window], &p.device);
    let head = p.bert.question_answering.as_ref().unwrap();
    let (start, _) = head.forward(p.bert.model.forward(&alone, Outputs::default()).last_hidden_state);
    let start = block(read_back(start)).unwrap();
    assert!(max_abs_diff(&start, &a.start_logits) < 1e-5);
}
