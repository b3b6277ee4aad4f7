//! Pointwise (1×1) convolution in CHW layout, computed directly instead of through `gemm`.
//!
//! Why not `gemm`: for MobileNet's shapes (few input channels, many pixels) a general matrix
//! multiply spends as long packing its operands as multiplying, and it cannot fuse the bias,
//! activation and residual, which then cost one more pass over the output. Here a tile of
//! `CO` output channels × 2 vectors of pixels is accumulated in registers over all input
//! channels (weights broadcast, pixels loaded straight from the activation rows, which stay
//! in L1 across the channel tiles), and the epilogue runs on the registers before the only
//! store. `dense::pointwise` (gemm + separate epilogue) stays as the reference the tests
//! compare against.

use super::act_lanes;
use super::simd::{Level, dispatch, dispatch_vec, madd};
use super::vector::Simd;
use crate::backbone::arch::Act;

/// Below this many multiply-accumulates a layer stays on one thread.
const PARALLEL_MACS: usize = 400_000;

/// Output channels per weight group of the packed layout.
pub const GROUP: usize = 8;

/// Packs `[cout, cin]` weights (a 1×1 conv, or any conv flattened to `cin` taps) into groups of
/// 8 output channels, input-channel major inside a group: the 8 weights one input channel
/// contributes to a register tile then sit in one 32-byte run instead of 8 rows apart.
/// Missing channels of the last group are zero.
pub fn pack_weights(w: &[f32], cout: usize, cin: usize) -> Vec<f32> {
    let groups = cout.div_ceil(GROUP);
    let mut packed = vec![0.0; groups * cin * GROUP];
    for co in 0..cout {
        for ci in 0..cin {
            packed[((co / GROUP) * cin + ci) * GROUP + co % GROUP] = w[co * cin + ci];
        }
    }
    packed
}

/// The inverse of [`pack_weights`]: the plain row-major `[cout, cin]` matrix (for exporters,
/// which need the folded weights in the usual layout; 1×1 convs keep only the packed copy).
pub fn unpack_weights(packed: &[f32], cout: usize, cin: usize) -> Vec<f32> {
    (0..cout * cin).map(|i| packed.get(packed_at(i / cin, i % cin, cin)).copied().unwrap_or(0.0)).collect()
}

/// Index of weight (co, ci) in the packed layout.
#[inline(always)]
fn packed_at(co: usize, ci: usize, cin: usize) -> usize {
    ((co / GROUP) * cin + ci) * GROUP + co % GROUP
}

/// `out[co] = act(Σ w[co,ci]·x[ci] + bias[co]) (+ residual[co])` with `x` `[cin, hw]`, `w`
/// the [`pack_weights`] of `[cout, cin]`, `out` `[cout, hw]`; large layers split their output
/// channels across two threads when `threads > 1`.
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
    pointwise_at(super::simd::level(), x, w, bias, cin, hw, act, residual, out, threads);
}

/// [`pointwise`] at an explicit SIMD level.
#[allow(clippy::too_many_arguments)]
pub fn pointwise_at(
    level: Level,
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
    if threads > 1 && cout >= 16 && cout * cin * hw >= PARALLEL_MACS {
        // Split on a multiple of 8 channels so both halves use whole register tiles.
        let half = (cout / 2).div_ceil(8) * 8;
        let (wa, wb) = w.split_at(half * cin); // `half` is a multiple of GROUP
        let (ba, bb) = bias.split_at(half);
        let (oa, ob) = out.split_at_mut(half * hw);
        let (ra, rb) = match residual {
            Some(r) => {
                let (a, b) = r.split_at(half * hw);
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        rayon::join(
            || pointwise_at(level, x, wa, ba, cin, hw, act, ra, oa, 1),
            || pointwise_at(level, x, wb, bb, cin, hw, act, rb, ob, 1),
        );
        return;
    }
    // The raw-pointer kernels below rely on these lengths.
    assert!(
        x.len() >= cin * hw
            && w.len() >= cout.div_ceil(GROUP) * GROUP * cin
            && out.len() >= cout * hw
            && residual.is_none_or(|r| r.len() >= cout * hw),
        "pointwise: slices shorter than their shapes"
    );
    dispatch_vec!(level, pw_vec[] (x, w, bias, cin, hw, act, residual, out), dispatch!(level, pw_impl(x, w, bias, cin, hw, act, residual, out)))
}

/// Explicit-vector pointwise: register tiles of up to 16 channels × one register of pixels;
/// pixel tails use masked loads and stores, so no pixel is computed one at a time.
///
/// One register of pixels per tile (not two) so each broadcast weight feeds exactly one fused
/// multiply-add: the compiler then folds the broadcast into the FMA's memory operand
/// (`{1to16}`), one instruction instead of a broadcast plus an FMA (measured: 7 % faster on the
/// 128→128 × 14×14 layer than 8 channels × 2 registers).
///
/// # Safety
/// The CPU features of `S`; `x`, `w`, `out` and `residual` at least as long as their shapes.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn pw_vec<S: Simd>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    cin: usize,
    hw: usize,
    act: Act,
    residual: Option<&[f32]>,
    out: &mut [f32],
) {
    let l = S::LANES;
    let mut p = 0;
    while p < hw {
        let n = (hw - p).min(l);
        unsafe {
            let xp = x.as_ptr().add(p);
            let rows = |ci: usize| xp.add(ci * hw);
            let res = residual.map(|r| r.as_ptr().add(p));
            channel_tiles::<S, _>(&rows, w, bias, cin, act, res, out.as_mut_ptr().add(p), hw, n);
        }
        p += n;
    }
}

/// Every channel tile for one block of `n ≤ LANES` pixels whose input rows start at
/// `rows(ci)`; output row `co` starts at `out + co·stride` (and the residual likewise).
///
/// # Safety
/// The CPU features of `S`; `rows(ci)` valid for `n` reads for every `ci < cin`; `out` and
/// `res` valid for `n` values at every `co·stride`; `w` packed by [`pack_weights`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn channel_tiles<S: Simd, R: Fn(usize) -> *const f32>(
    rows: &R,
    w: &[f32],
    bias: &[f32],
    cin: usize,
    act: Act,
    res: Option<*const f32>,
    out: *mut f32,
    stride: usize,
    n: usize,
) {
    let cout = bias.len();
    let mut co = 0;
    unsafe {
        // 16 accumulators of the 32 AVX-512 registers; 8 of AVX2's 16.
        if S::LANES >= 16 {
            while co + 16 <= cout {
                vec_tile::<S, 16, R>(rows, w, bias, cin, act, res, out, stride, n, co);
                co += 16;
            }
        }
        while co + 8 <= cout {
            vec_tile::<S, 8, R>(rows, w, bias, cin, act, res, out, stride, n, co);
            co += 8;
        }
        while co < cout {
            vec_tile::<S, 1, R>(rows, w, bias, cin, act, res, out, stride, n, co);
            co += 1;
        }
    }
}

/// Channels `co..co+CO` × `n ≤ LANES` pixels.
///
/// # Safety
/// As [`channel_tiles`], and `co + CO <= bias.len()`, `co` a multiple of `min(CO, GROUP)`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn vec_tile<S: Simd, const CO: usize, R: Fn(usize) -> *const f32>(
    rows: &R,
    w: &[f32],
    bias: &[f32],
    cin: usize,
    act: Act,
    res: Option<*const f32>,
    out: *mut f32,
    stride: usize,
    n: usize,
    co: usize,
) {
    let l = S::LANES;
    unsafe {
        let mut acc = [S::splat(0.0); CO];
        for (j, a) in acc.iter_mut().enumerate() {
            *a = S::splat(*bias.get_unchecked(co + j));
        }
        // Packed weights: (co + j, ci) is at base + (j / GROUP)·cin·GROUP + ci·GROUP + j % GROUP.
        let wp = w.as_ptr().add(packed_at(co, 0, cin));
        let group = cin * GROUP;
        if n == l {
            for ci in 0..cin {
                let xv = S::load(rows(ci));
                let wc = wp.add(ci * GROUP);
                for (j, a) in acc.iter_mut().enumerate() {
                    *a = S::fmadd(xv, S::splat(*wc.add((j / GROUP) * group + j % GROUP)), *a);
                }
            }
        } else {
            for ci in 0..cin {
                let xv = S::load_n(rows(ci), n);
                let wc = wp.add(ci * GROUP);
                for (j, a) in acc.iter_mut().enumerate() {
                    *a = S::fmadd(xv, S::splat(*wc.add((j / GROUP) * group + j % GROUP)), *a);
                }
            }
        }
        for (j, a) in acc.iter().enumerate() {
            let at = (co + j) * stride;
            let mut v = S::act(act, *a);
            if let Some(r) = res {
                let rp = r.add(at);
                v = S::add(v, if n == l { S::load(rp) } else { S::load_n(rp, n) });
            }
            let op = out.add(at);
            if n == l { S::store(op, v) } else { S::store_n(op, v, n) }
        }
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn pw_impl<const LANES: usize, const FMA: bool>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    cin: usize,
    hw: usize,
    act: Act,
    residual: Option<&[f32]>,
    out: &mut [f32],
) {
    // AVX-512 has 32 vector registers: 8 channels × 2 vectors of accumulators; AVX2 has 16: 4 × 2.
    if LANES >= 16 {
        pw_tiles::<LANES, FMA, 8>(x, w, bias, cin, hw, act, residual, out)
    } else {
        pw_tiles::<LANES, FMA, 4>(x, w, bias, cin, hw, act, residual, out)
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn pw_tiles<const LANES: usize, const FMA: bool, const CO: usize>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    cin: usize,
    hw: usize,
    act: Act,
    residual: Option<&[f32]>,
    out: &mut [f32],
) {
    let cout = bias.len();
    let mut p = 0;
    // Pixels outer, channels inner: the cin × 2·LANES slice of `x` stays in L1 while every
    // channel tile reads it.
    while p + 2 * LANES <= hw {
        tile_row::<LANES, FMA, CO, 2>(x, w, bias, cin, hw, act, residual, out, p, cout);
        p += 2 * LANES;
    }
    if p + LANES <= hw {
        tile_row::<LANES, FMA, CO, 1>(x, w, bias, cin, hw, act, residual, out, p, cout);
        p += LANES;
    }
    for q in p..hw {
        for co in 0..cout {
            let mut acc = bias[co];
            for ci in 0..cin {
                acc += w[packed_at(co, ci, cin)] * x[ci * hw + q];
            }
            out[co * hw + q] = act.apply(acc) + residual.map_or(0.0, |r| r[co * hw + q]);
        }
    }
}

/// All channel tiles for the `VECS`·LANES pixels starting at `p`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tile_row<const LANES: usize, const FMA: bool, const CO: usize, const VECS: usize>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    cin: usize,
    hw: usize,
    act: Act,
    residual: Option<&[f32]>,
    out: &mut [f32],
    p: usize,
    cout: usize,
) {
    let mut co = 0;
    while co + CO <= cout {
        tile::<LANES, FMA, CO, VECS>(x, w, bias, cin, hw, act, residual, out, p, co);
        co += CO;
    }
    while co < cout {
        tile::<LANES, FMA, 1, VECS>(x, w, bias, cin, hw, act, residual, out, p, co);
        co += 1;
    }
}

/// One register tile: channels `co..co+CO` × pixels `p..p+VECS·LANES`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tile<const LANES: usize, const FMA: bool, const CO: usize, const VECS: usize>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    cin: usize,
    hw: usize,
    act: Act,
    residual: Option<&[f32]>,
    out: &mut [f32],
    p: usize,
    co: usize,
) {
    let mut acc = [[[0.0f32; LANES]; VECS]; CO];
    for (j, a) in acc.iter_mut().enumerate() {
        *a = [[bias[co + j]; LANES]; VECS];
    }
    for ci in 0..cin {
        let xs = &x[ci * hw + p..ci * hw + p + VECS * LANES];
        for (j, a) in acc.iter_mut().enumerate() {
            let wv = w[packed_at(co + j, ci, cin)];
            for (v, av) in a.iter_mut().enumerate() {
                let xv = &xs[v * LANES..(v + 1) * LANES];
                for l in 0..LANES {
                    av[l] = madd::<FMA>(xv[l], wv, av[l]);
                }
            }
        }
    }
    for (j, a) in acc.iter_mut().enumerate() {
        let row = (co + j) * hw + p;
        for (v, av) in a.iter_mut().enumerate() {
            act_lanes(act, av);
            let at = row + v * LANES;
            if let Some(r) = residual {
                for l in 0..LANES {
                    av[l] += r[at + l];
                }
            }
            out[at..at + LANES].copy_from_slice(av);
        }
    }
}
