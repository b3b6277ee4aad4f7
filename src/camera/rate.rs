//! Events per second over a sliding window: the capture thread's frame rate, and in `live` the
//! predictions per second and the UI's frames per second.
//!
//! It lives in `camera`, the lowest module that measures a rate, so that `live` (which may
//! import `camera`) shares it instead of keeping a second copy. Times are durations on a
//! [`Clock`](super::Clock) or a frame's timestamps, never wall-clock instants, so tests with a
//! manual clock see exact rates.

use std::collections::VecDeque;
use std::time::Duration;

/// Counts events per second over the last `window` of time, or over the last `count` events.
#[derive(Clone, Debug)]
pub struct RateMeter {
    window: Duration,
    count: usize,
    times: VecDeque<Duration>,
}

impl RateMeter {
    /// A meter over the events of the last `window` (the time it covers stays fixed, so a
    /// readout falls to 0 when events stop).
    #[must_use]
    pub fn over(window: Duration) -> Self {
        Self { window, count: usize::MAX, times: VecDeque::new() }
    }

    /// A meter over the last `count` events however far apart (a slow source still gets a
    /// rate; the capture thread's frame rate).
    #[must_use]
    pub fn last(count: usize) -> Self {
        Self { window: Duration::MAX, count: count.max(2), times: VecDeque::new() }
    }

    /// Notes one event at `now`. A time before the last one means a new clock (another camera
    /// source restarts its timestamps), so the meter starts over.
    pub fn tick(&mut self, now: Duration) {
        if self.times.back().is_some_and(|last| now < *last) {
            self.times.clear();
        }
        self.times.push_back(now);
        while self.times.len() > self.count || self.times.front().is_some_and(|t| now.saturating_sub(*t) > self.window)
        {
            self.times.pop_front();
        }
    }

    /// Events per second as of `now`; `None` before two events in the window, or when they
    /// all happened at the same time.
    #[must_use]
    pub fn measured(&self, now: Duration) -> Option<f32> {
        let mut recent = self.times.iter().filter(|t| now.saturating_sub(**t) <= self.window);
        let first = recent.next()?;
        let (n, last) = recent.fold((1_usize, first), |(n, _), t| (n + 1, t));
        let span = last.saturating_sub(*first).as_secs_f32();
        (n >= 2 && span > 0.0).then(|| (n - 1) as f32 / span)
    }

    /// Events per second as of `now`, 0 where [`measured`](Self::measured) has none.
    #[must_use]
    pub fn rate(&self, now: Duration) -> f32 {
        self.measured(now).unwrap_or(0.0)
    }

    /// Forgets every event (a new source).
    pub fn clear(&mut self) {
        self.times.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn a_time_window_counts_the_events_inside_it() {
        let t0 = Duration::from_secs(7);
        let mut m = RateMeter::over(Duration::from_secs(1));
        assert_eq!(m.rate(t0), 0.0);
        for i in 0..11 {
            m.tick(t0 + ms(50 * i));
        }
        // 11 events 50 ms apart: 20 per second.
        let r = m.rate(t0 + ms(500));
        assert!((r - 20.0).abs() < 1e-3, "{r}");
        // Long after, the window is empty.
        assert_eq!(m.rate(t0 + Duration::from_secs(5)), 0.0);
        assert_eq!(m.measured(t0 + Duration::from_secs(5)), None);
    }

    #[test]
    fn a_count_window_keeps_the_last_events_however_slow() {
        let mut m = RateMeter::last(4);
        assert_eq!(m.measured(ms(0)), None);
        m.tick(ms(0));
        assert_eq!(m.measured(ms(0)), None, "one event is no rate");
        // Two a second, then ten a second: only the last four events (three gaps) count.
        for t in [500, 1000, 1100, 1200, 1300] {
            m.tick(ms(t));
        }
        let r = m.measured(ms(1300)).unwrap_or_default();
        assert!((r - 10.0).abs() < 1e-3, "{r}");
        // A slow source: one frame every 2 s still reads 0.5 fps.
        let mut slow = RateMeter::last(16);
        for t in [0, 2000, 4000] {
            slow.tick(ms(t));
        }
        assert_eq!(slow.measured(ms(4000)), Some(0.5));
    }

    #[test]
    fn a_time_going_back_starts_over_and_equal_times_are_no_rate() {
        let mut m = RateMeter::last(16);
        for t in [1000, 1100, 1200] {
            m.tick(ms(t));
        }
        m.tick(ms(100));
        assert_eq!(m.measured(ms(100)), None, "the old source's times are gone");
        m.tick(ms(100));
        assert_eq!(m.measured(ms(100)), None, "two events at one time");
        m.tick(ms(200));
        let r = m.measured(ms(200)).unwrap_or_default();
        assert!((r - 20.0).abs() < 1e-3, "three events over 100 ms: {r}");
        m.clear();
        assert_eq!(m.measured(ms(200)), None);
    }
}
