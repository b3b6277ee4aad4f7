//! `pacnet steer`'s loop: camera frames through the [`FramePipeline`] to a [`SteerSink`], on
//! the calling thread, until the camera ends or stalls, the sink stops (Esc, a closed pipe), the
//! frame budget is spent, or `stop` is set (Ctrl-C).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::backbone::Backbone;
use crate::camera::{Clock, FrameReader};

use super::error::LiveError;
use super::pipeline::FramePipeline;
use super::sink::{SteerDecision, SteerSink};

/// How a steering run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SteerRun {
    /// Frames that went through the pipeline.
    pub frames: u64,
    /// Frames whose decision steered somewhere (not "keep going").
    pub steered: u64,
    /// Why the run ended, one line.
    pub reason: String,
    /// The run ended because no frame came for [`SteerLimits::stall`].
    pub stalled: bool,
}

/// When a steering run ends by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SteerLimits {
    /// End after this many frames.
    pub max_frames: Option<u64>,
    /// End when no new frame came for this long (a camera missing, busy or unplugged).
    pub stall: Duration,
}

/// Steers `sink` from `reader`'s frames until one of `limits` (or the above) ends the run.
///
/// # Errors
/// A frame the backbone or head cannot take, as one line.
pub fn run_steering(
    backbone: &Backbone,
    pipeline: &mut FramePipeline,
    reader: &FrameReader,
    sink: &mut dyn SteerSink,
    clock: &dyn Clock,
    stop: &AtomicBool,
    limits: SteerLimits,
) -> Result<SteerRun, LiveError> {
    let mut run = SteerRun { frames: 0, steered: 0, reason: String::new(), stalled: false };
    let mut seq = 0;
    let mut last_frame = std::time::Instant::now();
    let outcome = loop {
        if stop.load(Ordering::Relaxed) {
            break Ok("stopped".to_owned());
        }
        if let Some(reason) = sink.poll() {
            break Ok(reason);
        }
        if limits.max_frames.is_some_and(|m| run.frames >= m) {
            break Ok(format!("{} frames done", run.frames));
        }
        let Some(frame) = reader.wait_newer(seq, Duration::from_millis(100)) else {
            if reader.has_ended() {
                break Ok("the camera stopped".to_owned());
            }
            if last_frame.elapsed() >= limits.stall {
                run.stalled = true;
                break Ok(format!("no frame for {:.0} s", limits.stall.as_secs_f64()));
            }
            continue;
        };
        seq = frame.seq;
        last_frame = std::time::Instant::now();
        let at = clock.now();
        let result = match pipeline.process(backbone, &frame.image, frame.timestamp) {
            Ok(r) => r,
            Err(e) => break Err(e),
        };
        run.frames += 1;
        let decision = result.prediction.map(|p| SteerDecision {
            at,
            class: p.best_class().to_owned(),
            confidence: p.decision.confidence,
            dir: p.decision.dir,
            steering: p.steering(),
        });
        if decision.as_ref().is_some_and(|d| d.dir.is_some()) {
            run.steered += 1;
        }
        sink.decide(decision.as_ref());
    };
    sink.stop();
    run.reason = outcome?;
    Ok(run)
}
