//! Running a training job from the terminal: the loop around the core's `Trainer` with what only
//! an edge may do: files, a progress line, Ctrl-C, the clock. It reads the device every
//! `log_every` steps (one transaction for all of them), stops on a NaN or infinite loss, and
//! saves resumable checkpoints only after the losses before them were checked.

use std::fs;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bertplay::loaded_model::model_folder;
use bertplay::training::batch::Example;
use bertplay::training::trainer::{read_steps, StepOutput, Trainer};
use bertplay::{Bert, BertTokenizer, LoadedModel};
use pollster::block_on;
use serde_json::{json, Value};

use crate::{loss_plot, model_dir};

pub struct LoopOptions {
    pub out: PathBuf,
    pub log_every: usize,
    pub save_every: usize,
    /// Evaluate after every this many steps (and at the end); 0 = once per epoch.
    pub eval_every: usize,
}

/// Where a run keeps its resumable state inside the output folder.
pub fn checkpoint_dir(out: &Path) -> PathBuf {
    out.join("checkpoint")
}

/// Refuses to start a new run over one in progress, and finds the checkpoint to resume.
pub fn existing_checkpoint(out: &Path, resume: bool) -> Result<Option<PathBuf>, String> {
    let dir = checkpoint_dir(out);
    // A save cut short between its two renames leaves a complete copy beside the folder.
    for spare in ["checkpoint.new", "checkpoint.old"] {
        let spare = out.join(spare);
        if !dir.exists() && spare.join("trainer_state.json").is_file() {
            fs::rename(&spare, &dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
    }
    let has = dir.join("trainer_state.json").is_file();
    // eval.json is the last file a run writes: without it, a finished run was cut short while
    // writing its model, and resuming writes it again from the last checkpoint.
    let finished = out.join("eval.json").is_file() && out.join("model.safetensors").is_file();
    match (has, resume) {
        (true, true) if finished => {
            Err(format!("the run in {} already finished; its model is in that folder", out.display()))
        }
        (true, true) => Ok(Some(dir)),
        (false, true) => Err(format!("nothing to resume: {} has no checkpoint", out.display())),
        (true, false) if !finished => Err(format!(
            "{} holds a run in progress ({}); pass --resume to continue it, or choose another --out",
            out.display(),
            dir.display()
        )),
        (_, false) if out.join("model.safetensors").exists() => {
            Err(format!("{} already holds a model; choose an empty folder", out.display()))
        }
        (_, false) => Ok(None),
    }
}

/// The model, optimizer and run state a checkpoint folder holds.
pub struct Resumed {
    pub loaded: LoadedModel,
    /// `model.safetensors` as read, which the run state's fingerprint is checked against.
    pub weights: Vec<u8>,
    pub optimizer: Vec<u8>,
    pub state_json: String,
}

pub fn read_checkpoint(dir: &Path, device: &burn::tensor::Device) -> Result<Resumed, String> {
    let read = |name: &str| fs::read(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()));
    Ok(Resumed {
        loaded: model_dir::load(dir, device)?,
        weights: read("model.safetensors")?,
        optimizer: read("optimizer.safetensors")?,
        state_json: String::from_utf8(read("trainer_state.json")?).map_err(|e| e.to_string())?,
    })
}

/// Evaluation as the job defines it: scores as JSON and a one-line summary.
pub type Evaluate<'a> = dyn FnMut(&Bert) -> Result<(Value, String), String> + 'a;

/// Runs `trainer` to its last step. Returns the last evaluation's scores.
pub fn run(
    trainer: &mut Trainer,
    examples: &[Example],
    tokenizer: &BertTokenizer,
    options: &LoopOptions,
    evaluate: &mut Evaluate,
) -> Result<Option<Value>, String> {
    if trainer.is_done() {
        // Stopped while writing the final model: the log has this evaluation already.
        let (scores, summary) = evaluate(&trainer.model())?;
        eprintln!("the run had reached its last step ({}); eval: {summary}", trainer.step);
        return Ok(Some(scores));
    }
    fs::create_dir_all(&options.out).map_err(|e| format!("{}: {e}", options.out.display()))?;
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    // A second Ctrl-C while saving still kills the process the usual way.
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    let log_path = options.out.join("train_log.jsonl");
    let earlier_seconds = keep_log_until(&log_path, trainer.step)?;
    let mut log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| format!("{}: {e}", log_path.display()))?;
    let per_epoch = trainer.plan.steps_per_epoch(examples.len());
    let total = trainer.plan.total_steps;
    let started = Instant::now();
    let first_step = trainer.step;
    let mut tokens = 0usize;
    let mut pending: Vec<(usize, StepOutput)> = Vec::new();
    let mut last_scores = None;
    // The step of the newest checkpoint on disk, to name it when a run must stop.
    let mut saved_at = checkpoint_dir(&options.out).join("trainer_state.json").is_file().then_some(first_step);
    let show_bar = std::io::stderr().is_terminal();
    eprintln!(
        "training: {} examples, batch {}, {} steps ({} per epoch), starting at step {first_step}",
        examples.len(),
        trainer.plan.batch_size,
        total,
        per_epoch
    );

    while !trainer.is_done() {
        let step = trainer.step;
        let out = trainer.train_step(examples).map_err(|e| e.to_string())?;
        tokens += out.tokens;
        pending.push((step, out));
        let done = trainer.step;
        let stop = interrupted.load(Ordering::SeqCst);
        if show_bar {
            eprint!("\r{}", progress_bar(done, total, started, first_step));
        }
        let epoch_end = done.is_multiple_of(per_epoch);
        let eval_now = if options.eval_every == 0 { epoch_end } else { done.is_multiple_of(options.eval_every) };
        let flush = pending.len() >= options.log_every || trainer.is_done() || stop || epoch_end || eval_now;
        if !flush && !done.is_multiple_of(options.save_every) {
            continue;
        }
        // One read for all pending steps: loss and gradient norm of each.
        let records = block_on(read_steps(std::mem::take(&mut pending))).map_err(|e| e.to_string())?;
        for r in &records {
            if r.diverged() {
                let kept = match saved_at {
                    Some(at) => format!(
                        "the last good checkpoint (step {at}) is in {}: resume from it with --resume, perhaps with a lower --lr",
                        checkpoint_dir(&options.out).display()
                    ),
                    None => "no checkpoint had been saved yet: try again with a lower --lr".into(),
                };
                return Err(format!(
                    "the loss became {} at step {} (gradient norm {}); training stopped, {kept}",
                    if r.loss.is_nan() { "NaN".into() } else { r.loss.to_string() },
                    r.step,
                    r.grad_norm,
                ));
            }
            let elapsed = earlier_seconds + started.elapsed().as_secs_f64();
            let line = json!({
                "step": r.step, "epoch": (r.step - 1) / per_epoch + 1, "loss": r.loss, "lr": r.lr,
                "grad_norm": r.grad_norm, "elapsed_s": elapsed,
            });
            writeln!(log, "{line}").map_err(|e| e.to_string())?;
        }
        let last = records.last().expect("at least one step");
        let mean = records.iter().map(|r| r.loss as f64).sum::<f64>() / records.len() as f64;
        let rate = tokens as f64 / started.elapsed().as_secs_f64();
        if show_bar {
            eprint!("\r\x1b[K");
        }
        eprintln!(
            "step {}/{total}  epoch {}/{}  loss {mean:.4}  lr {:.2e}  {rate:.0} tokens/s  {}",
            last.step,
            (last.step - 1) / per_epoch + 1,
            total.div_ceil(per_epoch),
            last.lr,
            eta(done, total, started, first_step)
        );

        if eval_now || trainer.is_done() {
            let (scores, summary) = evaluate(&trainer.model())?;
            eprintln!("eval at step {done}: {summary}");
            writeln!(log, "{}", json!({ "step": done, "eval": scores })).map_err(|e| e.to_string())?;
            last_scores = Some(scores);
        }
        if done.is_multiple_of(options.save_every) || epoch_end || stop || trainer.is_done() {
            save_checkpoint(trainer, tokenizer, &options.out)?;
            saved_at = Some(done);
        }
        if stop && !trainer.is_done() {
            return Err(format!(
                "interrupted at step {done}; the checkpoint is saved: run the same command with --resume to continue"
            ));
        }
    }
    let _ = loss_plot::write(&log_path, &options.out.join("loss.svg"));
    Ok(last_scores)
}

/// Drops log lines after `step` (a fresh run keeps none; a resumed one forgets steps it redoes).
/// Returns the training seconds the kept lines had reached, so a resumed run's `elapsed_s` goes on
/// counting from there instead of restarting at 0.
fn keep_log_until(path: &Path, step: usize) -> Result<f64, String> {
    let Ok(text) = fs::read_to_string(path) else { return Ok(0.0) };
    let kept: Vec<(&str, Value)> = text
        .lines()
        .filter_map(|l| Some((l, serde_json::from_str::<Value>(l).ok()?)))
        .filter(|(_, v)| step > 0 && v["step"].as_u64().is_some_and(|at| at as usize <= step))
        .collect();
    let seconds = kept.iter().rev().find_map(|(_, v)| v["elapsed_s"].as_f64()).unwrap_or(0.0);
    let text: String = kept.iter().map(|(l, _)| format!("{l}\n")).collect();
    model_dir::write_whole(path, text.as_bytes())?;
    Ok(seconds)
}

/// Writes the checkpoint beside the old one, then swaps them, so an interruption while saving
/// never leaves a broken checkpoint behind.
fn save_checkpoint(trainer: &Trainer, tokenizer: &BertTokenizer, out: &Path) -> Result<(), String> {
    let checkpoint = block_on(trainer.checkpoint()).map_err(|e| e.to_string())?;
    let dir = checkpoint_dir(out);
    let fresh = out.join("checkpoint.new");
    let _ = fs::remove_dir_all(&fresh);
    let mut files = model_folder(checkpoint.model, tokenizer).map_err(|e| e.to_string())?;
    files.push(("optimizer.safetensors", checkpoint.optimizer));
    files.push(("trainer_state.json", checkpoint.state_json.into_bytes()));
    model_dir::replace(&fresh, &files)?;
    let old = out.join("checkpoint.old");
    let _ = fs::remove_dir_all(&old);
    if dir.exists() {
        fs::rename(&dir, &old).map_err(|e| e.to_string())?;
    }
    fs::rename(&fresh, &dir).map_err(|e| e.to_string())?;
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

fn progress_bar(done: usize, total: usize, started: Instant, first: usize) -> String {
    let width = 30;
    let filled = done * width / total.max(1);
    format!(
        "[{}{}] {done}/{total} {}",
        "#".repeat(filled),
        ".".repeat(width - filled),
        eta(done, total, started, first)
    )
}

fn eta(done: usize, total: usize, started: Instant, first: usize) -> String {
    let per_step = started.elapsed().as_secs_f64() / (done - first).max(1) as f64;
    let left = (per_step * (total - done) as f64) as u64;
    format!("ETA {}m{:02}s", left / 60, left % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_log_forgets_redone_steps_and_keeps_counting_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("train_log.jsonl");
        let mut text: String =
            (1..=5).map(|s| format!("{{\"step\":{s},\"loss\":1.0,\"elapsed_s\":{}}}\n", s * 10)).collect();
        text.push_str("{\"step\":3,\"eval\":{\"accuracy\":0.5}}\n");
        fs::write(&path, &text).unwrap();
        assert_eq!(keep_log_until(&path, 3).unwrap(), 30.0);
        let kept: Vec<u64> = fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["step"].as_u64().unwrap())
            .collect();
        assert_eq!(kept, [1, 2, 3, 3]);
        assert_eq!(keep_log_until(&path, 0).unwrap(), 0.0, "a fresh run starts a fresh log");
        assert_eq!(fs::read_to_string(&path).unwrap(), "");
        assert_eq!(keep_log_until(&dir.path().join("none.jsonl"), 3).unwrap(), 0.0);
    }
}
