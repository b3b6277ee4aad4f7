//! The steering flags `pacnet steer` and `pacnet play` share: every field of
//! [`SteerSettings`], with its default.

use clap::Args;

use crate::live::SteerSettings;

/// How predictions become steering (see the README's "Playability" for what each does and how
/// the defaults were chosen).
#[derive(Clone, Debug, Args)]
pub struct SteerFlags {
    /// Confidence the smoothed best class needs to steer (0–1).
    #[arg(long, default_value_t = SteerSettings::default().threshold)]
    pub threshold: f32,
    /// Weight of the past in the moving average of the probabilities (0–0.99).
    #[arg(long, default_value_t = SteerSettings::default().smoothing)]
    pub smoothing: f32,
    /// Hysteresis: another class takes over only when it leads the steering one by this much (0–1).
    #[arg(long, default_value_t = SteerSettings::default().margin)]
    pub margin: f32,
    /// Milliseconds a new direction must win before it steers.
    #[arg(long, default_value_t = SteerSettings::default().hold_ms)]
    pub hold_ms: u32,
    /// When unsure, keep sending the last direction (true) or none (false).
    #[arg(long, default_value_t = SteerSettings::default().hold_last, action = clap::ArgAction::Set)]
    pub hold_last: bool,
    /// Frames farther than this from every training example (in units of the examples' own
    /// spacing) count as unsure; 0 turns the check off.
    #[arg(long, default_value_t = SteerSettings::default().familiar)]
    pub familiar: f32,
    /// Frames farther from the training examples than this many times the recent frames that
    /// steered their class count as unsure (an empty view, the object leaving); 0 turns it off.
    #[arg(long, default_value_t = SteerSettings::default().familiar_rel)]
    pub familiar_rel: f32,
    /// Milliseconds without a confident frame after which the last direction is let go (0: never).
    #[arg(long, default_value_t = SteerSettings::default().release_ms)]
    pub release_ms: u32,
}

impl SteerFlags {
    /// The settings, checked.
    ///
    /// # Errors
    /// A value out of its range, naming the flag.
    pub fn settings(&self) -> anyhow::Result<SteerSettings> {
        let s = SteerSettings {
            threshold: self.threshold,
            smoothing: self.smoothing,
            margin: self.margin,
            hold_ms: self.hold_ms,
            hold_last: self.hold_last,
            familiar: self.familiar,
            familiar_rel: self.familiar_rel,
            release_ms: self.release_ms,
        };
        check(&s)?;
        Ok(s)
    }
}

/// Checks every range of `s`, naming the flag of the first one out of it.
///
/// # Errors
/// One line naming the flag and its range.
pub fn check(s: &SteerSettings) -> anyhow::Result<()> {
    let ranges = [
        ("--threshold", s.threshold, 0.0, 1.0),
        ("--smoothing", s.smoothing, 0.0, 0.99),
        ("--margin", s.margin, 0.0, 1.0),
        ("--familiar", s.familiar, 0.0, 1000.0),
        ("--familiar-rel", s.familiar_rel, 0.0, 100.0),
    ];
    for (flag, v, lo, hi) in ranges {
        if !(lo..=hi).contains(&v) {
            anyhow::bail!("{flag} {v}: expected {lo} to {hi}");
        }
    }
    for (flag, ms) in [("--hold-ms", s.hold_ms), ("--release-ms", s.release_ms)] {
        if ms > 60_000 {
            anyhow::bail!("{flag} {ms}: expected at most 60000 (a minute)");
        }
    }
    Ok(())
}
