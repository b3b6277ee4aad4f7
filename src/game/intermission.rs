//! The cut-scenes between levels: which one follows which level, how long it lasts, and where
//! every sprite is on each of its ticks.
//!
//! The arcade plays three short scenes, chosen by the level just cleared (the jump table at
//! #0A45 of the documented disassembly cited in `event.rs`): the first after level 2, the second
//! after level 5, the third after levels 9, 13 and 17. The choreography here is our own
//! rendition of the same three gags, not a frame-by-frame copy: a scene is a pure function of its
//! tick, so the renderer draws [`Cutscene::scene`] and tests check it without a window.

use super::geom::{Dir, Pos, Tile, UNITS_PER_TILE, speed_units};
use super::ghost::Ghost;
use serde::{Deserialize, Serialize};

/// One of the three cut-scenes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Cutscene {
    /// "The chase": Blinky chases Pac-Man off the screen, then a giant Pac-Man chases a blue
    /// Blinky back.
    One,
    /// "The snag": Blinky's sheet catches on a nail and tears.
    Two,
    /// "The patch": Blinky, his sheet patched, chases Pac-Man, then walks back without it.
    Three,
}

/// How a ghost looks in a scene.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Look {
    /// As in the maze.
    Normal,
    /// Blue and frightened.
    Frightened,
    /// The sheet caught on the nail and stretched backwards by this many units.
    Snagged {
        /// How far the caught hem trails behind the body.
        stretch: i32,
    },
    /// The sheet torn open.
    Torn,
    /// The sheet stitched up.
    Patched,
    /// No sheet at all: a bare body with legs.
    Naked,
}

/// What a scene sprite is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    /// Pac-Man; `big` is the giant of the first scene.
    Pacman {
        /// Three times the normal size.
        big: bool,
    },
    /// A ghost.
    Ghost {
        /// Which one.
        ghost: Ghost,
        /// How it looks.
        look: Look,
    },
    /// The nail of the second scene.
    Nail,
    /// The sheet Blinky drags behind him in the third scene.
    Sheet,
}

/// One sprite of a scene on one tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sprite {
    /// What to draw.
    pub figure: Figure,
    /// Its centre, in maze units (it may lie beyond the maze's left or right edge).
    pub pos: Pos,
    /// The way it faces.
    pub dir: Dir,
    /// Whether it is walking (animated) rather than standing.
    pub moving: bool,
}

/// Everything on screen during one tick of a cut-scene.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scene {
    /// Back to front.
    pub sprites: Vec<Sprite>,
}

/// The row the scenes play on: the one with the fruit, across the middle of the screen.
const ROW: i32 = 17;
/// Off-screen start and end columns, far enough out for the giant Pac-Man.
const RIGHT_OUT: i32 = 31;
const LEFT_OUT: i32 = -4;

/// Act one: Pac-Man from the right at 100 %, Blinky three tiles behind at 105 %; when Blinky
/// is off the left edge, he comes back blue at 50 % with the giant Pac-Man four tiles behind.
const ONE_OUT: u32 = ticks_to_cross(RIGHT_OUT + 3 - LEFT_OUT, 105);
const ONE_BACK: u32 = ticks_to_cross(RIGHT_OUT - LEFT_OUT + 5, 50);

/// Act two: the chase, the snag at the nail, the stretch, the tear, a long look.
const NAIL_COL: i32 = 13;
const TWO_SNAG: u32 = ticks_to_cross(RIGHT_OUT + 3 - NAIL_COL, 105);
const TWO_STRETCH: u32 = 90;
const TWO_LOOK: u32 = 150;

/// Act three: the chase, a pause, then the walk back.
const THREE_OUT: u32 = ONE_OUT;
const THREE_PAUSE: u32 = 45;
const THREE_BACK: u32 = ticks_to_cross(RIGHT_OUT - LEFT_OUT + 2, 60);

/// Ticks to cover `tiles` at `percent`, rounded up.
const fn ticks_to_cross(tiles: i32, percent: u32) -> u32 {
    let units = tiles * UNITS_PER_TILE;
    let per_tick = speed_units(percent);
    ((units + per_tick - 1) / per_tick) as u32
}

/// The column-`col` position on the scene row, shifted by `units`.
const fn at(col: i32, units: i32) -> Pos {
    let c = Tile::new(col, ROW).center();
    Pos::new(c.x + units, c.y)
}

/// Where something is `t` ticks after leaving `col`, heading `dir` at `percent`.
fn walk(col: i32, dir: Dir, percent: u32, t: u32) -> Pos {
    let dist = speed_units(percent) * i32::try_from(t).unwrap_or(i32::MAX / 1024);
    at(col, if dir == Dir::Left { -dist } else { dist })
}

fn pacman(big: bool, pos: Pos, dir: Dir) -> Sprite {
    Sprite { figure: Figure::Pacman { big }, pos, dir, moving: true }
}

fn blinky(look: Look, pos: Pos, dir: Dir, moving: bool) -> Sprite {
    Sprite { figure: Figure::Ghost { ghost: Ghost::Blinky, look }, pos, dir, moving }
}

impl Cutscene {
    /// The scene that follows `level`, if any: 2, 5, then 9, 13 and 17.
    pub const fn after_level(level: u32) -> Option<Cutscene> {
        match level {
            2 => Some(Cutscene::One),
            5 => Some(Cutscene::Two),
            9 | 13 | 17 => Some(Cutscene::Three),
            _ => None,
        }
    }

    /// Its number, 1 to 3.
    pub const fn number(self) -> u8 {
        match self {
            Cutscene::One => 1,
            Cutscene::Two => 2,
            Cutscene::Three => 3,
        }
    }

    /// Its length in ticks.
    pub const fn ticks(self) -> u32 {
        match self {
            Cutscene::One => ONE_OUT + ONE_BACK,
            Cutscene::Two => TWO_SNAG + TWO_STRETCH + TWO_LOOK,
            Cutscene::Three => THREE_OUT + THREE_PAUSE + THREE_BACK,
        }
    }

    /// What is on screen `tick` ticks into the scene (the last frame once it is over).
    pub fn scene(self, tick: u32) -> Scene {
        let t = tick.min(self.ticks().saturating_sub(1));
        let sprites = match self {
            Cutscene::One => act_one(t),
            Cutscene::Two => act_two(t),
            Cutscene::Three => act_three(t),
        };
        Scene { sprites }
    }
}

fn act_one(t: u32) -> Vec<Sprite> {
    if t < ONE_OUT {
        let pac = walk(RIGHT_OUT, Dir::Left, 100, t);
        let ghost = walk(RIGHT_OUT + 3, Dir::Left, 105, t);
        return vec![pacman(false, pac, Dir::Left), blinky(Look::Normal, ghost, Dir::Left, true)];
    }
    let t = t - ONE_OUT;
    let ghost = walk(LEFT_OUT, Dir::Right, 50, t);
    let giant = walk(LEFT_OUT - 5, Dir::Right, 50, t);
    vec![blinky(Look::Frightened, ghost, Dir::Right, true), pacman(true, giant, Dir::Right)]
}

fn act_two(t: u32) -> Vec<Sprite> {
    let nail = Sprite { figure: Figure::Nail, pos: at(NAIL_COL, 0), dir: Dir::Left, moving: false };
    let pac = pacman(false, walk(RIGHT_OUT, Dir::Left, 100, t), Dir::Left);
    if t < TWO_SNAG {
        let ghost = walk(RIGHT_OUT + 3, Dir::Left, 105, t);
        return vec![nail, pac, blinky(Look::Normal, ghost, Dir::Left, true)];
    }
    let snag = at(NAIL_COL, 0);
    let s = t - TWO_SNAG;
    if s < TWO_STRETCH {
        // The body creeps on at a tenth of its speed while the hem stays on the nail.
        let ahead = speed_units(10) * i32::try_from(s).unwrap_or(0);
        let body = Pos::new(snag.x - ahead, snag.y);
        return vec![nail, pac, blinky(Look::Snagged { stretch: ahead }, body, Dir::Left, true)];
    }
    let body = Pos::new(snag.x - speed_units(10) * TWO_STRETCH as i32, snag.y);
    let l = s - TWO_STRETCH;
    // Torn free: he looks back at the tear, then at the player.
    let dir = if l < TWO_LOOK / 2 { Dir::Right } else { Dir::Down };
    vec![nail, pac, blinky(Look::Torn, body, dir, false)]
}

fn act_three(t: u32) -> Vec<Sprite> {
    if t < THREE_OUT {
        let pac = walk(RIGHT_OUT, Dir::Left, 100, t);
        let ghost = walk(RIGHT_OUT + 3, Dir::Left, 105, t);
        return vec![pacman(false, pac, Dir::Left), blinky(Look::Patched, ghost, Dir::Left, true)];
    }
    let t = t - THREE_OUT;
    if t < THREE_PAUSE {
        return Vec::new();
    }
    let body = walk(LEFT_OUT, Dir::Right, 60, t - THREE_PAUSE);
    let sheet = Pos::new(body.x - 2 * UNITS_PER_TILE, body.y);
    vec![
        Sprite { figure: Figure::Sheet, pos: sheet, dir: Dir::Right, moving: true },
        blinky(Look::Naked, body, Dir::Right, true),
    ]
}
