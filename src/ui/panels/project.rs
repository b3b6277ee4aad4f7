//! The project dialogs: open and save-as (a path field, the `.pacnet` files beside it and the
//! recent files — pacnet has no native file dialog), "unsaved examples" before they could be
//! lost, and the confirmations for clearing a class and changing the cut.

use std::path::{Path, PathBuf};

use egui::{Id, RichText};

use crate::learn::export::{Format, tfjs};

use super::super::app::Settings;
use super::super::commands::Command;
use super::Ctx;

pub use crate::live::session::Pending;

/// A dialog on top of the panels.
#[derive(Clone, Debug, PartialEq)]
pub enum Modal {
    /// Unsaved examples would be lost by `Pending`.
    Unsaved(Pending),
    /// Choose a project to open.
    Open(FileDialog),
    /// Choose where to save.
    SaveAs(FileDialog),
    /// Delete every example of this class?
    ConfirmClear(usize),
    /// Remove this class and its examples?
    ConfirmRemoveClass(usize),
    /// Cut the network here (re-computes features, drops the trained head)?
    ConfirmCut(usize),
    /// Export the trained model: a format and a new folder.
    Export(ExportDialog),
}

/// The export dialog's choices.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportDialog {
    /// The folder to create.
    pub path: String,
    /// The format chosen.
    pub format: Format,
}

/// A path field with the project files of its folder.
#[derive(Clone, Debug, PartialEq)]
pub struct FileDialog {
    /// The path typed.
    pub path: String,
    /// The folder listed and its `.pacnet` files (re-listed when the folder changes).
    listing: Option<(PathBuf, Vec<PathBuf>)>,
}

impl FileDialog {
    fn new(path: PathBuf) -> Self {
        Self { path: path.display().to_string(), listing: None }
    }

    fn folder(&self) -> PathBuf {
        let p = Path::new(self.path.trim());
        if p.is_dir() { p.to_path_buf() } else { p.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf) }
    }

    fn files(&mut self) -> &[PathBuf] {
        let folder = self.folder();
        if self.listing.as_ref().is_none_or(|(f, _)| *f != folder) {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
                .map(|rd| {
                    rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "pacnet")).collect()
                })
                .unwrap_or_default();
            files.sort();
            files.truncate(200);
            self.listing = Some((folder, files));
        }
        self.listing.as_ref().map_or(&[], |(_, f)| f.as_slice())
    }
}

/// Where new files go by default: beside the most recent project, else the home folder.
/// Where the file dialogs start: beside the newest recent project, else the home folder.
pub(crate) fn default_folder(settings: &Settings) -> PathBuf {
    settings
        .recent
        .first()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."))
}

impl Modal {
    /// The open dialog.
    #[must_use]
    pub fn open(settings: &Settings) -> Self {
        Self::Open(FileDialog::new(
            settings.recent.first().cloned().unwrap_or_else(|| default_folder(settings).join("")),
        ))
    }

    /// The save-as dialog.
    #[must_use]
    pub fn save_as(settings: &Settings) -> Self {
        Self::SaveAs(FileDialog::new(default_folder(settings).join("my-poses.pacnet")))
    }

    /// The export dialog, proposing a folder named after the project beside it.
    #[must_use]
    pub fn export(settings: &Settings, project: Option<&Path>) -> Self {
        let stem = project.and_then(Path::file_stem).map_or_else(|| "my-poses".into(), |s| s.to_string_lossy());
        let folder = project.and_then(Path::parent).map_or_else(|| default_folder(settings), Path::to_path_buf);
        let path = folder.join(format!("{stem}-export")).display().to_string();
        Self::Export(ExportDialog { path, format: Format::Onnx })
    }
}

/// Draws the open dialog.
pub fn modal(ctx: &egui::Context, m: &mut Modal, cx: &mut Ctx<'_>) {
    let response = egui::Modal::new(Id::unique("pacnet-modal")).show(ctx, |ui| {
        ui.set_width(520.0);
        match m {
            Modal::Unsaved(pending) => {
                ui.heading("Save your examples first?");
                let n = cx.doc.map_or(0, crate::live::doc::Document::total);
                let what = match pending {
                    Pending::New => "Starting a new project".to_owned(),
                    Pending::Open(p) => format!("Opening {}", p.display()),
                };
                ui.label(format!("{what} closes this one, which has unsaved changes ({n} examples)."));
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        cx.cmds.push(Command::Resolve { save: true });
                    }
                    if ui.button("Don't save").clicked() {
                        cx.cmds.push(Command::Resolve { save: false });
                    }
                    if ui.button("Cancel").clicked() {
                        cx.cmds.push(Command::CloseModal);
                    }
                });
            }
            Modal::Open(d) => file_dialog(ui, d, cx, "Open a project", "Open", &|p| Command::Open(p)),
            Modal::SaveAs(d) => file_dialog(ui, d, cx, "Save the project as", "Save", &|p| Command::SaveAs(p)),
            Modal::ConfirmClear(class) => {
                let name = cx.doc.map_or_else(String::new, |d| d.class_name(*class).to_owned());
                let n = cx.doc.map_or(0, |d| d.count(*class));
                ui.heading(format!("Delete all {n} examples of `{name}`?"));
                ui.label("This cannot be undone (unless you reopen the saved project).");
                ui.horizontal(|ui| {
                    if ui.button("Delete them").clicked() {
                        cx.cmds.push(Command::ClearClassConfirmed(*class));
                    }
                    if ui.button("Cancel").clicked() {
                        cx.cmds.push(Command::CloseModal);
                    }
                });
            }
            Modal::ConfirmRemoveClass(class) => {
                let name = cx.doc.map_or_else(String::new, |d| d.class_name(*class).to_owned());
                let n = cx.doc.map_or(0, |d| d.count(*class));
                ui.heading(format!("Remove class `{name}` and its {n} examples?"));
                ui.label("The trained model is dropped too (it knows the old classes): train again afterwards. This cannot be undone (unless you reopen the saved project).");
                ui.horizontal(|ui| {
                    if ui.button("Remove the class").clicked() {
                        cx.cmds.push(Command::RemoveClassConfirmed(*class));
                    }
                    if ui.button("Cancel").clicked() {
                        cx.cmds.push(Command::CloseModal);
                    }
                });
            }
            Modal::Export(d) => export_dialog(ui, d, cx),
            Modal::ConfirmCut(cut) => {
                let name = cx.rt.backbone().and_then(|b| b.cuts().get(*cut)).map_or_else(String::new, crate::backbone::CutPoint::label);
                ui.heading(format!("Cut the network at {name}?"));
                let n = cx.doc.map_or(0, crate::live::doc::Document::total);
                ui.label(format!(
                    "Each of the {n} examples is run through MobileNet again from its thumbnail to get the new layer's features (a few ms each), \
                     and the trained head is dropped: train again afterwards."
                ));
                ui.horizontal(|ui| {
                    if ui.button("Change the cut").clicked() {
                        cx.cmds.push(Command::UseCutConfirmed(*cut));
                    }
                    if ui.button("Cancel").clicked() {
                        cx.cmds.push(Command::CloseModal);
                    }
                });
            }
        }
    });
    if response.should_close()
        && !cx.cmds.iter().any(|c| {
            matches!(c, Command::Resolve { .. } | Command::Open(_) | Command::SaveAs(_) | Command::Export { .. })
        })
    {
        cx.cmds.push(Command::CloseModal);
    }
}

fn file_dialog(
    ui: &mut egui::Ui,
    d: &mut FileDialog,
    cx: &mut Ctx<'_>,
    title: &str,
    verb: &str,
    make: &dyn Fn(PathBuf) -> Command,
) {
    ui.heading(title);
    ui.horizontal(|ui| {
        let label = ui.label("File:");
        let edit = ui.add(egui::TextEdit::singleline(&mut d.path).desired_width(400.0)).labelled_by(label.id);
        if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) && !d.path.trim().is_empty() {
            cx.cmds.push(make(PathBuf::from(d.path.trim())));
        }
    });
    let files = d.files().to_vec();
    let mut chosen = None;
    ui.label(RichText::new(format!("Projects in {}", d.folder().display())).weak());
    egui::ScrollArea::vertical().max_height(160.0).id_salt("folder").show(ui, |ui| {
        if files.is_empty() {
            ui.label(RichText::new("(no .pacnet files here)").weak());
        }
        for f in &files {
            let name = f.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            if ui.selectable_label(d.path.trim() == f.display().to_string(), name).clicked() {
                chosen = Some(f.clone());
            }
        }
    });
    if !cx.settings.recent.is_empty() {
        ui.label(RichText::new("Recent").weak());
        for p in &cx.settings.recent {
            if ui.selectable_label(false, p.display().to_string()).clicked() {
                chosen = Some(p.clone());
            }
        }
    }
    if let Some(p) = chosen {
        d.path = p.display().to_string();
    }
    ui.separator();
    ui.horizontal(|ui| {
        if ui.add_enabled(!d.path.trim().is_empty(), egui::Button::new(verb)).clicked() {
            cx.cmds.push(make(PathBuf::from(d.path.trim())));
        }
        if ui.button("Cancel").clicked() {
            cx.cmds.push(Command::CloseModal);
        }
    });
}

/// Format and folder; says up front what cannot be exported and why.
fn export_dialog(ui: &mut egui::Ui, d: &mut ExportDialog, cx: &mut Ctx<'_>) {
    ui.heading("Export the trained model");
    let trained = cx.doc.is_some_and(|doc| doc.head().is_some());
    let tfjs_blocked = cx
        .rt
        .backbone()
        .and_then(|b| tfjs::not_applicable(b))
        .or_else(|| cx.doc.and_then(|doc| doc.head()).and_then(tfjs::head_not_applicable));
    for format in Format::ALL {
        let blocked = format == Format::Tfjs && tfjs_blocked.is_some();
        ui.add_enabled_ui(!blocked, |ui| ui.radio_value(&mut d.format, format, format.describe()));
    }
    if let Some(why) = &tfjs_blocked {
        ui.label(RichText::new(format!("TF.js: {why}.")).weak());
    }
    if d.format == Format::Tfjs && tfjs_blocked.is_some() {
        d.format = Format::Onnx;
    }
    ui.horizontal(|ui| {
        let label = ui.label("New folder:");
        ui.add(egui::TextEdit::singleline(&mut d.path).desired_width(400.0)).labelled_by(label.id);
    });
    if !trained {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "This project has no trained head yet — train it first (Train panel).",
        );
    }
    ui.separator();
    ui.horizontal(|ui| {
        let path = d.path.trim();
        if ui.add_enabled(trained && !path.is_empty(), egui::Button::new("Export")).clicked() {
            cx.cmds.push(Command::Export { dir: PathBuf::from(path), format: d.format });
        }
        if ui.button("Cancel").clicked() {
            cx.cmds.push(Command::CloseModal);
        }
    });
}
