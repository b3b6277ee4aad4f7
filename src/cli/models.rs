//! `pacnet models`: the backbones pacnet knows by name — the built-in one and the pinned
//! downloads — with their size, what each gets you, the pinned revision and whether it is
//! already in the Hugging Face cache (so usable offline).

use std::io::Write;

use clap::Args;

use crate::backbone::builtin;
use crate::backbone::hub::{self, CATALOG};

/// Arguments of `pacnet models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {}

/// Runs `pacnet models`: one line per model, then its details indented.
pub fn run(_args: &ModelsArgs) -> anyhow::Result<()> {
    let opts = super::fetch_options();
    let out = &mut std::io::stdout().lock();
    let mb = builtin::WEIGHTS.len() as f64 / 1e6;
    writeln!(out, "{:<9} {:<30} {:>7}  compiled in (default)", builtin::NAME, builtin::TITLE, format!("{mb:.1} MB"))?;
    writeln!(out, "          {}", builtin::SUMMARY)?;
    for e in &CATALOG {
        let state = if hub::is_available_offline(&e.source(), &opts) { "in the cache" } else { "not downloaded" };
        writeln!(out, "{:<9} {:<30} {:>7}  {state}", e.name, e.title, format!("{:.1} MB", e.size_mb))?;
        writeln!(out, "          {}", e.summary)?;
        writeln!(out, "          {}@{} sha256 {}", e.repo, e.revision, e.sha256)?;
    }
    writeln!(out, "cache: {}", opts.cache().path().display())?;
    Ok(())
}
