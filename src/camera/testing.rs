//! A scripted frame source for tests of the capture thread and of code built on it (the UI's
//! status display, for instance): it can be unplugged, made busy, made to fail or panic, and
//! held so that frames come only when a test allows them.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use image::RgbImage;

use super::capture::Opener;
use super::clock::{Clock, Pacer};
use super::error::CameraError;
use super::frame::{Frame, Resolution};
use super::source::{FrameSource, SourceInfo, SourceKind};

/// The device name the fault-injecting source reports in its errors.
pub const TEST_DEVICE: &str = "test camera";

#[derive(Debug, Default)]
struct PlanState {
    unplugged: bool,
    open_failures: VecDeque<CameraError>,
    frame_failures: VecDeque<CameraError>,
    panic_next_frame: bool,
    permits: Option<u64>,
    opens: u64,
    live: u64,
    frames: u64,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<PlanState>,
    changed: Condvar,
    clock: Arc<dyn Clock>,
    resolution: Resolution,
    fps: f32,
}

/// The script shared by a test and the [`FaultySource`]s it opens. Cloning shares the script.
#[derive(Clone, Debug)]
pub struct FaultPlan {
    inner: Arc<Inner>,
}

impl FaultPlan {
    /// A plan whose sources make `resolution` frames at `fps` on `clock`, with no faults yet.
    #[must_use]
    pub fn new(resolution: Resolution, fps: f32, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(PlanState::default()),
                changed: Condvar::new(),
                clock,
                resolution,
                fps,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PlanState> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn change(&self, f: impl FnOnce(&mut PlanState)) {
        f(&mut self.lock());
        self.inner.changed.notify_all();
    }

    /// An [`Opener`] for [`Capture::start_with_opener`](super::Capture::start_with_opener) that
    /// ignores the spec and opens a [`FaultySource`] under this plan.
    #[must_use]
    pub fn opener(&self) -> Opener {
        let plan = self.clone();
        Box::new(move |_spec| Ok(Box::new(plan.open()?) as Box<dyn FrameSource>))
    }

    /// Opens a source, or fails as scripted: [`CameraError::NotFound`] while unplugged, else
    /// the next error queued by [`fail_opens`](FaultPlan::fail_opens).
    ///
    /// # Errors
    /// As scripted.
    pub fn open(&self) -> Result<FaultySource, CameraError> {
        let mut state = self.lock();
        if state.unplugged {
            return Err(CameraError::NotFound { device: TEST_DEVICE.to_owned() });
        }
        if let Some(error) = state.open_failures.pop_front() {
            return Err(error);
        }
        state.opens += 1;
        state.live += 1;
        Ok(FaultySource {
            plan: self.clone(),
            pacer: Pacer::new(self.inner.clock.clone(), f64::from(self.inner.fps)),
            seq: 0,
        })
    }

    /// From now on, reading fails with [`CameraError::Disconnected`] and opening with
    /// [`CameraError::NotFound`].
    pub fn unplug(&self) {
        self.change(|s| s.unplugged = true);
    }

    /// Undoes [`unplug`](FaultPlan::unplug).
    pub fn replug(&self) {
        self.change(|s| s.unplugged = false);
    }

    /// The next opens fail with these errors, one each.
    pub fn fail_opens(&self, errors: impl IntoIterator<Item = CameraError>) {
        self.change(|s| s.open_failures.extend(errors));
    }

    /// The next read fails with `error`.
    pub fn fail_next_frame(&self, error: CameraError) {
        self.change(|s| s.frame_failures.push_back(error));
    }

    /// The next read panics, as a buggy driver might.
    pub fn panic_on_next_frame(&self) {
        self.change(|s| s.panic_next_frame = true);
    }

    /// Sources stop delivering until [`allow`](FaultPlan::allow) or
    /// [`release`](FaultPlan::release).
    pub fn hold(&self) {
        self.change(|s| s.permits = Some(0));
    }

    /// Lets `n` more frames through a [`hold`](FaultPlan::hold).
    pub fn allow(&self, n: u64) {
        self.change(|s| s.permits = Some(s.permits.unwrap_or(0) + n));
    }

    /// Ends a hold: frames flow freely again.
    pub fn release(&self) {
        self.change(|s| s.permits = None);
    }

    /// Successful opens so far.
    #[must_use]
    pub fn opens(&self) -> u64 {
        self.lock().opens
    }

    /// Sources opened and not yet dropped.
    #[must_use]
    pub fn live_sources(&self) -> u64 {
        self.lock().live
    }

    /// Frames delivered by all sources of this plan.
    #[must_use]
    pub fn frames_served(&self) -> u64 {
        self.lock().frames
    }
}

/// A source under a [`FaultPlan`]. Its frames are flat colour with the frame's own `seq` in the
/// red (low byte) and green (high byte) channels, so a test can tell which frame it got.
#[derive(Debug)]
pub struct FaultySource {
    plan: FaultPlan,
    pacer: Pacer,
    seq: u64,
}

impl FrameSource for FaultySource {
    fn info(&self) -> SourceInfo {
        SourceInfo {
            name: TEST_DEVICE.to_owned(),
            kind: SourceKind::Test,
            resolution: self.plan.inner.resolution,
            fps: self.plan.inner.fps,
        }
    }

    #[allow(clippy::panic, reason = "fault injection: stands in for a driver that panics")]
    fn next_frame(&mut self) -> Result<Frame, CameraError> {
        let mut state = self.plan.lock();
        loop {
            if state.panic_next_frame {
                state.panic_next_frame = false;
                drop(state);
                panic!("injected driver panic in {TEST_DEVICE}");
            }
            if state.unplugged {
                return Err(CameraError::Disconnected {
                    device: TEST_DEVICE.to_owned(),
                    detail: "unplugged by the test".to_owned(),
                });
            }
            if let Some(error) = state.frame_failures.pop_front() {
                return Err(error);
            }
            match state.permits {
                None => break,
                Some(n) if n > 0 => {
                    state.permits = Some(n - 1);
                    break;
                }
                Some(_) => {
                    state = self
                        .plan
                        .inner
                        .changed
                        .wait_timeout(state, Duration::from_millis(50))
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
            }
        }
        state.frames += 1;
        drop(state);
        let timestamp = self.pacer.wait();
        let Resolution { width, height } = self.plan.inner.resolution;
        let [lo, hi, ..] = self.seq.to_le_bytes();
        let image = RgbImage::from_pixel(width, height, image::Rgb([lo, hi, 77]));
        let frame = Frame::new(image, self.seq, timestamp);
        self.seq += 1;
        Ok(frame)
    }
}

impl Drop for FaultySource {
    fn drop(&mut self) {
        let mut state = self.plan.lock();
        state.live = state.live.saturating_sub(1);
    }
}
