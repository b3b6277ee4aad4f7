//! One closed-loop run: the player watches the game, moves the toy, the camera films it, the
//! frames go through the real per-frame path ([`FramePipeline`]: crop, resize, normalise,
//! backbone, head, steering controller) and its decisions steer the game the player watches.
//!
//! Time is simulated, never read from a clock: the loop steps a 60 Hz display clock, the game
//! advances as the app's game thread does at its speed setting ([`Pacer`]), the camera takes a
//! frame every 1/fps s, and the feature worker takes the newest frame whenever it is free and
//! publishes its decision a fixed compute time later (the capture thread keeps only the
//! latest frame, so a slow worker skips frames instead of queueing them).

use std::collections::VecDeque;
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::backbone::Backbone;
use crate::cli::bench_learn::fewshot::{Film, Task};
use crate::game::{Dir, Event, Game, Input, Options, Pacer, autopilot};
use crate::learn::Thumbnail;
use crate::live::history::{PlayFrame, PlayHistory, SPAN};
use crate::live::pipeline::FramePipeline;

use super::BenchError;
use super::metrics::Tick;
use super::player::Player;

/// How a run is paced and how long it lasts.
#[derive(Clone, Debug)]
pub struct Timing {
    /// Seconds of the autopilot's game.
    pub play: f64,
    /// The scripted sequence played after it, one direction per hold.
    pub script: Vec<Dir>,
    /// Seconds each scripted direction is held.
    pub hold: f64,
    /// Seconds the toy is then out of the picture (the player still wants the last direction).
    pub away: f64,
    /// Camera frames a second.
    pub fps: f64,
    /// What one frame costs the feature worker, seconds.
    pub compute: f64,
    /// Game speed in percent (the app's default is 75).
    pub speed: u32,
}

impl Timing {
    /// Seconds in all.
    #[must_use]
    pub fn total(&self) -> f64 {
        self.play + self.hold * self.script.len() as f64 + self.away
    }
}

/// What the worker made of one frame.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameLog {
    /// Camera timestamp, seconds.
    pub at: f64,
    /// When the decision reached the game's slot, seconds.
    pub ready: f64,
    /// The head's probabilities.
    pub probs: Vec<f32>,
    /// The distance to the nearest training example, in units of their spacing.
    pub familiarity: Option<f32>,
}

/// A run's record.
#[derive(Clone, Debug, Default)]
pub struct RunLog {
    /// Every game tick.
    pub ticks: Vec<Tick>,
    /// Every frame the worker processed.
    pub frames: Vec<FrameLog>,
    /// Dots and energizers eaten during the autopilot's part.
    pub dots: u32,
    /// The most the history of play ([`PlayHistory`], kept as the app's feature worker keeps
    /// it) held: frames and bytes.
    pub history_peak: (usize, usize),
    /// Wall time spent adding frames to it, seconds (measured, not simulated).
    pub history_secs: f64,
}

/// The rules a run plays by: the arcade's, with an invincible Pac-Man, so a run measures
/// steering for its whole length instead of ending at the third ghost.
#[must_use]
pub fn game_options() -> Options {
    Options { invincible: true, ..Options::default() }
}

/// Plays one run: `pipeline` holds the head and the controller settings, `film` the session's
/// camera; `seed` seeds the game, the player and the camera's noise.
///
/// # Errors
/// A frame the pipeline cannot take, or a game that cannot start.
pub fn run(
    backbone: &Backbone,
    pipeline: &mut FramePipeline,
    film: &mut Film<'_>,
    task: Task,
    seed: u64,
    timing: &Timing,
) -> Result<RunLog, BenchError> {
    let mut game = Game::new(seed, game_options())?;
    let mut player = Player::new(task, autopilot(&game).unwrap_or(Dir::Left), seed);
    let mut noise = ChaCha8Rng::seed_from_u64(seed ^ 0xca3e_7a00);
    let mut pacer = Pacer::new(timing.speed);
    let mut log = RunLog::default();
    let mut history = PlayHistory::new(SPAN);
    let mut published: VecDeque<(f64, Option<Dir>)> = VecDeque::new();
    let (mut given, mut next_frame, mut worker_free, mut waiting) = (None, 0u64, 0.0f64, None::<f64>);
    let mut scripted = None;
    let mut left = false;
    let away_from = timing.play + timing.hold * timing.script.len() as f64;
    let total = timing.total();
    let mut step = 0u64;
    loop {
        let t = step as f64 / 60.0;
        if t >= total {
            break;
        }
        step += 1;
        if t >= away_from && !left && timing.away > 0.0 {
            left = true;
            player.leave(t);
        } else if t >= timing.play && t < away_from {
            let j = ((t - timing.play) / timing.hold.max(1e-3)) as usize;
            if scripted != Some(j)
                && let Some(&d) = timing.script.get(j)
            {
                scripted = Some(j);
                player.decide(t, d);
            }
        }
        player.act(t);
        // The camera's frames up to now; a busy worker finds only the newest waiting.
        loop {
            let at = next_frame as f64 / timing.fps;
            if at > t + 1e-9 {
                break;
            }
            next_frame += 1;
            if worker_free <= at {
                let (ready, dir) =
                    process(backbone, pipeline, film, &player, (at, at), &mut noise, (&mut log, &mut history), timing)?;
                worker_free = ready;
                published.push_back((ready, dir));
            } else {
                waiting = Some(at);
            }
        }
        if let Some(at) = waiting
            && worker_free <= t
        {
            waiting = None;
            let pick = worker_free;
            let (ready, dir) =
                process(backbone, pipeline, film, &player, (at, pick), &mut noise, (&mut log, &mut history), timing)?;
            worker_free = ready;
            published.push_back((ready, dir));
        }
        while published.front().is_some_and(|&(ready, _)| ready <= t + 1e-9) {
            if let Some((_, dir)) = published.pop_front() {
                given = dir;
            }
        }
        for _ in 0..pacer.ticks_for_frame() {
            let playing = t < timing.play;
            if playing {
                player.see(t, autopilot(&game));
            }
            let events = game.step(Input { dir: given, ..Input::NONE });
            if playing {
                log.dots += events
                    .iter()
                    .filter(|e| matches!(e, Event::DotEaten { .. } | Event::EnergizerEaten { .. }))
                    .count() as u32;
            }
            log.ticks.push(Tick {
                t,
                intent: player.intent(),
                since: player.since(),
                reached: player.reached(),
                given,
            });
        }
    }
    Ok(log)
}

/// Films the toy at camera time `at`, runs the frame through the pipeline from `pick` on
/// and keeps it in the history of play as the feature worker does; returns when the worker
/// is free again (and its decision reaches the game) and the direction decided.
#[allow(clippy::too_many_arguments)]
fn process(
    backbone: &Backbone,
    pipeline: &mut FramePipeline,
    film: &mut Film<'_>,
    player: &Player,
    (at, pick): (f64, f64),
    noise: &mut ChaCha8Rng,
    (log, history): (&mut RunLog, &mut PlayHistory),
    timing: &Timing,
) -> Result<(f64, Option<Dir>), BenchError> {
    let frame = film.shoot(player.pose(at), noise);
    let stamp = Duration::from_secs_f64(at);
    let result = pipeline.process(backbone, &frame, stamp)?;
    let ready = pick + timing.compute;
    let mut dir = None;
    if let Some(p) = result.prediction {
        dir = p.decision.dir;
        let started = std::time::Instant::now();
        // As the app's feature worker keeps it: at most 15 frames a second.
        if history.due(stamp) {
            let thumbnail = Thumbnail::encode(pipeline.input())?;
            let kept = PlayFrame {
                seq: log.frames.len() as u64,
                at: stamp,
                thumbnail,
                probs: p.probs.clone(),
                best: p.decision.best,
                given: dir,
            };
            history.push(&p.classes, kept);
        }
        log.history_secs += started.elapsed().as_secs_f64();
        let (frames, bytes) = log.history_peak;
        log.history_peak = (frames.max(history.frames().len()), bytes.max(history.bytes()));
        log.frames.push(FrameLog { at, ready, probs: p.probs, familiarity: p.familiarity });
    }
    Ok((ready, dir))
}

/// The same autopilot with perfect keys: its intent goes straight into the game every tick.
/// Returns the dots eaten in `seconds` at `speed`.
///
/// # Errors
/// A game that cannot start.
pub fn perfect_keys(seed: u64, seconds: f64, speed: u32) -> Result<u32, BenchError> {
    let mut game = Game::new(seed, game_options())?;
    let mut pacer = Pacer::new(speed);
    let mut dots = 0u32;
    let steps = (seconds * 60.0).ceil() as u64;
    for _ in 0..steps {
        for _ in 0..pacer.ticks_for_frame() {
            let events = game.step(Input { dir: autopilot(&game), ..Input::NONE });
            dots += events.iter().filter(|e| matches!(e, Event::DotEaten { .. } | Event::EnergizerEaten { .. })).count()
                as u32;
        }
    }
    Ok(dots)
}
