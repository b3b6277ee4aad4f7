//! The one per-frame path: frame → crop/resize/normalise → backbone to the cut → head →
//! smoothing → decision. The app's feature worker, `pacnet steer`, `pacnet play` and
//! `pacnet bench --pipeline` all run this; its lower half ([`Extractor`]) is also what
//! featurises recorded folders and thumbnails in `learn`.

use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use image::RgbImage;

use crate::backbone::{Backbone, Crop, Extractor};
use crate::learn::{Familiarity, Head};

use super::control::{Controller, Frame};
use super::error::LiveError;
use super::steer::{Decision, SteerSettings};

/// A prediction with what the steering made of it.
#[derive(Clone, Debug)]
pub struct LivePrediction {
    /// The head's classes.
    pub classes: Vec<String>,
    /// Raw probabilities of the last frame.
    pub probs: Vec<f32>,
    /// Smoothed probabilities.
    pub smoothed: Vec<f32>,
    /// Distance to the nearest training example in units of their spacing, when the head
    /// came with its examples ([`FramePipeline::set_familiarity`]).
    pub familiarity: Option<f32>,
    /// The decision on the smoothed ones.
    pub decision: Decision,
}

impl LivePrediction {
    /// The name of the most likely (smoothed) class.
    #[must_use]
    pub fn best_class(&self) -> &str {
        self.classes.get(self.decision.best).map_or("", String::as_str)
    }

    /// The class steering now and its smoothed probability, if any.
    #[must_use]
    pub fn steering(&self) -> Option<(String, f32)> {
        let i = self.decision.steering?;
        Some((self.classes.get(i)?.clone(), self.smoothed.get(i).copied().unwrap_or(0.0)))
    }
}

/// What one frame gave.
#[derive(Clone, Debug)]
pub struct FrameResult {
    /// The head's verdict; `None` without a head, or for a head trained at another cut.
    pub prediction: Option<LivePrediction>,
}

/// One frame's prepared buffers on their way between the threads of
/// [`FramePipeline::process_pipelined`].
struct Prepared {
    input: RgbImage,
    chw: Vec<f32>,
    started: Instant,
}

/// The per-frame state: reusable buffers, the cut, the crop, the head and the steering
/// controller.
pub struct FramePipeline {
    extractor: Extractor,
    cut: usize,
    crop: Crop,
    head: Option<Head>,
    familiarity: Option<Arc<Familiarity>>,
    controller: Controller,
    settings: SteerSettings,
}

impl FramePipeline {
    /// A pipeline for `backbone` at cut index `cut`, without a head yet.
    #[must_use]
    pub fn new(backbone: &Backbone, cut: usize, crop: Crop, settings: SteerSettings) -> Self {
        let cut = cut.min(backbone.cuts().len().saturating_sub(1));
        Self {
            extractor: Extractor::new(backbone),
            cut,
            crop,
            head: None,
            familiarity: None,
            controller: Controller::new(),
            settings,
        }
    }

    /// The cut features are taken at.
    #[must_use]
    pub fn cut(&self) -> usize {
        self.cut
    }

    /// Takes features at another cut from the next frame on.
    pub fn set_cut(&mut self, cut: usize) {
        self.cut = cut;
    }

    /// How frames are cropped to a square.
    pub fn set_crop(&mut self, crop: Crop) {
        self.crop = crop;
    }

    /// How predictions become steering.
    pub fn set_settings(&mut self, settings: SteerSettings) {
        self.settings = settings;
    }

    /// The steering settings in use.
    #[must_use]
    pub fn settings(&self) -> &SteerSettings {
        &self.settings
    }

    /// Predicts with `head` from now on (or stops predicting); the steering starts afresh,
    /// and the familiarity reference of the previous head is dropped.
    pub fn set_head(&mut self, head: Option<Head>) {
        self.head = head;
        self.familiarity = None;
        self.controller.reset();
    }

    /// The head's training examples as [`Familiarity`] (after [`set_head`](Self::set_head)):
    /// frames far from all of them count as unsure when the settings ask for it.
    pub fn set_familiarity(&mut self, familiarity: Option<Arc<Familiarity>>) {
        self.familiarity = familiarity;
    }

    /// The head in use.
    #[must_use]
    pub fn head(&self) -> Option<&Head> {
        self.head.as_ref()
    }

    /// Step 1: crop, resize and normalise `frame`; returns the network's input image.
    ///
    /// # Errors
    /// An empty frame.
    pub fn prepare(&mut self, backbone: &Backbone, frame: &RgbImage) -> crate::backbone::Result<&RgbImage> {
        self.extractor.prepare(backbone, frame, self.crop)
    }

    /// Step 2: the backbone up to `stop` (at least the cut), calling `observe(cut, values)` at
    /// every cut on the way (with values only where `wants(cut)`, see [`Extractor::run`]);
    /// returns the features at the cut.
    ///
    /// # Errors
    /// A cut the backbone does not have.
    pub fn run(
        &mut self,
        backbone: &Backbone,
        stop: usize,
        wants: &dyn Fn(usize) -> bool,
        observe: &mut dyn FnMut(usize, &[f32]),
    ) -> crate::backbone::Result<&[f32]> {
        let cut = self.cut.min(backbone.cuts().len().saturating_sub(1));
        self.extractor.run(backbone, cut, stop.max(cut), wants, observe)
    }

    /// Step 3: the head and the steering controller on the features of the last run, for a
    /// frame taken at `at` (its camera timestamp: the controller's hold and release times
    /// run on it).
    ///
    /// # Errors
    /// A failing head.
    pub fn predict(&mut self, at: Duration) -> crate::learn::Result<Option<LivePrediction>> {
        let Some(head) = &self.head else { return Ok(None) };
        let features = self.extractor.features();
        if head.input_len() != features.len() {
            // A head trained at another cut: no prediction until it is retrained.
            return Ok(None);
        }
        // Measured whenever there is a reference (a few microseconds): the live view and the
        // benchmark's replays show it even while the check is off.
        let (familiarity, probs) = match &self.familiarity {
            Some(f) => {
                let (p, hidden) = head.predict_with_hidden(features)?;
                (Some(f.ratio(&hidden)), p.probs)
            }
            _ => (None, head.predict(features)?.probs),
        };
        let frame = Frame { at, classes: head.classes(), probs: &probs, familiarity };
        let Some(decision) = self.controller.update(&frame, &self.settings) else { return Ok(None) };
        Ok(Some(LivePrediction {
            classes: head.classes().to_vec(),
            smoothed: self.controller.smoothed().to_vec(),
            probs,
            familiarity,
            decision,
        }))
    }

    /// All three steps for one frame taken at `at`.
    ///
    /// # Errors
    /// An empty frame or a failing head, as one line.
    pub fn process(&mut self, backbone: &Backbone, frame: &RgbImage, at: Duration) -> Result<FrameResult, LiveError> {
        self.prepare(backbone, frame).map_err(LiveError::Prepare)?;
        self.run(backbone, self.cut, &|_| false, &mut |_, _| {}).map_err(LiveError::Forward)?;
        let prediction = self.predict(at).map_err(LiveError::Predict)?;
        Ok(FrameResult { prediction })
    }

    /// All three steps for each of `frames`, with step 1 of frame n+1 (crop, resize,
    /// normalise) on a second thread while steps 2–3 of frame n run here: a frame comes out
    /// every max(step 1, steps 2–3) instead of every sum. `done(result, latency)` sees the
    /// frames in order; the latency runs from the start of a frame's step 1 to its prediction.
    /// These frames have no camera timestamps: the controller sees them 1/30 s apart.
    ///
    /// # Errors
    /// The first failing frame, as [`FramePipeline::process`] words it (later frames are not
    /// run), or a preprocessing thread that cannot be started.
    pub fn process_pipelined<'f>(
        &mut self,
        backbone: &Backbone,
        frames: impl Iterator<Item = &'f RgbImage> + Send,
        done: &mut dyn FnMut(FrameResult, Duration),
    ) -> Result<(), LiveError> {
        let crop = self.crop;
        std::thread::scope(|scope| {
            // Two frames' buffers circulate: one being prepared, one waiting or being run.
            let (full_tx, full_rx) = mpsc::sync_channel::<Result<Prepared, LiveError>>(1);
            let (free_tx, free_rx) = mpsc::channel::<Prepared>();
            for _ in 0..2 {
                let s = backbone.config().input_size;
                let p = Prepared { input: RgbImage::new(s as u32, s as u32), chw: Vec::new(), started: Instant::now() };
                // The receiver is alive in this scope: the send cannot fail.
                let _ = free_tx.send(p);
            }
            let mut pre = Extractor::new(backbone);
            let mut index = 0u32;
            std::thread::Builder::new()
                .name("pacnet-prepare".into())
                .spawn_scoped(scope, move || {
                    for frame in frames {
                        // Ends when the consumer has stopped (its channel ends dropped).
                        let Ok(mut p) = free_rx.recv() else { return };
                        p.started = Instant::now();
                        let r = match pre.prepare(backbone, frame, crop) {
                            Ok(_) => {
                                pre.swap_prepared(&mut p.input, &mut p.chw);
                                Ok(p)
                            }
                            Err(e) => Err(LiveError::Prepare(e)),
                        };
                        if full_tx.send(r).is_err() {
                            return;
                        }
                    }
                })
                .map_err(|source| LiveError::Thread { name: "pacnet-prepare", source })?;
            // Ends when the helper has sent its last frame and dropped its sender.
            for prepared in full_rx {
                let mut p = prepared?;
                self.extractor.swap_prepared(&mut p.input, &mut p.chw);
                let started = p.started;
                // The helper may have finished; the buffer is then simply dropped.
                let _ = free_tx.send(p);
                self.run(backbone, self.cut, &|_| false, &mut |_, _| {}).map_err(LiveError::Forward)?;
                let at = Duration::from_secs(1) * index / 30;
                index = index.saturating_add(1);
                let prediction = self.predict(at).map_err(LiveError::Predict)?;
                done(FrameResult { prediction }, started.elapsed());
            }
            Ok(())
        })
    }

    /// The network input of the last frame.
    #[must_use]
    pub fn input(&self) -> &RgbImage {
        self.extractor.input()
    }

    /// The normalised input of the last frame (for MobileNet's own classifier).
    #[must_use]
    pub fn chw(&self) -> &[f32] {
        self.extractor.chw()
    }

    /// The features of the last frame.
    #[must_use]
    pub fn features(&self) -> &[f32] {
        self.extractor.features()
    }
}
