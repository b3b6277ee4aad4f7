//! Recording a given number of pictures from a running capture at a steady pace, the way the
//! Record panel takes examples while a button is held, for `pacnet record`.

use std::path::Path;
use std::time::{Duration, Instant};

use super::capture::{Capture, CaptureStatus};
use super::error::CameraError;
use super::folder::FolderRecorder;

/// Picks frames at most `per_second` by their own timestamps, so a slow machine takes fewer
/// frames rather than two that are nearly the same.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    period: Duration,
    last: Option<Duration>,
}

impl Pace {
    /// A pace of `per_second` (clamped to 0.1 – 120).
    #[must_use]
    pub fn new(per_second: f32) -> Self {
        Self { period: Duration::from_secs_f32(1.0 / per_second.clamp(0.1, 120.0)), last: None }
    }

    /// Whether the frame stamped `timestamp` is due, and if so, takes it. 2 ms of slack keeps a
    /// camera at exactly 10 frames a second from losing every other frame to jitter; a timestamp
    /// going backwards (a reopened source restarts its clock) is always due.
    pub fn take(&mut self, timestamp: Duration) -> bool {
        let due =
            self.last.is_none_or(|last| timestamp < last || timestamp - last + Duration::from_millis(2) >= self.period);
        if due {
            self.last = Some(timestamp);
        }
        due
    }
}

/// How [`record_paced`] records.
#[derive(Clone, Copy, Debug)]
pub struct PacedRecording {
    /// Pictures to write.
    pub count: u64,
    /// At most this many a second (the Record panel's default is 10).
    pub per_second: f32,
    /// Give up when no new frame has come for this long although the capture reports no error
    /// (a source stuck while opening).
    pub patience: Duration,
}

/// Writes `plan.count` frames of `capture` into `recorder` at `plan.per_second`, calling
/// `progress` with the number written and the file after each one.
///
/// Stops at the first failure instead of waiting for the capture's retry: a headless recording
/// should end with the reason, and every picture taken until then is already saved (each file
/// is written under a temporary name and renamed).
///
/// # Errors
/// [`CameraError::RecordingInterrupted`] naming the source's error (or the failed write), how
/// many pictures were saved and where.
pub fn record_paced(
    capture: &Capture,
    recorder: &mut FolderRecorder,
    plan: PacedRecording,
    progress: &mut dyn FnMut(u64, &Path),
) -> Result<(), CameraError> {
    let interrupted = |cause: String, recorder: &FolderRecorder| CameraError::RecordingInterrupted {
        cause,
        written: recorder.written(),
        wanted: plan.count,
        dir: recorder.dir().to_path_buf(),
    };
    let mut pace = Pace::new(plan.per_second);
    let mut seq = 0;
    let mut last_frame = Instant::now();
    while recorder.written() < plan.count {
        if let Some(frame) = capture.wait_newer(seq, Duration::from_millis(50)) {
            seq = frame.seq;
            last_frame = Instant::now();
            if pace.take(frame.timestamp) {
                let path = recorder.record(&frame.image).map_err(|e| interrupted(e.to_string(), recorder))?;
                progress(recorder.written(), &path);
            }
            continue;
        }
        // Nothing new: every frame published before a failure has been taken by now.
        match capture.status() {
            CaptureStatus::Error { message, .. } => return Err(interrupted(message, recorder)),
            CaptureStatus::Stopped(reason) => return Err(interrupted(reason.to_string(), recorder)),
            CaptureStatus::Starting { source } | CaptureStatus::Running { source, .. }
                if last_frame.elapsed() > plan.patience =>
            {
                let waited = last_frame.elapsed().as_secs_f32();
                return Err(interrupted(format!("{source} sent no picture for {waited:.0} s"), recorder));
            }
            CaptureStatus::Starting { .. } | CaptureStatus::Running { .. } => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_takes_every_third_frame_of_a_30_fps_camera_at_10_a_second() {
        let mut pace = Pace::new(10.0);
        let taken: Vec<u64> = (0..30u64).filter(|k| pace.take(Duration::from_micros(k * 1_000_000 / 30))).collect();
        assert_eq!(taken, [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
        assert!(pace.take(Duration::ZERO), "a restarted clock is due at once");
    }

    #[test]
    fn pace_at_exactly_the_camera_rate_keeps_every_frame_despite_jitter() {
        let mut pace = Pace::new(10.0);
        let times = [0, 99, 200, 299, 401];
        assert!(times.iter().all(|&ms| pace.take(Duration::from_millis(ms))));
    }
}
