//! Note table and the two pieces of music: the start tune and the cut-scene tune.
//!
//! Both melodies are our own, written for this chip in the arcade's manner (a lead over a
//! bouncing bass, short staccato notes); neither is a transcription of the arcade's music.

/// Equal-tempered frequency of MIDI note `n` (A4 = note 69 = 440 Hz).
pub fn note_hz(n: u8) -> f32 {
    440.0 * 2f32.powf((f32::from(n) - 69.0) / 12.0)
}

/// A note or a rest and its length in ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// MIDI note, or `None` for a rest.
    pub note: Option<u8>,
    /// Length in 60 Hz ticks.
    pub ticks: u32,
}

/// A melody and its bass, played together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tune {
    /// Played on voice 1.
    pub lead: &'static [Step],
    /// Played on voice 2.
    pub bass: &'static [Step],
    /// Starts over at the end (the cut-scene tune) instead of stopping.
    pub looping: bool,
}

const fn n(note: u8, ticks: u32) -> Step {
    Step { note: Some(note), ticks }
}

const fn rest(ticks: u32) -> Step {
    Step { note: None, ticks }
}

// MIDI numbers of the notes used (octave 5 starts at C5 = 72).
const C3: u8 = 48;
const D3: u8 = 50;
const E3: u8 = 52;
const F3: u8 = 53;
const G3: u8 = 55;
const A3: u8 = 57;
const BB3: u8 = 58;
const B3: u8 = 59;
const C4: u8 = 60;
const G2: u8 = 43;
const C5: u8 = 72;
const D5: u8 = 74;
const E5: u8 = 76;
const F5: u8 = 77;
const G5: u8 = 79;
const A5: u8 = 81;
const BB5: u8 = 82;
const B5: u8 = 83;
const C6: u8 = 84;
const D6: u8 = 86;
const E6: u8 = 88;
const F6: u8 = 89;

/// An eighth note at the start tune's tempo.
const E8: u32 = 8;

/// The start tune: four bars of rising arpeggios, 256 ticks, played during "READY!".
pub const START: Tune = Tune {
    lead: &[
        n(C5, E8),
        n(E5, E8),
        n(G5, E8),
        n(E5, E8),
        n(C6, 2 * E8),
        n(G5, E8),
        n(E5, E8),
        n(D5, E8),
        n(F5, E8),
        n(A5, E8),
        n(F5, E8),
        n(D6, 2 * E8),
        n(A5, E8),
        n(F5, E8),
        n(E5, E8),
        n(G5, E8),
        n(C6, E8),
        n(G5, E8),
        n(E6, E8),
        n(D6, E8),
        n(C6, E8),
        n(B5, E8),
        n(C6, 4 * E8),
        n(G5, 2 * E8),
        n(C5, 2 * E8),
    ],
    bass: &[
        n(C3, 2 * E8),
        n(G3, 2 * E8),
        n(C3, 2 * E8),
        n(G3, 2 * E8),
        n(D3, 2 * E8),
        n(A3, 2 * E8),
        n(D3, 2 * E8),
        n(A3, 2 * E8),
        n(E3, 2 * E8),
        n(B3, 2 * E8),
        n(G3, 2 * E8),
        n(G2, 2 * E8),
        n(C3, 4 * E8),
        n(G2, 2 * E8),
        n(C3, 2 * E8),
    ],
    looping: false,
};

/// The cut-scene tune: an easy-going eight-bar loop in F.
pub const INTERMISSION: Tune = Tune {
    lead: &[
        n(F5, E8),
        n(A5, E8),
        n(C6, E8),
        n(A5, E8),
        n(BB5, E8),
        n(G5, E8),
        n(E5, E8),
        n(C5, E8),
        n(F5, E8),
        n(A5, E8),
        n(C6, E8),
        n(F6, E8),
        n(E6, 2 * E8),
        n(C6, 2 * E8),
        n(D6, E8),
        n(BB5, E8),
        n(G5, E8),
        n(BB5, E8),
        n(C6, E8),
        n(A5, E8),
        n(F5, E8),
        n(A5, E8),
        n(G5, E8),
        n(E5, E8),
        n(C5, E8),
        n(E5, E8),
        n(F5, 2 * E8),
        rest(2 * E8),
    ],
    bass: &[
        n(F3, 2 * E8),
        n(A3, 2 * E8),
        n(G3, 2 * E8),
        n(C4, 2 * E8),
        n(F3, 2 * E8),
        n(A3, 2 * E8),
        n(C3, 2 * E8),
        n(E3, 2 * E8),
        n(BB3, 2 * E8),
        n(G3, 2 * E8),
        n(F3, 2 * E8),
        n(A3, 2 * E8),
        n(C3, 2 * E8),
        n(E3, 2 * E8),
        n(F3, 2 * E8),
        rest(2 * E8),
    ],
    looping: true,
};

impl Tune {
    /// Length of one pass of the lead, in ticks.
    pub fn ticks(&self) -> u32 {
        self.lead.iter().map(|s| s.ticks).sum()
    }

    /// The note sounding on `line` `t` ticks in, and how far into that note `t` is.
    pub fn at(line: &[Step], t: u32, looping: bool) -> Option<(u8, u32)> {
        let total: u32 = line.iter().map(|s| s.ticks).sum();
        if total == 0 || (!looping && t >= total) {
            return None;
        }
        let mut t = t % total;
        for s in line {
            if t < s.ticks {
                return s.note.map(|n| (n, t));
            }
            t -= s.ticks;
        }
        None
    }
}
