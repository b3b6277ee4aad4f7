//! Where a project may be saved. Saving replaces the target with a renamed temporary file, so
//! a wrong target is destroyed, not written into: a device node becomes a regular file, a
//! symbolic link is replaced by a copy, a text file or the backbone's own weights are gone.
//! [`SaveTarget::check`] refuses all of that before any work starts (the CLI calls it before
//! training, the app's Save as through [`Project::save`](super::Project::save)), and again
//! right before the rename.
//!
//! Allowed: a new name in a writable folder, an empty file, or an existing `.pacnet` project
//! (recognised by its signature, whatever its name). A symbolic link only with `force`: then
//! the file it points to is the target, checked by the same rules.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::error::{LearnError, Result};
use super::project::MAGIC;
use crate::backbone::error::io_text as plain;

/// The name prefix of our temporary files (`.pacnet-save-XXXXXX.tmp` in the target's folder).
pub const TEMP_PREFIX: &str = ".pacnet-save-";
/// The name suffix of our temporary files.
pub const TEMP_SUFFIX: &str = ".tmp";
/// A temporary file of ours untouched for this long is left over from a save that was killed
/// (SIGKILL, a full disk, `ulimit -f`) and is removed by the next save into that folder. A
/// running save writes continuously, so its file is never this old.
pub const STALE_AFTER: Duration = Duration::from_secs(120);
/// Links followed with `force` before giving up (a loop of links).
const MAX_LINKS: usize = 16;

/// A checked place to save a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaveTarget {
    /// The path as given, for messages.
    pub given: PathBuf,
    /// The file that will be replaced or created (the link's target with `force`).
    pub path: PathBuf,
    /// The files this run reads, which must never be the target.
    inputs: Vec<PathBuf>,
    force: bool,
}

impl SaveTarget {
    /// Checks that `path` may take a project: not a device, FIFO, socket, folder, non-project
    /// file, one of `inputs` (files the same run reads, e.g. the backbone's weights), nor a
    /// symbolic link unless `force` (then the file it points to is checked instead); and that
    /// its folder exists and takes new files (found by creating and removing a temporary file).
    ///
    /// # Errors
    /// [`LearnError::SaveTarget`] naming the path and what is wrong.
    pub fn check(path: &Path, inputs: &[PathBuf], force: bool) -> Result<Self> {
        let refuse = |problem: String| LearnError::SaveTarget { path: path.to_owned(), problem };
        let mut target = path.to_owned();
        for _ in 0..MAX_LINKS {
            let meta = match std::fs::symlink_metadata(&target) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(e) => return Err(refuse(format!("cannot inspect it ({})", plain(&e)))),
            };
            let kind = meta.file_type();
            if kind.is_symlink() {
                let to =
                    std::fs::read_link(&target).map_err(|e| refuse(format!("cannot read the link ({})", plain(&e))))?;
                if !force {
                    return Err(refuse(format!(
                        "is a symbolic link (to {}); saving would replace the link with a file — pass --force to write to the file it points to, or give another name",
                        to.display()
                    )));
                }
                target = parent_of(&target).join(to);
                continue;
            }
            if let Some(what) = special_kind(&kind) {
                return Err(refuse(format!("is {what}, not a file; give a file name such as project.pacnet")));
            }
            if kind.is_dir() {
                return Err(refuse(format!(
                    "is a folder; give a file name such as {}",
                    target.join("project.pacnet").display()
                )));
            }
            if meta.len() > 0 && !starts_with_magic(&target) {
                return Err(refuse(
                    "exists and is not a pacnet project; saving would destroy it — choose another name or delete it first"
                        .into(),
                ));
            }
            break;
        }
        if std::fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(refuse(format!("follows more than {MAX_LINKS} symbolic links")));
        }
        if let Some(input) = inputs.iter().find(|i| same_file(i, &target)) {
            return Err(refuse(format!("is {}, an input of this run; give another name", input.display())));
        }
        let dir = parent_of(&target);
        match std::fs::metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(refuse(format!("{} is not a folder", dir.display()))),
            Err(e) => return Err(refuse(format!("its folder {} cannot be used ({})", dir.display(), plain(&e)))),
        }
        // Permission bits do not tell (root, ACLs, read-only mounts): try it.
        tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(&dir)
            .map_err(|e| refuse(format!("its folder {} does not take new files ({})", dir.display(), plain(&e))))?;
        Ok(Self { given: path.to_owned(), path: target, inputs: inputs.to_vec(), force })
    }

    /// The same check again (right before the rename: the path may have changed meanwhile).
    pub fn recheck(&self) -> Result<Self> {
        Self::check(&self.given, &self.inputs, self.force)
    }

    /// The folder the target lives in.
    pub fn dir(&self) -> PathBuf {
        parent_of(&self.path)
    }
}

/// What [`write_atomically`] does when a file already exists at the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Replace it (it keeps its permissions).
    Replace,
    /// Fail with `AlreadyExists`, also if the file appears while writing.
    Keep,
}

/// Writes the file at `path` as every pacnet save does, so that a crash, a kill or a full disk
/// leaves the old file or the new one, never half of one: `write` fills a temporary file of
/// ours beside `path`; it is synced to disk; `last_check` runs (a target may have changed
/// meanwhile); a rename puts it in place; the folder is synced (the rename lives there). A new
/// file gets the usual 0666 minus the umask, like any file the user makes (a temporary file
/// alone would stay private to its owner). Our temporary files left in the folder by a killed
/// save are removed first. I/O errors go through `io` (the caller names the file its way).
pub fn write_atomically<E>(
    path: &Path,
    existing: Existing,
    write: impl FnOnce(&mut File) -> std::result::Result<(), E>,
    last_check: impl FnOnce() -> std::result::Result<(), E>,
    io: impl Fn(std::io::Error) -> E,
) -> std::result::Result<(), E> {
    use std::os::unix::fs::PermissionsExt;
    let dir = parent_of(path);
    clean_stale(&dir);
    let mode = match existing {
        Existing::Replace => std::fs::metadata(path).ok().map(|m| m.permissions()),
        Existing::Keep => None,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(&dir)
        .map_err(&io)?;
    if let Some(mode) = mode {
        tmp.as_file().set_permissions(mode).map_err(&io)?;
    }
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all().map_err(&io)?;
    last_check()?;
    match existing {
        Existing::Replace => tmp.persist(path).map(drop).map_err(|e| io(e.error))?,
        Existing::Keep => tmp.persist_noclobber(path).map(drop).map_err(|e| io(e.error))?,
    }
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes our own temporary files in `dir` that a killed save left behind (older than
/// [`STALE_AFTER`]); returns how many. Other files are never touched.
pub fn clean_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let Ok(meta) = entry.path().symlink_metadata() else { continue };
        let old = meta.modified().ok().and_then(|t| now.duration_since(t).ok()).is_some_and(|age| age >= STALE_AFTER);
        if meta.file_type().is_file() && old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

fn special_kind(kind: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else if kind.is_fifo() {
        Some("a named pipe (FIFO)")
    } else if kind.is_socket() {
        Some("a socket")
    } else {
        None
    }
}

fn starts_with_magic(path: &Path) -> bool {
    let mut head = [0u8; MAGIC.len()];
    File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && head == MAGIC
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}
