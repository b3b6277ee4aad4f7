//! A nearest-dot autopilot: the direction a player who goes for the closest dot would hold
//! right now. `pacnet bench-play` uses it twice: as the plan its simulated player follows with
//! the object in front of the camera, and, fed straight into the game, as the "perfect keys"
//! run the closed loop is compared with.
//!
//! A player on a joystick does not press a turn the moment it is planned: held too early, the
//! game's remembered wish would take it at the first junction that opens that way. So the
//! autopilot holds the way Pac-Man is going and shows the next turn only once no junction
//! before it opens in the turn's direction — the moment a player can safely push it.

use std::collections::VecDeque;

use super::geom::{Dir, Tile};
use super::maze::{COLS, Cell, Maze, ROWS};
use super::state::Game;

/// The direction to hold now: the next turn on the shortest path to the nearest dot or
/// energizer, once it cannot be taken too early (module doc), else the way Pac-Man faces.
/// `None` when no dot is left on the board.
#[must_use]
pub fn autopilot(game: &Game) -> Option<Dir> {
    let pac = game.pacman();
    next_turn(game.maze(), pac.pos.tile(), pac.dir)
}

/// [`autopilot`] on a bare maze: Pac-Man on `from`, facing `facing`.
#[must_use]
pub fn next_turn(maze: &Maze, from: Tile, facing: Dir) -> Option<Dir> {
    let path = path_to_nearest_dot(maze, wrap(from), facing)?;
    let steps: Vec<Dir> = path.windows(2).filter_map(|w| step_dir(w[0], w[1])).collect();
    let Some(&first) = steps.first() else { return Some(facing) };
    if first != facing {
        return Some(first);
    }
    // The first step that leaves the current line, at tile `k` of the path.
    let Some(k) = steps.iter().position(|&d| d != facing) else { return Some(facing) };
    let turn = steps.get(k).copied().unwrap_or(facing);
    // Pac-Man would take the turn at any earlier tile that opens that way.
    let early = path.iter().take(k).any(|&t| maze.is_open(wrap(t.step(turn, 1))));
    Some(if early { facing } else { turn })
}

/// The tile with its column brought into the maze (the tunnel wraps).
fn wrap(t: Tile) -> Tile {
    Tile::new(t.col.rem_euclid(COLS), t.row)
}

/// The direction of one step between neighbouring tiles (across the tunnel's wrap too).
fn step_dir(a: Tile, b: Tile) -> Option<Dir> {
    Dir::PRIORITY.into_iter().find(|&d| wrap(a.step(d, 1)) == b)
}

/// Breadth-first search from `from` to the nearest tile holding a dot or an energizer;
/// neighbours are tried straight ahead first, then in the arcade's tie order, so the same game
/// always gives the same path. The path starts at `from`.
fn path_to_nearest_dot(maze: &Maze, from: Tile, facing: Dir) -> Option<Vec<Tile>> {
    let index = |t: Tile| usize::try_from(t.row * COLS + t.col).ok();
    let cells = usize::try_from(ROWS * COLS).unwrap_or(0);
    let mut came: Vec<Option<Tile>> = vec![None; cells];
    let mut queue = VecDeque::from([from]);
    let start = index(from)?;
    *came.get_mut(start)? = Some(from);
    let order = [facing, Dir::Up, Dir::Left, Dir::Down, Dir::Right];
    while let Some(t) = queue.pop_front() {
        if t != from && matches!(maze.cell(t), Cell::Dot | Cell::Energizer) {
            let mut path = vec![t];
            let mut at = t;
            while at != from {
                at = (*came.get(index(at)?)?)?;
                path.push(at);
            }
            path.reverse();
            return Some(path);
        }
        for d in order {
            let n = wrap(t.step(d, 1));
            if !maze.is_open(n) {
                continue;
            }
            if let Some(slot) = index(n).and_then(|i| came.get_mut(i))
                && slot.is_none()
            {
                *slot = Some(t);
                queue.push_back(n);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{Input, Options, PACMAN_START};

    #[test]
    fn it_goes_for_the_nearest_dot_turning_back_if_that_is_nearer() -> Result<(), crate::game::GameError> {
        let maze = Maze::arcade()?;
        let start = PACMAN_START.tile();
        // The nearest dot is one tile right of the start, the next two left: facing right,
        // keep going; facing left (as the game starts), turn back at once.
        assert_eq!(next_turn(&maze, start, Dir::Right), Some(Dir::Right));
        assert_eq!(next_turn(&maze, start, Dir::Left), Some(Dir::Right));
        // One tile further left, the dot on the left is the nearer one.
        assert_eq!(next_turn(&maze, Tile::new(13, 23), Dir::Right), Some(Dir::Left));
        Ok(())
    }

    #[test]
    fn a_turn_is_shown_only_after_the_last_junction_that_would_take_it_early() -> Result<(), crate::game::GameError> {
        // Only one dot left, just above the left end of row 5.
        let game = crate::game::Scenario::new(1).dots_only_on(&[Tile::new(1, 4)]).build()?;
        let maze = game.maze();
        // On row 5 going left towards column 1, Pac-Man must turn up at column 1. Column 6
        // opens upwards too, so right of it the turn is not shown yet.
        assert_eq!(next_turn(maze, Tile::new(9, 5), Dir::Left), Some(Dir::Left));
        assert_eq!(next_turn(maze, Tile::new(5, 5), Dir::Left), Some(Dir::Up));
        // Facing away from the dot with it behind: turn back at once.
        assert_eq!(next_turn(maze, Tile::new(3, 5), Dir::Right), Some(Dir::Left));
        Ok(())
    }

    #[test]
    fn perfect_keys_clear_level_one_and_the_same_game_replays() -> Result<(), crate::game::GameError> {
        let options = Options { invincible: true, ..Options::default() };
        let play = || -> Result<(u32, u64), crate::game::GameError> {
            let mut game = Game::new(7, options)?;
            for _ in 0..60 * 120 {
                let dir = autopilot(&game);
                game.step(Input { dir, ..Input::NONE });
                if game.level() > 1 {
                    break;
                }
            }
            Ok((game.level(), game.tick()))
        };
        let (level, ticks) = play()?;
        assert_eq!(level, 2, "the autopilot clears level 1 within two minutes");
        assert_eq!(play()?, (level, ticks), "deterministic");
        Ok(())
    }
}
