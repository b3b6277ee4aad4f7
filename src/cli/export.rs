//! `pacnet export --project P.pacnet --format onnx|tfjs --out DIR`: the trained project as an
//! ONNX model (backbone + head + softmax) or a TF.js head for TF.js's MobileNet v1, written
//! atomically to the new folder DIR.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::learn::export::{self, Format};
use crate::sys::OutputDir;
use crate::sys::stdio::escape_controls;

/// Arguments of `pacnet export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The trained project (.pacnet).
    #[arg(long)]
    pub project: PathBuf,
    /// `onnx`: backbone, head and softmax in one graph for any ONNX runtime; `tfjs`: the head
    /// alone as a TF.js layers model for TF.js's MobileNet v1 (the TF.js demo's network).
    #[arg(long, value_enum)]
    pub format: FormatArg,
    /// The folder to create (it must not exist, or be empty); checked before any work.
    #[arg(long)]
    pub out: PathBuf,
    /// When --out is a symbolic link, write into the folder it points to (which must be new or
    /// empty too).
    #[arg(long)]
    pub force: bool,
    /// The backbone, when it is no longer where the project was recorded (default: the
    /// project's own).
    #[arg(long)]
    pub model: Option<String>,
}

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// ONNX (model.onnx).
    Onnx,
    /// TF.js layers model (model.json + weights).
    Tfjs,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Onnx => Format::Onnx,
            FormatArg::Tfjs => Format::Tfjs,
        }
    }
}

/// Runs `pacnet export`; prints the folder and its files.
pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    let out = OutputDir::check(&args.out, args.force)?;
    let opened = super::eval::open(&args.project, args.model.as_deref())?;
    let exported = export::export_to(&opened.project, &opened.backbone, args.format.into(), &out)?;
    writeln!(std::io::stdout().lock(), "{}", escape_controls(&exported.summary()))?;
    Ok(())
}
