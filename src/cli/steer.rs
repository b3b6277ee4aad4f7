//! `pacnet steer`: a trained project steers another program — key presses (`--keys`, the arrow
//! keys, the gamepad's D-pad (`--dpad`) or a profile's bindings, through a uinput virtual
//! keyboard and gamepad, or XTEST), or one line per decision on stdout (`--print`) for scripts.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Args;

use crate::camera::{Capture, CaptureOptions, SourceSpec, SystemClock};
use crate::learn::{Familiarity, Press, Profile, profile};
use crate::live::key_output::{BackendChoice, open_backend};
use crate::live::sink::{KeyBackend, KeyBindings, KeySink, PrintSink};
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
    /// Press keys for whatever window has the focus: the arrow keys for up, down, left and right,
    /// the D-pad with --dpad, or --bind / --profile's bindings. Esc anywhere (X11) or Ctrl-C stops.
    #[arg(long)]
    pub keys: bool,
    /// With --keys: one-off bindings, `class=key[:hold|:tap][:THRESHOLD][:COOLDOWNms]`,
    /// comma-separated, e.g. `up=space:tap,left=a,fire=mouse-left:tap:0.9:300ms,idle=none`.
    /// Keys: a–z, 0–9, f1–f24, space, enter, esc, tab, backspace, shift, ctrl, alt, super,
    /// up/down/left/right, … (README "Key bindings"); mouse-left/-right/-middle; gamepad buttons
    /// (uinput only): pad-up, pad-down, pad-left, pad-right (D-pad), pad-a, pad-b, pad-x, pad-y,
    /// pad-l, pad-r, pad-select, pad-start; none. Added to (or replacing classes of) --profile's
    /// or --dpad's bindings.
    #[arg(long, value_name = "BINDINGS")]
    pub bind: Option<String>,
    /// With --keys: the project's saved profile of this name (`pacnet profile --list`), or a
    /// built-in one: "Pac-Man" (the arrow keys) or "Gamepad D-pad" (as --dpad).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// With --keys: up, down, left and right press a virtual gamepad's D-pad (pad-up, …) instead
    /// of the arrow keys. Needs the uinput backend: XTEST cannot make a gamepad.
    #[arg(long, conflicts_with = "profile")]
    pub dpad: bool,
    /// With --keys: `uinput` (a virtual keyboard, and a gamepad for pad-… targets; any desktop;
    /// needs access to /dev/uinput), `x11` (XTEST, X11 sessions only; keys and mouse buttons, no
    /// gamepad), or `auto` (uinput when it can, else x11).
    #[arg(long, default_value = "auto", value_parser = parse_backend)]
    pub backend: BackendChoice,
    /// Print one line per frame instead: seconds, class, confidence, direction (`-`: keep going).
    #[arg(long)]
    pub print: bool,
    /// With --keys and the arrow keys, --dpad or a built-in profile: `hold` keeps the key down
    /// while its class is predicted, `tap` presses once each time the direction changes.
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
    let examples = opened.project.dataset.examples().iter().map(|e| &e.features);
    Ok(Familiarity::of_examples(&opened.head, examples)?.map(Arc::new))
}

fn parse_mode(text: &str) -> anyhow::Result<KeyMode> {
    match text.to_ascii_lowercase().as_str() {
        "hold" => Ok(KeyMode::Hold),
        "tap" => Ok(KeyMode::Tap),
        other => Err(anyhow::anyhow!("`{other}`: expected hold or tap")),
    }
}

fn parse_backend(text: &str) -> anyhow::Result<BackendChoice> {
    match text.to_ascii_lowercase().as_str() {
        "auto" => Ok(BackendChoice::Auto),
        "uinput" => Ok(BackendChoice::Uinput),
        "x11" | "xtest" => Ok(BackendChoice::X11),
        other => Err(anyhow::anyhow!("`{other}`: expected auto, uinput or x11")),
    }
}

/// The profile `pacnet steer` presses: --profile's (the project's, else a built-in one), --dpad's,
/// or the arrow keys (unless --bind alone is given), with --bind's on top. Every bound class must
/// be one the head knows.
fn bindings(args: &SteerArgs, opened: &super::eval::Opened) -> anyhow::Result<Profile> {
    let mut p = match (&args.profile, &args.bind) {
        (Some(name), _) => {
            let saved = opened.project.profiles.get(name).cloned();
            saved.or_else(|e| Profile::builtin(name, args.mode).ok_or(e))?
        }
        (None, _) if args.dpad => Profile::dpad(args.mode),
        (None, Some(_)) => Profile { name: "--bind".into(), bindings: Default::default() },
        (None, None) => return Ok(Profile::pacman(args.mode)),
    };
    if let Some(text) = &args.bind {
        let mut seen = std::collections::BTreeSet::new();
        for (class, b) in profile::parse_bindings(text)? {
            if !seen.insert(class.clone()) {
                anyhow::bail!("--bind: {}", profile::ProfileError::Twice(class));
            }
            p.bindings.insert(class, b);
        }
    }
    let classes = opened.head.classes();
    if let Some(stray) = p.bindings.keys().find(|c| !classes.iter().any(|k| k.eq_ignore_ascii_case(c))) {
        anyhow::bail!(
            "{}: class `{stray}` is bound, but the project's head knows [{}]",
            if args.bind.is_some() { "--bind" } else { "--profile" },
            classes.join(", ")
        );
    }
    Ok(p)
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
    if !args.keys && (args.bind.is_some() || args.profile.is_some() || args.dpad) {
        anyhow::bail!("--bind, --profile and --dpad go with --keys");
    }
    // Keys need a display or /dev/uinput: find out before loading anything.
    let keys = if args.keys { Some(open_backend(args.backend)?) } else { None };
    let opened = super::eval::open(&args.project, args.model.as_deref())?;
    let mut settings = settings;
    let keys = match keys {
        Some((mut backend, kind)) => {
            let profile = bindings(args, &opened)?;
            let bound = KeyBindings::from_profile(&profile, settings.threshold)?;
            // Before the camera starts: XTEST refuses gamepad targets here, and uinput makes the
            // gamepad now, so that games see it before its first press.
            backend.prepare(&bound.presses())?;
            // A binding's own lower threshold must get through the steering.
            settings.threshold = bound.lowest_threshold().map_or(settings.threshold, |t| t.min(settings.threshold));
            Some((backend, kind, bound, profile))
        }
        None => None,
    };
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
        Some((backend, kind, bound, profile)) => {
            countdown(args.countdown, stop)?;
            let pad = bound.presses().iter().any(|p| matches!(p, Press::Pad(_)));
            err_line(&format!(
                "pacnet: sending keys ({}) to {}{} — press Esc (anywhere, on X11) or Ctrl-C to stop",
                escape_controls(&profile.text()),
                kind.describe(),
                if pad { " and a virtual gamepad" } else { "" }
            ));
            let mut sink = KeySink::new(backend, bound);
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
    // A key backend that broke (the device or display went away) is a failure too.
    if run.reason.starts_with(crate::live::keysink::SEND_FAILED) {
        anyhow::bail!("{}", escape_controls(&run.reason));
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
