//! Pac-Man rules: a deterministic, fixed-tick simulation of the 1980 arcade game, with no GUI
//! types and no clock.
//!
//! **May import:** std, `serde`, `thiserror`. Never `crate::ui`, `crate::learn`,
//! `crate::backbone`, `crate::camera`, `egui` or `clap` (`tests/architecture.rs` checks).
//!
//! The rules follow "The Pac-Man Dossier" by Jamey Pittman (v1.0.26, 2011); each ported rule
//! names the dossier section it comes from. The state lives in [`Game`], whose fields are
//! private; the only way forward is [`Game::step`], one 60 Hz tick per call, which returns the
//! [`Event`]s of that tick. Randomness comes from a seeded generator owned by the game, so the
//! same seed and the same inputs always give the same game ([`Game::state_hash`]).
//!
//! # Driving it from a UI
//!
//! ```no_run
//! use pacnet::game::{Game, Input, Options, Pacer};
//! # fn frame(prediction: Option<pacnet::game::Dir>, dt: std::time::Duration) -> Result<(), pacnet::game::GameError> {
//! let mut game = Game::new(42, Options::default())?;
//! let mut pacer = Pacer::new(75); // 75 % game speed
//! // every frame:
//! for _ in 0..pacer.ticks_for(dt) {
//!     for event in game.step(Input { dir: prediction, ..Input::NONE }) {
//!         // play a sound, start an animation…
//!         let _ = event;
//!     }
//! }
//! // then draw with ui::game_view::paint(&painter, rect, &game, time)
//! # Ok(()) }
//! ```
//!
//! # What is in, and what is simplified
//!
//! In: the maze with 240 dots and 4 energizers, the tunnel and its slowdown; dot, energizer,
//! ghost (200–1600) and fruit scores, the fruit at 70 and 170 dots; one extra life at 10,000;
//! the per-level speed table (exact, see [`UNITS_PER_PIXEL`]) with the one-tick stop per dot
//! and three per energizer; Pac-Man's cornering; the four targeting rules including the
//! up-direction overflow (optional); scatter corners; the look-ahead intersection rule with its
//! tie order and no-reversal rule; the no-up tiles; forced reversals on mode changes and
//! energizers (ghosts in the house leave to the right); the scatter/chase schedule of levels 1,
//! 2–4 and 5+, paused while frightened; frightened time and flashes per level with PRNG turns
//! reseeded per life and level; eyes returning home; the house release by personal counters,
//! the global counter after a death and the idle timer; Cruise Elroy 1 and 2 and its
//! suspension after a death; lives, levels and game over.
//!
//! Simplified (and said so where it happens): decisions and forced reversals are taken at the
//! tile centre rather than on tile entry; cornering allows a turn anywhere within the current
//! tile (the arcade: 3–4 px either side of the centre); eyes speed, house speed, flash length,
//! the fruit's time on screen (9.5 s, the arcade 9–10 s) and the READY/dying/level-complete
//! pauses are chosen values the dossier does not give; eyes of Inky and Clyde revive in the
//! middle of the house; collisions are checked after every move, so there is no pass-through;
//! the PRNG is not the arcade's ROM walk; no intermissions, no level-256 split screen, no
//! "hard" DIP setting.

mod actor;
mod event;
mod geom;
mod ghost;
mod house;
mod input;
mod level;
mod maze;
mod mode;
mod pacman;
mod play;
mod replay;
mod rng;
mod scenario;
mod state;

pub use actor::GhostState;
pub use event::{
    DYING_FREEZE_TICKS, DYING_TICKS, Event, FLASH_PERIOD_TICKS, FRUIT_POPUP_TICKS, FRUIT_TICKS, GHOST_EAT_PAUSE_TICKS,
    LEVEL_COMPLETE_TICKS, Phase, READY_TICKS, START_READY_TICKS,
};
pub use geom::{Dir, PIXELS_PER_TILE, Pos, TICKS_PER_SECOND, Tile, UNITS_PER_PIXEL, UNITS_PER_TILE, speed_units};
pub use ghost::{
    Chase, Ghost, PerGhost, ahead_of_pacman, chase_target, choose_direction, frightened_direction, target,
};
pub use house::{HouseRelease, Release};
pub use input::{Input, InputOptions, MAX_SPEED_PERCENT, MAX_TICKS_PER_CALL, MIN_SPEED_PERCENT, Pacer};
pub use level::{Fruit, GLOBAL_DOT_LIMITS, LevelSpec, house_dot_limits, idle_release_ticks, schedule, spec};
pub use maze::{
    ARCADE_LAYOUT, COLS, Cell, FRUIT_POS, HOUSE_CENTER, HOUSE_DOOR_TARGET, HOUSE_EXIT, Maze, MazeError, NO_UP_TILES,
    PACMAN_START, ROWS,
};
pub use mode::{Mode, ModeTimer};
pub use play::{EYES_SPEED_PERCENT, FRUIT_DOTS, HOUSE_SPEED_PERCENT};
pub use replay::{InputRun, Recorder, ReplayLog, RunSummary, run, run_with};
pub use rng::Rng;
pub use scenario::Scenario;
pub use state::{FruitView, Game, GameError, GhostView, Options, PacmanView, Popup};
