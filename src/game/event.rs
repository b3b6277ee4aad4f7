//! What [`Game::step`](super::Game::step) reports, and the phases a game goes through.

use super::geom::Tile;
use super::ghost::Ghost;
use super::house::Release;
use super::level::Fruit;
use super::mode::Mode;
use serde::{Deserialize, Serialize};

/// Something that happened during a tick, for sounds, animations and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Event {
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
    /// No lives left; only a restart does anything.
    GameOver,
}

/// "READY!" before the first level (the arcade plays its tune meanwhile).
pub const START_READY_TICKS: u32 = 240;
/// "READY!" after a lost life or a cleared level.
pub const READY_TICKS: u32 = 120;
/// Everything freezes this long after a catch before Pac-Man's death animation.
pub const DYING_FREEZE_TICKS: u32 = 60;
/// Length of the whole dying phase.
pub const DYING_TICKS: u32 = 150;
/// Length of the level-complete phase (freeze, then flashing walls).
pub const LEVEL_COMPLETE_TICKS: u32 = 120;
/// The game freezes this long to show a ghost's points (dossier: about one second).
pub const GHOST_EAT_PAUSE_TICKS: u32 = 60;
/// How long the fruit stays (dossier: between 9 and 10 seconds; fixed at 9.5 s here).
pub const FRUIT_TICKS: u32 = 570;
/// How long a fruit's points stay on screen.
pub const FRUIT_POPUP_TICKS: u32 = 120;
/// One blue-to-white-and-back flash of frightened ghosts. The dossier gives the number of
/// flashes but not their length; 20 ticks lets level 9's three flashes fill its one second.
pub const FLASH_PERIOD_TICKS: u32 = 20;
