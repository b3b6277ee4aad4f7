//! Pointwise (1×1) and dense convolutions as matrix multiplies with the `gemm` crate (the one
//! candle uses), plus the small vector kernels around them: bias + activation + residual in one
//! pass, matrix-vector products (squeeze-excite, heads), pooling and channel scaling.

use super::simd::{Level, dispatch, madd};
use super::{Geom, act_lanes, size};
use crate::backbone::arch::Act;

/// Below this many multiply-accumulates a matrix multiply stays on one thread: waking a second
/// costs more than it saves.
const PARALLEL_MACS: usize = 1 << 20;

/// `out[m×n] = a[m×k] · b[k×n]`, row-major, overwriting `out`.
///
/// # Panics
/// When a slice is shorter than its matrix (sizes are multiplied with overflow checks, so
/// impossible dimensions panic here too, before gemm sees a pointer).
pub fn matmul(a: &[f32], b: &[f32], out: &mut [f32], m: usize, k: usize, n: usize, threads: usize) {
    assert!(
        a.len() >= size(&[m, k]) && b.len() >= size(&[k, n]) && out.len() >= size(&[m, n]),
        "matmul: slices shorter than [{m}, {k}] · [{k}, {n}] → [{m}, {n}]"
    );
    // From here every dimension that gemm turns into a stride is at most a slice length (at
    // most isize::MAX), except when the product it is part of is empty: nothing to compute.
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        out[..m * n].fill(0.0);
        return;
    }
    let parallelism = if threads > 1 && m.saturating_mul(n).saturating_mul(k) >= PARALLEL_MACS {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the assert above guarantees every pointer covers the m×k, k×n and m×n row-major
    // matrices gemm reads and writes with these strides; `out` does not alias `a` or `b`
    // (they are distinct borrows).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// Pointwise (1×1) convolution: `out[co] = act(Σ w[co,ci]·x[ci] + bias[co]) (+ residual[co])`.
///
/// `x` is `[cin, hw]`, `w` is `[cout, cin]`, `out` is `[cout, hw]`.
#[allow(clippy::too_many_arguments)]
pub fn pointwise(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    cin: usize,
    hw: usize,
    act: Act,
    residual: Option<&[f32]>,
    out: &mut [f32],
    threads: usize,
) {
    let cout = bias.len();
    matmul(w, x, out, cout, cin, hw, threads);
    bias_act(out, bias, hw, act, residual);
}

/// Adds `bias[c]` to every value of row `c`, applies `act`, then adds `residual`.
pub fn bias_act(out: &mut [f32], bias: &[f32], hw: usize, act: Act, residual: Option<&[f32]>) {
    dispatch!(super::simd::level(), bias_act_impl(out, bias, hw, act, residual))
}

#[inline(always)]
fn bias_act_impl<const LANES: usize, const FMA: bool>(
    out: &mut [f32],
    bias: &[f32],
    hw: usize,
    act: Act,
    residual: Option<&[f32]>,
) {
    for (c, row) in out.chunks_exact_mut(hw).enumerate().take(bias.len()) {
        let b = bias[c];
        let res = residual.map(|r| &r[c * hw..(c + 1) * hw]);
        let mut i = 0;
        while i + LANES <= hw {
            let mut v = [0.0f32; LANES];
            for l in 0..LANES {
                v[l] = row[i + l] + b;
            }
            act_lanes(act, &mut v);
            if let Some(r) = res {
                for l in 0..LANES {
                    v[l] += r[i + l];
                }
            }
            row[i..i + LANES].copy_from_slice(&v);
            i += LANES;
        }
        for j in i..hw {
            row[j] = act.apply(row[j] + b) + res.map_or(0.0, |r| r[j]);
        }
    }
}

/// Full (dense) convolution through im2col + one matrix multiply; used for the 3-channel stem.
///
/// `w` is `[cout, cin, k, k]`; `cols` is scratch of at least `cin·k·k·out_len` values.
#[allow(clippy::too_many_arguments)]
pub fn conv_dense(
    x: &[f32],
    cin: usize,
    w: &[f32],
    bias: &[f32],
    g: &Geom,
    act: Act,
    cols: &mut [f32],
    out: &mut [f32],
    threads: usize,
) {
    let (k, s, n) = (g.k, g.stride, g.out_len());
    for ci in 0..cin {
        let plane = &x[ci * g.in_len()..(ci + 1) * g.in_len()];
        for ky in 0..k {
            for kx in 0..k {
                let row = &mut cols[((ci * k + ky) * k + kx) * n..][..n];
                let (lo, hi) = g.valid_cols(kx);
                for oy in 0..g.out_h {
                    let orow = &mut row[oy * g.out_w..][..g.out_w];
                    let iy = (oy * s + ky) as isize - g.pad_top as isize;
                    if iy < 0 || iy >= g.in_h as isize || lo >= hi {
                        orow.fill(0.0);
                        continue;
                    }
                    orow[..lo].fill(0.0);
                    orow[hi..].fill(0.0);
                    let irow = &plane[iy as usize * g.in_w..][..g.in_w];
                    let start = lo * s + kx - g.pad_left;
                    if s == 1 {
                        orow[lo..hi].copy_from_slice(&irow[start..start + (hi - lo)]);
                    } else {
                        for (j, o) in orow[lo..hi].iter_mut().enumerate() {
                            *o = irow[start + j * s];
                        }
                    }
                }
            }
        }
    }
    let cout = bias.len();
    matmul(w, cols, out, cout, cin * k * k, n, threads);
    bias_act(out, bias, n, act, None);
}

/// Mean of each of the planes of length `hw` in `x`, into `out`.
pub fn global_avg_pool(x: &[f32], hw: usize, out: &mut [f32]) {
    dispatch!(super::simd::level(), pool_impl(x, hw, out))
}

#[inline(always)]
fn pool_impl<const LANES: usize, const FMA: bool>(x: &[f32], hw: usize, out: &mut [f32]) {
    for (o, plane) in out.iter_mut().zip(x.chunks_exact(hw)) {
        *o = sum::<LANES>(plane) / hw as f32;
    }
}

/// Sum with `LANES` partial sums, so the compiler can vectorise it.
#[inline(always)]
fn sum<const LANES: usize>(v: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let chunks = v.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for l in 0..LANES {
            acc[l] += c[l];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// A dense layer on one vector: `out = act(w·x + b)`, `w` is `[out, in]`.
pub fn linear(x: &[f32], w: &[f32], b: &[f32], act: Act, out: &mut [f32]) {
    linear_at(super::simd::level(), x, w, b, act, out);
}

/// [`linear`] at an explicit SIMD level.
pub fn linear_at(level: Level, x: &[f32], w: &[f32], b: &[f32], act: Act, out: &mut [f32]) {
    dispatch!(level, linear_impl(x, w, b, act, out))
}

#[inline(always)]
fn linear_impl<const LANES: usize, const FMA: bool>(x: &[f32], w: &[f32], b: &[f32], act: Act, out: &mut [f32]) {
    let n = x.len();
    for ((o, row), bv) in out.iter_mut().zip(w.chunks_exact(n)).zip(b) {
        let mut acc = [0.0f32; LANES];
        let (rc, xc) = (row.chunks_exact(LANES), x.chunks_exact(LANES));
        let mut tail = 0.0;
        for (r, v) in rc.remainder().iter().zip(xc.remainder()) {
            tail += r * v;
        }
        for (r, v) in rc.zip(xc) {
            for l in 0..LANES {
                acc[l] = madd::<FMA>(r[l], v[l], acc[l]);
            }
        }
        *o = act.apply(acc.iter().sum::<f32>() + tail + bv);
    }
}

/// Multiplies each plane of `x` (length `hw`) by `hard_sigmoid(gate[c])` (squeeze-excite).
pub fn scale_planes(x: &mut [f32], hw: usize, gate: &[f32]) {
    dispatch!(super::simd::level(), scale_impl(x, hw, gate))
}

#[inline(always)]
fn scale_impl<const LANES: usize, const FMA: bool>(x: &mut [f32], hw: usize, gate: &[f32]) {
    for (plane, g) in x.chunks_exact_mut(hw).zip(gate) {
        let s = hard_sigmoid(*g);
        for v in plane.iter_mut() {
            *v *= s;
        }
    }
}

/// timm's `hard_sigmoid`: relu6(x + 3) / 6.
#[inline(always)]
pub fn hard_sigmoid(x: f32) -> f32 {
    (x + 3.0).clamp(0.0, 6.0) * (1.0 / 6.0)
}
