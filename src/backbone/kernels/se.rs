//! Squeeze-excite on a blocked activation, in parts that threads can share: the average pool
//! comes from the depthwise kernel (`depthwise_part`'s `pool`), then [`reduce_part`] computes
//! some of the reduced vector's entries, and [`excite_part`] computes the gates of some
//! channel blocks and rescales those blocks in place.
//!
//! The two small matrix-vector products read up to 0.9 MB of weights each (960 × 240 in
//! MobileNet V3's last blocks), which is what makes squeeze-excite worth splitting: each
//! thread streams only its rows.

use std::ops::Range;

use super::blocked::{OutPtr, Planes};
use super::dense::hard_sigmoid;
use super::simd::{Level, dispatch, dispatch_vec, madd};
use super::vector::Simd;
use crate::backbone::arch::Act;

/// `out[r] = act(w[r]·x + b[r])` for the rows `rows` of `w` (`[out, x.len()]`).
///
/// # Safety
/// `w` holds `out.len()·x.len()` floats and `b` `out.len()`; `rows` lies inside `out`; no
/// other thread touches those entries of `out` meanwhile.
pub(crate) unsafe fn reduce_part(
    level: Level,
    x: &[f32],
    w: &[f32],
    b: &[f32],
    act: Act,
    out: OutPtr,
    rows: Range<usize>,
) {
    let n = x.len();
    debug_assert!(w.len() >= out.len() * n && b.len() >= out.len() && rows.end <= out.len());
    for r in rows {
        let v = dispatch!(level, dot_impl(x, &w[r * n..(r + 1) * n]));
        // SAFETY: r is inside `out` and owned by this part.
        unsafe { *out.ptr().add(r) = act.apply(v + b[r]) };
    }
}

/// For every block in `blocks` of `x` (layout `p`): gates `hard_sigmoid(w[c]·reduced + b[c])`
/// for its channels, then every value of the block's plane multiplied by its channel's gate.
/// `w` is `[p.c, reduced.len()]`.
///
/// # Safety
/// `x` covers `p.len()` floats; `w` holds `p.c·reduced.len()` floats and `b` `p.c`; no other
/// thread touches these blocks of `x` meanwhile.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn excite_part(
    level: Level,
    x: OutPtr,
    p: &Planes,
    w: &[f32],
    b: &[f32],
    reduced: &[f32],
    blocks: Range<usize>,
) {
    let rd = reduced.len();
    debug_assert!(x.len() >= p.len() && w.len() >= p.c * rd && b.len() >= p.c && blocks.end <= p.blocks());
    for blk in blocks {
        let mut gate = [0.0f32; 16];
        for (j, g) in gate.iter_mut().enumerate().take(p.bw) {
            let ch = blk * p.bw + j;
            if ch < p.c {
                *g = hard_sigmoid(dispatch!(level, dot_impl(reduced, &w[ch * rd..(ch + 1) * rd])) + b[ch]);
            }
        }
        // SAFETY: block blk's plane is inside `x` and owned by this part.
        dispatch_vec!(level, p.bw, scale_plane[](x.ptr().add(blk * p.plane_len()), p.plane_len(), &gate));
    }
}

/// Multiplies `n` floats at `x` (whole vectors of `LANES`) by `gate` lane by lane.
///
/// # Safety
/// The CPU features of `V`; `x` is valid for `n` floats, a multiple of `V::LANES`.
#[inline(always)]
unsafe fn scale_plane<V: Simd>(x: *mut f32, n: usize, gate: &[f32; 16]) {
    // SAFETY: the caller guarantees the features and the extent.
    unsafe {
        let g = V::load(gate.as_ptr());
        let mut i = 0;
        while i < n {
            V::store(x.add(i), V::mul(V::load(x.add(i)), g));
            i += V::LANES;
        }
    }
}

/// `a·b` with `LANES` partial sums, so the compiler can vectorise it.
#[inline(always)]
fn dot_impl<const LANES: usize, const FMA: bool>(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let (ac, bc) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f32 = ac.remainder().iter().zip(bc.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ac.zip(bc) {
        for l in 0..LANES {
            acc[l] = madd::<FMA>(x[l], y[l], acc[l]);
        }
    }
    acc.iter().sum::<f32>() + tail
}
