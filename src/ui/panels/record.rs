//! Record: the live camera, one button per class laid out like a joystick (press and hold to
//! record, release anywhere to stop; mouse, touch or a key per class), each with its newest
//! thumbnail and example count; the examples of one class as a grid with delete and clear;
//! undo of the last press.

use egui::{Color32, Key, RichText, Sense, Stroke, StrokeKind, Ui, Vec2, vec2};

use crate::game::Dir;

use super::super::commands::Command;
use super::Ctx;
use super::classes::ClassEditor;
use super::example_map::doc_class_color;
use super::widgets::{ACCENT, RED, camera_view, hint, joystick_cell, paint_arrow};
use crate::learn::dataset::IDLE;
use crate::live::doc::Document;
use crate::live::steer::class_dir;

/// Size of one record button at most; on a short window the buttons shrink to fit.
const CELL: Vec2 = vec2(128.0, 122.0);
/// The smallest record button that still shows its name, picture and count.
const CELL_MIN_H: f32 = 76.0;
/// Height of the side column's rows under the buttons (heading, slider, undo, total).
const SIDE_ROWS: f32 = 130.0;
/// Thumbnails shown in the grid at most (newest first).
const GRID_MAX: usize = 600;

/// The record panel's view state.
#[derive(Debug, Default)]
pub struct RecordView {
    /// The class whose examples the grid shows.
    selected: usize,
    /// An example to outline (picked on the feature map).
    highlight: Option<u64>,
    /// Scroll to it on the next frame.
    scroll_to: Option<u64>,
    /// Adding, renaming, recolouring and removing classes.
    classes: ClassEditor,
}

impl RecordView {
    /// Shows `class` in the grid with example `id` outlined.
    pub fn select(&mut self, class: usize, id: u64) {
        self.selected = class;
        self.highlight = Some(id);
        self.scroll_to = Some(id);
    }

    /// The example outlined in the grid.
    #[must_use]
    pub fn highlighted(&self) -> Option<u64> {
        self.highlight
    }
}

/// Digit keys for holding-to-record the classes that are neither a direction nor idle.
const DIGITS: [Key; 9] =
    [Key::Num1, Key::Num2, Key::Num3, Key::Num4, Key::Num5, Key::Num6, Key::Num7, Key::Num8, Key::Num9];

/// The key that records a class: arrows for directions, space for the idle class `none`,
/// digits 1–9 for the others (`other_index`: its place among them, in class order).
#[must_use]
pub fn class_key(name: &str, other_index: usize) -> Option<Key> {
    match class_dir(name) {
        Some(Dir::Up) => Some(Key::ArrowUp),
        Some(Dir::Down) => Some(Key::ArrowDown),
        Some(Dir::Left) => Some(Key::ArrowLeft),
        Some(Dir::Right) => Some(Key::ArrowRight),
        None if is_idle(name) => Some(Key::Space),
        None => DIGITS.get(other_index).copied(),
    }
}

fn is_idle(name: &str) -> bool {
    name.trim().eq_ignore_ascii_case(IDLE)
}

/// Where a class that is no direction sits: the idle class in the joystick's centre, the others
/// (`other_index`: their place among them) in its four corners, then in rows of three below it.
fn other_cell(name: &str, other_index: usize) -> (usize, usize) {
    if is_idle(name) {
        return (1, 1);
    }
    match other_index {
        i @ 0..4 => joystick_cell(None, i + 1),
        i => ((i - 4) % 3, 3 + (i - 4) / 3),
    }
}

fn key_name(key: Key) -> &'static str {
    match key {
        Key::ArrowUp => "Up",
        Key::ArrowDown => "Down",
        Key::ArrowLeft => "Left",
        Key::ArrowRight => "Right",
        Key::Space => "space",
        other => other.symbol_or_name(),
    }
}

/// Each class with its cell (column, row: the joystick's 3 × 3, then rows below) and key.
fn layout(classes: &[String]) -> Vec<(usize, (usize, usize), Option<Key>)> {
    let mut others = 0;
    classes
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let dir = class_dir(name);
            let other = others;
            if dir.is_none() && !is_idle(name) {
                others += 1;
            }
            let cell = if dir.is_some() { joystick_cell(dir, 0) } else { other_cell(name, other) };
            (i, cell, class_key(name, other))
        })
        .collect()
}

impl RecordView {
    /// Draws the panel; returns the class whose button or key is held this frame.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut Ctx<'_>, keys_enabled: bool) -> Option<usize> {
        let mut held = None;
        // The buttons' column keeps its three rows on screen: the buttons shrink with the window.
        let h = ((ui.available_height() - SIDE_ROWS) / 3.0).clamp(CELL_MIN_H, CELL.y);
        let cell = vec2(CELL.x * h / CELL.y, h);
        egui::Panel::right("record-side").exact_size(cell.x * 3.0 + 40.0).resizable(false).show(ui, |ui| {
            // Classes beyond the joystick add rows below it: the column scrolls rather than
            // pushing the editor out of the window.
            egui::ScrollArea::vertical().show(ui, |ui| {
                held = self.buttons(ui, cx, keys_enabled, cell);
                if let Some(doc) = cx.doc {
                    ui.separator();
                    self.classes.ui(ui, doc, cx.cmds);
                }
            });
        });
        // The samples strip gives the camera preview most of a short window.
        let strip = (ui.available_height() * 0.3).clamp(110.0, 230.0);
        egui::Panel::bottom("samples")
            .default_size(strip)
            .min_size(100.0)
            .max_size(ui.available_height() * 0.5)
            .resizable(true)
            .show(ui, |ui| self.samples(ui, cx));
        egui::CentralPanel::default().show(ui, |ui| {
            let overlay = cx.recording.and_then(|c| cx.doc.map(|d| format!("REC  {}", d.class_name(c))));
            let max = ui.available_size() - vec2(0.0, 80.0);
            camera_view(ui, cx.tex.camera.as_ref().map(|t| &t.texture), max, cx.settings.crop, overlay.as_deref().map(|t| (t, RED)));
            hint(ui, "Hold a button (or its key) to record examples of your object pointing that way; release to stop. 20–50 examples per direction, from slightly different positions, work well. Record “none” with the object out of view or held still in the middle.");
            if matches!(cx.settings.camera, crate::camera::SourceSpec::Demo) {
                hint(ui, "Demo camera: move the toy with W A S D, tilt it with Q E, nearer/farther with R F, C centres it.");
            }
        });
        held
    }

    fn buttons(&mut self, ui: &mut Ui, cx: &mut Ctx<'_>, keys_enabled: bool, cell: Vec2) -> Option<usize> {
        ui.heading("Examples");
        let Some(doc) = cx.doc else {
            let why = if matches!(cx.rt.load_state(), crate::live::LoadState::Failed(_)) {
                "Recording needs the network, which could not be loaded (see the message above)."
            } else {
                "The network is loading; recording starts when it is ready."
            };
            hint(ui, why);
            return None;
        };
        let ready = cx.rt.features().is_some();
        let classes = doc.classes();
        let cells = layout(classes);
        let typing = ui.ctx().egui_wants_keyboard_input();
        let mut held = None;
        let rows = cells.iter().map(|&(_, (_, row), _)| row + 1).max().unwrap_or(3).max(3);
        let (grid, _) = ui.allocate_exact_size(vec2(cell.x * 3.0, cell.y * rows as f32), Sense::hover());
        for &(class, (col, row), key) in &cells {
            let rect =
                egui::Rect::from_min_size(grid.min + vec2(col as f32 * cell.x, row as f32 * cell.y), cell).shrink(4.0);
            let name = doc.class_name(class);
            let id = ui.scope_id().with(("record", class));
            let resp = ui.interact(rect, id, if ready { Sense::click_and_drag() } else { Sense::hover() });
            let label = format!("Record {name}");
            resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, ready, &label));
            let key_down = keys_enabled && !typing && ready && key.is_some_and(|k| ui.input(|i| i.key_down(k)));
            if ready && (resp.is_pointer_button_down_on() || key_down) && held.is_none() {
                held = Some(class);
            }
            let recording = cx.recording == Some(class);
            let thumb = doc.latest_of(class).and_then(|id| cx.tex.thumb(ui.ctx(), id, || doc.thumbnail(id)));
            self.paint_button(ui, rect, doc, class, recording, resp.hovered() && ready, key, thumb);
            if resp.clicked() || resp.drag_started() {
                self.selected = class;
            }
        }
        ui.add_space(6.0);
        ui.add(egui::Slider::new(&mut cx.settings.record_rate, 1.0..=30.0).step_by(1.0).text("examples per second"))
            .on_hover_text("How many frames are kept while a button is held (the camera gives about 30 a second).");
        match doc.last_burst() {
            Some((class, n)) if cx.recording.is_none() => {
                if ui.button(format!("Undo the last {n} examples of `{class}`")).clicked() {
                    cx.cmds.push(Command::UndoBurst);
                }
            }
            _ => {
                ui.add_enabled(false, egui::Button::new("Undo the last press"));
            }
        }
        ui.label(format!("{} examples in all", doc.total()));
        if !ready {
            hint(ui, "Waiting for the network…");
        }
        if let Some(c) = held {
            self.selected = c;
        }
        held
    }

    #[allow(clippy::too_many_arguments)]
    fn paint_button(
        &self,
        ui: &Ui,
        rect: egui::Rect,
        doc: &Document,
        class: usize,
        recording: bool,
        hovered: bool,
        key: Option<Key>,
        thumb: Option<egui::TextureHandle>,
    ) {
        let painter = ui.painter_at(rect);
        let v = ui.visuals();
        let fill = if recording {
            RED.gamma_multiply(0.35)
        } else if hovered {
            v.widgets.hovered.bg_fill
        } else {
            v.widgets.inactive.bg_fill
        };
        painter.rect_filled(rect, 10.0, fill);
        let stroke = if recording {
            Stroke::new(3.0, RED)
        } else if self.selected == class {
            Stroke::new(1.5, ACCENT)
        } else {
            Stroke::new(1.0, v.widgets.inactive.bg_stroke.color)
        };
        painter.rect_stroke(rect, 10.0, stroke, StrokeKind::Inside);
        let name = doc.class_name(class);
        painter.text(
            rect.center_top() + vec2(0.0, 6.0),
            egui::Align2::CENTER_TOP,
            name,
            egui::FontId::proportional(16.0),
            v.strong_text_color(),
        );
        if let Some(d) = class_dir(name) {
            paint_arrow(&painter, rect.left_top() + vec2(16.0, 16.0), 14.0, d, ACCENT);
        }
        painter.circle_filled(rect.right_top() + vec2(-14.0, 14.0), 6.0, doc_class_color(doc, class));
        // The picture takes what the name above and the count below leave.
        let img = egui::Rect::from_center_size(
            rect.center() + vec2(0.0, 2.0),
            Vec2::splat((rect.height() - 50.0).clamp(16.0, 58.0)),
        );
        match thumb {
            Some(t) => {
                painter.image(
                    t.id(),
                    img,
                    egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
                    Color32::WHITE,
                );
            }
            None => {
                painter.rect_stroke(img, 4.0, Stroke::new(1.0, v.weak_text_color()), StrokeKind::Inside);
            }
        }
        let count = doc.count(class);
        let bottom = match key {
            Some(k) => format!("{count}  ·  hold {}", key_name(k)),
            None => count.to_string(),
        };
        let color = if recording { RED } else { v.text_color() };
        painter.text(
            rect.center_bottom() - vec2(0.0, 6.0),
            egui::Align2::CENTER_BOTTOM,
            bottom,
            egui::FontId::proportional(14.0),
            color,
        );
    }

    fn samples(&mut self, ui: &mut Ui, cx: &mut Ctx<'_>) {
        let Some(doc) = cx.doc else { return };
        let classes = doc.classes();
        self.selected = self.selected.min(classes.len().saturating_sub(1));
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Samples of").strong());
            for (i, name) in classes.iter().enumerate() {
                if ui.selectable_label(self.selected == i, format!("{name} ({})", doc.count(i))).clicked() {
                    self.selected = i;
                }
            }
            ui.separator();
            let n = doc.count(self.selected);
            if ui.add_enabled(n > 0, egui::Button::new(format!("Clear `{}`", doc.class_name(self.selected)))).clicked()
            {
                cx.cmds.push(Command::ClearClass(self.selected));
            }
            hint(ui, "click × under a picture to delete that example");
        });
        let ids = doc.ids_of(self.selected);
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
            hard_examples(ui, cx);
            if ids.is_empty() {
                hint(ui, "No examples of this class yet.");
            }
            // Rows of whole cells: `horizontal_wrapped` does not wrap child layouts (a picture
            // with its × button under it), so the rows are cut by hand.
            let cell = 64.0 + ui.spacing().item_spacing.x;
            let per_row = ((ui.available_width() + ui.spacing().item_spacing.x) / cell).floor().max(1.0) as usize;
            let newest: Vec<u64> = ids.iter().rev().take(GRID_MAX).copied().collect();
            for row in newest.chunks(per_row) {
                ui.horizontal(|ui| {
                    for &id in row {
                        let thumb = cx.tex.thumb(ui.ctx(), id, || doc.thumbnail(id));
                        ui.vertical(|ui| {
                            let r = match thumb {
                                Some(t) => ui.image((t.id(), Vec2::splat(64.0))),
                                None => ui.allocate_exact_size(Vec2::splat(64.0), Sense::hover()).1,
                            };
                            if self.highlight == Some(id) {
                                ui.painter().rect_stroke(
                                    r.rect.expand(2.0),
                                    2.0,
                                    Stroke::new(3.0, ACCENT),
                                    StrokeKind::Outside,
                                );
                                if self.scroll_to.take() == Some(id) {
                                    r.scroll_to_me(Some(egui::Align::Center));
                                }
                            }
                            if ui.small_button("×").on_hover_text(format!("Delete example {id}")).clicked() {
                                cx.cmds.push(Command::DeleteExample(id));
                            }
                        });
                    }
                });
            }
            if ids.len() > GRID_MAX {
                hint(ui, &format!("showing the newest {GRID_MAX} of {}", ids.len()));
            }
        });
    }
}

/// The examples validation got wrong in the last training run (a head trained without them
/// said another class), most confident mistake first: what to record more of.
fn hard_examples(ui: &mut Ui, cx: &mut Ctx<'_>) {
    let Some(doc) = cx.doc else { return };
    let Some(record) = doc.training() else { return };
    let names = record.train.classes();
    let shown: Vec<_> = record.mistakes.iter().filter(|m| doc.has(m.id)).take(HARD_MAX).collect();
    if shown.is_empty() {
        return;
    }
    ui.label(RichText::new(format!("Hard examples ({} validation mistakes)", record.mistakes.len())).strong());
    ui.horizontal_wrapped(|ui| {
        for m in shown {
            let said = names.get(m.predicted).map_or("?", String::as_str);
            let was = names.get(m.label).map_or("?", String::as_str);
            let thumb = cx.tex.thumb(ui.ctx(), m.id, || doc.thumbnail(m.id));
            ui.vertical(|ui| {
                let tip =
                    format!("example {}: recorded as `{was}`, read as `{said}` ({:.0} %)", m.id, m.confidence * 100.0);
                match thumb {
                    Some(t) => ui.image((t.id(), Vec2::splat(64.0))).on_hover_text(tip),
                    None => ui.allocate_exact_size(Vec2::splat(64.0), Sense::hover()).1,
                };
                ui.small(format!("{was}, said {said}"));
            });
        }
    });
    hint(
        ui,
        "Heads trained without these examples read them as another class: record more like them, or delete them if they were recorded by mistake.",
    );
    ui.separator();
}

/// Most hard examples shown.
const HARD_MAX: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_get_joystick_cells_and_keys() {
        let classes: Vec<String> =
            ["up", "down", "left", "right", "none", "wave"].iter().map(|s| (*s).to_owned()).collect();
        let l = layout(&classes);
        assert_eq!(l[0], (0, (1, 0), Some(Key::ArrowUp)));
        assert_eq!(l[1], (1, (1, 2), Some(Key::ArrowDown)));
        assert_eq!(l[2], (2, (0, 1), Some(Key::ArrowLeft)));
        assert_eq!(l[3], (3, (2, 1), Some(Key::ArrowRight)));
        assert_eq!(l[4], (4, (1, 1), Some(Key::Space)), "the idle class sits in the middle, on space");
        assert_eq!(l[5], (5, (0, 0), Some(Key::Num1)));
    }

    #[test]
    fn custom_classes_fill_the_corners_then_rows_below_with_digit_keys() {
        let mut classes: Vec<String> = ["up", "down", "left", "right"].iter().map(|s| (*s).to_owned()).collect();
        classes.extend((1..=8).map(|i| format!("c{i}")));
        let l = layout(&classes);
        let cells: Vec<(usize, usize)> = l.iter().skip(4).map(|c| c.1).collect();
        assert_eq!(cells, [(0, 0), (2, 0), (0, 2), (2, 2), (0, 3), (1, 3), (2, 3), (0, 4)]);
        let keys: Vec<Option<Key>> = l.iter().skip(4).map(|c| c.2).collect();
        assert_eq!(keys[0], Some(Key::Num1));
        assert_eq!(keys[7], Some(Key::Num8));
        // No two classes share a cell, whatever the names.
        let all: Vec<String> = (0..12).map(|i| format!("k{i}")).collect();
        let mut seen: Vec<(usize, usize)> = layout(&all).iter().map(|c| c.1).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 12);
        assert_eq!(layout(&all)[9].2, None, "nine digit keys, then buttons only");
    }
}
