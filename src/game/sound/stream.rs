//! Pacing game ticks against a sound device's clock, and rendering whole games offline.
//!
//! A device asks for samples at its own pace while the game thread produces ticks at roughly
//! 60 a second; the two clocks drift and stall independently. [`Stream`] keeps a short queue
//! of ticks and consumes one per `rate / 60` samples. When the game stops sending (paused,
//! panel hidden), it holds the last sound for a few ticks and then goes quiet; when the game
//! runs ahead, it applies the surplus ticks' events at once so that sound never lags the
//! picture by more than [`MAX_LAG_TICKS`].

use super::synth::{Cues, Synth};
use crate::game::{Event, Game, GameError, Input, Options, ReplayLog};
use std::collections::VecDeque;

/// Ticks of sound that may be queued before the surplus is skipped (100 ms).
pub const MAX_LAG_TICKS: usize = 6;
/// Ticks without news from the game after which the stream falls silent.
pub const STARVED_TICKS: u32 = 4;

/// A synthesiser fed tick by tick from one thread and drained sample by sample from another.
#[derive(Debug)]
pub struct Stream {
    synth: Synth,
    queue: VecDeque<(Vec<Event>, Cues)>,
    left_in_tick: usize,
    starved: u32,
}

impl Stream {
    /// A quiet stream at `rate` samples per second.
    pub fn new(rate: u32) -> Stream {
        Stream { synth: Synth::new(rate), queue: VecDeque::new(), left_in_tick: 0, starved: STARVED_TICKS }
    }

    /// The synthesiser (for volume and mute).
    pub fn synth_mut(&mut self) -> &mut Synth {
        &mut self.synth
    }

    /// Queues one game tick.
    pub fn push(&mut self, events: Vec<Event>, cues: Cues) {
        self.queue.push_back((events, cues));
        // The device fell behind: play the oldest ticks' events without their samples.
        while self.queue.len() > MAX_LAG_TICKS {
            if let Some((events, cues)) = self.queue.pop_front() {
                self.synth.update(&events, &cues);
            }
        }
    }

    /// Ticks waiting to be played.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Fills `out` with the next samples (-1..=1).
    pub fn fill(&mut self, out: &mut [f32]) {
        for s in out {
            if self.left_in_tick == 0 {
                match self.queue.pop_front() {
                    Some((events, cues)) => {
                        self.starved = 0;
                        self.synth.update(&events, &cues);
                    }
                    None => {
                        self.starved = self.starved.saturating_add(1);
                        if self.starved == STARVED_TICKS {
                            self.synth.update(&[], &Cues { paused: true, ..Cues::default() });
                        }
                    }
                }
                self.left_in_tick = self.synth.samples_per_tick().max(1);
            }
            self.left_in_tick -= 1;
            *s = self.synth.sample();
        }
    }
}

/// Renders a game's sound tick by tick into 16-bit PCM, for `pacnet play --wav` and tests.
#[derive(Clone, Debug)]
pub struct Recording {
    synth: Synth,
    samples: Vec<i16>,
}

impl Recording {
    /// An empty recording at `rate` samples per second.
    pub fn new(rate: u32) -> Recording {
        Recording { synth: Synth::new(rate), samples: Vec::new() }
    }

    /// The synthesiser (for volume and mute).
    pub fn synth_mut(&mut self) -> &mut Synth {
        &mut self.synth
    }

    /// Adds the sound of one tick whose events were `events` and after which the game was
    /// `game`.
    pub fn push(&mut self, events: &[Event], game: &Game) {
        self.synth.update(events, &Cues::of(game));
        self.synth.render_tick(&mut self.samples);
    }

    /// Samples per second.
    pub fn rate(&self) -> u32 {
        self.synth.rate()
    }

    /// The samples so far.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// The samples.
    pub fn into_samples(self) -> Vec<i16> {
        self.samples
    }
}

/// The sound of the first `ticks` ticks of a replay, at `rate` samples per second (mono).
pub fn render_replay(log: &ReplayLog, ticks: u64, rate: u32) -> Result<Vec<i16>, GameError> {
    let n = usize::try_from(ticks).unwrap_or(usize::MAX);
    render_inputs(log.seed, log.options, log.inputs().chain(std::iter::repeat(Input::NONE)).take(n), rate)
}

/// The sound of a game from `seed` and `options` driven by `inputs`, one per tick.
pub fn render_inputs(
    seed: u64,
    options: Options,
    inputs: impl IntoIterator<Item = Input>,
    rate: u32,
) -> Result<Vec<i16>, GameError> {
    let mut game = Game::new(seed, options)?;
    let mut rec = Recording::new(rate);
    for input in inputs {
        let events = game.step(input);
        rec.push(&events, &game);
    }
    Ok(rec.into_samples())
}
