//! The stratified train/validation split.
//!
//! Rule: when every class has at least [`MIN_PER_CLASS_FOR_VALIDATION`] examples, each class
//! gives `round(fraction · n)` of its examples to validation (at least 1, and always leaving
//! at least 1 for training), chosen by a seeded shuffle; otherwise nothing is held out and the
//! split says why. Five per class is the least at which 15 % rounds to one example, and with
//! fewer the held-out accuracy would swing by 20 % or more per example anyway.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Examples every class needs before any are held out for validation.
pub const MIN_PER_CLASS_FOR_VALIDATION: usize = 5;

/// Indices of the training and the validation examples, each in ascending order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// Examples to train on.
    pub train: Vec<usize>,
    /// Examples held out (empty when there are too few examples).
    pub val: Vec<usize>,
    /// Why nothing was held out, when it wasn't.
    pub no_validation: Option<String>,
}

/// Splits examples with `labels` (class indices into `classes`) into train and validation.
pub fn stratified(labels: &[usize], classes: &[String], fraction: f64, seed: u64) -> Split {
    let mut per_class: Vec<Vec<usize>> = vec![Vec::new(); classes.len()];
    for (i, &l) in labels.iter().enumerate() {
        if let Some(members) = per_class.get_mut(l) {
            members.push(i);
        }
    }
    let all = || (0..labels.len()).filter(|&i| labels.get(i).is_some_and(|&l| l < classes.len())).collect();
    if fraction <= 0.0 {
        return Split { train: all(), val: Vec::new(), no_validation: Some("validation is off".into()) };
    }
    if let Some((class, members)) = classes.iter().zip(&per_class).find(|(_, m)| m.len() < MIN_PER_CLASS_FOR_VALIDATION)
    {
        let why = format!(
            "class `{class}` has {} example(s); a validation split needs {MIN_PER_CLASS_FOR_VALIDATION} per class",
            members.len()
        );
        return Split { train: all(), val: Vec::new(), no_validation: Some(why) };
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // A stream of its own, so the split does not share numbers with the weight initialisation.
    rng.set_stream(2);
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for mut members in per_class {
        let n = members.len();
        let k = ((fraction * n as f64).round() as usize).clamp(1, n.saturating_sub(1));
        members.shuffle(&mut rng);
        val.extend_from_slice(members.get(..k).unwrap_or_default());
        train.extend_from_slice(members.get(k..).unwrap_or_default());
    }
    train.sort_unstable();
    val.sort_unstable();
    Split { train, val, no_validation: None }
}

/// How the validation estimate is made.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validation {
    /// Nothing is measured (and why).
    Off {
        /// The reason, for the user.
        reason: String,
    },
    /// Every example is held out once: `k` extra heads each train on the other folds.
    KFold {
        /// Number of folds.
        k: usize,
    },
    /// One stratified share of every class is held out by one extra head.
    HoldOut {
        /// Examples held out.
        held_out: usize,
    },
}

impl Validation {
    /// One line for the user: how the estimate was made and how many examples it rests on.
    pub fn describe(&self, examples: usize) -> String {
        match self {
            Self::Off { reason } => format!("not measured ({reason})"),
            Self::KFold { k } => {
                format!("{k}-fold cross-validation: every one of the {examples} examples held out once")
            }
            Self::HoldOut { held_out } => format!("{held_out} of {examples} examples held out"),
        }
    }
}

/// Classes at least this large are validated on one held-out share instead of k folds:
/// the estimate then rests on enough examples, and it costs one extra run instead of k.
pub const HOLD_OUT_FROM: usize = 20;

/// Most folds: four extra runs of three quarters of the data, cheap at the few examples where
/// k-fold is used.
pub const MAX_FOLDS: usize = 4;

/// The validation folds for `labels`: each [`Split`] trains an extra head on `train` and
/// measures it on `val`; the head that is kept always trains on every example.
///
/// Rule: no validation when `fraction` is 0 or some class has fewer than 2 examples; one
/// stratified held-out share (see [`stratified`]) when every class has at least
/// [`HOLD_OUT_FROM`]; otherwise k-fold with k = min([`MAX_FOLDS`], smallest class), each
/// class dealt round-robin into the folds after a seeded shuffle.
pub fn folds(labels: &[usize], classes: &[String], fraction: f64, seed: u64) -> (Vec<Split>, Validation) {
    let mut per_class: Vec<Vec<usize>> = vec![Vec::new(); classes.len()];
    for (i, &l) in labels.iter().enumerate() {
        if let Some(members) = per_class.get_mut(l) {
            members.push(i);
        }
    }
    if fraction <= 0.0 {
        return (Vec::new(), Validation::Off { reason: "validation is off".into() });
    }
    let smallest = per_class.iter().map(Vec::len).min().unwrap_or(0);
    if smallest < 2 {
        let (class, n) =
            classes.iter().zip(&per_class).find(|(_, m)| m.len() < 2).map_or(("?", 0), |(c, m)| (c.as_str(), m.len()));
        let reason = format!("class `{class}` has {n} example(s); validation needs 2 per class");
        return (Vec::new(), Validation::Off { reason });
    }
    if smallest >= HOLD_OUT_FROM {
        let split = stratified(labels, classes, fraction, seed);
        let held_out = split.val.len();
        return (vec![split], Validation::HoldOut { held_out });
    }
    let k = smallest.min(MAX_FOLDS);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(3);
    let mut fold_of = vec![usize::MAX; labels.len()];
    for members in &mut per_class {
        members.shuffle(&mut rng);
        for (j, &i) in members.iter().enumerate() {
            if let Some(f) = fold_of.get_mut(i) {
                *f = j % k;
            }
        }
    }
    let splits = (0..k)
        .map(|f| {
            let (val, train): (Vec<usize>, Vec<usize>) = (0..labels.len())
                .filter(|&i| fold_of.get(i).is_some_and(|&g| g != usize::MAX))
                .partition(|&i| fold_of.get(i) == Some(&f));
            Split { train, val, no_validation: None }
        })
        .collect();
    (splits, Validation::KFold { k })
}
