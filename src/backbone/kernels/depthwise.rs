//! Depthwise convolution, one channel plane at a time, in registers.
//!
//! Hand-written because candle runs a grouped convolution as one convolution per group
//! (candle issue #3389): a depthwise layer would be hundreds of tiny convolutions.
//!
//! Each plane is first copied into a zero-padded scratch split into `stride × stride` phases
//! (stride 2: even/odd rows × even/odd columns apart), each phase a flat array of rows
//! `row_w = out_w + (k − 1)/stride` wide ([`Flat`]). Then output `oy·row_w + ox` of tap
//! (ky, kx) reads phase `(ky % s, kx % s)` at `(oy + ky/s)·row_w + ox + kx/s`: for every tap
//! the whole plane is *one contiguous run*, so the plane is computed as a flat stream of
//! vectors (the `row_w − out_w` columns between rows are computed and dropped). Small planes
//! (7×7, 14×14: most of MobileNet's layers) thereby fill whole registers and keep eight
//! independent accumulators in flight, where a row-by-row kernel would run one half-empty
//! register through a chain of k² dependent fused multiply-adds. A last pass packs the rows.

use std::cell::RefCell;

use super::simd::{Level, dispatch_vec, madd};
use super::vector::Simd;
use super::{Geom, act_lanes};
use crate::backbone::arch::Act;

/// Below this many multiply-accumulates a layer stays on one thread (a second costs more).
const PARALLEL_MACS: usize = 200_000;

/// The widest vector (AVX-512, 16 lanes): every length below is rounded to it.
const MAX_LANES: usize = 16;

thread_local! {
    /// Per-thread scratch (padded phases, unpacked outputs): reused across planes, layers and
    /// frames.
    static SCRATCH: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
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
///
/// # Panics
/// When a slice is shorter than its shape (the kernels read through raw pointers).
#[allow(clippy::too_many_arguments)]
pub fn depthwise_at(
    level: Level,
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    g: &Geom,
    act: Act,
    out: &mut [f32],
    threads: usize,
) {
    let chs = bias.len();
    let kk = g.k * g.k;
    assert!(
        x.len() >= chs * g.in_len() && w.len() >= chs * kk && out.len() >= chs * g.out_len(),
        "depthwise: slices shorter than their shapes"
    );
    let macs = chs * g.out_len() * kk;
    if threads > 1 && chs >= 2 && macs >= PARALLEL_MACS {
        let half = chs / 2;
        let (xa, xb) = x.split_at(half * g.in_len());
        let (wa, wb) = w.split_at(half * kk);
        let (ba, bb) = bias.split_at(half);
        let (oa, ob) = out.split_at_mut(half * g.out_len());
        rayon::join(
            || depthwise_at(level, xa, wa, ba, g, act, oa, 1),
            || depthwise_at(level, xb, wb, bb, g, act, ob, 1),
        );
        return;
    }
    SCRATCH.with(|cell| {
        let mut guard = cell.borrow_mut();
        let (scratch, flat_out) = &mut *guard;
        let f = Flat::new(g);
        // Pads are zeroed once per call; every plane rewrites the same data positions.
        scratch.clear();
        scratch.resize(f.len(), 0.0);
        flat_out.resize(f.out_len(), 0.0);
        let (sc, fo) = (&mut scratch[..], &mut flat_out[..]);
        let f = &f;
        match (g.k, g.stride) {
            (3, 1) => dispatch_vec!(level, layer_vec[3, 1](x, w, bias, g, act, out, sc, fo, f), layer::<3, 1>(x, w, bias, g, act, out, sc, fo, f)),
            (3, 2) => dispatch_vec!(level, layer_vec[3, 2](x, w, bias, g, act, out, sc, fo, f), layer::<3, 2>(x, w, bias, g, act, out, sc, fo, f)),
            (5, 1) => dispatch_vec!(level, layer_vec[5, 1](x, w, bias, g, act, out, sc, fo, f), layer::<5, 1>(x, w, bias, g, act, out, sc, fo, f)),
            (5, 2) => dispatch_vec!(level, layer_vec[5, 2](x, w, bias, g, act, out, sc, fo, f), layer::<5, 2>(x, w, bias, g, act, out, sc, fo, f)),
            _ => {
                for c in 0..chs {
                    f.fill(&x[c * g.in_len()..(c + 1) * g.in_len()], g, sc);
                    plane_any(sc, f, &w[c * kk..(c + 1) * kk], bias[c], g, act, fo);
                    f.pack(fo, g, &mut out[c * g.out_len()..(c + 1) * g.out_len()]);
                }
            }
        }
    });
}

/// All planes of a layer, portable path.
#[allow(clippy::too_many_arguments)]
fn layer<const K: usize, const S: usize>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    g: &Geom,
    act: Act,
    out: &mut [f32],
    sc: &mut [f32],
    fo: &mut [f32],
    f: &Flat,
) {
    for (c, b) in bias.iter().enumerate() {
        f.fill(&x[c * g.in_len()..(c + 1) * g.in_len()], g, sc);
        plane::<K, S>(sc, f, &w[c * K * K..(c + 1) * K * K], *b, act, fo);
        f.pack(fo, g, &mut out[c * g.out_len()..(c + 1) * g.out_len()]);
    }
}

/// All planes of a layer with explicit vectors; the copies in and out are compiled for the same
/// instruction set (one dispatch per layer, not per plane).
///
/// # Safety
/// The CPU features of `V`; `sc` and `fo` sized by `f` ([`Flat::len`], [`Flat::out_len`]);
/// `x`, `w`, `out` at least as long as `g` and `bias` say.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn layer_vec<V: Simd, const K: usize, const S: usize>(
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    g: &Geom,
    act: Act,
    out: &mut [f32],
    sc: &mut [f32],
    fo: &mut [f32],
    f: &Flat,
) {
    for (c, b) in bias.iter().enumerate() {
        // SAFETY: the caller guarantees V's features and the scratch sizes.
        unsafe {
            f.fill_vec::<V>(&x[c * g.in_len()..(c + 1) * g.in_len()], g, sc);
            plane_vec::<V, K, S>(sc, f, &w[c * K * K..(c + 1) * K * K], *b, act, fo);
            f.pack_vec::<V>(fo, g, &mut out[c * g.out_len()..]);
        }
    }
}

/// The padded phases of one plane, each a flat array (see the module comment).
struct Flat {
    /// Stride: `s × s` phases.
    s: usize,
    /// Row width of every phase and of the unpacked output: `out_w + (k − 1)/s`.
    row_w: usize,
    /// Rows of every phase: `out_h + (k − 1)/s`.
    rows: usize,
    /// Floats per phase: the rows, plus room for the last vector's reads past the outputs.
    phase_len: usize,
    /// Unpacked outputs: `out_h · row_w`.
    n_out: usize,
}

impl Flat {
    fn new(g: &Geom) -> Self {
        let reach = (g.k - 1) / g.stride;
        let row_w = g.out_w + reach;
        let n_out = g.out_h * row_w;
        // The last vector starts below n_out rounded up and reads up to reach·row_w + reach
        // further (the farthest tap); rows·row_w = n_out + reach·row_w fits too.
        // `fill_vec` stores whole vectors: up to MAX_LANES more past the last row's data.
        let phase_len = n_out.next_multiple_of(MAX_LANES) + reach * row_w + reach + MAX_LANES;
        Self { s: g.stride, row_w, rows: g.out_h + reach, phase_len, n_out }
    }

    /// Floats of the padded input scratch.
    fn len(&self) -> usize {
        self.s * self.s * self.phase_len
    }

    /// Floats of the unpacked output (whole vectors).
    fn out_len(&self) -> usize {
        self.n_out.next_multiple_of(MAX_LANES)
    }

    /// Where tap (ky, kx) of output 0 reads.
    #[inline(always)]
    fn tap(&self, ky: usize, kx: usize) -> usize {
        ((ky % self.s) * self.s + kx % self.s) * self.phase_len + (ky / self.s) * self.row_w + kx / self.s
    }

    /// Copies plane `x` into the phases: input pixel (iy, ix) is padded pixel
    /// (py, px) = (iy + pad_top, ix + pad_left), which lives in phase (py % s, px % s) at row
    /// py / s, column px / s. Pixels no output reaches (past `rows` / `row_w`) are skipped.
    #[inline(always)]
    fn fill(&self, x: &[f32], g: &Geom, sc: &mut [f32]) {
        let (s, row_w) = (self.s, self.row_w);
        for (iy, src) in x.chunks_exact(g.in_w).enumerate().take(g.in_h) {
            let py = iy + g.pad_top;
            if py / s >= self.rows {
                break;
            }
            let row = (py % s) * s * self.phase_len + (py / s) * row_w;
            for (ix, &v) in src.iter().enumerate() {
                let px = ix + g.pad_left;
                if px / s < row_w {
                    sc[row + (px % s) * self.phase_len + px / s] = v;
                }
            }
        }
    }

    /// [`Flat::fill`] with vectors: masked copies at stride 1, a vector deinterleave at stride
    /// 2 (rows are short — 7 to 112 floats — so per-row `memcpy` calls or scalar loops would
    /// cost more than the convolution itself).
    ///
    /// # Safety
    /// The CPU features of `V`; `x` holds `in_h · in_w` values, `sc` is [`Flat::len`] long.
    #[inline(always)]
    unsafe fn fill_vec<V: Simd>(&self, x: &[f32], g: &Geom, sc: &mut [f32]) {
        let (s, row_w, l) = (self.s, self.row_w, V::LANES);
        if s > 2 {
            return self.fill(x, g, sc);
        }
        let dp = sc.as_mut_ptr();
        for iy in 0..g.in_h {
            let py = iy + g.pad_top;
            if py / s >= self.rows {
                break;
            }
            let row = (py % s) * s * self.phase_len + (py / s) * row_w;
            let start = iy * g.in_w;
            // SAFETY (both branches): reads stay inside `x` (`avail` floats from the row start,
            // masked or buffered at its end); writes stay inside phase row `py / s` (at most
            // `row_w` columns from its start).
            unsafe {
                let src = x.as_ptr().add(start);
                if s == 1 {
                    let n = g.in_w.min(row_w.saturating_sub(g.pad_left));
                    let dst = dp.add(row + g.pad_left);
                    let mut j = 0;
                    while j < n {
                        let r = (n - j).min(l);
                        // A short last chunk is loaded zero-filled and stored whole: the
                        // zeros land on this row's right pad and the next row's left pad
                        // (pads are zero anyway; the next row's data is written after).
                        V::store(dst.add(j), if r == l { V::load(src.add(j)) } else { V::load_n(src.add(j), r) });
                        j += r;
                    }
                    continue;
                }
                // Column pair (x[2j], x[2j+1]) goes to (phase a, index j + ja), (phase 1 − a, j + jb).
                let pl = g.pad_left;
                let (a, ja, jb) = if pl.is_multiple_of(2) { (0, pl / 2, pl / 2) } else { (1, pl / 2, pl / 2 + 1) };
                let m = (g.in_w / 2).min(row_w.saturating_sub(ja.max(jb)));
                let (pa, pb) = (dp.add(row + a * self.phase_len + ja), dp.add(row + (1 - a) * self.phase_len + jb));
                let avail = x.len() - start;
                let mut j = 0;
                while j < m {
                    let r = (m - j).min(l);
                    let (e, o) = if 2 * (j + l) <= avail {
                        V::deinterleave(src.add(2 * j))
                    } else {
                        let mut buf = [0.0f32; 2 * MAX_LANES];
                        buf[..2 * r].copy_from_slice(&x[start + 2 * j..start + 2 * (j + r)]);
                        V::deinterleave(buf.as_ptr())
                    };
                    // Whole-vector stores with the lanes past the row zeroed, as above.
                    let (e, o) = if r == l { (e, o) } else { (V::keep_n(e, r), V::keep_n(o, r)) };
                    V::store(pa.add(j), e);
                    V::store(pb.add(j), o);
                    j += r;
                }
                // An odd last column, or columns cut off by `row_w`.
                for ix in 2 * m..g.in_w {
                    let px = ix + pl;
                    if px / 2 < row_w {
                        *dp.add(row + (px % 2) * self.phase_len + px / 2) = x[start + ix];
                    }
                }
            }
        }
    }

    /// Packs the unpacked outputs (rows `row_w` apart) into `out` (rows `out_w` apart).
    #[inline(always)]
    fn pack(&self, fo: &[f32], g: &Geom, out: &mut [f32]) {
        for (dst, src) in out.chunks_exact_mut(g.out_w).zip(fo.chunks(self.row_w)).take(g.out_h) {
            dst.copy_from_slice(&src[..g.out_w]);
        }
    }

    /// [`Flat::pack`] with vector loads and (masked) stores: the rows are short (7, 14, 28
    /// floats), where a `memcpy` call per row would cost more than the copy.
    ///
    /// # Safety
    /// The CPU features of `V`; `fo` holds `out_h · row_w` values, `out` at least
    /// `out_h · out_w` (the plane and whatever follows it).
    #[inline(always)]
    unsafe fn pack_vec<V: Simd>(&self, fo: &[f32], g: &Geom, out: &mut [f32]) {
        let l = V::LANES;
        let (sp, dp) = (fo.as_ptr(), out.as_mut_ptr());
        for oy in 0..g.out_h {
            let mut ox = 0;
            while ox < g.out_w {
                let n = (g.out_w - ox).min(l);
                // SAFETY: oy·row_w + ox + LANES <= out_len() (rows are row_w >= out_w apart and
                // out_len() is n_out rounded up to whole vectors); the store writes n lanes
                // inside output row oy.
                unsafe {
                    let v = V::load(sp.add(oy * self.row_w + ox));
                    let at = oy * g.out_w + ox;
                    // A short chunk is stored whole where `out` has room: the extra lanes land
                    // on the next row (or plane), written after this one.
                    if n == l || at + l <= out.len() { V::store(dp.add(at), v) } else { V::store_n(dp.add(at), v, n) }
                }
                ox += n;
            }
        }
    }
}

/// One plane into the unpacked outputs, portable path: 8-float blocks the compiler vectorises.
#[inline(always)]
fn plane<const K: usize, const S: usize>(sc: &[f32], f: &Flat, w: &[f32], bias: f32, act: Act, fo: &mut [f32]) {
    let mut taps = [(0usize, 0.0f32); 25];
    for ky in 0..K {
        for kx in 0..K {
            taps[ky * K + kx] = (f.tap(ky, kx), w[ky * K + kx]);
        }
    }
    for (i, dst) in fo[..f.n_out.next_multiple_of(8)].chunks_exact_mut(8).enumerate() {
        let mut acc = [bias; 8];
        for &(off, wv) in &taps[..K * K] {
            let src = &sc[off + i * 8..off + i * 8 + 8];
            for l in 0..8 {
                acc[l] = madd::<false>(src[l], wv, acc[l]);
            }
        }
        act_lanes(act, &mut acc);
        dst.copy_from_slice(&acc);
    }
}

/// One plane into the unpacked outputs with explicit vectors, `N` registers at a time: eight
/// independent accumulators on AVX-512 (32 registers: 8 + up to 25 taps), four on AVX2 (16).
///
/// # Safety
/// The CPU features of `V`; `sc` and `fo` sized by `f`; `w` has K·K taps.
#[inline(always)]
unsafe fn plane_vec<V: Simd, const K: usize, const S: usize>(
    sc: &[f32],
    f: &Flat,
    w: &[f32],
    bias: f32,
    act: Act,
    fo: &mut [f32],
) {
    let l = V::LANES;
    let nvec = f.n_out.div_ceil(l);
    // SAFETY (whole body): every read is at tap offset + a vector start below n_out rounded
    // up to MAX_LANES, inside the phase (`Flat::new`); every store is a whole vector below
    // out_len(); w has K·K values (caller).
    unsafe {
        let mut taps = [V::splat(0.0); 25];
        let mut offs = [0usize; 25];
        for ky in 0..K {
            for kx in 0..K {
                taps[ky * K + kx] = V::splat(*w.get_unchecked(ky * K + kx));
                offs[ky * K + kx] = f.tap(ky, kx);
            }
        }
        let (sp, op) = (sc.as_ptr(), fo.as_mut_ptr());
        let mut i = 0;
        if l >= 16 {
            while i + 8 <= nvec {
                block::<V, K, 8>(sp, &offs, &taps, bias, act, op, i * l);
                i += 8;
            }
        }
        while i + 4 <= nvec {
            block::<V, K, 4>(sp, &offs, &taps, bias, act, op, i * l);
            i += 4;
        }
        while i < nvec {
            block::<V, K, 1>(sp, &offs, &taps, bias, act, op, i * l);
            i += 1;
        }
    }
}

/// `N` consecutive vectors of unpacked outputs starting at `at`.
///
/// # Safety
/// As [`plane_vec`], for outputs `at .. at + N·LANES`.
#[inline(always)]
unsafe fn block<V: Simd, const K: usize, const N: usize>(
    sp: *const f32,
    offs: &[usize; 25],
    taps: &[V::V; 25],
    bias: f32,
    act: Act,
    op: *mut f32,
    at: usize,
) {
    let l = V::LANES;
    unsafe {
        let mut acc = [V::splat(bias); N];
        for t in 0..K * K {
            let p = sp.add(offs[t] + at);
            for (v, a) in acc.iter_mut().enumerate() {
                *a = V::fmadd(V::load(p.add(v * l)), taps[t], *a);
            }
        }
        for (v, a) in acc.iter().enumerate() {
            V::store(op.add(at + v * l), V::act(act, *a));
        }
    }
}

/// Any other kernel size or stride (none of the MobileNets uses one; kept for completeness).
fn plane_any(sc: &[f32], f: &Flat, w: &[f32], bias: f32, g: &Geom, act: Act, fo: &mut [f32]) {
    let k = g.k;
    for (i, o) in fo.iter_mut().enumerate().take(f.n_out) {
        let mut acc = bias;
        for ky in 0..k {
            for kx in 0..k {
                acc += w[ky * k + kx] * sc[f.tap(ky, kx) + i];
            }
        }
        *o = act.apply(acc);
    }
}
