//! `pacnet record --camera N|demo|DIR --class up --frames 20 --data DIR`: takes pictures headless
//! into `DIR/up/` at the Record panel's pace, so a class can prepare data for `pacnet train`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::bail;
use clap::Args;

use crate::camera::{
    Capture, CaptureOptions, FolderRecorder, PacedRecording, RecordFormat, Resolution, SourceSpec, Transform,
    record_paced,
};

/// Arguments of `pacnet record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Camera: a webcam number (`0`, see `pacnet cameras`), `demo`, or a folder of images to replay.
    #[arg(long, default_value = "0")]
    pub camera: String,
    /// The class the pictures show; they go into DATA/CLASS/ (the layout `pacnet train --data` reads).
    #[arg(long)]
    pub class: String,
    /// How many pictures to take.
    #[arg(long, default_value_t = 20)]
    pub frames: u64,
    /// The folder of class folders.
    #[arg(long)]
    pub data: PathBuf,
    /// Pictures per second, at most one per camera frame (the Record panel's default is 10).
    #[arg(long, default_value_t = 10.0)]
    pub rate: f32,
    /// Webcam frame size to ask for, e.g. 640x480 (the closest one offered is used).
    #[arg(long)]
    pub size: Option<String>,
    /// Webcam frame rate to ask for (the closest one offered is used).
    #[arg(long)]
    pub fps: Option<u32>,
    /// Keep webcam pictures as the camera sends them (by default they are mirrored, as the app
    /// shows and records them).
    #[arg(long)]
    pub no_mirror: bool,
    /// Write JPEG (quality 90, a tenth of the size) instead of lossless PNG.
    #[arg(long)]
    pub jpeg: bool,
}

/// How long to wait for a first (or next) picture from a source that reports no error.
const PATIENCE: Duration = Duration::from_secs(20);

fn parse_size(text: &str) -> anyhow::Result<Resolution> {
    let parsed =
        text.split_once(['x', 'X', '×']).and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)));
    match parsed {
        Some((w, h)) if w > 0 && h > 0 => Ok(Resolution::new(w, h)),
        _ => bail!("--size {text}: expected WIDTHxHEIGHT, such as 640x480"),
    }
}

fn check_class(class: &str) -> anyhow::Result<()> {
    let bad = if class.trim().is_empty() {
        Some("it is empty")
    } else if class.contains(['/', '\\']) || class == "." || class == ".." {
        Some("it must be a plain folder name, without / or \\")
    } else if class.chars().any(char::is_control) {
        Some("it contains control characters")
    } else {
        None
    };
    match bad {
        Some(problem) => bail!("--class {}: {problem}", class.escape_debug()),
        None => Ok(()),
    }
}

impl RecordArgs {
    /// The source to record from, with the size and rate asked for.
    ///
    /// # Errors
    /// A camera, size, rate or class that cannot work, naming its flag.
    pub fn spec(&self) -> anyhow::Result<SourceSpec> {
        check_class(&self.class)?;
        if self.frames == 0 {
            bail!("--frames 0: take at least one picture");
        }
        if !(self.rate.is_finite() && (0.1..=120.0).contains(&self.rate)) {
            bail!("--rate {}: expected 0.1 to 120 pictures per second", self.rate);
        }
        if self.fps == Some(0) {
            bail!("--fps 0: expected a frame rate of at least 1");
        }
        let resolution = self.size.as_deref().map(parse_size).transpose()?;
        Ok(match super::parse_camera(&self.camera)? {
            SourceSpec::Webcam { index, .. } => SourceSpec::Webcam { index, resolution, fps: self.fps },
            other if resolution.is_some() || self.fps.is_some() => {
                bail!("--size and --fps are for webcams; {other} has its own")
            }
            other => other,
        })
    }
}

/// Runs `pacnet record`.
pub fn run(args: &RecordArgs) -> anyhow::Result<()> {
    let spec = args.spec()?;
    let dir = args.data.join(&args.class);
    let format = if args.jpeg { RecordFormat::Jpeg } else { RecordFormat::Png };
    let mut recorder = FolderRecorder::create(&dir, format)?;
    let mut files: (Option<PathBuf>, PathBuf) = (None, PathBuf::new());
    let mut transform = Transform::recommended_for(&spec);
    transform.mirror &= !args.no_mirror;
    let mut capture = Capture::start(spec, CaptureOptions { transform, ..CaptureOptions::default() })?;

    let bar = indicatif::ProgressBar::hidden();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.set_length(args.frames);
    if let Ok(style) = indicatif::ProgressStyle::with_template("recording `{msg}` {bar:30} {pos}/{len}") {
        bar.set_style(style);
    }
    bar.set_message(args.class.clone());
    let plan = PacedRecording { count: args.frames, per_second: args.rate, patience: PATIENCE };
    let recorded = record_paced(&capture, &mut recorder, plan, &mut |n, path| {
        bar.set_position(n);
        files.0.get_or_insert_with(|| path.to_path_buf());
        files.1 = path.to_path_buf();
    });
    bar.finish_and_clear();
    let source = capture.source_info();
    capture.stop();
    recorded?;

    let from = source.map_or_else(String::new, |s| format!(" from {}, {} at {:.0} fps,", s.name, s.resolution, s.fps));
    let first = files.0.as_deref().map(file_name).unwrap_or_default();
    let line = format!(
        "recorded {} pictures of `{}`{from} into {} ({first} … {})",
        recorder.written(),
        args.class,
        dir.display(),
        file_name(&files.1),
    );
    writeln!(std::io::stdout().lock(), "{}", crate::sys::stdio::escape_controls(&line))?;
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
