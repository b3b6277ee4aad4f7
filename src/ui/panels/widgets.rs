//! Small drawing helpers the panels share: the joystick layout, the camera view with the crop
//! the network sees, confidence bars, hints.

use egui::{Color32, Rect, Sense, Stroke, StrokeKind, Ui, Vec2, pos2, vec2};

use crate::backbone::Crop;
use crate::game::Dir;

/// Accent colour of the app (Pac-Man yellow).
pub const ACCENT: Color32 = Color32::from_rgb(255, 204, 0);
/// Colour of "recording" and errors.
pub const RED: Color32 = Color32::from_rgb(230, 60, 60);

/// Where a class sits on the joystick (column, row of a 3 × 3 grid): the four directions
/// around the centre, every other class in the centre row's middle or below.
#[must_use]
pub fn joystick_cell(dir: Option<Dir>, other_index: usize) -> (usize, usize) {
    match dir {
        Some(Dir::Up) => (1, 0),
        Some(Dir::Left) => (0, 1),
        Some(Dir::Right) => (2, 1),
        Some(Dir::Down) => (1, 2),
        // The idle class in the middle; further custom classes in the free corners.
        None => [(1, 1), (0, 0), (2, 0), (0, 2), (2, 2)].get(other_index).copied().unwrap_or((1, 1)),
    }
}

/// A direction's name.
#[must_use]
pub fn dir_name(dir: Dir) -> &'static str {
    match dir {
        Dir::Up => "up",
        Dir::Down => "down",
        Dir::Left => "left",
        Dir::Right => "right",
    }
}

/// A filled triangle pointing `dir`, centred on `c`, `size` points across. (Drawn, because
/// egui's built-in fonts have no arrow glyphs.)
pub fn paint_arrow(painter: &egui::Painter, c: egui::Pos2, size: f32, dir: Dir, color: Color32) {
    let (dx, dy) = dir.delta();
    let u = vec2(dx as f32, dy as f32);
    let p = vec2(-u.y, u.x);
    let h = size * 0.5;
    let pts = vec![c + u * h, c - u * h + p * h, c - u * h - p * h];
    painter.add(egui::Shape::convex_polygon(pts, color, Stroke::NONE));
}

/// A muted line of explanation.
pub fn hint(ui: &mut Ui, text: &str) {
    ui.label(egui::RichText::new(text).italics().color(ui.visuals().weak_text_color()));
}

/// The rectangle of the frame the network sees, inside `rect` showing the whole frame.
#[must_use]
pub fn crop_rect(rect: Rect, frame_size: Vec2, crop: Crop) -> Rect {
    match crop {
        Crop::Whole => rect,
        Crop::CenterSquare => {
            let side = frame_size.x.min(frame_size.y);
            let scale = rect.width() / frame_size.x.max(1.0);
            Rect::from_center_size(rect.center(), Vec2::splat(side * scale))
        }
    }
}

/// Draws the camera texture fitted into `max`, with the network's crop outlined and the rest
/// dimmed; `overlay` is drawn in the top-left corner (e.g. "● REC"). Returns the image rect.
pub fn camera_view(
    ui: &mut Ui,
    texture: Option<&egui::TextureHandle>,
    max: Vec2,
    crop: Crop,
    overlay: Option<(&str, Color32)>,
) -> Rect {
    let size = texture.map_or(vec2(640.0, 480.0), |t| t.size_vec2());
    let scale = (max.x / size.x).min(max.y / size.y).max(0.01);
    let (rect, resp) = ui.allocate_exact_size(size * scale, Sense::hover());
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "camera preview"));
    let painter = ui.painter_at(rect);
    match texture {
        Some(t) => {
            painter.image(t.id(), rect, Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)), Color32::WHITE);
            let inner = crop_rect(rect, size, crop);
            let dim = Color32::from_black_alpha(110);
            for r in [
                Rect::from_min_max(rect.min, pos2(inner.min.x, rect.max.y)),
                Rect::from_min_max(pos2(inner.max.x, rect.min.y), rect.max),
            ] {
                if r.width() > 0.5 {
                    painter.rect_filled(r, 0.0, dim);
                }
            }
            painter.rect_stroke(inner, 0.0, Stroke::new(1.5, ACCENT), StrokeKind::Inside);
        }
        None => {
            painter.rect_filled(rect, 4.0, Color32::from_gray(30));
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "waiting for the camera…",
                egui::FontId::proportional(16.0),
                Color32::GRAY,
            );
        }
    }
    if let Some((text, color)) = overlay {
        painter.text(rect.min + vec2(10.0, 8.0), egui::Align2::LEFT_TOP, text, egui::FontId::proportional(20.0), color);
    }
    rect
}

/// One horizontal bar: `value` in 0–1, a tick at `threshold`, a label on it.
pub fn confidence_bar(ui: &mut Ui, label: &str, value: f32, threshold: Option<f32>, highlight: bool, width: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(width, 20.0), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 3.0, ui.visuals().extreme_bg_color);
    let v = if value.is_finite() { value.clamp(0.0, 1.0) } else { 0.0 };
    let fill = if highlight { ACCENT } else { Color32::from_rgb(90, 140, 220) };
    painter.rect_filled(Rect::from_min_size(rect.min, vec2(rect.width() * v, rect.height())), 3.0, fill);
    if let Some(t) = threshold {
        let x = rect.min.x + rect.width() * t.clamp(0.0, 1.0);
        painter.line_segment([pos2(x, rect.min.y), pos2(x, rect.max.y)], Stroke::new(1.5, RED));
    }
    let text_color = if highlight { Color32::BLACK } else { ui.visuals().strong_text_color() };
    painter.text(
        rect.left_center() + vec2(6.0, 0.0),
        egui::Align2::LEFT_CENTER,
        format!("{label}  {:.0} %", v * 100.0),
        egui::FontId::proportional(14.0),
        text_color,
    );
}

/// `1234567` → `1,234,567`.
#[must_use]
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `1_254_900` → `1.25 M`, `54_000` → `54.0 k`, `999` → `999`.
#[must_use]
pub fn si(n: usize) -> String {
    match n {
        0..=999 => n.to_string(),
        1000..=999_999 => format!("{:.1} k", n as f64 / 1e3),
        _ => format!("{:.2} M", n as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_for_people() {
        assert_eq!(thousands(12544), "12,544");
        assert_eq!(thousands(100), "100");
        assert_eq!(thousands(1_254_900), "1,254,900");
        assert_eq!(si(1_254_900), "1.25 M");
        assert_eq!(si(54_000), "54.0 k");
        assert_eq!(si(999), "999");
    }

    #[test]
    fn the_joystick_puts_directions_around_the_centre() {
        assert_eq!(joystick_cell(Some(Dir::Up), 0), (1, 0));
        assert_eq!(joystick_cell(Some(Dir::Down), 0), (1, 2));
        assert_eq!(joystick_cell(None, 0), (1, 1));
        assert_eq!(joystick_cell(None, 1), (0, 0));
    }

    #[test]
    fn the_crop_outline_is_the_centre_square() {
        let r = Rect::from_min_size(pos2(0.0, 0.0), vec2(320.0, 240.0));
        let c = crop_rect(r, vec2(640.0, 480.0), Crop::CenterSquare);
        assert_eq!(c, Rect::from_min_max(pos2(40.0, 0.0), pos2(280.0, 240.0)));
        assert_eq!(crop_rect(r, vec2(640.0, 480.0), Crop::Whole), r);
    }
}
