//! The CPU kernels every MobileNet layer runs on, one image at a time, writing into
//! caller-owned buffers.
//!
//! Why hand-written: candle's CPU `conv2d` runs a grouped convolution as one convolution per
//! group (candle issue #3389), so a depthwise layer becomes hundreds of tiny convolutions, and
//! every candle op allocates its output. A webcam loop wants neither. The fast kernels work on
//! the blocked layout of [`blocked`] (channels in vector-wide blocks, a zero halo around each
//! plane): [`depthwise`], [`pointwise`] (a register-tiled matrix multiply with bias,
//! activation and residual fused) and [`conv`] (the stem), plus squeeze-excite in [`se`].
//! Each has a `_part` form that computes one rectangle of the output, so the forward pass can
//! share a layer between the threads of a [`team::Team`]. The slow references the tests
//! compare them against stay beside them: `dense` (im2col and `gemm`, the crate candle uses,
//! on CHW) and `ops::depthwise_conv2d_slow` (candle's grouped `conv2d`). [`simd`] picks
//! AVX-512 or AVX2 at run time so the portable binary still uses the CPU's vector units.

pub mod blocked;
pub mod conv;
pub mod dense;
pub mod depthwise;
pub mod pointwise;
pub mod se;
pub mod simd;
pub mod team;
pub(crate) mod vector;

pub use blocked::{Part, Planes};
pub use dense::{bias_act, conv_dense, global_avg_pool, hard_sigmoid, linear, linear_at, matmul};

use super::arch::Act;

/// `a·b·…`, panicking on overflow. Why not `*`: release builds wrap silently, and a wrapped
/// size passes a kernel's `len >= size` check, after which its raw pointers read and write
/// past the slice. Every size a safe kernel entry checks, and every length the layouts report,
/// goes through here or [`sum`], so an impossible shape stops with a panic before any pointer
/// is formed.
#[track_caller]
pub(crate) fn size(factors: &[usize]) -> usize {
    factors
        .iter()
        .try_fold(1usize, |acc, &f| acc.checked_mul(f))
        .unwrap_or_else(|| panic!("kernel shape {factors:?}: its size overflows usize"))
}

/// `a + b + …`, panicking on overflow (see [`size`]).
#[track_caller]
pub(crate) fn sum(terms: &[usize]) -> usize {
    terms
        .iter()
        .try_fold(0usize, |acc, &t| acc.checked_add(t))
        .unwrap_or_else(|| panic!("kernel shape {terms:?}: its sum overflows usize"))
}

/// Geometry of one 2-D convolution over a square or rectangular plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geom {
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Output height.
    pub out_h: usize,
    /// Output width.
    pub out_w: usize,
    /// Square kernel side.
    pub k: usize,
    /// Stride in both directions.
    pub stride: usize,
    /// Zero rows added above the input (rows below follow from the output size).
    pub pad_top: usize,
    /// Zero columns added left of the input.
    pub pad_left: usize,
}

/// How a convolution pads its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// PyTorch style: `pad` zeros on every side.
    Symmetric(usize),
    /// TensorFlow "SAME": output = ceil(in / stride), any odd extra padding at bottom/right.
    TfSame,
}

impl Geom {
    /// The geometry of a `k`×`k` convolution with `stride` and `padding` over `in_h`×`in_w`.
    pub fn new(in_h: usize, in_w: usize, k: usize, stride: usize, padding: Padding) -> Self {
        let axis = |n: usize| -> (usize, usize) {
            match padding {
                Padding::Symmetric(p) => ((n + 2 * p).saturating_sub(k) / stride + 1, p),
                Padding::TfSame => {
                    let out = n.div_ceil(stride);
                    let total = ((out - 1) * stride + k).saturating_sub(n);
                    (out, total / 2)
                }
            }
        };
        let (out_h, pad_top) = axis(in_h);
        let (out_w, pad_left) = axis(in_w);
        Self { in_h, in_w, out_h, out_w, k, stride, pad_top, pad_left }
    }

    /// Zero rows below the input (TF "same" may add one more than above).
    ///
    /// # Panics
    /// When the geometry's sizes overflow `usize` (no real layer comes near).
    pub fn pad_bottom(&self) -> usize {
        let reach = sum(&[size(&[self.out_h.saturating_sub(1), self.stride]), self.k]);
        reach.saturating_sub(sum(&[self.in_h, self.pad_top]))
    }

    /// Zero columns right of the input.
    ///
    /// # Panics
    /// As [`Geom::pad_bottom`].
    pub fn pad_right(&self) -> usize {
        let reach = sum(&[size(&[self.out_w.saturating_sub(1), self.stride]), self.k]);
        reach.saturating_sub(sum(&[self.in_w, self.pad_left]))
    }

    /// Input positions per channel.
    pub fn in_len(&self) -> usize {
        size(&[self.in_h, self.in_w])
    }

    /// Output positions per channel.
    pub fn out_len(&self) -> usize {
        size(&[self.out_h, self.out_w])
    }

    /// The output columns `ox` whose tap `kx` lands inside the input row.
    #[inline]
    pub(crate) fn valid_cols(&self, kx: usize) -> (usize, usize) {
        valid_range(self.out_w, self.in_w, self.stride, kx, self.pad_left)
    }
}

/// Output indices o in `[lo, hi)` with `0 <= o*stride + tap - pad < in_len`.
#[inline]
fn valid_range(out_len: usize, in_len: usize, stride: usize, tap: usize, pad: usize) -> (usize, usize) {
    let lo = if pad > tap { (pad - tap).div_ceil(stride) } else { 0 };
    // o*stride + tap - pad <= in_len - 1  <=>  o <= (in_len - 1 + pad - tap) / stride
    let hi = if in_len + pad > tap { ((in_len - 1 + pad - tap) / stride + 1).min(out_len) } else { 0 };
    (lo, hi.max(lo))
}

/// Applies `act` to a register-sized array (the match is outside the lane loop so each arm
/// vectorises).
#[inline(always)]
pub(crate) fn act_lanes<const LANES: usize>(act: Act, v: &mut [f32; LANES]) {
    match act {
        Act::Identity => {}
        Act::Relu => {
            for x in v.iter_mut() {
                *x = x.max(0.0);
            }
        }
        Act::Relu6 => {
            for x in v.iter_mut() {
                *x = x.clamp(0.0, 6.0);
            }
        }
        Act::HardSwish => {
            for x in v.iter_mut() {
                *x *= (*x + 3.0).clamp(0.0, 6.0) * (1.0 / 6.0);
            }
        }
    }
}
