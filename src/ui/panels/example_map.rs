//! The example map, titled "feature map" on screen (a page of the Learn panel; the maths is
//! [`crate::learn::example_map`]): every recorded example as a dot, coloured by
//! class, in the backbone's feature space and in the trained head's hidden layer; the live
//! frame as a moving dot with a short trail. Hover shows an example's picture, a click opens it
//! in the Record panel.

use std::collections::VecDeque;

use egui::{Color32, RichText, Ui, Vec2};
use egui_plot::{Line, MarkerShape, Plot, PlotPoint, PlotPoints, Points};

use crate::learn::example_map::Projection;
use crate::learn::{ExampleMap, MapPoint};

use super::super::commands::Command;
use super::super::lesson;
use super::Ctx;
use super::widgets::hint;

/// Live positions kept for the trail (about two seconds at 15 predictions a second).
const TRAIL: usize = 30;
/// A dot counts as hovered within this many points of the pointer.
const PICK_RADIUS: f32 = 10.0;

/// One colour per class, distinct on a projector (the first four are the directions), as many
/// as a project may have classes.
pub const CLASS_COLORS: [Color32; crate::learn::dataset::MAX_CLASSES] = [
    Color32::from_rgb(255, 200, 40),
    Color32::from_rgb(70, 160, 255),
    Color32::from_rgb(255, 90, 90),
    Color32::from_rgb(90, 220, 110),
    Color32::from_rgb(190, 190, 190),
    Color32::from_rgb(220, 120, 255),
    Color32::from_rgb(255, 150, 60),
    Color32::from_rgb(60, 220, 220),
    Color32::from_rgb(255, 120, 180),
    Color32::from_rgb(170, 220, 60),
    Color32::from_rgb(130, 130, 255),
    Color32::from_rgb(190, 140, 90),
];

/// The colour of class `i`.
#[must_use]
pub fn class_color(i: usize) -> Color32 {
    CLASS_COLORS.get(i % CLASS_COLORS.len()).copied().unwrap_or(Color32::WHITE)
}

/// The colour of class `i` of the open project: the one chosen for it, else the palette's.
#[must_use]
pub fn doc_class_color(doc: &crate::live::doc::Document, i: usize) -> Color32 {
    doc.class_color(i).map_or_else(|| class_color(i), |[r, g, b]| Color32::from_rgb(r, g, b))
}

/// The map page's view state: the live dot's recent positions.
#[derive(Debug, Default)]
pub struct ExampleMapView {
    trail: VecDeque<MapPoint>,
    last_seq: Option<u64>,
    /// Where each example's dot was drawn on the backbone map this frame (for scripts and
    /// tests that click one).
    pub dots: Vec<(u64, egui::Pos2)>,
}

impl ExampleMapView {
    /// Draws the page.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut Ctx<'_>) {
        let Some(doc) = cx.doc else {
            hint(ui, "The network is still loading…");
            return;
        };
        ui.heading("Where your examples land");
        hint(
            ui,
            "Each dot is one recorded picture, placed by the two directions in which the examples differ most (principal component analysis). \
             Pictures of the same pose land near each other because the frozen network already tells them apart — that is why a tiny head learns from a few examples. \
             The big white dot is the camera now. Hover a dot to see its picture; click it to find it on the Record panel.",
        );
        let Some(map) = cx.example_map.current().cloned() else {
            match (&cx.example_map.error, doc.total()) {
                (Some(e), _) => {
                    ui.colored_label(super::widgets::RED, format!("the map could not be computed: {e}"));
                }
                (None, 0) => hint(ui, "Record a few examples first: they appear here as dots."),
                (None, _) => hint(ui, "computing the map…"),
            }
            return;
        };
        if let Some(live) = cx.rt.features().and_then(|f| f.live())
            && self.last_seq != Some(live.seq)
        {
            self.last_seq = Some(live.seq);
            if let Some(p) = live.map_point {
                self.trail.push_back(p);
                while self.trail.len() > TRAIL {
                    self.trail.pop_front();
                }
            }
        }
        legend(ui, doc);
        let wrong = map.wrong.iter().filter(|w| w.is_some()).count();
        ui.label(format!(
            "{} examples{}{}",
            map.len(),
            if cx.example_map.busy() { " · updating…" } else { "" },
            if map.hidden.is_some() {
                format!(" · {wrong} the trained head gets wrong (circled in red)")
            } else {
                String::new()
            },
        ));
        let width = ((ui.available_width() - 16.0) / 2.0).max(200.0);
        let height = (ui.available_height() - 40.0).clamp(200.0, width);
        let mut hover = None;
        let colors: Vec<Color32> = (0..doc.classes().len()).map(|i| doc_class_color(doc, i)).collect();
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                let e = map.backbone.pca.explained();
                ui.label(RichText::new("Backbone features at the cut").strong());
                hint(ui, &format!("the two axes show {:.0} % of the differences", (e[0] + e[1]) * 100.0));
                let trail: Vec<[f32; 2]> = self.trail.iter().map(|p| p.backbone).collect();
                let size = Vec2::new(width, height);
                let (screen, h) = plot(ui, "map-backbone", &map, &map.backbone, &trail, size, &colors, cx.cmds);
                hover = hover.take().or(h);
                self.dots = map.ids.iter().copied().zip(screen).collect();
            });
            ui.vertical(|ui| {
                ui.label(RichText::new("The head's hidden layer").strong());
                match &map.hidden {
                    Some(hidden) => {
                        let e = hidden.pca.explained();
                        hint(
                            ui,
                            &format!("after training: {:.0} % of the differences on two axes", (e[0] + e[1]) * 100.0),
                        );
                        let trail: Vec<[f32; 2]> = self.trail.iter().filter_map(|p| p.hidden).collect();
                        let size = Vec2::new(width, height);
                        let (_, h) = plot(ui, "map-hidden", &map, hidden, &trail, size, &colors, cx.cmds);
                        hover = hover.take().or(h);
                    }
                    None => hint(ui, "Train a head (2 Train) to see how its hidden layer pulls the classes apart."),
                }
            });
        });
        if let Some(i) = hover.and_then(|h| tooltip(cx, &map, h))
            && let (Some(&id), Some(&class)) = (map.ids.get(i), map.labels.get(i))
        {
            cx.cmds.push(Command::SelectExample { class, id });
        }
    }
}

fn legend(ui: &mut Ui, doc: &crate::live::doc::Document) {
    ui.horizontal_wrapped(|ui| {
        for (i, c) in doc.classes().iter().enumerate() {
            dot(ui, doc_class_color(doc, i), 5.0);
            ui.label(c);
            ui.add_space(8.0);
        }
        dot(ui, Color32::WHITE, 7.0);
        ui.label("camera now");
    });
}

/// A filled circle the size of the map's dots (egui's default fonts have no "●").
fn dot(ui: &mut Ui, color: Color32, radius: f32) {
    let (rect, _) = ui.allocate_exact_size(Vec2::splat(radius * 2.0 + 2.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), radius, color);
}

/// Draws one projection (class `c`'s dots in `colors[c]`); returns where each example landed on
/// screen and the one under the pointer.
#[allow(clippy::too_many_arguments)]
fn plot(
    ui: &mut Ui,
    id: &str,
    map: &ExampleMap,
    projection: &Projection,
    trail: &[[f32; 2]],
    size: Vec2,
    colors: &[Color32],
    cmds: &mut Vec<Command>,
) -> (Vec<egui::Pos2>, Option<Hover>) {
    let mut screen = Vec::new();
    let classes = map.labels.iter().copied().max().map_or(0, |m| m + 1);
    let response = Plot::new(id)
        .width(size.x)
        .height(size.y)
        .data_aspect(1.0)
        .show_axes(false)
        .show_grid(false)
        .allow_scroll(false)
        .show_x(false)
        .show_y(false)
        .show(ui, |p| {
            for class in 0..classes {
                let dots: Vec<[f64; 2]> = projection
                    .points
                    .iter()
                    .zip(&map.labels)
                    .filter(|(_, l)| **l == class)
                    .map(|(pt, _)| [f64::from(pt[0]), f64::from(pt[1])])
                    .collect();
                p.points(
                    Points::new(format!("class {class}"), PlotPoints::from(dots))
                        .color(colors.get(class).copied().unwrap_or_else(|| class_color(class)))
                        .radius(4.0)
                        .filled(true),
                );
            }
            let wrong: Vec<[f64; 2]> = projection
                .points
                .iter()
                .zip(&map.wrong)
                .filter(|(_, w)| w.is_some())
                .map(|(pt, _)| [f64::from(pt[0]), f64::from(pt[1])])
                .collect();
            if !wrong.is_empty() {
                p.points(
                    Points::new("wrong", PlotPoints::from(wrong))
                        .shape(MarkerShape::Circle)
                        .filled(false)
                        .radius(8.0)
                        .color(Color32::RED),
                );
            }
            if let Some(now) = trail.last() {
                let line: Vec<[f64; 2]> = trail.iter().map(|t| [f64::from(t[0]), f64::from(t[1])]).collect();
                p.line(Line::new("trail", PlotPoints::from(line)).color(Color32::from_white_alpha(120)).width(2.0));
                p.points(
                    Points::new("now", PlotPoints::from(vec![[f64::from(now[0]), f64::from(now[1])]]))
                        .color(Color32::WHITE)
                        .radius(8.0)
                        .filled(true),
                );
            }
            screen.extend(projection.points.iter().map(|pt| p.screen_from_plot(PlotPoint::new(pt[0], pt[1]))));
            // The example nearest the pointer, in screen distance.
            let pointer = p.response().hover_pos()?;
            let (i, d) = screen.iter().map(|s| s.distance(pointer)).enumerate().min_by(|a, b| a.1.total_cmp(&b.1))?;
            (d <= PICK_RADIUS).then_some(i)
        });
    let name = if id == "map-hidden" { "hidden-layer map" } else { "feature map" };
    lesson::chart_menu(&response.response, name, false, cmds);
    let hover =
        response.inner.map(|index| Hover { index, clicked: response.response.clicked(), response: response.response });
    (screen, hover)
}

/// The example under the pointer on one plot.
struct Hover {
    index: usize,
    clicked: bool,
    response: egui::Response,
}

/// The hovered example's picture and class beside the pointer.
fn tooltip(cx: &mut Ctx<'_>, map: &ExampleMap, hover: Hover) -> Option<usize> {
    let i = hover.index;
    let id = map.ids.get(i).copied()?;
    let doc = cx.doc?;
    let class = doc.class_name(map.labels.get(i).copied().unwrap_or(0)).to_owned();
    let wrong = map.wrong.get(i).copied().flatten().map(|w| doc.class_name(w).to_owned());
    let thumb = cx.tex.thumb(&hover.response.ctx, id, || doc.thumbnail(id));
    hover.response.on_hover_ui_at_pointer(|ui| {
        if let Some(t) = thumb {
            ui.image((t.id(), Vec2::splat(96.0)));
        }
        ui.label(format!("{class} (example {id})"));
        if let Some(w) = wrong {
            ui.colored_label(Color32::RED, format!("the head says {w}"));
        }
        ui.label("click to find it on the Record panel");
    });
    hover.clicked.then_some(i)
}
