//! Extractive QA data: SQuAD v1.1 JSON → questions with their answers → token windows of the
//! context, each labelled with the answer's first and last token, which is what the start and
//! end logits learn. An answer that a window cuts (or misses) points at `[CLS]` in that window.

use std::sync::Arc;

use serde::Deserialize;

use super::labelled::MAX_ROWS;
use crate::error::{BertError, Result};
use crate::tokenizer::{BertTokenizer, Encoded};

/// One answer span, as SQuAD gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaAnswer {
    pub text: String,
    /// First character in the context, counted in Unicode scalar values (as Python counts), not bytes.
    pub start: usize,
}

/// One question about one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaExample {
    pub id: String,
    /// 0-based index of the article: questions of one article share facts, so a train/eval split
    /// made by article does not leak answers.
    pub article: usize,
    pub question: String,
    /// Shared by the paragraph's questions: a file that repeats one long context for many
    /// questions holds it once.
    pub context: Arc<str>,
    /// At least one; dev sets give several accepted answers, training uses the first.
    pub answers: Vec<QaAnswer>,
}

/// One window of a question's context with the answer's token positions in it.
#[derive(Debug, Clone, PartialEq)]
pub struct QaWindow {
    pub encoded: Encoded,
    /// First and last (inclusive) token of the answer in this window, or both 0 (`[CLS]`) when the
    /// answer is not wholly inside it: the model learns to point at `[CLS]` for "not here".
    pub start: usize,
    pub end: usize,
}

/// The file as written, every field optional so a missing one gets a message naming where.
#[derive(Deserialize)]
struct RawFile {
    data: Option<Vec<RawArticle>>,
}

#[derive(Deserialize)]
struct RawArticle {
    title: Option<String>,
    paragraphs: Option<Vec<RawParagraph>>,
}

#[derive(Deserialize)]
struct RawParagraph {
    context: Option<String>,
    qas: Option<Vec<RawQuestion>>,
}

#[derive(Deserialize)]
struct RawQuestion {
    id: Option<String>,
    question: Option<String>,
    answers: Option<Vec<RawAnswer>>,
}

#[derive(Deserialize)]
struct RawAnswer {
    text: Option<String>,
    answer_start: Option<usize>,
}

/// The longest context read, in characters. SQuAD's longest is about 4,000; contexts are cut
/// into windows per question, so a longer one multiplies the work by its questions.
pub const MAX_CONTEXT_CHARS: usize = 100_000;

/// Reads a SQuAD v1.1 file, checking that every answer is where its `answer_start` says.
pub fn parse_squad(bytes: &[u8]) -> Result<Vec<QaExample>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let file: RawFile = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => BertError::Input(format!("not SQuAD JSON: {e}").into()),
        _ => BertError::Input(format!("invalid JSON: {e}").into()),
    })?;
    let data = file.data.ok_or_else(|| BertError::Input("not SQuAD JSON: no \"data\" list".into()))?;
    let mut examples = Vec::new();
    for (article, raw) in data.into_iter().enumerate() {
        let title = match &raw.title {
            Some(title) => format!("article {title:?}"),
            None => format!("article {}", article + 1),
        };
        let paragraphs = raw.paragraphs.ok_or_else(|| missing(&title, "paragraphs"))?;
        for (p, paragraph) in paragraphs.into_iter().enumerate() {
            let place = format!("{title}, paragraph {}", p + 1);
            let context: Arc<str> = paragraph.context.ok_or_else(|| missing(&place, "context"))?.into();
            let chars = context.chars().count();
            if chars > MAX_CONTEXT_CHARS {
                return Err(BertError::Input(
                    format!(
                    "{place}: the context is {chars} characters long; a context here holds at most {MAX_CONTEXT_CHARS}"
                )
                    .into(),
                ));
            }
            for (q, raw) in paragraph.qas.ok_or_else(|| missing(&place, "qas"))?.into_iter().enumerate() {
                let id = raw.id.ok_or_else(|| missing(&format!("{place}, question {}", q + 1), "id"))?;
                let at = format!("question {id}");
                let question = raw.question.ok_or_else(|| missing(&at, "question"))?;
                if question.trim().is_empty() {
                    return Err(BertError::Input(format!("{at}: the question is empty").into()));
                }
                let answers = raw.answers.ok_or_else(|| missing(&at, "answers"))?;
                if answers.is_empty() {
                    return Err(BertError::Input(format!(
                        "{at}: no answers (SQuAD v1.1 has at least one; unanswerable SQuAD 2.0 questions are not supported)"
                    ).into()));
                }
                let answers = answers
                    .into_iter()
                    .enumerate()
                    .map(|(a, answer)| checked_answer(&context, answer, &format!("{at}, answer {}", a + 1)))
                    .collect::<Result<Vec<_>>>()?;
                if examples.len() == MAX_ROWS {
                    return Err(BertError::Input(
                        format!("the file has more than {MAX_ROWS} questions; a run here reads at most {MAX_ROWS}")
                            .into(),
                    ));
                }
                examples.push(QaExample { id, article, question, context: context.clone(), answers });
            }
        }
    }
    if examples.is_empty() {
        return Err(BertError::Input("the SQuAD file has no questions".into()));
    }
    Ok(examples)
}

fn missing(place: &str, field: &str) -> BertError {
    BertError::Input(format!("{place}: no \"{field}\"").into())
}

/// The answer, if its text is in the context at `answer_start`.
fn checked_answer(context: &str, answer: RawAnswer, at: &str) -> Result<QaAnswer> {
    let text = answer.text.ok_or_else(|| missing(at, "text"))?;
    let start = answer.answer_start.ok_or_else(|| missing(at, "answer_start"))?;
    if text.trim().is_empty() {
        return Err(BertError::Input(format!("{at}: the answer text is empty").into()));
    }
    let byte = context.char_indices().nth(start).map(|(b, _)| b);
    if byte.is_some_and(|b| context[b..].starts_with(&text)) {
        return Ok(QaAnswer { text, start });
    }
    let found: String = byte.map(|b| context[b..].chars().take(text.chars().count()).collect()).unwrap_or_default();
    Err(BertError::Input(
        format!(
            "{at}: {text:?} is not in the context at character {start} (it reads {found:?} there; \
         answer_start counts characters, not bytes)"
        )
        .into(),
    ))
}

/// The question's context in windows of at most `max_len` tokens overlapping by `stride`, each
/// labelled with where the first answer lies in it.
pub fn qa_windows(
    tokenizer: &BertTokenizer,
    example: &QaExample,
    max_len: usize,
    stride: usize,
) -> Result<Vec<QaWindow>> {
    let at = |message: String| BertError::Input(format!("question {}: {message}", example.id).into());
    let answer = example.answers.first().ok_or_else(|| at("no answer to train on".into()))?;
    let first_char = answer.start;
    let end_char = answer.start + answer.text.chars().count();
    let windows =
        tokenizer.encode_windows_within(&example.question, &example.context, max_len, stride).map_err(|e| match e {
            BertError::Input(message) => at(message.to_string()),
            other => other,
        })?;
    Ok(windows
        .into_iter()
        .map(|encoded| {
            let (start, end) = answer_tokens(&encoded, first_char, end_char);
            QaWindow { encoded, start, end }
        })
        .collect())
}

/// First and last token covering characters `first_char..end_char` of the context, or `(0, 0)`
/// when the window's context tokens do not cover the whole range.
fn answer_tokens(encoded: &Encoded, first_char: usize, end_char: usize) -> (usize, usize) {
    let context: Vec<(usize, (usize, usize))> = (0..encoded.ids.len())
        .filter(|&i| encoded.sequence_ids[i] == Some(1))
        .map(|i| (i, encoded.offsets[i]))
        .collect();
    let (Some(&(_, (window_first, _))), Some(&(_, (_, window_end)))) = (context.first(), context.last()) else {
        return (0, 0);
    };
    if first_char < window_first || end_char > window_end {
        return (0, 0);
    }
    // Tokens may start before or end after the answer (a partial word): take those touching it.
    let start = context.iter().find(|(_, (_, end))| *end > first_char).map(|(i, _)| *i);
    let end = context.iter().rev().find(|(_, (start, _))| *start < end_char).map(|(i, _)| *i);
    match (start, end) {
        (Some(start), Some(end)) if start <= end => (start, end),
        _ => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every context word of these tests is one token: `w0`…`w39` and a few English words.
    fn tokenizer() -> BertTokenizer {
        let mut vocab: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "what", "is", "it", "?", ".", ","]
            .into_iter()
            .chain(["fox", "ran", "far", "cafe"])
            .map(String::from)
            .collect();
        vocab.extend((0..40).map(|i| format!("w{i}")));
        BertTokenizer::from_vocab_txt(vocab.join("\n").as_bytes(), true, 64).unwrap()
    }

    fn example(context: &str, answer: &str) -> QaExample {
        let byte = context.find(answer).unwrap();
        QaExample {
            id: "q1".into(),
            article: 0,
            question: "what is it?".into(),
            context: context.into(),
            answers: vec![QaAnswer { text: answer.into(), start: context[..byte].chars().count() }],
        }
    }

    fn words(n: usize) -> String {
        (0..n).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ")
    }

    /// The context text a window's answer tokens cover, through their character offsets.
    fn answer_text(window: &QaWindow, context: &str) -> String {
        let (first, end) = (window.encoded.offsets[window.start].0, window.encoded.offsets[window.end].1);
        context.chars().skip(first).take(end - first).collect()
    }

    fn squad(context: &str, answers: serde_json::Value) -> Vec<u8> {
        json!({"version": "1.1", "data": [{"title": "Foxes", "paragraphs": [{"context": context, "qas": [
            {"id": "abc123", "question": "what is it?", "answers": answers}
        ]}]}]})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn answer_cut_by_a_window_lies_whole_in_the_next() {
        let context = words(20);
        let ex = example(&context, "w3 w4 w5");
        // [CLS] what is it ? [SEP] = 6 tokens, + final [SEP]: 5 context tokens a window, 2 shared.
        let windows = qa_windows(&tokenizer(), &ex, 12, 2).unwrap();
        let firsts: Vec<&str> = windows.iter().map(|w| w.encoded.tokens[6].as_str()).collect();
        assert_eq!(firsts, ["w0", "w3", "w6", "w9", "w12", "w15"]);
        assert!(windows.iter().all(|w| w.encoded.ids.len() <= 12));
        // Window 0 holds w0…w4: it cuts the answer.
        assert_eq!((windows[0].start, windows[0].end), (0, 0));
        // Window 1 holds w3…w7: the answer is its first three context tokens.
        assert_eq!((windows[1].start, windows[1].end), (6, 8));
        assert_eq!(windows[1].encoded.tokens[6..=8], ["w3", "w4", "w5"]);
        assert_eq!(answer_text(&windows[1], &context), "w3 w4 w5");
        assert!(windows[2..].iter().all(|w| (w.start, w.end) == (0, 0)));
    }

    #[test]
    fn answer_at_the_very_end_of_the_context() {
        let context = words(20);
        let ex = example(&context, "w18 w19");
        let windows = qa_windows(&tokenizer(), &ex, 12, 2).unwrap();
        let last = windows.last().unwrap();
        assert_eq!(last.encoded.tokens[last.start..=last.end], ["w18", "w19"]);
        assert_eq!(last.end, last.encoded.ids.len() - 2, "the last context token, before the final [SEP]");
        assert_eq!(answer_text(last, &context), "w18 w19");
        assert!(windows[..windows.len() - 1].iter().all(|w| (w.start, w.end) == (0, 0)));
    }

    #[test]
    fn non_ascii_before_the_answer_counts_characters_not_bytes() {
        let context = "Café, 日本 naïve — fox ran far.";
        // "fox" is character 17 but byte 25: é, ï and — take two or three bytes, 日 and 本 three.
        let char_start = 17;
        assert_eq!(context.find("fox").unwrap(), 25);
        let examples = parse_squad(&squad(context, json!([{"text": "fox ran", "answer_start": char_start}]))).unwrap();
        assert_eq!(examples[0].answers, [QaAnswer { text: "fox ran".into(), start: char_start }]);
        let windows = qa_windows(&tokenizer(), &examples[0], 64, 16).unwrap();
        assert_eq!(windows.len(), 1);
        let w = &windows[0];
        assert_eq!(w.encoded.tokens[w.start..=w.end], ["fox", "ran"]);
        assert_eq!(answer_text(w, context), "fox ran");

        // A byte index (as some converters write) is caught, naming the question.
        let by_bytes = squad(context, json!([{"text": "fox ran", "answer_start": context.find("fox").unwrap()}]));
        let e = parse_squad(&by_bytes).unwrap_err().to_string();
        assert!(e.contains("abc123") && e.contains("not bytes"), "{e}");
    }

    #[test]
    fn parse_squad_reads_every_question_and_all_its_answers() {
        let file = json!({"data": [
            {"title": "A", "paragraphs": [{"context": "w1 w2 w3", "qas": [
                {"id": "x", "question": "what?", "answers": [{"text": "w2", "answer_start": 3}]},
                {"id": "y", "question": "is it?", "answers": [
                    {"text": "w3", "answer_start": 6}, {"text": "w2 w3", "answer_start": 3}
                ]}
            ]}]},
            {"title": "B", "paragraphs": [{"context": "fox", "qas": [
                {"id": "z", "question": "what?", "answers": [{"text": "fox", "answer_start": 0}], "extra": 1}
            ]}]}
        ]});
        let examples = parse_squad(file.to_string().as_bytes()).unwrap();
        let summary: Vec<(&str, usize, usize)> =
            examples.iter().map(|e| (e.id.as_str(), e.article, e.answers.len())).collect();
        assert_eq!(summary, [("x", 0, 1), ("y", 0, 2), ("z", 1, 1)]);
        assert_eq!(examples[1].answers[1], QaAnswer { text: "w2 w3".into(), start: 3 });
        assert_eq!(&*examples[1].context, "w1 w2 w3");
    }

    #[test]
    fn parse_squad_errors_say_where() {
        let error = |bytes: &[u8]| parse_squad(bytes).unwrap_err().to_string();
        assert!(error(b"{\"data\": [").starts_with("invalid JSON"));
        assert!(error(b"[1, 2]").starts_with("not SQuAD JSON"));
        assert!(error(b"{\"version\": \"1.1\"}").contains("no \"data\""));
        assert!(error(b"{\"data\": []}").contains("no questions"));
        let no_context = json!({"data": [{"title": "Foxes", "paragraphs": [{"qas": []}]}]}).to_string();
        assert_eq!(error(no_context.as_bytes()), "article \"Foxes\", paragraph 1: no \"context\"");
        let e = error(&squad("fox ran", json!([{"text": "fox"}])));
        assert_eq!(e, "question abc123, answer 1: no \"answer_start\"");
        let e = error(&squad("fox ran", json!([{"text": "fox", "answer_start": 4}])));
        assert!(e.starts_with("question abc123, answer 1: \"fox\" is not in the context at character 4"), "{e}");
        let e = error(&squad("fox ran", json!([{"text": "ran far", "answer_start": 40}])));
        assert!(e.contains("abc123"), "{e}");
        assert!(error(&squad("fox ran", json!([]))).contains("no answers"));
    }

    #[test]
    fn windows_longer_than_the_model_are_refused() {
        let e = qa_windows(&tokenizer(), &example(&words(5), "w1"), 65, 2).unwrap_err().to_string();
        assert!(e.contains("64"), "{e}");
        let mut no_answer = example(&words(5), "w1");
        no_answer.answers.clear();
        assert!(qa_windows(&tokenizer(), &no_answer, 12, 2).unwrap_err().to_string().contains("no answer"));
    }

    #[test]
    fn a_context_is_held_once_and_bounded() {
        let qas: Vec<_> = (0..3)
            .map(|i| {
                json!({"id": format!("q{i}"), "question": "what?",
            "answers": [{"text": "w1", "answer_start": 3}]})
            })
            .collect();
        let file = |context: &str| {
            json!({"data": [{"paragraphs": [{"context": context, "qas": qas}]}]}).to_string().into_bytes()
        };
        let examples = parse_squad(&file(&words(10))).unwrap();
        assert!(Arc::ptr_eq(&examples[0].context, &examples[2].context), "one context for its questions");

        let long = format!("{} {}", words(10), "x".repeat(MAX_CONTEXT_CHARS));
        let e = parse_squad(&file(&long)).unwrap_err().to_string();
        assert!(
            e.contains(
                "article 1, paragraph 1: the context is 100030 characters long; a context here holds at most 100000"
            ),
            "{e}"
        );
    }
}
