//! The model picker: a window listing the built-in MobileNet v1 0.25 and the pinned
//! downloadable MobileNets ([`CATALOG`]) with their size, what each gets you, the pinned
//! revision and whether it is already in the Hugging Face cache; a download runs with progress
//! and Cancel, and switching keeps the project (its features are re-computed from the
//! thumbnails). A local model folder can be typed in too.

use egui::{RichText, Ui};

use crate::backbone::hub::{self, CATALOG};
use crate::backbone::{ModelSource, builtin};

use super::super::commands::Command;
use super::Ctx;
use super::widgets::{ACCENT, hint};
use crate::live::LoadState;

/// The picker's view state.
#[derive(Default)]
pub struct ModelsView {
    open: bool,
    /// Per catalog entry: in the cache? Looked up when the window opens and after a load.
    cached: Option<Vec<bool>>,
    folder: String,
}

/// What the picker and the top bar call the model with this [`crate::backbone::Backbone::id`].
pub use crate::live::session::model_title;

impl ModelsView {
    /// Opens the window.
    pub fn show(&mut self) {
        self.open = true;
        self.cached = None;
    }

    /// Looks at the cache again next time the window is drawn.
    pub fn refresh(&mut self) {
        self.cached = None;
    }

    /// Draws the window if it is open.
    pub fn ui(&mut self, ctx: &egui::Context, cx: &mut Ctx<'_>) {
        if !self.open {
            return;
        }
        let opts = cx.rt.fetch_options().clone();
        let cached = self
            .cached
            .get_or_insert_with(|| CATALOG.iter().map(|e| hub::is_available_offline(&e.source(), &opts)).collect())
            .clone();
        let mut open = self.open;
        egui::Window::new("Model").open(&mut open).resizable(false).collapsible(false).show(ctx, |ui| {
            ui.label(
                "The frozen network that turns each frame into features. Switching keeps your project: \
                 its examples' features are re-computed from their pictures with the new network (then train again).",
            );
            if opts.is_offline() {
                hint(
                    ui,
                    "Offline (--offline or HF_HUB_OFFLINE): only the built-in model and downloaded ones can be used.",
                );
            }
            ui.add_space(6.0);
            egui::Grid::new("models").num_columns(5).spacing([12.0, 8.0]).striped(true).show(ui, |ui| {
                for h in ["Model and what you get", "Size", "Pinned revision", "Here?", ""] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                let current = cx.rt.backbone().map(|b| b.id().to_owned());
                let mb = builtin::WEIGHTS.len() as f64 / 1e6;
                row(
                    ui,
                    cx,
                    &ModelSource::Builtin,
                    builtin::TITLE,
                    mb,
                    builtin::SUMMARY,
                    None,
                    true,
                    current.as_deref(),
                );
                for (e, &here) in CATALOG.iter().zip(&cached) {
                    let pin = Some((e.revision, e.sha256));
                    row(ui, cx, &e.source(), e.title, f64::from(e.size_mb), e.summary, pin, here, current.as_deref());
                }
            });
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                ui.label("Or a model folder (config.json + model.safetensors):");
                ui.add(egui::TextEdit::singleline(&mut self.folder).desired_width(260.0).hint_text("/path/to/model"));
                let folder = self.folder.trim();
                if ui.add_enabled(!folder.is_empty(), egui::Button::new("Use folder")).clicked() {
                    cx.cmds.push(Command::UseModel(folder.to_owned()));
                }
            });
            hint(ui, &format!("Downloads go to the Hugging Face cache: {}", opts.cache().path().display()));
        });
        self.open = open;
    }
}

/// One model's row: name, size, summary, revision, whether it is here, and its button (or the
/// download's progress and Cancel).
#[allow(clippy::too_many_arguments)]
fn row(
    ui: &mut Ui,
    cx: &mut Ctx<'_>,
    source: &ModelSource,
    title: &str,
    mb: f64,
    summary: &str,
    pin: Option<(&str, &str)>,
    here: bool,
    current: Option<&str>,
) {
    let spec = source.spec();
    let in_use = current == Some(spec.as_str());
    let name = if in_use { RichText::new(format!("{title}  (in use)")).color(ACCENT) } else { RichText::new(title) };
    ui.vertical(|ui| {
        ui.set_max_width(420.0);
        ui.label(name.strong());
        ui.add(egui::Label::new(RichText::new(summary).weak()).wrap());
    });
    ui.label(format!("{mb:.1} MB"));
    match pin {
        Some((rev, sha)) => {
            ui.label(RichText::new(rev.get(..12).unwrap_or(rev)).monospace())
                .on_hover_text(format!("revision {rev}\nsha256 of model.safetensors {sha}"));
        }
        None => {
            ui.label("compiled in").on_hover_text(format!("sha256 of model.safetensors {}", builtin::SHA256));
        }
    }
    let offline = cx.rt.fetch_options().is_offline();
    let state = match (pin, here) {
        (None, _) => "built in",
        (Some(_), true) => "downloaded",
        (Some(_), false) if offline => "not downloaded (offline)",
        (Some(_), false) => "not yet",
    };
    ui.label(state);
    let loading_this = cx.rt.loading() == Some(source);
    if loading_this {
        ui.horizontal(|ui| {
            match cx.rt.load_state() {
                LoadState::Loading { total, done, .. } if *total > 0 => {
                    let frac = *done as f32 / *total as f32;
                    ui.add(egui::ProgressBar::new(frac).desired_width(140.0).text(format!(
                        "{:.1} / {:.1} MB",
                        *done as f64 / 1e6,
                        *total as f64 / 1e6
                    )));
                }
                _ => {
                    ui.spinner();
                    ui.label("loading…");
                }
            }
            if ui.button("Cancel").clicked() {
                cx.cmds.push(Command::CancelModel);
            }
        });
    } else if in_use {
        ui.label("");
    } else if !here && offline {
        hint(ui, "needs the network once");
    } else {
        let label = if here { "Use" } else { "Download and use" };
        if ui.add_enabled(cx.rt.loading().is_none(), egui::Button::new(label)).clicked() {
            cx.cmds.push(Command::UseModel(spec));
        }
    }
    ui.end_row();
}
