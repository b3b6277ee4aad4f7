//! From the head's class probabilities to a joystick direction.
//!
//! Pure functions and plain structs, no threads and no GUI types: the steering controller
//! ([`super::control`]) runs them on every prediction and the unit tests below pin their
//! behaviour.
//!
//! Why smoothing and a threshold: a classifier fed 15–30 frames a second flickers between
//! classes when the object is between two poses. An exponential moving average over the
//! probabilities calms the flicker at the cost of a little lag, and a confidence threshold
//! turns "not sure" into "keep going" instead of a wrong turn — the same outcome as the idle
//! class, which exists for the moments the player holds the object still.

use serde::{Deserialize, Serialize};

use crate::game::Dir;

/// How predictions become steering; edited on the play panel, stored in the settings (every
/// field has a default, so settings saved before a field existed still load).
///
/// The defaults come from `pacnet bench-play` (README, "Playability"); [`Controller`] applies
/// them.
///
/// [`Controller`]: super::control::Controller
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SteerSettings {
    /// The smoothed probability the best class needs before Pac-Man is steered (0–1).
    pub threshold: f32,
    /// Weight of the past in the moving average (0 = no smoothing, 0.9 = very smooth).
    pub smoothing: f32,
    /// Hysteresis: another class takes over from the one steering only when its smoothed
    /// probability leads by this much (0–1; 0 = off).
    pub margin: f32,
    /// A new direction must win this long (milliseconds of camera time) before it steers
    /// (0 = at once).
    pub hold_ms: u32,
    /// When unsure, keep sending the last direction (true) rather than none (false). Either
    /// way Pac-Man keeps going; holding the last one keeps a turn asked for just before a
    /// junction alive, and keeps a held key down.
    pub hold_last: bool,
    /// Frames whose features lie farther than this from every training example (in units of
    /// the examples' own spacing, see `learn::Familiarity`) count as unsure, whatever the head
    /// says: a hand passing by, an empty view (0 = off).
    pub familiar: f32,
    /// The same check, but against the scene as it is now: a frame whose distance to the
    /// training examples is more than this many times the median distance of the recent
    /// frames that steered its class counts as unsure (0 = off). A new room or new light moves
    /// every frame away from the examples alike, so a fixed limit either lets an empty view
    /// steer or rejects the poses too; relative to the class's own recent frames, an empty
    /// view or the toy on its way out stands out in any room (README, "Playability").
    pub familiar_rel: f32,
    /// After this long without a confident frame (milliseconds), stop sending the last
    /// direction: the object left the view (0 = never).
    pub release_ms: u32,
}

impl SteerSettings {
    /// The TF.js demo's behaviour: the argmax of every frame steers, no smoothing, no
    /// threshold.
    pub const TFJS: Self = Self {
        threshold: 0.0,
        smoothing: 0.0,
        margin: 0.0,
        hold_ms: 0,
        hold_last: false,
        familiar: 0.0,
        familiar_rel: 0.0,
        release_ms: 0,
    };

    /// pacnet's settings before `pacnet bench-play` tuned them: smoothing 0.5, threshold 0.6,
    /// nothing else.
    pub const BEFORE_BENCH: Self = Self { threshold: 0.6, smoothing: 0.5, ..Self::TFJS };
}

impl Default for SteerSettings {
    /// Chosen with `pacnet bench-play` (README, "Playability"): every frame may steer (no
    /// moving average), but only a class the head gives 0.8 or more, and only once it has won
    /// for 120 ms (a tilt from −45° to +45° passes the −15° and +15° poses for 100–180 ms);
    /// a frame 1.25 times farther from the examples than its class's recent frames is unsure
    /// (an empty view, the toy leaving); unsure frames keep the last direction, for 3 s at
    /// most (the toy put down for a moment does not stop Pac-Man; a key is not held forever).
    fn default() -> Self {
        Self {
            threshold: 0.8,
            smoothing: 0.0,
            margin: 0.0,
            hold_ms: 120,
            hold_last: true,
            familiar: 0.0,
            familiar_rel: 1.25,
            release_ms: 3000,
        }
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

/// The directions no class of `classes` stands for, in the order up, down, left, right: the
/// ways the model can never turn Pac-Man.
#[must_use]
pub fn missing_dirs(classes: &[String]) -> Vec<Dir> {
    [Dir::Up, Dir::Down, Dir::Left, Dir::Right]
        .into_iter()
        .filter(|d| !classes.iter().any(|c| class_dir(c) == Some(*d)))
        .collect()
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

    /// The average so far (empty before the first update).
    #[must_use]
    pub fn state(&self) -> &[f32] {
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
    /// The class steering now (any class, not only a direction): what key bindings follow.
    pub steering: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_map_to_directions_and_others_steer_nowhere() {
        assert_eq!(class_dir("up"), Some(Dir::Up));
        assert_eq!(class_dir(" Left "), Some(Dir::Left));
        assert_eq!(class_dir("RIGHT"), Some(Dir::Right));
        assert_eq!(class_dir("down"), Some(Dir::Down));
        assert_eq!(class_dir("none"), None);
        assert_eq!(class_dir("upward"), None);
        let classes: Vec<String> = ["Up", "jump", "right", "down"].map(String::from).to_vec();
        assert_eq!(missing_dirs(&classes), [Dir::Left]);
        assert_eq!(missing_dirs(&[]), [Dir::Up, Dir::Down, Dir::Left, Dir::Right]);
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
}
