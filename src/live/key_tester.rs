//! The key tester: what a game would receive from a profile, shown in the app and sent nowhere.
//!
//! It is a [`KeyBackend`] behind an ordinary [`KeySink`], so thresholds, hold and tap, shared
//! keys and cooldowns behave exactly as when keys really go out; only the last step differs:
//! each press lands in a shared [`TesterState`] (the keys held, when each was last tapped, the
//! last [`LOG_LEN`] events) that the Play panel draws. The feature worker runs it beside the
//! real sink ([`super::FeatureCmd::Tester`]), so the built-in game keeps playing meanwhile.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::camera::Clock;
use crate::learn::Press;

use super::keys::KeysError;
use super::keysink::{KeyBackend, KeyBindings, KeySink};

/// How many events the log keeps.
pub const LOG_LEN: usize = 10;

/// What happened to a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAction {
    /// Pressed and held.
    Down,
    /// Released.
    Up,
    /// Pressed and released at once.
    Tap,
}

/// One event in the tester's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEvent {
    /// When (the runtime's clock).
    pub at: Duration,
    /// The key or button.
    pub press: Press,
    /// What happened.
    pub action: KeyAction,
}

impl KeyEvent {
    /// `space down`, `space up`, `a tap`.
    #[must_use]
    pub fn text(&self) -> String {
        let action = match self.action {
            KeyAction::Down => "down",
            KeyAction::Up => "up",
            KeyAction::Tap => "tap",
        };
        format!("{} {action}", self.press.name())
    }
}

/// What the tester has seen so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TesterState {
    /// The profile being tested.
    pub profile: String,
    /// Every key or button the profile presses, with the classes bound to it, in the order
    /// the profile lists them.
    pub caps: Vec<(Press, Vec<String>)>,
    /// Held down now.
    pub held: BTreeSet<Press>,
    /// When each key was last tapped.
    pub tapped: BTreeMap<Press, Duration>,
    /// The last [`LOG_LEN`] events, oldest first.
    pub log: VecDeque<KeyEvent>,
}

/// A handle on one tester's state; clones share it.
#[derive(Clone, Debug)]
pub struct KeyTester {
    state: Arc<Mutex<TesterState>>,
    clock: Arc<dyn Clock>,
}

impl KeyTester {
    /// A tester for `bindings` (of the profile called `profile`), stamping events by `clock`.
    #[must_use]
    pub fn new(profile: &str, bindings: &KeyBindings, clock: Arc<dyn Clock>) -> Self {
        let mut caps: Vec<(Press, Vec<String>)> = Vec::new();
        for b in &bindings.0 {
            let Some(press) = b.press else { continue };
            match caps.iter_mut().find(|(p, _)| *p == press) {
                Some((_, classes)) => classes.push(b.class.clone()),
                None => caps.push((press, vec![b.class.clone()])),
            }
        }
        let state = TesterState { profile: profile.to_owned(), caps, ..TesterState::default() };
        Self { state: Arc::new(Mutex::new(state)), clock }
    }

    /// A sink pressing `bindings` into this tester (hand it to the feature worker).
    #[must_use]
    pub fn sink(&self, bindings: KeyBindings) -> KeySink<TesterBackend> {
        KeySink::new(TesterBackend { tester: self.clone() }, bindings)
    }

    /// A copy of what it has seen.
    #[must_use]
    pub fn snapshot(&self) -> TesterState {
        self.lock().clone()
    }

    /// The clock its events are stamped by (to fade tap flashes).
    #[must_use]
    pub fn now(&self) -> Duration {
        self.clock.now()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TesterState> {
        // The state is plain data, whole after every push: a panic elsewhere cannot leave it torn.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, press: Press, action: KeyAction) {
        let at = self.clock.now();
        let mut s = self.lock();
        match action {
            KeyAction::Down => s.held.insert(press),
            KeyAction::Up => s.held.remove(&press),
            KeyAction::Tap => s.tapped.insert(press, at).is_some(),
        };
        if s.log.len() == LOG_LEN {
            s.log.pop_front();
        }
        s.log.push_back(KeyEvent { at, press, action });
    }
}

/// Records presses into a [`KeyTester`]; sends nothing anywhere.
#[derive(Debug)]
pub struct TesterBackend {
    tester: KeyTester,
}

impl KeyBackend for TesterBackend {
    fn key(&mut self, press: Press, down: bool) -> Result<(), KeysError> {
        self.tester.push(press, if down { KeyAction::Down } else { KeyAction::Up });
        Ok(())
    }

    fn tap(&mut self, press: Press) -> Result<(), KeysError> {
        self.tester.push(press, KeyAction::Tap);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::camera::SteppedClock;
    use crate::learn::Profile;
    use crate::live::sink::{SteerDecision, SteerSink};

    /// `class` steering with `confidence` at `ms` (`None`: nothing steers).
    fn decision(ms: u64, class: Option<(&str, f32)>) -> SteerDecision {
        SteerDecision {
            at: Duration::from_millis(ms),
            class: class.map_or("none", |c| c.0).to_owned(),
            confidence: class.map_or(0.3, |c| c.1),
            dir: None,
            steering: class.map(|(c, p)| (c.to_owned(), p)),
        }
    }

    #[test]
    fn the_tester_records_what_the_key_sink_presses_and_sends_nothing_else() {
        let profile = Profile::parse("Dino game", "up=space:tap:300ms,left=a,jump=a,fire=mouse-left:tap:0.9").unwrap();
        let bindings = KeyBindings::from_profile(&profile, 0.0).unwrap();
        let clock = SteppedClock::shared();
        let tester = KeyTester::new(&profile.name, &bindings, clock.clone());
        let mut sink = tester.sink(bindings);
        let steps: [(u64, Option<(&str, f32)>); 11] = [
            (0, Some(("up", 0.9))),      // space tap
            (100, Some(("up", 0.9))),    // still up: nothing
            (200, Some(("left", 0.9))),  // a down
            (300, Some(("up", 0.9))),    // a up, space tap (300 ms after the last: cooled)
            (400, Some(("left", 0.9))),  // a down
            (450, Some(("jump", 0.9))),  // jump shares a: it stays down
            (500, Some(("up", 0.9))),    // a up; 200 ms after the last tap: no tap
            (550, Some(("fire", 0.85))), // below fire's own 0.9: nothing
            (600, Some(("fire", 0.95))), // mouse-left tap
            (700, None),                 // nothing steers
            (800, Some(("left", 0.9))),  // a down
        ];
        let mut at = Duration::ZERO;
        for (ms, class) in steps {
            clock.advance(Duration::from_millis(ms) - at);
            at = Duration::from_millis(ms);
            sink.decide(Some(&decision(ms, class)));
        }
        let s = tester.snapshot();
        assert_eq!(s.held.iter().map(Press::name).collect::<Vec<_>>(), ["a"]);
        sink.stop();
        let s = tester.snapshot();
        assert!(s.held.is_empty(), "stop releases every key");
        let log: Vec<(u128, String)> = s.log.iter().map(|e| (e.at.as_millis(), e.text())).collect();
        let want = [
            (0, "space tap"),
            (200, "a down"),
            (300, "a up"),
            (300, "space tap"),
            (400, "a down"),
            (500, "a up"),
            (600, "mouse-left tap"),
            (800, "a down"),
            (800, "a up"),
        ];
        assert_eq!(log, want.map(|(ms, t)| (ms, t.to_owned())));
        assert_eq!(
            s.tapped.iter().map(|(p, t)| (p.name(), t.as_millis())).collect::<Vec<_>>(),
            [("space".to_owned(), 300), ("mouse-left".to_owned(), 600)]
        );
        let caps: Vec<(String, Vec<String>)> = s.caps.iter().map(|(p, c)| (p.name(), c.clone())).collect();
        assert_eq!(caps[1], ("a".to_owned(), vec!["jump".to_owned(), "left".to_owned()]), "{caps:?}");

        // Only the last LOG_LEN events are kept.
        for _ in 0..3 {
            sink.decide(Some(&decision(900, Some(("left", 0.9)))));
            sink.decide(None);
        }
        let s = tester.snapshot();
        assert_eq!(s.log.len(), LOG_LEN);
        assert_eq!(s.log.back().map(KeyEvent::text).as_deref(), Some("a up"));
        assert_eq!(s.log.front().map(KeyEvent::text).as_deref(), Some("a up"), "the first 5 fell off");
    }
}
