//! Depthwise convolution on blocked activations ([`super::blocked`]).
//!
//! Hand-written because candle runs a grouped convolution as one convolution per group
//! (candle issue #3389): a depthwise layer would be hundreds of tiny convolutions.
//!
//! With a block's channels side by side in one vector, tap (ky, kx) of output pixel (oy, ox)
//! is one vector load of input pixel (oy·s + ky − pad, ox·s + kx − pad) and one fused
//! multiply-add with that tap's weight vector, for all the block's channels at once; the
//! stride only changes which pixels are loaded (no deinterleaving), and the zero halo stands
//! in for the padding (no border tests). A block's k² weight vectors stay in registers while
//! a row is computed 7 pixels at a time (7 independent accumulators). On the Xeon this runs
//! MobileNet's depthwise layers at 20–55 GMAC/s, 3–10× the CHW kernel it replaced, whose
//! small planes (7×7, 14×14) filled registers poorly and paid a padding copy per channel.

use super::blocked::{OutPtr, Part, Planes, zero_halo};
use super::simd::{Level, dispatch_vec};
use super::vector::Simd;
use super::{Geom, size};
use crate::backbone::arch::Act;

/// Output pixels per register tile.
const T: usize = 7;

/// Packs `[c, k, k]` weights (PyTorch `[c, 1, k, k]`) for blocks of `bw` channels:
/// `[c / bw][k·k][bw]`, zero past `c`.
pub fn pack_weights(w: &[f32], c: usize, k: usize, bw: usize) -> Vec<f32> {
    let kk = k * k;
    let mut packed = vec![0.0; c.div_ceil(bw) * kk * bw];
    for (ch, taps) in w.chunks_exact(kk).enumerate().take(c) {
        for (t, v) in taps.iter().enumerate() {
            packed[((ch / bw) * kk + t) * bw + ch % bw] = *v;
        }
    }
    packed
}

/// Depthwise convolution: `out[c] = act(conv(x[c], w[c]) + bias[c])`, `x` in layout `xp`
/// (its halo at least as wide as `g`'s padding), `out` in `op`, `g` the geometry (`k`,
/// stride, padding), `w` [`pack_weights`], `bias` padded to whole blocks. One thread; the
/// forward pass splits layers with [`depthwise_part`].
///
/// # Panics
/// When a slice is shorter than its shape or the layouts disagree with `g`.
#[allow(clippy::too_many_arguments)]
pub fn depthwise(
    level: Level,
    x: &[f32],
    xp: &Planes,
    w: &[f32],
    bias: &[f32],
    g: &Geom,
    act: Act,
    out: &mut [f32],
    op: &Planes,
) {
    check(level, x, xp, w, bias, g, out.len(), op);
    // SAFETY: `check` verified the lengths and layouts; the whole output is one part.
    unsafe { depthwise_part(level, x, xp, w, bias, g, act, OutPtr::new(out), op, &Part::all(op), None) }
}

/// [`depthwise`] on CHW tensors with unpacked weights `[c, k, k]` and bias `[c]`: converts
/// to the blocked layout and back (allocating; for the candle op and tests, not the
/// per-frame path).
///
/// # Panics
/// When a slice is shorter than its shape.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_chw(level: Level, x: &[f32], w: &[f32], bias: &[f32], g: &Geom, act: Act, out: &mut [f32]) {
    let c = bias.len();
    let bw = if c <= 8 { 8 } else { level.lanes() };
    let halo = [g.pad_top, g.pad_left, g.pad_bottom(), g.pad_right()].into_iter().max().unwrap_or(0);
    let xp = Planes { c, h: g.in_h, w: g.in_w, bw, halo };
    let op = Planes { c, h: g.out_h, w: g.out_w, bw, halo };
    let mut xb = vec![0.0; xp.len()];
    super::blocked::from_chw(x, &xp, &mut xb);
    let mut ob = vec![0.0; op.len()];
    let wp = pack_weights(w, c, g.k, bw);
    let bp = super::pointwise::pad_bias(bias, bw);
    depthwise(level, &xb, &xp, &wp, &bp, g, act, &mut ob, &op);
    super::blocked::to_chw(&ob, &op, out, 0..op.blocks());
}

/// The checks [`depthwise_part`] relies on.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check(
    level: Level,
    x: &[f32],
    xp: &Planes,
    w: &[f32],
    bias: &[f32],
    g: &Geom,
    out_len: usize,
    op: &Planes,
) {
    let pads = [g.pad_top, g.pad_left, g.pad_bottom(), g.pad_right()];
    assert!(
        (op.bw == level.lanes() || op.bw == 8)
            && (xp.c, xp.bw, xp.halo) == (op.c, op.bw, op.halo)
            && (xp.h, xp.w, op.h, op.w) == (g.in_h, g.in_w, g.out_h, g.out_w)
            && pads.iter().all(|&p| p <= xp.halo)
            && x.len() >= xp.len()
            && w.len() >= size(&[op.blocks(), g.k, g.k, op.bw])
            && bias.len() >= size(&[op.blocks(), op.bw])
            && out_len >= op.len(),
        "depthwise: slices shorter than their shapes, or layouts that disagree ({xp:?} → {op:?}, {g:?})"
    );
}

/// [`depthwise`] for the blocks and rows of `part` only (and the halo around them). With
/// `pool`, the part must cover whole planes, and the mean of each block's outputs is written
/// to `pool[b·bw..]` (squeeze-excite's average pool, while the outputs are in registers).
///
/// # Safety
/// The arguments pass [`check`] (with `out.len()`); `part` lies inside `op`; `pool` holds
/// `op.blocks()·op.bw` floats; no other thread touches `part`'s region of `out` or its
/// blocks of `pool` meanwhile.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn depthwise_part(
    level: Level,
    x: &[f32],
    xp: &Planes,
    w: &[f32],
    bias: &[f32],
    g: &Geom,
    act: Act,
    out: OutPtr,
    op: &Planes,
    part: &Part,
    pool: Option<OutPtr>,
) {
    debug_assert!(part.blocks.end <= op.blocks() && part.rows.end <= op.h);
    debug_assert!(pool.is_none_or(|p| p.len() >= op.blocks() * op.bw && part.rows == (0..op.h)));
    let a = Args { x, xp, w, bias, g, act, out, op, pool };
    match (g.k, g.stride) {
        (3, 1) => dispatch_vec!(level, op.bw, dw_part[3, 1](&a, part)),
        (3, 2) => dispatch_vec!(level, op.bw, dw_part[3, 2](&a, part)),
        (5, 1) => dispatch_vec!(level, op.bw, dw_part[5, 1](&a, part)),
        (5, 2) => dispatch_vec!(level, op.bw, dw_part[5, 2](&a, part)),
        _ => dispatch_vec!(level, op.bw, dw_any[](&a, part)),
    }
    // SAFETY: the caller owns this part's rows of these blocks, halo included.
    unsafe { zero_halo(out, op, part.blocks.clone(), part.rows.clone()) };
}

/// Everything a depthwise part reads.
struct Args<'a> {
    x: &'a [f32],
    xp: &'a Planes,
    w: &'a [f32],
    bias: &'a [f32],
    g: &'a Geom,
    act: Act,
    out: OutPtr,
    op: &'a Planes,
    pool: Option<OutPtr>,
}

impl Args<'_> {
    /// Input pixel (oy·s − pad_top, −pad_left) of block `b`: where tap (0, 0) of output pixel
    /// (oy, 0) reads (inside the halo).
    #[inline(always)]
    fn row_origin(&self, b: usize, oy: usize) -> usize {
        let (xp, g) = (self.xp, self.g);
        b * xp.plane_len() + (oy * g.stride + xp.halo - g.pad_top) * xp.row_len() + (xp.halo - g.pad_left) * xp.bw
    }

    /// Writes the mean of a block's outputs (`sum` over all its pixels) to the pool.
    ///
    /// # Safety
    /// The CPU features of `S`; the contract of [`depthwise_part`] for `pool`.
    #[inline(always)]
    unsafe fn pool<S: Simd>(&self, b: usize, sum: S::V) {
        if let Some(p) = self.pool {
            // SAFETY: block b's slot of the pool is inside it and owned by this part.
            unsafe {
                let mean = S::mul(sum, S::splat(1.0 / (self.op.h * self.op.w) as f32));
                S::store(p.ptr().add(b * S::LANES), mean);
            }
        }
    }
}

/// Kernel `K`×`K`, stride `ST`.
///
/// # Safety
/// The CPU features of `V`, `V::LANES == op.bw`, and the contract of [`depthwise_part`].
#[inline(always)]
unsafe fn dw_part<V: Simd, const K: usize, const ST: usize>(a: &Args<'_>, part: &Part) {
    let l = V::LANES;
    let (xp, op) = (a.xp, a.op);
    let rs = xp.row_len();
    // SAFETY: the halo covers the padding (checked), so every tap of every output pixel is an
    // in-bounds input pixel; outputs are pixels of the part.
    unsafe {
        for b in part.blocks.clone() {
            let mut wv = [V::splat(0.0); 25];
            for (t, v) in wv.iter_mut().enumerate().take(K * K) {
                *v = V::load(a.w.as_ptr().add((b * K * K + t) * l));
            }
            let bv = V::load(a.bias.as_ptr().add(b * l));
            let mut sum = V::splat(0.0);
            for oy in part.rows.clone() {
                let row = a.x.as_ptr().add(a.row_origin(b, oy));
                let orow = a.out.ptr().add(op.at(b, oy, 0));
                let mut ox = 0;
                while ox < op.w {
                    if ox + T <= op.w {
                        tile::<V, K, ST, T>(row, rs, &wv, bv, a.act, orow, ox, &mut sum);
                        ox += T;
                    } else {
                        tile::<V, K, ST, 1>(row, rs, &wv, bv, a.act, orow, ox, &mut sum);
                        ox += 1;
                    }
                }
            }
            a.pool::<V>(b, sum);
        }
    }
}

/// Output pixels `ox..ox + N` of one row; `row` is where tap (0, 0) of pixel 0 reads, rows
/// `rs` floats apart. Adds the outputs to `sum`.
///
/// # Safety
/// The CPU features of `V`; all those input and output pixels exist.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<V: Simd, const K: usize, const ST: usize, const N: usize>(
    row: *const f32,
    rs: usize,
    wv: &[V::V; 25],
    bv: V::V,
    act: Act,
    orow: *mut f32,
    ox: usize,
    sum: &mut V::V,
) {
    let l = V::LANES;
    // SAFETY: the caller guarantees the pixels.
    unsafe {
        let mut acc = [bv; N];
        for ky in 0..K {
            let r = row.add(ky * rs + ox * ST * l);
            for kx in 0..K {
                for (t, a) in acc.iter_mut().enumerate() {
                    *a = V::fmadd(V::load(r.add((t * ST + kx) * l)), wv[ky * K + kx], *a);
                }
            }
        }
        for (t, a) in acc.iter().enumerate() {
            let v = V::act(act, *a);
            *sum = V::add(*sum, v);
            V::store(orow.add((ox + t) * l), v);
        }
    }
}

/// Any other kernel size or stride (none of the MobileNets uses one), one pixel at a time.
///
/// # Safety
/// As [`dw_part`].
#[inline(always)]
unsafe fn dw_any<V: Simd>(a: &Args<'_>, part: &Part) {
    let l = V::LANES;
    let (k, s) = (a.g.k, a.g.stride);
    let rs = a.xp.row_len();
    // SAFETY: as in `dw_part`.
    unsafe {
        for b in part.blocks.clone() {
            let bv = V::load(a.bias.as_ptr().add(b * l));
            let mut sum = V::splat(0.0);
            for oy in part.rows.clone() {
                let row = a.x.as_ptr().add(a.row_origin(b, oy));
                for ox in 0..a.op.w {
                    let mut acc = bv;
                    for ky in 0..k {
                        for kx in 0..k {
                            let wt = V::load(a.w.as_ptr().add((b * k * k + ky * k + kx) * l));
                            acc = V::fmadd(V::load(row.add(ky * rs + (ox * s + kx) * l)), wt, acc);
                        }
                    }
                    let v = V::act(a.act, acc);
                    sum = V::add(sum, v);
                    V::store(a.out.ptr().add(a.op.at(b, oy, ox)), v);
                }
            }
            a.pool::<V>(b, sum);
        }
    }
}
