//! Editing the project's classes: add, rename, remove, recolour. A head trained for other
//! classes never steers the new set: it is dropped, a run in progress is stopped and its
//! results discarded, and the user is told to train again (as after a cut change).

use super::{FeatureCmd, Session};

/// Why a run stops when the classes change under it.
const CLASSES_CHANGED: &str = "training stopped: the classes changed — train again";

impl Session {
    pub(super) fn add_class(&mut self, name: &str) {
        let Some(doc) = &mut self.doc else { return };
        let had_head = doc.head().is_some();
        match doc.add_class(name) {
            Ok(label) => {
                let name = doc.class_name(label).to_owned();
                self.classes_changed(had_head);
                self.info(format!("added class `{name}`: hold its button to record examples, then train again"));
            }
            Err(e) => self.error(format!("cannot add the class: {e}")),
        }
    }

    pub(super) fn rename_class(&mut self, class: usize, name: &str) {
        let Some(doc) = &mut self.doc else { return };
        let had_head = doc.head().is_some();
        let old = doc.class_name(class).to_owned();
        match doc.rename_class(class, name) {
            Ok(()) if doc.class_name(class) == old => {}
            Ok(()) => {
                let (new, n) = (doc.class_name(class).to_owned(), doc.count(class));
                self.classes_changed(had_head);
                let again = if had_head { " — train again" } else { "" };
                self.info(format!("renamed `{old}` to `{new}` ({n} examples kept){again}"));
            }
            Err(e) => self.error(format!("cannot rename `{old}`: {e}")),
        }
    }

    pub(super) fn remove_class(&mut self, class: usize) {
        let Some(doc) = &self.doc else { return };
        let had_head = doc.head().is_some();
        let name = doc.class_name(class).to_owned();
        // Labels after it shift down: the press in progress would record into its neighbour.
        self.set_recording(None);
        let Some(doc) = &mut self.doc else { return };
        match doc.remove_class(class) {
            Ok(n) => {
                self.classes_changed(had_head);
                self.info(format!("removed class `{name}` and its {n} examples"));
            }
            Err(e) => self.error(format!("cannot remove `{name}`: {e}")),
        }
    }

    pub(super) fn recolor_class(&mut self, class: usize, color: Option<[u8; 3]>) {
        let Some(doc) = &mut self.doc else { return };
        if let Err(e) = doc.set_class_color(class, color) {
            self.error(e);
        }
    }

    /// The head is gone from the document: stop it steering, and stop a run training one for
    /// the old classes.
    fn classes_changed(&mut self, had_head: bool) {
        if self.rt.is_training() || self.run.running {
            self.rt.cancel_training();
            self.stale_run = self.run.running;
            self.stale_why = CLASSES_CHANGED;
        } else if had_head {
            self.run.outcome = Some("the classes changed — train again".into());
        }
        if had_head {
            self.rt.send_features(FeatureCmd::SetHead(None, Vec::new()));
        }
    }
}
