//! Arcade sound, synthesised: a three-voice wavetable chip in the spirit of the arcade's, a
//! sound driver that follows the game's events and state, and offline rendering.
//!
//! Pure code: events and state in, samples out. No device, no thread, no clock; the same
//! game gives the same samples on every machine, so tests listen by counting zero crossings and
//! the CLI can write a game's sound to a WAV file. Device playback lives in `live::audio`.
//!
//! Every waveform, pitch curve and tune here is our own (the arcade's sound PROMs and music are
//! not used); what is the arcade's is the architecture (three voices, 32-step 4-bit waveforms,
//! registers rewritten once per frame) and the moments sounds start: which voice, on which
//! event, and the dot counts at which the siren rises.
//!
//! | voice | plays |
//! |---|---|
//! | 1 | the lead of the start and cut-scene tunes; the extra-life bell |
//! | 2 | their bass; during play the siren (five steps as dots run out), the frightened sound, the eyes going home |
//! | 3 | the waka (alternate halves per dot), fruit eaten, ghost eaten, death |

mod chip;
mod effects;
mod stream;
mod synth;
mod tunes;

pub use chip::{Chip, MAX_VOLUME, Shape, VOICES, Voice, WAVE_COUNT, WAVE_LEN, Wave, waves};
pub use effects::{
    Background, Effect, SIREN_DOTS, SIREN_LEVELS, SIREN_LOW_HZ, SIREN_PERIOD, WAKA_TICKS, bell, siren_step,
};
pub use stream::{MAX_LAG_TICKS, Recording, STARVED_TICKS, Stream, render_inputs, render_replay};
pub use synth::{Cues, Synth, to_i16};
pub use tunes::{INTERMISSION, START, Step, Tune, note_hz};
