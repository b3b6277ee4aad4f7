//! The feature map (every example as a dot in 2-D): fitted on a job thread when the project
//! changes, and handed to the feature worker, which places every live frame on it.

use std::sync::Arc;
use std::time::Duration;

use crate::learn::ExampleMap;
use crate::live::jobs::JobResult;
use crate::live::{FeatureCmd, LiveError};

use super::{LearnPage, Notice, Session, Tab};

/// The map is refitted at most this often while examples are being added (a fit of 400
/// examples takes tens of milliseconds on a job thread; refitting every recorded frame would
/// only make the picture jump).
pub const MAP_REFIT_EVERY: Duration = Duration::from_millis(1000);

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

impl Session {
    /// Whether the feature map is on screen.
    pub(super) fn map_shown(&self) -> bool {
        self.settings.tab == Tab::Learn && self.settings.learn_page == LearnPage::Map
    }

    /// Starts a fit when the shown map is out of date, and tells the feature worker which map
    /// to place live frames on.
    pub(super) fn sync_map(&mut self) {
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
            self.out.push(Notice::WakeAfter(MAP_REFIT_EVERY));
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
            let result = ExampleMap::build(cut, &refs, head.as_ref()).map(Arc::new).map_err(LiveError::from);
            JobResult::Map { revision, result }
        });
    }

    /// A fit finished.
    pub(super) fn on_map(&mut self, result: Result<Arc<ExampleMap>, LiveError>) {
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
        self.out.push(Notice::WakeAfter(Duration::ZERO));
    }
}
