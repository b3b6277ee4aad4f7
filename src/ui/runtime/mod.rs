//! The app's worker threads and how they are wired; the UI thread only talks to them here.
//!
//! | thread | owns | UI → thread | thread → UI |
//! |---|---|---|---|
//! | `pacnet-camera` ([`Capture`]) | the frame source | `switch`, `set_transform` | newest frame + status (slot) |
//! | `pacnet-loader` ([`Loader`]) | the download / load | — | progress, then the backbone (channel) |
//! | `pacnet-features` ([`FeatureWorker`]) | backbone, head, smoother | [`FeatureCmd`] (channel) | [`Live`], [`LayerView`] (slots), examples (channel) |
//! | `pacnet-game` ([`GameWorker`]) | the game | [`GameCmd`] (channel) | [`GameSnapshot`] (slot), game events (bounded channel) |
//! | `pacnet-train` (learn's [`Training`]) | the training run | cancel | [`TrainEvent`]s (channel) |
//! | `pacnet-project` ([`jobs`]) | a save or load | — | its result (channel) |
//!
//! The feature worker hands steering to the game thread through one more slot ([`Steer`]).
//! Every worker asks for a repaint when it has something new, so the UI never polls on a
//! timer, and the UI never blocks: it drains channels with `try_recv` and reads slots.
//! Shutdown drops each command sender, then joins the thread ([`Runtime::shutdown`]).

pub mod features;
pub mod game;
pub mod jobs;
pub mod loader;

use std::sync::{Arc, Mutex, PoisonError};

use crate::backbone::Backbone;
use crate::camera::{Capture, CaptureOptions, DemoControl, SourceSpec, Transform};
use crate::learn::{TrainEvent, Training};

pub use features::{
    FeatureCmd, FeatureEvent, FeatureSetup, FeatureWorker, LayerView, Live, LivePrediction, RecordRequest, Recorded,
    Steer, ViewRequest,
};
pub use game::{GameCmd, GameSetup, GameSnapshot, GameWorker, SteeredBy};
pub use loader::{LoadEvent, Loader};

/// Asks the UI for a repaint (a clone of `egui::Context::request_repaint` in the app).
pub type Repaint = Arc<dyn Fn() + Send + Sync>;

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

/// Where the backbone is.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadState {
    /// Being found or downloaded: the file and bytes so far, once a download started.
    Loading {
        /// The file being downloaded, if one is.
        file: Option<String>,
        /// Bytes so far.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// Loaded.
    Ready,
    /// Failed; one line with the way out.
    Failed(String),
}

/// Something a worker reported, for the app to act on.
pub enum RuntimeEvent {
    /// The backbone finished loading (start the feature worker now).
    BackboneReady,
    /// From the feature worker.
    Feature(FeatureEvent),
    /// From the game.
    Game(crate::game::Event),
    /// From the trainer.
    Train(TrainEvent),
    /// From a project save or load.
    Job(jobs::JobResult),
}

/// How the runtime starts.
pub struct RuntimeOptions {
    /// `--model`.
    pub model: Option<String>,
    /// The camera to open.
    pub camera: SourceSpec,
    /// Mirror etc.
    pub transform: Transform,
    /// The game's start.
    pub game: GameSetup,
}

/// Owns every worker; lives in the app.
pub struct Runtime {
    repaint: Repaint,
    capture: Option<Capture>,
    /// Why the camera could not even start (no thread), if so.
    capture_error: Option<String>,
    demo: DemoControl,
    loader: Option<Loader>,
    load: LoadState,
    backbone: Option<Arc<Backbone>>,
    features: Option<FeatureWorker>,
    steer: Slot<Steer>,
    game: Option<GameWorker>,
    game_error: Option<String>,
    training: Option<Training>,
    jobs: jobs::Jobs,
}

impl Runtime {
    /// Starts the camera, the backbone loader and the (idle) game thread. Returns at once.
    pub fn start(options: RuntimeOptions, repaint: Repaint) -> Self {
        let capture_options = CaptureOptions { transform: options.transform, ..CaptureOptions::default() };
        let demo = capture_options.env.demo_control.clone();
        let (capture, capture_error) = match Capture::start(options.camera, capture_options) {
            Ok(c) => {
                let r = Arc::clone(&repaint);
                c.set_waker(Some(Arc::new(move || r())));
                (Some(c), None)
            }
            Err(e) => (None, Some(e.to_string())),
        };
        let steer = Slot::default();
        let (game, game_error) = match GameWorker::start(options.game, steer.clone(), Arc::clone(&repaint)) {
            Ok(g) => (Some(g), None),
            Err(e) => (None, Some(format!("the game could not start: {e:#}"))),
        };
        let loader = Loader::start(options.model, Arc::clone(&repaint));
        let jobs = jobs::Jobs::new(Arc::clone(&repaint));
        Self {
            repaint,
            capture,
            capture_error,
            demo,
            loader: Some(loader),
            load: LoadState::Loading { file: None, done: 0, total: 0 },
            backbone: None,
            features: None,
            steer,
            game,
            game_error,
            training: None,
            jobs,
        }
    }

    /// Drains every channel once (never blocks) and returns what happened, oldest first.
    pub fn poll(&mut self) -> Vec<RuntimeEvent> {
        let mut out = Vec::new();
        if let Some(loader) = &mut self.loader {
            while let Some(e) = loader.try_recv() {
                match e {
                    LoadEvent::Progress { file, done, total } => {
                        self.load = LoadState::Loading { file: Some(file), done, total }
                    }
                    LoadEvent::Loaded(bb) => {
                        self.backbone = Some(bb);
                        self.load = LoadState::Ready;
                        out.push(RuntimeEvent::BackboneReady);
                    }
                    LoadEvent::Failed(message) => self.load = LoadState::Failed(message),
                }
            }
            if !matches!(self.load, LoadState::Loading { .. }) {
                self.loader = None;
            }
        }
        if let Some(f) = &self.features {
            while let Some(e) = f.try_recv() {
                out.push(RuntimeEvent::Feature(e));
            }
        }
        if let Some(g) = &self.game {
            // Bounded per frame, so a burst of events cannot stall one frame.
            for _ in 0..512 {
                let Some(e) = g.try_recv() else { break };
                out.push(RuntimeEvent::Game(e));
            }
        }
        if let Some(t) = &self.training {
            let mut finished = false;
            while let Some(e) = t.try_recv() {
                finished |= matches!(e, TrainEvent::Done { .. } | TrainEvent::Stopped(_));
                out.push(RuntimeEvent::Train(e));
            }
            if finished {
                self.training = None;
            }
        }
        while let Some(r) = self.jobs.try_recv() {
            out.push(RuntimeEvent::Job(r));
        }
        out
    }

    /// Starts the feature worker on the loaded backbone (replacing a running one).
    ///
    /// # Errors
    /// Before the backbone is loaded, without a camera, or when no thread can be started.
    pub fn start_features(&mut self, setup: FeatureSetup) -> anyhow::Result<()> {
        let bb = self.backbone.clone().ok_or_else(|| anyhow::anyhow!("the model is not loaded yet"))?;
        let capture = self.capture.as_ref().ok_or_else(|| anyhow::anyhow!("no camera"))?;
        self.features = None;
        let worker = FeatureWorker::start(bb, capture.reader(), setup, self.steer.clone(), Arc::clone(&self.repaint))?;
        self.features = Some(worker);
        Ok(())
    }

    /// The loaded backbone.
    pub fn backbone(&self) -> Option<&Arc<Backbone>> {
        self.backbone.as_ref()
    }

    /// Where the backbone is.
    pub fn load_state(&self) -> &LoadState {
        &self.load
    }

    /// The camera, if its thread started.
    pub fn capture(&self) -> Option<&Capture> {
        self.capture.as_ref()
    }

    /// Why the camera thread could not start.
    pub fn capture_error(&self) -> Option<&str> {
        self.capture_error.as_deref()
    }

    /// The demo camera's pose handle.
    pub fn demo(&self) -> &DemoControl {
        &self.demo
    }

    /// The feature worker, once the backbone is loaded.
    pub fn features(&self) -> Option<&FeatureWorker> {
        self.features.as_ref()
    }

    /// Sends an order to the feature worker, if it runs.
    pub fn send_features(&self, cmd: FeatureCmd) {
        if let Some(f) = &self.features {
            f.send(cmd);
        }
    }

    /// The game thread.
    pub fn game(&self) -> Option<&GameWorker> {
        self.game.as_ref()
    }

    /// Why the game thread could not start.
    pub fn game_error(&self) -> Option<&str> {
        self.game_error.as_deref()
    }

    /// Sends an order to the game thread.
    pub fn send_game(&self, cmd: GameCmd) {
        if let Some(g) = &self.game {
            g.send(cmd);
        }
    }

    /// Starts a training run, replacing (and cancelling) one in progress.
    pub fn start_training(&mut self, training: Training) {
        self.training = Some(training);
    }

    /// Whether a training run is in progress.
    pub fn is_training(&self) -> bool {
        self.training.is_some()
    }

    /// Asks the running training to stop (it then reports `Stopped(Cancelled)`).
    pub fn cancel_training(&self) {
        if let Some(t) = &self.training {
            t.cancel();
        }
    }

    /// The save/load runner.
    pub fn jobs(&mut self) -> &mut jobs::Jobs {
        &mut self.jobs
    }

    /// The function workers call to ask for a repaint.
    pub fn repaint(&self) -> Repaint {
        Arc::clone(&self.repaint)
    }

    /// Stops every worker: each command sender is dropped, then its thread joined (the
    /// trainer is cancelled first; the camera joins with its own timeout).
    pub fn shutdown(&mut self) {
        self.cancel_training();
        self.training = None;
        self.features = None;
        self.game = None;
        self.jobs.wait();
        if let Some(mut c) = self.capture.take() {
            c.set_waker(None);
            c.stop();
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown();
    }
}
