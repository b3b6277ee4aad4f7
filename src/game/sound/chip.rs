//! A three-voice wavetable sound chip in the spirit of the arcade's: each voice loops a
//! 32-step, 4-bit waveform at a set frequency and a 4-bit volume, and the three are mixed.
//!
//! The arcade's chip runs from a 96 kHz clock and a 20-bit phase counter; this one steps a
//! 32-bit phase counter at the output rate, which gives the same staircase waveforms at any
//! rate. A one-pole low-pass stands in for the smoothing of the cabinet's amplifier, so the
//! 4-bit steps do not hiss at high output rates.

/// Steps in one waveform.
pub const WAVE_LEN: usize = 32;
/// How many waveforms the chip knows.
pub const WAVE_COUNT: usize = 8;
/// Voices mixed by the chip.
pub const VOICES: usize = 3;
/// Loudest voice volume.
pub const MAX_VOLUME: u8 = 15;

/// A waveform: 32 steps from 0 to 15.
pub type Wave = [u8; WAVE_LEN];

/// The waveforms, by number. Our own shapes, computed from formulas rather than copied: the
/// arcade's eight live in a PROM we do not use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A sine.
    Sine,
    /// A triangle: soft, a little brighter than the sine.
    Triangle,
    /// A square: hollow and loud.
    Square,
    /// A narrow pulse: nasal.
    Pulse,
    /// A rising sawtooth: buzzy.
    Saw,
    /// A sine with its octave: an organ.
    Organ,
    /// A sine with its twelfth: a clarinet-like hollow tone.
    Reed,
    /// A fixed rough pattern: a growl.
    Growl,
}

impl Shape {
    /// Index into the chip's table.
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// Builds the eight waveforms, scaled to 0..=15.
pub fn waves() -> [Wave; WAVE_COUNT] {
    let shape = |f: &dyn Fn(f32) -> f32| -> Wave {
        let mut w = [0u8; WAVE_LEN];
        for (i, v) in w.iter_mut().enumerate() {
            let x = i as f32 / WAVE_LEN as f32;
            // f returns -1..=1; map to the nearest of 16 levels.
            *v = ((f(x).clamp(-1.0, 1.0) + 1.0) * 7.5).round() as u8;
        }
        w
    };
    let tau = std::f32::consts::TAU;
    [
        shape(&|x| (tau * x).sin()),
        shape(&|x| 1.0 - 4.0 * (x - 0.5).abs()),
        shape(&|x| if x < 0.5 { 1.0 } else { -1.0 }),
        shape(&|x| if x < 0.25 { 1.0 } else { -1.0 }),
        shape(&|x| 2.0 * x - 1.0),
        shape(&|x| 0.66 * (tau * x).sin() + 0.34 * (2.0 * tau * x).sin()),
        shape(&|x| 0.7 * (tau * x).sin() + 0.3 * (3.0 * tau * x).sin()),
        // A fixed, uneven pattern: a sine with every third step pushed around.
        shape(&|x| {
            let s = (tau * x).sin();
            let k = (x * WAVE_LEN as f32) as usize;
            if k.is_multiple_of(3) { -s * 0.5 } else { s }
        }),
    ]
}

/// What one voice plays.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Voice {
    /// Waveform number (0..8).
    pub wave: usize,
    /// Frequency in hertz.
    pub freq: f32,
    /// Volume, 0 (silent) to [`MAX_VOLUME`].
    pub volume: u8,
}

impl Voice {
    /// Silence.
    pub const OFF: Voice = Voice { wave: 0, freq: 0.0, volume: 0 };

    /// `shape` at `freq` hertz and `volume`.
    pub const fn new(shape: Shape, freq: f32, volume: u8) -> Voice {
        Voice { wave: shape.index(), freq, volume }
    }
}

/// The chip: three voices, their phase counters and the output filter.
#[derive(Clone, Debug)]
pub struct Chip {
    rate: u32,
    waves: [Wave; WAVE_COUNT],
    voices: [Voice; VOICES],
    phase: [u32; VOICES],
    smooth: f32,
}

impl Chip {
    /// A silent chip producing `rate` samples per second (8 kHz at least).
    pub fn new(rate: u32) -> Chip {
        Chip { rate: rate.max(8000), waves: waves(), voices: [Voice::OFF; VOICES], phase: [0; VOICES], smooth: 0.0 }
    }

    /// Output samples per second.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Sets what voice `i` plays from now on (its phase runs on, as on the arcade chip, so a
    /// new note starts without a click).
    pub fn set(&mut self, i: usize, voice: Voice) {
        if let Some(v) = self.voices.get_mut(i) {
            *v = voice;
        }
    }

    /// What the three voices play now.
    pub fn voices(&self) -> [Voice; VOICES] {
        self.voices
    }

    /// The next sample, -1..=1 before `gain`.
    pub fn sample(&mut self, gain: f32) -> f32 {
        let mut mix = 0.0;
        for (v, phase) in self.voices.iter().zip(self.phase.iter_mut()) {
            if v.volume == 0 || v.freq <= 0.0 {
                continue;
            }
            let step = self.waves.get(v.wave).and_then(|w| w.get((*phase >> 27) as usize)).copied().unwrap_or(8);
            mix += (f32::from(step) - 7.5) * f32::from(v.volume.min(MAX_VOLUME));
            // Phase increment: freq / rate of a full 2^32 turn.
            let inc = (f64::from(v.freq) / f64::from(self.rate) * 4_294_967_296.0) as u32;
            *phase = phase.wrapping_add(inc);
        }
        // Full scale is three voices at the extreme step and full volume.
        let x = mix / (7.5 * f32::from(MAX_VOLUME) * VOICES as f32);
        // One-pole low-pass with its corner near 7 kHz whatever the rate.
        let a = 1.0 - (-std::f32::consts::TAU * 7000.0 / self.rate as f32).exp();
        self.smooth += a * (x - self.smooth);
        self.smooth * gain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waves_span_the_four_bits() {
        for w in waves() {
            assert!(w.iter().all(|&s| s <= 15));
            assert!(w.iter().max().copied().unwrap_or(0) >= 13, "{w:?}");
            assert!(w.iter().min().copied().unwrap_or(15) <= 2, "{w:?}");
        }
    }
}
