//! The About window (the "pacnet" menu): which build this is, the vector unit the backbone uses
//! here, the model in use and where settings live — what a bug report needs.

use egui::RichText;

use super::Ctx;

/// Whether the About window is open.
#[derive(Debug, Default)]
pub struct AboutView {
    open: bool,
}

impl AboutView {
    /// Opens the window.
    pub fn show(&mut self) {
        self.open = true;
    }

    /// Draws the window if it is open.
    pub fn ui(&mut self, ctx: &egui::Context, cx: &Ctx<'_>) {
        if !self.open {
            return;
        }
        let model = cx.rt.backbone().map_or_else(
            || "loading…".to_owned(),
            |b| {
                format!(
                    "{} (weights sha256 {}…)",
                    super::model_title(b.id()),
                    b.weights_sha256().get(..12).unwrap_or("")
                )
            },
        );
        let storage = eframe::storage_dir("pacnet")
            .map_or_else(|| "(none on this system)".to_owned(), |d| d.display().to_string());
        let mut open = self.open;
        egui::Window::new("About pacnet").open(&mut open).resizable(false).collapsible(false).show(ctx, |ui| {
            ui.label(RichText::new("pacnet").strong().size(20.0));
            ui.label(env!("CARGO_PKG_DESCRIPTION"));
            ui.add_space(6.0);
            egui::Grid::new("about").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
                for (k, v) in crate::about::fields() {
                    ui.label(RichText::new(k).strong());
                    ui.label(v);
                    ui.end_row();
                }
                ui.label(RichText::new("model").strong());
                ui.label(model);
                ui.end_row();
                ui.label(RichText::new("settings").strong());
                ui.label(storage)
                    .on_hover_text("Settings (app.ron) and the recovery file; delete the folder to reset.");
                ui.end_row();
            });
            ui.add_space(6.0);
            ui.label(
                RichText::new(format!("Licence {}; MobileNet weights Apache-2.0 (TF Hub).", env!("CARGO_PKG_LICENSE")))
                    .weak(),
            );
        });
        self.open = open;
    }
}
