//! The CPU kernels every MobileNet layer runs on: plain `f32` slices in CHW layout, one image
//! at a time, writing into caller-owned buffers.
//!
//! Why hand-written: candle's CPU `conv2d` runs a grouped convolution as one convolution per
//! group (candle issue #3389), so a depthwise layer becomes hundreds of tiny convolutions, and
//! every candle op allocates its output. A webcam loop wants neither: these kernels compute a
//! depthwise layer directly, a pointwise layer as one matrix multiply (the `gemm` crate, the
//! same one candle uses) with bias, activation and residual fused into one pass, and reuse the
//! buffers of a [`Workspace`](super::net::Workspace). `ops.rs` wraps the depthwise kernel as a
//! candle `CustomOp` and tests it against candle's own `conv2d`.

use super::arch::Act;

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
    pub fn pad_bottom(&self) -> usize {
        ((self.out_h - 1) * self.stride + self.k).saturating_sub(self.in_h + self.pad_top)
    }

    /// Zero columns right of the input.
    pub fn pad_right(&self) -> usize {
        ((self.out_w - 1) * self.stride + self.k).saturating_sub(self.in_w + self.pad_left)
    }

    /// Input positions per channel.
    pub fn in_len(&self) -> usize {
        self.in_h * self.in_w
    }

    /// Output positions per channel.
    pub fn out_len(&self) -> usize {
        self.out_h * self.out_w
    }

    /// The output columns `ox` whose tap `kx` lands inside the input row.
    #[inline]
    fn valid_cols(&self, kx: usize) -> (usize, usize) {
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

/// Depthwise convolution of `chs` planes: `out[c] = act(conv(x[c], w[c]) + bias[c])`.
///
/// `w` is `[chs, k, k]` (candle/PyTorch `[chs, 1, k, k]`), `x` is `[chs, in_h, in_w]` and
/// `out` is `[chs, out_h, out_w]`.
pub fn depthwise(x: &[f32], w: &[f32], bias: &[f32], g: &Geom, act: Act, out: &mut [f32]) {
    let kk = g.k * g.k;
    let planes = x.chunks_exact(g.in_len()).zip(out.chunks_exact_mut(g.out_len()));
    for (c, (xc, oc)) in planes.enumerate() {
        depthwise_plane(xc, &w[c * kk..(c + 1) * kk], bias[c], g, act, oc);
    }
}

/// One channel of [`depthwise`]. Works row by row: each output row starts at the bias and
/// receives `k`×`k` scaled, shifted input rows (stride 1 makes the inner loop a contiguous
/// axpy the compiler vectorises), then the activation.
pub fn depthwise_plane(x: &[f32], w: &[f32], bias: f32, g: &Geom, act: Act, out: &mut [f32]) {
    let (s, k) = (g.stride, g.k);
    for (oy, orow) in out.chunks_exact_mut(g.out_w).enumerate() {
        orow.fill(bias);
        for ky in 0..k {
            let iy = (oy * s + ky) as isize - g.pad_top as isize;
            if iy < 0 || iy >= g.in_h as isize {
                continue;
            }
            let irow = &x[iy as usize * g.in_w..(iy as usize + 1) * g.in_w];
            for kx in 0..k {
                let wv = w[ky * k + kx];
                let (lo, hi) = g.valid_cols(kx);
                if lo >= hi {
                    continue;
                }
                let start = lo * s + kx - g.pad_left;
                if s == 1 {
                    let src = &irow[start..start + (hi - lo)];
                    for (o, v) in orow[lo..hi].iter_mut().zip(src) {
                        *o += wv * v;
                    }
                } else {
                    for (j, o) in orow[lo..hi].iter_mut().enumerate() {
                        *o += wv * irow[start + j * s];
                    }
                }
            }
        }
        if act != Act::Identity {
            for o in orow.iter_mut() {
                *o = act.apply(*o);
            }
        }
    }
}

/// `out[m×n] = a[m×k] · b[k×n]`, row-major, overwriting `out`.
pub fn matmul(a: &[f32], b: &[f32], out: &mut [f32], m: usize, k: usize, n: usize, threads: usize) {
    assert!(a.len() >= m * k && b.len() >= k * n && out.len() >= m * n, "matmul: slices too short");
    let parallelism = if threads > 1 && m * n * k >= PARALLEL_MACS {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the assert above guarantees every pointer covers the m×k, k×n and m×n row-major
    // matrices gemm reads and writes with these strides; `out` does not alias `a` or `b`
    // (they are distinct borrows).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// Below this many multiply-accumulates a matrix multiply stays on one thread: waking a second
/// costs more than it saves.
const PARALLEL_MACS: usize = 1 << 20;

/// Pointwise (1×1) convolution: `out[co] = act(Σ w[co,ci]·x[ci] + bias[co]) (+ residual[co])`.
///
/// `x` is `[cin, hw]`, `w` is `[cout, cin]`, `out` is `[cout, hw]`.
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
    let cout = bias.len();
    matmul(w, x, out, cout, cin, hw, threads);
    bias_act(out, bias, hw, act, residual);
}

/// Adds `bias[c]` to every value of row `c`, applies `act`, then adds `residual`.
pub fn bias_act(out: &mut [f32], bias: &[f32], hw: usize, act: Act, residual: Option<&[f32]>) {
    for (c, row) in out.chunks_exact_mut(hw).enumerate().take(bias.len()) {
        let b = bias[c];
        match residual {
            Some(r) => {
                for (o, rv) in row.iter_mut().zip(&r[c * hw..(c + 1) * hw]) {
                    *o = act.apply(*o + b) + rv;
                }
            }
            None => {
                for o in row.iter_mut() {
                    *o = act.apply(*o + b);
                }
            }
        }
    }
}

/// Full (dense) convolution through im2col + one matrix multiply; used for the 3-channel stem.
///
/// `w` is `[cout, cin, k, k]`; `cols` is scratch of at least `cin·k·k·out_len` values.
#[allow(clippy::too_many_arguments)]
pub fn conv_dense(
    x: &[f32],
    cin: usize,
    w: &[f32],
    bias: &[f32],
    g: &Geom,
    act: Act,
    cols: &mut [f32],
    out: &mut [f32],
    threads: usize,
) {
    let (k, s, n) = (g.k, g.stride, g.out_len());
    for ci in 0..cin {
        let plane = &x[ci * g.in_len()..(ci + 1) * g.in_len()];
        for ky in 0..k {
            for kx in 0..k {
                let row = &mut cols[((ci * k + ky) * k + kx) * n..][..n];
                row.fill(0.0);
                let (lo, hi) = g.valid_cols(kx);
                for oy in 0..g.out_h {
                    let iy = (oy * s + ky) as isize - g.pad_top as isize;
                    if iy < 0 || iy >= g.in_h as isize || lo >= hi {
                        continue;
                    }
                    let irow = &plane[iy as usize * g.in_w..][..g.in_w];
                    let orow = &mut row[oy * g.out_w..][..g.out_w];
                    let start = lo * s + kx - g.pad_left;
                    for (j, o) in orow[lo..hi].iter_mut().enumerate() {
                        *o = irow[start + j * s];
                    }
                }
            }
        }
    }
    let cout = bias.len();
    matmul(w, cols, out, cout, cin * k * k, n, threads);
    bias_act(out, bias, n, act, None);
}

/// Mean of each of the `chs` planes of length `hw`.
pub fn global_avg_pool(x: &[f32], hw: usize, out: &mut [f32]) {
    for (o, plane) in out.iter_mut().zip(x.chunks_exact(hw)) {
        *o = plane.iter().sum::<f32>() / hw as f32;
    }
}

/// A dense layer on one vector: `out = act(w·x + b)`, `w` is `[out, in]`.
pub fn linear(x: &[f32], w: &[f32], b: &[f32], act: Act, out: &mut [f32]) {
    for ((o, row), bv) in out.iter_mut().zip(w.chunks_exact(x.len())).zip(b) {
        let dot: f32 = row.iter().zip(x).map(|(a, b)| a * b).sum();
        *o = act.apply(dot + bv);
    }
}

/// timm's `hard_sigmoid`: relu6(x + 3) / 6.
#[inline(always)]
pub fn hard_sigmoid(x: f32) -> f32 {
    (x + 3.0).clamp(0.0, 6.0) * (1.0 / 6.0)
}
