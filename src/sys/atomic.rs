//! Atomic writes: a file (or a folder of files) is written under a temporary name of ours
//! beside its place, synced to disk and renamed into place, so a crash, a kill or a full disk
//! leaves the old file or the new one, never half of one.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::temp::{Held, TEMP_PREFIX, TEMP_SUFFIX, clean_stale};

/// What [`write_atomically`] does when a file already exists at the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Replace it (it keeps its permissions).
    Replace,
    /// Fail with `AlreadyExists`, also if the file appears while writing.
    Keep,
}

/// The folder `path` lives in: its parent, or `.` for a bare name.
pub fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Writes the file at `path` atomically: `write` fills a temporary file of ours beside `path`
/// (locked and listed for the signal handler while it exists); it is synced; `last_check` runs
/// (a target may have changed meanwhile); a rename puts it in place (with [`Existing::Keep`],
/// a link that fails if anything is there); the folder is synced. A new file gets 0666 minus
/// the umask, like any file the user makes; a replaced one keeps its mode. Our temporary files
/// that a killed process left in the folder are removed first. I/O errors go through `io`
/// (the caller names the file its way).
///
/// # Errors
/// What `write` or `last_check` return, and I/O failures through `io`.
pub fn write_atomically<E>(
    path: &Path,
    existing: Existing,
    write: impl FnOnce(&mut File) -> Result<(), E>,
    last_check: impl FnOnce() -> Result<(), E>,
    io: impl Fn(std::io::Error) -> E,
) -> Result<(), E> {
    let dir = parent_of(path);
    clean_stale(&dir);
    let mode = match existing {
        Existing::Replace => std::fs::metadata(path).ok().map(|m| m.permissions()),
        Existing::Keep => None,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}save-"))
        .suffix(TEMP_SUFFIX)
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(&dir)
        .map_err(&io)?;
    let held = Held::new(tmp.path(), tmp.as_file().try_clone().ok());
    if let Some(mode) = mode {
        tmp.as_file().set_permissions(mode).map_err(&io)?;
    }
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush().map_err(&io)?;
    tmp.as_file().sync_all().map_err(&io)?;
    last_check()?;
    match existing {
        Existing::Replace => tmp.persist(path).map(drop).map_err(|e| io(e.error))?,
        Existing::Keep => tmp.persist_noclobber(path).map(drop).map_err(|e| io(e.error))?,
    }
    drop(held);
    sync_dir(&dir);
    Ok(())
}

/// Writes `files` (name, bytes) as the new folder `out`: into a temporary folder of ours beside
/// it, each file synced, then one rename (a reader never sees half an export). The folder
/// gets 0777 minus the umask, like one the user makes.
///
/// # Errors
/// The I/O error and the path it concerns (`out/name` for a file).
pub fn write_new_dir(out: &Path, files: &[(String, Vec<u8>)]) -> Result<(), (PathBuf, std::io::Error)> {
    let parent = parent_of(out);
    clean_stale(&parent);
    let tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}export-"))
        .suffix(TEMP_SUFFIX)
        .permissions(std::fs::Permissions::from_mode(0o777))
        .tempdir_in(&parent)
        .map_err(|e| (out.to_owned(), e))?;
    let held = Held::new(tmp.path(), None);
    for (name, bytes) in files {
        let at = |e| (out.join(name), e);
        let mut f = File::create(tmp.path().join(name)).map_err(at)?;
        f.write_all(bytes).and_then(|()| f.sync_all()).map_err(at)?;
    }
    sync_dir(tmp.path());
    // Not rename(2) onto an existing empty folder: the caller writes into one itself, keeping
    // its inode and mode. A folder that appeared meanwhile makes this fail, and is kept.
    let done = std::fs::rename(tmp.path(), out);
    if let Err(e) = done {
        return Err((out.to_owned(), e));
    }
    let _ = tmp.keep();
    drop(held);
    sync_dir(&parent);
    Ok(())
}

/// Writes `files` into the existing empty folder `dir`, each atomically and refusing to replace
/// anything; if one fails, the ones already written are removed again, so the folder is left
/// as it was.
///
/// # Errors
/// The I/O error and the file it concerns.
pub fn write_into_dir(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), (PathBuf, std::io::Error)> {
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        let result = write_atomically(&path, Existing::Keep, |f| f.write_all(bytes), || Ok(()), |e| e);
        if let Err(e) = result {
            for p in &written {
                let _ = std::fs::remove_file(p);
            }
            return Err((path, e));
        }
        written.push(path);
    }
    Ok(())
}

/// Syncs a folder, so a rename in it survives a power cut (best effort: not every file system
/// can).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
