//! The last arcade rules (issue 15), each test named after its rule and pinned to its number:
//! from "The Pac-Man Dossier", or from the arcade program where the dossier gives none (the
//! disassembly cited in `src/game/event.rs`).

use super::game::{TestResult, autopilot, count, nearest_dot_dir, practice};
use pacnet::game::{
    Cutscene, DYING_TICKS, Dir, Event, FLASH_HALF_TICKS, FRUIT_MAX_TICKS, FRUIT_MIN_TICKS, Figure, Fruit, Game, Ghost,
    GhostState, HouseRelease, Input, InputOptions, LEVEL_COMPLETE_TICKS, Look, Maze, Mode, ModeTimer, Options, Phase,
    READY_TICKS, Release, Rng, SPLIT_COLUMN, SPLIT_DOTS, Scenario, Tile, UNITS_PER_PIXEL, UNITS_PER_TILE,
    frightened_direction, spec,
};

fn level(n: u32) -> Options {
    Options { start_level: n, ..Options::default() }
}

fn practice_level(n: u32) -> Options {
    Options { start_level: n, invincible: true, ..Options::default() }
}

/// Steps with no input until `want` is reported; returns the number of steps taken.
fn until(game: &mut Game, max: u32, want: impl Fn(&Event) -> bool) -> Option<u32> {
    (1..=max).find(|_| game.step(Input::NONE).iter().any(&want))
}

// ---------------------------------------------------------------------------------------------
// Frightened ghosts
// ---------------------------------------------------------------------------------------------

#[test]
fn frightened_fallback_turns_clockwise_from_the_random_pick() -> TestResult {
    let maze = Maze::arcade()?;
    // (6, 1): a T with exits left, right and down; up is wall.
    let t = Tile::new(6, 1);
    // Arriving from the left (moving right): right and down are allowed.
    assert_eq!(frightened_direction(&maze, t, Dir::Right, Dir::Up), Dir::Right, "up is a wall: clockwise is right");
    assert_eq!(frightened_direction(&maze, t, Dir::Right, Dir::Left), Dir::Right, "left reverses: up, then right");
    assert_eq!(frightened_direction(&maze, t, Dir::Right, Dir::Down), Dir::Down, "an open pick stands");
    // Arriving from the right (moving left): left and down are allowed.
    assert_eq!(frightened_direction(&maze, t, Dir::Left, Dir::Up), Dir::Down, "up, right (reverse), then down");
    assert_eq!(frightened_direction(&maze, t, Dir::Left, Dir::Right), Dir::Down);
    Ok(())
}

/// Counts the white runs of the flashing and the blue time of one energizer on `level`.
fn blue_time_and_flashes(level: u32) -> Result<(u32, u32, Vec<u32>), Box<dyn std::error::Error>> {
    let mut game = Scenario::new(6).options(practice_level(level)).pacman(Tile::new(1, 4), Dir::Up).build()?;
    let (mut started, mut blue, mut white_runs, mut run) = (false, 0u32, 0u32, 0u32);
    let mut run_lengths = Vec::new();
    for _ in 0..3000 {
        let frozen = game.score_pause_ticks() > 0;
        let events = game.step(Input::NONE);
        let energizer = events.iter().any(|e| matches!(e, Event::EnergizerEaten { .. }));
        started |= energizer;
        if !started || frozen {
            continue;
        }
        // The blue time is counted from the tick after the energizer to the tick it ends.
        if !energizer && (game.fright_ticks_left() > 0 || events.contains(&Event::FrightEnded)) {
            blue += 1;
        }
        if game.fright_flash_white() {
            run += 1;
        } else if run > 0 {
            white_runs += 1;
            run_lengths.push(run);
            run = 0;
        }
        if events.contains(&Event::FrightEnded) || (blue == 0 && game.tick() > 400) {
            break;
        }
    }
    if run > 0 {
        white_runs += 1;
        run_lengths.push(run);
    }
    Ok((blue, white_runs, run_lengths))
}

#[test]
fn frightened_time_and_flash_count_follow_table_a1_on_every_level() -> TestResult {
    // Table A.1: seconds of blue time and number of flashes, levels 1 to 21.
    let table: [(u32, u32); 21] = [
        (6, 5),
        (5, 5),
        (4, 5),
        (3, 5),
        (2, 5),
        (5, 5),
        (2, 5),
        (2, 5),
        (1, 3),
        (5, 5),
        (2, 5),
        (1, 3),
        (1, 3),
        (3, 5),
        (1, 3),
        (1, 3),
        (0, 0),
        (1, 3),
        (0, 0),
        (0, 0),
        (0, 0),
    ];
    for (i, &(seconds, flashes)) in table.iter().enumerate() {
        let level = i as u32 + 1;
        let (blue, white_runs, runs) = blue_time_and_flashes(level)?;
        assert_eq!(blue, seconds * 60, "level {level}: blue ticks");
        assert_eq!(white_runs, flashes, "level {level}: white flashes {runs:?}");
        assert_eq!(spec(level).flashes, flashes, "level {level}: table column");
        // Each white (but a last one cut short) lasts 14 ticks.
        let full = runs.iter().take(runs.len().saturating_sub(1));
        assert!(full.clone().all(|&r| r == FLASH_HALF_TICKS), "level {level}: {runs:?}");
    }
    assert_eq!(spec(40).fright_ticks, 0, "no blue time past level 21 either");
    Ok(())
}

#[test]
fn energizers_on_levels_without_blue_time_only_reverse_the_ghosts() -> TestResult {
    for level in [17, 19, 21, 30] {
        let mut game = Scenario::new(3)
            .options(practice_level(level))
            .pacman(Tile::new(1, 4), Dir::Up)
            .ghost(Ghost::Pinky, Tile::new(6, 5), Dir::Right)
            .build()?;
        let before = game.ghost(Ghost::Pinky).dir;
        let mut ate = false;
        for _ in 0..10 {
            ate |= game.step(Input::NONE).iter().any(|e| matches!(e, Event::EnergizerEaten { .. }));
            if ate {
                break;
            }
        }
        assert!(ate, "level {level}: energizer eaten");
        assert!(game.ghosts().iter().all(|g| !g.frightened), "level {level}: nobody turns blue");
        assert_eq!(game.fright_ticks_left(), 0);
        let turned = (0..20).any(|_| {
            game.step(Input::NONE);
            game.ghost(Ghost::Pinky).dir == before.reverse()
        });
        assert!(turned, "level {level}: Pinky reverses all the same");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Speeds
// ---------------------------------------------------------------------------------------------

/// Per-tick distances of Pac-Man while frightened ghosts are about, after the energizer at (1, 3).
fn pacman_fright_steps(level: u32) -> Result<Vec<i32>, Box<dyn std::error::Error>> {
    let mut game = Scenario::new(1).options(practice_level(level)).pacman(Tile::new(1, 5), Dir::Up).build()?;
    let mut steps = Vec::new();
    let mut energized = false;
    for t in 0..60 {
        let before = game.pacman().pos;
        let input = if t > 12 { Input::dir(Dir::Right) } else { Input::NONE };
        let events = game.step(input);
        let after = game.pacman().pos;
        if energized && game.fright_ticks_left() > 0 && game.score_pause_ticks() == 0 {
            steps.push((after.x - before.x).abs() + (after.y - before.y).abs());
        }
        energized |= events.iter().any(|e| matches!(e, Event::EnergizerEaten { .. }));
    }
    Ok(steps)
}

#[test]
fn pacman_frightened_speed_follows_the_table() -> TestResult {
    // 90 % on level 1, 95 % on levels 2-4, 100 % from 5: 5 units per percent and tick.
    for (level, percent) in [(1, 90), (2, 95), (4, 95), (5, 100)] {
        let steps = pacman_fright_steps(level)?;
        let moving: Vec<i32> = steps.iter().copied().filter(|&s| s > 0).collect();
        assert!(moving.len() > 20, "level {level}: {steps:?}");
        // Cornering adds a sideways step during the one turn; every straight step is the speed.
        let straight = moving.iter().filter(|&&s| s == 5 * percent).count();
        assert!(straight >= moving.len() - 5, "level {level}: {moving:?}");
        assert!(moving.iter().all(|&s| s >= 5 * percent && s <= 10 * percent), "level {level}: {moving:?}");
    }
    Ok(())
}

#[test]
fn three_tick_stop_per_energizer() -> TestResult {
    let mut game = Scenario::new(1).pacman(Tile::new(1, 5), Dir::Up).build()?;
    let mut ys = Vec::new();
    for _ in 0..20 {
        let ate = game.step(Input::NONE).iter().any(|e| matches!(e, Event::EnergizerEaten { .. }));
        ys.push((game.pacman().pos.y, ate));
    }
    let i = ys.iter().position(|(_, ate)| *ate).ok_or("no energizer eaten")?;
    let y = ys[i].0;
    assert_eq!([ys[i + 1].0, ys[i + 2].0, ys[i + 3].0], [y, y, y], "three ticks still");
    assert_eq!(ys[i + 4].0, y - 450, "then on at the frightened 90 %");
    Ok(())
}

/// Manhattan distance `g` covered per tick while roaming outside the tunnel, with whether it
/// was blue (ticks where it turned back are left out: their net distance is shorter).
fn ghost_steps(game: &mut Game, g: Ghost, ticks: u32) -> Vec<(i32, bool)> {
    let maze = game.maze().clone();
    let mut out = Vec::new();
    for _ in 0..ticks {
        let b = game.ghost(g);
        let frozen = game.score_pause_ticks() > 0;
        game.step(Input::NONE);
        let a = game.ghost(g);
        let outside = !maze.is_tunnel(b.pos.tile()) && !maze.is_tunnel(a.pos.tile());
        let roaming = b.state == GhostState::Roaming && a.state == GhostState::Roaming;
        if outside && !frozen && roaming && a.dir != b.dir.reverse() {
            out.push(((a.pos.x - b.pos.x).abs() + (a.pos.y - b.pos.y).abs(), a.frightened));
        }
    }
    out
}

#[test]
fn frightened_ghost_speed_follows_the_table() -> TestResult {
    for (level, normal, fright) in [(1, 75, 50), (2, 85, 55), (5, 95, 60)] {
        let mut game = Scenario::new(2)
            .options(practice_level(level))
            .pacman(Tile::new(1, 5), Dir::Up)
            .ghost(Ghost::Pinky, Tile::new(21, 5), Dir::Left)
            .build()?;
        let steps = ghost_steps(&mut game, Ghost::Pinky, 50);
        let (blue, plain): (Vec<_>, Vec<_>) = steps.iter().partition(|(_, f)| *f);
        assert!(blue.len() > 20 && plain.len() > 5, "level {level}: {steps:?}");
        assert!(plain.iter().all(|&&(s, _)| s == 5 * normal), "level {level} normal: {steps:?}");
        assert!(blue.iter().all(|&&(s, _)| s == 5 * fright), "level {level} blue: {steps:?}");
    }
    Ok(())
}

#[test]
fn cruise_elroy_thresholds_and_speeds_follow_the_table_on_every_level() -> TestResult {
    // Table A.1: Elroy 1 dots left and speed, Elroy 2 dots left and speed.
    let rows = [
        (1, 20, 80, 10, 85),
        (2, 30, 90, 15, 95),
        (3, 40, 90, 20, 95),
        (5, 40, 100, 20, 105),
        (6, 50, 100, 25, 105),
        (9, 60, 100, 30, 105),
        (12, 80, 100, 40, 105),
        (15, 100, 100, 50, 105),
        (19, 120, 100, 60, 105),
        (21, 120, 100, 60, 105),
    ];
    for (level, d1, s1, d2, s2) in rows {
        for (left, stage, speed) in [(d1 + 1, 0, spec(level).ghost), (d1, 1, s1), (d2 + 1, 1, s1), (d2, 2, s2)] {
            // Pac-Man starts between dots, so nothing is eaten during the three ticks measured.
            let mut game = Scenario::new(4)
                .options(practice_level(level))
                .dots_eaten(244 - left)
                .pacman(Tile::new(13, 23), Dir::Left)
                .ghost(Ghost::Blinky, Tile::new(21, 5), Dir::Left)
                .build()?;
            assert_eq!(game.elroy(), stage, "level {level}, {left} dots left");
            let steps = ghost_steps(&mut game, Ghost::Blinky, 3);
            assert_eq!(steps.len(), 3);
            assert!(steps.iter().all(|&(s, _)| s == 5 * speed as i32), "level {level}, {left} left: {steps:?}");
        }
    }
    Ok(())
}

#[test]
fn cruise_elroy_pauses_after_a_death_until_clyde_leaves() -> TestResult {
    // Level 19, 110 dots left: Elroy 1 (at 120). Blinky comes straight at Pac-Man.
    let mut game = Scenario::new(5)
        .options(level(19))
        .dots_eaten(244 - 110)
        .pacman(Tile::new(21, 8), Dir::Down)
        .ghost(Ghost::Blinky, Tile::new(21, 10), Dir::Up)
        .build()?;
    assert_eq!(game.elroy(), 1);
    until(&mut game, 200, |e| *e == Event::PacmanDied).ok_or("Blinky never caught Pac-Man")?;
    until(&mut game, 1000, |e| *e == Event::PlayStarted).ok_or("no next life")?;
    // The global counter lets Clyde out at the 32nd dot of the new life.
    let mut dots = 0;
    while game.ghost(Ghost::Clyde).state == GhostState::InHouse {
        assert_eq!(game.elroy(), 0, "suspended while Clyde waits, {dots} dots into the life");
        let events = game.step(Input { dir: nearest_dot_dir(&game), ..Input::NONE });
        dots += count(&events.iter().map(|e| (0, *e)).collect::<Vec<_>>(), |e| matches!(e, Event::DotEaten { .. }));
        assert!(!events.contains(&Event::PacmanDied), "caught again after {dots} dots");
    }
    assert_eq!(dots, 32);
    game.step(Input::NONE);
    assert_eq!(game.elroy(), 1, "back once Clyde is out (110 - 32 = 78 dots left)");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Scatter / chase schedule
// ---------------------------------------------------------------------------------------------

fn switches(level: u32) -> Vec<(u32, Mode)> {
    let mut timer = ModeTimer::new(level);
    (1..=70_000u32).filter_map(|t| timer.tick().map(|m| (t, m))).collect()
}

#[test]
fn scatter_chase_schedule_of_levels_2_to_4_and_5_on() {
    use Mode::{Chase as C, Scatter as S};
    for level in 2..=4 {
        // 7, 20, 7, 20, 5 s, then a chase of 1033 s and a scatter of 1/60 s.
        let expect = vec![(420, C), (1620, S), (2040, C), (3240, S), (3540, C), (65_520, S), (65_521, C)];
        assert_eq!(switches(level), expect, "level {level}");
    }
    for level in [5, 12, 21, 255] {
        // 5, 20, 5, 20, 5 s, then a chase of 1037 s and a scatter of 1/60 s.
        let expect = vec![(300, C), (1500, S), (1800, C), (3000, S), (3300, C), (65_520, S), (65_521, C)];
        assert_eq!(switches(level), expect, "level {level}");
    }
    assert_eq!(65_520 - 3540, 1033 * 60);
    assert_eq!(65_520 - 3300, 1037 * 60);
}

// ---------------------------------------------------------------------------------------------
// Fruit
// ---------------------------------------------------------------------------------------------

#[test]
fn fruit_kind_and_points_follow_table_a1() -> TestResult {
    use Fruit::*;
    let table = [
        (1, Cherries, 100),
        (2, Strawberry, 300),
        (3, Peach, 500),
        (4, Peach, 500),
        (5, Apple, 700),
        (6, Apple, 700),
        (7, Grapes, 1000),
        (8, Grapes, 1000),
        (9, Galaxian, 2000),
        (10, Galaxian, 2000),
        (11, Bell, 3000),
        (12, Bell, 3000),
        (13, Key, 5000),
        (21, Key, 5000),
        (200, Key, 5000),
    ];
    for (level, fruit, points) in table {
        assert_eq!((spec(level).fruit, spec(level).fruit.points()), (fruit, points), "level {level}");
    }
    // In play on level 3: the peach is worth 500.
    let mut game = Scenario::new(8).options(practice_level(3)).build()?;
    let log = autopilot(&mut game, 20_000, |_, ev| ev.iter().any(|e| matches!(e, Event::LevelCleared { .. })));
    let appeared = count(&log, |e| *e == Event::FruitAppeared { fruit: Peach });
    assert_eq!(appeared, 2);
    Ok(())
}

#[test]
fn fruit_stays_nine_to_ten_seconds_then_vanishes() -> TestResult {
    let mut seen = Vec::new();
    for seed in 0..6 {
        let mut game = practice(100 + seed)?;
        // Idle a different while each time, eat up to the fruit's 70th dot, then let go.
        for _ in 0..seed * 11 {
            game.step(Input::NONE);
        }
        autopilot(&mut game, 10_000, |g, _| g.fruit().is_some());
        let f = game.fruit().ok_or("no fruit")?;
        assert!((FRUIT_MIN_TICKS..=FRUIT_MAX_TICKS).contains(&f.ticks_left), "{}", f.ticks_left);
        seen.push(f.ticks_left);
        let mut lived = 0;
        let gone = loop {
            let frozen = game.score_pause_ticks() > 0;
            let events = game.step(Input::NONE);
            // Timers stand still while a ghost's points show, and on the tick it is eaten.
            if !frozen && !events.iter().any(|e| matches!(e, Event::GhostEaten { .. })) {
                lived += 1;
            }
            if let Some(e) = events.iter().find(|e| matches!(e, Event::FruitExpired | Event::FruitEaten { .. })) {
                break *e;
            }
            assert!(lived < 1000, "fruit never left");
        };
        if gone == Event::FruitExpired {
            assert_eq!(lived, f.ticks_left, "seed {seed}");
            assert!(game.fruit().is_none());
        }
    }
    seen.sort_unstable();
    seen.dedup();
    assert!(seen.len() > 1, "the time varies from fruit to fruit: {seen:?}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The random generator, cornering, the ghost house
// ---------------------------------------------------------------------------------------------

#[test]
fn random_generator_reseeded_on_every_life_and_level() -> TestResult {
    let seed = 77;
    let mut game = Scenario::new(seed).pacman(Tile::new(1, 5), Dir::Up).build()?;
    until(&mut game, 50, |e| matches!(e, Event::EnergizerEaten { .. })).ok_or("no energizer")?;
    for _ in 0..60 {
        game.step(Input::NONE);
    }
    assert_ne!(game.rng(), &Rng::new(seed), "frightened ghosts drew from it");
    until(&mut game, 20_000, |e| *e == Event::PacmanDied).ok_or("never caught")?;
    until(&mut game, 400, |e| matches!(e, Event::PlayStarted)).ok_or("no next life")?;
    assert_eq!(game.rng(), &Rng::new(seed), "a new life starts the same stream");

    // An energizer, then the last dot across the maze: blue ghosts draw on the way.
    let mut game = Scenario::new(seed)
        .options(practice_level(1))
        .pacman(Tile::new(1, 21), Dir::Down)
        .dots_only_on(&[Tile::new(1, 23), Tile::new(12, 23)])
        .build()?;
    let log = autopilot(&mut game, 2000, |_, ev| ev.iter().any(|e| matches!(e, Event::LevelCleared { .. })));
    assert_eq!(count(&log, |e| matches!(e, Event::EnergizerEaten { .. })), 1);
    assert_ne!(game.rng(), &Rng::new(seed), "frightened ghosts drew from it");
    until(&mut game, 400, |e| matches!(e, Event::LevelStarted { .. })).ok_or("no level 2")?;
    assert_eq!(game.rng(), &Rng::new(seed), "so does a new level");
    Ok(())
}

#[test]
fn cornering_window_is_the_whole_tile_four_pixels_either_side_of_the_centre() -> TestResult {
    // Pac-Man runs left from his start; (12, 23) is the first tile with an opening upwards.
    let joystick = Options { input: InputOptions { remember_ticks: 0, reversal_ticks: 1 }, ..Options::default() };
    let mut game = Scenario::new(1).options(joystick).build()?;
    let center = Tile::new(12, 23).center().x;
    let mut turned_at = Vec::new();
    for _ in 0..60 {
        let x = game.pacman().pos.x;
        let mut probe = game.clone();
        probe.step(Input::dir(Dir::Up));
        if probe.pacman().dir == Dir::Up {
            turned_at.push(x);
        }
        game.step(Input::NONE);
    }
    let (first, last) = (turned_at.first().copied().ok_or("never turned")?, turned_at.last().copied().unwrap_or(0));
    assert!(turned_at.iter().all(|&x| x.div_euclid(UNITS_PER_TILE) == 12), "only within (12, 23)");
    let px = |u: i32| u as f32 / UNITS_PER_PIXEL as f32;
    // Dossier: 4 pre-turn pixels coming from the right, 3 post-turn; here 4 and 4 around a
    // centre half a pixel over. Pac-Man moves about 1 px per tick, so the samples come within 1 px.
    assert!(px(first - center) > 3.0 && px(first - center) < 4.0, "pre-turn {} px", px(first - center));
    assert!(px(center - last) > 3.0 && px(center - last) <= 4.0, "post-turn {} px", px(center - last));
    assert!(px(first - last) < 8.0, "window {} px", px(first - last));
    assert_eq!(first.div_euclid(UNITS_PER_TILE), 12);
    Ok(())
}

#[test]
fn stuck_ghost_flaw_when_clyde_leaves_before_the_global_counter_reaches_32() {
    use Ghost::{Clyde, Inky, Pinky};
    let mut h = HouseRelease::new(1);
    h.on_life_lost();
    let mut waiting = vec![Pinky, Inky, Clyde];
    // Pac-Man eats nothing: the idle timer lets all three out, Clyde included.
    for _ in 0..3 {
        let (g, by) = (1..=240).find_map(|_| h.on_tick(&waiting)).expect("idle release");
        assert_eq!(by, Release::IdleTimer);
        waiting.retain(|w| *w != g);
    }
    assert!(waiting.is_empty());
    // Now 40 dots: the global counter passes 32 with Clyde outside and stays on.
    for _ in 0..40 {
        assert_eq!(h.on_dot(&waiting), None);
    }
    assert_eq!(h.global_counter(), Some(40), "never switched off");
    // Eaten ghosts back in the house are stuck: dots never release them again.
    let back = [Pinky, Inky, Clyde];
    for n in 0..200 {
        assert_eq!(h.on_dot(&back), None, "dot {n}");
    }
    assert_eq!(h.on_tick(&back), None, "a dot a moment ago keeps the timer from firing");
}

// ---------------------------------------------------------------------------------------------
// Collisions, the last dot, pauses
// ---------------------------------------------------------------------------------------------

/// Pac-Man on (7, 14) heading right at Blinky on (8, 14) heading left, on no dots.
fn head_on(level: u32) -> Result<Game, Box<dyn std::error::Error>> {
    Ok(Scenario::new(9)
        .options(self::level(level))
        .pacman(Tile::new(7, 14), Dir::Right)
        .ghost(Ghost::Blinky, Tile::new(8, 14), Dir::Left)
        .build()?)
}

#[test]
fn collision_is_by_tile_so_swapping_tiles_in_one_tick_passes_through() -> TestResult {
    // Level 2: Pac-Man 450 units a tick, Blinky 425. Both cross the tile border in tick 4.
    let mut game = head_on(2)?;
    let mut swapped = false;
    for _ in 0..12 {
        let (p, b) = (game.pacman().pos.tile(), game.ghost(Ghost::Blinky).pos.tile());
        let events = game.step(Input::dir(Dir::Right));
        assert!(!events.contains(&Event::PacmanDied), "caught");
        let (p2, b2) = (game.pacman().pos.tile(), game.ghost(Ghost::Blinky).pos.tile());
        swapped |= p2 == b && b2 == p && p != b;
    }
    assert!(swapped, "they swapped tiles");
    assert!(game.pacman().pos.x > game.ghost(Ghost::Blinky).pos.x, "and went on past each other");
    // Level 1: 400 and 375 units; Pac-Man enters Blinky's tile first and is caught.
    let mut game = head_on(1)?;
    let caught = (0..12).any(|_| game.step(Input::dir(Dir::Right)).contains(&Event::PacmanDied));
    assert!(caught);
    Ok(())
}

#[test]
fn energized_pacman_also_catches_a_blue_ghost_within_four_pixels() -> TestResult {
    assert_eq!(pacnet::game::ENERGIZED_CATCH_UNITS, 4 * UNITS_PER_PIXEL);
    // Practice games cleared by the autopilot: where was each blue ghost when it was eaten?
    let (mut same_tile, mut next_tile) = (0, 0);
    for seed in 0..4 {
        let mut game = practice(seed)?;
        for _ in 0..20_000 {
            let (pac, ghosts) = (game.pacman().pos, game.ghosts());
            let events = game.step(Input { dir: nearest_dot_dir(&game), ..Input::NONE });
            for e in &events {
                let Event::GhostEaten { ghost, .. } = e else { continue };
                let g = ghosts.iter().find(|v| v.ghost == *ghost).map(|v| v.pos).ok_or("no such ghost")?;
                if g.tile() == pac.tile() {
                    same_tile += 1;
                } else {
                    let near = (g.x - pac.x).abs() < 4 * UNITS_PER_PIXEL && (g.y - pac.y).abs() < 4 * UNITS_PER_PIXEL;
                    assert!(near, "eaten from afar: {pac:?} {g:?}");
                    next_tile += 1;
                }
            }
            if events.iter().any(|e| matches!(e, Event::LevelCleared { .. })) {
                break;
            }
        }
    }
    assert!(same_tile > 0 && next_tile > 0, "same tile {same_tile}, next tile {next_tile}");
    Ok(())
}

#[test]
fn the_last_dot_wins_over_a_ghost_arriving_on_the_same_tick() -> TestResult {
    // Level 2: Pac-Man on (7, 29) heading right, Blinky on (9, 29) heading left; the last dot is
    // on (8, 29). In tick 4 both enter (8, 29): Pac-Man eats the dot as Blinky arrives.
    let build = |dots: &[Tile]| {
        Scenario::new(10)
            .options(level(2))
            .dots_only_on(dots)
            .pacman(Tile::new(7, 29), Dir::Right)
            .ghost(Ghost::Blinky, Tile::new(9, 29), Dir::Left)
            .build()
    };
    let mut game = build(&[Tile::new(8, 29)])?;
    let mut log = Vec::new();
    for t in 1..=8 {
        log.extend(game.step(Input::dir(Dir::Right)).into_iter().map(|e| (t, e)));
    }
    let ate = log.iter().find(|(_, e)| matches!(e, Event::DotEaten { .. })).map(|(t, _)| *t);
    assert_eq!(ate, Some(4));
    assert_eq!(game.pacman().pos.tile(), Tile::new(8, 29));
    assert!(log.contains(&(5, Event::LevelCleared { level: 2 })), "{log:?}");
    assert!(!log.iter().any(|(_, e)| *e == Event::PacmanDied), "no life lost: {log:?}");
    assert_eq!(game.lives(), 3);
    // With one more dot elsewhere, the same meeting costs a life.
    let mut game = build(&[Tile::new(8, 29), Tile::new(20, 29)])?;
    let died = (1..=8).find(|_| game.step(Input::dir(Dir::Right)).contains(&Event::PacmanDied));
    assert_eq!(died, Some(5));
    Ok(())
}

#[test]
fn death_and_level_end_pauses_follow_the_arcade_timers() -> TestResult {
    // Dying: 220 ticks (1 s freeze, the animation, a pause), then READY for 2 s.
    let mut game = Game::new(4, Options::default())?;
    until(&mut game, 20_000, |e| *e == Event::PacmanDied).ok_or("never caught")?;
    let next = until(&mut game, 1000, |e| *e == Event::PlayStarted);
    assert_eq!(next, Some(DYING_TICKS + READY_TICKS));
    assert_eq!((DYING_TICKS, READY_TICKS), (220, 120));
    // Level end: 2 s still, eight 0.2 s flashes, 0.3 s black: 234 ticks, then READY.
    let mut game = Scenario::new(1).pacman(Tile::new(13, 23), Dir::Left).dots_only_on(&[Tile::new(12, 23)]).build()?;
    until(&mut game, 20, |e| matches!(e, Event::LevelCleared { .. })).ok_or("no clear")?;
    let next = until(&mut game, 1000, |e| matches!(e, Event::LevelStarted { .. }));
    assert_eq!(next, Some(LEVEL_COMPLETE_TICKS));
    assert_eq!(LEVEL_COMPLETE_TICKS, 120 + 8 * 12 + 18);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Intermissions and the split screen
// ---------------------------------------------------------------------------------------------

/// A game on `level` that clears it within a few ticks.
fn one_dot_from_the_end(level: u32) -> Result<Game, Box<dyn std::error::Error>> {
    Ok(Scenario::new(1)
        .options(practice_level(level))
        .pacman(Tile::new(13, 23), Dir::Left)
        .dots_only_on(&[Tile::new(12, 23)])
        .build()?)
}

#[test]
fn intermissions_follow_levels_2_5_9_13_and_17() -> TestResult {
    let after: Vec<(u32, Cutscene)> = (1..=300).filter_map(|l| Cutscene::after_level(l).map(|a| (l, a))).collect();
    assert_eq!(
        after,
        vec![
            (2, Cutscene::One),
            (5, Cutscene::Two),
            (9, Cutscene::Three),
            (13, Cutscene::Three),
            (17, Cutscene::Three)
        ]
    );
    for (level, act) in
        [(2, Some(Cutscene::One)), (3, None), (5, Some(Cutscene::Two)), (17, Some(Cutscene::Three)), (18, None)]
    {
        let mut game = one_dot_from_the_end(level)?;
        let mut log = Vec::new();
        for t in 1..=LEVEL_COMPLETE_TICKS + 1000 {
            log.extend(game.step(Input::NONE).into_iter().map(|e| (t, e)));
            if game.level() > level {
                break;
            }
        }
        let cleared = log.iter().find(|(_, e)| matches!(e, Event::LevelCleared { .. })).map(|(t, _)| *t);
        let started = log.iter().find(|(_, e)| matches!(e, Event::LevelStarted { .. })).map(|(t, _)| *t);
        let (cleared, started) = (cleared.ok_or("no clear")?, started.ok_or("no next level")?);
        match act {
            Some(act) => {
                assert!(log.contains(&(cleared + LEVEL_COMPLETE_TICKS, Event::IntermissionStarted { act })), "{log:?}");
                let ended = Event::IntermissionEnded { act, skipped: false };
                assert!(log.contains(&(cleared + LEVEL_COMPLETE_TICKS + act.ticks(), ended)), "{level}: {log:?}");
                assert_eq!(started, cleared + LEVEL_COMPLETE_TICKS + act.ticks());
            }
            None => {
                assert!(!log.iter().any(|(_, e)| matches!(e, Event::IntermissionStarted { .. })));
                assert_eq!(started, cleared + LEVEL_COMPLETE_TICKS);
            }
        }
    }
    Ok(())
}

#[test]
fn intermission_is_skipped_with_the_skip_input() -> TestResult {
    let mut game = one_dot_from_the_end(5)?;
    until(&mut game, 400, |e| matches!(e, Event::IntermissionStarted { .. })).ok_or("no cut-scene")?;
    for _ in 0..30 {
        game.step(Input::NONE);
    }
    assert_eq!(game.intermission(), Some((Cutscene::Two, 30)));
    let events = game.step(Input { skip: true, ..Input::NONE });
    assert_eq!(
        events,
        vec![Event::IntermissionEnded { act: Cutscene::Two, skipped: true }, Event::LevelStarted { level: 6 }]
    );
    assert_eq!(game.phase(), Phase::Ready { ticks_left: READY_TICKS });
    // Outside a cut-scene the skip input does nothing.
    let before = game.state_hash();
    let mut twin = game.clone();
    game.step(Input { skip: true, ..Input::NONE });
    twin.step(Input::NONE);
    assert_eq!(game.state_hash(), twin.state_hash());
    assert_ne!(before, game.state_hash());
    Ok(())
}

#[test]
fn intermission_scenes_play_the_three_gags() {
    let blinky_look = |act: Cutscene, t: u32| {
        act.scene(t).sprites.iter().find_map(|s| match s.figure {
            Figure::Ghost { ghost: Ghost::Blinky, look } => Some((look, s.dir, s.pos.x)),
            _ => None,
        })
    };
    let pacman = |act: Cutscene, t: u32| {
        act.scene(t).sprites.iter().find_map(|s| match s.figure {
            Figure::Pacman { big } => Some((big, s.dir, s.pos.x)),
            _ => None,
        })
    };
    // One: Blinky chases Pac-Man to the left, then a giant Pac-Man chases a blue Blinky back.
    let (look, dir, bx) = blinky_look(Cutscene::One, 10).unwrap_or((Look::Torn, Dir::Up, 0));
    let (big, _, px) = pacman(Cutscene::One, 10).unwrap_or((true, Dir::Up, 0));
    assert_eq!((look, dir, big), (Look::Normal, Dir::Left, false));
    assert!(px < bx, "Pac-Man leads");
    let end = Cutscene::One.ticks() - 60;
    let (look, dir, bx) = blinky_look(Cutscene::One, end).unwrap_or((Look::Torn, Dir::Up, 0));
    let (big, pdir, px) = pacman(Cutscene::One, end).unwrap_or((false, Dir::Up, 0));
    assert_eq!((look, dir, big, pdir), (Look::Frightened, Dir::Right, true, Dir::Right));
    assert!(px < bx, "the giant follows");
    // Two: snagged on the nail, then torn.
    let looks: Vec<Look> =
        (0..Cutscene::Two.ticks()).filter_map(|t| blinky_look(Cutscene::Two, t).map(|l| l.0)).collect();
    assert!(looks.iter().any(|l| matches!(l, Look::Snagged { .. })));
    assert_eq!(looks.last(), Some(&Look::Torn));
    assert!(Cutscene::Two.scene(0).sprites.iter().any(|s| s.figure == Figure::Nail));
    // Three: patched, then naked dragging the sheet.
    assert_eq!(blinky_look(Cutscene::Three, 10).map(|l| l.0), Some(Look::Patched));
    let last = Cutscene::Three.scene(Cutscene::Three.ticks() - 100);
    assert!(last.sprites.iter().any(|s| s.figure == Figure::Sheet));
    assert_eq!(
        blinky_look(Cutscene::Three, Cutscene::Three.ticks() - 100).map(|l| (l.0, l.1)),
        Some((Look::Naked, Dir::Right))
    );
    for act in [Cutscene::One, Cutscene::Two, Cutscene::Three] {
        assert!((300..=900).contains(&act.ticks()), "{act:?}: {}", act.ticks());
    }
}

#[test]
fn level_256_is_a_split_screen_that_never_ends() -> TestResult {
    let game = Scenario::new(1).options(practice_level(256)).build()?;
    assert!(game.split_screen());
    let right: Vec<Tile> = game
        .maze()
        .tiles()
        .filter(|(t, c)| t.col >= SPLIT_COLUMN && c.is_open() && matches!(c, pacnet::game::Cell::Dot))
        .map(|(t, _)| t)
        .collect();
    let mut expected = SPLIT_DOTS.to_vec();
    expected.sort_by_key(|t| (t.row, t.col));
    assert_eq!(right, expected, "nine dots on the right half");
    assert_eq!(game.maze().dots_left(), 122 + 9);
    // Eat everything there is: the level still does not end.
    let mut game = game;
    let log = autopilot(&mut game, 40_000, |g, _| g.maze().dots_left() == 0);
    assert_eq!(game.maze().dots_left(), 0, "ate all {}", count(&log, |e| matches!(e, Event::DotEaten { .. })));
    for _ in 0..600 {
        let events = game.step(Input::NONE);
        assert!(!events.iter().any(|e| matches!(e, Event::LevelCleared { .. })));
    }
    assert_eq!((game.level(), game.phase()), (256, Phase::Playing));
    assert!(!Game::new(1, level(255))?.split_screen());
    Ok(())
}

#[test]
fn level_256_brings_back_the_nine_dots_with_every_life_lost() -> TestResult {
    let mut game = Scenario::new(2).options(level(256)).pacman(Tile::new(15, 5), Dir::Up).build()?;
    // Up from (15, 5) to the first of the nine, (15, 1), then wait for the ghosts.
    let ate = until(&mut game, 60, |e| *e == Event::DotEaten { tile: SPLIT_DOTS[0] });
    assert!(ate.is_some(), "ate dot 1");
    assert_eq!(game.maze().cell(SPLIT_DOTS[0]), pacnet::game::Cell::Open);
    until(&mut game, 20_000, |e| *e == Event::PacmanDied).ok_or("never caught")?;
    until(&mut game, 400, |e| *e == Event::PlayStarted).ok_or("no next life")?;
    assert_eq!(game.maze().cell(SPLIT_DOTS[0]), pacnet::game::Cell::Dot, "back");
    assert!(game.dots_eaten() >= 1, "the level's count keeps the dots eaten");
    Ok(())
}
