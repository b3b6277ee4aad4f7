//! The `pacnet` command line: parses arguments with clap and calls the library. Errors are
//! printed once as `pacnet: …` (the cause chain on one line) with exit code 2, as ripgrep does.

mod bench;
mod classify;
mod eval;
mod export;
mod play;
mod predict;
mod steer;
mod train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Webcam transfer learning that steers Pac-Man.
#[derive(Debug, Parser)]
#[command(name = "pacnet", version, about, long_about = None)]
pub struct Cli {
    /// What to do; without a command the desktop app starts.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the desktop app (the default).
    App(AppArgs),
    /// Print MobileNet's top ImageNet guesses for images.
    Classify(classify::ClassifyArgs),
    /// Time the backbone (and the whole per-frame pipeline) at batch 1.
    Bench(bench::BenchArgs),
    /// Train a head on a folder of class folders and save the project (.pacnet).
    Train(train::TrainArgs),
    /// Accuracy, per-class accuracy and confusion matrix of a project on a folder of class folders.
    Eval(eval::EvalArgs),
    /// A trained project's class and confidences for images.
    Predict(predict::PredictArgs),
    /// Steer another game: arrow keys to the focused window, or decisions on stdout.
    Steer(steer::SteerArgs),
    /// Play the built-in Pac-Man headless from a folder of frames; prints score and hash.
    Play(play::PlayArgs),
    /// Export a trained project as ONNX (backbone + head) or as a TF.js head.
    Export(export::ExportArgs),
}

/// Parses `std::env::args`, runs the command and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("pacnet: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => crate::ui::run_app(AppArgs::default().options()?),
        Some(Command::App(args)) => crate::ui::run_app(args.options()?),
        Some(Command::Classify(args)) => classify::run(&args),
        Some(Command::Bench(args)) => bench::run(&args),
        Some(Command::Train(args)) => train::run(&args),
        Some(Command::Eval(args)) => eval::run(&args),
        Some(Command::Predict(args)) => predict::run(&args),
        Some(Command::Steer(args)) => steer::run(&args),
        Some(Command::Play(args)) => play::run(&args),
        Some(Command::Export(args)) => export::run(&args),
    }
}

/// Options of `pacnet app`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct AppArgs {
    /// Model directory or Hugging Face repo id (default: $PACNET_MODEL, else the pinned MobileNet V3).
    #[arg(long)]
    pub model: Option<String>,
    /// Camera: `demo` (a toy you move with the keyboard), a webcam number (`0`), or a folder of
    /// images to replay. Default: the one used last time.
    #[arg(long)]
    pub camera: Option<String>,
    /// A project (.pacnet) to open.
    #[arg(long)]
    pub project: Option<std::path::PathBuf>,
    /// The panel to start on: record, train, play or learn.
    #[arg(long)]
    pub tab: Option<String>,
}

impl AppArgs {
    /// The app's options these flags ask for.
    ///
    /// # Errors
    /// An unknown camera or panel name, with the accepted forms.
    pub fn options(&self) -> anyhow::Result<crate::ui::AppOptions> {
        use crate::ui::Tab;
        let tab = match self.tab.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None => None,
            Some("record") => Some(Tab::Record),
            Some("train") => Some(Tab::Train),
            Some("play") => Some(Tab::Play),
            Some("learn") => Some(Tab::Learn),
            Some(other) => anyhow::bail!("--tab {other}: expected record, train, play or learn"),
        };
        let camera = self.camera.as_deref().map(parse_camera).transpose()?;
        Ok(crate::ui::AppOptions {
            model: self.model.clone(),
            camera,
            project: self.project.clone(),
            recovery_file: None,
            tab,
            clock: None,
            sound: true,
        })
    }
}

/// `demo`, a webcam number, or a folder to replay at 15 frames a second, looping.
pub(crate) fn parse_camera(text: &str) -> anyhow::Result<crate::camera::SourceSpec> {
    use crate::camera::SourceSpec;
    let t = text.trim();
    if t.eq_ignore_ascii_case("demo") {
        return Ok(SourceSpec::Demo);
    }
    if let Ok(index) = t.parse::<u32>() {
        return Ok(SourceSpec::Webcam { index, resolution: None, fps: None });
    }
    let path = std::path::PathBuf::from(t);
    if path.is_dir() {
        return Ok(SourceSpec::Folder { path, fps: 15.0, looping: true });
    }
    anyhow::bail!("--camera {t}: expected `demo`, a webcam number such as 0, or a folder of images")
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PACNET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().filter_map(|c| c.downcast_ref::<std::io::Error>()).any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Loads the backbone named by `--model` / `$PACNET_MODEL` / the default, with a progress bar
/// on stderr while the weights download the first time.
pub fn load_backbone(model: Option<&str>) -> anyhow::Result<crate::backbone::Backbone> {
    use crate::backbone::Fetch;
    let bar = indicatif::ProgressBar::hidden();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    let mut started = false;
    let backbone = crate::live::load_backbone(model, &mut |f| {
        if let Fetch::Downloading { file, done, total } = f {
            if !started {
                started = true;
                bar.set_length(total);
                bar.set_message(format!("downloading {file}"));
                if let Ok(style) = indicatif::ProgressStyle::with_template("{msg} {bar:40} {bytes}/{total_bytes}") {
                    bar.set_style(style);
                }
            }
            bar.set_position(done);
        }
    });
    bar.finish_and_clear();
    Ok(backbone?)
}
