//! The training engine end to end on tiny models: it learns (loss down, accuracy up), pretraining
//! improves MLM, a resumed run is bit-identical to an uninterrupted one, frozen layers stay put.

use bertplay::checkpoint::{load_bert, save_bert};
use bertplay::dropout::Dropout;
use bertplay::heads::HeadKind;
use bertplay::rng::Rng;
use bertplay::training::batch::{Example, Target};
use bertplay::training::corpus::Corpus;
use bertplay::training::evaluate::{evaluate_classification, evaluate_pretraining};
use bertplay::training::pretraining::{mask_vocab, pretraining_examples};
use bertplay::training::trainer::{Trainer, TrainingPlan};
use bertplay::training::vocab::train_vocab;
use bertplay::{Bert, BertConfig, BertTokenizer, Truncation};
use burn::tensor::Device;
use pollster::block_on;

/// Flex keeps one random generator per process, so tests that seed it (for reproducible
/// dropout) must not run at the same time.
static SEEDED: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    SEEDED.lock().unwrap_or_else(|e| e.into_inner())
}

const GOOD: [&str; 5] = ["good", "great", "fine", "nice", "happy"];
const BAD: [&str; 5] = ["bad", "awful", "poor", "sad", "ugly"];
const FILLER: [&str; 10] = ["the", "movie", "was", "very", "plot", "actor", "story", "really", "quite", "film"];

/// A sentence of filler words with one sentiment word somewhere in it.
fn sentence(rng: &mut Rng, positive: bool) -> String {
    let mut words: Vec<&str> = (0..3 + rng.below(3)).map(|_| FILLER[rng.below(FILLER.len())]).collect();
    let pool = if positive { GOOD } else { BAD };
    words.insert(rng.below(words.len() + 1), pool[rng.below(pool.len())]);
    words.join(" ")
}

fn tokenizer() -> BertTokenizer {
    let text: Vec<String> = [GOOD, BAD].concat().iter().chain(&FILLER).map(|w| format!("{w} {w}")).collect();
    train_vocab(&text, 60, 32).unwrap()
}

fn tiny_config(tokenizer: &BertTokenizer) -> BertConfig {
    let mut config = BertConfig::new(tokenizer.vocab_size(), 32, 2, 2, 64);
    config.max_position_embeddings = 32;
    config
}

fn sentiment_examples(tokenizer: &BertTokenizer, n: usize, seed: u64) -> Vec<Example> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let text = sentence(&mut rng, i % 2 == 0);
            let encoded = tokenizer.encode(&text, None, Truncation::LongestFirst).unwrap();
            Example { encoded, target: Target::Label(i % 2) }
        })
        .collect()
}

fn classifier(tokenizer: &BertTokenizer, device: &Device) -> Bert {
    let mut config = tiny_config(tokenizer);
    config.set_labels(&["positive".into(), "negative".into()]);
    device.seed(7);
    Bert::init(&config, &[HeadKind::SequenceClassification], device).unwrap()
}

fn read(t: burn::tensor::Tensor<1>) -> f32 {
    t.into_data().try_into_vec::<f32>().unwrap()[0]
}

#[test]
fn a_tiny_model_learns_sentiment_from_one_word() {
    let _turn = one_at_a_time();
    let device = Device::flex();
    let tokenizer = tokenizer();
    let train = sentiment_examples(&tokenizer, 160, 1);
    let held_out = sentiment_examples(&tokenizer, 80, 2);
    let bert = classifier(&tokenizer, &device);
    let before = block_on(evaluate_classification(&bert, &held_out, 32, 2)).unwrap();

    let plan = TrainingPlan::for_epochs(train.len(), 10, 16, 3e-3, 0.1);
    let mut trainer = Trainer::new(bert, plan, &train, None).unwrap();
    let mut losses = Vec::new();
    while !trainer.is_done() {
        losses.push(read(trainer.train_step(&train).unwrap().loss));
    }
    let after = block_on(evaluate_classification(&trainer.model(), &held_out, 32, 2)).unwrap();
    let mean = |l: &[f32]| l.iter().sum::<f32>() / l.len() as f32;
    let (first, last) = (mean(&losses[..10]), mean(&losses[losses.len() - 10..]));
    assert!(last < first * 0.5, "training loss {first} → {last}");
    assert!(after.loss < before.loss * 0.5, "held-out loss {} → {}", before.loss, after.loss);
    assert!(after.accuracy >= 0.95, "held-out accuracy {} (before {})", after.accuracy, before.accuracy);
    assert!(after.macro_f1 >= 0.95);
}

fn corpus() -> Corpus {
    let mut rng = Rng::new(5);
    let docs: Vec<String> = (0..40)
        .map(|d| {
            let positive = d % 2 == 0;
            (0..4).map(|_| sentence(&mut rng, positive)).collect::<Vec<_>>().join("\n")
        })
        .collect();
    Corpus::parse(&docs.join("\n\n")).unwrap()
}

fn pretraining_setup(device: &Device) -> (Bert, Vec<Example>, BertTokenizer) {
    let tokenizer = tokenizer();
    let examples = pretraining_examples(&tokenizer, &corpus(), 32, &mut Rng::new(3)).unwrap();
    device.seed(11);
    let bert = Bert::init(&tiny_config(&tokenizer), &[HeadKind::MaskedLm, HeadKind::NextSentence], device).unwrap();
    (bert, examples, tokenizer)
}

#[test]
fn pretraining_improves_masked_lm() {
    let _turn = one_at_a_time();
    let device = Device::flex();
    let (bert, examples, tokenizer) = pretraining_setup(&device);
    let vocab = mask_vocab(&tokenizer).unwrap();
    let before = block_on(evaluate_pretraining(&bert, &examples, 32, &vocab, 9)).unwrap();
    let plan = TrainingPlan::for_epochs(examples.len(), 15, 16, 2e-3, 0.1);
    let mut trainer = Trainer::new(bert, plan, &examples, Some(vocab.clone())).unwrap();
    while !trainer.is_done() {
        trainer.train_step(&examples).unwrap();
    }
    let after = block_on(evaluate_pretraining(&trainer.model(), &examples, 32, &vocab, 9)).unwrap();
    assert!(after.loss < before.loss - 0.5, "loss {} → {}", before.loss, after.loss);
    // Filler words are drawn from 10 (and sentiment words from 5): top-5 must beat chance clearly.
    assert!(after.mlm_top5 > 0.3 && after.mlm_top5 > before.mlm_top5 + 0.2, "{before:?} → {after:?}");
}

/// Saves and resumes mid-run; every weight and moment must equal the uninterrupted run's.
#[test]
fn a_resumed_run_is_bit_identical() {
    let _turn = one_at_a_time();
    let device = Device::flex();
    let run = |stop_at: Option<usize>, steps: usize| {
        let (bert, examples, tokenizer) = pretraining_setup(&device);
        let vocab = mask_vocab(&tokenizer).unwrap();
        let mut plan = TrainingPlan::for_epochs(examples.len(), 1, 8, 1e-3, 0.2);
        plan.total_steps = steps;
        let mut trainer = Trainer::new(bert, plan, &examples, Some(vocab.clone())).unwrap();
        while !trainer.is_done() {
            if stop_at == Some(trainer.step) {
                let saved = block_on(trainer.checkpoint()).unwrap();
                let (bert, _) =
                    load_bert(saved.model.config_json.as_bytes(), &saved.model.safetensors, &device).unwrap();
                let weights = &saved.model.safetensors;
                trainer =
                    Trainer::resume(bert, weights, &saved.optimizer, &saved.state_json, &examples, Some(vocab.clone()))
                        .unwrap();
            }
            trainer.train_step(&examples).unwrap();
        }
        block_on(trainer.checkpoint()).unwrap()
    };
    let straight = run(None, 8);
    let resumed = run(Some(3), 8);
    assert!(straight.model.safetensors == resumed.model.safetensors, "weights differ after resuming");
    assert!(straight.optimizer == resumed.optimizer, "optimizer state differs after resuming");
    assert_eq!(straight.state_json, resumed.state_json);
    // Resuming on different data is refused.
    let (bert, examples, _) = pretraining_setup(&device);
    let weights = &straight.model.safetensors;
    let err = Trainer::resume(bert, weights, &straight.optimizer, &straight.state_json, &examples[1..], None);
    assert!(err.is_err_and(|e| e.to_string().contains("same data")));
    // So is resuming on the same number of examples with other contents.
    let (bert, mut examples, _) = pretraining_setup(&device);
    examples.swap(0, 1);
    examples[0].encoded.ids[1] += 1;
    let err = Trainer::resume(bert, weights, &straight.optimizer, &straight.state_json, &examples, None);
    assert!(err.is_err_and(|e| e.to_string().contains("same data")));
    // And resuming with weights of another shape than the optimizer state's.
    let (_, examples, tokenizer) = pretraining_setup(&device);
    let mut wider = tiny_config(&tokenizer);
    wider.intermediate_size += 4;
    let other = Bert::init(&wider, &[HeadKind::MaskedLm, HeadKind::NextSentence], &device).unwrap();
    let saved_other = block_on(save_bert(&other)).unwrap().safetensors;
    let err = Trainer::resume(other.clone(), &saved_other, &straight.optimizer, &straight.state_json, &examples, None);
    assert!(err.is_err_and(|e| e.to_string().contains("not the ones this optimizer state was saved with")));
    // (the moments are checked against the model too, whatever bytes it came from)
    let err = Trainer::resume(other, weights, &straight.optimizer, &straight.state_json, &examples, None);
    assert!(err.is_err_and(|e| e.to_string().contains("optimizer state does not belong")), "refused");
    // And with weights of the same shape that are not the checkpoint's (another run's, or the
    // same run's at another step): the moments would fit, the fingerprint does not.
    let (_, examples, _) = pretraining_setup(&device);
    let earlier = run(None, 3);
    let (bert, _) = load_bert(earlier.model.config_json.as_bytes(), &earlier.model.safetensors, &device).unwrap();
    let err =
        Trainer::resume(bert, &earlier.model.safetensors, &straight.optimizer, &straight.state_json, &examples, None);
    assert!(err.is_err_and(|e| e.to_string().contains("not the ones this optimizer state was saved with")));
}

/// Dropout masks come from the device's generator, so seeding it (as the trainer does each step)
/// repeats a step's masks exactly: what makes a resumed run bit-identical.
#[test]
fn the_device_seed_decides_the_dropout_mask() {
    let _turn = one_at_a_time();
    let device = Device::flex().autodiff();
    let dropout = Dropout::new(0.5);
    let draw = |seed| {
        device.seed(seed);
        dropout.forward(burn::tensor::Tensor::<2>::ones([4, 64], &device)).into_data().try_into_vec::<f32>().unwrap()
    };
    assert_eq!(draw(1), draw(1));
    assert_ne!(draw(1), draw(2));
}

#[test]
fn frozen_layers_do_not_change() {
    let _turn = one_at_a_time();
    let device = Device::flex();
    let tokenizer = tokenizer();
    let train = sentiment_examples(&tokenizer, 32, 1);
    let bert = classifier(&tokenizer, &device);
    let weights = |b: &Bert, layer: usize| {
        b.model.encoder.layers[layer].attention.query.weight.val().into_data().try_into_vec::<f32>().unwrap()
    };
    let (layer0, layer1) = (weights(&bert, 0), weights(&bert, 1));
    let embeddings = bert.model.embeddings.word.weight.val().into_data().try_into_vec::<f32>().unwrap();
    let mut plan = TrainingPlan::for_epochs(train.len(), 1, 8, 1e-2, 0.0);
    plan.frozen_layers = 1;
    let mut trainer = Trainer::new(bert, plan, &train, None).unwrap();
    while !trainer.is_done() {
        trainer.train_step(&train).unwrap();
    }
    let tuned = trainer.model();
    assert_eq!(weights(&tuned, 0), layer0);
    assert_eq!(tuned.model.embeddings.word.weight.val().into_data().try_into_vec::<f32>().unwrap(), embeddings);
    assert_ne!(weights(&tuned, 1), layer1);
    let too_many = TrainingPlan { frozen_layers: 3, ..TrainingPlan::for_epochs(32, 1, 8, 1e-3, 0.0) };
    assert!(Trainer::new(classifier(&tokenizer, &device), too_many, &train, None).is_err());
}
