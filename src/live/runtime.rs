//! The app's worker threads and how they are wired; the UI thread only talks to them here.
//!
//! | thread | owns | UI → thread | thread → UI |
//! |---|---|---|---|
//! | `pacnet-camera` ([`Capture`]) | the frame source | `switch`, `set_transform` | newest frame + status (slot) |
//! | `pacnet-loader` ([`Loader`]) | the download / load | cancel (flag) | progress, then the backbone (channel) |
//! | `pacnet-features` ([`FeatureWorker`]) | the frame pipeline, the steering sink | [`FeatureCmd`] (channel) | [`LiveStatus`](super::LiveStatus), [`LayerView`](super::LayerView) (slots), examples (channel) |
//! | `pacnet-game` ([`GameWorker`]) | the game | [`GameCmd`] (channel) | [`GameSnapshot`] (slot), game events (bounded channel) |
//! | `pacnet-train` (learn's [`Training`]) | the training run | cancel | [`TrainEvent`]s (channel) |
//! | `pacnet-project` ([`Jobs`]) | a save or load | — | its result (channel) |
//!
//! The feature worker hands steering to the game thread through one more slot ([`GameSteer`]),
//! or to another window as key presses ([`super::sink`]).
//! Every worker asks for a repaint when it has something new, so the UI never polls on a
//! timer, and the UI never blocks: it drains channels with `try_recv` and reads slots.
//! Shutdown drops each command sender, then joins the thread ([`Runtime::shutdown`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::backbone::{Backbone, BackboneError, FetchOptions, ModelSource};
use crate::camera::{Capture, CaptureOptions, Clock, DemoControl, SourceSpec, Transform};
use crate::learn::{TrainEvent, Training};

use super::error::LiveError;
use super::feature_worker::{FeatureCmd, FeatureEvent, FeatureSetup, FeatureWorker};
use super::game::{GameCmd, GameSetup, GameWorker};
use super::jobs::{self, Jobs};
use super::key_tester::KeyTester;
use super::loader::{LoadEvent, Loader};
use super::sink::GameSteer;
use super::{Repaint, Slot};

mod keys;

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
    /// The first backbone finished loading (start the feature worker now).
    BackboneReady,
    /// Another model, asked for with [`Runtime::load_model`], finished loading; it waits in
    /// [`Runtime::staged`] until the app re-computed the project's features with it and
    /// calls [`Runtime::commit_model`].
    ModelStaged,
    /// A load failed or was cancelled (one line); the backbone in use, if any, stays.
    LoadFailed(String),
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
    /// The model to load first, or why the one asked for is not a model.
    pub model: Result<ModelSource, BackboneError>,
    /// How downloads may go (offline or not).
    pub fetch: FetchOptions,
    /// The camera to open.
    pub camera: SourceSpec,
    /// Mirror etc.
    pub transform: Transform,
    /// The game's start (its clock is replaced by `clock`).
    pub game: GameSetup,
    /// The clock every worker paces and stamps by: the system clock in the app, a stepped
    /// one in tests.
    pub clock: Arc<dyn Clock>,
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
    /// What is being loaded, and the flag that cancels its download.
    loading: Option<(ModelSource, Arc<AtomicBool>)>,
    fetch: FetchOptions,
    backbone: Option<Arc<Backbone>>,
    staged: Option<Arc<Backbone>>,
    features: Option<FeatureWorker>,
    steer: Slot<GameSteer>,
    game: Option<GameWorker>,
    game_error: Option<String>,
    training: Option<Training>,
    jobs: Jobs,
    clock: Arc<dyn Clock>,
    /// The profile whose keys go to another window, while they do.
    sending_keys: Option<String>,
    /// The key tester, while it runs.
    tester: Option<KeyTester>,
}

impl Runtime {
    /// Starts the camera, the backbone loader and the (idle) game thread. Returns at once.
    pub fn start(options: RuntimeOptions, repaint: Repaint) -> Self {
        let mut capture_options = CaptureOptions { transform: options.transform, ..CaptureOptions::default() };
        capture_options.env.clock = Arc::clone(&options.clock);
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
        let game_setup = GameSetup { clock: Arc::clone(&options.clock), ..options.game };
        let (game, game_error) = match GameWorker::start(game_setup, steer.clone(), Arc::clone(&repaint)) {
            Ok(g) => (Some(g), None),
            Err(e) => (None, Some(format!("the game could not start: {e}"))),
        };
        let jobs = Jobs::new(Arc::clone(&repaint));
        let mut me = Self {
            repaint,
            capture,
            capture_error,
            demo,
            loader: None,
            load: LoadState::Loading { file: None, done: 0, total: 0 },
            loading: None,
            fetch: options.fetch,
            backbone: None,
            staged: None,
            features: None,
            steer,
            game,
            game_error,
            training: None,
            jobs,
            clock: options.clock,
            sending_keys: None,
            tester: None,
        };
        match options.model {
            Ok(source) => me.load_model(source),
            Err(e) => me.load = LoadState::Failed(e.to_string()),
        }
        me
    }

    /// Starts loading `source` on the loader thread (downloading it if needed), replacing a
    /// load in progress. The backbone in use stays until the new one is committed.
    pub fn load_model(&mut self, source: ModelSource) {
        self.cancel_load();
        let cancel = Arc::new(AtomicBool::new(false));
        let opts = FetchOptions { cancel: Some(Arc::clone(&cancel)), ..self.fetch.clone() };
        self.loader = Some(Loader::start(source.clone(), opts, Arc::clone(&self.repaint)));
        self.loading = Some((source, cancel));
        self.load = LoadState::Loading { file: None, done: 0, total: 0 };
    }

    /// Abandons the load in progress: its download stops at the next chunk (the partial file
    /// stays in the Hugging Face cache and is resumed next time) and its result is ignored.
    /// Returns at once.
    pub fn cancel_load(&mut self) {
        if let Some((_, cancel)) = self.loading.take() {
            cancel.store(true, Ordering::Relaxed);
        }
        if self.loader.take().is_some() {
            self.load = match self.backbone {
                Some(_) => LoadState::Ready,
                None => LoadState::Failed("loading the model was cancelled".into()),
            };
        }
    }

    /// What is being loaded, if anything.
    pub fn loading(&self) -> Option<&ModelSource> {
        self.loading.as_ref().map(|(s, _)| s)
    }

    /// How downloads may go (offline or not).
    pub fn fetch_options(&self) -> &FetchOptions {
        &self.fetch
    }

    /// A model loaded by [`Runtime::load_model`] that is not in use yet.
    pub fn staged(&self) -> Option<&Arc<Backbone>> {
        self.staged.as_ref()
    }

    /// Puts the staged model in use (stopping the feature worker, which ran on the old one;
    /// start it again with [`Runtime::start_features`]). Returns whether there was one.
    pub fn commit_model(&mut self) -> bool {
        let Some(bb) = self.staged.take() else { return false };
        self.stop_features();
        self.backbone = Some(bb);
        true
    }

    /// Forgets the staged model (re-computing the project's features with it failed).
    pub fn discard_staged(&mut self) {
        self.staged = None;
    }

    /// Stops the feature worker (live view and recording pause) until
    /// [`Runtime::start_features`] runs again.
    pub fn stop_features(&mut self) {
        self.features = None;
        self.sending_keys = None;
        self.tester = None;
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
                        self.load = LoadState::Ready;
                        if self.backbone.is_none() {
                            self.backbone = Some(bb);
                            out.push(RuntimeEvent::BackboneReady);
                        } else {
                            self.staged = Some(bb);
                            out.push(RuntimeEvent::ModelStaged);
                        }
                    }
                    LoadEvent::Failed(message) => {
                        self.load = match self.backbone {
                            Some(_) => LoadState::Ready,
                            None => LoadState::Failed(message.clone()),
                        };
                        out.push(RuntimeEvent::LoadFailed(message));
                    }
                }
            }
            if !matches!(self.load, LoadState::Loading { .. }) {
                self.loader = None;
                self.loading = None;
            }
        }
        if let Some(f) = &self.features {
            while let Some(e) = f.try_recv() {
                if matches!(e, FeatureEvent::SinkStopped(_)) {
                    self.sending_keys = None;
                }
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
    pub fn start_features(&mut self, setup: FeatureSetup) -> Result<(), LiveError> {
        let bb = self.backbone.clone().ok_or(LiveError::NotLoaded)?;
        let reader = self.capture.as_ref().ok_or(LiveError::NoCamera)?.reader();
        self.stop_features();
        let clock = Arc::clone(&self.clock);
        let worker = FeatureWorker::start(bb, reader, setup, self.steer.clone(), clock, Arc::clone(&self.repaint))
            .map_err(|source| LiveError::Thread { name: FeatureWorker::THREAD_NAME, source })?;
        self.features = Some(worker);
        Ok(())
    }

    /// The clock the workers run by.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
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
    pub fn jobs(&mut self) -> &mut Jobs {
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
