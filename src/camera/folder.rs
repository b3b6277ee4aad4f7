//! Folder replay (a recorded sequence played back as a camera) and the recorder that makes one.
//!
//! A recording is a plain folder of `frame_000001.png`, `frame_000002.png`, …, so it can be
//! looked at, edited or assembled by hand; replay accepts any image names and orders them the
//! way people do (`frame_2` before `frame_10`).

use std::cmp::Ordering;
use std::ffi::OsStr;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::clock::{Clock, Pacer};
use super::demo::check_fps;
use super::error::CameraError;
use super::frame::{Frame, Resolution};
use super::source::{FrameSource, SourceInfo, SourceKind};
use crate::sys::{Existing, MadeDir, write_atomically};

/// File extensions replay picks up (compared without regard to case).
pub const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "bmp", "webp"];

/// Compares file names the way people read them: runs of digits by their value, so
/// `frame_2.png` < `frame_10.png`, and everything else character by character.
#[must_use]
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a_rest, mut b_rest) = (a, b);
    loop {
        let (a_chunk, a_next) = split_chunk(a_rest);
        let (b_chunk, b_next) = split_chunk(b_rest);
        let order = match (a_chunk, b_chunk) {
            ("", "") => return a.cmp(b), // equal by value ("01" vs "1"): fall back to the text
            ("", _) => Ordering::Less,
            (_, "") => Ordering::Greater,
            (x, y) if is_digits(x) && is_digits(y) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            (x, y) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
        (a_rest, b_rest) = (a_next, b_next);
    }
}

fn is_digits(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// Splits off the leading run of digits, or of non-digits.
fn split_chunk(s: &str) -> (&str, &str) {
    let Some(first) = s.bytes().next() else {
        return ("", "");
    };
    let digit = first.is_ascii_digit();
    let end = s.bytes().position(|b| b.is_ascii_digit() != digit).unwrap_or(s.len());
    s.split_at(end)
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(OsStr::to_str)
        .is_some_and(|ext| IMAGE_EXTENSIONS.iter().any(|known| ext.eq_ignore_ascii_case(known)))
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The image files of `dir` in natural order.
///
/// # Errors
/// [`CameraError::Io`] naming `dir` if it cannot be listed.
pub fn list_images(dir: &Path) -> Result<Vec<PathBuf>, CameraError> {
    let entries = std::fs::read_dir(dir).map_err(|e| CameraError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| CameraError::io(dir, e))?.path();
        if path.is_file() && is_image(&path) {
            files.push(path);
        }
    }
    files.sort_by(|a, b| natural_cmp(&file_name(a), &file_name(b)));
    Ok(files)
}

/// Plays the images of a folder as a camera, in natural file-name order, at a fixed rate.
///
/// Unreadable files are skipped (and counted in [`FrameSource::skipped`]) rather than stopping
/// the replay, since one bad frame in a long recording should not end a demonstration.
#[derive(Debug)]
pub struct FolderReplay {
    dir: PathBuf,
    files: Vec<PathBuf>,
    next: usize,
    looping: bool,
    pacer: Pacer,
    fps: f32,
    resolution: Resolution,
    seq: u64,
    skipped: u64,
    failures_in_a_row: usize,
    first_failure: Option<String>,
}

impl FolderReplay {
    /// Opens `dir` for replay at `fps`, starting again after the last image if `looping`.
    ///
    /// # Errors
    /// [`CameraError::Io`] if the folder cannot be listed, [`CameraError::EmptyFolder`] if it
    /// holds no images, [`CameraError::NoReadableImages`] if none of them has a readable header,
    /// [`CameraError::InvalidSetting`] for a rate that is not above 0 and at most 240.
    pub fn open(dir: impl AsRef<Path>, fps: f32, looping: bool, clock: Arc<dyn Clock>) -> Result<Self, CameraError> {
        let dir = dir.as_ref().to_path_buf();
        check_fps(&format!("replay of folder {}", dir.display()), fps)?;
        let files = list_images(&dir)?;
        if files.is_empty() {
            return Err(CameraError::EmptyFolder { path: dir });
        }
        let mut first = None;
        let resolution = files
            .iter()
            .find_map(|f| match image::image_dimensions(f) {
                Ok((w, h)) => Some(Resolution::new(w, h)),
                Err(e) => {
                    first.get_or_insert_with(|| format!("{}: {e}", file_name(f)));
                    None
                }
            })
            .ok_or_else(|| CameraError::NoReadableImages {
                path: dir.clone(),
                count: files.len(),
                first: first.clone().unwrap_or_default(),
            })?;
        Ok(Self {
            dir,
            files,
            next: 0,
            looping,
            pacer: Pacer::new(clock, f64::from(fps)),
            fps,
            resolution,
            seq: 0,
            skipped: 0,
            failures_in_a_row: 0,
            first_failure: None,
        })
    }

    /// The files that will be played, in order.
    #[must_use]
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}

impl FrameSource for FolderReplay {
    fn info(&self) -> SourceInfo {
        SourceInfo {
            name: format!("folder {}", self.dir.display()),
            kind: SourceKind::Folder,
            resolution: self.resolution,
            fps: self.fps,
        }
    }

    fn next_frame(&mut self) -> Result<Frame, CameraError> {
        loop {
            if self.failures_in_a_row >= self.files.len() {
                return Err(CameraError::NoReadableImages {
                    path: self.dir.clone(),
                    count: self.files.len(),
                    first: self.first_failure.clone().unwrap_or_default(),
                });
            }
            if self.next >= self.files.len() {
                if !self.looping {
                    return Err(CameraError::EndOfStream {
                        source_name: format!("replay of folder {}", self.dir.display()),
                    });
                }
                self.next = 0;
            }
            let Some(path) = self.files.get(self.next) else {
                continue;
            };
            self.next += 1;
            match decode_frame(path) {
                Ok(decoded) => {
                    self.failures_in_a_row = 0;
                    let image = decoded.into_rgb8();
                    let timestamp = self.pacer.wait();
                    let frame = Frame::new(image, self.seq, timestamp);
                    self.seq += 1;
                    return Ok(frame);
                }
                Err(error) => {
                    tracing::warn!("skipping frame: {error}");
                    self.first_failure.get_or_insert_with(|| error.to_string());
                    self.skipped += 1;
                    self.failures_in_a_row += 1;
                }
            }
        }
    }

    fn skipped(&self) -> u64 {
        self.skipped
    }
}

/// The image format a recording is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordFormat {
    /// Lossless; about 0.5 MB per 640×480 frame.
    #[default]
    Png,
    /// Quality 90; about a tenth of the size, and quicker to write.
    Jpeg,
}

impl RecordFormat {
    /// The file extension, without the dot.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
        }
    }
}

/// Writes frames into a folder as `frame_000001.png`, `frame_000002.png`, …
///
/// Numbering continues after the highest `frame_N` already in the folder (of any kind: a FIFO
/// or folder so named counts too), so recording twice into one folder appends instead of
/// overwriting. Each file is written under a temporary name and renamed without replacing
/// anything (a name taken meanwhile moves on to the next number), so a replay of the same
/// folder never reads a half-written frame and no file is ever replaced. A folder created here
/// is removed again if the recorder is dropped before writing into it.
#[derive(Debug)]
pub struct FolderRecorder {
    dir: MadeDir,
    format: RecordFormat,
    next_index: u64,
    written: u64,
}

/// How many taken names in a row a frame skips before giving up (another process writing
/// the same names as fast as we do).
const MAX_TAKEN: u32 = 1000;

impl FolderRecorder {
    /// Prepares to record into `dir` (created if missing) in `format`.
    ///
    /// # Errors
    /// [`CameraError::Output`] naming `dir` if it cannot be created or used,
    /// [`CameraError::Io`] if it cannot be listed.
    pub fn create(dir: impl AsRef<Path>, format: RecordFormat) -> Result<Self, CameraError> {
        let dir = MadeDir::create(dir.as_ref())?;
        let entries = std::fs::read_dir(dir.path()).map_err(|e| CameraError::io(dir.path(), e))?;
        let highest = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name();
                let stem = Path::new(&name).file_stem()?.to_str()?.to_owned();
                stem.strip_prefix("frame_")?.parse::<u64>().ok()
            })
            .max()
            .unwrap_or(0);
        Ok(Self { dir, format, next_index: highest.saturating_add(1), written: 0 })
    }

    /// The folder being recorded into.
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Frames written by this recorder so far.
    #[must_use]
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The path the next frame will be written to.
    #[must_use]
    pub fn next_path(&self) -> PathBuf {
        self.dir.path().join(format!("frame_{:06}.{}", self.next_index, self.format.extension()))
    }

    /// Writes `image` as the next frame and returns its path.
    ///
    /// # Errors
    /// [`CameraError::Write`] naming the file if encoding or writing fails.
    pub fn record(&mut self, image: &RgbImage) -> Result<PathBuf, CameraError> {
        let mut bytes = Vec::new();
        let encoded = match self.format {
            RecordFormat::Png => image.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png),
            RecordFormat::Jpeg => {
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90).encode_image(image)
            }
        };
        encoded.map_err(|e| CameraError::Write { path: self.next_path(), detail: e.to_string() })?;
        for _ in 0..MAX_TAKEN {
            let path = self.next_path();
            self.next_index += 1;
            match write_atomically(&path, Existing::Keep, |f| f.write_all(&bytes), || Ok(()), |e| e) {
                Ok(()) => {
                    self.written += 1;
                    return Ok(path);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(CameraError::Write { path, detail: crate::sys::io_text(&e) }),
            }
        }
        Err(CameraError::Write { path: self.next_path(), detail: format!("{MAX_TAKEN} names in a row are taken") })
    }
}

/// One replayed picture, decoded; a JPEG cut off by an interrupted copy is refused rather than
/// replayed with its missing rows filled in grey.
fn decode_frame(path: &Path) -> Result<image::DynamicImage, CameraError> {
    let error = |detail: String| CameraError::ImageRead { path: path.to_owned(), detail };
    let bytes = std::fs::read(path).map_err(|e| error(crate::sys::io_text(&e)))?;
    let format = image::guess_format(&bytes).map_err(|e| error(e.to_string()))?;
    if format == image::ImageFormat::Jpeg && !crate::sys::input::jpeg_complete(&bytes) {
        return Err(error("truncated JPEG (no end-of-image marker after the image data): the file was cut off".into()));
    }
    image::load_from_memory_with_format(&bytes, format).map_err(|e| error(e.to_string()))
}
