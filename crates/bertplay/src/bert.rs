//! A BERT with whichever task heads its checkpoint carries. The encoder is `model`; each head is
//! `Some` only when it was loaded or created on purpose, so no head is ever silently random.

use burn::module::Module;
use burn::tensor::Device;

use crate::config::BertConfig;
use crate::error::{BertError, Detail, Result};
use crate::heads::{Classifier, HeadKind, MaskedLmHead, NextSentenceHead, QuestionAnsweringHead};
use crate::hf_names::HfVisitor;
use crate::model::BertModel;
use crate::pooler::Pooler;

#[derive(Module, Debug)]
pub struct Bert {
    pub model: BertModel,
    pub masked_lm: Option<MaskedLmHead>,
    pub next_sentence: Option<NextSentenceHead>,
    pub sequence_classifier: Option<Classifier>,
    pub token_classifier: Option<Classifier>,
    pub question_answering: Option<QuestionAnsweringHead>,
    #[module(skip)]
    pub config: BertConfig,
}

impl Bert {
    /// A freshly initialised model with the given heads (for training from scratch).
    pub fn init(config: &BertConfig, heads: &[HeadKind], device: &Device) -> Result<Self> {
        config.validate()?;
        let num_labels = config.labels()?.len();
        let has = |kind| heads.contains(&kind);
        Ok(Self {
            model: BertModel::init(config, device),
            masked_lm: has(HeadKind::MaskedLm).then(|| MaskedLmHead::init(config, device)),
            next_sentence: has(HeadKind::NextSentence).then(|| NextSentenceHead::init(config, device)),
            sequence_classifier: has(HeadKind::SequenceClassification)
                .then(|| Classifier::init(config, num_labels, device)),
            token_classifier: has(HeadKind::TokenClassification).then(|| Classifier::init(config, num_labels, device)),
            question_answering: has(HeadKind::QuestionAnswering).then(|| QuestionAnsweringHead::init(config, device)),
            config: config.clone(),
        })
    }

    /// The model ready to fine-tune for one task: the encoder kept, the task's head fresh (or
    /// kept when it already exists with the same labels), every other head (and the pooler where
    /// the task has none) dropped so the saved model is exactly a `BertFor…` of that task.
    pub fn for_fine_tuning(mut self, kind: HeadKind, labels: Option<&[String]>, device: &Device) -> Result<Self> {
        let same_labels = labels.is_none_or(|l| self.config.labels().is_ok_and(|old| old == l));
        let keep = self.has_head(kind) && same_labels;
        match labels {
            Some(labels) => self.config.set_labels(labels),
            // Labels of an earlier classification head would only mislead in the saved config.
            None if kind == HeadKind::QuestionAnswering => (self.config.id2label, self.config.label2id) = (None, None),
            None => {}
        }
        // The pooler feeds classification and NSP only. transformers' BertForQuestionAnswering
        // and BertForTokenClassification have none: kept, it would be saved untrained and
        // reported as unused weights when transformers loads the folder.
        match kind {
            HeadKind::QuestionAnswering | HeadKind::TokenClassification => self.model.pooler = None,
            _ if self.model.pooler.is_none() => self.model.pooler = Some(Pooler::init(&self.config, device)),
            _ => {}
        }
        let config = &self.config;
        let num_labels = config.labels()?.len();
        let mut tuned = Bert {
            model: self.model,
            masked_lm: None,
            next_sentence: None,
            sequence_classifier: None,
            token_classifier: None,
            question_answering: None,
            config: config.clone(),
        };
        let kept = |head: Option<Classifier>| head.filter(|_| keep);
        match kind {
            HeadKind::SequenceClassification => {
                tuned.sequence_classifier =
                    Some(kept(self.sequence_classifier).unwrap_or_else(|| Classifier::init(config, num_labels, device)))
            }
            HeadKind::TokenClassification => {
                tuned.token_classifier =
                    Some(kept(self.token_classifier).unwrap_or_else(|| Classifier::init(config, num_labels, device)))
            }
            HeadKind::QuestionAnswering => {
                let old = self.question_answering.filter(|_| keep);
                tuned.question_answering = Some(old.unwrap_or_else(|| QuestionAnsweringHead::init(config, device)))
            }
            HeadKind::MaskedLm | HeadKind::NextSentence => {
                tuned.masked_lm = Some(self.masked_lm.unwrap_or_else(|| MaskedLmHead::init(config, device)));
                tuned.next_sentence =
                    Some(self.next_sentence.unwrap_or_else(|| NextSentenceHead::init(config, device)));
            }
        }
        Ok(tuned)
    }

    /// The heads this model has, in [`HeadKind::ALL`] order.
    pub fn heads(&self) -> Vec<HeadKind> {
        HeadKind::ALL.into_iter().filter(|&k| self.has_head(k)).collect()
    }

    pub fn has_head(&self, kind: HeadKind) -> bool {
        match kind {
            HeadKind::MaskedLm => self.masked_lm.is_some(),
            HeadKind::NextSentence => self.next_sentence.is_some(),
            HeadKind::SequenceClassification => self.sequence_classifier.is_some(),
            HeadKind::TokenClassification => self.token_classifier.is_some(),
            HeadKind::QuestionAnswering => self.question_answering.is_some(),
        }
    }

    /// The error to give when a task needs a head this checkpoint does not have.
    pub fn missing_head(&self, kind: HeadKind) -> BertError {
        let heads = self.heads();
        let has = if heads.is_empty() {
            "no task heads (an encoder only)".to_string()
        } else {
            heads.iter().map(|h| h.describe()).collect::<Vec<_>>().join(", ")
        };
        // The page names the heads itself, from their keys.
        let keys = heads.iter().map(|h| h.key()).collect::<Vec<_>>().join(",");
        BertError::MissingHead(Detail::coded(
            "missing_head.head",
            vec![("head", kind.key().to_string()), ("has", keys)],
            format!("this model has no {}; it has {has}", kind.describe()),
        ))
    }

    /// The transformers class that loads this model with its heads. MLM + NSP is
    /// `BertForPreTraining`; other combinations have no single class, so the first head names it.
    pub fn architecture(&self) -> &'static str {
        let heads = self.heads();
        match heads.as_slice() {
            [] => "BertModel",
            [HeadKind::MaskedLm, HeadKind::NextSentence, ..] => "BertForPreTraining",
            [first, ..] => first.architecture(),
        }
    }

    /// Every parameter under its Hugging Face name (base names without the `bert.` prefix).
    pub fn visit_hf(&mut self, v: &mut impl HfVisitor) {
        self.model.visit_hf(v);
        if let Some(head) = &mut self.masked_lm {
            head.visit_hf(v);
        }
        if let Some(head) = &mut self.next_sentence {
            head.visit_hf(v);
        }
        if let Some(head) = &mut self.sequence_classifier {
            head.visit_hf(v);
        }
        if let Some(head) = &mut self.token_classifier {
            head.visit_hf(v);
        }
        if let Some(head) = &mut self.question_answering {
            head.visit_hf(v);
        }
    }
}
