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
