//! `bertplay bench`: forward throughput at a fixed batch × sequence shape.

use std::time::Instant;

use bertplay::{BertInput, Inspect, Pipeline};
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
    let input = BertInput {
        input_ids: Tensor::<2, Int>::from_data(TensorData::new(ids, [batch, seq]), device),
        token_type_ids: Tensor::<2, Int>::zeros([batch, seq], device),
        attention_mask: Tensor::<2, Int>::ones([batch, seq], device),
    };
    let mut times = Vec::with_capacity(iterations);
    for i in 0..warmup + iterations {
        let start = Instant::now();
        let out = p.bert.model.forward(&input, Inspect::default());
        // Reading the result waits for the device to finish.
        out.last_hidden_state.try_into_data().map_err(|e| format!("device: {e:?}"))?;
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
