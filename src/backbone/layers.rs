//! MobileNet's building blocks with BatchNorm folded in, each loading itself from the timm
//! tensor names under its module path and running on a [`Workspace`](super::net::Workspace)'s
//! buffers through the [`kernels`](super::kernels).

use super::arch::{Act, BlockKind, BlockSpec};
use super::error::Result;
use super::kernels::{self, Geom, Padding};
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
    /// Folded weights, `[cout, cin/groups, k, k]` (empty for 1×1 convs, which keep only
    /// `packed`: no need to hold MobileNet's largest tensors twice).
    pub weight: Vec<f32>,
    /// Dense convs: the folded weights in the register-tile order of
    /// [`kernels::pointwise::pack_weights`].
    pub packed: Vec<f32>,
    /// Folded bias, `[cout]`.
    pub bias: Vec<f32>,
}

/// How to pad a conv of kernel `k` and `stride`, following timm's `create_conv2d`: TF "same"
/// padding is dynamic only when it can be asymmetric (stride > 1); otherwise both styles pad
/// `(k - 1) / 2` on each side (timm `get_padding`: `((stride - 1) + (k - 1)) // 2`).
pub fn padding_for(k: usize, stride: usize, tf_same: bool) -> Padding {
    if tf_same && stride > 1 { Padding::TfSame } else { Padding::Symmetric(((stride - 1) + (k - 1)) / 2) }
}

/// Everything a layer needs to know to load itself.
pub struct LoadCtx<'a> {
    /// The weights being consumed.
    pub file: &'a mut WeightFile,
    /// BatchNorm epsilon of this family.
    pub eps: f64,
    /// TF "same" padding.
    pub tf_same: bool,
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
        let packed = if depthwise { Vec::new() } else { kernels::pointwise::pack_weights(&weight, cout, cin * k * k) };
        if !depthwise && k == 1 {
            weight = Vec::new();
        }
        Ok(Self { name: conv.to_owned(), cin, cout, depthwise, geom, act, weight, packed, bias: shift })
    }

    /// Output side length.
    pub fn out_hw(&self) -> usize {
        self.geom.out_h
    }

    /// The folded weights in PyTorch/ONNX layout `[cout, cin/groups, k, k]`, for exporters
    /// (1×1 convs hold only the packed copy, which this unpacks).
    pub fn folded_weight(&self) -> std::borrow::Cow<'_, [f32]> {
        if self.weight.is_empty() && !self.packed.is_empty() {
            std::borrow::Cow::Owned(kernels::pointwise::unpack_weights(&self.packed, self.cout, self.cin))
        } else {
            std::borrow::Cow::Borrowed(&self.weight)
        }
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

    /// Runs the layer on one image; `cols` is scratch for the dense path, `residual` is added
    /// after the activation.
    pub fn run(&self, x: &[f32], out: &mut [f32], cols: &mut [f32], residual: Option<&[f32]>, threads: usize) {
        let n_out = self.cout * self.geom.out_len();
        let out = &mut out[..n_out];
        if self.depthwise {
            kernels::depthwise(x, &self.weight, &self.bias, &self.geom, self.act, out, threads);
            if let Some(r) = residual {
                for (o, rv) in out.iter_mut().zip(r) {
                    *o += rv;
                }
            }
        } else if self.geom.k == 1 && self.geom.stride == 1 {
            kernels::pointwise(
                x,
                &self.packed,
                &self.bias,
                self.cin,
                self.geom.in_len(),
                self.act,
                residual,
                out,
                threads,
            );
        } else if kernels::conv::direct_available(kernels::simd::level()) {
            kernels::conv::conv_direct(
                kernels::simd::level(),
                x,
                self.cin,
                &self.packed,
                &self.bias,
                &self.geom,
                self.act,
                out,
                threads,
            );
        } else {
            kernels::conv_dense(x, self.cin, &self.weight, &self.bias, &self.geom, self.act, cols, out, threads);
        }
    }

    /// Scratch needed by [`ConvBn::run`] for im2col.
    pub fn cols_len(&self) -> usize {
        if self.depthwise || self.geom.k == 1 && self.geom.stride == 1 {
            0
        } else {
            self.cin * self.geom.k * self.geom.k * self.geom.out_len()
        }
    }
}

/// Squeeze-excite as in timm's `_efficientnet_blocks.SqueezeExcite` for MobileNetV3: spatial
/// mean → 1×1 conv (bias) → ReLU → 1×1 conv (bias) → hard-sigmoid → scale each channel.
#[derive(Clone, Debug)]
pub struct SqueezeExcite {
    chs: usize,
    rd: usize,
    reduce_w: Vec<f32>,
    reduce_b: Vec<f32>,
    expand_w: Vec<f32>,
    expand_b: Vec<f32>,
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

    /// Rescales the `chs` planes of `x` in place; `scratch` needs `chs + rd` values.
    pub fn run(&self, x: &mut [f32], hw: usize, scratch: &mut [f32]) {
        let (pooled, rest) = scratch.split_at_mut(self.chs);
        let reduced = &mut rest[..self.rd];
        kernels::global_avg_pool(&x[..self.chs * hw], hw, pooled);
        kernels::linear(pooled, &self.reduce_w, &self.reduce_b, Act::Relu, reduced);
        kernels::linear(reduced, &self.expand_w, &self.expand_b, Act::Identity, pooled);
        kernels::scale_planes(&mut x[..self.chs * hw], hw, pooled);
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
