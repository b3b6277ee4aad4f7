//! `pacnet steer`: a trained project steers another program — arrow keys to the focused X11
//! window (`--keys`), or one line per decision on stdout (`--print`) for scripts.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Args;

use crate::camera::{Capture, CaptureOptions, SourceSpec, SystemClock};
use crate::learn::Familiarity;
use crate::live::keys::X11Keys;
use crate::live::sink::{KeySink, PrintSink};
use crate::live::steer_loop::{SteerLimits, run_steering};
use crate::live::{FramePipeline, KeyMode};
use crate::sys::signals::Interrupt;
use crate::sys::stdio::{QuietStderr, err_line, escape_controls};

/// Arguments of `pacnet steer`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("to").required(true).args(["keys", "print"])))]
pub struct SteerArgs {
    /// The trained project (.pacnet).
    #[arg(long)]
    pub project: PathBuf,
    /// Camera: a webcam number (`0`), `demo`, or a folder of images (played once, in order).
    #[arg(long, default_value = "0")]
    pub camera: String,
    /// Press arrow keys in whatever window has the focus (X11). Esc anywhere stops.
    #[arg(long)]
    pub keys: bool,
    /// Print one line per frame instead: seconds, class, confidence, direction (`-`: keep going).
    #[arg(long)]
    pub print: bool,
    /// With --keys: `hold` keeps the key down while its class is predicted, `tap` presses
    /// once each time the direction changes.
    #[arg(long, default_value = "hold", value_parser = parse_mode)]
    pub mode: KeyMode,
    /// Seconds to wait before sending keys, to click into the other game (at most 60).
    #[arg(long, default_value_t = 3)]
    pub countdown: u64,
    /// Seconds without a frame after which steering gives up with an error (a camera that is
    /// missing, busy or unplugged); 1 to 3600.
    #[arg(long, default_value_t = 10)]
    pub stall: u64,
    /// How predictions become steering.
    #[command(flatten)]
    pub steer: super::steer_flags::SteerFlags,
    /// Replay a folder camera in a loop instead of once.
    #[arg(long = "loop")]
    pub looping: bool,
    /// Stop after this many frames (1 to 1 000 000 000).
    #[arg(long)]
    pub frames: Option<u64>,
    /// The backbone, when it is no longer where the project was recorded.
    #[arg(long)]
    pub model: Option<String>,
}

/// The project's examples as the steering's familiarity reference (`--familiar`).
///
/// # Errors
/// An example whose features do not fit the head.
pub(super) fn familiarity(opened: &super::eval::Opened) -> anyhow::Result<Option<Arc<Familiarity>>> {
    let rows: Vec<Vec<f32>> = opened.project.dataset.examples().iter().map(|e| e.features.to_f32()).collect();
    Ok(Familiarity::build(&opened.head, rows.iter().map(Vec::as_slice))?.map(Arc::new))
}

fn parse_mode(text: &str) -> anyhow::Result<KeyMode> {
    match text.to_ascii_lowercase().as_str() {
        "hold" => Ok(KeyMode::Hold),
        "tap" => Ok(KeyMode::Tap),
        other => Err(anyhow::anyhow!("`{other}`: expected hold or tap")),
    }
}

/// The longest `--countdown`.
pub const MAX_COUNTDOWN: u64 = 60;
/// The longest `--stall`.
pub const MAX_STALL: u64 = 3600;
/// The most `--frames`.
pub const MAX_FRAMES: u64 = 1_000_000_000;

/// Runs `pacnet steer`.
pub fn run(args: &SteerArgs) -> anyhow::Result<()> {
    let settings = args.steer.settings()?;
    if args.countdown > MAX_COUNTDOWN {
        anyhow::bail!("--countdown {}: expected 0 to {MAX_COUNTDOWN} seconds", args.countdown);
    }
    if !(1..=MAX_STALL).contains(&args.stall) {
        anyhow::bail!("--stall {}: expected 1 to {MAX_STALL} seconds", args.stall);
    }
    if let Some(n) = args.frames
        && !(1..=MAX_FRAMES).contains(&n)
    {
        anyhow::bail!("--frames {n}: expected 1 to {MAX_FRAMES}");
    }
    // Keys need a display: find out before loading anything.
    let keys = if args.keys { Some(X11Keys::connect()?) } else { None };
    let opened = super::eval::open(&args.project, args.model.as_deref())?;
    let mut pipeline = FramePipeline::new(&opened.backbone, opened.cut, opened.project.dataset.source().crop, settings);
    pipeline.set_head(Some(opened.head.clone()));
    pipeline.set_familiarity(familiarity(&opened)?);
    let spec = match super::parse_camera(&args.camera)? {
        SourceSpec::Folder { path, fps, .. } => SourceSpec::Folder { path, fps, looping: args.looping },
        other => other,
    };
    // Ctrl-C ends the run with its summary (a second one ends the process).
    let interrupt = Interrupt::start();
    let stop = interrupt.flag();
    let limits = SteerLimits { max_frames: args.frames, stall: Duration::from_secs(args.stall) };
    let clock = SystemClock::shared();
    let mut options = CaptureOptions::default();
    options.env.clock = Arc::clone(&clock);
    let mut capture = Capture::start(spec.clone(), options)?;
    let reader = capture.reader();
    let run = match keys {
        Some(backend) => {
            countdown(args.countdown, stop)?;
            err_line("pacnet: sending arrow keys to the focused window — press Esc (anywhere) or Ctrl-C to stop");
            let mut sink = KeySink::new(backend, args.mode);
            run_steering(&opened.backbone, &mut pipeline, &reader, &mut sink, clock.as_ref(), stop, limits)
        }
        None => {
            let mut sink = PrintSink::new(std::io::stdout());
            run_steering(&opened.backbone, &mut pipeline, &reader, &mut sink, clock.as_ref(), stop, limits)
        }
    };
    let status = capture.status();
    capture.stop();
    let run = run.map_err(anyhow::Error::msg)?;
    let camera_failed = run.reason == "the camera stopped" || run.stalled;
    // Exit codes tell the truth: a run that never saw a frame, or whose camera went silent,
    // failed; one that ended by itself (folder played, --frames, Esc, Ctrl-C) succeeded.
    if camera_failed && (run.frames == 0 || run.stalled) {
        anyhow::bail!(
            "{spec}: {} after {} frames ({status}) — check the camera (pacnet cameras) or the folder",
            run.reason,
            run.frames
        );
    }
    let reason = if camera_failed { format!("{spec}: {status}") } else { run.reason };
    err_line(&format!("pacnet: {} frames, {} steered; {}", run.frames, run.steered, escape_controls(&reason)));
    Ok(())
}

fn countdown(secs: u64, stop: &AtomicBool) -> anyhow::Result<()> {
    let mut err = QuietStderr;
    for left in (1..=secs).rev() {
        write!(err, "\rpacnet: click into the other game — keys start in {left} s ")?;
        err.flush()?;
        for _ in 0..10 {
            if stop.load(Ordering::Relaxed) {
                writeln!(err)?;
                anyhow::bail!("stopped before sending any key");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    if secs > 0 {
        writeln!(err)?;
    }
    Ok(())
}
