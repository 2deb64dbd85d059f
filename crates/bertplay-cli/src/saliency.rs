//! `bertplay saliency`: which input tokens an answer depends on, from the model's gradients.

use std::path::PathBuf;

use bertplay::tasks::saliency::{Method, SaliencyTask};
use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Task {
    FillMask,
    Classify,
    Qa,
    Nsp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Gradient × input: one backward pass.
    Gradient,
    /// Integrated gradients over --steps points from a baseline without word vectors.
    Integrated,
}

/// Per-token scores for one answer: the first [MASK]'s word (fill-mask), a label (classify), the
/// answer span (qa) or "B follows A" (nsp); by default the model's own answer.
#[derive(clap::Args)]
pub struct SaliencyArgs {
    #[arg(long)]
    pub model: PathBuf,
    #[arg(long, value_enum)]
    pub task: Task,
    /// The text (fill-mask, classify, nsp: sentence A).
    #[arg(long)]
    pub text: Option<String>,
    /// Sentence B (classify, nsp).
    #[arg(long)]
    pub text_b: Option<String>,
    #[arg(long)]
    pub question: Option<String>,
    #[arg(long)]
    pub context: Option<String>,
    /// The word to explain at the first [MASK] (fill-mask).
    #[arg(long)]
    pub word: Option<String>,
    /// The label to explain (classify).
    #[arg(long)]
    pub label: Option<String>,
    /// Explain "B does not follow A" (nsp).
    #[arg(long)]
    pub not_next: bool,
    #[arg(long, value_enum, default_value_t = MethodArg::Gradient)]
    pub method: MethodArg,
    /// Points on the path for integrated gradients.
    #[arg(long, default_value_t = 32)]
    pub steps: usize,
}

impl SaliencyArgs {
    /// The core's task, or which flag is missing.
    pub fn task(&self) -> Result<SaliencyTask, String> {
        let name = self.task.to_possible_value().expect("every task has a name").get_name().to_string();
        let need = |v: &Option<String>, flag: &str| v.clone().ok_or(format!("--task {name} needs {flag}"));
        Ok(match self.task {
            Task::FillMask => SaliencyTask::FillMask { text: need(&self.text, "--text")?, word: self.word.clone() },
            Task::Classify => SaliencyTask::Classify {
                text: need(&self.text, "--text")?,
                text_b: self.text_b.clone(),
                label: self.label.clone(),
            },
            Task::Qa => SaliencyTask::Qa {
                question: need(&self.question, "--question")?,
                context: need(&self.context, "--context")?,
            },
            Task::Nsp => SaliencyTask::Nsp {
                text: need(&self.text, "--text")?,
                text_b: need(&self.text_b, "--text-b")?,
                is_next: Some(!self.not_next),
            },
        })
    }

    pub fn method(&self) -> Method {
        match self.method {
            MethodArg::Gradient => Method::GradientTimesInput,
            MethodArg::Integrated => Method::IntegratedGradients,
        }
    }
}
