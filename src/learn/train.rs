//! Training the head: [`fit`] (in [`super::fit`]) runs the recipe on the calling thread;
//! [`Training::start`] runs it on a named `pacnet-train` thread and streams [`TrainEvent`]s
//! over a channel, so the UI never waits for it. [`TrainData`] is what both read: the
//! examples' features, their augmented views' features, labels and ids.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;
use std::time::Duration;

use candle_core::{Device, Tensor};
use rayon::prelude::*;

use crate::sys::panic_text;

use super::error::{LearnError, Result};
use super::features::{Features, decode_into};
pub use super::fit::{confusion, evaluate, fit, predict};
use super::head::Head;
use super::hyper::Hyper;
use super::metrics::{Confusion, EpochMetrics};
use super::split::{self, Split, Validation};

/// Examples every class needs before training starts.
pub const MIN_PER_CLASS: usize = 2;

/// What the trainer reads: the examples' features (shared, not copied) and labels.
#[derive(Clone, Debug)]
pub struct TrainData {
    classes: Vec<String>,
    shape: [usize; 3],
    rows: Vec<Features>,
    labels: Vec<usize>,
    /// Example ids (the dataset's; 0, 1, 2… when made from bare vectors).
    ids: Vec<u64>,
    /// Augmented views' features per example (empty without augmentation).
    views: Vec<Vec<Features>>,
}

impl TrainData {
    /// Checks that every row has `shape`'s length and every label names a class.
    pub fn new(classes: Vec<String>, shape: [usize; 3], rows: Vec<Features>, labels: Vec<usize>) -> Result<Self> {
        let d: usize = shape.iter().product();
        if rows.len() != labels.len() {
            return Err(LearnError::FeatureLength {
                expected: rows.len(),
                found: labels.len(),
                what: "one label per feature vector".into(),
            });
        }
        if let Some(r) = rows.iter().find(|r| r.len() != d) {
            return Err(LearnError::FeatureLength {
                expected: d,
                found: r.len(),
                what: format!("the training data's {shape:?} features"),
            });
        }
        if let Some(&l) = labels.iter().find(|&&l| l >= classes.len()) {
            return Err(LearnError::UnknownClass { name: format!("#{l}"), known: classes.join(", ") });
        }
        let ids = (0..labels.len() as u64).collect();
        Ok(Self { classes, shape, rows, labels, ids, views: Vec::new() })
    }

    /// The same data with the examples' ids (one per example).
    pub fn with_ids(mut self, ids: Vec<u64>) -> Result<Self> {
        if ids.len() != self.labels.len() {
            return Err(LearnError::FeatureLength {
                expected: self.labels.len(),
                found: ids.len(),
                what: "one id per example".into(),
            });
        }
        self.ids = ids;
        Ok(self)
    }

    /// The same data with augmented views: `views[i]` are the features of example `i`'s views
    /// (any number, each as long as the examples' features).
    pub fn with_views(mut self, views: Vec<Vec<Features>>) -> Result<Self> {
        if views.len() != self.labels.len() {
            return Err(LearnError::FeatureLength {
                expected: self.labels.len(),
                found: views.len(),
                what: "one list of views per example".into(),
            });
        }
        let d = self.dim();
        if let Some(v) = views.iter().flatten().find(|v| v.len() != d) {
            return Err(LearnError::FeatureLength {
                expected: d,
                found: v.len(),
                what: "an augmented view's features".into(),
            });
        }
        self.views = views;
        Ok(self)
    }

    /// Example ids, in example order.
    pub fn ids(&self) -> &[u64] {
        &self.ids
    }

    /// How many augmented views example `i` has.
    pub fn views_of(&self, i: usize) -> usize {
        self.views.get(i).map_or(0, Vec::len)
    }

    /// Augmented views over all examples.
    pub fn view_count(&self) -> usize {
        self.views.iter().map(Vec::len).sum()
    }

    /// From f32 feature vectors laid end to end (packed to f16 as the dataset stores them).
    pub fn from_f32(classes: Vec<String>, shape: [usize; 3], flat: &[f32], labels: Vec<usize>) -> Result<Self> {
        let d: usize = shape.iter().product();
        if d == 0 || flat.len() != d * labels.len() {
            return Err(LearnError::FeatureLength {
                expected: d * labels.len(),
                found: flat.len(),
                what: "all feature vectors together".into(),
            });
        }
        let rows = flat.chunks_exact(d).map(Features::from_f32).collect::<Result<_>>()?;
        Self::new(classes, shape, rows, labels)
    }

    /// Class names.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Feature shape `[channels, height, width]`.
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// Values per example.
    pub fn dim(&self) -> usize {
        self.shape.iter().product()
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Labels (class indices).
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Examples per class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        for &l in &self.labels {
            if let Some(c) = counts.get_mut(l) {
                *c += 1;
            }
        }
        counts
    }

    /// The examples `indices` as one `[n, dim]` f32 tensor.
    pub fn gather(&self, indices: &[usize]) -> Result<Tensor> {
        let rows: Vec<(usize, usize)> = indices.iter().map(|&i| (i, 0)).collect();
        self.gather_rows(&rows)
    }

    /// `(example, variant)` pairs as one `[n, dim]` f32 tensor: variant 0 is the example as
    /// recorded, variant v ≥ 1 its augmented view v − 1.
    pub fn gather_rows(&self, pairs: &[(usize, usize)]) -> Result<Tensor> {
        let d = self.dim();
        let missing = |i: usize, v: usize| LearnError::Internal {
            message: format!("example {i} view {v} of {} examples asked for", self.len()),
        };
        let rows = pairs
            .iter()
            .map(|&(i, v)| match v {
                0 => self.rows.get(i).ok_or_else(|| missing(i, v)),
                _ => self.views.get(i).and_then(|vs| vs.get(v - 1)).ok_or_else(|| missing(i, v)),
            })
            .collect::<Result<Vec<_>>>()?;
        let mut data = vec![0.0f32; pairs.len() * d];
        data.par_chunks_mut(d).zip(rows).for_each(|(out, row)| decode_into(row.bits(), out));
        Ok(Tensor::from_vec(data, (pairs.len(), d), &Device::Cpu)?)
    }

    /// The labels of `indices` as a u32 tensor.
    pub(crate) fn gather_labels(&self, indices: &[usize]) -> Result<Tensor> {
        let y: Vec<u32> = indices.iter().map(|&i| self.labels.get(i).map_or(u32::MAX, |&l| l as u32)).collect();
        Ok(Tensor::from_vec(y, indices.len(), &Device::Cpu)?)
    }

    /// Refuses data that cannot be trained on: fewer than 2 classes, or a class with fewer
    /// than [`MIN_PER_CLASS`] examples.
    pub fn check_trainable(&self) -> Result<()> {
        if self.classes.len() < 2 {
            return Err(LearnError::Hyper {
                name: "classes",
                value: self.classes.len().to_string(),
                rule: "at least 2",
            });
        }
        for (class, &n) in self.classes.iter().zip(&self.class_counts()) {
            if n < MIN_PER_CLASS {
                return Err(LearnError::TooFewExamples {
                    class: class.clone(),
                    found: n,
                    needed: MIN_PER_CLASS,
                    hint: String::new(),
                });
            }
        }
        Ok(())
    }
}

/// The shape of a run, known before it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// `train`: the examples the kept head trains on (all of them); `val`: the examples whose
    /// held-out predictions are measured (all of them with k folds, a share with a hold-out,
    /// none without validation, and then `no_validation` says why).
    pub split: Split,
    /// The validation heads' splits (none without validation).
    pub folds: Vec<Split>,
    /// How the validation estimate is made.
    pub validation: Validation,
    /// Examples per batch of the kept head.
    pub batch_size: usize,
    /// Batches per epoch of the kept head.
    pub batches_per_epoch: usize,
    /// Epochs.
    pub epochs: usize,
}

impl Plan {
    /// Checks the hyperparameters and the data, and plans the validation folds.
    pub fn new(data: &TrainData, hyper: &Hyper) -> Result<Self> {
        hyper.validate()?;
        data.check_trainable()?;
        let (folds, validation) = split::folds(data.labels(), data.classes(), hyper.val_fraction, hyper.seed);
        let all: Vec<usize> = (0..data.len()).collect();
        let mut val: Vec<usize> = folds.iter().flat_map(|f| f.val.iter().copied()).collect();
        val.sort_unstable();
        let no_validation = match &validation {
            Validation::Off { reason } => Some(reason.clone()),
            _ => None,
        };
        let batch_size = hyper.batch_size(all.len());
        let batches_per_epoch = all.len().div_ceil(batch_size);
        let split = Split { train: all, val, no_validation };
        Ok(Self { split, folds, validation, batch_size, batches_per_epoch, epochs: hyper.epochs })
    }
}

/// A validation example the recipe got wrong: a head trained without it predicted another class.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mistake {
    /// Its index in the training data.
    pub index: usize,
    /// Its example id.
    pub id: u64,
    /// Its class.
    pub label: usize,
    /// The class predicted.
    pub predicted: usize,
    /// The probability of the predicted class.
    pub confidence: f32,
}

/// Everything measured during and after a run.
#[derive(Clone, Debug)]
pub struct TrainReport {
    /// The hyperparameters used.
    pub hyper: Hyper,
    /// Split and batch sizes.
    pub plan: Plan,
    /// One entry per finished epoch.
    pub epochs: Vec<EpochMetrics>,
    /// The final head on the training examples.
    pub train: Confusion,
    /// The validation heads on their held-out examples (`None` without validation).
    pub val: Option<Confusion>,
    /// The held-out examples the validation heads got wrong, most confident first.
    pub mistakes: Vec<Mistake>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl TrainReport {
    /// Validation accuracy of the final head, when there was a split.
    pub fn val_accuracy(&self) -> Option<f64> {
        self.val.as_ref().and_then(Confusion::accuracy)
    }

    /// Training accuracy of the final head.
    pub fn train_accuracy(&self) -> Option<f64> {
        self.train.accuracy()
    }
}

/// A finished run.
#[derive(Clone, Debug)]
pub struct Trained {
    /// The trained head.
    pub head: Head,
    /// What was measured.
    pub report: TrainReport,
}

/// Why a run ended without a trained head.
#[derive(Debug)]
pub enum StopReason {
    /// [`Training::cancel`] was called (or the handle dropped).
    Cancelled,
    /// The loss became NaN or infinite.
    NonFinite {
        /// 1-based epoch.
        epoch: usize,
        /// 1-based batch within the epoch (0: the validation pass after the epoch).
        batch: usize,
        /// The loss value.
        loss: f32,
        /// The learning rate, for the message.
        lr: f64,
        /// The head after the last epoch whose weights and losses were all finite.
        last_good: Option<Box<Head>>,
    },
    /// Something else failed (a bug or a resource problem).
    Failed(LearnError),
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Cancelled => write!(f, "training cancelled"),
            Self::NonFinite { epoch, batch, loss, lr, last_good } => {
                let at = if *batch == 0 {
                    format!("epoch {epoch}'s validation")
                } else {
                    format!("epoch {epoch}, batch {batch}")
                };
                write!(
                    f,
                    "training stopped at {at}: the loss became {loss} — the learning rate ({lr}) is probably too high, try a smaller one; "
                )?;
                match last_good {
                    Some(_) => write!(f, "the head of epoch {} was kept", epoch.saturating_sub(1)),
                    None => write!(f, "no epoch finished, so the previous head stays in use"),
                }
            }
            Self::Failed(e) => write!(f, "training failed: {e}"),
        }
    }
}

impl From<LearnError> for StopReason {
    fn from(e: LearnError) -> Self {
        match e {
            LearnError::Cancelled => Self::Cancelled,
            e => Self::Failed(e),
        }
    }
}

impl From<candle_core::Error> for StopReason {
    fn from(e: candle_core::Error) -> Self {
        Self::Failed(e.into())
    }
}

/// What the trainer thread reports, in order: `Augmenting` (when views are computed first),
/// `Batch`es and `Epoch`s, then exactly one of `Done` or `Stopped`. Epochs and batches count
/// from 1.
#[derive(Debug)]
pub enum TrainEvent {
    /// Augmented views computed so far, before training.
    Augmenting {
        /// Views done.
        done: usize,
        /// Views to compute (0 when all were cached).
        total: usize,
    },
    /// One optimiser step was taken.
    Batch {
        /// 1-based epoch.
        epoch: usize,
        /// 1-based batch within the epoch.
        batch: usize,
        /// The batch's mean cross-entropy, before its step.
        loss: f32,
    },
    /// An epoch finished.
    Epoch {
        /// 1-based epoch.
        epoch: usize,
        /// Mean loss over the epoch's batches.
        train_loss: f32,
        /// Accuracy over the epoch's batches.
        train_acc: f32,
        /// Validation loss, when there is a split.
        val_loss: Option<f32>,
        /// Validation accuracy, when there is a split.
        val_acc: Option<f32>,
    },
    /// The kept head finished training and can steer; the validation heads train next (only
    /// sent when there is a validation split). [`TrainEvent::Done`] follows with the same head.
    Ready {
        /// The trained head.
        head: Head,
    },
    /// The validation heads finished an epoch (after [`TrainEvent::Ready`]).
    Validated {
        /// 1-based epoch.
        epoch: usize,
        /// Validation loss at the end of that epoch.
        val_loss: f32,
        /// Validation accuracy at the end of that epoch.
        val_acc: f32,
    },
    /// The run finished.
    Done {
        /// The trained head.
        head: Head,
        /// What was measured.
        report: Box<TrainReport>,
    },
    /// The run ended early.
    Stopped(StopReason),
}

impl From<&EpochMetrics> for TrainEvent {
    fn from(m: &EpochMetrics) -> Self {
        Self::Epoch {
            epoch: m.epoch,
            train_loss: m.train_loss,
            train_acc: m.train_acc,
            val_loss: m.val_loss,
            val_acc: m.val_acc,
        }
    }
}

/// Computes the augmented views' features of the run's examples (one list per example, in
/// example order) on the trainer thread before the first epoch; it reports
/// `progress(done, total)` views and stops when the flag is set. See [`super::views::view_maker`].
pub type ViewMaker = Box<dyn FnOnce(&AtomicBool, &mut dyn FnMut(usize, usize)) -> Result<Vec<Vec<Features>>> + Send>;

/// Called after every event so a GUI can repaint (e.g. a clone of egui's `Context::request_repaint`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// A training run on the `pacnet-train` thread. Drain its events with [`Training::try_recv`]
/// (never blocks) or [`Training::recv_timeout`]; dropping it cancels the run and joins the thread.
pub struct Training {
    events: Receiver<TrainEvent>,
    cancel: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    plan: Plan,
}

impl Training {
    /// Checks `data` and `hyper` (errors come back here, synchronously) and starts training
    /// on `data` as it is (with the views it already has, if any).
    pub fn start(data: TrainData, hyper: Hyper, waker: Option<Waker>) -> Result<Self> {
        Self::start_with_views(data, hyper, None, waker)
    }

    /// As [`Training::start`], but `views` first computes the examples' augmented views on
    /// the trainer thread (reported as [`TrainEvent::Augmenting`]); the app and `pacnet train`
    /// both start this way, so they train with the same recipe.
    pub fn start_with_views(
        data: TrainData,
        hyper: Hyper,
        views: Option<ViewMaker>,
        waker: Option<Waker>,
    ) -> Result<Self> {
        let plan = Plan::new(&data, &hyper)?;
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, events) = std::sync::mpsc::channel();
        let flag = Arc::clone(&cancel);
        let thread_plan = plan.clone();
        let thread = std::thread::Builder::new()
            .name("pacnet-train".into())
            .spawn(move || {
                let wake = || {
                    if let Some(w) = &waker {
                        w();
                    }
                };
                let mut progress = |e: TrainEvent| {
                    // A closed channel means nobody listens any more: stop at the next batch.
                    if tx.send(e).is_err() {
                        flag.store(true, Ordering::Relaxed);
                    }
                    wake();
                };
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(
                    || -> std::result::Result<Trained, StopReason> {
                        let data = match views {
                            Some(make) => {
                                let mut report = |done, total| progress(TrainEvent::Augmenting { done, total });
                                let views = make(&flag, &mut report)?;
                                data.with_views(views)?
                            }
                            None => data,
                        };
                        super::fit::fit_planned(&data, &hyper, thread_plan, &flag, &mut progress)
                    },
                ));
                let last = match run {
                    Ok(Ok(t)) => TrainEvent::Done { head: t.head, report: Box::new(t.report) },
                    Ok(Err(reason)) => TrainEvent::Stopped(reason),
                    Err(panic) => TrainEvent::Stopped(StopReason::Failed(LearnError::Internal {
                        message: format!("the trainer panicked: {}", panic_text(&*panic)),
                    })),
                };
                let _ = tx.send(last);
                wake();
            })
            .map_err(|e| LearnError::io("pacnet-train thread", e))?;
        Ok(Self { events, cancel, thread: Some(thread), plan })
    }

    /// The split and batch sizes of this run.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The next event if one is waiting; never blocks.
    pub fn try_recv(&self) -> Option<TrainEvent> {
        self.events.try_recv().ok()
    }

    /// The next event, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<TrainEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    /// The next event, waiting as long as it takes; `None` once the thread has ended and
    /// every event was taken (for headless callers like the CLI).
    pub fn recv(&self) -> Option<TrainEvent> {
        self.events.recv().ok()
    }

    /// Asks the trainer to stop before its next batch; it then sends `Stopped(Cancelled)`.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether the thread has ended (its events may still be waiting).
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl Drop for Training {
    fn drop(&mut self) {
        self.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
