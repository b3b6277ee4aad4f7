//! Where steering decisions go: the built-in game, key presses for whatever window has the
//! focus, or lines on stdout for scripts. The feature worker (and `pacnet steer`) call one
//! [`SteerSink`] per frame; the sink decides what to do with a direction.

use std::io::Write;
use std::time::Duration;

use crate::game::Dir;

use super::Slot;

/// One frame's decision.
#[derive(Clone, Debug, PartialEq)]
pub struct SteerDecision {
    /// When the frame was picked up (the runtime's clock, from its start).
    pub at: Duration,
    /// The most likely class after smoothing.
    pub class: String,
    /// Its smoothed probability.
    pub confidence: f32,
    /// Where to steer; `None` keeps going (below the threshold, or the idle class).
    pub dir: Option<Dir>,
    /// The class steering now (any class, a direction or not) and its smoothed probability:
    /// what key bindings follow. `None` while nothing steers.
    pub steering: Option<(String, f32)>,
}

/// Something that acts on steering decisions.
pub trait SteerSink: Send {
    /// The newest frame's decision; `None` when nothing predicts (no head, or one trained at
    /// another cut).
    fn decide(&mut self, decision: Option<&SteerDecision>);

    /// Checked between frames (at least every 100 ms): `Some(reason)` when the sink has to
    /// stop on its own, e.g. the user pressed Esc.
    fn poll(&mut self) -> Option<String> {
        None
    }

    /// Stops at once: releases whatever it holds. Called before a sink is replaced and when
    /// the worker ends.
    fn stop(&mut self);
}

/// What [`GameSink`] hands the game thread: the direction, with when its frame was picked up.
#[derive(Clone, Copy, Debug)]
pub struct GameSteer {
    /// `None`: keep going.
    pub dir: Option<Dir>,
    /// When the worker took the frame this came from (the runtime's clock).
    pub picked: Duration,
}

/// Steers the built-in game: the game thread reads the newest decision from a slot.
pub struct GameSink {
    slot: Slot<GameSteer>,
}

impl GameSink {
    /// A sink writing into `slot`.
    #[must_use]
    pub fn new(slot: Slot<GameSteer>) -> Self {
        Self { slot }
    }
}

impl SteerSink for GameSink {
    fn decide(&mut self, decision: Option<&SteerDecision>) {
        match decision {
            Some(d) => self.slot.put(GameSteer { dir: d.dir, picked: d.at }),
            None => self.slot.clear(),
        }
    }

    fn stop(&mut self) {
        self.slot.clear();
    }
}

/// One line per decision for scripts: seconds since start, class, confidence, and the
/// direction steered (`-` for keep going), tab separated.
pub struct PrintSink<W: Write + Send> {
    out: W,
    failed: Option<String>,
}

impl<W: Write + Send> PrintSink<W> {
    /// A sink writing to `out` (stdout for `pacnet steer --print`).
    pub fn new(out: W) -> Self {
        Self { out, failed: None }
    }

    /// The line printed for `d`.
    #[must_use]
    pub fn line(d: &SteerDecision) -> String {
        let dir = d.dir.map_or("-", dir_name);
        format!("{:.3}\t{}\t{:.3}\t{dir}", d.at.as_secs_f64(), d.class, d.confidence)
    }
}

impl<W: Write + Send> SteerSink for PrintSink<W> {
    fn decide(&mut self, decision: Option<&SteerDecision>) {
        let Some(d) = decision else { return };
        if self.failed.is_some() {
            return;
        }
        if let Err(e) = writeln!(self.out, "{}", Self::line(d)).and_then(|()| self.out.flush()) {
            self.failed = Some(if e.kind() == std::io::ErrorKind::BrokenPipe {
                "the output was closed".to_owned()
            } else {
                format!("could not write a decision: {e}")
            });
        }
    }

    fn poll(&mut self) -> Option<String> {
        self.failed.clone()
    }

    fn stop(&mut self) {
        let _ = self.out.flush();
    }
}

/// `up`, `down`, `left` or `right`.
#[must_use]
pub fn dir_name(d: Dir) -> &'static str {
    match d {
        Dir::Up => "up",
        Dir::Down => "down",
        Dir::Left => "left",
        Dir::Right => "right",
    }
}

pub use super::keysink::{Bound, KeyBackend, KeyBindings, KeySink};
pub use crate::learn::KeyMode;
