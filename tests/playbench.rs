//! The closed loop (issue 28): `pacnet bench-play`'s smoke run of the suite, parsed (the
//! benchmark's own determinism and script are unit tests in `src/cli/bench_play`).

use crate::util::{self, pacnet, run};

/// One row of the table: the cells after task, session and controller.
struct Row {
    controller: String,
    accuracy: f64,
    worst: f64,
    strict: f64,
    median: String,
    misfires: f64,
    dots: f64,
    perfect: f64,
}

fn parse_row(line: &str) -> Row {
    let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
    assert_eq!(cells.len(), 10, "{line}");
    let (acc, worst) = cells[3].split_once(" (").expect("accuracy (worst)");
    let (dots, perfect) = cells[9].split_once(" (").expect("dots (perfect)");
    let num = |s: &str| s.trim_end_matches(')').parse::<f64>().unwrap_or_else(|_| panic!("a number: {s} in {line}"));
    Row {
        controller: cells[2].to_owned(),
        accuracy: num(acc),
        worst: num(worst),
        strict: num(cells[4]),
        median: cells[5].to_owned(),
        misfires: num(cells[8]),
        dots: num(dots),
        perfect: num(perfect),
    }
}

#[test]
fn bench_play_smoke_prints_a_row_per_controller_and_the_hardest_line() {
    let (code, out, err) = run(pacnet().args([
        "bench-play",
        "--photos",
        util::models().join("golden/images").to_str().unwrap(),
        "--seeds",
        "1",
        "--tasks",
        "position",
        "--sessions",
        "same",
        "--examples",
        "6",
        "--epochs",
        "5",
        "--play",
        "6",
        "--hold",
        "0.5",
        "--away",
        "0.5",
    ]));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Row> = out.lines().filter(|l| l.starts_with("| position | same |")).map(parse_row).collect();
    let names: Vec<&str> = rows.iter().map(|r| r.controller.as_str()).collect();
    assert_eq!(names, ["tfjs", "before", "default"], "{out}");
    for r in &rows {
        assert!((0.0..=1.0).contains(&r.accuracy) && r.worst <= r.accuracy + 1e-9, "{out}");
        assert!(r.strict <= r.accuracy + 0.05 && r.misfires >= 0.0, "{out}");
        assert!(r.perfect > 0.0 && r.dots <= r.perfect * 1.5, "the autopilot eats dots: {out}");
    }
    // On its own recording, a head of 6 examples a class shows the player's direction nearly
    // always, whatever the controller.
    assert!(rows.iter().all(|r| r.accuracy > 0.8), "{out}");
    let default = rows.last().expect("a default row");
    let last = out.lines().last().unwrap_or_default();
    let want = format!(
        "intent accuracy {:.3} · reaction median {} ms · misfires {:.2}/min",
        default.accuracy, default.median, default.misfires
    );
    assert_eq!(last, want, "the last line repeats the default's row on the only session: {out}");
    assert!(out.contains("hardest session for `default`: position same"), "{out}");
    assert!(out.contains("history of play (the last 30 s"), "{out}");
}
