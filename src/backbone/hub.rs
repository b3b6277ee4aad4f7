//! Where the weights come from: a local model directory, or a Hugging Face repo fetched once
//! with hf-hub into the standard Hugging Face cache and checked against its sha256.
//!
//! Nothing else in pacnet touches the network. Offline, a cached copy is used; with neither
//! network nor cache the error says how to get the weights.

use std::io::Read;
use std::path::{Path, PathBuf};

use hf_hub::api::sync::ApiBuilder;
use hf_hub::{Cache, Repo, RepoType};
use sha2::{Digest, Sha256};

use super::error::{BackboneError, Result};

/// The default backbone repo (the TF.js demo's MobileNet V1 0.25 is not on the Hub in timm
/// form; V3 large is the modern equivalent and what Teachable Machine-style apps use).
pub const DEFAULT_REPO: &str = "timm/mobilenetv3_large_100.ra_in1k";
/// The pinned revision of [`DEFAULT_REPO`].
pub const DEFAULT_REVISION: &str = "6bb94b5210be33364f802aa99ef7109990a86c5f";
/// sha256 of [`DEFAULT_REPO`]'s `model.safetensors` at [`DEFAULT_REVISION`] (22.1 MB).
pub const DEFAULT_SHA256: &str = "f425af34cc1cead2b5d6211f789a1f30b94835dc32f9c0fcc5a916e4fd2dde85";
/// The environment variable that names the model when `--model` is not given.
pub const MODEL_ENV: &str = "PACNET_MODEL";

/// The files a model directory must have.
pub const MODEL_FILES: [&str; 2] = ["config.json", "model.safetensors"];

/// Where to get a model from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelSource {
    /// A local directory with `config.json` and `model.safetensors` (and maybe `labels.txt`).
    Dir(PathBuf),
    /// A Hugging Face model repo.
    Hub {
        /// Repo id, `owner/name`.
        repo: String,
        /// Branch, tag or commit.
        revision: String,
        /// Known sha256 of `model.safetensors`, checked after download and on every cache hit.
        sha256: Option<String>,
    },
}

impl Default for ModelSource {
    fn default() -> Self {
        Self::Hub { repo: DEFAULT_REPO.into(), revision: DEFAULT_REVISION.into(), sha256: Some(DEFAULT_SHA256.into()) }
    }
}

impl std::fmt::Display for ModelSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dir(p) => write!(f, "{}", p.display()),
            Self::Hub { repo, revision, .. } if revision == "main" => write!(f, "{repo}"),
            Self::Hub { repo, revision, .. } => write!(f, "{repo}@{}", &revision[..revision.len().min(12)]),
        }
    }
}

impl ModelSource {
    /// Reads `--model`'s value: an existing directory, or `owner/name[@revision]`.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let path = Path::new(text);
        if path.is_dir() {
            return Ok(Self::Dir(path.to_owned()));
        }
        let (repo, revision) = match text.split_once('@') {
            Some((r, rev)) if !rev.is_empty() => (r, rev),
            _ => (text, "main"),
        };
        let parts: Vec<&str> = repo.split('/').collect();
        let valid = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if parts.len() == 2 && parts.iter().all(|p| valid(p)) && !path.exists() && !text.starts_with('.') {
            if repo == DEFAULT_REPO && (revision == DEFAULT_REVISION || revision == "main") {
                return Ok(Self::default());
            }
            return Ok(Self::Hub { repo: repo.into(), revision: revision.into(), sha256: None });
        }
        Err(BackboneError::Download {
            repo: text.into(),
            file: "config.json".into(),
            message: "not a model directory, and not a Hugging Face repo id like `timm/mobilenetv3_large_100.ra_in1k` \
                      (a directory needs config.json and model.safetensors)"
                .into(),
        })
    }

    /// `--model` if given, else `$PACNET_MODEL`, else the pinned default.
    pub fn resolve(arg: Option<&str>) -> Result<Self> {
        match arg {
            Some(a) => Self::parse(a),
            None => match std::env::var(MODEL_ENV) {
                Ok(v) if !v.trim().is_empty() => Self::parse(&v),
                _ => Ok(Self::default()),
            },
        }
    }
}

/// Download progress, reported to the caller (CLI progress bar, GUI banner).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetch {
    /// A file is being downloaded: bytes so far of the total.
    Downloading {
        /// File name in the repo.
        file: String,
        /// Bytes received.
        done: u64,
        /// Bytes expected.
        total: u64,
    },
    /// A file was found in the cache (no network used).
    Cached {
        /// File name in the repo.
        file: String,
    },
}

/// Options for [`fetch`]; the defaults honour `HF_HOME` and `HF_ENDPOINT` like hf-hub does.
#[derive(Clone, Debug, Default)]
pub struct FetchOptions {
    /// Hub base URL, e.g. a local test server `http://127.0.0.1:PORT`.
    pub endpoint: Option<String>,
    /// Cache root (what contains `models--owner--name`).
    pub cache_dir: Option<PathBuf>,
}

/// Makes a model available locally and returns its directory.
pub fn fetch(source: &ModelSource, opts: &FetchOptions, progress: &mut dyn FnMut(Fetch)) -> Result<PathBuf> {
    let (repo, revision, sha256) = match source {
        ModelSource::Dir(dir) => return Ok(dir.clone()),
        ModelSource::Hub { repo, revision, sha256 } => (repo, revision, sha256.as_deref()),
    };
    let cache = match &opts.cache_dir {
        Some(d) => Cache::new(d.clone()),
        None => Cache::from_env(),
    };
    let hub_repo = Repo::with_revision(repo.clone(), RepoType::Model, revision.clone());
    let mut dir = None;
    for file in MODEL_FILES {
        let pinned = if file == "model.safetensors" { sha256 } else { None };
        let path = match cache.repo(hub_repo.clone()).get(file) {
            Some(p) => {
                progress(Fetch::Cached { file: file.into() });
                p
            }
            None => download(&cache, &hub_repo, opts, file, progress)?,
        };
        verify(&path, pinned)?;
        dir = path.parent().map(Path::to_path_buf);
    }
    dir.ok_or_else(|| BackboneError::Download {
        repo: source.to_string(),
        file: "config.json".into(),
        message: "no files".into(),
    })
}

fn download(
    cache: &Cache,
    repo: &Repo,
    opts: &FetchOptions,
    file: &str,
    progress: &mut dyn FnMut(Fetch),
) -> Result<PathBuf> {
    let mut builder = ApiBuilder::from_cache(cache.clone()).with_progress(false).with_retries(0);
    if let Some(ep) = opts.endpoint.clone().or_else(|| std::env::var("HF_ENDPOINT").ok()) {
        builder = builder.with_endpoint(ep.trim_end_matches('/').to_string());
    }
    let label = format!("{}@{}", repo.url(), repo.revision());
    let fail = |message: String| BackboneError::Download { repo: label.clone(), file: file.into(), message };
    let api = builder.build().map_err(|e| fail(e.to_string()))?;
    let reporter = Reporter { file: file.into(), done: 0, total: 0, sink: progress };
    // hf-hub asserts and unwraps on some malformed server answers; a bad answer must be an
    // error message, never a crash of the app.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        api.repo(repo.clone()).download_with_progress(file, reporter)
    }));
    match outcome {
        Ok(Ok(path)) => Ok(path),
        Ok(Err(e)) => Err(fail(format!(
            "{e}; the weights are not in the Hugging Face cache ({}) either — connect to the internet once, \
             or pass --model DIR (or set {MODEL_ENV}) to a local model directory with config.json and model.safetensors",
            cache.path().display()
        ))),
        Err(_) => Err(fail("the server sent a malformed answer".into())),
    }
}

struct Reporter<'a> {
    file: String,
    done: u64,
    total: u64,
    sink: &'a mut dyn FnMut(Fetch),
}

impl hf_hub::api::Progress for Reporter<'_> {
    fn init(&mut self, size: usize, _filename: &str) {
        self.total = size as u64;
        self.done = 0;
        (self.sink)(Fetch::Downloading { file: self.file.clone(), done: 0, total: self.total });
    }
    fn update(&mut self, size: usize) {
        self.done += size as u64;
        (self.sink)(Fetch::Downloading { file: self.file.clone(), done: self.done, total: self.total });
    }
    fn finish(&mut self) {}
}

/// Checks `path` against the pinned sha256, or else against the hash the Hub announced (the
/// cache names LFS blobs by their sha256). A mismatch deletes the file so the next run
/// downloads it anew.
fn verify(path: &Path, pinned: Option<&str>) -> Result<()> {
    let blob = std::fs::canonicalize(path).map_err(|e| BackboneError::io(path, e))?;
    let announced =
        blob.file_name().and_then(|n| n.to_str()).filter(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()));
    let Some(expected) = pinned.or(announced) else {
        return Ok(());
    };
    let found = sha256_file(&blob)?;
    if found.eq_ignore_ascii_case(expected) {
        return Ok(());
    }
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(&blob);
    Err(BackboneError::Checksum { path: path.to_owned(), expected: expected.to_owned(), found })
}

/// Hex sha256 of a file's bytes.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| BackboneError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| BackboneError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
