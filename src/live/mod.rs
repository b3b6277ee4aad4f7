//! The live loop, without a screen: camera → backbone → head → steering, on worker threads.
//!
//! **Job:** everything that runs while the app (or `pacnet steer` / `pacnet play`) is live —
//! the per-frame [`pipeline`], the [`feature_worker`] thread that runs it on every camera
//! frame, the [`steer`]ing logic and the [`sink`]s a decision goes to (the built-in game, key
//! presses for another window through [`keysink`] and a backend, XTEST ([`keys`]) or a uinput
//! virtual keyboard ([`uinput`]) with its [`gamepad`], chosen in [`key_output`]; stdout), `pacnet steer`'s loop on the calling thread
//! ([`steer_loop`]), the [`game`] thread and its sound output ([`audio`]), the backbone
//! [`loader`], the open project ([`doc`]) and its save/load [`jobs`], the [`meters`] and the
//! layer pictures ([`activation_atlas`]) the teaching views show, and the [`runtime`] that owns
//! all of those threads.
//!
//! **May import:** `backbone`, `camera`, `learn`, `game`. Never egui, eframe, clap or `ui`
//! (`tests/architecture.rs` checks): the app and the CLI both drive this module, so it must
//! not know which one does.

pub mod activation_atlas;
pub mod audio;
pub mod control;
pub mod doc;
pub mod error;
pub mod feature_worker;
pub mod game;
pub mod gamepad;
pub mod history;
pub mod jobs;
pub mod key_output;
pub mod key_tester;
pub mod keys;
pub mod keysink;
pub mod loader;
pub mod meters;
pub mod pipeline;
pub mod play;
pub mod runtime;
pub mod session;
pub mod sink;
pub mod steer;
pub mod steer_loop;
pub mod uinput;

use std::sync::{Arc, Mutex, PoisonError};

pub use control::Controller;
pub use doc::Document;
pub use error::LiveError;
pub use feature_worker::{
    FeatureCmd, FeatureEvent, FeatureSetup, FeatureWorker, LayerView, LivePrediction, LiveStatus, RecordRequest,
    Recorded, ViewRequest,
};
pub use game::{GameCmd, GameSetup, GameSnapshot, GameWorker, SteeredBy};
pub use jobs::{JobResult, Jobs, ViewPrefill};
pub use loader::{LoadEvent, Loader, load_backbone};
pub use pipeline::{FramePipeline, FrameResult};
pub use runtime::{LoadState, Runtime, RuntimeEvent, RuntimeOptions};
pub use sink::{GameSteer, KeyMode, SteerSink};
pub use steer::{Decision, Smoother, SteerSettings};

/// Asks the UI for a repaint (a clone of `egui::Context::request_repaint` in the app; a no-op
/// on the command line).
pub type Repaint = Arc<dyn Fn() + Send + Sync>;

/// A repaint request that does nothing, for headless use.
#[must_use]
pub fn no_repaint() -> Repaint {
    Arc::new(|| {})
}

/// A single-value mailbox: the writer replaces, the reader gets the newest. Readers that fall
/// behind skip values instead of queueing them, which is what a live view wants.
pub struct Slot<T> {
    inner: Arc<Mutex<Option<Arc<T>>>>,
}

impl<T> Clone for Slot<T> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self { inner: Arc::new(Mutex::new(None)) }
    }
}

impl<T> Slot<T> {
    /// Replaces the value.
    pub fn put(&self, value: T) {
        *self.lock() = Some(Arc::new(value));
    }

    /// The newest value.
    pub fn get(&self) -> Option<Arc<T>> {
        self.lock().clone()
    }

    /// Empties the slot.
    pub fn clear(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<T>>> {
        // Only whole values are swapped under the lock, so a poisoned one is still consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
