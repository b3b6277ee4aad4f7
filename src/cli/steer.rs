//! `pacnet steer`: a trained project steers another program — arrow keys to the focused X11
//! window (`--keys`), or one line per decision on stdout (`--print`) for scripts.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use crate::camera::{Capture, CaptureOptions, SourceSpec, SystemClock};
use crate::learn::Familiarity;
use crate::live::keys::X11Keys;
use crate::live::sink::{KeySink, PrintSink};
use crate::live::steer_loop::run_steering;
use crate::live::{FramePipeline, KeyMode};

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
    /// Seconds to wait before sending keys, to click into the other game.
    #[arg(long, default_value_t = 3)]
    pub countdown: u64,
    /// How predictions become steering.
    #[command(flatten)]
    pub steer: super::steer_flags::SteerFlags,
    /// Replay a folder camera in a loop instead of once.
    #[arg(long = "loop")]
    pub looping: bool,
    /// Stop after this many frames.
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

fn parse_mode(text: &str) -> Result<KeyMode, String> {
    match text.to_ascii_lowercase().as_str() {
        "hold" => Ok(KeyMode::Hold),
        "tap" => Ok(KeyMode::Tap),
        other => Err(format!("`{other}`: expected hold or tap")),
    }
}

/// Runs `pacnet steer`.
pub fn run(args: &SteerArgs) -> anyhow::Result<()> {
    let settings = args.steer.settings()?;
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
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed)).context("installing the Ctrl-C handler")?;
    let clock = SystemClock::shared();
    let mut options = CaptureOptions::default();
    options.env.clock = Arc::clone(&clock);
    let mut capture = Capture::start(spec.clone(), options)?;
    let reader = capture.reader();
    let run = match keys {
        Some(backend) => {
            countdown(args.countdown, &stop)?;
            eprintln!("pacnet: sending arrow keys to the focused window — press Esc (anywhere) or Ctrl-C to stop");
            let mut sink = KeySink::new(backend, args.mode);
            run_steering(&opened.backbone, &mut pipeline, &reader, &mut sink, clock.as_ref(), &stop, args.frames)
        }
        None => {
            let mut sink = PrintSink::new(std::io::stdout());
            run_steering(&opened.backbone, &mut pipeline, &reader, &mut sink, clock.as_ref(), &stop, args.frames)
        }
    };
    let status = capture.status();
    capture.stop();
    let run = run.map_err(anyhow::Error::msg)?;
    let reason = if run.reason == "the camera stopped" { format!("{spec}: {status}") } else { run.reason };
    eprintln!("pacnet: {} frames, {} steered; {reason}", run.frames, run.steered);
    Ok(())
}

fn countdown(secs: u64, stop: &AtomicBool) -> anyhow::Result<()> {
    let mut err = std::io::stderr().lock();
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
