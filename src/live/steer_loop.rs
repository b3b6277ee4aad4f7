//! `pacnet steer`'s loop: camera frames through the [`FramePipeline`] to a [`SteerSink`], on
//! the calling thread, until the camera ends, the sink stops (Esc, a closed pipe), the frame
//! budget is spent, or `stop` is set (Ctrl-C).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::backbone::Backbone;
use crate::camera::{Clock, FrameReader};

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
}

/// Steers `sink` from `reader`'s frames. `max_frames` ends the run after that many frames.
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
    max_frames: Option<u64>,
) -> Result<SteerRun, String> {
    let mut run = SteerRun { frames: 0, steered: 0, reason: String::new() };
    let mut seq = 0;
    let outcome = loop {
        if stop.load(Ordering::Relaxed) {
            break Ok("stopped".to_owned());
        }
        if let Some(reason) = sink.poll() {
            break Ok(reason);
        }
        if max_frames.is_some_and(|m| run.frames >= m) {
            break Ok(format!("{} frames done", run.frames));
        }
        let Some(frame) = reader.wait_newer(seq, Duration::from_millis(100)) else {
            if reader.has_ended() {
                break Ok("the camera stopped".to_owned());
            }
            continue;
        };
        seq = frame.seq;
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
