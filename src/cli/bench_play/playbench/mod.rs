//! `pacnet bench-play`: the closed loop measured. A simulated player steers Pac-Man through
//! pacnet with the demo camera's toy, and each controller setting is scored on what a player
//! feels: does Pac-Man go where I show him, how soon, and how often does he turn on his own.
//!
//! Per seed and task (the few-shot tasks: the toy at four positions, or at four tilts):
//! 1. **Recording.** The [`player`] holds each pose and "holds the record key": examples at
//!    the Record panel's 10 a second, from the frames of the recording camera, through the
//!    app's path (the thumbnail JPEG-encoded, its augmented views computed from it).
//! 2. **Training.** A head with the app's default recipe ([`Hyper::default`], without the
//!    validation heads, which only measure), and its [`Familiarity`] reference.
//! 3. **Sessions.** For each camera session ([`Session`]: the recording's, nudged, another
//!    room) and each controller setting, one closed-loop run ([`sim`]): a nearest-dot
//!    autopilot plays level 1 (its wishes are the player's plan), then a scripted sequence
//!    covers every change between two directions. Scores: [`metrics`].
//!
//! Deterministic: the same seeds and settings give the same table on any machine (the
//! backbone's arithmetic aside, which is the same on one machine).

pub mod metrics;
pub mod player;
pub mod sim;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::backbone::{Backbone, Crop};
use crate::cli::bench_learn::fewshot::{Film, Props, Session, SetError, Task};
use crate::game::{Dir, GameError};
use crate::learn::views::view_features;
use crate::learn::{Familiarity, Features, Featurizer, Head, Hyper, LearnError, StopReason, Thumbnail, TrainData};
use crate::live::pipeline::FramePipeline;
use crate::live::steer::SteerSettings;

use metrics::{Scores, Tick};
use player::Player;
use sim::{RunLog, Timing};

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The scenes could not be made.
    #[error(transparent)]
    Set(#[from] SetError),
    /// Featurising or training failed.
    #[error(transparent)]
    Learn(#[from] LearnError),
    /// Training stopped.
    #[error("training stopped: {0}")]
    Train(String),
    /// A frame failed in the pipeline.
    #[error(transparent)]
    Frame(Box<crate::live::LiveError>),
    /// A head or controller index past the end of its list (a bug in the bench).
    #[error("bench-play: no {0} at that index")]
    Missing(&'static str),
    /// The game could not start.
    #[error(transparent)]
    Game(#[from] GameError),
}

impl From<crate::live::LiveError> for BenchError {
    fn from(e: crate::live::LiveError) -> Self {
        Self::Frame(Box::new(e))
    }
}

impl From<StopReason> for BenchError {
    fn from(r: StopReason) -> Self {
        Self::Train(r.to_string())
    }
}

/// The directions in class order: the head's classes are named after them, so the app's
/// steering maps them as it maps any project's.
pub const DIRS: [Dir; 4] = [Dir::Up, Dir::Down, Dir::Left, Dir::Right];

/// A controller setting with its row name.
#[derive(Clone, Debug, PartialEq)]
pub struct Controller {
    /// Row name.
    pub name: String,
    /// The settings.
    pub settings: SteerSettings,
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Seeds: each a recording, a head, a room, nudges, a game and a player.
    pub seeds: Vec<u64>,
    /// Tasks.
    pub tasks: Vec<Task>,
    /// Camera sessions.
    pub sessions: Vec<Session>,
    /// Controller settings, one row each.
    pub controllers: Vec<Controller>,
    /// Examples recorded per class.
    pub examples: usize,
    /// Examples a second while the record key is held (the Record panel's default: 10).
    pub record_rate: f64,
    /// The training recipe.
    pub hyper: Hyper,
    /// Run length and pacing.
    pub timing: Timing,
}

/// One trained head and what it was trained on.
struct Trained {
    task: Task,
    seed: u64,
    head: Head,
    familiarity: Option<Arc<Familiarity>>,
}

/// One run's result.
#[derive(Clone, Debug)]
pub struct Run {
    /// Task.
    pub task: Task,
    /// Session.
    pub session: Session,
    /// Index into [`Config::controllers`].
    pub controller: usize,
    /// Seed.
    pub seed: u64,
    /// Scores.
    pub scores: Scores,
    /// Dots eaten in the autopilot's part.
    pub dots: u32,
    /// The same autopilot's dots with perfect keys over the same time.
    pub perfect: u32,
    /// The run's record (for replays).
    pub log: RunLog,
}

/// The scripted sequence: every ordered pair of different directions once (an Eulerian
/// circuit of the complete graph on four directions), starting and ending on up.
#[must_use]
pub fn script() -> Vec<Dir> {
    // Hierholzer on a complete digraph: from each direction take the unused successor in a
    // fixed order; for K4 the greedy walk "highest unused first" closes the circuit.
    let mut used = [[false; 4]; 4];
    let mut at = 0usize;
    let mut seq = vec![DIRS[0]];
    for _ in 0..12 {
        let Some(next) = (0..4).rev().find(|&n| n != at && !used[at][n]) else { break };
        used[at][next] = true;
        at = next;
        seq.push(DIRS[at]);
    }
    seq
}

/// Runs everything in `config`; `progress` gets a line per finished stage.
///
/// # Errors
/// The first failure of any stage.
pub fn run(
    backbone: &Backbone,
    cut: usize,
    props: &Props,
    config: &Config,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Run>, BenchError> {
    let featurizer = Featurizer::new(backbone, cut, Crop::CenterSquare)?;
    let pairs: Vec<(Task, u64)> =
        config.tasks.iter().flat_map(|&t| config.seeds.iter().map(move |&s| (t, s))).collect();
    let heads = pairs
        .par_iter()
        .map(|&(task, seed)| train(&featurizer, props, config, task, seed))
        .collect::<Result<Vec<_>, _>>()?;
    progress(&format!("{} heads trained", heads.len()));
    let mut jobs = Vec::new();
    for h in 0..heads.len() {
        for &session in &config.sessions {
            for c in 0..config.controllers.len() {
                jobs.push((h, session, c));
            }
        }
    }
    let perfect = config
        .seeds
        .par_iter()
        .map(|&s| Ok((s, sim::perfect_keys(s, config.timing.play, config.timing.speed)?)))
        .collect::<Result<std::collections::HashMap<u64, u32>, BenchError>>()?;
    let runs = jobs
        .par_iter()
        .map(|&(h, session, c)| -> Result<Run, BenchError> {
            let trained = heads.get(h).ok_or_else(|| BenchError::Missing("head"))?;
            let controller = config.controllers.get(c).ok_or_else(|| BenchError::Missing("controller"))?;
            let mut pipeline = FramePipeline::new(backbone, cut, Crop::CenterSquare, controller.settings);
            pipeline.set_head(Some(trained.head.clone()));
            pipeline.set_familiarity(trained.familiarity.clone());
            let mut film = Film::new(props, trained.seed, session)?;
            let log = sim::run(backbone, &mut pipeline, &mut film, trained.task, trained.seed, &config.timing)?;
            let scores = Scores::of(&log.ticks);
            Ok(Run {
                task: trained.task,
                session,
                controller: c,
                seed: trained.seed,
                scores,
                dots: log.dots,
                perfect: perfect.get(&trained.seed).copied().unwrap_or(0),
                log,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    progress(&format!("{} closed-loop runs played", runs.len()));
    Ok(runs)
}

/// Records the examples of one seed and task as a user would, and trains the head.
fn train(
    featurizer: &Featurizer<'_>,
    props: &Props,
    config: &Config,
    task: Task,
    seed: u64,
) -> Result<Trained, BenchError> {
    let mut film = Film::new(props, seed, Session::Recording)?;
    let mut noise = ChaCha8Rng::seed_from_u64(seed ^ 0x5ec0_7d00);
    let mut player = Player::new(task, DIRS[0], seed ^ 0x5ec0);
    let mut ex = featurizer.extractor();
    let (mut rows, mut labels, mut thumbs) = (Vec::new(), Vec::new(), Vec::new());
    let fps = config.timing.fps;
    let mut frame = 0u64;
    for (label, &dir) in DIRS.iter().enumerate() {
        // Move to the pose, settle for a moment, then hold the key.
        let start = frame as f64 / fps;
        player.decide(start, dir);
        let press = player.reached() + 0.3;
        let period = 1.0 / config.record_rate.max(0.1);
        let mut last: Option<f64> = None;
        let mut taken = 0;
        while taken < config.examples {
            let at = frame as f64 / fps;
            frame += 1;
            player.act(at);
            // Only frames the recording pace keeps are filmed here (the worker runs every
            // frame, but keeps these only).
            if at < press || last.is_some_and(|l| at - l + 0.002 < period) {
                continue;
            }
            last = Some(at);
            let image = film.shoot(player.pose(at), &mut noise);
            let sample = featurizer.frame_with(&mut ex, &image)?;
            rows.push(Features::from_f32(&sample.features)?);
            thumbs.push(Thumbnail::encode(&sample.input)?);
            labels.push(label);
            taken += 1;
        }
    }
    let hyper = Hyper { seed, val_fraction: 0.0, ..config.hyper.clone() };
    let per = hyper.views_per_example(rows.len());
    let views = thumbs
        .iter()
        .enumerate()
        .map(|(i, t)| view_features(featurizer, &t.decode()?, &hyper.jitter, per, (seed << 16) + i as u64))
        .collect::<Result<Vec<_>, LearnError>>()?;
    let classes = DIRS.map(|d| format!("{d:?}").to_ascii_lowercase()).to_vec();
    // The reference is the examples as the dataset keeps them (f16), without their views.
    let flat: Vec<Vec<f32>> = rows.iter().map(Features::to_f32).collect();
    let data = TrainData::new(classes, featurizer.source().shape, rows, labels)?.with_views(views)?;
    let trained = crate::learn::fit(&data, &hyper, &AtomicBool::new(false), &mut |_| {})?;
    let familiarity = Familiarity::build(&trained.head, flat.iter().map(Vec::as_slice))?.map(Arc::new);
    Ok(Trained { task, seed, head: trained.head, familiarity })
}

/// Replays `log`'s frames through a controller with other `settings`: the same frames and
/// intents, only the steering differs (the game the player watched stays the original run's,
/// so dots are not scored). Cheap: no frame is rendered or run through the backbone.
#[must_use]
pub fn replay(log: &RunLog, settings: &SteerSettings) -> Vec<Tick> {
    let classes = DIRS.map(|d| format!("{d:?}").to_ascii_lowercase()).to_vec();
    let mut c = crate::live::control::Controller::new();
    let decisions: Vec<(f64, Option<Dir>)> = log
        .frames
        .iter()
        .map(|f| {
            let frame = crate::live::control::Frame {
                at: std::time::Duration::from_secs_f64(f.at),
                classes: &classes,
                probs: &f.probs,
                familiarity: f.familiarity,
            };
            (f.ready, c.update(&frame, settings).and_then(|d| d.dir))
        })
        .collect();
    let mut next = 0;
    let mut given = None;
    log.ticks
        .iter()
        .map(|t| {
            while let Some(&(ready, dir)) = decisions.get(next) {
                if ready > t.t + 1e-9 {
                    break;
                }
                given = dir;
                next += 1;
            }
            Tick { given, ..*t }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::bench_learn::fewshot::Photo;

    fn photo(name: &str) -> Photo {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/models/golden/images").join(name);
        let image = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgba8();
        Photo { name: name.to_owned(), image }
    }

    #[test]
    fn the_same_seed_plays_the_same_closed_loop() {
        let props = Props::new(["burger.jpg", "dogs.jpg", "sparrow.png"].map(photo).to_vec()).unwrap();
        let backbone = Backbone::builtin().unwrap();
        let config = Config {
            seeds: vec![1],
            tasks: vec![Task::Tilt],
            sessions: vec![Session::Nudged],
            controllers: vec![Controller { name: "default".into(), settings: SteerSettings::default() }],
            examples: 4,
            record_rate: 10.0,
            hyper: Hyper { epochs: 3, views: 2, ..Hyper::default() },
            timing: Timing { play: 2.0, script: script(), hold: 0.1, away: 0.0, fps: 30.0, compute: 0.0013, speed: 75 },
        };
        let go = || run(&backbone, backbone.default_cut(), &props, &config, &|_| {}).unwrap();
        let (a, b) = (go(), go());
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].log.ticks, b[0].log.ticks, "the same ticks, intents and decisions");
        assert_eq!(a[0].log.frames, b[0].log.frames, "the same frames through the pipeline");
        assert_eq!((a[0].dots, a[0].perfect), (b[0].dots, b[0].perfect));
        // 2 s of game and 13 scripted directions of 0.1 s, at 30 frames a second.
        let frames = a[0].log.frames.len();
        assert!((96..=100).contains(&frames), "{frames} frames");
        // A replay with the run's own settings gives the run's own steering.
        assert_eq!(replay(&a[0].log, &SteerSettings::default()), a[0].log.ticks);
    }

    #[test]
    fn the_scripted_sequence_changes_between_every_two_directions_once() {
        let s = script();
        assert_eq!(s.len(), 13);
        let mut pairs: Vec<_> = s.windows(2).map(|w| (w[0], w[1])).collect();
        assert!(pairs.iter().all(|(a, b)| a != b));
        pairs.sort();
        pairs.dedup();
        assert_eq!(pairs.len(), 12, "all 12 ordered pairs: {s:?}");
    }
}
