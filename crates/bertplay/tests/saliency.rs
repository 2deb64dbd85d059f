//! Saliency from the engine's gradients: each token's gradient × input equals the finite
//! difference of the answer's log-probability when that token's word vector is scaled by
//! 1 ± ε; integrated gradients add up to the change from the baseline; bad requests get clear
//! errors. On the tiny test models, one per head.

mod common;

use bertplay::tasks::saliency::{resolve, saliency, scaled_log_probs, Method, SaliencyTask, MAX_STEPS};
use bertplay::LoadedModel;
use burn::tensor::Device;
use common::{block, fixtures, load_dir};

fn model(name: &str) -> LoadedModel {
    load_dir(&fixtures().join(name), true, &Device::flex())
}

/// Gradient × input against central differences, token by token.
fn check_gradients(p: &LoadedModel, task: SaliencyTask) {
    let s = block(saliency(p, &task, Method::GradientTimesInput, 1)).unwrap();
    let r = block(resolve(p, &task)).unwrap();
    let seq = r.encoded.ids.len();
    assert_eq!(s.scores.len(), seq);
    const EPS: f32 = 1e-2;
    // Row 2i scales token i by 1 + ε, row 2i + 1 by 1 − ε.
    let mut scales = Vec::new();
    for i in 0..seq {
        for sign in [1.0, -1.0] {
            scales.extend((0..seq).map(|j| if j == i { 1.0 + sign * EPS } else { 1.0 }));
        }
    }
    let (f, _) = block(scaled_log_probs(p, &r.encoded, r.target, scales, false)).unwrap();
    for i in 0..seq {
        let numeric = (f[2 * i] - f[2 * i + 1]) / (2.0 * EPS);
        let d = (numeric - s.scores[i]).abs();
        assert!(
            d <= 2e-3 + 0.05 * s.scores[i].abs(),
            "{}: token {i}: gradient {} vs finite difference {numeric}",
            s.target,
            s.scores[i]
        );
    }
    assert!(s.scores.iter().any(|x| x.abs() > 1e-3), "{}: the scores are not all zero: {:?}", s.target, s.scores);
}

#[test]
fn gradient_times_input_matches_finite_differences_for_every_head() {
    let pretraining = model("tiny-pretraining");
    check_gradients(&pretraining, SaliencyTask::FillMask { text: "the cat [MASK] on the mat".into(), word: None });
    check_gradients(
        &pretraining,
        SaliencyTask::Nsp { text: "the cat sat".into(), text_b: "on the mat".into(), is_next: Some(false) },
    );
    check_gradients(
        &model("tiny-classifier"),
        SaliencyTask::Classify { text: "the cat sat on the mat".into(), text_b: None, label: None },
    );
    check_gradients(
        &model("tiny-qa"),
        SaliencyTask::Qa { question: "who sat".into(), context: "the cat sat on the mat".into() },
    );
}

#[test]
fn integrated_gradients_add_up_to_the_change_from_the_baseline() {
    let p = model("tiny-pretraining");
    let task = SaliencyTask::FillMask { text: "the cat [MASK] on the mat".into(), word: None };
    let s = block(saliency(&p, &task, Method::IntegratedGradients, 128)).unwrap();
    let total: f32 = s.scores.iter().sum();
    let change = s.log_prob - s.baseline_log_prob;
    assert!((total - change).abs() <= 0.02 * change.abs().max(0.1), "Σ scores {total} vs change {change}");
    // One point on the path is the gradient at the input.
    let one = block(saliency(&p, &task, Method::IntegratedGradients, 1)).unwrap();
    let plain = block(saliency(&p, &task, Method::GradientTimesInput, 1)).unwrap();
    assert_eq!(one.scores, plain.scores);
    assert_eq!(plain.steps, 1);
}

#[test]
fn bad_requests_get_clear_errors() {
    let p = model("tiny-pretraining");
    let err = |task: SaliencyTask, method, steps| block(saliency(&p, &task, method, steps)).unwrap_err().to_string();
    let fill =
        |word: Option<&str>| SaliencyTask::FillMask { text: "the [MASK] sat".into(), word: word.map(String::from) };
    assert!(err(fill(None), Method::IntegratedGradients, 0).contains(&format!("1 to {MAX_STEPS} steps")));
    assert!(err(fill(None), Method::IntegratedGradients, MAX_STEPS + 1).contains("steps"));
    assert!(err(fill(Some("xylophones")), Method::GradientTimesInput, 1).contains("not a single token"));
    let no_mask = SaliencyTask::FillMask { text: "the cat sat".into(), word: None };
    assert!(err(no_mask, Method::GradientTimesInput, 1).contains("no [MASK]"));
    let classify = SaliencyTask::Classify { text: "the cat".into(), text_b: None, label: None };
    assert!(err(classify, Method::GradientTimesInput, 1).contains("classification"));
    let c = model("tiny-classifier");
    let label = SaliencyTask::Classify { text: "the cat".into(), text_b: None, label: Some("nope".into()) };
    assert!(block(saliency(&c, &label, Method::GradientTimesInput, 1))
        .unwrap_err()
        .to_string()
        .contains("no label \"nope\""));
}
