//! The learn module's one error type.
//!
//! Every variant names the file, class, field or value at fault, because the CLI prints
//! `to_string()` as its one line and the app shows the same text; where the fix is known the
//! message says it.

use std::path::PathBuf;

use crate::backbone::BackboneError;
use crate::backbone::error::io_text;

/// Anything that can go wrong while recording, training, evaluating or saving.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    /// A hyperparameter is out of range. `name` is the CLI flag's spelling (`lr`,
    /// `batch-fraction`, `epochs`, `units`) so the CLI can name the flag.
    #[error("{name} must be {rule}, got {value}")]
    Hyper {
        /// The parameter.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// The allowed range, e.g. `> 0`.
        rule: &'static str,
    },
    /// A class name is empty, repeated or otherwise unusable.
    #[error("class name `{name}`: {problem}")]
    ClassName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A label index or class name that the dataset does not have.
    #[error("unknown class `{name}` (classes: {known})")]
    UnknownClass {
        /// The label asked for.
        name: String,
        /// The classes there are.
        known: String,
    },
    /// A class has too few examples to train on.
    #[error("class `{class}` has {found} example(s); at least {needed} are needed — record more{hint}")]
    TooFewExamples {
        /// The class.
        class: String,
        /// Examples it has.
        found: usize,
        /// Examples it needs.
        needed: usize,
        /// Extra context (e.g. ` in DIR/left (3 unreadable images skipped)`).
        hint: String,
    },
    /// A class folder holds no files at all.
    #[error("{}: empty class folder — put at least 2 images of `{class}` in it, or remove it", path.display())]
    EmptyClass {
        /// The folder.
        path: PathBuf,
        /// Its class.
        class: String,
    },
    /// A data folder has fewer than 2 class sub-folders.
    #[error("{}: {found} class sub-folder(s), at least 2 are needed (one folder of images per class, e.g. up/, down/, left/, right/)", path.display())]
    NoClasses {
        /// The data folder.
        path: PathBuf,
        /// Class folders found.
        found: usize,
    },
    /// A feature vector of another length than the dataset's cut produces.
    #[error("feature vector has {found} values, expected {expected} ({what})")]
    FeatureLength {
        /// Values the dataset or head expects.
        expected: usize,
        /// Values given.
        found: usize,
        /// Which dataset or head, for the message.
        what: String,
    },
    /// A feature value cannot be stored (NaN, infinite, or beyond f16's ±65504).
    #[error("feature value {value} at position {index} cannot be stored (features must be finite and within ±65504)")]
    FeatureValue {
        /// The value.
        value: f32,
        /// Its position in the vector.
        index: usize,
    },
    /// Adding an example would exceed the dataset's memory limit.
    #[error(
        "the dataset is full: {examples} examples use {used} bytes, the limit is {limit} bytes — delete examples or raise the limit"
    )]
    DatasetFull {
        /// Examples held.
        examples: usize,
        /// Bytes they use.
        used: usize,
        /// The limit.
        limit: usize,
    },
    /// A data folder has more images than the dataset's memory limit holds (found before any
    /// image is featurised).
    #[error(
        "{}: {images} images need about {} MiB as a dataset, over the limit of {} MiB — raise it (pacnet train --max-dataset-mb {}) or use fewer images",
        dir.display(), estimate.div_ceil(1 << 20), limit >> 20, estimate.div_ceil(1 << 20).div_ceil(16) * 16
    )]
    DatasetTooBig {
        /// The data folder.
        dir: PathBuf,
        /// Images in it.
        images: usize,
        /// Estimated bytes they take.
        estimate: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A thumbnail could not be encoded or decoded.
    #[error("thumbnail of {what}: {message}")]
    Thumbnail {
        /// Which example, e.g. `example 12`.
        what: String,
        /// What the codec said.
        message: String,
    },
    /// A file or folder could not be read or written.
    // The OS error is in the message and not a `source`: the CLI prints the cause chain.
    #[error("{}: {}", path.display(), io_text(error))]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
    /// A project could not be saved; the previous file at `path`, if any, is unchanged.
    #[error("{}: cannot save ({}); the previous file, if any, is unchanged", path.display(), io_text(error))]
    Save {
        /// The file that was to be written.
        path: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
    /// A path a project must not be saved to (a device, folder, link, another kind of file,
    /// an input of the same run, an unwritable folder); nothing was written.
    #[error(transparent)]
    Output(crate::sys::OutputError),
    /// A file that must be a regular file is not, or cannot be read.
    #[error(transparent)]
    Input(#[from] crate::sys::InputError),
    /// A `.pacnet` file is not a pacnet project at all.
    #[error("{}: not a pacnet project ({detail})", path.display())]
    NotAProject {
        /// The file.
        path: PathBuf,
        /// What it looks like instead.
        detail: String,
    },
    /// A `.pacnet` file is shorter than its header says (an interrupted copy or download).
    #[error("{}: truncated pacnet project ({found} bytes, the header says {expected}) — the file was cut off; use a complete copy", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes expected.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// A `.pacnet` file whose contents fail the checksum or whose metadata does not add up.
    #[error("{}: corrupt pacnet project ({detail})", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What does not add up.
        detail: String,
    },
    /// A `.pacnet` file written by a newer pacnet.
    #[error("{}: pacnet project format version {found}, but this pacnet reads up to version {supported} — update pacnet", path.display())]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// The file's format version.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The project was recorded with another backbone or cut than the one loaded.
    #[error(transparent)]
    BackboneMismatch(Box<super::project::BackboneMismatch>),
    /// There is nothing to train on or evaluate.
    #[error("no examples{hint}")]
    NoExamples {
        /// Where, or what to do.
        hint: String,
    },
    /// A prediction came out as NaN or infinite.
    #[error(
        "the prediction is not a number: the features or the head's weights overflow float32 (a damaged or crafted \
         project or model) — train the project again, or use the model's original files"
    )]
    NotANumber,
    /// A bug: an invariant did not hold (the message says which).
    #[error("internal error: {message}")]
    Internal {
        /// What happened.
        message: String,
    },
    /// A long operation was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// The backbone failed (image decoding, forward pass).
    #[error(transparent)]
    Backbone(#[from] BackboneError),
    /// An error from candle while building or running the head.
    #[error("tensor error: {0}")]
    Candle(#[from] candle_core::Error),
}

/// Shorthand used throughout `learn`.
pub type Result<T, E = LearnError> = std::result::Result<T, E>;

impl From<super::project::BackboneMismatch> for LearnError {
    fn from(m: super::project::BackboneMismatch) -> Self {
        Self::BackboneMismatch(Box::new(m))
    }
}

impl LearnError {
    /// A [`LearnError::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Self::Io { path: path.into(), error }
    }
}

impl From<crate::sys::OutputError> for LearnError {
    fn from(e: crate::sys::OutputError) -> Self {
        match e {
            crate::sys::OutputError::Write { path, error } => Self::Save { path, error },
            other => Self::Output(other),
        }
    }
}
