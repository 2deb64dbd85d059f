//! Pretraining text: plain text → documents of sentences → sentence pairs for next-sentence
//! prediction (NSP). Documents matter because a "not next" sentence must come from elsewhere:
//! a sentence from the same document would often be a plausible continuation.

use crate::error::{BertError, Result};
use crate::rng::Rng;

/// Documents, each a list of sentences in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corpus {
    pub documents: Vec<Vec<String>>,
}

/// One NSP example: `b` follows `a` in its document (`is_next`), or is a sentence from another
/// document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentencePair {
    pub a: String,
    pub b: String,
    pub is_next: bool,
}

impl Corpus {
    /// Documents are separated by blank lines; inside one, each line holds a sentence, and a line
    /// holding several is split at its sentence ends, so pasted paragraphs work too.
    pub fn parse(text: &str) -> Result<Corpus> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut documents = Vec::new();
        let mut current: Vec<String> = Vec::new();
        for line in text.lines() {
            if line.trim().is_empty() {
                if !current.is_empty() {
                    documents.push(std::mem::take(&mut current));
                }
                continue;
            }
            current.extend(split_sentences(line).into_iter().map(String::from));
        }
        if !current.is_empty() {
            documents.push(current);
        }
        if documents.is_empty() {
            return Err(BertError::Input(crate::detail!(
                "input.corpus_empty",
                "the corpus has no text: write one sentence per line, with a blank line between documents"
            )));
        }
        Ok(Corpus { documents })
    }

    /// One NSP example per pair of adjacent sentences: half of them (by chance) keep the real next
    /// sentence, the others get a sentence drawn uniformly from all the other documents' sentences.
    pub fn sentence_pairs(&self, rng: &mut Rng) -> Result<Vec<SentencePair>> {
        self.check_nsp()?;
        // starts[d] = index of document d's first sentence when all sentences are numbered in order.
        let starts: Vec<usize> = self
            .documents
            .iter()
            .scan(0, |next, doc| {
                let start = *next;
                *next += doc.len();
                Some(start)
            })
            .collect();
        let total: usize = self.documents.iter().map(Vec::len).sum();
        let mut pairs = Vec::new();
        for (d, doc) in self.documents.iter().enumerate() {
            for adjacent in doc.windows(2) {
                let a = adjacent[0].clone();
                if rng.uniform() < 0.5 {
                    pairs.push(SentencePair { a, b: adjacent[1].clone(), is_next: true });
                    continue;
                }
                // Number the other documents' sentences 0.. by skipping over document d's block.
                let mut k = rng.below(total - doc.len());
                if k >= starts[d] {
                    k += doc.len();
                }
                let other = starts.partition_point(|&s| s <= k) - 1;
                let b = self.documents[other][k - starts[other]].clone();
                pairs.push(SentencePair { a, b, is_next: false });
            }
        }
        Ok(pairs)
    }

    /// Moves about `fraction` of the documents (whole, so no held-out sentence was seen in
    /// training) to a held-out corpus: at least 2, so NSP can be scored on it, and never so many
    /// that training keeps fewer than 2. `fraction <= 0` holds nothing out. Both keep their
    /// documents' order; which documents move depends only on the generator's state.
    pub fn split_held_out(self, fraction: f64, rng: &mut Rng) -> (Corpus, Corpus) {
        let n = self.documents.len();
        let held = if fraction > 0.0 {
            ((fraction.min(1.0) * n as f64).round() as usize).max(2).min(n.saturating_sub(2))
        } else {
            0
        };
        let mut order: Vec<usize> = (0..n).collect();
        rng.shuffle(&mut order);
        let mut is_held = vec![false; n];
        for &i in &order[..held] {
            is_held[i] = true;
        }
        let (mut train, mut held_out) = (Vec::new(), Vec::new());
        for (doc, held) in self.documents.into_iter().zip(is_held) {
            (if held { &mut held_out } else { &mut train }).push(doc);
        }
        (Corpus { documents: train }, Corpus { documents: held_out })
    }

    /// NSP needs a real next sentence (a document with 2 sentences) and a random one from
    /// another document.
    fn check_nsp(&self) -> Result<()> {
        let non_empty = self.documents.iter().filter(|d| !d.is_empty()).count();
        let longest = self.documents.iter().map(Vec::len).max().unwrap_or(0);
        if non_empty >= 2 && longest >= 2 {
            return Ok(());
        }
        Err(BertError::Input(crate::detail!(
            "input.corpus_nsp",
            "next-sentence prediction needs at least 2 documents (separated by a blank line) and one with at least \
             2 sentences; the corpus has {documents} document{s1}, the longest with {sentences} sentence{s2}",
            documents = non_empty,
            sentences = longest,
            s1 = plural(non_empty),
            s2 = plural(longest),
        )))
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Splits a line after `.`, `?` or `!` (and any closing quotes or brackets) when whitespace and
/// then a capital, a digit or an opening quote follow, unless the `.` ends an abbreviation.
fn split_sentences(line: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        if !is_terminator(chars[i].1) {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && is_terminator(chars[end].1) {
            end += 1;
        }
        let lone_period = end == i + 1 && chars[i].1 == '.';
        while end < chars.len() && is_closing(chars[end].1) {
            end += 1;
        }
        let mut next = end;
        while next < chars.len() && chars[next].1.is_whitespace() {
            next += 1;
        }
        let splits = next > end
            && next < chars.len()
            && starts_sentence(chars[next].1)
            && !(lone_period && is_abbreviation(&line[start..chars[i].0]));
        if splits {
            sentences.push(line[start..chars[end].0].trim());
            start = chars[next].0;
        }
        i = next.max(i + 1);
    }
    sentences.push(line[start..].trim());
    sentences.retain(|s| !s.is_empty());
    sentences
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '?' | '!')
}

fn is_closing(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | ')' | ']')
}

fn starts_sentence(c: char) -> bool {
    c.is_uppercase() || c.is_ascii_digit() || matches!(c, '"' | '\'' | '“' | '‘' | '(')
}

/// Whether the word before a `.` (given: the text up to it) is an abbreviation, not a sentence's
/// end: a title, "e.g."-like dotted words, or a capital initial as in "J. R. R. Tolkien".
fn is_abbreviation(before_period: &str) -> bool {
    const TITLES: [&str; 14] =
        ["mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "cf", "fig", "approx", "inc", "ltd"];
    let word = before_period.rsplit(char::is_whitespace).next().unwrap_or("");
    let word = word.trim_start_matches(['"', '\'', '“', '‘', '(', '[']);
    let mut letters = word.chars();
    let initial = matches!((letters.next(), letters.next()), (Some(c), None) if c.is_uppercase());
    initial || word.contains('.') || TITLES.contains(&word.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs` documents of `sentences` sentences, each naming its document, e.g. "D2 s0.".
    fn numbered(docs: usize, sentences: usize) -> Corpus {
        Corpus { documents: (0..docs).map(|d| (0..sentences).map(|s| format!("D{d} s{s}.")).collect()).collect() }
    }

    fn document_of(sentence: &str) -> usize {
        sentence[1..sentence.find(' ').unwrap()].parse().unwrap()
    }

    #[test]
    fn parse_splits_documents_on_blank_lines_even_with_spaces_and_crlf() {
        let text = "\u{feff}First one.\r\nSecond one.\r\n  \t \r\n\r\nThird one.\r\n   Fourth one.  \n\n\n";
        let corpus = Corpus::parse(text).unwrap();
        assert_eq!(corpus.documents, vec![vec!["First one.", "Second one."], vec!["Third one.", "Fourth one."]]);
    }

    #[test]
    fn parse_splits_a_line_at_sentence_ends() {
        let corpus = Corpus::parse("It rained. Did it? Yes! \"Really,\" he said. 3 dogs ran... Then 'hi.' Ok").unwrap();
        assert_eq!(
            corpus.documents[0],
            vec!["It rained.", "Did it?", "Yes!", "\"Really,\" he said.", "3 dogs ran...", "Then 'hi.'", "Ok"]
        );
        // No split without a capital, digit or quote after the space, nor without the space.
        let corpus = Corpus::parse("Pi is 3.14 and e. is not. see above.Next").unwrap();
        assert_eq!(corpus.documents[0], vec!["Pi is 3.14 and e. is not. see above.Next"]);
    }

    #[test]
    fn parse_keeps_abbreviations_and_initials_inside_a_sentence() {
        let line = "Mr. Smith met Dr. Jones, e.g. At noon. J. R. R. Tolkien wrote (cf. Fig. 2) a book, i.e. A tale. \
                    It ended.";
        let corpus = Corpus::parse(line).unwrap();
        assert_eq!(
            corpus.documents[0],
            vec![
                "Mr. Smith met Dr. Jones, e.g. At noon.",
                "J. R. R. Tolkien wrote (cf. Fig. 2) a book, i.e. A tale.",
                "It ended."
            ]
        );
    }

    #[test]
    fn parse_rejects_a_corpus_without_text() {
        for text in ["", " \n\r\n\t\n", "\u{feff}"] {
            let err = Corpus::parse(text).unwrap_err().to_string();
            assert!(err.contains("no text"), "{err}");
        }
    }

    #[test]
    fn nsp_is_balanced_within_four_standard_deviations() {
        let corpus = numbered(5, 6);
        let mut rng = Rng::new(11);
        let (mut n, mut next) = (0usize, 0usize);
        for _ in 0..400 {
            let pairs = corpus.sentence_pairs(&mut rng).unwrap();
            assert_eq!(pairs.len(), 5 * 5);
            n += pairs.len();
            next += pairs.iter().filter(|p| p.is_next).count();
        }
        let sigma = (n as f64 * 0.5 * 0.5).sqrt();
        let diff = (next as f64 - n as f64 * 0.5).abs();
        assert!(diff <= 4.0 * sigma, "{next} of {n} pairs are real next sentences (σ = {sigma:.1})");
    }

    #[test]
    fn real_next_follows_and_random_b_comes_from_every_other_document_never_its_own() {
        // Documents of different lengths, so a wrong skip over the own document's block shows.
        let mut corpus = numbered(4, 3);
        corpus.documents[1].truncate(1);
        corpus.documents[2].extend(["D2 s3.".to_string(), "D2 s4.".to_string()]);
        let mut rng = Rng::new(5);
        let mut seen = vec![vec![false; 4]; 4];
        for _ in 0..300 {
            for pair in corpus.sentence_pairs(&mut rng).unwrap() {
                let (da, db) = (document_of(&pair.a), document_of(&pair.b));
                if pair.is_next {
                    let doc = &corpus.documents[da];
                    let i = doc.iter().position(|s| *s == pair.a).unwrap();
                    assert_eq!(doc[i + 1], pair.b);
                } else {
                    assert_ne!(da, db, "{pair:?}");
                    seen[da][db] = true;
                }
            }
        }
        for (d, others) in seen.iter().enumerate().filter(|(d, _)| *d != 1) {
            assert!(others.iter().enumerate().all(|(o, &s)| s == (o != d)), "from document {d}: {others:?}");
        }
    }

    #[test]
    fn nsp_explains_a_corpus_that_is_too_small() {
        let mut rng = Rng::new(0);
        let one = Corpus::parse("One. Two. Three.").unwrap();
        let err = one.sentence_pairs(&mut rng).unwrap_err().to_string();
        assert!(err.contains("at least 2 documents") && err.contains("has 1 document,"), "{err}");
        let short = Corpus::parse("A.\n\nB.\n\nC.").unwrap();
        let err = short.sentence_pairs(&mut rng).unwrap_err().to_string();
        assert!(err.contains("has 3 documents, the longest with 1 sentence"), "{err}");
        let with_empty = Corpus { documents: vec![vec!["A.".into(), "B.".into()], vec![]] };
        assert!(with_empty.sentence_pairs(&mut rng).is_err());
    }

    #[test]
    fn held_out_documents_move_whole_and_deterministically() {
        let corpus = numbered(10, 2);
        let (train, held) = corpus.clone().split_held_out(0.2, &mut Rng::new(3));
        assert_eq!((train.documents.len(), held.documents.len()), (8, 2));
        let mut all: Vec<_> = train.documents.iter().chain(&held.documents).cloned().collect();
        all.sort_by_key(|d| document_of(&d[0]));
        assert_eq!(all, corpus.documents);
        assert_eq!(corpus.clone().split_held_out(0.2, &mut Rng::new(3)), (train, held));
        // At least 2 held out, at least 2 kept, nothing held out when asked for none.
        let sizes = |docs, fraction| {
            let (t, h) = numbered(docs, 2).split_held_out(fraction, &mut Rng::new(1));
            (t.documents.len(), h.documents.len())
        };
        assert_eq!(sizes(10, 0.01), (8, 2));
        assert_eq!(sizes(10, 0.99), (2, 8));
        assert_eq!(sizes(3, 0.5), (2, 1));
        assert_eq!(sizes(10, 0.0), (10, 0));
        assert_eq!(sizes(10, f64::NAN), (10, 0));
    }
}
