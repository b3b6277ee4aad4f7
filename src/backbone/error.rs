//! The backbone's errors: every variant names the file, tensor, key or value at fault, so the
//! CLI and the GUI can show one line that says what is wrong and, where known, how to fix it.

use std::path::PathBuf;

/// Anything that can go wrong while finding, loading or running a MobileNet.
#[derive(Debug, thiserror::Error)]
pub enum BackboneError {
    /// A file could not be read or written.
    // The OS error is shown in the message and deliberately not a `source`: the CLI prints the
    // cause chain, which would repeat it.
    #[error("{}: {}", path.display(), io_text(error))]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
    /// An input file that is not a regular file (a FIFO, a device, a folder) or too large.
    #[error(transparent)]
    File(crate::sys::InputError),
    /// A model directory lacks a file it needs.
    #[error("{}: missing (a model directory needs config.json and model.safetensors)", path.display())]
    MissingFile {
        /// The file that should exist.
        path: PathBuf,
    },
    /// `config.json` is not valid JSON.
    #[error("{}: not valid JSON: {error}", path.display())]
    Json {
        /// The config file.
        path: PathBuf,
        /// The parser's complaint (with line and column).
        error: serde_json::Error,
    },
    /// `config.json` lacks a key or has a value of the wrong kind.
    #[error("{}: key `{key}` {problem}", path.display())]
    ConfigKey {
        /// The config file.
        path: PathBuf,
        /// The JSON path of the key, e.g. `pretrained_cfg.mean`.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The architecture name is not a MobileNet this build knows.
    #[error("unknown architecture `{name}` (known: {known})")]
    UnknownArchitecture {
        /// The name as found in config.json.
        name: String,
        /// A human list of what is supported.
        known: &'static str,
    },
    /// The safetensors file is truncated, corrupt or not safetensors at all.
    #[error("{}: not a valid safetensors file ({message})", path.display())]
    SafeTensors {
        /// The weights file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// A tensor the architecture needs is absent.
    #[error("{}: tensor `{name}` is missing (is this the weights file of that architecture?)", path.display())]
    MissingTensor {
        /// The weights file.
        path: PathBuf,
        /// The timm tensor name.
        name: String,
    },
    /// A tensor has another shape than the architecture implies.
    #[error("{}: tensor `{name}` has shape {found:?}, expected {expected:?}", path.display())]
    WrongShape {
        /// The weights file.
        path: PathBuf,
        /// The timm tensor name.
        name: String,
        /// The shape the architecture implies.
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },
    /// A tensor holds values no trained network has (NaN, infinity, a negative variance).
    #[error("{}: tensor `{name}` {problem}", path.display())]
    BadValue {
        /// The weights file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// What is wrong, with the value and its index.
        problem: String,
    },
    /// A tensor is not float32.
    #[error("{}: tensor `{name}` is {dtype}, expected F32", path.display())]
    WrongDtype {
        /// The weights file.
        path: PathBuf,
        /// The timm tensor name.
        name: String,
        /// The dtype in the file.
        dtype: String,
    },
    /// The file holds tensors the architecture does not use: probably another architecture.
    #[error("{}: {count} tensor(s) not used by `{architecture}`, e.g. `{example}` (weights of another architecture?)", path.display())]
    UnexpectedTensors {
        /// The weights file.
        path: PathBuf,
        /// The architecture being built.
        architecture: String,
        /// How many tensors were left over.
        count: usize,
        /// One of them.
        example: String,
    },
    /// `labels.txt` does not have one line per class.
    #[error("{}: {found} labels, but the model has {expected} classes", path.display())]
    Labels {
        /// The labels file.
        path: PathBuf,
        /// The number of classes of the model.
        expected: usize,
        /// The number of non-empty lines.
        found: usize,
    },
    /// A cut point name that the model does not have.
    #[error("unknown cut `{name}` for {architecture} (try e.g. {examples})")]
    UnknownCut {
        /// The name asked for.
        name: String,
        /// The architecture.
        architecture: String,
        /// A few valid names.
        examples: String,
    },
    /// A tensor handed to the network has the wrong shape or dtype.
    #[error("bad input: {0}")]
    Input(String),
    /// An image file could not be decoded.
    #[error("{}: {message}", path.display())]
    Image {
        /// The image file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A download from the Hugging Face Hub failed.
    #[error("downloading {file} from {repo}: {message}")]
    Download {
        /// The repo id (and revision).
        repo: String,
        /// The file in the repo.
        file: String,
        /// What went wrong, with the way out.
        message: String,
    },
    /// A `--model` (or `$PACNET_MODEL`, …) value that names no model.
    #[error("{origin} {value}: {problem}")]
    ModelArg {
        /// Where the value came from: `--model`, `$PACNET_MODEL`, the project file.
        origin: String,
        /// The value as given.
        value: String,
        /// What is wrong with it, with the accepted forms.
        problem: String,
    },
    /// A hub model is not in the cache and the network may not be used.
    #[error("{repo}: {file} is not in the Hugging Face cache ({}) and pacnet is offline (HF_HUB_OFFLINE or --offline), so nothing was downloaded — go online once, or use the built-in model (--model builtin) or a local model directory", cache.display())]
    Offline {
        /// The repo (and revision).
        repo: String,
        /// The missing file.
        file: String,
        /// The cache that was searched.
        cache: PathBuf,
    },
    /// A download was cancelled (the partial file stays in the cache and is resumed next time).
    #[error("downloading {repo} was cancelled")]
    Cancelled {
        /// The repo (and revision).
        repo: String,
    },
    /// A downloaded or cached file does not have the expected sha256.
    #[error("{}: sha256 is {found}, expected {expected} (the corrupt file was removed; run again to download it anew)", path.display())]
    Checksum {
        /// The file that was checked (now deleted).
        path: PathBuf,
        /// The pinned or announced sha256.
        expected: String,
        /// The sha256 of the bytes on disk.
        found: String,
    },
    /// An error from candle while building or running tensors.
    #[error("tensor error: {0}")]
    Candle(#[from] candle_core::Error),
}

/// Shorthand used throughout the backbone.
pub type Result<T, E = BackboneError> = std::result::Result<T, E>;

impl BackboneError {
    /// A failed read of an input file: a missing one is [`BackboneError::MissingFile`] (with the
    /// hint what a model directory needs), the rest say what the path is.
    pub(crate) fn from_input(e: crate::sys::InputError) -> Self {
        match e {
            crate::sys::InputError::Missing { path } => Self::MissingFile { path },
            other => Self::File(other),
        }
    }

    /// An [`BackboneError::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Self::Io { path: path.into(), error }
    }
}

pub use crate::sys::io_text;
