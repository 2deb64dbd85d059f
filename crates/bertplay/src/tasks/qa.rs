//! Extractive question answering: the answer is the context span whose start and end logits
//! score best together, with start ≤ end, at most `max_answer_len` tokens, inside the context.
//! (Taking the two argmaxes independently can give an end before the start: an empty answer.)
//! A context longer than the model reads is cut into overlapping windows; the best span of any
//! window wins.

use serde::Serialize;

use super::{flatten, read_all, softmax};
use crate::encoder::Inspect;
use crate::error::{BertError, Result};
use crate::heads::HeadKind;
use crate::model::BertInput;
use crate::pipeline::Pipeline;
use crate::tokenizer::Encoded;

/// The default answer length limit, in tokens.
pub const MAX_ANSWER_LEN: usize = 30;

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

pub async fn answer(p: &Pipeline, question: &str, context: &str, max_answer_len: usize) -> Result<Answer> {
    let head = p.bert.question_answering.as_ref().ok_or_else(|| p.bert.missing_head(HeadKind::QuestionAnswering))?;
    let windows = p.tokenizer.encode_windows(question, context)?;
    let input = BertInput::from_encodings(&windows, &p.device);
    let [_, seq] = input.input_ids.dims();
    let (start, end) = head.forward(p.bert.model.forward(&input, Inspect::default()).last_hidden_state);
    let read = read_all(vec![flatten(start), flatten(end)]).await?;
    let logits: Vec<(Vec<f32>, Vec<f32>)> = windows
        .iter()
        .enumerate()
        .map(|(w, window)| {
            let rows = w * seq..w * seq + window.ids.len();
            (read[0][rows.clone()].to_vec(), read[1][rows].to_vec())
        })
        .collect();
    let (w, (s, e, score)) = best_window_span(&windows, &logits, max_answer_len)
        .ok_or_else(|| BertError::Input("the context left no room after the question: shorten the question".into()))?;
    let window = &windows[w];
    let (start_char, end_char) = (window.offsets[s].0, window.offsets[e].1);
    Ok(Answer {
        answer: context.chars().skip(start_char).take(end_char - start_char).collect(),
        start: start_char,
        end: end_char,
        score,
        start_token: s,
        end_token: e,
        tokens: window.tokens.clone(),
        start_logits: logits[w].0.clone(),
        end_logits: logits[w].1.clone(),
        window: w,
        windows: windows.len(),
    })
}

/// The window and span that score best over all `windows` of one question, given each window's
/// `(start, end)` logits; only context tokens (segment B) may be part of an answer. Windows are
/// compared by their best span's raw `start + end` logits: probabilities are normalised within
/// one window, so a window the model thinks holds no answer could otherwise win on leftovers.
pub fn best_window_span(
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
    use super::best_span;

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
