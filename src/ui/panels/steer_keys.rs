//! Play's "What the model steers": the built-in Pac-Man, or another window through the key
//! profile picked here (its bindings on one line under the picker), and the key tester that
//! shows, live, what that profile would press — sending nothing.

use std::time::Duration;

use egui::{Color32, FontId, RichText, Sense, Stroke, StrokeKind, Ui, vec2};

use crate::learn::pad::DPAD;
use crate::learn::profile::PACMAN;
use crate::learn::{KeyMode, Press};
use crate::live::Document;
use crate::live::key_tester::TesterState;
use crate::live::session::picked_profile;

use super::super::commands::Command;
use super::Ctx;
use super::widgets::{ACCENT, RED, hint};

/// How long a tapped key stays lit in the tester.
const FLASH: Duration = Duration::from_millis(300);

/// Where the predictions go: the built-in game, or the picked profile's keys for another
/// window (after a countdown, with a loud indicator and a Stop button while keys are being
/// sent); then the key tester.
pub fn steer_target(ui: &mut Ui, cx: &mut Ctx<'_>, has_head: bool) {
    ui.separator();
    ui.label(RichText::new("What the model steers").strong());
    target(ui, cx, has_head);
    tester(ui, cx);
}

fn target(ui: &mut Ui, cx: &mut Ctx<'_>, has_head: bool) {
    if let Some(profile) = cx.rt.sending_keys() {
        ui.label(RichText::new(format!("• SENDING KEYS ({profile})")).color(Color32::RED).strong().size(18.0));
        hint(ui, "The focused window gets the profile's keys for each prediction. Press Esc (in any window) or Stop.");
        if ui.button(RichText::new("Stop sending keys").strong()).clicked() {
            cx.cmds.push(Command::StopKeys);
        }
        return;
    }
    if let Some(left) = cx.keys_countdown {
        ui.label(
            RichText::new(format!("Click into your game — keys start in {:.0} s", left.ceil()))
                .size(18.0)
                .strong()
                .color(ACCENT),
        );
        if ui.button("Cancel").clicked() {
            cx.cmds.push(Command::StopKeys);
        }
        return;
    }
    ui.label("• the built-in Pac-Man");
    let (name, profile) = picked_profile(cx.settings, cx.doc);
    let name = name.to_owned();
    // The button first: on a short window the picker below it scrolls, the button must not.
    let button = ui.add_enabled(has_head && profile.is_ok(), egui::Button::new("Steer another window…"));
    if button.on_hover_text("Sends the predictions as the profile's keys to whatever window has the focus (a virtual keyboard on /dev/uinput, else X11), after a 3-second countdown to click into it. Below the threshold or on “none”, no key is sent.").clicked() {
        cx.cmds.push(Command::SendKeys(cx.settings.key_mode));
    }
    // A built-in profile's keys follow the key mode; a saved profile says per class.
    let implied = builtin(cx, &name);
    profile_picker(ui, cx, &name);
    match &profile {
        Ok(p) => {
            ui.label(p.summary(cx.doc.map_or(&[][..], Document::classes)));
        }
        Err(e) => {
            ui.label(RichText::new(e.to_string()).color(RED));
        }
    }
    if implied {
        // Its own row: beside the picker it is wider than the column and pushed it out of the window.
        egui::ComboBox::from_label("key mode").selected_text(mode_name(cx.settings.key_mode)).show_ui(ui, |ui| {
            ui.selectable_value(&mut cx.settings.key_mode, KeyMode::Hold, mode_name(KeyMode::Hold)).on_hover_text(
                "The key stays down while its class is predicted (games that move while a key is held).",
            );
            ui.selectable_value(&mut cx.settings.key_mode, KeyMode::Tap, mode_name(KeyMode::Tap))
                .on_hover_text("One press each time the direction changes (games that turn on a key press).");
        });
    }
}

/// Whether `name` is a built-in profile (the Pac-Man arrows, the gamepad D-pad) that no saved
/// profile replaces.
fn builtin(cx: &Ctx<'_>, name: &str) -> bool {
    (name == PACMAN || name == DPAD) && cx.doc.is_none_or(|d| d.profiles().get(name).is_err())
}

/// The project's saved profiles and the built-in ones.
fn profile_picker(ui: &mut Ui, cx: &mut Ctx<'_>, picked: &str) {
    let choices = cx.doc.map_or_else(|| vec![PACMAN.to_owned(), DPAD.to_owned()], |d| d.profiles().choices());
    let shown = |cx: &Ctx<'_>, n: &str| match n {
        PACMAN if builtin(cx, n) => "Pac-Man (arrow keys)".to_owned(),
        DPAD if builtin(cx, n) => "Gamepad D-pad (virtual gamepad)".to_owned(),
        _ => n.to_owned(),
    };
    let labels: Vec<String> = choices.iter().map(|c| shown(cx, c)).collect();
    let picked_label = shown(cx, picked);
    let combo = egui::ComboBox::from_label("key profile").selected_text(picked_label).show_ui(ui, |ui| {
        for (c, label) in choices.iter().zip(labels) {
            if ui.selectable_label(c == picked, label).clicked() && c != picked {
                cx.cmds.push(Command::KeyProfile(c.clone()));
            }
        }
    });
    combo.response.on_hover_text("Which key or mouse button each class presses in another game. Profiles are saved in the project with `pacnet profile --project FILE --name NAME --bind up=space,left=a`.");
}

fn mode_name(mode: KeyMode) -> &'static str {
    match mode {
        KeyMode::Hold => "hold while predicted",
        KeyMode::Tap => "tap on change",
    }
}

/// The key tester, a section that opens and closes it in the session.
fn tester(ui: &mut Ui, cx: &mut Ctx<'_>) {
    let seen = cx.rt.key_tester().map(|t| (t.snapshot(), t.now()));
    let open = seen.is_some();
    let section = egui::CollapsingHeader::new("Key tester").open(Some(open)).show(ui, |ui| {
        if let Some((state, now)) = &seen {
            tester_body(ui, state, *now);
        }
    });
    let header = section.header_response.on_hover_text("What a game would receive from the picked profile, live: the same threshold, holds, taps and cooldowns as real keys — but nothing is sent.");
    if header.clicked() {
        cx.cmds.push(Command::KeyTester(!open));
    }
}

fn tester_body(ui: &mut Ui, s: &TesterState, now: Duration) {
    hint(ui, &format!("What a game would receive from “{}”. Nothing is sent.", s.profile));
    if s.caps.is_empty() {
        hint(ui, "This profile presses no key.");
    }
    let mut fading = None::<Duration>;
    ui.horizontal_wrapped(|ui| {
        for (press, classes) in &s.caps {
            let since = s.tapped.get(press).map(|t| now.saturating_sub(*t)).filter(|d| *d < FLASH);
            if let Some(d) = since {
                fading = Some(fading.map_or(FLASH - d, |f| f.min(FLASH - d)));
            }
            let flash = since.map_or(0.0, |d| 1.0 - d.as_secs_f32() / FLASH.as_secs_f32());
            key_cap(ui, *press, classes, s.held.contains(press), flash);
        }
    });
    if let Some(left) = fading {
        ui.ctx().request_repaint_after(left);
    }
    ui.label(RichText::new("Last keys, newest first").strong());
    if s.log.is_empty() {
        hint(ui, "nothing pressed yet");
    }
    for e in s.log.iter().rev() {
        ui.label(RichText::new(format!("{:>7.2} s  {}", e.at.as_secs_f64(), e.text())).monospace());
    }
}

/// One key or mouse button: lit while held, flashing (`flash` 1 → 0) after a tap, with the
/// classes that press it below.
fn key_cap(ui: &mut Ui, press: Press, classes: &[String], held: bool, flash: f32) {
    let name = match press {
        Press::Mouse(b) => format!("mouse {}", b.name()),
        Press::Key(_) | Press::Pad(_) => press.name(),
    };
    ui.vertical(|ui| {
        let lit = if held { 1.0 } else { flash };
        let idle = ui.visuals().widgets.inactive.bg_fill;
        let fill = egui::lerp(egui::Rgba::from(idle)..=egui::Rgba::from(ACCENT), lit);
        let text = if lit > 0.5 { Color32::BLACK } else { ui.visuals().text_color() };
        let galley = ui.painter().layout_no_wrap(name.clone(), FontId::monospace(14.0), text);
        let (rect, resp) = ui.allocate_exact_size(vec2((galley.size().x + 18.0).max(36.0), 30.0), Sense::hover());
        let state = if held {
            "held"
        } else if flash > 0.0 {
            "tapped"
        } else {
            "up"
        };
        resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, format!("key {name}: {state}")));
        let painter = ui.painter_at(rect.expand(2.0));
        painter.rect_filled(rect, 5.0, Color32::from(fill));
        painter.rect_stroke(rect, 5.0, Stroke::new(1.5, ui.visuals().text_color()), StrokeKind::Inside);
        painter.galley(rect.center() - galley.size() / 2.0, galley, text);
        ui.label(RichText::new(classes.join(", ")).small());
    });
}
