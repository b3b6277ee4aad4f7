//! The `.pacnet` project file: examples (features, thumbnails, labels, ids), the trained head,
//! the hyperparameters and what the features were computed with.
//!
//! Layout (all integers little-endian):
//!
//! | offset | bytes | what |
//! |---|---|---|
//! | 0 | 8 | signature `\x89PACNET\n` (the high byte and the newline catch text-mode mangling, as PNG's does) |
//! | 8 | 4 | format version ([`FORMAT_VERSION`]) |
//! | 12 | 4 | flags, 0 |
//! | 16 | 8 | metadata length M |
//! | 24 | 8 | data length D |
//! | 32 | 32 | SHA-256 of the M + D bytes that follow |
//! | 64 | M | metadata: UTF-8 JSON (`Meta` below: source, classes, hyperparameters, examples, and the byte ranges of every binary section) |
//! | 64 + M | D | data: features (f16, one row per example, example order), thumbnails (JPEG), head tensors (f32, row-major) |
//!
//! The fixed header makes every failure distinguishable: a wrong signature is a foreign file,
//! a file shorter than 64 + M + D is truncated, a checksum mismatch is corruption, a larger
//! version is a newer pacnet. Saving writes a temporary file in the target's directory,
//! fsyncs it and renames it over the target, so a failed save leaves the old file as it was.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::dataset::{Dataset, Example, FeatureSource, Thumbnail};
use super::error::{LearnError, Result};
use super::features::Features;
use super::featurize::{Featurizer, refeaturize};
use super::head::Head;
use super::hyper::{Hyper, Normalize};
use super::metrics::{Confusion, EpochMetrics};
use super::profile::Profiles;
use super::save;
use super::split::Validation;
use super::train::{Mistake, TrainReport};
use crate::backbone::Backbone;
use crate::sys::Output;

/// The first 8 bytes of every project file.
pub const MAGIC: [u8; 8] = *b"\x89PACNET\n";
/// The format version this build writes, and the newest it reads. Version 2 added the weights'
/// sha256 to the feature source; version 1 files still open (see [`Project::adopt_weights`]).
pub const FORMAT_VERSION: u32 = 2;
/// The file name extension.
pub const EXTENSION: &str = "pacnet";
const HEADER_LEN: usize = 64;
/// The largest project file read: twice the largest dataset `train --max-dataset-mb` allows
/// (features plus thumbnails); a bigger file is refused before it fills the memory.
pub const MAX_FILE_BYTES: u64 = 32 << 30;

/// A dataset, its hyperparameters and (once trained) its head.
#[derive(Clone, Debug)]
pub struct Project {
    /// The examples.
    pub dataset: Dataset,
    /// The hyperparameters to train with.
    pub hyper: Hyper,
    /// The trained head, if any (it reads the dataset's feature source).
    pub head: Option<Head>,
    /// What the last training run measured, if any.
    pub training: Option<TrainingRecord>,
    /// Named key bindings (none in projects from before they existed: the arrow keys are
    /// implied, [`super::Profile::pacman`]).
    pub profiles: Profiles,
}

/// What a training run measured, kept with the head.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingRecord {
    /// Per-epoch metrics.
    pub epochs: Vec<EpochMetrics>,
    /// The final head on the training examples.
    pub train: Confusion,
    /// The final head on the validation examples.
    pub val: Option<Confusion>,
    /// Why nothing was held out for validation, when nothing was.
    #[serde(default)]
    pub no_validation: Option<String>,
    /// How the validation estimate was made (files from before k-fold: `None`).
    #[serde(default)]
    pub validation: Option<Validation>,
    /// The held-out examples the validation heads got wrong.
    #[serde(default)]
    pub mistakes: Vec<Mistake>,
}

impl From<&TrainReport> for TrainingRecord {
    fn from(r: &TrainReport) -> Self {
        Self {
            epochs: r.epochs.clone(),
            train: r.train.clone(),
            val: r.val.clone(),
            no_validation: r.plan.split.no_validation.clone(),
            validation: Some(r.plan.validation.clone()),
            mistakes: r.mistakes.clone(),
        }
    }
}

/// Examples whose stored features a format-1 project's migration compares with features
/// re-computed from their thumbnails.
pub const ADOPT_CHECKED: usize = 4;
/// The cosine similarity every checked example must reach for the loaded weights to count as
/// the recorded ones. Re-computing from the JPEG thumbnail (quality 90) instead of the original
/// frame moves the features a little: the worst of 4 scene frames at the default cut of
/// MobileNet v1 0.25 reached 0.990, while the same network with its first conv negated gave
/// 0.64 (`tests/learn.rs` prints both).
pub const ADOPT_MIN_COSINE: f32 = 0.95;

/// A project recorded with another backbone or cut than the one at hand.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the project's examples were recorded with {} but the backbone is {} (they differ in {}) — re-featurise the examples from their thumbnails (then train again), or load the backbone they were recorded with",
    recorded.describe(), loaded.describe(), differences.join(", ")
)]
pub struct BackboneMismatch {
    /// What the project's features come from.
    pub recorded: FeatureSource,
    /// What the loaded backbone and cut would produce.
    pub loaded: FeatureSource,
    /// Which fields differ: `weights`, `architecture`, `cut`, `shape`, `input size`.
    pub differences: Vec<&'static str>,
}

/// What [`Project::adopt_weights`] found.
#[derive(Clone, Debug, PartialEq)]
pub enum Adoption {
    /// The project records its weights' hash already (format 2): nothing to do.
    Recorded,
    /// Format 1, and the backbone reproduces the stored features: its hash is recorded now.
    Adopted {
        /// Examples compared.
        checked: usize,
        /// The lowest cosine similarity among them.
        worst_cosine: f32,
    },
    /// Format 1, and the backbone does not reproduce the features (or has another
    /// architecture, cut or shape): the hash stays unknown, the project does not match.
    NotReproduced {
        /// The lowest cosine similarity found, if any example could be compared.
        worst_cosine: Option<f32>,
    },
}

impl Project {
    /// A project with no head yet.
    pub fn new(dataset: Dataset, hyper: Hyper) -> Self {
        Self { dataset, hyper, head: None, training: None, profiles: Profiles::default() }
    }

    /// Keeps the head of a run that is trained and still validating, with the hyperparameters
    /// it was trained with. The last run's record goes: its accuracy and hard examples describe
    /// a head that no longer steers, and a save before validation ends must not pair them with
    /// the new one. [`Project::set_trained`] brings the new record when validation ends.
    pub fn set_ready(&mut self, head: Head, hyper: Hyper) {
        self.head = Some(head);
        self.hyper = hyper;
        self.training = None;
    }

    /// Keeps a freshly trained head, the hyperparameters it was trained with and its
    /// measurements.
    pub fn set_trained(&mut self, head: Head, report: &TrainReport) {
        self.head = Some(head);
        self.hyper = report.hyper.clone();
        self.training = Some(TrainingRecord::from(report));
    }

    /// Whether the project's features come from `backbone` at cut index `cut`: the same
    /// architecture, cut, shape and input size, and weights with the same sha256 (where they were
    /// loaded from does not matter). If not, the error says what differs and what to do.
    pub fn check_backbone(&self, backbone: &Backbone, cut: usize) -> Result<()> {
        let recorded = self.dataset.source();
        let loaded = FeatureSource::of(backbone, cut, recorded.crop)?;
        let mut differences = Vec::new();
        for (field, same) in [
            ("weights", recorded.weights_sha256.is_some() && recorded.weights_sha256 == loaded.weights_sha256),
            ("architecture", recorded.architecture == loaded.architecture),
            ("cut", recorded.cut == loaded.cut),
            ("shape", recorded.shape == loaded.shape),
            ("input size", recorded.input_size == loaded.input_size),
        ] {
            if !same {
                differences.push(field);
            }
        }
        if differences.is_empty() {
            return Ok(());
        }
        Err(BackboneMismatch { recorded: recorded.clone(), loaded, differences }.into())
    }

    /// Migrates a format-1 project, which knew its backbone only by path or repo id: when
    /// `backbone` at `cut` has the recorded architecture, cut and shape and re-computes the
    /// stored features of up to [`ADOPT_CHECKED`] examples (spread over the project) from their
    /// thumbnails to within [`ADOPT_MIN_COSINE`], its weights' hash is recorded and the project
    /// matches it from then on. This trusts what the features show, not the path: other weights
    /// at the old path do not reproduce them, and a moved copy does. A project without
    /// examples cannot be checked and is not adopted.
    ///
    /// # Errors
    /// A thumbnail that cannot be decoded, a failing forward pass.
    pub fn adopt_weights(&mut self, backbone: &Backbone, cut: usize) -> Result<Adoption> {
        let recorded = self.dataset.source().clone();
        if recorded.weights_sha256.is_some() {
            return Ok(Adoption::Recorded);
        }
        let loaded = FeatureSource::of(backbone, cut, recorded.crop)?;
        let examples = self.dataset.examples();
        let same_layout = recorded.architecture == loaded.architecture
            && recorded.cut == loaded.cut
            && recorded.shape == loaded.shape
            && recorded.input_size == loaded.input_size;
        if !same_layout || examples.is_empty() {
            return Ok(Adoption::NotReproduced { worst_cosine: None });
        }
        let featurizer = Featurizer::new(backbone, cut, recorded.crop)?;
        let n = examples.len().min(ADOPT_CHECKED);
        let mut worst = f32::INFINITY;
        for i in 0..n {
            let Some(e) = examples.get(i * examples.len() / n) else { continue };
            let fresh = featurizer.input(&e.thumbnail.decode()?)?;
            worst = worst.min(cosine(&e.features.to_f32(), &fresh));
        }
        if worst >= ADOPT_MIN_COSINE {
            self.dataset.set_weights_sha256(backbone.weights_sha256().to_owned());
            return Ok(Adoption::Adopted { checked: n, worst_cosine: worst });
        }
        Ok(Adoption::NotReproduced { worst_cosine: Some(worst) })
    }

    /// A copy whose features come from `featurizer`, computed from the thumbnails; the head
    /// is dropped (it read the old features). See [`refeaturize`] for progress and cancel.
    pub fn refeaturize(
        &self,
        featurizer: &Featurizer<'_>,
        progress: &mut dyn FnMut(usize, usize),
        cancel: &AtomicBool,
    ) -> Result<Self> {
        let dataset = refeaturize(&self.dataset, featurizer, progress, cancel)?;
        Ok(Self { dataset, hyper: self.hyper.clone(), head: None, training: None, profiles: self.profiles.clone() })
    }

    /// Saves atomically to `path` (temporary file in the same directory, fsync, rename), after
    /// [`save::target`]: only a new name, an empty file or an existing project is replaced,
    /// never a device, folder, link or another kind of file.
    pub fn save(&self, path: &Path) -> Result<()> {
        self.save_to(&save::target(path, &[], false)?)
    }

    /// Saves atomically to a checked target (checked again right before the rename). An
    /// existing file keeps its permissions; our own temporary files left in the folder by a
    /// killed process are removed first.
    pub fn save_to(&self, target: &Output) -> Result<()> {
        let path = target.path().to_owned();
        target.write(|file| self.write(file).map_err(|error| LearnError::Save { path: path.clone(), error }))
    }

    /// Reads and validates a project file.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = crate::sys::read_regular(path, MAX_FILE_BYTES)?;
        Self::from_bytes(&bytes, path)
    }

    /// Parses a project from the bytes of a file (`path` is only for messages).
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let corrupt = |detail: String| LearnError::Corrupt { path: path.to_owned(), detail };
        if bytes.get(..MAGIC.len()) != Some(&MAGIC[..]) {
            if !bytes.is_empty() && MAGIC.starts_with(bytes) {
                return Err(LearnError::Truncated {
                    path: path.to_owned(),
                    expected: HEADER_LEN as u64,
                    found: bytes.len() as u64,
                });
            }
            return Err(LearnError::NotAProject { path: path.to_owned(), detail: describe_foreign(bytes) });
        }
        let header = bytes.get(..HEADER_LEN).ok_or(LearnError::Truncated {
            path: path.to_owned(),
            expected: HEADER_LEN as u64,
            found: bytes.len() as u64,
        })?;
        let u32_at = |at: usize| header.get(at..at + 4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_le_bytes);
        let u64_at = |at: usize| header.get(at..at + 8).and_then(|b| b.try_into().ok()).map_or(0, u64::from_le_bytes);
        let version = u32_at(8);
        if version > FORMAT_VERSION {
            return Err(LearnError::NewerVersion { path: path.to_owned(), found: version, supported: FORMAT_VERSION });
        }
        if version == 0 {
            return Err(corrupt("format version 0".into()));
        }
        let flags = u32_at(12);
        if flags != 0 {
            return Err(corrupt(format!("header flags {flags}, this format defines none (0)")));
        }
        let (meta_len, data_len) = (u64_at(16), u64_at(24));
        let expected = meta_len
            .checked_add(data_len)
            .and_then(|n| n.checked_add(HEADER_LEN as u64))
            .ok_or_else(|| corrupt("impossible section lengths".into()))?;
        let found = bytes.len() as u64;
        if found < expected {
            return Err(LearnError::Truncated { path: path.to_owned(), expected, found });
        }
        if found > expected {
            return Err(corrupt(format!("{} unexpected bytes after the end", found - expected)));
        }
        let body = bytes.get(HEADER_LEN..).unwrap_or_default();
        if header.get(32..64) != Some(Sha256::digest(body).as_slice()) {
            return Err(corrupt("checksum mismatch: the file was damaged or modified after saving".into()));
        }
        let (meta, data) = body.split_at(meta_len as usize);
        let meta: Meta = serde_json::from_slice(meta).map_err(|e| corrupt(format!("metadata: {e}")))?;
        meta.into_project(data).map_err(|e| match e {
            LearnError::Internal { message } => corrupt(message),
            other => other,
        })
    }

    /// Writes the file format to `out` (which must be seekable: the header, with the
    /// checksum, is written last).
    fn write(&self, out: &mut File) -> std::io::Result<()> {
        let (meta, head) = Meta::describe(self).map_err(std::io::Error::other)?;
        let meta_bytes = serde_json::to_vec(&meta).map_err(std::io::Error::other)?;
        let mut w = BufWriter::with_capacity(1 << 20, &mut *out);
        w.write_all(&[0; HEADER_LEN])?;
        let mut hashing = HashingWriter { inner: &mut w, hash: Sha256::new(), written: 0 };
        hashing.write_all(&meta_bytes)?;
        let mut buf = Vec::with_capacity(64 << 10);
        for e in self.dataset.examples() {
            buf.clear();
            buf.extend(e.features.bits().iter().flat_map(|b| b.to_le_bytes()));
            hashing.write_all(&buf)?;
        }
        for e in self.dataset.examples() {
            hashing.write_all(e.thumbnail.jpeg())?;
        }
        for t in &head {
            buf.clear();
            buf.extend(t.iter().flat_map(|v| v.to_le_bytes()));
            hashing.write_all(&buf)?;
        }
        let data_len = hashing.written - meta_bytes.len() as u64;
        if data_len != meta.data_len {
            return Err(std::io::Error::other(format!(
                "internal error: wrote {data_len} data bytes, planned {}",
                meta.data_len
            )));
        }
        let digest = hashing.hash.finalize();
        let mut header = [0u8; HEADER_LEN];
        let parts: [(usize, &[u8]); 5] = [
            (0, &MAGIC),
            (8, &FORMAT_VERSION.to_le_bytes()),
            (16, &(meta_bytes.len() as u64).to_le_bytes()),
            (24, &data_len.to_le_bytes()),
            (32, digest.as_slice()),
        ];
        for (at, part) in parts {
            if let Some(slot) = header.get_mut(at..at + part.len()) {
                slot.copy_from_slice(part);
            }
        }
        w.seek(SeekFrom::Start(0))?;
        w.write_all(&header)?;
        w.flush()
    }
}

/// Cosine similarity of two vectors (0 when either is all zeros).
fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        ab += f64::from(*x) * f64::from(*y);
        aa += f64::from(*x) * f64::from(*x);
        bb += f64::from(*y) * f64::from(*y);
    }
    if aa == 0.0 || bb == 0.0 || a.len() != b.len() {
        return 0.0;
    }
    (ab / (aa.sqrt() * bb.sqrt())) as f32
}

/// Names what a non-project file probably is, for the error message.
fn describe_foreign(bytes: &[u8]) -> String {
    let what = match bytes {
        [] => "the file is empty",
        [0xff, 0xd8, 0xff, ..] => "it is a JPEG image",
        [0x89, b'P', b'N', b'G', ..] => "it is a PNG image",
        [b'P', b'K', 3, 4, ..] => "it is a zip archive",
        [_, _, _, _, 0, 0, 0, 0, b'{', ..] => "it looks like a safetensors file (model weights?)",
        [b'{', ..] => "it is a JSON file",
        _ if std::str::from_utf8(bytes.get(..bytes.len().min(512)).unwrap_or_default()).is_ok() => "it is a text file",
        _ => "it does not start with the pacnet signature",
    };
    format!("{what}; a .pacnet file starts with \\x89PACNET")
}

struct HashingWriter<'a, W: Write> {
    inner: &'a mut W,
    hash: Sha256,
    written: u64,
}

impl<W: Write> Write for HashingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(buf.get(..n).unwrap_or_default());
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A byte range of the data part.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct Section {
    offset: u64,
    len: u64,
}

impl Section {
    fn slice<'d>(&self, data: &'d [u8], what: &str) -> Result<&'d [u8]> {
        let end = self.offset.checked_add(self.len);
        end.and_then(|end| data.get(self.offset as usize..end as usize)).ok_or_else(|| LearnError::Internal {
            message: format!("{what} lies outside the data ({} + {} > {})", self.offset, self.len, data.len()),
        })
    }
}

/// The metadata JSON.
#[derive(Serialize, Deserialize)]
struct Meta {
    app: String,
    written_by: String,
    source: FeatureSource,
    classes: Vec<String>,
    /// A colour per class (`null`: the app's palette); files from before colours were kept
    /// have none, and older pacnets ignore the field, so the format version stays.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    colors: Vec<Option<[u8; 3]>>,
    hyper: Hyper,
    next_id: u64,
    next_burst: u64,
    examples: Vec<ExampleMeta>,
    /// f16 little-endian, one row of `source` values per example.
    features: Section,
    head: Option<HeadMeta>,
    data_len: u64,
    /// Absent in files from before profiles existed.
    #[serde(default)]
    profiles: Profiles,
}

#[derive(Serialize, Deserialize)]
struct ExampleMeta {
    id: u64,
    label: usize,
    burst: u64,
    recorded_ms: u64,
    thumbnail: Section,
}

#[derive(Serialize, Deserialize)]
struct HeadMeta {
    classes: Vec<String>,
    input_shape: [usize; 3],
    units: usize,
    /// f32 little-endian `[units, input]`.
    w1: Section,
    /// f32 little-endian `[units]`.
    b1: Section,
    /// f32 little-endian `[classes, units]`.
    w2: Section,
    /// Feature scaling before the first layer; files from before it existed had none.
    #[serde(default = "super::hyper::unscaled")]
    normalize: Normalize,
    training: Option<TrainingRecord>,
}

impl Meta {
    /// The metadata of `p`, and the head's tensors as f32 vectors in file order.
    fn describe(p: &Project) -> Result<(Self, Vec<Vec<f32>>)> {
        let ds = &p.dataset;
        let mut at = 0u64;
        let mut next = |len: usize| {
            let s = Section { offset: at, len: len as u64 };
            at += len as u64;
            s
        };
        let features = next(ds.examples().iter().map(|e| e.features.bytes()).sum());
        let examples = ds
            .examples()
            .iter()
            .map(|e| ExampleMeta {
                id: e.id,
                label: e.label,
                burst: e.burst,
                recorded_ms: e.recorded_ms,
                thumbnail: next(e.thumbnail.len()),
            })
            .collect();
        let (head, tensors) = match &p.head {
            None => (None, Vec::new()),
            Some(h) => {
                let [w1, b1, w2] = h
                    .parameters()
                    .map(|t| t.to_dtype(DType::F32).and_then(|t| t.flatten_all()).and_then(|t| t.to_vec1::<f32>()));
                let tensors = vec![w1?, b1?, w2?];
                let [s1, s2, s3] = [0, 1, 2].map(|i| next(tensors.get(i).map_or(0, |t| 4 * t.len())));
                let meta = HeadMeta {
                    classes: h.classes().to_vec(),
                    input_shape: h.input_shape(),
                    units: h.units(),
                    w1: s1,
                    b1: s2,
                    w2: s3,
                    normalize: h.normalize(),
                    training: p.training.clone(),
                };
                (Some(meta), tensors)
            }
        };
        let (next_id, next_burst) = ds.next_ids();
        let meta = Meta {
            app: "pacnet".into(),
            written_by: format!("pacnet {}", env!("CARGO_PKG_VERSION")),
            source: ds.source().clone(),
            classes: ds.classes().to_vec(),
            colors: if ds.class_colors().iter().any(Option::is_some) { ds.class_colors().to_vec() } else { Vec::new() },
            hyper: p.hyper.clone(),
            next_id,
            next_burst,
            examples,
            features,
            head,
            data_len: at,
            profiles: p.profiles.clone(),
        };
        Ok((meta, tensors))
    }

    /// Rebuilds the project; inconsistencies come back as `Internal` (the caller turns them
    /// into `Corrupt` with the file name).
    fn into_project(self, data: &[u8]) -> Result<Project> {
        let bad = |message: String| LearnError::Internal { message };
        if self.app != "pacnet" {
            return Err(bad(format!("metadata names app `{}`", self.app)));
        }
        if self.data_len != data.len() as u64 {
            return Err(bad(format!("metadata expects {} data bytes, the header {}", self.data_len, data.len())));
        }
        self.hyper.validate().map_err(|e| bad(format!("hyperparameters: {e}")))?;
        let d = self.source.len();
        let mut dataset = Dataset::new(self.classes, self.source.clone()).map_err(|e| bad(e.to_string()))?;
        dataset.set_class_colors(self.colors)?;
        let limit = dataset.byte_limit();
        dataset.set_byte_limit(usize::MAX);
        let features = self.features.slice(data, "the features")?;
        if Some(features.len()) != d.checked_mul(2).and_then(|n| n.checked_mul(self.examples.len())) {
            return Err(bad(format!(
                "{} feature bytes for {} examples of {d} values",
                features.len(),
                self.examples.len()
            )));
        }
        let rows = features.chunks_exact(2 * d.max(1));
        for (e, row) in self.examples.iter().zip(rows) {
            let bits = row.chunks_exact(2).map(|b| <[u8; 2]>::try_from(b).map_or(0, u16::from_le_bytes)).collect();
            let features = Features::from_bits(bits).map_err(|err| bad(format!("example {}: {err}", e.id)))?;
            let thumbnail = Thumbnail::from_jpeg(e.thumbnail.slice(data, "a thumbnail")?.to_vec());
            let example =
                Example { id: e.id, label: e.label, burst: e.burst, recorded_ms: e.recorded_ms, features, thumbnail };
            dataset.push(example).map_err(|err| bad(format!("example {}: {err}", e.id)))?;
        }
        dataset.set_byte_limit(limit.max(dataset.bytes()));
        dataset.set_next_ids(self.next_id, self.next_burst);
        let (head, training) = match self.head {
            None => (None, None),
            Some(h) => {
                // The head may leave classes out (the app trains only the classes with
                // examples), but every class it predicts must be one the examples have.
                if let Some(stray) = h.classes.iter().find(|c| !dataset.classes().contains(c)) {
                    return Err(bad(format!(
                        "the head predicts class {stray:?}, the examples are labelled [{}]",
                        dataset.classes().join(", ")
                    )));
                }
                if h.input_shape != self.source.shape {
                    return Err(bad(format!(
                        "the head reads {:?} features, the examples have {:?}",
                        h.input_shape, self.source.shape
                    )));
                }
                let input = self.source.len();
                let tensor = |s: Section, dims: (usize, usize), what: &str| -> Result<Tensor> {
                    let raw = s.slice(data, what)?;
                    if Some(raw.len()) != dims.0.checked_mul(dims.1).and_then(|n| n.checked_mul(4)) {
                        return Err(bad(format!("{what}: {} bytes for {}×{} values", raw.len(), dims.0, dims.1)));
                    }
                    let values: Vec<f32> = raw
                        .chunks_exact(4)
                        .map(|b| <[u8; 4]>::try_from(b).map_or(f32::NAN, f32::from_le_bytes))
                        .collect();
                    if values.iter().any(|v| !v.is_finite()) {
                        return Err(bad(format!("{what} holds NaN or infinite values")));
                    }
                    Ok(Tensor::from_vec(values, dims, &Device::Cpu)?)
                };
                let w1 = tensor(h.w1, (h.units, input), "the head's hidden kernel")?;
                let b1 = tensor(h.b1, (1, h.units), "the head's hidden bias")?.flatten_all()?;
                let w2 = tensor(h.w2, (h.classes.len(), h.units), "the head's output kernel")?;
                let head = Head::from_parts(h.classes, h.input_shape, w1, b1, w2)
                    .map_err(|e| bad(format!("head: {e}")))?
                    .with_normalize(h.normalize);
                (Some(head), h.training)
            }
        };
        for p in &self.profiles.0 {
            p.check().map_err(|e| bad(format!("profile `{}`: {e}", p.name)))?;
        }
        Ok(Project { dataset, hyper: self.hyper, head, training, profiles: self.profiles })
    }
}

/// The path with the `.pacnet` extension added when it has none.
pub fn with_extension(path: &Path) -> PathBuf {
    if path.extension().is_some() { path.to_owned() } else { path.with_extension(EXTENSION) }
}
