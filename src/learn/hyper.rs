//! Training hyperparameters: the TF.js demo's four (learning rate, batch size, epochs, hidden
//! units) with its menus, and the recipe around them (feature normalisation, augmented
//! views, label smoothing, validation). [`Hyper::default`] is pacnet's recipe,
//! [`Hyper::tfjs_demo`] the demo's own; `pacnet bench-learn` measures both (see
//! the README's "Training recipe" for the table that chose the defaults).

use serde::{Deserialize, Serialize};

use super::augment::Jitter;
use super::error::{LearnError, Result};

/// The demo's learning-rate menu (0.0001 is its default).
pub const LEARNING_RATES: [f64; 4] = [1e-5, 1e-4, 1e-3, 3e-3];
/// The demo's batch-size menu, as fractions of the training set (0.4 is its default).
pub const BATCH_FRACTIONS: [f64; 4] = [0.05, 0.1, 0.4, 1.0];
/// The demo's epoch menu (20 is its default).
pub const EPOCHS: [usize; 3] = [10, 20, 40];
/// The demo's hidden-unit menu (100 is its default).
pub const UNITS: [usize; 3] = [10, 100, 200];

/// How feature vectors are scaled before the head reads them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Normalize {
    /// As the backbone gives them (the TF.js demo).
    None,
    /// Each vector scaled to length √d (d values), so every value is about 1 in size: a
    /// brighter or darker frame gives the same direction, and the initial weights keep their
    /// intended scale.
    #[default]
    L2,
}

impl Normalize {
    /// The factor that scales a vector with `sum_sq` = Σx² over `d` values.
    pub fn factor(self, sum_sq: f64, d: usize) -> f32 {
        match self {
            Self::None => 1.0,
            Self::L2 => ((d as f64).sqrt() / sum_sq.sqrt().max(1e-12)) as f32,
        }
    }

    /// Scales `x` in place.
    pub fn apply(self, x: &mut [f32]) {
        if self == Self::None {
            return;
        }
        let sum_sq: f64 = x.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        let f = self.factor(sum_sq, x.len());
        for v in x {
            *v *= f;
        }
    }
}
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
    /// Passes over the training examples (each pass sees every example once, as itself or as
    /// one of its augmented views).
    pub epochs: usize,
    /// Units of the hidden Dense layer.
    pub units: usize,
    /// Seeds the initial weights, the validation folds and the per-epoch shuffles.
    pub seed: u64,
    /// Share of each class held out when validation holds examples out (see
    /// [`super::split`]); 0 turns validation off.
    pub val_fraction: f64,
    /// Feature scaling before the head. Files written before it existed trained on raw
    /// features, so a missing value reads as [`Normalize::None`] (as do the three below: no
    /// views, no smoothing — the recipe those files were trained with).
    #[serde(default = "unscaled")]
    pub normalize: Normalize,
    /// Augmented views per example (0: none); their features are computed once and cached.
    #[serde(default)]
    pub views: usize,
    /// Most augmented views over all examples (0: no limit): each example gets
    /// [`Hyper::views_per_example`] of them, so a large dataset (where augmentation matters
    /// less) does not pay 16 forward passes per example. Files from before it existed read as
    /// 0, the recipe they were trained with.
    #[serde(default)]
    pub view_budget: usize,
    /// The ranges the views are drawn from.
    #[serde(default = "no_jitter")]
    pub jitter: Jitter,
    /// Label smoothing ε of the cross-entropy (0: plain one-hot targets).
    #[serde(default)]
    pub label_smoothing: f64,
    /// Share of the feature values zeroed in each training row (dropout on the head's input,
    /// drawn from the seed; 0: none). Prediction uses every value.
    #[serde(default)]
    pub dropout: f64,
}

/// What a file from before augmentation reads as.
fn no_jitter() -> Jitter {
    Jitter::NONE
}

impl Default for Hyper {
    fn default() -> Self {
        Self {
            lr: 1e-4,
            batch_fraction: 0.4,
            // The demo's menu value above its default 20: with the wider view ranges of
            // `Jitter::default`, 40 epochs scored 3.1 points more than 20 on bench-learn's
            // nudged frames (3 seeds), at twice the training time.
            epochs: 40,
            units: 100,
            seed: 0,
            val_fraction: 0.15,
            normalize: Normalize::L2,
            views: 16,
            view_budget: VIEW_BUDGET,
            jitter: Jitter::default(),
            label_smoothing: 0.0,
            dropout: 0.0,
        }
    }
}

impl Hyper {
    /// The TF.js webcam-transfer-learning demo's recipe: its four defaults, raw features, no
    /// augmentation, plain cross-entropy (validation still measures, without changing the head).
    pub fn tfjs_demo() -> Self {
        Self {
            lr: 1e-4,
            batch_fraction: 0.4,
            epochs: 20,
            units: 100,
            normalize: Normalize::None,
            views: 0,
            view_budget: 0,
            jitter: Jitter::NONE,
            label_smoothing: 0.0,
            dropout: 0.0,
            ..Self::default()
        }
    }

    /// Whether the recipe (everything but the four menus, the seed and validation) is the TF.js demo's.
    pub fn is_tfjs_demo(&self) -> bool {
        // The recipe is what the demo did around its four menus; the menus stay the user's.
        let Self { lr, batch_fraction, epochs, units, seed, val_fraction, .. } = *self;
        Self { lr, batch_fraction, epochs, units, seed, val_fraction, ..Self::tfjs_demo() } == *self
    }

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
        if self.views > MAX_VIEWS {
            return bad("views", self.views.to_string(), "at most 64");
        }
        if !(0.0..0.5).contains(&self.label_smoothing) {
            return bad("label-smoothing", self.label_smoothing.to_string(), "in [0, 0.5)");
        }
        if !(0.0..0.9).contains(&self.dropout) {
            return bad("dropout", self.dropout.to_string(), "in [0, 0.9)");
        }
        self.jitter.validate()
    }

    /// Augmented views each of `examples` examples gets: [`Hyper::views`], fewer when
    /// [`Hyper::view_budget`] would be exceeded, but at least 1 (none when `views` is 0).
    pub fn views_per_example(&self, examples: usize) -> usize {
        match self.view_budget {
            0 => self.views,
            budget => self.views.min((budget / examples.max(1)).max(1)),
        }
    }

    /// Examples per batch for `n` training examples: ⌊fraction · n⌋, at least 1 (as the demo
    /// computes it, except that it refuses a batch of 0 where this rounds up to 1).
    pub fn batch_size(&self, n: usize) -> usize {
        ((self.batch_fraction * n as f64).floor() as usize).clamp(1, n.max(1))
    }
}

/// What a file without `normalize` was trained with.
pub(crate) fn unscaled() -> Normalize {
    Normalize::None
}

/// Most augmented views per example.
pub const MAX_VIEWS: usize = 64;

/// The default [`Hyper::view_budget`]: 4 classes × 12 examples get all 16 views each, 4 × 50
/// get 3. That costs accuracy: `pacnet bench-learn --train 50` measured 2–6 points less on
/// nudged tilt than 16 views each (see the README); it buys a 5× cheaper cold start.
pub const VIEW_BUDGET: usize = 768;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_budget_shares_views_out_but_leaves_every_example_one() {
        let h = Hyper::default();
        assert_eq!((h.views, h.view_budget, h.epochs), (16, 768, 40));
        assert_eq!(h.views_per_example(48), 16);
        assert_eq!(h.views_per_example(10), 16);
        assert_eq!(h.views_per_example(200), 3);
        assert_eq!(h.views_per_example(5000), 1);
        assert_eq!(Hyper { view_budget: 0, ..h.clone() }.views_per_example(5000), 16);
        assert_eq!(Hyper::tfjs_demo().views_per_example(48), 0);
    }
}
