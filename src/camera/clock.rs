//! Injectable time, so rate and timestamp tests do not depend on how busy the machine is.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A source of "now" that sources pace themselves by.
///
/// Times are durations since the clock's own origin; a source subtracts the time it was opened to
/// stamp its frames.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Time since the clock's origin.
    fn now(&self) -> Duration;
    /// Blocks until [`now`](Clock::now) reaches `deadline` (returns at once if it already has).
    fn sleep_until(&self, deadline: Duration);
}

/// The real, monotonic clock.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose origin is now.
    #[must_use]
    pub fn new() -> Self {
        Self { origin: Instant::now() }
    }

    /// A shareable system clock, the default for every source.
    #[must_use]
    pub fn shared() -> Arc<dyn Clock> {
        Arc::new(Self::new())
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn sleep_until(&self, deadline: Duration) {
        let now = self.now();
        if deadline > now {
            std::thread::sleep(deadline - now);
        }
    }
}

/// A clock that only moves when told to, for tests.
///
/// `sleep_until` jumps straight to the deadline instead of waiting, so a source paced at 25 fps
/// stamps its frames exactly 40 ms apart and runs as fast as the CPU allows.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: Mutex<Duration>,
}

impl ManualClock {
    /// A clock standing at zero.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A shareable manual clock standing at zero.
    #[must_use]
    pub fn shared() -> Arc<Self> {
        Arc::new(Self::new())
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn sleep_until(&self, deadline: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        if deadline > *now {
            *now = deadline;
        }
    }
}

/// A clock that moves only when the test says, and whose sleepers wait for it.
///
/// Unlike [`ManualClock`], `sleep_until` blocks until [`advance`](Self::advance) has moved
/// the clock far enough, so a camera paced at 30 fps delivers exactly one frame per 33.3 ms
/// the test advances, and a game thread ticks exactly as often as the test lets time pass.
/// A sleeper also returns after a few seconds of real time without any advance, so threads
/// left behind by a finished test do not wait forever.
#[derive(Debug, Default)]
pub struct SteppedClock {
    now: Mutex<Duration>,
    moved: Condvar,
}

impl SteppedClock {
    /// How long a sleeper waits for an advance before giving up.
    pub const GIVE_UP: Duration = Duration::from_secs(5);

    /// A shareable clock standing at zero.
    #[must_use]
    pub fn shared() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Moves the clock forward by `by` and wakes every sleeper that is due.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
        self.moved.notify_all();
    }
}

impl Clock for SteppedClock {
    fn now(&self) -> Duration {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn sleep_until(&self, deadline: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        while *now < deadline {
            let (guard, timeout) = self.moved.wait_timeout(now, Self::GIVE_UP).unwrap_or_else(PoisonError::into_inner);
            now = guard;
            if timeout.timed_out() {
                return;
            }
        }
    }
}

/// Hands out frame times at a fixed rate, for sources that have no hardware to pace them.
///
/// The first frame is due at once and each next one a period later. A source that falls more
/// than a period behind (a slow disk, a paused debugger) starts a fresh schedule rather than
/// bursting frames to catch up, the way a live camera would drop them.
#[derive(Debug)]
pub(crate) struct Pacer {
    clock: Arc<dyn Clock>,
    origin: Duration,
    period: Duration,
    next_due: Option<Duration>,
}

impl Pacer {
    /// A pacer for `fps` frames a second on `clock`, whose time zero is now.
    pub(crate) fn new(clock: Arc<dyn Clock>, fps: f64) -> Self {
        let origin = clock.now();
        let period = Duration::from_secs_f64(1.0 / fps.max(f64::MIN_POSITIVE));
        Self { clock, origin, period, next_due: None }
    }

    /// Waits for the next frame to be due and returns its timestamp (time since the pacer began).
    pub(crate) fn wait(&mut self) -> Duration {
        let now = self.clock.now();
        let due = match self.next_due {
            Some(due) if due + self.period >= now => due,
            // First frame, or more than a period late: start the schedule from now.
            _ => now,
        };
        self.clock.sleep_until(due);
        self.next_due = Some(due + self.period);
        due.saturating_sub(self.origin)
    }
}
