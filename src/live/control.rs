//! The steering controller: from one frame's class probabilities to the direction the game
//! (or a key sink) is given, with the state that makes it steady.
//!
//! Per frame, in order:
//! 1. the probabilities enter the moving average ([`Smoother`]);
//! 2. a frame far from every training example (`familiar`, see [`SteerSettings`]), or much
//!    farther than the recent frames that steered its class (`familiar_rel`), is unsure;
//! 3. otherwise the best smoothed class is a *candidate* when it reaches the threshold and,
//!    if another class is steering, leads that class by the hysteresis margin;
//! 4. a candidate other than the class steering takes over once it has been the candidate for
//!    `hold_ms` of camera time;
//! 5. unsure frames keep the last direction (`hold_last`) or give none, and after
//!    `release_ms` without a candidate the direction is let go.
//!
//! Time is the frames' own (camera timestamps, or simulated time in `pacnet bench-play`), so
//! the same frames always give the same decisions.

use std::collections::VecDeque;
use std::time::Duration;

use crate::game::Dir;

use super::steer::{Decision, Smoother, SteerSettings, class_dir};

/// The controller's state between frames.
#[derive(Clone, Debug, Default)]
pub struct Controller {
    smoother: Smoother,
    /// The class steering now, if any.
    held: Option<usize>,
    /// A class waiting to take over, and the time of its first frame as candidate.
    pending: Option<(usize, Duration)>,
    /// The time of the last frame with a candidate.
    last_sure: Option<Duration>,
    /// Per class, the familiarity of its last frames that steered ([`Recent`]).
    recent: Vec<Recent>,
}

/// How far from the training examples a class's recent steering frames lay: the reference
/// `familiar_rel` measures a frame against. Only frames of the class steering enter it, so an
/// empty view never becomes its own reference; it follows slow changes (light, a nudged
/// camera, a pose held farther out) as the player keeps steering.
#[derive(Clone, Debug, Default)]
struct Recent(VecDeque<f32>);

impl Recent {
    /// Frames kept (half a second at 30 fps).
    const KEEP: usize = 15;
    /// Frames needed before the reference is used (until then only `familiar` applies).
    const NEED: usize = 5;

    fn push(&mut self, ratio: f32) {
        if ratio.is_finite() {
            if self.0.len() == Self::KEEP {
                self.0.pop_front();
            }
            self.0.push_back(ratio);
        }
    }

    /// The median, once there are enough frames.
    fn median(&self) -> Option<f32> {
        if self.0.len() < Self::NEED {
            return None;
        }
        let mut v: Vec<f32> = self.0.iter().copied().collect();
        v.sort_by(f32::total_cmp);
        v.get(v.len() / 2).copied()
    }
}

/// One frame as the controller sees it.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// The frame's time (camera timestamp).
    pub at: Duration,
    /// The head's classes.
    pub classes: &'a [String],
    /// The head's probabilities for this frame.
    pub probs: &'a [f32],
    /// The distance to the nearest training example in units of their spacing
    /// (`learn::Familiarity::ratio`), when known.
    pub familiarity: Option<f32>,
}

impl Controller {
    /// A controller that has seen no frame.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets everything (a new head, another sink).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// The smoothed probabilities after the last frame.
    #[must_use]
    pub fn smoothed(&self) -> &[f32] {
        self.smoother.state()
    }

    /// Feeds one frame; returns the decision (`None` for an empty probability vector).
    pub fn update(&mut self, frame: &Frame<'_>, s: &SteerSettings) -> Option<Decision> {
        let smoothed = self.smoother.update(frame.probs, s.smoothing);
        let (best, &confidence) =
            smoothed.iter().enumerate().filter(|(_, p)| p.is_finite()).max_by(|a, b| a.1.total_cmp(b.1))?;
        if self.held.is_some_and(|h| h >= smoothed.len()) {
            // A head with fewer classes: start over.
            self.held = None;
            self.pending = None;
        }
        if self.recent.len() != smoothed.len() {
            self.recent = vec![Recent::default(); smoothed.len()];
        }
        let familiar = s.familiar <= 0.0 || frame.familiarity.is_none_or(|r| r <= s.familiar);
        let like_recent = s.familiar_rel <= 0.0
            || frame
                .familiarity
                .is_none_or(|r| self.recent.get(best).and_then(Recent::median).is_none_or(|m| r <= s.familiar_rel * m));
        let familiar = familiar && like_recent;
        let leads = match self.held {
            Some(h) if h != best => confidence - smoothed.get(h).copied().unwrap_or(0.0) >= s.margin,
            _ => true,
        };
        let candidate = (familiar && confidence >= s.threshold && leads).then_some(best);
        match candidate {
            Some(c) => {
                self.last_sure = Some(frame.at);
                if self.held == Some(c) {
                    self.pending = None;
                    self.remember(c, frame);
                } else {
                    let since = match self.pending {
                        Some((p, since)) if p == c => since,
                        _ => frame.at,
                    };
                    if frame.at.saturating_sub(since) >= Duration::from_millis(u64::from(s.hold_ms)) {
                        self.held = Some(c);
                        self.pending = None;
                        self.remember(c, frame);
                    } else {
                        self.pending = Some((c, since));
                    }
                }
            }
            None => {
                // The steering class, still named surely but unlike its reference: the player
                // holds the pose a little differently (farther out than when it first steered).
                // Its reference follows, or an exaggerated pose would be let go after
                // `release_ms`; another class's unfamiliar frames (an empty view) never enter.
                if self.held == Some(best) && confidence >= s.threshold {
                    self.remember(best, frame);
                }
                let stale = s.release_ms > 0
                    && self
                        .last_sure
                        .is_none_or(|t| frame.at.saturating_sub(t) >= Duration::from_millis(u64::from(s.release_ms)));
                if stale {
                    self.held = None;
                    self.pending = None;
                }
            }
        }
        let steering = if candidate.is_some() || s.hold_last { self.held } else { None };
        let dir: Option<Dir> = steering.and_then(|c| frame.classes.get(c)).and_then(|name| class_dir(name));
        Some(Decision { best, confidence, dir, steering })
    }

    /// Adds a frame that steered class `c` to that class's reference.
    fn remember(&mut self, c: usize, frame: &Frame<'_>) {
        if let (Some(recent), Some(r)) = (self.recent.get_mut(c), frame.familiarity) {
            recent.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["up", "down", "left", "right", "none"].map(String::from).to_vec()
    }

    /// Feeds `probs` at 30 frames a second from `start_ms`; returns the directions.
    fn feed(c: &mut Controller, s: &SteerSettings, start_ms: u64, frames: &[[f32; 5]]) -> Vec<Option<Dir>> {
        let classes = names();
        frames
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let at = Duration::from_millis(start_ms + 33 * i as u64);
                let f = Frame { at, classes: &classes, probs: p, familiarity: None };
                c.update(&f, s).and_then(|d| d.dir)
            })
            .collect()
    }

    const UP: [f32; 5] = [0.9, 0.025, 0.025, 0.025, 0.025];
    const LEFT: [f32; 5] = [0.025, 0.025, 0.9, 0.025, 0.025];
    const UNSURE: [f32; 5] = [0.3, 0.1, 0.35, 0.15, 0.1];

    #[test]
    fn the_tfjs_behaviour_follows_every_frame() {
        let mut c = Controller::new();
        let got = feed(&mut c, &SteerSettings::TFJS, 0, &[UP, LEFT, UNSURE, UP]);
        assert_eq!(got, [Some(Dir::Up), Some(Dir::Left), Some(Dir::Left), Some(Dir::Up)]);
    }

    #[test]
    fn a_new_direction_waits_for_its_hold_time_and_a_blip_never_steers() {
        let s = SteerSettings { hold_ms: 60, hold_last: true, ..SteerSettings::TFJS };
        let mut c = Controller::new();
        // The first class also waits: 0, 33 ms pending, steering from 66 ms.
        assert_eq!(feed(&mut c, &s, 0, &[UP, UP, UP]), [None, None, Some(Dir::Up)]);
        // One frame of left is a blip: up stays.
        assert_eq!(feed(&mut c, &s, 100, &[LEFT, UP]), [Some(Dir::Up), Some(Dir::Up)]);
        // Left held for 66 ms takes over.
        assert_eq!(feed(&mut c, &s, 200, &[LEFT, LEFT, LEFT]), [Some(Dir::Up), Some(Dir::Up), Some(Dir::Left)]);
    }

    #[test]
    fn hysteresis_keeps_the_steering_class_until_another_clearly_leads() {
        let s = SteerSettings { margin: 0.2, hold_last: true, ..SteerSettings::TFJS };
        let mut c = Controller::new();
        assert_eq!(feed(&mut c, &s, 0, &[UP]), [Some(Dir::Up)]);
        // Left leads up by 0.05 only: up keeps steering.
        let close = [0.4, 0.05, 0.45, 0.05, 0.05];
        assert_eq!(feed(&mut c, &s, 33, &[close]), [Some(Dir::Up)]);
        // By 0.85: left takes over.
        assert_eq!(feed(&mut c, &s, 66, &[LEFT]), [Some(Dir::Left)]);
    }

    #[test]
    fn unsure_frames_keep_the_last_direction_or_none_and_a_long_silence_lets_go() {
        let keep = SteerSettings { threshold: 0.6, hold_last: true, release_ms: 90, ..SteerSettings::TFJS };
        let mut c = Controller::new();
        let got = feed(&mut c, &keep, 0, &[UP, UNSURE, UNSURE, UNSURE, UNSURE]);
        assert_eq!(
            got,
            [Some(Dir::Up), Some(Dir::Up), Some(Dir::Up), None, None],
            "let go 90 ms after the last sure frame"
        );
        let drop = SteerSettings { threshold: 0.6, ..SteerSettings::TFJS };
        let mut c = Controller::new();
        assert_eq!(feed(&mut c, &drop, 0, &[UP, UNSURE, UP]), [Some(Dir::Up), None, Some(Dir::Up)]);
    }

    #[test]
    fn an_unfamiliar_frame_is_unsure_however_confident_the_head_is() {
        let s = SteerSettings { familiar: 2.0, hold_last: true, ..SteerSettings::TFJS };
        let classes = names();
        let mut c = Controller::new();
        let frame = |ms: u64, probs: &'static [f32; 5], r: f32| Frame {
            at: Duration::from_millis(ms),
            classes: &classes,
            probs,
            familiarity: Some(r),
        };
        assert_eq!(c.update(&frame(0, &UP, 1.0), &s).and_then(|d| d.dir), Some(Dir::Up));
        // Far from every example: left is not taken, up is kept.
        assert_eq!(c.update(&frame(33, &LEFT, 3.5), &s).and_then(|d| d.dir), Some(Dir::Up));
        assert_eq!(c.update(&frame(66, &LEFT, 1.5), &s).and_then(|d| d.dir), Some(Dir::Left));
    }

    /// A fresh controller fed one frame per call: (camera ms, probabilities, familiarity).
    fn stepper(s: SteerSettings) -> impl FnMut(u64, &'static [f32; 5], f32) -> Option<Dir> {
        let classes = names();
        let mut c = Controller::new();
        move |ms, probs, r| {
            let f = Frame { at: Duration::from_millis(ms), classes: &classes, probs, familiarity: Some(r) };
            c.update(&f, &s).and_then(|d| d.dir)
        }
    }

    #[test]
    fn a_frame_much_farther_than_its_class_recent_frames_is_unsure() {
        let s = SteerSettings { familiar_rel: 1.25, hold_last: true, ..SteerSettings::TFJS };
        let mut step = stepper(s);
        // Left steers from a new room: every frame at 4 (a fixed `familiar` of 3 would
        // reject them all). Its first frames have no reference yet and steer.
        for i in 0..Recent::NEED as u64 {
            assert_eq!(step(33 * i, &LEFT, 4.0), Some(Dir::Left));
        }
        // Up has no reference yet: it takes over at 6.0, then steers at 4.2.
        assert_eq!(step(200, &UP, 6.0), Some(Dir::Up));
        for i in 0..Recent::NEED as u64 {
            assert_eq!(step(233 + 33 * i, &UP, 4.2), Some(Dir::Up));
        }
        // Left again: at 5.1 (> 1.25 × 4) it is unsure and up is kept; at 4.9 it steers.
        assert_eq!(step(500, &LEFT, 5.1), Some(Dir::Up));
        assert_eq!(step(533, &LEFT, 4.9), Some(Dir::Left));
        // Each class has its own reference: up's recent frames include a 6.0 but their median
        // is 4.2, so 5.6 (> 1.25 × 4.2 = 5.25) is unsure and 5.2 steers.
        assert_eq!(step(566, &UP, 5.6), Some(Dir::Left));
        assert_eq!(step(600, &UP, 5.2), Some(Dir::Up));
    }

    #[test]
    fn a_pose_held_farther_out_than_when_it_first_steered_keeps_steering() {
        let s = SteerSettings { familiar_rel: 1.25, hold_last: true, release_ms: 300, ..SteerSettings::TFJS };
        let mut step = stepper(s);
        for i in 0..Recent::NEED as u64 {
            assert_eq!(step(33 * i, &LEFT, 1.0), Some(Dir::Left));
        }
        // The toy pushed on past the recorded pose: twice as far, the head still sure. The
        // first frames are unsure (kept by `hold_last`), then the reference follows; without
        // that, left would be let go 300 ms in.
        let got: Vec<_> = (0..30).map(|i| step(200 + 33 * i, &LEFT, 2.0)).collect();
        assert!(got.iter().all(|d| *d == Some(Dir::Left)), "{got:?}");
    }

    #[test]
    fn the_idle_class_steers_nowhere_and_settings_from_before_still_load() -> Result<(), serde_json::Error> {
        let mut c = Controller::new();
        let idle = [0.0, 0.0, 0.0, 0.05, 0.95];
        assert_eq!(feed(&mut c, &SteerSettings::default(), 0, &[idle, idle]), [None, None]);
        // NaN never wins.
        let mut c = Controller::new();
        let nan = [f32::NAN, 0.3, 0.7, 0.0, 0.0];
        assert_eq!(feed(&mut c, &SteerSettings::TFJS, 0, &[nan]), [Some(Dir::Left)]);
        let old: SteerSettings = serde_json::from_str(r#"{"threshold":0.7,"smoothing":0.2}"#)?;
        assert_eq!((old.threshold, old.smoothing), (0.7, 0.2));
        assert_eq!(old.hold_ms, SteerSettings::default().hold_ms, "a missing field takes its default");
        Ok(())
    }
}
