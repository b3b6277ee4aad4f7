//! Exports for lessons: any chart on screen as a PNG (right-click it) and the per-epoch
//! metrics as CSV. Files go beside the open project (or into the folder the file dialogs
//! start in), under a name not yet taken, so a teacher finds them and nothing is overwritten.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::app::PacnetApp;
use super::commands::Command;
use crate::sys::{Existing, write_atomically};

/// A chart waiting for the screenshot it will be cut from.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingShot {
    /// Goes into the file name: `pacnet-{name}.png`.
    pub name: String,
    /// The chart's rectangle, in points.
    pub rect: egui::Rect,
}

/// Where the render thread leaves the window's screenshot.
type Slot = Arc<Mutex<Option<Arc<egui::ColorImage>>>>;

/// A requested chart and the slot its window screenshot arrives in.
pub type Shot = (PendingShot, Slot);

/// Adds "Save … as PNG" (and, for the training charts, "Save metrics as CSV") to a chart's
/// right-click menu.
pub fn chart_menu(response: &egui::Response, name: &str, csv: bool, cmds: &mut Vec<Command>) {
    response.context_menu(|ui| {
        if ui.button(format!("Save {name} as PNG")).clicked() {
            cmds.push(Command::SaveChartPng(PendingShot { name: name.replace(' ', "-"), rect: response.rect }));
            ui.close();
        }
        if csv && ui.button("Save metrics as CSV").clicked() {
            cmds.push(Command::SaveMetricsCsv);
            ui.close();
        }
    });
}

/// The first of `dir/stem.ext`, `dir/stem-2.ext`, … that does not exist.
#[must_use]
pub fn free_name(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    (1..)
        .map(|i| if i == 1 { dir.join(format!("{stem}.{ext}")) } else { dir.join(format!("{stem}-{i}.{ext}")) })
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(format!("{stem}.{ext}")))
}

/// Writes a new file atomically (see [`write_atomically`]), refusing to replace anything,
/// also a file that appeared meanwhile.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomically(path, Existing::Keep, |f| f.write_all(bytes), || Ok(()), |e| e)
}

impl PacnetApp {
    /// Where lesson exports go: beside the open project, else where the file dialogs start.
    fn lesson_folder(&self) -> PathBuf {
        match self.session.document().and_then(|d| d.path()) {
            Some(project) => crate::sys::parent_of(project),
            None => super::panels::project::default_folder(self.session.settings()),
        }
    }

    /// Saves the metrics of the run on screen (the live one, else the project's last) as CSV.
    pub(crate) fn save_metrics_csv(&mut self) {
        let run = &self.session.run_progress().epochs_done;
        let epochs = if run.is_empty() {
            self.session.document().and_then(|d| d.training()).map(|t| t.epochs.clone()).unwrap_or_default()
        } else {
            run.clone()
        };
        if epochs.is_empty() {
            self.notices.error("no metrics to save yet: train first");
            return;
        }
        let path = free_name(&self.lesson_folder(), "pacnet-metrics", "csv");
        match write_new(&path, crate::learn::metrics::epochs_csv(&epochs).as_bytes()) {
            Ok(()) => self.notices.info(format!("saved {} epochs of metrics to {}", epochs.len(), path.display())),
            Err(e) => self.notices.error(format!("could not save the metrics to {}: {e}", path.display())),
        }
    }

    /// Asks the window for a screenshot; the chart is cut from it when it arrives (from the
    /// render thread, after this frame is painted).
    pub(crate) fn request_chart_png(&mut self, shot: PendingShot) {
        let slot = Slot::default();
        let (into, ctx) = (slot.clone(), self.ctx.clone());
        self.ctx.request_screenshot(move |image| {
            if let Ok(mut s) = into.lock() {
                *s = Some(image);
            }
            ctx.request_repaint();
        });
        self.shot = Some((shot, slot));
    }

    /// Cuts a requested chart from a screenshot that arrived, and saves it.
    pub(crate) fn take_screenshot(&mut self, ctx: &egui::Context) {
        let Some((_, slot)) = &self.shot else { return };
        let Some(image) = slot.lock().ok().and_then(|mut s| s.take()) else { return };
        let Some((shot, _)) = self.shot.take() else { return };
        let ppp = ctx.pixels_per_point();
        let region = image.region(&shot.rect, Some(ppp));
        let [w, h] = region.size;
        let Some(rgba) = image::RgbaImage::from_raw(w as u32, h as u32, region.as_raw().to_vec()) else {
            self.notices.error(format!("could not cut the {} chart from the screenshot", shot.name));
            return;
        };
        let path = free_name(&self.lesson_folder(), &format!("pacnet-{}", shot.name), "png");
        let mut bytes = Vec::new();
        let saved = rgba
            .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
            .map_err(|e| e.to_string())
            .and_then(|()| write_new(&path, &bytes).map_err(|e| e.to_string()));
        match saved {
            Ok(()) => self.notices.info(format!("saved the {} chart to {}", shot.name, path.display())),
            Err(e) => self.notices.error(format!("could not save {}: {e}", path.display())),
        }
    }
}
