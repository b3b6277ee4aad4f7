//! Presenter mode: a classroom projector's zoom (fitted to the window), full screen and contrast. (The feature map's
//! state lives in the session: `live::session::example_map`.)

use super::app::{PacnetApp, Settings, Tab};

/// The zooms presenter mode chooses among, and offers in its zoom menu.
pub const ZOOMS: [f32; 8] = [1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0];

/// The smallest window, in points, in which a panel's layout still fits with nothing
/// clipped: the top bar (two rows when wrapped), the panel's side column at its smallest,
/// the status bar. Presenter mode zooms in as far as this allows.
#[must_use]
pub fn min_layout(tab: Tab) -> egui::Vec2 {
    match tab {
        // Three rows of record buttons beside a camera preview, the samples strip under it.
        Tab::Record => egui::vec2(780.0, 540.0),
        // The maze beside the side column (camera, pad, bars, game buttons).
        Tab::Play => egui::vec2(760.0, 560.0),
        Tab::Train => egui::vec2(720.0, 500.0),
        Tab::Learn => egui::vec2(780.0, 520.0),
    }
}

/// The largest of [`ZOOMS`] at which `tab`'s smallest layout fits a window of `window`
/// points at zoom 1 (1.0 when even that is too small).
#[must_use]
pub fn fit_zoom(window: egui::Vec2, tab: Tab) -> f32 {
    let min = min_layout(tab);
    ZOOMS.iter().copied().rev().find(|z| window.x / z >= min.x && window.y / z >= min.y).unwrap_or(1.0)
}

/// The zoom presenter mode uses in a window of `window` points at zoom 1.
#[must_use]
pub fn presenter_zoom(settings: &Settings, window: egui::Vec2) -> f32 {
    settings.presenter_zoom.map_or_else(|| fit_zoom(window, settings.tab), |z| z.clamp(0.5, 4.0))
}

/// Every frame in presenter mode: the zoom follows the window (and the panel), so a resize
/// or a switch to a bigger panel never pushes controls off screen.
pub fn follow_window(ctx: &egui::Context, settings: &Settings) {
    if !settings.presenter {
        return;
    }
    let zoom = ctx.zoom_factor();
    // The window at zoom 1: egui's points shrink as the zoom grows.
    let window = ctx.input(|i| i.content_rect().size()) * zoom;
    let want = presenter_zoom(settings, window);
    if (want - zoom).abs() > 1e-3 {
        ctx.set_zoom_factor(want);
        ctx.request_repaint();
    }
}

impl PacnetApp {
    /// Presenter mode on or off: zoom, full screen and high contrast follow.
    pub(crate) fn set_presenter(&mut self, on: bool) {
        self.session.settings_mut().presenter = on;
        apply_presenter(&self.ctx, on);
    }
}

/// Makes the window look as presenter mode says: full screen, high-contrast colours (the
/// zoom follows the window: [`follow_window`]).
pub fn apply_presenter(ctx: &egui::Context, on: bool) {
    if !on {
        ctx.set_zoom_factor(1.0);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presenter_zoom_is_the_largest_that_fits_the_panel() {
        let fit = |w: f32, h: f32| fit_zoom(egui::vec2(w, h), Tab::Play);
        assert_eq!(fit(1024.0, 768.0), 1.25);
        assert_eq!(fit(1280.0, 720.0), 1.25);
        assert_eq!(fit(1920.0, 1080.0), 1.75);
        assert_eq!(fit(3840.0, 2160.0), 3.0, "capped at the largest zoom offered");
        assert_eq!(fit(800.0, 500.0), 1.0, "never below 1 (the layout's own last resorts take over)");
        let mut settings = Settings { tab: Tab::Play, presenter: true, ..Settings::default() };
        assert_eq!(presenter_zoom(&settings, egui::vec2(1920.0, 1080.0)), 1.75);
        settings.presenter_zoom = Some(2.0);
        assert_eq!(presenter_zoom(&settings, egui::vec2(1024.0, 768.0)), 2.0, "a fixed zoom wins over fit");
    }
}
