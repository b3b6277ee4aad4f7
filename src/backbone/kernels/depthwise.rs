//! Depthwise convolution, one channel plane at a time, in registers.
//!
//! Each plane is first copied into a zero-padded scratch image split into `stride` column
//! phases (stride 2: even and odd columns apart). Then every tap of every output row reads a
//! contiguous run of that scratch, so an output row is computed `LANES` pixels at a time with
//! all k×k taps accumulated in registers and stored once (with the activation), with no bounds
//! tests in the inner loop and no strided loads at stride 2.

use std::cell::RefCell;

use super::simd::{Level, dispatch_vec, madd};
use super::vector::Simd;
use super::{Geom, act_lanes};
use crate::backbone::arch::Act;

/// Below this many multiply-accumulates a layer stays on one thread (a second costs more).
const PARALLEL_MACS: usize = 200_000;

thread_local! {
    /// Per-thread padded-plane scratch: reused across planes, layers and frames.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Depthwise convolution of `chs` planes: `out[c] = act(conv(x[c], w[c]) + bias[c])`.
///
/// `w` is `[chs, k, k]` (candle/PyTorch `[chs, 1, k, k]`), `x` is `[chs, in_h, in_w]` and `out`
/// is `[chs, out_h, out_w]`. With `threads > 1` large layers split their channels across
/// rayon's pool.
pub fn depthwise(x: &[f32], w: &[f32], bias: &[f32], g: &Geom, act: Act, out: &mut [f32], threads: usize) {
    depthwise_at(super::simd::level(), x, w, bias, g, act, out, threads);
}

/// [`depthwise`] at an explicit SIMD level (tests compare every level).
#[allow(clippy::too_many_arguments)]
pub fn depthwise_at(level: Level, x: &[f32], w: &[f32], bias: &[f32], g: &Geom, act: Act, out: &mut [f32], threads: usize) {
    let chs = bias.len();
    let macs = chs * g.out_len() * g.k * g.k;
    if threads > 1 && chs >= 2 && macs >= PARALLEL_MACS {
        let half = chs / 2;
        let (xa, xb) = x.split_at(half * g.in_len());
        let (wa, wb) = w.split_at(half * g.k * g.k);
        let (ba, bb) = bias.split_at(half);
        let (oa, ob) = out.split_at_mut(half * g.out_len());
        rayon::join(|| depthwise_at(level, xa, wa, ba, g, act, oa, 1), || depthwise_at(level, xb, wb, bb, g, act, ob, 1));
        return;
    }
    SCRATCH.with(|cell| {
        let mut scratch = cell.borrow_mut();
        let layout = Layout::new(g);
        // Pads are zeroed once per call; only the data region is rewritten for each plane.
        scratch.clear();
        scratch.resize(layout.len(), 0.0);
        let sc = &mut scratch[..];
        let l = &layout;
        match (g.k, g.stride) {
            (3, 1) => dispatch_vec!(level, layer_vec[3, 1](x, w, bias, g, act, out, sc, l), layer::<3, 1>(x, w, bias, g, act, out, sc, l)),
            (3, 2) => dispatch_vec!(level, layer_vec[3, 2](x, w, bias, g, act, out, sc, l), layer::<3, 2>(x, w, bias, g, act, out, sc, l)),
            (5, 1) => dispatch_vec!(level, layer_vec[5, 1](x, w, bias, g, act, out, sc, l), layer::<5, 1>(x, w, bias, g, act, out, sc, l)),
            (5, 2) => dispatch_vec!(level, layer_vec[5, 2](x, w, bias, g, act, out, sc, l), layer::<5, 2>(x, w, bias, g, act, out, sc, l)),
            _ => {
                for c in 0..chs {
                    let kk = g.k * g.k;
                    l.fill(&x[c * g.in_len()..(c + 1) * g.in_len()], g, sc);
                    plane_any(sc, l, &w[c * kk..(c + 1) * kk], bias[c], g, act, &mut out[c * g.out_len()..(c + 1) * g.out_len()]);
                }
            }
        }
    });
}

/// All planes of a layer, portable path.
#[allow(clippy::too_many_arguments)]
fn layer<const K: usize, const S: usize>(x: &[f32], w: &[f32], bias: &[f32], g: &Geom, act: Act, out: &mut [f32], sc: &mut [f32], l: &Layout) {
    for (c, b) in bias.iter().enumerate() {
        l.fill(&x[c * g.in_len()..(c + 1) * g.in_len()], g, sc);
        plane::<8, false, K, S>(sc, l, &w[c * K * K..(c + 1) * K * K], *b, g, act, &mut out[c * g.out_len()..(c + 1) * g.out_len()]);
    }
}

/// All planes of a layer with explicit vectors; the copy into the scratch is compiled for the
/// same instruction set (one dispatch per layer, not per plane).
///
/// # Safety
/// The CPU features of `V`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn layer_vec<V: Simd, const K: usize, const S: usize>(x: &[f32], w: &[f32], bias: &[f32], g: &Geom, act: Act, out: &mut [f32], sc: &mut [f32], l: &Layout) {
    for (c, b) in bias.iter().enumerate() {
        // SAFETY: the caller guarantees V's features; the scratch was laid out by `l` for `g`.
        unsafe { l.fill_vec::<V>(&x[c * g.in_len()..(c + 1) * g.in_len()], g, sc) };
        unsafe { plane_vec::<V, K, S>(sc, l, &w[c * K * K..(c + 1) * K * K], *b, g, act, &mut out[c * g.out_len()..(c + 1) * g.out_len()]) };
    }
}

/// Where each phase row lives in the scratch.
pub(crate) struct Layout {
    /// Column phases (= stride).
    phases: usize,
    /// Padded rows the outputs need: (out_h − 1)·stride + k.
    rows: usize,
    /// Floats per phase row: outputs rounded up to 16 lanes, plus the reach of the widest tap.
    row_w: usize,
}

impl Layout {
    pub(crate) fn new(g: &Geom) -> Self {
        let rows = (g.out_h - 1) * g.stride + g.k;
        let row_w = g.out_w.div_ceil(16) * 16 + (g.k - 1) / g.stride + 1;
        Self { phases: g.stride, rows, row_w }
    }

    pub(crate) fn len(&self) -> usize {
        self.phases * self.rows * self.row_w
    }

    /// Start of padded row `r` of phase `p`.
    #[inline(always)]
    pub(crate) fn row(&self, p: usize, r: usize) -> usize {
        (p * self.rows + r) * self.row_w
    }

    /// Copies plane `x` into the data region (input pixel (iy, ix) goes to padded row
    /// iy + pad_top, padded column ix + pad_left, i.e. phase (ix + pad_left) % s). Written as
    /// zipped iterators so the copy and the stride-2 deinterleave vectorise without calls.
    #[inline(always)]
    pub(crate) fn fill(&self, x: &[f32], g: &Geom, scratch: &mut [f32]) {
        let rows = self.rows.min(g.in_h + g.pad_top).saturating_sub(g.pad_top);
        if g.stride == 1 {
            let n = g.in_w.min(self.row_w - g.pad_left);
            for (iy, src) in x.chunks_exact(g.in_w).take(rows).enumerate() {
                let start = self.row(0, iy + g.pad_top) + g.pad_left;
                for (d, v) in scratch[start..start + n].iter_mut().zip(src) {
                    *d = *v;
                }
            }
            return;
        }
        self.fill_deinterleaved(x, g, scratch, 0, |_, _, _, _| 0);
    }

    /// [`Layout::fill`] with explicit vectors for the stride-2 deinterleave.
    ///
    /// # Safety
    /// The CPU features of `V`.
    #[inline(always)]
    pub(crate) unsafe fn fill_vec<V: Simd>(&self, x: &[f32], g: &Geom, scratch: &mut [f32]) {
        if g.stride == 1 {
            return self.fill(x, g, scratch);
        }
        let l = V::LANES;
        let step = (g.in_w / 2) / l * l;
        self.fill_deinterleaved(x, g, scratch, step, #[inline(always)] |src, first, second, n| {
            let mut j = 0;
            while j + l <= n {
                // SAFETY: j + LANES <= n <= the lengths of `first`/`second`, and 2(j + LANES)
                // <= src.len() since n <= src.len() / 2 (the caller's `step`).
                unsafe {
                    let (e, o) = V::deinterleave(src.as_ptr().add(2 * j));
                    V::store(first.as_mut_ptr().add(j), e);
                    V::store(second.as_mut_ptr().add(j), o);
                }
                j += l;
            }
            j
        });
    }

    /// The stride-2 copy: `bulk(src, first, second, m)` copies some of the first `m` pairs of a
    /// row with vectors and returns how many; the scalar loop does the rest.
    #[inline(always)]
    fn fill_deinterleaved(&self, x: &[f32], g: &Geom, scratch: &mut [f32], step: usize, bulk: impl Fn(&[f32], &mut [f32], &mut [f32], usize) -> usize) {
        let rows = self.rows.min(g.in_h + g.pad_top).saturating_sub(g.pad_top);
        // Stride 2: input column ix goes to phase (ix + pad_left) % 2 at index
        // (ix + pad_left) / 2; so the pairs (x[2j], x[2j+1]) go to index j + j0 of one phase
        // and j + j1 of the other.
        let (j0, j1) = (g.pad_left / 2, (g.pad_left + 1) / 2);
        let swap = g.pad_left % 2 == 1;
        let plane = self.rows * self.row_w;
        let (even_phase, odd_phase) = scratch.split_at_mut(plane);
        let n = (g.in_w / 2).min(self.row_w.saturating_sub(j0.max(j1)));
        for (iy, src) in x.chunks_exact(g.in_w).take(rows).enumerate() {
            let r = (iy + g.pad_top) * self.row_w;
            let (first, second) = if swap {
                (&mut odd_phase[r + j0..r + self.row_w], &mut even_phase[r + j1..r + self.row_w])
            } else {
                (&mut even_phase[r + j0..r + self.row_w], &mut odd_phase[r + j1..r + self.row_w])
            };
            let bulk_n = bulk(src, first, second, step.min(n).min(first.len()).min(second.len()));
            for ((a, b), pair) in first.iter_mut().zip(second.iter_mut()).zip(src.chunks_exact(2)).take(n).skip(bulk_n) {
                *a = pair[0];
                *b = pair[1];
            }
            if g.in_w % 2 == 1 && n == g.in_w / 2 && n < first.len() {
                first[n] = src[g.in_w - 1];
            }
        }
    }
}

/// One output plane for kernel `K` and stride `S` known at compile time (fully unrolled taps).
#[inline(always)]
fn plane<const LANES: usize, const FMA: bool, const K: usize, const S: usize>(
    scratch: &[f32],
    layout: &Layout,
    w: &[f32],
    bias: f32,
    g: &Geom,
    act: Act,
    out: &mut [f32],
) {
    let mut taps = [[0.0f32; K]; K];
    for (ky, row) in taps.iter_mut().enumerate() {
        row.copy_from_slice(&w[ky * K..(ky + 1) * K]);
    }
    for oy in 0..g.out_h {
        let orow = &mut out[oy * g.out_w..(oy + 1) * g.out_w];
        let mut ox = 0;
        while ox < g.out_w {
            let mut acc = [bias; LANES];
            for (ky, wrow) in taps.iter().enumerate() {
                let r = oy * S + ky;
                for (kx, &wv) in wrow.iter().enumerate() {
                    let start = layout.row(kx % S, r) + ox + kx / S;
                    let src = &scratch[start..start + LANES];
                    for l in 0..LANES {
                        acc[l] = madd::<FMA>(src[l], wv, acc[l]);
                    }
                }
            }
            act_lanes(act, &mut acc);
            let n = LANES.min(g.out_w - ox);
            orow[ox..ox + n].copy_from_slice(&acc[..n]);
            ox += LANES;
        }
    }
}

/// One output plane with explicit vectors: up to four registers of an output row at a time
/// (independent accumulators hide the fused multiply-add latency), every tap a plain load from
/// the padded scratch (rows are padded past the last 16-lane block, so only the stores of a
/// row's last block need masking).
///
/// # Safety
/// The CPU features of `V`; `scratch` laid out by `layout` for `g`; `w` has K·K taps.
#[inline(always)]
unsafe fn plane_vec<V: Simd, const K: usize, const S: usize>(
    scratch: &[f32],
    layout: &Layout,
    w: &[f32],
    bias: f32,
    g: &Geom,
    act: Act,
    out: &mut [f32],
) {
    let l = V::LANES;
    let blocks = g.out_w.div_ceil(l);
    let sp = scratch.as_ptr();
    unsafe {
        let mut taps = [V::splat(0.0); 25];
        for (t, tap) in taps.iter_mut().enumerate().take(K * K) {
            *tap = V::splat(*w.get_unchecked(t));
        }
        for oy in 0..g.out_h {
            let op = out.as_mut_ptr().add(oy * g.out_w);
            let mut blk = 0;
            while blk < blocks {
                let nv = (blocks - blk).min(4);
                let mut acc = [V::splat(bias); 4];
                let ox = blk * l;
                for ky in 0..K {
                    for kx in 0..K {
                        let wv = taps[ky * K + kx];
                        let src = sp.add(layout.row(kx % S, oy * S + ky) + ox + kx / S);
                        if nv == 4 {
                            for (v, a) in acc.iter_mut().enumerate() {
                                *a = V::fmadd(V::load(src.add(v * l)), wv, *a);
                            }
                        } else {
                            for (v, a) in acc.iter_mut().enumerate().take(nv) {
                                *a = V::fmadd(V::load(src.add(v * l)), wv, *a);
                            }
                        }
                    }
                }
                for (v, a) in acc.iter().enumerate().take(nv) {
                    let at = ox + v * l;
                    let r = V::act(act, *a);
                    let n = (g.out_w - at).min(l);
                    if n == l { V::store(op.add(at), r) } else { V::store_n(op.add(at), r, n) }
                }
                blk += nv;
            }
        }
    }
}

/// Any other kernel size or stride (none of the MobileNets uses one; kept for completeness).
fn plane_any(scratch: &[f32], layout: &Layout, w: &[f32], bias: f32, g: &Geom, act: Act, out: &mut [f32]) {
    let (k, s) = (g.k, g.stride);
    for oy in 0..g.out_h {
        for ox in 0..g.out_w {
            let mut acc = bias;
            for ky in 0..k {
                for kx in 0..k {
                    acc += w[ky * k + kx] * scratch[layout.row(kx % s, oy * s + ky) + ox + kx / s];
                }
            }
            out[oy * g.out_w + ox] = act.apply(acc);
        }
    }
}
