//! `pacnet generate man|completions DIR`: the man pages and the bash, zsh and fish completions,
//! rendered from the clap definitions so they never drift from the real flags. Hidden from
//! `--help`: it is for `scripts/package.sh`, not for users.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

/// What to write.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum What {
    /// `pacnet.1` and one page per command (`pacnet-classify.1`, …).
    Man,
    /// `pacnet.bash`, `_pacnet` (zsh) and `pacnet.fish`.
    Completions,
}

/// Arguments of `pacnet generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// man or completions.
    #[arg(value_enum)]
    pub what: What,
    /// The folder to write into (created if missing).
    pub dir: PathBuf,
}

/// Writes the files and prints their paths, one per line.
///
/// # Errors
/// When the folder cannot be created or a file cannot be written.
pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut cmd = super::Cli::command();
    let written = match args.what {
        What::Man => {
            clap_mangen::generate_to(cmd, dir).with_context(|| format!("cannot write into {}", dir.display()))?;
            let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
                .with_context(|| format!("cannot list {}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "1"))
                .collect();
            pages.sort();
            pages
        }
        What::Completions => [Shell::Bash, Shell::Zsh, Shell::Fish]
            .into_iter()
            .map(|shell| {
                clap_complete::generate_to(shell, &mut cmd, "pacnet", dir)
                    .with_context(|| format!("cannot write the {shell} completions into {}", dir.display()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
    };
    let mut out = std::io::stdout().lock();
    for path in written {
        writeln!(out, "{}", path.display())?;
    }
    Ok(())
}
