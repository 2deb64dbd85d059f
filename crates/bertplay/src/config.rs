//! The model's hyperparameters, read from (and written back to) a Hugging Face `config.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::activation::HiddenAct;
use crate::error::{BertError, Detail, Result};

/// A BERT's shape and training constants, named as in Hugging Face's `BertConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    #[serde(default)]
    pub hidden_act: HiddenAct,
    #[serde(default = "default_max_positions")]
    pub max_position_embeddings: usize,
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f64,
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f64,
    #[serde(default = "default_init_range")]
    pub initializer_range: f64,
    #[serde(default)]
    pub pad_token_id: Option<usize>,
    /// Label names by class id, for classification heads. Keys are decimal strings, as in HF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id2label: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label2id: Option<BTreeMap<String, usize>>,
    /// Everything else in the file (architectures, model_type, ...), kept so a save loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn default_max_positions() -> usize {
    512
}
fn default_type_vocab() -> usize {
    2
}
fn default_eps() -> f64 {
    1e-12
}
fn default_dropout() -> f64 {
    0.1
}
fn default_init_range() -> f64 {
    0.02
}

/// The largest sizes a config may ask for: several times bert-large's, far below what would
/// exhaust memory before a weight is read.
pub const MAX_VOCAB: usize = 1 << 20;
pub const MAX_HIDDEN: usize = 1 << 14;
pub const MAX_LAYERS: usize = 256;
pub const MAX_INTERMEDIATE: usize = 1 << 16;
pub const MAX_POSITIONS: usize = 1 << 16;
pub const MAX_SEGMENTS: usize = 1 << 10;
/// Labels of a classifier (token classification for named entities has dozens).
pub const MAX_LABELS: usize = 10_000;
/// The fewest positions an input needs: `[CLS]`, one token, `[SEP]`.
pub const MIN_POSITIONS: usize = 3;

impl BertConfig {
    /// Numbers in the embeddings and the encoder, which every checkpoint of this config holds:
    /// a file smaller than that cannot be one (checked before anything is allocated).
    pub fn encoder_parameters(&self) -> u64 {
        let (h, i) = (self.hidden_size as u64, self.intermediate_size as u64);
        let embeddings = (self.vocab_size + self.max_position_embeddings + self.type_vocab_size) as u64 * h + 2 * h;
        let layer = 4 * (h * h + h) + (h * i + i) + (i * h + h) + 4 * h;
        embeddings + self.num_hidden_layers as u64 * layer
    }

    /// A config with BERT's defaults for everything but the shape.
    pub fn new(vocab_size: usize, hidden_size: usize, layers: usize, heads: usize, intermediate: usize) -> Self {
        Self {
            vocab_size,
            hidden_size,
            num_hidden_layers: layers,
            num_attention_heads: heads,
            intermediate_size: intermediate,
            hidden_act: HiddenAct::default(),
            max_position_embeddings: default_max_positions(),
            type_vocab_size: default_type_vocab(),
            layer_norm_eps: default_eps(),
            hidden_dropout_prob: default_dropout(),
            attention_probs_dropout_prob: default_dropout(),
            initializer_range: default_init_range(),
            pad_token_id: Some(0),
            id2label: None,
            label2id: None,
            extra: Map::new(),
        }
    }

    /// Parses `config.json` and checks that it describes a model we can build.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let config: Self = serde_json::from_slice(bytes).map_err(|e| BertError::Config(e.to_string().into()))?;
        config.validate()?;
        Ok(config)
    }

    /// The config as Hugging Face writes it, so `BertFor…` classes load our saves.
    pub fn to_json(&self) -> String {
        let mut value = serde_json::to_value(self).expect("a config always serializes");
        let map = value.as_object_mut().expect("a config is an object");
        map.entry("model_type").or_insert_with(|| "bert".into());
        map.entry("position_embedding_type").or_insert_with(|| "absolute".into());
        serde_json::to_string_pretty(&value).expect("a config always serializes")
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |detail: Detail| Err(BertError::Config(detail));
        // Bounds before anything is allocated: a config is untrusted input.
        for (name, value, max) in [
            ("vocab_size", self.vocab_size, MAX_VOCAB),
            ("hidden_size", self.hidden_size, MAX_HIDDEN),
            ("num_hidden_layers", self.num_hidden_layers, MAX_LAYERS),
            ("num_attention_heads", self.num_attention_heads, MAX_HIDDEN),
            ("intermediate_size", self.intermediate_size, MAX_INTERMEDIATE),
            ("max_position_embeddings", self.max_position_embeddings, MAX_POSITIONS),
            ("type_vocab_size", self.type_vocab_size, MAX_SEGMENTS),
        ] {
            if value == 0 {
                return bad(crate::detail!("config.positive", "{name} must be positive", name = name));
            }
            if value > max {
                return bad(crate::detail!(
                    "config.too_big",
                    "{name} is {value}; this playground reads at most {max}",
                    name = name,
                    value = value,
                    max = max,
                ));
            }
        }
        if self.max_position_embeddings < MIN_POSITIONS {
            return bad(crate::detail!(
                "config.positions",
                "max_position_embeddings is {value}: an input needs at least {min} ([CLS], a token, [SEP])",
                value = self.max_position_embeddings,
                min = MIN_POSITIONS,
            ));
        }
        if !(self.initializer_range > 0.0 && self.initializer_range.is_finite()) {
            return bad(crate::detail!(
                "config.init_range",
                "initializer_range must be a positive number, got {value}",
                value = self.initializer_range,
            ));
        }
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return bad(crate::detail!(
                "config.heads_divide",
                "hidden_size {hidden} is not a multiple of num_attention_heads {heads}",
                hidden = self.hidden_size,
                heads = self.num_attention_heads,
            ));
        }
        for (name, p) in [
            ("hidden_dropout_prob", self.hidden_dropout_prob),
            ("attention_probs_dropout_prob", self.attention_probs_dropout_prob),
        ] {
            if !(0.0..1.0).contains(&p) {
                return bad(crate::detail!(
                    "config.dropout",
                    "{name} must be in [0, 1), got {value}",
                    name = name,
                    value = p
                ));
            }
        }
        if self.layer_norm_eps.is_nan() || self.layer_norm_eps <= 0.0 {
            return bad(crate::detail!(
                "config.eps",
                "layer_norm_eps must be positive, got {value}",
                value = self.layer_norm_eps
            ));
        }
        if let Some(kind) = self.extra.get("position_embedding_type").and_then(Value::as_str) {
            if kind != "absolute" {
                return bad(crate::detail!(
                    "config.position_type",
                    "position_embedding_type \"{kind}\" is not supported (only \"absolute\")",
                    kind = kind,
                ));
            }
        }
        self.labels().map(|_| ())
    }

    /// Width of one attention head (hidden_size / heads).
    pub fn head_size(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// Class names in id order: from `id2label`, else HF's default `LABEL_i` for two classes.
    pub fn labels(&self) -> Result<Vec<String>> {
        let Some(map) = &self.id2label else {
            return Ok(vec!["LABEL_0".into(), "LABEL_1".into()]);
        };
        if map.len() > MAX_LABELS {
            return Err(BertError::Config(crate::detail!(
                "config.labels_count",
                "id2label has {count} labels; at most {max} are read",
                count = map.len(),
                max = MAX_LABELS,
            )));
        }
        let mut labels: Vec<Option<(&str, String)>> = vec![None; map.len()];
        for (id, name) in map {
            let index: usize = id.parse().ok().filter(|&i| i < map.len()).ok_or_else(|| {
                BertError::Config(crate::detail!(
                    "config.label_key",
                    "id2label key \"{id}\" is not an id in 0..{count}",
                    id = id,
                    count = map.len(),
                ))
            })?;
            if let Some((other, _)) = &labels[index] {
                return Err(BertError::Config(crate::detail!(
                    "config.label_same",
                    "id2label keys \"{other}\" and \"{id}\" are the same id {index}",
                    other = other,
                    id = id,
                    index = index,
                )));
            }
            labels[index] = Some((id, name.clone()));
        }
        Ok(labels.into_iter().map(|l| l.expect("ids are distinct and in range").1).collect())
    }

    /// Sets the class names (and the matching `label2id`).
    pub fn set_labels(&mut self, labels: &[String]) {
        self.id2label = Some(labels.iter().enumerate().map(|(i, l)| (i.to_string(), l.clone())).collect());
        self.label2id = Some(labels.iter().enumerate().map(|(i, l)| (l.clone(), i)).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINILM: &str = r#"{"architectures":["BertModel"],"attention_probs_dropout_prob":0.1,
        "hidden_act":"gelu","hidden_dropout_prob":0.1,"hidden_size":384,"initializer_range":0.02,
        "intermediate_size":1536,"layer_norm_eps":1e-12,"max_position_embeddings":512,
        "model_type":"bert","num_attention_heads":12,"num_hidden_layers":6,"pad_token_id":0,
        "position_embedding_type":"absolute","type_vocab_size":2,"vocab_size":30522}"#;

    #[test]
    fn reads_a_hugging_face_config() {
        let c = BertConfig::from_json(MINILM.as_bytes()).unwrap();
        assert_eq!((c.hidden_size, c.num_attention_heads, c.head_size()), (384, 12, 32));
        assert_eq!(c.hidden_act, HiddenAct::Gelu);
        assert_eq!(c.labels().unwrap(), ["LABEL_0", "LABEL_1"]);
        let again = BertConfig::from_json(c.to_json().as_bytes()).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn labels_come_in_id_order() {
        let json =
            MINILM.replace("\"architectures\"", r#""id2label":{"1":"pos","0":"neg","2":"mixed"},"architectures""#);
        let c = BertConfig::from_json(json.as_bytes()).unwrap();
        assert_eq!(c.labels().unwrap(), ["neg", "pos", "mixed"]);
    }

    #[test]
    fn rejects_what_cannot_be_built() {
        for (from, to, needle) in [
            ("\"hidden_size\":384", "\"hidden_size\":385", "not a multiple"),
            ("\"hidden_act\":\"gelu\"", "\"hidden_act\":\"swoosh\"", "swoosh"),
            ("\"vocab_size\":30522", "\"vocab_size\":0", "vocab_size must be positive"),
            ("\"hidden_dropout_prob\":0.1", "\"hidden_dropout_prob\":1.5", "hidden_dropout_prob"),
            ("\"absolute\"", "\"relative_key\"", "relative_key"),
            ("\"num_hidden_layers\":6,", "", "num_hidden_layers"),
            // Untrusted numbers are bounded before anything is allocated.
            ("\"num_hidden_layers\":6", "\"num_hidden_layers\":1000000000", "at most 256"),
            ("\"vocab_size\":30522", "\"vocab_size\":99999999", "vocab_size is 99999999"),
            ("\"max_position_embeddings\":512", "\"max_position_embeddings\":2", "at least 3"),
            ("\"initializer_range\":0.02", "\"initializer_range\":-0.1", "initializer_range"),
            ("\"architectures\"", r#""id2label":{"0":"a","00":"b"},"architectures""#, "are the same id 0"),
        ] {
            let json = MINILM.replace(from, to);
            let err = BertConfig::from_json(json.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
        assert!(BertConfig::from_json(b"{not json").is_err());
    }
}
