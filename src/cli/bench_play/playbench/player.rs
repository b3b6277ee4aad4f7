//! The simulated player: holds the demo toy in the pose of the direction they want, and moves
//! it as a hand does when they change their mind.
//!
//! - **Reaction:** a change of the wanted direction is acted on 180–320 ms after the game
//!   showed it (a visual choice reaction); a newer change seen meanwhile replaces it.
//! - **Movement:** 150–400 ms from the pose held to the new one along a minimum-jerk path
//!   (Flash & Hogan 1985: s(τ) = 10τ³ − 15τ⁴ + 6τ⁵), through every pose in between; a tilt
//!   from −45° to +45° passes −15° and +15°, the other two classes.
//! - **Away:** at the end of a run the player takes the toy out of the picture (a hand lowered,
//!   the object put down) while still wanting Pac-Man to keep going their way.
//! - **Holding:** a slow wander (two sines per axis at 0.4 and 1.1 Hz; ±5 % of the frame in
//!   position, ±5° of tilt, ±6 % of size, as the few-shot sets' hands) plus a 9 Hz
//!   physiological tremor of about 2 pixels and 0.4°.
//!
//! All draws come from the player's own seeded generator, so a run repeats exactly.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::cli::bench_learn::fewshot::{FRAME, Task};
use crate::game::Dir;

/// A pose as the few-shot renderer takes it: offset from the frame centre in frame pixels
/// (x, y), clockwise tilt in degrees, height as a fraction of the frame height.
pub type Pose = (f32, f32, f32, f32);

/// The class index of the few-shot task whose pose stands for `dir`. Position: the toy held
/// up, down, left or right of the centre. Tilt: left −45°, up −15°, down +15°, right +45°.
#[must_use]
pub fn class_of(task: Task, dir: Dir) -> usize {
    match (task, dir) {
        (Task::Position, Dir::Up) | (Task::Tilt, Dir::Left) => 0,
        (Task::Position, Dir::Down) | (Task::Tilt, Dir::Up) => 1,
        (Task::Position, Dir::Left) | (Task::Tilt, Dir::Down) => 2,
        (Task::Position, Dir::Right) | (Task::Tilt, Dir::Right) => 3,
    }
}

/// The pose the player holds for `dir` in `task`, before the hand's wander.
#[must_use]
pub fn target(task: Task, dir: Dir) -> Pose {
    task.pose(class_of(task, dir))
}

/// Reaction delay range, seconds.
const REACTION: (f64, f64) = (0.18, 0.32);
/// Movement duration range, seconds.
const MOVEMENT: (f64, f64) = (0.15, 0.40);
/// Where the toy is when it is out of the picture: beyond the right edge of the canvas.
const AWAY: Pose = (0.95 * FRAME.0 as f32, 0.1 * FRAME.1 as f32, 0.0, 0.45);

/// One player.
#[derive(Clone, Debug)]
pub struct Player {
    task: Task,
    rng: ChaCha8Rng,
    /// The direction the player goes for now (the pose moved to or held).
    intent: Dir,
    /// When the movement towards it started, and when the pose was (or will be) reached.
    since: f64,
    reached: f64,
    /// The toy's current movement: from where, to where, when.
    from: Pose,
    to: Pose,
    moving: (f64, f64),
    /// The last wanted direction seen, and the pending reaction to it (due time, direction).
    seen: Option<Dir>,
    pending: Option<(f64, Dir)>,
    /// Wander phases: two per axis.
    phases: [f32; 8],
}

impl Player {
    /// A player holding the pose for `first` from time 0.
    #[must_use]
    pub fn new(task: Task, first: Dir, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x91a7_e400);
        let phases = [0; 8].map(|_| rng.random_range(0.0..std::f32::consts::TAU));
        let from = target(task, first);
        Self {
            task,
            rng,
            intent: first,
            since: 0.0,
            reached: 0.0,
            from,
            to: from,
            moving: (0.0, 0.0),
            seen: Some(first),
            pending: None,
            phases,
        }
    }

    /// The game shows that `wanted` is the way to go at time `now` (seconds); the player will
    /// act on it after their reaction delay.
    pub fn see(&mut self, now: f64, wanted: Option<Dir>) {
        if wanted == self.seen {
            return;
        }
        self.seen = wanted;
        if let Some(d) = wanted {
            let delay = self.rng.random_range(REACTION.0..=REACTION.1);
            self.pending = Some((now + delay, d));
        } else {
            self.pending = None;
        }
    }

    /// Starts the movement a reaction has become due for (call before [`pose`](Self::pose)
    /// at each step of time).
    pub fn act(&mut self, now: f64) {
        let Some((due, dir)) = self.pending else { return };
        if now < due {
            return;
        }
        self.pending = None;
        if dir == self.intent {
            return;
        }
        let duration = self.move_to(now, target(self.task, dir));
        self.intent = dir;
        self.since = now;
        self.reached = now + duration;
    }

    /// Takes the toy out of the picture (the intent stays).
    pub fn leave(&mut self, now: f64) {
        self.pending = None;
        self.move_to(now, AWAY);
    }

    /// Starts moving the toy to `to`; returns the movement's duration.
    fn move_to(&mut self, now: f64, to: Pose) -> f64 {
        let duration = self.rng.random_range(MOVEMENT.0..=MOVEMENT.1);
        self.from = self.base(now);
        self.to = to;
        self.moving = (now, now + duration);
        duration
    }

    /// Turns to `dir` at once, without a reaction delay (the scripted sequences, whose
    /// changes are the player's own decisions).
    pub fn decide(&mut self, now: f64, dir: Dir) {
        self.seen = Some(dir);
        self.pending = Some((now, dir));
        self.act(now);
    }

    /// The direction the player goes for.
    #[must_use]
    pub fn intent(&self) -> Dir {
        self.intent
    }

    /// When the movement towards the intent started (the intent's change, seconds).
    #[must_use]
    pub fn since(&self) -> f64 {
        self.since
    }

    /// When the intent's pose was or will be reached (seconds).
    #[must_use]
    pub fn reached(&self) -> f64 {
        self.reached
    }

    /// The pose at `now`: the movement's path or the held pose, plus wander and tremor.
    #[must_use]
    pub fn pose(&self, now: f64) -> Pose {
        let (x, y, tilt, height) = self.base(now);
        let t = now as f32;
        let wave = |i: usize| {
            let a = self.phases.get(i).copied().unwrap_or(0.0);
            let b = self.phases.get(i + 4).copied().unwrap_or(0.0);
            let tau = std::f32::consts::TAU;
            0.6 * (tau * 0.4 * t + a).sin() + 0.4 * (tau * 1.1 * t + b).sin()
        };
        let tremor = |i: usize| (std::f32::consts::TAU * 9.0 * t + self.phases.get(i).copied().unwrap_or(0.0)).sin();
        let px = 0.05 * FRAME.1 as f32;
        (
            x + px * wave(0) + 2.0 * tremor(1),
            y + px * wave(1) + 2.0 * tremor(2),
            tilt + 5.0 * wave(2) + 0.4 * tremor(3),
            height * (1.0 + 0.06 * wave(3)),
        )
    }

    /// The pose without the hand's wander.
    fn base(&self, now: f64) -> Pose {
        let (start, end) = self.moving;
        let to = self.to;
        if now >= end || end <= start {
            return to;
        }
        let tau = ((now - start) / (end - start)).clamp(0.0, 1.0) as f32;
        let s = tau * tau * tau * (10.0 - 15.0 * tau + 6.0 * tau * tau);
        let lerp = |a: f32, b: f32| a + (b - a) * s;
        (lerp(self.from.0, to.0), lerp(self.from.1, to.1), lerp(self.from.2, to.2), lerp(self.from.3, to.3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_acted_on_after_a_reaction_and_reached_after_a_movement() {
        let mut p = Player::new(Task::Tilt, Dir::Left, 3);
        p.see(1.0, Some(Dir::Right));
        p.act(1.1);
        assert_eq!(p.intent(), Dir::Left, "too soon to react");
        p.act(1.4);
        assert_eq!(p.intent(), Dir::Right);
        let (since, reached) = (p.since(), p.reached());
        assert!((1.18..=1.4).contains(&since) && (0.15..=0.4 + 1e-9).contains(&(reached - p.since())));
        // Half-way through the movement the toy is between the two tilts: near 0°.
        let mid = p.base(since + 0.5 * (reached - since)).2;
        assert!(mid.abs() < 1.0, "half-way tilt {mid}");
        assert_eq!(p.base(reached + 0.01), target(Task::Tilt, Dir::Right));
    }

    #[test]
    fn a_change_seen_and_undone_within_the_reaction_time_moves_nothing() {
        let mut p = Player::new(Task::Position, Dir::Up, 1);
        p.see(1.0, Some(Dir::Down));
        p.see(1.05, Some(Dir::Up));
        p.act(2.0);
        assert_eq!((p.intent(), p.since()), (Dir::Up, 0.0));
    }

    #[test]
    fn leaving_takes_the_toy_out_of_the_picture_and_keeps_the_intent() {
        let mut p = Player::new(Task::Position, Dir::Up, 2);
        p.leave(1.0);
        assert_eq!((p.intent(), p.since()), (Dir::Up, 0.0));
        let (x, ..) = p.pose(2.0);
        assert!(x > 0.5 * (0.5 * FRAME.0 as f32 + 0.4 * FRAME.1 as f32), "off the frame: {x}");
    }

    #[test]
    fn the_hand_wanders_a_little_around_the_pose() {
        let p = Player::new(Task::Position, Dir::Left, 5);
        let (x0, y0, ..) = target(Task::Position, Dir::Left);
        let most = (0..300).map(|i| p.pose(f64::from(i) * 0.01)).map(|(x, y, ..)| (x - x0).abs().max((y - y0).abs()));
        let most = most.fold(0.0f32, f32::max);
        assert!(most > 5.0 && most < 0.06 * FRAME.1 as f32, "wander {most} px");
    }
}
