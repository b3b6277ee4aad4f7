//! The sound driver: once per game tick it turns the tick's events and the game's state into
//! the three voices' settings, then the chip renders that tick's samples.

use super::chip::{Chip, VOICES, Voice};
use super::effects::{Background, Effect, bell, siren_step};
use super::tunes::{INTERMISSION, START, Tune, note_hz};
use crate::game::{DYING_ANIMATION_TICK, Event, Game, GhostState, Phase, TICKS_PER_SECOND};

use super::chip::Shape;

/// The state the background sound follows, read from the game after each tick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cues {
    /// Pac-Man and the ghosts are moving (not READY, dying, between levels or over).
    pub playing: bool,
    /// Ticks into the dying phase, while Pac-Man dies.
    pub dying: Option<u32>,
    /// Dots eaten on this level (the siren's pitch).
    pub dots_eaten: u32,
    /// At least one ghost is blue.
    pub frightened: bool,
    /// At least one pair of eyes is heading home.
    pub eyes: bool,
    /// The game is frozen to show a ghost's points.
    pub score_pause: bool,
    /// The player paused the game: everything is silent.
    pub paused: bool,
}

impl Cues {
    /// The cues of `game` as it is now.
    pub fn of(game: &Game) -> Cues {
        let ghosts = game.ghosts();
        Cues {
            playing: game.phase() == Phase::Playing,
            dying: match game.phase() {
                Phase::Dying { tick } => Some(tick),
                _ => None,
            },
            dots_eaten: game.dots_eaten(),
            frightened: ghosts.iter().any(|g| g.frightened),
            eyes: ghosts.iter().any(|g| matches!(g.state, GhostState::Eyes | GhostState::EnteringHouse)),
            score_pause: game.score_pause_ticks() > 0,
            paused: game.paused(),
        }
    }
}

/// Events and cues in, samples out: the whole sound of a game, with no device and no thread.
#[derive(Clone, Debug)]
pub struct Synth {
    chip: Chip,
    gain: f32,
    muted: bool,
    /// Fraction of a sample owed to the next tick, in 1/60ths (the rate need not divide by 60).
    carry: u32,
    music: Option<(Tune, u32)>,
    bell: Option<u32>,
    effect: Option<(Effect, u32)>,
    /// The next waka half falls.
    waka_falls: bool,
    background: (Background, u32),
    paused: bool,
}

impl Synth {
    /// A silent synthesiser producing `rate` samples per second (8 kHz at least).
    pub fn new(rate: u32) -> Synth {
        Synth {
            chip: Chip::new(rate),
            gain: 0.8,
            muted: false,
            carry: 0,
            music: None,
            bell: None,
            effect: None,
            waka_falls: true,
            background: (Background::Quiet, 0),
            paused: false,
        }
    }

    /// Samples per second.
    pub fn rate(&self) -> u32 {
        self.chip.rate()
    }

    /// Output volume, 0 to 1 (clamped).
    pub fn set_volume(&mut self, volume: f32) {
        self.gain = if volume.is_finite() { volume.clamp(0.0, 1.0) } else { 0.0 };
    }

    /// The output volume.
    pub fn volume(&self) -> f32 {
        self.gain
    }

    /// Muted: every sample is zero, while the sounds run on unheard (unmuting mid-siren
    /// brings back the siren, not a stale jingle).
    pub fn set_muted(&mut self, muted: bool) {
        self.muted = muted;
    }

    /// Whether it is muted.
    pub fn muted(&self) -> bool {
        self.muted
    }

    /// What the three voices play now (for tests and a sound panel).
    pub fn voices(&self) -> [Voice; VOICES] {
        self.chip.voices()
    }

    /// The background sound now.
    pub fn background(&self) -> Background {
        self.background.0
    }

    /// The effect on voice 3 now, if any.
    pub fn effect(&self) -> Option<Effect> {
        self.effect.map(|(e, _)| e)
    }

    /// Advances by one game tick: starts what `events` call for, follows `cues`, and sets the
    /// voices for the samples of this tick.
    pub fn update(&mut self, events: &[Event], cues: &Cues) {
        self.paused = cues.paused;
        if cues.paused {
            return;
        }
        for e in events {
            self.on_event(*e);
        }
        if cues.dying == Some(DYING_ANIMATION_TICK) {
            self.effect = Some((Effect::Death, 0));
        }
        let background = if !cues.playing {
            Background::Quiet
        } else if cues.eyes && !cues.score_pause {
            Background::Eyes
        } else if cues.frightened {
            Background::Frightened
        } else {
            Background::Siren(siren_step(cues.dots_eaten))
        };
        if background != self.background.0 {
            self.background = (background, 0);
        }
        self.set_voices();
        self.advance();
    }

    fn on_event(&mut self, e: Event) {
        match e {
            Event::GameStarted => {
                self.reset();
                self.music = Some((START, 0));
            }
            Event::Restarted | Event::PacmanDied | Event::LevelCleared { .. } | Event::GameOver => {
                self.music = None;
                self.effect = None;
            }
            Event::DotEaten { .. } | Event::EnergizerEaten { .. } => {
                let half = Effect::Waka(self.waka_falls);
                if self.effect.is_none_or(|(e, _)| e >= half) {
                    self.effect = Some((half, 0));
                    self.waka_falls = !self.waka_falls;
                }
            }
            Event::FruitEaten { .. } => self.start(Effect::Fruit),
            Event::GhostEaten { .. } => self.start(Effect::GhostEaten),
            Event::ExtraLife => self.bell = Some(0),
            Event::IntermissionStarted { .. } => self.music = Some((INTERMISSION, 0)),
            Event::IntermissionEnded { .. } => self.music = None,
            _ => {}
        }
    }

    /// Stops every sound (volume and mute stay).
    pub fn reset(&mut self) {
        self.music = None;
        self.bell = None;
        self.effect = None;
        self.waka_falls = true;
        self.background = (Background::Quiet, 0);
    }

    fn start(&mut self, e: Effect) {
        if self.effect.is_none_or(|(cur, _)| e <= cur) {
            self.effect = Some((e, 0));
        }
    }

    fn set_voices(&mut self) {
        let (lead, bass) = match self.music {
            Some((tune, t)) => (
                Tune::at(tune.lead, t, tune.looping).map(|(n, into)| staccato(n, into, Shape::Organ, 11)),
                Tune::at(tune.bass, t, tune.looping).map(|(n, into)| staccato(n, into, Shape::Triangle, 12)),
            ),
            None => (None, None),
        };
        let ding = self.bell.and_then(bell);
        let v1 = ding.or(lead).unwrap_or(Voice::OFF);
        let v2 = bass.unwrap_or_else(|| self.background.0.voice(self.background.1));
        let v3 = self.effect.and_then(|(e, t)| e.voice(t)).unwrap_or(Voice::OFF);
        self.chip.set(0, v1);
        self.chip.set(1, v2);
        self.chip.set(2, v3);
    }

    fn advance(&mut self) {
        if let Some((tune, t)) = self.music {
            self.music = (tune.looping || t + 1 < tune.ticks()).then_some((tune, t + 1));
        }
        self.bell = self.bell.map(|t| t + 1).filter(|&t| bell(t).is_some());
        self.effect = self.effect.map(|(e, t)| (e, t + 1)).filter(|&(e, t)| e.voice(t).is_some());
        self.background.1 = self.background.1.wrapping_add(1);
    }

    /// How many samples the next tick has: `rate / 60`, with the remainder carried so that
    /// a second of ticks is exactly a second of samples.
    pub fn samples_per_tick(&mut self) -> usize {
        let total = self.rate() + self.carry;
        let n = total / TICKS_PER_SECOND;
        self.carry = total % TICKS_PER_SECOND;
        n as usize
    }

    /// The next sample, -1..=1.
    pub fn sample(&mut self) -> f32 {
        let gain = if self.muted || self.paused { 0.0 } else { self.gain };
        self.chip.sample(gain)
    }

    /// One tick of samples as 16-bit PCM, appended to `out`.
    pub fn render_tick(&mut self, out: &mut Vec<i16>) {
        let n = self.samples_per_tick();
        out.extend((0..n).map(|_| to_i16(self.sample())));
    }
}

/// A note played short, so repeated notes stay distinct: full volume, then off for the last
/// two ticks of its length.
fn staccato(note: u8, into: u32, shape: Shape, volume: u8) -> Voice {
    // Notes are at least 8 ticks; the 7th and 8th tick of every 8 are silent.
    if into % 8 >= 6 { Voice::OFF } else { Voice::new(shape, note_hz(note), volume) }
}

/// A sample -1..=1 as 16-bit PCM.
pub fn to_i16(x: f32) -> i16 {
    (x.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16
}
