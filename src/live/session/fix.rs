//! "Fix mistakes": a stretch of the last 30 s of play becomes examples of the class it should
//! have been, and training starts again in the background.

use crate::learn::Featurizer;
use crate::live::JobResult;
use crate::live::history::{PlayFrame, examples_from};

use super::{Notice, Session};

impl Session {
    /// Starts turning `frames` of play into examples of `class`: their features are computed
    /// from the thumbnails on a project job (a stretch of 30 s is 450 forward passes, too long
    /// for the window's thread), then [`Session::fixed`] adds them. The frames come with the
    /// command, as the front end showed them: the live history may have moved on or been
    /// cleared (a new head) since.
    pub(super) fn fix_stretch(&mut self, frames: Vec<PlayFrame>, class: usize) {
        let Some(bb) = self.rt.backbone().cloned() else {
            return self.error("the model is not loaded yet — wait until the status bar says it is ready");
        };
        let Some(classes) = self.doc.as_ref().map(|d| d.classes().len()) else { return };
        if class >= classes {
            return self.error(format!("there is no class number {class} (the project has {classes})"));
        }
        if frames.is_empty() {
            return self.error("no frames of play selected — play, then select a stretch on the timeline");
        }
        let Some(doc) = &mut self.doc else { return };
        // Its own press, so "Undo the last press" takes the whole stretch back.
        let burst = doc.new_burst();
        let (cut, crop, asked) = (doc.cut(), self.settings.crop, frames.len());
        let line = format!("adding {asked} frames as `{}`…", doc.class_name(class));
        self.info(line);
        self.rt.jobs().spawn(move || {
            let result = Featurizer::new(&bb, cut, crop)
                .and_then(|f| examples_from(&frames, class, burst, &f))
                .map_err(crate::live::LiveError::from);
            JobResult::Fixed { class, asked, result }
        });
    }

    /// Adds the examples a [`fix_stretch`](Self::fix_stretch) job made, and trains again (now,
    /// or when the run in progress ends).
    pub(super) fn fixed(
        &mut self,
        class: usize,
        asked: usize,
        result: Result<Vec<crate::live::Recorded>, crate::live::LiveError>,
    ) {
        let examples = match result {
            Ok(e) => e,
            Err(e) => return self.error(format!("could not add the {asked} frames: {e}")),
        };
        let Some(doc) = &mut self.doc else { return };
        let mut added = 0;
        for ex in examples {
            let preview = std::sync::Arc::new(ex.preview.clone());
            match doc.add(ex) {
                Ok(Some(id)) => {
                    added += 1;
                    self.out.push(Notice::Example { id, preview });
                }
                Ok(None) => {}
                Err(e) => {
                    self.out.push(Notice::Error(format!("added {added} of {asked} frames: {e}")));
                    break;
                }
            }
        }
        let name = doc.class_name(class).to_owned();
        if added < asked {
            // The cut changed while the features were computed: those frames' features are stale.
            self.info(format!("added {added} of {asked} frames to `{name}` (the others were for another cut)"));
        }
        if added == 0 {
            return;
        }
        if self.rt.is_training() {
            self.retrain = true;
            self.info(format!("added {added} examples to `{name}` — retraining when the current run ends"));
        } else {
            self.info(format!("added {added} examples to `{name}` — retraining"));
            self.start_training();
        }
    }

    /// Trains again once the run that was going when examples came from play has ended.
    pub(super) fn retrain_if_due(&mut self) {
        if self.retrain && !self.rt.is_training() && !self.run.running {
            self.retrain = false;
            self.start_training();
        }
    }
}
