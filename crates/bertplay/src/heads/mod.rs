//! Task heads that sit on the encoder, one file each, named as in BERT's `BertFor…` classes.

mod classifier;
mod masked_lm;
mod next_sentence;
mod question_answering;

pub use classifier::Classifier;
pub use masked_lm::MaskedLmHead;
pub use next_sentence::NextSentenceHead;
pub use question_answering::QuestionAnsweringHead;

/// The heads a checkpoint can carry, for reports and for "this model has no … head" errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadKind {
    MaskedLm,
    NextSentence,
    SequenceClassification,
    TokenClassification,
    QuestionAnswering,
}

impl HeadKind {
    pub const ALL: [HeadKind; 5] = [
        HeadKind::MaskedLm,
        HeadKind::NextSentence,
        HeadKind::SequenceClassification,
        HeadKind::TokenClassification,
        HeadKind::QuestionAnswering,
    ];

    /// What the head is for, in words a user reads in an error.
    pub fn describe(self) -> &'static str {
        match self {
            HeadKind::MaskedLm => "masked-LM head (fill-mask)",
            HeadKind::NextSentence => "next-sentence-prediction head",
            HeadKind::SequenceClassification => "sequence-classification head",
            HeadKind::TokenClassification => "token-classification head",
            HeadKind::QuestionAnswering => "question-answering head",
        }
    }

    /// The head's name as it crosses to the page (the serialised form), which translates it.
    pub fn key(self) -> &'static str {
        match self {
            HeadKind::MaskedLm => "masked_lm",
            HeadKind::NextSentence => "next_sentence",
            HeadKind::SequenceClassification => "sequence_classification",
            HeadKind::TokenClassification => "token_classification",
            HeadKind::QuestionAnswering => "question_answering",
        }
    }

    /// The transformers class that has exactly this head.
    pub fn architecture(self) -> &'static str {
        match self {
            HeadKind::MaskedLm => "BertForMaskedLM",
            HeadKind::NextSentence => "BertForNextSentencePrediction",
            HeadKind::SequenceClassification => "BertForSequenceClassification",
            HeadKind::TokenClassification => "BertForTokenClassification",
            HeadKind::QuestionAnswering => "BertForQuestionAnswering",
        }
    }
}
