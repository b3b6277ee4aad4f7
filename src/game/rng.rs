//! The seeded pseudo-random generator that frightened ghosts use.
//!
//! The arcade reads ROM bytes at pseudo-random addresses and reseeds on every new level and
//! life, so frightened ghosts repeat their choices (dossier ch. 2, *Frightening Behavior*). Here a
//! SplitMix64 stream plays the ROM's part; the game reseeds it at the same moments, which keeps
//! that property. The arcade's exact numbers are not reproduced.

use super::geom::Dir;

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, full-period, good enough for turning choices.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator from a seed; equal seeds give equal streams.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A direction, uniformly.
    pub fn dir(&mut self) -> Dir {
        match self.next_u64() >> 62 {
            0 => Dir::Up,
            1 => Dir::Left,
            2 => Dir::Down,
            _ => Dir::Right,
        }
    }
}
