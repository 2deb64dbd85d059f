//! Masked-language-model inputs as in BERT: 15% of the tokens are chosen for prediction; of
//! those, 80% become `[MASK]`, 10% a random token and 10% stay as they are, so the model cannot
//! learn that only `[MASK]` positions matter (fine-tuning never shows it `[MASK]`).

use crate::rng::Rng;

/// Chance that a non-special token is chosen for prediction.
const CHOOSE: f64 = 0.15;
/// Of the chosen: chance of `[MASK]`, and (cumulative) of `[MASK]` or a random token.
const TO_MASK: f64 = 0.8;
const TO_MASK_OR_RANDOM: f64 = 0.9;

/// The ids masking needs from the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskVocab {
    pub mask_id: u32,
    pub vocab_size: u32,
    /// Never chosen, never drawn as a random replacement ([PAD], [UNK], [CLS], [SEP], [MASK]).
    pub special_ids: Vec<u32>,
}

/// One sequence ready for MLM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskedTokens {
    pub input_ids: Vec<u32>,
    /// The original id where the model must predict, `None` where the loss ignores the position.
    pub labels: Vec<Option<u32>>,
}

/// Chooses and replaces tokens of one sequence. `special[i]` marks positions that must stay as
/// they are ([CLS], [SEP], [PAD]); ids in `vocab.special_ids` are never chosen either. A sequence
/// with an eligible position always gets at least one label, so every sequence trains MLM.
pub fn mask_tokens(ids: &[u32], special: &[bool], vocab: &MaskVocab, rng: &mut Rng) -> MaskedTokens {
    let eligible: Vec<usize> = (0..ids.len())
        .filter(|&i| !special.get(i).copied().unwrap_or(false) && !vocab.special_ids.contains(&ids[i]))
        .collect();
    let mut chosen: Vec<usize> = eligible.iter().copied().filter(|_| rng.uniform() < CHOOSE).collect();
    if chosen.is_empty() && !eligible.is_empty() {
        chosen.push(eligible[rng.below(eligible.len())]);
    }
    let replacements = NonSpecial::new(vocab);
    let mut input_ids = ids.to_vec();
    let mut labels = vec![None; ids.len()];
    for i in chosen {
        labels[i] = Some(ids[i]);
        let what = rng.uniform();
        if what < TO_MASK {
            input_ids[i] = vocab.mask_id;
        } else if what < TO_MASK_OR_RANDOM {
            // With no ordinary token in the vocabulary there is nothing to draw: keep the token.
            input_ids[i] = replacements.draw(rng).unwrap_or(ids[i]);
        }
    }
    MaskedTokens { input_ids, labels }
}

/// The ids `0..vocab_size` without the special ones, drawn from uniformly without building the
/// whole list.
struct NonSpecial {
    /// Sorted, distinct, each below `vocab_size`.
    specials: Vec<u32>,
    count: u32,
}

impl NonSpecial {
    fn new(vocab: &MaskVocab) -> Self {
        let mut specials: Vec<u32> = vocab.special_ids.iter().copied().filter(|&id| id < vocab.vocab_size).collect();
        specials.sort_unstable();
        specials.dedup();
        Self { count: vocab.vocab_size - specials.len() as u32, specials }
    }

    /// The r-th non-special id for a uniform r: walking the specials in order, each one at or below
    /// the candidate pushes it one further.
    fn draw(&self, rng: &mut Rng) -> Option<u32> {
        if self.count == 0 {
            return None;
        }
        let mut id = rng.below(self.count as usize) as u32;
        for &s in &self.specials {
            if s <= id {
                id += 1;
            } else {
                break;
            }
        }
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAD: u32 = 0;
    const CLS: u32 = 2;
    const SEP: u32 = 3;
    const MASK: u32 = 4;

    fn vocab(vocab_size: u32) -> MaskVocab {
        MaskVocab { mask_id: MASK, vocab_size, special_ids: vec![0, 1, 2, 3, 4] }
    }

    /// `[CLS] words… [SEP] [PAD]…`, `len` long with `pads` pads, words drawn from `5..vocab_size`.
    fn sequence(len: usize, pads: usize, vocab_size: u32, rng: &mut Rng) -> (Vec<u32>, Vec<bool>) {
        let words = len - 2 - pads;
        let mut ids = vec![CLS];
        ids.extend((0..words).map(|_| 5 + rng.below(vocab_size as usize - 5) as u32));
        ids.push(SEP);
        ids.extend(std::iter::repeat_n(PAD, pads));
        let special = ids.iter().map(|&id| id < 5).collect();
        (ids, special)
    }

    fn within_four_sigma(count: usize, n: usize, p: f64) -> bool {
        let sigma = (n as f64 * p * (1.0 - p)).sqrt();
        (count as f64 - n as f64 * p).abs() <= 4.0 * sigma
    }

    #[test]
    fn chooses_15_percent_and_splits_them_80_10_10() {
        let vocab_size = 30_000;
        let vocab = vocab(vocab_size);
        let mut rng = Rng::new(42);
        let (mut eligible, mut chosen, mut masked, mut random, mut kept) = (0, 0, 0, 0, 0);
        for _ in 0..2_000 {
            let (ids, special) = sequence(128, 6, vocab_size, &mut rng);
            let out = mask_tokens(&ids, &special, &vocab, &mut rng);
            eligible += special.iter().filter(|s| !**s).count();
            for i in 0..ids.len() {
                let Some(label) = out.labels[i] else {
                    assert_eq!(out.input_ids[i], ids[i], "an unchosen token changed");
                    continue;
                };
                assert!(!special[i], "special position {i} was chosen");
                assert_eq!(label, ids[i], "the label is not the original token");
                chosen += 1;
                match out.input_ids[i] {
                    MASK => masked += 1,
                    id if id == ids[i] => kept += 1,
                    _ => random += 1,
                }
            }
        }
        assert!(within_four_sigma(chosen, eligible, CHOOSE), "{chosen} of {eligible} chosen");
        // A random replacement hits the original token 1 time in (vocab_size - 5).
        let hit = 1.0 / (vocab_size - 5) as f64;
        assert!(within_four_sigma(masked, chosen, 0.8), "{masked} of {chosen} masked");
        assert!(within_four_sigma(random, chosen, 0.1 * (1.0 - hit)), "{random} of {chosen} random");
        assert!(within_four_sigma(kept, chosen, 0.1 + 0.1 * hit), "{kept} of {chosen} kept");
    }

    #[test]
    fn random_replacements_are_uniform_over_non_special_ids() {
        // A tiny vocabulary with specials scattered (7 and a duplicate, one out of range), so the
        // exclusion is exercised on almost every draw.
        let vocab = MaskVocab { mask_id: MASK, vocab_size: 10, special_ids: vec![4, 0, 1, 2, 3, 7, 7, 99] };
        let allowed = [5u32, 6, 8, 9];
        let ids: Vec<u32> = (0..64).map(|i| allowed[i % 4]).collect();
        let special = vec![false; ids.len()];
        let mut rng = Rng::new(9);
        let mut counts = [0usize; 10];
        let mut changed = 0;
        for _ in 0..3_000 {
            let out = mask_tokens(&ids, &special, &vocab, &mut rng);
            for (i, &id) in out.input_ids.iter().enumerate() {
                if out.labels[i].is_some() && id != MASK {
                    counts[id as usize] += 1;
                    changed += 1;
                }
            }
        }
        for id in [0, 1, 2, 3, 4, 7] {
            assert_eq!(counts[id], 0, "special id {id} was drawn");
        }
        // Chosen and not masked: 10% random (uniform over 4 ids) + 10% kept (one of the 4) each.
        for id in allowed {
            let count = counts[id as usize];
            assert!(within_four_sigma(count, changed, 0.25), "id {id}: {count} of {changed}");
        }
    }

    #[test]
    fn every_sequence_with_an_eligible_token_gets_a_label() {
        let vocab = vocab(100);
        let mut rng = Rng::new(1);
        for _ in 0..500 {
            let out = mask_tokens(&[CLS, 50, SEP, PAD], &[true, false, true, true], &vocab, &mut rng);
            assert_eq!(out.labels, vec![None, Some(50), None, None]);
        }
        // Nothing eligible (special positions, or special ids the flags missed): no label.
        let out = mask_tokens(&[CLS, SEP, PAD], &[true, false], &vocab, &mut rng);
        assert_eq!(out, MaskedTokens { input_ids: vec![CLS, SEP, PAD], labels: vec![None; 3] });
        assert_eq!(mask_tokens(&[], &[], &vocab, &mut rng).labels, vec![]);
    }

    #[test]
    fn no_ordinary_token_to_draw_keeps_the_token() {
        let vocab = MaskVocab { mask_id: 0, vocab_size: 1, special_ids: vec![0] };
        let mut rng = Rng::new(2);
        for _ in 0..200 {
            let out = mask_tokens(&[7, 7, 7], &[false; 3], &vocab, &mut rng);
            assert!(out.input_ids.iter().all(|&id| id == 0 || id == 7), "{:?}", out.input_ids);
        }
    }

    #[test]
    fn same_seed_same_masks() {
        let vocab = vocab(1_000);
        let (ids, special) = sequence(64, 3, 1_000, &mut Rng::new(0));
        let a = mask_tokens(&ids, &special, &vocab, &mut Rng::new(8));
        assert_eq!(a, mask_tokens(&ids, &special, &vocab, &mut Rng::new(8)));
        assert_ne!(a, mask_tokens(&ids, &special, &vocab, &mut Rng::new(9)));
    }
}
