//! Pac-Man's movement: turning, cornering, stopping at walls.
//!
//! Pac-Man may turn onto any open neighbour of the tile his centre is in, a few pixels before
//! or after its centre. While he has not reached the centre line of the new corridor he moves
//! diagonally, both along the new direction and towards that line, which is why cornering gains
//! ground on the ghosts (dossier ch. 2, *Cornering*). He may reverse at any moment. Eating a dot
//! costs him one tick of standing still, an energizer three (dossier ch. 2, *Speed*), which is how the
//! table's slower "dot-eating" speed comes about.

use super::geom::{Dir, Pos, UNITS_PER_TILE, approach};
use super::maze::{COLS, Maze, PACMAN_START};

const MAZE_WIDTH: i32 = COLS * UNITS_PER_TILE;

/// Pac-Man's state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Pacman {
    pub(crate) pos: Pos,
    pub(crate) dir: Dir,
    /// Moved on the last tick (false while blocked by a wall or stopped to eat).
    pub(crate) moving: bool,
    /// Ticks left standing still after eating.
    pub(crate) stall: u8,
    /// Ticks spent moving, for the mouth animation.
    pub(crate) anim: u32,
}

impl Pacman {
    /// At the start position, facing left (the arcade's start).
    pub(crate) fn start() -> Pacman {
        Pacman { pos: PACMAN_START, dir: Dir::Left, moving: false, stall: 0, anim: 0 }
    }

    /// Turns towards `wish` if the maze allows it now; returns whether the wish was taken.
    pub(crate) fn steer(&mut self, maze: &Maze, wish: Option<Dir>) -> bool {
        let Some(w) = wish else { return false };
        if w == self.dir || w == self.dir.reverse() || maze.is_open(self.pos.tile().step(w, 1)) {
            self.dir = w;
            return true;
        }
        false
    }

    /// Moves `dist` units: along the direction up to the tile centre if a wall is ahead, and
    /// towards the centre line of the corridor on the other axis (the cornering correction).
    pub(crate) fn advance(&mut self, maze: &Maze, dist: i32) {
        let before = self.pos;
        let tile = self.pos.tile();
        let center = tile.center();
        if self.dir.is_horizontal() {
            self.pos.y = approach(self.pos.y, center.y, dist);
        } else {
            self.pos.x = approach(self.pos.x, center.x, dist);
        }
        let mut next = self.pos.moved(self.dir, dist);
        if !maze.is_open(tile.step(self.dir, 1)) {
            // Stop on the centre line in front of the wall, never beyond it.
            next = match self.dir {
                Dir::Right => Pos::new(next.x.min(center.x.max(self.pos.x)), next.y),
                Dir::Left => Pos::new(next.x.max(center.x.min(self.pos.x)), next.y),
                Dir::Down => Pos::new(next.x, next.y.min(center.y.max(self.pos.y))),
                Dir::Up => Pos::new(next.x, next.y.max(center.y.min(self.pos.y))),
            };
        }
        next.x = next.x.rem_euclid(MAZE_WIDTH);
        self.pos = next;
        self.moving = self.pos != before;
        if self.moving {
            self.anim = self.anim.wrapping_add(1);
        }
    }
}
