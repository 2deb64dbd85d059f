//! `bertplay bench`: throughput at a fixed batch × sequence shape, of the plain forward pass
//! (the last hidden state read back, as a feature-extraction call does), of an inspection (every
//! attention and hidden state read back, as the playground draws them) or of a training step.

use std::time::Instant;

use bertplay::heads::HeadKind;
use bertplay::readback::{flatten, read_all};
use bertplay::training::batch::{Example, Target};
use bertplay::training::hyperparameters::MAX_BATCH;
use bertplay::training::trainer::{Trainer, TrainingPlan};
use bertplay::{Bert, BertConfig, BertInput, Encoded, Outputs};
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::Serialize;

/// What one timed run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Forward pass, last hidden state read back.
    Forward,
    /// Forward pass keeping every attention and hidden state, all read back.
    Inspect,
    /// Forward, loss, backward, gradient clipping and AdamW on a classification head.
    Train,
}

/// Model shapes to benchmark without a checkpoint (random weights: speed does not depend on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// bert-base-uncased's shape: 12 layers, hidden 768, 12 heads, intermediate 3,072.
    BertBase,
}

impl Preset {
    pub fn model(self, device: &Device) -> Result<Bert, String> {
        let config = match self {
            Preset::BertBase => BertConfig::new(30522, 768, 12, 12, 3072),
        };
        device.seed(0);
        Bert::init(&config, &[], device).map_err(|e| e.to_string())
    }
}

#[derive(Serialize)]
pub struct BenchResult {
    pub device: String,
    pub mode: Mode,
    pub batch: usize,
    pub seq: usize,
    pub iterations: usize,
    pub mean_ms: f64,
    pub median_ms: f64,
    pub min_ms: f64,
    pub tokens_per_s: f64,
    /// The process's peak resident memory, where the OS reports it (Linux).
    pub peak_rss_mb: Option<f64>,
}

/// What to time: the shape, how many runs, and what each run does.
pub struct Plan {
    pub batch: usize,
    pub seq: usize,
    pub warmup: usize,
    pub iterations: usize,
    pub mode: Mode,
}

pub fn run(bert: &Bert, device: &Device, device_name: &str, plan: Plan) -> Result<BenchResult, String> {
    let Plan { batch, seq, warmup, iterations, mode } = plan;
    let config = &bert.config;
    if seq < 2 || seq > config.max_position_embeddings {
        return Err(format!("--seq must be in 2..={}", config.max_position_embeddings));
    }
    if batch == 0 || iterations == 0 {
        return Err("--batch and --iterations must be positive".into());
    }
    if batch > MAX_BATCH {
        return Err(format!("--batch is at most {MAX_BATCH}"));
    }
    // Deterministic token ids from a simple LCG: the same input on every run and backend.
    let mut state = 12345u64;
    let ids: Vec<i64> = (0..batch * seq)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) % config.vocab_size as u64) as i64
        })
        .collect();
    let mut step = match mode {
        Mode::Train => training_step(bert, device, &ids, batch, seq)?,
        Mode::Forward | Mode::Inspect => {
            let input = BertInput {
                input_ids: Tensor::<2, Int>::from_data(TensorData::new(ids, [batch, seq]), device),
                token_type_ids: Tensor::<2, Int>::zeros([batch, seq], device),
                attention_mask: Tensor::<2, Int>::ones([batch, seq], device),
            };
            forward(bert, input, mode == Mode::Inspect)
        }
    };
    let mut times = Vec::with_capacity(iterations);
    for i in 0..warmup + iterations {
        let start = Instant::now();
        step()?;
        if i >= warmup {
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    Ok(BenchResult {
        device: device_name.to_string(),
        mode,
        batch,
        seq,
        iterations,
        mean_ms: mean,
        median_ms: sorted[sorted.len() / 2],
        min_ms: sorted[0],
        tokens_per_s: (batch * seq) as f64 / (sorted[sorted.len() / 2] / 1e3),
        peak_rss_mb: peak_rss_mb(),
    })
}

/// One forward pass per call; reading the results back waits for the device to finish.
fn forward<'a>(bert: &'a Bert, input: BertInput, everything: bool) -> Box<dyn FnMut() -> Result<(), String> + 'a> {
    Box::new(move || {
        if !everything {
            let out = bert.model.forward(&input, Outputs::default());
            out.last_hidden_state.try_into_data().map_err(|e| format!("device: {e:?}"))?;
            return Ok(());
        }
        let out = bert.model.forward(&input, Outputs::everything());
        let mut tensors = vec![flatten(Tensor::cat(out.attentions, 0)), flatten(Tensor::cat(out.hidden_states, 0))];
        tensors.extend(out.pooler_output.map(flatten));
        pollster::block_on(read_all(tensors)).map_err(|e| e.to_string())?;
        Ok(())
    })
}

/// Peak resident set size (`VmHWM` in `/proc/self/status`), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// One fine-tuning step (classification head, two labels, AdamW, clipping, dropout) per call on
/// the same batch, read back each time so the clock sees the device finish.
fn training_step<'a>(
    bert: &Bert,
    device: &'a Device,
    ids: &[i64],
    batch: usize,
    seq: usize,
) -> Result<Box<dyn FnMut() -> Result<(), String> + 'a>, String> {
    let labels = ["0".to_string(), "1".to_string()];
    let bert = bert.clone().for_fine_tuning(HeadKind::SequenceClassification, Some(&labels), device);
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
