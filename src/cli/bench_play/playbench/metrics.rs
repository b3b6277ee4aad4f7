//! What a closed-loop run is scored on, from its log of game ticks.
//!
//! A change of intent has two moments: the player starts moving the toy (`since`) and the new
//! pose is reached (`reached`), 150–400 ms later. The frames in between show the toy between
//! two poses and belong to no class; from `reached` on the camera shows the intent.
//!
//! - **Intent accuracy:** the share of game ticks on which the game was given exactly the
//!   player's intent, leaving out the movement and a grace window of [`GRACE`] after the pose
//!   is reached (for the pipeline's latency). "Keep going" counts as not the intent. The
//!   stricter variant counts from [`GRACE`] after the movement *started* (a controller slower
//!   than the hand then loses ticks even when it is steady).
//! - **Reaction:** per change of intent, from the moment the new pose was reached to the first
//!   tick from which the game is given the new direction for at least [`HELD`] (or until the
//!   intent changes again); negative when the head recognised the pose before the hand
//!   finished moving. A change never answered counts as longer than any other (a miss). A
//!   pose left again within [`HELD`] of being reached is not scored: nothing could answer it.
//! - **Misfires:** a direction the player did not ask for, given for at least [`HELD`]
//!   without a break. A direction still given after the intent moved on is lag, not a
//!   misfire, when it was the intent at some point of its run (reaction and accuracy measure
//!   lag).

use crate::game::Dir;

/// Left out of the accuracy after a new pose is reached, seconds.
pub const GRACE: f64 = 0.3;
/// How long a direction must be given to count as received (reaction) or as a misfire.
pub const HELD: f64 = 0.1;

/// One game tick of a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tick {
    /// Wall time of the tick, seconds.
    pub t: f64,
    /// The player's intent.
    pub intent: Dir,
    /// When that intent began (the movement towards it started), seconds.
    pub since: f64,
    /// When its pose was reached, seconds.
    pub reached: f64,
    /// What the game was given.
    pub given: Option<Dir>,
}

/// A run's scores.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    /// Ticks outside the movements and grace windows, and of those the ticks given the intent.
    pub counted: usize,
    /// See `counted`.
    pub correct: usize,
    /// The same from [`GRACE`] after each movement started.
    pub counted_strict: usize,
    /// See `counted_strict`.
    pub correct_strict: usize,
    /// Reaction per change of intent, milliseconds; `None` for a change never answered.
    pub reactions: Vec<Option<f64>>,
    /// Misfires.
    pub misfires: usize,
    /// Seconds of play scored.
    pub seconds: f64,
}

impl Scores {
    /// Scores a run's ticks (in time order).
    #[must_use]
    pub fn of(ticks: &[Tick]) -> Self {
        let mut s = Self::default();
        let (Some(first), Some(last)) = (ticks.first(), ticks.last()) else { return s };
        let step = ticks.get(1).map_or(0.0, |t| t.t - first.t);
        s.seconds = last.t - first.t + step;
        for t in ticks {
            let right = usize::from(t.given == Some(t.intent));
            if t.t >= t.reached + GRACE {
                s.counted += 1;
                s.correct += right;
            }
            if t.t >= t.since + GRACE {
                s.counted_strict += 1;
                s.correct_strict += right;
            }
        }
        // Segments of one intent; the first has no change before it.
        let mut starts: Vec<usize> = (1..ticks.len())
            .filter(|&i| ticks.get(i).map(|t| (t.intent, t.since)) != ticks.get(i - 1).map(|t| (t.intent, t.since)))
            .collect();
        starts.push(ticks.len());
        for w in starts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let seg = ticks.get(a..b).unwrap_or_default();
            // A pose left again less than HELD after it was reached (the player changed their
            // mind on the way, or the script took over) cannot be answered for HELD while it is
            // shown: no reaction to score for any controller.
            let left_at = ticks.get(b).map(|t| t.t);
            if let (Some(first), Some(left_at)) = (seg.first(), left_at)
                && left_at + 1e-9 < first.reached + HELD
            {
                continue;
            }
            s.reactions.push(reaction(seg, step));
        }
        s.misfires = misfires(ticks, step);
        s
    }

    /// Adds another run's scores to these.
    pub fn add(&mut self, other: &Self) {
        self.counted += other.counted;
        self.correct += other.correct;
        self.counted_strict += other.counted_strict;
        self.correct_strict += other.correct_strict;
        self.reactions.extend_from_slice(&other.reactions);
        self.misfires += other.misfires;
        self.seconds += other.seconds;
    }

    /// Intent accuracy (0–1).
    #[must_use]
    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.counted.max(1) as f64
    }

    /// Intent accuracy counted from [`GRACE`] after each movement started (0–1).
    #[must_use]
    pub fn accuracy_strict(&self) -> f64 {
        self.correct_strict as f64 / self.counted_strict.max(1) as f64
    }

    /// Misfires per minute.
    #[must_use]
    pub fn misfires_per_minute(&self) -> f64 {
        self.misfires as f64 * 60.0 / self.seconds.max(1e-9)
    }

    /// The `q` quantile (0–1, nearest rank) of the reactions in milliseconds; infinite when it
    /// falls on a change never answered, `None` without changes.
    #[must_use]
    pub fn reaction_quantile(&self, q: f64) -> Option<f64> {
        let mut r: Vec<f64> = self.reactions.iter().map(|r| r.unwrap_or(f64::INFINITY)).collect();
        if r.is_empty() {
            return None;
        }
        r.sort_by(f64::total_cmp);
        let rank = ((q * r.len() as f64).ceil() as usize).clamp(1, r.len());
        r.get(rank - 1).copied()
    }

    /// Changes of intent never answered.
    #[must_use]
    pub fn missed(&self) -> usize {
        self.reactions.iter().filter(|r| r.is_none()).count()
    }
}

/// The reaction within one segment `seg` (ticks of one intent), milliseconds. A direction
/// given until the segment ends counts however short.
fn reaction(seg: &[Tick], step: f64) -> Option<f64> {
    let first = seg.first()?;
    let want = Some(first.intent);
    let mut i = 0;
    while let Some(t) = seg.get(i) {
        if t.given == want {
            let run = seg.get(i..).unwrap_or_default().iter().take_while(|u| u.given == want).count();
            let end = seg.get(i + run);
            let lasted = seg.get(i + run - 1).map_or(0.0, |u| u.t - t.t + step);
            if lasted + 1e-9 >= HELD || end.is_none() {
                return Some((t.t - first.reached) * 1000.0);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

/// Runs of one wrong direction lasting [`HELD`] or more, except lag: a direction given
/// without a break since a tick on which it was the intent.
fn misfires(ticks: &[Tick], step: f64) -> usize {
    let mut count = 0;
    let mut i = 0;
    while let Some(t) = ticks.get(i) {
        let Some(d) = t.given.filter(|&d| d != t.intent) else {
            i += 1;
            continue;
        };
        let run = ticks.get(i..).unwrap_or_default().iter().take_while(|u| u.given == Some(d) && u.intent != d).count();
        let lasted = ticks.get(i + run - 1).map_or(0.0, |u| u.t - t.t + step);
        let lag =
            ticks.get(..i).unwrap_or_default().iter().rev().take_while(|u| u.given == Some(d)).any(|u| u.intent == d);
        if !lag && lasted + 1e-9 >= HELD {
            count += 1;
        }
        i += run.max(1);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ticks every 1/60 s: `plan` is (from second, intent, since, reached), `given` per tick.
    fn ticks(plan: &[(f64, Dir, f64, f64)], given: &[Option<Dir>]) -> Vec<Tick> {
        given
            .iter()
            .enumerate()
            .map(|(i, &g)| {
                let t = i as f64 / 60.0;
                let &(_, intent, since, reached) = plan.iter().rev().find(|p| p.0 <= t + 1e-9).unwrap_or(&plan[0]);
                Tick { t, intent, since, reached, given: g }
            })
            .collect()
    }

    #[test]
    fn a_clean_switch_scores_full_accuracy_and_its_reaction() {
        use Dir::*;
        // Up for 1 s, then left from 1 s (pose reached at 1.2 s), answered at 1.4 s.
        let plan = [(0.0, Up, 0.0, 0.0), (1.0, Left, 1.0, 1.2)];
        let given: Vec<Option<Dir>> = (0..120).map(|i| if i < 84 { Some(Up) } else { Some(Left) }).collect();
        let s = Scores::of(&ticks(&plan, &given));
        assert_eq!(s.misfires, 0, "the old direction right after a change is lag");
        // Counted from 1.5 s: all right. From 1.3 s: the 5 or 6 ticks before 1.4 s are not.
        assert_eq!(s.correct, s.counted);
        assert!((5..=6).contains(&(s.counted_strict - s.correct_strict)), "{s:?}");
        assert_eq!(s.reactions.len(), 1, "one change of intent");
        let r = s.reactions.first().copied().flatten().unwrap_or(f64::NAN);
        assert!((r - 200.0).abs() < 1.0, "reaction {r}");
        assert!((s.misfires_per_minute()).abs() < 1e-9);
    }

    #[test]
    fn a_direction_kept_through_two_changes_is_lag_and_one_passed_through_is_a_misfire() {
        use Dir::*;
        // Left, then up at 1 s, then right at 1.2 s; left is still given until 1.5 s (lag).
        let plan = [(0.0, Left, 0.0, 0.0), (1.0, Up, 1.0, 1.1), (1.2, Right, 1.2, 1.3)];
        let given: Vec<Option<Dir>> = (0..120).map(|i| if i < 90 { Some(Left) } else { Some(Right) }).collect();
        assert_eq!(Scores::of(&ticks(&plan, &given)).misfires, 0);
        // Left to right, passing down for 150 ms on the way: a misfire.
        let plan = [(0.0, Left, 0.0, 0.0), (1.0, Right, 1.0, 1.3)];
        let given: Vec<Option<Dir>> = (0..120)
            .map(|i| match i {
                0..66 => Some(Left),
                66..75 => Some(Down),
                _ => Some(Right),
            })
            .collect();
        assert_eq!(Scores::of(&ticks(&plan, &given)).misfires, 1);
    }

    #[test]
    fn a_wrong_turn_held_long_enough_is_a_misfire_and_a_blip_is_not() {
        use Dir::*;
        let plan = [(0.0, Up, 0.0, 0.0)];
        let mut given = vec![Some(Up); 120];
        // 3 ticks (50 ms) of right: a blip; 8 ticks (133 ms) of down: a misfire.
        for g in given.iter_mut().skip(30).take(3) {
            *g = Some(Right);
        }
        for g in given.iter_mut().skip(70).take(8) {
            *g = Some(Down);
        }
        let s = Scores::of(&ticks(&plan, &given));
        assert_eq!(s.misfires, 1);
        assert_eq!(s.counted - s.correct, 11, "every wrong tick costs accuracy");
        assert!((s.misfires_per_minute() - 30.0).abs() < 1e-6, "1 in 2 s");
    }

    #[test]
    fn a_pose_left_before_it_could_be_answered_is_not_scored() {
        use Dir::*;
        // Left is reached at 0.95 s and left at 1.0 s for down (reached 1.2 s, answered at once).
        let plan = [(0.0, Up, 0.0, 0.0), (0.7, Left, 0.7, 0.95), (1.0, Down, 1.0, 1.2)];
        let given: Vec<Option<Dir>> = (0..90).map(|i| if i < 72 { Some(Up) } else { Some(Down) }).collect();
        let s = Scores::of(&ticks(&plan, &given));
        assert_eq!((s.reactions.len(), s.missed()), (1, 0), "only down is scored: {s:?}");
        // Held 100 ms, it is scored, and missed.
        let plan = [(0.0, Up, 0.0, 0.0), (0.7, Left, 0.7, 0.9), (1.0, Down, 1.0, 1.2)];
        assert_eq!(Scores::of(&ticks(&plan, &given)).missed(), 1);
    }

    #[test]
    fn an_unanswered_change_is_a_miss_ranked_last() {
        use Dir::*;
        let plan = [(0.0, Up, 0.0, 0.0), (0.5, Left, 0.5, 0.7), (1.0, Down, 1.0, 1.2)];
        let given: Vec<Option<Dir>> = (0..90).map(|i| if i < 60 { Some(Up) } else { Some(Down) }).collect();
        let s = Scores::of(&ticks(&plan, &given));
        assert_eq!(s.missed(), 1, "left was never given");
        assert_eq!(s.reaction_quantile(1.0), Some(f64::INFINITY));
        // The down change was answered at 1.0 s, 200 ms before its pose was reached.
        let r = s.reaction_quantile(0.5).unwrap_or(f64::NAN);
        assert!((r + 200.0).abs() < 1.0, "median {r}");
    }
}
