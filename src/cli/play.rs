//! `pacnet play`: the built-in Pac-Man played headless by a trained project watching a folder
//! of frames; prints the score, lives, level and the game's state hash (the same folder,
//! project and flags always give the same hash).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::camera::list_images;
use crate::game::Options;
use crate::live::FramePipeline;
use crate::live::audio::{WAV, write_wav};
use crate::live::play::{PlayOptions, play_headless};
use crate::sys::Output;
use crate::sys::stdio::shown;

/// Arguments of `pacnet play`.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// The trained project (.pacnet).
    #[arg(long)]
    pub project: PathBuf,
    /// A folder of frames (played in natural order, looping).
    #[arg(long)]
    pub camera: PathBuf,
    /// Game ticks to play (60 a second).
    #[arg(long, default_value_t = 3600)]
    pub ticks: u64,
    /// Frames a second the folder stands for.
    #[arg(long, default_value_t = 15.0)]
    pub fps: f64,
    /// The game's seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How predictions become steering.
    #[command(flatten)]
    pub steer: super::steer_flags::SteerFlags,
    /// The backbone, when it is no longer where the project was recorded.
    #[arg(long)]
    pub model: Option<String>,
    /// Also write the game's sound to this WAV file (mono 16-bit PCM, 22 050 Hz). Only a new
    /// name, an empty file or an existing WAV file is accepted, checked before the game starts.
    #[arg(long)]
    pub wav: Option<PathBuf>,
    /// When --wav is a symbolic link, write to the file it points to; when it is a FIFO or a
    /// character device (/dev/stdout), write into it directly.
    #[arg(long)]
    pub force: bool,
    /// Write every frame as the network saw it (DIR/frames/*.jpg) and its prediction
    /// (DIR/predictions.csv) into this new or empty folder.
    #[arg(long)]
    pub log: Option<PathBuf>,
}

/// Sample rate of `--wav`: the arcade's sound is band-limited well below 11 kHz.
pub const WAV_RATE: u32 = 22_050;

/// The most ticks one run may ask for (about 46 hours of play).
pub const MAX_TICKS: u64 = 10_000_000;

/// Runs `pacnet play`.
pub fn run(args: &PlayArgs) -> anyhow::Result<()> {
    if args.ticks == 0 || args.ticks > MAX_TICKS {
        anyhow::bail!("--ticks {}: expected 1 to {MAX_TICKS}", args.ticks);
    }
    let settings = args.steer.settings()?;
    let frames = list_images(&args.camera)?;
    // Checked before the game runs: a wrong --wav is refused before any work, not after it.
    let wav = match &args.wav {
        Some(path) => {
            let mut inputs = frames.clone();
            inputs.push(args.project.clone());
            Some(Output::check(path, WAV, &inputs, args.force)?)
        }
        None => None,
    };
    let opened = super::eval::open(&args.project, args.model.as_deref())?;
    let mut pipeline = FramePipeline::new(&opened.backbone, opened.cut, opened.project.dataset.source().crop, settings);
    pipeline.set_head(Some(opened.head.clone()));
    pipeline.set_familiarity(super::steer::familiarity(&opened)?);
    let opts = PlayOptions {
        ticks: args.ticks,
        fps: args.fps,
        seed: args.seed,
        options: Options::default(),
        sound_rate: args.wav.as_ref().map(|_| WAV_RATE),
    };
    let mut log = args.log.as_deref().map(super::play_log::PlayLog::create).transpose()?;
    let mut on_frame = |f: &crate::live::play::LoggedFrame<'_>| {
        log.as_mut().map_or(Ok(()), |l| l.frame(f)).map_err(|e| crate::live::LiveError::Log(Box::new(e)))
    };
    let report = play_headless(&opened.backbone, &mut pipeline, &frames, &opts, &mut on_frame)?;
    let s = &report.summary;
    let out = &mut std::io::stdout().lock();
    writeln!(out, "ticks: {}", s.ticks)?;
    writeln!(out, "frames: {} ({} of {} ticks steered by the model)", report.frames, report.steered_ticks, s.ticks)?;
    writeln!(out, "score: {}", s.score)?;
    writeln!(out, "lives: {}", s.lives)?;
    writeln!(out, "level: {}", s.level)?;
    writeln!(out, "hash: {:016x}", s.hash)?;
    if let (Some(wav), Some(samples)) = (&wav, &report.sound) {
        write_wav(wav, WAV_RATE, samples)?;
        let secs = samples.len() as f64 / f64::from(WAV_RATE);
        writeln!(out, "sound: {} ({secs:.1} s, {WAV_RATE} Hz mono 16-bit)", shown(wav.given()))?;
    }
    if let Some(log) = log {
        let dir = log.finish()?;
        writeln!(out, "log: {} ({} frames with their predictions)", dir.display(), report.frames)?;
    }
    Ok(())
}
