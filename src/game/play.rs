//! One tick of the rules: [`Game::step`] and everything it sets in motion.
//!
//! Order within a playing tick, as in the arcade's game loop (#08DE and #1017 of the
//! disassembly cited in `event.rs`): first the level-complete check (244 dots eaten), then
//! the collision check, then timers (frightened, scatter/chase, fruit) and house releases,
//! then Pac-Man's move and meal, then the ghosts' moves. Collisions compare tiles once per
//! tick, before anyone moves (dossier ch. 3, *Just Passing Through*): when Pac-Man and a ghost
//! swap tiles within one tick they pass through each other, the arcade's rare pass-through.
//! Because the dot count is checked before collisions, the last dot always wins: a ghost that
//! reaches Pac-Man on the tick he eats it is too late, and no life is lost.

use super::actor::{GhostState, Moved};
use super::event::{
    DYING_TICKS, Event, FRUIT_MIN_TICKS, FRUIT_POPUP_TICKS, GHOST_EAT_PAUSE_TICKS, LEVEL_COMPLETE_TICKS, Phase,
    READY_TICKS,
};
use super::geom::{Dir, Pos, TICKS_PER_SECOND, UNITS_PER_PIXEL, UNITS_PER_TILE, speed_units};
use super::ghost::Ghost;
use super::house::{HouseRelease, Release};
use super::input::Input;
use super::intermission::Cutscene;
use super::level;
use super::maze::{Cell, FRUIT_POS};
use super::split;
use super::state::{FruitView, Game, Popup};

/// Eyes travel at this percentage (the dossier gives no figure; about 2 px per tick).
pub const EYES_SPEED_PERCENT: u32 = 160;
/// Ghosts inside the house and on the way out move at this percentage (not in the dossier).
pub const HOUSE_SPEED_PERCENT: u32 = 50;
/// Dots eaten on a level at which the fruit appears (dossier ch. 2).
pub const FRUIT_DOTS: [u32; 2] = [70, 170];
/// While an energizer is active, a ghost this close on both axes also counts as caught,
/// whatever its tile (#1789: 4 px; the arcade's window is one-sided in its rotated screen
/// coordinates, here it is symmetric).
pub const ENERGIZED_CATCH_UNITS: i32 = 4 * UNITS_PER_PIXEL;

impl Game {
    /// Advances the game by one 60 Hz tick and reports what happened.
    ///
    /// `input.restart` starts a new game (same seed and options, high score kept); while
    /// `input.pause` is set nothing changes. Call it 60 times per second of game time; to slow
    /// the game down call it less often (see [`Pacer`](super::Pacer)), never change the rules.
    pub fn step(&mut self, input: Input) -> Vec<Event> {
        let mut ev = Vec::new();
        if input.restart {
            let high = self.high_score;
            if let Ok(fresh) = Game::with_maze(self.pristine.clone(), self.seed, self.options) {
                *self = fresh.with_high_score(high);
            }
            ev.push(Event::Restarted);
            return ev;
        }
        self.paused = input.pause;
        if self.paused {
            return ev;
        }
        if self.phase == Phase::GameOver {
            return ev;
        }
        if self.tick == 0 {
            ev.push(Event::GameStarted);
        }
        self.tick += 1;
        match self.phase {
            Phase::Ready { ticks_left } => {
                // A direction shown during "READY!" is remembered like any other.
                self.input.update(input.dir, self.pacman.dir, &self.options.input);
                if ticks_left <= 1 {
                    self.phase = Phase::Playing;
                    ev.push(Event::PlayStarted);
                } else {
                    self.phase = Phase::Ready { ticks_left: ticks_left - 1 };
                }
            }
            Phase::Playing => self.play(input.dir, &mut ev),
            Phase::Dying { tick } if tick + 1 >= DYING_TICKS => self.after_death(&mut ev),
            Phase::Dying { tick } => self.phase = Phase::Dying { tick: tick + 1 },
            Phase::LevelComplete { tick } if tick + 1 >= LEVEL_COMPLETE_TICKS => self.after_level(&mut ev),
            Phase::LevelComplete { tick } => self.phase = Phase::LevelComplete { tick: tick + 1 },
            Phase::Intermission { act, tick } => {
                if input.skip || tick + 1 >= act.ticks() {
                    ev.push(Event::IntermissionEnded { act, skipped: input.skip && tick + 1 < act.ticks() });
                    self.next_level(&mut ev);
                } else {
                    self.phase = Phase::Intermission { act, tick: tick + 1 };
                }
            }
            Phase::GameOver => {}
        }
        self.high_score = self.high_score.max(self.score);
        ev
    }

    fn play(&mut self, raw: Option<Dir>, ev: &mut Vec<Event>) {
        // The arcade counts dots, not the maze: a level ends when 244 were eaten on it.
        if self.dots_eaten >= self.level_dots() {
            self.phase = Phase::LevelComplete { tick: 0 };
            ev.push(Event::LevelCleared { level: self.level });
            return;
        }
        self.tick_popup();
        if self.score_pause > 0 {
            // Only eyes keep moving while a ghost's points are shown.
            self.score_pause -= 1;
            self.move_ghosts(true, ev);
            return;
        }
        if self.collide(ev) {
            return;
        }
        self.tick_timers(ev);
        if self.elroy_suspended && self.ghosts.clyde.state != GhostState::InHouse {
            self.elroy_suspended = false;
        }
        if let Some((g, by)) = self.house.on_tick(&self.waiting()) {
            self.release(g, by, ev);
        }
        self.move_pacman(raw, ev);
        self.move_ghosts(false, ev);
    }

    fn tick_popup(&mut self) {
        if let Some(p) = self.popup.as_mut() {
            p.ticks_left = p.ticks_left.saturating_sub(1);
            if p.ticks_left == 0 {
                self.popup = None;
            }
        }
    }

    /// The frightened clock, or else the scatter/chase clock: the latter is paused while ghosts
    /// are frightened (dossier ch. 2, *Scatter, Chase, Repeat*). Then the fruit's lifetime.
    fn tick_timers(&mut self, ev: &mut Vec<Event>) {
        if self.fright_left > 0 {
            self.fright_left -= 1;
            if self.fright_left == 0 {
                for g in Ghost::ALL {
                    self.ghosts[g].frightened = false;
                }
                ev.push(Event::FrightEnded);
            }
        } else if let Some(mode) = self.mode.tick() {
            ev.push(Event::ModeChanged { mode });
            self.signal_reversal();
        }
        if let Some(f) = self.fruit.as_mut() {
            f.ticks_left = f.ticks_left.saturating_sub(1);
            if f.ticks_left == 0 {
                self.fruit = None;
                ev.push(Event::FruitExpired);
            }
        }
    }

    /// Mode changes and energizers make every ghost outside reverse, and every ghost inside
    /// leave to the right (dossier ch. 2, *Scatter, Chase, Repeat*).
    fn signal_reversal(&mut self) {
        for g in Ghost::ALL {
            let a = &mut self.ghosts[g];
            if matches!(a.state, GhostState::Roaming | GhostState::InHouse | GhostState::LeavingHouse) {
                a.reverse_pending = true;
            }
        }
    }

    fn waiting(&self) -> Vec<Ghost> {
        Ghost::ALL.into_iter().filter(|&g| self.ghosts[g].state == GhostState::InHouse).collect()
    }

    fn release(&mut self, g: Ghost, by: Release, ev: &mut Vec<Event>) {
        self.ghosts[g].state = GhostState::LeavingHouse;
        ev.push(Event::GhostReleased { ghost: g, by });
    }

    fn move_pacman(&mut self, raw: Option<Dir>, ev: &mut Vec<Event>) {
        let wish = self.input.update(raw, self.pacman.dir, &self.options.input);
        if self.pacman.stall > 0 {
            self.pacman.stall -= 1;
            self.pacman.moving = false;
            return;
        }
        if self.pacman.steer(&self.maze, wish) {
            self.input.taken();
        }
        let percent = if self.fright_left > 0 { self.spec.pacman_fright } else { self.spec.pacman };
        self.pacman.advance(&self.maze, speed_units(percent));
        self.eat(ev);
    }

    fn eat(&mut self, ev: &mut Vec<Event>) {
        let tile = self.pacman.pos.tile();
        match self.maze.eat(tile) {
            Some(Cell::Dot) => {
                self.pacman.stall = 1;
                self.add_score(10, ev);
                ev.push(Event::DotEaten { tile });
                self.after_dot(ev);
            }
            Some(Cell::Energizer) => {
                self.pacman.stall = 3;
                self.add_score(50, ev);
                ev.push(Event::EnergizerEaten { tile });
                self.start_fright();
                self.after_dot(ev);
            }
            _ => {}
        }
        if let Some(f) = self.fruit {
            let p = self.pacman.pos;
            if p.y.div_euclid(UNITS_PER_TILE) == f.pos.y.div_euclid(UNITS_PER_TILE)
                && (p.x - f.pos.x).abs() < UNITS_PER_TILE / 2
            {
                let points = f.fruit.points();
                self.fruit = None;
                self.popup = Some(Popup { pos: f.pos, points, ticks_left: FRUIT_POPUP_TICKS, ghost: false });
                self.add_score(points, ev);
                ev.push(Event::FruitEaten { fruit: f.fruit, points });
            }
        }
    }

    fn after_dot(&mut self, ev: &mut Vec<Event>) {
        self.dots_eaten += 1;
        if let Some((g, by)) = self.house.on_dot(&self.waiting()) {
            self.release(g, by, ev);
        }
        if FRUIT_DOTS.contains(&self.dots_eaten) {
            let fruit = self.spec.fruit;
            self.fruit = Some(FruitView { fruit, pos: FRUIT_POS, ticks_left: self.fruit_ticks() });
            ev.push(Event::FruitAppeared { fruit });
        }
    }

    /// How long a fruit appearing now stays: 9 s plus what is left of the current second of the
    /// game's clock (see [`FRUIT_MIN_TICKS`](super::FRUIT_MIN_TICKS)).
    fn fruit_ticks(&self) -> u32 {
        let into_second = (self.tick % u64::from(TICKS_PER_SECOND)) as u32;
        FRUIT_MIN_TICKS - 1 + (TICKS_PER_SECOND - into_second)
    }

    /// Energizer: all ghosts reverse; unless this level has no frightened time, every ghost
    /// that is not already eyes turns blue and the ghost-points chain restarts at 200.
    fn start_fright(&mut self) {
        self.signal_reversal();
        self.fright_chain = 0;
        if self.spec.fright_ticks == 0 {
            return;
        }
        self.fright_left = self.spec.fright_ticks;
        for g in Ghost::ALL {
            let a = &mut self.ghosts[g];
            if !matches!(a.state, GhostState::Eyes | GhostState::EnteringHouse) {
                a.frightened = true;
            }
        }
    }

    fn add_score(&mut self, points: u32, ev: &mut Vec<Event>) {
        let before = self.score;
        self.score = self.score.saturating_add(points);
        let at = self.options.extra_life_at;
        if at > 0 && !self.extra_life_given && before < at && self.score >= at {
            self.extra_life_given = true;
            self.lives = self.lives.saturating_add(1);
            ev.push(Event::ExtraLife);
        }
    }

    /// Ghost speeds in priority order: eyes, house, tunnel, frightened, Elroy, normal.
    fn ghost_speed(&self, g: Ghost) -> u32 {
        let a = &self.ghosts[g];
        match a.state {
            GhostState::Eyes | GhostState::EnteringHouse => EYES_SPEED_PERCENT,
            GhostState::InHouse | GhostState::LeavingHouse => HOUSE_SPEED_PERCENT,
            GhostState::Roaming if self.maze.is_tunnel(a.tile()) => self.spec.ghost_tunnel,
            GhostState::Roaming if a.frightened => self.spec.ghost_fright,
            GhostState::Roaming if g == Ghost::Blinky && self.elroy() == 2 => self.spec.elroy2,
            GhostState::Roaming if g == Ghost::Blinky && self.elroy() == 1 => self.spec.elroy1,
            GhostState::Roaming => self.spec.ghost,
        }
    }

    fn move_ghosts(&mut self, eyes_only: bool, ev: &mut Vec<Event>) {
        for g in Ghost::ALL {
            let state = self.ghosts[g].state;
            if eyes_only && !matches!(state, GhostState::Eyes | GhostState::EnteringHouse) {
                continue;
            }
            let dist = speed_units(self.ghost_speed(g));
            let target = self.mode_target(g);
            let moved = self.ghosts[g].step(&self.maze, dist, target, &mut self.rng);
            if moved == Moved::Revived {
                ev.push(Event::GhostRevived { ghost: g });
            }
        }
    }

    /// The ghost that catches Pac-Man now, if any, checked in the arcade's order (Clyde, Inky,
    /// Pinky, Blinky: #171D). A ghost catches him by standing on his tile; while an energizer is
    /// active also by being within [`ENERGIZED_CATCH_UNITS`] on both axes (#1789).
    fn catcher(&self) -> Option<Ghost> {
        let order = [Ghost::Clyde, Ghost::Inky, Ghost::Pinky, Ghost::Blinky];
        let reachable = |g: Ghost| matches!(self.ghosts[g].state, GhostState::Roaming | GhostState::LeavingHouse);
        let pac = self.pacman.pos;
        let same_tile = order.into_iter().find(|&g| reachable(g) && self.ghosts[g].tile() == pac.tile());
        if same_tile.is_some() || self.fright_left == 0 {
            return same_tile;
        }
        order.into_iter().find(|&g| reachable(g) && near(self.ghosts[g].pos, pac))
    }

    /// Pac-Man meets a ghost: eats it if frightened, dies otherwise. True if the tick ends here
    /// (a freeze or a death begins).
    fn collide(&mut self, ev: &mut Vec<Event>) -> bool {
        let Some(g) = self.catcher() else { return false };
        let a = &self.ghosts[g];
        if a.frightened {
            let points = 200 << self.fright_chain.min(3);
            let pos = a.pos;
            self.fright_chain += 1;
            self.add_score(points, ev);
            self.eat_ghost(g);
            self.score_pause = GHOST_EAT_PAUSE_TICKS;
            self.popup = Some(Popup { pos, points, ticks_left: GHOST_EAT_PAUSE_TICKS, ghost: true });
            ev.push(Event::GhostEaten { ghost: g, points });
            return true;
        }
        if self.options.invincible {
            return false;
        }
        self.phase = Phase::Dying { tick: 0 };
        ev.push(Event::PacmanDied);
        true
    }

    fn eat_ghost(&mut self, g: Ghost) {
        let target = g.scatter_target();
        let a = &mut self.ghosts[g];
        a.frightened = false;
        a.reverse_pending = false;
        if a.state == GhostState::LeavingHouse {
            // Caught in the doorway: drop straight back in.
            a.state = GhostState::EnteringHouse;
            a.dir = Dir::Down;
        } else {
            a.state = GhostState::Eyes;
            a.plan(&self.maze, target, &mut self.rng);
        }
    }

    fn after_death(&mut self, ev: &mut Vec<Event>) {
        self.lives = self.lives.saturating_sub(1);
        if self.lives == 0 {
            self.phase = Phase::GameOver;
            ev.push(Event::GameOver);
            return;
        }
        self.reset_actors();
        self.house.on_life_lost();
        self.elroy_suspended = true;
        if self.level == split::SPLIT_LEVEL {
            split::restore_right_dots(&mut self.maze);
        }
        self.phase = Phase::Ready { ticks_left: READY_TICKS };
    }

    /// The walls have flashed: a cut-scene if one follows this level, else the next level.
    fn after_level(&mut self, ev: &mut Vec<Event>) {
        match Cutscene::after_level(self.level) {
            Some(act) => {
                self.phase = Phase::Intermission { act, tick: 0 };
                ev.push(Event::IntermissionStarted { act });
            }
            None => self.next_level(ev),
        }
    }

    fn next_level(&mut self, ev: &mut Vec<Event>) {
        self.level = self.level.saturating_add(1);
        self.spec = level::spec(self.level);
        self.maze = self.level_maze();
        self.dots_eaten = 0;
        self.house = HouseRelease::new(self.level);
        self.elroy_suspended = false;
        self.reset_actors();
        self.phase = Phase::Ready { ticks_left: READY_TICKS };
        ev.push(Event::LevelStarted { level: self.level });
    }
}

/// Within the energized catch window on both axes (the tunnel wraps, so x is compared both ways).
fn near(a: Pos, b: Pos) -> bool {
    let width = super::maze::COLS * UNITS_PER_TILE;
    let dx = (a.x - b.x).rem_euclid(width);
    let dx = dx.min(width - dx);
    dx < ENERGIZED_CATCH_UNITS && (a.y - b.y).abs() < ENERGIZED_CATCH_UNITS
}
