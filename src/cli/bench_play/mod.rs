//! `pacnet bench-play`: the closed loop measured ([`playbench`]). Prints one row
//! per task × camera session × controller setting, and as its last line the default
//! setting's scores on the hardest session.

pub mod playbench;

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use self::playbench::metrics::Scores;
use self::playbench::sim::Timing;
use self::playbench::{Config, Controller, Run};
use crate::cli::bench_learn::fewshot::{Props, Session, Task};
use crate::learn::Hyper;
use crate::live::steer::SteerSettings;

/// The feature worker's time per frame the runs assume: `pacnet bench --pipeline --threads 1`
/// on the development machine (a 640×480 frame → prediction, median 1.26 ms; 2-core Zen 4).
pub const COMPUTE_MS: f64 = 1.3;

/// Arguments of `pacnet bench-play`.
#[derive(Debug, Args)]
pub struct BenchPlayArgs {
    /// Model directory or Hugging Face repo id (default: $PACNET_MODEL, else the built-in model).
    #[arg(long)]
    pub model: Option<String>,
    /// Folder of photos the rooms behind the toy are made from (the golden images).
    #[arg(long, default_value = "../shared/models/golden/images")]
    pub photos: PathBuf,
    /// Seeds (each: a recording, a head, a room, nudges, a game and a player).
    #[arg(long, default_value_t = 3)]
    pub seeds: u64,
    /// First seed.
    #[arg(long, default_value_t = 0)]
    pub first_seed: u64,
    /// Tasks: `position`, `tilt` or both (comma-separated).
    #[arg(long, default_value = "position,tilt", value_delimiter = ',')]
    pub tasks: Vec<String>,
    /// Camera sessions: `same` (the recording's), `nudged`, `new-room` (comma-separated).
    #[arg(long, default_value = "same,nudged,new-room", value_delimiter = ',')]
    pub sessions: Vec<String>,
    /// Controller settings, one row each: `tfjs` (always shown), `before` (pacnet's settings
    /// before this benchmark), `default`, or any of them changed by `:key=value;…` (keys:
    /// threshold, smoothing, margin, hold, last (0/1), familiar, rel (familiar_rel), release), e.g.
    /// `default:hold=0`.
    #[arg(long, default_value = "tfjs,before,default", value_delimiter = ',')]
    pub controllers: Vec<String>,
    /// Examples recorded per class.
    #[arg(long, default_value_t = 30)]
    pub examples: usize,
    /// Seconds the autopilot plays per run (the first ~4 s are the game's "ready"; with 20 the
    /// full table of 54 runs takes about 3 minutes on 2 cores).
    #[arg(long, default_value_t = 20.0)]
    pub play: f64,
    /// Seconds each direction of the scripted sequence (every change between two directions
    /// once) is held after the autopilot's game.
    #[arg(long, default_value_t = 1.5)]
    pub hold: f64,
    /// Seconds the toy is then out of the picture, the player still wanting the last
    /// direction (an empty view must not steer).
    #[arg(long, default_value_t = 2.0)]
    pub away: f64,
    /// Camera frames a second.
    #[arg(long, default_value_t = 30.0)]
    pub fps: f64,
    /// The feature worker's time per frame, milliseconds (a slower computer: more).
    #[arg(long, default_value_t = COMPUTE_MS)]
    pub compute_ms: f64,
    /// Game speed in percent (the app's default).
    #[arg(long, default_value_t = 75)]
    pub speed: u32,
    /// Training epochs (the recipe's default unless given; fewer for a quick look).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Also replay every run of the last controller through a grid of settings (same frames
    /// and intents, steering only; for choosing defaults).
    #[arg(long)]
    pub sweep: bool,
    /// Write every run's ticks and frames as CSV into this folder (to look into a row).
    #[arg(long, hide = true)]
    pub dump: Option<PathBuf>,
}

/// Runs `pacnet bench-play`.
pub fn run(args: &BenchPlayArgs) -> anyhow::Result<()> {
    let tasks = super::bench_learn::parse_list(&args.tasks, &Task::ALL, Task::name, "--tasks")?;
    let sessions = super::bench_learn::parse_list(&args.sessions, &Session::ALL, Session::name, "--sessions")?;
    let mut controllers = args.controllers.iter().map(|c| parse_controller(c)).collect::<anyhow::Result<Vec<_>>>()?;
    if !controllers.iter().any(|c| c.settings == SteerSettings::TFJS) {
        controllers.insert(0, Controller { name: "tfjs".into(), settings: SteerSettings::TFJS });
    }
    check_ranges(args)?;
    let mut hyper = Hyper::default();
    if let Some(e) = args.epochs {
        hyper.epochs = e;
    }
    hyper.validate().map_err(super::train::flag_error)?;
    let props = Props::new(super::bench_learn::load_photos(&args.photos)?)?;
    let backbone = super::load_backbone(args.model.as_deref())?;
    let cut = backbone.default_cut();
    let config = Config {
        seeds: (args.first_seed..args.first_seed + args.seeds).collect(),
        tasks,
        sessions,
        controllers,
        examples: args.examples,
        record_rate: 10.0,
        hyper,
        timing: Timing {
            play: args.play,
            script: playbench::script(),
            hold: args.hold,
            away: args.away,
            fps: args.fps,
            compute: args.compute_ms / 1000.0,
            speed: args.speed,
        },
    };
    let out = &mut std::io::stdout().lock();
    writeln!(
        out,
        "backbone {} at {}; {} seeds, {} examples a class, {:.0} s autopilot + {} scripted changes × {:.1} s + \
         {:.1} s away, {} fps, {:.1} ms a frame, game speed {} %",
        backbone.id(),
        crate::learn::FeatureSource::of(&backbone, cut, crate::backbone::Crop::CenterSquare)?.describe(),
        args.seeds,
        args.examples,
        args.play,
        config.timing.script.len() - 1,
        args.hold,
        args.away,
        args.fps,
        args.compute_ms,
        args.speed
    )?;
    let started = Instant::now();
    let progress = |line: &str| eprintln!("{line} ({:.0} s)", started.elapsed().as_secs_f64());
    let runs = playbench::run(&backbone, cut, &props, &config, &progress)?;
    writeln!(out, "{} runs in {:.1} s", runs.len(), started.elapsed().as_secs_f64())?;
    let frames: usize = runs.iter().map(|r| r.log.frames.len()).sum();
    let kept = runs.iter().map(|r| r.log.history_peak).max_by_key(|p| p.1).unwrap_or_default();
    let secs: f64 = runs.iter().map(|r| r.log.history_secs).sum();
    writeln!(
        out,
        "history of play (the last {} s, for fixing mistakes): at most {} frames, {:.1} MB; {:.2} ms a frame to keep\n",
        crate::live::history::SPAN.as_secs(),
        kept.0,
        kept.1 as f64 / 1e6,
        secs * 1000.0 / frames.max(1) as f64
    )?;
    print_table(out, &config, &runs)?;
    if args.sweep {
        sweep(out, &config, &runs)?;
    }
    if let Some(dir) = &args.dump {
        dump(dir, &config, &runs)?;
    }
    Ok(())
}

/// One CSV of ticks and one of frames per run.
fn dump(dir: &std::path::Path, config: &Config, runs: &[Run]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("--dump {}", dir.display()))?;
    for r in runs {
        let name = config.controllers.get(r.controller).map_or("", |c| c.name.as_str()).replace([':', ';', '='], "_");
        let stem = format!("{}-{}-{}-{}", r.task.name(), r.session.name(), name, r.seed);
        let mut ticks = String::from("t,intent,since,reached,given\n");
        for t in &r.log.ticks {
            let given = t.given.map_or("-".to_owned(), |d| format!("{d:?}"));
            ticks += &format!("{:.4},{:?},{:.4},{:.4},{given}\n", t.t, t.intent, t.since, t.reached);
        }
        std::fs::write(dir.join(format!("{stem}-ticks.csv")), ticks)?;
        let mut frames = String::from("at,ready,familiarity,p0,p1,p2,p3\n");
        for f in &r.log.frames {
            let p: Vec<String> = f.probs.iter().map(|v| format!("{v:.4}")).collect();
            frames += &format!("{:.4},{:.4},{},{}\n", f.at, f.ready, f.familiarity.unwrap_or(f32::NAN), p.join(","));
        }
        std::fs::write(dir.join(format!("{stem}-frames.csv")), frames)?;
    }
    Ok(())
}

fn check_ranges(args: &BenchPlayArgs) -> anyhow::Result<()> {
    let positive = [
        ("--play", args.play, 3600.0),
        ("--hold", args.hold, 60.0),
        ("--away", args.away, 60.0),
        ("--compute-ms", args.compute_ms, 10_000.0),
    ];
    for (flag, v, hi) in positive {
        if !(v.is_finite() && v >= 0.0 && v <= hi) {
            anyhow::bail!("{flag} {v}: expected 0 to {hi}");
        }
    }
    if !(args.fps.is_finite() && args.fps > 0.0 && args.fps <= 120.0) {
        anyhow::bail!("--fps {}: expected above 0 and at most 120", args.fps);
    }
    if args.seeds == 0 || args.seeds > 1000 {
        anyhow::bail!("--seeds {}: expected 1 to 1000", args.seeds);
    }
    if !(2..=1000).contains(&args.examples) {
        anyhow::bail!("--examples {}: expected 2 to 1000 a class", args.examples);
    }
    if !(crate::game::MIN_SPEED_PERCENT..=crate::game::MAX_SPEED_PERCENT).contains(&args.speed) {
        anyhow::bail!("--speed {}: expected 25 to 100", args.speed);
    }
    Ok(())
}

/// `tfjs`, `before` or `default`, optionally changed by `:key=value;…`.
fn parse_controller(text: &str) -> anyhow::Result<Controller> {
    let (base, changes) = text.split_once(':').unwrap_or((text, ""));
    let mut s = match base.trim() {
        "tfjs" => SteerSettings::TFJS,
        "before" => SteerSettings::BEFORE_BENCH,
        "default" => SteerSettings::default(),
        other => anyhow::bail!("--controllers {text}: `{other}` is not tfjs, before or default"),
    };
    for change in changes.split(';').filter(|c| !c.trim().is_empty()) {
        let (key, value) =
            change.split_once('=').with_context(|| format!("--controllers {text}: `{change}` is not key=value"))?;
        let num = || value.trim().parse::<f64>().with_context(|| format!("--controllers {text}: {key}={value}"));
        match key.trim() {
            "threshold" => s.threshold = num()? as f32,
            "smoothing" => s.smoothing = num()? as f32,
            "margin" => s.margin = num()? as f32,
            "hold" => s.hold_ms = num()? as u32,
            "last" => s.hold_last = num()? != 0.0,
            "familiar" => s.familiar = num()? as f32,
            "rel" => s.familiar_rel = num()? as f32,
            "release" => s.release_ms = num()? as u32,
            other => anyhow::bail!("--controllers {text}: unknown key {other}"),
        }
    }
    super::steer_flags::check(&s).with_context(|| format!("--controllers {text}"))?;
    Ok(Controller { name: text.to_owned(), settings: s })
}

/// Pooled scores of the runs matching `keep`, with the worst seed's accuracy and the dots.
struct Pooled {
    scores: Scores,
    worst: f64,
    dots: u32,
    perfect: u32,
}

fn pool<'a>(runs: impl Iterator<Item = &'a Run>) -> Pooled {
    let mut p = Pooled { scores: Scores::default(), worst: 1.0, dots: 0, perfect: 0 };
    for r in runs {
        p.scores.add(&r.scores);
        p.worst = p.worst.min(r.scores.accuracy());
        p.dots += r.dots;
        p.perfect += r.perfect;
    }
    p
}

fn ms(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.0}"),
        Some(_) => "miss".into(),
        None => "-".into(),
    }
}

/// The table, then the hardest session's line for the default setting.
fn print_table(out: &mut dyn Write, config: &Config, runs: &[Run]) -> anyhow::Result<()> {
    let minutes = config.timing.play / 60.0 * config.seeds.len() as f64;
    writeln!(
        out,
        "| task | session | controller | intent accuracy (worst seed) | from move start | reaction median ms | p90 ms | missed | misfires/min | dots/min (perfect keys) |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|---|")?;
    let default = config
        .controllers
        .iter()
        .position(|c| c.name == "default")
        .or_else(|| config.controllers.iter().position(|c| c.settings != SteerSettings::TFJS))
        .unwrap_or(0);
    let mut hardest: Option<(f64, Task, Session, Pooled)> = None;
    for &task in &config.tasks {
        for &session in &config.sessions {
            for (c, controller) in config.controllers.iter().enumerate() {
                let p = pool(runs.iter().filter(|r| r.task == task && r.session == session && r.controller == c));
                let s = &p.scores;
                writeln!(
                    out,
                    "| {} | {} | {} | {:.3} ({:.3}) | {:.3} | {} | {} | {} | {:.2} | {:.0} ({:.0}) |",
                    task.name(),
                    session.name(),
                    controller.name,
                    s.accuracy(),
                    p.worst,
                    s.accuracy_strict(),
                    ms(s.reaction_quantile(0.5)),
                    ms(s.reaction_quantile(0.9)),
                    s.missed(),
                    s.misfires_per_minute(),
                    f64::from(p.dots) / minutes.max(1e-9),
                    f64::from(p.perfect) / minutes.max(1e-9),
                )?;
                if c == default && hardest.as_ref().is_none_or(|h| s.accuracy() < h.0) {
                    hardest = Some((s.accuracy(), task, session, p));
                }
            }
        }
    }
    if let Some((_, task, session, p)) = hardest {
        let name = config.controllers.get(default).map_or("", |c| c.name.as_str());
        writeln!(out, "\nhardest session for `{name}`: {} {}", task.name(), session.name())?;
        let s = &p.scores;
        writeln!(
            out,
            "intent accuracy {:.3} · reaction median {} ms · misfires {:.2}/min",
            s.accuracy(),
            ms(s.reaction_quantile(0.5)),
            s.misfires_per_minute()
        )?;
    }
    Ok(())
}

/// Replays the last controller's runs through a grid of settings: one line per setting, the
/// scores pooled over every task, session and seed, and the worst task × session.
fn sweep(out: &mut dyn Write, config: &Config, runs: &[Run]) -> anyhow::Result<()> {
    let last = config.controllers.len().saturating_sub(1);
    let logs: Vec<&Run> = runs.iter().filter(|r| r.controller == last).collect();
    writeln!(
        out,
        "\nsweep (replayed on the frames of `{}`):",
        config.controllers.get(last).map_or("", |c| c.name.as_str())
    )?;
    writeln!(
        out,
        "| threshold | smoothing | margin | hold ms | last | familiar rel | accuracy | worst cell | median ms | p90 ms | misfires/min | worst cell |"
    )?;
    let mut grid = Vec::new();
    for &threshold in &[0.0f32, 0.6, 0.7, 0.8, 0.9] {
        for &smoothing in &[0.0f32, 0.2, 0.4] {
            for &margin in &[0.0f32, 0.3] {
                for &hold_ms in &[0u32, 80, 100, 120, 140] {
                    for &familiar_rel in &[0.0f32, 1.25, 1.5] {
                        for &hold_last in &[false, true] {
                            grid.push(SteerSettings {
                                threshold,
                                smoothing,
                                margin,
                                hold_ms,
                                hold_last,
                                familiar: 0.0,
                                familiar_rel,
                                release_ms: SteerSettings::default().release_ms,
                            });
                        }
                    }
                }
            }
        }
    }
    for s in grid {
        let mut all = Scores::default();
        let (mut worst_acc, mut worst_mis) = (1.0f64, 0.0f64);
        for &task in &config.tasks {
            for &session in &config.sessions {
                let mut cell = Scores::default();
                for r in logs.iter().filter(|r| r.task == task && r.session == session) {
                    cell.add(&Scores::of(&playbench::replay(&r.log, &s)));
                }
                worst_acc = worst_acc.min(cell.accuracy());
                worst_mis = worst_mis.max(cell.misfires_per_minute());
                all.add(&cell);
            }
        }
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {:.3} | {:.3} | {} | {} | {:.2} | {:.2} |",
            s.threshold,
            s.smoothing,
            s.margin,
            s.hold_ms,
            u8::from(s.hold_last),
            s.familiar_rel,
            all.accuracy(),
            worst_acc,
            ms(all.reaction_quantile(0.5)),
            ms(all.reaction_quantile(0.9)),
            all.misfires_per_minute(),
            worst_mis
        )?;
    }
    Ok(())
}
