//! "What is happening here?": the talk's picture of training as a window. A line is fitted to
//! points the user drags; beside it the loss surface over the line's two parameters as a heat
//! map, with the optimiser's path walked step by step — plain gradient descent or Adam, with
//! the learning rate as a slider and three presets (crawls, walks down, diverges).

use egui::{Color32, RichText, Ui, Vec2};
use egui_plot::{Heatmap, Line, MarkerShape, Plot, PlotPoint, PlotPoints, Points};

use crate::learn::descent::{Descent, Method};

use super::Ctx;
use super::widgets::{ACCENT, RED, hint};

/// The parameter range the heat map shows (w and b).
const RANGE: [f64; 2] = [-3.0, 3.0];
/// Heat map tiles per side.
const RES: usize = 40;
/// Steps per second while running.
const STEPS_PER_SECOND: f64 = 8.0;
/// Learning-rate presets: what the talk shows.
const PRESETS: [(&str, f64); 3] = [("too small: crawls", 0.01), ("good", 0.3), ("too large: diverges", 1.2)];

/// The window's state.
#[derive(Debug)]
pub struct DescentView {
    /// Whether the window is open.
    pub open: bool,
    /// The walk.
    pub walk: Descent,
    /// Stepping on its own.
    running: bool,
    /// Time owed to the running walk, seconds.
    owed: f64,
    /// The point being dragged.
    dragging: Option<usize>,
}

impl Default for DescentView {
    fn default() -> Self {
        Self { open: false, walk: Descent::default(), running: false, owed: 0.0, dragging: None }
    }
}

impl DescentView {
    /// Draws the window when open.
    pub fn ui(&mut self, ctx: &egui::Context, _cx: &mut Ctx<'_>) {
        if !self.open {
            return;
        }
        let mut open = self.open;
        egui::Window::new("What is happening here? Walking down the loss")
            .open(&mut open)
            .default_size([900.0, 560.0])
            .show(ctx, |ui| self.body(ui));
        self.open = open;
        if self.running && self.open {
            let dt = ctx.input(|i| f64::from(i.stable_dt).clamp(0.0, 0.1));
            self.owed += dt * STEPS_PER_SECOND;
            while self.owed >= 1.0 {
                self.owed -= 1.0;
                self.walk.step();
            }
            if self.walk.diverged() || self.walk.steps() >= 500 {
                self.running = false;
            }
            ctx.request_repaint();
        }
    }

    fn body(&mut self, ui: &mut Ui) {
        hint(
            ui,
            "Training is a walk downhill. The loss measures how wrong the line is for the points; every step moves the line's two numbers \
             (slope w and offset b) a little against the slope of the loss. The learning rate is the step's length: too small and the walk crawls, \
             too large and it jumps over the valley and climbs out. The head pacnet trains works the same way, with 1.25 million numbers instead of two.",
        );
        ui.horizontal_wrapped(|ui| {
            for m in [Method::Plain, Method::Adam] {
                if ui.radio(self.walk.method == m, m.label()).clicked() && self.walk.method != m {
                    self.walk.method = m;
                    self.walk.reset();
                }
            }
            ui.separator();
            let mut lr = self.walk.lr;
            if ui.add(egui::Slider::new(&mut lr, 0.001..=3.0).logarithmic(true).text("learning rate")).changed() {
                self.walk.lr = lr;
                self.walk.reset();
            }
        });
        ui.horizontal_wrapped(|ui| {
            for (label, lr) in PRESETS {
                if ui.button(label).clicked() {
                    self.walk.lr = lr;
                    self.walk.reset();
                    self.running = false;
                }
            }
            ui.separator();
            if ui.button("Step").clicked() {
                self.walk.step();
            }
            if ui.button("20 steps").clicked() {
                self.walk.run(20);
            }
            let run = if self.running { "Pause" } else { "Run" };
            if ui.button(run).clicked() {
                self.running = !self.running;
            }
            if ui.button("Reset").clicked() {
                self.walk.reset();
                self.running = false;
            }
        });
        let loss = self.walk.losses().last().copied().unwrap_or(0.0);
        let status = format!("step {} · loss {}", self.walk.steps(), fmt_loss(loss));
        if self.walk.diverged() {
            ui.label(RichText::new(format!("{status} — diverged: the learning rate is too large")).color(RED).strong());
        } else {
            ui.label(RichText::new(status).size(16.0).color(ACCENT));
        }
        let side = ((ui.available_width() - 24.0) / 2.0).clamp(220.0, 420.0);
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                ui.label(RichText::new("The points and the line (drag a point)").strong());
                self.points_plot(ui, Vec2::splat(side));
            });
            ui.vertical(|ui| {
                ui.label(RichText::new("The loss for every line: dark is low").strong());
                self.surface_plot(ui, Vec2::splat(side));
            });
        });
        loss_curve(ui, self.walk.losses());
    }

    fn points_plot(&mut self, ui: &mut Ui, size: Vec2) {
        let [w, b] = self.walk.current();
        let pts: Vec<[f64; 2]> = self.walk.points.clone();
        let line: Vec<[f64; 2]> = [-1.2, 1.2].iter().map(|&x| [x, (w * x + b).clamp(-50.0, 50.0)]).collect();
        let dragging = self.dragging;
        let r = Plot::new("descent-points")
            .width(size.x)
            .height(size.y)
            .data_aspect(1.0)
            .include_x(-1.2)
            .include_x(1.2)
            .include_y(-1.2)
            .include_y(1.2)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .auto_bounds(false)
            .default_x_bounds(-1.2, 1.2)
            .default_y_bounds(-1.2, 1.2)
            .show(ui, |p| {
                p.line(Line::new("line", PlotPoints::from(line)).color(ACCENT).width(2.5));
                p.points(Points::new("points", PlotPoints::from(pts.clone())).radius(6.0).color(Color32::WHITE));
                let pointer = p.pointer_coordinate();
                let pressed = p.response().drag_started() || p.response().is_pointer_button_down_on();
                let grab = match (dragging, pointer) {
                    (Some(i), _) => Some(i),
                    (None, Some(at)) if pressed => {
                        let at = p.screen_from_plot(at);
                        pts.iter()
                            .map(|q| p.screen_from_plot(PlotPoint::new(q[0], q[1])).distance(at))
                            .enumerate()
                            .filter(|(_, d)| *d < 12.0)
                            .min_by(|a, b| a.1.total_cmp(&b.1))
                            .map(|(i, _)| i)
                    }
                    _ => None,
                };
                (grab, pointer)
            });
        let (grab, pointer) = r.inner;
        if r.response.is_pointer_button_down_on()
            && let (Some(i), Some(at)) = (grab, pointer)
        {
            self.dragging = Some(i);
            if let Some(q) = self.walk.points.get_mut(i) {
                *q = [at.x.clamp(-1.2, 1.2), at.y.clamp(-1.2, 1.2)];
            }
            self.walk.reset();
        } else {
            self.dragging = None;
        }
    }

    fn surface_plot(&self, ui: &mut Ui, size: Vec2) {
        // Log of the loss: the valley's floor and its walls both stay visible.
        let surface: Vec<f64> = self.walk.surface(RANGE, RES).into_iter().map(|l| (l + 1e-3).ln()).collect();
        let (lo, hi) = surface.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        let span = (RANGE[1] - RANGE[0]) as f32;
        let path: Vec<[f64; 2]> = self
            .walk
            .path()
            .iter()
            .map(|p| [p[0].clamp(RANGE[0] * 3.0, RANGE[1] * 3.0), p[1].clamp(RANGE[0] * 3.0, RANGE[1] * 3.0)])
            .collect();
        let best = self.walk.best();
        Plot::new("descent-surface")
            .width(size.x)
            .height(size.y)
            .data_aspect(1.0)
            .x_axis_label("w (slope)")
            .y_axis_label("b (offset)")
            .default_x_bounds(RANGE[0], RANGE[1])
            .default_y_bounds(RANGE[0], RANGE[1])
            .allow_scroll(false)
            .show(ui, |p| {
                p.heatmap(
                    Heatmap::new(surface, RES)
                        .at(PlotPoint::new(RANGE[0], RANGE[0]))
                        .size(span, span)
                        .range(lo, hi)
                        .show_labels(false)
                        .palette(&[
                            Color32::from_rgb(10, 10, 40),
                            Color32::from_rgb(40, 60, 140),
                            Color32::from_rgb(200, 90, 90),
                            Color32::from_rgb(255, 230, 150),
                        ]),
                );
                p.points(
                    Points::new("best", PlotPoints::from(vec![best]))
                        .shape(MarkerShape::Plus)
                        .radius(8.0)
                        .color(Color32::from_rgb(90, 220, 110)),
                );
                p.line(Line::new("path", PlotPoints::from(path.clone())).color(Color32::WHITE).width(2.0));
                p.points(Points::new("steps", PlotPoints::from(path.clone())).radius(2.5).color(Color32::WHITE));
                if let Some(now) = path.last() {
                    p.points(Points::new("now", PlotPoints::from(vec![*now])).radius(6.0).color(ACCENT));
                }
            });
    }
}

fn loss_curve(ui: &mut Ui, losses: &[f64]) {
    let pts: Vec<[f64; 2]> = losses.iter().enumerate().map(|(i, l)| [i as f64, l.min(1e3)]).collect();
    Plot::new("descent-loss")
        .height(110.0)
        .x_axis_label("step")
        .y_axis_label("loss")
        .allow_scroll(false)
        .show(ui, |p| p.line(Line::new("loss", PlotPoints::from(pts)).color(ACCENT)));
}

fn fmt_loss(l: f64) -> String {
    if !l.is_finite() || l > 1e4 { format!("{l:.2e}") } else { format!("{l:.4}") }
}
