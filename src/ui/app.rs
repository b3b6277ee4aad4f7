//! The eframe app: the [`Session`] (the project, the model, the workers, persisted
//! [`Settings`]) plus what only a window has — panels, textures, messages on screen, dialogs.
//! The frame loop: session notices in ([`PacnetApp::update`]), panels drawn, then the
//! [`Command`]s they recorded applied ([`PacnetApp::draw`]).
//!
//! As in egui's demo app (`wrap_app.rs`): settings are serde with struct-level defaults so old
//! saves still load; runtime handles are never serialised; buttons inside drawing closures only
//! push commands, and the commands run after the frame is drawn.

use std::sync::Arc;

use super::AppOptions;
use super::panels::{self, Modal, Notices};
use super::textures::Textures;
use crate::backbone::FetchOptions;
use crate::game::Dir;
use crate::live::Runtime;
use crate::live::doc::Document;
use crate::live::meters::FrameStats;
use crate::live::session::{Notice, Question, Session, SessionOptions};

pub use super::commands::{Command, DemoNudge};
pub use crate::live::session::settings::{LearnPage, Recording, RunProgress, Settings, Tab};
pub use crate::live::session::{AUTOSAVE_EVERY, KEYS_COUNTDOWN};

/// The whole app: the session and the panels' view state.
pub struct PacnetApp {
    /// The project, the model, the workers and the settings.
    pub(crate) session: Session,
    pub(crate) tex: Textures,
    pub(crate) notices: Notices,
    pub(crate) modal: Option<Modal>,
    pub(crate) views: panels::Views,
    /// The arrow key the game was last told about.
    pub(crate) sent_keys: Option<Dir>,
    pub(crate) ctx: egui::Context,
    pub(crate) frames: FrameStats,
    /// When this frame's `update` began.
    frame_start: Option<std::time::Instant>,
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
        if settings.presenter {
            super::teach::apply_presenter(ctx, true);
        }
        let repaint_ctx = ctx.clone();
        let session = Session::start(
            settings,
            SessionOptions {
                model: options.model.clone(),
                project: options.project.clone(),
                recovery_file: options.recovery_path(),
                clock: options.clock.clone(),
                fetch: FetchOptions { offline: options.offline, ..FetchOptions::default() },
                sound: options.sound,
            },
            Arc::new(move || repaint_ctx.request_repaint()),
        );
        Self {
            session,
            tex: Textures::default(),
            notices: Notices::default(),
            modal: None,
            views: panels::Views::default(),
            sent_keys: None,
            ctx: ctx.clone(),
            frames: FrameStats::default(),
            frame_start: None,
            shot: None,
        }
    }

    /// The settings in force.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        self.session.settings()
    }

    /// The settings, to change before the next frame (tests set thresholds this way).
    pub fn settings_mut(&mut self) -> &mut Settings {
        self.session.settings_mut()
    }

    /// The session under the window.
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The open project, once the model has loaded.
    #[must_use]
    pub fn document(&self) -> Option<&Document> {
        self.session.document()
    }

    /// The workers.
    #[must_use]
    pub fn runtime(&self) -> &Runtime {
        self.session.runtime()
    }

    /// Training progress of the current or last run.
    #[must_use]
    pub fn run_progress(&self) -> &RunProgress {
        self.session.run_progress()
    }

    /// The one-line messages on screen now (errors and news), oldest first.
    #[must_use]
    pub fn messages(&self) -> Vec<String> {
        self.notices.lines()
    }

    /// Does what `cmd` asks, as if a panel had asked for it (for scripts and tests).
    pub fn command(&mut self, cmd: Command) {
        let before = self.session.settings().clone();
        self.apply(cmd);
        let notices = self.session.sync(&before);
        self.show(notices);
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

    /// The "Fix mistakes" timeline in the last frame (screen rectangle, camera times of its
    /// first and last frame), while the window is open: for scripts and tests that drag on it.
    #[must_use]
    pub fn fix_timeline(&self) -> Option<(egui::Rect, std::time::Duration, std::time::Duration)> {
        self.views.fix_timeline()
    }

    /// The gradient-descent window's walk, while the window is open.
    #[must_use]
    pub fn descent(&self) -> Option<&crate::learn::descent::Descent> {
        self.views.descent()
    }

    /// The feature map on screen, once computed.
    #[must_use]
    pub fn example_map(&self) -> Option<std::sync::Arc<crate::learn::ExampleMap>> {
        self.session.example_map().current().cloned()
    }

    /// The class being recorded, if a record button is held.
    #[must_use]
    pub fn recording_class(&self) -> Option<usize> {
        self.session.recording_class()
    }

    /// Seconds until keys start, while counting down.
    #[must_use]
    pub fn keys_countdown_left(&self) -> Option<f32> {
        self.session.keys_countdown_left()
    }

    /// Saves an unsaved project at exit (see [`Session::save_on_exit`]).
    pub fn save_on_exit(&mut self) {
        self.session.save_on_exit();
    }

    /// Worker results in: the session drains every channel; its notices go on screen. Never
    /// paints (this is eframe's `logic`, which also runs while the window is hidden).
    pub fn update(&mut self, ctx: &egui::Context) {
        self.frame_start = Some(std::time::Instant::now());
        self.ctx = ctx.clone();
        let notices = self.session.poll();
        self.show(notices);
    }

    /// Puts what the session reports on screen.
    pub(crate) fn show(&mut self, notices: Vec<Notice>) {
        for n in notices {
            match n {
                Notice::Info(line) => self.notices.info(line),
                Notice::Error(line) => self.notices.error(line),
                Notice::Ask(Question::Cut(cut)) => self.modal = Some(Modal::ConfirmCut(cut)),
                Notice::Ask(Question::Unsaved(pending)) => self.modal = Some(Modal::Unsaved(pending)),
                Notice::Ask(Question::SaveAs) => self.modal = Some(Modal::save_as(self.session.settings())),
                Notice::Example { id, preview } => self.tex.insert_thumb(&self.ctx, id, &preview),
                Notice::DocumentReplaced => self.tex.clear_thumbs(),
                Notice::ModelsChanged => self.views.refresh_models(),
                Notice::WakeAfter(after) => self.ctx.request_repaint_after(after),
            }
        }
    }

    /// Draws the window, then applies the commands the panels recorded.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let started = self.frame_start.take().unwrap_or_else(std::time::Instant::now);
        self.tex.begin_frame();
        self.take_screenshot(ui.ctx());
        super::teach::follow_window(ui.ctx(), self.session.settings());
        if let Some(frame) = self.session.runtime().capture().and_then(crate::camera::Capture::latest) {
            self.tex.update_camera(ui.ctx(), &frame);
        }
        let before = self.session.settings().clone();
        let mut cmds = Vec::new();
        panels::show(self, ui, &mut cmds);
        self.keyboard(ui.ctx(), &mut cmds);
        for cmd in cmds {
            self.apply(cmd);
        }
        let notices = self.session.sync(&before);
        self.show(notices);
        // Recording and training change the screen every frame (counts, charts): keep
        // repainting at display rate, not only when a camera frame arrives.
        if self.session.recording_class().is_some() || self.session.run_progress().running {
            ui.ctx().request_repaint_after(std::time::Duration::from_millis(15));
        }
        let took = started.elapsed();
        let now = self.session.runtime().clock().now();
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
        eframe::set_value(storage, eframe::APP_KEY, self.session.settings());
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.session.save_on_exit();
        self.session.shutdown();
    }
}
