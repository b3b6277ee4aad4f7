//! "Fix mistakes": the last 30 s of play as a timeline — what the model said for each frame
//! (its class colour) and, below, what Pac-Man was told. Drag across a stretch where it was
//! wrong, see its frames, pick what it should have been, and those frames become examples of
//! that class; training starts again in the background. The frames come from
//! `live::history` (kept by the feature worker while the game is shown).

use std::collections::HashMap;
use std::time::Duration;

use egui::{Color32, Rect, RichText, Sense, Stroke, StrokeKind, TextureHandle, Ui, pos2, vec2};

use crate::live::history::PlayHistory;

use super::super::commands::Command;
use super::Ctx;
use super::example_map::class_color;
use super::widgets::{ACCENT, dir_name, hint, paint_arrow};

/// Height of the model's row and of the game's row of the timeline.
const ROW: [f32; 2] = [34.0, 22.0];
/// Room on the left of the timeline for the rows' names.
const GUTTER: f32 = 84.0;
/// Thumbnails shown of a selection at most (spread evenly over it).
const PREVIEWS: usize = 12;
/// Side of a preview thumbnail on screen.
const PREVIEW: f32 = 78.0;

/// Examples asked for, until they are in the project.
#[derive(Clone, Copy, Debug)]
struct Added {
    class: usize,
    frames: usize,
    before: usize,
}

/// The window's state: a frozen copy of the history (so the strip holds still while the user
/// selects), the selection and the class picked.
#[derive(Default)]
pub struct FixMistakesView {
    open: bool,
    snap: Option<PlayHistory>,
    /// First and last selected frame (indices into the copy, inclusive).
    sel: Option<(usize, usize)>,
    drag_from: Option<usize>,
    class: Option<usize>,
    thumbs: HashMap<u64, TextureHandle>,
    added: Option<Added>,
    /// The strip's rectangle and its first and last frame's camera time, last frame.
    strip: Option<(Rect, Duration, Duration)>,
}

impl FixMistakesView {
    /// Opens the window on a fresh copy of the history.
    pub fn show(&mut self) {
        *self = Self { open: true, ..Self::default() };
    }

    /// The timeline's rectangle and time range in the last frame, while open.
    pub fn timeline(&self) -> Option<(Rect, Duration, Duration)> {
        self.strip.filter(|_| self.open)
    }

    /// Draws the window when open.
    pub fn ui(&mut self, ctx: &egui::Context, cx: &mut Ctx<'_>) {
        self.strip = None;
        if !self.open {
            return;
        }
        if self.snap.is_none() {
            self.snap = Some(cx.rt.features().map(|f| f.history().snapshot()).unwrap_or_default());
        }
        let mut open = self.open;
        egui::Window::new("Fix mistakes")
            .open(&mut open)
            .default_size([940.0, 520.0])
            .show(ctx, |ui| self.body(ui, cx));
        self.open = open;
    }

    fn body(&mut self, ui: &mut Ui, cx: &mut Ctx<'_>) {
        hint(
            ui,
            "The last 30 s of play, frame by frame: the top row is what the model said, the row below what Pac-Man was told. \
             Drag across a stretch where the model was wrong, pick what it should have been, and add those frames as examples: \
             training starts again in the background. The game is paused; resume it on the Play panel.",
        );
        if ui.button("Take the last 30 s again").clicked() {
            self.show();
            self.snap = Some(cx.rt.features().map(|f| f.history().snapshot()).unwrap_or_default());
        }
        let Some(snap) = self.snap.take() else { return };
        if snap.frames().is_empty() {
            hint(
                ui,
                "Nothing kept yet: frames are kept while the Play panel shows the game and a trained model predicts.",
            );
        } else {
            self.legend(ui, cx, &snap);
            self.timeline_strip(ui, cx, &snap);
            self.selection(ui, cx, &snap);
        }
        self.confirmation(ui, cx);
        self.snap = Some(snap);
    }

    /// The project's colour for the head's class `i` (the head may leave an empty class out).
    fn colour(cx: &Ctx<'_>, snap: &PlayHistory, i: usize) -> Color32 {
        let name = snap.classes().get(i);
        let doc_index = cx.doc.and_then(|d| d.classes().iter().position(|c| Some(c) == name));
        doc_index.map_or(Color32::GRAY, class_color)
    }

    fn legend(&self, ui: &mut Ui, cx: &Ctx<'_>, snap: &PlayHistory) {
        ui.horizontal_wrapped(|ui| {
            let swatch = |ui: &mut Ui, colour: Color32, name: &str| {
                let (r, _) = ui.allocate_exact_size(vec2(12.0, 12.0), Sense::hover());
                ui.painter().rect_filled(r, 2.0, colour);
                ui.label(name);
            };
            for (i, name) in snap.classes().iter().enumerate() {
                swatch(ui, Self::colour(cx, snap, i), name);
            }
            swatch(ui, Color32::from_gray(60), "keep going");
        });
    }

    fn timeline_strip(&mut self, ui: &mut Ui, cx: &Ctx<'_>, snap: &PlayHistory) {
        let frames = snap.frames();
        let (Some(first), Some(last)) = (frames.front(), frames.back()) else { return };
        let (t0, t1) = (first.at, last.at);
        let span = t1.saturating_sub(t0).as_secs_f32().max(1e-3);
        let height = ROW[0] + ROW[1] + 26.0;
        let (outer, resp) = ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::click_and_drag());
        let rect = Rect::from_min_max(outer.min + vec2(GUTTER, 0.0), outer.max - vec2(8.0, 0.0));
        let x = |at: Duration| rect.left() + at.saturating_sub(t0).as_secs_f32() / span * rect.width();
        let step = rect.width() / frames.len().max(1) as f32;
        let painter = ui.painter_at(outer);
        let text = ui.visuals().text_color();
        let font = egui::FontId::proportional(13.0);
        painter.text(
            pos2(outer.left(), rect.top() + ROW[0] / 2.0),
            egui::Align2::LEFT_CENTER,
            "model said",
            font.clone(),
            text,
        );
        let game_y = rect.top() + ROW[0] + 2.0;
        painter.text(
            pos2(outer.left(), game_y + ROW[1] / 2.0),
            egui::Align2::LEFT_CENTER,
            "Pac-Man got",
            font.clone(),
            text,
        );
        for (i, f) in frames.iter().enumerate() {
            let left = x(f.at);
            let right = frames.get(i + 1).map_or(left + step, |n| x(n.at)).max(left + 1.0);
            let top = Rect::from_min_max(pos2(left, rect.top()), pos2(right, rect.top() + ROW[0]));
            painter.rect_filled(top, 0.0, Self::colour(cx, snap, f.best));
            let given = f.given.and_then(|d| snap.classes().iter().position(|c| c == dir_name(d)));
            let fill = given.map_or(Color32::from_gray(60), |c| Self::colour(cx, snap, c));
            let low = Rect::from_min_max(pos2(left, game_y), pos2(right, game_y + ROW[1]));
            painter.rect_filled(low, 0.0, fill);
            // An arrow where the game's direction changes, so the row reads without colours.
            if let Some(d) = f.given
                && (i == 0 || frames[i - 1].given != f.given)
            {
                paint_arrow(&painter, pos2(left + 8.0, low.center().y), ROW[1] * 0.7, d, Color32::BLACK);
            }
        }
        // The time axis: seconds before the newest frame.
        let axis_y = game_y + ROW[1] + 4.0;
        let mut s = 0.0;
        while s <= span + 1e-3 {
            let px = rect.right() - s / span * rect.width();
            painter.line_segment([pos2(px, axis_y), pos2(px, axis_y + 4.0)], Stroke::new(1.0, text));
            let (label, align) = if s == 0.0 {
                ("now".to_owned(), egui::Align2::RIGHT_TOP)
            } else {
                (format!("-{s:.0} s"), egui::Align2::CENTER_TOP)
            };
            painter.text(pos2(px, axis_y + 5.0), align, label, font.clone(), text);
            s += 5.0;
        }
        self.drag(&resp, rect, snap);
        if let Some((a, b)) = self.sel {
            let left = x(frames[a].at);
            let right = frames.get(b + 1).map_or(x(frames[b].at) + step, |n| x(n.at));
            let sel =
                Rect::from_min_max(pos2(left, rect.top() - 1.0), pos2(right.max(left + 2.0), game_y + ROW[1] + 1.0));
            painter.rect_filled(sel, 0.0, Color32::from_white_alpha(50));
            painter.rect_stroke(sel, 0.0, Stroke::new(2.0, ACCENT), StrokeKind::Outside);
        }
        self.strip = Some((rect, t0, t1));
    }

    /// Press, drag and release on the strip select the frames between; a click selects one.
    fn drag(&mut self, resp: &egui::Response, rect: Rect, snap: &PlayHistory) {
        let frames = snap.frames();
        let at = |px: f32| {
            let (t0, t1) =
                (frames.front().map_or(Duration::ZERO, |f| f.at), frames.back().map_or(Duration::ZERO, |f| f.at));
            let share = ((px - rect.left()) / rect.width()).clamp(0.0, 1.0);
            let t = t0 + t1.saturating_sub(t0).mul_f32(share);
            // The frame drawn under the pointer: the last one taken at or before `t`.
            frames.partition_point(|f| f.at <= t).saturating_sub(1)
        };
        // Where the button went down, not where the drag was recognised (a few points on).
        if resp.drag_started()
            && let Some(p) = resp.ctx.input(|i| i.pointer.press_origin()).or_else(|| resp.interact_pointer_pos())
        {
            self.drag_from = Some(at(p.x));
        }
        if (resp.dragged() || resp.drag_stopped())
            && let (Some(from), Some(p)) = (self.drag_from, resp.interact_pointer_pos())
        {
            let to = at(p.x);
            self.sel = Some((from.min(to), from.max(to)));
        }
        if resp.clicked()
            && let Some(p) = resp.interact_pointer_pos()
        {
            let i = at(p.x);
            self.sel = Some((i, i));
        }
    }

    fn selection(&mut self, ui: &mut Ui, cx: &mut Ctx<'_>, snap: &PlayHistory) {
        let Some((a, b)) = self.sel else {
            hint(ui, "Drag across the strip to select the frames where the model was wrong.");
            return;
        };
        let frames = snap.frames();
        let n = b + 1 - a;
        let secs = frames[b].at.saturating_sub(frames[a].at).as_secs_f32();
        let mut said = vec![0usize; snap.classes().len()];
        for f in frames.range(a..=b) {
            if let Some(c) = said.get_mut(f.best) {
                *c += 1;
            }
        }
        let most = said.iter().enumerate().max_by_key(|(_, c)| **c).map_or("?", |(i, _)| snap.classes()[i].as_str());
        ui.label(format!("Selected {secs:.1} s: {n} frames — the model said mostly `{most}`"));
        ui.horizontal_wrapped(|ui| {
            let shown = n.min(PREVIEWS);
            for k in 0..shown {
                let i = a + if shown > 1 { k * (n - 1) / (shown - 1) } else { 0 };
                let f = &frames[i];
                if !self.thumbs.contains_key(&f.seq)
                    && let Ok(img) = f.thumbnail.decode()
                {
                    let image = egui::ColorImage::from_rgb([img.width() as usize, img.height() as usize], img.as_raw());
                    let tex = ui.ctx().load_texture(format!("fix-{}", f.seq), image, egui::TextureOptions::LINEAR);
                    self.thumbs.insert(f.seq, tex);
                }
                if let Some(t) = self.thumbs.get(&f.seq) {
                    ui.add(egui::Image::new(t).fit_to_exact_size(vec2(PREVIEW, PREVIEW)));
                }
            }
        });
        let Some(doc) = cx.doc else { return };
        ui.horizontal_wrapped(|ui| {
            ui.label("It should have been:");
            for (i, name) in doc.classes().iter().enumerate() {
                let text = RichText::new(name).color(class_color(i)).strong();
                if ui.selectable_label(self.class == Some(i), text).clicked() {
                    self.class = Some(i);
                }
            }
        });
        let label = match self.class {
            Some(c) => format!("Add {n} frames as {}", doc.class_name(c)),
            None => "Pick the class it should have been".to_owned(),
        };
        let busy = self.added.is_some_and(|ad| doc.count(ad.class) < ad.before + ad.frames);
        if ui.add_enabled(self.class.is_some() && !busy, egui::Button::new(RichText::new(label).strong())).clicked()
            && let Some(class) = self.class
        {
            cx.cmds.push(Command::FixStretch { frames: frames.range(a..=b).cloned().collect(), class });
            self.added = Some(Added { class, frames: n, before: doc.count(class) });
        }
    }

    /// What became of the last "Add": being computed, added and retraining, retrained.
    fn confirmation(&self, ui: &mut Ui, cx: &Ctx<'_>) {
        let (Some(ad), Some(doc)) = (self.added, cx.doc) else { return };
        let name = doc.class_name(ad.class);
        let now = doc.count(ad.class);
        let line = if now < ad.before + ad.frames {
            format!("adding {} frames as {name}…", ad.frames)
        } else if cx.run.running {
            format!("added {} examples to {name} — retraining", ad.frames)
        } else {
            let outcome = cx.run.outcome.as_deref().unwrap_or("done");
            format!("added {} examples to {name} — retrained: {outcome}", ad.frames)
        };
        ui.label(RichText::new(line).color(ACCENT).strong());
    }
}
