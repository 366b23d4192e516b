//! Step circuits the engine folds (adapters to [`crate::step::FoldStep`]).
pub mod aggregation;
