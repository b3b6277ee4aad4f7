//! The teaching views' state beside the app: the feature map (computed on a job thread when
//! the project changes, placed live by the feature worker) and presenter mode.

use std::sync::Arc;
use std::time::Duration;

use crate::learn::ExampleMap;
use crate::live::FeatureCmd;
use crate::live::jobs::JobResult;

use super::app::{LearnPage, PacnetApp, Tab};

/// The map is refitted at most this often while examples are being added (a fit of 400
/// examples takes tens of milliseconds on a job thread; refitting every recorded frame would
/// only make the picture jump).
pub const MAP_REFIT_EVERY: Duration = Duration::from_millis(1000);

/// UI zoom in presenter mode: text readable from the back of a classroom on a 1080p projector.
pub const PRESENTER_ZOOM: f32 = 2.0;

/// What identifies the project state a map shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapKey {
    revision: u64,
    total: usize,
    cut: usize,
    title: String,
}

/// The feature map as the app holds it.
#[derive(Default)]
pub struct ExampleMapState {
    /// The newest map, and the project state it shows.
    pub map: Option<(MapKey, Arc<ExampleMap>)>,
    /// A fit is running for this state.
    pending: Option<MapKey>,
    /// When the last fit started (the runtime's clock).
    last_fit: Option<Duration>,
    /// Whether the feature worker has the map (it places every live frame on it).
    sent: bool,
    /// Why the last fit failed.
    pub error: Option<String>,
}

impl ExampleMapState {
    /// The map to draw, if any.
    #[must_use]
    pub fn current(&self) -> Option<&Arc<ExampleMap>> {
        self.map.as_ref().map(|(_, m)| m)
    }

    /// A new feature worker does not have the map yet.
    pub fn forget_sent(&mut self) {
        self.sent = false;
    }

    /// Whether a newer map is being computed.
    #[must_use]
    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }
}

impl PacnetApp {
    /// Whether the feature map is on screen.
    fn map_shown(&self) -> bool {
        self.settings.tab == Tab::Learn && self.settings.learn_page == LearnPage::Map
    }

    /// Starts a fit when the shown map is out of date, and tells the feature worker which map
    /// to place live frames on.
    pub(crate) fn sync_map(&mut self) {
        if !self.map_shown() {
            if self.example_map.sent {
                self.rt.send_features(FeatureCmd::Map(None));
                self.example_map.sent = false;
            }
            return;
        }
        if !self.example_map.sent
            && let Some(m) = self.example_map.current()
        {
            self.rt.send_features(FeatureCmd::Map(Some(Arc::clone(m))));
            self.example_map.sent = true;
        }
        let Some(doc) = &self.doc else { return };
        let key = MapKey { revision: doc.revision(), total: doc.total(), cut: doc.cut(), title: doc.title() };
        let now = self.rt.clock().now();
        let stale = self.example_map.map.as_ref().is_none_or(|(k, _)| *k != key);
        let due = self.example_map.last_fit.is_none_or(|t| now.saturating_sub(t) >= MAP_REFIT_EVERY);
        if !stale || self.example_map.pending.is_some() {
            return;
        }
        if !due {
            self.ctx.request_repaint_after(MAP_REFIT_EVERY);
            return;
        }
        let examples = doc.map_examples();
        let head = doc.head().cloned();
        let cut = doc.cut();
        let revision = key.revision;
        self.example_map.pending = Some(key);
        self.example_map.last_fit = Some(now);
        self.rt.jobs().spawn(move || {
            let refs: Vec<(u64, usize, &crate::learn::Features)> =
                examples.iter().map(|(i, l, f)| (*i, *l, f)).collect();
            let result =
                ExampleMap::build(cut, &refs, head.as_ref()).map(Arc::new).map_err(crate::live::LiveError::from);
            JobResult::Map { revision, result }
        });
    }

    /// A fit finished.
    pub(crate) fn on_map(&mut self, result: Result<Arc<ExampleMap>, crate::live::LiveError>) {
        let Some(key) = self.example_map.pending.take() else { return };
        match result {
            Ok(map) => {
                self.example_map.error = None;
                if self.map_shown() {
                    self.rt.send_features(FeatureCmd::Map(Some(Arc::clone(&map))));
                    self.example_map.sent = true;
                }
                self.example_map.map = Some((key, map));
            }
            Err(e) => self.example_map.error = Some(e.to_string()),
        }
        self.ctx.request_repaint();
    }

    /// Presenter mode on or off: zoom, full screen and high contrast follow.
    pub(crate) fn set_presenter(&mut self, on: bool) {
        self.settings.presenter = on;
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
