//! `pacnet bench`: batch-1 latency of the backbone (and of the whole per-frame pipeline), timed
//! the way `../shared/bench` times its anchors so the numbers can be read as ratios.
//!
//! Loop: 10 warm-up calls, then each call timed on its own until at least `--iters` calls and
//! `--min-time` seconds (at most 3000 calls); median and p90 with linear interpolation.
//! Other processes' CPU use during the loop is measured from /proc and printed, because a
//! second busy process ruins 2-thread numbers on a 2-core machine.

use std::io::Write;
use std::time::Instant;

use clap::Args;

use crate::backbone::{Backbone, Crop, Workspace};
use crate::live::{FramePipeline, SteerSettings};

/// Arguments of `pacnet bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The backbone (see `MODEL_LONG_HELP`).
    #[arg(long, help = super::MODEL_HELP, long_help = super::MODEL_LONG_HELP, conflicts_with = "arch")]
    pub model: Option<String>,
    /// Benchmark a timm architecture with random weights instead (e.g. mobilenetv3_large_100).
    #[arg(long)]
    pub arch: Option<String>,
    /// Cut point (timm name or Keras alias); default: the model's default cut.
    #[arg(long)]
    pub cut: Option<String>,
    /// Threads for one forward pass.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// At least this many timed calls.
    #[arg(long, default_value_t = 100)]
    pub iters: usize,
    /// At least this many seconds of timed calls.
    #[arg(long, default_value_t = 10.0)]
    pub min_time: f64,
    /// Time the whole per-frame path: a 640×480 RGB frame → crop/resize/normalise → backbone → head.
    #[arg(long)]
    pub pipeline: bool,
    /// Also print where the time goes: the median time of each step up to the cut.
    #[arg(long)]
    pub layers: bool,
}

/// The statistics of one timing loop, in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    /// Calls timed.
    pub calls: usize,
    /// Median per-call time.
    pub median_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// Fastest call.
    pub min_ms: f64,
    /// CPU used by other processes per wall second during the loop (1.0 = a whole core).
    pub foreign_cores: f64,
}

/// Times `f` with the anchors' loop.
pub fn time_calls(
    min_calls: usize,
    min_secs: f64,
    mut f: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Timing> {
    for _ in 0..10 {
        f()?;
    }
    let cpu0 = CpuSample::now();
    let start = Instant::now();
    let mut times = Vec::with_capacity(min_calls.clamp(1, MAX_CALLS));
    while times.len() < MAX_CALLS && (times.len() < min_calls.max(1) || start.elapsed().as_secs_f64() < min_secs) {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let foreign = CpuSample::now().foreign_cores_since(&cpu0, start.elapsed().as_secs_f64());
    times.sort_by(f64::total_cmp);
    Ok(Timing {
        calls: times.len(),
        median_ms: percentile(&times, 0.5),
        p90_ms: percentile(&times, 0.9),
        min_ms: times.first().copied().unwrap_or(f64::NAN),
        foreign_cores: foreign,
    })
}

/// Linear interpolation between ranks (numpy's default), on sorted values.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Busy jiffies of the whole machine and of this process.
struct CpuSample {
    machine_busy: u64,
    own: u64,
}

impl CpuSample {
    fn now() -> Self {
        let machine_busy = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                let cpu = s
                    .lines()
                    .next()?
                    .split_whitespace()
                    .skip(1)
                    .map(|v| v.parse::<u64>().unwrap_or(0))
                    .collect::<Vec<_>>();
                // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
                Some(cpu.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, v)| v).sum())
            })
            .unwrap_or(0);
        let own = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| {
                let after = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
                Some(after.get(11)?.parse::<u64>().ok()? + after.get(12)?.parse::<u64>().ok()?)
            })
            .unwrap_or(0);
        Self { machine_busy, own }
    }

    fn foreign_cores_since(&self, start: &CpuSample, secs: f64) -> f64 {
        let hz = 100.0; // USER_HZ on Linux
        let foreign =
            (self.machine_busy.saturating_sub(start.machine_busy)) as f64 - (self.own.saturating_sub(start.own)) as f64;
        (foreign / hz / secs.max(1e-9)).max(0.0)
    }
}

/// The most calls one timing loop makes.
pub const MAX_CALLS: usize = 3000;
/// The longest `--min-time`, in seconds.
pub const MAX_MIN_TIME: f64 = 3600.0;
/// The most `--threads`.
pub const MAX_THREADS: usize = 256;

impl BenchArgs {
    /// Refuses loop settings that cannot be run (a loop of no calls, a NaN duration) or that
    /// ask for more than the loop ever does.
    pub fn check(&self) -> anyhow::Result<()> {
        if !(1..=MAX_CALLS).contains(&self.iters) {
            anyhow::bail!(
                "invalid --iters {}: it must be between 1 and {MAX_CALLS} (the loop stops at {MAX_CALLS} calls)",
                self.iters
            );
        }
        if !(self.min_time.is_finite() && (0.0..=MAX_MIN_TIME).contains(&self.min_time)) {
            anyhow::bail!(
                "invalid --min-time {}: it must be a number of seconds between 0 and {MAX_MIN_TIME}",
                self.min_time
            );
        }
        if !(1..=MAX_THREADS).contains(&self.threads) {
            anyhow::bail!("invalid --threads {}: it must be between 1 and {MAX_THREADS}", self.threads);
        }
        Ok(())
    }
}

/// Runs `pacnet bench`. The forward pass runs on its own team of `--threads` threads (not
/// inside a rayon pool, where it would run on one).
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    args.check()?;
    let mut backbone = match &args.arch {
        Some(arch) => Backbone::random(arch, 0)?,
        None => super::load_backbone(args.model.as_deref())?,
    };
    backbone.net_mut().set_threads(args.threads.max(1));
    let cut = match &args.cut {
        Some(c) => backbone.find_cut(c)?,
        None => backbone.default_cut(),
    };
    let s = backbone.config().input_size;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "model {} · cut {} · {} thread(s) · {:?} · release={}",
        backbone.id(),
        backbone.cuts()[cut].label(),
        args.threads,
        crate::backbone::kernels::simd::level().isa(),
        !cfg!(debug_assertions)
    )?;
    // A fixed pseudo-random input: latency does not depend on the values.
    let input: Vec<f32> = (0..3 * s * s).map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0).collect();
    let mut ws = Workspace::default();
    let mut sink = 0.0f32;
    let backbone_t = time_calls(args.iters, args.min_time, || {
        let out = backbone.net().run_with(&mut ws, &input, cut, &|_| false, &mut |_, _| {})?;
        sink += out[0];
        Ok(())
    })?;
    report(&mut out, "backbone", &backbone_t)?;
    if args.layers {
        print_layers(&mut out, &backbone, &input, cut, &mut ws)?;
    }
    if args.pipeline {
        let frame = demo_frame(640, 480);
        // The app's own head (candle), at the demo's default size: 100 units, 4 classes.
        let classes = ["up", "down", "left", "right"].map(String::from).to_vec();
        let head = crate::learn::Head::init(classes, backbone.cuts()[cut].shape, 100, 0)?;
        // The app's own per-frame path, smoothing and decision included.
        let mut pipeline = FramePipeline::new(&backbone, cut, Crop::CenterSquare, SteerSettings::default());
        pipeline.set_head(Some(head));
        // The controller's clock: a 30 fps camera's timestamps.
        let mut at = std::time::Duration::ZERO;
        let period = std::time::Duration::from_secs(1) / 30;
        let pipeline_t = time_calls(args.iters, args.min_time, || {
            at += period;
            let r = pipeline.process(&backbone, &frame, at).map_err(anyhow::Error::msg)?;
            sink += r.prediction.map_or(0.0, |p| p.probs[0]);
            Ok(())
        })?;
        report(&mut out, "pipeline (640×480 frame → prediction)", &pipeline_t)?;
        // Where the rest goes: the two other steps alone.
        let pre_t = time_calls(args.iters, args.min_time.min(2.0), || {
            pipeline.prepare(&backbone, &frame)?;
            Ok(())
        })?;
        report(&mut out, "  of which crop + resize + normalise", &pre_t)?;
        pipeline.run(&backbone, cut, &|_| false, &mut |_, _| {})?;
        let head_t = time_calls(args.iters, args.min_time.min(2.0), || {
            at += period;
            sink += pipeline.predict(at)?.map_or(0.0, |p| p.probs[0]);
            Ok(())
        })?;
        report(&mut out, "  of which head + steering (100 units)", &head_t)?;
        writeln!(out, "pipeline / backbone: {:.2}×", pipeline_t.median_ms / backbone_t.median_ms)?;
        // The same path with frame n+1's preprocessing on a second thread during frame n's
        // backbone: latency per frame and frames per second over one stream.
        let frames = pipeline_t.calls.max(args.iters);
        let mut latencies = Vec::with_capacity(frames);
        let start = Instant::now();
        pipeline
            .process_pipelined(&backbone, std::iter::repeat_n(&frame, frames), &mut |r, latency| {
                sink += r.prediction.map_or(0.0, |p| p.probs[0]);
                latencies.push(latency.as_secs_f64() * 1e3);
            })
            .map_err(anyhow::Error::msg)?;
        let wall = start.elapsed().as_secs_f64();
        latencies.sort_by(f64::total_cmp);
        writeln!(
            out,
            "pipelined (prepare n+1 ‖ backbone + head n), {frames} frames: latency median {:.3} ms · p90 {:.3} ms",
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.9),
        )?;
        writeln!(
            out,
            "  throughput {:.3} ms/frame = {:.0} fps (sequential: {:.0} fps)",
            wall * 1e3 / frames as f64,
            frames as f64 / wall,
            1e3 / pipeline_t.median_ms
        )?;
    }
    std::hint::black_box(sink);
    Ok(())
}

/// Median wall time of every step (stem, block, ...) over 300 passes, with its share of MACs.
fn print_layers(
    out: &mut dyn Write,
    backbone: &Backbone,
    input: &[f32],
    cut: usize,
    ws: &mut Workspace,
) -> anyhow::Result<()> {
    let mut per_step: Vec<Vec<f64>> = vec![Vec::new(); cut + 1];
    for _ in 0..300 {
        let mut last = Instant::now();
        backbone.net().run_with(ws, input, cut, &|_| false, &mut |i, _| {
            let now = Instant::now();
            per_step[i].push((now - last).as_secs_f64() * 1e6);
            last = now;
        })?;
    }
    // MACs per cut point: the conv layers up to and including it.
    let layers = backbone.layers();
    let mut macs = vec![0usize; cut + 1];
    let mut i = 0;
    for l in &layers {
        if i > cut {
            break;
        }
        macs[i] += l.macs;
        if l.cut.is_some() {
            i += 1;
        }
    }
    writeln!(out, "{:<16} {:<40} {:>14} {:>9} {:>8} {:>8}", "step", "kind", "shape", "MMAC", "µs", "GMAC/s")?;
    let mut total = 0.0;
    for (i, times) in per_step.iter_mut().enumerate() {
        times.sort_by(f64::total_cmp);
        let us = percentile(times, 0.5);
        total += us;
        let c = &backbone.cuts()[i];
        let shape = format!("{}×{}×{}", c.shape[0], c.shape[1], c.shape[2]);
        writeln!(
            out,
            "{:<16} {:<40} {:>14} {:>9.2} {:>8.1} {:>8.1}",
            c.name,
            c.kind,
            shape,
            macs[i] as f64 / 1e6,
            us,
            macs[i] as f64 / us / 1e3
        )?;
    }
    writeln!(out, "sum of step medians: {total:.1} µs")?;
    Ok(())
}

fn report(out: &mut dyn Write, what: &str, t: &Timing) -> std::io::Result<()> {
    writeln!(
        out,
        "{what}: median {:.3} ms · p90 {:.3} ms · min {:.3} ms · {:.0} fps · {} calls · others' CPU {:.2} cores",
        t.median_ms,
        t.p90_ms,
        t.min_ms,
        1e3 / t.median_ms,
        t.calls,
        t.foreign_cores
    )
}

/// A smooth synthetic camera frame (what a webcam sends costs the same to resize).
fn demo_frame(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8]))
}
