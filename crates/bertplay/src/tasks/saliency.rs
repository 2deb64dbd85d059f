//! Why this prediction: how much each input token's word vector pushes the log-probability of
//! one answer (a fill-mask word, a label, a QA span, "B follows A"), from the engine's own
//! gradients. Gradient × input takes one backward pass; integrated gradients average the
//! gradient along the straight path from a baseline without word vectors (position and segment
//! kept) to the input, so that the scores add up to the change in log-probability.
//! Attention weights are not such an explanation: they say where a head looked, not what the
//! answer depends on.

use burn::module::Module;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::bert::Bert;
use crate::encoder::Outputs;
use crate::error::{BertError, Detail, Result};
use crate::heads::HeadKind;
use crate::loaded_model::{input_batch, LoadedModel};
use crate::readback::{flatten, read_all};
use crate::tasks::{classify, fill_mask, qa};
use crate::tokenizer::{Encoded, Truncation};

/// The input and the answer whose log-probability is explained.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case", deny_unknown_fields)]
pub enum SaliencyTask {
    /// The first `[MASK]` becoming `word` (default: the likeliest word).
    FillMask { text: String, word: Option<String> },
    /// The sequence classifier's `label` (default: the likeliest label).
    Classify { text: String, text_b: Option<String>, label: Option<String> },
    /// The answer span the QA head picks for the question (its start and end tokens together).
    Qa { question: String, context: String },
    /// `B follows A` (`is_next`, the default) or not.
    Nsp { text: String, text_b: String, is_next: Option<bool> },
}

/// How the per-token scores are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Σ_d x_d · ∂f/∂x_d at the input: one forward and one backward pass.
    GradientTimesInput,
    /// Σ_d x_d · mean over `steps` points α·x (α = 1/steps … 1) of ∂f/∂x_d.
    IntegratedGradients,
}

/// The most points integrated gradients takes (each is one row of a batch).
pub const MAX_STEPS: usize = 256;

#[derive(Debug, Clone, Serialize)]
pub struct Saliency {
    pub tokens: Vec<String>,
    /// The answer explained, e.g. `fill-mask: france at token 4`.
    pub target: String,
    /// The same as a code with its values, for a page that says it in another language.
    pub target_detail: Detail,
    pub method: Method,
    /// Points on the path (1 for gradient × input).
    pub steps: usize,
    /// One score per token: positive pushes the answer's log-probability up.
    pub scores: Vec<f32>,
    /// The answer's log-probability for the input.
    pub log_prob: f32,
    /// With every word vector zero (integrated gradients' baseline); the scores add up to about
    /// `log_prob − baseline_log_prob`.
    pub baseline_log_prob: f32,
}

/// The answer picked out of the head's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Vocabulary id `id` at token `position` (the masked-LM head).
    Masked { position: usize, id: usize },
    /// The sequence classifier's label id.
    Label(usize),
    /// Start and end token of an answer span, their log-probabilities (each a softmax over the
    /// window's tokens) added.
    Span { start: usize, end: usize },
    /// 0: B follows A; 1: it does not (the NSP head's order).
    NextSentence(usize),
}

/// A task made concrete: the encoded input and the answer explained.
pub struct Resolved {
    pub encoded: Encoded,
    pub target: Target,
    /// Says which answer, e.g. `fill-mask: france at token 4`.
    pub description: Detail,
}

pub async fn saliency(p: &LoadedModel, task: &SaliencyTask, method: Method, steps: usize) -> Result<Saliency> {
    let steps = match method {
        Method::GradientTimesInput => 1,
        Method::IntegratedGradients if (1..=MAX_STEPS).contains(&steps) => steps,
        Method::IntegratedGradients => {
            return Err(BertError::Input(crate::detail!(
                "input.ig_steps",
                "integrated gradients take 1 to {max} steps, not {steps}",
                max = MAX_STEPS,
                steps = steps
            )))
        }
    };
    let Resolved { encoded, target, description } = resolve(p, task).await?;
    let seq = encoded.ids.len();
    // Row 0 is the baseline; rows 1..=steps the points α = k/steps on the path.
    let mut scales = vec![0.0; seq];
    for k in 1..=steps {
        scales.extend(std::iter::repeat_n(k as f32 / steps as f32, seq));
    }
    let (log_probs, gradient_scores) = scaled_log_probs(p, &encoded, target, scales, true).await?;
    let path = &gradient_scores.expect("gradients were asked for")[seq..];
    // The mean over the path's points of x·∂f/∂(αx).
    let scores = (0..seq).map(|i| (0..steps).map(|k| path[k * seq + i]).sum::<f32>() / steps as f32).collect();
    Ok(Saliency {
        tokens: encoded.tokens,
        target: description.to_string(),
        target_detail: description,
        method,
        steps,
        scores,
        log_prob: log_probs[steps],
        baseline_log_prob: log_probs[0],
    })
}

/// The task's input and answer; the default answer is the model's own.
pub async fn resolve(p: &LoadedModel, task: &SaliencyTask) -> Result<Resolved> {
    let tokenizer = &p.tokenizer;
    match task {
        SaliencyTask::FillMask { text, word } => {
            let predicted = fill_mask::fill_mask(p, text, 1).await?;
            let first = &predicted[0];
            let (word, id) = match word {
                None => (first.candidates[0].token.clone(), first.candidates[0].id as usize),
                Some(w) => {
                    let id = tokenizer.token_to_id(w).ok_or_else(|| {
                        BertError::Input(crate::detail!(
                            "input.not_one_token",
                            "{word:?} is not a single token of the vocabulary",
                            word = w
                        ))
                    })?;
                    (w.clone(), id as usize)
                }
            };
            let encoded = tokenizer.encode(text, None, Truncation::LongestFirst)?;
            let description = crate::detail!(
                "saliency.fill_mask",
                "fill-mask: {word} at token {position}",
                word = &word,
                position = first.position
            );
            Ok(Resolved { encoded, target: Target::Masked { position: first.position, id }, description })
        }
        SaliencyTask::Classify { text, text_b, label } => {
            let ranked = classify::classify(p, text, text_b.as_deref()).await?;
            let chosen = match label {
                None => &ranked[0],
                Some(l) => ranked.iter().find(|s| s.label == *l).ok_or_else(|| {
                    let names: Vec<&str> = ranked.iter().map(|s| s.label.as_str()).collect();
                    BertError::Input(crate::detail!(
                        "input.no_label",
                        "the model has no label {label:?} ({labels})",
                        label = l,
                        labels = names.join(", ")
                    ))
                })?,
            };
            let encoded = tokenizer.encode(text, text_b.as_deref(), Truncation::LongestFirst)?;
            Ok(Resolved {
                encoded,
                target: Target::Label(chosen.id),
                description: crate::detail!("saliency.label", "label {label}", label = &chosen.label),
            })
        }
        SaliencyTask::Qa { question, context } => {
            let answer = qa::answer(p, question, context, qa::MAX_ANSWER_LEN).await?;
            let encoded = tokenizer.encode_windows(question, context)?.swap_remove(answer.window);
            let description = crate::detail!(
                "saliency.answer",
                "answer {answer:?} (tokens {start}-{end})",
                answer = &answer.answer,
                start = answer.start_token,
                end = answer.end_token,
            );
            Ok(Resolved {
                encoded,
                target: Target::Span { start: answer.start_token, end: answer.end_token },
                description,
            })
        }
        SaliencyTask::Nsp { text, text_b, is_next } => {
            if !p.bert.has_head(HeadKind::NextSentence) {
                return Err(p.bert.missing_head(HeadKind::NextSentence));
            }
            let is_next = is_next.unwrap_or(true);
            let encoded = tokenizer.encode(text, Some(text_b), Truncation::LongestFirst)?;
            let description = if is_next {
                crate::detail!("saliency.is_next", "B follows A")
            } else {
                crate::detail!("saliency.not_next", "B does not follow A")
            };
            Ok(Resolved { encoded, target: Target::NextSentence(usize::from(!is_next)), description })
        }
    }
}

/// The answer's log-probability with each token's word vector scaled: `scales` holds one row of
/// `seq` factors per input (1 everywhere is the input itself). With `gradients`, also each row's
/// `x_i · ∂f/∂(s_i x_i)` summed over the hidden size, per token (`[row][token]`, flat).
pub async fn scaled_log_probs(
    p: &LoadedModel,
    encoded: &Encoded,
    target: Target,
    scales: Vec<f32>,
    gradients: bool,
) -> Result<(Vec<f32>, Option<Vec<f32>>)> {
    let seq = encoded.ids.len();
    let rows = scales.len() / seq;
    let autodiff = p.device.clone().autodiff();
    // Evaluation mode (no dropout) on an autodiff device: gradients reach the word vectors
    // only, none are kept for the weights.
    let bert: Bert = p.bert.valid().fork(&autodiff);
    let input = input_batch(&vec![encoded.clone(); rows], &autodiff);
    let words = bert.model.embeddings.word.forward(input.input_ids.clone()).detach();
    let factors = Tensor::<2>::from_data(TensorData::new(scales, [rows, seq]), &autodiff).unsqueeze_dim::<3>(2);
    let scaled = (words.clone() * factors).detach();
    let scaled = if gradients { scaled.require_grad() } else { scaled };
    let out = bert.model.forward_words(scaled.clone(), &input, Outputs::default());
    let log_probs = log_prob(&bert, out.last_hidden_state, out.pooler_output, target, rows)?;
    let mut tensors = vec![log_probs.clone().inner()];
    if gradients {
        let grads = log_probs.sum().backward();
        let grad = scaled.grad(&grads).ok_or_else(|| BertError::Device("no gradient reached the input".into()))?;
        tensors.push(flatten((grad * words.inner()).sum_dim(2)));
    }
    let mut read = read_all(tensors).await?.into_iter();
    Ok((read.next().expect("log-probabilities"), read.next()))
}

/// `[rows]` log-probabilities of the picked answer.
fn log_prob(
    bert: &Bert,
    hidden: Tensor<3>,
    pooled: Option<Tensor<2>>,
    target: Target,
    rows: usize,
) -> Result<Tensor<1>> {
    let pooled = || {
        pooled.ok_or_else(|| BertError::MissingHead(crate::detail!("missing_head.pooler", "this model has no pooler")))
    };
    let column = |logits: Tensor<2>, i: usize| log_softmax(logits, 1).narrow(1, i, 1).reshape([rows]);
    Ok(match target {
        Target::Masked { position, id } => {
            let head = bert.masked_lm.as_ref().ok_or_else(|| bert.missing_head(HeadKind::MaskedLm))?;
            let [_, _, width] = hidden.dims();
            let at = hidden.narrow(1, position, 1).reshape([rows, width]);
            column(head.forward(at, &bert.model.embeddings.word), id)
        }
        Target::Label(label) => {
            let head =
                bert.sequence_classifier.as_ref().ok_or_else(|| bert.missing_head(HeadKind::SequenceClassification))?;
            column(head.forward(pooled()?), label)
        }
        Target::NextSentence(i) => {
            let head = bert.next_sentence.as_ref().ok_or_else(|| bert.missing_head(HeadKind::NextSentence))?;
            column(head.forward(pooled()?), i)
        }
        Target::Span { start, end } => {
            let head =
                bert.question_answering.as_ref().ok_or_else(|| bert.missing_head(HeadKind::QuestionAnswering))?;
            let (starts, ends) = head.forward(hidden);
            column(starts, start) + column(ends, end)
        }
    })
}
