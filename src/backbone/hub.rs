//! Where the weights come from: the built-in model (the default, compiled in), a local model
//! directory, or a Hugging Face repo fetched once with hf-hub into the standard Hugging Face
//! cache and checked against its sha256 — the small [`CATALOG`] of pinned MobileNets, or any
//! repo id.
//!
//! Nothing else in pacnet touches the network, and this module does not either when
//! `HF_HUB_OFFLINE` is set or [`FetchOptions::offline`] asks: a model missing from the cache is
//! then one error line, and no request is made.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hf_hub::api::sync::ApiBuilder;
use hf_hub::{Cache, Repo, RepoType};
use sha2::{Digest, Sha256};

use super::builtin;
use super::error::{BackboneError, Result};

/// The environment variable that names the model when `--model` is not given.
pub const MODEL_ENV: &str = "PACNET_MODEL";
/// The environment variable that forbids network access (as in the Hugging Face tools).
pub const OFFLINE_ENV: &str = "HF_HUB_OFFLINE";

/// The files a model directory must have.
pub const MODEL_FILES: [&str; 2] = ["config.json", "model.safetensors"];

/// A MobileNet pacnet can download: pinned to one revision of one repo, and to the sha256 of
/// its weights, which is checked after the download and on every later load.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CatalogEntry {
    /// The short name `--model` takes, e.g. `v3-large`.
    pub name: &'static str,
    /// What the model picker calls it.
    pub title: &'static str,
    /// The Hugging Face repo.
    pub repo: &'static str,
    /// The pinned commit.
    pub revision: &'static str,
    /// sha256 of `model.safetensors` at that commit.
    pub sha256: &'static str,
    /// timm architecture name.
    pub architecture: &'static str,
    /// Size of `model.safetensors`, MB (10⁶ bytes), as the Hub shows it.
    pub size_mb: f32,
    /// One line: what choosing it gets you.
    pub summary: &'static str,
}

impl CatalogEntry {
    /// The source that downloads (or finds in the cache) exactly this model.
    #[must_use]
    pub fn source(&self) -> ModelSource {
        ModelSource::Hub { repo: self.repo.into(), revision: self.revision.into(), sha256: Some(self.sha256.into()) }
    }
}

/// The downloadable backbones. Revisions and hashes were read from the Hugging Face pages of
/// each repo (tree at the revision, and the LFS details of `model.safetensors`) and match what
/// other projects pin; see the README's "Models" section. The speeds in the summaries are
/// medians of `pacnet bench --arch A --min-time 2` (1 thread) on the development machine.
pub const CATALOG: [CatalogEntry; 3] = [
    CatalogEntry {
        name: "v3-large",
        title: "MobileNet V3 large",
        repo: "timm/mobilenetv3_large_100.ra_in1k",
        revision: "6bb94b5210be33364f802aa99ef7109990a86c5f",
        sha256: "f425af34cc1cead2b5d6211f789a1f30b94835dc32f9c0fcc5a916e4fd2dde85",
        architecture: "mobilenetv3_large_100",
        size_mb: 22.1,
        summary: "the strongest features here (160×7×7 at blocks.5.2); ~8 ms per frame, about 6× the built-in model",
    },
    CatalogEntry {
        name: "v3-small",
        title: "MobileNet V3 small",
        repo: "timm/mobilenetv3_small_100.lamb_in1k",
        revision: "1824797e7887cbec1990e4adbd6675960a36c589",
        sha256: "46d2c063b18125884c48937afa4c49e18128869e52e8db96df48bf0a4d7ff697",
        architecture: "mobilenetv3_small_100",
        size_mb: 10.2,
        summary: "a modern small network (96×7×7 at blocks.4.2); ~2 ms per frame, about 1.5× the built-in model",
    },
    CatalogEntry {
        name: "v2",
        title: "MobileNet V2 1.0",
        repo: "timm/mobilenetv2_100.ra_in1k",
        revision: "f3ff81ba89de0bc46b546568ebeab2edef6b9d49",
        sha256: "55ea4fb3a96010b933710ebf44fc965b070d5cd054d3f35e44f2d1320b4a714e",
        architecture: "mobilenetv2_100",
        size_mb: 14.2,
        summary: "the classic inverted-residual network (320×7×7 at blocks.6.0); ~10 ms per frame, about 8× the built-in model",
    },
];

/// The catalog entry called `name` (case-insensitive).
#[must_use]
pub fn catalog_entry(name: &str) -> Option<&'static CatalogEntry> {
    CATALOG.iter().find(|e| e.name.eq_ignore_ascii_case(name))
}

/// Where to get a model from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ModelSource {
    /// The MobileNet v1 0.25 compiled into the binary (`models/`): no file, no network.
    #[default]
    Builtin,
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

impl std::fmt::Display for ModelSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Builtin => write!(f, "{}", builtin::NAME),
            Self::Dir(p) => write!(f, "{}", p.display()),
            Self::Hub { repo, revision, .. } if revision == "main" => write!(f, "{repo}"),
            Self::Hub { repo, revision, .. } => write!(f, "{repo}@{}", &revision[..revision.len().min(12)]),
        }
    }
}

/// The accepted forms of `--model`, for error messages.
const ACCEPTED: &str = "`builtin`, v3-large, v3-small, v2, a model directory, or a Hugging Face repo id like timm/mobilenetv3_small_100.lamb_in1k";

/// File name extensions that make an argument a path even when it looks like `owner/name`.
const FILE_EXTENSIONS: [&str; 10] =
    ["safetensors", "json", "txt", "bin", "pt", "pth", "onnx", "tflite", "pacnet", "zip"];

impl ModelSource {
    /// Reads `--model`'s value (see [`ModelSource::parse_from`]).
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_from(text, "--model")
    }

    /// Reads a model argument; `origin` (`--model`, `$PACNET_MODEL`, …) goes into errors.
    ///
    /// `builtin` and the catalog names ([`CATALOG`]) come first. Then anything that looks like a
    /// path is a path and never sent to the hub: it exists; or it is absolute or starts with
    /// `.` or `~`; or it is not of the form `owner/name` (a bare `name`, or `a/b/c`); or its
    /// first folder exists in the working directory (`models/mine`); or its last part has a
    /// file extension (`x/model.safetensors`). A path that does not exist is "no such
    /// directory". What is left, `owner/name[@revision]`, is a Hugging Face repo id; the
    /// catalog's repos get their pinned revision and sha256.
    pub fn parse_from(text: &str, origin: &str) -> Result<Self> {
        let t = text.trim();
        let bad = |problem: String| BackboneError::ModelArg { origin: origin.into(), value: t.into(), problem };
        if t.is_empty() {
            return Err(bad(format!("is empty; expected {ACCEPTED}")));
        }
        if t.eq_ignore_ascii_case(builtin::NAME) {
            return Ok(Self::Builtin);
        }
        if let Some(e) = catalog_entry(t) {
            return Ok(e.source());
        }
        let path = Path::new(t);
        if looks_like_path(t) {
            if path.is_dir() {
                return Ok(Self::Dir(path.to_owned()));
            }
            if path.exists() {
                return Err(bad(
                    "is a file, not a model directory (give the folder that holds config.json and model.safetensors)"
                        .into(),
                ));
            }
            return Err(bad(format!("no such directory (expected {ACCEPTED})")));
        }
        let (repo, revision) = match t.split_once('@') {
            Some((r, rev)) if !rev.is_empty() => (r, rev),
            Some((r, _)) => (r, "main"),
            None => (t, "main"),
        };
        let valid = |s: &str| {
            !s.is_empty()
                && !s.starts_with(['-', '.'])
                && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        };
        if !repo.split('/').all(valid) {
            return Err(bad(format!("is not a valid Hugging Face repo id (expected {ACCEPTED})")));
        }
        let pinned = CATALOG.iter().find(|e| {
            e.repo == repo && (revision == "main" || (revision.len() >= 7 && e.revision.starts_with(revision)))
        });
        if let Some(e) = pinned {
            return Ok(e.source());
        }
        Ok(Self::Hub { repo: repo.into(), revision: revision.into(), sha256: None })
    }

    /// `--model` if given, else `$PACNET_MODEL`, else the built-in model.
    pub fn resolve(arg: Option<&str>) -> Result<Self> {
        match arg {
            Some(a) => Self::parse_from(a, "--model"),
            None => match std::env::var(MODEL_ENV) {
                Ok(v) if !v.trim().is_empty() => Self::parse_from(&v, &format!("${MODEL_ENV}")),
                _ => Ok(Self::Builtin),
            },
        }
    }

    /// The text that [`ModelSource::parse`] turns back into this source from any working
    /// directory (a directory is made absolute), as stored in projects.
    #[must_use]
    pub fn spec(&self) -> String {
        match self {
            Self::Builtin => builtin::NAME.into(),
            Self::Dir(p) => std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()).display().to_string(),
            Self::Hub { repo, revision, .. } if revision == "main" => repo.clone(),
            Self::Hub { repo, revision, .. } => format!("{repo}@{revision}"),
        }
    }

    /// The catalog entry this source downloads, if it is one.
    #[must_use]
    pub fn catalog_entry(&self) -> Option<&'static CatalogEntry> {
        match self {
            Self::Hub { repo, revision, .. } => CATALOG.iter().find(|e| e.repo == repo && e.revision == revision),
            _ => None,
        }
    }
}

fn looks_like_path(t: &str) -> bool {
    let path = Path::new(t);
    if path.exists() || path.is_absolute() || t.starts_with(['.', '~']) || t.contains('\\') {
        return true;
    }
    let repo = t.split('@').next().unwrap_or(t);
    let parts: Vec<&str> = repo.split('/').collect();
    let [owner, name] = parts.as_slice() else { return true };
    let extension = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or_default();
    Path::new(owner).is_dir() || FILE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(extension))
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

/// Options for [`fetch`]; the defaults honour `HF_HOME`, `HF_ENDPOINT` and `HF_HUB_OFFLINE`
/// like the Hugging Face tools do.
#[derive(Clone, Debug, Default)]
pub struct FetchOptions {
    /// Hub base URL, e.g. a local test server `http://127.0.0.1:PORT`.
    pub endpoint: Option<String>,
    /// Cache root (what contains `models--owner--name`).
    pub cache_dir: Option<PathBuf>,
    /// Make no network request at all (also when `HF_HUB_OFFLINE` is set).
    pub offline: bool,
    /// Set from another thread to abandon a download: it stops at the next chunk, the partial
    /// file stays in the cache (the next download resumes it), and [`fetch`] returns
    /// [`BackboneError::Cancelled`].
    pub cancel: Option<Arc<AtomicBool>>,
}

impl FetchOptions {
    /// Whether network access is forbidden: [`FetchOptions::offline`], or `HF_HUB_OFFLINE` set
    /// to `1`, `true`, `yes` or `on`.
    #[must_use]
    pub fn is_offline(&self) -> bool {
        self.offline || offline_from_env()
    }

    /// The Hugging Face cache these options use.
    #[must_use]
    pub fn cache(&self) -> Cache {
        match &self.cache_dir {
            Some(d) => Cache::new(d.clone()),
            None => Cache::from_env(),
        }
    }

    fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// Whether `HF_HUB_OFFLINE` asks for no network (`1`, `true`, `yes`, `on`, any case).
#[must_use]
pub fn offline_from_env() -> bool {
    std::env::var(OFFLINE_ENV)
        .is_ok_and(|v| ["1", "true", "yes", "on"].iter().any(|t| v.trim().eq_ignore_ascii_case(t)))
}

/// Whether `source` can be loaded without the network: built in, a directory that exists, or
/// a hub model whose files are in the cache. Looks at the file system only.
#[must_use]
pub fn is_available_offline(source: &ModelSource, opts: &FetchOptions) -> bool {
    match source {
        ModelSource::Builtin => true,
        ModelSource::Dir(d) => d.is_dir(),
        ModelSource::Hub { repo, revision, .. } => {
            let cache = opts.cache().repo(Repo::with_revision(repo.clone(), RepoType::Model, revision.clone()));
            MODEL_FILES.iter().all(|f| cache.get(f).is_some())
        }
    }
}

/// Makes a model available locally and returns its directory (`None` for the built-in model,
/// which has none).
pub fn fetch(source: &ModelSource, opts: &FetchOptions, progress: &mut dyn FnMut(Fetch)) -> Result<Option<PathBuf>> {
    let (repo, revision, sha256) = match source {
        ModelSource::Builtin => return Ok(None),
        ModelSource::Dir(dir) => return Ok(Some(dir.clone())),
        ModelSource::Hub { repo, revision, sha256 } => (repo, revision, sha256.as_deref()),
    };
    let cache = opts.cache();
    let hub_repo = Repo::with_revision(repo.clone(), RepoType::Model, revision.clone());
    let mut dir = None;
    for file in MODEL_FILES {
        let pinned = if file == "model.safetensors" { sha256 } else { None };
        let path = match cache.repo(hub_repo.clone()).get(file) {
            Some(p) => {
                progress(Fetch::Cached { file: file.into() });
                p
            }
            None if opts.is_offline() => {
                return Err(BackboneError::Offline {
                    repo: source.to_string(),
                    file: file.into(),
                    cache: cache.path().clone(),
                });
            }
            None => download(&cache, &hub_repo, opts, file, progress)?,
        };
        verify(&path, pinned)?;
        dir = path.parent().map(Path::to_path_buf);
    }
    dir.map(Some).ok_or_else(|| BackboneError::Download {
        repo: source.to_string(),
        file: "config.json".into(),
        message: "no files".into(),
    })
}

/// The unwind payload that abandons a download from inside hf-hub's progress callback: the
/// sync API has no other way out, and `resume_unwind` skips the panic hook (nothing printed).
struct Abandoned;

fn download(
    cache: &Cache,
    repo: &Repo,
    opts: &FetchOptions,
    file: &str,
    progress: &mut dyn FnMut(Fetch),
) -> Result<PathBuf> {
    let label = format!("{}@{}", repo.url(), repo.revision());
    if opts.cancelled() {
        return Err(BackboneError::Cancelled { repo: label });
    }
    let mut builder = ApiBuilder::from_cache(cache.clone()).with_progress(false).with_retries(0);
    if let Some(ep) = opts.endpoint.clone().or_else(|| std::env::var("HF_ENDPOINT").ok()) {
        builder = builder.with_endpoint(ep.trim_end_matches('/').to_string());
    }
    let fail = |message: String| BackboneError::Download { repo: label.clone(), file: file.into(), message };
    let api = builder.build().map_err(|e| fail(e.to_string()))?;
    let reporter = Reporter { file: file.into(), done: 0, total: 0, sink: progress, cancel: opts.cancel.clone() };
    // hf-hub asserts and unwraps on some malformed server answers; a bad answer must be an
    // error message, never a crash of the app. The same net catches a cancelled download.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        api.repo(repo.clone()).download_with_progress(file, reporter)
    }));
    match outcome {
        Ok(Ok(path)) => Ok(path),
        Ok(Err(hf_hub::api::sync::ApiError::IoError(io)))
            if matches!(io.kind(), std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem) =>
        {
            Err(fail(format!(
                "the Hugging Face cache {} cannot be written ({}) — make it writable, point HF_HOME at a writable \
                 folder, or use the built-in model (--model builtin)",
                cache.path().display(),
                super::error::io_text(&io)
            )))
        }
        Ok(Err(e)) => Err(fail(format!(
            "{e}; the weights are not in the Hugging Face cache ({}) either — connect to the internet once, \
             use the built-in model (--model builtin), or pass --model DIR (or set {MODEL_ENV}) to a local model \
             directory with config.json and model.safetensors",
            cache.path().display()
        ))),
        Err(payload) if payload.is::<Abandoned>() => Err(BackboneError::Cancelled { repo: label }),
        Err(_) => Err(fail("the server sent a malformed answer".into())),
    }
}

struct Reporter<'a> {
    file: String,
    done: u64,
    total: u64,
    sink: &'a mut dyn FnMut(Fetch),
    cancel: Option<Arc<AtomicBool>>,
}

impl Reporter<'_> {
    fn report(&mut self) {
        (self.sink)(Fetch::Downloading { file: self.file.clone(), done: self.done, total: self.total });
        if self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
            std::panic::resume_unwind(Box::new(Abandoned));
        }
    }
}

impl hf_hub::api::Progress for Reporter<'_> {
    fn init(&mut self, size: usize, _filename: &str) {
        self.total = size as u64;
        self.done = 0;
        self.report();
    }
    fn update(&mut self, size: usize) {
        self.done += size as u64;
        self.report();
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
    Ok(hex(&hasher.finalize()))
}

/// Hex sha256 of bytes in memory.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
