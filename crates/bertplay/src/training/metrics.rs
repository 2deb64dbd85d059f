//! Scores for an evaluation pass: accuracy and macro F1 for classification, and the official
//! SQuAD v1.1 exact match and token F1 (re-implemented from its definition) for extractive QA,
//! so numbers printed here compare with published ones. Every score is a fraction in `0..=1`,
//! and an empty input scores 0 rather than NaN.

use std::collections::HashMap;

use serde::Serialize;

/// The share of predictions equal to their gold label. Pairs beyond the shorter slice are ignored.
pub fn accuracy(pred: &[usize], gold: &[usize]) -> f64 {
    let pairs = pred.len().min(gold.len());
    let right = pred.iter().zip(gold).filter(|(p, g)| p == g).count();
    fraction(right, pairs)
}

/// F1 of each class, averaged with equal weight over the classes that occur in `gold` or `pred`:
/// unlike accuracy it drops when a rare class is never found. A class with no true positive
/// scores 0. Ids at or above `num_labels` are counted as classes of their own.
pub fn macro_f1(pred: &[usize], gold: &[usize], num_labels: usize) -> f64 {
    let classes = pred.iter().chain(gold).map(|&c| c + 1).max().unwrap_or(0).max(num_labels);
    // Per class: true positives, predicted count, gold count.
    let mut counts = vec![(0usize, 0usize, 0usize); classes];
    for (&p, &g) in pred.iter().zip(gold) {
        counts[p].1 += 1;
        counts[g].2 += 1;
        if p == g {
            counts[p].0 += 1;
        }
    }
    let seen: Vec<f64> = counts
        .iter()
        .filter(|(_, predicted, actual)| predicted + actual > 0)
        .map(|&(tp, predicted, actual)| fraction(2 * tp, predicted + actual))
        .collect();
    if seen.is_empty() {
        return 0.0;
    }
    seen.iter().sum::<f64>() / seen.len() as f64
}

/// SQuAD's answer normalisation: lowercase, drop ASCII punctuation, drop the articles "a", "an"
/// and "the" as whole words, collapse whitespace. "The Broncos!" and "broncos" then compare equal.
pub fn normalize_answer(s: &str) -> String {
    let kept: String = s.to_lowercase().chars().filter(|c| !c.is_ascii_punctuation()).collect();
    // Articles are removed where a regex `\b(a|an|the)\b` would match: whole runs of word
    // characters, so "the’s" loses its "the" even though no space follows it.
    let mut out = String::with_capacity(kept.len());
    let mut rest = kept.as_str();
    while let Some(c) = rest.chars().next() {
        let run = if is_word_char(c) { rest.find(|c| !is_word_char(c)).unwrap_or(rest.len()) } else { c.len_utf8() };
        let piece = &rest[..run];
        out.push_str(if matches!(piece, "a" | "an" | "the") { " " } else { piece });
        rest = &rest[run..];
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A word character as Python's regular expressions see one: letters, digits and `_`.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether the prediction equals any gold answer after [`normalize_answer`].
pub fn exact_match(prediction: &str, golds: &[String]) -> bool {
    let prediction = normalize_answer(prediction);
    golds.iter().any(|gold| normalize_answer(gold) == prediction)
}

/// The best F1, over the gold answers, of the prediction's normalised words against the gold's,
/// each counted as often as it occurs: partial credit for a span that is close but not exact.
pub fn token_f1(prediction: &str, golds: &[String]) -> f64 {
    let predicted = normalize_answer(prediction);
    let predicted: Vec<&str> = predicted.split_whitespace().collect();
    golds.iter().map(|gold| overlap_f1(&predicted, &normalize_answer(gold))).fold(0.0, f64::max)
}

fn overlap_f1(predicted: &[&str], gold: &str) -> f64 {
    let gold: Vec<&str> = gold.split_whitespace().collect();
    let mut left: HashMap<&str, usize> = HashMap::new();
    for word in &gold {
        *left.entry(word).or_default() += 1;
    }
    let mut same = 0;
    for word in predicted {
        if let Some(n) = left.get_mut(word).filter(|n| **n > 0) {
            *n -= 1;
            same += 1;
        }
    }
    if same == 0 {
        return 0.0;
    }
    let precision = same as f64 / predicted.len() as f64;
    let recall = same as f64 / gold.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

/// SQuAD's two numbers over a set of questions, as fractions (the official script prints them ×100).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SquadScore {
    pub exact_match: f64,
    pub f1: f64,
    pub count: usize,
}

/// Scores `(prediction, gold answers)` pairs: the mean exact match and the mean token F1.
pub fn squad_score(predictions: &[(String, Vec<String>)]) -> SquadScore {
    let count = predictions.len();
    let (mut exact, mut f1) = (0.0, 0.0);
    for (prediction, golds) in predictions {
        exact += f64::from(u8::from(exact_match(prediction, golds)));
        f1 += token_f1(prediction, golds);
    }
    let mean = |total: f64| if count == 0 { 0.0 } else { total / count as f64 };
    SquadScore { exact_match: mean(exact), f1: mean(f1), count }
}

fn fraction(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn golds(answers: &[&str]) -> Vec<String> {
        answers.iter().map(|a| a.to_string()).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn accuracy_counts_matches_and_is_zero_when_empty() {
        assert!(close(accuracy(&[0, 1, 1, 2], &[0, 1, 0, 0]), 0.5));
        assert_eq!(accuracy(&[], &[]), 0.0);
    }

    #[test]
    fn macro_f1_averages_the_classes_that_occur() {
        // Class 0: tp 1, fp 0, fn 2 → 2/(2+0+2) = 0.5. Class 1: tp 1, fp 1, fn 0 → 2/3.
        // Class 2: tp 0, fp 1, fn 0 → 0. Class 3 never occurs and is left out of the mean.
        let pred = [0, 1, 1, 2];
        let gold = [0, 1, 0, 0];
        assert!(close(macro_f1(&pred, &gold, 4), (0.5 + 2.0 / 3.0 + 0.0) / 3.0));
        assert!(close(macro_f1(&[1, 0], &[1, 0], 2), 1.0));
        assert_eq!(macro_f1(&[], &[], 2), 0.0);
        // An id beyond num_labels is a class of its own rather than a panic.
        assert!(close(macro_f1(&[5], &[0], 2), 0.0));
    }

    #[test]
    fn normalize_answer_follows_the_official_script() {
        assert_eq!(normalize_answer("The  Denver Broncos!"), "denver broncos");
        assert_eq!(normalize_answer("an apple, a day"), "apple day");
        // Articles only as whole words; ASCII punctuation goes first, so "the-end" is one word.
        assert_eq!(normalize_answer("theatre another the-end"), "theatre another theend");
        // Non-ASCII punctuation stays, and marks a word boundary for the articles.
        assert_eq!(normalize_answer("the’s «Été»"), "’s «été»");
        assert_eq!(normalize_answer("  \t\n"), "");
    }

    #[test]
    fn exact_match_takes_any_gold() {
        assert!(exact_match("the Broncos", &golds(&["Denver Broncos", "Broncos"])));
        assert!(!exact_match("Denver", &golds(&["Denver Broncos"])));
        assert!(!exact_match("anything", &[]));
    }

    #[test]
    fn token_f1_is_the_best_bag_of_words_overlap() {
        // "denver broncos won" vs "denver broncos": P 2/3, R 1 → F1 0.8.
        assert!(close(token_f1("Denver Broncos won", &golds(&["Denver Broncos"])), 0.8));
        // Words count once per occurrence: "x y y" vs "y z" share one "y": P 1/3, R 1/2 → 0.4.
        assert!(close(token_f1("x y y", &golds(&["y z"])), 0.4));
        // The max over the golds.
        assert!(close(token_f1("Broncos", &golds(&["Panthers", "the Broncos"])), 1.0));
        assert_eq!(token_f1("Panthers", &golds(&["Broncos"])), 0.0);
        assert_eq!(token_f1("", &golds(&["Broncos"])), 0.0);
    }

    #[test]
    fn squad_score_averages_and_handles_no_questions() {
        let score = squad_score(&[
            ("Denver Broncos".into(), golds(&["Denver Broncos"])),
            ("Denver Broncos won".into(), golds(&["Denver Broncos"])),
        ]);
        assert!(close(score.exact_match, 0.5));
        assert!(close(score.f1, (1.0 + 0.8) / 2.0));
        assert_eq!(score.count, 2);
        assert_eq!(squad_score(&[]), SquadScore { exact_match: 0.0, f1: 0.0, count: 0 });
    }
}
