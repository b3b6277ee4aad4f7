//! Two candle ops that make training the head as fast as PyTorch on the same CPU. Everything
//! else in training (ReLU, the second Dense, softmax cross-entropy, the gradient bookkeeping)
//! is candle's autograd.
//!
//! - [`input_dense`]: `x · wᵀ` for the first Dense layer (its depth split across threads, see
//!   `x_wt_split_k`), whose backward returns the gradient of `w` only. candle's `matmul` backward always computes both operands' gradients, and the
//!   input's (`grad · w`, as many multiply-adds as the forward pass) is thrown away here: the
//!   features are data, never trained. Skipping it removes a third of the arithmetic of every
//!   training step. `tests/learn.rs` checks its value and gradients against candle's
//!   `Linear` + autograd.
//! - [`Adam`]: candle-nn's [`Optimizer`] trait, updating each parameter in place in one pass
//!   (`m`, `v` and the weight together). candle-nn's `AdamW` builds the same update from
//!   about a dozen whole-tensor operations, each allocating and sweeping the 1.25 M hidden
//!   weights, and that made the optimiser step cost more than the matrix products.
//!   `tests/learn.rs` checks it against `AdamW` (weight decay 0) step by step.

use std::sync::Mutex;

use candle_core::backend::BackendStorage;
use candle_core::backprop::GradStore;
use candle_core::{CpuStorage, CustomOp2, InplaceOp2, Layout, Shape, Tensor, Var};
use candle_nn::Optimizer;
use rayon::prelude::*;

/// `x · wᵀ` for `x` `[n, d]` and `w` `[units, d]` (both contiguous), differentiable in `w` only.
pub fn input_dense(x: &Tensor, w: &Tensor) -> candle_core::Result<Tensor> {
    let (n, d) = x.dims2()?;
    let (units, wd) = w.dims2()?;
    if d != wd {
        candle_core::bail!("input_dense: features [{n}, {d}] do not match the kernel [{units}, {wd}]");
    }
    x.contiguous()?.apply_op2(&w.contiguous()?, InputDense)
}

/// The op behind [`input_dense`].
struct InputDense;

impl CustomOp2 for InputDense {
    fn name(&self) -> &'static str {
        "pacnet-input-dense"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (&[n, d], &[units, wd]) = (l1.dims(), l2.dims()) else {
            candle_core::bail!("input_dense: expected two matrices, got {:?} and {:?}", l1.dims(), l2.dims());
        };
        if d != wd || !l1.is_contiguous() || !l2.is_contiguous() {
            candle_core::bail!(
                "input_dense: expected contiguous [n, d] and [units, d], got {:?} and {:?}",
                l1.dims(),
                l2.dims()
            );
        }
        let shape = Shape::from((n, units));
        if let (CpuStorage::F32(x), CpuStorage::F32(w)) = (s1, s2) {
            let x = x
                .get(l1.start_offset()..l1.start_offset() + n * d)
                .ok_or_else(|| candle_core::Error::Msg("input_dense: features out of range".into()))?;
            let w = w
                .get(l2.start_offset()..l2.start_offset() + units * d)
                .ok_or_else(|| candle_core::Error::Msg("input_dense: kernel out of range".into()))?;
            return Ok((CpuStorage::F32(x_wt_split_k(x, w, n, d, units)?), shape));
        }
        // Other float types (the gradient checks run in f64): candle's own matmul.
        Ok((s1.matmul(s2, (1, n, units, d), l1, &l2.transpose(0, 1)?)?, shape))
    }

    fn bwd(
        &self,
        x: &Tensor,
        _w: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        // d(x·wᵀ)/dw = gradᵀ · x; no gradient for the input on purpose (see the module doc).
        Ok((None, Some(grad.t()?.matmul(x)?)))
    }
}

/// Below this many multiply-adds the product stays on one thread (one frame's prediction is
/// 1.25 M and takes ~0.1 ms: waking threads would cost more than it saves).
const SPLIT_MACS: usize = 1 << 23;

/// `x · wᵀ` for row-major `x` `[n, d]` and `w` `[units, d]`, the depth `d` split into one
/// slice per rayon thread, the partial products summed in slice order.
///
/// Why not one parallel gemm call: for a training batch (160 × 12,544 by 100) the output has
/// only 16,000 values and gemm gives the second thread almost nothing to do (4.3 ms at 1 and
/// 2 threads alike, release build); split along the 12,544-long depth each thread does half
/// the work (2.4 ms). The result depends on the thread count only through the summation
/// order of the slices (rounding), and not at all for a fixed count.
fn x_wt_split_k(x: &[f32], w: &[f32], n: usize, d: usize, units: usize) -> candle_core::Result<Vec<f32>> {
    let parts = if n * d * units >= SPLIT_MACS { rayon::current_num_threads().clamp(1, 8) } else { 1 };
    let step = d.div_ceil(parts).max(1);
    let mut partials: Vec<Vec<f32>> = (0..d.div_ceil(step)).map(|_| vec![0.0f32; n * units]).collect();
    partials.par_iter_mut().enumerate().try_for_each(|(i, out)| {
        let k0 = (i * step).min(d);
        let k = step.min(d - k0);
        gemm_x_wt(out, x.get(k0..).unwrap_or_default(), w.get(k0..).unwrap_or_default(), n, d, units, k)
    })?;
    let mut parts_iter = partials.into_iter();
    let mut out = parts_iter.next().unwrap_or_else(|| vec![0.0; n * units]);
    for p in parts_iter {
        for (o, v) in out.iter_mut().zip(&p) {
            *o += v;
        }
    }
    Ok(out)
}

/// `out[n, units] = x[:, ..k] · w[:, ..k]ᵀ` where `x` and `w` start at the slice's first column
/// and keep their full row stride `d`.
fn gemm_x_wt(
    out: &mut [f32],
    x: &[f32],
    w: &[f32],
    n: usize,
    d: usize,
    units: usize,
    k: usize,
) -> candle_core::Result<()> {
    // gemm reads (n − 1)·d + k values of x and (units − 1)·d + k of w, writes n·units of out.
    // Checked products: in release a wrapped size would pass these checks and let gemm
    // write past `out`.
    let fits = |len: usize, rows: usize| {
        rows == 0 || (rows - 1).checked_mul(d).and_then(|r| r.checked_add(k)).is_some_and(|need| need <= len)
    };
    if n.checked_mul(units).is_none_or(|need| out.len() < need) || !fits(x.len(), n) || !fits(w.len(), units) {
        candle_core::bail!("input_dense: slice of {k} columns does not fit [{n}, {d}] × [{units}, {d}]");
    }
    if n == 0 || units == 0 {
        return Ok(());
    }
    if k == 0 {
        out[..n * units].fill(0.0);
        return Ok(());
    }
    // SAFETY: checked just above: every element gemm touches lies inside `x`, `w` and `out`
    // with these strides (x: row stride d, column stride 1; wᵀ: row stride 1, column stride
    // d; out: row-major n × units), and `out` is a distinct mutable borrow.
    unsafe {
        gemm::gemm(
            n,
            units,
            k,
            out.as_mut_ptr(),
            1,
            units as isize,
            false,
            x.as_ptr(),
            1,
            d as isize,
            w.as_ptr(),
            d as isize,
            1,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
    Ok(())
}

/// Adam's settings. TF.js' defaults are β₁ 0.9, β₂ 0.999, ε 1e-7.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamParams {
    /// Learning rate.
    pub lr: f64,
    /// Decay of the first moment.
    pub beta1: f64,
    /// Decay of the second moment.
    pub beta2: f64,
    /// Added to the root of the second moment.
    pub eps: f64,
}

impl Default for AdamParams {
    fn default() -> Self {
        Self { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-7 }
    }
}

/// Adam with the update of candle-nn's `AdamW` at weight decay 0 (and of TF.js and PyTorch):
/// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `θ ← θ − lr · m̂ / (√v̂ + ε)` with
/// `m̂ = m / (1−β₁ᵗ)`, `v̂ = v / (1−β₂ᵗ)`. f32 parameters only.
#[derive(Debug)]
pub struct Adam {
    vars: Vec<(Var, Vec<f32>, Vec<f32>)>,
    params: AdamParams,
    step_t: i32,
}

impl Optimizer for Adam {
    type Config = AdamParams;

    fn new(vars: Vec<Var>, params: AdamParams) -> candle_core::Result<Self> {
        let vars = vars
            .into_iter()
            .map(|v| {
                if v.dtype() != candle_core::DType::F32 {
                    candle_core::bail!("Adam: f32 parameters only, got {:?}", v.dtype());
                }
                let n = v.elem_count();
                Ok((v, vec![0.0; n], vec![0.0; n]))
            })
            .collect::<candle_core::Result<_>>()?;
        Ok(Self { vars, params, step_t: 0 })
    }

    fn step(&mut self, grads: &GradStore) -> candle_core::Result<()> {
        self.step_t = self.step_t.saturating_add(1);
        let p = &self.params;
        let scale_m = 1.0 / (1.0 - p.beta1.powi(self.step_t));
        let scale_v = 1.0 / (1.0 - p.beta2.powi(self.step_t));
        for (var, m, v) in &mut self.vars {
            let Some(g) = grads.get(var) else { continue };
            let op = AdamStep {
                moments: Mutex::new((m.as_mut_slice(), v.as_mut_slice())),
                beta1: p.beta1 as f32,
                beta2: p.beta2 as f32,
                scale_m: scale_m as f32,
                scale_v: scale_v as f32,
                lr: p.lr as f32,
                eps: p.eps as f32,
            };
            var.as_tensor().inplace_op2(&g.contiguous()?, &op)?;
        }
        Ok(())
    }

    fn learning_rate(&self) -> f64 {
        self.params.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.params.lr = lr;
    }
}

/// One fused update of one parameter tensor; the moments ride along behind a mutex because
/// candle hands in-place ops `&self`.
struct AdamStep<'a> {
    moments: Mutex<(&'a mut [f32], &'a mut [f32])>,
    beta1: f32,
    beta2: f32,
    scale_m: f32,
    scale_v: f32,
    lr: f32,
    eps: f32,
}

/// Values per rayon task: large enough that scheduling costs nothing next to the arithmetic.
const ADAM_CHUNK: usize = 1 << 15;

impl InplaceOp2 for AdamStep<'_> {
    fn name(&self) -> &'static str {
        "pacnet-adam-step"
    }

    fn cpu_fwd(&self, s1: &mut CpuStorage, l1: &Layout, s2: &CpuStorage, l2: &Layout) -> candle_core::Result<()> {
        let (CpuStorage::F32(theta), CpuStorage::F32(grad)) = (s1, s2) else {
            candle_core::bail!("Adam: f32 parameters and gradients only");
        };
        if !l1.is_contiguous() || !l2.is_contiguous() || l1.shape() != l2.shape() {
            candle_core::bail!(
                "Adam: parameter {:?} and gradient {:?} must be contiguous and alike",
                l1.dims(),
                l2.dims()
            );
        }
        let n = l1.shape().elem_count();
        let theta = theta
            .get_mut(l1.start_offset()..l1.start_offset() + n)
            .ok_or_else(|| candle_core::Error::Msg("Adam: parameter out of range".into()))?;
        let grad = grad
            .get(l2.start_offset()..l2.start_offset() + n)
            .ok_or_else(|| candle_core::Error::Msg("Adam: gradient out of range".into()))?;
        let mut guard = self.moments.lock().map_err(|_| candle_core::Error::Msg("Adam: moments poisoned".into()))?;
        let (m, v) = &mut *guard;
        if m.len() != n || v.len() != n {
            candle_core::bail!("Adam: {} moments for {n} parameters", m.len());
        }
        let (b1, b2, sm, sv, lr, eps) = (self.beta1, self.beta2, self.scale_m, self.scale_v, self.lr, self.eps);
        let (c1, c2) = (1.0 - b1, 1.0 - b2);
        theta
            .par_chunks_mut(ADAM_CHUNK)
            .zip(grad.par_chunks(ADAM_CHUNK))
            .zip(m.par_chunks_mut(ADAM_CHUNK))
            .zip(v.par_chunks_mut(ADAM_CHUNK))
            .for_each(|(((t, g), m), v)| {
                for (((t, &g), m), v) in t.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                    // Same operation order as candle-nn's AdamW, so both agree to rounding.
                    *m = *m * b1 + g * c1;
                    *v = *v * b2 + (g * g) * c2;
                    *t -= (*m * sm) / ((*v * sv).sqrt() + eps) * lr;
                }
            });
        Ok(())
    }
}
