//! Presenter mode: a classroom projector's zoom, full screen and contrast. (The feature map's
//! state lives in the session: `live::session::example_map`.)

use super::app::PacnetApp;

/// UI zoom in presenter mode: text readable from the back of a classroom on a 1080p projector.
pub const PRESENTER_ZOOM: f32 = 2.0;

impl PacnetApp {
    /// Presenter mode on or off: zoom, full screen and high contrast follow.
    pub(crate) fn set_presenter(&mut self, on: bool) {
        self.session.settings_mut().presenter = on;
        apply_presenter(&self.ctx, on);
    }
}

/// Makes the window look as presenter mode says: 2× zoom, full screen, high-contrast colours.
pub fn apply_presenter(ctx: &egui::Context, on: bool) {
    ctx.set_zoom_factor(if on { PRESENTER_ZOOM } else { 1.0 });
    ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(on));
    let mut visuals = match ctx.theme() {
        egui::Theme::Light if !on => egui::Visuals::light(),
        _ => egui::Visuals::dark(),
    };
    if on {
        // Pure white text and brighter outlines on black: a projector washes out greys.
        visuals.override_text_color = Some(egui::Color32::WHITE);
        visuals.panel_fill = egui::Color32::BLACK;
        visuals.window_fill = egui::Color32::BLACK;
        visuals.extreme_bg_color = egui::Color32::BLACK;
        for w in [&mut visuals.widgets.inactive, &mut visuals.widgets.hovered, &mut visuals.widgets.active] {
            w.fg_stroke.color = egui::Color32::WHITE;
            w.bg_stroke = egui::Stroke::new(1.5, egui::Color32::from_gray(200));
        }
        visuals.widgets.noninteractive.fg_stroke.color = egui::Color32::WHITE;
    }
    ctx.set_visuals(visuals);
}
