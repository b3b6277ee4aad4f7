//! The eframe app: persisted [`Settings`], the runtime resources beside them, and the frame
//! loop — worker results in ([`PacnetApp::update`]), panels drawn, then the [`Command`]s they
//! recorded applied ([`PacnetApp::draw`]).
//!
//! As in egui's demo app (`wrap_app.rs`): settings are serde with struct-level defaults so old
//! saves still load; runtime handles are never serialised; buttons inside drawing closures only
//! push commands, and the commands run after the frame is drawn.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::backbone::hub::MODEL_ENV;
use crate::backbone::{Crop, FetchOptions, ModelSource};
use crate::camera::{SourceSpec, Transform};
use crate::game::{Dir, Options};
use crate::learn::Hyper;

use super::AppOptions;
use super::panels::{self, Modal, Notices};
use super::textures::Textures;
use crate::live::doc::Document;
use crate::live::meters::FrameStats;
use crate::live::steer::SteerSettings;
use crate::live::{FeatureCmd, FeatureSetup, GameCmd, GameSetup, RecordRequest, Runtime, RuntimeOptions, ViewRequest};

pub use super::commands::{Command, DemoNudge};
use crate::live::KeyMode;

/// The countdown before keys go to another window: time to click into the other game.
pub const KEYS_COUNTDOWN: std::time::Duration = std::time::Duration::from_secs(3);

/// How often an unsaved project is copied to the recovery file.
pub const AUTOSAVE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// The four panels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tab {
    /// Record examples.
    #[default]
    Record,
    /// Train the head.
    Train,
    /// Play Pac-Man.
    Play,
    /// See inside the network.
    Learn,
}

impl Tab {
    /// Every tab in order.
    pub const ALL: [Tab; 4] = [Tab::Record, Tab::Train, Tab::Play, Tab::Learn];

    /// The tab's button label.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Tab::Record => "1  Record",
            Tab::Train => "2  Train",
            Tab::Play => "3  Play",
            Tab::Learn => "4  Learn",
        }
    }
}

/// The learn panel's two pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LearnPage {
    /// The layer table, activation maps and MobileNet's guesses.
    #[default]
    Layers,
    /// Every example as a dot in 2-D, with the live frame moving among them.
    Map,
}

/// What is remembered between sessions (eframe storage). Projects go in `.pacnet` files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The panel shown.
    pub tab: Tab,
    /// The camera.
    pub camera: SourceSpec,
    /// Mirror the camera; `None`: what suits the source (webcams mirrored).
    pub mirror: Option<bool>,
    /// What part of the frame the network sees.
    pub crop: Crop,
    /// Examples per second while a record button is held.
    pub record_rate: f32,
    /// Add the idle class `none` to new projects.
    pub idle_class: bool,
    /// Training hyperparameters.
    pub hyper: Hyper,
    /// Threshold and smoothing.
    pub steer: SteerSettings,
    /// Game speed in percent.
    pub game_speed: u32,
    /// Let the model steer (the arrow keys always do).
    pub use_model: bool,
    /// Draw each ghost's target tile.
    pub show_targets: bool,
    /// Best score so far.
    pub high_score: u32,
    /// Recently used project files, newest first.
    pub recent: Vec<PathBuf>,
    /// The cut for new projects, by name; `None`: the backbone's default.
    pub cut: Option<String>,
    /// The layer the learn panel shows, by name; `None`: the cut.
    pub learn_layer: Option<String>,
    /// First channel the learn panel shows.
    pub learn_first_channel: usize,
    /// How predictions become key presses when steering another window.
    pub key_mode: KeyMode,
    /// The backbone chosen in the model picker, as `--model` takes it; `None`: the built-in one.
    /// `--model` and `$PACNET_MODEL` win over it.
    pub model: Option<String>,
    /// What the learn panel shows.
    pub learn_page: LearnPage,
    /// Presenter mode: full screen, 2× zoom, high contrast, advanced controls hidden.
    pub presenter: bool,
    /// Game sound silenced (M on the play panel).
    pub muted: bool,
    /// Game sound volume, 0 to 1.
    pub volume: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            tab: Tab::Record,
            camera: SourceSpec::Demo,
            mirror: None,
            crop: Crop::CenterSquare,
            record_rate: 10.0,
            idle_class: true,
            hyper: Hyper::default(),
            steer: SteerSettings::default(),
            game_speed: 75,
            use_model: true,
            show_targets: false,
            high_score: 0,
            recent: Vec::new(),
            cut: None,
            learn_layer: None,
            learn_first_channel: 0,
            key_mode: KeyMode::Hold,
            model: None,
            learn_page: LearnPage::Layers,
            presenter: false,
            muted: false,
            volume: 0.8,
        }
    }
}

impl Settings {
    /// Most recent files remembered.
    pub const MAX_RECENT: usize = 8;

    /// Puts `path` first in the recent list.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(Self::MAX_RECENT);
    }

    /// The camera transform these settings ask for.
    #[must_use]
    pub fn transform(&self) -> Transform {
        let mut t = Transform::recommended_for(&self.camera);
        if let Some(m) = self.mirror {
            t.mirror = m;
        }
        t
    }
}

/// What the record buttons are doing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recording {
    /// The class held, with its burst id.
    pub active: Option<(usize, u64)>,
}

/// Live training progress, for the train panel's charts.
#[derive(Clone, Debug, Default)]
pub struct RunProgress {
    /// Running now.
    pub running: bool,
    /// Epochs planned.
    pub epochs: usize,
    /// Batches per epoch.
    pub batches_per_epoch: usize,
    /// (epoch as a fraction, loss) per batch.
    pub batch_loss: Vec<[f64; 2]>,
    /// Per-epoch metrics.
    pub epochs_done: Vec<crate::learn::EpochMetrics>,
    /// How the last run ended, one line.
    pub outcome: Option<String>,
    /// The train/validation split sizes.
    pub split: Option<(usize, usize)>,
    /// Augmented views computed so far and to compute, before the first epoch.
    pub augmenting: Option<(usize, usize)>,
    /// The kept head is trained and steers; the validation heads are training.
    pub ready: bool,
    /// Epochs the validation heads have finished.
    pub validated: usize,
    /// The hyperparameters of the run (the project keeps them with its head once it steers).
    pub hyper: Option<crate::learn::Hyper>,
}

/// The whole app: settings, the open project, the workers and the panels' view state.
pub struct PacnetApp {
    /// Persisted settings.
    pub(crate) settings: Settings,
    pub(crate) options: AppOptions,
    pub(crate) rt: Runtime,
    /// The open project (`None` until the backbone has loaded).
    pub(crate) doc: Option<Document>,
    pub(crate) recording: Recording,
    pub(crate) run: RunProgress,
    pub(crate) tex: Textures,
    pub(crate) notices: Notices,
    pub(crate) modal: Option<Modal>,
    pub(crate) views: panels::Views,
    /// Augmented views' features of the examples, kept across training runs.
    pub(crate) view_cache: Arc<std::sync::Mutex<crate::learn::ViewCache>>,
    /// The background computation of the examples' augmented views.
    pub(crate) prefill: crate::live::ViewPrefill,
    /// The tab the workers were last told about.
    shown_tab: Option<Tab>,
    /// The learn request the feature worker was last sent.
    sent_view: Option<ViewRequest>,
    /// The arrow key the game was last told about.
    sent_keys: Option<Dir>,
    /// When (on the runtime's clock) keys start going to another window, while counting down.
    pub(crate) keys_from: Option<std::time::Duration>,
    /// A project to open once the backbone is ready.
    pub(crate) pending_open: Option<(PathBuf, bool)>,
    pub(crate) ctx: egui::Context,
    exited: bool,
    pub(crate) frames: FrameStats,
    last_autosave: Option<std::time::Duration>,
    autosaved_revision: Option<u64>,
    /// When this frame's `update` began.
    frame_start: Option<std::time::Instant>,
    /// The first model came from the settings, not from `--model`: if it fails to load, the
    /// built-in one is used instead.
    pub(crate) model_fallback: bool,
    /// The model loading was picked in the app: keep the choice in the settings once in use.
    pub(crate) picked: bool,
    /// The name of the model whose features are being computed for the project (recording
    /// pauses until it is in use).
    pub(crate) switching: Option<String>,
    /// The feature map and its fitting.
    pub(crate) example_map: super::teach::ExampleMapState,
    /// A chart to save once the window's screenshot arrives.
    pub(crate) shot: Option<super::lesson::Shot>,
}

impl PacnetApp {
    /// Starts the workers and returns at once; the model loads in the background.
    pub fn new(ctx: &egui::Context, mut settings: Settings, options: AppOptions) -> Self {
        if let Some(camera) = &options.camera {
            if *camera != settings.camera {
                settings.mirror = None;
            }
            settings.camera = camera.clone();
        }
        if let Some(tab) = options.tab {
            settings.tab = tab;
        }
        let mut notices = Notices::default();
        let (model, model_fallback) = startup_model(&options, &settings);
        let model = match model {
            Err(e) if model_fallback => {
                notices.error(format!("{e}; using the built-in model instead"));
                settings.model = None;
                Ok(ModelSource::Builtin)
            }
            other => other,
        };
        if settings.presenter {
            super::teach::apply_presenter(ctx, true);
        }
        let repaint_ctx = ctx.clone();
        let clock = options.clock.clone().unwrap_or_else(crate::camera::SystemClock::shared);
        let started = clock.now();
        let rt = Runtime::start(
            RuntimeOptions {
                model,
                fetch: FetchOptions { offline: options.offline, ..FetchOptions::default() },
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
                clock: Arc::clone(&clock),
            },
            Arc::new(move || repaint_ctx.request_repaint()),
        );
        rt.send_game(GameCmd::UseModel(settings.use_model));
        let pending_open = match (&options.project, options.recovery_path()) {
            (Some(p), _) => Some((p.clone(), false)),
            (None, Some(r)) if r.is_file() => Some((r, true)),
            _ => None,
        };
        Self {
            settings,
            options,
            rt,
            doc: None,
            recording: Recording::default(),
            run: RunProgress::default(),
            tex: Textures::default(),
            notices,
            modal: None,
            views: panels::Views::default(),
            view_cache: Arc::default(),
            prefill: crate::live::ViewPrefill::default(),
            shown_tab: None,
            sent_view: None,
            sent_keys: None,
            keys_from: None,
            pending_open,
            ctx: ctx.clone(),
            exited: false,
            frames: FrameStats::default(),
            last_autosave: Some(started),
            autosaved_revision: None,
            frame_start: None,
            model_fallback,
            picked: false,
            switching: None,
            example_map: super::teach::ExampleMapState::default(),
            shot: None,
        }
    }

    /// The settings in force.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The settings, to change before the next frame (tests set thresholds this way).
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

    /// The one-line messages on screen now (errors and news), oldest first.
    #[must_use]
    pub fn messages(&self) -> Vec<String> {
        self.notices.lines()
    }

    /// Does what `cmd` asks, as if a panel had asked for it (for scripts and tests).
    pub fn command(&mut self, cmd: Command) {
        let before = self.settings.clone();
        self.apply(cmd);
        self.sync_workers(&before);
    }

    /// Where the feature map drew each example's dot in the last frame (id, screen position),
    /// for scripts and tests that click one.
    #[must_use]
    pub fn map_dots(&self) -> Vec<(u64, egui::Pos2)> {
        self.views.map_dots().to_vec()
    }

    /// The example outlined in the record panel's grid (picked on the feature map).
    #[must_use]
    pub fn selected_example(&self) -> Option<u64> {
        self.views.selected_example()
    }

    /// The gradient-descent window's walk, while the window is open.
    #[must_use]
    pub fn descent(&self) -> Option<&crate::learn::descent::Descent> {
        self.views.descent()
    }

    /// The feature map on screen, once computed.
    #[must_use]
    pub fn example_map(&self) -> Option<std::sync::Arc<crate::learn::ExampleMap>> {
        self.example_map.current().cloned()
    }

    /// The class being recorded, if a record button is held.
    #[must_use]
    pub fn recording_class(&self) -> Option<usize> {
        self.recording.active.map(|(c, _)| c)
    }

    /// Worker results in: drains every channel and acts on what arrived. Never paints (this is
    /// eframe's `logic`, which also runs while the window is hidden).
    pub fn update(&mut self, ctx: &egui::Context) {
        self.frame_start = Some(std::time::Instant::now());
        self.ctx = ctx.clone();
        for event in self.rt.poll() {
            self.on_event(event);
        }
        if let Some(snapshot) = self.rt.game().and_then(|g| g.snapshot()) {
            self.settings.high_score = self.settings.high_score.max(snapshot.game.high_score());
        }
        self.autosave();
        self.keys_countdown();
        self.prefill_views();
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

    /// Draws the window, then applies the commands the panels recorded.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let started = self.frame_start.take().unwrap_or_else(std::time::Instant::now);
        self.tex.begin_frame();
        self.take_screenshot(ui.ctx());
        if let Some(frame) = self.rt.capture().and_then(crate::camera::Capture::latest) {
            self.tex.update_camera(ui.ctx(), &frame);
        }
        let before = self.settings.clone();
        let mut cmds = Vec::new();
        panels::show(self, ui, &mut cmds);
        self.keyboard(ui.ctx(), &mut cmds);
        for cmd in cmds {
            self.apply(cmd);
        }
        self.sync_workers(&before);
        self.sync_map();
        // Recording and training change the screen every frame (counts, charts): keep
        // repainting at display rate, not only when a camera frame arrives.
        if self.recording.active.is_some() || self.run.running {
            ui.ctx().request_repaint_after(std::time::Duration::from_millis(15));
        }
        let took = started.elapsed();
        let now = self.rt.clock().now();
        self.frames.frame(now, took);
        if let Some(line) = self.frames.summary_every(now, std::time::Duration::from_secs(10)) {
            tracing::info!("{line}");
        }
    }

    /// The UI's frame rate and the time its own code takes per frame.
    #[must_use]
    pub fn frame_stats(&self) -> &FrameStats {
        &self.frames
    }

    /// [`update`](Self::update) then [`draw`](Self::draw): one whole frame, for a test harness
    /// that hands out a `Ui` (egui_kittest's `build_ui_state`).
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.update(&ctx);
        self.draw(ui);
    }

    /// Keys that work anywhere: the demo toy (W A S D move, Q E tilt, R F nearer/farther,
    /// C centre) while the demo camera is on; the arrow keys, P (pause), M (mute) and Space
    /// (skip a cut-scene) on the play panel. They only record commands, applied with the
    /// panels' after the frame.
    fn keyboard(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
        if ctx.egui_wants_keyboard_input() || self.modal.is_some() {
            return;
        }
        if matches!(self.settings.camera, SourceSpec::Demo) {
            // Read the keys first and act after: calling back into the context from inside
            // `ctx.input` would take its lock twice.
            let (held, dt, centre) = ctx.input(|i| {
                let held = [
                    egui::Key::A,
                    egui::Key::D,
                    egui::Key::W,
                    egui::Key::S,
                    egui::Key::Q,
                    egui::Key::E,
                    egui::Key::R,
                    egui::Key::F,
                ]
                .map(|k| i.key_down(k));
                (held, i.stable_dt.clamp(0.0, 0.1), i.key_pressed(egui::Key::C))
            });
            let [left, right, up, down, tilt_l, tilt_r, near, far] = held;
            // Held keys move the toy at a steady speed whatever the frame rate: across the
            // frame in about 2.5 s, a quarter turn in 1.5 s.
            let s = 0.8 * dt;
            let sign = |plus: bool, minus: bool| f32::from(u8::from(plus)) - f32::from(u8::from(minus));
            let nudge = DemoNudge {
                dx: sign(right, left) * s,
                dy: sign(down, up) * s,
                tilt: sign(tilt_r, tilt_l) * 60.0 * dt,
                zoom: 1.5f32.powf(sign(near, far) * dt),
                centre,
            };
            if nudge != (DemoNudge { zoom: 1.0, ..DemoNudge::default() }) {
                cmds.push(Command::Demo(nudge));
            }
            if held.iter().any(|h| *h) {
                ctx.request_repaint(); // keep moving while the key is held
            }
        }
        if self.settings.tab == Tab::Play {
            let keys = ctx.input(|i| {
                [
                    (egui::Key::ArrowUp, Dir::Up),
                    (egui::Key::ArrowDown, Dir::Down),
                    (egui::Key::ArrowLeft, Dir::Left),
                    (egui::Key::ArrowRight, Dir::Right),
                ]
                .into_iter()
                .find(|(k, _)| i.key_down(*k))
                .map(|(_, d)| d)
            });
            if keys != self.sent_keys {
                self.sent_keys = keys;
                cmds.push(Command::ArrowKeys(keys));
            }
            if ctx.input(|i| i.key_pressed(egui::Key::P)) {
                let paused = self.rt.game().and_then(|g| g.snapshot()).is_some_and(|s| s.paused);
                cmds.push(Command::Game(GameCmd::Paused(!paused)));
            }
            if ctx.input(|i| i.key_pressed(egui::Key::M)) {
                cmds.push(Command::Mute(!self.settings.muted));
            }
            // Space or Enter skips a cut-scene (and does nothing else on this panel).
            let cut_scene = self.rt.game().and_then(|g| g.snapshot()).is_some_and(|s| s.game.intermission().is_some());
            if cut_scene && ctx.input(|i| i.key_pressed(egui::Key::Space) || i.key_pressed(egui::Key::Enter)) {
                cmds.push(Command::Game(GameCmd::Skip));
            }
        } else if self.sent_keys.take().is_some() {
            cmds.push(Command::ArrowKeys(None));
        }
        if ctx.input(|i| i.key_pressed(egui::Key::F11)) {
            cmds.push(Command::Presenter(!self.settings.presenter));
        }
        // Digits switch panels, except on the record panel when a class records on that digit.
        let digit_classes = self.doc.as_ref().map_or(0, |d| d.classes().len().saturating_sub(5));
        for (i, (key, tab)) in
            [egui::Key::Num1, egui::Key::Num2, egui::Key::Num3, egui::Key::Num4].into_iter().zip(Tab::ALL).enumerate()
        {
            let records = self.settings.tab == Tab::Record && i < digit_classes;
            if !records && ctx.input(|inp| inp.key_pressed(key)) {
                cmds.push(Command::Tab(tab));
            }
        }
        if ctx.input(|i| i.key_pressed(egui::Key::Escape))
            && (self.keys_from.is_some() || self.rt.sending_keys().is_some())
        {
            cmds.push(Command::StopKeys);
        }
    }

    /// Starts sending keys once the countdown is over.
    fn keys_countdown(&mut self) {
        let Some(from) = self.keys_from else { return };
        let now = self.rt.clock().now();
        if now < from {
            self.ctx.request_repaint_after(std::time::Duration::from_millis(100));
            return;
        }
        self.keys_from = None;
        match self.rt.send_keys(self.settings.key_mode) {
            Ok(()) => self.notices.info("sending arrow keys to the focused window — press Esc to stop".into()),
            Err(e) => self.notices.error(e),
        }
    }

    /// Seconds until keys start, while counting down.
    #[must_use]
    pub fn keys_countdown_left(&self) -> Option<f32> {
        let from = self.keys_from?;
        Some(from.saturating_sub(self.rt.clock().now()).as_secs_f32())
    }

    /// Tells the workers what changed this frame: the visible tab, settings edited by
    /// sliders, the learn view.
    fn sync_workers(&mut self, before: &Settings) {
        let s = &self.settings;
        if self.shown_tab != Some(s.tab) {
            self.shown_tab = Some(s.tab);
            self.rt.send_game(GameCmd::Running(s.tab == Tab::Play));
        }
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
                self.notices.error(e.to_string());
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
        let layer = self.learn_layer();
        ViewRequest { layer, first_channel: self.settings.learn_first_channel, top5: true }
    }

    /// The layer the learn panel shows: the chosen one, else the project's cut.
    pub(crate) fn learn_layer(&self) -> Option<usize> {
        let bb = self.rt.backbone()?;
        self.settings
            .learn_layer
            .as_deref()
            .and_then(|n| bb.find_cut(n).ok())
            .or_else(|| self.doc.as_ref().map(Document::cut))
            .or(Some(bb.default_cut()))
    }

    /// Starts or stops recording when the held class changes (`held` this frame).
    pub(crate) fn set_recording(&mut self, held: Option<usize>) {
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
    pub(crate) fn start_features(&mut self) {
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
                if let Some(head) = self.doc.as_ref().and_then(|d| d.head().cloned()) {
                    self.rt.send_features(FeatureCmd::SetHead(Some(head)));
                }
            }
            Err(e) => self.notices.error(e),
        }
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
        let recovery = self.options.recovery_path();
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
    fn autosave(&mut self) {
        let now = self.rt.clock().now();
        let due = self.last_autosave.is_none_or(|t| now.saturating_sub(t) >= AUTOSAVE_EVERY);
        let Some(doc) = &self.doc else { return };
        if !due || !doc.is_dirty() || self.autosaved_revision == Some(doc.revision()) || self.rt.jobs().busy() {
            return;
        }
        let Some(path) = self.options.recovery_path() else { return };
        self.last_autosave = Some(now);
        self.autosaved_revision = Some(doc.revision());
        let project = doc.snapshot();
        let revision = doc.revision();
        self.rt.jobs().spawn(move || {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let result =
                project.save(&path).map_err(|source| crate::live::LiveError::Save { path: path.clone(), source });
            crate::live::JobResult::Saved { path, recovery: true, revision, result }
        });
    }
}

/// The first model to load, and whether it came from the settings (then a failure falls back
/// to the built-in model): `--model`, else `$PACNET_MODEL`, else the picker's last choice,
/// else the built-in model.
fn startup_model(options: &AppOptions, settings: &Settings) -> (crate::backbone::Result<ModelSource>, bool) {
    if let Some(m) = &options.model {
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

impl eframe::App for PacnetApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.update(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        if let Some(s) = frame.info().cpu_usage {
            self.frames.whole_frame(s);
        }
        self.draw(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.save_on_exit();
        self.prefill.stop();
        self.rt.shutdown();
    }
}
