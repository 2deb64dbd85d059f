//! Training examples and how a list of them becomes one padded batch of tensors. Pretraining
//! masks its tokens here, afresh each time a sentence is drawn (RoBERTa's "dynamic masking"), with
//! the step's own random numbers, so a resumed run masks exactly as the original would have.

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::masking::{mask_tokens, MaskVocab};
use crate::loaded_model::input_batch;
use crate::model::BertInput;
use crate::rng::Rng;
use crate::tokenizer::Encoded;

/// What an example should teach.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// MLM on its own tokens, and whether text B really follows text A (NSP).
    Pretraining { is_next: bool },
    /// A sequence label, by id.
    Label(usize),
    /// The answer's first and last token (both 0, the `[CLS]` token, when this window has none).
    Span { start: usize, end: usize },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub encoded: Encoded,
    pub target: Target,
}

/// One batch on the device, with the targets its objective needs.
// One batch exists per step, so boxing the larger variant would save nothing worth the noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Batch {
    Pretraining {
        input: BertInput,
        /// Flat `batch·seq` positions of the masked tokens, and their original ids.
        mlm_positions: Tensor<1, Int>,
        mlm_labels: Tensor<1, Int>,
        is_next: Tensor<1, Int>,
    },
    Classification {
        input: BertInput,
        labels: Tensor<1, Int>,
    },
    QuestionAnswering {
        input: BertInput,
        starts: Tensor<1, Int>,
        ends: Tensor<1, Int>,
    },
}

impl Batch {
    pub fn input(&self) -> &BertInput {
        match self {
            Batch::Pretraining { input, .. }
            | Batch::Classification { input, .. }
            | Batch::QuestionAnswering { input, .. } => input,
        }
    }

    /// Real (non-padding) tokens, for throughput.
    pub fn tokens(examples: &[&Example]) -> usize {
        examples.iter().map(|e| e.encoded.ids.len()).sum()
    }

    /// Pads `examples` into one batch. All examples must share one kind of target; `masking` is
    /// needed (and used) only for pretraining.
    pub fn new(examples: &[&Example], masking: Option<(&MaskVocab, &mut Rng)>, device: &Device) -> Batch {
        let ints = |values: Vec<i64>| {
            let n = values.len();
            Tensor::<1, Int>::from_data(TensorData::new(values, [n]), device)
        };
        match examples.first().map(|e| &e.target) {
            Some(Target::Pretraining { .. }) => {
                let (vocab, rng) = masking.expect("pretraining batches need a masking vocabulary");
                let seq = examples.iter().map(|e| e.encoded.ids.len()).max().unwrap_or(0);
                let mut masked = Vec::with_capacity(examples.len());
                let (mut positions, mut labels, mut is_next) = (Vec::new(), Vec::new(), Vec::new());
                for (row, e) in examples.iter().enumerate() {
                    let special: Vec<bool> = e.encoded.sequence_ids.iter().map(Option::is_none).collect();
                    let m = mask_tokens(&e.encoded.ids, &special, vocab, rng);
                    for (i, label) in m.labels.iter().enumerate() {
                        if let Some(label) = label {
                            positions.push((row * seq + i) as i64);
                            labels.push(*label as i64);
                        }
                    }
                    is_next.push(matches!(e.target, Target::Pretraining { is_next: true }) as i64);
                    masked.push(Encoded { ids: m.input_ids, ..e.encoded.clone() });
                }
                Batch::Pretraining {
                    input: input_batch(&masked, device),
                    mlm_positions: ints(positions),
                    mlm_labels: ints(labels),
                    is_next: ints(is_next),
                }
            }
            Some(Target::Span { .. }) => {
                let spans = examples.iter().map(|e| match e.target {
                    Target::Span { start, end } => (start as i64, end as i64),
                    _ => (0, 0),
                });
                let (starts, ends) = spans.unzip();
                Batch::QuestionAnswering { input: input_of(examples, device), starts: ints(starts), ends: ints(ends) }
            }
            _ => {
                let labels = examples.iter().map(|e| match e.target {
                    Target::Label(label) => label as i64,
                    _ => 0,
                });
                Batch::Classification { input: input_of(examples, device), labels: ints(labels.collect()) }
            }
        }
    }
}

fn input_of(examples: &[&Example], device: &Device) -> BertInput {
    let encodings: Vec<Encoded> = examples.iter().map(|e| e.encoded.clone()).collect();
    input_batch(&encodings, device)
}
