//! `pacnet classify IMAGE... [--model M] [--top K]`: MobileNet's own ImageNet guesses.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::backbone::{Backbone, Crop, load_image};

/// Arguments of `pacnet classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Image files (JPEG, PNG, BMP, WebP).
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// The backbone (see `MODEL_LONG_HELP`).
    #[arg(long, help = super::MODEL_HELP, long_help = super::MODEL_LONG_HELP)]
    pub model: Option<String>,
    /// How many guesses per image.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Squeeze the whole image instead of cropping its centre square.
    #[arg(long)]
    pub whole: bool,
}

/// Runs `pacnet classify`.
pub fn run(args: &ClassifyArgs) -> anyhow::Result<()> {
    if args.top == 0 {
        anyhow::bail!("invalid --top 0: it must be at least 1");
    }
    let backbone = super::load_backbone(args.model.as_deref())?;
    let crop = if args.whole { Crop::Whole } else { Crop::CenterSquare };
    classify(&backbone, &args.images, crop, args.top, &mut std::io::stdout().lock())
}

/// Prints the top-`k` guesses for each image; stops at the first unreadable image.
pub fn classify(
    backbone: &Backbone,
    images: &[PathBuf],
    crop: Crop,
    k: usize,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    for path in images {
        let img = load_image(path)?;
        let guesses = backbone.classify_image(&img, crop, k.max(1)).with_context(|| path.display().to_string())?;
        writeln!(out, "{}", path.display())?;
        for g in guesses {
            writeln!(out, "  {:6.2}%  {}", g.prob * 100.0, g.label)?;
        }
    }
    Ok(())
}
