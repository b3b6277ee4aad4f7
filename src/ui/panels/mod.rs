//! The panels: one file each, plus the top bar ([`top`]), the dialogs ([`project`]) and shared
//! drawing helpers ([`widgets`]).
//!
//! A panel holds view state only (which class's samples are shown, a text field's contents).
//! It reads the app's state through [`Ctx`] and records [`Command`]s; sliders edit the
//! settings directly, and the app tells the workers about changed settings after the frame.

mod about;
mod classes;
mod descent;
mod example_map;
mod fix_mistakes;
mod learn;
mod models;
mod play;
pub mod project;
mod record;
mod steer_keys;
mod top;
mod train;
pub mod widgets;

use egui::Ui;

use super::app::{PacnetApp, RunProgress, Settings, Tab};
use super::commands::Command;
use super::textures::Textures;
use crate::live::Runtime;
use crate::live::doc::Document;

pub use models::model_title;
pub use project::Modal;
pub use top::Notices;

/// Everything a panel may look at, and the settings it may edit.
pub struct Ctx<'a> {
    /// The settings (sliders edit them in place).
    pub settings: &'a mut Settings,
    /// The workers' newest results.
    pub rt: &'a Runtime,
    /// The open project.
    pub doc: Option<&'a Document>,
    /// Textures (thumbnails are made on demand).
    pub tex: &'a mut Textures,
    /// Training progress.
    pub run: &'a RunProgress,
    /// The class being recorded.
    pub recording: Option<usize>,
    /// Commands for after the frame.
    pub cmds: &'a mut Vec<Command>,
    /// The UI's own frame rate and time.
    pub frames: &'a crate::live::meters::FrameStats,
    /// Seconds until keys go to another window, while counting down.
    pub keys_countdown: Option<f32>,
    /// The example map (the Learn panel's "feature map" page).
    pub example_map: &'a crate::live::session::ExampleMapState,
}

/// The panels' view state.
#[derive(Default)]
pub struct Views {
    record: record::RecordView,
    learn: learn::LearnView,
    models: models::ModelsView,
    descent: descent::DescentView,
    about: about::AboutView,
    fix: fix_mistakes::FixMistakesView,
}

impl Views {
    /// Opens the model picker.
    pub fn show_models(&mut self) {
        self.models.show();
    }

    /// Shows this example in the record panel's grid, outlined.
    pub fn select_example(&mut self, class: usize, id: u64) {
        self.record.select(class, id);
    }

    /// Where the feature map drew each example's dot in the last frame (id, screen position).
    #[must_use]
    pub fn map_dots(&self) -> &[(u64, egui::Pos2)] {
        &self.learn.example_map.dots
    }

    /// The example outlined in the record panel's grid.
    #[must_use]
    pub fn selected_example(&self) -> Option<u64> {
        self.record.highlighted()
    }

    /// The gradient-descent window's walk, while it is open.
    #[must_use]
    pub fn descent(&self) -> Option<&crate::learn::descent::Descent> {
        self.descent.open.then_some(&self.descent.walk)
    }

    /// Opens the gradient-descent window.
    pub fn show_descent(&mut self) {
        self.descent.open = true;
    }

    /// Opens the "Fix mistakes" window on the last 30 s of play.
    pub fn show_fix_mistakes(&mut self) {
        self.fix.show();
    }

    /// The "Fix mistakes" window's timeline in the last frame (screen rectangle, and the
    /// camera times of its first and last frame), while it is open.
    #[must_use]
    pub fn fix_timeline(&self) -> Option<(egui::Rect, std::time::Duration, std::time::Duration)> {
        self.fix.timeline()
    }

    /// Opens the About window.
    pub fn show_about(&mut self) {
        self.about.show();
    }

    /// The model picker looks at the Hugging Face cache again (after a load or a cancel).
    pub fn refresh_models(&mut self) {
        self.models.refresh();
    }
}

/// Draws the whole window into `ui`.
pub fn show(app: &mut PacnetApp, ui: &mut Ui, cmds: &mut Vec<Command>) {
    let keys_countdown = app.keys_countdown_left();
    let recording = app.recording_class();
    let PacnetApp { session, tex, notices, modal, views, frames, .. } = app;
    let (settings, rt, doc, run, example_map) = session.parts();
    let mut cx = Ctx { settings, rt, doc, tex, run, recording, cmds, frames, keys_countdown, example_map };
    top::top_bar(ui, &mut cx);
    top::banners(ui, &mut cx, notices);
    top::status_bar(ui, &mut cx, notices);
    let mut held = None;
    egui::CentralPanel::default().show(ui, |ui| match cx.settings.tab {
        Tab::Record => held = views.record.ui(ui, &mut cx, modal.is_none()),
        Tab::Train => train::ui(ui, &mut cx),
        Tab::Play => play::ui(ui, &mut cx),
        Tab::Learn => views.learn.ui(ui, &mut cx),
    });
    views.models.ui(ui.ctx(), &mut cx);
    views.descent.ui(ui.ctx(), &mut cx);
    views.about.ui(ui.ctx(), &cx);
    views.fix.ui(ui.ctx(), &mut cx);
    if let Some(m) = modal {
        project::modal(ui.ctx(), m, &mut cx);
    }
    app.set_recording(held);
}
