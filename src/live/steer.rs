//! From the head's class probabilities to a joystick direction.
//!
//! Pure functions and plain structs, no threads and no GUI types: the feature worker runs them
//! on every prediction and the unit tests below pin their behaviour.
//!
//! Why smoothing and a threshold: a classifier fed 15–30 frames a second flickers between
//! classes when the object is between two poses. An exponential moving average over the
//! probabilities calms the flicker at the cost of a little lag, and a confidence threshold
//! turns "not sure" into "keep going" instead of a wrong turn — the same outcome as the idle
//! class, which exists for the moments the player holds the object still.

use serde::{Deserialize, Serialize};

use crate::game::Dir;

/// How predictions become steering; edited on the play panel, stored in the settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SteerSettings {
    /// The smoothed probability the best class needs before Pac-Man is steered (0–1).
    pub threshold: f32,
    /// Weight of the past in the moving average (0 = no smoothing, 0.9 = very smooth).
    pub smoothing: f32,
}

impl Default for SteerSettings {
    fn default() -> Self {
        Self { threshold: 0.6, smoothing: 0.5 }
    }
}

/// The direction a class stands for: the names `up`, `down`, `left`, `right` (any case);
/// every other class (the idle class `none`, or a teacher's own names) steers nowhere.
#[must_use]
pub fn class_dir(name: &str) -> Option<Dir> {
    match name.trim().to_ascii_lowercase().as_str() {
        "up" => Some(Dir::Up),
        "down" => Some(Dir::Down),
        "left" => Some(Dir::Left),
        "right" => Some(Dir::Right),
        _ => None,
    }
}

/// An exponential moving average over probability vectors.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Smoother {
    state: Vec<f32>,
}

impl Smoother {
    /// Blends `probs` into the average (`smoothing` is the weight of the past, clamped to
    /// 0–0.99) and returns the new average. A vector of another length (a new head with other
    /// classes) or a non-finite value restarts the average from `probs`.
    pub fn update(&mut self, probs: &[f32], smoothing: f32) -> &[f32] {
        let a = if smoothing.is_finite() { smoothing.clamp(0.0, 0.99) } else { 0.0 };
        if self.state.len() != probs.len() || self.state.iter().any(|v| !v.is_finite()) {
            self.state = probs.to_vec();
        } else {
            for (s, &p) in self.state.iter_mut().zip(probs) {
                *s = a * *s + (1.0 - a) * p;
            }
        }
        &self.state
    }

    /// Forgets the past (e.g. after the head changed).
    pub fn reset(&mut self) {
        self.state.clear();
    }
}

/// What the steering made of one (smoothed) prediction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    /// The most likely class.
    pub best: usize,
    /// Its smoothed probability.
    pub confidence: f32,
    /// Where Pac-Man is steered; `None` means "keep going" (idle class, or not confident).
    pub dir: Option<Dir>,
}

/// Picks the most likely class and decides whether it is confident enough to steer. Returns
/// `None` for an empty probability vector.
#[must_use]
pub fn decide(classes: &[String], smoothed: &[f32], threshold: f32) -> Option<Decision> {
    let (best, &confidence) =
        smoothed.iter().enumerate().filter(|(_, p)| p.is_finite()).max_by(|a, b| a.1.total_cmp(b.1))?;
    let dir = if confidence >= threshold { classes.get(best).and_then(|c| class_dir(c)) } else { None };
    Some(Decision { best, confidence, dir })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn class_names_map_to_directions_and_others_steer_nowhere() {
        assert_eq!(class_dir("up"), Some(Dir::Up));
        assert_eq!(class_dir(" Left "), Some(Dir::Left));
        assert_eq!(class_dir("RIGHT"), Some(Dir::Right));
        assert_eq!(class_dir("down"), Some(Dir::Down));
        assert_eq!(class_dir("none"), None);
        assert_eq!(class_dir("upward"), None);
    }

    #[test]
    fn smoothing_blends_with_the_past_and_restarts_on_a_new_shape() {
        let mut s = Smoother::default();
        assert_eq!(s.update(&[1.0, 0.0], 0.5), &[1.0, 0.0]);
        assert_eq!(s.update(&[0.0, 1.0], 0.5), &[0.5, 0.5]);
        assert_eq!(s.update(&[0.0, 1.0], 0.5), &[0.25, 0.75]);
        // No smoothing: the latest prediction only.
        assert_eq!(s.update(&[0.9, 0.1], 0.0), &[0.9, 0.1]);
        // Three classes now: start again.
        assert_eq!(s.update(&[0.2, 0.3, 0.5], 0.9), &[0.2, 0.3, 0.5]);
        s.reset();
        assert_eq!(s.update(&[0.6, 0.4], 0.9), &[0.6, 0.4]);
    }

    #[test]
    fn below_the_threshold_or_on_the_idle_class_pacman_keeps_going() {
        let classes = names(&["up", "down", "left", "right", "none"]);
        let d = decide(&classes, &[0.1, 0.7, 0.1, 0.05, 0.05], 0.6).unwrap();
        assert_eq!((d.best, d.dir), (1, Some(Dir::Down)));
        let d = decide(&classes, &[0.1, 0.5, 0.2, 0.1, 0.1], 0.6).unwrap();
        assert_eq!((d.best, d.dir), (1, None), "not confident: keep going");
        let d = decide(&classes, &[0.05, 0.05, 0.05, 0.05, 0.8], 0.6).unwrap();
        assert_eq!((d.best, d.dir), (4, None), "the idle class never steers");
        assert!((d.confidence - 0.8).abs() < 1e-6);
        assert_eq!(decide(&classes, &[], 0.5), None);
        let d = decide(&classes, &[f32::NAN, 0.3, 0.7, 0.0, 0.0], 0.5).unwrap();
        assert_eq!((d.best, d.dir), (2, Some(Dir::Left)), "NaN never wins");
    }
}
