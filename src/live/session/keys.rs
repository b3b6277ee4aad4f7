//! Keys for another game: the key profile picked for the open project, its keys sent to the
//! focused window after the countdown, and the key tester that shows them without sending.

use std::path::Path;

use crate::learn::{Profile, ProfileError, Profiles};
use crate::live::Document;
use crate::live::sink::KeyBindings;

use super::{Notice, Session, Settings};

/// The key profile `settings` picked for the project `doc`: its name (the implied "Pac-Man"
/// unless another was picked), and the profile checked against the project's classes — an
/// error when the project no longer has it, or it binds a class the project no longer has.
pub fn picked_profile<'a>(settings: &'a Settings, doc: Option<&Document>) -> (&'a str, Result<Profile, ProfileError>) {
    let name = settings.key_profile(doc.and_then(Document::path));
    let mode = settings.key_mode;
    let profile = match doc {
        Some(d) => d.profiles().pick(name, mode, d.classes()),
        None => Profiles::default().pick(name, mode, &[]),
    };
    (name, profile)
}

impl Session {
    pub(super) fn pick_key_profile(&mut self, name: &str) {
        let path = self.doc.as_ref().and_then(|d| d.path().map(Path::to_path_buf));
        // A running tester follows the change in `sync_workers`.
        self.settings.pick_key_profile(path.as_deref(), name);
    }

    /// The picked profile's name and bindings, ready for a sink.
    fn key_bindings(&self) -> Result<(String, KeyBindings), ProfileError> {
        let p = picked_profile(&self.settings, self.doc.as_ref()).1?;
        // Bindings without a threshold of their own take none beyond the steering's (the
        // Play panel's slider, which may move while keys go out): the pipeline already holds
        // back every class below it.
        Ok((p.name.clone(), KeyBindings::from_profile(&p, 0.0)?))
    }

    /// Starts the key tester on the picked profile (restarts it, after a change), or ends it.
    pub(super) fn set_key_tester(&mut self, on: bool) {
        if !on {
            self.rt.stop_key_test();
            return;
        }
        match self.key_bindings() {
            Ok((name, bindings)) => {
                if let Err(e) = self.rt.test_keys(&name, bindings) {
                    self.error(e);
                }
            }
            Err(e) => {
                self.rt.stop_key_test();
                self.error(e);
            }
        }
    }

    /// Starts sending keys once the countdown is over.
    pub(super) fn keys_countdown(&mut self) {
        let Some(from) = self.keys_from else { return };
        let now = self.rt.clock().now();
        if now < from {
            self.out.push(Notice::WakeAfter(std::time::Duration::from_millis(100)));
            return;
        }
        self.keys_from = None;
        let sent = self.key_bindings().map_err(crate::live::LiveError::from).and_then(|(name, bindings)| {
            self.rt.send_keys(&name, bindings)?;
            Ok(name)
        });
        match sent {
            Ok(name) => self.info(format!("sending the keys of “{name}” to the focused window — press Esc to stop")),
            Err(e) => self.error(e),
        }
    }
}
