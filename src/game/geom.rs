//! Directions, tiles and fixed-point positions.
//!
//! The arcade moves sprites in whole pixels (8 per tile) following per-level bit patterns that
//! average to a percentage of 75.757 575… px/s ("The Pac-Man Dossier", *Speed*). That value is
//! exactly 7500/99 px/s, i.e. 125/99 px per 60 Hz tick, so with 396 units per pixel every integer
//! percentage is a whole number of units per tick (`5 × percent`). Positions and speeds are
//! therefore plain integers: no floats, no rounding, the same result on every machine.

use serde::{Deserialize, Serialize};

/// Simulation ticks per second (the arcade's frame rate, rounded as the dossier does).
pub const TICKS_PER_SECOND: u32 = 60;
/// Fixed-point units per arcade pixel; chosen so every speed percentage is exact (module doc).
pub const UNITS_PER_PIXEL: i32 = 396;
/// Arcade pixels per tile.
pub const PIXELS_PER_TILE: i32 = 8;
/// Fixed-point units per tile (8 px × 396).
pub const UNITS_PER_TILE: i32 = UNITS_PER_PIXEL * PIXELS_PER_TILE;
const HALF_TILE: i32 = UNITS_PER_TILE / 2;

/// Distance covered in one tick at `percent` of the dossier's 100 % speed, in units.
///
/// 100 % is 75.757 575… px/s = 125/99 px per tick = 500 units per tick.
pub const fn speed_units(percent: u32) -> i32 {
    // Percentages in the tables are at most a few hundred, far from overflow.
    5 * percent as i32
}

/// One of the four ways to move, declared in the arcade's tie-break order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Dir {
    /// Towards row 0.
    Up,
    /// Towards column 0.
    Left,
    /// Towards the last row.
    Down,
    /// Towards the last column.
    Right,
}

impl Dir {
    /// Ghosts break distance ties in this order (dossier ch. 3: up, left, down, right).
    pub const PRIORITY: [Dir; 4] = [Dir::Up, Dir::Left, Dir::Down, Dir::Right];

    /// The opposite direction.
    pub const fn reverse(self) -> Dir {
        match self {
            Dir::Up => Dir::Down,
            Dir::Left => Dir::Right,
            Dir::Down => Dir::Up,
            Dir::Right => Dir::Left,
        }
    }

    /// The next direction clockwise on screen: up, right, down, left, up.
    pub const fn clockwise(self) -> Dir {
        match self {
            Dir::Up => Dir::Right,
            Dir::Right => Dir::Down,
            Dir::Down => Dir::Left,
            Dir::Left => Dir::Up,
        }
    }

    /// Unit step as (column, row) deltas; rows grow downwards.
    pub const fn delta(self) -> (i32, i32) {
        match self {
            Dir::Up => (0, -1),
            Dir::Left => (-1, 0),
            Dir::Down => (0, 1),
            Dir::Right => (1, 0),
        }
    }

    /// True for left and right.
    pub const fn is_horizontal(self) -> bool {
        matches!(self, Dir::Left | Dir::Right)
    }
}

/// A maze cell, in columns and rows from the top-left. May lie outside the maze (ghost targets do).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tile {
    /// Column, 0 at the left edge.
    pub col: i32,
    /// Row, 0 at the top of the maze (the arcade screen's row 3).
    pub row: i32,
}

impl Tile {
    /// A tile from its column and row.
    pub const fn new(col: i32, row: i32) -> Tile {
        Tile { col, row }
    }

    /// The neighbour `n` tiles away in `dir` (no wrapping: targets may be off the maze).
    pub const fn step(self, dir: Dir, n: i32) -> Tile {
        let (dc, dr) = dir.delta();
        Tile::new(self.col + dc * n, self.row + dr * n)
    }

    /// Squared straight-line distance, the measure ghosts use (dossier ch. 3, *Target Tiles*).
    pub const fn dist2(self, other: Tile) -> i32 {
        let dc = self.col - other.col;
        let dr = self.row - other.row;
        dc * dc + dr * dr
    }

    /// The position of this tile's centre.
    pub const fn center(self) -> Pos {
        Pos::new(self.col * UNITS_PER_TILE + HALF_TILE, self.row * UNITS_PER_TILE + HALF_TILE)
    }
}

/// A sprite's centre in fixed-point units ([`UNITS_PER_TILE`] per tile), origin at the maze's
/// top-left corner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pos {
    /// Horizontal position in units.
    pub x: i32,
    /// Vertical position in units, growing downwards.
    pub y: i32,
}

impl Pos {
    /// A position from its coordinates in units.
    pub const fn new(x: i32, y: i32) -> Pos {
        Pos { x, y }
    }

    /// The tile containing this point; a point on a boundary belongs to the right/lower tile.
    pub const fn tile(self) -> Tile {
        Tile::new(self.x.div_euclid(UNITS_PER_TILE), self.y.div_euclid(UNITS_PER_TILE))
    }

    /// Position in tiles as floats, for drawing only.
    pub fn to_tiles(self) -> (f32, f32) {
        (self.x as f32 / UNITS_PER_TILE as f32, self.y as f32 / UNITS_PER_TILE as f32)
    }

    /// Coordinate along `dir`'s axis.
    pub(crate) const fn along(self, dir: Dir) -> i32 {
        if dir.is_horizontal() { self.x } else { self.y }
    }

    /// Moves `dist` units in `dir`.
    pub(crate) const fn moved(self, dir: Dir, dist: i32) -> Pos {
        let (dx, dy) = dir.delta();
        Pos::new(self.x + dx * dist, self.y + dy * dist)
    }
}

/// Units from `pos` to the next tile centre strictly ahead in `dir`.
///
/// "Strictly": a sprite standing on a centre has already made that centre's decision, so the
/// next one is a whole tile away.
pub(crate) const fn to_next_center(pos: Pos, dir: Dir) -> i32 {
    let r = pos.along(dir).rem_euclid(UNITS_PER_TILE);
    match dir {
        Dir::Right | Dir::Down => {
            if r < HALF_TILE {
                HALF_TILE - r
            } else {
                UNITS_PER_TILE - r + HALF_TILE
            }
        }
        Dir::Left | Dir::Up => {
            if r > HALF_TILE {
                r - HALF_TILE
            } else {
                r + HALF_TILE
            }
        }
    }
}

/// Moves `value` towards `goal` by at most `step`.
pub(crate) const fn approach(value: i32, goal: i32, step: i32) -> i32 {
    if value < goal {
        if goal - value < step { goal } else { value + step }
    } else if value - goal < step {
        goal
    } else {
        value - step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundred_percent_is_75_757575_px_per_second() {
        // 500 units/tick × 60 ticks / 396 units/px = 75.7575… px/s.
        let px_per_s = f64::from(speed_units(100)) * 60.0 / f64::from(UNITS_PER_PIXEL);
        assert!((px_per_s - 75.757_575_75).abs() < 1e-6, "{px_per_s}");
    }

    #[test]
    fn next_center_is_strictly_ahead() {
        let c = Tile::new(3, 3).center();
        assert_eq!(to_next_center(c, Dir::Left), UNITS_PER_TILE);
        assert_eq!(to_next_center(c.moved(Dir::Left, 10), Dir::Left), UNITS_PER_TILE - 10);
        assert_eq!(to_next_center(c.moved(Dir::Left, 10), Dir::Right), 10);
        assert_eq!(to_next_center(Pos::new(14 * UNITS_PER_TILE, 0), Dir::Left), HALF_TILE);
    }
}
