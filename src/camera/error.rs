//! The camera module's one error type.
//!
//! Every variant names the device, file or folder it is about, and where the fix is known the
//! message says it, because the UI and the CLI show `to_string()` as the whole explanation.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Everything that can go wrong while listing, opening or reading a frame source.
///
/// `Clone` so the capture thread can both report an error in its status and keep it for a retry;
/// the I/O error is behind an `Arc` for that reason.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CameraError {
    /// The device does not exist (never plugged in, or a stale index).
    #[error("{device} was not found — plug it in, or pick another camera or the demo camera")]
    NotFound {
        /// Which device, e.g. `camera 0`.
        device: String,
    },
    /// Another program holds the device.
    #[error("{device} is busy (another app is using it) — close that app or pick the demo camera")]
    Busy {
        /// Which device, e.g. `camera 0`.
        device: String,
    },
    /// The operating system refused access.
    #[error(
        "{device}: permission denied ({detail}) — allow camera access for pacnet in the system \
         settings (on Linux: add yourself to the `video` group), or pick the demo camera"
    )]
    PermissionDenied {
        /// Which device, e.g. `camera 0`.
        device: String,
        /// The backend's own words.
        detail: String,
    },
    /// The device went away while streaming (unplugged, driver reset).
    // The capture status adds "(retrying in …)", so the retry is not promised here: the CLI
    // shows the same line and does not retry.
    #[error("{device} was disconnected ({detail}) — plug it back in")]
    Disconnected {
        /// Which device, e.g. `camera 0`.
        device: String,
        /// The backend's own words.
        detail: String,
    },
    /// The device stopped sending frames while streaming (a frozen driver or camera).
    #[error(
        "{device} sent no picture for {:.1} s — check its cable, or close other apps that use it",
        .waited.as_secs_f32()
    )]
    Stalled {
        /// Which device, e.g. `camera 0`.
        device: String,
        /// How long it has been silent.
        waited: Duration,
    },
    /// A frame arrived but could not be turned into RGB.
    #[error("{device}: could not decode a {format} frame: {detail}")]
    Decode {
        /// Which device, e.g. `camera 0`.
        device: String,
        /// The pixel format on the wire, e.g. `MJPEG`.
        format: String,
        /// What the decoder said.
        detail: String,
    },
    /// The device offers no format we can use, or rejected the one we picked.
    #[error("{device}: {detail} — try another resolution or frame rate, or another camera")]
    Format {
        /// Which device, e.g. `camera 0`.
        device: String,
        /// What was asked for and what was wrong with it.
        detail: String,
    },
    /// The device offers only pixel formats pacnet cannot decode (H.264 only, for instance).
    #[error(
        "{device} offers {}, which pacnet cannot decode (it reads YUYV, MJPG, NV12, RGB3 and BGR3) — pick \
         another camera or the demo camera",
        if offered.is_empty() { "no picture format".to_owned() } else { format!("only {}", offered.join(", ")) }
    )]
    NoDecodableFormat {
        /// Which device, e.g. `camera 0`.
        device: String,
        /// The four-character codes it offers, e.g. `H264`.
        offered: Vec<String>,
    },
    /// Any other failure reported by the camera backend (nokhwa), kept verbatim.
    #[error("{device}: {detail}")]
    Backend {
        /// Which device, e.g. `camera 0`.
        device: String,
        /// The backend's own words.
        detail: String,
    },
    /// Reading or listing a file or folder failed.
    // The OS error is in the message and deliberately not a `source`: the CLI prints the cause
    // chain, which would repeat it.
    #[error("{}: {}", path.display(), crate::sys::io_text(error))]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        error: Arc<std::io::Error>,
    },
    /// An output folder or file refused by the output policy, or its write failed.
    #[error("{0}")]
    Output(Arc<crate::sys::OutputError>),
    /// A replay folder holds no image files at all.
    #[error(
        "folder {} has no images (.png, .jpg, .jpeg, .bmp, .webp) — record some frames into it \
         first, or pick another folder",
        path.display()
    )]
    EmptyFolder {
        /// The folder.
        path: PathBuf,
    },
    /// A replay folder has image files, but not one of them could be decoded.
    #[error("folder {}: none of its {count} images could be read (first: {first})", path.display())]
    NoReadableImages {
        /// The folder.
        path: PathBuf,
        /// How many files were tried.
        count: usize,
        /// The first failure, with its file name.
        first: String,
    },
    /// A single image file could not be decoded.
    #[error("{}: not a readable image: {detail}", path.display())]
    ImageRead {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        detail: String,
    },
    /// Writing a recorded frame failed.
    #[error("{}: could not write the frame: {detail} — check the folder exists and has free space", path.display())]
    Write {
        /// The file that was being written.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// A recording ([`record_paced`](super::record_paced)) ended early because its source
    /// failed; what was written before stays.
    #[error("{cause} — recording stopped, {written} of {wanted} pictures are saved in {}", dir.display())]
    RecordingInterrupted {
        /// The source's error, one line naming it.
        cause: String,
        /// Pictures written before it failed.
        written: u64,
        /// Pictures asked for.
        wanted: u64,
        /// The folder they are in.
        dir: PathBuf,
    },
    /// A finite source (a folder replayed without looping) has no more frames.
    #[error("{source_name} reached its end")]
    EndOfStream {
        /// The source's display name.
        source_name: String,
    },
    /// A setting that can never work, such as a frame rate of zero.
    #[error("invalid camera setting: {0}")]
    InvalidSetting(String),
    /// The capture thread could not be started.
    #[error("could not start the camera thread: {0}")]
    Thread(String),
}

impl CameraError {
    /// Whether trying the same source again later can succeed without the user changing anything.
    ///
    /// A camera that is busy, unplugged or still waiting for permission may come back by itself;
    /// an empty folder or a zero frame rate will not, so the capture thread stops on those instead
    /// of retrying forever.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Self::NotFound { .. }
            | Self::Busy { .. }
            | Self::PermissionDenied { .. }
            | Self::Disconnected { .. }
            | Self::Stalled { .. }
            | Self::Decode { .. }
            | Self::Backend { .. }
            | Self::Io { .. }
            | Self::ImageRead { .. } => true,
            Self::Format { .. }
            | Self::NoDecodableFormat { .. }
            | Self::EmptyFolder { .. }
            | Self::NoReadableImages { .. }
            | Self::Write { .. }
            | Self::Output(_)
            | Self::RecordingInterrupted { .. }
            | Self::EndOfStream { .. }
            | Self::InvalidSetting(_)
            | Self::Thread(_) => false,
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), error: Arc::new(source) }
    }
}

impl From<crate::sys::OutputError> for CameraError {
    fn from(e: crate::sys::OutputError) -> Self {
        Self::Output(Arc::new(e))
    }
}
