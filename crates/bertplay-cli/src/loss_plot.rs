//! The loss curve of a run as an SVG: training loss per logged step (a thin line and its moving
//! average) and the evaluation loss as dots, drawn from `train_log.jsonl`.

use std::fs;
use std::path::Path;

use serde_json::Value;

const W: f64 = 720.0;
const H: f64 = 360.0;
const PAD: f64 = 56.0;

pub fn write(log: &Path, out: &Path) -> Result<(), String> {
    let text = fs::read_to_string(log).map_err(|e| e.to_string())?;
    let lines: Vec<Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let point = |v: &Value, key: &str| Some((v["step"].as_f64()?, v[key].as_f64()?));
    let train: Vec<(f64, f64)> = lines.iter().filter_map(|v| point(v, "loss")).collect();
    let eval: Vec<(f64, f64)> =
        lines.iter().filter_map(|v| Some((v["step"].as_f64()?, v["eval"]["loss"].as_f64()?))).collect();
    if train.is_empty() {
        return Err("no training steps logged".into());
    }
    fs::write(out, svg(&train, &eval)).map_err(|e| e.to_string())
}

fn svg(train: &[(f64, f64)], eval: &[(f64, f64)]) -> String {
    let all = train.iter().chain(eval);
    let max_step = all.clone().map(|p| p.0).fold(1.0, f64::max);
    let max_loss = all.map(|p| p.1).fold(0.0, f64::max).max(1e-6) * 1.05;
    let x = |s: f64| PAD + s / max_step * (W - 2.0 * PAD);
    let y = |l: f64| H - PAD - l / max_loss * (H - 2.0 * PAD);
    let path = |points: &[(f64, f64)]| {
        points.iter().map(|&(s, l)| format!("{:.1},{:.1}", x(s), y(l))).collect::<Vec<_>>().join(" ")
    };
    let window = (train.len() / 50).max(1);
    let smooth: Vec<(f64, f64)> = (0..train.len())
        .map(|i| {
            let from = i.saturating_sub(window - 1);
            let slice = &train[from..=i];
            (train[i].0, slice.iter().map(|p| p.1).sum::<f64>() / slice.len() as f64)
        })
        .collect();
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    for i in 0..=4 {
        let l = max_loss * i as f64 / 4.0;
        s += &format!(
            "<line x1=\"{PAD}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{l:.2}</text>\n",
            W - PAD,
            PAD - 6.0,
            y(l) + 4.0,
            y = y(l)
        );
        let st = max_step * i as f64 / 4.0;
        s += &format!("<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{st:.0}</text>\n", x(st), H - PAD + 18.0);
    }
    s += &format!("<polyline fill=\"none\" stroke=\"#9ecae1\" stroke-width=\"1\" points=\"{}\"/>\n", path(train));
    s += &format!("<polyline fill=\"none\" stroke=\"#08519c\" stroke-width=\"2\" points=\"{}\"/>\n", path(&smooth));
    for &(st, l) in eval {
        s += &format!("<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#e6550d\"/>\n", x(st), y(l));
    }
    s += &format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">step</text>\n<text x=\"14\" y=\"{}\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\">loss</text>\n\
         <text x=\"{PAD}\" y=\"20\"><tspan fill=\"#08519c\">training loss (moving average)</tspan>  <tspan fill=\"#e6550d\">● held-out loss</tspan></text>\n</svg>\n",
        W / 2.0,
        H - 12.0,
        H / 2.0,
        H / 2.0
    );
    s
}
