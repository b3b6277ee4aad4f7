//! Frame sources and the capture thread.
//!
//! **Job:** deliver RGB frames from a webcam, the built-in demo camera or a replayed folder,
//! newest first and without ever freezing the window, and say plainly what is wrong when a camera
//! is missing, busy or denied.
//!
//! **May import:** none of pacnet's other modules, and no GUI or CLI crate: the backbone, the
//! trainer and the UI build on this module, never the other way round. The UI turns key presses
//! into [`DemoControl`] calls and a repaint request into a [`Waker`]; no GUI type comes in here.
//!
//! **Parts:**
//! - [`FrameSource`] — one interface for [`Webcam`] (nokhwa), [`DemoCamera`], [`FolderReplay`]
//!   and the scripted [`testing::FaultySource`]; [`SourceSpec`] names one serialisably.
//! - [`Capture`] — the `pacnet-camera` thread: keeps only the newest [`Frame`], measures the
//!   frame rate, reports a [`CaptureStatus`], retries a failing source with a [`Backoff`], switches
//!   sources while running and records to a folder ([`FolderRecorder`]).
//! - [`Clock`] — injectable time; tests use [`ManualClock`] so rates and timestamps are exact.
//!   [`RateMeter`] measures events per second on it (frames here, predictions in `live`).
//! - [`describe_cameras`] — what each camera offers (formats, sizes, rates), for `pacnet cameras`.
//! - [`record_paced`] — a set number of pictures at the Record panel's pace, for `pacnet record`.
//!
//! **Typical use (UI):**
//! ```no_run
//! use pacnet::camera::{Capture, CaptureOptions, SourceSpec, Transform};
//! # fn main() -> Result<(), pacnet::camera::CameraError> {
//! let spec = SourceSpec::Demo;
//! let options = CaptureOptions { transform: Transform::recommended_for(&spec), ..Default::default() };
//! let capture = Capture::start(spec, options)?;         // returns at once
//! let demo = capture.demo_control();                    // arrow keys → demo.nudge(dx, dy)
//! demo.nudge(-0.1, 0.0);
//! if let Some(frame) = capture.latest() { /* upload frame.image as a texture */ }
//! let line = capture.status().to_string();              // "demo camera: 30.0 fps"
//! capture.switch(SourceSpec::Webcam { index: 0, resolution: None, fps: None });
//! # let _ = line; Ok(()) }
//! ```

mod capture;
mod clock;
mod demo;
mod devices;
mod error;
mod folder;
mod frame;
mod paced;
mod rate;
mod source;
pub mod testing;
mod webcam;

pub use capture::{
    Backoff, Capture, CaptureOptions, CaptureStats, CaptureStatus, FrameReader, Opener, RecordingStatus, StopReason,
    Waker,
};
pub use clock::{Clock, ManualClock, SteppedClock, SystemClock};
pub use demo::{DemoCamera, DemoControl, DemoPose};
pub use devices::{CameraDetails, FormatDetails, SizeDetails, describe_cameras, wire_format_of};
pub use error::CameraError;
pub use folder::{FolderRecorder, FolderReplay, IMAGE_EXTENSIONS, RecordFormat, list_images, natural_cmp};
pub use frame::{Frame, Resolution, Transform, mirror_in_place, resize};
pub use paced::{Pace, PacedRecording, record_paced};
pub use rate::RateMeter;
pub use source::{FrameSource, OpenEnv, SourceInfo, SourceKind, SourceSpec};
pub use webcam::{
    DEFAULT_STALL_TIMEOUT, DEFAULT_WEBCAM_FPS, DEFAULT_WEBCAM_RESOLUTION, Webcam, WebcamFormat, WebcamInfo, WireFormat,
    choose_format, decode_mjpeg, decode_yuyv, list_webcams,
};
