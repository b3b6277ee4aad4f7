//! Play: the game, and beside it how the model is steering — the joystick with the predicted
//! direction lit, a confidence bar per class, the threshold and smoothing, the prediction rate
//! and the end-to-end latency, the game speed.

use egui::{Color32, RichText, Sense, Stroke, StrokeKind, Ui, Vec2, vec2};

use crate::game::{Dir, Phase};

use super::super::commands::Command;
use super::super::game_view;
use super::Ctx;
use super::widgets::{ACCENT, camera_view, confidence_bar, dir_name, hint, joystick_cell, paint_arrow};
use crate::live::audio::AudioStatus;
use crate::live::steer::missing_dirs;
use crate::live::{GameCmd, SteeredBy};

/// Width of the side column, at least and at most; between them it takes a third of the panel.
const SIDE_MIN: f32 = 250.0;
const SIDE_MAX: f32 = 360.0;

/// Draws the play panel.
pub fn ui(ui: &mut Ui, cx: &mut Ctx<'_>) {
    let time = ui.input(|i| i.time);
    let snapshot = cx.rt.game().and_then(|g| g.snapshot());
    // The two rects are cut by hand, not by nested panels: a panel sizes itself from the
    // previous frame, so on a resize (or a zoom change) the maze ran under the column.
    let full = ui.available_rect_before_wrap();
    let width = (full.width() / 3.0).clamp(SIDE_MIN, SIDE_MAX);
    let gap = 12.0;
    let side_rect = egui::Rect::from_min_max(egui::pos2(full.max.x - width, full.min.y), full.max);
    let game_rect = egui::Rect::from_min_max(full.min, egui::pos2(side_rect.min.x - gap, full.max.y));
    ui.painter().vline(side_rect.min.x - gap / 2.0, full.y_range(), ui.visuals().widgets.noninteractive.bg_stroke);
    ui.scope_builder(egui::UiBuilder::new().max_rect(side_rect), |ui| {
        ui.set_max_width(width);
        side(ui, cx, snapshot.as_deref(), width);
    });
    {
        let rect = game_rect;
        let resp = ui.interact(rect, ui.scope_id().with("the-game"), Sense::hover());
        resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "the game"));
        match &snapshot {
            Some(s) => {
                let painter = ui.painter_at(rect);
                game_view::paint(&painter, rect, &s.game, time);
                if cx.settings.show_targets {
                    game_view::paint_targets(&painter, rect, &s.game);
                }
                if cx.settings.presenter {
                    overlay(&painter, rect, cx);
                }
                if cx.settings.muted {
                    // The muted sign, where a teacher looking for the missing sound will see it.
                    painter.text(
                        rect.right_top() + vec2(-10.0, 10.0),
                        egui::Align2::RIGHT_TOP,
                        "muted (M)",
                        egui::FontId::proportional(16.0),
                        Color32::from_gray(200),
                    );
                }
                if s.game.intermission().is_some() {
                    painter.text(
                        rect.center_bottom() - vec2(0.0, 30.0),
                        egui::Align2::CENTER_CENTER,
                        "Space skips the cut-scene",
                        egui::FontId::proportional(16.0),
                        Color32::GRAY,
                    );
                }
                if s.game.phase() == Phase::GameOver {
                    painter.text(
                        rect.center_bottom() - vec2(0.0, 30.0),
                        egui::Align2::CENTER_CENTER,
                        "Press “New game” to play again",
                        egui::FontId::proportional(18.0),
                        Color32::WHITE,
                    );
                }
            }
            None => {
                ui.painter().text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    "the game is starting…",
                    egui::FontId::proportional(18.0),
                    Color32::GRAY,
                );
            }
        }
    }
}

fn side(ui: &mut Ui, cx: &mut Ctx<'_>, snapshot: Option<&crate::live::GameSnapshot>, width: f32) {
    let live = cx.rt.features().and_then(|f| f.live());
    let prediction = live.as_ref().and_then(|l| l.prediction.clone());
    let has_head = cx.doc.is_some_and(|d| d.head().is_some());
    // The preview gives way first on a short window: the pad, the bars and the game buttons
    // below it are what the class watches and the presenter presses.
    let preview_h = (ui.available_height() * 0.22).clamp(80.0, 220.0);
    camera_view(ui, cx.tex.camera.as_ref().map(|t| &t.texture), vec2(width, preview_h), cx.settings.crop, None);
    if has_head {
        hint(
            ui,
            "Hold your object the way you recorded it. Below the threshold, or on “none”, Pac-Man keeps going. The arrow keys always work too.",
        );
    } else {
        ui.label(
            RichText::new(
                "No trained model yet: record (1), train (2), then come back. Until then, use the arrow keys.",
            )
            .color(ACCENT),
        );
    }
    if let Some(line) = cx.doc.and_then(|d| missing_line(d.classes())) {
        ui.label(RichText::new(line).color(ACCENT));
    }
    ui.add_space(4.0);

    // The joystick: the model's decision lit, the arrow key (or model) that steered outlined.
    let decided = prediction.as_ref().and_then(|p| p.decision.dir);
    let steered = snapshot.and_then(|s| s.asked.zip(s.steered_by));
    ui.horizontal(|ui| {
        joystick(ui, decided, steered);
        ui.vertical(|ui| {
            let who = match steered {
                Some((d, SteeredBy::Keyboard)) => format!("{} (arrow key)", dir_name(d)),
                Some((d, SteeredBy::Model)) => format!("{} (model)", dir_name(d)),
                None => "keep going".to_owned(),
            };
            ui.label(RichText::new(who).size(18.0).strong());
            if let Some(s) = snapshot {
                ui.label(format!("score {}  ·  lives {}", s.game.score(), s.game.lives()));
                ui.label(format!("level {}  ·  tick {}", s.game.level(), s.game.tick()));
            }
        });
    });

    ui.add_space(4.0);
    ui.label(RichText::new("Confidence (smoothed)").strong());
    match &prediction {
        Some(p) => {
            for (i, (name, v)) in p.classes.iter().zip(&p.smoothed).enumerate() {
                confidence_bar(ui, name, *v, Some(cx.settings.steer.threshold), i == p.decision.best, width - 4.0);
            }
        }
        None => hint(ui, if has_head { "waiting for the camera…" } else { "no model" }),
    }
    ui.horizontal_wrapped(|ui| {
        let paused = snapshot.is_some_and(|s| s.paused);
        if ui.button(if paused { "Resume (P)" } else { "Pause (P)" }).clicked() {
            cx.cmds.push(Command::Game(GameCmd::Paused(!paused)));
        }
        if ui.button("New game").clicked() {
            cx.cmds.push(Command::Game(GameCmd::Restart));
        }
    });
    sound(ui, cx, snapshot);
    if cx.settings.presenter {
        // The class watches the game and the big prediction; the knobs stay as set.
        return;
    }
    ui.separator();
    // The knobs are set once before a game: on a short window they scroll, the controls
    // above never do.
    egui::ScrollArea::vertical().auto_shrink([false, true]).show(ui, |ui| knobs(ui, cx, snapshot, has_head));
}

/// Threshold, smoothing, what the model steers, rates, speed (hidden in presenter mode).
fn knobs(ui: &mut Ui, cx: &mut Ctx<'_>, snapshot: Option<&crate::live::GameSnapshot>, has_head: bool) {
    let live = cx.rt.features().and_then(|f| f.live());
    ui.add(egui::Slider::new(&mut cx.settings.steer.threshold, 0.0..=1.0).text("threshold"))
        .on_hover_text("The smoothed confidence a direction needs before Pac-Man turns (the red tick).");
    ui.add(egui::Slider::new(&mut cx.settings.steer.smoothing, 0.0..=0.95).text("smoothing"))
        .on_hover_text("How much of the past is kept in the average: more is calmer but later.");
    let mut speed = cx.settings.game_speed;
    if ui.add(egui::Slider::new(&mut speed, 25..=100).text("game speed %")).changed() {
        cx.settings.game_speed = speed;
    }
    ui.checkbox(&mut cx.settings.use_model, "Steer with the model");
    ui.checkbox(&mut cx.settings.show_targets, "Show where each ghost is heading");
    if ui.add_enabled(has_head, egui::Button::new("Fix mistakes…")).on_hover_text("The last 30 s of play as a timeline: select where the model was wrong, say what it should have been, and it learns from those frames.").clicked() {
        cx.cmds.push(Command::ShowFixMistakes);
    }
    super::steer_keys::steer_target(ui, cx, has_head);

    let rate = live.as_ref().map_or(0.0, |l| l.rate);
    let pipeline = live.as_ref().map_or(0.0, |l| l.pipeline_ms);
    let latency = snapshot.and_then(|s| s.latency_ms);
    ui.label(format!("{rate:.0} predictions/s · network {pipeline:.1} ms"));
    ui.label(match latency {
        Some(ms) => format!("latency {ms:.0} ms (camera frame to Pac-Man)"),
        None => "latency — (no model steering yet)".to_owned(),
    })
    .on_hover_text("From the moment a camera frame reaches pacnet to the first game tick steered by its prediction. The camera's own delay (exposure, USB: typically 30–60 ms) comes on top.");
    if matches!(cx.settings.camera, crate::camera::SourceSpec::Demo) {
        hint(ui, "Demo camera: move the toy with W A S D, tilt it with Q E, nearer/farther with R F, C centres it.");
    }
}

/// Mute and volume (persisted in the settings), and whether sound reaches a device.
fn sound(ui: &mut Ui, cx: &mut Ctx<'_>, snapshot: Option<&crate::live::GameSnapshot>) {
    let mut muted = cx.settings.muted;
    let label = if muted { "Muted (M)" } else { "Sound on (M)" };
    if ui.toggle_value(&mut muted, label).on_hover_text("Mute or unmute the game (M).").changed() {
        cx.cmds.push(Command::Mute(muted));
    }
    // A row of its own: beside the toggle, the slider ran past a narrow column's edge.
    ui.horizontal(|ui| {
        ui.spacing_mut().slider_width = (ui.available_width() - 110.0).clamp(40.0, 200.0);
        let mut volume = cx.settings.volume;
        let slider = egui::Slider::new(&mut volume, 0.0..=1.0).text("volume").fixed_decimals(2);
        if ui.add_enabled(!muted, slider).changed() {
            cx.cmds.push(Command::Volume(volume));
        }
    });
    if snapshot.is_some_and(|s| s.audio == AudioStatus::Silent) && !cx.settings.muted {
        hint(ui, "No sound output (no audio device found): the game plays silently.");
    }
}

/// What the model cannot steer Pac-Man to, when the project lacks a direction class.
fn missing_line(classes: &[String]) -> Option<String> {
    let missing: Vec<String> = missing_dirs(classes).into_iter().map(|d| format!("“{}”", dir_name(d))).collect();
    if missing.is_empty() {
        return None;
    }
    let (what, them) = if missing.len() == 1 { ("class", "it") } else { ("classes", "them") };
    Some(format!(
        "Pac-Man turns only on classes named up, down, left and right; this project has no {what} {}, so the model never turns that way. Add {them} (or rename a class) in the Classes list of 1 Record.",
        missing.join(", ")
    ))
}

/// A 3 × 3 joystick: `decided` (the model's pick) filled, `steered` (what Pac-Man was asked
/// this tick) outlined.
fn joystick(ui: &mut Ui, decided: Option<Dir>, steered: Option<(Dir, SteeredBy)>) {
    let cell = 30.0;
    let (rect, resp) = ui.allocate_exact_size(Vec2::splat(cell * 3.0), Sense::hover());
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "direction pad"));
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 12.0, ui.visuals().extreme_bg_color);
    for d in [Dir::Up, Dir::Left, Dir::Right, Dir::Down] {
        let (c, r) = joystick_cell(Some(d), 0);
        let r = egui::Rect::from_min_size(rect.min + vec2(c as f32, r as f32) * cell, Vec2::splat(cell)).shrink(3.0);
        let lit = decided == Some(d);
        painter.rect_filled(r, 6.0, if lit { ACCENT } else { ui.visuals().widgets.inactive.bg_fill });
        if steered.is_some_and(|(s, _)| s == d) {
            painter.rect_stroke(r, 6.0, Stroke::new(2.5, Color32::WHITE), StrokeKind::Outside);
        }
        let fg = if lit { Color32::BLACK } else { ui.visuals().text_color() };
        paint_arrow(&painter, r.center(), cell * 0.45, d, fg);
    }
}

/// Presenter mode's large caption over the game: the prediction and its confidence, readable
/// from the back of a room.
fn overlay(painter: &egui::Painter, rect: egui::Rect, cx: &Ctx<'_>) {
    let live = cx.rt.features().and_then(|f| f.live());
    let Some(p) = live.as_ref().and_then(|l| l.prediction.as_ref()) else { return };
    let text = format!("{}  {:.0} %", p.best_class(), p.decision.confidence * 100.0);
    let pos = rect.center_top() + vec2(0.0, 12.0);
    // As large as fits the maze's width: a clipped "ght 100 %" tells the class nothing.
    let font = egui::FontId::proportional((rect.width() / 11.0).clamp(18.0, 44.0));
    let galley = painter.layout_no_wrap(text, font, Color32::WHITE);
    let bg = egui::Rect::from_center_size(pos + vec2(0.0, galley.size().y / 2.0), galley.size() + vec2(32.0, 12.0));
    painter.rect_filled(bg, 8.0, Color32::from_black_alpha(200));
    painter.galley(bg.center() - galley.size() / 2.0, galley, Color32::WHITE);
}
