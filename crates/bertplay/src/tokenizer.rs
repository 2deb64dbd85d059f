//! WordPiece tokenization, from a `tokenizer.json` or from a `vocab.txt` built into BERT's own
//! pipeline (clean + lowercase + strip accents + split CJK, split on punctuation, WordPiece,
//! `[CLS] A [SEP] B [SEP]`).

use serde::Serialize;
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{
    AddedToken, EncodeInput, Model, ModelWrapper, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy,
};

use crate::config::{MAX_VOCAB, MIN_POSITIONS};
use crate::error::{BertError, Result};

/// How to shorten a too-long input to the model's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncation {
    /// Take tokens from the longer of the two texts first (the default).
    LongestFirst,
    /// Only shorten the second text: for QA, where the question (first) must stay whole.
    OnlySecond,
}

/// One tokenized input, in plain numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Encoded {
    pub tokens: Vec<String>,
    pub ids: Vec<u32>,
    /// Segment: 0 for `[CLS] A [SEP]`, 1 for `B [SEP]`.
    pub type_ids: Vec<u32>,
    /// Character (not byte) range of each token in its own text; `(0, 0)` for special tokens.
    pub offsets: Vec<(usize, usize)>,
    /// Which text each token came from (0 = A, 1 = B); `None` for special tokens.
    pub sequence_ids: Vec<Option<usize>>,
    /// Whether tokens were cut to fit the model's length.
    pub truncated: bool,
}

/// A tokenizer with BERT's special tokens, cut to the model's length.
#[derive(Clone)]
pub struct BertTokenizer {
    /// Truncating longest-first, and only the second text (kept ready: switching clones).
    longest_first: Tokenizer,
    only_second: Tokenizer,
    /// No truncation: for windows (tokenizers 0.23 stops tokenizing the second text at
    /// `max_length` when truncation is on, so its own overflow windows end early).
    untruncated: Tokenizer,
    max_len: usize,
    /// Segments the model has embeddings for (`type_vocab_size`): a pair needs two.
    segments: usize,
}

/// BERT's special tokens; a vocabulary trained here gives them ids 0..=4 in this order.
pub(crate) const SPECIAL: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// Tokens shared by consecutive windows of a long QA context (the course's doc stride), so an
/// answer cut by one window's edge lies whole in the next.
pub const WINDOW_STRIDE: usize = 128;

/// The longest word WordPiece splits (BERT's own setting); longer words are `[UNK]`.
const MAX_WORD_CHARS: usize = 100;

fn largest_id(tokenizer: &Tokenizer) -> Option<(u32, String)> {
    tokenizer.get_vocab(true).into_iter().map(|(token, id)| (id, token)).max()
}

impl BertTokenizer {
    /// From a Hugging Face `tokenizer.json`. `max_len` is the model's `max_position_embeddings`.
    pub fn from_tokenizer_json(bytes: &[u8], max_len: usize) -> Result<Self> {
        // The tokenizers crate panics when its decoder's part cannot be read (a syntax error, a
        // number past f64, nesting past serde_json's depth): the file is read once first, with
        // the same limits, so those get a message.
        serde_json::from_slice::<serde_json::Value>(bytes).map_err(|e| {
            BertError::Tokenizer(crate::detail!(
                "tokenizer.json_invalid",
                "tokenizer.json is not valid JSON: {e}",
                e = e
            ))
        })?;
        let inner = Tokenizer::from_bytes(bytes)
            .map_err(|e| BertError::Tokenizer(crate::detail!("tokenizer.json_unread", "tokenizer.json: {e}", e = e)))?;
        Self::checked(inner, max_len)
    }

    /// From a `vocab.txt` (one WordPiece per line, the line number is the id).
    pub fn from_vocab_txt(bytes: &[u8], lowercase: bool, max_len: usize) -> Result<Self> {
        let vocab = WordPiece::read_bytes(bytes)
            .map_err(|e| BertError::Tokenizer(crate::detail!("tokenizer.vocab_unread", "vocab.txt: {e}", e = e)))?;
        let model = WordPiece::builder()
            .vocab(vocab)
            .unk_token("[UNK]".into())
            .continuing_subword_prefix("##".into())
            .max_input_chars_per_word(MAX_WORD_CHARS)
            .build()
            .map_err(|e| BertError::Tokenizer(format!("vocab.txt: {e}").into()))?;
        Self::from_wordpiece(model, lowercase, max_len)
    }

    /// From a WordPiece model (read from a `vocab.txt`, or trained), in BERT's pipeline.
    pub fn from_wordpiece(model: WordPiece, lowercase: bool, max_len: usize) -> Result<Self> {
        let id = |token: &str| {
            model.token_to_id(token).ok_or_else(|| {
                BertError::Tokenizer(crate::detail!(
                    "tokenizer.no_token",
                    "the vocabulary has no {token} token",
                    token = token
                ))
            })
        };
        let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
        let mut inner = Tokenizer::new(model);
        // strip_accents = None follows `lowercase`, as in BERT's uncased models.
        inner
            .with_normalizer(Some(BertNormalizer::new(true, true, None, lowercase)))
            .map_err(|e| BertError::Tokenizer(e.to_string().into()))?;
        inner.with_pre_tokenizer(Some(BertPreTokenizer));
        inner.with_post_processor(Some(BertProcessing::new(("[SEP]".into(), sep), ("[CLS]".into(), cls))));
        inner.with_decoder(Some(WordPieceDecoder::default()));
        let specials: Vec<AddedToken> = SPECIAL
            .iter()
            .filter(|t| inner.token_to_id(t).is_some())
            .map(|t| AddedToken::from(t.to_string(), true))
            .collect();
        inner.add_special_tokens(specials).map_err(|e| BertError::Tokenizer(e.to_string().into()))?;
        Self::checked(inner, max_len)
    }

    fn checked(mut inner: Tokenizer, max_len: usize) -> Result<Self> {
        if max_len < MIN_POSITIONS {
            return Err(BertError::Tokenizer(crate::detail!(
                "tokenizer.positions",
                "a model reading {max_len} positions cannot hold [CLS], a token and [SEP] (it needs at least {min})",
                max_len = max_len,
                min = MIN_POSITIONS,
            )));
        }
        for token in ["[CLS]", "[SEP]"] {
            if inner.token_to_id(token).is_none() {
                return Err(BertError::Tokenizer(crate::detail!(
                    "tokenizer.no_token",
                    "the vocabulary has no {token} token",
                    token = token
                )));
            }
        }
        // The tokenizers crate sizes tables by the largest id: an id of 2^31 made one encode
        // take 38 s and gigabytes. No embedding table here reaches past MAX_VOCAB anyway.
        if let Some((id, token)) = largest_id(&inner) {
            if id as usize >= MAX_VOCAB {
                return Err(BertError::Tokenizer(crate::detail!(
                    "tokenizer.id_too_big",
                    "the tokenizer gives {token:?} the id {id}; ids here are below {max}",
                    token = token,
                    id = id,
                    max = MAX_VOCAB,
                )));
            }
        }
        // WordPiece tries every prefix of a word, so a word costs its length squared: as every
        // BERT checkpoint says, at most 100 characters a word (a longer one is [UNK]), whatever
        // a file says (a million made one word of 20,000 characters take over a minute).
        if let ModelWrapper::WordPiece(model) = inner.get_model() {
            if model.max_input_chars_per_word > MAX_WORD_CHARS {
                let mut model = model.clone();
                model.max_input_chars_per_word = MAX_WORD_CHARS;
                inner.with_model(ModelWrapper::WordPiece(model));
            }
        }
        // Our own length rules replace whatever the file says (MiniLM's says 128 tokens).
        inner.with_padding(None);
        inner.with_truncation(None).map_err(|e| BertError::Tokenizer(e.to_string().into()))?;
        let cut = |strategy, stride: usize| {
            let mut t = inner.clone();
            t.with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: max_len,
                strategy,
                stride,
            }))
            .map_err(|e| BertError::Tokenizer(e.to_string().into()))?;
            Ok::<_, BertError>(t)
        };
        Ok(Self {
            longest_first: cut(TruncationStrategy::LongestFirst, 0)?,
            only_second: cut(TruncationStrategy::OnlySecond, 0)?,
            untruncated: inner,
            max_len,
            segments: 2,
        })
    }

    /// The tokenizer as a Hugging Face `tokenizer.json` (without our truncation settings).
    pub fn to_json(&self) -> Result<String> {
        self.untruncated.to_string(true).map_err(|e| BertError::Tokenizer(e.to_string().into()))
    }

    /// The vocabulary as a `vocab.txt` (line number = id), for tools that build BERT's tokenizer
    /// from that file rather than from `tokenizer.json`.
    pub fn vocab_txt(&self) -> Result<String> {
        let mut text = String::new();
        for id in 0..self.vocab_size() as u32 {
            let token = self.id_to_token(id).ok_or_else(|| {
                BertError::Tokenizer(
                    format!("no token has id {id}, so the vocabulary cannot be written as vocab.txt").into(),
                )
            })?;
            text.push_str(&token);
            text.push('\n');
        }
        Ok(text)
    }

    /// Text back from ids, without special tokens and with `##` pieces joined.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.untruncated.decode(ids, true).map_err(|e| BertError::Tokenizer(e.to_string().into()))
    }

    /// Every id this tokenizer can produce, including added tokens.
    pub fn vocab_size(&self) -> usize {
        self.longest_first.get_vocab_size(true)
    }

    /// The largest id it can produce (with its token): a sparse vocabulary can have ids beyond
    /// its size, and the model's embedding table must reach them.
    pub fn largest_id(&self) -> Option<(u32, String)> {
        largest_id(&self.longest_first)
    }

    /// The same tokenizer for a model with `segments` segment embeddings: with one, a sentence
    /// pair is refused instead of reaching past the table.
    pub fn with_segments(mut self, segments: usize) -> Self {
        self.segments = segments;
        self
    }

    fn check_pair(&self, pair: bool) -> Result<()> {
        if pair && self.segments < 2 {
            return Err(BertError::Input(crate::detail!(
                "input.single_segment",
                "this model has a single segment (type_vocab_size 1): it reads one text, not a pair"
            )));
        }
        Ok(())
    }

    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The same tokenizer cutting inputs at `max_len` tokens (at most the model's length), e.g.
    /// 128 for classification as in the course.
    pub fn with_max_len(&self, max_len: usize) -> Result<Self> {
        if max_len > self.max_len || max_len < MIN_POSITIONS {
            return Err(BertError::Input(crate::detail!(
                "input.max_len",
                "a maximum length of {max_len} tokens is outside what this model reads ({min} to {max})",
                max_len = max_len,
                min = MIN_POSITIONS,
                max = self.max_len,
            )));
        }
        Ok(Self::checked(self.untruncated.clone(), max_len)?.with_segments(self.segments))
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.longest_first.token_to_id(token)
    }

    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.longest_first.id_to_token(id)
    }

    pub fn mask_id(&self) -> Option<u32> {
        self.token_to_id("[MASK]")
    }

    /// Tokenizes one text, or a pair, cut to the model's length.
    pub fn encode(&self, a: &str, b: Option<&str>, truncation: Truncation) -> Result<Encoded> {
        self.check_pair(b.is_some())?;
        let inner = match (truncation, b) {
            (Truncation::OnlySecond, Some(_)) => &self.only_second,
            _ => &self.longest_first,
        };
        let encoding = Self::run(inner, a, b)?;
        Ok(convert(&encoding, !encoding.get_overflowing().is_empty()))
    }

    /// A question with a context of any length, in windows of the model's length overlapping by
    /// [`WINDOW_STRIDE`] tokens: how the QA task reads a long context.
    pub fn encode_windows(&self, question: &str, context: &str) -> Result<Vec<Encoded>> {
        self.encode_windows_within(question, context, self.max_len, WINDOW_STRIDE)
    }

    /// `[CLS] question [SEP] window [SEP]` for each window of the context, each at most `max_len`
    /// tokens (training may use shorter windows than the model allows), consecutive windows sharing
    /// `stride` context tokens (at most half a window's). Offsets stay relative to the whole context.
    pub fn encode_windows_within(
        &self,
        question: &str,
        context: &str,
        max_len: usize,
        stride: usize,
    ) -> Result<Vec<Encoded>> {
        self.check_pair(true)?;
        if max_len > self.max_len {
            return Err(BertError::Input(
                format!(
                    "windows of {max_len} tokens do not fit the model's {} positions: use at most {}",
                    self.max_len, self.max_len
                )
                .into(),
            ));
        }
        let full = convert(&Self::run(&self.untruncated, question, Some(context))?, false);
        // [CLS] question [SEP] | context … | [SEP]
        let first = full.sequence_ids.iter().position(|s| *s == Some(1)).unwrap_or(full.ids.len() - 1);
        let last = full.ids.len() - 1;
        let room = max_len.saturating_sub(first + 1);
        if room < 2 {
            return Err(BertError::Input(crate::detail!(
                "input.question_room",
                "the question takes {first} of a window's {max_len} tokens and leaves no room for the context",
                first = first,
                max_len = max_len,
            )));
        }
        // Never more than half a window, so every window moves forward.
        let stride = stride.min(room / 2);
        let mut windows = Vec::new();
        let mut start = first;
        loop {
            let end = (start + room).min(last);
            // The question, this window's context, the last [SEP]: a window costs its own length,
            // not the context's (a megabyte of context made windowing quadratic).
            let keep: Vec<usize> = (0..first).chain(start..end).chain([last]).collect();
            windows.push(Encoded {
                tokens: keep.iter().map(|&i| full.tokens[i].clone()).collect(),
                ids: keep.iter().map(|&i| full.ids[i]).collect(),
                type_ids: keep.iter().map(|&i| full.type_ids[i]).collect(),
                offsets: keep.iter().map(|&i| full.offsets[i]).collect(),
                sequence_ids: keep.iter().map(|&i| full.sequence_ids[i]).collect(),
                truncated: false,
            });
            if end == last {
                return Ok(windows);
            }
            start = end - stride;
        }
    }

    fn run(inner: &Tokenizer, a: &str, b: Option<&str>) -> Result<tokenizers::Encoding> {
        if a.trim().is_empty() || b.is_some_and(|b| b.trim().is_empty()) {
            return Err(BertError::Input(crate::detail!("input.empty_text", "the text is empty")));
        }
        let input: EncodeInput = match b {
            Some(b) => (a, b).into(),
            None => a.into(),
        };
        inner.encode_char_offsets(input, true).map_err(|e| {
            let e = e.to_string();
            if b.is_some() && e.contains("runcat") {
                BertError::Input(crate::detail!(
                    "input.first_too_long",
                    "the first text is too long to leave room for the second ({e})",
                    e = e
                ))
            } else {
                BertError::Input(crate::detail!("input.cannot_tokenize", "cannot tokenize: {e}", e = e))
            }
        })
    }
}

fn convert(encoding: &tokenizers::Encoding, truncated: bool) -> Encoded {
    Encoded {
        tokens: encoding.get_tokens().to_vec(),
        ids: encoding.get_ids().to_vec(),
        type_ids: encoding.get_type_ids().to_vec(),
        offsets: encoding.get_offsets().to_vec(),
        sequence_ids: encoding.get_sequence_ids(),
        truncated,
    }
}
