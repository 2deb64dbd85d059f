//! `bertplay bench`: forward (or, with `--train`, training-step) throughput at a fixed
//! batch × sequence shape.

use std::time::Instant;

use bertplay::heads::HeadKind;
use bertplay::training::batch::{Example, Target};
use bertplay::training::trainer::{Trainer, TrainingPlan};
use bertplay::{BertInput, Encoded, Inspect, Pipeline};
use burn::tensor::{Int, Tensor, TensorData};
use serde::Serialize;

#[derive(Serialize)]
pub struct BenchResult {
    pub device: String,
    pub batch: usize,
    pub seq: usize,
    pub iterations: usize,
    pub mean_ms: f64,
    pub median_ms: f64,
    pub min_ms: f64,
    pub tokens_per_s: f64,
}

pub fn run(
    p: &Pipeline,
    device_name: &str,
    batch: usize,
    seq: usize,
    warmup: usize,
    iterations: usize,
    train: bool,
) -> Result<BenchResult, String> {
    let config = &p.bert.config;
    if seq < 2 || seq > config.max_position_embeddings {
        return Err(format!("--seq must be in 2..={}", config.max_position_embeddings));
    }
    if batch == 0 || iterations == 0 {
        return Err("--batch and --iterations must be positive".into());
    }
    // Deterministic token ids from a simple LCG: the same input on every run and backend.
    let mut state = 12345u64;
    let ids: Vec<i64> = (0..batch * seq)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) % config.vocab_size as u64) as i64
        })
        .collect();
    let device = &p.device;
    let step = if train { training_step(p, &ids, batch, seq)? } else { Box::new(|| Ok(())) as Box<dyn FnMut() -> _> };
    let input = BertInput {
        input_ids: Tensor::<2, Int>::from_data(TensorData::new(ids, [batch, seq]), device),
        token_type_ids: Tensor::<2, Int>::zeros([batch, seq], device),
        attention_mask: Tensor::<2, Int>::ones([batch, seq], device),
    };
    let mut step = step;
    let mut times = Vec::with_capacity(iterations);
    for i in 0..warmup + iterations {
        let start = Instant::now();
        if train {
            step()?;
        } else {
            let out = p.bert.model.forward(&input, Inspect::default());
            // Reading the result waits for the device to finish.
            out.last_hidden_state.try_into_data().map_err(|e| format!("device: {e:?}"))?;
        }
        if i >= warmup {
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    Ok(BenchResult {
        device: device_name.to_string(),
        batch,
        seq,
        iterations,
        mean_ms: mean,
        median_ms: sorted[sorted.len() / 2],
        min_ms: sorted[0],
        tokens_per_s: (batch * seq) as f64 / (sorted[sorted.len() / 2] / 1e3),
    })
}

/// One fine-tuning step (classification head, two labels, AdamW, clipping, dropout) per call on
/// the same batch, read back each time so the clock sees the device finish.
fn training_step<'a>(
    p: &'a Pipeline,
    ids: &[i64],
    batch: usize,
    seq: usize,
) -> Result<Box<dyn FnMut() -> Result<(), String> + 'a>, String> {
    let labels = ["0".to_string(), "1".to_string()];
    let bert = p.bert.clone().for_fine_tuning(HeadKind::SequenceClassification, Some(&labels), &p.device);
    let bert = bert.map_err(|e| e.to_string())?;
    let examples: Vec<Example> = ids
        .chunks(seq)
        .enumerate()
        .map(|(row, chunk)| Example {
            encoded: Encoded {
                tokens: vec![String::new(); seq],
                ids: chunk.iter().map(|&i| i as u32).collect(),
                type_ids: vec![0; seq],
                offsets: vec![(0, 0); seq],
                sequence_ids: vec![Some(0); seq],
                truncated: false,
            },
            target: Target::Label(row % 2),
        })
        .collect();
    let plan = TrainingPlan::for_epochs(batch, 1_000_000, batch, 2e-5, 0.0);
    let mut trainer = Trainer::new(bert, plan, &examples, None).map_err(|e| e.to_string())?;
    Ok(Box::new(move || {
        let out = trainer.train_step(&examples).map_err(|e| e.to_string())?;
        out.loss.try_into_data().map_err(|e| format!("device: {e:?}"))?;
        Ok(())
    }))
}
