//! One error type for the whole core, so every edge (CLI, browser) can print one clear line, and
//! the page can say it in the user's language: each error has a kind, and its detail a code with
//! the values it names.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{Serialize, SerializeStruct, Serializer};
use thiserror::Error;

/// Everything that can go wrong between bytes in and answers out.
#[derive(Debug, Error)]
pub enum BertError {
    /// `config.json` is not JSON, or its values cannot describe a BERT.
    #[error("config.json: {0}")]
    Config(Detail),
    /// The weights file is not a readable safetensors file.
    #[error("model.safetensors: {0}")]
    Safetensors(Detail),
    /// The weights exist but do not fit the config (shape, missing tensor, partial head).
    #[error("checkpoint does not fit its config: {0}")]
    Checkpoint(Detail),
    /// The tokenizer files are unreadable or contradict the config.
    #[error("tokenizer: {0}")]
    Tokenizer(Detail),
    /// The user's input cannot be run (empty text, no `[MASK]`, ...).
    #[error("{0}")]
    Input(Detail),
    /// The model has no head for the task that was asked for.
    #[error("{0}")]
    MissingHead(Detail),
    /// A device could not be created or read from.
    #[error("device: {0}")]
    Device(Detail),
}

impl BertError {
    /// The kind as a stable word (`config`, `input`, ...): the page frames the detail with it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Config(_) => "config",
            Self::Safetensors(_) => "safetensors",
            Self::Checkpoint(_) => "checkpoint",
            Self::Tokenizer(_) => "tokenizer",
            Self::Input(_) => "input",
            Self::MissingHead(_) => "missing_head",
            Self::Device(_) => "device",
        }
    }

    pub fn detail(&self) -> &Detail {
        match self {
            Self::Config(d)
            | Self::Safetensors(d)
            | Self::Checkpoint(d)
            | Self::Tokenizer(d)
            | Self::Input(d)
            | Self::MissingHead(d)
            | Self::Device(d) => d,
        }
    }
}

/// What went wrong, in English, and as a code with named values for a page that says it in
/// another language. A detail from a library (a JSON parser's position, say) has no code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// A stable key such as `input.no_mask`; `None` for text that only exists in English.
    pub code: Option<&'static str>,
    /// The values the English text names, by the names its template uses.
    pub params: Vec<(&'static str, String)>,
    text: String,
}

impl Detail {
    /// A detail with a code, its English template already filled in: use [`detail!`].
    pub fn coded(code: &'static str, params: Vec<(&'static str, String)>, text: String) -> Self {
        Self { code: Some(code), params, text }
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `{ code, params, text }`: how a detail reaches the page inside a result.
impl Serialize for Detail {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Detail", 3)?;
        out.serialize_field("code", &self.code)?;
        out.serialize_field("params", &self.params.iter().cloned().collect::<BTreeMap<_, _>>())?;
        out.serialize_field("text", &self.text)?;
        out.end()
    }
}

impl From<String> for Detail {
    fn from(text: String) -> Self {
        Self { code: None, params: Vec::new(), text }
    }
}

impl From<&str> for Detail {
    fn from(text: &str) -> Self {
        text.to_string().into()
    }
}

/// A coded [`Detail`]: `detail!("input.layer", "layer {layer} does not exist", layer = 7)`.
/// The template names each value, so the page's translation can place it anywhere.
#[macro_export]
macro_rules! detail {
    ($code:literal, $template:literal $(, $name:ident = $value:expr)* $(,)?) => {{
        // All values first, so one value may use a name that another value also gives.
        let ($($name,)*) = ($($value,)*);
        $crate::Detail::coded(
            $code,
            vec![$((stringify!($name), $name.to_string())),*],
            format!($template $(, $name = $name)*),
        )
    }};
}

pub type Result<T> = std::result::Result<T, BertError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_coded_detail_keeps_its_values_by_name() {
        let e = BertError::Input(detail!("input.layer", "layer {layer} of {layers}", layer = 7, layers = 6usize));
        assert_eq!(e.to_string(), "layer 7 of 6");
        assert_eq!(e.kind(), "input");
        assert_eq!(e.detail().code, Some("input.layer"));
        assert_eq!(e.detail().params, vec![("layer", "7".to_string()), ("layers", "6".to_string())]);
    }

    #[test]
    fn library_text_has_no_code() {
        let e = BertError::Config("expected value at line 1 column 1".into());
        assert_eq!(e.to_string(), "config.json: expected value at line 1 column 1");
        assert_eq!(e.detail().code, None);
    }
}
