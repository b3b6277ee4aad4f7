//! The head-training benchmark recipe of `../shared/bench` ("Head training"), so that
//! `benches/train.rs` and `pacnet bench --train` time exactly what PyTorch was timed on:
//! 400 examples of 7×7×256 features uniform in [0, 6), 4 classes, Dense(100) head, Adam 1e-4,
//! batch ⌊0.4 · 400⌋ = 160 (batches of 160, 160, 80), 20 epochs, reshuffled every epoch, the
//! loss read back after every batch, fresh weights for every fit.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::error::{LearnError, Result};
use super::hyper::Hyper;
use super::train::{TrainData, fit};

/// The recipe's data: `n` random 7×7×256 feature vectors, uniform in [0, 6), random labels
/// over 4 classes.
pub fn recipe_data(n: usize, seed: u64) -> Result<TrainData> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let shape = [256, 7, 7];
    let d: usize = shape.iter().product();
    let flat: Vec<f32> = (0..n * d).map(|_| rng.random::<f32>() * 6.0).collect();
    let labels = (0..n).map(|_| rng.random_range(0..4)).collect();
    let classes = ["up", "down", "left", "right"].map(String::from).to_vec();
    TrainData::from_f32(classes, shape, &flat, labels)
}

/// The recipe's hyperparameters: the demo's, and no validation (the anchor trains one head
/// on all 400 examples).
pub fn recipe_hyper(seed: u64) -> Hyper {
    Hyper { seed, val_fraction: 0.0, ..Hyper::tfjs_demo() }
}

/// Wall times of whole fits, in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct FitTiming {
    /// Threads of the rayon pool the fits ran in.
    pub threads: usize,
    /// Threads candle's matrix products ask for (`RAYON_NUM_THREADS`, else the core count);
    /// set `RAYON_NUM_THREADS` to `threads` before the process starts for a like-for-like
    /// comparison with the anchors.
    pub candle_threads: usize,
    /// The first fit of the process (cold caches and allocator).
    pub first_ms: f64,
    /// Median of the following fits.
    pub median_ms: f64,
    /// Fastest of the following fits.
    pub min_ms: f64,
    /// Slowest of the following fits.
    pub max_ms: f64,
    /// How many fits the median is over.
    pub reps: usize,
    /// The last batch loss of the last fit (sanity: about ln 4 ≈ 1.39 on random labels, lower
    /// as the head memorises them).
    pub final_loss: f32,
}

/// Times one first fit and then `reps` more of the recipe, in a rayon pool of `threads`.
/// Each fit builds fresh weights (seed 1, then 10, 11, …, as the PyTorch script does) and
/// is timed from weight initialisation to the final report.
pub fn time_fit(threads: usize, reps: usize) -> Result<FitTiming> {
    let data = recipe_data(400, 0)?;
    let pool = bench_pool(threads)?;
    let once = |seed: u64| -> Result<(f64, f32)> {
        let cancel = AtomicBool::new(false);
        let mut last = f32::NAN;
        let t0 = Instant::now();
        let out = pool.install(|| {
            fit(&data, &recipe_hyper(seed), &cancel, &mut |e| {
                if let super::train::TrainEvent::Batch { loss, .. } = e {
                    last = loss;
                }
            })
        });
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        out.map_err(|r| LearnError::Internal { message: r.to_string() })?;
        Ok((ms, last))
    };
    let (first_ms, mut final_loss) = once(1)?;
    let mut times = Vec::with_capacity(reps);
    for r in 0..reps as u64 {
        let (ms, loss) = once(10 + r)?;
        times.push(ms);
        final_loss = loss;
    }
    times.sort_by(f64::total_cmp);
    let median_ms = match times.len() {
        0 => first_ms,
        n if n % 2 == 1 => times.get(n / 2).copied().unwrap_or(first_ms),
        n => (times.get(n / 2 - 1).copied().unwrap_or(first_ms) + times.get(n / 2).copied().unwrap_or(first_ms)) / 2.0,
    };
    Ok(FitTiming {
        threads: threads.max(1),
        candle_threads: candle_core::utils::get_num_threads(),
        first_ms,
        median_ms,
        min_ms: times.first().copied().unwrap_or(first_ms),
        max_ms: times.last().copied().unwrap_or(first_ms),
        reps: times.len(),
        final_loss,
    })
}

/// Where one training step's time goes, in milliseconds per full batch of 160 (medians).
#[derive(Clone, Debug, PartialEq)]
pub struct StepTiming {
    /// Unpacking the batch's f16 features into an f32 tensor.
    pub gather_ms: f64,
    /// Forward pass and loss, read back.
    pub forward_ms: f64,
    /// Backward pass (candle autograd).
    pub backward_ms: f64,
    /// The optimiser step.
    pub step_ms: f64,
}

/// Times the parts of `steps` training steps on full batches of the recipe, in a rayon pool of
/// `threads` (the same caveat on `RAYON_NUM_THREADS` as [`time_fit`]).
pub fn time_step(threads: usize, steps: usize) -> Result<StepTiming> {
    use candle_core::{Device, Tensor, Var};
    use candle_nn::Optimizer;

    use super::head::Head;
    use super::ops::{Adam, AdamParams};

    let data = recipe_data(400, 0)?;
    let pool = bench_pool(threads)?;
    pool.install(|| {
        let init = Head::init(data.classes().to_vec(), data.shape(), 100, 0)?;
        let [w1, b1, w2] = init.parameters().map(Var::from_tensor);
        let (w1, b1, w2) = (w1?, b1?, w2?);
        let model = Head::from_parts(
            data.classes().to_vec(),
            data.shape(),
            w1.as_tensor().clone(),
            b1.as_tensor().clone(),
            w2.as_tensor().clone(),
        )?;
        let mut opt = Adam::new(vec![w1, b1, w2], AdamParams::default())?;
        let batch: Vec<usize> = (0..160).collect();
        let y = Tensor::from_vec(batch.iter().map(|&i| (i % 4) as u32).collect::<Vec<_>>(), 160, &Device::Cpu)?;
        let mut times = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..steps.max(1) {
            let t = Instant::now();
            let x = data.gather(&batch)?;
            let t1 = Instant::now();
            let loss = model.loss(&x, &y)?;
            let _ = loss.to_scalar::<f32>()?;
            let t2 = Instant::now();
            let grads = loss.backward()?;
            let t3 = Instant::now();
            opt.step(&grads)?;
            let t4 = Instant::now();
            for (v, d) in times.iter_mut().zip([t1 - t, t2 - t1, t3 - t2, t4 - t3]) {
                v.push(d.as_secs_f64() * 1e3);
            }
        }
        let [g, f, b, s] = times.map(|mut v| {
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
        });
        Ok(StepTiming { gather_ms: g, forward_ms: f, backward_ms: b, step_ms: s })
    })
}

/// The rayon pool both timings run in: `threads` named `pacnet-bench-i`.
fn bench_pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .thread_name(|i| format!("pacnet-bench-{i}"))
        .build()
        .map_err(|e| LearnError::Internal { message: format!("cannot start {threads} bench threads: {e}") })
}
