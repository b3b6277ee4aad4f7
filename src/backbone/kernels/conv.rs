//! Dense k×k convolution (MobileNet's 3-channel stem) without im2col.
//!
//! Each input plane is copied once into a zero-padded, column-phase scratch ([`Layout`]);
//! then for one output row, tap (ci, ky, kx) of every output pixel is a contiguous run of
//! that scratch, so the whole convolution is the pointwise register tile
//! with `cin·k·k` "input rows" given by a pointer table. im2col (kept in `dense.rs` as the
//! portable path and reference) would first write all k·k shifted copies to memory.

use std::cell::RefCell;

use super::Geom;
use super::pointwise::channel_tiles;
use super::simd::{Level, dispatch_vec};
use super::vector::Simd;
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
/// [`direct_available`] is true; does nothing otherwise. With `threads > 1` the output rows are
/// split in two halves (the stem has few channels but many rows).
#[allow(clippy::too_many_arguments)]
pub fn conv_direct(
    level: Level,
    x: &[f32],
    cin: usize,
    w: &[f32],
    bias: &[f32],
    g: &Geom,
    act: Act,
    out: &mut [f32],
    threads: usize,
) {
    let cout = bias.len();
    assert!(
        x.len() >= cin * g.in_len()
            && w.len() >= cout.div_ceil(8) * 8 * cin * g.k * g.k
            && out.len() >= cout * g.out_len(),
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
        dispatch_vec!(level, fill_vec[](x, cin, &layout, scratch, g), ());
        let (sc, offs) = (&scratch[..], &offsets[..]);
        let op = OutPtr(out.as_mut_ptr());
        let rows = |r: std::ops::Range<usize>| dispatch_vec!(level, rows_vec[](sc, offs, row_step, w, bias, g, act, op, r), ());
        if threads > 1 && g.out_h >= 8 {
            let mid = g.out_h / 2;
            rayon::join(|| rows(0..mid), || rows(mid..g.out_h));
        } else {
            rows(0..g.out_h);
        }
    })
}

/// The output pointer, shared by the two row halves: they write disjoint rows of every channel.
#[derive(Clone, Copy)]
struct OutPtr(*mut f32);
// SAFETY: only `rows_vec` writes through it, and the halves given to the threads are disjoint.
unsafe impl Send for OutPtr {}
// SAFETY: as above.
unsafe impl Sync for OutPtr {}

/// # Safety
/// The CPU features of `S`; `scratch` holds `cin` planes laid out by `layout`.
#[inline(always)]
unsafe fn fill_vec<S: Simd>(x: &[f32], cin: usize, layout: &Layout, scratch: &mut [f32], g: &Geom) {
    let plane = layout.len();
    for ci in 0..cin {
        // SAFETY: the caller guarantees S's features.
        unsafe {
            layout.fill_vec::<S>(
                &x[ci * g.in_len()..(ci + 1) * g.in_len()],
                g,
                &mut scratch[ci * plane..(ci + 1) * plane],
            )
        };
    }
}

/// Output rows `rows` of every channel.
///
/// # Safety
/// The CPU features of `S`; `scratch`/`offsets` built by [`conv_direct`] for `g`; `out` points
/// to `[cout, out_h, out_w]` floats that no one else writes in these rows.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn rows_vec<S: Simd>(
    scratch: &[f32],
    offsets: &[usize],
    row_step: usize,
    w: &[f32],
    bias: &[f32],
    g: &Geom,
    act: Act,
    out: OutPtr,
    rows: std::ops::Range<usize>,
) {
    let l = S::LANES;
    let taps = offsets.len();
    let sp = scratch.as_ptr();
    let op = out.0;
    for oy in rows {
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

/// Where each phase row lives in the scratch.
struct Layout {
    /// Column phases (= stride).
    phases: usize,
    /// Padded rows the outputs need: (out_h − 1)·stride + k.
    rows: usize,
    /// Floats per phase row: outputs rounded up to 16 lanes, plus the reach of the widest tap.
    row_w: usize,
}

impl Layout {
    fn new(g: &Geom) -> Self {
        let rows = (g.out_h - 1) * g.stride + g.k;
        let row_w = g.out_w.div_ceil(16) * 16 + (g.k - 1) / g.stride + 1;
        Self { phases: g.stride, rows, row_w }
    }

    fn len(&self) -> usize {
        self.phases * self.rows * self.row_w
    }

    /// Start of padded row `r` of phase `p`.
    #[inline(always)]
    fn row(&self, p: usize, r: usize) -> usize {
        (p * self.rows + r) * self.row_w
    }

    /// Copies plane `x` into the data region (input pixel (iy, ix) goes to padded row
    /// iy + pad_top, padded column ix + pad_left, i.e. phase (ix + pad_left) % s). Written as
    /// zipped iterators so the copy and the stride-2 deinterleave vectorise without calls.
    #[inline(always)]
    fn fill(&self, x: &[f32], g: &Geom, scratch: &mut [f32]) {
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
    unsafe fn fill_vec<V: Simd>(&self, x: &[f32], g: &Geom, scratch: &mut [f32]) {
        if g.stride == 1 {
            return self.fill(x, g, scratch);
        }
        let l = V::LANES;
        let step = (g.in_w / 2) / l * l;
        self.fill_deinterleaved(
            x,
            g,
            scratch,
            step,
            #[inline(always)]
            |src, first, second, n| {
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
            },
        );
    }

    /// The stride-2 copy: `bulk(src, first, second, m)` copies some of the first `m` pairs of a
    /// row with vectors and returns how many; the scalar loop does the rest.
    #[inline(always)]
    fn fill_deinterleaved(
        &self,
        x: &[f32],
        g: &Geom,
        scratch: &mut [f32],
        step: usize,
        bulk: impl Fn(&[f32], &mut [f32], &mut [f32], usize) -> usize,
    ) {
        let rows = self.rows.min(g.in_h + g.pad_top).saturating_sub(g.pad_top);
        // Stride 2: input column ix goes to phase (ix + pad_left) % 2 at index
        // (ix + pad_left) / 2; so the pairs (x[2j], x[2j+1]) go to index j + j0 of one phase
        // and j + j1 of the other.
        let (j0, j1) = (g.pad_left / 2, g.pad_left.div_ceil(2));
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
            for ((a, b), pair) in first.iter_mut().zip(second.iter_mut()).zip(src.chunks_exact(2)).take(n).skip(bulk_n)
            {
                *a = pair[0];
                *b = pair[1];
            }
            if g.in_w % 2 == 1 && n == g.in_w / 2 && n < first.len() {
                first[n] = src[g.in_w - 1];
            }
        }
    }
}
