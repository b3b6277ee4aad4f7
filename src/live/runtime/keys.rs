//! The runtime's key output: the picked profile's keys to another window, or into the key
//! tester, both as sinks of the feature worker.

use std::sync::Arc;

use super::Runtime;
use crate::live::error::LiveError;
use crate::live::feature_worker::FeatureCmd;
use crate::live::key_output::{BackendChoice, open_backend};
use crate::live::key_tester::KeyTester;
use crate::live::sink::{KeyBindings, KeySink};

impl Runtime {
    /// Sends the predictions to whatever window has the focus as the key presses of
    /// `bindings` (the profile called `profile`), instead of to the built-in game (through
    /// uinput where it may, else XTEST).
    ///
    /// # Errors
    /// No feature worker yet, or no way to send keys (one line that says what to do instead).
    pub fn send_keys(&mut self, profile: &str, bindings: KeyBindings) -> Result<(), LiveError> {
        let features = self.features.as_ref().ok_or(LiveError::NotLoaded)?;
        let (mut backend, _) = open_backend(BackendChoice::Auto)?;
        // Checks every press (XTEST refuses gamepad buttons in one line) and makes the virtual
        // gamepad now, when the profile binds one, rather than at its first press.
        backend.prepare(&bindings.presses())?;
        features.send(FeatureCmd::Sink(Some(Box::new(KeySink::new(backend, bindings)))));
        self.sending_keys = Some(profile.to_owned());
        Ok(())
    }

    /// Shows what `bindings` (the profile called `profile`) would press, in a [`KeyTester`]
    /// beside whatever the model steers; replaces a tester that runs.
    ///
    /// # Errors
    /// No feature worker yet.
    pub fn test_keys(&mut self, profile: &str, bindings: KeyBindings) -> Result<(), LiveError> {
        let features = self.features.as_ref().ok_or(LiveError::NotLoaded)?;
        let tester = KeyTester::new(profile, &bindings, Arc::clone(&self.clock));
        features.send(FeatureCmd::Tester(Some(Box::new(tester.sink(bindings)))));
        self.tester = Some(tester);
        Ok(())
    }

    /// Ends the key tester.
    pub fn stop_key_test(&mut self) {
        self.send_features(FeatureCmd::Tester(None));
        self.tester = None;
    }

    /// The key tester, while it runs.
    pub fn key_tester(&self) -> Option<&KeyTester> {
        self.tester.as_ref()
    }

    /// Steers the built-in game again (releases any key held in another window).
    pub fn steer_game(&mut self) {
        self.send_features(FeatureCmd::Sink(None));
        self.sending_keys = None;
    }

    /// The profile whose keys go to another window, while they do.
    pub fn sending_keys(&self) -> Option<&str> {
        self.sending_keys.as_deref()
    }
}
