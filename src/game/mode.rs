//! The scatter/chase clock (dossier ch. 2, *Scatter, Chase, Repeat*).
//!
//! Ghosts alternate between scattering to their corners and chasing Pac-Man on a per-level
//! schedule. The clock only runs while no ghost is frightened, restarts on every new level and
//! after every lost life, and each switch forces the roaming ghosts to reverse.

use super::level;
use serde::{Deserialize, Serialize};

/// Where the non-frightened ghosts are heading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mode {
    /// Heading for their home corners.
    Scatter,
    /// Hunting Pac-Man, each by its own rule.
    Chase,
}

/// Counts ticks through one level's scatter/chase schedule.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ModeTimer {
    periods: [u32; 7],
    /// Index into `periods`; 7 means the final, endless chase.
    period: usize,
    elapsed: u32,
}

impl ModeTimer {
    /// A clock at the start of `level`'s schedule (scatter).
    pub fn new(level: u32) -> ModeTimer {
        ModeTimer { periods: level::schedule(level), period: 0, elapsed: 0 }
    }

    /// The current mode: even periods scatter, odd ones (and the endless last one) chase.
    pub fn mode(&self) -> Mode {
        if self.period.is_multiple_of(2) && self.period < self.periods.len() { Mode::Scatter } else { Mode::Chase }
    }

    /// Advances one tick; returns the new mode on the tick a period ends.
    ///
    /// Call it only on ticks where no ghost is frightened: that is how the dossier's "the timer
    /// is paused while frightened" is realised.
    pub fn tick(&mut self) -> Option<Mode> {
        let length = *self.periods.get(self.period)?;
        self.elapsed += 1;
        if self.elapsed < length {
            return None;
        }
        self.period += 1;
        self.elapsed = 0;
        Some(self.mode())
    }
}
