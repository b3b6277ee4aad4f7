//! Our temporary files: `.pacnet-<tag>-XXXXXX.tmp` beside the file (or folder) they become.
//!
//! Each one is locked (`flock`) by the process writing it for as long as it exists, and listed
//! in this process's registry. So:
//! - SIGINT, SIGTERM and SIGHUP remove every listed one before the process dies
//!   ([`super::signals`]);
//! - the next write into a folder removes the ones nobody holds a lock on: left by a process
//!   that was killed (SIGKILL, a crash, a power cut). A lock dies with its process, so no age
//!   guess is needed, and a write in progress elsewhere (locked) is never touched.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

/// The name prefix of our temporary files and folders.
pub const TEMP_PREFIX: &str = ".pacnet-";
/// The name suffix of our temporary files and folders.
pub const TEMP_SUFFIX: &str = ".tmp";
/// An unlocked temporary file this young and still empty may be one another process has just
/// created and is about to lock (the lock follows the creation by microseconds): left alone.
const JUST_CREATED: Duration = Duration::from_secs(30);

/// Temporary paths this process is writing: removed by the signal handler.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The registry, even if a thread panicked while holding it (a list of paths stays valid).
pub(super) fn live() -> MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A temporary path listed in the registry and locked while this value lives; dropping it
/// unlists it (the caller renames or removes the path itself).
#[derive(Debug)]
pub struct Held {
    path: PathBuf,
    /// The open handle that holds the `flock`.
    _lock: Option<File>,
}

impl Held {
    /// Lists `path` (a file or a folder just created) and locks it through `handle`, or, for
    /// a folder, through a handle opened here.
    pub fn new(path: &Path, handle: Option<File>) -> Self {
        live().push(path.to_owned());
        let lock = handle.or_else(|| File::open(path).ok());
        if let Some(f) = &lock {
            // Best effort: without a lock (a file system without flock) the worst case is that
            // a concurrent write's cleanup removes this file and this write fails visibly.
            let _ = f.try_lock();
        }
        Self { path: path.to_owned(), _lock: lock }
    }

    /// The temporary path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut live = live();
        if let Some(i) = live.iter().position(|p| *p == self.path) {
            live.swap_remove(i);
        }
    }
}

/// Whether `name` is one of our temporary names.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) && name.len() > TEMP_PREFIX.len() + TEMP_SUFFIX.len()
}

/// Removes our temporary files and folders in `dir` that no live process holds (see the
/// module doc); returns how many. Nothing else is ever touched.
pub fn clean_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        if !is_temp_name(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = path.symlink_metadata() else { continue };
        let kind = meta.file_type();
        if !(kind.is_file() || kind.is_dir()) {
            continue;
        }
        let young = meta.modified().ok().and_then(|t| now.duration_since(t).ok()).is_none_or(|age| age < JUST_CREATED);
        if young && (kind.is_file() && meta.len() == 0) {
            continue;
        }
        let Ok(handle) = File::open(&path) else { continue };
        if handle.try_lock().is_err() {
            continue; // a write in progress (here or in another process)
        }
        let gone = if kind.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        if gone.is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Removes every temporary path this process is writing (the signal handler's job). Holds
/// the registry's lock until the process ends, so no new one starts meanwhile.
pub(super) fn remove_all_live() -> MutexGuard<'static, Vec<PathBuf>> {
    let live = live();
    for path in live.iter() {
        match path.symlink_metadata() {
            Ok(m) if m.is_dir() => drop(std::fs::remove_dir_all(path)),
            Ok(_) => drop(std::fs::remove_file(path)),
            Err(_) => {}
        }
    }
    live
}
