//! Fill-mask: for every `[MASK]`, the k likeliest tokens with their probabilities.
//! "The capital of [MASK] is Paris." → `france`.

use burn::tensor::{activation::softmax, Int, Tensor, TensorData};
use serde::Serialize;

use crate::encoder::Outputs;
use crate::error::{BertError, Result};
use crate::heads::HeadKind;
use crate::loaded_model::LoadedModel;
use crate::readback::{flatten, read_all};
use crate::tokenizer::Truncation;

#[derive(Debug, Clone, Serialize)]
pub struct MaskPrediction {
    /// Token position of the `[MASK]` (0 = `[CLS]`).
    pub position: usize,
    /// Best first.
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub token: String,
    pub id: u32,
    pub probability: f32,
}

pub async fn fill_mask(p: &LoadedModel, text: &str, k: usize) -> Result<Vec<MaskPrediction>> {
    let head = p.bert.masked_lm.as_ref().ok_or_else(|| p.bert.missing_head(HeadKind::MaskedLm))?;
    let mask_id = p.tokenizer.mask_id().ok_or_else(|| {
        BertError::Tokenizer(crate::detail!("tokenizer.no_mask", "the vocabulary has no [MASK] token"))
    })?;
    let encoded = p.tokenizer.encode(text, None, Truncation::LongestFirst)?;
    let positions: Vec<usize> =
        encoded.ids.iter().enumerate().filter(|(_, &id)| id == mask_id).map(|(i, _)| i).collect();
    if positions.is_empty() {
        return Err(BertError::Input(crate::detail!("input.no_mask", "the text has no [MASK] token to fill")));
    }
    if k == 0 {
        return Err(BertError::Input(crate::detail!("input.top_k", "top-k must be at least 1")));
    }
    let k = k.min(p.bert.config.vocab_size);

    let hidden = p.run(&encoded, Outputs::default()).last_hidden_state;
    let [_, seq, width] = hidden.dims();
    let rows = Tensor::<1, Int>::from_data(
        TensorData::new(positions.iter().map(|&i| i as i64).collect::<Vec<_>>(), [positions.len()]),
        &p.device,
    );
    let masked = hidden.reshape([seq, width]).select(0, rows);
    let probs = softmax(head.forward(masked, &p.bert.model.embeddings.word), 1);
    let (values, indices) = probs.topk_with_indices(k, 1);
    let read = read_all(vec![flatten(values), flatten(indices.float())]).await?;
    let (values, indices) = (&read[0], &read[1]);

    Ok(positions
        .iter()
        .enumerate()
        .map(|(m, &position)| MaskPrediction {
            position,
            candidates: (0..k)
                .map(|j| {
                    let id = indices[m * k + j] as u32;
                    Candidate {
                        token: p.tokenizer.id_to_token(id).unwrap_or_else(|| format!("[id {id}]")),
                        id,
                        probability: values[m * k + j],
                    }
                })
                .collect(),
        })
        .collect())
}
