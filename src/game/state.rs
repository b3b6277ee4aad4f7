//! [`Game`]: the whole state, its options, and read-only views for the renderer.
//!
//! Fields are private; the only way to move a game forward is [`Game::step`] (in `play.rs`).

use super::actor::{Actor, GhostState};
use super::event::{FLASH_HALF_TICKS, FLASH_WINDOW_TICKS, Phase, START_READY_TICKS};
use super::geom::{Dir, Pos, Tile};
use super::ghost::{Chase, Ghost, PerGhost};
use super::house::HouseRelease;
use super::input::{InputFilter, InputOptions};
use super::intermission::Cutscene;
use super::level::{self, Fruit, LevelSpec};
use super::maze::{Maze, MazeError};
use super::mode::{Mode, ModeTimer};
use super::pacman::Pacman;
use super::rng::Rng;
use super::split::{SPLIT_LEVEL, split_maze};
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};
use thiserror::Error;

/// Settings fixed for one game (a restart keeps them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// How forgiving the controller input is.
    pub input: InputOptions,
    /// Lives at the start, the one in play included (arcade: 3).
    pub lives: u8,
    /// Level to start on (1 in the arcade; higher to practise faster levels).
    pub start_level: u32,
    /// Pinky's and Inky's "ahead of an upward Pac-Man" also goes left, as the arcade's
    /// overflow bug makes it (dossier ch. 4, *Meet the Ghosts*).
    pub up_quirk: bool,
    /// Practice: non-frightened ghosts pass through Pac-Man instead of catching him.
    pub invincible: bool,
    /// Score that earns the one extra life; 0 for none (arcade: 10,000).
    pub extra_life_at: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            input: InputOptions::default(),
            lives: 3,
            start_level: 1,
            up_quirk: true,
            invincible: false,
            extra_life_at: 10_000,
        }
    }
}

/// Why a game could not be set up.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum GameError {
    /// The maze layout is unusable.
    #[error(transparent)]
    Maze(#[from] MazeError),
    /// An option is out of range.
    #[error("game option `{field}`: {reason}")]
    Option {
        /// The option's field name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A scenario put a sprite where it cannot stand.
    #[error("scenario: {what} cannot stand on tile ({}, {}): it is not open floor", tile.col, tile.row)]
    Blocked {
        /// Which sprite.
        what: &'static str,
        /// The tile asked for.
        tile: Tile,
    },
}

/// The fruit while it is on the board.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FruitView {
    /// Which fruit.
    pub fruit: Fruit,
    /// Where it is drawn.
    pub pos: Pos,
    /// Ticks until it vanishes.
    pub ticks_left: u32,
}

/// Points shown where a ghost or the fruit was eaten.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Popup {
    /// Where to draw them.
    pub pos: Pos,
    /// The points.
    pub points: u32,
    /// Ticks until they disappear.
    pub ticks_left: u32,
    /// True for a ghost's points (cyan in the arcade), false for fruit (pink).
    pub ghost: bool,
}

/// Pac-Man as the renderer needs him.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacmanView {
    /// Centre in units.
    pub pos: Pos,
    /// Facing direction.
    pub dir: Dir,
    /// Moved on the last tick (the mouth stops when he does).
    pub moving: bool,
    /// Ticks spent moving: drives the mouth animation.
    pub anim: u32,
    /// The remembered wish not yet taken, to show the player what the game understood.
    pub wish: Option<Dir>,
}

/// A ghost as the renderer needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GhostView {
    /// Which ghost.
    pub ghost: Ghost,
    /// Centre in units.
    pub pos: Pos,
    /// Travel direction (the eyes look this way).
    pub dir: Dir,
    /// What it is doing.
    pub state: GhostState,
    /// Blue (or flashing) rather than its own colour.
    pub frightened: bool,
    /// The tile it steers for right now, when roaming and not frightened.
    pub target: Option<Tile>,
}

/// A whole game of Pac-Man, advanced one 60 Hz tick at a time by [`Game::step`].
#[derive(Clone, Debug)]
pub struct Game {
    pub(super) seed: u64,
    pub(super) options: Options,
    pub(super) pristine: Maze,
    pub(super) maze: Maze,
    pub(super) level: u32,
    pub(super) spec: LevelSpec,
    pub(super) score: u32,
    pub(super) high_score: u32,
    pub(super) lives: u8,
    pub(super) extra_life_given: bool,
    pub(super) phase: Phase,
    /// Display only: not part of the state hash, changes nothing while set.
    pub(super) paused: bool,
    pub(super) tick: u64,
    pub(super) pacman: Pacman,
    pub(super) input: InputFilter,
    pub(super) ghosts: PerGhost<Actor>,
    pub(super) mode: ModeTimer,
    pub(super) fright_left: u32,
    /// Ghosts eaten on the current energizer.
    pub(super) fright_chain: u32,
    /// Ticks left of the freeze that shows a ghost's points.
    pub(super) score_pause: u32,
    pub(super) house: HouseRelease,
    pub(super) elroy_suspended: bool,
    /// Dots and energizers eaten on this level.
    pub(super) dots_eaten: u32,
    pub(super) fruit: Option<FruitView>,
    pub(super) popup: Option<Popup>,
    pub(super) rng: Rng,
}

impl Game {
    /// A new game on the arcade maze. `seed` drives the frightened ghosts' choices.
    pub fn new(seed: u64, options: Options) -> Result<Game, GameError> {
        Game::with_maze(Maze::arcade()?, seed, options)
    }

    /// A new game on `maze` (which must keep the arcade's landmarks, see [`Maze::parse`]).
    pub fn with_maze(maze: Maze, seed: u64, options: Options) -> Result<Game, GameError> {
        if options.lives == 0 {
            return Err(GameError::Option { field: "lives", reason: "must be at least 1" });
        }
        if options.start_level == 0 {
            return Err(GameError::Option { field: "start_level", reason: "levels start at 1" });
        }
        let level = options.start_level;
        let mut game = Game {
            seed,
            options,
            pristine: maze.clone(),
            maze,
            level,
            spec: level::spec(level),
            score: 0,
            high_score: 0,
            lives: options.lives,
            extra_life_given: false,
            phase: Phase::Ready { ticks_left: START_READY_TICKS },
            paused: false,
            tick: 0,
            pacman: Pacman::start(),
            input: InputFilter::default(),
            ghosts: PerGhost::from_fn(Actor::start),
            mode: ModeTimer::new(level),
            fright_left: 0,
            fright_chain: 0,
            score_pause: 0,
            house: HouseRelease::new(level),
            elroy_suspended: false,
            dots_eaten: 0,
            fruit: None,
            popup: None,
            rng: Rng::new(seed),
        };
        game.maze = game.level_maze();
        Ok(game)
    }

    /// Starts from `high` as the high score (e.g. one saved from an earlier session).
    pub fn with_high_score(mut self, high: u32) -> Game {
        self.high_score = self.high_score.max(high);
        self
    }

    /// The maze a level starts with: the arcade's, or on level 256 its split-screen wreck.
    pub(super) fn level_maze(&self) -> Maze {
        if self.level == SPLIT_LEVEL { split_maze(&self.pristine) } else { self.pristine.clone() }
    }

    /// Dots to eat before a level ends: all the full maze has (244), even on level 256.
    pub(super) fn level_dots(&self) -> u32 {
        self.pristine.dots_left()
    }

    /// Puts Pac-Man and the ghosts back at their starts for a new life or level.
    pub(super) fn reset_actors(&mut self) {
        self.pacman = Pacman::start();
        self.input = InputFilter::default();
        self.ghosts = PerGhost::from_fn(Actor::start);
        self.mode = ModeTimer::new(self.level);
        self.fright_left = 0;
        self.fright_chain = 0;
        self.score_pause = 0;
        self.fruit = None;
        self.popup = None;
        // The arcade reseeds on every life and level, so frightened ghosts repeat themselves.
        self.rng = Rng::new(self.seed);
    }

    /// The maze with the dots still on it.
    pub fn maze(&self) -> &Maze {
        &self.maze
    }

    /// Pac-Man.
    pub fn pacman(&self) -> PacmanView {
        let p = &self.pacman;
        PacmanView { pos: p.pos, dir: p.dir, moving: p.moving, anim: p.anim, wish: self.input.wish() }
    }

    /// One ghost.
    pub fn ghost(&self, g: Ghost) -> GhostView {
        let a = &self.ghosts[g];
        GhostView { ghost: g, pos: a.pos, dir: a.dir, state: a.state, frightened: a.frightened, target: self.target(g) }
    }

    /// All four ghosts, Blinky first.
    pub fn ghosts(&self) -> [GhostView; 4] {
        Ghost::ALL.map(|g| self.ghost(g))
    }

    /// The tile `g` steers for now: its scatter corner or chase target while roaming and not
    /// frightened, otherwise `None`.
    pub fn target(&self, g: Ghost) -> Option<Tile> {
        let a = &self.ghosts[g];
        (a.state == GhostState::Roaming && !a.frightened).then(|| self.mode_target(g))
    }

    /// The scatter or chase target `g` would steer for, whatever it is doing now.
    pub(super) fn mode_target(&self, g: Ghost) -> Tile {
        let own = self.ghosts[g].tile();
        super::ghost::target(g, own, self.mode.mode(), self.elroy() > 0, &self.chase_inputs())
    }

    fn chase_inputs(&self) -> Chase {
        Chase {
            pacman: self.pacman.pos.tile(),
            pacman_dir: self.pacman.dir,
            blinky: self.ghosts.blinky.tile(),
            up_quirk: self.options.up_quirk,
        }
    }

    /// Blinky's "Cruise Elroy" stage: 0 (normal), 1 or 2, from the dots left (dossier ch. 4,
    /// Blinky's *Cruise Elroy*). Suspended after a lost life until Clyde has left the house.
    pub fn elroy(&self) -> u8 {
        // The arcade counts 244 minus the dots eaten, not the dots on the board (#20E6).
        let left = self.level_dots().saturating_sub(self.dots_eaten);
        if self.elroy_suspended {
            0
        } else if left <= self.spec.elroy2_dots {
            2
        } else if left <= self.spec.elroy1_dots {
            1
        } else {
            0
        }
    }

    /// The scatter/chase mode (frightened ghosts ignore it until the fright ends).
    pub fn mode(&self) -> Mode {
        self.mode.mode()
    }

    /// Ticks of frightened time left (0 when none).
    pub fn fright_ticks_left(&self) -> u32 {
        self.fright_left
    }

    /// Frightened ghosts are drawn white right now. They flash during the last
    /// [`FLASH_WINDOW_TICKS`] of the blue time (all of it when shorter), changing colour every
    /// [`FLASH_HALF_TICKS`], white first. The arcade's colour counter runs freely, so its
    /// first white may come up to 13 ticks later than here.
    pub fn fright_flash_white(&self) -> bool {
        let window = self.spec.fright_ticks.min(FLASH_WINDOW_TICKS);
        if self.fright_left == 0 || self.fright_left > window {
            return false;
        }
        ((window - self.fright_left) / FLASH_HALF_TICKS).is_multiple_of(2)
    }

    /// The cut-scene being shown, with its tick, if any.
    pub fn intermission(&self) -> Option<(Cutscene, u32)> {
        match self.phase {
            Phase::Intermission { act, tick } => Some((act, tick)),
            _ => None,
        }
    }

    /// Level 256: the right half of the screen is garbage (see [`SPLIT_COLUMN`](super::SPLIT_COLUMN)).
    pub fn split_screen(&self) -> bool {
        self.level == SPLIT_LEVEL
    }

    /// The frightened ghosts' random generator (reseeded on every life and level).
    pub fn rng(&self) -> &Rng {
        &self.rng
    }

    /// Ticks left of the freeze after a ghost was eaten (Pac-Man is hidden meanwhile).
    pub fn score_pause_ticks(&self) -> u32 {
        self.score_pause
    }

    /// Current score.
    pub fn score(&self) -> u32 {
        self.score
    }

    /// Best score seen, this game included.
    pub fn high_score(&self) -> u32 {
        self.high_score
    }

    /// Lives left, the one in play included.
    pub fn lives(&self) -> u8 {
        self.lives
    }

    /// Current level, from 1.
    pub fn level(&self) -> u32 {
        self.level
    }

    /// This level's row of the dossier's table.
    pub fn level_spec(&self) -> LevelSpec {
        self.spec
    }

    /// Where the game is.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The last input asked for a pause.
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Ticks run so far (paused ticks excluded).
    pub fn tick(&self) -> u64 {
        self.tick
    }

    /// Dots and energizers eaten on this level.
    pub fn dots_eaten(&self) -> u32 {
        self.dots_eaten
    }

    /// The fruit, while it is on the board.
    pub fn fruit(&self) -> Option<FruitView> {
        self.fruit
    }

    /// Points to show for a ghost or fruit just eaten.
    pub fn popup(&self) -> Option<Popup> {
        self.popup
    }

    /// The ghost-house release state (counters and idle timer).
    pub fn house(&self) -> &HouseRelease {
        &self.house
    }

    /// The options this game runs with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The seed this game was started with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// A fingerprint of everything that decides the future of the game (the pause flag
    /// excluded): two games with equal hashes behave identically from here on. FNV-1a over the
    /// fields, stable across runs on one platform; not meant as a file format.
    pub fn state_hash(&self) -> u64 {
        let mut h = Fnv1a::default();
        (self.seed, self.options, &self.maze, self.level, self.score, self.high_score).hash(&mut h);
        (self.lives, self.extra_life_given, self.phase, self.tick).hash(&mut h);
        (&self.pacman, &self.input, &self.ghosts, &self.mode, self.fright_left, self.fright_chain).hash(&mut h);
        (self.score_pause, &self.house, self.elroy_suspended, self.dots_eaten).hash(&mut h);
        (self.fruit, self.popup, &self.rng).hash(&mut h);
        h.finish()
    }
}

/// 64-bit FNV-1a, a fixed and documented hash (std's `DefaultHasher` may change between Rust
/// releases).
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}
