//! Input for a noisy, laggy controller, and the pacing of ticks against wall time.
//!
//! The controller here is a classifier guessing a direction 10–30 times a second, sometimes
//! wrongly and always a little late. Two things keep that playable:
//!
//! * a *wish*: the last direction asked for is remembered until Pac-Man can take it at the next
//!   legal turn, and forgotten [`InputOptions::remember_ticks`] ticks after it was last asked
//!   for, so a turn shown a moment early still happens and a stale one does not;
//! * a reversal guard: turning back the way Pac-Man came can require
//!   [`InputOptions::reversal_ticks`] consecutive ticks of asking, so a single misread frame
//!   does not throw him into a ghost.
//!
//! [`Pacer`] turns elapsed wall time into a number of ticks at a chosen game speed; it lives
//! outside the game state because only the tick count, never time, reaches the rules.

use super::geom::Dir;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What the player does during one tick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Input {
    /// The direction the controller asks for this tick, if any.
    pub dir: Option<Dir>,
    /// Hold the game still while true (level-triggered: send it on every tick of the pause).
    pub pause: bool,
    /// Start a new game on this tick (edge-triggered: send it once).
    pub restart: bool,
    /// Skip the cut-scene being shown, if any (edge-triggered).
    pub skip: bool,
}

impl Input {
    /// No direction, not paused, no restart, no skip.
    pub const NONE: Input = Input { dir: None, pause: false, restart: false, skip: false };

    /// Asks for `dir` this tick.
    pub const fn dir(dir: Dir) -> Input {
        Input { dir: Some(dir), ..Input::NONE }
    }
}

/// How forgiving the input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct InputOptions {
    /// Ticks a wished direction is kept after it was last asked for (30 = half a second).
    /// 0 keeps it only for the tick it was asked on, like an arcade joystick.
    pub remember_ticks: u16,
    /// Consecutive ticks the reverse of Pac-Man's direction must be asked for before he turns
    /// back. 1 reverses at once, as in the arcade; 0 is treated as 1.
    pub reversal_ticks: u8,
}

impl Default for InputOptions {
    fn default() -> InputOptions {
        InputOptions { remember_ticks: 30, reversal_ticks: 1 }
    }
}

/// The wish and the reversal streak carried from tick to tick.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct InputFilter {
    wish: Option<Dir>,
    age: u16,
    reverse_streak: u8,
}

impl InputFilter {
    /// Feeds one tick of raw input; returns the direction Pac-Man should try to take.
    pub(crate) fn update(&mut self, raw: Option<Dir>, facing: Dir, opts: &InputOptions) -> Option<Dir> {
        match raw {
            Some(d) if d == facing.reverse() => {
                self.reverse_streak = self.reverse_streak.saturating_add(1);
                if self.reverse_streak >= opts.reversal_ticks.max(1) {
                    self.set(d);
                } else {
                    // A reversal not yet confirmed neither replaces nor refreshes the wish.
                    self.age = self.age.saturating_add(1);
                }
            }
            Some(d) => {
                self.reverse_streak = 0;
                self.set(d);
            }
            None => {
                self.reverse_streak = 0;
                self.age = self.age.saturating_add(1);
            }
        }
        if self.age > opts.remember_ticks {
            self.wish = None;
        }
        self.wish
    }

    fn set(&mut self, d: Dir) {
        self.wish = Some(d);
        self.age = 0;
    }

    /// Pac-Man took the wish; it is used up.
    pub(crate) fn taken(&mut self) {
        self.wish = None;
    }

    /// The wish still pending, for display.
    pub(crate) fn wish(&self) -> Option<Dir> {
        self.wish
    }
}

/// Slowest game speed [`Pacer`] accepts, in percent.
pub const MIN_SPEED_PERCENT: u32 = 25;
/// Fastest game speed, in percent: the arcade's.
pub const MAX_SPEED_PERCENT: u32 = 100;
/// Most ticks [`Pacer::ticks_for`] returns at once, so a stalled frame does not fast-forward.
pub const MAX_TICKS_PER_CALL: u32 = 6;

const NANOS_PER_SECOND: u128 = 1_000_000_000;

/// Turns frames or elapsed time into game ticks at a speed between 25 % and 100 %.
///
/// Slowing the game means running fewer fixed ticks per second, never changing the rules, so a
/// replay recorded at 50 % is the same game as one at 100 %.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pacer {
    percent: u32,
    /// Remainder in nanosecond-percent-ticks: elapsed ns × percent × 60.
    time_acc: u128,
    /// Remainder of frames × percent.
    frame_acc: u32,
}

impl Pacer {
    /// A pacer at `percent` (clamped to 25..=100).
    pub fn new(percent: u32) -> Pacer {
        Pacer { percent: percent.clamp(MIN_SPEED_PERCENT, MAX_SPEED_PERCENT), time_acc: 0, frame_acc: 0 }
    }

    /// The speed in percent.
    pub fn speed(&self) -> u32 {
        self.percent
    }

    /// Changes the speed (clamped to 25..=100), keeping the fraction of a tick already owed.
    pub fn set_speed(&mut self, percent: u32) {
        self.percent = percent.clamp(MIN_SPEED_PERCENT, MAX_SPEED_PERCENT);
    }

    /// Ticks to run for one 60 Hz display frame: at 50 % it alternates 1, 0, 1, 0…
    pub fn ticks_for_frame(&mut self) -> u32 {
        self.frame_acc += self.percent;
        let n = self.frame_acc / 100;
        self.frame_acc %= 100;
        n
    }

    /// Ticks to run for `elapsed` wall time, at most [`MAX_TICKS_PER_CALL`].
    pub fn ticks_for(&mut self, elapsed: Duration) -> u32 {
        let per_tick = 100 * NANOS_PER_SECOND;
        self.time_acc += elapsed.as_nanos() * u128::from(self.percent) * 60;
        let n = self.time_acc / per_tick;
        self.time_acc -= n * per_tick;
        if n > u128::from(MAX_TICKS_PER_CALL) {
            self.time_acc = 0;
            return MAX_TICKS_PER_CALL;
        }
        // n ≤ MAX_TICKS_PER_CALL here, so it fits.
        u32::try_from(n).unwrap_or(MAX_TICKS_PER_CALL)
    }
}
