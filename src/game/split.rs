//! Level 256, the "split screen" (dossier ch. 5, *Deciphering The Split Screen*).
//!
//! In the arcade the routine that draws the fruit counter overflows on level 256 and paints the
//! right half of the screen with garbage. The left half plays normally; the right half has no
//! dots but nine, four of them invisible, and walls nobody can see. A level ends only when 244
//! dots have been eaten on it, which this level cannot offer, so it never ends: the nine dots come
//! back with every life lost, and the game ends there.
//!
//! Simplified: the arcade's right half is a different, invisible maze made of the garbage
//! tiles (open areas, one-way turns, lone walls); here Pac-Man and the ghosts keep the normal
//! maze's walls there, hidden under the garbage the renderer draws. The left half keeps all 122
//! of its dots and energizers (the arcade: 114, as the garbage eats into the middle columns).

use super::geom::Tile;
use super::maze::{Cell, Maze};

/// The level that cannot be finished.
pub const SPLIT_LEVEL: u32 = 256;
/// The first column the garbage covers.
pub const SPLIT_COLUMN: i32 = 14;
/// The nine dots of the right half, numbered 1 to 9 in the dossier's picture order.
pub const SPLIT_DOTS: [Tile; 9] = [
    Tile::new(15, 1),
    Tile::new(21, 1),
    Tile::new(26, 5),
    Tile::new(18, 8),
    Tile::new(21, 14),
    Tile::new(21, 20),
    Tile::new(18, 26),
    Tile::new(15, 29),
    Tile::new(26, 29),
];
/// Dots 1, 5, 6 and 9 are invisible (heard when eaten, never seen).
pub const SPLIT_HIDDEN: [Tile; 4] = [SPLIT_DOTS[0], SPLIT_DOTS[4], SPLIT_DOTS[5], SPLIT_DOTS[8]];

/// The maze of level 256 made from `pristine`: the right half emptied but for the nine dots.
pub(crate) fn split_maze(pristine: &Maze) -> Maze {
    let mut maze = pristine.clone();
    let right: Vec<Tile> = pristine
        .tiles()
        .filter(|(t, c)| t.col >= SPLIT_COLUMN && matches!(c, Cell::Dot | Cell::Energizer))
        .map(|(t, _)| t)
        .collect();
    for t in right {
        maze.eat(t);
    }
    restore_right_dots(&mut maze);
    maze
}

/// Puts back whichever of the nine dots were eaten (after a lost life).
pub(crate) fn restore_right_dots(maze: &mut Maze) {
    for t in SPLIT_DOTS {
        maze.put_dot(t);
    }
}
