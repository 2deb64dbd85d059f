//! `bertplay pretrain`, `finetune` and `eval` as a user runs them: outputs that load back with
//! the same predictions, an interrupted run that resumes to the very same weights, and a clear
//! last line on stderr for every bad input.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bertplay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bertplay")).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> (serde_json::Value, String) {
    let out = bertplay(args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{args:?}: {err}");
    (serde_json::from_slice(&out.stdout).unwrap(), err)
}

/// Fails with a last stderr line that contains `needle`, and no panic.
fn fails_with(args: &[&str], needle: &str) {
    let out = bertplay(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(err.trim_end().lines().last().unwrap_or("").contains(needle), "{args:?}: {err}");
    assert!(!err.contains("panicked") && !err.contains("internal error"), "{err}");
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The tensor names in a saved folder's `model.safetensors`.
fn saved_tensor_names(dir: &Path) -> Vec<String> {
    let bytes = std::fs::read(dir.join("model.safetensors")).unwrap();
    safetensors::SafeTensors::deserialize(&bytes).unwrap().names().into_iter().map(String::from).collect()
}

const GOOD: [&str; 4] = ["good", "great", "nice", "happy"];
const BAD: [&str; 4] = ["bad", "awful", "poor", "sad"];
const FILLER: [&str; 8] = ["the", "movie", "was", "very", "plot", "story", "really", "film"];

/// A sentence of filler words with one sentiment word, chosen by `i` (no randomness needed).
fn sentence(i: usize, positive: bool) -> String {
    let pool = if positive { GOOD } else { BAD };
    let mut words: Vec<&str> = (0..3 + i % 3).map(|k| FILLER[(i * 7 + k * 3) % FILLER.len()]).collect();
    words.insert(i % (words.len() + 1), pool[(i / 2) % pool.len()]);
    words.join(" ")
}

fn write_csv(path: &Path, rows: usize, offset: usize) {
    let mut text = String::from("text,label\n");
    for i in 0..rows {
        let positive = i % 2 == 0;
        text += &format!("{},{}\n", sentence(i + offset, positive), if positive { "pos" } else { "neg" });
    }
    std::fs::write(path, text).unwrap();
}

fn write_corpus(path: &Path) {
    let docs: Vec<String> =
        (0..30).map(|d| (0..4).map(|k| sentence(d * 4 + k, d % 2 == 0)).collect::<Vec<_>>().join("\n")).collect();
    std::fs::write(path, docs.join("\n\n")).unwrap();
}

/// The arguments of a tiny pretraining run on `dir/corpus.txt` (written here).
fn pretrain_args(dir: &Path, out: &Path, steps: &str) -> Vec<String> {
    let corpus = dir.join("corpus.txt");
    write_corpus(&corpus);
    let args = "--vocab-size 80 --layers 2 --hidden 32 --heads 2 --intermediate 64 --max-len 32 --batch 8 \
                --lr 2e-3 --eval-every 20 --log-every 1 --held-out 0.1";
    let mut all: Vec<String> =
        ["pretrain", "--corpus", s(&corpus), "--out", s(out), "--steps", steps].iter().map(|a| a.to_string()).collect();
    all.extend(args.split_whitespace().map(String::from));
    all
}

/// A tiny pretrained model: the starting point of the fine-tuning tests.
fn pretrain(dir: &Path, out: &Path, steps: &str, extra: &[&str]) -> Output {
    let mut args = pretrain_args(dir, out, steps);
    args.push("--json".into());
    args.extend(extra.iter().map(|a| a.to_string()));
    Command::new(env!("CARGO_BIN_EXE_bertplay")).args(&args).output().unwrap()
}

#[test]
fn pretrain_then_finetune_then_eval_agree() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    let out = pretrain(dir.path(), &base, "40", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let held = &report["held_out"];
    assert!(held["mlm_top5"].as_f64().unwrap() > 0.0 && held["nsp_accuracy"].as_f64().is_some(), "{report}");
    for file in ["config.json", "model.safetensors", "tokenizer.json", "loss.svg", "train_log.jsonl", "eval.json"] {
        assert!(base.join(file).is_file(), "missing {file}");
    }
    let (masks, _) = ok(&["fill-mask", "--model", s(&base), "--text", "the [MASK] was good", "--json"]);
    assert_eq!(masks["masks"][0]["candidates"].as_array().unwrap().len(), 5);
    // Pretraining goes on from a saved model: its vocabulary is kept, its weights move on.
    let more = dir.path().join("more");
    let out = pretrain(dir.path(), &more, "10", &["--from", s(&base)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let read = |dir: &Path, file: &str| std::fs::read(dir.join(file)).unwrap();
    assert_eq!(read(&more, "tokenizer.json"), read(&base, "tokenizer.json"));
    assert_ne!(read(&more, "model.safetensors"), read(&base, "model.safetensors"));
    let out = pretrain(dir.path(), &dir.path().join("other"), "10", &["--from", "/nonexistent/model"]);
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("/nonexistent/model does not exist")
    );

    let (train, eval) = (dir.path().join("train.csv"), dir.path().join("eval.csv"));
    write_csv(&train, 96, 0);
    write_csv(&eval, 40, 1000);
    let tuned = dir.path().join("tuned");
    let (report, _) = ok(&[
        "finetune",
        "--task",
        "classify",
        "--model",
        s(&base),
        "--train",
        s(&train),
        "--eval",
        s(&eval),
        "--out",
        s(&tuned),
        "--epochs",
        "6",
        "--lr",
        "3e-3",
        "--batch",
        "8",
        "--json",
    ]);
    let accuracy = report["eval"]["accuracy"].as_f64().unwrap();
    assert!(accuracy >= 0.9, "fine-tuned accuracy {accuracy}: {report}");
    let config: serde_json::Value = serde_json::from_slice(&std::fs::read(tuned.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["id2label"], serde_json::json!({"0": "neg", "1": "pos"}));
    assert_eq!(config["architectures"], serde_json::json!(["BertForSequenceClassification"]));

    // Loaded back from disk, the model scores exactly as the trainer's copy did.
    let (scores, _) = ok(&["eval", "--task", "classify", "--model", s(&tuned), "--data", s(&eval), "--json"]);
    assert_eq!(scores["accuracy"], report["eval"]["accuracy"]);
    assert_eq!(scores["loss"], report["eval"]["loss"]);
    let (labels, _) = ok(&["classify", "--model", s(&tuned), "--text", "the film was really great", "--json"]);
    assert_eq!(labels["labels"][0]["label"], "pos");

    // Bad input, each with a clear last line.
    let model = s(&tuned);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "text,label\nthe film was good,pos\nno label here\nthe plot was bad,neg\n").unwrap();
    fails_with(&["eval", "--task", "classify", "--model", model, "--data", s(&bad)], "line 3");
    let (_, err) =
        ok(&["eval", "--task", "classify", "--model", model, "--data", s(&bad), "--skip-bad-rows", "--json"]);
    assert!(err.contains("skipped 1 bad rows"), "{err}");
    std::fs::write(&bad, "text,label\nthe film was good,pos\nthe plot was odd,meh\n").unwrap();
    fails_with(&["eval", "--task", "classify", "--model", model, "--data", s(&bad)], "line 3: label \"meh\"");
    std::fs::write(&bad, "").unwrap();
    fails_with(&["eval", "--task", "classify", "--model", model, "--data", s(&bad)], "no rows");
    std::fs::write(&bad, "sentence,score\nthe film,1\n").unwrap();
    fails_with(&["eval", "--task", "classify", "--model", model, "--data", s(&bad)], "label");

    // A single-class training set trains, with a warning.
    let one = dir.path().join("one.csv");
    std::fs::write(&one, "text,label\nthe film was good,pos\nthe plot was great,pos\n").unwrap();
    let (_, err) = ok(&[
        "finetune",
        "--task",
        "classify",
        "--model",
        s(&base),
        "--train",
        s(&one),
        "--out",
        s(&dir.path().join("one")),
        "--epochs",
        "1",
        "--json",
    ]);
    assert!(err.contains("only one label"), "{err}");
    // A finished run is not overwritten.
    fails_with(
        &["finetune", "--task", "classify", "--model", s(&base), "--train", s(&one), "--out", s(&tuned)],
        "already holds a model",
    );
    // Resuming a finished run says so.
    fails_with(
        &[
            "finetune",
            "--task",
            "classify",
            "--model",
            s(&base),
            "--train",
            s(&train),
            "--out",
            s(&tuned),
            "--epochs",
            "6",
            "--lr",
            "3e-3",
            "--resume",
        ],
        "already finished",
    );
    // --resume reads the run's own checkpoint, and says that --model is not used.
    let args =
        ["finetune", "--task", "classify", "--model", s(&base), "--train", s(&train), "--out", s(&tuned), "--resume"];
    let err = String::from_utf8_lossy(&bertplay(&args).stderr).to_string();
    assert!(err.contains("--model") && err.contains("is not read"), "{err}");
    // Hyperparameters are checked before any work: a NaN learning rate, a billion epochs.
    let never = dir.path().join("never");
    for (flag, value) in [("--lr", "NaN"), ("--epochs", "1000000000")] {
        let mut bad = vec!["finetune", "--task", "classify", "--model", s(&base), "--train", s(&train)];
        bad.extend(["--out", s(&never), flag, value]);
        fails_with(&bad, "training options");
    }
    // A loss that explodes stops the run and says so.
    fails_with(
        &[
            "finetune",
            "--task",
            "classify",
            "--model",
            s(&base),
            "--train",
            s(&train),
            "--out",
            s(&dir.path().join("nan")),
            "--lr",
            "1e30",
            "--log-every",
            "1",
        ],
        "training stopped",
    );
}

/// A small SQuAD file: each context names a colour; the question asks for it.
/// Kills the run with SIGKILL (no handler runs, nothing is flushed) once `ready` says so, or
/// returns false when the run ended first.
fn kill_when(args: &[String], ready: impl Fn() -> bool) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bertplay"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if ready() {
            child.kill().unwrap();
            child.wait().unwrap();
            return true;
        }
    }
}

/// SIGKILL mid-training and in the middle of writing a checkpoint: each time `--resume` goes
/// on, and the run ends with the uninterrupted run's weights. Then the state a kill during the
/// final model's write leaves (a file half written beside the folder, no eval.json): resuming
/// writes the model again.
#[test]
fn a_killed_run_resumes_to_the_same_weights() {
    let dir = tempfile::tempdir().unwrap();
    // A checkpoint after every step: 120 chances to land a kill inside one's write.
    let steps = "120";
    let with = |out: &Path, extra: &[&str]| {
        let mut args = pretrain_args(dir.path(), out, steps);
        args.extend(["--save-every", "1"].iter().chain(extra).map(|a| a.to_string()));
        args
    };
    let straight = dir.path().join("straight");
    let out = Command::new(env!("CARGO_BIN_EXE_bertplay")).args(with(&straight, &[])).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let cut = dir.path().join("cut");
    let logged = |at: usize| {
        let log = std::fs::read_to_string(cut.join("train_log.jsonl")).unwrap_or_default();
        log.lines().filter(|l| l.contains("\"loss\"")).count() >= at
    };
    assert!(kill_when(&with(&cut, &[]), || logged(10)), "the run ended before step 10");
    let state = |name: &str| cut.join(name).join("trainer_state.json").is_file();
    assert!(state("checkpoint"), "a checkpoint was saved before step 10");
    // While a checkpoint is being written: its folder exists, not yet swapped in.
    let writing = || cut.join("checkpoint.new").exists();
    assert!(kill_when(&with(&cut, &["--resume"]), writing), "the run ended without being caught in a save");
    assert!(state("checkpoint") || state("checkpoint.new"), "a whole checkpoint is left");

    let resume = || Command::new(env!("CARGO_BIN_EXE_bertplay")).args(with(&cut, &["--resume"])).output().unwrap();
    let out = resume();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let weights = |d: &Path| std::fs::read(d.join("model.safetensors")).unwrap();
    assert!(weights(&straight) == weights(&cut), "resumed weights differ from the uninterrupted run's");
    let log = std::fs::read_to_string(cut.join("train_log.jsonl")).unwrap();
    let logged_steps: Vec<u64> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("loss").is_some())
        .map(|v| v["step"].as_u64().unwrap())
        .collect();
    assert_eq!(logged_steps, (1..=120).collect::<Vec<_>>(), "every step logged once");

    // Cut short in the final write: the model file half written under its temporary name.
    std::fs::remove_file(cut.join("eval.json")).unwrap();
    let whole = weights(&cut);
    std::fs::remove_file(cut.join("model.safetensors")).unwrap();
    std::fs::write(cut.join("model.safetensors.partial"), &whole[..whole.len() / 2]).unwrap();
    let out = resume();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(weights(&cut) == whole && cut.join("eval.json").is_file());
    assert!(!cut.join("model.safetensors.partial").exists());
}

fn write_squad(path: &Path, articles: usize) {
    let colours = ["red", "blue", "green", "happy"];
    let data: Vec<serde_json::Value> = (0..articles)
        .map(|a| {
            let paragraphs: Vec<serde_json::Value> = (0..4)
                .map(|p| {
                    let colour = colours[(a + p) % colours.len()];
                    let context =
                        format!("{} the film was {colour} and {}", sentence(a * 4 + p, true), sentence(p, false));
                    let start = context.find(&format!("was {colour}")).unwrap() + 4;
                    serde_json::json!({"context": context, "qas": [{"id": format!("q{a}-{p}"),
                        "question": "what was the film", "answers": [{"text": colour, "answer_start": start}]}]})
                })
                .collect();
            serde_json::json!({"title": format!("article {a}"), "paragraphs": paragraphs})
        })
        .collect();
    std::fs::write(path, serde_json::json!({"version": "1.1", "data": data}).to_string()).unwrap();
}

#[test]
fn qa_finetune_and_eval_agree() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    let out = pretrain(dir.path(), &base, "20", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let squad = dir.path().join("squad.json");
    write_squad(&squad, 12);
    let tuned = dir.path().join("qa");
    let (report, _) = ok(&[
        "finetune",
        "--task",
        "qa",
        "--model",
        s(&base),
        "--train",
        s(&squad),
        "--articles",
        "3-12",
        "--eval",
        s(&squad),
        "--out",
        s(&tuned),
        "--max-len",
        "32",
        "--stride",
        "8",
        "--epochs",
        "8",
        "--lr",
        "3e-3",
        "--json",
    ]);
    assert!(report["train_examples"].as_u64().unwrap() >= 40, "{report}");
    // Exactly transformers' BertForQuestionAnswering: the QA head, no pooler, no pretraining heads.
    let config: serde_json::Value = serde_json::from_slice(&std::fs::read(tuned.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["architectures"], serde_json::json!(["BertForQuestionAnswering"]));
    let names = saved_tensor_names(&tuned);
    assert!(names.iter().any(|n| n == "qa_outputs.weight"), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("pooler") || n.starts_with("cls.")), "{names:?}");
    let f1 = report["eval"]["f1"].as_f64().unwrap();
    assert!(f1 > 0.5, "QA F1 {f1}: {report}");
    let (scores, _) = ok(&[
        "eval",
        "--task",
        "qa",
        "--model",
        s(&tuned),
        "--data",
        s(&squad),
        "--max-len",
        "32",
        "--stride",
        "8",
        "--json",
    ]);
    assert_eq!(scores["exact_match"], report["eval"]["exact_match"]);
    assert_eq!(scores["f1"], report["eval"]["f1"]);
    let (answer, _) = ok(&[
        "qa",
        "--model",
        s(&tuned),
        "--question",
        "what was the film",
        "--context",
        "the story was very good the film was green and the plot was bad",
        "--json",
    ]);
    assert!(answer["answer"].as_str().is_some());
    fails_with(
        &[
            "finetune",
            "--task",
            "qa",
            "--model",
            s(&base),
            "--train",
            s(&squad),
            "--articles",
            "20-30",
            "--out",
            s(&dir.path().join("none")),
        ],
        "no questions in articles 20-30",
    );
}

/// Ctrl-C mid-run saves a checkpoint; `--resume` finishes with the weights of a run that was
/// never interrupted.
#[test]
fn an_interrupted_run_resumes_to_the_same_weights() {
    let dir = tempfile::tempdir().unwrap();
    let straight = dir.path().join("straight");
    let out = pretrain(dir.path(), &straight, "60", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let cut = dir.path().join("cut");
    let corpus = dir.path().join("corpus.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bertplay"))
        .args(pretrain_args(dir.path(), &cut, "60"))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let started = line.starts_with("step ");
        seen.push(line);
        if started {
            Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
            break;
        }
    }
    seen.extend(lines.map(|l| l.unwrap()));
    let status = child.wait().unwrap();
    let last = seen.last().cloned().unwrap_or_default();
    assert!(!status.success() && last.contains("interrupted at step"), "{seen:?}");

    let out = pretrain(dir.path(), &cut, "60", &["--resume"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let weights = |d: &Path| std::fs::read(d.join("model.safetensors")).unwrap();
    assert!(weights(&straight) == weights(&cut), "resumed weights differ from the uninterrupted run's");
    // The log has every step once, in order, and its clock runs on across the interruption.
    let log = std::fs::read_to_string(cut.join("train_log.jsonl")).unwrap();
    let steps: Vec<(u64, f64)> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("loss").is_some())
        .map(|v| (v["step"].as_u64().unwrap(), v["elapsed_s"].as_f64().unwrap()))
        .collect();
    assert_eq!(steps.iter().map(|s| s.0).collect::<Vec<_>>(), (1..=60).collect::<Vec<_>>());
    assert!(steps.windows(2).all(|w| w[0].1 <= w[1].1), "elapsed_s went back: {steps:?}");

    fails_with(
        &["pretrain", "--corpus", s(&corpus), "--out", s(&dir.path().join("none")), "--resume"],
        "nothing to resume",
    );
    fails_with(
        &pretrain_args(dir.path(), &cut, "60").iter().map(String::as_str).collect::<Vec<_>>(),
        "already holds a model",
    );
    let mut again = pretrain_args(dir.path(), &cut, "60");
    again.push("--resume".into());
    fails_with(&again.iter().map(String::as_str).collect::<Vec<_>>(), "already finished");
    let small = dir.path().join("small.txt");
    std::fs::write(&small, "One sentence only.\n\nAnother document.\n").unwrap();
    fails_with(
        &["pretrain", "--corpus", s(&small), "--out", s(&dir.path().join("small"))],
        "next-sentence prediction needs",
    );
    std::fs::write(&small, "").unwrap();
    fails_with(&["pretrain", "--corpus", s(&small), "--out", s(&dir.path().join("empty"))], "the corpus has no text");
}
