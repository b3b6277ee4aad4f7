//! The output-path policy, the same for every file pacnet writes (`train --out`, `play --wav`,
//! export folders, `bench-learn --export`, recorded frames), checked before any work starts and
//! again right before the rename:
//!
//! - a new name in a folder that takes new files, an empty file, or a file of the output's own
//!   kind (recognised by its first bytes, whatever its name) is written, through a temporary
//!   file and a rename ([`super::atomic`]);
//! - anything else is refused with what it is and the fix: another kind of file (a text file,
//!   the backbone's weights, a JPEG being played), a folder, a device, a FIFO, a socket, a file
//!   the same run reads, and a symbolic link — the rename would replace the link itself;
//! - with `--force`, a link's target is checked by the same rules and written instead, and a
//!   FIFO or character device is written into directly (`--wav /dev/stdout`, a pipe to a
//!   player), which cannot be atomic. A foreign file is never replaced, `--force` or not.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::atomic::{Existing, parent_of, write_atomically};
use super::input::special_kind;
use super::io_text;
use super::temp::{TEMP_PREFIX, TEMP_SUFFIX};

/// Links followed with `force` before giving up (a loop of links).
const MAX_LINKS: usize = 16;
/// How much of an existing file [`Kind::is_ours`] sees.
pub const HEAD_LEN: usize = 4096;

/// A kind of file pacnet writes, as the policy needs to know it.
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    /// What it is, e.g. `pacnet project`.
    pub name: &'static str,
    /// A file name to suggest, e.g. `project.pacnet`.
    pub example: &'static str,
    /// Whether an existing file with these first bytes (up to [`HEAD_LEN`]) is of this kind.
    pub is_ours: fn(&[u8]) -> bool,
}

/// Why an output path cannot be written; every message names the path and the fix.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A symbolic link without `--force`.
    #[error("{}: is a symbolic link (to {}); writing would replace the link with a file — pass --force to write to the file it points to, or give another name", .path.display(), .to.display())]
    Link {
        /// The path as given.
        path: PathBuf,
        /// Where it points.
        to: PathBuf,
    },
    /// A FIFO or character device without `--force`, or a block device or socket.
    #[error("{}: is {what}, not a file; give a file name such as {example}{}", .path.display(), if *.forceable { " (or pass --force to write into it)" } else { "" })]
    Special {
        /// The path as given.
        path: PathBuf,
        /// What it is.
        what: &'static str,
        /// A file name to suggest.
        example: &'static str,
        /// Whether `--force` would write into it.
        forceable: bool,
    },
    /// A folder where a file was expected.
    #[error("{}: is a folder; give a file name such as {}", .path.display(), .suggest.display())]
    Folder {
        /// The path as given.
        path: PathBuf,
        /// The folder joined with the kind's example name.
        suggest: PathBuf,
    },
    /// An existing file of another kind.
    #[error("{}: exists and is not a {kind}; writing would destroy it — choose another name or delete it first", .path.display())]
    Foreign {
        /// The path as given.
        path: PathBuf,
        /// The output's kind.
        kind: &'static str,
    },
    /// A file the same run reads.
    #[error("{}: is {}, an input of this run; give another name", .path.display(), .input.display())]
    Input {
        /// The path as given.
        path: PathBuf,
        /// The input it is.
        input: PathBuf,
    },
    /// More links than [`MAX_LINKS`] (a loop).
    #[error("{}: follows more than {MAX_LINKS} symbolic links", .path.display())]
    Loop {
        /// The path as given.
        path: PathBuf,
    },
    /// The path or its folder cannot be inspected or used.
    #[error("{}: its folder {} cannot be used ({})", .path.display(), .dir.display(), io_text(.error))]
    Folderless {
        /// The path as given.
        path: PathBuf,
        /// The folder.
        dir: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
    /// The folder exists but does not take new files (read-only, no permission, full).
    #[error("{}: its folder {} does not take new files ({})", .path.display(), .dir.display(), io_text(.error))]
    ReadOnly {
        /// The path as given.
        path: PathBuf,
        /// The folder.
        dir: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
    /// An output folder that exists and is not empty, or is a file.
    #[error("{}: already exists{} — pacnet writes it as a new folder; choose another name", .path.display(), if *.is_dir { " and is not empty" } else { " (a file)" })]
    Exists {
        /// The folder.
        path: PathBuf,
        /// Whether it is a folder (else a file).
        is_dir: bool,
    },
    /// Writing or renaming failed; the old file (if any) is as it was, no temporary file is left.
    #[error("{}: cannot write it: {}", .path.display(), io_text(.error))]
    Write {
        /// The file being written.
        path: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
}

impl From<OutputError> for std::io::Error {
    fn from(e: OutputError) -> Self {
        std::io::Error::other(e.to_string())
    }
}

/// A checked place to write one file of a [`Kind`].
#[derive(Clone, Debug)]
pub struct Output {
    given: PathBuf,
    path: PathBuf,
    kind: Kind,
    inputs: Vec<PathBuf>,
    force: bool,
    /// A FIFO or character device, written into directly (only with `force`).
    in_place: bool,
}

impl Output {
    /// Checks `path` by the policy of the module doc; `inputs` are files the same run reads.
    ///
    /// # Errors
    /// [`OutputError`] naming the path, what it is and the fix.
    pub fn check(path: &Path, kind: Kind, inputs: &[PathBuf], force: bool) -> Result<Self, OutputError> {
        let given = path.to_owned();
        let mut target = path.to_owned();
        let mut in_place = false;
        let mut links = 0;
        loop {
            let meta = match std::fs::symlink_metadata(&target) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(error) => return Err(OutputError::Folderless { path: given, dir: parent_of(&target), error }),
            };
            let ft = meta.file_type();
            if ft.is_symlink() {
                let next = follow_link(&given, &target, force)?;
                links += 1;
                if links > MAX_LINKS {
                    return Err(OutputError::Loop { path: given });
                }
                target = next;
                continue;
            }
            if ft.is_dir() {
                return Err(OutputError::Folder { suggest: target.join(kind.example), path: given });
            }
            if let Some(what) = special_kind(&ft) {
                use std::os::unix::fs::FileTypeExt;
                let forceable = ft.is_fifo() || ft.is_char_device();
                if !(force && forceable) {
                    return Err(OutputError::Special { path: given, what, example: kind.example, forceable });
                }
                in_place = true;
            } else if meta.len() > 0 && !is_of_kind(&target, kind) {
                return Err(OutputError::Foreign { path: given, kind: kind.name });
            }
            break;
        }
        if let Some(input) = inputs.iter().find(|i| same_file(i, &target)) {
            return Err(OutputError::Input { path: given, input: input.clone() });
        }
        if !in_place {
            check_dir_takes_files(&given, &parent_of(&target))?;
        }
        Ok(Self { given, path: target, kind, inputs: inputs.to_vec(), force, in_place })
    }

    /// The same check again (right before the rename: the path may have changed meanwhile).
    ///
    /// # Errors
    /// As [`Output::check`].
    pub fn recheck(&self) -> Result<Self, OutputError> {
        Self::check(&self.given, self.kind, &self.inputs, self.force)
    }

    /// The path as given, for messages.
    pub fn given(&self) -> &Path {
        &self.given
    }

    /// The file that will be written (a link's target with `force`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the file: `write` fills it, then it is renamed into place (or, for a FIFO or
    /// device with `force`, `write` writes into it directly). Checked again before the rename.
    ///
    /// # Errors
    /// What `write` returns; [`OutputError`] (converted) for the path and the I/O.
    pub fn write<E: From<OutputError>>(&self, write: impl FnOnce(&mut File) -> Result<(), E>) -> Result<(), E> {
        let target = self.recheck()?;
        let path = target.path.clone();
        let fail = |error: std::io::Error| E::from(OutputError::Write { path: path.clone(), error });
        if target.in_place {
            let mut f = std::fs::OpenOptions::new().write(true).open(&target.path).map_err(&fail)?;
            write(&mut f)?;
            return f.flush().map_err(&fail);
        }
        write_atomically(&target.path, Existing::Replace, write, || target.recheck().map(drop).map_err(E::from), fail)
    }
}

/// A folder exists at `dir` and takes new files: found by creating and removing a temporary
/// file of ours (permission bits do not tell: root, ACLs, read-only mounts).
/// Where the link at `target` points (relative to its folder); refused without `force`.
fn follow_link(given: &Path, target: &Path, force: bool) -> Result<PathBuf, OutputError> {
    let to = std::fs::read_link(target).map_err(|error| OutputError::Folderless {
        path: given.to_owned(),
        dir: parent_of(target),
        error,
    })?;
    if !force {
        return Err(OutputError::Link { path: given.to_owned(), to });
    }
    Ok(parent_of(target).join(to))
}

fn check_dir_takes_files(given: &Path, dir: &Path) -> Result<(), OutputError> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            let error = std::io::Error::from(std::io::ErrorKind::NotADirectory);
            return Err(OutputError::Folderless { path: given.to_owned(), dir: dir.to_owned(), error });
        }
        Err(error) => return Err(OutputError::Folderless { path: given.to_owned(), dir: dir.to_owned(), error }),
    }
    tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}check-"))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map(drop)
        .map_err(|error| OutputError::ReadOnly { path: given.to_owned(), dir: dir.to_owned(), error })
}

fn is_of_kind(path: &Path, kind: Kind) -> bool {
    let mut head = Vec::with_capacity(HEAD_LEN);
    match super::input::open_regular(path, u64::MAX) {
        Ok((f, _)) => f.take(HEAD_LEN as u64).read_to_end(&mut head).is_ok() && (kind.is_ours)(&head),
        Err(_) => false,
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// A checked place for a new folder of files (an export): a new name, or an existing empty
/// folder (then filled file by file: it keeps its inode and mode). A link only with `force`
/// (then its target, by the same rules); never a file or a non-empty folder.
#[derive(Clone, Debug)]
pub struct OutputDir {
    given: PathBuf,
    path: PathBuf,
    force: bool,
}

impl OutputDir {
    /// Checks `path`; a missing parent is fine if the nearest existing one is a folder (the
    /// parents are created when writing).
    ///
    /// # Errors
    /// [`OutputError`] naming the path.
    pub fn check(path: &Path, force: bool) -> Result<Self, OutputError> {
        let given = path.to_owned();
        let mut target = path.to_owned();
        for _ in 0..=MAX_LINKS {
            match std::fs::symlink_metadata(&target) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let mut dir = parent_of(&target);
                    while !dir.exists() && dir.parent().is_some_and(|p| !p.as_os_str().is_empty()) {
                        dir = parent_of(&dir);
                    }
                    check_dir_takes_files(&given, &dir)?;
                    return Ok(Self { given, path: target, force });
                }
                Err(error) => return Err(OutputError::Folderless { path: given, dir: parent_of(&target), error }),
                Ok(m) if m.file_type().is_symlink() => target = follow_link(&given, &target, force)?,
                Ok(m) if m.is_dir() => {
                    let empty = std::fs::read_dir(&target)
                        .map_err(|error| OutputError::Folderless { path: given.clone(), dir: target.clone(), error })?
                        .next()
                        .is_none();
                    if !empty {
                        return Err(OutputError::Exists { path: given, is_dir: true });
                    }
                    check_dir_takes_files(&given, &target)?;
                    return Ok(Self { given, path: target, force });
                }
                Ok(_) => return Err(OutputError::Exists { path: given, is_dir: false }),
            }
        }
        Err(OutputError::Loop { path: given })
    }

    /// The folder that will be written (a link's target with `force`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `files` (name, bytes): a new folder atomically, an existing empty one file by
    /// file (a failure removes what was written).
    ///
    /// # Errors
    /// [`OutputError`] naming the path.
    pub fn write(&self, files: &[(String, Vec<u8>)]) -> Result<(), OutputError> {
        let again = Self::check(&self.given, self.force)?;
        let fail = |(path, error): (PathBuf, std::io::Error)| OutputError::Write { path, error };
        if again.path.is_dir() {
            return super::atomic::write_into_dir(&again.path, files).map_err(fail);
        }
        let parent = parent_of(&again.path);
        std::fs::create_dir_all(&parent).map_err(|error| OutputError::Folderless {
            path: self.given.clone(),
            dir: parent.clone(),
            error,
        })?;
        super::atomic::write_new_dir(&again.path, files).map_err(fail)
    }
}

/// A folder used for output, created here if missing (with its missing parents): dropping it
/// removes the folders it created again if they are still empty, so a run that fails before
/// writing anything leaves no trace. A link to a folder is used as the folder.
#[derive(Debug)]
pub struct MadeDir {
    path: PathBuf,
    /// The folders created, outermost first.
    made: Vec<PathBuf>,
}

impl MadeDir {
    /// Uses or creates the folder `path`.
    ///
    /// # Errors
    /// [`OutputError`] naming the path: a file, device or FIFO in the way, or a folder that
    /// cannot be created or does not take new files.
    pub fn create(path: &Path) -> Result<Self, OutputError> {
        let mut missing = Vec::new();
        let mut at = path.to_owned();
        while std::fs::symlink_metadata(&at).is_err() {
            missing.push(at.clone());
            match at.parent() {
                Some(p) if !p.as_os_str().is_empty() => at = p.to_owned(),
                _ => break,
            }
        }
        if let Ok(m) = std::fs::metadata(&at)
            && !m.is_dir()
        {
            let what = special_kind(&m.file_type()).unwrap_or("a file");
            let error = std::io::Error::other(format!("{} is {what}, not a folder", at.display()));
            return Err(OutputError::Folderless { path: path.to_owned(), dir: at, error });
        }
        missing.reverse();
        let mut made = Vec::new();
        for dir in missing {
            match std::fs::create_dir(&dir) {
                Ok(()) => made.push(dir),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(error) => {
                    let this = Self { path: path.to_owned(), made };
                    drop(this);
                    return Err(OutputError::Folderless { path: path.to_owned(), dir, error });
                }
            }
        }
        let this = Self { path: path.to_owned(), made };
        check_dir_takes_files(path, path)?;
        Ok(this)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for MadeDir {
    fn drop(&mut self) {
        // remove_dir only removes an empty folder: one with anything in it stays.
        for dir in self.made.iter().rev() {
            if std::fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}
