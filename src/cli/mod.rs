//! The `pacnet` command line: parses arguments with clap and calls the library. Errors are
//! printed once as `pacnet: …` (the cause chain on one line) with exit code 2, as ripgrep does.
//!
//! **May import:** every other pacnet module; of `ui` only its launch API (`run_app`,
//! `AppOptions`, `Tab`), which `pacnet` and `pacnet app` call (`tests/architecture.rs` checks).

mod bench;
mod bench_learn;
mod bench_play;
mod cameras;
mod classify;
mod eval;
mod export;
mod generate;
mod models;
mod play;
mod play_log;
mod predict;
mod profile;
mod record;
mod steer;
mod steer_flags;
mod train;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand};

/// Webcam transfer learning that steers Pac-Man.
#[derive(Debug, Parser)]
#[command(
    name = "pacnet",
    version = crate::about::short(),
    long_version = crate::about::long(),
    about,
    long_about = None,
    after_long_help = FILES_AND_ENVIRONMENT
)]
pub struct Cli {
    /// What to do; without a command the desktop app starts.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The app's flags, also accepted without the word `app` (`pacnet --camera demo`).
    #[command(flatten)]
    pub app: AppArgs,
    /// Make no network request at all (as HF_HUB_OFFLINE=1 does): a model that is not built in,
    /// not a local directory and not in the Hugging Face cache is then an error.
    #[arg(long, global = true)]
    pub offline: bool,
}

impl Cli {
    /// Refuses the app's flags beside another command (`pacnet --camera demo models`), which
    /// would otherwise be ignored without a word. (Not clap's `args_conflicts_with_subcommands`:
    /// that also refuses the global `--offline` before a command.)
    ///
    /// # Errors
    /// The first of the app's flags given, in one line.
    pub fn check(&self) -> anyhow::Result<()> {
        let a = &self.app;
        let given = [
            ("--model", a.model.is_some()),
            ("--camera", a.camera.is_some()),
            ("--project", a.project.is_some()),
            ("--tab", a.tab.is_some()),
        ];
        match (&self.command, given.iter().find(|(_, set)| *set)) {
            (Some(_), Some((flag, _))) => anyhow::bail!(
                "{flag} before a command is the app's flag (`pacnet {flag} …` or `pacnet app {flag} …`); \
                 give the command's own flags after its name"
            ),
            _ => Ok(()),
        }
    }
}

/// The end of `pacnet --help` and of the man page: where pacnet keeps things, what it reads.
const FILES_AND_ENVIRONMENT: &str = "\
Files:
  $XDG_DATA_HOME/pacnet/ (default ~/.local/share/pacnet/): app.ron holds the settings (camera, \
panel, sliders, recent projects), recovery.pacnet the untitled project saved on exit. Delete the \
folder to reset pacnet; projects saved elsewhere are not touched.
  $HF_HOME/hub/ (default ~/.cache/huggingface/hub/): downloaded backbones (not the built-in one).

Environment:
  PACNET_MODEL    the default --model
  PACNET_SIMD     avx2 or portable: cap the backbone's vector unit (for comparisons)
  PACNET_LOG      log filter, e.g. debug or pacnet::camera=trace
  HF_HUB_OFFLINE  1: no network request at all, as --offline";

/// The short help of every `--model` flag.
pub const MODEL_HELP: &str =
    "The backbone: builtin (default), v3-large, v3-small, v2, a model directory, or a Hugging Face repo id";

/// The long help (`--help`) of every `--model` flag.
pub const MODEL_LONG_HELP: &str = "The backbone. `builtin` (the default) is the MobileNet v1 0.25 compiled into pacnet: \
no file, no network. `v3-large`, `v3-small` and `v2` are pinned MobileNets from the Hugging Face Hub, downloaded \
once into the Hugging Face cache and checked against their sha256 (`pacnet models` lists them). Anything that \
looks like a path is a local model directory (config.json + model.safetensors) and is never sent to the hub: \
it exists, or starts with `/`, `.` or `~`, or is a bare name, or has more than one `/`, or its first folder \
exists here (models/mine), or it ends in a file extension; a missing one is \"no such directory\". What is left, \
owner/name[@revision], is a Hugging Face repo id. Default: $PACNET_MODEL, else builtin.";

/// Set by `--offline`: no command may use the network.
static OFFLINE: AtomicBool = AtomicBool::new(false);

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the desktop app (the default).
    App(AppArgs),
    /// Print MobileNet's top ImageNet guesses for images.
    Classify(classify::ClassifyArgs),
    /// Time the backbone (and the whole per-frame pipeline) at batch 1.
    Bench(bench::BenchArgs),
    /// Few-shot accuracy of the training recipes on webcam-like sets (12 frames per class).
    BenchLearn(bench_learn::BenchLearnArgs),
    /// The closed loop measured: a simulated player steers Pac-Man with the demo toy; intent
    /// accuracy, reaction time and misfires per controller setting.
    BenchPlay(bench_play::BenchPlayArgs),
    /// Train a head on a folder of class folders and save the project (.pacnet).
    Train(train::TrainArgs),
    /// Accuracy, per-class accuracy and confusion matrix of a project on a folder of class folders.
    Eval(eval::EvalArgs),
    /// A trained project's class and confidences for images.
    Predict(predict::PredictArgs),
    /// Steer another game: key presses (arrow keys or a profile's bindings), or decisions on stdout.
    Steer(steer::SteerArgs),
    /// A project's key-binding profiles: list, save (--name N --bind up=space,…) or remove.
    Profile(profile::ProfileArgs),
    /// Play the built-in Pac-Man headless from a folder of frames; prints score and hash.
    Play(play::PlayArgs),
    /// Export a trained project as ONNX (backbone + head) or as a TF.js head.
    Export(export::ExportArgs),
    /// The backbones: the built-in one and the pinned downloads, with size and cache state.
    Models(models::ModelsArgs),
    /// List the cameras with their formats, sizes and frame rates.
    Cameras(cameras::CamerasArgs),
    /// Take pictures of one class from a camera into a data folder, at the Record panel's pace.
    Record(record::RecordArgs),
    /// Write the man pages or the shell completions into a folder (for packagers).
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
}

/// Parses `std::env::args`, runs the command and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The camera thread warns about every failure it retries; a headless recording or steering
    // run gives up after its own patience and reports the cause in its one error line instead.
    let quiet_camera = matches!(cli.command, Some(Command::Record(_) | Command::Cameras(_) | Command::Steer(_)));
    init_tracing(if quiet_camera { "warn,pacnet::camera=error" } else { "warn" });
    let outcome = crate::sys::signals::install().map_err(anyhow::Error::from).and_then(|()| run(cli));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output has gone (`pacnet … | head`): it has what it wanted.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            crate::sys::stdio::err_line(&format!("pacnet: {}", crate::sys::stdio::one_line(&format!("{e:#}"))));
            ExitCode::from(2)
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    cli.check()?;
    if let Some(value) = crate::backbone::kernels::simd::unknown_cap() {
        anyhow::bail!(
            "PACNET_SIMD={}: expected avx2 or portable (or unset)",
            crate::sys::stdio::escape_controls(&value)
        );
    }
    OFFLINE.store(cli.offline, Ordering::Relaxed);
    let offline = |mut o: crate::ui::AppOptions| {
        o.offline |= cli.offline;
        o
    };
    match cli.command {
        None => crate::ui::run_app(offline(cli.app.options()?)),
        Some(Command::App(args)) => crate::ui::run_app(offline(args.options()?)),
        Some(Command::Classify(args)) => classify::run(&args),
        Some(Command::Bench(args)) => bench::run(&args),
        Some(Command::BenchLearn(args)) => bench_learn::run(&args),
        Some(Command::BenchPlay(args)) => bench_play::run(&args),
        Some(Command::Train(args)) => train::run(&args),
        Some(Command::Eval(args)) => eval::run(&args),
        Some(Command::Predict(args)) => predict::run(&args),
        Some(Command::Steer(args)) => steer::run(&args),
        Some(Command::Profile(args)) => profile::run(&args),
        Some(Command::Play(args)) => play::run(&args),
        Some(Command::Export(args)) => export::run(&args),
        Some(Command::Models(args)) => models::run(&args),
        Some(Command::Cameras(args)) => cameras::run(&args),
        Some(Command::Record(args)) => record::run(&args),
        Some(Command::Generate(args)) => generate::run(&args),
    }
}

/// How hub downloads may go in this process: offline after `--offline` (or with
/// `HF_HUB_OFFLINE`, which the options read themselves).
pub fn fetch_options() -> crate::backbone::FetchOptions {
    crate::backbone::FetchOptions { offline: OFFLINE.load(Ordering::Relaxed), ..Default::default() }
}

/// Options of `pacnet app`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct AppArgs {
    /// The backbone (see [`MODEL_LONG_HELP`]).
    #[arg(long, help = MODEL_HELP, long_help = MODEL_LONG_HELP)]
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
            offline: false,
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

fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PACNET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // A log line must never fail (a closed stderr: tracing would panic in its own eprintln),
    // and colours only go to a terminal.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| crate::sys::stdio::QuietStderr)
        .with_ansi(crate::sys::stdio::stderr_is_terminal())
        .try_init();
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().filter_map(|c| c.downcast_ref::<std::io::Error>()).any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Loads the backbone named by `--model` / `$PACNET_MODEL` / the built-in default, with a
/// progress bar on stderr while the weights download the first time.
pub fn load_backbone(model: Option<&str>) -> anyhow::Result<crate::backbone::Backbone> {
    load_source(&crate::backbone::ModelSource::resolve(model)?)
}

/// Loads `source` (downloading it the first time, with a progress bar on stderr).
pub fn load_source(source: &crate::backbone::ModelSource) -> anyhow::Result<crate::backbone::Backbone> {
    use crate::backbone::Fetch;
    let bar = indicatif::ProgressBar::hidden();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    let mut started = false;
    let backbone = crate::live::load_backbone(source, &fetch_options(), &mut |f| {
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
