//! MobileNet's building blocks with BatchNorm folded in, each loading itself from the timm
//! tensor names under its module path and running parts of itself on a
//! [`Workspace`](super::net::Workspace)'s buffers through the [`kernels`](super::kernels).

use super::arch::{Act, BlockKind, BlockSpec};
use super::error::{BackboneError, Result};
use super::kernels::blocked::{OutPtr, Part};
use super::kernels::simd::Level;
use super::kernels::{self, Geom, Padding, Planes};
use super::weights::WeightFile;

/// A convolution followed by BatchNorm and an activation, with the BatchNorm folded into the
/// weights at load time (as timm's `fuse_bn`/candle's repvgg do): w' = w·γ/√(σ²+ε),
/// b' = β − μ·γ/√(σ²+ε).
#[derive(Clone, Debug)]
pub struct ConvBn {
    /// timm path of the conv, e.g. `blocks.1.0.conv_dw`.
    pub name: String,
    /// Input channels.
    pub cin: usize,
    /// Output channels.
    pub cout: usize,
    /// One filter per channel (groups = channels) instead of a dense conv.
    pub depthwise: bool,
    /// Spatial layout.
    pub geom: Geom,
    /// Activation after the folded BatchNorm.
    pub act: Act,
    /// Channels per block of the output (see [`kernels::blocked`]).
    pub bw: usize,
    /// The folded weights packed for the layer's kernel (`depthwise::pack_weights`, or
    /// `pointwise::pack_weights` of `[cout, cin·k·k]`).
    pub packed: Vec<f32>,
    /// Folded bias, `[cout]`.
    pub bias: Vec<f32>,
    /// The bias padded with zeros to whole blocks, as the kernels read it.
    bias_blocks: Vec<f32>,
}

/// How to pad a conv of kernel `k` and `stride`, following timm's `create_conv2d`: TF "same"
/// padding is dynamic only when it can be asymmetric (stride > 1); otherwise both styles pad
/// `(k - 1) / 2` on each side (timm `get_padding`: `((stride - 1) + (k - 1)) // 2`).
pub fn padding_for(k: usize, stride: usize, tf_same: bool) -> Padding {
    if tf_same && stride > 1 { Padding::TfSame } else { Padding::Symmetric(((stride - 1) + (k - 1)) / 2) }
}

/// Channels per block for an activation of `c` channels at `level`: a whole vector register,
/// or 8 when the activation has no more (MobileNet V1 0.25's first layers have 8 channels;
/// 16-wide blocks would compute as many zeros as values there).
pub fn block_width(c: usize, level: Level) -> usize {
    if c <= 8 { 8 } else { level.lanes() }
}

/// Everything a layer needs to know to load itself.
pub struct LoadCtx<'a> {
    /// The weights being consumed.
    pub file: &'a mut WeightFile,
    /// BatchNorm epsilon of this family.
    pub eps: f64,
    /// TF "same" padding.
    pub tf_same: bool,
    /// The instruction set the layers will run with (it sets the block width).
    pub level: Level,
}

impl ConvBn {
    /// Loads conv `conv` (no bias) and BatchNorm `bn`, and folds them.
    #[allow(clippy::too_many_arguments)]
    pub fn load(
        ctx: &mut LoadCtx<'_>,
        conv: &str,
        bn: &str,
        cin: usize,
        cout: usize,
        k: usize,
        stride: usize,
        depthwise: bool,
        in_hw: usize,
        act: Act,
    ) -> Result<Self> {
        let per_out = if depthwise { 1 } else { cin };
        let mut weight = ctx.file.take(&format!("{conv}.weight"), &[cout, per_out, k, k])?;
        let (scale, shift) = ctx.file.batch_norm(bn, cout, ctx.eps)?;
        let kk = per_out * k * k;
        for (co, filt) in weight.chunks_exact_mut(kk).enumerate() {
            for v in filt {
                *v = (f64::from(*v) * f64::from(scale[co])) as f32;
            }
        }
        let geom = Geom::new(in_hw, in_hw, k, stride, padding_for(k, stride, ctx.tf_same));
        let bw = block_width(cout, ctx.level);
        let packed = if depthwise {
            kernels::depthwise::pack_weights(&weight, cout, k, bw)
        } else {
            kernels::pointwise::pack_weights(&weight, cout, cin * k * k, bw)
        };
        let bias_blocks = kernels::pointwise::pad_bias(&shift, bw);
        Ok(Self { name: conv.to_owned(), cin, cout, depthwise, geom, act, bw, packed, bias: shift, bias_blocks })
    }

    /// Output side length.
    pub fn out_hw(&self) -> usize {
        self.geom.out_h
    }

    /// The folded weights in PyTorch/ONNX layout `[cout, cin/groups, k, k]`, for exporters
    /// (layers keep only the packed copy, which this unpacks).
    pub fn folded_weight(&self) -> Vec<f32> {
        kernels::pointwise::unpack_weights(&self.packed, self.cout, self.per_out_weights(), self.bw)
    }

    /// Learned values (after folding: weights + one bias per output).
    pub fn params(&self) -> usize {
        self.cout * self.per_out_weights() + self.bias.len()
    }

    /// Weights per output channel: k·k for depthwise, cin·k·k otherwise.
    fn per_out_weights(&self) -> usize {
        let kk = self.geom.k * self.geom.k;
        if self.depthwise { kk } else { self.cin * kk }
    }

    /// Multiply-accumulates for one image.
    pub fn macs(&self) -> usize {
        self.cout * self.per_out_weights() * self.geom.out_len()
    }

    /// Whether this is a 1×1 convolution (run as a matrix multiply).
    pub fn is_pointwise(&self) -> bool {
        !self.depthwise && self.geom.k == 1 && self.geom.stride == 1
    }

    /// The layout of the output, with a halo of `halo` pixels.
    pub fn out_planes(&self, halo: usize) -> Planes {
        Planes { c: self.cout, h: self.geom.out_h, w: self.geom.out_w, bw: self.bw, halo }
    }

    /// Checks the buffers of a run (input `x` in layout `xp`, or CHW for a dense conv) before
    /// it is split into parts.
    ///
    /// # Panics
    /// When a buffer is shorter than its layout (a bug in the forward pass's sizing).
    pub(crate) fn check(&self, level: Level, x: &[f32], xp: &Planes, out_len: usize, op: &Planes, res: Option<&[f32]>) {
        let (w, b) = (&self.packed, &self.bias_blocks);
        if self.depthwise {
            kernels::depthwise::check(level, x, xp, w, b, &self.geom, out_len, op);
        } else if self.is_pointwise() {
            kernels::pointwise::check(level, x, xp, w, b, res, out_len, op);
        } else {
            kernels::conv::check(level, x, self.cin, &self.geom, w, b, out_len, op);
        }
        assert!(res.is_none() || self.is_pointwise(), "{}: only 1×1 convolutions add a residual", self.name);
    }

    /// Computes `part` of the output (see the kernels' `_part` functions); `pool` only for
    /// depthwise layers (squeeze-excite's average pool).
    ///
    /// # Safety
    /// [`ConvBn::check`] passed for these buffers; `part` lies inside `op`, covers whole
    /// planes when `pool` is given, and no other thread touches its region of `out` (or its
    /// blocks of `pool`) meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub(crate) unsafe fn run_part(
        &self,
        level: Level,
        x: &[f32],
        xp: &Planes,
        out: OutPtr,
        op: &Planes,
        part: &Part,
        res: Option<&[f32]>,
        pool: Option<OutPtr>,
    ) {
        let (w, b, g, act) = (&self.packed, &self.bias_blocks, &self.geom, self.act);
        // SAFETY: the caller's contract is each kernel's.
        unsafe {
            if self.depthwise {
                kernels::depthwise::depthwise_part(level, x, xp, w, b, g, act, out, op, part, pool);
            } else if self.is_pointwise() {
                kernels::pointwise::pointwise_part(level, x, xp, w, b, act, res, out, op, part);
            } else {
                kernels::conv::conv_part(level, x, self.cin, g, w, b, act, out, op, part);
            }
        }
    }
}

/// Squeeze-excite as in timm's `_efficientnet_blocks.SqueezeExcite` for MobileNetV3: spatial
/// mean → 1×1 conv (bias) → ReLU → 1×1 conv (bias) → hard-sigmoid → scale each channel.
#[derive(Clone, Debug)]
pub struct SqueezeExcite {
    /// Channels.
    pub chs: usize,
    /// Reduced width.
    pub rd: usize,
    /// `[rd, chs]`.
    pub reduce_w: Vec<f32>,
    /// `[rd]`.
    pub reduce_b: Vec<f32>,
    /// `[chs, rd]`.
    pub expand_w: Vec<f32>,
    /// `[chs]`.
    pub expand_b: Vec<f32>,
}

impl SqueezeExcite {
    /// Loads `{prefix}.conv_reduce` and `{prefix}.conv_expand`.
    pub fn load(file: &mut WeightFile, prefix: &str, chs: usize, rd: usize) -> Result<Self> {
        Ok(Self {
            chs,
            rd,
            reduce_w: file.take(&format!("{prefix}.conv_reduce.weight"), &[rd, chs, 1, 1])?,
            reduce_b: file.take(&format!("{prefix}.conv_reduce.bias"), &[rd])?,
            expand_w: file.take(&format!("{prefix}.conv_expand.weight"), &[chs, rd, 1, 1])?,
            expand_b: file.take(&format!("{prefix}.conv_expand.bias"), &[chs])?,
        })
    }

    /// Channels scaled, and the reduced width in between.
    pub fn widths(&self) -> (usize, usize) {
        (self.chs, self.rd)
    }

    /// `conv_reduce` as `[rd, chs]` weights and `[rd]` bias, for exporters.
    pub fn reduce(&self) -> (&[f32], &[f32]) {
        (&self.reduce_w, &self.reduce_b)
    }

    /// `conv_expand` as `[chs, rd]` weights and `[chs]` bias, for exporters.
    pub fn expand(&self) -> (&[f32], &[f32]) {
        (&self.expand_w, &self.expand_b)
    }

    /// Learned values.
    pub fn params(&self) -> usize {
        self.reduce_w.len() + self.reduce_b.len() + self.expand_w.len() + self.expand_b.len()
    }
}

/// One block of `model.blocks` (see [`BlockKind`]).
#[derive(Clone, Debug)]
pub struct Block {
    /// Decoded description (names, widths, strides).
    pub spec: BlockSpec,
    /// Expand conv (inverted residual only), `conv_pw` + `bn1`.
    pub expand: Option<ConvBn>,
    /// Depthwise conv (absent in `ConvBnAct` blocks).
    pub dw: Option<ConvBn>,
    /// Squeeze-excite after the depthwise conv.
    pub se: Option<SqueezeExcite>,
    /// Final 1×1 (or the single conv of a `ConvBnAct` block).
    pub project: ConvBn,
}

impl Block {
    /// Loads the block described by `spec` for an input of side `in_hw`.
    pub fn load(ctx: &mut LoadCtx<'_>, spec: &BlockSpec, in_hw: usize) -> Result<Self> {
        let p = &spec.name;
        let (i, m, o, k, s) = (spec.in_chs, spec.mid_chs, spec.out_chs, spec.kernel, spec.stride);
        let se = |ctx: &mut LoadCtx<'_>| -> Result<Option<SqueezeExcite>> {
            spec.se_chs.map(|rd| SqueezeExcite::load(ctx.file, &format!("{p}.se"), m, rd)).transpose()
        };
        Ok(match spec.kind {
            BlockKind::DepthwiseSeparable => {
                let dw =
                    ConvBn::load(ctx, &format!("{p}.conv_dw"), &format!("{p}.bn1"), i, i, k, s, true, in_hw, spec.act)?;
                let hw = dw.out_hw();
                let se = se(ctx)?;
                let pw = ConvBn::load(
                    ctx,
                    &format!("{p}.conv_pw"),
                    &format!("{p}.bn2"),
                    i,
                    o,
                    1,
                    1,
                    false,
                    hw,
                    spec.out_act,
                )?;
                Self { spec: spec.clone(), expand: None, dw: Some(dw), se, project: pw }
            }
            BlockKind::InvertedResidual => {
                let ex = ConvBn::load(
                    ctx,
                    &format!("{p}.conv_pw"),
                    &format!("{p}.bn1"),
                    i,
                    m,
                    1,
                    1,
                    false,
                    in_hw,
                    spec.act,
                )?;
                let dw =
                    ConvBn::load(ctx, &format!("{p}.conv_dw"), &format!("{p}.bn2"), m, m, k, s, true, in_hw, spec.act)?;
                let hw = dw.out_hw();
                let se = se(ctx)?;
                let pwl = ConvBn::load(
                    ctx,
                    &format!("{p}.conv_pwl"),
                    &format!("{p}.bn3"),
                    m,
                    o,
                    1,
                    1,
                    false,
                    hw,
                    Act::Identity,
                )?;
                Self { spec: spec.clone(), expand: Some(ex), dw: Some(dw), se, project: pwl }
            }
            BlockKind::ConvBnAct => {
                if (k, s) != (1, 1) {
                    // timm's MobileNets only have 1×1 `cn` blocks; the blocked kernels run a
                    // k×k dense conv only on the CHW image (the stem).
                    return Err(BackboneError::Input(format!("{p}: a {k}×{k} /{s} conv block is not supported")));
                }
                let conv = ConvBn::load(
                    ctx,
                    &format!("{p}.conv"),
                    &format!("{p}.bn1"),
                    i,
                    o,
                    k,
                    s,
                    false,
                    in_hw,
                    spec.out_act,
                )?;
                Self { spec: spec.clone(), expand: None, dw: None, se: None, project: conv }
            }
        })
    }

    /// Output side length.
    pub fn out_hw(&self) -> usize {
        self.project.out_hw()
    }

    /// Learned values in the block.
    pub fn params(&self) -> usize {
        self.expand.as_ref().map_or(0, ConvBn::params)
            + self.dw.as_ref().map_or(0, ConvBn::params)
            + self.se.as_ref().map_or(0, SqueezeExcite::params)
            + self.project.params()
    }

    /// Every conv of the block in execution order.
    pub fn convs(&self) -> impl Iterator<Item = &ConvBn> {
        self.expand.iter().chain(self.dw.iter()).chain(std::iter::once(&self.project))
    }
}
