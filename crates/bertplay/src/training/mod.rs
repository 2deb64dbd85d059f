//! Training BERT: the pieces of a training run, one concept per file, and the loop that joins them.
//!
//! Data: [`corpus`] (plain text → documents → sentence pairs for NSP), [`masking`] (MLM's
//! 15% / 80-10-10), [`vocab`] (a WordPiece vocabulary trained from the corpus), [`labelled`]
//! (CSV / TSV / JSONL rows for classification), [`squad`] (SQuAD questions → windows with answer
//! positions), [`dataset`] (a user's data split and tokenized, as the browser trains on it).
//! A run: [`hyperparameters`] (the course's table, checked), [`setup`] (the model a run starts
//! from, how it is scored). Optimisation: [`adamw`], [`schedule`]. Scoring: [`metrics`],
//! [`evaluate`]. Random choices draw from [`crate::rng`].
//! Bytes in, plain structs out: reading files and printing progress belong to the CLI and the page.

pub mod adamw;
pub mod batch;
pub mod corpus;
pub mod dataset;
pub mod evaluate;
pub mod fine_tuning;
pub mod hyperparameters;
pub mod labelled;
pub mod masking;
pub mod metrics;
pub mod objectives;
pub mod pretraining;
pub mod schedule;
pub mod setup;
pub mod squad;
pub mod trainer;
pub mod vocab;
