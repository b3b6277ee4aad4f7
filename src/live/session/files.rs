//! The project's files: opening, saving, exporting on job threads; the autosave to the
//! recovery file and the save at exit, so that no recorded example is ever lost.

use std::path::PathBuf;

use crate::live::doc::Document;
use crate::live::{JobResult, LiveError};

use super::{AUTOSAVE_EVERY, Session};

impl Session {
    /// Opens `path` on a background thread (re-featurising it if it was recorded at another
    /// cut or with another backbone).
    pub(super) fn open(&mut self, path: PathBuf, recovery: bool) {
        let Some(bb) = self.rt.backbone().cloned() else {
            self.pending_open = Some((path, recovery));
            return;
        };
        self.info(format!("opening {}…", path.display()));
        self.rt.jobs().spawn(move || {
            let result = Document::load(&path, &bb).map(Box::new);
            JobResult::Opened { path, recovery, result }
        });
    }

    pub(super) fn save_to(&mut self, path: PathBuf) {
        let path = crate::learn::project::with_extension(&path);
        let Some(doc) = &mut self.doc else { return };
        let project = doc.snapshot();
        let revision = doc.revision();
        self.rt.jobs().spawn(move || {
            let result = project.save(&path).map_err(|source| LiveError::Save { path: path.clone(), source });
            JobResult::Saved { path, recovery: false, revision, result }
        });
    }

    /// Writes the export on a job thread (a V3 ONNX file is ~20 MB); the outcome is a notice.
    pub(super) fn export(&mut self, dir: PathBuf, format: crate::learn::export::Format) {
        let (Some(doc), Some(bb)) = (&self.doc, self.rt.backbone().cloned()) else { return };
        let project = doc.snapshot();
        self.info(format!("exporting {} to {}…", format.name(), dir.display()));
        self.rt.jobs().spawn(move || {
            let result = crate::learn::export::export(&project, &bb, format, &dir)
                .map(|e| e.summary())
                .map_err(|source| LiveError::Export { dir: dir.clone(), source: Box::new(source) });
            JobResult::Exported { result }
        });
    }

    /// Saves an unsaved project at exit: to its own file, or to the recovery file when it
    /// has none. Runs on the calling thread (the window is closing; nothing else to do).
    pub fn save_on_exit(&mut self) {
        if self.exited {
            return;
        }
        self.exited = true;
        self.set_recording(None);
        self.rt.jobs().wait();
        let recovery = self.options.recovery_file.clone();
        let remove_recovery = || {
            if let Some(r) = &recovery {
                let _ = std::fs::remove_file(r);
            }
        };
        let Some(doc) = &self.doc else { return };
        if !doc.is_dirty() {
            // Nothing unsaved (it was saved, or deliberately discarded with "Don't save"): an
            // old recovery file is no longer needed.
            remove_recovery();
            return;
        }
        let project = doc.snapshot();
        if let Some(path) = doc.path() {
            match project.save(path) {
                Ok(()) => {
                    tracing::info!("saved {} on exit", path.display());
                    remove_recovery();
                    return;
                }
                Err(e) => tracing::error!(
                    "could not save {} on exit: {e}; saving to the recovery file instead",
                    path.display()
                ),
            }
        }
        let Some(r) = recovery else {
            tracing::error!("no place for a recovery file (no data directory); unsaved examples are lost");
            return;
        };
        if let Some(dir) = r.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        match project.save(&r) {
            Ok(()) => tracing::info!("saved the unsaved project to {} on exit; it reopens next time", r.display()),
            Err(e) => tracing::error!("could not save the recovery file {}: {e}", r.display()),
        }
    }

    /// Every [`AUTOSAVE_EVERY`], an unsaved project is also written to the recovery file on a
    /// background thread, so even a crash or a killed process loses at most that much work.
    pub(super) fn autosave(&mut self) {
        let now = self.rt.clock().now();
        let due = self.last_autosave.is_none_or(|t| now.saturating_sub(t) >= AUTOSAVE_EVERY);
        let Some(doc) = &self.doc else { return };
        if !due || !doc.is_dirty() || self.autosaved_revision == Some(doc.revision()) || self.rt.jobs().busy() {
            return;
        }
        let Some(path) = self.options.recovery_file.clone() else { return };
        self.last_autosave = Some(now);
        self.autosaved_revision = Some(doc.revision());
        let project = doc.snapshot();
        let revision = doc.revision();
        self.rt.jobs().spawn(move || {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let result = project.save(&path).map_err(|source| LiveError::Save { path: path.clone(), source });
            crate::live::JobResult::Saved { path, recovery: true, revision, result }
        });
    }
}
