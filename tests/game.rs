//! Headless tests of the Pac-Man rules (issue 5), pinned to the arcade's numbers from "The
//! Pac-Man Dossier". No window, no clock: every test steps `Game` tick by tick.

use pacnet::game::{
    COLS, Cell, Chase, Dir, Event, FRUIT_MAX_TICKS, FRUIT_MIN_TICKS, Fruit, Game, Ghost, GhostState, HOUSE_EXIT,
    HouseRelease, Input, InputOptions, Maze, MazeError, Mode, ModeTimer, NO_UP_TILES, Options, Pacer, Phase, Recorder,
    Release, ReplayLog, START_READY_TICKS, Scenario, Tile, UNITS_PER_TILE, chase_target, choose_direction,
    frightened_direction, run_with,
};
use std::collections::{HashSet, VecDeque};
use std::time::Duration;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn wrap(t: Tile) -> Tile {
    Tile::new(t.col.rem_euclid(COLS), t.row)
}

/// First step of a shortest path from Pac-Man's tile to the nearest dot or energizer.
pub fn nearest_dot_dir(game: &Game) -> Option<Dir> {
    let maze = game.maze();
    let start = game.pacman().pos.tile();
    let mut seen = HashSet::from([start]);
    let mut queue = VecDeque::new();
    for d in Dir::PRIORITY {
        let n = wrap(start.step(d, 1));
        if maze.is_open(n) && seen.insert(n) {
            queue.push_back((n, d));
        }
    }
    while let Some((t, first)) = queue.pop_front() {
        if matches!(maze.cell(t), Cell::Dot | Cell::Energizer) {
            return Some(first);
        }
        for d in Dir::PRIORITY {
            let n = wrap(t.step(d, 1));
            if maze.is_open(n) && seen.insert(n) {
                queue.push_back((n, first));
            }
        }
    }
    None
}

/// A practice game (ghosts cannot catch Pac-Man) already playing.
pub fn practice(seed: u64) -> Result<Game, Box<dyn std::error::Error>> {
    Ok(Scenario::new(seed).options(Options { invincible: true, ..Options::default() }).build()?)
}

/// Steps with the nearest-dot autopilot until `stop` says so or `max` ticks pass; returns the
/// events with the tick (1-based, since the call) they happened on.
pub fn autopilot(game: &mut Game, max: u64, mut stop: impl FnMut(&Game, &[Event]) -> bool) -> Vec<(u64, Event)> {
    let mut log = Vec::new();
    for t in 1..=max {
        let events = game.step(Input { dir: nearest_dot_dir(game), ..Input::NONE });
        log.extend(events.iter().map(|e| (t, *e)));
        if stop(game, &events) {
            break;
        }
    }
    log
}

pub fn count(log: &[(u64, Event)], pred: impl Fn(&Event) -> bool) -> usize {
    log.iter().filter(|(_, e)| pred(e)).count()
}

/// A deterministic, jumpy input script: a new direction (or none) every 7–40 ticks.
pub fn scripted_inputs(len: usize, mut state: u64) -> Vec<Input> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let dir = match (state >> 33) % 5 {
            0 => None,
            1 => Some(Dir::Up),
            2 => Some(Dir::Left),
            3 => Some(Dir::Down),
            _ => Some(Dir::Right),
        };
        let run = 7 + ((state >> 40) % 34) as usize;
        out.extend(std::iter::repeat_n(Input { dir, ..Input::NONE }, run));
    }
    out.truncate(len);
    out
}

// ---------------------------------------------------------------------------------------------
// Maze
// ---------------------------------------------------------------------------------------------

#[test]
fn fresh_maze_has_240_dots_and_4_energizers() -> TestResult {
    let maze = Maze::arcade()?;
    let dots = maze.tiles().filter(|(_, c)| *c == Cell::Dot).count();
    let energizers: Vec<Tile> = maze.tiles().filter(|(_, c)| *c == Cell::Energizer).map(|(t, _)| t).collect();
    assert_eq!(dots, 240);
    assert_eq!(energizers, vec![Tile::new(1, 3), Tile::new(26, 3), Tile::new(1, 23), Tile::new(26, 23)]);
    assert_eq!(maze.dots_left(), 244);
    assert_eq!(maze.tiles().filter(|(_, c)| *c == Cell::Tunnel).count(), 12, "six tunnel tiles each side");
    Ok(())
}

#[test]
fn bad_maze_errors_name_line_and_column() {
    let good: Vec<String> = pacnet::game::ARCADE_LAYOUT.lines().map(str::to_owned).collect();
    let mut bad_char = good.clone();
    bad_char[4].replace_range(6..7, "x");
    let err = Maze::parse(&bad_char.join("\n")).err();
    assert_eq!(err, Some(MazeError::BadChar { line: 5, column: 7, ch: 'x' }));
    assert!(err.map(|e| e.to_string()).unwrap_or_default().contains("line 5, column 7"));

    let mut short = good.clone();
    short[9].pop();
    assert_eq!(Maze::parse(&short.join("\n")).err(), Some(MazeError::LineWidth { line: 10, found: 27 }));
    assert_eq!(Maze::parse(&good[..30].join("\n")).err(), Some(MazeError::LineCount { found: 30 }));

    let mut no_door = good;
    no_door[12].replace_range(13..15, "##");
    let err = Maze::parse(&no_door.join("\n")).err();
    assert!(matches!(err, Some(MazeError::Landmark { line: 13, column: 14, .. })), "{err:?}");
}

// ---------------------------------------------------------------------------------------------
// Scoring, level progression, fruit, extra life
// ---------------------------------------------------------------------------------------------

#[test]
fn clearing_the_maze_scores_2600_and_starts_level_2() -> TestResult {
    let mut game = practice(1)?;
    let mut elroy_seen = Vec::new();
    let log = autopilot(&mut game, 20_000, |g, ev| {
        let left = g.maze().dots_left();
        if g.phase() == Phase::Playing && (left == 20 || left == 10) {
            elroy_seen.push((left, g.elroy()));
        }
        ev.iter().any(|e| matches!(e, Event::LevelCleared { .. }))
    });
    assert_eq!(log.last().map(|(_, e)| *e), Some(Event::LevelCleared { level: 1 }));
    assert_eq!(count(&log, |e| matches!(e, Event::DotEaten { .. })), 240);
    assert_eq!(count(&log, |e| matches!(e, Event::EnergizerEaten { .. })), 4);
    let bonus: u32 = log
        .iter()
        .map(|(_, e)| match e {
            Event::GhostEaten { points, .. } | Event::FruitEaten { points, .. } => *points,
            _ => 0,
        })
        .sum();
    assert_eq!(game.score() - bonus, 2600);
    assert_eq!(game.maze().dots_left(), 0);
    // Cruise Elroy: stage 1 at 20 dots left, stage 2 at 10 (level 1).
    assert!(elroy_seen.contains(&(20, 1)) && elroy_seen.contains(&(10, 2)), "{elroy_seen:?}");

    let mut started = None;
    for _ in 0..400 {
        if let Some(e) = game.step(Input::NONE).into_iter().find(|e| matches!(e, Event::LevelStarted { .. })) {
            started = Some(e);
            break;
        }
    }
    assert_eq!(started, Some(Event::LevelStarted { level: 2 }));
    assert_eq!((game.level(), game.maze().dots_left()), (2, 244));
    assert_eq!(game.level_spec().fruit, Fruit::Strawberry);
    Ok(())
}

#[test]
fn fruit_appears_after_70_and_170_dots() -> TestResult {
    let mut game = practice(2)?;
    let mut dots = 0;
    let mut appeared_at = Vec::new();
    let mut fruit_points = Vec::new();
    autopilot(&mut game, 20_000, |g, ev| {
        for e in ev {
            match e {
                Event::DotEaten { .. } | Event::EnergizerEaten { .. } => dots += 1,
                Event::FruitAppeared { fruit } => appeared_at.push((dots, *fruit, g.fruit().map(|f| f.ticks_left))),
                Event::FruitEaten { points, .. } => fruit_points.push(*points),
                _ => {}
            }
        }
        ev.iter().any(|e| matches!(e, Event::LevelCleared { .. }))
    });
    let dots: Vec<(u32, Fruit)> = appeared_at.iter().map(|&(d, f, _)| (d, f)).collect();
    assert_eq!(dots, vec![(70, Fruit::Cherries), (170, Fruit::Cherries)]);
    for (_, _, ticks) in appeared_at {
        let ticks = ticks.ok_or("no fruit on the board")?;
        assert!((FRUIT_MIN_TICKS..=FRUIT_MAX_TICKS).contains(&ticks), "fruit for {ticks} ticks");
    }
    assert!(fruit_points.iter().all(|&p| p == 100), "{fruit_points:?}");
    Ok(())
}

#[test]
fn one_extra_life_at_10000_points() -> TestResult {
    let mut game = practice(3)?;
    let mut crossing = Vec::new();
    let mut before = 0;
    let log = autopilot(&mut game, 80_000, |g, ev| {
        if ev.contains(&Event::ExtraLife) {
            crossing.push((before, g.score(), g.lives()));
        }
        before = g.score();
        g.score() >= 16_000
    });
    assert!(game.score() >= 16_000, "autopilot stalled at {}", game.score());
    assert_eq!(count(&log, |e| *e == Event::ExtraLife), 1);
    let &(b, a, lives) = crossing.first().ok_or("no extra life")?;
    assert!(b < 10_000 && a >= 10_000, "crossed from {b} to {a}");
    assert_eq!(lives, 4);
    Ok(())
}

#[test]
fn three_catches_end_the_game() -> TestResult {
    let mut game = Game::new(4, Options::default())?;
    let mut log = Vec::new();
    for t in 0..40_000u64 {
        log.extend(game.step(Input::NONE).into_iter().map(|e| (t, e)));
        if game.phase() == Phase::GameOver {
            break;
        }
    }
    assert_eq!(count(&log, |e| *e == Event::PacmanDied), 3);
    assert_eq!(count(&log, |e| *e == Event::GameOver), 1);
    assert_eq!((game.phase(), game.lives()), (Phase::GameOver, 0));
    let frozen = game.state_hash();
    for _ in 0..100 {
        assert!(game.step(Input::dir(Dir::Up)).is_empty());
    }
    assert_eq!(game.state_hash(), frozen, "nothing moves after game over");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Scatter / chase / frightened timing
// ---------------------------------------------------------------------------------------------

#[test]
fn level_one_mode_switches_at_arcade_ticks() {
    let mut timer = ModeTimer::new(1);
    let mut switches = Vec::new();
    for t in 1..=100_000u32 {
        if let Some(m) = timer.tick() {
            switches.push((t, m));
        }
    }
    use Mode::{Chase as C, Scatter as S};
    assert_eq!(switches, vec![(420, C), (1620, S), (2040, C), (3240, S), (3540, C), (4740, S), (5040, C)]);
    assert_eq!(timer.mode(), C);

    let mut timer = ModeTimer::new(5);
    let firsts: Vec<u32> = (1..=2000u32).filter(|_| timer.tick().is_some()).collect();
    assert_eq!(firsts, vec![300, 1500, 1800], "levels 5+ scatter 5 s");
}

#[test]
fn mode_clock_pauses_while_frightened() -> TestResult {
    // Pac-Man eats the energizer at (1, 3) a few ticks in; ghosts cannot catch him.
    let options = Options { invincible: true, ..Options::default() };
    let mut game = Scenario::new(5).options(options).pacman(Tile::new(1, 4), Dir::Up).build()?;
    let (mut clock, mut frightened, mut frozen) = (0u32, 0u32, 0u32);
    let mut switches = Vec::new();
    for t in 1..=3000u32 {
        let (was_frozen, was_frightened) = (game.score_pause_ticks() > 0, game.fright_ticks_left() > 0);
        let events = game.step(Input::NONE);
        match (was_frozen, was_frightened) {
            (true, _) => frozen += 1,
            (false, true) => frightened += 1,
            (false, false) => clock += 1,
        }
        for e in events {
            if let Event::ModeChanged { mode } = e {
                switches.push((clock, t, mode, frightened, frozen));
            }
        }
    }
    assert_eq!(frightened, 360, "one energizer's worth of paused clock");
    let &(clock_at, tick_at, mode, frightened_at, frozen_at) = switches.first().ok_or("no mode switch")?;
    assert_eq!((clock_at, mode), (420, Mode::Chase), "420 ticks of running clock");
    assert_eq!(frightened_at, 360, "the whole frightened time came before the switch");
    assert_eq!(tick_at, 420 + 360 + frozen_at, "so the switch came that much later in play");
    assert_eq!(switches.get(1).map(|s| (s.0, s.2)), Some((1620, Mode::Scatter)));
    Ok(())
}

#[test]
fn frightened_lasts_360_ticks_on_level_one_and_flashes_at_the_end() -> TestResult {
    let options = Options { invincible: true, ..Options::default() };
    let mut game = Scenario::new(6).options(options).pacman(Tile::new(1, 4), Dir::Up).build()?;
    let mut started = false;
    let (mut ticks, mut white_from) = (0u32, None);
    for _ in 0..2000 {
        let frozen = game.score_pause_ticks() > 0;
        let events = game.step(Input::NONE);
        if started && !frozen {
            ticks += 1;
            if white_from.is_none() && game.fright_flash_white() {
                white_from = Some(ticks);
            }
        }
        if events.iter().any(|e| matches!(e, Event::EnergizerEaten { .. })) {
            started = true;
            let blue = game.ghosts().iter().filter(|g| g.frightened).count();
            assert_eq!(blue, 4, "every ghost turns blue, those in the house too");
        }
        if events.contains(&Event::FrightEnded) {
            break;
        }
    }
    assert_eq!(ticks, 360);
    // The last 128 ticks flash, white first: white from tick 232 on.
    assert_eq!(white_from, Some(232));
    assert!(game.ghosts().iter().all(|g| !g.frightened));
    Ok(())
}

#[test]
fn ghosts_eaten_on_one_energizer_score_200_400_800_1600() -> TestResult {
    let mut s = Scenario::new(7).pacman(Tile::new(1, 4), Dir::Up);
    for g in Ghost::ALL {
        s = s.ghost(g, Tile::new(1, 2), Dir::Down);
    }
    let mut game = s.build()?;
    let mut eaten = Vec::new();
    let mut revived = HashSet::new();
    let mut dots = 0;
    for _ in 0..3000 {
        for e in game.step(Input::NONE) {
            match e {
                Event::GhostEaten { ghost, points } => {
                    eaten.push((ghost, points));
                    assert!(matches!(game.ghost(ghost).state, GhostState::Eyes | GhostState::EnteringHouse));
                }
                Event::GhostRevived { ghost } => {
                    revived.insert(ghost);
                }
                Event::DotEaten { .. } => dots += 1,
                Event::PacmanDied => return Err("Pac-Man died".into()),
                _ => {}
            }
        }
        if revived.len() == 4 {
            break;
        }
    }
    let points: Vec<u32> = eaten.iter().map(|(_, p)| *p).collect();
    assert_eq!(points, vec![200, 400, 800, 1600]);
    assert_eq!(eaten.iter().map(|(g, _)| *g).collect::<HashSet<_>>().len(), 4);
    assert_eq!(game.score(), 50 + 3000 + 10 * dots);
    assert_eq!(revived.len(), 4, "all four sets of eyes got home");
    Ok(())
}

#[test]
fn ghosts_reverse_when_the_mode_changes() -> TestResult {
    let mut game = Scenario::new(8).build()?;
    for _ in 0..2000 {
        if game.step(Input::NONE).contains(&Event::ModeChanged { mode: Mode::Chase }) {
            break;
        }
    }
    let roaming: Vec<(Ghost, Dir)> =
        game.ghosts().iter().filter(|g| g.state == GhostState::Roaming).map(|g| (g.ghost, g.dir)).collect();
    assert!(roaming.len() >= 2, "{roaming:?}");
    let mut reversed = HashSet::new();
    for _ in 0..20 {
        game.step(Input::NONE);
        for &(g, d) in &roaming {
            if game.ghost(g).dir == d.reverse() {
                reversed.insert(g);
            }
        }
    }
    assert_eq!(reversed.len(), roaming.len());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Targets and the intersection rule
// ---------------------------------------------------------------------------------------------

fn chase(pacman: Tile, pacman_dir: Dir, blinky: Tile, up_quirk: bool) -> Chase {
    Chase { pacman, pacman_dir, blinky, up_quirk }
}

#[test]
fn blinky_targets_pacmans_tile() {
    let c = chase(Tile::new(9, 20), Dir::Right, Tile::new(1, 1), true);
    assert_eq!(chase_target(Ghost::Blinky, Tile::new(1, 1), &c), Tile::new(9, 20));
}

#[test]
fn pinky_targets_four_tiles_ahead_with_optional_up_quirk() {
    let p = Tile::new(10, 20);
    let at = |dir, quirk| chase_target(Ghost::Pinky, Tile::new(1, 1), &chase(p, dir, Tile::new(0, 0), quirk));
    assert_eq!(at(Dir::Left, true), Tile::new(6, 20));
    assert_eq!(at(Dir::Right, true), Tile::new(14, 20));
    assert_eq!(at(Dir::Down, true), Tile::new(10, 24));
    assert_eq!(at(Dir::Up, true), Tile::new(6, 16), "arcade overflow: up is also left");
    assert_eq!(at(Dir::Up, false), Tile::new(10, 16));
}

#[test]
fn inky_targets_twice_the_pivot_minus_blinky() {
    let blinky = Tile::new(3, 5);
    let c = chase(Tile::new(10, 20), Dir::Left, blinky, true);
    // Pivot (8, 20): 2 × (8, 20) − (3, 5) = (13, 35).
    assert_eq!(chase_target(Ghost::Inky, Tile::new(1, 1), &c), Tile::new(13, 35));
    let c = chase(Tile::new(10, 20), Dir::Up, blinky, true);
    // Pivot with the quirk (8, 18): (13, 31).
    assert_eq!(chase_target(Ghost::Inky, Tile::new(1, 1), &c), Tile::new(13, 31));
}

#[test]
fn clyde_chases_at_distance_8_and_scatters_at_7() {
    let pac = Tile::new(18, 10);
    let c = chase(pac, Dir::Left, Tile::new(0, 0), true);
    assert_eq!(chase_target(Ghost::Clyde, Tile::new(10, 10), &c), pac, "8 tiles away");
    assert_eq!(chase_target(Ghost::Clyde, Tile::new(11, 10), &c), Tile::new(0, 32), "7 tiles away");
    // Straight-line distance √61 < 8 even though 6 + 5 = 11 tiles of walking.
    assert_eq!(chase_target(Ghost::Clyde, Tile::new(12, 5), &c), Tile::new(0, 32));
}

#[test]
fn game_targets_follow_the_rules_in_both_modes() -> TestResult {
    let mut game = Scenario::new(9)
        .ghost(Ghost::Pinky, Tile::new(6, 5), Dir::Right)
        .ghost(Ghost::Inky, Tile::new(21, 5), Dir::Left)
        .ghost(Ghost::Clyde, Tile::new(3, 26), Dir::Right)
        .options(Options { invincible: true, ..Options::default() })
        .build()?;
    for g in Ghost::ALL {
        assert_eq!(game.target(g), Some(g.scatter_target()), "{g:?} scatters");
    }
    assert_eq!(Ghost::Blinky.scatter_target(), Tile::new(25, -3));
    assert_eq!(Ghost::Clyde.scatter_target(), Tile::new(0, 32));
    for _ in 0..2000 {
        if game.step(Input::NONE).contains(&Event::ModeChanged { mode: Mode::Chase }) {
            break;
        }
    }
    assert_eq!(game.mode(), Mode::Chase);
    let pac = game.pacman();
    let c = chase(pac.pos.tile(), pac.dir, game.ghost(Ghost::Blinky).pos.tile(), true);
    let mut checked = 0;
    for v in game.ghosts() {
        if v.state == GhostState::Roaming && !v.frightened {
            assert_eq!(v.target, Some(chase_target(v.ghost, v.pos.tile(), &c)), "{:?}", v.ghost);
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} ghosts roaming");
    Ok(())
}

#[test]
fn ties_resolve_up_left_down_right() -> TestResult {
    let maze = Maze::arcade()?;
    let x = Tile::new(6, 5); // a four-way intersection
    assert!(Dir::PRIORITY.iter().all(|&d| maze.is_open(x.step(d, 1))));
    assert_eq!(choose_direction(&maze, x, Dir::Up, Tile::new(5, 4), true), Dir::Up, "up = left");
    assert_eq!(choose_direction(&maze, x, Dir::Left, Tile::new(5, 6), true), Dir::Left, "left = down");
    assert_eq!(choose_direction(&maze, x, Dir::Down, Tile::new(7, 6), true), Dir::Down, "down = right");
    assert_eq!(choose_direction(&maze, x, Dir::Right, x, true), Dir::Up, "up = down = right");
    assert_eq!(choose_direction(&maze, x, Dir::Right, Tile::new(7, 7), true), Dir::Down, "nearest wins");
    Ok(())
}

#[test]
fn a_ghost_never_chooses_its_reverse() -> TestResult {
    let maze = Maze::arcade()?;
    let targets = [Tile::new(0, 0), Tile::new(27, 30), Tile::new(13, 14), Tile::new(-5, 40), Tile::new(25, -3)];
    let mut checked = 0;
    for (t, cell) in maze.tiles() {
        if !cell.is_open() {
            continue;
        }
        for arriving in Dir::PRIORITY {
            // Only arrivals that can happen: from an open neighbour.
            if !maze.is_open(wrap(t.step(arriving.reverse(), 1))) {
                continue;
            }
            for &target in &targets {
                for no_up in [true, false] {
                    let d = choose_direction(&maze, t, arriving, target, no_up);
                    assert_ne!(d, arriving.reverse(), "at {t:?} arriving {arriving:?}");
                    assert!(maze.is_open(wrap(t.step(d, 1))));
                }
            }
            for pick in Dir::PRIORITY {
                let d = frightened_direction(&maze, t, arriving, pick);
                assert_ne!(d, arriving.reverse(), "frightened at {t:?} arriving {arriving:?}");
                assert!(maze.is_open(wrap(t.step(d, 1))));
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked}");
    Ok(())
}

#[test]
fn roaming_ghosts_reverse_only_when_forced() -> TestResult {
    let options = Options { invincible: true, ..Options::default() };
    let mut game = Scenario::new(10).options(options).build()?;
    let mut signals = 0;
    let mut reversals = [0u32; 4];
    let ghosts = Ghost::ALL;
    for _ in 0..6000 {
        let before = game.ghosts();
        let events = game.step(Input { dir: nearest_dot_dir(&game), ..Input::NONE });
        signals +=
            events.iter().filter(|e| matches!(e, Event::ModeChanged { .. } | Event::EnergizerEaten { .. })).count()
                as u32;
        if events.iter().any(|e| matches!(e, Event::PacmanDied | Event::LevelCleared { .. })) {
            break;
        }
        for (i, g) in ghosts.iter().enumerate() {
            let (b, a) = (before[i], game.ghost(*g));
            if b.state == GhostState::Roaming && a.state == GhostState::Roaming && a.dir == b.dir.reverse() {
                reversals[i] += 1;
            }
        }
    }
    assert!(signals >= 3, "{signals}");
    assert!(reversals.iter().all(|&r| r <= signals), "{reversals:?} > {signals}");
    assert!(reversals.iter().sum::<u32>() > 0, "forced reversals do happen");
    Ok(())
}

#[test]
fn up_is_never_chosen_on_no_up_tiles_in_scatter_or_chase() -> TestResult {
    let maze = Maze::arcade()?;
    for t in NO_UP_TILES {
        assert!(maze.is_open(t.step(Dir::Up, 1)), "{t:?} has an opening upwards");
        for arriving in [Dir::Left, Dir::Right] {
            let straight_up = Tile::new(t.col, -20);
            assert_ne!(choose_direction(&maze, t, arriving, straight_up, true), Dir::Up, "{t:?}");
            assert_eq!(choose_direction(&maze, t, arriving, straight_up, false), Dir::Up, "{t:?} unrestricted");
        }
    }
    // And in play: a roaming, non-frightened ghost never turns up on those tiles.
    let options = Options { invincible: true, ..Options::default() };
    let mut game = Scenario::new(11).options(options).build()?;
    let mut visits = 0;
    for _ in 0..8000 {
        let before = game.ghosts();
        game.step(Input { dir: nearest_dot_dir(&game), ..Input::NONE });
        for b in before {
            let a = game.ghost(b.ghost);
            let on_no_up = NO_UP_TILES.contains(&a.pos.tile());
            if on_no_up && a.state == GhostState::Roaming && !a.frightened && b.state == GhostState::Roaming {
                visits += 1;
                // Turning up from a horizontal move is what the rule forbids.
                assert!(!(a.dir == Dir::Up && b.dir.is_horizontal()), "{:?} turned up at {:?}", a.ghost, a.pos.tile());
            }
        }
    }
    assert!(visits > 20, "ghosts crossed the no-up tiles only {visits} times");
    Ok(())
}

#[test]
fn sprites_stay_on_open_floor_and_ghosts_on_corridor_centre_lines() -> TestResult {
    let mut game = practice(16)?;
    let maze = Maze::arcade()?;
    let mut roaming_seen = 0;
    for _ in 0..12_000 {
        game.step(Input { dir: nearest_dot_dir(&game), ..Input::NONE });
        let pac = game.pacman().pos;
        assert!(maze.is_open(pac.tile()), "Pac-Man in a wall at {:?}", pac.tile());
        for v in game.ghosts() {
            if v.state != GhostState::Roaming {
                continue;
            }
            roaming_seen += 1;
            let c = v.pos.tile().center();
            assert!(maze.is_open(v.pos.tile()), "{:?} in a wall at {:?}", v.ghost, v.pos.tile());
            assert!(v.pos.x == c.x || v.pos.y == c.y, "{:?} off the centre lines at {:?}", v.ghost, v.pos);
        }
    }
    assert!(game.level() >= 3, "the autopilot cleared levels: now on {}", game.level());
    assert!(roaming_seen > 10_000);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Ghost house
// ---------------------------------------------------------------------------------------------

#[test]
fn house_release_by_personal_counters_on_level_one() {
    use Ghost::{Clyde, Inky, Pinky};
    let mut h = HouseRelease::new(1);
    assert_eq!(h.on_tick(&[Pinky, Inky, Clyde]), Some((Pinky, Release::DotCounter)), "Pinky at once");
    for n in 1..30 {
        assert_eq!(h.on_dot(&[Inky, Clyde]), None, "dot {n}");
    }
    assert_eq!(h.on_dot(&[Inky, Clyde]), Some((Inky, Release::DotCounter)), "Inky after 30");
    for n in 1..60 {
        assert_eq!(h.on_dot(&[Clyde]), None, "dot {n} of Clyde's");
    }
    assert_eq!(h.on_dot(&[Clyde]), Some((Clyde, Release::DotCounter)), "Clyde after 60 more");

    let mut h = HouseRelease::new(2);
    assert_eq!(h.on_tick(&[Inky, Clyde]), Some((Inky, Release::DotCounter)), "level 2: Inky at once");
    let released = (1..=50).find(|_| h.on_dot(&[Clyde]).is_some());
    assert_eq!(released, Some(50), "level 2: Clyde after 50");
}

#[test]
fn house_release_by_global_counter_after_a_death() {
    use Ghost::{Clyde, Inky, Pinky};
    let mut h = HouseRelease::new(1);
    h.on_life_lost();
    let mut waiting = vec![Pinky, Inky, Clyde];
    let mut released = Vec::new();
    for dot in 1..=40 {
        if let Some((g, by)) = h.on_dot(&waiting) {
            released.push((dot, g, by));
            waiting.retain(|w| *w != g);
        }
    }
    let g = Release::GlobalCounter;
    assert_eq!(released, vec![(7, Pinky, g), (17, Inky, g), (32, Clyde, g)]);
    assert_eq!(h.global_counter(), None, "switched off with Clyde inside at 32");
}

#[test]
fn idle_timer_forces_a_ghost_out() {
    let mut h = HouseRelease::new(1);
    let waiting = [Ghost::Inky, Ghost::Clyde];
    let first = (1..=1000).find(|_| h.on_tick(&waiting).is_some());
    assert_eq!(first, Some(240), "4 s without a dot on level 1");
    // From level 5 the personal limits are 0, so the timer only matters after a lost life.
    let mut h = HouseRelease::new(5);
    h.on_life_lost();
    let first = (1..=1000).find(|_| h.on_tick(&waiting).is_some());
    assert_eq!(first, Some(180), "3 s from level 5");
    let mut h = HouseRelease::new(1);
    for _ in 0..200 {
        h.on_tick(&waiting);
    }
    h.on_dot(&waiting);
    let after_dot = (1..=1000).find(|_| h.on_tick(&waiting).is_some());
    assert_eq!(after_dot, Some(240), "a dot restarts the timer");
}

#[test]
fn in_play_pinky_leaves_at_once_inky_after_30_dots_clyde_after_60_more() -> TestResult {
    let mut game = practice(12)?;
    let mut dots = 0;
    let mut released = Vec::new();
    let mut pinky_out = None;
    autopilot(&mut game, 5000, |g, ev| {
        for e in ev {
            match e {
                Event::DotEaten { .. } | Event::EnergizerEaten { .. } => dots += 1,
                Event::GhostReleased { ghost, by } => released.push((*ghost, *by, dots)),
                _ => {}
            }
        }
        let p = g.ghost(Ghost::Pinky);
        if pinky_out.is_none() && p.state == GhostState::Roaming {
            pinky_out = Some((p.pos, p.dir));
        }
        released.len() == 3
    });
    let d = Release::DotCounter;
    assert_eq!(released, vec![(Ghost::Pinky, d, 0), (Ghost::Inky, d, 30), (Ghost::Clyde, d, 90)]);
    assert_eq!(pinky_out, Some((HOUSE_EXIT, Dir::Left)), "ghosts leave the house heading left");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pac-Man movement and forgiving input
// ---------------------------------------------------------------------------------------------

/// Steps until Pac-Man first faces `dir`, returning his tile and x then (or None).
fn first_turn(game: &mut Game, first: Input, dir: Dir, max: u32) -> Option<(Tile, i32)> {
    game.step(first);
    for _ in 0..max {
        if game.pacman().dir == dir {
            let p = game.pacman().pos;
            return Some((p.tile(), p.x));
        }
        game.step(Input::NONE);
    }
    None
}

#[test]
fn a_buffered_turn_is_taken_at_the_first_legal_intersection() -> TestResult {
    let remember = Options { input: InputOptions { remember_ticks: 90, reversal_ticks: 1 }, ..Options::default() };
    // Down shown once at the start: (12, 23) only opens up, so the first chance is (9, 23).
    let mut game = Scenario::new(13).options(remember).build()?;
    let turn = first_turn(&mut game, Input::dir(Dir::Down), Dir::Down, 120);
    assert_eq!(turn.map(|(t, _)| t), Some(Tile::new(9, 23)));

    // Up shown once: taken at (12, 23), before the tile centre, and then cornering pulls him onto
    // the column while he already moves up.
    let mut game = Scenario::new(13).options(remember).build()?;
    let turn = first_turn(&mut game, Input::dir(Dir::Up), Dir::Up, 120);
    let (tile, x) = turn.ok_or("never turned up")?;
    let center = Tile::new(12, 23).center();
    assert_eq!(tile, Tile::new(12, 23));
    assert!(x > center.x, "turned {} units before the centre", x - center.x);
    for _ in 0..14 {
        game.step(Input::NONE);
    }
    let p = game.pacman().pos;
    assert_eq!((p.x, game.pacman().dir), (center.x, Dir::Up));
    assert!(p.y < center.y - UNITS_PER_TILE, "moved up more than a tile");

    // Forgotten after 10 ticks: he runs on to the wall at (6, 23) and stops there.
    let short = Options { input: InputOptions { remember_ticks: 10, reversal_ticks: 1 }, ..Options::default() };
    let mut game = Scenario::new(13).options(short).build()?;
    assert_eq!(first_turn(&mut game, Input::dir(Dir::Down), Dir::Down, 150), None);
    assert_eq!((game.pacman().pos, game.pacman().moving), (Tile::new(6, 23).center(), false));
    Ok(())
}

#[test]
fn reversal_needs_n_consecutive_ticks_when_asked() -> TestResult {
    let guarded = Options { input: InputOptions { remember_ticks: 30, reversal_ticks: 3 }, ..Options::default() };
    let mut game = Scenario::new(14).options(guarded).build()?;
    let right = Input::dir(Dir::Right);
    let script = [right, right, Input::NONE, right, right, right];
    let dirs: Vec<Dir> = script
        .iter()
        .map(|&i| {
            game.step(i);
            game.pacman().dir
        })
        .collect();
    use Dir::{Left as L, Right as R};
    assert_eq!(dirs, vec![L, L, L, L, L, R], "a gap restarts the count");

    let mut arcade = Scenario::new(14).build()?;
    arcade.step(right);
    assert_eq!(arcade.pacman().dir, R, "by default one tick reverses, as in the arcade");
    Ok(())
}

#[test]
fn speeds_follow_the_level_table() -> TestResult {
    // Tunnel tiles have no dots, so nothing stops Pac-Man there.
    for (level, per_tick) in [(1, 400), (2, 450), (5, 500), (21, 450)] {
        let options = Options { start_level: level, invincible: true, ..Options::default() };
        let mut game = Scenario::new(15).options(options).pacman(Tile::new(4, 14), Dir::Left).build()?;
        let x0 = game.pacman().pos.x;
        game.step(Input::NONE);
        assert_eq!(x0 - game.pacman().pos.x, per_tick, "level {level}");
    }
    // Ghosts: 75 % normally and 40 % in the tunnel on level 1.
    let mut game = Scenario::new(15)
        .ghost(Ghost::Pinky, Tile::new(3, 14), Dir::Left)
        .ghost(Ghost::Inky, Tile::new(3, 5), Dir::Right)
        .build()?;
    let (p0, i0) = (game.ghost(Ghost::Pinky).pos, game.ghost(Ghost::Inky).pos);
    game.step(Input::NONE);
    assert_eq!(p0.x - game.ghost(Ghost::Pinky).pos.x, 200);
    assert_eq!(game.ghost(Ghost::Inky).pos.x - i0.x, 375);
    // A dot costs Pac-Man one tick: he stands still on the tick after eating.
    let mut game = Scenario::new(15).pacman(Tile::new(7, 23), Dir::Left).build()?;
    let mut xs = Vec::new();
    for _ in 0..12 {
        let ate = game.step(Input::NONE).iter().any(|e| matches!(e, Event::DotEaten { .. }));
        xs.push((game.pacman().pos.x, ate));
    }
    let i = xs.iter().position(|(_, ate)| *ate).ok_or("no dot eaten")?;
    assert_eq!(xs[i + 1].0, xs[i].0, "stopped for the dot");
    assert_eq!(xs[i + 2].0, xs[i].0 - 400, "moving again");
    Ok(())
}

#[test]
fn pacer_runs_the_chosen_fraction_of_ticks() {
    for (speed, expected) in [(50, 30), (75, 45), (100, 60)] {
        let mut p = Pacer::new(speed);
        assert_eq!((0..60).map(|_| p.ticks_for_frame()).sum::<u32>(), expected, "{speed} % per frame");
        let mut p = Pacer::new(speed);
        let ticks: u32 = (0..60).map(|_| p.ticks_for(Duration::from_micros(16_667))).sum();
        assert_eq!(ticks, expected, "{speed} % by elapsed time");
    }
    assert_eq!((Pacer::new(10).speed(), Pacer::new(150).speed()), (25, 100));
    assert_eq!(Pacer::new(100).ticks_for(Duration::from_secs(1)), 6, "a stalled frame does not fast-forward");
}

// ---------------------------------------------------------------------------------------------
// Determinism, replay, pause, restart
// ---------------------------------------------------------------------------------------------

#[test]
fn same_seed_and_inputs_give_the_same_hash() -> TestResult {
    let inputs = scripted_inputs(4000, 99);
    let a = run_with(21, Options::default(), &inputs, 4000)?;
    let b = run_with(21, Options::default(), &inputs, 4000)?;
    assert_eq!(a, b);
    assert!(a.dots > 20, "the script actually played: {a:?}");
    // Turn Pac-Man round on the first tick after 300 on which he is moving.
    let mut probe = Game::new(21, Options::default())?;
    let mut turn = None;
    for (t, &i) in inputs.iter().enumerate() {
        if t > 300 && probe.phase() == Phase::Playing && probe.pacman().moving {
            turn = Some((t, probe.pacman().dir.reverse()));
            break;
        }
        probe.step(i);
    }
    let (t, back) = turn.ok_or("Pac-Man never moved")?;
    let mut changed = inputs.clone();
    changed[t] = Input::dir(back);
    let c = run_with(21, Options::default(), &changed, 4000)?;
    assert_ne!(a.hash, c.hash, "one different input changes the game: {a:?} {c:?}");
    assert_ne!(a.hash, run_with(22, Options::default(), &inputs, 4000)?.hash);
    Ok(())
}

#[test]
fn a_recorded_log_replays_to_the_same_hash_after_a_json_round_trip() -> TestResult {
    let mut rec = Recorder::new(31, Options::default())?;
    let mut inputs = scripted_inputs(3000, 7);
    for i in &mut inputs[1000..1100] {
        i.pause = true;
    }
    for &i in &inputs {
        rec.step(i);
    }
    let json = serde_json::to_string(rec.log())?;
    let log: ReplayLog = serde_json::from_str(&json)?;
    assert_eq!(log.len(), 3000);
    assert!(log.runs.len() < 300, "run-length encoded: {} runs", log.runs.len());
    let summary = log.play()?;
    assert_eq!(summary.hash, rec.game().state_hash());
    assert_eq!(summary.score, rec.game().score());
    Ok(())
}

#[test]
fn pause_holds_the_game_still() -> TestResult {
    let inputs = scripted_inputs(600, 3);
    let mut paused = Game::new(41, Options::default())?;
    let mut straight = Game::new(41, Options::default())?;
    for &i in &inputs[..400] {
        paused.step(i);
        straight.step(i);
    }
    let (hash, tick) = (paused.state_hash(), paused.tick());
    for _ in 0..50 {
        let events = paused.step(Input { dir: Some(Dir::Right), pause: true, ..Input::NONE });
        assert!(events.is_empty());
    }
    assert!(paused.paused());
    assert_eq!((paused.state_hash(), paused.tick()), (hash, tick));
    for &i in &inputs[400..] {
        paused.step(i);
        straight.step(i);
    }
    assert!(!paused.paused());
    assert_eq!(paused.state_hash(), straight.state_hash());
    Ok(())
}

#[test]
fn restart_starts_over_and_keeps_the_high_score() -> TestResult {
    let mut game = Game::new(51, Options::default())?;
    for _ in 0..600 {
        game.step(Input::NONE);
    }
    let score = game.score();
    assert!(score > 0);
    let events = game.step(Input { restart: true, ..Input::NONE });
    assert_eq!(events, vec![Event::Restarted]);
    assert_eq!((game.score(), game.high_score(), game.level(), game.lives()), (0, score, 1, 3));
    assert_eq!(game.phase(), Phase::Ready { ticks_left: START_READY_TICKS });
    let fresh = Game::new(51, Options::default())?.with_high_score(score);
    assert_eq!(game.state_hash(), fresh.state_hash());
    Ok(())
}

#[test]
fn bad_options_and_scenarios_are_typed_errors() {
    let err = Game::new(1, Options { lives: 0, ..Options::default() }).err().map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("game option `lives`: must be at least 1"));
    let err = Scenario::new(1).pacman(Tile::new(0, 0), Dir::Left).build().err().map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("scenario: Pac-Man cannot stand on tile (0, 0): it is not open floor"));
}
