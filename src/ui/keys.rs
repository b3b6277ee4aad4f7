//! The keyboard map: keys that work anywhere, turned into [`Command`]s that are applied with
//! the panels' after the frame.

use crate::camera::SourceSpec;
use crate::game::Dir;
use crate::live::GameCmd;

use super::app::{PacnetApp, Tab};
use super::commands::{Command, DemoNudge};

impl PacnetApp {
    /// Keys that work anywhere: the demo toy (W A S D move, Q E tilt, R F nearer/farther,
    /// C centre) while the demo camera is on; the arrow keys, P (pause), M (mute) and Space
    /// (skip a cut-scene) on the play panel. They only record commands, applied with the
    /// panels' after the frame.
    pub(super) fn keyboard(&mut self, ctx: &egui::Context, cmds: &mut Vec<Command>) {
        if ctx.egui_wants_keyboard_input() || self.modal.is_some() {
            return;
        }
        if matches!(self.session.settings().camera, SourceSpec::Demo) {
            // Read the keys first and act after: calling back into the context from inside
            // `ctx.input` would take its lock twice.
            let (held, dt, centre) = ctx.input(|i| {
                let held = [
                    egui::Key::A,
                    egui::Key::D,
                    egui::Key::W,
                    egui::Key::S,
                    egui::Key::Q,
                    egui::Key::E,
                    egui::Key::R,
                    egui::Key::F,
                ]
                .map(|k| i.key_down(k));
                (held, i.stable_dt.clamp(0.0, 0.1), i.key_pressed(egui::Key::C))
            });
            let [left, right, up, down, tilt_l, tilt_r, near, far] = held;
            // Held keys move the toy at a steady speed whatever the frame rate: across the
            // frame in about 2.5 s, a quarter turn in 1.5 s.
            let s = 0.8 * dt;
            let sign = |plus: bool, minus: bool| f32::from(u8::from(plus)) - f32::from(u8::from(minus));
            let nudge = DemoNudge {
                dx: sign(right, left) * s,
                dy: sign(down, up) * s,
                tilt: sign(tilt_r, tilt_l) * 60.0 * dt,
                zoom: 1.5f32.powf(sign(near, far) * dt),
                centre,
            };
            if nudge != (DemoNudge { zoom: 1.0, ..DemoNudge::default() }) {
                cmds.push(Command::Demo(nudge));
            }
            if held.iter().any(|h| *h) {
                ctx.request_repaint(); // keep moving while the key is held
            }
        }
        if self.session.settings().tab == Tab::Play {
            let keys = ctx.input(|i| {
                [
                    (egui::Key::ArrowUp, Dir::Up),
                    (egui::Key::ArrowDown, Dir::Down),
                    (egui::Key::ArrowLeft, Dir::Left),
                    (egui::Key::ArrowRight, Dir::Right),
                ]
                .into_iter()
                .find(|(k, _)| i.key_down(*k))
                .map(|(_, d)| d)
            });
            if keys != self.sent_keys {
                self.sent_keys = keys;
                cmds.push(Command::ArrowKeys(keys));
            }
            if ctx.input(|i| i.key_pressed(egui::Key::P)) {
                let paused = self.session.runtime().game().and_then(|g| g.snapshot()).is_some_and(|s| s.paused);
                cmds.push(Command::Game(GameCmd::Paused(!paused)));
            }
            if ctx.input(|i| i.key_pressed(egui::Key::M)) {
                cmds.push(Command::Mute(!self.session.settings().muted));
            }
            // Space or Enter skips a cut-scene (and does nothing else on this panel).
            let cut_scene = self
                .session
                .runtime()
                .game()
                .and_then(|g| g.snapshot())
                .is_some_and(|s| s.game.intermission().is_some());
            if cut_scene && ctx.input(|i| i.key_pressed(egui::Key::Space) || i.key_pressed(egui::Key::Enter)) {
                cmds.push(Command::Game(GameCmd::Skip));
            }
        } else if self.sent_keys.take().is_some() {
            cmds.push(Command::ArrowKeys(None));
        }
        if ctx.input(|i| i.key_pressed(egui::Key::F11)) {
            cmds.push(Command::Presenter(!self.session.settings().presenter));
        }
        // Digits switch panels, except on the record panel when a class records on that digit.
        let digit_classes = self.session.document().map_or(0, |d| d.classes().len().saturating_sub(5));
        for (i, (key, tab)) in
            [egui::Key::Num1, egui::Key::Num2, egui::Key::Num3, egui::Key::Num4].into_iter().zip(Tab::ALL).enumerate()
        {
            let records = self.session.settings().tab == Tab::Record && i < digit_classes;
            if !records && ctx.input(|inp| inp.key_pressed(key)) {
                cmds.push(Command::Tab(tab));
            }
        }
        if ctx.input(|i| i.key_pressed(egui::Key::Escape))
            && (self.session.keys_counting_down() || self.session.runtime().sending_keys().is_some())
        {
            cmds.push(Command::StopKeys);
        }
    }
}
