//! Real webcams through nokhwa's native backends (V4L2, AVFoundation, Media Foundation).
//!
//! Compiled into every build; on a machine without a camera [`list_webcams`] returns an empty
//! list and [`Webcam::open`] a [`CameraError::NotFound`]. We decode YUYV and MJPEG ourselves
//! (MJPEG with the `image` crate's pure-Rust decoder, falling back to nokhwa's mozjpeg for
//! streams it rejects) so the decoders can be tested without hardware and a corrupt frame is a
//! counted skip, not a dead camera. nokhwa's `Camera` is not `Send`, so each open webcam lives
//! on its own `pacnet-webcam` thread (see [`Webcam`]). Every call into nokhwa runs inside
//! `catch_unwind`: a few of its paths `assert!` or `unwrap`, and a driver hiccup must not take
//! the app down.
//!
//! A camera that stops sending frames (a frozen driver) does not freeze pacnet: a read gives up
//! after [`DEFAULT_STALL_TIMEOUT`] with [`CameraError::Stalled`], and the handle's drop leaves
//! a device thread stuck in the driver behind instead of joining it (see [`Webcam`]).
//!
//! Tested through nokhwa's real V4L2 backend against a fake device preloaded into the test
//! process (`tests/fake_v4l2.c`, `scripts/with-fake-webcam.sh`): format choice, YUYV and MJPEG
//! streaming, busy, denied, unplugged, stalled, corrupt and unsupported cameras.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use image::RgbImage;
use nokhwa::utils::{ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType};

use crate::sys::panic_text;

use super::clock::Clock;
use super::error::CameraError;
use super::frame::{Frame, Resolution};
use super::source::{FrameSource, SourceInfo, SourceKind};

/// A camera the system reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebcamInfo {
    /// The index to put in [`SourceSpec::Webcam`](super::SourceSpec::Webcam).
    pub index: u32,
    /// The device's own name, e.g. `Integrated Webcam`.
    pub name: String,
    /// Backend details (on Linux, the `/dev/video` node).
    pub description: String,
}

impl fmt::Display for WebcamInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "camera {} ({})", self.index, self.name)
    }
}

/// Lists the cameras the operating system offers.
///
/// No camera is not an error: the list is simply empty. On Linux a single USB camera often
/// shows up twice (a capture node and a metadata node); opening the metadata node fails with a
/// [`CameraError::Format`] that names it.
///
/// # Errors
/// [`CameraError::Backend`] if the platform's camera service itself fails (for example, camera
/// access refused on macOS).
pub fn list_webcams() -> Result<Vec<WebcamInfo>, CameraError> {
    if nokhwa::native_api_backend().is_none() {
        return Ok(Vec::new());
    }
    let device = "camera list".to_owned();
    let listed = catch_unwind(|| nokhwa::query(ApiBackend::Auto))
        .map_err(|panic| CameraError::Backend { device: device.clone(), detail: panic_text(&*panic) })?;
    let infos = match listed {
        Ok(infos) => infos,
        Err(e) => {
            let error = classify(&device, &e, Stage::Open);
            // A missing /dev or camera service means "no cameras" to the person choosing one.
            return if matches!(error, CameraError::NotFound { .. }) { Ok(Vec::new()) } else { Err(error) };
        }
    };
    Ok(infos
        .iter()
        .enumerate()
        .map(|(position, info)| WebcamInfo {
            index: info.index().as_index().unwrap_or(u32::try_from(position).unwrap_or(u32::MAX)),
            name: super::devices::shown_name(&info.human_name()),
            description: info.description().to_owned(),
        })
        .collect())
}

/// The pixel format a camera sends over the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WireFormat {
    /// Packed 4:2:2 luma/chroma, two bytes a pixel.
    Yuyv,
    /// A JPEG per frame.
    Mjpeg,
    /// 4:2:0 with interleaved chroma.
    Nv12,
    /// Packed RGB.
    Rgb,
    /// Packed BGR.
    Bgr,
    /// Grey only (infrared cameras, for instance).
    Gray,
}

impl WireFormat {
    pub(crate) fn from_nokhwa(format: FrameFormat) -> Self {
        match format {
            FrameFormat::YUYV => Self::Yuyv,
            FrameFormat::MJPEG => Self::Mjpeg,
            FrameFormat::NV12 => Self::Nv12,
            FrameFormat::RAWRGB => Self::Rgb,
            FrameFormat::RAWBGR => Self::Bgr,
            FrameFormat::GRAY => Self::Gray,
        }
    }

    fn to_nokhwa(self) -> FrameFormat {
        match self {
            Self::Yuyv => FrameFormat::YUYV,
            Self::Mjpeg => FrameFormat::MJPEG,
            Self::Nv12 => FrameFormat::NV12,
            Self::Rgb => FrameFormat::RAWRGB,
            Self::Bgr => FrameFormat::RAWBGR,
            Self::Gray => FrameFormat::GRAY,
        }
    }

    /// Lower is preferred when size and rate tie: YUYV is cheap to convert and has no
    /// compression artefacts, MJPEG is what cameras offer at high sizes, grey is a last resort
    /// (the head learns nothing from colour it cannot see).
    fn preference(self) -> u8 {
        match self {
            Self::Yuyv => 0,
            Self::Mjpeg => 1,
            Self::Nv12 => 2,
            Self::Rgb => 3,
            Self::Bgr => 4,
            Self::Gray => 5,
        }
    }
}

impl fmt::Display for WireFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Yuyv => "YUYV",
            Self::Mjpeg => "MJPEG",
            Self::Nv12 => "NV12",
            Self::Rgb => "RGB",
            Self::Bgr => "BGR",
            Self::Gray => "GRAY",
        })
    }
}

/// One size/rate/format combination a camera offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WebcamFormat {
    /// Frame size.
    pub resolution: Resolution,
    /// Frames per second.
    pub fps: u32,
    /// Pixel format on the wire.
    pub format: WireFormat,
}

impl WebcamFormat {
    fn from_nokhwa(format: CameraFormat) -> Self {
        Self {
            resolution: Resolution::new(format.width(), format.height()),
            fps: format.frame_rate(),
            format: WireFormat::from_nokhwa(format.format()),
        }
    }

    fn to_nokhwa(self) -> CameraFormat {
        CameraFormat::new_from(self.resolution.width, self.resolution.height, self.format.to_nokhwa(), self.fps)
    }
}

impl fmt::Display for WebcamFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {} fps, {}", self.resolution, self.fps, self.format)
    }
}

/// Size asked for when the spec leaves it open: plenty for a 224-pixel network, cheap to decode.
pub const DEFAULT_WEBCAM_RESOLUTION: Resolution = Resolution::new(640, 480);
/// Rate asked for when the spec leaves it open.
pub const DEFAULT_WEBCAM_FPS: u32 = 30;

/// Picks from `offered` the format closest to `resolution` (by |Δwidth| + |Δheight|), then to
/// `fps`, then by [`WireFormat`] preference. nokhwa's own "closest" request is not used because
/// it gives up when the exact size is missing.
#[must_use]
pub fn choose_format(offered: &[WebcamFormat], resolution: Resolution, fps: u32) -> Option<WebcamFormat> {
    offered.iter().copied().min_by_key(|f| {
        (
            f.resolution.width.abs_diff(resolution.width) + f.resolution.height.abs_diff(resolution.height),
            f.fps.abs_diff(fps),
            f.format.preference(),
        )
    })
}

/// How long a streaming webcam may send nothing before a read reports
/// [`CameraError::Stalled`]. Generous: some cameras take a second or two for their first frame,
/// and in the dark a few drop to 5 frames a second or less.
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(5);

pub(crate) const DECODABLE: [FrameFormat; 6] = [
    FrameFormat::YUYV,
    FrameFormat::MJPEG,
    FrameFormat::NV12,
    FrameFormat::RAWRGB,
    FrameFormat::RAWBGR,
    FrameFormat::GRAY,
];

/// After this many undecodable frames in a row the stream is reported broken instead of skipped.
const MAX_BAD_FRAMES_IN_A_ROW: u32 = 30;

/// Cameras whose `pacnet-webcam` thread was left blocked in the driver when its handle was
/// dropped. Reopening one would only fight that thread for the device (nokhwa shares one open
/// device per index), so [`Webcam::open`] reports it as stalled until the thread gets out.
static STUCK: Mutex<BTreeMap<u32, Stuck>> = Mutex::new(BTreeMap::new());

struct Stuck {
    threads: usize,
    label: String,
    silent_since: Instant,
}

fn stuck() -> MutexGuard<'static, BTreeMap<u32, Stuck>> {
    // Held only for map updates that cannot panic halfway.
    STUCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How a device thread ended, read and written under the [`STUCK`] lock.
#[derive(Default)]
struct ThreadExit {
    finished: AtomicBool,
    abandoned: AtomicBool,
}

/// An open webcam, streaming.
///
/// nokhwa's `Camera` is not `Send` (Media Foundation and AVFoundation tie a device to the
/// thread that opened it), so the camera lives on its own small thread, `pacnet-webcam`, which
/// opens it, reads and decodes one frame per request, and closes it when this handle is
/// dropped. The handle itself is `Send` and can be owned by the capture thread.
///
/// A read waits at most the stall timeout ([`DEFAULT_STALL_TIMEOUT`],
/// [`with_stall_timeout`](Webcam::with_stall_timeout)); the next read keeps waiting for the same
/// frame. Dropping the handle while a read is unanswered does not join the device thread (the
/// driver may never return): the thread is left to close the camera when it gets out.
pub struct Webcam {
    requests: Option<SyncSender<()>>,
    replies: Receiver<Result<RgbImage, CameraError>>,
    thread: Option<JoinHandle<()>>,
    index: u32,
    label: String,
    format: WebcamFormat,
    clock: Arc<dyn Clock>,
    origin: Duration,
    seq: u64,
    skipped: Arc<AtomicU64>,
    stall_timeout: Duration,
    /// A frame was asked for and has not come yet.
    pending: bool,
    last_reply: Instant,
    exit: Arc<ThreadExit>,
}

impl fmt::Debug for Webcam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webcam").field("label", &self.label).field("format", &self.format).finish()
    }
}

impl Webcam {
    /// Opens camera `index` at the offered format closest to `resolution` and `fps` (defaults
    /// [`DEFAULT_WEBCAM_RESOLUTION`], [`DEFAULT_WEBCAM_FPS`]) and starts streaming.
    ///
    /// Blocks while the driver opens the device (up to a second or two on some systems).
    ///
    /// # Errors
    /// [`CameraError::NotFound`], [`Busy`](CameraError::Busy),
    /// [`PermissionDenied`](CameraError::PermissionDenied), [`Format`](CameraError::Format) or
    /// [`Backend`](CameraError::Backend), each naming the camera.
    pub fn open(
        index: u32,
        resolution: Option<Resolution>,
        fps: Option<u32>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CameraError> {
        let label = format!("camera {index}");
        if let Some(s) = stuck().get(&index) {
            return Err(CameraError::Stalled { device: s.label.clone(), waited: s.silent_since.elapsed() });
        }
        let exit = Arc::new(ThreadExit::default());
        let thread_exit = exit.clone();
        let (opened_tx, opened_rx) = mpsc::sync_channel(1);
        let (request_tx, request_rx) = mpsc::sync_channel::<()>(1);
        let (reply_tx, reply_rx) = mpsc::sync_channel(1);
        let skipped = Arc::new(AtomicU64::new(0));
        let thread_skipped = skipped.clone();
        let thread = std::thread::Builder::new()
            .name("pacnet-webcam".to_owned())
            .spawn(move || {
                let opened = catch_unwind(|| Device::open(index, resolution, fps)).unwrap_or_else(|p| {
                    Err(CameraError::Backend {
                        device: format!("camera {index}"),
                        detail: format!("the camera driver crashed while opening: {}", panic_text(&*p)),
                    })
                });
                let mut device = match opened {
                    Ok(device) => {
                        let _ = opened_tx.send(Ok((device.label.clone(), device.format)));
                        device
                    }
                    Err(error) => {
                        let _ = opened_tx.send(Err(error));
                        return;
                    }
                };
                // Ends when the handle is dropped (the request sender closes).
                while request_rx.recv().is_ok() {
                    let result = device.read();
                    thread_skipped.store(device.skipped, Ordering::Relaxed);
                    if reply_tx.send(result).is_err() {
                        break;
                    }
                }
                device.close();
                let mut stuck = stuck();
                thread_exit.finished.store(true, Ordering::SeqCst);
                if thread_exit.abandoned.load(Ordering::SeqCst)
                    && let Some(entry) = stuck.get_mut(&index)
                {
                    entry.threads = entry.threads.saturating_sub(1);
                    if entry.threads == 0 {
                        stuck.remove(&index);
                    }
                }
            })
            .map_err(|e| CameraError::Thread(e.to_string()))?;
        let (label, format) = match opened_rx.recv() {
            Ok(Ok(opened)) => opened,
            Ok(Err(error)) => {
                let _ = thread.join();
                return Err(error);
            }
            Err(_) => {
                let _ = thread.join();
                return Err(CameraError::Backend {
                    device: label,
                    detail: "the camera thread ended while opening".to_owned(),
                });
            }
        };
        let origin = clock.now();
        Ok(Self {
            requests: Some(request_tx),
            replies: reply_rx,
            thread: Some(thread),
            index,
            label,
            format,
            clock,
            origin,
            seq: 0,
            skipped,
            stall_timeout: DEFAULT_STALL_TIMEOUT,
            pending: false,
            last_reply: Instant::now(),
            exit,
        })
    }

    /// The same webcam with reads giving up after `timeout` of silence instead of
    /// [`DEFAULT_STALL_TIMEOUT`].
    #[must_use]
    pub fn with_stall_timeout(mut self, timeout: Duration) -> Self {
        self.stall_timeout = timeout;
        self
    }

    /// The size, rate and wire format actually in use.
    #[must_use]
    pub fn format(&self) -> WebcamFormat {
        self.format
    }
}

impl FrameSource for Webcam {
    fn info(&self) -> SourceInfo {
        SourceInfo {
            name: self.label.clone(),
            kind: SourceKind::Webcam,
            resolution: self.format.resolution,
            fps: self.format.fps as f32,
        }
    }

    fn next_frame(&mut self) -> Result<Frame, CameraError> {
        let label = self.label.clone();
        let gone =
            || CameraError::Disconnected { device: label.clone(), detail: "the camera thread has ended".to_owned() };
        if !self.pending {
            let requests = self.requests.as_ref().ok_or_else(gone)?;
            requests.send(()).map_err(|_| gone())?;
            self.pending = true;
        }
        let image = match self.replies.recv_timeout(self.stall_timeout) {
            Ok(reply) => {
                self.pending = false;
                self.last_reply = Instant::now();
                reply?
            }
            Err(RecvTimeoutError::Timeout) => {
                return Err(CameraError::Stalled { device: self.label.clone(), waited: self.last_reply.elapsed() });
            }
            Err(RecvTimeoutError::Disconnected) => return Err(gone()),
        };
        let timestamp = self.clock.now().saturating_sub(self.origin);
        let frame = Frame::new(image, self.seq, timestamp);
        self.seq += 1;
        Ok(frame)
    }

    fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }
}

impl Drop for Webcam {
    fn drop(&mut self) {
        // Signal (close the request channel), then join: the device thread closes the camera
        // on its own thread, as the backends require.
        self.requests = None;
        let Some(thread) = self.thread.take() else { return };
        if self.pending {
            let mut stuck = stuck();
            if !self.exit.finished.load(Ordering::SeqCst) {
                // Inside a read the driver has not answered: joining could block for ever.
                self.exit.abandoned.store(true, Ordering::SeqCst);
                let entry = stuck.entry(self.index).or_insert_with(|| Stuck {
                    threads: 0,
                    label: self.label.clone(),
                    silent_since: self.last_reply,
                });
                entry.threads += 1;
                tracing::warn!(
                    "{}: left its thread waiting in the driver; it closes the camera when it returns",
                    self.label
                );
                return;
            }
        }
        if thread.join().is_err() {
            tracing::warn!("{}: the camera thread panicked while closing", self.label);
        }
    }
}

/// The nokhwa camera and its read state; lives only on the `pacnet-webcam` thread.
struct Device {
    camera: nokhwa::Camera,
    label: String,
    format: WebcamFormat,
    skipped: u64,
    bad_in_a_row: u32,
}

impl Device {
    fn open(index: u32, resolution: Option<Resolution>, fps: Option<u32>) -> Result<Self, CameraError> {
        let mut label = format!("camera {index}");
        if !nokhwa::nokhwa_check() {
            // macOS: ask once; the answer arrives asynchronously and the capture thread's retry
            // picks it up.
            nokhwa::nokhwa_initialize(|_granted| {});
            return Err(CameraError::PermissionDenied {
                device: label,
                detail: "waiting for camera permission".to_owned(),
            });
        }
        let request = RequestedFormat::with_formats(RequestedFormatType::None, &DECODABLE);
        let mut camera = nokhwa::Camera::new(CameraIndex::Index(index), request).map_err(|e| {
            match classify(&label, &e, Stage::Open) {
                CameraError::Format { device, .. } if is_unfulfilled(&e) => {
                    CameraError::NoDecodableFormat { device, offered: super::devices::offered_fourccs(index) }
                }
                other => other,
            }
        })?;
        let name = super::devices::shown_name(&camera.info().human_name());
        if !name.trim().is_empty() {
            label = format!("camera {index} ({})", name.trim());
        }

        let want_resolution = resolution.unwrap_or(DEFAULT_WEBCAM_RESOLUTION);
        let want_fps = fps.unwrap_or(DEFAULT_WEBCAM_FPS);
        let current = WebcamFormat::from_nokhwa(camera.camera_format());
        let offered: Vec<WebcamFormat> = match camera.compatible_camera_formats() {
            Ok(formats) => formats.into_iter().map(WebcamFormat::from_nokhwa).collect(),
            Err(e) => {
                tracing::warn!("{label}: could not list formats ({e}); keeping {current}");
                Vec::new()
            }
        };
        if let Some(best) = choose_format(&offered, want_resolution, want_fps)
            && best != current
        {
            let exact = [best.format.to_nokhwa()];
            let request = RequestedFormat::with_formats(RequestedFormatType::Exact(best.to_nokhwa()), &exact);
            if let Err(e) = camera.set_camera_requset(request) {
                // Cameras sometimes list formats they then refuse; the current one still works.
                tracing::warn!("{label}: could not switch to {best} ({e}); keeping {current}");
            }
        }
        camera.open_stream().map_err(|e| classify(&label, &e, Stage::Open))?;
        let format = WebcamFormat::from_nokhwa(camera.camera_format());
        tracing::info!("{label}: streaming {format}");
        Ok(Self { camera, label, format, skipped: 0, bad_in_a_row: 0 })
    }

    /// Reads and decodes one frame, skipping (and counting) undecodable ones.
    fn read(&mut self) -> Result<RgbImage, CameraError> {
        loop {
            let camera = &mut self.camera;
            let grabbed = catch_unwind(AssertUnwindSafe(|| camera.frame())).unwrap_or_else(|p| {
                Err(nokhwa::NokhwaError::ReadFrameError(format!("driver crashed: {}", panic_text(&*p))))
            });
            let buffer = grabbed.map_err(|e| classify(&self.label, &e, Stage::Read))?;
            match decode_buffer(&self.label, &buffer) {
                Ok(image) => {
                    self.bad_in_a_row = 0;
                    return Ok(image);
                }
                Err(error) => {
                    self.skipped += 1;
                    self.bad_in_a_row += 1;
                    tracing::warn!("skipping frame: {error}");
                    if self.bad_in_a_row >= MAX_BAD_FRAMES_IN_A_ROW {
                        return Err(error);
                    }
                }
            }
        }
    }

    fn close(self) {
        let label = self.label.clone();
        // nokhwa's `Camera::drop` unwraps the result of stopping the stream, which can fail on a
        // camera that has just been unplugged.
        if catch_unwind(AssertUnwindSafe(move || drop(self))).is_err() {
            tracing::warn!("{label}: the driver panicked while closing the camera");
        }
    }
}

fn decode_buffer(label: &str, buffer: &nokhwa::Buffer) -> Result<RgbImage, CameraError> {
    let resolution = Resolution::new(buffer.resolution().width(), buffer.resolution().height());
    let data = buffer.buffer();
    match buffer.source_frame_format() {
        FrameFormat::YUYV => decode_yuyv(label, resolution, data),
        FrameFormat::MJPEG => decode_mjpeg(label, data).or_else(|ours| {
            // mozjpeg copes with a few camera quirks zune-jpeg rejects.
            catch_unwind(AssertUnwindSafe(|| buffer.decode_image::<nokhwa::pixel_format::RgbFormat>()))
                .ok()
                .and_then(Result::ok)
                .ok_or(ours)
        }),
        other => catch_unwind(AssertUnwindSafe(|| buffer.decode_image::<nokhwa::pixel_format::RgbFormat>()))
            .map_err(|panic| panic_text(&*panic))
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map_err(|detail| CameraError::Decode {
                device: label.to_owned(),
                format: WireFormat::from_nokhwa(other).to_string(),
                detail,
            }),
    }
}

/// Converts a packed YUYV (YUY2, 4:2:2) frame to RGB with the BT.601 limited-range matrix
/// webcams use. Bytes past `width × height × 2` (row padding some drivers add at the end) are
/// ignored.
///
/// # Errors
/// [`CameraError::Decode`] naming `device` if the width is odd or the data is too short.
pub fn decode_yuyv(device: &str, resolution: Resolution, data: &[u8]) -> Result<RgbImage, CameraError> {
    let Resolution { width, height } = resolution;
    let error = |detail: String| CameraError::Decode { device: device.to_owned(), format: "YUYV".to_owned(), detail };
    if width % 2 != 0 {
        return Err(error(format!("width {width} is odd; YUYV pairs pixels")));
    }
    let needed = width as usize * height as usize * 2;
    let Some(data) = data.get(..needed) else {
        return Err(error(format!("{} bytes for a {resolution} frame, which needs {needed}", data.len())));
    };
    let mut rgb = Vec::with_capacity(needed / 2 * 3);
    for quad in data.chunks_exact(4) {
        let &[y0, u, y1, v] = quad else { continue };
        let (d, e) = (i32::from(u) - 128, i32::from(v) - 128);
        for y in [y0, y1] {
            let c = 298 * (i32::from(y) - 16);
            let to_u8 = |x: i32| ((x + 128) >> 8).clamp(0, 255) as u8;
            rgb.extend_from_slice(&[to_u8(c + 409 * e), to_u8(c - 100 * d - 208 * e), to_u8(c + 516 * d)]);
        }
    }
    RgbImage::from_raw(width, height, rgb).ok_or_else(|| error("frame size does not add up".to_owned()))
}

/// Decodes one MJPEG frame (a JPEG, possibly without Huffman tables, which the decoder fills
/// in for `AVI1` streams) to RGB.
///
/// # Errors
/// [`CameraError::Decode`] naming `device` if the data is not a decodable JPEG.
pub fn decode_mjpeg(device: &str, data: &[u8]) -> Result<RgbImage, CameraError> {
    image::load_from_memory_with_format(data, image::ImageFormat::Jpeg).map(image::DynamicImage::into_rgb8).map_err(
        |e| CameraError::Decode { device: device.to_owned(), format: "MJPEG".to_owned(), detail: e.to_string() },
    )
}

/// nokhwa's words (misspelt in its source) for "none of the offered formats is one you asked for".
fn is_unfulfilled(error: &nokhwa::NokhwaError) -> bool {
    let text = error.to_string().to_lowercase();
    text.contains("fufill") || text.contains("fulfill")
}

/// Sorts an operating-system error from opening or asking a camera directly (not through
/// nokhwa) into the variant that tells the user what to do.
pub(crate) fn classify_io(device: &str, error: &std::io::Error) -> CameraError {
    let device = device.to_owned();
    match error.raw_os_error() {
        Some(16) => CameraError::Busy { device },
        Some(1 | 13) => CameraError::PermissionDenied { device, detail: error.to_string() },
        Some(2 | 6 | 19) => CameraError::NotFound { device },
        _ => CameraError::Backend { device, detail: error.to_string() },
    }
}

/// Where in a camera's life an error happened; the same backend message means "not there"
/// before streaming and "went away" during it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    Open,
    Read,
}

/// Sorts a nokhwa error into the variant that tells the user what to do.
///
/// nokhwa reports everything as strings, so this matches the operating systems' own words and
/// error numbers (Linux errno, Windows HRESULTs).
pub(crate) fn classify(device: &str, error: &nokhwa::NokhwaError, stage: Stage) -> CameraError {
    let detail = error.to_string();
    let text = detail.to_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    let device = device.to_owned();
    if has(&["busy", "(os error 16)", "in use", "0xc00d3ea3", "0xc00d3704"]) {
        CameraError::Busy { device }
    } else if has(&["permission", "(os error 13)", "(os error 1)", "access is denied", "0x80070005", "not authori"]) {
        CameraError::PermissionDenied { device, detail }
    } else if has(&["no such device", "(os error 19)", "disconnected", "0xc00d3e85", "(os error 5)"])
        || has(&["no such file", "(os error 2)", "not found", "(os error 6)", "out of range", "invalid index"])
        || (stage == Stage::Read && matches!(error, nokhwa::NokhwaError::ReadFrameError(_)))
    {
        // The same words mean "not there" before streaming and "went away" during it.
        match stage {
            Stage::Open => CameraError::NotFound { device },
            Stage::Read => CameraError::Disconnected { device, detail },
        }
    } else if has(&["fufill", "fulfill", "format", "resolution", "frame rate"]) {
        CameraError::Format { device, detail }
    } else {
        CameraError::Backend { device, detail }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuyv_known_colours() -> Result<(), CameraError> {
        // Two pixels per quad: white/black sharing neutral chroma, then pure red's YUV.
        let data = [235, 128, 16, 128, 81, 90, 81, 240];
        let image = decode_yuyv("camera 9", Resolution::new(2, 2), &data)?;
        assert_eq!(image.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(image.get_pixel(1, 0).0, [0, 0, 0]);
        let red = image.get_pixel(0, 1).0;
        assert!(red[0] >= 250 && red[1] <= 5 && red[2] <= 5, "{red:?}");
        Ok(())
    }

    #[test]
    fn yuyv_rejects_short_and_odd_frames_naming_the_device() {
        let short = decode_yuyv("camera 3", Resolution::new(4, 4), &[0; 10]);
        let message = short.map(|_| ()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("camera 3") && message.contains("YUYV") && message.contains("32"), "{message}");
        assert!(decode_yuyv("camera 3", Resolution::new(3, 2), &[0; 12]).is_err());
    }

    #[test]
    fn mjpeg_round_trip_and_garbage() -> Result<(), Box<dyn std::error::Error>> {
        let source =
            RgbImage::from_fn(
                32,
                16,
                |x, _| {
                    if x < 16 { image::Rgb([200, 30, 30]) } else { image::Rgb([30, 30, 200]) }
                },
            );
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95).encode_image(&source)?;
        let decoded = decode_mjpeg("camera 0", &jpeg)?;
        assert_eq!(Resolution::of(&decoded), Resolution::new(32, 16));
        let (left, right) = (decoded.get_pixel(4, 8).0, decoded.get_pixel(28, 8).0);
        assert!(left[0] > 150 && left[2] < 80, "{left:?}");
        assert!(right[2] > 150 && right[0] < 80, "{right:?}");
        let garbage = decode_mjpeg("camera 0", b"not a jpeg").map(|_| ()).err().map(|e| e.to_string());
        assert!(garbage.is_some_and(|m| m.contains("camera 0") && m.contains("MJPEG")));
        Ok(())
    }

    #[test]
    fn choose_format_prefers_size_then_rate_then_yuyv() {
        let f = |w, h, fps, format| WebcamFormat { resolution: Resolution::new(w, h), fps, format };
        let offered = [
            f(1280, 720, 30, WireFormat::Mjpeg),
            f(640, 480, 15, WireFormat::Yuyv),
            f(640, 480, 30, WireFormat::Mjpeg),
            f(640, 480, 30, WireFormat::Yuyv),
            f(320, 240, 30, WireFormat::Yuyv),
        ];
        let want = Resolution::new(640, 480);
        assert_eq!(choose_format(&offered, want, 30), Some(f(640, 480, 30, WireFormat::Yuyv)));
        assert_eq!(choose_format(&offered, want, 15), Some(f(640, 480, 15, WireFormat::Yuyv)));
        assert_eq!(choose_format(&offered, Resolution::new(1920, 1080), 30), Some(f(1280, 720, 30, WireFormat::Mjpeg)));
        assert_eq!(choose_format(&[], want, 30), None);
    }

    #[test]
    fn classify_maps_os_errors_to_actionable_variants() {
        use nokhwa::NokhwaError as N;
        let open = |msg: &str| classify("camera 0", &N::OpenDeviceError("0".into(), msg.into()), Stage::Open);
        assert!(matches!(open("V4L2 Error: Device or resource busy (os error 16)"), CameraError::Busy { .. }));
        assert!(matches!(open("V4L2 Error: Permission denied (os error 13)"), CameraError::PermissionDenied { .. }));
        assert!(matches!(open("V4L2 Error: No such file or directory (os error 2)"), CameraError::NotFound { .. }));
        let read = classify("camera 0", &N::ReadFrameError("No such device (os error 19)".into()), Stage::Read);
        assert!(matches!(read, CameraError::Disconnected { .. }));
        // errno 22 must not be taken for errno 2.
        assert!(!matches!(open("Invalid argument (os error 22)"), CameraError::NotFound { .. }));
        let busy = open("Device or resource busy (os error 16)").to_string();
        assert!(busy.starts_with("camera 0 is busy") && busy.contains("demo camera"), "{busy}");
    }

    #[test]
    fn listing_without_cameras_is_an_empty_list_not_an_error() {
        // On this project's test machines there is no /dev/video*; on a developer's laptop the
        // list may be non-empty, which is fine: the call must simply not fail or panic.
        match list_webcams() {
            Ok(list) => assert!(list.iter().all(|c| !c.to_string().is_empty())),
            Err(e) => panic!("listing cameras failed: {e}"),
        }
    }
}
