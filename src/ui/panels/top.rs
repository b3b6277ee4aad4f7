//! The top bar (tabs, project and camera menus, the model button), the banners under it (model download,
//! missing weights, missing camera, errors) and the status bar at the bottom.

use egui::{Color32, RichText, Ui};

use crate::backbone::Crop;
use crate::camera::{CaptureStatus, SourceSpec, StopReason};

use super::super::app::Tab;
use super::super::commands::Command;
use super::Ctx;
use super::project::Modal;
use super::widgets::{ACCENT, RED};
use crate::live::LoadState;

/// How long a piece of news stays in the status bar, seconds.
const INFO_SECONDS: f64 = 8.0;

/// Messages on screen: errors (banners, until dismissed) and the latest news (status bar).
#[derive(Debug, Default)]
pub struct Notices {
    errors: Vec<String>,
    info: Option<(String, Option<f64>)>,
}

impl Notices {
    /// Most errors shown at once; older ones give way.
    const MAX_ERRORS: usize = 4;

    /// Shows an error banner (once, however often it is reported).
    pub fn error(&mut self, line: impl ToString) {
        let line = line.to_string();
        tracing::warn!("{line}");
        if !self.errors.contains(&line) {
            self.errors.push(line);
            if self.errors.len() > Self::MAX_ERRORS {
                self.errors.remove(0);
            }
        }
    }

    /// Shows a line of news in the status bar for a few seconds.
    pub fn info(&mut self, line: String) {
        tracing::info!("{line}");
        self.info = Some((line, None));
    }

    /// Removes error banner `i`.
    pub fn dismiss(&mut self, i: usize) {
        if i < self.errors.len() {
            self.errors.remove(i);
        }
    }

    /// Every message on screen, errors first.
    #[must_use]
    pub fn lines(&self) -> Vec<String> {
        self.errors.iter().cloned().chain(self.info.as_ref().map(|(s, _)| s.clone())).collect()
    }
}

/// Below this width (in points) the project, camera and model menus fold into one "Menu".
const COMPACT_WIDTH: f32 = 1100.0;
/// Longest project name shown in full in the top bar (a longer one is shortened with "…").
const TITLE_CHARS: usize = 28;

/// Title, tabs, project and camera menus. The row wraps rather than overlaps, and on a narrow
/// window (or at a large presenter zoom) the less used menus fold into one.
pub fn top_bar(ui: &mut Ui, cx: &mut Ctx<'_>) {
    egui::Panel::top("top").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            let compact = ui.available_width() < COMPACT_WIDTH;
            ui.menu_button(RichText::new("pacnet").strong().size(18.0).color(ACCENT), |ui| {
                if ui.button("About pacnet").clicked() {
                    cx.cmds.push(Command::ShowAbout);
                }
            });
            ui.separator();
            for tab in Tab::ALL {
                if ui.selectable_label(cx.settings.tab == tab, RichText::new(tab.label()).size(16.0)).clicked() {
                    cx.cmds.push(Command::Tab(tab));
                }
            }
            ui.separator();
            if compact {
                ui.menu_button("Menu", |ui| {
                    project_menu(ui, cx);
                    camera_menu(ui, cx);
                    model_button(ui, cx);
                });
            } else {
                project_menu(ui, cx);
                camera_menu(ui, cx);
                // At presenter zoom a lesson does not switch models: the bar keeps its room.
                if !cx.settings.presenter {
                    model_button(ui, cx);
                }
            }
            ui.separator();
            let presenter = cx.settings.presenter;
            if ui
                .selectable_label(presenter, "Presenter (F11)")
                .on_hover_text(
                    "Full screen, large text, high contrast, advanced controls hidden; keys 1–4 switch panels.",
                )
                .clicked()
            {
                cx.cmds.push(Command::Presenter(!presenter));
            }
            if presenter {
                zoom_menu(ui, cx);
            }
            if cx.rt.sending_keys().is_some() {
                ui.label(RichText::new("• sending keys — Esc stops").color(egui::Color32::RED).strong());
                if ui.button("Stop").clicked() {
                    cx.cmds.push(Command::StopKeys);
                }
            }
            if let Some(doc) = cx.doc {
                let dirty = if doc.is_dirty() { " •" } else { "" };
                let title = doc.title();
                let shown = if title.chars().count() > TITLE_CHARS {
                    format!("{}…", title.chars().take(TITLE_CHARS - 1).collect::<String>())
                } else {
                    title.to_owned()
                };
                ui.label(RichText::new(format!("{shown}{dirty}")).strong()).on_hover_text(format!(
                    "The open project ({title}); • means unsaved changes (saved to a recovery file on exit)."
                ));
            }
        });
    });
}

fn model_button(ui: &mut Ui, cx: &mut Ctx<'_>) {
    let model = cx.rt.backbone().map_or_else(|| "loading…".to_owned(), |b| super::model_title(b.id()));
    if ui
        .button(format!("Model: {model}"))
        .on_hover_text("Choose the network: the built-in MobileNet v1 0.25 or a bigger one to download.")
        .clicked()
    {
        cx.cmds.push(Command::ShowModels);
    }
}

/// Presenter mode's zoom: fitted to the window (the default) or a fixed factor.
fn zoom_menu(ui: &mut Ui, cx: &mut Ctx<'_>) {
    let now = cx.settings.presenter_zoom;
    let label = now.map_or_else(|| "Zoom: fit".to_owned(), |z| format!("Zoom: {:.0} %", z * 100.0));
    ui.menu_button(label, |ui| {
        if ui
            .radio(now.is_none(), "Fit the window")
            .on_hover_text("The largest zoom at which the whole panel fits; follows the window and the panel.")
            .clicked()
        {
            cx.settings.presenter_zoom = None;
        }
        for z in crate::ui::teach::ZOOMS {
            if ui.radio(now == Some(z), format!("{:.0} %", z * 100.0)).clicked() {
                cx.settings.presenter_zoom = Some(z);
            }
        }
    });
}

fn project_menu(ui: &mut Ui, cx: &mut Ctx<'_>) {
    let ready = cx.doc.is_some();
    ui.menu_button("Project", |ui| {
        if ui.add_enabled(ready, egui::Button::new("New")).clicked() {
            cx.cmds.push(Command::New);
        }
        if ui.add_enabled(ready, egui::Button::new("Open…")).clicked() {
            cx.cmds.push(Command::Dialog(Modal::open(cx.settings)));
        }
        if ui.add_enabled(ready, egui::Button::new("Save")).clicked() {
            cx.cmds.push(Command::Save);
        }
        if ui.add_enabled(ready, egui::Button::new("Save as…")).clicked() {
            cx.cmds.push(Command::Dialog(Modal::save_as(cx.settings)));
        }
        if ui.add_enabled(ready, egui::Button::new("Export…")).clicked() {
            cx.cmds.push(Command::Dialog(Modal::export(cx.settings, cx.doc.and_then(|d| d.path()))));
        }
        ui.separator();
        ui.label(RichText::new("Recent").weak());
        if cx.settings.recent.is_empty() {
            ui.label(RichText::new("(none yet)").weak());
        }
        for p in &cx.settings.recent {
            let name = p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned());
            if ui.add_enabled(ready, egui::Button::new(name)).on_hover_text(p.display().to_string()).clicked() {
                cx.cmds.push(Command::Open(p.clone()));
            }
        }
    });
}

fn camera_menu(ui: &mut Ui, cx: &mut Ctx<'_>) {
    ui.menu_button(format!("Camera: {}", cx.settings.camera), |ui| {
        let current = cx.settings.camera.clone();
        if ui.radio(current == SourceSpec::Demo, "Demo camera (a toy robot you move with W A S D)").clicked() {
            cx.cmds.push(Command::Camera(SourceSpec::Demo));
        }
        for index in 0..4 {
            let on = matches!(current, SourceSpec::Webcam { index: i, .. } if i == index);
            if ui.radio(on, format!("Webcam {index}")).clicked() {
                cx.cmds.push(Command::Camera(SourceSpec::Webcam { index, resolution: None, fps: None }));
            }
        }
        ui.separator();
        let mut mirror = cx.settings.transform().mirror;
        if ui.checkbox(&mut mirror, "Mirror (like a selfie)").changed() {
            cx.cmds.push(Command::Mirror(mirror));
        }
        ui.label("The network sees:");
        let crop = cx.settings.crop;
        if ui.radio(crop == Crop::CenterSquare, "the centre square (yellow frame)").clicked() {
            cx.cmds.push(Command::Crop(Crop::CenterSquare));
        }
        if ui.radio(crop == Crop::Whole, "the whole frame, squeezed").clicked() {
            cx.cmds.push(Command::Crop(Crop::Whole));
        }
    });
}

/// Banners under the top bar: the model loading or missing, the camera missing, errors.
pub fn banners(ui: &mut Ui, cx: &mut Ctx<'_>, notices: &Notices) {
    let status = cx.rt.capture().map(crate::camera::Capture::status);
    let camera_problem = match (&status, cx.rt.capture_error()) {
        (_, Some(e)) => Some(e.to_owned()),
        (
            Some(
                CaptureStatus::Error { .. }
                | CaptureStatus::Stopped(StopReason::Failed { .. } | StopReason::Finished { .. }),
            ),
            _,
        ) => status.as_ref().map(ToString::to_string),
        _ => None,
    };
    let loading = cx.rt.load_state().clone();
    let show = camera_problem.is_some()
        || !notices.errors.is_empty()
        || !matches!(loading, LoadState::Ready)
        || cx.rt.game_error().is_some();
    if !show {
        return;
    }
    egui::Panel::top("banners").show(ui, |ui| {
        match &loading {
            LoadState::Loading { file: Some(file), done, total } => {
                let name = cx.rt.loading().map_or_else(String::new, |s| super::model_title(&s.spec()));
                ui.horizontal(|ui| {
                    ui.label(format!("Downloading {name} ({file}) — once, then it works offline:"));
                    let frac = if *total > 0 { *done as f32 / *total as f32 } else { 0.0 };
                    ui.add(egui::ProgressBar::new(frac).desired_width(260.0).text(format!(
                        "{:.1} / {:.1} MB",
                        *done as f64 / 1e6,
                        *total as f64 / 1e6
                    )));
                    if ui.button("Cancel").clicked() {
                        cx.cmds.push(Command::CancelModel);
                    }
                });
            }
            LoadState::Loading { file: None, .. } => {
                let name = cx.rt.loading().map_or_else(|| "MobileNet".to_owned(), |s| super::model_title(&s.spec()));
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!("Loading {name}…"));
                });
            }
            LoadState::Failed(message) => {
                banner(ui, RED, &format!("The network could not be loaded: {message}"), |ui| {
                    if ui.button("Use the built-in model").clicked() {
                        cx.cmds.push(Command::UseModel(crate::backbone::builtin::NAME.into()));
                    }
                    if ui.button("Choose a model…").clicked() {
                        cx.cmds.push(Command::ShowModels);
                    }
                })
            }
            LoadState::Ready => {}
        }
        if let Some(problem) = &camera_problem {
            banner(ui, RED, &format!("Camera: {problem}"), |ui| {
                if ui.button("Use the demo camera").clicked() {
                    cx.cmds.push(Command::Camera(SourceSpec::Demo));
                }
                if ui.button("Try again").clicked() {
                    cx.cmds.push(Command::RetryCamera);
                }
            });
        }
        if let Some(e) = cx.rt.game_error() {
            banner(ui, RED, e, |_| {});
        }
        for (i, e) in notices.errors.iter().enumerate() {
            banner(ui, Color32::from_rgb(230, 140, 40), e, |ui| {
                if ui.small_button("×").on_hover_text("Dismiss").clicked() {
                    cx.cmds.push(Command::Dismiss(i));
                }
            });
        }
    });
}

fn banner(ui: &mut Ui, color: Color32, text: &str, extra: impl FnOnce(&mut Ui)) {
    egui::Frame::new()
        .fill(color.gamma_multiply(0.25))
        .stroke(egui::Stroke::new(1.0, color))
        .inner_margin(6.0)
        .corner_radius(4.0)
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(text).color(ui.visuals().strong_text_color()));
                extra(ui);
            });
        });
}

/// Camera status, frame rates and the latest news.
pub fn status_bar(ui: &mut Ui, cx: &mut Ctx<'_>, notices: &mut Notices) {
    let now = ui.input(|i| i.time);
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal(|ui| {
            if let Some(c) = cx.rt.capture() {
                ui.label(c.status().to_string());
            }
            if let Some(live) = cx.rt.features().and_then(|f| f.live()) {
                ui.separator();
                ui.label(format!("network: {:.0} frames/s, {:.1} ms per frame", live.rate, live.pipeline_ms));
            }
            if let Some(class) = cx.recording {
                ui.separator();
                let name = cx.doc.map_or_else(String::new, |d| d.class_name(class).to_owned());
                ui.label(RichText::new(format!("• recording `{name}`")).color(RED));
            }
            if let Some((line, shown)) = &mut notices.info {
                let since = *shown.get_or_insert(now);
                if now - since < INFO_SECONDS {
                    ui.separator();
                    ui.label(line.as_str());
                    ui.ctx().request_repaint_after(std::time::Duration::from_secs_f64(INFO_SECONDS - (now - since)));
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let now = cx.rt.clock().now();
                ui.label(RichText::new(format!("UI {:.0} fps · {:.1} ms", cx.frames.fps(now), cx.frames.quantile_ms(0.5))).weak())
                    .on_hover_text("How often the window is redrawn, and the median time pacnet's own code takes per frame (camera, network, training and game all run on other threads).");
            });
        });
    });
}
