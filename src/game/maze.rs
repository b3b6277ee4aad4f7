//! The 28 × 31 maze: parsing the text layout, the dots left, and the arcade's fixed landmarks.
//!
//! Layout characters (one line per row, 31 lines of 28 characters):
//!
//! | char | cell |
//! |---|---|
//! | `#` | wall |
//! | `.` | dot (10 points) |
//! | `o` | energizer (50 points) |
//! | `_` | open floor without a dot |
//! | `=` | tunnel floor: open, ghosts slow down here |
//! | `-` | ghost-house door: a wall for everyone but ghosts entering or leaving |
//! | ` ` | outside the maze: neither walkable nor drawn |
//!
//! Rows wrap around horizontally, which only matters on rows whose edge cells are open (the
//! tunnel). Landmarks that the dossier fixes by coordinate (start tiles, the door, the no-up
//! tiles, the fruit spot) are constants here, in maze rows: the dossier's screen rows minus 3.

use super::geom::{Pos, Tile, UNITS_PER_TILE};
use thiserror::Error;

/// Maze width in tiles.
pub const COLS: i32 = 28;
/// Maze height in tiles.
pub const ROWS: i32 = 31;

/// The arcade layout shipped with the game.
pub const ARCADE_LAYOUT: &str = include_str!("../../assets/maze.txt");

/// Where Pac-Man starts: between tiles (13, 23) and (14, 23), facing left.
pub const PACMAN_START: Pos = Pos::new(14 * UNITS_PER_TILE, 23 * UNITS_PER_TILE + UNITS_PER_TILE / 2);
/// The point above the door where ghosts leave the house and eyes enter it (x = 13.5 tiles).
pub const HOUSE_EXIT: Pos = Pos::new(14 * UNITS_PER_TILE, 11 * UNITS_PER_TILE + UNITS_PER_TILE / 2);
/// The middle of the ghost house, where eyes turn back into ghosts.
pub const HOUSE_CENTER: Pos = Pos::new(14 * UNITS_PER_TILE, 14 * UNITS_PER_TILE + UNITS_PER_TILE / 2);
/// The tile eyes steer for: the left one of the two above the door.
pub const HOUSE_DOOR_TARGET: Tile = Tile::new(13, 11);
/// Where fruit appears: below the house, between tiles (13, 17) and (14, 17).
pub const FRUIT_POS: Pos = Pos::new(14 * UNITS_PER_TILE, 17 * UNITS_PER_TILE + UNITS_PER_TILE / 2);
/// The four tiles where ghosts may not turn up in scatter or chase (dossier ch. 3, *Areas To
/// Exploit*: the T-junctions above the house and above Pac-Man's start).
pub const NO_UP_TILES: [Tile; 4] = [Tile::new(12, 11), Tile::new(15, 11), Tile::new(12, 23), Tile::new(15, 23)];

/// What a maze cell holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cell {
    /// Solid wall.
    Wall,
    /// Outside the playfield; treated like wall but not drawn as one.
    Void,
    /// Open floor without a dot.
    Open,
    /// Open floor with a dot.
    Dot,
    /// Open floor with an energizer.
    Energizer,
    /// Tunnel floor (open, slows ghosts).
    Tunnel,
    /// Ghost-house door.
    Door,
}

impl Cell {
    /// Pac-Man and roaming ghosts may stand here.
    pub const fn is_open(self) -> bool {
        matches!(self, Cell::Open | Cell::Dot | Cell::Energizer | Cell::Tunnel)
    }

    /// Drawn as part of the walls (used by the renderer's outline).
    pub const fn is_solid(self) -> bool {
        matches!(self, Cell::Wall | Cell::Void)
    }
}

/// A layout that could not be read, naming the line and column (both 1-based).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum MazeError {
    /// The text does not have 31 lines.
    #[error("maze has {found} lines, expected {ROWS}")]
    LineCount {
        /// Lines found.
        found: usize,
    },
    /// A line is not 28 characters long.
    #[error("maze line {line}: {found} characters, expected {COLS}")]
    LineWidth {
        /// 1-based line number.
        line: usize,
        /// Characters found.
        found: usize,
    },
    /// A character outside the legend.
    #[error("maze line {line}, column {column}: unknown character {ch:?} (use one of # . o _ = - or space)")]
    BadChar {
        /// 1-based line number.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The offending character.
        ch: char,
    },
    /// A landmark the rules rely on is not the right kind of cell.
    #[error("maze line {line}, column {column}: {what}")]
    Landmark {
        /// 1-based line number.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was expected there.
        what: &'static str,
    },
}

/// The maze cells, including which dots are still there.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Maze {
    cells: Vec<Cell>,
    dots_left: u32,
}

impl Maze {
    /// The arcade maze from `assets/maze.txt`.
    pub fn arcade() -> Result<Maze, MazeError> {
        Maze::parse(ARCADE_LAYOUT)
    }

    /// Reads a layout (see the module doc for the legend). A trailing newline is fine; `\r\n`
    /// line ends are accepted.
    pub fn parse(text: &str) -> Result<Maze, MazeError> {
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() != ROWS as usize {
            return Err(MazeError::LineCount { found: lines.len() });
        }
        let mut cells = Vec::with_capacity((COLS * ROWS) as usize);
        for (i, line) in lines.iter().enumerate() {
            let width = line.chars().count();
            if width != COLS as usize {
                return Err(MazeError::LineWidth { line: i + 1, found: width });
            }
            for (j, ch) in line.chars().enumerate() {
                let cell = match ch {
                    '#' => Cell::Wall,
                    ' ' => Cell::Void,
                    '_' => Cell::Open,
                    '.' => Cell::Dot,
                    'o' => Cell::Energizer,
                    '=' => Cell::Tunnel,
                    '-' => Cell::Door,
                    _ => return Err(MazeError::BadChar { line: i + 1, column: j + 1, ch }),
                };
                cells.push(cell);
            }
        }
        let dots_left = cells.iter().filter(|c| matches!(c, Cell::Dot | Cell::Energizer)).count() as u32;
        let maze = Maze { cells, dots_left };
        maze.check_landmarks()?;
        Ok(maze)
    }

    fn check_landmarks(&self) -> Result<(), MazeError> {
        let open = |t: Tile, what| self.expect(t, what, Cell::is_open);
        open(PACMAN_START.tile(), "Pac-Man's start (right half) must be open")?;
        open(Tile::new(13, 23), "Pac-Man's start (left half) must be open")?;
        open(Tile::new(13, 11), "the tile above the house door must be open")?;
        open(Tile::new(14, 11), "the tile above the house door must be open")?;
        open(FRUIT_POS.tile(), "the fruit spot must be open")?;
        let door = |c: Cell| c == Cell::Door;
        self.expect(Tile::new(13, 12), "the house door must be '-'", door)?;
        self.expect(Tile::new(14, 12), "the house door must be '-'", door)
    }

    fn expect(&self, t: Tile, what: &'static str, ok: fn(Cell) -> bool) -> Result<(), MazeError> {
        if ok(self.cell(t)) {
            Ok(())
        } else {
            Err(MazeError::Landmark { line: t.row as usize + 1, column: t.col as usize + 1, what })
        }
    }

    fn index(t: Tile) -> Option<usize> {
        if !(0..ROWS).contains(&t.row) {
            return None;
        }
        // Columns wrap: the tunnel connects the left and right edges.
        Some((t.row * COLS + t.col.rem_euclid(COLS)) as usize)
    }

    /// The cell at `t`; columns wrap, rows outside the maze are [`Cell::Void`].
    pub fn cell(&self, t: Tile) -> Cell {
        Maze::index(t).and_then(|i| self.cells.get(i)).copied().unwrap_or(Cell::Void)
    }

    /// Pac-Man and roaming ghosts may enter `t`.
    pub fn is_open(&self, t: Tile) -> bool {
        self.cell(t).is_open()
    }

    /// Ghosts move at tunnel speed on `t`.
    pub fn is_tunnel(&self, t: Tile) -> bool {
        self.cell(t) == Cell::Tunnel
    }

    /// Ghosts in scatter or chase may not turn up at `t`.
    pub fn is_no_up(&self, t: Tile) -> bool {
        NO_UP_TILES.contains(&t)
    }

    /// Dots and energizers still on the board.
    pub fn dots_left(&self) -> u32 {
        self.dots_left
    }

    /// Removes the dot or energizer at `t`, returning what was there.
    pub(crate) fn eat(&mut self, t: Tile) -> Option<Cell> {
        let i = Maze::index(t)?;
        let cell = self.cells.get_mut(i)?;
        match *cell {
            Cell::Dot | Cell::Energizer => {
                let was = *cell;
                *cell = Cell::Open;
                self.dots_left = self.dots_left.saturating_sub(1);
                Some(was)
            }
            _ => None,
        }
    }

    /// Puts a dot on the open floor at `t` (the split screen's respawning dots); false if `t`
    /// is not open floor without a dot.
    pub(crate) fn put_dot(&mut self, t: Tile) -> bool {
        let Some(cell) = Maze::index(t).and_then(|i| self.cells.get_mut(i)) else { return false };
        if *cell != Cell::Open {
            return false;
        }
        *cell = Cell::Dot;
        self.dots_left += 1;
        true
    }

    /// Every tile with its cell, row by row, for drawing and tests.
    pub fn tiles(&self) -> impl Iterator<Item = (Tile, Cell)> + '_ {
        self.cells.iter().enumerate().map(|(i, c)| {
            let i = i as i32;
            (Tile::new(i % COLS, i / COLS), *c)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tunnel_row_wraps() -> Result<(), MazeError> {
        let m = Maze::arcade()?;
        assert!(m.is_open(Tile::new(-1, 14)));
        assert!(m.is_tunnel(Tile::new(28, 14)));
        assert!(!m.is_open(Tile::new(-1, 13)));
        assert_eq!(m.cell(Tile::new(5, -1)), Cell::Void);
        Ok(())
    }
}
