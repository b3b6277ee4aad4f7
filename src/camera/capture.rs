//! The capture thread: owns the source, keeps only the newest frame, survives failures.
//!
//! One named thread (`pacnet-camera`) reads frames as fast as the source gives them and puts
//! each into a single slot, replacing the last; a consumer that falls behind sees the newest
//! frame, never a backlog. When the source fails (unplugged, busy, denied, a driver panic) the
//! thread reports it in [`CaptureStatus::Error`], closes the source and reopens it after a
//! growing delay. Callers never block on the camera: every method takes a short lock on the
//! shared state, except [`Capture::wait_newer`], which waits only as long as it is told to.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::sys::panic_text;

use super::demo::DemoControl;
use super::error::CameraError;
use super::folder::{FolderRecorder, RecordFormat};
use super::frame::{Frame, Transform};
use super::rate::RateMeter;
use super::source::{FrameSource, OpenEnv, SourceInfo, SourceSpec};

/// Frames the measured frame rate averages over (about half a second at 30 fps; a slow folder
/// replay still gets a rate).
const FPS_WINDOW: usize = 16;

/// Called by the capture thread after every new frame and status change, so the UI can
/// schedule a repaint without polling (set it to `move || ctx.request_repaint()`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Turns a [`SourceSpec`] into an open source. The default is [`SourceSpec::open`]; tests pass
/// their own to inject faults.
pub type Opener = Box<dyn FnMut(&SourceSpec) -> Result<Box<dyn FrameSource>, CameraError> + Send>;

/// What the capture is doing, for the UI to show.
#[derive(Clone, Debug, PartialEq)]
pub enum CaptureStatus {
    /// Opening a source for the first time since start or the last switch.
    Starting {
        /// The source being opened, e.g. `camera 0`.
        source: String,
    },
    /// Frames are flowing.
    Running {
        /// The source's name.
        source: String,
        /// Measured frames per second (the source's nominal rate until two frames have come).
        fps: f32,
    },
    /// The source failed; the thread will try it again.
    Error {
        /// One line naming the device and, where known, the fix.
        message: String,
        /// Time until the next attempt.
        retrying_in: Duration,
        /// How many attempts in a row have failed.
        attempt: u32,
    },
    /// The thread is not trying any more (until a [`Capture::switch`]).
    Stopped(StopReason),
}

/// Why the capture stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// [`Capture::stop`] was called or the capture was dropped.
    Requested,
    /// A finite source (a folder replayed without looping) ran out of frames.
    Finished {
        /// The source's name.
        source: String,
    },
    /// An error that retrying cannot fix, such as an empty folder.
    Failed {
        /// The error, one line.
        message: String,
    },
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Requested => f.write_str("camera stopped"),
            Self::Finished { source } => write!(f, "{source} finished — pick a source to continue"),
            Self::Failed { message } => f.write_str(message),
        }
    }
}

impl fmt::Display for CaptureStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Starting { source } => write!(f, "opening {source}…"),
            Self::Running { source, fps } => write!(f, "{source}: {fps:.1} fps"),
            Self::Error { message, retrying_in, .. } => {
                write!(f, "{message} (retrying in {:.1} s)", retrying_in.as_secs_f32())
            }
            Self::Stopped(reason) => reason.fmt(f),
        }
    }
}

/// How long to wait before reopening a failed source: `first`, doubling per failure up to
/// `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub first: Duration,
    /// The delay never grows past this.
    pub max: Duration,
}

impl Backoff {
    /// The delay before attempt number `attempt + 1` (`attempt` counts failures, from 1).
    #[must_use]
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(16);
        self.first.saturating_mul(1 << doublings).min(self.max)
    }
}

impl Default for Backoff {
    /// Half a second, then 1, 2, 4, 5, 5, … seconds: quick to recover from a replug, gentle on
    /// a driver that keeps failing.
    fn default() -> Self {
        Self { first: Duration::from_millis(500), max: Duration::from_secs(5) }
    }
}

/// Settings for [`Capture::start`].
#[derive(Clone, Debug)]
pub struct CaptureOptions {
    /// Clock, demo control and demo size used to open sources.
    pub env: OpenEnv,
    /// Applied to every frame before it is handed out; change later with
    /// [`Capture::set_transform`].
    pub transform: Transform,
    /// Retry delays after a failure.
    pub backoff: Backoff,
    /// How long [`Capture::stop`] (and `Drop`) waits for the thread before leaving it to finish
    /// on its own: a driver stuck inside a read must not freeze the window.
    pub shutdown_timeout: Duration,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        Self {
            env: OpenEnv::default(),
            transform: Transform::default(),
            backoff: Backoff::default(),
            shutdown_timeout: Duration::from_secs(2),
        }
    }
}

/// Counters for the UI's "camera" details and for tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Frames handed out so far (the newest frame's `seq`).
    pub frames: u64,
    /// Frames replaced by a newer one before anyone looked at them.
    pub dropped: u64,
    /// Frames the current source skipped (unreadable files, corrupt MJPEG).
    pub skipped_by_source: u64,
    /// Times a source was opened successfully.
    pub opens: u64,
    /// Failures (open or read) so far.
    pub failures: u64,
}

/// The state of a recording started with [`Capture::start_recording`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingStatus {
    /// The folder written to.
    pub dir: PathBuf,
    /// Frames written so far.
    pub written: u64,
    /// Still writing (false after [`Capture::stop_recording`] or a write error).
    pub active: bool,
    /// The write error that ended the recording, if one did.
    pub error: Option<String>,
}

/// Internal form of the status: an absolute retry time, turned into "retrying in" on read.
#[derive(Clone, Debug)]
enum Status {
    Starting { source: String },
    Running { source: String, fps: f32 },
    Error { message: String, retry_at: Instant, attempt: u32 },
    Stopped(StopReason),
}

struct State {
    latest: Option<Frame>,
    latest_taken: bool,
    stats: CaptureStats,
    status: Status,
    spec: SourceSpec,
    source_info: Option<SourceInfo>,
    transform: Transform,
    fps: f32,
    pending_switch: Option<SourceSpec>,
    stop: bool,
    thread_done: bool,
    waker: Option<Waker>,
    new_recorder: Option<FolderRecorder>,
    stop_recording: bool,
    recording: Option<RecordingStatus>,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled on every change: new frame, status, command. Waiters re-check their condition.
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The lock is only held for plain field updates that cannot panic halfway, so a poisoned
        // lock still guards consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `f` under the lock, wakes every waiter, then calls the UI waker outside the lock.
    fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let (result, waker) = {
            let mut state = self.lock();
            let result = f(&mut state);
            (result, state.waker.clone())
        };
        self.changed.notify_all();
        if let Some(waker) = waker {
            // A panicking repaint callback is the UI's bug; it must not kill the camera.
            let _ = catch_unwind(AssertUnwindSafe(|| waker()));
        }
        result
    }

    fn latest(&self) -> Option<Frame> {
        let mut state = self.lock();
        state.latest_taken = true;
        state.latest.clone()
    }

    fn wait_newer(&self, seq: u64, timeout: Duration) -> Option<Frame> {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        loop {
            if let Some(frame) = state.latest.as_ref().filter(|f| f.seq > seq).cloned() {
                state.latest_taken = true;
                return Some(frame);
            }
            let now = Instant::now();
            if state.thread_done || state.stop || now >= deadline {
                return None;
            }
            state = self.changed.wait_timeout(state, deadline - now).unwrap_or_else(PoisonError::into_inner).0;
        }
    }

    /// Waits until a switch or stop is pending, or `timeout` passes (`None`: no limit).
    fn wait_for_command(&self, timeout: Option<Duration>) {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.lock();
        while !state.stop && state.pending_switch.is_none() {
            state = match deadline {
                None => self.changed.wait(state).unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return;
                    }
                    self.changed.wait_timeout(state, deadline - now).unwrap_or_else(PoisonError::into_inner).0
                }
            };
        }
    }
}

/// The running capture: one named thread (`pacnet-camera`) that owns the source, keeps only the
/// newest frame, measures the rate, and on failure reports [`CaptureStatus::Error`] and reopens
/// the source after a growing delay. No method blocks on the camera.
///
/// Start one with [`Capture::start`]; read [`latest`](Capture::latest) every UI frame,
/// show [`status`](Capture::status); [`switch`](Capture::switch) to change source. Dropping it
/// stops the thread (signal, then join, bounded by
/// [`CaptureOptions::shutdown_timeout`]).
pub struct Capture {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    demo_control: DemoControl,
    shutdown_timeout: Duration,
}

impl fmt::Debug for Capture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capture").field("status", &self.status()).finish_non_exhaustive()
    }
}

impl Capture {
    /// The capture thread's name, as seen in debuggers and `top -H`.
    pub const THREAD_NAME: &'static str = "pacnet-camera";

    /// Starts capturing from `spec` on a new thread. Returns at once; the source is opened on
    /// the thread, so watch [`status`](Capture::status) for the outcome.
    ///
    /// # Errors
    /// [`CameraError::Thread`] if the operating system refuses to start a thread.
    pub fn start(spec: SourceSpec, options: CaptureOptions) -> Result<Self, CameraError> {
        let env = options.env.clone();
        Self::start_with_opener(spec, options, Box::new(move |spec| spec.open(&env)))
    }

    /// Like [`start`](Capture::start), but sources are opened by `opener` (for tests and
    /// fault injection).
    ///
    /// # Errors
    /// [`CameraError::Thread`] if the operating system refuses to start a thread.
    pub fn start_with_opener(spec: SourceSpec, options: CaptureOptions, opener: Opener) -> Result<Self, CameraError> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                latest: None,
                latest_taken: false,
                stats: CaptureStats::default(),
                status: Status::Starting { source: spec.to_string() },
                spec: spec.clone(),
                source_info: None,
                transform: options.transform,
                fps: 0.0,
                pending_switch: None,
                stop: false,
                thread_done: false,
                waker: None,
                new_recorder: None,
                stop_recording: false,
                recording: None,
            }),
            changed: Condvar::new(),
        });
        let worker = Worker { shared: shared.clone(), opener, backoff: options.backoff };
        let thread = std::thread::Builder::new()
            .name(Self::THREAD_NAME.to_owned())
            .spawn(move || worker.run(spec))
            .map_err(|e| CameraError::Thread(e.to_string()))?;
        Ok(Self {
            shared,
            thread: Some(thread),
            demo_control: options.env.demo_control,
            shutdown_timeout: options.shutdown_timeout,
        })
    }

    /// The newest frame, if any has arrived. Never blocks on the camera.
    #[must_use]
    pub fn latest(&self) -> Option<Frame> {
        self.shared.latest()
    }

    /// Waits up to `timeout` for a frame whose `seq` is above `seq` and returns it (the newest
    /// one, if several came meanwhile). `None` on timeout or once the capture has stopped.
    ///
    /// Meant for the feature-extraction thread (through a [`FrameReader`]): pass the last `seq`
    /// it processed (0 at first) so it sleeps instead of spinning.
    #[must_use]
    pub fn wait_newer(&self, seq: u64, timeout: Duration) -> Option<Frame> {
        self.shared.wait_newer(seq, timeout)
    }

    /// A cheap, cloneable, thread-safe handle for reading frames from another thread (the
    /// feature extractor). It does not keep the capture alive: once the [`Capture`] is stopped
    /// or dropped, [`FrameReader::wait_newer`] returns `None` at once, so the reading thread can
    /// end.
    #[must_use]
    pub fn reader(&self) -> FrameReader {
        FrameReader { shared: self.shared.clone() }
    }

    /// What the capture is doing, for the UI's status line (`to_string()` is that line).
    #[must_use]
    pub fn status(&self) -> CaptureStatus {
        let state = self.shared.lock();
        match &state.status {
            Status::Starting { source } => CaptureStatus::Starting { source: source.clone() },
            Status::Running { source, fps } => CaptureStatus::Running { source: source.clone(), fps: *fps },
            Status::Error { message, retry_at, attempt } => CaptureStatus::Error {
                message: message.clone(),
                retrying_in: retry_at.saturating_duration_since(Instant::now()),
                attempt: *attempt,
            },
            Status::Stopped(reason) => CaptureStatus::Stopped(reason.clone()),
        }
    }

    /// Measured frames per second over the last few frames (0 before two frames).
    #[must_use]
    pub fn fps(&self) -> f32 {
        self.shared.lock().fps
    }

    /// Frame, drop, skip and failure counts.
    #[must_use]
    pub fn stats(&self) -> CaptureStats {
        self.shared.lock().stats
    }

    /// The open source's description, or `None` while none is open.
    #[must_use]
    pub fn source_info(&self) -> Option<SourceInfo> {
        self.shared.lock().source_info.clone()
    }

    /// The source asked for (by [`start`](Capture::start) or the last
    /// [`switch`](Capture::switch)), for storing in the settings.
    #[must_use]
    pub fn spec(&self) -> SourceSpec {
        self.shared.lock().spec.clone()
    }

    /// Closes the current source and opens `spec` instead, on the capture thread. Returns at
    /// once. The last frame of the old source stays available until the new one delivers.
    ///
    /// Also the way to retry at once after an error (switch to the same spec): it cuts the
    /// backoff wait short. Does nothing after [`stop`](Capture::stop).
    pub fn switch(&self, spec: SourceSpec) {
        if self.thread.is_none() {
            return;
        }
        self.shared.update(|state| {
            state.status = Status::Starting { source: spec.to_string() };
            state.spec = spec.clone();
            state.pending_switch = Some(spec);
        });
    }

    /// Changes what is done to each frame from the next frame on (mirror, resize).
    ///
    /// # Errors
    /// [`CameraError::InvalidSetting`] for a resize to a zero-sized target; the old transform
    /// stays.
    pub fn set_transform(&self, transform: Transform) -> Result<(), CameraError> {
        if let Some(size) = transform.resize
            && (size.width == 0 || size.height == 0)
        {
            return Err(CameraError::InvalidSetting(format!("cannot resize frames to {size}")));
        }
        self.shared.update(|state| state.transform = transform);
        Ok(())
    }

    /// The transform in force.
    #[must_use]
    pub fn transform(&self) -> Transform {
        self.shared.lock().transform
    }

    /// Sets (or clears) the callback run after each new frame and status change.
    pub fn set_waker(&self, waker: Option<Waker>) {
        self.shared.lock().waker = waker;
    }

    /// The handle steering the demo camera (the same one for every demo source this capture
    /// opens, so the UI can fetch it once).
    #[must_use]
    pub fn demo_control(&self) -> DemoControl {
        self.demo_control.clone()
    }

    /// Starts writing every frame handed out (after the transform) into `dir` as
    /// `frame_NNNNNN.png`/`.jpg`, continuing any numbering already there. Replaces a recording in
    /// progress.
    ///
    /// # Errors
    /// [`CameraError::Io`] naming `dir` if it cannot be created or listed.
    pub fn start_recording(&self, dir: &Path, format: RecordFormat) -> Result<(), CameraError> {
        let recorder = FolderRecorder::create(dir, format)?;
        self.shared.update(|state| {
            state.recording =
                Some(RecordingStatus { dir: recorder.dir().to_path_buf(), written: 0, active: true, error: None });
            state.new_recorder = Some(recorder);
            state.stop_recording = false;
        });
        Ok(())
    }

    /// Stops writing frames; the files written so far stay.
    pub fn stop_recording(&self) {
        self.shared.update(|state| {
            state.new_recorder = None;
            state.stop_recording = true;
            if let Some(recording) = &mut state.recording {
                recording.active = false;
            }
        });
    }

    /// The current or last recording, if there was one.
    #[must_use]
    pub fn recording(&self) -> Option<RecordingStatus> {
        self.shared.lock().recording.clone()
    }

    /// Stops the thread: signals it, then joins it. If the thread does not finish within
    /// [`CaptureOptions::shutdown_timeout`] (a driver stuck in a read), it is left to finish on
    /// its own rather than freezing the caller. Calling it twice is harmless.
    pub fn stop(&mut self) {
        let Some(handle) = self.thread.take() else {
            return;
        };
        self.shared.update(|state| state.stop = true);
        let deadline = Instant::now() + self.shutdown_timeout;
        let mut state = self.shared.lock();
        while !state.thread_done {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state = self.shared.changed.wait_timeout(state, deadline - now).unwrap_or_else(PoisonError::into_inner).0;
        }
        let done = state.thread_done;
        if !done {
            state.status = Status::Stopped(StopReason::Requested);
        }
        drop(state);
        if done {
            if handle.join().is_err() {
                tracing::error!("the camera thread panicked while stopping");
            }
        } else {
            tracing::warn!(
                "the camera thread did not stop within {:?} (a camera driver call is stuck); \
                 leaving it to finish on its own",
                self.shutdown_timeout
            );
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Read-only access to a [`Capture`]'s frames from another thread; see [`Capture::reader`].
#[derive(Clone)]
pub struct FrameReader {
    shared: Arc<Shared>,
}

impl fmt::Debug for FrameReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameReader").field("stopped", &self.is_stopped()).finish()
    }
}

impl FrameReader {
    /// Same as [`Capture::latest`].
    #[must_use]
    pub fn latest(&self) -> Option<Frame> {
        self.shared.latest()
    }

    /// Same as [`Capture::wait_newer`].
    #[must_use]
    pub fn wait_newer(&self, seq: u64, timeout: Duration) -> Option<Frame> {
        self.shared.wait_newer(seq, timeout)
    }

    /// Whether the capture has been stopped or dropped: no frame will come any more.
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        let state = self.shared.lock();
        state.stop || state.thread_done
    }

    /// Whether no new frame will come until someone switches the source: the capture was
    /// stopped, or its source ended (a folder played once) or gave up.
    #[must_use]
    pub fn has_ended(&self) -> bool {
        let state = self.shared.lock();
        let newest_taken = state.latest.is_none() || state.latest_taken;
        state.stop || state.thread_done || (matches!(state.status, Status::Stopped(_)) && newest_taken)
    }
}

/// Everything the capture thread owns.
struct Worker {
    shared: Arc<Shared>,
    opener: Opener,
    backoff: Backoff,
}

/// Marks the thread finished however it ends, so `stop` never waits on a thread that is gone.
struct DoneGuard(Arc<Shared>);

impl Drop for DoneGuard {
    fn drop(&mut self) {
        self.0.update(|state| {
            state.thread_done = true;
            if !matches!(state.status, Status::Stopped(_)) {
                state.status = Status::Stopped(StopReason::Failed {
                    message: "the camera thread ended unexpectedly — pick a source to restart it".to_owned(),
                });
            }
        });
    }
}

enum Next {
    Continue,
    Quit,
}

impl Worker {
    fn run(mut self, spec: SourceSpec) {
        let _done = DoneGuard(self.shared.clone());
        let mut spec = spec;
        let mut source: Option<Box<dyn FrameSource>> = None;
        let mut source_name = spec.to_string();
        let mut attempt: u32 = 0;
        let mut recorder: Option<FolderRecorder> = None;
        let mut meter = RateMeter::last(FPS_WINDOW);

        loop {
            let (stop, switch) = {
                let mut state = self.shared.lock();
                (state.stop, state.pending_switch.take())
            };
            if stop {
                break;
            }
            if let Some(new_spec) = switch {
                close(source.take());
                spec = new_spec;
                source_name = spec.to_string();
                attempt = 0;
                meter.clear();
                self.shared.update(|state| {
                    state.source_info = None;
                    state.fps = 0.0;
                    state.stats.skipped_by_source = 0;
                });
            }

            let Some(open) = source.as_mut() else {
                let opener = &mut self.opener;
                let opened = catch_unwind(AssertUnwindSafe(|| opener(&spec))).unwrap_or_else(|p| {
                    Err(CameraError::Backend {
                        device: spec.to_string(),
                        detail: format!("crashed while opening: {}", panic_text(&*p)),
                    })
                });
                match opened {
                    Ok(opened) => {
                        let info = opened.info();
                        source_name = info.name.clone();
                        tracing::info!("camera: opened {} ({}, {} fps)", info.name, info.resolution, info.fps);
                        self.shared.update(|state| {
                            state.stats.opens += 1;
                            state.source_info = Some(info);
                        });
                        source = Some(opened);
                    }
                    Err(error) => {
                        if let Next::Quit = self.fail(error, &mut attempt) {
                            break;
                        }
                    }
                }
                continue;
            };

            let grabbed = catch_unwind(AssertUnwindSafe(|| open.next_frame())).unwrap_or_else(|p| {
                Err(CameraError::Backend {
                    device: source_name.clone(),
                    detail: format!("crashed while reading a frame: {}", panic_text(&*p)),
                })
            });
            match grabbed {
                Ok(frame) => {
                    attempt = 0;
                    let skipped = open.skipped();
                    self.publish(frame, &source_name, skipped, &mut meter, &mut recorder);
                }
                Err(error) => {
                    close(source.take());
                    if let Next::Quit = self.fail(error, &mut attempt) {
                        break;
                    }
                }
            }
        }

        close(source.take());
        drop(recorder);
        self.shared.update(|state| {
            if let Some(recording) = &mut state.recording {
                recording.active = false;
            }
            state.status = Status::Stopped(StopReason::Requested);
        });
    }

    /// Reports `error`, then waits: for a retry after the backoff if the error is transient,
    /// otherwise until the user switches source or stops.
    fn fail(&mut self, error: CameraError, attempt: &mut u32) -> Next {
        let message = error.to_string();
        tracing::warn!("camera: {message}");
        let transient = error.is_transient();
        let delay = if transient {
            *attempt = attempt.saturating_add(1);
            Some(self.backoff.delay(*attempt))
        } else {
            None
        };
        let attempt = *attempt;
        self.shared.update(|state| {
            state.stats.failures += 1;
            state.source_info = None;
            state.fps = 0.0;
            state.status = match (&error, delay) {
                (CameraError::EndOfStream { source_name }, _) => {
                    Status::Stopped(StopReason::Finished { source: source_name.clone() })
                }
                (_, Some(delay)) => Status::Error { message, retry_at: Instant::now() + delay, attempt },
                (_, None) => Status::Stopped(StopReason::Failed { message }),
            };
        });
        self.shared.wait_for_command(delay);
        if self.shared.lock().stop { Next::Quit } else { Next::Continue }
    }

    fn publish(
        &self,
        frame: Frame,
        source_name: &str,
        skipped: u64,
        meter: &mut RateMeter,
        recorder: &mut Option<FolderRecorder>,
    ) {
        let transform = self.shared.lock().transform;
        let image = if transform.is_identity() {
            frame.image
        } else {
            let owned = Arc::try_unwrap(frame.image).unwrap_or_else(|shared| (*shared).clone());
            match transform.apply(owned) {
                Ok(image) => Arc::new(image),
                Err(e) => {
                    // Unreachable in practice: `set_transform` rejects the only failing case.
                    tracing::warn!("camera: {e}; frame dropped");
                    return;
                }
            }
        };
        meter.tick(frame.timestamp);
        let measured = meter.measured(frame.timestamp);
        let published = self.shared.update(|state| {
            state.stats.frames += 1;
            if state.latest.is_some() && !state.latest_taken {
                state.stats.dropped += 1;
            }
            state.stats.skipped_by_source = skipped;
            let fps = measured.or_else(|| state.source_info.as_ref().map(|i| i.fps)).unwrap_or(0.0);
            state.fps = measured.unwrap_or(0.0);
            state.status = Status::Running { source: source_name.to_owned(), fps };
            let frame = Frame { image, seq: state.stats.frames, timestamp: frame.timestamp };
            state.latest = Some(frame.clone());
            state.latest_taken = false;
            frame
        });
        // Recording commands are picked up here, not at the top of the loop, so that every
        // frame handed out after `start_recording` returns is written.
        {
            let mut state = self.shared.lock();
            if std::mem::take(&mut state.stop_recording) {
                *recorder = None;
            }
            if let Some(new) = state.new_recorder.take() {
                *recorder = Some(new);
            }
        }
        if let Some(writer) = recorder {
            let result = writer.record(&published.image);
            let written = writer.written();
            if let Err(e) = &result {
                tracing::warn!("camera: recording stopped: {e}");
                *recorder = None;
            }
            self.shared.update(|state| {
                if let Some(recording) = &mut state.recording {
                    recording.written = written;
                    if let Err(e) = result {
                        recording.active = false;
                        recording.error = Some(e.to_string());
                    }
                }
            });
        }
    }
}

/// Drops a source, containing a panic from its driver.
fn close(source: Option<Box<dyn FrameSource>>) {
    if let Some(source) = source {
        let name = source.info().name;
        if catch_unwind(AssertUnwindSafe(move || drop(source))).is_err() {
            tracing::warn!("camera: {name} panicked while closing");
        }
    }
}
