//! The one interface every frame source implements, and the serialisable choice of source.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::clock::{Clock, SystemClock};
use super::demo::{DemoCamera, DemoControl};
use super::error::CameraError;
use super::folder::FolderReplay;
use super::frame::{Frame, Resolution};
use super::webcam::{DEFAULT_STALL_TIMEOUT, Webcam};

/// What kind of thing a source is, for icons and for choosing a default [`Transform`](super::Transform).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SourceKind {
    /// A real camera through nokhwa.
    Webcam,
    /// The built-in synthetic scene.
    Demo,
    /// Images replayed from a folder.
    Folder,
    /// A scripted source from [`testing`](super::testing).
    Test,
}

/// How a source describes itself.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceInfo {
    /// Human-readable, e.g. `camera 0 (Integrated Webcam)` or `demo camera`.
    pub name: String,
    /// What kind of source this is.
    pub kind: SourceKind,
    /// Size of the frames it produces (before any [`Transform`](super::Transform)).
    pub resolution: Resolution,
    /// The rate it aims for, in frames per second.
    pub fps: f32,
}

/// Anything that produces frames: a webcam, the demo scene, a folder, a test double.
///
/// `Send` because the capture thread owns its source. Sources are not `Sync`: only that one
/// thread ever calls them.
pub trait FrameSource: Send {
    /// Name, kind, size and nominal rate.
    fn info(&self) -> SourceInfo;

    /// Blocks until the next frame is due (at the source's own rate) and returns it.
    ///
    /// # Errors
    /// A [`CameraError`] naming the device or file. [`CameraError::EndOfStream`] means a finite
    /// source has run out; others may be transient (see [`CameraError::is_transient`]).
    fn next_frame(&mut self) -> Result<Frame, CameraError>;

    /// Frames the source could not produce and silently skipped so far (unreadable files,
    /// corrupt MJPEG frames).
    fn skipped(&self) -> u64 {
        0
    }
}

/// Which source to open, as chosen in the UI or on the command line and stored in the settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceSpec {
    /// A webcam by its index in [`list_webcams`](super::list_webcams).
    Webcam {
        /// Device index (`/dev/video<index>` on Linux).
        index: u32,
        /// Wanted size; the closest the camera offers is used. `None`: 640×480, plenty for a
        /// 224-pixel network and cheap to decode.
        #[serde(default)]
        resolution: Option<Resolution>,
        /// Wanted rate; the closest the camera offers is used. `None`: 30.
        #[serde(default)]
        fps: Option<u32>,
    },
    /// The built-in demo camera.
    Demo,
    /// Replays the images in a folder.
    Folder {
        /// The folder.
        path: PathBuf,
        /// Playback rate in frames per second.
        fps: f32,
        /// Start again from the first image after the last.
        looping: bool,
    },
}

impl Default for SourceSpec {
    /// The demo camera, since it works on every machine.
    fn default() -> Self {
        Self::Demo
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Webcam { index, .. } => write!(f, "camera {index}"),
            Self::Demo => f.write_str("demo camera"),
            Self::Folder { path, .. } => write!(f, "folder {}", path.display()),
        }
    }
}

/// What [`SourceSpec::open`] needs besides the spec itself.
#[derive(Clone, Debug)]
pub struct OpenEnv {
    /// The clock every opened source paces and stamps its frames by.
    pub clock: Arc<dyn Clock>,
    /// The handle the demo camera takes its pose from; the UI keeps a clone to steer it.
    pub demo_control: DemoControl,
    /// Size of the demo camera's frames.
    pub demo_resolution: Resolution,
    /// Rate of the demo camera.
    pub demo_fps: f32,
    /// How long a webcam may send nothing before a read fails with
    /// [`CameraError::Stalled`](super::CameraError::Stalled) (and the capture retries).
    pub webcam_stall_timeout: Duration,
}

impl Default for OpenEnv {
    fn default() -> Self {
        Self {
            clock: SystemClock::shared(),
            demo_control: DemoControl::default(),
            demo_resolution: DemoCamera::DEFAULT_RESOLUTION,
            demo_fps: DemoCamera::DEFAULT_FPS,
            webcam_stall_timeout: DEFAULT_STALL_TIMEOUT,
        }
    }
}

impl SourceSpec {
    /// Opens the source this spec describes.
    ///
    /// Opening a webcam can take a second or more; call this off the UI thread (the
    /// [`Capture`](super::Capture) thread does).
    ///
    /// # Errors
    /// Whatever the source reports: a missing or busy camera, an empty folder, a zero rate.
    pub fn open(&self, env: &OpenEnv) -> Result<Box<dyn FrameSource>, CameraError> {
        Ok(match self {
            Self::Webcam { index, resolution, fps } => Box::new(
                Webcam::open(*index, *resolution, *fps, env.clock.clone())?
                    .with_stall_timeout(env.webcam_stall_timeout),
            ),
            Self::Demo => Box::new(DemoCamera::new(
                env.demo_control.clone(),
                env.clock.clone(),
                env.demo_resolution,
                env.demo_fps,
            )?),
            Self::Folder { path, fps, looping } => {
                Box::new(FolderReplay::open(path, *fps, *looping, env.clock.clone())?)
            }
        })
    }
}
