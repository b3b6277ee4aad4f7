//! Training the head: [`fit`] runs Adam on categorical cross-entropy with candle's autograd on
//! the calling thread; [`Training::start`] runs it on a named `pacnet-train` thread and streams
//! [`TrainEvent`]s over a channel, so the UI never waits for it.
//!
//! Recipe (the TF.js demo's `model.fit`): fresh weights ([`Head::init`]), Adam with
//! β₁ 0.9, β₂ 0.999, ε 1e-7 (TF.js' defaults; [`Adam`] is candle-nn's `AdamW` update at weight
//! decay 0, fused into one pass), batches of ⌊fraction · n⌋ examples reshuffled every epoch, the loss read back
//! after every batch. A NaN or infinite loss stops the run before the step that would spread
//! it, and the head of the last finished epoch is handed back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use candle_core::{CpuStorage, DType, Device, Storage, Tensor, Var};
use candle_nn::Optimizer;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::error::{LearnError, Result};
use super::features::{Features, decode_into};
use super::head::{Head, Prediction};
use super::hyper::Hyper;
use super::metrics::{Confusion, EpochMetrics};
use super::ops::{Adam, AdamParams};
use super::split::{self, Split};

/// Examples every class needs before training starts.
pub const MIN_PER_CLASS: usize = 2;

/// What the trainer reads: the examples' features (shared, not copied) and labels.
#[derive(Clone, Debug)]
pub struct TrainData {
    classes: Vec<String>,
    shape: [usize; 3],
    rows: Vec<Features>,
    labels: Vec<usize>,
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
        Ok(Self { classes, shape, rows, labels })
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

    /// The rows `indices` as one `[n, dim]` f32 tensor.
    pub fn gather(&self, indices: &[usize]) -> Result<Tensor> {
        let d = self.dim();
        let rows = indices
            .iter()
            .map(|&i| {
                self.rows
                    .get(i)
                    .ok_or_else(|| LearnError::Internal { message: format!("example {i} of {} asked for", self.len()) })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut data = vec![0.0f32; indices.len() * d];
        data.par_chunks_mut(d).zip(rows).for_each(|(out, row)| decode_into(row.bits(), out));
        Ok(Tensor::from_vec(data, (indices.len(), d), &Device::Cpu)?)
    }

    /// The labels of `indices` as a u32 tensor.
    fn gather_labels(&self, indices: &[usize]) -> Result<Tensor> {
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
    /// The split used.
    pub split: Split,
    /// Examples per batch.
    pub batch_size: usize,
    /// Batches per epoch.
    pub batches_per_epoch: usize,
    /// Epochs.
    pub epochs: usize,
}

impl Plan {
    /// Checks the hyperparameters and the data, and splits it.
    pub fn new(data: &TrainData, hyper: &Hyper) -> Result<Self> {
        hyper.validate()?;
        data.check_trainable()?;
        let split = split::stratified(data.labels(), data.classes(), hyper.val_fraction, hyper.seed);
        let batch_size = hyper.batch_size(split.train.len());
        let batches_per_epoch = split.train.len().div_ceil(batch_size);
        Ok(Self { split, batch_size, batches_per_epoch, epochs: hyper.epochs })
    }
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
    /// The final head on the validation examples (`None` without a split).
    pub val: Option<Confusion>,
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

/// What the trainer thread reports, in order: `Batch`es and `Epoch`s, then exactly one of
/// `Done` or `Stopped`. Epochs and batches count from 1.
#[derive(Debug)]
pub enum TrainEvent {
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

/// Trains a fresh head on `data` on the calling thread. `progress` sees every `Batch` and
/// `Epoch` event; `cancel` is checked before every batch.
pub fn fit(
    data: &TrainData,
    hyper: &Hyper,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(TrainEvent),
) -> std::result::Result<Trained, StopReason> {
    let plan = Plan::new(data, hyper)?;
    fit_planned(data, hyper, plan, cancel, progress)
}

fn fit_planned(
    data: &TrainData,
    hyper: &Hyper,
    plan: Plan,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(TrainEvent),
) -> std::result::Result<Trained, StopReason> {
    let started = Instant::now();
    let init = Head::init(data.classes().to_vec(), data.shape(), hyper.units, hyper.seed)?;
    let [w1, b1, w2] = init.parameters().map(Var::from_tensor);
    let vars = [w1?, b1?, w2?];
    let [t1, t2, t3] = vars.each_ref().map(|v| v.as_tensor().clone());
    let model = Head::from_parts(data.classes().to_vec(), data.shape(), t1, t2, t3)?;
    let mut opt = Adam::new(vars.to_vec(), AdamParams { lr: hyper.lr, ..AdamParams::default() })?;

    let mut rng = ChaCha8Rng::seed_from_u64(hyper.seed);
    // Streams 0 and 2 seed the weights and the split; the shuffles get their own.
    rng.set_stream(1);
    let mut order = plan.split.train.clone();
    let mut epochs = Vec::with_capacity(plan.epochs);
    let mut snapshot = Snapshot::default();
    let last_good = |s: &Snapshot| s.head(&model).ok().flatten().map(Box::new);
    for epoch in 1..=plan.epochs {
        order.shuffle(&mut rng);
        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        for (b, batch) in order.chunks(plan.batch_size).enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return Err(StopReason::Cancelled);
            }
            let x = data.gather(batch)?;
            let y = data.gather_labels(batch)?;
            let logits = model.logits(&x)?;
            let loss = candle_nn::loss::cross_entropy(&logits, &y)?;
            let value = loss.to_dtype(DType::F32)?.to_scalar::<f32>()?;
            if !value.is_finite() {
                return Err(StopReason::NonFinite {
                    epoch,
                    batch: b + 1,
                    loss: value,
                    lr: hyper.lr,
                    last_good: last_good(&snapshot),
                });
            }
            let predicted = logits.argmax(1)?.to_vec1::<u32>()?;
            correct += predicted
                .iter()
                .zip(batch)
                .filter(|&(&p, &i)| data.labels().get(i).is_some_and(|&l| l as u32 == p))
                .count();
            loss_sum += f64::from(value) * batch.len() as f64;
            opt.backward_step(&loss)?;
            progress(TrainEvent::Batch { epoch, batch: b + 1, loss: value });
        }
        let n = order.len().max(1) as f64;
        let mut metrics = EpochMetrics {
            epoch,
            train_loss: (loss_sum / n) as f32,
            train_acc: (correct as f64 / n) as f32,
            val_loss: None,
            val_acc: None,
        };
        if !plan.split.val.is_empty() {
            let (loss, acc) = evaluate(&model, data, &plan.split.val)?;
            metrics.val_loss = Some(loss);
            metrics.val_acc = Some(acc);
        }
        let val_bad = metrics.val_loss.is_some_and(|l| !l.is_finite());
        if val_bad || !snapshot.capture(&vars)? {
            return Err(StopReason::NonFinite {
                epoch,
                batch: 0,
                loss: metrics.val_loss.unwrap_or(f32::NAN),
                lr: hyper.lr,
                last_good: last_good(&snapshot),
            });
        }
        progress(TrainEvent::from(&metrics));
        epochs.push(metrics);
    }
    let head = snapshot.head(&model)?.ok_or_else(|| LearnError::Internal { message: "no epoch was trained".into() })?;
    let train = confusion(&head, data, &plan.split.train)?;
    let val = if plan.split.val.is_empty() { None } else { Some(confusion(&head, data, &plan.split.val)?) };
    let report = TrainReport { hyper: hyper.clone(), plan, epochs, train, val, elapsed: started.elapsed() };
    Ok(Trained { head, report })
}

/// The weights at the end of the last epoch whose weights were all finite, in buffers reused
/// from epoch to epoch.
///
/// Why not `Head::detached_copy` + `Head::is_finite` per epoch: those allocate fresh 5 MB
/// tensors each time, and with the page faults of new memory that cost ~5 ms per epoch, a
/// quarter of the whole fit. Here the check reads the variables in place and the copy goes
/// into memory that is already mapped.
#[derive(Default)]
struct Snapshot {
    buffers: [Vec<f32>; 3],
    valid: bool,
}

impl Snapshot {
    /// Copies `vars` in if every value is finite (and returns true); otherwise leaves the
    /// previous snapshot as it was and returns false.
    fn capture(&mut self, vars: &[Var; 3]) -> Result<bool> {
        for v in vars {
            if !with_f32(v.as_tensor(), |values| values.iter().all(|x| x.is_finite()))? {
                return Ok(false);
            }
        }
        for (v, buf) in vars.iter().zip(&mut self.buffers) {
            with_f32(v.as_tensor(), |values| {
                buf.clear();
                buf.extend_from_slice(values);
            })?;
        }
        self.valid = true;
        Ok(true)
    }

    /// The snapshot as a head shaped like `like` (`None` before the first capture).
    fn head(&self, like: &Head) -> Result<Option<Head>> {
        if !self.valid {
            return Ok(None);
        }
        let [p1, p2, p3] = like.parameters();
        let [b1, b2, b3] = &self.buffers;
        let t = |b: &Vec<f32>, p: &Tensor| Tensor::from_slice(b, p.shape(), &Device::Cpu);
        Ok(Some(Head::from_parts(like.classes().to_vec(), like.input_shape(), t(b1, p1)?, t(b2, p2)?, t(b3, p3)?)?))
    }
}

/// Runs `f` on the values of a contiguous f32 CPU tensor, read in place.
fn with_f32<R>(t: &Tensor, f: impl FnOnce(&[f32]) -> R) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    let n = layout.shape().elem_count();
    let values = match (&*storage, layout.contiguous_offsets()) {
        (Storage::Cpu(CpuStorage::F32(v)), Some((start, end))) if end - start == n => v.get(start..end),
        _ => None,
    };
    let values = values.ok_or_else(|| LearnError::Internal {
        message: format!("expected a contiguous f32 CPU tensor, got {:?} {:?}", t.dtype(), t.dims()),
    })?;
    Ok(f(values))
}

/// Rows per forward pass when evaluating, to bound the f32 copy (512 × 50 KB = 25 MB).
const EVAL_CHUNK: usize = 512;

/// Mean cross-entropy and accuracy of `head` on the examples `indices`.
pub fn evaluate(head: &Head, data: &TrainData, indices: &[usize]) -> Result<(f32, f32)> {
    let (mut loss_sum, mut correct) = (0.0f64, 0usize);
    for chunk in indices.chunks(EVAL_CHUNK) {
        let x = data.gather(chunk)?;
        let y = data.gather_labels(chunk)?;
        let logits = head.logits(&x)?;
        let loss = candle_nn::loss::cross_entropy(&logits, &y)?.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        loss_sum += loss * chunk.len() as f64;
        let predicted = logits.argmax(1)?.to_vec1::<u32>()?;
        correct += predicted
            .iter()
            .zip(chunk)
            .filter(|&(&p, &i)| data.labels().get(i).is_some_and(|&l| l as u32 == p))
            .count();
    }
    let n = indices.len().max(1) as f64;
    Ok(((loss_sum / n) as f32, (correct as f64 / n) as f32))
}

/// The confusion matrix of `head` on the examples `indices`.
pub fn confusion(head: &Head, data: &TrainData, indices: &[usize]) -> Result<Confusion> {
    let mut c = Confusion::new(head.classes().to_vec());
    for (p, &i) in predict(head, data, indices)?.iter().zip(indices) {
        if let Some(&l) = data.labels().get(i) {
            c.add(l, p.best);
        }
    }
    Ok(c)
}

/// `head`'s predictions for the examples `indices`, in that order (a bounded batch at a time).
pub fn predict(head: &Head, data: &TrainData, indices: &[usize]) -> Result<Vec<Prediction>> {
    let mut out = Vec::with_capacity(indices.len());
    for chunk in indices.chunks(EVAL_CHUNK) {
        out.extend(head.predict_tensor(&data.gather(chunk)?)?);
    }
    Ok(out)
}

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
    /// Checks `data` and `hyper` (errors come back here, synchronously) and starts training.
    pub fn start(data: TrainData, hyper: Hyper, waker: Option<Waker>) -> Result<Self> {
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
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    fit_planned(&data, &hyper, thread_plan, &flag, &mut progress)
                }));
                let last = match run {
                    Ok(Ok(t)) => TrainEvent::Done { head: t.head, report: Box::new(t.report) },
                    Ok(Err(reason)) => TrainEvent::Stopped(reason),
                    Err(panic) => {
                        let what = panic
                            .downcast_ref::<&str>()
                            .map(|s| (*s).to_owned())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        TrainEvent::Stopped(StopReason::Failed(LearnError::Internal {
                            message: format!("the trainer panicked: {what}"),
                        }))
                    }
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
