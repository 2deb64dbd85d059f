//! `bertplay`: BERT checkpoints from the command line. Every command reads a Hugging Face model
//! folder (`--model DIR`), prints a readable answer or, with `--json`, one JSON object.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod finetune;
mod loss_plot;
mod model_dir;
mod pretrain;
mod saliency;
mod summary;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use bertplay::tasks::{classify, explain, fill_mask, inspect, nsp, qa};
use bertplay::training::setup::fresh_bert;
use bertplay::{BertTokenizer, LoadedModel, Truncation};
use clap::{Parser, Subcommand};
use pollster::block_on;
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "bertplay",
    version,
    about = "See, learn and run BERT: attention, hidden states, fill-mask, NSP, QA, classification"
)]
struct Cli {
    /// Where the model runs: flex (CPU), vulkan or cuda.
    #[arg(long, global = true, default_value = "flex")]
    device: String,
    /// Print one JSON object instead of a readable summary.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

/// The model folder and the text that the task commands read.
#[derive(clap::Args)]
struct TextInput {
    /// A Hugging Face model folder (config.json, model.safetensors, tokenizer.json or vocab.txt).
    #[arg(long)]
    model: PathBuf,
    /// The text (segment A).
    #[arg(long)]
    text: String,
}

#[derive(Subcommand)]
enum Command {
    /// Tokens, attention of every layer and head, hidden states and pooler output.
    Inspect {
        #[command(flatten)]
        input: TextInput,
        /// A second sentence (segment B).
        #[arg(long)]
        text_b: Option<String>,
        /// Also output this layer's per-head Q, K, V and raw scores (0-based).
        #[arg(long)]
        internals_layer: Option<usize>,
    },
    /// One token's trip through one layer, every step's numbers: Q, K, V of one head, the
    /// scores, scaling, softmax, weighted sum, all heads, output projection, residual +
    /// LayerNorm, feed-forward with GELU, and the layer's output.
    Explain {
        #[command(flatten)]
        input: TextInput,
        #[arg(long)]
        text_b: Option<String>,
        /// The encoder layer (0-based).
        #[arg(long, default_value_t = 0)]
        layer: usize,
        /// The attention head (0-based).
        #[arg(long, default_value_t = 0)]
        head: usize,
        /// The token's position in the tokenized input (0 is [CLS]).
        #[arg(long, default_value_t = 1)]
        token: usize,
    },
    /// Which input tokens an answer depends on: gradient × input or integrated gradients.
    Saliency(saliency::SaliencyArgs),
    /// The likeliest tokens for every [MASK].
    FillMask {
        #[command(flatten)]
        input: TextInput,
        #[arg(long, default_value_t = 5)]
        top_k: usize,
    },
    /// Next-sentence prediction: the probability that B follows A.
    Nsp {
        #[command(flatten)]
        input: TextInput,
        #[arg(long)]
        text_b: String,
    },
    /// Extractive question answering: the answer span in the context.
    Qa {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        question: String,
        #[arg(long)]
        context: String,
        #[arg(long, default_value_t = qa::MAX_ANSWER_LEN)]
        max_answer_len: usize,
    },
    /// Sequence classification with the model's label names.
    Classify {
        #[command(flatten)]
        input: TextInput,
        #[arg(long)]
        text_b: Option<String>,
    },
    /// Save the model as a Hugging Face folder (config.json, model.safetensors, tokenizer.json)
    /// that transformers' `BertFor…` classes load.
    Export {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// A fresh, randomly initialised BERT with masked-LM and next-sentence heads, around an
    /// existing tokenizer: the starting point for pretraining.
    New {
        /// The vocabulary: a `tokenizer.json`, or a `vocab.txt` (lower-cased, BERT's pipeline).
        #[arg(long)]
        tokenizer: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        shape: pretrain::ModelShape,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Standard deviation of the random weights (BERT's 0.02 leaves a tiny model's
        /// attention nearly uniform; the course's toy uses 0.5 so its patterns show).
        #[arg(long)]
        init_range: Option<f64>,
    },
    /// Pretrain a BERT from plain text with masked-LM and next-sentence prediction. Documents are
    /// separated by blank lines; sentences one per line (or split automatically).
    Pretrain(pretrain::PretrainArgs),
    /// Fine-tune a model for classification (CSV / TSV / JSONL with text, optional text_b, label)
    /// or extractive QA (SQuAD v1.1 JSON). Defaults follow the course's table.
    Finetune(finetune::FinetuneArgs),
    /// Score a fine-tuned model on a labelled file (accuracy, macro-F1) or SQuAD file (EM, F1).
    Eval {
        #[arg(long, value_enum)]
        task: finetune::Task,
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        max_len: Option<usize>,
        #[arg(long, default_value_t = 128)]
        stride: usize,
        #[arg(long)]
        skip_bad_rows: bool,
    },
    /// Forward (or training-step) throughput in tokens/s and latency at batch × seq.
    Bench {
        #[arg(long, required_unless_present = "preset", conflicts_with = "preset")]
        model: Option<PathBuf>,
        /// A model of a well-known shape with random weights, instead of `--model`.
        #[arg(long, value_enum)]
        preset: Option<bench::Preset>,
        #[arg(long, default_value_t = 8)]
        batch: usize,
        #[arg(long, default_value_t = 128)]
        seq: usize,
        #[arg(long, default_value_t = 10)]
        iterations: usize,
        #[arg(long, default_value_t = 2)]
        warmup: usize,
        /// `forward`: the last hidden state read back; `inspect`: every attention and hidden
        /// state read back; `train`: forward, backward and AdamW.
        #[arg(long, value_enum, default_value_t = bench::Mode::Forward)]
        mode: bench::Mode,
        /// Same as `--mode train`.
        #[arg(long, conflicts_with = "mode")]
        train: bool,
        /// Run Burn's own tensor operations instead of the project's CPU kernels (to compare).
        #[arg(long)]
        burn_ops: bool,
    },
}

/// mimalloc's `purge_delay` option (its index in mimalloc 3's `mi_option_e`).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // A training step frees and reallocates the same large buffers; by default mimalloc hands
    // freed pages back to the OS after 10 ms and faults them in again. Keeping them (the
    // process's memory stays at its peak) made a MiniLM step 5–20% faster (docs/BENCHMARKS.md).
    // SAFETY: sets one integer option; mimalloc reads options on every purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // Our own code returns errors; this keeps a bug in a dependency to one line too.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        eprintln!("bertplay: internal error: {}", msg.lines().next().unwrap_or(""));
    }));
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bertplay: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<(), String> {
    let device = bertplay::device::by_name(&cli.device).map_err(|e| e.to_string())?;
    let load = |dir: &PathBuf| model_dir::load(dir, &device);
    match &cli.command {
        Command::Inspect { input: TextInput { model, text }, text_b, internals_layer } => {
            let p = load(model)?;
            let out =
                block_on(inspect::inspect(&p, text, text_b.as_deref(), *internals_layer)).map_err(|e| e.to_string())?;
            if out.truncated {
                warn_truncated(&p);
            }
            emit(cli.json, &out, || summary::inspection(&out))
        }
        Command::Explain { input: TextInput { model, text }, text_b, layer, head, token } => {
            let p = load(model)?;
            let focus = explain::Focus { layer: *layer, head: *head, token: *token };
            let out = block_on(explain::explain(&p, text, text_b.as_deref(), focus)).map_err(|e| e.to_string())?;
            if out.truncated {
                warn_truncated(&p);
            }
            emit(cli.json, &out, || summary::explanation(&out))
        }
        Command::Saliency(args) => {
            let p = load(&args.model)?;
            let task = args.task()?;
            let out = block_on(bertplay::tasks::saliency::saliency(&p, &task, args.method(), args.steps))
                .map_err(|e| e.to_string())?;
            emit(cli.json, &out, || summary::saliency(&out))
        }
        Command::FillMask { input: TextInput { model, text }, top_k } => {
            let p = load(model)?;
            warn_if_cut(&p, text, None);
            let out = block_on(fill_mask::fill_mask(&p, text, *top_k)).map_err(|e| e.to_string())?;
            emit(cli.json, &serde_json::json!({ "masks": out }), || summary::fill_mask(&out))
        }
        Command::Nsp { input: TextInput { model, text }, text_b } => {
            let p = load(model)?;
            warn_if_cut(&p, text, Some(text_b));
            let out = block_on(nsp::next_sentence(&p, text, text_b)).map_err(|e| e.to_string())?;
            emit(cli.json, &out, || summary::next_sentence(&out))
        }
        Command::Qa { model, question, context, max_answer_len } => {
            let p = load(model)?;
            let out = block_on(qa::answer(&p, question, context, *max_answer_len)).map_err(|e| e.to_string())?;
            emit(cli.json, &out, || summary::answer(&out))
        }
        Command::Classify { input: TextInput { model, text }, text_b } => {
            let p = load(model)?;
            warn_if_cut(&p, text, text_b.as_deref());
            let out = block_on(classify::classify(&p, text, text_b.as_deref())).map_err(|e| e.to_string())?;
            emit(cli.json, &serde_json::json!({ "labels": out }), || summary::labels(&out))
        }
        Command::Export { model, out } => {
            let p = load(model)?;
            let files = block_on(p.save()).map_err(|e| e.to_string())?;
            model_dir::write(out, &files)?;
            let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
            emit(
                cli.json,
                &serde_json::json!({ "out": out, "files": names, "architecture": p.bert.architecture() }),
                || format!("wrote {} ({}) to {}", names.join(", "), p.bert.architecture(), out.display()),
            )
        }
        Command::New { tokenizer, out, shape, seed, init_range } => {
            let bytes = std::fs::read(tokenizer).map_err(|e| format!("{}: {e}", tokenizer.display()))?;
            let tokenizer = if tokenizer.extension().is_some_and(|e| e == "txt") {
                BertTokenizer::from_vocab_txt(&bytes, true, shape.max_len)
            } else {
                BertTokenizer::from_tokenizer_json(&bytes, shape.max_len)
            }
            .map_err(|e| e.to_string())?;
            let mut config = shape.config(tokenizer.vocab_size())?;
            if let Some(range) = init_range {
                if !(*range > 0.0 && range.is_finite()) {
                    return Err(format!("--init-range must be a positive number, not {range}"));
                }
                config.initializer_range = *range;
            }
            // Says so in the saved config, so the playground can label the model honestly.
            config.extra.insert("bertplay_untrained".into(), true.into());
            let bert = fresh_bert(&config, *seed, &device).map_err(|e| e.to_string())?;
            let p = LoadedModel::new(bert, tokenizer, &device, Default::default()).map_err(|e| e.to_string())?;
            let files = block_on(p.save()).map_err(|e| e.to_string())?;
            model_dir::write(out, &files)?;
            emit(cli.json, &serde_json::json!({ "out": out, "architecture": p.bert.architecture() }), || {
                format!("wrote a random {} to {}", p.bert.architecture(), out.display())
            })
        }
        Command::Pretrain(args) => {
            let report = pretrain::run(args, &device)?;
            emit(cli.json, &report, || format!("saved the pretrained model to {}", args.out.display()))
        }
        Command::Finetune(args) => {
            let report = finetune::finetune(args, &device)?;
            emit(cli.json, &report, || format!("saved the fine-tuned model to {}", args.out.display()))
        }
        Command::Eval { task, model, data, max_len, stride, skip_bad_rows } => {
            let scores = finetune::eval(*task, model, data, *max_len, *stride, *skip_bad_rows, &device)?;
            emit(cli.json, &scores, || scores.to_string())
        }
        Command::Bench { model, preset, batch, seq, iterations, warmup, mode, train, burn_ops } => {
            bertplay::kernels::use_cpu_kernels(!burn_ops);
            let bert = match (model, preset) {
                (Some(dir), _) => load(dir)?.bert,
                (None, Some(preset)) => preset.model(&device)?,
                (None, None) => return Err("give --model DIR or --preset".into()),
            };
            let mode = if *train { bench::Mode::Train } else { *mode };
            let plan = bench::Plan { batch: *batch, seq: *seq, warmup: *warmup, iterations: *iterations, mode };
            let out = bench::run(&bert, &device, &cli.device, plan)?;
            emit(cli.json, &out, || summary::bench(&out))
        }
    }
}

/// Says on stderr when the input is longer than the model can see. Tokenizing again is cheap
/// next to the forward pass and keeps the task results free of CLI concerns.
fn warn_if_cut(p: &LoadedModel, a: &str, b: Option<&str>) {
    if p.tokenizer.encode(a, b, Truncation::LongestFirst).is_ok_and(|e| e.truncated) {
        warn_truncated(p);
    }
}

fn warn_truncated(p: &LoadedModel) {
    eprintln!(
        "bertplay: warning: the input is longer than the model's {} positions; it was truncated",
        p.tokenizer.max_len()
    );
}

fn emit<T: Serialize>(json: bool, value: &T, readable: impl FnOnce() -> String) -> Result<(), String> {
    if json {
        println!("{}", serde_json::to_string(value).map_err(|e| e.to_string())?);
    } else {
        println!("{}", readable());
    }
    Ok(())
}
