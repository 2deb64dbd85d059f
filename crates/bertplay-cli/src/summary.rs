//! Readable summaries for a terminal (the `--json` output carries everything).

use bertplay::tasks::classify::LabelScore;
use bertplay::tasks::explain::Explanation;
use bertplay::tasks::fill_mask::MaskPrediction;
use bertplay::tasks::inspect::Inspection;
use bertplay::tasks::nsp::NextSentence;
use bertplay::tasks::qa::Answer;
use bertplay::tasks::saliency::{Method, Saliency};

use crate::bench::BenchResult;

pub fn inspection(out: &Inspection) -> String {
    let layers = out.attentions.len();
    let heads = out.attentions.first().map_or(0, Vec::len);
    let dim = out.hidden_states.first().and_then(|l| l.first()).map_or(0, Vec::len);
    let mut s = format!("{} tokens, {layers} layers × {heads} heads, hidden size {dim}\n\n", out.tokens.len());
    s += "  #  token            id  segment  most attended (last layer, mean of heads)\n";
    let last = out.attentions.last();
    for (i, token) in out.tokens.iter().enumerate() {
        let target = last.map(|heads| {
            let n = out.tokens.len();
            let mean: Vec<f32> =
                (0..n).map(|j| heads.iter().map(|h| h[i][j]).sum::<f32>() / heads.len() as f32).collect();
            let (j, w) = mean.iter().enumerate().fold((0, f32::MIN), |b, (j, &w)| if w > b.1 { (j, w) } else { b });
            format!("{} ({w:.2})", out.tokens[j])
        });
        s += &format!(
            "{i:>3}  {token:<15} {:>6}  {:>7}  {}\n",
            out.input_ids[i],
            out.token_type_ids[i],
            target.unwrap_or_default()
        );
    }
    if let Some(pooler) = &out.pooler {
        let head: Vec<String> = pooler.iter().take(6).map(|x| format!("{x:.4}")).collect();
        s += &format!("\npooler output [{}]: [{}, …]", pooler.len(), head.join(", "));
    } else {
        s += "\nthis model has no pooler";
    }
    s
}

pub fn fill_mask(out: &[MaskPrediction]) -> String {
    out.iter()
        .map(|m| {
            let lines: Vec<String> =
                m.candidates.iter().map(|c| format!("  {:>7.4}  {}", c.probability, c.token)).collect();
            format!("[MASK] at token {}:\n{}", m.position, lines.join("\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn next_sentence(out: &NextSentence) -> String {
    format!("P(B follows A) = {:.4}\nP(B is random) = {:.4}", out.is_next, 1.0 - out.is_next)
}

pub fn answer(out: &Answer) -> String {
    format!(
        "answer: {}\nscore:  {:.4}\nspan:   characters {}..{} (tokens {}..={} of window {} of {})",
        out.answer,
        out.score,
        out.start,
        out.end,
        out.start_token,
        out.end_token,
        out.window + 1,
        out.windows
    )
}

pub fn labels(out: &[LabelScore]) -> String {
    out.iter().map(|l| format!("{:>8.4}  {}", l.probability, l.label)).collect::<Vec<_>>().join("\n")
}

pub fn bench(out: &BenchResult) -> String {
    format!(
        "{} {:?} batch {}×{}: median {:.1} ms (mean {:.1}, min {:.1}) over {} runs = {:.0} tokens/s{}",
        out.device,
        out.mode,
        out.batch,
        out.seq,
        out.median_ms,
        out.mean_ms,
        out.min_ms,
        out.iterations,
        out.tokens_per_s,
        out.peak_rss_mb.map(|mb| format!(", peak memory {mb:.0} MB")).unwrap_or_default()
    )
}

/// The steps one per line, long vectors cut to their first numbers.
pub fn explanation(out: &Explanation) -> String {
    let v = |xs: &[f32]| {
        let shown: Vec<String> = xs.iter().take(6).map(|x| format!("{x:.4}")).collect();
        format!("[{}{}] ({})", shown.join(", "), if xs.len() > 6 { ", …" } else { "" }, xs.len())
    };
    let t = out.token;
    let mut s =
        format!("token {t} ({}), layer {}, head {} (head size {})\n", out.tokens[t], out.layer, out.head, out.head_dim);
    let steps: [(&str, &[f32]); 6] = [
        ("input", &out.input[t]),
        ("q = x·W_q + b_q", &out.q[t]),
        ("q·k for every key", &out.scores),
        ("÷ √d", &out.scaled),
        ("softmax", &out.probs),
        ("Σ probs·v (this head)", &out.context),
    ];
    let more: [(&str, &[f32]); 6] = [
        ("all heads", &out.heads_concat),
        ("output projection", &out.attention_output),
        ("LayerNorm(x + attention)", &out.attention_norm),
        ("GELU(h·W_1 + b_1)", &out.intermediate),
        ("·W_2 + b_2", &out.ffn_output),
        ("LayerNorm(h + ffn): output", &out.output),
    ];
    for (name, xs) in steps.iter().chain(&more) {
        s += &format!("  {name:<28} {}\n", v(xs));
    }
    let (j, p) = out.probs.iter().enumerate().fold((0, f32::MIN), |b, (j, &p)| if p > b.1 { (j, p) } else { b });
    s += &format!("\nthe head attends most to {} ({p:.3})", out.tokens[j]);
    s
}

/// One line per token, a bar as long as its share of the largest score.
pub fn saliency(out: &Saliency) -> String {
    let top = out.scores.iter().fold(0f32, |m, s| m.max(s.abs())).max(f32::MIN_POSITIVE);
    let method = match out.method {
        Method::GradientTimesInput => "gradient × input".to_string(),
        Method::IntegratedGradients => format!("integrated gradients, {} steps", out.steps),
    };
    let mut s = format!(
        "{} ({method}): log-probability {:.4}, without word vectors {:.4}\n",
        out.target, out.log_prob, out.baseline_log_prob
    );
    for (token, score) in out.tokens.iter().zip(&out.scores) {
        let bar = "█".repeat((score.abs() / top * 20.0).round() as usize);
        s += &format!("  {token:<15} {score:>9.4}  {}{bar}\n", if *score < 0.0 { "-" } else { "+" });
    }
    s
}
