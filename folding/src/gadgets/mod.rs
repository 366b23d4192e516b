//! Gadgets of the primary (augmented) circuit over `Fr`.
pub mod challenge;
pub mod grumpkin;
pub mod nonnative;
