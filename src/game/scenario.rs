//! Small hand-made situations: a game already playing with Pac-Man and some ghosts placed on
//! chosen tiles. For tests, tutorials ("eat the blue ghost!") and bug reports.

use super::actor::GhostState;
use super::event::Phase;
use super::geom::{Dir, Tile};
use super::ghost::Ghost;
use super::maze::Cell;
use super::state::{Game, GameError, Options};

/// A recipe for a [`Game`] that starts mid-play instead of at "READY!".
#[derive(Clone, Debug)]
pub struct Scenario {
    seed: u64,
    options: Options,
    pacman: Option<(Tile, Dir)>,
    ghosts: Vec<(Ghost, Tile, Dir)>,
    eaten: Eaten,
}

/// Which dots a scenario starts without.
#[derive(Clone, Debug, Default)]
enum Eaten {
    #[default]
    None,
    /// The first `n` in reading order.
    First(u32),
    /// All but these.
    AllBut(Vec<Tile>),
}

impl Scenario {
    /// Arcade start positions, default options, play already under way.
    pub fn new(seed: u64) -> Scenario {
        Scenario { seed, options: Options::default(), pacman: None, ghosts: Vec::new(), eaten: Eaten::None }
    }

    /// Uses `options` (the level comes from `options.start_level`).
    pub fn options(mut self, options: Options) -> Scenario {
        self.options = options;
        self
    }

    /// Puts Pac-Man on the centre of `tile`, facing `dir`.
    pub fn pacman(mut self, tile: Tile, dir: Dir) -> Scenario {
        self.pacman = Some((tile, dir));
        self
    }

    /// Puts `ghost` in the maze on the centre of `tile`, heading `dir` (which must lead to open
    /// floor).
    pub fn ghost(mut self, ghost: Ghost, tile: Tile, dir: Dir) -> Scenario {
        self.ghosts.push((ghost, tile, dir));
        self
    }

    /// Starts with the first `n` dots and energizers (in reading order) already eaten, as if
    /// Pac-Man had eaten them on this level (the ghost-house counters are not advanced).
    pub fn dots_eaten(mut self, n: u32) -> Scenario {
        self.eaten = Eaten::First(n);
        self
    }

    /// Starts with every dot and energizer eaten except those on `keep`.
    pub fn dots_only_on(mut self, keep: &[Tile]) -> Scenario {
        self.eaten = Eaten::AllBut(keep.to_vec());
        self
    }

    /// The game, in [`Phase::Playing`]. Fails if a sprite is placed on a tile that is not
    /// open floor.
    pub fn build(self) -> Result<Game, GameError> {
        let mut game = Game::new(self.seed, self.options)?;
        if let Some((tile, dir)) = self.pacman {
            if !game.maze.is_open(tile) {
                return Err(GameError::Blocked { what: "Pac-Man", tile });
            }
            game.pacman.pos = tile.center();
            game.pacman.dir = dir;
        }
        for &(g, tile, dir) in &self.ghosts {
            if !game.maze.is_open(tile) {
                return Err(GameError::Blocked { what: "a ghost", tile });
            }
            // A ghost on a centre has already chosen its way out, so that way must be open.
            if !game.maze.is_open(tile.step(dir, 1)) {
                return Err(GameError::Blocked { what: "the tile ahead of a ghost", tile: tile.step(dir, 1) });
            }
            let a = &mut game.ghosts[g];
            a.pos = tile.center();
            a.dir = dir;
            a.state = GhostState::Roaming;
        }
        let food: Vec<Tile> =
            game.maze.tiles().filter(|(_, c)| matches!(c, Cell::Dot | Cell::Energizer)).map(|(t, _)| t).collect();
        let gone: Vec<Tile> = match &self.eaten {
            Eaten::None => Vec::new(),
            Eaten::First(n) => food.into_iter().take(*n as usize).collect(),
            Eaten::AllBut(keep) => food.into_iter().filter(|t| !keep.contains(t)).collect(),
        };
        for t in gone {
            if game.maze.eat(t).is_some() {
                game.dots_eaten += 1;
            }
        }
        // Plan after everyone is placed: Inky's target depends on where Blinky stands.
        for &(g, _, _) in &self.ghosts {
            let target = game.mode_target(g);
            game.ghosts[g].plan(&game.maze, target, &mut game.rng);
        }
        game.phase = Phase::Playing;
        Ok(game)
    }
}
