//! Small meters for the numbers the app shows about itself: smoothed durations, and the UI's
//! own frame rate and frame time (events per second: [`RateMeter`], shared with the camera).

use std::collections::VecDeque;
use std::time::Duration;

use crate::camera::RateMeter;

/// A running mean that favours recent values (for latency readouts that should not jump).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Ema {
    value: Option<f32>,
}

impl Ema {
    /// Blends in `x` with weight 0.1 (the first value is taken as is).
    pub fn push(&mut self, x: f32) {
        if !x.is_finite() {
            return;
        }
        self.value = Some(match self.value {
            Some(v) => 0.9 * v + 0.1 * x,
            None => x,
        });
    }

    /// The current mean, `None` before the first value.
    #[must_use]
    pub fn get(&self) -> Option<f32> {
        self.value
    }
}

/// The UI thread's frame rate and the time its own code takes per frame (worker results in,
/// panels drawn, commands applied; egui's tessellation and the GPU upload come after).
#[derive(Clone, Debug)]
pub struct FrameStats {
    rate: RateMeter,
    recent_ms: VecDeque<f32>,
    /// Whole frames as eframe measures them (the app's code, egui's layout and tessellation,
    /// and rendering; not the wait for vsync).
    whole_ms: VecDeque<f32>,
    last_log: Option<Duration>,
}

impl Default for FrameStats {
    fn default() -> Self {
        Self {
            rate: RateMeter::over(Duration::from_secs(1)),
            recent_ms: VecDeque::new(),
            whole_ms: VecDeque::new(),
            last_log: None,
        }
    }
}

impl FrameStats {
    /// Frames kept for the percentiles (10 s at 60 fps).
    const KEEP: usize = 600;

    /// Notes a frame that ended at `now` after `took` of the app's code.
    pub fn frame(&mut self, now: Duration, took: Duration) {
        self.rate.tick(now);
        if self.recent_ms.len() == Self::KEEP {
            self.recent_ms.pop_front();
        }
        self.recent_ms.push_back(took.as_secs_f32() * 1000.0);
    }

    /// Notes the CPU time eframe measured for the whole previous frame.
    pub fn whole_frame(&mut self, seconds: f32) {
        if self.whole_ms.len() == Self::KEEP {
            self.whole_ms.pop_front();
        }
        self.whole_ms.push_back(seconds * 1000.0);
    }

    /// Frames per second over the last second.
    #[must_use]
    pub fn fps(&self, now: Duration) -> f32 {
        self.rate.rate(now)
    }

    /// The `q` quantile (0–1) of the recent frame times, milliseconds.
    #[must_use]
    pub fn quantile_ms(&self, q: f32) -> f32 {
        quantile(&self.recent_ms, q)
    }

    /// The `q` quantile of the whole-frame CPU times, milliseconds (0 without any).
    #[must_use]
    pub fn whole_quantile_ms(&self, q: f32) -> f32 {
        quantile(&self.whole_ms, q)
    }

    /// A one-line summary every `every` (for the log), else `None`.
    pub fn summary_every(&mut self, now: Duration, every: Duration) -> Option<String> {
        let due = self.last_log.is_none_or(|t| now.saturating_sub(t) >= every);
        if !due || self.recent_ms.is_empty() {
            return None;
        }
        self.last_log = Some(now);
        Some(format!(
            "ui: {:.1} fps; app code per frame median {:.2} ms, p99 {:.2} ms, max {:.2} ms; whole frame (layout + rendering) median {:.2} ms, p99 {:.2} ms; over the last {} frames",
            self.fps(now),
            self.quantile_ms(0.5),
            self.quantile_ms(0.99),
            self.quantile_ms(1.0),
            self.whole_quantile_ms(0.5),
            self.whole_quantile_ms(0.99),
            self.recent_ms.len()
        ))
    }
}

fn quantile(values: &VecDeque<f32>, q: f32) -> f32 {
    let mut v: Vec<f32> = values.iter().copied().collect();
    v.sort_by(f32::total_cmp);
    let i = ((v.len().saturating_sub(1)) as f32 * q.clamp(0.0, 1.0)).round() as usize;
    v.get(i).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ema_starts_at_the_first_value_and_ignores_nan() {
        let mut e = Ema::default();
        assert_eq!(e.get(), None);
        e.push(10.0);
        e.push(f32::NAN);
        assert_eq!(e.get(), Some(10.0));
        e.push(20.0);
        assert_eq!(e.get(), Some(11.0));
    }

    #[test]
    fn frame_stats_give_rate_and_quantiles() {
        let t0 = Duration::from_secs(3);
        let mut f = FrameStats::default();
        for i in 0..61u64 {
            f.frame(t0 + Duration::from_micros(i * 16_667), Duration::from_micros(1000 + i * 10));
        }
        let now = t0 + Duration::from_millis(1000);
        assert!((f.fps(now) - 60.0).abs() < 0.5, "{}", f.fps(now));
        assert!((f.quantile_ms(0.5) - 1.3).abs() < 1e-3, "{}", f.quantile_ms(0.5));
        assert!((f.quantile_ms(1.0) - 1.6).abs() < 1e-3);
        assert!(f.summary_every(now, Duration::from_secs(5)).is_some());
        assert!(f.summary_every(now, Duration::from_secs(5)).is_none(), "not again within 5 s");
    }
}
