//! Per-level tables: speeds, fruit, frightened time, Elroy, the scatter/chase schedule and the
//! ghost-house limits.
//!
//! Numbers come from "The Pac-Man Dossier" (Jamey Pittman, v1.0.26): Table A.1 *Level
//! Specifications*, the *Scatter, Chase, Repeat* table and *Home Sweet Home*. Seconds are
//! converted to 60 Hz ticks. Levels past 21 repeat level 21.

use serde::{Deserialize, Serialize};

/// The bonus symbol of a level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Fruit {
    /// Level 1, 100 points.
    Cherries,
    /// Level 2, 300 points.
    Strawberry,
    /// Levels 3–4, 500 points.
    Peach,
    /// Levels 5–6, 700 points.
    Apple,
    /// Levels 7–8, 1000 points.
    Grapes,
    /// Levels 9–10, 2000 points.
    Galaxian,
    /// Levels 11–12, 3000 points.
    Bell,
    /// Level 13 on, 5000 points.
    Key,
}

impl Fruit {
    /// Points for eating it.
    pub const fn points(self) -> u32 {
        match self {
            Fruit::Cherries => 100,
            Fruit::Strawberry => 300,
            Fruit::Peach => 500,
            Fruit::Apple => 700,
            Fruit::Grapes => 1000,
            Fruit::Galaxian => 2000,
            Fruit::Bell => 3000,
            Fruit::Key => 5000,
        }
    }
}

/// One row of the dossier's Table A.1. Speeds are percentages of 75.757 575… px/s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelSpec {
    /// This level's bonus symbol.
    pub fruit: Fruit,
    /// Pac-Man's normal speed. The table's lower "dots" speed is produced by the one-tick stop
    /// per dot (three per energizer) rather than stored.
    pub pacman: u32,
    /// Pac-Man's speed while ghosts are frightened.
    pub pacman_fright: u32,
    /// Ghosts' normal speed.
    pub ghost: u32,
    /// Ghosts' speed in the tunnel (wins over every other ghost speed).
    pub ghost_tunnel: u32,
    /// Frightened ghosts' speed.
    pub ghost_fright: u32,
    /// Blinky becomes "Cruise Elroy" 1 when this many dots are left.
    pub elroy1_dots: u32,
    /// Elroy 1 speed.
    pub elroy1: u32,
    /// Elroy 2 starts when this many dots are left.
    pub elroy2_dots: u32,
    /// Elroy 2 speed.
    pub elroy2: u32,
    /// Frightened time in ticks; 0 means energizers only reverse the ghosts.
    pub fright_ticks: u32,
    /// How many white flashes end the frightened time.
    pub flashes: u32,
}

const fn row(fruit: Fruit, speeds: [u32; 5], elroy: [u32; 4], fright_seconds: u32, flashes: u32) -> LevelSpec {
    let [pacman, pacman_fright, ghost, ghost_tunnel, ghost_fright] = speeds;
    let [elroy1_dots, elroy1, elroy2_dots, elroy2] = elroy;
    LevelSpec {
        fruit,
        pacman,
        pacman_fright,
        ghost,
        ghost_tunnel,
        ghost_fright,
        elroy1_dots,
        elroy1,
        elroy2_dots,
        elroy2,
        fright_ticks: fright_seconds * 60,
        flashes,
    }
}

use Fruit::*;
// Columns: [pacman, pacman frightened, ghost, ghost tunnel, ghost frightened],
// [elroy1 dots, elroy1 %, elroy2 dots, elroy2 %], frightened seconds, flashes.
// Where the dossier has no frightened speeds (levels 17, 19+), the normal ones stand in; they
// are never used because those levels have no frightened time.
const TABLE: [LevelSpec; 21] = [
    row(Cherries, [80, 90, 75, 40, 50], [20, 80, 10, 85], 6, 5),
    row(Strawberry, [90, 95, 85, 45, 55], [30, 90, 15, 95], 5, 5),
    row(Peach, [90, 95, 85, 45, 55], [40, 90, 20, 95], 4, 5),
    row(Peach, [90, 95, 85, 45, 55], [40, 90, 20, 95], 3, 5),
    row(Apple, [100, 100, 95, 50, 60], [40, 100, 20, 105], 2, 5),
    row(Apple, [100, 100, 95, 50, 60], [50, 100, 25, 105], 5, 5),
    row(Grapes, [100, 100, 95, 50, 60], [50, 100, 25, 105], 2, 5),
    row(Grapes, [100, 100, 95, 50, 60], [50, 100, 25, 105], 2, 5),
    row(Galaxian, [100, 100, 95, 50, 60], [60, 100, 30, 105], 1, 3),
    row(Galaxian, [100, 100, 95, 50, 60], [60, 100, 30, 105], 5, 5),
    row(Bell, [100, 100, 95, 50, 60], [60, 100, 30, 105], 2, 5),
    row(Bell, [100, 100, 95, 50, 60], [80, 100, 40, 105], 1, 3),
    row(Key, [100, 100, 95, 50, 60], [80, 100, 40, 105], 1, 3),
    row(Key, [100, 100, 95, 50, 60], [80, 100, 40, 105], 3, 5),
    row(Key, [100, 100, 95, 50, 60], [100, 100, 50, 105], 1, 3),
    row(Key, [100, 100, 95, 50, 60], [100, 100, 50, 105], 1, 3),
    row(Key, [100, 100, 95, 50, 95], [100, 100, 50, 105], 0, 0),
    row(Key, [100, 100, 95, 50, 60], [100, 100, 50, 105], 1, 3),
    row(Key, [100, 100, 95, 50, 95], [120, 100, 60, 105], 0, 0),
    row(Key, [100, 100, 95, 50, 95], [120, 100, 60, 105], 0, 0),
    row(Key, [90, 90, 95, 50, 95], [120, 100, 60, 105], 0, 0),
];

/// The table row for `level` (1-based; 0 is treated as 1, past 21 as 21).
pub fn spec(level: u32) -> LevelSpec {
    let i = level.clamp(1, TABLE.len() as u32) as usize - 1;
    // The clamp keeps `i` in range; the fallback only satisfies the no-panic rule.
    TABLE.get(i).copied().unwrap_or(TABLE[0])
}

/// Ticks of each scatter/chase period for `level`: scatter, chase, scatter, chase, scatter,
/// chase, scatter; chase lasts for ever after the seventh (dossier ch. 2, *Scatter, Chase, Repeat*).
/// The 1033 s / 1037 s chases and the 1/60 s scatter of later levels are kept as-is.
pub const fn schedule(level: u32) -> [u32; 7] {
    match level {
        0 | 1 => [420, 1200, 420, 1200, 300, 1200, 300],
        2..=4 => [420, 1200, 420, 1200, 300, 61_980, 1],
        _ => [300, 1200, 300, 1200, 300, 62_220, 1],
    }
}

/// Personal dot limits of Pinky, Inky and Clyde (dossier ch. 2, *Home Sweet Home*).
pub const fn house_dot_limits(level: u32) -> [u32; 3] {
    match level {
        0 | 1 => [0, 30, 60],
        2 => [0, 0, 50],
        _ => [0, 0, 0],
    }
}

/// Ticks without a dot eaten before the next ghost is forced out: 4 s, 3 s from level 5.
pub const fn idle_release_ticks(level: u32) -> u32 {
    if level < 5 { 240 } else { 180 }
}

/// Global-counter values at which Pinky, Inky and Clyde leave after a life is lost.
pub const GLOBAL_DOT_LIMITS: [u32; 3] = [7, 17, 32];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_one_row() {
        let s = spec(1);
        assert_eq!((s.pacman, s.ghost, s.ghost_tunnel, s.ghost_fright), (80, 75, 40, 50));
        assert_eq!((s.fright_ticks, s.flashes, s.fruit.points()), (360, 5, 100));
        assert_eq!(spec(99), spec(21));
    }
}
