//! Dense k×k convolution (MobileNet's 3-channel stem) without im2col.
//!
//! Each input plane is copied once into the same zero-padded, column-phase scratch layout the
//! depthwise kernel uses; then for one output row, tap (ci, ky, kx) of every output pixel is a
//! contiguous run of that scratch, so the whole convolution is the pointwise register tile
//! with `cin·k·k` "input rows" given by a pointer table. im2col (kept in `dense.rs` as the
//! portable path and reference) would first write all k·k shifted copies to memory.

use std::cell::RefCell;

use super::depthwise::Layout;
use super::pointwise::channel_tiles;
use super::simd::{Level, dispatch_vec};
use super::vector::Simd;
use super::Geom;
use crate::backbone::arch::Act;

thread_local! {
    static SCRATCH: RefCell<(Vec<f32>, Vec<usize>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Whether [`conv_direct`] runs at this level (otherwise use `dense::conv_dense`).
pub fn direct_available(level: Level) -> bool {
    level != Level::Portable
}

/// `out[co] = act(Σ_ci conv(x[ci], w[co, ci]) + bias[co])`, `x` `[cin, in_h, in_w]`, `w` the
/// `pointwise::pack_weights` of `[cout, cin·k·k]`, `out` `[cout, out_h, out_w]`. Only for levels where
/// [`direct_available`] is true; does nothing otherwise.
#[allow(clippy::too_many_arguments)]
pub fn conv_direct(level: Level, x: &[f32], cin: usize, w: &[f32], bias: &[f32], g: &Geom, act: Act, out: &mut [f32]) {
    let cout = bias.len();
    assert!(
        x.len() >= cin * g.in_len() && w.len() >= cout.div_ceil(8) * 8 * cin * g.k * g.k && out.len() >= cout * g.out_len(),
        "conv_direct: slices shorter than their shapes"
    );
    SCRATCH.with(|cell| {
        let mut guard = cell.borrow_mut();
        let (scratch, offsets) = &mut *guard;
        let layout = Layout::new(g);
        let plane = layout.len();
        scratch.clear();
        scratch.resize(cin * plane, 0.0);
        // Offset of tap (ci, ky, kx) relative to output row 0, pixel 0; row oy adds oy·stride rows.
        offsets.clear();
        for ci in 0..cin {
            for ky in 0..g.k {
                for kx in 0..g.k {
                    offsets.push(ci * plane + layout.row(kx % g.stride, ky) + kx / g.stride);
                }
            }
        }
        let row_step = g.stride * layout.row(0, 1);
        dispatch_vec!(level, rows_vec[](x, cin, &layout, scratch, offsets, row_step, w, bias, g, act, out), ())
    })
}

/// # Safety
/// The CPU features of `S`; `scratch`/`offsets` built by [`conv_direct`] for `g`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn rows_vec<S: Simd>(
    x: &[f32],
    cin: usize,
    layout: &Layout,
    scratch: &mut [f32],
    offsets: &[usize],
    row_step: usize,
    w: &[f32],
    bias: &[f32],
    g: &Geom,
    act: Act,
    out: &mut [f32],
) {
    let plane = layout.len();
    for ci in 0..cin {
        // SAFETY: the caller guarantees S's features.
        unsafe { layout.fill_vec::<S>(&x[ci * g.in_len()..(ci + 1) * g.in_len()], g, &mut scratch[ci * plane..(ci + 1) * plane]) };
    }
    let l = S::LANES;
    let taps = offsets.len();
    let sp = scratch.as_ptr();
    let op = out.as_mut_ptr();
    for oy in 0..g.out_h {
        let mut ox = 0;
        while ox < g.out_w {
            let n = (g.out_w - ox).min(l);
            let base = oy * row_step + ox;
            // SAFETY: every offset + base + n stays inside the padded rows of its plane (the
            // layout pads rows past the last 16-lane block plus the widest tap), and output
            // row co of this block is out[co·out_len + oy·out_w + ox ..][..n].
            unsafe {
                let rows = |t: usize| sp.add(*offsets.get_unchecked(t) + base);
                channel_tiles::<S, _>(&rows, w, bias, taps, act, None, op.add(oy * g.out_w + ox), g.out_len(), n);
            }
            ox += n;
        }
    }
}
