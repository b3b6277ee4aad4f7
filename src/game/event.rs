//! What [`Game::step`](super::Game::step) reports, and the phases a game goes through.

use super::geom::Tile;
use super::ghost::Ghost;
use super::house::Release;
use super::intermission::Cutscene;
use super::level::Fruit;
use super::mode::Mode;
use serde::{Deserialize, Serialize};

/// Something that happened during a tick, for sounds, animations and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Event {
    /// The first tick of a new game: "PLAYER ONE", "READY!" and the start tune.
    GameStarted,
    /// "READY!" is over; the ghosts start moving.
    PlayStarted,
    /// Pac-Man ate the dot on `tile` (10 points).
    DotEaten {
        /// Where the dot was.
        tile: Tile,
    },
    /// Pac-Man ate the energizer on `tile` (50 points): ghosts reverse and, on most levels,
    /// turn blue.
    EnergizerEaten {
        /// Where the energizer was.
        tile: Tile,
    },
    /// The frightened time ran out.
    FrightEnded,
    /// Pac-Man ate a frightened ghost.
    GhostEaten {
        /// Which ghost.
        ghost: Ghost,
        /// 200, 400, 800 or 1600: doubling with each ghost eaten on one energizer.
        points: u32,
    },
    /// A ghost started leaving the house.
    GhostReleased {
        /// Which ghost.
        ghost: Ghost,
        /// Which rule let it out.
        by: Release,
    },
    /// Eaten eyes reached the house and turned back into a ghost.
    GhostRevived {
        /// Which ghost.
        ghost: Ghost,
    },
    /// The scatter/chase clock switched mode (ghosts reverse).
    ModeChanged {
        /// The new mode.
        mode: Mode,
    },
    /// The bonus fruit appeared below the house.
    FruitAppeared {
        /// Which one.
        fruit: Fruit,
    },
    /// Pac-Man ate the fruit.
    FruitEaten {
        /// Which one.
        fruit: Fruit,
        /// Points scored.
        points: u32,
    },
    /// The fruit vanished uneaten.
    FruitExpired,
    /// The score passed the extra-life threshold.
    ExtraLife,
    /// A ghost caught Pac-Man.
    PacmanDied,
    /// The last dot of `level` was eaten.
    LevelCleared {
        /// The level just cleared.
        level: u32,
    },
    /// A cut-scene began between two levels (after levels 2, 5, 9, 13 and 17).
    IntermissionStarted {
        /// Which one.
        act: Cutscene,
    },
    /// The cut-scene finished, or the player skipped it.
    IntermissionEnded {
        /// Which one.
        act: Cutscene,
        /// Ended early by [`Input::skip`](super::Input::skip).
        skipped: bool,
    },
    /// A new level's "READY!" began.
    LevelStarted {
        /// The new level.
        level: u32,
    },
    /// The last life was lost.
    GameOver,
    /// A new game began (the restart input).
    Restarted,
}

/// Where the game is between ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Phase {
    /// "READY!" is shown; nothing moves.
    Ready {
        /// Ticks until play starts.
        ticks_left: u32,
    },
    /// Pac-Man and the ghosts move.
    Playing,
    /// Pac-Man was caught: a freeze, then the death animation.
    Dying {
        /// Ticks since the catch; see [`DYING_FREEZE_TICKS`] and [`DYING_TICKS`].
        tick: u32,
    },
    /// The maze is clear: a freeze, then the walls flash.
    LevelComplete {
        /// Ticks since the last dot; see [`LEVEL_COMPLETE_TICKS`].
        tick: u32,
    },
    /// A cut-scene between levels; see [`Cutscene`].
    Intermission {
        /// Which one.
        act: Cutscene,
        /// Ticks since it began.
        tick: u32,
    },
    /// No lives left; only a restart does anything.
    GameOver,
}

// Timings. The dossier gives none of these, so they are read from the arcade program: the
// documented disassembly of Ms. Pac-Man, whose game loop, timers and sound driver are Pac-Man's
// own (Scott Lawrence et al., github.com/BleuLlama/GameDocs, `disassemble/mspac.asm`, cited below
// by ROM address). Its task timers count in units of 1/10 s or 1 s of a free-running clock
// (scheduler at #0221), so each wait is exact to within one unit boundary; here they are whole
// ticks. Its game logic (#1017) runs twice per frame, so its "half-frame" counts are halved here.

/// "PLAYER ONE", then "READY!" before the first level, while the start tune plays: timed tasks
/// of 2.3 s (#069F, `57`) and 2.0 s (#08B7, `54`).
pub const START_READY_TICKS: u32 = 258;
/// "READY!" after a lost life or before a new level: one 2.0 s task (#09B6, `54`).
pub const READY_TICKS: u32 = 120;
/// Everything freezes this long after a catch; then the ghosts vanish (#12B7: 120 half-frames).
pub const DYING_FREEZE_TICKS: u32 = 60;
/// Pac-Man's death animation starts here, with its sound (#12CB: 180 half-frames).
pub const DYING_ANIMATION_TICK: u32 = 90;
/// The animation's last frame ends here (#1346: 345 half-frames, rounded up).
pub const DYING_ANIMATION_END_TICK: u32 = 173;
/// Length of the whole dying phase: a life is taken at 440 half-frames (#1353).
pub const DYING_TICKS: u32 = 220;
/// The maze stands still this long after the last dot, ghosts and all (#09D8, `54`: 2.0 s).
pub const LEVEL_FREEZE_TICKS: u32 = 120;
/// Each of the eight wall flashes, white first (#09E8 to #0A0C, `42`: 0.2 s each).
pub const LEVEL_FLASH_TICKS: u32 = 12;
/// Length of the level-complete phase: the freeze, eight flashes, 0.3 s of empty screen
/// (#0A23, `43`).
pub const LEVEL_COMPLETE_TICKS: u32 = LEVEL_FREEZE_TICKS + 8 * LEVEL_FLASH_TICKS + 18;
/// The game freezes this long to show a ghost's points: a 1.0 s task (#126E, `4A`).
pub const GHOST_EAT_PAUSE_TICKS: u32 = 60;
/// The shortest time the fruit stays. The dossier: "always between nine and ten seconds" and
/// not predictable. The program (#0EF8) sets a task of ten 1-second units; the first unit ends
/// at the next whole second of a clock that never stops, so the wait is 9 s plus the part of a
/// second left on that clock: 541 to 600 ticks, taken here from the game's own tick count.
pub const FRUIT_MIN_TICKS: u32 = 541;
/// The longest time the fruit stays (see [`FRUIT_MIN_TICKS`]).
pub const FRUIT_MAX_TICKS: u32 = 600;
/// How long a fruit's points stay on screen.
pub const FRUIT_POPUP_TICKS: u32 = 120;
/// Frightened ghosts change colour every 14 ticks once they flash: the colour counter is reset
/// to `0E` and counts down once per frame (#0AD9). Jamey Pittman: "The ghosts change colors
/// every 14 game cycles when they start flashing".
pub const FLASH_HALF_TICKS: u32 = 14;
/// Ghosts start flashing when fewer than 256 half-frames of blue time are left (#0AE7), that is
/// during the last 128 ticks (or at once when the blue time is shorter). With 14-tick colours
/// that gives the dossier's flash counts: 5 when the blue time is at least 2 s, 3 at 1 s.
pub const FLASH_WINDOW_TICKS: u32 = 128;
