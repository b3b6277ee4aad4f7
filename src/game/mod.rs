//! Pac-Man rules: a deterministic, fixed-tick simulation of the 1980 arcade game, with no GUI
//! types and no clock.
//!
//! **May import:** `crate::sys`, and no crate but std, `serde` and `thiserror`: no other pacnet
//! module, no GUI or CLI crate, no `rand` (`tests/architecture.rs` checks).
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
//! # The dossier, rule by rule
//!
//! Every rule of the dossier, marked **faithful**, **simplified** (with why) or **missing**.
//! Where the dossier gives no number the arcade program does (the documented disassembly
//! cited in `event.rs`), and that is said too. Tests pinning a rule are in `tests/game.rs` and
//! `tests/game_arcade.rs`, named after it.
//!
//! | Dossier rule | Here |
//! |---|---|
//! | 244 dots: 240 × 10, 4 energizers × 50, 2,600 a maze (ch. 2) | faithful |
//! | Ghosts on one energizer: 200, 400, 800, 1,600 | faithful |
//! | Fruit at 70 and 170 dots, below the house; kinds and points per level (Table A.1) | faithful |
//! | Fruit stays "between nine and ten seconds", unpredictably | faithful: 9 s plus the rest of the current second of the game clock, as the program's 1-second timer does (541–600 ticks) |
//! | Fruit counter: the last seven levels' symbols | faithful (renderer) |
//! | One extra life at 10,000 | faithful (`Options::extra_life_at`, as the DIP switch) |
//! | Scatter/chase schedule of levels 1, 2–4, 5+, incl. the 1,033 s / 1,037 s chases and the 1/60 s scatter; paused while frightened; reset per life and level | faithful |
//! | Forced reversals on scatter↔chase and on energizers, none when the fright ends | faithful |
//! | A reversal is obeyed when the ghost enters its next tile | simplified: at the next tile centre, half a tile later (all movement decisions are taken at centres here) |
//! | Frightened: blue, slower, random turns with a clockwise fallback from the random pick | faithful |
//! | The frightened PRNG reads ROM bytes; reseeded on every life and level | simplified: a SplitMix stream reseeded at the same moments (the ROM is not ours to ship), so the arcade's direction bias and exact paths differ |
//! | Blue time and number of flashes per level; no blue time on 17 and 19+ (energizers still reverse) | faithful: the flashes come from the program's cadence (14 ticks a colour, the last 128 ticks) and match Table A.1 on every level |
//! | When the first flash starts | simplified: at the start of the flashing window; the arcade's colour counter runs freely, up to 13 ticks later |
//! | Speeds per level: Pac-Man normal / frightened, ghosts normal / frightened / tunnel (Table A.1) | faithful on average, exactly ([`UNITS_PER_PIXEL`]); simplified within a 16-frame cycle: the arcade moves whole pixels by per-frame bit patterns, here the exact average every tick (at most a pixel apart) |
//! | Pac-Man stops one frame per dot, three per energizer | faithful |
//! | Tunnel slows ghosts only | faithful |
//! | Cornering: pre- and post-turns, diagonal at double speed | faithful within half a pixel: the window is the whole tile, 4 px either side of a centre that lies between the arcade's pixels 3 and 4 (arcade: 3 and 4 px, depending on the side) |
//! | Ghost-house start positions; Blinky outside | faithful |
//! | Personal dot counters and limits (30 / 60, 0 / 50, then 0) | faithful |
//! | Global counter after a life is lost (7, 17, 32), switched off only with Clyde inside; the stuck-ghost flaw | faithful |
//! | Idle timer: 4 s, 3 s from level 5 | faithful |
//! | Ghosts leave the house to the left, to the right after a mode change while inside | faithful |
//! | Four no-up tiles in scatter and chase, ignored when frightened | faithful |
//! | An actor's tile is the one holding its centre point (ch. 3) | faithful |
//! | Collision when Pac-Man and a ghost share a tile; the pass-through when they swap tiles at once | faithful: tiles compared once per tick, before anyone moves (the arcade compares twice per frame, moving about a pixel in between) |
//! | (program) While energized, a ghost within 4 px on both axes also collides (#1789) | simplified: the window is symmetric; the arcade's is one-sided in its rotated screen coordinates |
//! | Target tiles, one-tile look-ahead, straight-line distance, ties up/left/down/right, no reversals | faithful (decided at centres, see above) |
//! | Blinky targets Pac-Man; Cruise Elroy 1 and 2 thresholds and speeds per level; Elroy chases in scatter; suspended after a death until Clyde leaves | faithful |
//! | Pinky four tiles ahead, Inky's doubled vector, both with the "up" overflow | faithful (`Options::up_quirk`) |
//! | Clyde: chase beyond 8 tiles, corner within | faithful |
//! | Scatter targets outside the maze | faithful |
//! | Levels 21 and up identical | faithful |
//! | Level 256 split screen: left half normal, right half garbage, nine dots there (four invisible), unfinishable, the nine back with every life (ch. 5) | simplified: the right half keeps the normal maze's walls under the garbage (the arcade's invisible walls are made of the garbage tiles, a ROM artefact), and the left half keeps 122 dots (arcade: 114) |
//! | Going past 256 with the rack-test switch | missing (no rack test) |
//! | Intermissions after levels 2, 5, 9, 13 and 17 | simplified: the three gags, which levels, skippable; our own choreography and music |
//! | Last dot and a ghost on the same tick | faithful: the program checks the dot count before collisions (#08DE before #1017), so the level ends and no life is lost |
//! | Pauses: READY 2 s, start 4.3 s, ghost points 1 s, death 3.7 s, level end 3.9 s | faithful to the program's timers (to within their 0.1 s steps) |
//! | Eyes' speed, speed in the house, where eyes revive | simplified: the dossier gives none; eyes at 160 %, the house at 50 %, Inky's and Clyde's eyes revive in the middle |
//! | "Hard" difficulty DIP setting | missing |
//! | Lives DIP setting (1, 2, 3, 5) | faithful (`Options::lives`, any number) |
//! | Two players taking turns | missing (one player) |
//! | Sound | simplified: synthesised here ([`sound`]) with our own waveforms and tunes, the arcade's voices and cues |
//!
//! The decision-at-centre simplification keeps every targeting rule identical and only shifts
//! when it is applied by half a tile; it exists because decisions on tile entry need the
//! arcade's pixel-pattern movement to be reproducible.

mod actor;
mod autopilot;
mod event;
mod geom;
mod ghost;
mod house;
mod input;
mod intermission;
mod level;
mod maze;
mod mode;
mod pacman;
mod play;
mod replay;
mod rng;
mod scenario;
pub mod sound;
mod split;
mod state;

pub use actor::GhostState;
pub use autopilot::{autopilot, next_turn};
pub use event::{
    DYING_ANIMATION_END_TICK, DYING_ANIMATION_TICK, DYING_FREEZE_TICKS, DYING_TICKS, Event, FLASH_HALF_TICKS,
    FLASH_WINDOW_TICKS, FRUIT_MAX_TICKS, FRUIT_MIN_TICKS, FRUIT_POPUP_TICKS, GHOST_EAT_PAUSE_TICKS,
    LEVEL_COMPLETE_TICKS, LEVEL_FLASH_TICKS, LEVEL_FREEZE_TICKS, Phase, READY_TICKS, START_READY_TICKS,
};
pub use geom::{Dir, PIXELS_PER_TILE, Pos, TICKS_PER_SECOND, Tile, UNITS_PER_PIXEL, UNITS_PER_TILE, speed_units};
pub use ghost::{
    Chase, Ghost, PerGhost, ahead_of_pacman, chase_target, choose_direction, frightened_direction, target,
};
pub use house::{HouseRelease, Release};
pub use input::{Input, InputOptions, MAX_SPEED_PERCENT, MAX_TICKS_PER_CALL, MIN_SPEED_PERCENT, Pacer};
pub use intermission::{Cutscene, Figure, Look, Scene, Sprite};
pub use level::{Fruit, GLOBAL_DOT_LIMITS, LevelSpec, house_dot_limits, idle_release_ticks, schedule, spec};
pub use maze::{
    ARCADE_LAYOUT, COLS, Cell, FRUIT_POS, HOUSE_CENTER, HOUSE_DOOR_TARGET, HOUSE_EXIT, Maze, MazeError, NO_UP_TILES,
    PACMAN_START, ROWS,
};
pub use mode::{Mode, ModeTimer};
pub use play::{ENERGIZED_CATCH_UNITS, EYES_SPEED_PERCENT, FRUIT_DOTS, HOUSE_SPEED_PERCENT};
pub use replay::{InputRun, Recorder, ReplayLog, RunSummary, run, run_with};
pub use rng::Rng;
pub use scenario::Scenario;
pub use split::{SPLIT_COLUMN, SPLIT_DOTS, SPLIT_HIDDEN, SPLIT_LEVEL};
pub use state::{FruitView, Game, GameError, GhostView, Options, PacmanView, Popup};
