//! What panels ask for, and how the app does it after the frame is drawn; also how the app
//! reacts to what the workers report.

use std::path::PathBuf;

use crate::backbone::{Crop, ModelSource};
use crate::camera::SourceSpec;
use crate::learn::{TrainEvent, Training};

use super::app::{KEYS_COUNTDOWN, PacnetApp, RunProgress, Tab};
use super::panels::{Modal, Pending};
use crate::game::Dir;
use crate::live::JobResult;
use crate::live::KeyMode;
use crate::live::doc::Document;
use crate::live::{FeatureCmd, FeatureEvent, GameCmd, RuntimeEvent};

/// The demo toy's movement asked for by the keys held over one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DemoNudge {
    /// Sideways and up/down, in frame widths.
    pub dx: f32,
    /// Up/down, in frame heights.
    pub dy: f32,
    /// Degrees, clockwise.
    pub tilt: f32,
    /// Size factor (1 = unchanged).
    pub zoom: f32,
    /// Back to the centre.
    pub centre: bool,
}

impl DemoNudge {
    fn apply(self, demo: &crate::camera::DemoControl) {
        if self.dx != 0.0 || self.dy != 0.0 {
            demo.nudge(self.dx, self.dy);
        }
        if self.tilt != 0.0 {
            demo.tilt(self.tilt);
        }
        if self.zoom != 1.0 && self.zoom > 0.0 {
            demo.zoom(self.zoom);
        }
        if self.centre {
            demo.reset();
        }
    }
}

/// A change a panel asks for. Recorded while drawing, applied after it (so no panel changes
/// the project or a worker halfway through a frame).
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Show another panel.
    Tab(Tab),
    /// Open another camera.
    Camera(SourceSpec),
    /// Reopen the current camera now (skips the retry wait).
    RetryCamera,
    /// Mirror the camera or not.
    Mirror(bool),
    /// How the frame is cropped for the network.
    Crop(Crop),
    /// Delete one example.
    DeleteExample(u64),
    /// Ask, then delete every example of a class.
    ClearClass(usize),
    /// Delete every example of a class (confirmed).
    ClearClassConfirmed(usize),
    /// Delete the examples of the last press.
    UndoBurst,
    /// Train with the settings' hyperparameters.
    Train,
    /// Stop training.
    StopTraining,
    /// Ask, then cut the network at another point.
    UseCut(usize),
    /// Cut the network at another point (confirmed): re-computes every example's features.
    UseCutConfirmed(usize),
    /// Show this layer on the learn panel.
    ViewLayer(usize),
    /// An order for the game.
    Game(GameCmd),
    /// Silence the game's sound, or bring it back (M on the play panel).
    Mute(bool),
    /// The game's sound volume, 0 to 1.
    Volume(f32),
    /// The arrow key held now on the play panel (`None`: none).
    ArrowKeys(Option<Dir>),
    /// Move the demo camera's toy (held W A S D / Q E / R F keys over one frame).
    Demo(DemoNudge),
    /// Start sending the predictions to another window as arrow keys, after a countdown.
    SendKeys(KeyMode),
    /// Stop sending keys (or the countdown): the built-in game is steered again.
    StopKeys,
    /// Start an empty project (asks first if there is unsaved work).
    New,
    /// Open a project (asks first if there is unsaved work).
    Open(PathBuf),
    /// Save to the project's file (or ask for one).
    Save,
    /// Save to this file.
    SaveAs(PathBuf),
    /// Export the trained model into this new folder.
    Export {
        /// The folder to create.
        dir: PathBuf,
        /// The format.
        format: crate::learn::export::Format,
    },
    /// Show the open or save-as dialog.
    Dialog(Modal),
    /// Finish what was pending after the unsaved-work question: save first or not.
    Resolve {
        /// Save before going on.
        save: bool,
    },
    /// Close the dialog.
    CloseModal,
    /// Drop a message from the screen.
    Dismiss(usize),
    /// Show the model picker.
    ShowModels,
    /// Show the About window.
    ShowAbout,
    /// Switch to this backbone (as `--model` takes it), downloading it if needed; the project
    /// is kept and its features re-computed from the thumbnails.
    UseModel(String),
    /// Stop the model download in progress.
    CancelModel,
    /// Show this example in the record panel's grid (a dot clicked on the feature map).
    SelectExample {
        /// Its class.
        class: usize,
        /// Its id.
        id: u64,
    },
    /// Show a page of the learn panel.
    LearnPage(super::app::LearnPage),
    /// Presenter mode on or off.
    Presenter(bool),
    /// Open the gradient-descent window ("what is happening here?").
    ShowDescent,
    /// Save the per-epoch metrics of the run on screen as CSV, beside the project.
    SaveMetricsCsv,
    /// Save a chart on screen as PNG, beside the project (cut from a window screenshot).
    SaveChartPng(super::lesson::PendingShot),
}

impl PacnetApp {
    /// Does what `cmd` asks.
    pub(crate) fn apply(&mut self, cmd: Command) {
        match cmd {
            Command::Tab(t) => self.settings.tab = t,
            Command::SelectExample { class, id } => {
                self.views.select_example(class, id);
                self.settings.tab = Tab::Record;
            }
            Command::LearnPage(p) => self.settings.learn_page = p,
            Command::Presenter(on) => self.set_presenter(on),
            Command::ShowDescent => self.views.show_descent(),
            Command::SaveMetricsCsv => self.save_metrics_csv(),
            Command::SaveChartPng(shot) => self.request_chart_png(shot),
            Command::Camera(spec) => {
                self.settings.camera = spec;
                self.settings.mirror = None;
            }
            Command::RetryCamera => {
                if let Some(c) = self.rt.capture() {
                    c.switch(self.settings.camera.clone());
                }
            }
            Command::Mirror(m) => self.settings.mirror = Some(m),
            Command::Crop(c) => self.settings.crop = c,
            Command::DeleteExample(id) => {
                if let Some(d) = &mut self.doc {
                    d.delete(id);
                }
            }
            Command::ClearClass(class) => self.modal = Some(Modal::ConfirmClear(class)),
            Command::ClearClassConfirmed(class) => {
                self.modal = None;
                if let Some(d) = &mut self.doc {
                    let n = d.clear_class(class);
                    self.notices.info(format!("deleted {n} examples of `{}`", d.class_name(class)));
                }
            }
            Command::UndoBurst => {
                if let Some(d) = &mut self.doc
                    && let Some((class, n)) = d.undo_last_burst()
                {
                    self.notices.info(format!("removed the last {n} examples of `{class}`"));
                }
            }
            Command::Train => self.start_training(),
            Command::StopTraining => self.rt.cancel_training(),
            Command::UseCut(cut) => {
                if self.doc.as_ref().is_some_and(|d| d.total() > 0 || d.head().is_some()) {
                    self.modal = Some(Modal::ConfirmCut(cut));
                } else {
                    self.apply(Command::UseCutConfirmed(cut));
                }
            }
            Command::UseCutConfirmed(cut) => {
                self.modal = None;
                self.change_cut(cut);
            }
            Command::ViewLayer(layer) => {
                self.settings.learn_layer =
                    self.rt.backbone().and_then(|b| b.cuts().get(layer)).map(|c| c.name.clone());
                self.settings.learn_first_channel = 0;
            }
            Command::Game(g) => self.rt.send_game(g),
            Command::ArrowKeys(keys) => self.rt.send_game(GameCmd::Keys(keys)),
            // The settings persist them; `sync_workers` tells the game thread.
            Command::Mute(m) => self.settings.muted = m,
            Command::Volume(v) => self.settings.volume = if v.is_finite() { v.clamp(0.0, 1.0) } else { 0.0 },
            Command::Demo(n) => n.apply(self.rt.demo()),
            Command::SendKeys(mode) => {
                self.settings.key_mode = mode;
                self.keys_from = Some(self.rt.clock().now() + KEYS_COUNTDOWN);
            }
            Command::StopKeys => {
                self.keys_from = None;
                if self.rt.sending_keys().is_some() {
                    self.rt.steer_game();
                    self.notices.info("stopped sending keys — the model steers the built-in Pac-Man again".into());
                }
            }
            Command::New => self.guard_unsaved(Pending::New),
            Command::Open(path) => self.guard_unsaved(Pending::Open(path)),
            Command::Save => match self.doc.as_ref().and_then(|d| d.path().map(PathBuf::from)) {
                Some(p) => self.save_to(p),
                None => self.modal = Some(Modal::save_as(&self.settings)),
            },
            Command::SaveAs(path) => {
                self.modal = None;
                self.save_to(path);
            }
            Command::Export { dir, format } => {
                self.modal = None;
                self.export(dir, format);
            }
            Command::Dialog(m) => self.modal = Some(m),
            Command::Resolve { save } => self.resolve(save),
            Command::CloseModal => self.modal = None,
            Command::Dismiss(i) => self.notices.dismiss(i),
            Command::ShowModels => self.views.show_models(),
            Command::ShowAbout => self.views.show_about(),
            Command::UseModel(spec) => self.use_model(&spec),
            Command::CancelModel => {
                self.rt.cancel_load();
                self.picked = false;
                self.views.refresh_models();
                if self.rt.backbone().is_none() {
                    self.notices.info("download cancelled; using the built-in model".into());
                    self.rt.load_model(ModelSource::Builtin);
                } else {
                    self.notices.info("download cancelled (it resumes where it stopped next time)".into());
                }
            }
        }
    }

    /// Starts loading another backbone (see [`Command::UseModel`]).
    fn use_model(&mut self, spec: &str) {
        if let Some(name) = &self.switching {
            return self.notices.info(format!("wait until {name} is in use"));
        }
        let source = match ModelSource::parse(spec) {
            Ok(s) => s,
            Err(e) => return self.notices.error(e.to_string()),
        };
        let current = self.rt.backbone().map(|b| b.id().to_owned());
        if current.as_deref() == Some(source.spec().as_str()) {
            self.rt.cancel_load();
            return self.notices.info(format!("already using {}", super::panels::model_title(&source.spec())));
        }
        self.picked = true;
        self.rt.load_model(source);
    }

    /// A model asked for in the picker has loaded: re-compute the project's features with it
    /// (the live view and recording pause meanwhile), then put it in use.
    fn adopt_staged(&mut self) {
        let Some(bb) = self.rt.staged().cloned() else { return };
        self.set_recording(None);
        let name = super::panels::model_title(bb.id());
        // The same weights and preprocessing from another place compute the same features: the
        // examples, the cut and the trained head stay as they are.
        let same = self
            .rt
            .backbone()
            .is_some_and(|old| old.weights_sha256() == bb.weights_sha256() && old.config() == bb.config());
        if same {
            self.rt.commit_model();
            self.model_in_use(&name);
            return self.notices.info(format!(
                "now using {name}: the same weights as before, so the examples and the trained head are kept"
            ));
        }
        self.rt.cancel_training();
        self.settings.cut = None;
        self.settings.learn_layer = None;
        let cut = bb.default_cut();
        match &mut self.doc {
            Some(doc) if doc.total() > 0 => {
                self.rt.stop_features();
                self.notices.info(format!("re-computing {} examples' features with {name}…", doc.total()));
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
                    self.notices.error(e);
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
    fn model_in_use(&mut self, name: &str) {
        self.start_features();
        if std::mem::take(&mut self.picked) {
            self.settings.model = self.rt.backbone().filter(|b| !b.is_builtin()).map(|b| b.id().to_owned());
        }
        self.views.refresh_models();
        self.notices.info(format!("now using {name}"));
    }

    /// Runs `pending` now, or first asks what to do with unsaved examples.
    fn guard_unsaved(&mut self, pending: Pending) {
        if self.doc.as_ref().is_some_and(Document::is_dirty) {
            self.modal = Some(Modal::Unsaved(pending));
        } else {
            self.modal = None;
            self.run_pending(pending);
        }
    }

    fn resolve(&mut self, save: bool) {
        let Some(Modal::Unsaved(pending)) = self.modal.take() else { return };
        if save {
            match self.doc.as_ref().and_then(|d| d.path().map(PathBuf::from)) {
                Some(p) => {
                    // Saved from a snapshot taken now, so going on at once loses nothing.
                    self.save_to(p);
                }
                None => {
                    self.modal = Some(Modal::save_as(&self.settings));
                    self.notices.info("choose where to save, then try again".into());
                    return;
                }
            }
        }
        self.run_pending(pending);
    }

    fn run_pending(&mut self, pending: Pending) {
        match pending {
            Pending::New => self.new_document(),
            Pending::Open(path) => self.open(path, false),
        }
    }

    /// Replaces the project with an empty one at the settings' cut.
    pub(crate) fn new_document(&mut self) {
        let Some(bb) = self.rt.backbone().cloned() else { return };
        let cut = self.settings.cut.as_deref().and_then(|n| bb.find_cut(n).ok()).unwrap_or(bb.default_cut());
        match Document::new(&bb, cut, self.settings.crop, self.settings.idle_class, self.settings.hyper.clone()) {
            Ok(doc) => self.set_document(doc),
            Err(e) => self.notices.error(e),
        }
    }

    fn set_document(&mut self, doc: Document) {
        self.set_recording(None);
        self.tex.clear_thumbs();
        self.run = RunProgress::default();
        self.settings.crop = doc.crop();
        self.settings.hyper = doc.hyper().clone();
        self.rt.send_features(FeatureCmd::Crop(doc.crop()));
        self.rt.send_features(FeatureCmd::SetCut(doc.cut()));
        self.rt.send_features(FeatureCmd::SetHead(doc.head().cloned()));
        self.doc = Some(doc);
    }

    /// Opens `path` on a background thread (re-featurising it if it was recorded at another
    /// cut or with another backbone).
    pub(crate) fn open(&mut self, path: PathBuf, recovery: bool) {
        let Some(bb) = self.rt.backbone().cloned() else {
            self.pending_open = Some((path, recovery));
            return;
        };
        self.notices.info(format!("opening {}…", path.display()));
        self.rt.jobs().spawn(move || {
            let result = Document::load(&path, &bb).map(Box::new);
            JobResult::Opened { path, recovery, result }
        });
    }

    fn save_to(&mut self, path: PathBuf) {
        let path = crate::learn::project::with_extension(&path);
        let Some(doc) = &mut self.doc else { return };
        let project = doc.snapshot();
        let revision = doc.revision();
        self.rt.jobs().spawn(move || {
            let result =
                project.save(&path).map_err(|source| crate::live::LiveError::Save { path: path.clone(), source });
            JobResult::Saved { path, recovery: false, revision, result }
        });
    }

    /// Writes the export on a job thread (a V3 ONNX file is ~20 MB); the outcome is a notice.
    fn export(&mut self, dir: PathBuf, format: crate::learn::export::Format) {
        let (Some(doc), Some(bb)) = (&self.doc, self.rt.backbone().cloned()) else { return };
        let project = doc.snapshot();
        self.notices.info(format!("exporting {} to {}…", format.name(), dir.display()));
        self.rt.jobs().spawn(move || {
            let result = crate::learn::export::export(&project, &bb, format, &dir)
                .map(|e| e.summary())
                .map_err(|source| crate::live::LiveError::Export { dir: dir.clone(), source: Box::new(source) });
            JobResult::Exported { result }
        });
    }

    fn start_training(&mut self) {
        let Some(doc) = &self.doc else { return };
        if self.rt.is_training() {
            return;
        }
        let data = match doc.train_data() {
            Ok(d) => d,
            Err(e) => {
                self.run.outcome = Some(e.to_string());
                self.notices.error(e);
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
                self.notices.error(e.to_string());
            }
        }
    }

    fn change_cut(&mut self, cut: usize) {
        if self.switching.is_some() {
            return self.notices.info("wait until the new model is in use".into());
        }
        let Some(bb) = self.rt.backbone().cloned() else { return };
        self.settings.cut = bb.cuts().get(cut).map(|c| c.name.clone());
        let Some(doc) = &mut self.doc else { return };
        self.rt.cancel_training();
        if doc.total() == 0 {
            if let Err(e) = doc.set_cut_empty(&bb, cut) {
                self.notices.error(e);
            }
            self.rt.send_features(FeatureCmd::SetCut(doc.cut()));
            self.rt.send_features(FeatureCmd::SetHead(None));
            return;
        }
        let project = doc.snapshot();
        self.notices.info(format!(
            "re-computing {} examples' features at {}…",
            doc.total(),
            self.settings.cut.as_deref().unwrap_or("?")
        ));
        self.rt.jobs().spawn(move || {
            let result = Document::refeaturize(project, &bb, cut).map(Box::new);
            JobResult::Refeaturized { cut, result }
        });
    }

    /// Acts on one worker report.
    pub(crate) fn on_event(&mut self, event: RuntimeEvent) {
        match event {
            RuntimeEvent::BackboneReady => {
                if self.doc.is_none() {
                    self.new_document();
                }
                self.start_features();
                if std::mem::take(&mut self.picked) {
                    self.settings.model = self.rt.backbone().filter(|b| !b.is_builtin()).map(|b| b.id().to_owned());
                }
                self.views.refresh_models();
                if let Some((path, recovery)) = self.pending_open.take() {
                    self.open(path, recovery);
                }
            }
            RuntimeEvent::ModelStaged => self.adopt_staged(),
            RuntimeEvent::LoadFailed(message) => {
                self.picked = false;
                self.views.refresh_models();
                if let Some(bb) = self.rt.backbone() {
                    let name = super::panels::model_title(bb.id());
                    self.notices.error(format!("could not load the model: {message} — still using {name}"));
                } else if std::mem::take(&mut self.model_fallback) {
                    self.notices.error(format!("{message} — using the built-in model instead"));
                    self.settings.model = None;
                    self.rt.load_model(ModelSource::Builtin);
                }
            }
            RuntimeEvent::Feature(FeatureEvent::Example(ex)) => {
                let Some(doc) = &mut self.doc else { return };
                let preview = ex.preview.clone();
                match doc.add(*ex) {
                    Ok(Some(id)) => self.tex.insert_thumb(&self.ctx, id, &preview),
                    Ok(None) => {}
                    Err(e) => {
                        self.set_recording(None);
                        self.notices.error(e);
                    }
                }
            }
            RuntimeEvent::Feature(FeatureEvent::Error(e)) => self.notices.error(e),
            RuntimeEvent::Feature(FeatureEvent::SinkStopped(reason)) => {
                self.notices.info(format!("{reason} — the model steers the built-in Pac-Man again"));
            }
            RuntimeEvent::Game(_) => {}
            RuntimeEvent::Train(e) => self.on_train(e),
            RuntimeEvent::Job(j) => self.on_job(j),
        }
    }

    fn on_train(&mut self, e: TrainEvent) {
        let per = self.run.batches_per_epoch.max(1) as f64;
        match e {
            TrainEvent::Augmenting { done, total } => self.run.augmenting = Some((done, total)),
            TrainEvent::Batch { epoch, batch, loss } => {
                if (epoch, batch) == (1, 1) {
                    self.run.outcome = None;
                }
                self.run.batch_loss.push([(epoch - 1) as f64 + batch as f64 / per, f64::from(loss)]);
            }
            TrainEvent::Epoch { epoch, train_loss, train_acc, val_loss, val_acc } => {
                self.run.epochs_done.push(crate::learn::EpochMetrics {
                    epoch,
                    train_loss,
                    train_acc,
                    val_loss,
                    val_acc,
                });
            }
            TrainEvent::Ready { head } => {
                // The kept head steers now; the validation heads still train (measuring only).
                self.run.ready = true;
                self.steer_with(head);
            }
            TrainEvent::Validated { epoch, val_loss, val_acc } => {
                if let Some(m) = self.run.epochs_done.get_mut(epoch.saturating_sub(1)) {
                    (m.val_loss, m.val_acc) = (Some(val_loss), Some(val_acc));
                }
                self.run.validated = epoch;
            }
            TrainEvent::Done { head, report } => {
                self.run.running = false;
                let acc = match (report.val_accuracy(), report.train_accuracy()) {
                    (Some(v), _) => format!(" — validation accuracy {:.1} %", v * 100.0),
                    (None, Some(t)) => {
                        let why = report.plan.split.no_validation.as_deref().unwrap_or("no examples kept aside");
                        format!(" — training accuracy {:.1} % (not validated: {why})", t * 100.0)
                    }
                    (None, None) => String::new(),
                };
                self.run.outcome = Some(format!("trained in {:.1} s{acc}", report.elapsed.as_secs_f32()));
                self.run.epochs_done.clone_from(&report.epochs);
                if let Some(doc) = &mut self.doc {
                    doc.set_trained(head.clone(), &report);
                }
                self.rt.send_features(FeatureCmd::SetHead(Some(head)));
            }
            TrainEvent::Stopped(reason) => {
                self.run.running = false;
                let cancelled = matches!(reason, crate::learn::StopReason::Cancelled);
                let line = reason.to_string();
                if let crate::learn::StopReason::NonFinite { last_good: Some(head), .. } = reason
                    && self.doc.is_some()
                {
                    // The last good head of this run: like a head that steers before
                    // validation, it comes without a record, and the old run's record goes.
                    self.steer_with(*head);
                }
                let line = if cancelled && self.run.ready {
                    "validation stopped: the trained head steers, its accuracy was not measured".to_owned()
                } else {
                    line
                };
                self.run.outcome = Some(line.clone());
                if !cancelled {
                    self.notices.error(line);
                }
            }
        }
    }

    /// Makes `head`, of the run in progress, the project's head (without a record: see
    /// `Document::set_ready`) and the one that steers.
    fn steer_with(&mut self, head: crate::learn::Head) {
        if let Some(doc) = &mut self.doc {
            let hyper = self.run.hyper.clone().unwrap_or_else(|| doc.hyper().clone());
            doc.set_ready(head.clone(), hyper);
        }
        self.rt.send_features(FeatureCmd::SetHead(Some(head)));
    }

    fn on_job(&mut self, j: JobResult) {
        match j {
            JobResult::Saved { path, recovery, revision, result } => match result {
                Ok(()) => {
                    if !recovery {
                        self.settings.remember(path.clone());
                        if let Some(doc) = &mut self.doc {
                            doc.saved(&path, revision);
                        }
                        // The work is safe in its own file now.
                        if let Some(r) = self.options.recovery_path() {
                            let _ = std::fs::remove_file(r);
                        }
                    }
                    if recovery {
                        tracing::info!("autosaved to {}", path.display());
                    } else {
                        self.notices.info(format!("saved {}", path.display()));
                    }
                }
                Err(e) if recovery => self.notices.error(format!("could not autosave to the recovery file: {e}")),
                Err(e) => self
                    .notices
                    .error(format!("{e} — your examples are still here; try another place (Project > Save as…)")),
            },
            JobResult::Opened { path, recovery, result } => {
                match result {
                    Ok(doc) => {
                        let mut doc = *doc;
                        if recovery {
                            doc.forget_path();
                            self.notices.info(format!("recovered {} unsaved examples from the last session — save them with Project > Save as…", doc.total()));
                        } else {
                            self.settings.remember(path.clone());
                            self.notices.info(format!("opened {} ({} examples)", path.display(), doc.total()));
                        }
                        self.set_document(doc);
                    }
                    Err(e) => self.notices.error(e),
                }
            }
            JobResult::Exported { result } => match result {
                Ok(summary) => self.notices.info(summary),
                Err(e) => self.notices.error(e),
            },
            JobResult::Map { revision: _, result } => self.on_map(result),
            JobResult::Refeaturized { cut: _, result } if self.switching.is_some() => {
                let name = self.switching.take().unwrap_or_default();
                match result {
                    Ok(doc) => {
                        self.rt.commit_model();
                        let doc = match &self.doc {
                            Some(old) => doc.replacing(old),
                            None => *doc,
                        };
                        let n = doc.total();
                        self.set_document(doc);
                        self.model_in_use(&name);
                        self.notices.info(format!(
                            "now using {name}: the features of {n} examples were re-computed from their pictures — train again"
                        ));
                    }
                    Err(e) => {
                        self.rt.discard_staged();
                        self.picked = false;
                        self.start_features();
                        self.notices.error(format!("could not switch to {name}: {e}"));
                    }
                }
            }
            JobResult::Refeaturized { cut: _, result } => match result {
                Ok(doc) => {
                    let doc = match &self.doc {
                        Some(old) => doc.replacing(old),
                        None => *doc,
                    };
                    self.notices.info(format!(
                        "features re-computed at the new cut for {} examples — train again",
                        doc.total()
                    ));
                    self.set_document(doc);
                }
                Err(e) => self.notices.error(format!("could not change the cut: {e}")),
            },
        }
    }
}
