//! When Pinky, Inky and Clyde leave the ghost house (dossier ch. 2, *Home Sweet Home*).
//!
//! Three mechanisms, exactly as the dossier describes them:
//!
//! * **Personal dot counters.** Only the *preferred* ghost's counter runs: the first of Pinky,
//!   Inky, Clyde still waiting inside. Each dot (energizers count) adds one; when it reaches the
//!   level's limit (level 1: 0, 30, 60; level 2: 0, 0, 50; then 0) that ghost leaves and the next
//!   one's counter takes over. Counters are never reset within a level.
//! * **The global counter** replaces them after a life is lost: it counts every dot from zero and
//!   releases Pinky at 7, Inky at 17 and Clyde at 32. If Clyde is inside when it reaches 32 it
//!   switches off and the personal counters resume; if Clyde left earlier it keeps counting (the
//!   arcade's "stuck ghosts" flaw, kept).
//! * **The idle timer**: if Pac-Man eats nothing for 4 s (3 s from level 5) the preferred ghost
//!   is released anyway and the timer starts over. Every dot resets it.

use super::ghost::Ghost;
use super::level::{GLOBAL_DOT_LIMITS, house_dot_limits, idle_release_ticks};
use serde::{Deserialize, Serialize};

/// Why a ghost left the house.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Release {
    /// Its personal dot counter reached the level's limit.
    DotCounter,
    /// The global dot counter (active after a lost life) reached its value.
    GlobalCounter,
    /// Pac-Man went too long without eating a dot.
    IdleTimer,
}

/// The house-release bookkeeping of one level.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HouseRelease {
    limits: [u32; 3],
    /// Personal counters of Pinky, Inky, Clyde.
    counters: [u32; 3],
    /// The global counter, while it is switched on.
    global: Option<u32>,
    idle: u32,
    idle_limit: u32,
}

/// Index of a house ghost in the personal tables; Blinky never waits in the house.
fn slot(g: Ghost) -> Option<usize> {
    match g {
        Ghost::Blinky => None,
        Ghost::Pinky => Some(0),
        Ghost::Inky => Some(1),
        Ghost::Clyde => Some(2),
    }
}

/// The first of Pinky, Inky, Clyde in `waiting`.
fn preferred(waiting: &[Ghost]) -> Option<Ghost> {
    [Ghost::Pinky, Ghost::Inky, Ghost::Clyde].into_iter().find(|g| waiting.contains(g))
}

impl HouseRelease {
    /// Fresh counters for the start of `level`.
    pub fn new(level: u32) -> HouseRelease {
        HouseRelease {
            limits: house_dot_limits(level),
            counters: [0; 3],
            global: None,
            idle: 0,
            idle_limit: idle_release_ticks(level),
        }
    }

    /// Pac-Man lost a life: the global counter takes over from zero.
    pub fn on_life_lost(&mut self) {
        self.global = Some(0);
        self.idle = 0;
    }

    /// The global counter's value while it is active.
    pub fn global_counter(&self) -> Option<u32> {
        self.global
    }

    /// A ghost's personal counter (always 0 for Blinky).
    pub fn counter(&self, g: Ghost) -> u32 {
        slot(g).and_then(|i| self.counters.get(i)).copied().unwrap_or(0)
    }

    /// A dot or energizer was eaten while `waiting` ghosts were inside. Returns a ghost to
    /// release now, if any.
    pub fn on_dot(&mut self, waiting: &[Ghost]) -> Option<(Ghost, Release)> {
        self.idle = 0;
        if let Some(count) = self.global.as_mut() {
            *count += 1;
            let n = *count;
            let due = [Ghost::Pinky, Ghost::Inky, Ghost::Clyde]
                .into_iter()
                .zip(GLOBAL_DOT_LIMITS)
                .find(|&(g, limit)| n == limit && waiting.contains(&g))
                .map(|(g, _)| g);
            if due == Some(Ghost::Clyde) {
                self.global = None;
            }
            return due.map(|g| (g, Release::GlobalCounter));
        }
        let g = preferred(waiting)?;
        if let Some(c) = slot(g).and_then(|i| self.counters.get_mut(i)) {
            *c += 1;
        }
        self.personal_due(waiting)
    }

    /// One tick passed with `waiting` ghosts inside. Returns a ghost to release now, if any.
    pub fn on_tick(&mut self, waiting: &[Ghost]) -> Option<(Ghost, Release)> {
        if let Some(due) = self.personal_due(waiting) {
            return Some(due);
        }
        let g = preferred(waiting)?;
        self.idle += 1;
        if self.idle >= self.idle_limit {
            self.idle = 0;
            return Some((g, Release::IdleTimer));
        }
        None
    }

    fn personal_due(&self, waiting: &[Ghost]) -> Option<(Ghost, Release)> {
        if self.global.is_some() {
            return None;
        }
        let g = preferred(waiting)?;
        let i = slot(g)?;
        let (count, limit) = (self.counters.get(i)?, self.limits.get(i)?);
        (count >= limit).then_some((g, Release::DotCounter))
    }
}
