//! The training loop: the head that is kept trains on every example first, and is handed
//! over ([`TrainEvent::Ready`]) so that it steers while the validation heads (one per fold,
//! see [`split::folds`]) train after it, each without its held-out examples: they only
//! measure, so nobody should wait for them. Their held-out predictions give the validation
//! loss and accuracy of every epoch, the confusion matrix and the examples the recipe gets
//! wrong ([`Mistake`]). (Training them beside the kept head, epoch by epoch, measured no
//! faster: each head's products already keep both threads busy.)
//!
//! Per epoch every training example is seen once, as itself or as one of its augmented
//! views (uniformly), in a fresh shuffle; batches of ⌊fraction · examples⌋; Adam with
//! β₁ 0.9, β₂ 0.999, ε 1e-7 (TF.js' defaults; [`Adam`] is candle-nn's `AdamW` update at
//! weight decay 0, fused into one pass); cross-entropy with optional label smoothing; the
//! loss read back after every batch. A NaN or infinite loss stops the run before the step
//! that would spread it, and the kept head of the last finished epoch is handed back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use candle_core::{CpuStorage, D, DType, Device, Storage, Tensor, Var};
use candle_nn::Optimizer;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::error::{LearnError, Result};
use super::head::Head;
use super::hyper::Hyper;
use super::metrics::{Confusion, EpochMetrics};
use super::ops::{Adam, AdamParams};
use super::split::Validation;
use super::train::{Mistake, Plan, StopReason, TrainData, TrainEvent, TrainReport, Trained};

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

/// One head being trained: its variables, optimiser, examples and shuffle stream.
struct Run {
    vars: [Var; 3],
    model: Head,
    opt: Adam,
    train: Vec<usize>,
    val: Vec<usize>,
    batch_size: usize,
    rng: ChaCha8Rng,
}

/// What one epoch of one run measured.
#[derive(Default)]
struct EpochSums {
    loss: f64,
    correct: usize,
    seen: usize,
}

impl Run {
    /// A fresh head (the same initial weights for every run of a seed) on `train`, measured
    /// on `val`, shuffled by stream `stream` of the seed.
    fn new(data: &TrainData, hyper: &Hyper, train: Vec<usize>, val: Vec<usize>, stream: u64) -> Result<Self> {
        let init =
            Head::init(data.classes().to_vec(), data.shape(), hyper.units, hyper.seed)?.with_normalize(hyper.normalize);
        let [w1, b1, w2] = init.parameters().map(Var::from_tensor);
        let vars = [w1?, b1?, w2?];
        let [t1, t2, t3] = vars.each_ref().map(|v| v.as_tensor().clone());
        let model =
            Head::from_parts(data.classes().to_vec(), data.shape(), t1, t2, t3)?.with_normalize(hyper.normalize);
        let opt = Adam::new(vars.to_vec(), AdamParams { lr: hyper.lr, ..AdamParams::default() })?;
        let mut rng = ChaCha8Rng::seed_from_u64(hyper.seed);
        // Streams 0, 2 and 3 seed the weights, the hold-out split and the folds.
        rng.set_stream(stream);
        let batch_size = hyper.batch_size(train.len());
        Ok(Self { vars, model, opt, train, val, batch_size, rng })
    }

    /// One pass over the run's examples, each as itself or one of its views. `on_batch`
    /// gets the 1-based batch number and its loss; a non-finite loss stops before its step.
    fn epoch(
        &mut self,
        data: &TrainData,
        hyper: &Hyper,
        cancel: &AtomicBool,
        on_batch: &mut dyn FnMut(usize, f32),
    ) -> std::result::Result<EpochSums, Stop> {
        let mut rows: Vec<(usize, usize)> =
            self.train.iter().map(|&i| (i, self.rng.random_range(0..=data.views_of(i)))).collect();
        rows.shuffle(&mut self.rng);
        let mut sums = EpochSums::default();
        for (b, batch) in rows.chunks(self.batch_size).enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return Err(Stop::Cancelled);
            }
            let x = drop_out(data.gather_rows(batch)?, hyper.dropout, &mut self.rng)?;
            let examples: Vec<usize> = batch.iter().map(|&(i, _)| i).collect();
            let y = data.gather_labels(&examples)?;
            let logits = self.model.logits(&x)?;
            let loss = smoothed_cross_entropy(&logits, &y, hyper.label_smoothing)?;
            let value = loss.to_dtype(DType::F32)?.to_scalar::<f32>()?;
            if !value.is_finite() {
                return Err(Stop::NonFinite { batch: b + 1, loss: value });
            }
            let predicted = logits.argmax(1)?.to_vec1::<u32>()?;
            sums.correct += predicted
                .iter()
                .zip(&examples)
                .filter(|&(&p, &i)| data.labels().get(i).is_some_and(|&l| l as u32 == p))
                .count();
            sums.loss += f64::from(value) * batch.len() as f64;
            sums.seen += batch.len();
            self.opt.backward_step(&loss)?;
            on_batch(b + 1, value);
        }
        Ok(sums)
    }
}

/// `x` with a share `p` of its values zeroed and the rest scaled by 1 / (1 − p), drawn from
/// `rng` (candle's own dropout draws from an unseeded generator, and runs must repeat).
fn drop_out(x: Tensor, p: f64, rng: &mut ChaCha8Rng) -> Result<Tensor> {
    if p <= 0.0 {
        return Ok(x);
    }
    let keep = (1.0 / (1.0 - p)) as f32;
    let mask: Vec<f32> = (0..x.elem_count()).map(|_| if rng.random_bool(p) { 0.0 } else { keep }).collect();
    Ok(x.mul(&Tensor::from_vec(mask, x.shape(), x.device())?)?)
}

/// Why an epoch stopped early.
enum Stop {
    Cancelled,
    NonFinite { batch: usize, loss: f32 },
    Failed(LearnError),
}

impl From<LearnError> for Stop {
    fn from(e: LearnError) -> Self {
        match e {
            LearnError::Cancelled => Self::Cancelled,
            e => Self::Failed(e),
        }
    }
}

impl From<candle_core::Error> for Stop {
    fn from(e: candle_core::Error) -> Self {
        Self::Failed(e.into())
    }
}

/// Mean cross-entropy of `logits` `[n, k]` against class indices `labels` `[n]`, with the
/// targets smoothed by `eps` (1 − ε on the class, ε/k spread over all of them).
pub fn smoothed_cross_entropy(logits: &Tensor, labels: &Tensor, eps: f64) -> candle_core::Result<Tensor> {
    if eps <= 0.0 {
        return candle_nn::loss::cross_entropy(logits, labels);
    }
    let lsm = candle_nn::ops::log_softmax(logits, D::Minus1)?;
    let nll = lsm.gather(&labels.unsqueeze(1)?, 1)?.squeeze(1)?.neg()?;
    let spread = lsm.mean(D::Minus1)?.neg()?;
    ((nll * (1.0 - eps))? + (spread * eps)?)?.mean_all()
}

pub(crate) fn fit_planned(
    data: &TrainData,
    hyper: &Hyper,
    mut plan: Plan,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(TrainEvent),
) -> std::result::Result<Trained, StopReason> {
    let started = Instant::now();
    let mut kept = Run::new(data, hyper, plan.split.train.clone(), Vec::new(), 1)?;
    let mut checks = plan
        .folds
        .iter()
        .enumerate()
        .map(|(f, s)| Run::new(data, hyper, s.train.clone(), s.val.clone(), 10 + f as u64))
        .collect::<Result<Vec<_>>>()?;
    let mut epochs = Vec::with_capacity(plan.epochs);
    let mut snapshot = Snapshot::default();
    let stopped = |epoch: usize, stop: Stop, snapshot: &Snapshot, model: &Head| -> StopReason {
        match stop {
            Stop::Cancelled => StopReason::Cancelled,
            Stop::Failed(e) => StopReason::Failed(e),
            Stop::NonFinite { batch, loss } => StopReason::NonFinite {
                epoch,
                batch,
                loss,
                lr: hyper.lr,
                last_good: snapshot.head(model).ok().flatten().map(Box::new),
            },
        }
    };
    for epoch in 1..=plan.epochs {
        let sums = kept
            .epoch(data, hyper, cancel, &mut |batch, loss| progress(TrainEvent::Batch { epoch, batch, loss }))
            .map_err(|s| stopped(epoch, s, &snapshot, &kept.model))?;
        let n = sums.seen.max(1) as f64;
        let metrics = EpochMetrics {
            epoch,
            train_loss: (sums.loss / n) as f32,
            train_acc: (sums.correct as f64 / n) as f32,
            val_loss: None,
            val_acc: None,
        };
        if !snapshot.capture(&kept.vars)? {
            return Err(StopReason::NonFinite {
                epoch,
                batch: 0,
                loss: f32::NAN,
                lr: hyper.lr,
                last_good: snapshot.head(&kept.model).ok().flatten().map(Box::new),
            });
        }
        progress(TrainEvent::from(&metrics));
        epochs.push(metrics);
    }
    let head =
        snapshot.head(&kept.model)?.ok_or_else(|| LearnError::Internal { message: "no epoch was trained".into() })?;
    if !checks.is_empty() {
        progress(TrainEvent::Ready { head: head.clone() });
    }
    let mut diverged = None;
    'validation: for (epoch, metrics) in (1..).zip(&mut epochs) {
        let (mut val_loss, mut val_right, mut val_n) = (0.0f64, 0usize, 0usize);
        for run in &mut checks {
            match run.epoch(data, hyper, cancel, &mut |_, _| {}) {
                Ok(_) => {}
                Err(Stop::NonFinite { loss, .. }) => {
                    diverged = Some((epoch, loss));
                    break 'validation;
                }
                Err(s) => return Err(stopped(epoch, s, &snapshot, &kept.model)),
            }
            let (loss, acc) = evaluate(&run.model, data, &run.val, hyper.label_smoothing)?;
            val_loss += f64::from(loss) * run.val.len() as f64;
            val_right += (f64::from(acc) * run.val.len() as f64).round() as usize;
            val_n += run.val.len();
        }
        if val_n == 0 {
            break;
        }
        let (loss, acc) = ((val_loss / val_n as f64) as f32, (val_right as f64 / val_n as f64) as f32);
        if !loss.is_finite() {
            diverged = Some((epoch, loss));
            break;
        }
        (metrics.val_loss, metrics.val_acc) = (Some(loss), Some(acc));
        progress(TrainEvent::Validated { epoch, val_loss: loss, val_acc: acc });
    }
    if let Some((epoch, loss)) = diverged {
        // The kept head trained to the end and is finite; only the measurement failed. Keep
        // the head and say why there is no validation, instead of throwing the head away.
        let reason = format!(
            "the validation heads' loss became {loss} in epoch {epoch} (the learning rate {} is probably too high)",
            hyper.lr
        );
        for m in &mut epochs {
            (m.val_loss, m.val_acc) = (None, None);
        }
        checks.clear();
        plan.validation = Validation::Off { reason: reason.clone() };
        plan.split.no_validation = Some(reason);
    }
    let train = confusion(&head, data, &plan.split.train)?;
    let (val, mistakes) = if checks.is_empty() { (None, Vec::new()) } else { held_out(data, &checks)? };
    let report = TrainReport { hyper: hyper.clone(), plan, epochs, train, val, mistakes, elapsed: started.elapsed() };
    Ok(Trained { head, report })
}

/// The validation heads' predictions of their held-out examples: the confusion matrix and the
/// examples they got wrong, most confident mistake first.
fn held_out(data: &TrainData, checks: &[Run]) -> Result<(Option<Confusion>, Vec<Mistake>)> {
    let mut c = Confusion::new(data.classes().to_vec());
    let mut mistakes = Vec::new();
    for run in checks {
        for (p, &i) in predict(&run.model, data, &run.val)?.iter().zip(&run.val) {
            let Some(&label) = data.labels().get(i) else { continue };
            c.add(label, p.best);
            if p.best != label {
                let id = data.ids().get(i).copied().unwrap_or(i as u64);
                mistakes.push(Mistake { index: i, id, label, predicted: p.best, confidence: p.confidence() });
            }
        }
    }
    mistakes.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    Ok((Some(c), mistakes))
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
        let head = Head::from_parts(like.classes().to_vec(), like.input_shape(), t(b1, p1)?, t(b2, p2)?, t(b3, p3)?)?;
        Ok(Some(head.with_normalize(like.normalize())))
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

/// Mean cross-entropy (smoothed by `eps`, as in training) and accuracy of `head` on the
/// examples `indices` (as recorded, without views).
pub fn evaluate(head: &Head, data: &TrainData, indices: &[usize], eps: f64) -> Result<(f32, f32)> {
    let (mut loss_sum, mut correct) = (0.0f64, 0usize);
    for chunk in indices.chunks(EVAL_CHUNK) {
        let x = data.gather(chunk)?;
        let y = data.gather_labels(chunk)?;
        let logits = head.logits(&x)?;
        let loss = smoothed_cross_entropy(&logits, &y, eps)?.to_dtype(DType::F64)?.to_scalar::<f64>()?;
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
pub fn predict(head: &Head, data: &TrainData, indices: &[usize]) -> Result<Vec<super::head::Prediction>> {
    let mut out = Vec::with_capacity(indices.len());
    for chunk in indices.chunks(EVAL_CHUNK) {
        out.extend(head.predict_tensor(&data.gather(chunk)?)?);
    }
    Ok(out)
}
