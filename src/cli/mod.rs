//! The `pacnet` command line: parses arguments with clap and calls the library. Errors are
//! printed once as `pacnet: …` (the cause chain on one line) with exit code 2, as ripgrep does.

mod bench;
mod classify;

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
    App(crate::ui::AppArgs),
    /// Print MobileNet's top ImageNet guesses for images.
    Classify(classify::ClassifyArgs),
    /// Time the backbone (and the whole per-frame pipeline) at batch 1.
    Bench(bench::BenchArgs),
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
        None => crate::ui::run_app(crate::ui::AppArgs::default()),
        Some(Command::App(args)) => crate::ui::run_app(args),
        Some(Command::Classify(args)) => classify::run(&args),
        Some(Command::Bench(args)) => bench::run(&args),
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PACNET_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Loads the backbone named by `--model` / `$PACNET_MODEL` / the default, with a progress bar
/// on stderr while the weights download the first time.
pub fn load_backbone(model: Option<&str>) -> anyhow::Result<crate::backbone::Backbone> {
    use crate::backbone::{Backbone, Fetch, FetchOptions, ModelSource};
    let source = ModelSource::resolve(model)?;
    let bar = indicatif::ProgressBar::hidden();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    let mut started = false;
    let backbone = Backbone::load(&source, &FetchOptions::default(), &mut |f| {
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
