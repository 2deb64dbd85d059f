//! Scoring a model on held-out examples, in evaluation mode (no dropout, no autodiff). Each batch
//! is read back in one transaction; the numbers are the ones the course reports.

use burn::tensor::{Device, Int, Tensor};
use serde::Serialize;

use super::batch::{Batch, Example, Target};
use super::masking::MaskVocab;
use super::metrics::{accuracy, macro_f1, squad_score, SquadScore};
use super::objectives::{forward, Logits};
use super::squad::{QaExample, QaWindow};
use crate::bert::Bert;
use crate::error::Result;
use crate::readback::{flatten, read_all};
use crate::rng::Rng;
use crate::tasks::qa::{decode, window_logits, MAX_ANSWER_LEN};

#[derive(Debug, Clone, Serialize)]
pub struct PretrainingScores {
    pub loss: f64,
    /// Share of masked tokens whose original is the model's first guess / among its first five.
    pub mlm_top1: f64,
    pub mlm_top5: f64,
    pub masked_tokens: usize,
    pub nsp_accuracy: f64,
    pub pairs: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClassificationScores {
    pub loss: f64,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub examples: usize,
    /// Predicted label id per example, in order.
    #[serde(skip)]
    pub predictions: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QaScores {
    pub loss: f64,
    #[serde(flatten)]
    pub squad: SquadScore,
    /// Predicted answer text per question, in order.
    #[serde(skip)]
    pub answers: Vec<String>,
}

fn device_of(bert: &Bert) -> Device {
    bert.model.embeddings.word.weight.val().device()
}

/// Mean of per-batch mean losses, weighted by batch size.
struct MeanLoss(f64, usize);

impl MeanLoss {
    fn add(&mut self, loss: f32, n: usize) {
        self.0 += loss as f64 * n as f64;
        self.1 += n;
    }
    fn value(&self) -> f64 {
        if self.1 == 0 {
            0.0
        } else {
            self.0 / self.1 as f64
        }
    }
}

/// MLM top-1/top-5 and NSP accuracy; masks are drawn from `seed`, so repeated evaluations of
/// different models see the same masks.
pub async fn evaluate_pretraining(
    bert: &Bert,
    examples: &[Example],
    batch_size: usize,
    vocab: &MaskVocab,
    seed: u64,
) -> Result<PretrainingScores> {
    let device = device_of(bert);
    let mut rng = Rng::new(seed);
    let (mut loss, mut top1, mut top5, mut masked, mut nsp_right) = (MeanLoss(0.0, 0), 0, 0, 0, 0);
    for chunk in examples.chunks(batch_size.max(1)) {
        let picked: Vec<&Example> = chunk.iter().collect();
        let batch = Batch::new(&picked, Some((vocab, &mut rng)), &device);
        let Batch::Pretraining { mlm_labels, is_next, .. } = &batch else { unreachable!("pretraining examples") };
        let (mlm_labels, is_next) = (mlm_labels.clone(), is_next.clone());
        let outputs = forward(bert, &batch)?;
        let Logits::Pretraining { masked_lm, next_sentence } = outputs.logits else { unreachable!() };
        let n = mlm_labels.dims()[0];
        // NSP class 0 means "is next".
        let nsp_hit = next_sentence.argmax(1).reshape([chunk.len()]).equal(is_next.neg() + 1).int();
        let mut reads = vec![outputs.loss, nsp_hit.float()];
        if n > 0 {
            // The original token's rank: how many other tokens score at least as high (ties and
            // NaN count against it). No sort: WebGPU has none.
            let vocab_size = masked_lm.dims()[1];
            let original = masked_lm.clone().gather(1, mlm_labels.reshape([n, 1])).expand([n, vocab_size]);
            let rank: Tensor<2, Int> = masked_lm.lower(original).bool_not().int().sum_dim(1) - 1;
            reads.push(flatten(rank.float()));
        }
        let mut read = read_all(reads).await?;
        let ranks = if n > 0 { read.pop().expect("pushed above") } else { Vec::new() };
        loss.add(read[0][0], chunk.len());
        top1 += ranks.iter().filter(|&&r| r < 0.5).count();
        top5 += ranks.iter().filter(|&&r| r < 4.5).count();
        masked += n;
        nsp_right += read[1].iter().filter(|&&h| h > 0.5).count();
    }
    let share = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(PretrainingScores {
        loss: loss.value(),
        mlm_top1: share(top1, masked),
        mlm_top5: share(top5, masked),
        masked_tokens: masked,
        nsp_accuracy: share(nsp_right, examples.len()),
        pairs: examples.len(),
    })
}

/// Accuracy and macro-F1 over `num_labels` labels.
pub async fn evaluate_classification(
    bert: &Bert,
    examples: &[Example],
    batch_size: usize,
    num_labels: usize,
) -> Result<ClassificationScores> {
    let device = device_of(bert);
    let mut loss = MeanLoss(0.0, 0);
    let mut predictions = Vec::with_capacity(examples.len());
    for chunk in examples.chunks(batch_size.max(1)) {
        let picked: Vec<&Example> = chunk.iter().collect();
        let outputs = forward(bert, &Batch::new(&picked, None, &device))?;
        let Logits::Classification(logits) = outputs.logits else { unreachable!("classification examples") };
        let read = read_all(vec![outputs.loss, logits.argmax(1).reshape([chunk.len()]).float()]).await?;
        loss.add(read[0][0], chunk.len());
        predictions.extend(read[1].iter().map(|&p| p as usize));
    }
    let gold: Vec<usize> = examples.iter().map(|e| if let Target::Label(l) = e.target { l } else { 0 }).collect();
    Ok(ClassificationScores {
        loss: loss.value(),
        accuracy: accuracy(&predictions, &gold),
        macro_f1: macro_f1(&predictions, &gold, num_labels),
        examples: examples.len(),
        predictions,
    })
}

/// SQuAD exact match and F1: each question's answer is the best span over all its windows.
pub async fn evaluate_qa(
    bert: &Bert,
    questions: &[QaExample],
    windows: &[Vec<QaWindow>],
    batch_size: usize,
) -> Result<QaScores> {
    let device = device_of(bert);
    let examples: Vec<(usize, Example)> = windows
        .iter()
        .enumerate()
        .flat_map(|(q, ws)| {
            ws.iter().map(move |w| {
                (q, Example { encoded: w.encoded.clone(), target: Target::Span { start: w.start, end: w.end } })
            })
        })
        .collect();
    let mut loss = MeanLoss(0.0, 0);
    let mut logits: Vec<(Vec<f32>, Vec<f32>)> = Vec::with_capacity(examples.len());
    for chunk in examples.chunks(batch_size.max(1)) {
        let picked: Vec<&Example> = chunk.iter().map(|(_, e)| e).collect();
        let batch = Batch::new(&picked, None, &device);
        let seq = batch.input().input_ids.dims()[1];
        let outputs = forward(bert, &batch)?;
        let Logits::QuestionAnswering { start, end } = outputs.logits else { unreachable!("QA examples") };
        let read = read_all(vec![outputs.loss, flatten(start), flatten(end)]).await?;
        loss.add(read[0][0], chunk.len());
        logits.extend(window_logits(&read[1], &read[2], picked.iter().map(|e| e.encoded.ids.len()), seq));
    }
    let mut answers = Vec::with_capacity(questions.len());
    let mut scored = Vec::with_capacity(questions.len());
    let mut next = 0;
    for (question, ws) in questions.iter().zip(windows) {
        let encoded: Vec<_> = ws.iter().map(|w| w.encoded.clone()).collect();
        let per_window = &logits[next..next + ws.len()];
        next += ws.len();
        let answer =
            decode(&question.context, &encoded, per_window, MAX_ANSWER_LEN).map(|span| span.text).unwrap_or_default();
        scored.push((answer.clone(), question.answers.iter().map(|a| a.text.clone()).collect()));
        answers.push(answer);
    }
    debug_assert_eq!(next, examples.len());
    Ok(QaScores { loss: loss.value(), squad: squad_score(&scored), answers })
}
