//! Reading an input file (a project, a model's config, weights or labels) only once it is known
//! to be a regular file. Reading a FIFO would wait forever for a writer and a device would
//! never end, so the file is opened without blocking (`O_NONBLOCK`, which regular files
//! ignore) and its kind is checked on the open handle, where it cannot change any more.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::io_text;

/// Why an input file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Nothing at the path.
    #[error("{}: no such file", .path.display())]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// A folder, FIFO, device or socket.
    #[error("{}: is {what}, not a regular file", .path.display())]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is, e.g. `a named pipe (FIFO)`.
        what: &'static str,
    },
    /// Larger than the reader accepts.
    #[error("{}: is {} MiB; pacnet reads files of this kind up to {} MiB", .path.display(), .size >> 20, .limit >> 20)]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The OS refused (permission, I/O error).
    #[error("{}: {}", .path.display(), io_text(.error))]
    Io {
        /// The path.
        path: PathBuf,
        /// What the OS said (shown in the message, so not a `source`: the CLI would repeat it).
        error: std::io::Error,
    },
}

/// What a file type is, in words, if it is not a regular file.
pub fn special_kind(kind: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    Some(if kind.is_dir() {
        "a folder"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        return None;
    })
}

/// Opens `path` (following links) for reading if it is a regular file of at most `limit` bytes.
///
/// # Errors
/// [`InputError`] naming the path.
pub fn open_regular(path: &Path, limit: u64) -> Result<(File, u64), InputError> {
    let io = |error: std::io::Error| match error.kind() {
        std::io::ErrorKind::NotFound => InputError::Missing { path: path.to_owned() },
        _ => InputError::Io { path: path.to_owned(), error },
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if let Some(what) = special_kind(&meta.file_type()) {
        return Err(InputError::NotRegular { path: path.to_owned(), what });
    }
    if meta.len() > limit {
        return Err(InputError::TooLarge { path: path.to_owned(), size: meta.len(), limit });
    }
    Ok((file, meta.len()))
}

/// Reads a whole regular file of at most `limit` bytes (see [`open_regular`]).
///
/// # Errors
/// [`InputError`] naming the path.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let (file, len) = open_regular(path, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    // `take`: a file that grows while being read still stops at the limit.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| InputError::Io { path: path.to_owned(), error })?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge { path: path.to_owned(), size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

/// Whether a JPEG's last scan is followed by an end-of-image marker (FF D9): the JPEG decoder
/// fills a cut-off scan with grey and reports success, so a file cut off by an interrupted copy
/// would otherwise pass for a picture (here, not in `backbone`, because the camera's folder
/// replay needs the same check and may not import `backbone`). Inside the entropy-coded data a
/// 0xFF byte is always followed by 0x00 or a restart marker, so an FF D9 after the last
/// start-of-scan (FF DA) is the real end; an embedded EXIF thumbnail's markers come before the
/// main image's scan and do not count.
pub fn jpeg_complete(bytes: &[u8]) -> bool {
    let last_sos = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    let Some(sos) = last_sos else { return false };
    bytes.get(sos..).is_some_and(|rest| rest.windows(2).any(|w| w == [0xFF, 0xD9]))
}
