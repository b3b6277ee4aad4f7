//! Accuracy, per-class accuracy and the confusion matrix, plus the per-epoch record.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Counts of (true class, predicted class) pairs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    classes: Vec<String>,
    /// Row-major `[truth][prediction]`.
    counts: Vec<usize>,
}

/// How well one class was recognised.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassAccuracy {
    /// The class.
    pub class: String,
    /// Its examples predicted as itself.
    pub correct: usize,
    /// Its examples.
    pub total: usize,
}

impl ClassAccuracy {
    /// `correct / total`, `None` when the class had no examples.
    pub fn accuracy(&self) -> Option<f64> {
        (self.total > 0).then(|| self.correct as f64 / self.total as f64)
    }
}

impl Confusion {
    /// An empty matrix over `classes`.
    pub fn new(classes: Vec<String>) -> Self {
        let k = classes.len();
        Self { classes, counts: vec![0; k * k] }
    }

    /// A matrix from parallel slices of true and predicted class indices; pairs with an
    /// index outside the classes are ignored (and so not counted in the total).
    pub fn from_pairs(classes: Vec<String>, truth: &[usize], predicted: &[usize]) -> Self {
        let mut me = Self::new(classes);
        for (&t, &p) in truth.iter().zip(predicted) {
            me.add(t, p);
        }
        me
    }

    /// Counts one example; ignored when either index is out of range.
    pub fn add(&mut self, truth: usize, predicted: usize) {
        let k = self.classes.len();
        if truth < k
            && predicted < k
            && let Some(c) = self.counts.get_mut(truth * k + predicted)
        {
            *c += 1;
        }
    }

    /// The class names, in row/column order.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// How many examples of class `truth` were predicted as `predicted`.
    pub fn count(&self, truth: usize, predicted: usize) -> usize {
        let k = self.classes.len();
        if truth >= k || predicted >= k {
            return 0;
        }
        self.counts.get(truth * k + predicted).copied().unwrap_or(0)
    }

    /// Examples counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Examples on the diagonal.
    pub fn correct(&self) -> usize {
        (0..self.classes.len()).map(|i| self.count(i, i)).sum()
    }

    /// Share of examples predicted right, `None` when nothing was counted.
    pub fn accuracy(&self) -> Option<f64> {
        let n = self.total();
        (n > 0).then(|| self.correct() as f64 / n as f64)
    }

    /// Per class: its examples predicted right over its examples (the recall).
    pub fn per_class(&self) -> Vec<ClassAccuracy> {
        let k = self.classes.len();
        self.classes
            .iter()
            .enumerate()
            .map(|(i, c)| ClassAccuracy {
                class: c.clone(),
                correct: self.count(i, i),
                total: (0..k).map(|j| self.count(i, j)).sum(),
            })
            .collect()
    }

    /// The matrix as aligned text: one row per true class, one column per predicted class.
    pub fn table(&self) -> String {
        let names = self.classes.iter().map(|c| c.chars().count()).max().unwrap_or(0);
        let first = names.max("true\\pred".len());
        let width = names.max(self.total().to_string().len());
        let mut out = String::new();
        let _ = write!(out, "{:>first$}", "true\\pred");
        for c in &self.classes {
            let _ = write!(out, " {c:>width$}");
        }
        out.push('\n');
        for (i, c) in self.classes.iter().enumerate() {
            let _ = write!(out, "{c:>first$}");
            for j in 0..self.classes.len() {
                let _ = write!(out, " {:>width$}", self.count(i, j));
            }
            out.push('\n');
        }
        out
    }
}

/// What one epoch achieved. Training loss and accuracy are the averages over the epoch's
/// batches as they were trained (Keras' convention: weights change during the epoch);
/// validation is measured after the epoch's last step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean cross-entropy over the epoch's batches.
    pub train_loss: f32,
    /// Share of training examples the batches got right before their update.
    pub train_acc: f32,
    /// Cross-entropy on the validation examples, when there are any.
    pub val_loss: Option<f32>,
    /// Accuracy on the validation examples, when there are any.
    pub val_acc: Option<f32>,
}

/// The per-epoch metrics as CSV (a header line, then one line per epoch; an empty field where
/// a run had no validation examples), for a spreadsheet or a lesson's handout.
#[must_use]
pub fn epochs_csv(epochs: &[EpochMetrics]) -> String {
    let opt = |v: Option<f32>| v.map_or_else(String::new, |v| v.to_string());
    let mut out = String::from("epoch,train_loss,train_accuracy,validation_loss,validation_accuracy\n");
    for e in epochs {
        out += &format!("{},{},{},{},{}\n", e.epoch, e.train_loss, e.train_acc, opt(e.val_loss), opt(e.val_acc));
    }
    out
}
