//! Export of a trained project for use outside pacnet, written atomically to a new folder.
//!
//! - [`Format::Onnx`]: `model.onnx`, one graph from the normalised image through the backbone
//!   to the cut, the head and the softmax, for any ONNX runtime ([`onnx`] has the details).
//! - [`Format::Tfjs`]: the head alone as a TF.js layers model (`model.json` + one weights
//!   shard) in the exact topology of the TF.js webcam-transfer-learning demo, to run on the
//!   features of TF.js's own MobileNet v1 ([`tfjs`]); only for MobileNet v1 projects.
//!
//! Both write `classes.txt` too (one class name per line, in output order). The folder is
//! assembled under a temporary name beside the target and renamed into place (an existing
//! empty folder is filled file by file instead), so a failed export leaves nothing behind and a
//! reader never sees half a model.

pub mod onnx;
/// The official ONNX protobuf messages as prost structs (generated from `onnx.proto` by
/// `scripts/gen-onnx-proto.sh`).
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod proto;
pub mod tfjs;

use std::path::{Path, PathBuf};

use candle_core::DType;

use super::error::LearnError;
use super::head::Head;
use super::project::Project;
use crate::backbone::{Backbone, BackboneError};
use crate::sys::{OutputDir, OutputError};

/// What to export to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `model.onnx`: backbone, head and softmax in one graph.
    Onnx,
    /// `model.json` + `group1-shard1of1.bin`: the head for TF.js's MobileNet v1.
    Tfjs,
}

impl Format {
    /// Both formats, in menu order.
    pub const ALL: [Format; 2] = [Format::Onnx, Format::Tfjs];

    /// Short name, as the CLI spells it (`onnx`, `tfjs`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Onnx => "onnx",
            Format::Tfjs => "tfjs",
        }
    }

    /// One line on what the format holds and where it runs.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Onnx => "ONNX: backbone + head + softmax in one graph, for any ONNX runtime",
            Format::Tfjs => "TF.js: the head alone, for TF.js's MobileNet v1 (the TF.js demo's network)",
        }
    }
}

/// Why an export failed; every message is one line that names what is at fault.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The project has no trained head.
    #[error("the project has no trained head yet — train it first, then export")]
    NotTrained,
    /// The format cannot express this project (TF.js for a backbone other than MobileNet v1).
    #[error("{format} export does not apply to {architecture}: {reason}")]
    NotApplicable {
        /// The format asked for.
        format: &'static str,
        /// The project's backbone architecture.
        architecture: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// The target is refused (a file, a non-empty folder, a link without `--force`), or
    /// writing failed; nothing is left at the target.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The project or its head (e.g. its backbone does not match).
    #[error(transparent)]
    Learn(#[from] LearnError),
    /// The backbone (e.g. the project's cut is not one of its layers).
    #[error(transparent)]
    Backbone(#[from] BackboneError),
}

/// What an export wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    /// The folder.
    pub dir: PathBuf,
    /// File names and sizes in bytes, in the order written.
    pub files: Vec<(String, u64)>,
}

impl Exported {
    /// e.g. `wrote out/ (model.onnx 5.2 MB, classes.txt 20 B)`.
    pub fn summary(&self) -> String {
        let files: Vec<String> = self.files.iter().map(|(n, b)| format!("{n} {}", human_bytes(*b))).collect();
        format!("wrote {} ({})", self.dir.display(), files.join(", "))
    }
}

fn human_bytes(b: u64) -> String {
    match b {
        0..1_000 => format!("{b} B"),
        1_000..1_000_000 => format!("{:.1} kB", b as f64 / 1e3),
        _ => format!("{:.1} MB", b as f64 / 1e6),
    }
}

/// Exports `project`'s trained head (with `backbone`, the one its features come from, for
/// ONNX) as `format` into the new folder `out` (see [`export_to`]).
///
/// # Errors
/// As [`export_to`], and a refused `out`.
pub fn export(project: &Project, backbone: &Backbone, format: Format, out: &Path) -> Result<Exported, ExportError> {
    export_to(project, backbone, format, &OutputDir::check(out, false)?)
}

/// Exports into a checked folder: a new one, written under a temporary name and renamed, or
/// an existing empty one, filled file by file (it keeps its mode); see [`crate::sys::output`].
///
/// # Errors
/// An untrained project, a backbone or cut other than the project's, a format that does not
/// apply, or a failed write (which leaves nothing at `out`).
pub fn export_to(
    project: &Project,
    backbone: &Backbone,
    format: Format,
    out: &OutputDir,
) -> Result<Exported, ExportError> {
    let head = project.head.as_ref().ok_or(ExportError::NotTrained)?;
    let source = project.dataset.source();
    let cut = backbone.find_cut(&source.cut)?;
    project.check_backbone(backbone, cut)?;
    let mut files = match format {
        Format::Onnx => vec![("model.onnx".to_owned(), onnx::encode(&onnx::model(backbone, cut, head, source)?))],
        Format::Tfjs => tfjs::files(backbone, head, source)?,
    };
    let mut classes = head.classes().join("\n");
    classes.push('\n');
    files.push(("classes.txt".to_owned(), classes.into_bytes()));
    out.write(&files)?;
    let dir = out.path().to_owned();
    Ok(Exported { dir, files: files.iter().map(|(n, b)| (n.clone(), b.len() as u64)).collect() })
}

/// The head's hidden kernel `[units, input]`, hidden bias `[units]` and output kernel
/// `[classes, units]` as f32 vectors.
pub fn head_weights(head: &Head) -> Result<[Vec<f32>; 3], LearnError> {
    let [w1, b1, w2] = head.parameters();
    let flat = |t: &candle_core::Tensor| -> Result<Vec<f32>, LearnError> {
        Ok(t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?)
    };
    Ok([flat(w1)?, flat(b1)?, flat(w2)?])
}
