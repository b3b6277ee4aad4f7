//! Choosing the model and the cut: loading another backbone while the project stays open,
//! re-computing the examples' features for it, and starting a training run.

use crate::backbone::{CATALOG, ModelSource, builtin};
use crate::learn::Training;
use crate::live::doc::Document;
use crate::live::{FeatureCmd, JobResult};

use super::{Notice, RunProgress, Session};

/// What the picker and the top bar call the model with this [`crate::backbone::Backbone::id`].
#[must_use]
pub fn model_title(id: &str) -> String {
    if id == builtin::NAME {
        return builtin::TITLE.into();
    }
    match CATALOG.iter().find(|e| id == format!("{}@{}", e.repo, e.revision)) {
        Some(e) => e.title.into(),
        None => id.to_owned(),
    }
}

impl Session {
    /// Starts loading another backbone (see [`Command::UseModel`]).
    pub(super) fn use_model(&mut self, spec: &str) {
        if let Some(name) = &self.switching {
            return self.info(format!("wait until {name} is in use"));
        }
        let source = match ModelSource::parse(spec) {
            Ok(s) => s,
            Err(e) => return self.error(e.to_string()),
        };
        let current = self.rt.backbone().map(|b| b.id().to_owned());
        if current.as_deref() == Some(source.spec().as_str()) {
            self.rt.cancel_load();
            return self.info(format!("already using {}", model_title(&source.spec())));
        }
        self.picked = true;
        self.rt.load_model(source);
    }

    /// A model asked for in the picker has loaded: re-compute the project's features with it
    /// (the live view and recording pause meanwhile), then put it in use.
    pub(super) fn adopt_staged(&mut self) {
        let Some(bb) = self.rt.staged().cloned() else { return };
        self.set_recording(None);
        let name = model_title(bb.id());
        // The same weights and preprocessing from another place compute the same features: the
        // examples, the cut and the trained head stay as they are.
        let same = self
            .rt
            .backbone()
            .is_some_and(|old| old.weights_sha256() == bb.weights_sha256() && old.config() == bb.config());
        if same {
            self.rt.commit_model();
            self.model_in_use(&name);
            return self.info(format!(
                "now using {name}: the same weights as before, so the examples and the trained head are kept"
            ));
        }
        self.rt.cancel_training();
        self.stale_run = self.run.running;
        self.stale_why = super::FEATURES_CHANGED;
        self.settings.cut = None;
        self.settings.learn_layer = None;
        let cut = bb.default_cut();
        match &mut self.doc {
            Some(doc) if doc.total() > 0 => {
                self.rt.stop_features();
                self.out.push(Notice::Info(format!("re-computing {} examples' features with {name}…", doc.total())));
                self.switching = Some(name);
                let project = doc.snapshot();
                self.rt.jobs().spawn(move || {
                    let result = Document::refeaturize(project, &bb, cut).map(Box::new);
                    JobResult::Refeaturized { cut, result }
                });
            }
            Some(doc) if doc.path().is_some() || doc.head().is_some() => {
                self.rt.commit_model();
                if let Err(e) = doc.set_cut_empty(&bb, cut) {
                    self.error(e);
                }
                self.model_in_use(&name);
            }
            _ => {
                self.rt.commit_model();
                self.doc = None;
                self.new_document();
                self.model_in_use(&name);
            }
        }
    }

    /// The committed model runs: the feature worker restarts on it, and the choice is kept.
    pub(super) fn model_in_use(&mut self, name: &str) {
        self.start_features();
        if std::mem::take(&mut self.picked) {
            self.settings.model = self.rt.backbone().filter(|b| !b.is_builtin()).map(|b| b.id().to_owned());
        }
        self.out.push(Notice::ModelsChanged);
        self.info(format!("now using {name}"));
    }

    /// Replaces the project with an empty one at the settings' cut.
    pub(super) fn new_document(&mut self) {
        let Some(bb) = self.rt.backbone().cloned() else { return };
        let cut = self.settings.cut.as_deref().and_then(|n| bb.find_cut(n).ok()).unwrap_or(bb.default_cut());
        match Document::new(&bb, cut, self.settings.crop, self.settings.idle_class, self.settings.hyper.clone()) {
            Ok(doc) => self.set_document(doc),
            Err(e) => self.error(e),
        }
    }

    pub(super) fn set_document(&mut self, doc: Document) {
        self.set_recording(None);
        self.out.push(Notice::DocumentReplaced);
        self.run = RunProgress::default();
        self.settings.crop = doc.crop();
        self.settings.hyper = doc.hyper().clone();
        self.rt.send_features(FeatureCmd::Crop(doc.crop()));
        self.rt.send_features(FeatureCmd::SetCut(doc.cut()));
        self.rt.send_features(FeatureCmd::SetHead(doc.head().cloned(), super::head_examples(Some(&doc))));
        self.doc = Some(doc);
        if self.rt.key_tester().is_some() {
            // The new project may have other profiles, or picked another one.
            self.set_key_tester(true);
        }
    }

    pub(super) fn start_training(&mut self) {
        let Some(doc) = &self.doc else { return };
        if self.rt.is_training() {
            return;
        }
        let data = match doc.train_data() {
            Ok(d) => d,
            Err(e) => {
                self.run.outcome = Some(e.to_string());
                self.error(e);
                return;
            }
        };
        let repaint = self.rt.repaint();
        let hyper = self.settings.hyper.clone();
        // The trainer computes what the background has not yet (it waits for the cache lock
        // at most one example's views).
        self.prefill.stop();
        // The augmented views are computed on the trainer thread (cached across runs), so
        // the window never waits for them.
        let views = match self.rt.backbone() {
            Some(bb) if hyper.views > 0 => Some(crate::learn::views::view_maker(
                std::sync::Arc::clone(bb),
                doc.cut(),
                doc.snapshot().dataset,
                hyper.clone(),
                std::sync::Arc::clone(&self.view_cache),
                data.ids().to_vec(),
            )),
            _ => None,
        };
        match Training::start_with_views(data, hyper.clone(), views, Some(repaint)) {
            Ok(t) => {
                self.stale_run = false;
                let plan = t.plan().clone();
                self.run = RunProgress {
                    hyper: Some(hyper),
                    running: true,
                    epochs: plan.epochs,
                    batches_per_epoch: plan.batches_per_epoch,
                    split: Some((plan.split.train.len(), plan.split.val.len())),
                    ..RunProgress::default()
                };
                self.rt.start_training(t);
            }
            Err(e) => {
                self.run.outcome = Some(e.to_string());
                self.error(e.to_string());
            }
        }
    }

    pub(super) fn change_cut(&mut self, cut: usize) {
        if self.switching.is_some() {
            return self.info("wait until the new model is in use".into());
        }
        let Some(bb) = self.rt.backbone().cloned() else { return };
        self.settings.cut = bb.cuts().get(cut).map(|c| c.name.clone());
        let Some(doc) = &mut self.doc else { return };
        self.rt.cancel_training();
        self.stale_run = self.run.running;
        self.stale_why = super::FEATURES_CHANGED;
        if doc.total() == 0 {
            if let Err(e) = doc.set_cut_empty(&bb, cut) {
                self.out.push(Notice::Error(e.to_string()));
            }
            self.rt.send_features(FeatureCmd::SetCut(doc.cut()));
            self.rt.send_features(FeatureCmd::SetHead(None, Vec::new()));
            return;
        }
        let project = doc.snapshot();
        self.out.push(Notice::Info(format!(
            "re-computing {} examples' features at {}…",
            doc.total(),
            self.settings.cut.as_deref().unwrap_or("?")
        )));
        self.rt.jobs().spawn(move || {
            let result = Document::refeaturize(project, &bb, cut).map(Box::new);
            JobResult::Refeaturized { cut, result }
        });
    }

    /// Stops the model download in progress (the built-in model is loaded if none is in use).
    pub(super) fn cancel_model(&mut self) {
        self.rt.cancel_load();
        self.picked = false;
        self.out.push(Notice::ModelsChanged);
        if self.rt.backbone().is_none() {
            self.info("download cancelled; using the built-in model".into());
            self.rt.load_model(ModelSource::Builtin);
        } else {
            self.info("download cancelled (it resumes where it stopped next time)".into());
        }
    }
}
