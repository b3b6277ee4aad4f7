//! Export of a trained project for use outside pacnet, written atomically to a new folder.
//!
//! - [`Format::Onnx`]: `model.onnx`, one graph from the normalised image through the backbone
//!   to the cut, the head and the softmax, for any ONNX runtime ([`onnx`] has the details).
//! - [`Format::Tfjs`]: the head alone as a TF.js layers model (`model.json` + one weights
//!   shard) in the exact topology of the TF.js webcam-transfer-learning demo, to run on the
//!   features of TF.js's own MobileNet v1 ([`tfjs`]); only for MobileNet v1 projects.
//!
//! Both write `classes.txt` too (one class name per line, in output order). The folder is
//! assembled under a temporary name beside the target and renamed into place, so a failed
//! export leaves nothing behind and a reader never sees half a model.

pub mod onnx;
/// The official ONNX protobuf messages as prost structs (generated from `onnx.proto` by
/// `scripts/gen-onnx-proto.sh`).
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod proto;
pub mod tfjs;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use candle_core::DType;

use super::error::LearnError;
use super::head::Head;
use super::project::Project;
use crate::backbone::{Backbone, BackboneError};

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
    /// The target exists and is not an empty folder.
    #[error("{}: already exists{} — exports go to a new folder; choose another name", path.display(), if *is_dir { " and is not empty" } else { " (a file)" })]
    Exists {
        /// The target.
        path: PathBuf,
        /// Whether it is a folder (else a file).
        is_dir: bool,
    },
    /// Writing failed; nothing is left at the target.
    #[error("{}: cannot write the export: {source}", path.display())]
    Write {
        /// The file or folder being written.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
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
/// ONNX) as `format` into the new folder `out`.
///
/// # Errors
/// An untrained project, a backbone or cut other than the project's, a format that does not
/// apply, an existing non-empty `out`, or a failed write (which leaves nothing at `out`).
pub fn export(project: &Project, backbone: &Backbone, format: Format, out: &Path) -> Result<Exported, ExportError> {
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
    write_new_dir(out, &files)?;
    Ok(Exported { dir: out.to_owned(), files: files.iter().map(|(n, b)| (n.clone(), b.len() as u64)).collect() })
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

/// Writes `files` into a temporary folder beside `out`, syncs them, and renames the folder to
/// `out`, which must not exist or be an empty folder (its parent is created if missing).
fn write_new_dir(out: &Path, files: &[(String, Vec<u8>)]) -> Result<(), ExportError> {
    let exists = |is_dir| ExportError::Exists { path: out.to_owned(), is_dir };
    if out.is_file() || out.is_symlink() {
        return Err(exists(false));
    }
    if out.is_dir() {
        let empty = std::fs::read_dir(out).map_err(|e| write_err(out, e))?.next().is_none();
        if !empty {
            return Err(exists(true));
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).map_err(|e| write_err(parent, e))?;
    let tmp =
        tempfile::Builder::new().prefix(".pacnet-export-").tempdir_in(parent).map_err(|e| write_err(parent, e))?;
    for (name, bytes) in files {
        let path = tmp.path().join(name);
        let mut f = File::create(&path).map_err(|e| write_err(&out.join(name), e))?;
        f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| write_err(&out.join(name), e))?;
    }
    // tempdir() makes the folder private (0700); an export is meant to be shared.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).map_err(|e| write_err(out, e))?;
    }
    // rename(2) replaces an empty folder atomically and refuses a non-empty one, so a folder
    // that filled up since the check above is not lost either.
    std::fs::rename(tmp.path(), out).map_err(|e| write_err(out, e))?;
    let _ = tmp.keep();
    if let Ok(d) = File::open(parent) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_err(path: &Path, source: std::io::Error) -> ExportError {
    ExportError::Write { path: path.to_owned(), source }
}
