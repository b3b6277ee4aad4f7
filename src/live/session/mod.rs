//! The app's state machine without a window: the open project, the chosen model and cut, the
//! workers, autosave and recovery. Like the game's `step(input) → events`, it changes only
//! through [`Session::apply`] (a [`Command`]) and [`Session::poll`] / [`Session::on_event`]
//! (what the workers reported), and both return the [`Notice`]s a front end shows.
//!
//! The desktop app (`ui`) maps clicks and keys to commands and draws notices; tests drive the
//! same flows — switching the model mid-recording, changing the cut while training, recovering
//! a crashed session, a failed download — with no window at all.
//!
//! **May import:** what `live` may (`backbone`, `camera`, `learn`, `game`); never `ui` or egui.

mod classes;
mod command;
mod events;
pub mod example_map;
mod files;
mod fix;
mod keys;
pub mod model;
pub mod settings;

use std::path::PathBuf;
use std::sync::Arc;

use crate::backbone::{BackboneError, FetchOptions, ModelSource};
use crate::camera::{Clock, SystemClock};
use crate::game::Options;

use super::doc::Document;
use super::{FeatureCmd, FeatureSetup, GameCmd, GameSetup, RecordRequest, Repaint, Runtime, RuntimeOptions};
use super::{ViewPrefill, ViewRequest};

pub use command::{Command, DemoNudge, Pending};
pub use example_map::ExampleMapState;
pub use keys::picked_profile;
pub use model::model_title;
pub use settings::{LearnPage, Recording, RunProgress, Settings, Tab};

/// Why a run stops when the cut or the model changes under it.
const FEATURES_CHANGED: &str = "training stopped: the examples' features changed — train again";

/// The countdown before keys go to another window: time to click into the other game.
pub const KEYS_COUNTDOWN: std::time::Duration = std::time::Duration::from_secs(3);

/// How often an unsaved project is copied to the recovery file.
pub const AUTOSAVE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// What the front end should show or do after a command or a poll.
#[derive(Clone, Debug)]
pub enum Notice {
    /// A line of news (the status bar).
    Info(String),
    /// Something went wrong; one line that says what and, where known, how to fix it.
    Error(String),
    /// A question for the user before going on; the answer is another command.
    Ask(Question),
    /// A recorded example arrived (its thumbnail, for the grid).
    Example {
        /// Its id.
        id: u64,
        /// What the camera saw.
        preview: Arc<image::RgbImage>,
    },
    /// The open project was replaced: pictures cached for the old one are stale.
    DocumentReplaced,
    /// A model finished loading, failed or was cancelled: the model list may have changed.
    ModelsChanged,
    /// Nothing to do now, but look again after this long (a countdown, a refit that waits).
    WakeAfter(std::time::Duration),
}

/// What the user is asked.
#[derive(Clone, Debug, PartialEq)]
pub enum Question {
    /// Cut the network elsewhere? Re-computes every example's features and drops the head.
    Cut(usize),
    /// There is unsaved work: save it first, or not? ([`Command::Proceed`] answers.)
    Unsaved(Pending),
    /// Where should the project be saved? ([`Command::SaveAs`] answers.)
    SaveAs,
}

/// How a session starts.
#[derive(Clone, Default)]
pub struct SessionOptions {
    /// `--model`: `builtin`, a catalog name, a model directory or a hub repo id (`None`:
    /// `$PACNET_MODEL`, else the settings' last choice, else the built-in one).
    pub model: Option<String>,
    /// A project to open at start.
    pub project: Option<PathBuf>,
    /// Where an untitled project is saved on exit and autosaved; `None`: nowhere.
    pub recovery_file: Option<PathBuf>,
    /// The clock the workers and the autosave run by; `None`: the system clock.
    pub clock: Option<Arc<dyn Clock>>,
    /// How downloads may go (`offline`, a test's `endpoint`).
    pub fetch: FetchOptions,
    /// Play the game's sound on the default output device.
    pub sound: bool,
}

/// The open project, the model, the workers and the flags of the flows in progress.
pub struct Session {
    settings: Settings,
    options: SessionOptions,
    rt: Runtime,
    /// The open project (`None` until the backbone has loaded).
    doc: Option<Document>,
    recording: Recording,
    run: RunProgress,
    /// Augmented views' features of the examples, kept across training runs.
    view_cache: Arc<std::sync::Mutex<crate::learn::ViewCache>>,
    /// The background computation of the examples' augmented views.
    prefill: ViewPrefill,
    /// The feature map and its fitting.
    example_map: ExampleMapState,
    /// The tab the workers were last told about.
    shown_tab: Option<Tab>,
    /// The learn request the feature worker was last sent.
    sent_view: Option<ViewRequest>,
    /// When (on the runtime's clock) keys start going to another window, while counting down.
    keys_from: Option<std::time::Duration>,
    /// A project to open once the backbone is ready (and whether it is the recovery file).
    pending_open: Option<(PathBuf, bool)>,
    exited: bool,
    last_autosave: Option<std::time::Duration>,
    autosaved_revision: Option<u64>,
    /// The first model came from the settings, not from `--model`: if it fails to load, the
    /// built-in one is used instead.
    model_fallback: bool,
    /// The model loading was picked by the user: keep the choice in the settings once in use.
    picked: bool,
    /// The name of the model whose features are being computed for the project (recording
    /// pauses until it is in use).
    switching: Option<String>,
    /// The run in progress was for features that are gone (the cut or the model changed
    /// while it trained): its heads read the old features, so none of them may steer or be
    /// kept, however late they arrive.
    stale_run: bool,
    /// Why the run in progress is stale, for the line shown when it ends.
    stale_why: &'static str,
    /// Examples were added from play while a run trained: train again once it ends.
    retrain: bool,
    /// Notices not yet handed out.
    out: Vec<Notice>,
}

impl Session {
    /// Starts the workers and returns at once; the model loads in the background. The first
    /// [`poll`](Self::poll) hands out notices about the start (a remembered model that is not
    /// a model any more).
    pub fn start(mut settings: Settings, options: SessionOptions, repaint: Repaint) -> Self {
        let mut out = Vec::new();
        let (model, model_fallback) = startup_model(options.model.as_deref(), &settings);
        let model = match model {
            Err(e) if model_fallback => {
                out.push(Notice::Error(format!("{e}; using the built-in model instead")));
                settings.model = None;
                Ok(ModelSource::Builtin)
            }
            other => other,
        };
        let clock = options.clock.clone().unwrap_or_else(SystemClock::shared);
        let started = clock.now();
        let rt = Runtime::start(
            RuntimeOptions {
                model,
                fetch: options.fetch.clone(),
                camera: settings.camera.clone(),
                transform: settings.transform(),
                game: GameSetup {
                    seed: 0x7061_636d,
                    speed: settings.game_speed,
                    high_score: settings.high_score,
                    options: Options::default(),
                    clock: Arc::clone(&clock),
                    sound: options.sound,
                    volume: settings.volume,
                    muted: settings.muted,
                },
                clock,
            },
            repaint,
        );
        rt.send_game(GameCmd::UseModel(settings.use_model));
        let pending_open = match (&options.project, &options.recovery_file) {
            (Some(p), _) => Some((p.clone(), false)),
            (None, Some(r)) if r.is_file() => Some((r.clone(), true)),
            _ => None,
        };
        Self {
            settings,
            options,
            rt,
            doc: None,
            recording: Recording::default(),
            run: RunProgress::default(),
            view_cache: Arc::default(),
            prefill: ViewPrefill::default(),
            example_map: ExampleMapState::default(),
            shown_tab: None,
            sent_view: None,
            keys_from: None,
            pending_open,
            exited: false,
            last_autosave: Some(started),
            autosaved_revision: None,
            model_fallback,
            picked: false,
            switching: None,
            stale_run: false,
            stale_why: FEATURES_CHANGED,
            retrain: false,
            out,
        }
    }

    /// The settings in force.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The settings, to edit in place (sliders do); call [`sync`](Self::sync) afterwards so
    /// the workers hear of the change.
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    /// The open project, once the model has loaded.
    #[must_use]
    pub fn document(&self) -> Option<&Document> {
        self.doc.as_ref()
    }

    /// The workers.
    #[must_use]
    pub fn runtime(&self) -> &Runtime {
        &self.rt
    }

    /// Training progress of the current or last run.
    #[must_use]
    pub fn run_progress(&self) -> &RunProgress {
        &self.run
    }

    /// The class being recorded, if any.
    #[must_use]
    pub fn recording_class(&self) -> Option<usize> {
        self.recording.active.map(|(c, _)| c)
    }

    /// The feature map and its fitting.
    #[must_use]
    pub fn example_map(&self) -> &ExampleMapState {
        &self.example_map
    }

    /// The name of the model the project is being moved to, while its features are computed.
    #[must_use]
    pub fn switching(&self) -> Option<&str> {
        self.switching.as_deref()
    }

    /// Seconds until keys start going to another window, while counting down.
    #[must_use]
    pub fn keys_countdown_left(&self) -> Option<f32> {
        let from = self.keys_from?;
        Some(from.saturating_sub(self.rt.clock().now()).as_secs_f32())
    }

    /// Whether a countdown to sending keys runs.
    #[must_use]
    pub fn keys_counting_down(&self) -> bool {
        self.keys_from.is_some()
    }

    /// The settings, the workers, the project and the run, borrowed at once (the panels read
    /// the rest while sliders edit the settings).
    pub fn parts(&mut self) -> (&mut Settings, &Runtime, Option<&Document>, &RunProgress, &ExampleMapState) {
        (&mut self.settings, &self.rt, self.doc.as_ref(), &self.run, &self.example_map)
    }

    /// Worker results in: drains every channel and acts on what arrived, autosaves, runs the
    /// keys countdown and the background work. Never blocks.
    pub fn poll(&mut self) -> Vec<Notice> {
        for event in self.rt.poll() {
            self.handle_event(event);
        }
        if let Some(snapshot) = self.rt.game().and_then(|g| g.snapshot()) {
            self.settings.high_score = self.settings.high_score.max(snapshot.game.high_score());
        }
        self.autosave();
        self.keys_countdown();
        self.prefill_views();
        self.retrain_if_due();
        std::mem::take(&mut self.out)
    }

    /// Tells the workers about settings edited in place since `before` (and the tab shown and
    /// the learn view), and keeps the feature map current.
    pub fn sync(&mut self, before: &Settings) -> Vec<Notice> {
        self.sync_workers(before);
        self.sync_map();
        std::mem::take(&mut self.out)
    }

    fn info(&mut self, line: String) {
        self.out.push(Notice::Info(line));
    }

    fn error(&mut self, e: impl ToString) {
        self.out.push(Notice::Error(e.to_string()));
    }

    /// Computes new examples' augmented views in the background as they arrive, so that
    /// pressing Train only trains. Not while training (the trainer computes what is missing
    /// itself) and never blocking on the cache.
    fn prefill_views(&mut self) {
        if self.prefill.is_running() || self.rt.is_training() || self.switching.is_some() {
            return;
        }
        let (Some(doc), Some(bb)) = (&self.doc, self.rt.backbone().cloned()) else { return };
        let hyper = &self.settings.hyper;
        if hyper.views == 0 {
            return;
        }
        let Ok(mut cache) = self.view_cache.try_lock() else { return };
        if !self.prefill.is_new(doc.revision(), hyper) {
            return;
        }
        let pending = cache.pending(doc.dataset(), hyper);
        drop(cache);
        if !pending.is_empty() {
            self.prefill.start(bb, doc.cut(), Arc::clone(&self.view_cache), pending);
        }
    }

    /// Tells the workers what changed: the visible tab, settings edited by sliders, the learn
    /// view.
    fn sync_workers(&mut self, before: &Settings) {
        let s = &self.settings;
        if self.shown_tab != Some(s.tab) {
            self.shown_tab = Some(s.tab);
            self.rt.send_game(GameCmd::Running(s.tab == Tab::Play));
            self.rt.send_features(FeatureCmd::History(s.tab == Tab::Play));
        }
        if (s.key_mode != before.key_mode || s.key_profiles != before.key_profiles) && self.rt.key_tester().is_some() {
            self.set_key_tester(true);
        }
        let s = &self.settings;
        if s.steer != before.steer {
            self.rt.send_features(FeatureCmd::Steer(s.steer));
        }
        if s.crop != before.crop {
            self.rt.send_features(FeatureCmd::Crop(s.crop));
        }
        if s.game_speed != before.game_speed {
            self.rt.send_game(GameCmd::Speed(s.game_speed));
        }
        if s.use_model != before.use_model {
            self.rt.send_game(GameCmd::UseModel(s.use_model));
        }
        if s.muted != before.muted {
            self.rt.send_game(GameCmd::Mute(s.muted));
        }
        if (s.volume - before.volume).abs() > f32::EPSILON {
            self.rt.send_game(GameCmd::Volume(s.volume));
        }
        if (s.camera != before.camera || s.mirror != before.mirror)
            && let Some(c) = self.rt.capture()
        {
            if s.camera != before.camera {
                c.switch(s.camera.clone());
            }
            if let Err(e) = c.set_transform(s.transform()) {
                self.out.push(Notice::Error(e.to_string()));
            }
        }
        if let Some(r) = self.recording.active
            && (s.record_rate - before.record_rate).abs() > f32::EPSILON
        {
            self.rt.send_features(FeatureCmd::Record(Some(RecordRequest {
                class: r.0,
                burst: r.1,
                per_second: s.record_rate,
            })));
        }
        let view = self.view_request();
        if self.sent_view != Some(view) && self.rt.features().is_some() {
            self.sent_view = Some(view);
            self.rt.send_features(FeatureCmd::View(view));
        }
    }

    /// What the learn panel needs from the feature worker (nothing when it is not shown).
    fn view_request(&self) -> ViewRequest {
        if self.settings.tab != Tab::Learn {
            return ViewRequest::default();
        }
        ViewRequest { layer: self.learn_layer(), first_channel: self.settings.learn_first_channel, top5: true }
    }

    /// The layer the learn panel shows: the chosen one, else the project's cut.
    #[must_use]
    pub fn learn_layer(&self) -> Option<usize> {
        let bb = self.rt.backbone()?;
        self.settings
            .learn_layer
            .as_deref()
            .and_then(|n| bb.find_cut(n).ok())
            .or_else(|| self.doc.as_ref().map(Document::cut))
            .or(Some(bb.default_cut()))
    }

    /// Starts or stops recording when the held class changes.
    fn set_recording(&mut self, held: Option<usize>) {
        let now = self.recording.active.map(|(c, _)| c);
        if held == now {
            return;
        }
        let doc = &mut self.doc;
        let rate = self.settings.record_rate;
        let req = held
            .and_then(|class| doc.as_mut().map(|d| RecordRequest { class, burst: d.new_burst(), per_second: rate }));
        self.recording.active = req.map(|r| (r.class, r.burst));
        self.rt.send_features(FeatureCmd::Record(req));
    }

    /// Starts the feature worker once the backbone is there, at the project's cut.
    fn start_features(&mut self) {
        let Some(bb) = self.rt.backbone().cloned() else { return };
        let cut = self.doc.as_ref().map_or_else(
            || self.settings.cut.as_deref().and_then(|n| bb.find_cut(n).ok()).unwrap_or(bb.default_cut()),
            Document::cut,
        );
        let setup = FeatureSetup { cut, crop: self.settings.crop, steer: self.settings.steer };
        match self.rt.start_features(setup) {
            Ok(()) => {
                self.sent_view = None;
                self.example_map.forget_sent();
                self.rt.send_features(FeatureCmd::History(self.settings.tab == Tab::Play));
                if let Some(head) = self.doc.as_ref().and_then(|d| d.head().cloned()) {
                    self.rt.send_features(FeatureCmd::SetHead(Some(head), head_examples(self.doc.as_ref())));
                }
            }
            Err(e) => self.error(e),
        }
    }

    /// Stops the workers (after [`save_on_exit`](Self::save_on_exit) if work should be kept).
    pub fn shutdown(&mut self) {
        self.prefill.stop();
        self.rt.shutdown();
    }
}

/// The first model to load, and whether it came from the settings (then a failure falls back
/// to the built-in model): `--model`, else `$PACNET_MODEL`, else the picker's last choice,
/// else the built-in model.
fn startup_model(model: Option<&str>, settings: &Settings) -> (Result<ModelSource, BackboneError>, bool) {
    use crate::backbone::hub::MODEL_ENV;
    if let Some(m) = model {
        return (ModelSource::parse_from(m, "--model"), false);
    }
    if let Ok(v) = std::env::var(MODEL_ENV)
        && !v.trim().is_empty()
    {
        return (ModelSource::parse_from(&v, &format!("${MODEL_ENV}")), false);
    }
    match &settings.model {
        Some(m) => (ModelSource::parse_from(m, "the model chosen last time"), true),
        None => (Ok(ModelSource::Builtin), false),
    }
}

/// The features of `doc`'s examples, sent with its head as the steering's familiarity
/// reference (the head was trained on them; a head with another input length gets none).
fn head_examples(doc: Option<&Document>) -> Vec<crate::learn::Features> {
    let Some(doc) = doc else { return Vec::new() };
    let want = doc.head().map(crate::learn::Head::input_len);
    doc.dataset().examples().iter().map(|e| e.features.clone()).filter(|f| Some(f.len()) == want).collect()
}
