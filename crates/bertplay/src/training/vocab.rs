//! A WordPiece vocabulary trained from the pretraining text, for a model trained from scratch:
//! frequent words become one token, rare ones `##` pieces. The text is split exactly as
//! [`BertTokenizer`] will split it (BERT's uncased normalizer and pre-tokenizer), so every piece
//! the trainer counts is one the tokenizer can produce.

use std::collections::BTreeSet;

use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::{
    AddedToken, Model, NormalizedString, Normalizer, OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer,
    Trainer,
};

use crate::error::{BertError, Result};
use crate::tokenizer::{BertTokenizer, SPECIAL};

/// Trains an uncased WordPiece vocabulary of at most `vocab_size` tokens on `texts` and returns it
/// in BERT's pipeline, cut to `max_len` tokens (the model's `max_position_embeddings`). The same
/// texts give the same vocabulary, ids included.
pub fn train_vocab<S: AsRef<str> + Sync>(texts: &[S], vocab_size: usize, max_len: usize) -> Result<BertTokenizer> {
    let normalizer = BertNormalizer::new(true, true, None, true);
    let words = |text: &str| -> tokenizers::Result<Vec<String>> {
        let mut normalized = NormalizedString::from(text);
        normalizer.normalize(&mut normalized)?;
        let mut split = PreTokenizedString::from(normalized);
        BertPreTokenizer.pre_tokenize(&mut split)?;
        Ok(split
            .get_splits(OffsetReferential::Original, OffsetType::Byte)
            .into_iter()
            .map(|(w, _, _)| w.into())
            .collect())
    };
    let failed = |e: tokenizers::Error| BertError::Tokenizer(format!("training the vocabulary: {e}").into());
    // The trainer numbers `##` pieces in hash-map order, which changes from run to run and with it
    // the tie-breaks between equally frequent merges. Declared up front (sorted), they get fixed ids.
    let mut continuing = BTreeSet::new();
    let mut any_word = false;
    for text in texts {
        for word in words(text.as_ref()).map_err(failed)? {
            any_word = true;
            continuing.extend(word.chars().skip(1));
        }
    }
    if !any_word {
        return Err(BertError::Input(crate::detail!(
            "input.vocab_no_text",
            "there is no text to train a vocabulary on"
        )));
    }
    let fixed = SPECIAL.iter().map(|t| t.to_string()).chain(continuing.iter().map(|c| format!("##{c}")));
    let mut trainer = WordPieceTrainer::builder()
        .vocab_size(vocab_size)
        .special_tokens(fixed.map(|t| AddedToken::from(t, true)).collect())
        .continuing_subword_prefix("##".into())
        .show_progress(false)
        .build();
    trainer.feed(texts.iter().map(|t| t.as_ref()), words).map_err(failed)?;
    let mut model = WordPiece::default();
    trainer.train(&mut model).map_err(failed)?;
    // The trainer always keeps the special tokens and every character (alone and as a `##`
    // continuation); merges only fill the room left, so a larger result is exactly that minimum.
    let needed = model.get_vocab_size();
    if needed > vocab_size {
        return Err(BertError::Input(
            format!(
                "a vocabulary of {vocab_size} tokens is too small for this text: its {} special tokens and the \
             characters it uses (alone and as ## continuations) already take {needed}",
                SPECIAL.len()
            )
            .into(),
        ));
    }
    BertTokenizer::from_wordpiece(model, true, max_len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::Truncation;

    const TEXT: &str = "The cat sat on the mat. The dog sat on the log. The cat and the dog are friends. \
                        A cat likes the mat, a dog likes the log.";

    fn trained() -> BertTokenizer {
        let mut texts = vec![TEXT; 50];
        texts.push("Once, a xylophonist visited.");
        train_vocab(&texts, 70, 64).unwrap()
    }

    fn tokens(tokenizer: &BertTokenizer, text: &str) -> Vec<String> {
        tokenizer.encode(text, None, Truncation::LongestFirst).unwrap().tokens
    }

    #[test]
    fn specials_come_first_and_frequent_words_are_one_token() {
        let tokenizer = trained();
        for (id, token) in SPECIAL.iter().enumerate() {
            assert_eq!(tokenizer.token_to_id(token), Some(id as u32), "{token}");
        }
        assert_eq!(tokenizer.vocab_size(), 70);
        assert_eq!(
            tokens(&tokenizer, "The Cat sat on the MAT."),
            ["[CLS]", "the", "cat", "sat", "on", "the", "mat", ".", "[SEP]"]
        );
    }

    #[test]
    fn the_same_text_gives_the_same_vocabulary() {
        // The trainer's own numbering varies between runs (and between calls in one process).
        let first = trained().vocab_txt().unwrap();
        for _ in 0..5 {
            assert_eq!(trained().vocab_txt().unwrap(), first);
        }
    }

    #[test]
    fn a_rare_word_splits_into_pieces() {
        let tokenizer = trained();
        let pieces = tokens(&tokenizer, "xylophonist");
        let pieces = &pieces[1..pieces.len() - 1];
        assert!(pieces.len() > 1, "{pieces:?}");
        assert!(!pieces[0].starts_with("##") && pieces[1..].iter().all(|p| p.starts_with("##")), "{pieces:?}");
        assert_eq!(pieces.concat().replace("##", ""), "xylophonist");
        assert!(!pieces.contains(&"[UNK]".to_string()));
    }

    #[test]
    fn encode_decode_and_saved_files_round_trip() {
        let tokenizer = trained();
        let text = "the dog likes the cat, a xylophonist sat on the log.";
        let encoded = tokenizer.encode(text, Some("the mat."), Truncation::LongestFirst).unwrap();
        assert_eq!(tokenizer.decode(&encoded.ids).unwrap(), format!("{text} the mat."));
        let from_json = BertTokenizer::from_tokenizer_json(tokenizer.to_json().unwrap().as_bytes(), 64).unwrap();
        let from_txt = BertTokenizer::from_vocab_txt(tokenizer.vocab_txt().unwrap().as_bytes(), true, 64).unwrap();
        for other in [from_json, from_txt] {
            assert_eq!(other.vocab_size(), tokenizer.vocab_size());
            assert_eq!(other.encode(text, Some("the mat."), Truncation::LongestFirst).unwrap(), encoded);
        }
    }

    #[test]
    fn explains_too_small_a_vocabulary_and_no_text() {
        let err = train_vocab(&[TEXT], 20, 64).err().unwrap().to_string();
        assert!(err.contains("20 tokens is too small") && err.contains("5 special tokens"), "{err}");
        let empty: [&str; 0] = [];
        for texts in [&empty[..], &[" \n\t", ""][..]] {
            let err = train_vocab(texts, 100, 64).err().unwrap().to_string();
            assert!(err.contains("no text"), "{err}");
        }
    }
}
