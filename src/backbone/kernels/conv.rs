//! Dense k×k convolution from a CHW image to a blocked activation ([`super::blocked`]):
//! MobileNet's stem (3 channels in, 8–32 out, 3×3 stride 2), without im2col.
//!
//! A register tile is 8 output pixels of one row × one output block: for every tap
//! (ci, ky, kx) one weight vector is loaded and each pixel's input value is broadcast into it,
//! so the image is read in place (im2col, kept in `dense.rs` as the portable reference, would
//! first write all k·k shifted copies to memory). Border pixels, where some taps fall into
//! the padding, take the same path with the taps clipped.

use super::blocked::{OutPtr, Part, Planes, zero_halo};
use super::simd::{Level, dispatch_vec};
use super::vector::Simd;
use super::{Geom, size};
use crate::backbone::arch::Act;

/// Output pixels per register tile.
const T: usize = 8;

/// `out[co] = act(Σ_ci conv(x[ci], w[co, ci]) + bias[co])`, `x` CHW `[cin, in_h, in_w]`,
/// `w` the `pointwise::pack_weights` of `[cout, cin·k·k]` for `op.bw`, `bias` padded to whole
/// blocks, `out` in layout `op`. One thread; the forward pass splits rows with [`conv_part`].
///
/// # Panics
/// When a slice is shorter than its shape or `op` disagrees with `g`.
#[allow(clippy::too_many_arguments)]
pub fn conv(
    level: Level,
    x: &[f32],
    cin: usize,
    g: &Geom,
    w: &[f32],
    bias: &[f32],
    act: Act,
    out: &mut [f32],
    op: &Planes,
) {
    check(level, x, cin, g, w, bias, out.len(), op);
    // SAFETY: `check` verified the lengths and layouts; the whole output is one part.
    unsafe { conv_part(level, x, cin, g, w, bias, act, OutPtr::new(out), op, &Part::all(op)) }
}

/// The checks [`conv_part`] relies on.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check(
    level: Level,
    x: &[f32],
    cin: usize,
    g: &Geom,
    w: &[f32],
    bias: &[f32],
    out_len: usize,
    op: &Planes,
) {
    // The far padding, computed with checked sums: the kernel's row and column arithmetic
    // stays below these, so it cannot wrap once they exist (this panics if they would not).
    let _far_pads = (g.pad_bottom(), g.pad_right());
    assert!(
        (op.bw == level.lanes() || op.bw == 8)
            && (op.h, op.w) == (g.out_h, g.out_w)
            && x.len() >= size(&[cin, g.in_len()])
            && w.len() >= size(&[op.blocks(), cin, g.k, g.k, op.bw])
            && bias.len() >= size(&[op.blocks(), op.bw])
            && out_len >= op.len(),
        "conv: slices shorter than their shapes, or layouts that disagree ({g:?} → {op:?})"
    );
}

/// [`conv`] for the blocks and rows of `part` only (and the halo around them).
///
/// # Safety
/// The arguments pass [`check`] (with `out.len()`); `part` lies inside `op`; no other thread
/// touches `part`'s region of `out` meanwhile.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn conv_part(
    level: Level,
    x: &[f32],
    cin: usize,
    g: &Geom,
    w: &[f32],
    bias: &[f32],
    act: Act,
    out: OutPtr,
    op: &Planes,
    part: &Part,
) {
    debug_assert!(part.blocks.end <= op.blocks() && part.rows.end <= op.h);
    let a = Args { x, cin, g, w, bias, act, out, op };
    dispatch_vec!(level, op.bw, conv_rows[](&a, part));
    // SAFETY: the caller owns this part's rows of these blocks, halo included.
    unsafe { zero_halo(out, op, part.blocks.clone(), part.rows.clone()) };
}

/// Everything a part of the convolution reads (the arguments of [`conv_part`]).
struct Args<'a> {
    x: &'a [f32],
    cin: usize,
    g: &'a Geom,
    w: &'a [f32],
    bias: &'a [f32],
    act: Act,
    out: OutPtr,
    op: &'a Planes,
}

/// # Safety
/// The CPU features of `V`, `V::LANES == a.op.bw`, and the contract of [`conv_part`].
#[inline(always)]
unsafe fn conv_rows<V: Simd>(a: &Args<'_>, part: &Part) {
    let g = a.g;
    let (k, s) = (g.k, g.stride);
    // Output columns whose taps all land inside the input row.
    let lo = g.pad_left.div_ceil(s);
    let hi = if g.in_w + g.pad_left >= k { ((g.in_w + g.pad_left - k) / s + 1).min(g.out_w) } else { 0 };
    for b in part.blocks.clone() {
        for oy in part.rows.clone() {
            // Taps ky whose input row oy·s + ky − pad_top exists.
            let top = oy * s;
            let ky = g.pad_top.saturating_sub(top)..(g.in_h + g.pad_top).saturating_sub(top).min(k);
            let px = Px { a, b, oy, ky };
            let mut ox = 0;
            // SAFETY: `px.tile` reads only taps inside the input (the ky range above, and kx
            // clipped per pixel or, for lo <= ox < hi, inside by construction) and writes
            // output pixels of the part.
            unsafe {
                while ox < g.out_w {
                    if ox >= lo && ox + T <= hi {
                        px.tile::<V, T>(ox, 0..k);
                        ox += T;
                    } else {
                        let left = ox * s;
                        let kx = g.pad_left.saturating_sub(left)..(g.in_w + g.pad_left).saturating_sub(left).min(k);
                        px.tile::<V, 1>(ox, kx);
                        ox += 1;
                    }
                }
            }
        }
    }
}

/// One output row of one block.
struct Px<'a> {
    a: &'a Args<'a>,
    b: usize,
    oy: usize,
    ky: std::ops::Range<usize>,
}

impl Px<'_> {
    /// Output pixels `ox..ox + N` with taps `kx` (all of them inside the input row for every
    /// pixel of the tile).
    ///
    /// # Safety
    /// The CPU features of `V`; the taps in `self.ky` × `kx` of those pixels are inside the
    /// input; the pixels are in the caller's part.
    #[inline(always)]
    unsafe fn tile<V: Simd, const N: usize>(&self, ox: usize, kx: std::ops::Range<usize>) {
        let l = V::LANES;
        let g = self.a.g;
        let (k, s) = (g.k, g.stride);
        let taps = self.a.cin * k * k;
        // SAFETY: the caller's contract; weights of block b are `taps` vectors from
        // b·taps·l, the bias vector b is inside the padded bias.
        unsafe {
            let mut acc = [V::load(self.a.bias.as_ptr().add(self.b * l)); N];
            let wb = self.a.w.as_ptr().add(self.b * taps * l);
            for ci in 0..self.a.cin {
                for ky in self.ky.clone() {
                    let iy = self.oy * s + ky - g.pad_top;
                    // Input column of tap kx for pixel ox + t: (ox + t)·s + kx − pad_left.
                    let xr = self.a.x.as_ptr().add(ci * g.in_len() + iy * g.in_w);
                    let wr = wb.add(((ci * k + ky) * k) * l);
                    for kx in kx.clone() {
                        let wv = V::load(wr.add(kx * l));
                        let col = ox * s + kx - g.pad_left;
                        for (t, a) in acc.iter_mut().enumerate() {
                            *a = V::fmadd(wv, V::splat(*xr.add(col + t * s)), *a);
                        }
                    }
                }
            }
            let o = self.a.out.ptr().add(self.a.op.at(self.b, self.oy, ox));
            for (t, a) in acc.iter().enumerate() {
                V::store(o.add(t * l), V::act(self.a.act, *a));
            }
        }
    }
}
