//! The sound effects and background sounds, each a function from ticks to what one voice
//! plays: the arcade's sound driver likewise rewrites the chip's registers once per frame from
//! small per-effect tables. All the curves here are our own.

use super::chip::{Shape, Voice};

/// The effects of voice 3, highest priority first (a lower one never interrupts a higher one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    /// Pac-Man's death: a long falling warble and two closing blips.
    Death,
    /// A frightened ghost eaten: a fast rising sweep.
    GhostEaten,
    /// The fruit eaten: a bright wobble.
    Fruit,
    /// One half of the "waka": `true` falls ("wa"), `false` rises ("ka"); they alternate with
    /// every dot.
    Waka(bool),
}

/// Ticks of each half of the waka. Pac-Man crosses a tile in 7 to 9 ticks (one of them spent
/// eating), so the halves join into a steady "waka-waka" while he eats a row of dots.
pub const WAKA_TICKS: u32 = 7;
const DEATH_TICKS: u32 = 84;
const GHOST_TICKS: u32 = 36;
const FRUIT_TICKS: u32 = 30;

/// Exponential glide from `a` to `b` hertz, `x` from 0 to 1.
fn glide(a: f32, b: f32, x: f32) -> f32 {
    a * (b / a).powf(x.clamp(0.0, 1.0))
}

/// A triangle from 0 up to 1 and back to 0 over `period` ticks.
fn triangle(t: u32, period: u32) -> f32 {
    let p = period.max(1);
    let x = (t % p) as f32 / p as f32;
    1.0 - (2.0 * x - 1.0).abs()
}

impl Effect {
    /// Length in ticks.
    pub const fn ticks(self) -> u32 {
        match self {
            Effect::Death => DEATH_TICKS,
            Effect::GhostEaten => GHOST_TICKS,
            Effect::Fruit => FRUIT_TICKS,
            Effect::Waka(_) => WAKA_TICKS,
        }
    }

    /// What the voice plays `t` ticks in, or `None` once over.
    pub fn voice(self, t: u32) -> Option<Voice> {
        if t >= self.ticks() {
            return None;
        }
        let x = t as f32 / self.ticks() as f32;
        Some(match self {
            Effect::Waka(true) => Voice::new(Shape::Triangle, glide(640.0, 210.0, x), 12),
            Effect::Waka(false) => Voice::new(Shape::Triangle, glide(210.0, 640.0, x), 12),
            Effect::GhostEaten => Voice::new(Shape::Saw, glide(140.0, 1700.0, x), 11),
            Effect::Fruit => {
                let wobble = 1.0 + 0.35 * (t as f32 * 1.1).sin();
                Voice::new(Shape::Square, glide(420.0, 840.0, x) * wobble, 9)
            }
            Effect::Death if t < 70 => {
                // Falling from 950 to 170 Hz with a 6-tick warble of ±12 %.
                let warble = 1.0 + 0.24 * (triangle(t, 6) - 0.5);
                Voice::new(Shape::Triangle, glide(950.0, 170.0, t as f32 / 70.0) * warble, 13)
            }
            Effect::Death => {
                // Two short rising blips, 7 ticks each.
                let k = (t - 70) % 7;
                if k >= 5 { Voice::OFF } else { Voice::new(Shape::Triangle, glide(220.0, 760.0, k as f32 / 5.0), 13) }
            }
        })
    }
}

/// What voice 2 plays during play when no music does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Background {
    /// Nothing (between lives, between levels, paused).
    Quiet,
    /// The siren, at one of [`SIREN_LEVELS`] steps (0 = the lowest).
    Siren(usize),
    /// Ghosts are blue.
    Frightened,
    /// Eaten ghosts' eyes are heading home (wins over the two others).
    Eyes,
}

/// Dots eaten on a level at which the siren steps up: it changes at 116, 180, 212 and 228 of
/// the 244 dots (#0E6C of the disassembly cited in `event.rs`). The pitches are our own.
pub const SIREN_DOTS: [u32; 4] = [116, 180, 212, 228];
/// How many siren steps there are.
pub const SIREN_LEVELS: usize = SIREN_DOTS.len() + 1;
/// Lowest pitch of each siren step; each sweeps up to 1.45 times that and back.
pub const SIREN_LOW_HZ: [f32; SIREN_LEVELS] = [330.0, 370.0, 415.0, 466.0, 523.0];
/// Ticks of one rise and fall of each siren step: it also speeds up.
pub const SIREN_PERIOD: [u32; SIREN_LEVELS] = [28, 26, 24, 22, 20];
const SIREN_SPAN: f32 = 1.45;

/// The siren step for `dots_eaten` dots on this level.
pub fn siren_step(dots_eaten: u32) -> usize {
    SIREN_DOTS.iter().filter(|&&d| dots_eaten >= d).count()
}

impl Background {
    /// What the voice plays `t` ticks after this background began.
    pub fn voice(self, t: u32) -> Voice {
        match self {
            Background::Quiet => Voice::OFF,
            Background::Siren(step) => {
                let i = step.min(SIREN_LEVELS - 1);
                let low = SIREN_LOW_HZ.get(i).copied().unwrap_or(330.0);
                let period = SIREN_PERIOD.get(i).copied().unwrap_or(28);
                Voice::new(Shape::Sine, glide(low, low * SIREN_SPAN, triangle(t, period)), 9)
            }
            Background::Frightened => {
                let x = (t % 10) as f32 / 10.0;
                Voice::new(Shape::Reed, glide(180.0, 540.0, x), 8)
            }
            Background::Eyes => {
                let x = (t % 8) as f32 / 8.0;
                Voice::new(Shape::Sine, glide(1450.0, 720.0, x), 8)
            }
        }
    }
}

/// The extra-life bell on voice 1: six dings, 15 ticks apart.
pub fn bell(t: u32) -> Option<Voice> {
    const DINGS: u32 = 6;
    const GAP: u32 = 15;
    if t >= DINGS * GAP {
        return None;
    }
    let k = t % GAP;
    // Each ding decays from full volume over 12 ticks.
    let volume = 15u32.saturating_sub(k * 5 / 4) as u8;
    Some(if k < 12 { Voice::new(Shape::Sine, 1976.0, volume) } else { Voice::OFF })
}
