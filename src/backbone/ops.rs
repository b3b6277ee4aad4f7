//! The depthwise convolution as a candle op, beside the slow reference it must agree with.
//!
//! Why: candle's CPU `conv2d` runs `groups = channels` as one convolution per channel (candle
//! issue #3389), many times slower than a direct kernel. [`depthwise_conv2d`] is a
//! no-backward `CustomOp3` over [`kernels::depthwise`]; [`depthwise_conv2d_slow`] is plain
//! candle (`pad_with_zeros` + grouped `conv2d`) and stays as the reference the tests compare
//! against on every kernel size, stride and padding the backbones use.

use candle_core::{CpuStorage, CustomOp3, Layout, Shape, Tensor};

use super::arch::Act;
use super::kernels::{self, Geom, Padding};

struct DepthwiseOp {
    stride: usize,
    padding: Padding,
    act: Act,
}

impl CustomOp3 for DepthwiseOp {
    fn name(&self) -> &'static str {
        "pacnet-depthwise-conv2d"
    }

    fn cpu_fwd(
        &self,
        xs: &CpuStorage,
        xl: &Layout,
        ws: &CpuStorage,
        wl: &Layout,
        bs: &CpuStorage,
        bl: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let slice = |s: &'_ CpuStorage, l: &Layout, what: &str| -> candle_core::Result<Vec<f32>> {
            let CpuStorage::F32(v) = s else { candle_core::bail!("{}: {what} must be f32", self.name()) };
            match l.contiguous_offsets() {
                Some((a, b)) => Ok(v[a..b].to_vec()),
                None => candle_core::bail!("{}: {what} must be contiguous", self.name()),
            }
        };
        let (x, w, b) = (slice(xs, xl, "input")?, slice(ws, wl, "weight")?, slice(bs, bl, "bias")?);
        let &[n, c, h, wd] = xl.dims() else { candle_core::bail!("{}: input must be NCHW", self.name()) };
        let &[_, _, k, _] = wl.dims() else { candle_core::bail!("{}: weight must be [C, 1, k, k]", self.name()) };
        let g = Geom::new(h, wd, k, self.stride, self.padding);
        let (in_len, out_len) = (c * g.in_len(), c * g.out_len());
        let mut out = vec![0.0f32; n * out_len];
        let level = kernels::simd::level();
        for (xi, oi) in x.chunks_exact(in_len).zip(out.chunks_exact_mut(out_len)) {
            kernels::depthwise::depthwise_chw(level, xi, &w, &b, &g, self.act, oi);
        }
        Ok((CpuStorage::F32(out), Shape::from((n, c, g.out_h, g.out_w))))
    }
}

/// Depthwise convolution of `x` `[N, C, H, W]` with `w` `[C, 1, k, k]` and bias `b` `[C]`,
/// followed by `act`, through the hand-written kernel.
pub fn depthwise_conv2d(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    stride: usize,
    padding: Padding,
    act: Act,
) -> candle_core::Result<Tensor> {
    check_shapes(x, w, b)?;
    x.contiguous()?.apply_op3_no_bwd(&w.contiguous()?, &b.contiguous()?, &DepthwiseOp { stride, padding, act })
}

/// The same result with candle's own grouped `conv2d` (slow; the reference).
pub fn depthwise_conv2d_slow(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    stride: usize,
    padding: Padding,
    act: Act,
) -> candle_core::Result<Tensor> {
    check_shapes(x, w, b)?;
    let (_, c, h, wd) = x.dims4()?;
    let k = w.dim(2)?;
    let g = Geom::new(h, wd, k, stride, padding);
    let padded = x.pad_with_zeros(2, g.pad_top, g.pad_bottom())?.pad_with_zeros(3, g.pad_left, g.pad_right())?;
    let y = padded.conv2d(w, 0, stride, 1, c)?.broadcast_add(&b.reshape((1, c, 1, 1))?)?;
    match act {
        Act::Identity => Ok(y),
        Act::Relu => y.relu(),
        Act::Relu6 => y.clamp(0f32, 6f32),
        Act::HardSwish => y.mul(&((y.clone() + 3.0)?.clamp(0f32, 6f32)? / 6.0)?),
    }
}

fn check_shapes(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<()> {
    let (_, c, _, _) = x.dims4()?;
    let (wc, one, kh, kw) = w.dims4()?;
    if wc != c || one != 1 || kh != kw || b.dims() != [c] {
        candle_core::bail!(
            "depthwise_conv2d: input {:?} needs weight [{c}, 1, k, k] and bias [{c}], got weight {:?} and bias {:?}",
            x.dims(),
            w.dims(),
            b.dims()
        );
    }
    Ok(())
}
