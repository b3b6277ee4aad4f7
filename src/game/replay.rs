//! Recording and replaying games, and a headless runner.
//!
//! A game is a pure function of its seed, its options and the input of every tick, so a replay
//! is just those three. Inputs are stored run-length encoded: a classifier's output changes a
//! few times a second, so a minute of play is a few hundred runs rather than 3600 entries.

use super::event::{Event, Phase};
use super::input::Input;
use super::state::{Game, GameError, Options};
use serde::{Deserialize, Serialize};

/// `count` consecutive ticks of the same input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRun {
    /// The input.
    pub input: Input,
    /// How many ticks in a row.
    pub count: u32,
}

/// Everything needed to play a game again tick for tick.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayLog {
    /// The game's seed.
    pub seed: u64,
    /// The game's options.
    pub options: Options,
    /// The input of every tick, run-length encoded.
    pub runs: Vec<InputRun>,
}

impl ReplayLog {
    /// An empty log for a game with `seed` and `options`.
    pub fn new(seed: u64, options: Options) -> ReplayLog {
        ReplayLog { seed, options, runs: Vec::new() }
    }

    /// Appends one tick's input.
    pub fn push(&mut self, input: Input) {
        match self.runs.last_mut() {
            Some(run) if run.input == input && run.count < u32::MAX => run.count += 1,
            _ => self.runs.push(InputRun { input, count: 1 }),
        }
    }

    /// Ticks recorded.
    pub fn len(&self) -> u64 {
        self.runs.iter().map(|r| u64::from(r.count)).sum()
    }

    /// True if nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The inputs, one per tick.
    pub fn inputs(&self) -> impl Iterator<Item = Input> + '_ {
        self.runs.iter().flat_map(|r| std::iter::repeat_n(r.input, r.count as usize))
    }

    /// Plays the whole log from the start.
    pub fn play(&self) -> Result<RunSummary, GameError> {
        let mut game = Game::new(self.seed, self.options)?;
        let mut summary = Tally::default();
        for input in self.inputs() {
            summary.add(&game.step(input));
        }
        Ok(summary.finish(&game))
    }
}

/// A game that logs its own input as it goes.
#[derive(Clone, Debug)]
pub struct Recorder {
    game: Game,
    log: ReplayLog,
}

impl Recorder {
    /// A new game being recorded.
    pub fn new(seed: u64, options: Options) -> Result<Recorder, GameError> {
        Ok(Recorder { game: Game::new(seed, options)?, log: ReplayLog::new(seed, options) })
    }

    /// Records `input` and steps the game with it.
    pub fn step(&mut self, input: Input) -> Vec<Event> {
        self.log.push(input);
        self.game.step(input)
    }

    /// The game being played.
    pub fn game(&self) -> &Game {
        &self.game
    }

    /// The log so far.
    pub fn log(&self) -> &ReplayLog {
        &self.log
    }
}

/// What a headless run ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// [`Game::state_hash`] after the last tick.
    pub hash: u64,
    /// Ticks stepped.
    pub ticks: u64,
    /// Final score.
    pub score: u32,
    /// Level reached.
    pub level: u32,
    /// Lives left.
    pub lives: u8,
    /// Final phase.
    pub phase: Phase,
    /// Dots and energizers eaten over all levels.
    pub dots: u32,
    /// Frightened ghosts eaten.
    pub ghosts_eaten: u32,
    /// Lives lost.
    pub deaths: u32,
    /// Levels cleared.
    pub levels_cleared: u32,
    /// Events reported in total.
    pub events: u64,
}

#[derive(Default)]
struct Tally {
    ticks: u64,
    dots: u32,
    ghosts_eaten: u32,
    deaths: u32,
    levels_cleared: u32,
    events: u64,
}

impl Tally {
    fn add(&mut self, events: &[Event]) {
        self.ticks += 1;
        self.events += events.len() as u64;
        for e in events {
            match e {
                Event::DotEaten { .. } | Event::EnergizerEaten { .. } => self.dots += 1,
                Event::GhostEaten { .. } => self.ghosts_eaten += 1,
                Event::PacmanDied => self.deaths += 1,
                Event::LevelCleared { .. } => self.levels_cleared += 1,
                _ => {}
            }
        }
    }

    fn finish(self, game: &Game) -> RunSummary {
        RunSummary {
            hash: game.state_hash(),
            ticks: self.ticks,
            score: game.score(),
            level: game.level(),
            lives: game.lives(),
            phase: game.phase(),
            dots: self.dots,
            ghosts_eaten: self.ghosts_eaten,
            deaths: self.deaths,
            levels_cleared: self.levels_cleared,
            events: self.events,
        }
    }
}

/// Plays `ticks` ticks of a default-options game from `seed`; tick `i` gets `inputs[i]`, or no
/// input once the log runs out. For the CLI and for tests.
pub fn run(seed: u64, inputs: &[Input], ticks: u64) -> Result<RunSummary, GameError> {
    run_with(seed, Options::default(), inputs, ticks)
}

/// [`run`] with chosen options.
pub fn run_with(seed: u64, options: Options, inputs: &[Input], ticks: u64) -> Result<RunSummary, GameError> {
    let mut game = Game::new(seed, options)?;
    let mut tally = Tally::default();
    for i in 0..ticks {
        let input = usize::try_from(i).ok().and_then(|i| inputs.get(i)).copied().unwrap_or_default();
        tally.add(&game.step(input));
    }
    Ok(tally.finish(&game))
}
