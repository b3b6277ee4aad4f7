//! Pointwise (1×1) convolution on blocked activations ([`super::blocked`]), computed directly
//! instead of through `gemm`.
//!
//! It is a matrix multiply (pixels × input channels times input × output channels), tiled in
//! registers: with AVX-512, 7 pixels × 3 output blocks = 21 accumulators. Per input channel
//! the tile loads 3 weight vectors and broadcasts 7 input values, for 21 fused multiply-adds,
//! so the FMA units, not the loads, set the pace (measured on a Xeon with two 512-bit FMA
//! ports: 75–85 GMAC/s on MobileNet's 14×14 and 7×7 layers, against 45–70 for the CHW tiles
//! this replaced). Seven pixels because MobileNet's planes at 224×224 are 112, 56, 28, 14 and
//! 7 wide, so a tile never straddles a row. AVX2 has 16 vector registers, not 32: 21
//! accumulators spilled to the stack on every input channel, and so did one of 4 × 3 (12
//! accumulators + 3 weights + 1 broadcast leave the compiler no spare register). There the
//! tile is up to 5 pixels × 2 blocks: 10 accumulators, 7 loads per 10 multiply-adds, still
//! FMA-bound. Rows are cut into tiles as even as possible (14 → 5 + 5 + 4), since a narrow
//! tile has too few independent accumulators to hide the multiply-add latency. Bias,
//! activation and residual are applied in registers before the only store, which `gemm`
//! could not fuse. `dense::pointwise` (gemm + separate epilogue, on CHW) stays as the
//! reference the tests compare against.

use super::blocked::{OutPtr, Part, Planes, zero_halo};
use super::simd::{Level, dispatch_vec};
use super::size;
use super::vector::Simd;
use crate::backbone::arch::Act;

/// Most pixels per register tile for `S`: 7 with 32 vector registers (16 lanes), 5 with 16
/// (AVX2: 10 accumulators, 2 weights and the broadcast; the portable fallback does not matter
/// for speed).
const fn pixels_per_tile<S: Simd>() -> usize {
    if S::LANES >= 16 { 7 } else { 5 }
}

/// The width of the tile at `x0` in a row of `w` pixels: the row is cut into ⌈w / max⌉
/// tiles as even as possible (14 → 5 + 5 + 4, not 5 + 5 + 2 + 2), because a narrow tile has
/// too few accumulators to hide the multiply-add latency.
fn tile_width(max: usize, w: usize, x0: usize) -> usize {
    let n = w.div_ceil(max.max(1)).max(1);
    let (base, wide) = (w / n, w % n);
    if x0 < wide * (base + 1) { base + 1 } else { base }
}

/// Output blocks per panel for `S`: 3 with 32 vector registers, 2 with 16.
const fn blocks_per_panel<S: Simd>() -> usize {
    if S::LANES >= 16 { 3 } else { 2 }
}

/// Packs `[cout, cin]` weights (a 1×1 conv, or any conv flattened to `cin` taps) for output
/// blocks of `bw` channels: `[cout / bw][cin][bw]`, so the `bw` weights one input channel gives
/// a block are one vector load. Channels past `cout` are zero.
pub fn pack_weights(w: &[f32], cout: usize, cin: usize, bw: usize) -> Vec<f32> {
    let mut packed = vec![0.0; cout.div_ceil(bw) * cin * bw];
    for (co, row) in w.chunks_exact(cin).enumerate().take(cout) {
        for (ci, v) in row.iter().enumerate() {
            packed[((co / bw) * cin + ci) * bw + co % bw] = *v;
        }
    }
    packed
}

/// The inverse of [`pack_weights`]: the plain row-major `[cout, cin]` matrix (for exporters,
/// which need the folded weights in the usual layout; layers keep only the packed copy).
/// Depthwise weights use the same layout with `cin` = k·k taps.
pub fn unpack_weights(packed: &[f32], cout: usize, cin: usize, bw: usize) -> Vec<f32> {
    (0..cout * cin)
        .map(|i| {
            let (co, ci) = (i / cin, i % cin);
            packed.get(((co / bw) * cin + ci) * bw + co % bw).copied().unwrap_or(0.0)
        })
        .collect()
}

/// `b` padded with zeros to whole blocks of `bw`.
pub fn pad_bias(b: &[f32], bw: usize) -> Vec<f32> {
    let mut v = b.to_vec();
    v.resize(b.len().div_ceil(bw) * bw, 0.0);
    v
}

/// `out[co] = act(Σ w[co,ci]·x[ci] + bias[co]) (+ residual[co])` for every pixel, with `x` in
/// layout `xp` and `out` and `residual` in layout `op` (same pixels and halo; channel
/// blocks of the level's width or 8). `w` is [`pack_weights`] for `op.bw`, `bias`
/// [`pad_bias`]. One thread; the forward pass splits layers with [`pointwise_part`].
///
/// # Panics
/// When a slice is shorter than its shape or the layouts disagree.
#[allow(clippy::too_many_arguments)]
pub fn pointwise(
    level: Level,
    x: &[f32],
    xp: &Planes,
    w: &[f32],
    bias: &[f32],
    act: Act,
    residual: Option<&[f32]>,
    out: &mut [f32],
    op: &Planes,
) {
    check(level, x, xp, w, bias, residual, out.len(), op);
    // SAFETY: `check` verified every length the kernel relies on; the whole output is one part.
    unsafe { pointwise_part(level, x, xp, w, bias, act, residual, OutPtr::new(out), op, &Part::all(op)) }
}

/// The checks [`pointwise_part`] relies on.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check(
    level: Level,
    x: &[f32],
    xp: &Planes,
    w: &[f32],
    bias: &[f32],
    residual: Option<&[f32]>,
    out_len: usize,
    op: &Planes,
) {
    assert!(
        (op.bw == level.lanes() || op.bw == 8)
            && (xp.h, xp.w, xp.halo) == (op.h, op.w, op.halo)
            && x.len() >= xp.len()
            && w.len() >= size(&[op.blocks(), xp.c, op.bw])
            && bias.len() >= size(&[op.blocks(), op.bw])
            && out_len >= op.len()
            && residual.is_none_or(|r| r.len() >= op.len()),
        "pointwise: slices shorter than their shapes, or layouts that disagree ({xp:?} → {op:?})"
    );
}

/// [`pointwise`] for the output blocks and rows of `part` only (and the halo around them).
///
/// # Safety
/// The arguments pass [`check`] (with `out.len()`); `part` lies inside `op`; no other thread
/// writes or reads `part`'s region of `out` meanwhile.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn pointwise_part(
    level: Level,
    x: &[f32],
    xp: &Planes,
    w: &[f32],
    bias: &[f32],
    act: Act,
    residual: Option<&[f32]>,
    out: OutPtr,
    op: &Planes,
    part: &Part,
) {
    debug_assert!(part.blocks.end <= op.blocks() && part.rows.end <= op.h);
    dispatch_vec!(level, op.bw, pw_part[](x, xp, w, bias, act, residual, out, op, part));
    // SAFETY: the caller owns this part's rows of these blocks, halo included.
    unsafe { zero_halo(out, op, part.blocks.clone(), part.rows.clone()) };
}

/// # Safety
/// The CPU features of `S`, `S::LANES == op.bw`, and the contract of [`pointwise_part`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn pw_part<S: Simd>(
    x: &[f32],
    xp: &Planes,
    w: &[f32],
    bias: &[f32],
    act: Act,
    residual: Option<&[f32]>,
    out: OutPtr,
    op: &Planes,
    part: &Part,
) {
    let mut cb = part.blocks.start;
    while cb < part.blocks.end {
        // Panels of 3 blocks (2 with AVX2); a remainder of 1 becomes 2 + 2 rather than 3 + 1.
        let nr = match (blocks_per_panel::<S>(), part.blocks.end - cb) {
            (_, 1) => 1,
            (2, _) | (_, 2 | 4) => 2,
            _ => 3,
        };
        // SAFETY: blocks cb..cb + nr lie in the part (the caller's contract covers the rest).
        unsafe {
            match nr {
                3 => panel::<S, 3>(x, xp, w, bias, act, residual, out, op, cb, part),
                2 => panel::<S, 2>(x, xp, w, bias, act, residual, out, op, cb, part),
                _ => panel::<S, 1>(x, xp, w, bias, act, residual, out, op, cb, part),
            }
        }
        cb += nr;
    }
}

/// Output blocks `cb..cb + NR` for the rows of `part`.
///
/// # Safety
/// As [`pw_part`], with `cb + NR <= part.blocks.end`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn panel<S: Simd, const NR: usize>(
    x: &[f32],
    xp: &Planes,
    w: &[f32],
    bias: &[f32],
    act: Act,
    residual: Option<&[f32]>,
    out: OutPtr,
    op: &Planes,
    cb: usize,
    part: &Part,
) {
    let cin = xp.c;
    let t = Tile { x_blocks: xp.plane_len(), x_bw: xp.bw, cin, w_blocks: cin * op.bw, o_blocks: op.plane_len(), act };
    // SAFETY: every pointer below is an in-bounds pixel of its layout (checked lengths), and
    // the tiles write only blocks cb..cb + NR of the part's rows.
    unsafe {
        let wp = w.as_ptr().add(cb * cin * op.bw);
        let bp = bias.as_ptr().add(cb * op.bw);
        for y in part.rows.clone() {
            let mut x0 = 0;
            while x0 < op.w {
                let xr = x.as_ptr().add(xp.at(0, y, x0));
                let at = op.at(cb, y, x0);
                let res = residual.map(|r| r.as_ptr().add(at));
                let o = out.ptr().add(at);
                let m = tile_width(pixels_per_tile::<S>(), op.w, x0).clamp(1, op.w - x0);
                match m {
                    7 => tile::<S, 7, NR>(&t, xr, wp, bp, res, o),
                    6 => tile::<S, 6, NR>(&t, xr, wp, bp, res, o),
                    5 => tile::<S, 5, NR>(&t, xr, wp, bp, res, o),
                    4 => tile::<S, 4, NR>(&t, xr, wp, bp, res, o),
                    3 => tile::<S, 3, NR>(&t, xr, wp, bp, res, o),
                    2 => tile::<S, 2, NR>(&t, xr, wp, bp, res, o),
                    _ => tile::<S, 1, NR>(&t, xr, wp, bp, res, o),
                }
                x0 += m;
            }
        }
    }
}

/// Strides and sizes a tile needs besides its pointers.
struct Tile {
    /// Floats between input channel blocks.
    x_blocks: usize,
    /// Input channels per block.
    x_bw: usize,
    /// Input channels.
    cin: usize,
    /// Floats between the packed weights of two output blocks.
    w_blocks: usize,
    /// Floats between output channel blocks.
    o_blocks: usize,
    act: Act,
}

/// `M` consecutive pixels × `NR` output blocks: input pixel m of block 0 at `xr + m·x_bw`,
/// output (and residual) pixel m of the panel's first block at `o + m·LANES`.
///
/// # Safety
/// The CPU features of `S`; all those pixels exist in their layouts for every channel block.
#[inline(always)]
unsafe fn tile<S: Simd, const M: usize, const NR: usize>(
    t: &Tile,
    xr: *const f32,
    wp: *const f32,
    bp: *const f32,
    res: Option<*const f32>,
    o: *mut f32,
) {
    let l = S::LANES;
    // SAFETY: the caller guarantees every address below.
    unsafe {
        let mut acc = [[S::splat(0.0); NR]; M];
        for n in 0..NR {
            let b = S::load(bp.add(n * l));
            for a in acc.iter_mut() {
                a[n] = b;
            }
        }
        let mut ci = 0;
        let mut xb = xr;
        while ci < t.cin {
            let lanes = (t.cin - ci).min(t.x_bw);
            for j in 0..lanes {
                let mut wv = [S::splat(0.0); NR];
                for (n, v) in wv.iter_mut().enumerate() {
                    *v = S::load(wp.add(n * t.w_blocks + (ci + j) * l));
                }
                for (m, a) in acc.iter_mut().enumerate() {
                    let xv = S::splat(*xb.add(m * t.x_bw + j));
                    for n in 0..NR {
                        a[n] = S::fmadd(wv[n], xv, a[n]);
                    }
                }
            }
            ci += lanes;
            xb = xb.add(t.x_blocks);
        }
        for (m, a) in acc.iter().enumerate() {
            for (n, v) in a.iter().enumerate() {
                let at = n * t.o_blocks + m * l;
                let mut v = S::act(t.act, *v);
                if let Some(r) = res {
                    v = S::add(v, S::load(r.add(at)));
                }
                S::store(o.add(at), v);
            }
        }
    }
}
