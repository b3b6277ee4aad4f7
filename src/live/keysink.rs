//! Key and mouse-button presses for the class steering, through a [`KeyBackend`] (XTEST on X11,
//! a uinput virtual device, or a recorder in tests), following a [`Profile`]'s bindings.
//!
//! Per class: hold the key while the class steers, or tap it once each time the class starts
//! steering; a press starts only when the class's smoothed probability reaches the binding's
//! threshold, and not sooner than its cooldown after the class's last press. Several classes may
//! share a key: it stays down while any of them holds it, so switching between them sends
//! nothing. Every key held is released on [`SteerSink::stop`], on drop, and when Esc stops it.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::learn::{KeyMode, Press, Profile, ProfileError};

use super::keys::KeysError;
use super::sink::{SteerDecision, SteerSink};

/// How [`SteerSink::poll`]'s reason starts when the backend failed (the command line exits
/// non-zero on it).
pub const SEND_FAILED: &str = "sending keys failed";

/// Presses and releases keys and mouse buttons somewhere.
pub trait KeyBackend: Send {
    /// Presses (`down`) or releases `press`.
    ///
    /// # Errors
    /// E.g. the display or the device went away.
    fn key(&mut self, press: Press, down: bool) -> Result<(), KeysError>;

    /// Presses and releases `press` at once (a tap binding). The key tester overrides it to
    /// show one tap rather than a press and a release.
    ///
    /// # Errors
    /// As [`KeyBackend::key`].
    fn tap(&mut self, press: Press) -> Result<(), KeysError> {
        self.key(press, true)?;
        self.key(press, false)
    }

    /// Whether Esc is held right now (the way to stop sending keys from any window).
    fn escape_held(&mut self) -> bool {
        false
    }

    /// Whether every one of `presses` can be sent (an X keyboard layout may lack a key).
    ///
    /// # Errors
    /// The first one that cannot.
    fn check(&self, presses: &BTreeSet<Press>) -> Result<(), KeysError> {
        let _ = presses;
        Ok(())
    }

    /// Readies the backend for `presses` before the first one (the uinput backend makes its
    /// virtual gamepad when one is a gamepad target), then [`Self::check`]s them.
    ///
    /// # Errors
    /// The first press that cannot be sent, or the device that could not be made.
    fn prepare(&mut self, presses: &BTreeSet<Press>) -> Result<(), KeysError> {
        self.check(presses)
    }
}

impl KeyBackend for Box<dyn KeyBackend> {
    fn key(&mut self, press: Press, down: bool) -> Result<(), KeysError> {
        (**self).key(press, down)
    }

    fn tap(&mut self, press: Press) -> Result<(), KeysError> {
        (**self).tap(press)
    }

    fn check(&self, presses: &BTreeSet<Press>) -> Result<(), KeysError> {
        (**self).check(presses)
    }

    fn escape_held(&mut self) -> bool {
        (**self).escape_held()
    }

    fn prepare(&mut self, presses: &BTreeSet<Press>) -> Result<(), KeysError> {
        (**self).prepare(presses)
    }
}

/// One class's binding, resolved for sending.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    /// The class name.
    pub class: String,
    /// The key or button; `None` presses nothing.
    pub press: Option<Press>,
    /// Hold or tap.
    pub mode: KeyMode,
    /// The smoothed probability a press needs to start.
    pub threshold: f32,
    /// The least time between two presses of this class.
    pub cooldown: Duration,
}

/// A profile resolved for sending.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyBindings(pub Vec<Bound>);

impl KeyBindings {
    /// `profile`'s bindings; a binding without a threshold of its own takes `threshold`.
    ///
    /// # Errors
    /// An unknown key name.
    pub fn from_profile(profile: &Profile, threshold: f32) -> Result<Self, ProfileError> {
        let bound = profile.bindings.iter().map(|(class, b)| {
            Ok(Bound {
                class: class.clone(),
                press: b.target.press()?,
                mode: b.mode,
                threshold: b.threshold.unwrap_or(threshold),
                cooldown: Duration::from_millis(u64::from(b.cooldown_ms)),
            })
        });
        Ok(Self(bound.collect::<Result<_, ProfileError>>()?))
    }

    /// The four arrow keys for up, down, left and right ([`Profile::pacman`]), with no threshold
    /// beyond the steering's own.
    #[must_use]
    pub fn arrows(mode: KeyMode) -> Self {
        Self::from_profile(&Profile::pacman(mode), 0.0).unwrap_or_default()
    }

    /// Every key and button the bindings may press, once each.
    #[must_use]
    pub fn presses(&self) -> BTreeSet<Press> {
        self.0.iter().filter_map(|b| b.press).collect()
    }

    /// The lowest threshold of any binding (the steering must let such a class through).
    #[must_use]
    pub fn lowest_threshold(&self) -> Option<f32> {
        self.0.iter().map(|b| b.threshold).min_by(f32::total_cmp)
    }
}

/// A class's state between frames.
#[derive(Clone, Copy, Debug, Default)]
struct ClassState {
    /// Holding its key (hold), or tapped since it started steering (tap).
    active: bool,
    /// When its last press started.
    last_press: Option<Duration>,
}

/// Sends key presses for the steering class. Nothing is sent while no class steers; Esc
/// (anywhere, where the backend can see it) and [`SteerSink::stop`] release every key.
pub struct KeySink<B: KeyBackend> {
    backend: B,
    bindings: KeyBindings,
    state: Vec<ClassState>,
    held: BTreeSet<Press>,
    failed: Option<String>,
}

impl<B: KeyBackend> KeySink<B> {
    /// A sink pressing `bindings` through `backend`.
    pub fn new(backend: B, bindings: KeyBindings) -> Self {
        let state = vec![ClassState::default(); bindings.0.len()];
        Self { backend, bindings, state, held: BTreeSet::new(), failed: None }
    }

    /// The backend (tests read what it recorded).
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The keys held down now.
    #[must_use]
    pub fn held(&self) -> &BTreeSet<Press> {
        &self.held
    }

    /// Presses (`Some(down)`) or taps (`None`) `press`, unless the backend failed before.
    fn send(&mut self, press: Press, down: Option<bool>) {
        if self.failed.is_some() {
            return;
        }
        let sent = match down {
            Some(down) => self.backend.key(press, down),
            None => self.backend.tap(press),
        };
        if let Err(e) = sent {
            self.failed = Some(format!("{SEND_FAILED}: {e}"));
        }
    }
}

impl<B: KeyBackend> SteerSink for KeySink<B> {
    fn decide(&mut self, decision: Option<&SteerDecision>) {
        let steering = decision.and_then(|d| d.steering.as_ref());
        let at = decision.map_or(Duration::ZERO, |d| d.at);
        let mut taps = Vec::new();
        for (b, st) in self.bindings.0.iter().zip(self.state.iter_mut()) {
            let on = steering.filter(|(class, _)| class.trim().eq_ignore_ascii_case(b.class.trim()));
            let Some((_, confidence)) = on else {
                st.active = false;
                continue;
            };
            let cooled = st.last_press.is_none_or(|t| at.saturating_sub(t) >= b.cooldown);
            if st.active || *confidence < b.threshold || !cooled {
                continue;
            }
            st.active = true;
            st.last_press = Some(at);
            if b.mode == KeyMode::Tap
                && let Some(p) = b.press
            {
                taps.push(p);
            }
        }
        let wanted: BTreeSet<Press> = self
            .bindings
            .0
            .iter()
            .zip(&self.state)
            .filter(|(b, st)| st.active && b.mode == KeyMode::Hold)
            .filter_map(|(b, _)| b.press)
            .collect();
        let released: Vec<Press> = self.held.difference(&wanted).copied().collect();
        let pressed: Vec<Press> = wanted.difference(&self.held).copied().collect();
        for p in released {
            self.send(p, Some(false));
        }
        for p in pressed {
            self.send(p, Some(true));
        }
        self.held = wanted;
        for p in taps {
            // A key some other class holds down is already pressed for the game.
            if !self.held.contains(&p) {
                self.send(p, None);
            }
        }
    }

    fn poll(&mut self) -> Option<String> {
        if self.failed.is_none() && self.backend.escape_held() {
            return Some("stopped sending keys: Esc was pressed".to_owned());
        }
        self.failed.clone()
    }

    fn stop(&mut self) {
        for p in std::mem::take(&mut self.held) {
            // Even after a failure: a key left down would keep the other game going.
            let _ = self.backend.key(p, false);
        }
        for st in &mut self.state {
            st.active = false;
        }
    }
}

impl<B: KeyBackend> Drop for KeySink<B> {
    fn drop(&mut self) {
        self.stop();
    }
}
