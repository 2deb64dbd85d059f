//! Fuzzing every parser of untrusted input (issue 17, "hostile input"): config.json,
//! model.safetensors, tokenizer.json / vocab.txt, labelled CSV / TSV / JSON Lines, SQuAD JSON and
//! pretraining text. Each target takes arbitrary bytes and must return, with `Ok` or a clear
//! `Err`: a panic, a case running over [`HANG`] or one holding over [`MEMORY_BUDGET`] fails.
//!
//! Inputs are the real files mutated with structure in mind (numbers and strings swapped inside
//! JSON, the safetensors header edited with its length kept right, quotes, tabs, BOMs and UTF-16
//! in tables, deep nesting, long lines), driven by a seeded generator, so a run is repeatable.
//! `cargo test` runs a fixed number of cases per target; a long run sets the time per target:
//!
//! ```text
//! BERTPLAY_FUZZ_SECONDS=600 BERTPLAY_FUZZ_TARGET=config_json cargo test --release --workspace \
//!     --features bertplay/vulkan --test fuzz -- --nocapture
//! ```
//!
//! `BERTPLAY_FUZZ_SEED` picks another sequence of cases, `BERTPLAY_FUZZ_OUT` where failing
//! inputs are saved (by default under cargo's target tmp folder; each path is printed).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Once, OnceLock};
use std::time::{Duration, Instant};

use bertplay::checkpoint::load_bert;
use bertplay::config::MIN_POSITIONS;
use bertplay::readback::read_back;
use bertplay::rng::Rng;
use bertplay::training::corpus::Corpus;
use bertplay::training::dataset::{DataOptions, DataTask, Dataset};
use bertplay::training::labelled::{parse_labelled, BadRows, DataFormat};
use bertplay::training::squad::{parse_squad, qa_windows};
use bertplay::{BertConfig, BertTokenizer, LoadedModel, ModelFiles, Outputs, TokenizerFile, Truncation};
use burn::tensor::Device;
use common::{block, fixtures};

// ---------------------------------------------------------------------------------------------
// The targets: each takes any bytes and must come back.

/// `config.json`: parsed, checked, its labels named; an accepted config must read back from its
/// own save as the same model, to the last bit of its floats.
fn config_json(data: &[u8]) {
    let Ok(config) = BertConfig::from_json(data) else { return };
    let _ = config.validate();
    let _ = config.encoder_parameters();
    let again = BertConfig::from_json(config.to_json().as_bytes()).expect("an accepted config.json reads back");
    let model = |c: &BertConfig| {
        let sizes = [c.vocab_size, c.hidden_size, c.num_hidden_layers, c.num_attention_heads, c.intermediate_size];
        let floats = [c.layer_norm_eps, c.hidden_dropout_prob, c.attention_probs_dropout_prob, c.initializer_range];
        (sizes, floats.map(f64::to_bits), c.max_position_embeddings, c.type_vocab_size, c.hidden_act, c.labels().ok())
    };
    assert_eq!(model(&again), model(&config), "a saved config.json reads back as the same model");
}

/// `model.safetensors` under every fixture model's config, so bytes grown from any fixture's
/// weights reach the shape checks and the checks of its heads.
fn safetensors(data: &[u8]) {
    for (config, _) in &files().models {
        let _ = load_bert(config, data, &Device::flex());
    }
}

/// A checkpoint's `config.json` against every fixture model's weights.
fn checkpoint_config(data: &[u8]) {
    for (_, weights) in &files().models {
        let _ = load_bert(data, weights, &Device::flex());
    }
}

/// `tokenizer.json` or `vocab.txt`: read at the shortest, the toy's and a long model length,
/// and loaded beside the toy model, which must refuse ids past its embeddings; every tokenizer
/// read is then used on awkward text.
fn tokenizer(data: &[u8]) {
    for max_len in [MIN_POSITIONS, 16, 512] {
        let read = [
            BertTokenizer::from_tokenizer_json(data, max_len),
            BertTokenizer::from_vocab_txt(data, true, max_len),
            BertTokenizer::from_vocab_txt(data, false, max_len),
        ];
        read.into_iter().flatten().for_each(|t| use_tokenizer(&t));
    }
    let (config, weights) = &files().models[0];
    for tokenizer in [
        TokenizerFile::Json(data),
        TokenizerFile::VocabTxt { bytes: data, lowercase: true },
        TokenizerFile::VocabTxt { bytes: data, lowercase: false },
    ] {
        let files = ModelFiles { config_json: config, safetensors: weights, tokenizer };
        if let Ok(model) = LoadedModel::load(files, &Device::flex()) {
            run_model(&model);
        }
    }
}

/// Labelled rows in each format, and the classification dataset the page builds from them.
fn labelled(data: &[u8]) {
    let _ = DataFormat::sniff(data);
    for format in [DataFormat::Csv, DataFormat::Tsv, DataFormat::Jsonl] {
        for bad in [BadRows::Fail, BadRows::Skip] {
            let _ = parse_labelled(data, format, bad);
        }
    }
    let _ = Dataset::prepare(data, &data_options(DataTask::Classify), &files().tokenizer).map(|d| d.preview());
}

/// A SQuAD file, and its questions' windows (within a budget) at a short, the usual and the
/// shortest length.
fn squad(data: &[u8]) {
    let Ok(examples) = parse_squad(data) else { return };
    // Windowing is quadratic in a context's tokens (a regression test at the end of this file):
    // more context would only find that again, so only parsing sees the questions past a budget.
    let mut windowed = 0;
    for example in &examples {
        windowed += example.context.len();
        if windowed > WINDOWED_CONTEXT {
            break;
        }
        for (max_len, stride) in [(16, 4), (64, 128), (MIN_POSITIONS, 0)] {
            let _ = qa_windows(&files().tokenizer, example, max_len, stride);
        }
    }
}

/// Bytes of context (over all its questions) the squad target windows in one case: 20 kB in
/// 16-token windows takes a fraction of a second even with a token per byte.
const WINDOWED_CONTEXT: usize = 20_000;

/// Pretraining text: documents, sentence pairs, a held-out split, and the pretraining dataset.
fn corpus(data: &[u8]) {
    if let Ok(corpus) = Corpus::parse(&String::from_utf8_lossy(data)) {
        let _ = corpus.sentence_pairs(&mut Rng::new(1));
        let _ = corpus.split_held_out(0.3, &mut Rng::new(2));
    }
    let _ = Dataset::prepare(data, &data_options(DataTask::Pretrain), &files().tokenizer).map(|d| d.preview());
}

// ---------------------------------------------------------------------------------------------
// What the targets use.

/// Texts that stress a tokenizer: empty, special tokens, accents and combining marks, CJK,
/// emoji, control characters, words past WordPiece's usual 100 characters (1,000 at most: a
/// tokenizer.json may lift that limit, which makes WordPiece quadratic in a word's length, a
/// regression test at the end of this file), a context of many windows.
fn awkward_texts() -> [(&'static str, String); 6] {
    let long_context = "the capital of france is paris . ".repeat(40);
    [
        ("the capital of [MASK] is paris.", String::new()),
        ("what is the capital?", long_context),
        ("[CLS] [SEP] [PAD] [MASK]", "[UNK] ## ##s".into()),
        ("Ça va? Ünïcödé e\u{301} 中文字 😀\u{200d}🔥", "\u{0}\u{7}\t\r\n\u{2028}\u{feff}x".into()),
        ("   ", "a".repeat(300)),
        ("a b", "x".repeat(1000)),
    ]
}

/// Every encoding a tokenizer offers, on [`awkward_texts`], and back to text.
fn use_tokenizer(t: &BertTokenizer) {
    let _ = (t.vocab_size(), t.largest_id(), t.mask_id(), t.vocab_txt(), t.to_json(), t.with_max_len(MIN_POSITIONS));
    for (a, b) in awkward_texts() {
        for truncation in [Truncation::LongestFirst, Truncation::OnlySecond] {
            if let Ok(encoded) = t.encode(a, Some(&b), truncation) {
                let _ = t.decode(&encoded.ids);
            }
            let _ = t.encode(&b, None, truncation);
        }
        let _ = t.encode_windows(a, &b);
        for (max_len, stride) in [(MIN_POSITIONS, 0), (4, 1000), (t.max_len(), 1)] {
            let _ = t.encode_windows_within(a, &b, max_len, stride);
        }
    }
}

/// A model that loaded must run whatever its tokenizer produces.
fn run_model(model: &LoadedModel) {
    for (a, b) in awkward_texts() {
        if let Ok(encoded) = model.tokenizer.encode(a, Some(&b), Truncation::LongestFirst) {
            let vocab = model.bert.config.vocab_size;
            assert!(encoded.ids.iter().all(|&id| (id as usize) < vocab), "an id past the embeddings: {:?}", encoded);
            block(read_back(model.run(&encoded, Outputs::default()).last_hidden_state)).unwrap();
        }
    }
}

fn data_options(task: DataTask) -> DataOptions {
    DataOptions { task, file_name: None, max_len: 16, validation: 0.25, seed: 7 }
}

/// The files the targets load beside the fuzzed one, read once.
struct Files {
    /// `(config.json, model.safetensors)`: the toy model first, then each tiny fixture model.
    models: Vec<(Vec<u8>, Vec<u8>)>,
    /// The tiny QA model's vocabulary, for the data targets.
    tokenizer: BertTokenizer,
}

fn files() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| {
        let models = model_dirs()
            .iter()
            .map(|dir| (read(dir.join("config.json")), read(dir.join("model.safetensors"))))
            .collect();
        let vocab = read(fixtures().join("tiny-qa/vocab.txt"));
        Files { models, tokenizer: BertTokenizer::from_vocab_txt(&vocab, true, 64).unwrap() }
    })
}

fn model_dirs() -> Vec<PathBuf> {
    let tiny = ["tiny-pretraining", "tiny-classifier", "tiny-token-classifier", "tiny-qa"];
    std::iter::once(fixtures().join("../../assets/toy-model")).chain(tiny.iter().map(|n| fixtures().join(n))).collect()
}

fn read(path: PathBuf) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Seeds: real files, plus hand-written ones where the repository has none.

fn config_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = files().models.iter().map(|(c, _)| c.clone()).collect();
    seeds.push(read(fixtures().join("../../assets/builtin-model/config.json")));
    seeds
}

fn weight_seeds() -> Vec<Vec<u8>> {
    files().models.iter().map(|(_, w)| w.clone()).collect()
}

fn tokenizer_seeds() -> Vec<Vec<u8>> {
    let mut seeds = vec![read(fixtures().join("../../assets/toy-model/tokenizer.json"))];
    seeds.extend(model_dirs()[1..].iter().map(|d| read(d.join("vocab.txt"))));
    seeds
}

fn table_seeds() -> Vec<Vec<u8>> {
    let tables = ["pandas.tsv", "python-csv.tsv", "semicolon.csv", "utf16.csv"];
    let mut seeds: Vec<Vec<u8>> = tables.iter().map(|n| read(fixtures().join("tables").join(n))).collect();
    seeds.push(read(fixtures().join("../../assets/samples/sentiment-en.csv")));
    seeds.push(
        concat!(
            "{\"text\": \"a fine film\", \"label\": \"pos\"}\n",
            "{\"sentence1\": \"the cat\", \"sentence2\": \"sat\", \"label\": 1}\n\n",
            "{\"text\": \"dull\", \"label\": 0, \"extra\": [1, {\"k\": null}]}\n",
        )
        .into(),
    );
    seeds.push(b"sentence\tlabel\nit's \"good\"\t1\nbad\t0\n\ntabs\tin\tmany\t0\n".to_vec());
    seeds
}

fn squad_seeds() -> Vec<Vec<u8>> {
    vec![r#"{"version": "1.1", "data": [
        {"title": "Paris", "paragraphs": [
            {"context": "The capital of France is Paris. Café au lait.",
             "qas": [{"id": "q1", "question": "What is the capital of France?",
                      "answers": [{"text": "Paris", "answer_start": 25}, {"text": "Paris.", "answer_start": 25}]},
                     {"id": "q2", "question": "What drink?", "answers": [{"text": "Café", "answer_start": 32}]}]}]},
        {"paragraphs": [{"context": "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 fox ran far",
                         "qas": [{"id": "q3", "question": "who ran?", "answers": [{"text": "fox", "answer_start": 30}]}]}]}
    ]}"#
    .into()]
}

fn corpus_seeds() -> Vec<Vec<u8>> {
    let docs = concat!(
        "The cat sat on the mat. It was a fine day!\nThe dog barked. Mr. Smith waved.\n\n",
        "Paris is the capital of France. \"Is it?\" she asked.\nYes, since 987.\n\n",
        "\u{feff}One line only\n\r\n\nA film. A play? A book!\n",
    );
    vec![docs.into(), read(fixtures().join("../../README.md"))]
}

// ---------------------------------------------------------------------------------------------
// The generator: a seed, then one, two or four mutations (more break nearly every file early).

/// Inputs never grow past this: the parsers' limits are under test, not the disk's.
const MAX_INPUT: usize = 1 << 20;

/// Single bytes that mean something to one of the parsers.
const BYTES: &[u8] = b"\0\x01\x7f\x80\xff\"\\\n\r\t,;:{}[]-.0159e";

/// Numbers that sit on an edge: zero, negatives, past every integer width, past f64, not JSON.
#[rustfmt::skip]
const NUMBERS: &[&str] = &[
    "0", "-0", "1", "2", "3", "-1", "1.5", "0.9999999999999999", "257", "1025", "10001", "16385", "65537",
    "1048577", "2147483648", "4294967296", "9007199254740993", "9223372036854775807", "18446744073709551615",
    "18446744073709551616", "1e309", "-1e309", "1e-400", "NaN", "Infinity", "1e2", "100000000000000000000000",
];

/// Strings the parsers give meaning to, and strings that are awkward in themselves.
#[rustfmt::skip]
const STRINGS: &[&str] = &[
    "", " ", "0", "00", "-1", "1e3", "[CLS]", "[SEP]", "[UNK]", "[MASK]", "[PAD]", "##", "WordPiece", "BPE",
    "Unigram", "absolute", "relative_key", "gelu", "relu", "swish", "BertForTokenClassification",
    "BertForQuestionAnswering", "id2label", "label2id", "vocab_size", "hidden_size", "F16", "BF16", "F64",
    "I64", "U8", "BOOL", "F8_E4M3", "__metadata__", "classifier.weight", "classifier.bias",
    "cls.predictions.decoder.weight", "cls.predictions.decoder.bias", "bert.embeddings.word_embeddings.weight",
    "embeddings.LayerNorm.gamma", "qa_outputs.weight", "text", "label", "sentence1", "sentence2", "data",
    "paragraphs", "context", "qas", "answers", "answer_start", "\\u0000", "\\ud800", "\\udfff\\ud800",
    "\\\"", "\\n\\t", "é", "e\u{301}", "中", "😀", "\u{202e}",
];

/// Byte strings that break tables and text: BOMs, line ends, quotes, invalid UTF-8, sentence ends.
#[rustfmt::skip]
const SNIPPETS: &[&[u8]] = &[
    b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\r\n", b"\r", b"\n\n", b"\"", b"\"\"", b"\t", b",", b";",
    b"\0", b"\xc3\x28", b"\xed\xa0\x80", b"\xe2\x80\xa8", b"{\"text\":\"a\",\"label\":1}\n", b"text,label\n",
    b"[MASK]", b"##", b"Mr. ", b". A", b"? 9", b"\xcc\x81", b"\xf0\x9f\x98\x80",
];

/// A new case: one of the seeds, mutated.
fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 << rng.below(3) {
        mutate_once(rng, &mut data, seeds);
        data.truncate(MAX_INPUT);
    }
    data
}

/// One mutation, at a random place, over a random span of up to 4 KiB.
fn mutate_once(rng: &mut Rng, data: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let at = rng.below(data.len() + 1);
    let span = rng.below(data.len() - at + 1).min(1 << rng.below(12));
    match rng.below(15) {
        0 if at < data.len() => data[at] ^= 1 << rng.below(8),
        1 if at < data.len() => data[at] = BYTES[rng.below(BYTES.len())],
        2 => {
            let random: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.next_u64() as u8).collect();
            data.splice(at..at, random);
        }
        3 => drop(data.drain(at..at + span)),
        4 => data.truncate(at),
        // Repeated keys, rows and tensors.
        5 => {
            let copy = data[at..at + span].to_vec();
            let to = rng.below(data.len() + 1);
            data.splice(to..to, copy);
        }
        6 => {
            let other = &seeds[rng.below(seeds.len())];
            let from = rng.below(other.len() + 1);
            let piece = &other[from..(from + 1 + rng.below(256)).min(other.len())];
            data.splice(at..at + span, piece.iter().copied());
        }
        // Long lines, many rows.
        7 => {
            let chunk = data[at..at + span.min(64)].to_vec();
            let times = 1 << rng.below(14);
            data.splice(at..at, chunk.repeat(times).into_iter().take(MAX_INPUT));
        }
        8 => {
            let number = NUMBERS[rng.below(NUMBERS.len())].as_bytes();
            edit_json(data, |json| replace_token(rng, json, is_number_start, is_number_byte, number));
        }
        9 => {
            let string = STRINGS[rng.below(STRINGS.len())].as_bytes();
            edit_json(data, |json| replace_string(rng, json, string));
        }
        10 => {
            let depth = [64, 129, 1000, 100_000][rng.below(4)];
            let close = rng.below(2) == 0;
            edit_json(data, |json| nest(rng, json, depth, close));
        }
        11 => drop(data.splice(at..at, SNIPPETS[rng.below(SNIPPETS.len())].iter().copied())),
        12 => *data = utf16(data, rng.below(3)),
        13 => set_header_length(rng, data),
        // Another value where one was: null, empty, a huge string.
        _ => {
            let value: &[u8] = [&b"null"[..], b"[]", b"{}", b"true", b"\"\"", b"-"][rng.below(6)];
            edit_json(data, |json| replace_token(rng, json, |b| b == b':', |_| false, value));
        }
    }
}

/// Edits the JSON of an input: a safetensors file's header (its length field kept right, so the
/// edit reaches the header's meaning), else the whole input.
fn edit_json(data: &mut Vec<u8>, edit: impl FnOnce(&mut Vec<u8>)) {
    let Some(len) = header_length(data) else {
        return edit(data);
    };
    let mut header = data[8..8 + len].to_vec();
    edit(&mut header);
    let rest = data.split_off(8 + len);
    *data = [&(header.len() as u64).to_le_bytes()[..], &header, &rest].concat();
}

/// The header length of what looks like a safetensors file.
fn header_length(data: &[u8]) -> Option<usize> {
    let len = u64::from_le_bytes(data.get(..8)?.try_into().unwrap());
    (len < data.len() as u64 - 8 && data[8] == b'{').then_some(len as usize)
}

/// Overwrites a safetensors length field with a value on an edge.
fn set_header_length(rng: &mut Rng, data: &mut [u8]) {
    if data.len() < 8 {
        return;
    }
    let len = data.len() as u64;
    let header = u64::from_le_bytes(data[..8].try_into().unwrap());
    let values = [
        0,
        1,
        2,
        header.wrapping_sub(1),
        header.wrapping_add(1),
        len - 8,
        len,
        100_000_001,
        u64::MAX,
        1 << 32,
        i64::MAX as u64,
    ];
    data[..8].copy_from_slice(&values[rng.below(values.len())].to_le_bytes());
}

fn is_number_start(b: u8) -> bool {
    b.is_ascii_digit() || b == b'-'
}

fn is_number_byte(b: u8) -> bool {
    b.is_ascii_digit() || b"-+.eE".contains(&b)
}

/// Replaces the first token at or after a random place that starts with `start` (and goes on
/// with `more`) by `with`.
fn replace_token(rng: &mut Rng, json: &mut Vec<u8>, start: fn(u8) -> bool, more: fn(u8) -> bool, with: &[u8]) {
    let from = rng.below(json.len() + 1);
    let Some(first) = json[from..].iter().position(|&b| start(b)).map(|p| from + p) else { return };
    let (first, end) = if json[first] == b':' {
        // A value: up to the next `,` or `}` at the same place (good enough for a scalar).
        let end = json[first..].iter().position(|&b| b == b',' || b == b'}').map_or(json.len(), |p| first + p);
        (first + 1, end)
    } else {
        (first, json[first + 1..].iter().position(|&b| !more(b)).map_or(json.len(), |p| first + 1 + p))
    };
    json.splice(first..end, with.iter().copied());
}

/// Replaces the contents of the first string at or after a random place.
fn replace_string(rng: &mut Rng, json: &mut Vec<u8>, with: &[u8]) {
    let from = rng.below(json.len() + 1);
    let Some(open) = json[from..].iter().position(|&b| b == b'"').map(|p| from + p + 1) else { return };
    let mut close = open;
    while close < json.len() && json[close] != b'"' {
        close += if json[close] == b'\\' { 2 } else { 1 };
    }
    json.splice(open..close.min(json.len()), with.iter().copied());
}

/// `depth` opening brackets at a random place, closed again or not.
fn nest(rng: &mut Rng, json: &mut Vec<u8>, depth: usize, close: bool) {
    let at = rng.below(json.len() + 1);
    let mut deep = vec![b'['; depth];
    if close {
        deep.extend(std::iter::repeat_n(b']', depth));
    }
    json.splice(at..at, deep);
}

/// The input read as UTF-8 (lossily) and written as UTF-16: little-endian with a BOM,
/// big-endian with a BOM, or little-endian without one.
fn utf16(data: &[u8], form: usize) -> Vec<u8> {
    let units = String::from_utf8_lossy(data).encode_utf16().collect::<Vec<u16>>();
    let bom: &[u8] = [&b"\xff\xfe"[..], b"\xfe\xff", b""][form];
    let body = units.iter().flat_map(|u| if form == 1 { u.to_be_bytes() } else { u.to_le_bytes() });
    bom.iter().copied().chain(body).collect()
}

// ---------------------------------------------------------------------------------------------
// Running cases: each on its own thread, with panics caught, time and memory watched.

/// A case running longer than this is a hang.
const HANG: Duration = Duration::from_secs(10);
/// The most one case's thread may hold at once; more is a failure ("allocates without bound").
const MEMORY_BUDGET: usize = 256 << 20;
/// Past this an allocation on a case's thread is refused (the process then aborts; the input is
/// already saved as `<target>-current.bin`), so a bad case cannot take the machine's memory.
const MEMORY_LIMIT: usize = 2 << 30;

/// Counts the bytes each case's thread holds (other threads are not counted).
struct CountingAlloc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
    static HELD: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
    /// The last panic on a case's thread: its place, message and backtrace.
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Whether `bytes` more fit under [`MEMORY_LIMIT`]; counts them if so.
fn reserve(bytes: usize) -> bool {
    if !COUNTED.try_with(Cell::get).unwrap_or(false) {
        return true;
    }
    let held = HELD.with(Cell::get) + bytes;
    if held > MEMORY_LIMIT {
        return false;
    }
    HELD.with(|h| h.set(held));
    PEAK.with(|p| p.set(p.get().max(held)));
    true
}

fn release(bytes: usize) {
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        HELD.with(|h| h.set(h.get().saturating_sub(bytes)));
    }
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            return std::ptr::null_mut();
        }
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            return std::ptr::null_mut();
        }
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        release(layout.size());
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() && !reserve(new_size - layout.size()) {
            return std::ptr::null_mut();
        }
        release(layout.size().saturating_sub(new_size));
        System.realloc(ptr, layout, new_size)
    }
}

enum Outcome {
    Passed,
    Failed(String),
    /// Still running after [`HANG`]: the thread cannot be stopped, so the target stops.
    Hung,
}

/// Runs one case on a fresh thread, catching its panic, counting its memory.
fn run_case(name: &str, target: fn(&[u8]), input: Arc<Vec<u8>>) -> Outcome {
    // A case's panic is kept for the report (printed once per place); any other is printed.
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let print = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if COUNTED.try_with(Cell::get).unwrap_or(false) {
                let trace = std::backtrace::Backtrace::force_capture();
                PANIC.with(|p| *p.borrow_mut() = Some(format!("{info}\n{trace}")));
            } else {
                print(info);
            }
        }));
    });
    let (done, outcome) = mpsc::channel();
    let case = move || {
        COUNTED.with(|c| c.set(true));
        let result = std::panic::catch_unwind(|| target(&input));
        let panic = PANIC.with(|p| p.borrow_mut().take());
        let peak = PEAK.with(Cell::get);
        COUNTED.with(|c| c.set(false));
        let outcome = match result {
            Err(_) => Outcome::Failed(panic.unwrap_or_else(|| "panicked on another thread".into())),
            Ok(()) if peak > MEMORY_BUDGET => {
                Outcome::Failed(format!("held over {} MiB at once\n({} MiB)", MEMORY_BUDGET >> 20, peak >> 20))
            }
            Ok(()) => Outcome::Passed,
        };
        let _ = done.send(outcome);
    };
    std::thread::Builder::new().name(format!("fuzz-{name}")).spawn(case).expect("a thread for the case");
    outcome.recv_timeout(HANG).unwrap_or(Outcome::Hung)
}

/// One target: its function, its seeds and how many cases `cargo test` runs.
struct Target {
    name: &'static str,
    run: fn(&[u8]),
    seeds: fn() -> Vec<Vec<u8>>,
    cases: usize,
}

/// Where failing inputs go.
fn out_dir() -> PathBuf {
    let dir = std::env::var_os("BERTPLAY_FUZZ_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v} is not a number")))
}

/// Runs a target's seeds, then mutated cases: `target.cases` of them, or for
/// `BERTPLAY_FUZZ_SECONDS` when set. Fails listing each distinct failure and its saved input.
fn fuzz(target: Target) {
    let seconds: Option<u64> = env("BERTPLAY_FUZZ_SECONDS");
    if std::env::var("BERTPLAY_FUZZ_TARGET").is_ok_and(|only| only != target.name) {
        return;
    }
    let seed = env("BERTPLAY_FUZZ_SEED").unwrap_or(17);
    let mut rng = Rng::new(seed);
    let seeds = (target.seeds)();
    let out = out_dir();
    let current = out.join(format!("{}-current.bin", target.name));
    println!("fuzz {}: seed {seed}; the case under way is written to {}", target.name, current.display());

    let start = Instant::now();
    let (mut cases, mut slowest, mut reported) = (0usize, Duration::ZERO, Instant::now());
    let mut failures: Vec<Failure> = Vec::new();
    let more = |cases: usize| match seconds {
        Some(s) => start.elapsed() < Duration::from_secs(s),
        None => cases < seeds.len() + target.cases,
    };
    while more(cases) {
        if seconds.is_some() && reported.elapsed() > Duration::from_secs(60) {
            println!("fuzz {}: {cases} cases, {:.0} s", target.name, start.elapsed().as_secs_f64());
            reported = Instant::now();
        }
        let input = Arc::new(if cases < seeds.len() { seeds[cases].clone() } else { mutate(&mut rng, &seeds) });
        std::fs::write(&current, input.as_slice()).unwrap();
        let began = Instant::now();
        let outcome = run_case(target.name, target.run, input.clone());
        slowest = slowest.max(began.elapsed());
        cases += 1;
        let (text, hung) = match outcome {
            Outcome::Passed => continue,
            Outcome::Failed(text) => (text, false),
            Outcome::Hung => (format!("still running after {} s", HANG.as_secs()), true),
        };
        // One saved input per place of failure, which the first line names.
        let place = text.lines().next().unwrap_or_default().to_string();
        match failures.iter_mut().find(|f| f.place == place) {
            Some(seen) => seen.hits += 1,
            None => {
                let input_path = out.join(format!("{}-{}-case{cases}.bin", target.name, failures.len()));
                std::fs::write(&input_path, input.as_slice()).unwrap();
                println!(
                    "fuzz {}: case {cases}: failed: {text}\n  input saved to {}",
                    target.name,
                    input_path.display()
                );
                failures.push(Failure { place, input: input_path, hits: 1 });
            }
        }
        if hung {
            break;
        }
    }
    let _ = std::fs::remove_file(&current);
    println!(
        "fuzz {}: {cases} cases in {:.1} s, slowest {:.2} s, {} places of failure",
        target.name,
        start.elapsed().as_secs_f64(),
        slowest.as_secs_f64(),
        failures.len()
    );
    for f in &failures {
        println!("  {} cases: {}\n    first input: {}", f.hits, f.place, f.input.display());
    }
    assert!(failures.is_empty(), "fuzz {} found failures (listed above)", target.name);
}

/// Cases failing at one place.
struct Failure {
    place: String,
    /// The first such input.
    input: PathBuf,
    hits: usize,
}

// ---------------------------------------------------------------------------------------------
// One test per target; the case counts keep the file's tests under a minute on two cores.

#[test]
fn fuzz_config_json() {
    fuzz(Target { name: "config_json", run: config_json, seeds: config_seeds, cases: 20000 });
}

#[test]
fn fuzz_safetensors() {
    fuzz(Target { name: "safetensors", run: safetensors, seeds: weight_seeds, cases: 3000 });
}

#[test]
fn fuzz_checkpoint_config() {
    fuzz(Target { name: "checkpoint_config", run: checkpoint_config, seeds: config_seeds, cases: 3000 });
}

#[test]
fn fuzz_tokenizer() {
    fuzz(Target { name: "tokenizer", run: tokenizer, seeds: tokenizer_seeds, cases: 300 });
}

#[test]
fn fuzz_labelled() {
    fuzz(Target { name: "labelled", run: labelled, seeds: table_seeds, cases: 1000 });
}

#[test]
fn fuzz_squad() {
    fuzz(Target { name: "squad", run: squad, seeds: squad_seeds, cases: 5000 });
}

#[test]
fn fuzz_corpus() {
    fuzz(Target { name: "corpus", run: corpus, seeds: corpus_seeds, cases: 300 });
}

// ---------------------------------------------------------------------------------------------
// Failures found by fuzzing, each kept as a regression test.

/// tokenizers 0.23.2 `expect`s a tokenizer.json's decoder to deserialize, so a decoder holding a
/// number past f64 or nesting past serde_json's depth limit panicked inside
/// `BertTokenizer::from_tokenizer_json`, though both are well-formed JSON.
#[test]
fn a_tokenizer_json_with_an_unreadable_decoder_is_refused() {
    let deep = format!(r#"{{"decoder": {}{}}}"#, "[".repeat(200), "]".repeat(200));
    for json in [deep.as_str(), r#"{"decoder": 1e999}"#] {
        assert!(BertTokenizer::from_tokenizer_json(json.as_bytes(), 16).is_err(), "{json:.30}");
    }
}

/// A tokenizer.json's post-processor names its own `[CLS]` and `[SEP]` ids, which every encoding
/// carries: `"sep": ["[SEP]", 10001]` with the toy's 99 embeddings loaded (only the vocabulary's
/// ids were checked), and the first forward pass panicked ("index 10001 out of bounds").
#[test]
fn a_post_processor_id_beyond_the_embeddings_is_refused() {
    let toy = String::from_utf8(read(fixtures().join("../../assets/toy-model/tokenizer.json"))).unwrap();
    let far = toy.replace("\"[SEP]\",\n      3", "\"[SEP]\",\n      10001");
    assert_ne!(far, toy, "the toy's post-processor names [SEP]");
    let (config, weights) = &files().models[0];
    let files =
        ModelFiles { config_json: config, safetensors: weights, tokenizer: TokenizerFile::Json(far.as_bytes()) };
    assert!(LoadedModel::load(files, &Device::flex()).is_err(), "a [SEP] id of 10001 for 99 embeddings loaded");
}

/// A tokenizer.json may set WordPiece's `max_input_chars_per_word` to anything, and WordPiece
/// (tokenizers 0.23.2) tries every prefix of every piece of a word, so one word costs its length
/// squared and more: 2,000 characters took 0.36 s, and 20,000 over a minute.
#[test]
fn a_long_word_tokenizes_quickly_whatever_the_tokenizer_json_says() {
    let toy = String::from_utf8(read(fixtures().join("../../assets/toy-model/tokenizer.json"))).unwrap();
    let lifted = toy.replace("\"max_input_chars_per_word\": 100,", "\"max_input_chars_per_word\": 1000000,");
    assert_ne!(lifted, toy, "the toy's tokenizer.json names max_input_chars_per_word");
    let encode = |data: &[u8]| {
        if let Ok(t) = BertTokenizer::from_tokenizer_json(data, 16) {
            t.encode(&"x".repeat(20_000), None, Truncation::LongestFirst).unwrap();
        }
    };
    assert_passes(encode, lifted.into_bytes());
}

/// serde_json, without its `float_roundtrip` feature, read some decimals one unit in the last
/// place off: `1e-124` came back as 1.0000000000000001e-124, so saving a config.json changed it.
#[test]
fn a_config_json_keeps_its_numbers() {
    let toy = String::from_utf8(read(fixtures().join("../../assets/toy-model/config.json"))).unwrap();
    let json = toy.replace("\"layer_norm_eps\": 1e-12", "\"layer_norm_eps\": 1e-124");
    assert!(json.contains("1e-124"), "the toy's config.json names layer_norm_eps");
    assert_eq!(BertConfig::from_json(json.as_bytes()).unwrap().layer_norm_eps, 1e-124);
}

/// Each QA window was built by scanning every token of the context, so windowing cost tokens ×
/// windows: within the bounds (contexts of at most 100,000 characters, windows of at least 8
/// tokens) a context of punctuation, a token per character, took over 10 s a question, and
/// MAX_QA_TOKENS let about 190 such questions through, half an hour.
#[test]
fn a_long_squad_context_is_windowed_in_linear_time() {
    let context = format!("{} fox ran far", "[".repeat(99_980));
    let question = |i: usize| {
        serde_json::json!({"id": format!("q{i}"), "question": "?",
        "answers": [{"text": "fox", "answer_start": 99_981}]})
    };
    let qas: Vec<_> = (0..5).map(question).collect();
    let file = serde_json::json!({"data": [{"paragraphs": [{"context": context, "qas": qas}]}]});
    let windows = |data: &[u8]| {
        for example in parse_squad(data).unwrap() {
            qa_windows(&files().tokenizer, &example, 8, 2).unwrap();
        }
    };
    assert_passes(windows, file.to_string().into_bytes());
}

/// Runs one input through a target as the fuzzer does, failing on what the fuzzer would report.
fn assert_passes(target: fn(&[u8]), input: Vec<u8>) {
    match run_case("regression", target, Arc::new(input)) {
        Outcome::Passed => {}
        Outcome::Failed(why) => panic!("{why}"),
        Outcome::Hung => panic!("still running after {} s", HANG.as_secs()),
    }
}
