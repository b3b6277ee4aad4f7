//! A ghost's body: where it is, what it is doing, and how it moves through one tick.
//!
//! Roaming ghosts travel from tile centre to tile centre. On reaching a centre a ghost takes the
//! turn it planned earlier and at once plans the turn for the next tile, so it always decides
//! one tile ahead (dossier ch. 3, *Looking Ahead*). The arcade makes both the plan and a forced
//! reversal on tile entry, half a tile before the centre; here both happen at the centre, a
//! half-tile difference in timing that keeps the rules identical. Inside the house ghosts bob
//! up and down and follow a fixed path out through the door; eaten ghosts' eyes steer for the
//! tile above the door, drop through it, and turn back into a ghost in the middle of the house
//! (dossier ch. 2, *Home Sweet Home*). Eyes of Inky and Clyde revive in the middle rather than
//! walking to their own side first (simplification).

use super::geom::{Dir, Pos, Tile, UNITS_PER_TILE, to_next_center};
use super::ghost::{Ghost, choose_direction, frightened_direction};
use super::maze::{COLS, HOUSE_CENTER, HOUSE_DOOR_TARGET, HOUSE_EXIT, Maze};
use super::rng::Rng;
use serde::{Deserialize, Serialize};

const MAZE_WIDTH: i32 = COLS * UNITS_PER_TILE;
const HALF_TILE: i32 = UNITS_PER_TILE / 2;

/// What a ghost is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GhostState {
    /// Waiting in the house, bobbing up and down.
    InHouse,
    /// On the fixed path from its house spot out through the door.
    LeavingHouse,
    /// In the maze, scattering, chasing or frightened.
    Roaming,
    /// Eaten: only the eyes, hurrying back to the door.
    Eyes,
    /// Eyes dropping through the door to the middle of the house.
    EnteringHouse,
}

/// What happened to a ghost during its move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Moved {
    Nothing,
    /// Stepped out of the door into the maze.
    LeftHouse,
    /// Eyes reached the middle of the house and became a ghost again.
    Revived,
}

/// One ghost's full state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Actor {
    pub(crate) id: Ghost,
    pub(crate) pos: Pos,
    pub(crate) dir: Dir,
    /// The turn to take at the next tile centre.
    pub(crate) next_dir: Dir,
    pub(crate) state: GhostState,
    pub(crate) frightened: bool,
    /// A mode change asked for a reversal; roaming ghosts turn back at the next centre, ghosts in
    /// the house leave to the right instead of the left.
    pub(crate) reverse_pending: bool,
}

impl Actor {
    /// At the arcade start: Blinky above the door facing left, the others in the house.
    pub(crate) fn start(id: Ghost) -> Actor {
        let (pos, dir, state) = match id {
            Ghost::Blinky => (HOUSE_EXIT, Dir::Left, GhostState::Roaming),
            Ghost::Pinky => (HOUSE_CENTER, Dir::Down, GhostState::InHouse),
            Ghost::Inky => {
                (Pos::new(HOUSE_CENTER.x - 2 * UNITS_PER_TILE, HOUSE_CENTER.y), Dir::Up, GhostState::InHouse)
            }
            Ghost::Clyde => {
                (Pos::new(HOUSE_CENTER.x + 2 * UNITS_PER_TILE, HOUSE_CENTER.y), Dir::Up, GhostState::InHouse)
            }
        };
        Actor { id, pos, dir, next_dir: dir, state, frightened: false, reverse_pending: false }
    }

    /// The tile used for targeting and collisions.
    pub(crate) fn tile(&self) -> Tile {
        self.pos.tile()
    }

    /// Chooses the turn at the next centre ahead. Called after anything that changes the way
    /// the ghost is heading outside the normal centre-to-centre rhythm.
    pub(crate) fn plan(&mut self, maze: &Maze, target: Tile, rng: &mut Rng) {
        let ahead = self.pos.moved(self.dir, to_next_center(self.pos, self.dir)).tile();
        self.next_dir = self.decide(maze, ahead, target, rng);
    }

    fn decide(&self, maze: &Maze, tile: Tile, target: Tile, rng: &mut Rng) -> Dir {
        let tile = Tile::new(tile.col.rem_euclid(COLS), tile.row);
        match self.state {
            GhostState::Eyes => choose_direction(maze, tile, self.dir, HOUSE_DOOR_TARGET, false),
            _ if self.frightened => frightened_direction(maze, tile, self.dir, rng.dir()),
            _ => choose_direction(maze, tile, self.dir, target, true),
        }
    }

    /// Moves `dist` units. `target` is the chase/scatter target for a roaming ghost.
    pub(crate) fn step(&mut self, maze: &Maze, dist: i32, target: Tile, rng: &mut Rng) -> Moved {
        match self.state {
            GhostState::InHouse => {
                self.bob(dist);
                Moved::Nothing
            }
            GhostState::LeavingHouse => self.leave(maze, dist, target, rng),
            GhostState::EnteringHouse => {
                let mut budget = dist;
                if self.walk(false, HOUSE_CENTER.y, &mut budget) {
                    self.state = GhostState::LeavingHouse;
                    self.frightened = false;
                    self.reverse_pending = false;
                    return Moved::Revived;
                }
                Moved::Nothing
            }
            GhostState::Roaming | GhostState::Eyes => {
                self.roam(maze, dist, target, rng);
                Moved::Nothing
            }
        }
    }

    fn bob(&mut self, dist: i32) {
        let (top, bottom) = (HOUSE_CENTER.y - HALF_TILE, HOUSE_CENTER.y + HALF_TILE);
        let goal = if self.dir == Dir::Up { top } else { bottom };
        let mut budget = dist;
        if self.walk(false, goal, &mut budget) {
            self.dir = self.dir.reverse();
        }
    }

    /// Centre row, then the middle column, then up through the door; out to the left unless a
    /// mode change happened meanwhile (dossier ch. 2, *Home Sweet Home*).
    fn leave(&mut self, maze: &Maze, dist: i32, target: Tile, rng: &mut Rng) -> Moved {
        let mut budget = dist;
        if self.pos.x != HOUSE_EXIT.x
            && !(self.walk(false, HOUSE_CENTER.y, &mut budget) && self.walk(true, HOUSE_EXIT.x, &mut budget))
        {
            return Moved::Nothing;
        }
        if !self.walk(false, HOUSE_EXIT.y, &mut budget) {
            return Moved::Nothing;
        }
        self.state = GhostState::Roaming;
        self.dir = if self.reverse_pending { Dir::Right } else { Dir::Left };
        self.reverse_pending = false;
        self.plan(maze, target, rng);
        Moved::LeftHouse
    }

    /// Walks along one axis towards `goal`, spending `budget`; true once there.
    fn walk(&mut self, horizontal: bool, goal: i32, budget: &mut i32) -> bool {
        let here = if horizontal { self.pos.x } else { self.pos.y };
        if here == goal {
            return true;
        }
        self.dir = match (horizontal, goal > here) {
            (true, true) => Dir::Right,
            (true, false) => Dir::Left,
            (false, true) => Dir::Down,
            (false, false) => Dir::Up,
        };
        let step = (goal - here).abs().min(*budget);
        *budget -= step;
        self.pos = self.pos.moved(self.dir, step);
        step == (goal - here).abs()
    }

    fn roam(&mut self, maze: &Maze, dist: i32, target: Tile, rng: &mut Rng) {
        let mut remaining = dist;
        while remaining > 0 {
            let to_center = to_next_center(self.pos, self.dir);
            let step = remaining.min(to_center);
            if self.advance(step) {
                return;
            }
            remaining -= step;
            if step == to_center {
                self.at_center(maze, target, rng);
            }
        }
    }

    /// Moves straight on; true if eyes just reached the door and started entering.
    fn advance(&mut self, step: i32) -> bool {
        let before = self.pos.x;
        self.pos = self.pos.moved(self.dir, step);
        let after = self.pos.x;
        let door = HOUSE_EXIT.x;
        let at_door_row = self.pos.y == HOUSE_EXIT.y;
        if self.state == GhostState::Eyes
            && at_door_row
            && ((before < door && after >= door) || (before > door && after <= door))
        {
            self.pos.x = door;
            self.state = GhostState::EnteringHouse;
            self.dir = Dir::Down;
            return true;
        }
        self.pos.x = self.pos.x.rem_euclid(MAZE_WIDTH);
        false
    }

    fn at_center(&mut self, maze: &Maze, target: Tile, rng: &mut Rng) {
        if self.reverse_pending && self.state == GhostState::Roaming {
            self.dir = self.dir.reverse();
            self.reverse_pending = false;
        } else {
            self.dir = self.next_dir;
        }
        let ahead = self.tile().step(self.dir, 1);
        self.next_dir = self.decide(maze, ahead, target, rng);
    }
}
