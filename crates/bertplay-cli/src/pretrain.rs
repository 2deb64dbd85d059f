//! `bertplay pretrain`: a BERT from plain text — WordPiece vocabulary, MLM + NSP, held-out scores.

use std::fs;
use std::path::{Path, PathBuf};

use bertplay::heads::HeadKind;
use bertplay::loaded_model::model_folder;
use bertplay::rng::Rng;
use bertplay::training::corpus::Corpus;
use bertplay::training::evaluate::evaluate_pretraining;
use bertplay::training::hyperparameters::Hyperparameters;
use bertplay::training::pretraining::{mask_vocab, pretraining_examples};
use bertplay::training::setup::{fresh_bert, held_out_mask_seed, with_task_head, ModelShape as Shape, EVAL_BATCH};
use bertplay::training::trainer::Trainer;
use bertplay::training::vocab::train_vocab;
use bertplay::{Bert, BertConfig};
use burn::tensor::Device;
use pollster::block_on;
use serde_json::json;

use crate::train::{self, LoopOptions};

/// Pretrain a BERT from plain text with masked-LM and next-sentence prediction. Documents are
/// separated by blank lines; sentences one per line (or split automatically).
#[derive(clap::Args)]
pub struct PretrainArgs {
    #[arg(long)]
    pub corpus: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 8000)]
    pub vocab_size: usize,
    /// Go on pretraining this model (its weights and vocabulary; masked-LM and next-sentence
    /// heads are added when it has none) instead of a fresh BERT: --vocab-size and the shape
    /// flags other than --max-len are then not used.
    #[arg(long)]
    pub from: Option<PathBuf>,
    #[command(flatten)]
    pub shape: ModelShape,
    #[arg(long, default_value_t = 10000)]
    pub steps: usize,
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    #[arg(long, default_value_t = 5e-4)]
    pub lr: f64,
    /// Share of the steps spent warming the learning rate up.
    #[arg(long, default_value_t = 0.05)]
    pub warmup: f64,
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f64,
    /// Share of the documents held out for evaluation.
    #[arg(long, default_value_t = 0.02)]
    pub held_out: f64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Evaluate on held-out text every this many steps.
    #[arg(long, default_value_t = 500)]
    pub eval_every: usize,
    #[arg(long, default_value_t = 20)]
    pub log_every: usize,
    /// Save a resumable checkpoint every this many steps.
    #[arg(long, default_value_t = 200)]
    pub save_every: usize,
    /// Continue the run saved in --out.
    #[arg(long)]
    pub resume: bool,
}

/// The size of a fresh BERT; `new` and `pretrain` share these flags.
#[derive(clap::Args)]
pub struct ModelShape {
    #[arg(long, default_value_t = 4)]
    pub layers: usize,
    #[arg(long, default_value_t = 256)]
    pub hidden: usize,
    #[arg(long, default_value_t = 4)]
    pub heads: usize,
    #[arg(long, default_value_t = 1024)]
    pub intermediate: usize,
    /// Longest input (and the model's number of positions).
    #[arg(long, default_value_t = 128)]
    pub max_len: usize,
}

impl ModelShape {
    /// BERT's config of this shape for a vocabulary, checked.
    pub fn config(&self, vocab_size: usize) -> Result<BertConfig, String> {
        let shape =
            Shape { layers: self.layers, hidden: self.hidden, heads: self.heads, intermediate: self.intermediate };
        shape.config(vocab_size, self.max_len).map_err(|e| e.to_string())
    }
}

/// Sentence pairs scored on held-out text (at most this many, for quick evaluations).
const EVAL_PAIRS: usize = 2000;

impl PretrainArgs {
    /// The flags as the run's hyperparameters, checked (the run's length is `--steps`).
    fn hyperparameters(&self) -> Result<Hyperparameters, String> {
        let hyper = Hyperparameters {
            lr: self.lr,
            batch_size: self.batch,
            epochs: 1,
            max_len: self.shape.max_len,
            warmup: self.warmup,
            weight_decay: self.weight_decay,
            freeze_layers: 0,
            seed: self.seed,
        };
        hyper.validate().map_err(|e| e.to_string())?;
        Ok(hyper)
    }
}

pub fn run(args: &PretrainArgs, device: &Device) -> Result<serde_json::Value, String> {
    let resume_from = train::existing_checkpoint(&args.out, args.resume)?;
    let text = read_text(&args.corpus)?;
    let corpus = Corpus::parse(&text).map_err(|e| format!("{}: {e}", args.corpus.display()))?;
    let mut rng = Rng::new(args.seed);
    let (train_corpus, held_out) = corpus.split_held_out(args.held_out, &mut rng);
    eprintln!("corpus: {} documents for training, {} held out", train_corpus.documents.len(), held_out.documents.len());

    let (bert, tokenizer, resumed) = match &resume_from {
        Some(dir) => {
            let r = train::read_checkpoint(dir, device)?;
            (r.loaded.bert, r.loaded.tokenizer, Some((r.weights, r.optimizer, r.state_json)))
        }
        None if args.from.is_some() => {
            let p = crate::model_dir::load(args.from.as_deref().expect("checked"), device)?;
            let bert =
                with_task_head(p.bert, HeadKind::MaskedLm, None, args.seed, device).map_err(|e| e.to_string())?;
            (bert, p.tokenizer, None)
        }
        None => {
            let sentences: Vec<&str> = train_corpus.documents.iter().flatten().map(String::as_str).collect();
            let tokenizer = train_vocab(&sentences, args.vocab_size, args.shape.max_len).map_err(|e| e.to_string())?;
            eprintln!("vocabulary: {} WordPiece tokens", tokenizer.vocab_size());
            let bert = fresh_bert(&args.shape.config(tokenizer.vocab_size())?, args.seed, device)
                .map_err(|e| e.to_string())?;
            (bert, tokenizer, None)
        }
    };
    let vocab = mask_vocab(&tokenizer).map_err(|e| e.to_string())?;
    let examples =
        pretraining_examples(&tokenizer, &train_corpus, args.shape.max_len, &mut rng).map_err(|e| e.to_string())?;
    // Too little held-out text (or --held-out 0) only means no held-out scores.
    let mut held_pairs = match pretraining_examples(&tokenizer, &held_out, args.shape.max_len, &mut rng) {
        Ok(pairs) => pairs,
        Err(e) => {
            eprintln!("bertplay: warning: no held-out evaluation: {e}");
            Vec::new()
        }
    };
    held_pairs.truncate(EVAL_PAIRS);
    eprintln!("{} training pairs, {} held-out pairs", examples.len(), held_pairs.len());

    let mut trainer = match resumed {
        Some((weights, optimizer, state)) => {
            Trainer::resume(bert, &weights, &optimizer, &state, &examples, Some(vocab.clone()))
                .map_err(|e| e.to_string())?
        }
        None => {
            let plan = args.hyperparameters()?.plan_for_steps(args.steps);
            Trainer::new(bert, plan, &examples, Some(vocab.clone())).map_err(|e| e.to_string())?
        }
    };
    let options = LoopOptions {
        out: args.out.clone(),
        log_every: args.log_every.max(1),
        save_every: args.save_every.max(1),
        eval_every: args.eval_every,
    };
    let eval_seed = held_out_mask_seed(args.seed);
    let mut evaluate = |bert: &Bert| {
        if held_pairs.is_empty() {
            return Ok((serde_json::Value::Null, "no held-out text".to_string()));
        }
        let s = block_on(evaluate_pretraining(bert, &held_pairs, EVAL_BATCH, &vocab, eval_seed))
            .map_err(|e| e.to_string())?;
        let line = format!(
            "loss {:.4}, MLM top-1 {:.3}, top-5 {:.3} ({} masked tokens), NSP accuracy {:.3} ({} pairs)",
            s.loss, s.mlm_top1, s.mlm_top5, s.masked_tokens, s.nsp_accuracy, s.pairs
        );
        Ok((serde_json::to_value(&s).expect("plain numbers"), line))
    };
    let scores = train::run(&mut trainer, &examples, &tokenizer, &options, &mut evaluate)?;
    let files = block_on(async { model_folder(bertplay::checkpoint::save_bert(&trainer.model()).await?, &tokenizer) })
        .map_err(|e| e.to_string())?;
    // The folder was checked when the run started; a resumed run may find its own files here.
    crate::model_dir::replace(&args.out, &files)?;
    let report = json!({ "out": args.out, "steps": trainer.step, "held_out": scores });
    crate::model_dir::write_whole(&args.out.join("eval.json"), report.to_string().as_bytes())?;
    Ok(report)
}

/// A UTF-8 text file, with its name in every error.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| format!("{}: not UTF-8 text ({e})", path.display()))
}
