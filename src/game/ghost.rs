//! Who the ghosts are and how they choose their way: target tiles and the intersection rule.
//!
//! Everything here is a pure function of positions, so each rule is tested on its own
//! (dossier ch. 3 *Target Tiles* and *Looking Ahead*, ch. 4 *Meet the Ghosts*).

use super::geom::{Dir, Tile};
use super::maze::Maze;
use super::mode::Mode;
use serde::{Deserialize, Serialize};
use std::ops::{Index, IndexMut};

/// The four ghosts, in the arcade's house-release order after Blinky.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Ghost {
    /// Red, "Shadow": targets Pac-Man's tile.
    Blinky,
    /// Pink, "Speedy": targets four tiles ahead of Pac-Man.
    Pinky,
    /// Cyan, "Bashful": targets twice the vector from Blinky to two tiles ahead of Pac-Man.
    Inky,
    /// Orange, "Pokey": chases when far, retreats to his corner when close.
    Clyde,
}

impl Ghost {
    /// All four, Blinky first.
    pub const ALL: [Ghost; 4] = [Ghost::Blinky, Ghost::Pinky, Ghost::Inky, Ghost::Clyde];

    /// The corner tile this ghost heads for in scatter mode. Each lies outside the maze, above
    /// or below it, so a scattering ghost circles the block nearest its corner.
    pub const fn scatter_target(self) -> Tile {
        match self {
            Ghost::Blinky => Tile::new(25, -3),
            Ghost::Pinky => Tile::new(2, -3),
            Ghost::Inky => Tile::new(27, 32),
            Ghost::Clyde => Tile::new(0, 32),
        }
    }
}

/// One value per ghost, indexed by [`Ghost`] without any way to go out of bounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PerGhost<T> {
    /// Blinky's value.
    pub blinky: T,
    /// Pinky's value.
    pub pinky: T,
    /// Inky's value.
    pub inky: T,
    /// Clyde's value.
    pub clyde: T,
}

impl<T> PerGhost<T> {
    /// Builds each value from its ghost.
    pub fn from_fn(mut f: impl FnMut(Ghost) -> T) -> PerGhost<T> {
        PerGhost { blinky: f(Ghost::Blinky), pinky: f(Ghost::Pinky), inky: f(Ghost::Inky), clyde: f(Ghost::Clyde) }
    }
}

impl<T> Index<Ghost> for PerGhost<T> {
    type Output = T;
    fn index(&self, g: Ghost) -> &T {
        match g {
            Ghost::Blinky => &self.blinky,
            Ghost::Pinky => &self.pinky,
            Ghost::Inky => &self.inky,
            Ghost::Clyde => &self.clyde,
        }
    }
}

impl<T> IndexMut<Ghost> for PerGhost<T> {
    fn index_mut(&mut self, g: Ghost) -> &mut T {
        match g {
            Ghost::Blinky => &mut self.blinky,
            Ghost::Pinky => &mut self.pinky,
            Ghost::Inky => &mut self.inky,
            Ghost::Clyde => &mut self.clyde,
        }
    }
}

/// What a ghost's chase target depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chase {
    /// Pac-Man's tile.
    pub pacman: Tile,
    /// The way Pac-Man faces.
    pub pacman_dir: Dir,
    /// Blinky's tile (Inky's vector starts there).
    pub blinky: Tile,
    /// Reproduce the arcade overflow: "ahead" of an upward Pac-Man is also that far left.
    pub up_quirk: bool,
}

/// The tile `n` ahead of Pac-Man as Pinky and Inky compute it. In the arcade an overflow makes
/// "up" also go `n` tiles left (dossier ch. 4, *Meet the Ghosts*); `up_quirk` keeps that.
pub fn ahead_of_pacman(c: &Chase, n: i32) -> Tile {
    let t = c.pacman.step(c.pacman_dir, n);
    if c.up_quirk && c.pacman_dir == Dir::Up { t.step(Dir::Left, n) } else { t }
}

/// The tile `ghost`, standing on `own`, aims for in chase mode (dossier ch. 4, *Meet the Ghosts*).
pub fn chase_target(ghost: Ghost, own: Tile, c: &Chase) -> Tile {
    match ghost {
        Ghost::Blinky => c.pacman,
        Ghost::Pinky => ahead_of_pacman(c, 4),
        Ghost::Inky => {
            let pivot = ahead_of_pacman(c, 2);
            Tile::new(2 * pivot.col - c.blinky.col, 2 * pivot.row - c.blinky.row)
        }
        // Eight tiles or more away he chases like Blinky; closer, he heads for his corner.
        Ghost::Clyde => {
            if own.dist2(c.pacman) >= 64 {
                c.pacman
            } else {
                Ghost::Clyde.scatter_target()
            }
        }
    }
}

/// The target in `mode`. A Blinky in "Cruise Elroy" keeps chasing through scatter.
pub fn target(ghost: Ghost, own: Tile, mode: Mode, elroy: bool, c: &Chase) -> Tile {
    match mode {
        Mode::Scatter if !(ghost == Ghost::Blinky && elroy) => ghost.scatter_target(),
        _ => chase_target(ghost, own, c),
    }
}

/// The exits a ghost arriving at `tile` while moving `arriving` may take: open, not the way it
/// came, and not up on a no-up tile when `no_up` applies. Listed in tie-break order.
fn exits(maze: &Maze, tile: Tile, arriving: Dir, no_up: bool) -> impl Iterator<Item = Dir> + '_ {
    Dir::PRIORITY.into_iter().filter(move |&d| {
        d != arriving.reverse() && maze.is_open(tile.step(d, 1)) && !(no_up && d == Dir::Up && maze.is_no_up(tile))
    })
}

/// The intersection rule (dossier ch. 3, *Looking Ahead*): of the exits of `tile` other than the
/// reverse of `arriving`, take the one whose next tile is closest in a straight line to
/// `target`; ties go up, left, down, right. `no_up` applies the no-up tiles (scatter and chase
/// only). A dead end, which the arcade maze has none of, turns the ghost around.
pub fn choose_direction(maze: &Maze, tile: Tile, arriving: Dir, target: Tile, no_up: bool) -> Dir {
    let mut best: Option<(i32, Dir)> = None;
    for d in exits(maze, tile, arriving, no_up) {
        let dist = tile.step(d, 1).dist2(target);
        // Strictly less: the earlier direction in PRIORITY keeps a tie.
        if best.is_none_or(|(b, _)| dist < b) {
            best = Some((dist, d));
        }
    }
    best.map_or(arriving.reverse(), |(_, d)| d)
}

/// A frightened ghost's choice: the random `pick` if it is an exit, otherwise the next exit
/// clockwise from it (up, right, down, left): "the code proceeds in a clockwise fashion to the
/// next possible direction" (dossier ch. 2, *Frightening Behavior*).
pub fn frightened_direction(maze: &Maze, tile: Tile, arriving: Dir, pick: Dir) -> Dir {
    let allowed: Vec<Dir> = exits(maze, tile, arriving, false).collect();
    let mut d = pick;
    for _ in 0..4 {
        if allowed.contains(&d) {
            return d;
        }
        d = d.clockwise();
    }
    arriving.reverse()
}
