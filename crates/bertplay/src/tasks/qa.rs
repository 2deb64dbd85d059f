//! Extractive question answering: the answer is the context span whose start and end logits
//! score best together, with start ≤ end, at most `max_answer_len` tokens, inside the context.
//! (Taking the two argmaxes independently can give an end before the start: an empty answer.)
//! A context longer than the model reads is cut into overlapping windows; the best span of any
//! window wins.

use serde::Serialize;

use super::softmax;
use crate::encoder::Outputs;
use crate::error::{BertError, Result};
use crate::heads::HeadKind;
use crate::loaded_model::{input_batch, LoadedModel};
use crate::readback::{flatten, read_all};
use crate::tokenizer::Encoded;

/// The default answer length limit, in tokens.
pub const MAX_ANSWER_LEN: usize = 30;

/// Windows of one context that go through the model together.
pub const WINDOW_BATCH: usize = 16;

#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub answer: String,
    /// Character range of the answer in the context.
    pub start: usize,
    pub end: usize,
    /// P(start) × P(end), each a softmax over the context tokens.
    pub score: f32,
    pub start_token: usize,
    pub end_token: usize,
    /// The winning window's tokens and logits, for drawing the logits over the text.
    pub tokens: Vec<String>,
    pub start_logits: Vec<f32>,
    pub end_logits: Vec<f32>,
    /// Which window of the context the answer came from, of how many.
    pub window: usize,
    pub windows: usize,
}

pub async fn answer(p: &LoadedModel, question: &str, context: &str, max_answer_len: usize) -> Result<Answer> {
    let head = p.bert.question_answering.as_ref().ok_or_else(|| p.bert.missing_head(HeadKind::QuestionAnswering))?;
    let windows = p.tokenizer.encode_windows(question, context)?;
    // A few windows at a time: memory follows the batch, however long the context.
    let mut logits = Vec::with_capacity(windows.len());
    for chunk in windows.chunks(WINDOW_BATCH) {
        let input = input_batch(chunk, &p.device);
        let [_, seq] = input.input_ids.dims();
        let (start, end) = head.forward(p.bert.model.forward(&input, Outputs::default()).last_hidden_state);
        let read = read_all(vec![flatten(start), flatten(end)]).await?;
        logits.extend(window_logits(&read[0], &read[1], chunk.iter().map(|w| w.ids.len()), seq));
    }
    let span = decode(context, &windows, &logits, max_answer_len).ok_or_else(|| {
        BertError::Input(crate::detail!(
            "input.qa_no_room",
            "the context left no room after the question: shorten the question"
        ))
    })?;
    let w = span.window;
    Ok(Answer {
        answer: span.text,
        start: span.start,
        end: span.end,
        score: span.score,
        start_token: span.start_token,
        end_token: span.end_token,
        tokens: windows[w].tokens.clone(),
        start_logits: logits[w].0.clone(),
        end_logits: logits[w].1.clone(),
        window: w,
        windows: windows.len(),
    })
}

/// Each window's `(start, end)` logits, cut out of a batch read back as `[windows, seq]` rows
/// (`lengths`: each window's real tokens, padding dropped).
pub fn window_logits(
    start: &[f32],
    end: &[f32],
    lengths: impl Iterator<Item = usize>,
    seq: usize,
) -> Vec<(Vec<f32>, Vec<f32>)> {
    lengths
        .enumerate()
        .map(|(w, len)| {
            let rows = w * seq..w * seq + len;
            (start[rows.clone()].to_vec(), end[rows].to_vec())
        })
        .collect()
}

/// One question's answer, decoded from its windows' logits.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub window: usize,
    pub start_token: usize,
    pub end_token: usize,
    /// Character range of the answer in the context.
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// P(start) × P(end) within the window.
    pub score: f32,
}

/// The answer to one question: the best span over all its `windows` (see [`best_window_span`])
/// as text of `context`. None when no window has a context token.
pub fn decode(
    context: &str,
    windows: &[Encoded],
    logits: &[(Vec<f32>, Vec<f32>)],
    max_answer_len: usize,
) -> Option<Span> {
    let (window, (start_token, end_token, score)) = best_window_span(windows, logits, max_answer_len)?;
    let offsets = &windows[window].offsets;
    let (start, end) = (offsets[start_token].0, offsets[end_token].1);
    let text = context.chars().skip(start).take(end.saturating_sub(start)).collect();
    Some(Span { window, start_token, end_token, start, end, text, score })
}

/// The window and span that score best over all `windows` of one question, given each window's
/// `(start, end)` logits; only context tokens (segment B) may be part of an answer. Windows are
/// compared by their best span's raw `start + end` logits: probabilities are normalised within
/// one window, so a window the model thinks holds no answer could otherwise win on leftovers.
fn best_window_span(
    windows: &[Encoded],
    logits: &[(Vec<f32>, Vec<f32>)],
    max_answer_len: usize,
) -> Option<(usize, (usize, usize, f32))> {
    let mut best: Option<(usize, (usize, usize, f32), f32)> = None;
    for (w, (window, (start, end))) in windows.iter().zip(logits).enumerate() {
        let in_context: Vec<bool> = window.sequence_ids.iter().map(|s| *s == Some(1)).collect();
        let Some(span) = best_span(start, end, &in_context, max_answer_len.max(1)) else { continue };
        let raw = start[span.0] + end[span.1];
        if best.is_none_or(|(_, _, b)| raw > b) {
            best = Some((w, span, raw));
        }
    }
    best.map(|(w, span, _)| (w, span))
}

/// The best `(start, end, P(start)·P(end))` with `start ≤ end < start + max_len`, both tokens
/// `allowed`. Probabilities are softmaxes over the allowed tokens only.
pub fn best_span(start: &[f32], end: &[f32], allowed: &[bool], max_len: usize) -> Option<(usize, usize, f32)> {
    let pick = |logits: &[f32]| -> Vec<f32> {
        let kept: Vec<f32> = logits.iter().zip(allowed).filter(|(_, &a)| a).map(|(&l, _)| l).collect();
        let mut probs = softmax(&kept).into_iter();
        allowed.iter().map(|&a| if a { probs.next().unwrap_or(0.0) } else { 0.0 }).collect()
    };
    let (p_start, p_end) = (pick(start), pick(end));
    let mut best: Option<(usize, usize, f32)> = None;
    for s in (0..start.len()).filter(|&s| allowed[s]) {
        for e in (s..(s + max_len).min(end.len())).filter(|&e| allowed[e]) {
            let score = p_start[s] * p_end[e];
            if best.is_none_or(|(_, _, b)| score > b) {
                best = Some((s, e, score));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::{best_span, decode, window_logits};
    use crate::tokenizer::Encoded;

    /// `[CLS] q [SEP] c₀ c₁ c₂ [SEP]` over a context whose tokens sit at the given characters.
    fn window(context_offsets: [(usize, usize); 3]) -> Encoded {
        let mut offsets = vec![(0, 0), (0, 1), (0, 0)];
        offsets.extend(context_offsets);
        offsets.push((0, 0));
        Encoded {
            tokens: ["[CLS]", "q", "[SEP]", "c0", "c1", "c2", "[SEP]"].map(String::from).to_vec(),
            ids: vec![101, 7, 102, 8, 9, 10, 102],
            type_ids: vec![0, 0, 0, 1, 1, 1, 1],
            offsets,
            sequence_ids: vec![None, Some(0), None, Some(1), Some(1), Some(1), None],
            truncated: false,
        }
    }

    #[test]
    fn window_rows_drop_the_padding() {
        // Two windows of 2 and 3 tokens, padded to 3 in the batch.
        let start = [1.0, 2.0, 0.0, 4.0, 5.0, 6.0];
        let end = start.map(|x| -x);
        let rows = window_logits(&start, &end, [2, 3].into_iter(), 3);
        assert_eq!(rows, vec![(vec![1.0, 2.0], vec![-1.0, -2.0]), (vec![4.0, 5.0, 6.0], vec![-4.0, -5.0, -6.0])]);
    }

    #[test]
    fn decodes_the_best_window_as_text_of_the_context() {
        let context = "héé ab cd";
        let windows = [window([(0, 3), (4, 6), (7, 9)]), window([(4, 6), (7, 9), (7, 9)])];
        // The second window's span c0..c1 (characters 4..9) has the higher raw start + end.
        let flat = |v: f32, at: usize| -> Vec<f32> { (0..7).map(|i| if i == at { v } else { 0.0 }).collect() };
        let logits = [(flat(1.0, 3), flat(1.0, 3)), (flat(4.0, 3), flat(4.0, 4))];
        let span = decode(context, &windows, &logits, 30).unwrap();
        assert_eq!((span.window, span.start_token, span.end_token), (1, 3, 4));
        assert_eq!((span.start, span.end, span.text.as_str()), (4, 9, "ab cd"));
        assert_eq!(decode(context, &windows[..0], &logits[..0], 30), None);
    }

    #[test]
    fn never_ends_before_it_starts() {
        // Independent argmaxes would give start 3, end 1: an empty answer. The best valid
        // pair is start 3 (5.0) with end 4 (3.0): 8.0 beats 0 + 6.0 and 1.0 + 4.0.
        let start = [0.0, 0.0, 1.0, 5.0, 0.0];
        let end = [0.0, 6.0, 4.0, 0.0, 3.0];
        assert_eq!(best_span(&start, &end, &[true; 5], 30).map(|b| (b.0, b.1)), Some((3, 4)));
    }

    #[test]
    fn stays_inside_the_context_and_the_length_limit() {
        let start = [9.0, 0.0, 2.0, 0.0, 0.0, 0.0];
        let end = [9.0, 0.0, 0.0, 0.0, 0.0, 3.0];
        let allowed = [false, false, true, true, true, true];
        assert_eq!(best_span(&start, &end, &allowed, 30).map(|b| (b.0, b.1)), Some((2, 5)));
        // With at most 2 tokens, (2, 5) is out of reach; (4, 5) beats (2, 2): 0.096·0.87 > 0.71·0.043.
        let (s, e, score) = best_span(&start, &end, &allowed, 2).unwrap();
        assert_eq!((s, e), (4, 5));
        assert!((score - 0.0837).abs() < 1e-3, "{score}");
        assert_eq!(best_span(&start, &end, &[false; 6], 30), None);
    }
}
