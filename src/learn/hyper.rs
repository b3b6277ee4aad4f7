//! Training hyperparameters, with the TF.js demo's choices as defaults and menus.

use serde::{Deserialize, Serialize};

use super::error::{LearnError, Result};

/// The demo's learning-rate menu (0.0001 is its default).
pub const LEARNING_RATES: [f64; 4] = [1e-5, 1e-4, 1e-3, 3e-3];
/// The demo's batch-size menu, as fractions of the training set (0.4 is its default).
pub const BATCH_FRACTIONS: [f64; 4] = [0.05, 0.1, 0.4, 1.0];
/// The demo's epoch menu (20 is its default).
pub const EPOCHS: [usize; 3] = [10, 20, 40];
/// The demo's hidden-unit menu (100 is its default).
pub const UNITS: [usize; 3] = [10, 100, 200];

/// The most epochs a run may ask for: far beyond any useful run (the demo offers 40), small
/// enough that the per-epoch records stay a few MB.
pub const MAX_EPOCHS: usize = 10_000;
/// The most hidden units: the hidden kernel, its gradient and Adam's two moments take
/// 16 bytes per unit and feature, 0.8 GB at 12,544 features (the demo offers 200).
pub const MAX_UNITS: usize = 4096;

/// Everything that decides a training run besides the data. Same values and same data give
/// bit-identical weights (on the same thread count: the matrix products split work by threads).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Hyper {
    /// Adam's learning rate.
    pub lr: f64,
    /// Batch size as a fraction of the training examples (rounded down, never below 1).
    pub batch_fraction: f64,
    /// Passes over the training examples.
    pub epochs: usize,
    /// Units of the hidden Dense layer.
    pub units: usize,
    /// Seeds the initial weights, the validation split and the per-epoch shuffles.
    pub seed: u64,
    /// Share of each class held out for validation (see [`super::split`] for when it applies).
    pub val_fraction: f64,
}

impl Default for Hyper {
    fn default() -> Self {
        Self { lr: 1e-4, batch_fraction: 0.4, epochs: 20, units: 100, seed: 0, val_fraction: 0.15 }
    }
}

impl Hyper {
    /// Checks every value's range; the error names the parameter by its CLI flag's spelling.
    pub fn validate(&self) -> Result<()> {
        let bad = |name, value: String, rule| Err(LearnError::Hyper { name, value, rule });
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad("lr", self.lr.to_string(), "a number > 0");
        }
        if !(self.batch_fraction > 0.0 && self.batch_fraction <= 1.0) {
            return bad("batch-fraction", self.batch_fraction.to_string(), "in (0, 1]");
        }
        if !(1..=MAX_EPOCHS).contains(&self.epochs) {
            return bad("epochs", self.epochs.to_string(), "between 1 and 10000");
        }
        if !(1..=MAX_UNITS).contains(&self.units) {
            return bad("units", self.units.to_string(), "between 1 and 4096");
        }
        if !(0.0..=0.5).contains(&self.val_fraction) {
            return bad("val-fraction", self.val_fraction.to_string(), "in [0, 0.5]");
        }
        Ok(())
    }

    /// Examples per batch for `n` training examples: ⌊fraction · n⌋, at least 1 (as the demo
    /// computes it, except that it refuses a batch of 0 where this rounds up to 1).
    pub fn batch_size(&self, n: usize) -> usize {
        ((self.batch_fraction * n as f64).floor() as usize).clamp(1, n.max(1))
    }
}
