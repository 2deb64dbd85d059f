//! From plain text to MLM + NSP examples: split documents into sentence pairs (half of them real
//! neighbours, half not), tokenize each pair as `[CLS] A [SEP] B [SEP]`. Masking happens later,
//! per batch (see `batch.rs`).

use super::batch::{Example, Target};
use super::corpus::Corpus;
use super::masking::MaskVocab;
use crate::error::{BertError, Result};
use crate::rng::Rng;
use crate::tokenizer::{BertTokenizer, Truncation};

/// NSP pairs from `corpus`, tokenized to at most `max_len` tokens.
pub fn pretraining_examples(
    tokenizer: &BertTokenizer,
    corpus: &Corpus,
    max_len: usize,
    rng: &mut Rng,
) -> Result<Vec<Example>> {
    let tokenizer = tokenizer.with_max_len(max_len)?;
    corpus
        .sentence_pairs(rng)?
        .into_iter()
        .map(|pair| {
            let encoded = tokenizer.encode(&pair.a, Some(&pair.b), Truncation::LongestFirst)?;
            Ok(Example { encoded, target: Target::Pretraining { is_next: pair.is_next } })
        })
        .collect()
}

/// What MLM needs to know about the vocabulary: `[MASK]`'s id, the size and the special tokens
/// (never chosen as random replacements).
pub fn mask_vocab(tokenizer: &BertTokenizer) -> Result<MaskVocab> {
    let mask_id = tokenizer.mask_id().ok_or_else(|| {
        BertError::Tokenizer(crate::detail!("tokenizer.no_mask", "the vocabulary has no [MASK] token"))
    })?;
    let special_ids =
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].iter().filter_map(|t| tokenizer.token_to_id(t)).collect();
    Ok(MaskVocab { mask_id, vocab_size: tokenizer.vocab_size() as u32, special_ids })
}
