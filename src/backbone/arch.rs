//! MobileNet V1, V2 and V3 architectures as timm builds them, decoded from the architecture
//! name alone (the weights are then checked against what this implies, never the other way).
//!
//! Ported from timm 1.0.x (huggingface/pytorch-image-models): `_gen_mobilenet_v1` and
//! `_gen_mobilenet_v2` in `timm/models/efficientnet.py`, `_gen_mobilenet_v3` in
//! `timm/models/mobilenetv3.py`, `round_channels` / `_decode_block_str` in
//! `timm/models/_efficientnet_builder.py`, `make_divisible` in `timm/layers/helpers.py`.

use super::error::{BackboneError, Result};

/// The MobileNet generation and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// MobileNet V1: depthwise-separable blocks, ReLU6, no residuals.
    V1,
    /// MobileNet V2: inverted residuals, ReLU6, a 1×1 head conv inside the features.
    V2,
    /// MobileNet V3 small: inverted residuals with squeeze-excite, hard-swish, efficient head.
    V3Small,
    /// MobileNet V3 large.
    V3Large,
}

/// An activation function, exactly as timm (PyTorch) defines it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// No activation.
    Identity,
    /// max(x, 0).
    Relu,
    /// min(max(x, 0), 6).
    Relu6,
    /// x · relu6(x + 3) / 6.
    HardSwish,
}

impl Act {
    /// Applies the activation to one value.
    #[inline(always)]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Act::Identity => x,
            Act::Relu => x.max(0.0),
            Act::Relu6 => x.clamp(0.0, 6.0),
            Act::HardSwish => x * (x + 3.0).clamp(0.0, 6.0) * (1.0 / 6.0),
        }
    }

    /// Short name for layer tables.
    pub fn name(self) -> &'static str {
        match self {
            Act::Identity => "none",
            Act::Relu => "ReLU",
            Act::Relu6 => "ReLU6",
            Act::HardSwish => "hard-swish",
        }
    }
}

/// The three block types MobileNets use (timm's `ds`/`dsa`, `ir` and `cn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// Depthwise conv + BN + act, optional SE, 1×1 conv + BN (+ act when `dsa`).
    DepthwiseSeparable,
    /// 1×1 expand + BN + act, depthwise + BN + act, optional SE, 1×1 project + BN.
    InvertedResidual,
    /// One conv + BN + act (V3's last 1×1 block).
    ConvBnAct,
}

/// One block of `model.blocks`, with every width already rounded.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockSpec {
    /// timm module path, e.g. `blocks.4.1`.
    pub name: String,
    /// Block type.
    pub kind: BlockKind,
    /// Input channels.
    pub in_chs: usize,
    /// Expanded channels (equal to `in_chs` when there is no expansion).
    pub mid_chs: usize,
    /// Output channels.
    pub out_chs: usize,
    /// Spatial kernel of the depthwise conv (or of the single conv of `ConvBnAct`).
    pub kernel: usize,
    /// Stride of the depthwise conv.
    pub stride: usize,
    /// Activation after the expand and depthwise convs.
    pub act: Act,
    /// Activation after the last 1×1 conv (`dsa` and `cn` blocks have one).
    pub out_act: Act,
    /// Squeeze-excite reduced width, if the block has SE.
    pub se_chs: Option<usize>,
    /// Whether the input is added to the output.
    pub skip: bool,
}

/// What follows the blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadSpec {
    /// V1: global pool straight into the classifier.
    None,
    /// V2: `conv_head` (1×1, no bias) + `bn2` + act, part of the features, then pool.
    ConvBnAct {
        /// Output channels of `conv_head`.
        out: usize,
    },
    /// V3: pool, then `conv_head` (1×1 with bias, no BN) + act, then the classifier.
    Efficient {
        /// Output channels of `conv_head`.
        out: usize,
    },
}

/// A fully decoded architecture.
#[derive(Clone, Debug, PartialEq)]
pub struct ArchSpec {
    /// The timm name it was decoded from.
    pub name: String,
    /// Generation and size.
    pub family: Family,
    /// Channel (width) multiplier.
    pub multiplier: f64,
    /// TF "same" padding (asymmetric at stride 2) instead of PyTorch's symmetric padding.
    pub tf_same_padding: bool,
    /// BatchNorm epsilon: 1e-3 for TF-ported weights, 1e-5 otherwise.
    pub bn_eps: f64,
    /// Output channels of the 3×3 stride-2 stem.
    pub stem_chs: usize,
    /// The model's default activation (stem, and blocks without an override).
    pub act: Act,
    /// Every block in order.
    pub blocks: Vec<BlockSpec>,
    /// The head.
    pub head: HeadSpec,
}

/// Human list of the names [`ArchSpec::from_name`] accepts.
pub const KNOWN: &str = "[tf_]mobilenetv1_WWW, [tf_]mobilenetv2_WWW, [tf_]mobilenetv3_small_WWW, \
[tf_]mobilenetv3_large_WWW with WWW a width in hundredths such as 025, 050, 075, 100, 140";

/// timm's `make_divisible(v, divisor=8, min_value=None, round_limit=0.9)`.
pub fn make_divisible(v: f64, divisor: usize) -> usize {
    let d = divisor as f64;
    let mut new_v = ((v + d / 2.0) / d).floor() * d;
    new_v = new_v.max(d);
    if new_v < 0.9 * v {
        new_v += d;
    }
    new_v as usize
}

/// timm's `round_channels(channels, multiplier)`.
fn round_chs(chs: usize, multiplier: f64) -> usize {
    make_divisible(chs as f64 * multiplier, 8)
}

/// One line of a timm arch_def, e.g. `ir_r3_k5_s2_e3_c40_se0.25_nre` written as fields.
struct Def {
    kind: BlockKind,
    repeat: usize,
    kernel: usize,
    stride: usize,
    exp: f64,
    out: usize,
    se: bool,
    /// `_nre`: ReLU instead of the model default.
    relu: bool,
    /// `dsa`: activation after the pointwise conv and never a skip.
    pw_act: bool,
}

const fn ds(kernel: usize, stride: usize, out: usize, se: bool, relu: bool) -> Def {
    Def { kind: BlockKind::DepthwiseSeparable, repeat: 1, kernel, stride, exp: 1.0, out, se, relu, pw_act: false }
}
const fn dsa(repeat: usize, stride: usize, out: usize) -> Def {
    Def {
        kind: BlockKind::DepthwiseSeparable,
        repeat,
        kernel: 3,
        stride,
        exp: 1.0,
        out,
        se: false,
        relu: false,
        pw_act: true,
    }
}
#[allow(clippy::too_many_arguments)]
const fn ir(repeat: usize, kernel: usize, stride: usize, exp: f64, out: usize, se: bool, relu: bool) -> Def {
    Def { kind: BlockKind::InvertedResidual, repeat, kernel, stride, exp, out, se, relu, pw_act: false }
}
const fn cn(out: usize) -> Def {
    Def {
        kind: BlockKind::ConvBnAct,
        repeat: 1,
        kernel: 1,
        stride: 1,
        exp: 1.0,
        out,
        se: false,
        relu: false,
        pw_act: false,
    }
}

/// `_gen_mobilenet_v1`: `dsa_r1_k3_s1_c64`, `dsa_r2_k3_s2_c128`, `dsa_r2_k3_s2_c256`,
/// `dsa_r6_k3_s2_c512`, `dsa_r2_k3_s2_c1024`.
fn v1_stages() -> Vec<Vec<Def>> {
    vec![vec![dsa(1, 1, 64)], vec![dsa(2, 2, 128)], vec![dsa(2, 2, 256)], vec![dsa(6, 2, 512)], vec![dsa(2, 2, 1024)]]
}

/// `_gen_mobilenet_v2`.
fn v2_stages() -> Vec<Vec<Def>> {
    vec![
        vec![ds(3, 1, 16, false, false)],
        vec![ir(2, 3, 2, 6.0, 24, false, false)],
        vec![ir(3, 3, 2, 6.0, 32, false, false)],
        vec![ir(4, 3, 2, 6.0, 64, false, false)],
        vec![ir(3, 3, 1, 6.0, 96, false, false)],
        vec![ir(3, 3, 2, 6.0, 160, false, false)],
        vec![ir(1, 3, 1, 6.0, 320, false, false)],
    ]
}

/// `_gen_mobilenet_v3`, small (not minimal).
fn v3_small_stages() -> Vec<Vec<Def>> {
    vec![
        vec![ds(3, 2, 16, true, true)],
        vec![ir(1, 3, 2, 4.5, 24, false, true), ir(1, 3, 1, 3.67, 24, false, true)],
        vec![ir(1, 5, 2, 4.0, 40, true, false), ir(2, 5, 1, 6.0, 40, true, false)],
        vec![ir(2, 5, 1, 3.0, 48, true, false)],
        vec![ir(3, 5, 2, 6.0, 96, true, false)],
        vec![cn(576)],
    ]
}

/// `_gen_mobilenet_v3`, large (not minimal).
fn v3_large_stages() -> Vec<Vec<Def>> {
    vec![
        vec![ds(3, 1, 16, false, true)],
        vec![ir(1, 3, 2, 4.0, 24, false, true), ir(1, 3, 1, 3.0, 24, false, true)],
        vec![ir(3, 5, 2, 3.0, 40, true, true)],
        vec![
            ir(1, 3, 2, 6.0, 80, false, false),
            ir(1, 3, 1, 2.5, 80, false, false),
            ir(2, 3, 1, 2.3, 80, false, false),
        ],
        vec![ir(2, 3, 1, 6.0, 112, true, false)],
        vec![ir(3, 5, 2, 6.0, 160, true, false)],
        vec![cn(960)],
    ]
}

impl ArchSpec {
    /// Decodes a timm architecture name such as `tf_mobilenetv1_025` or `mobilenetv3_large_100`.
    pub fn from_name(name: &str) -> Result<Self> {
        let unknown = || BackboneError::UnknownArchitecture { name: name.to_owned(), known: KNOWN };
        let (tf, rest) = match name.strip_prefix("tf_") {
            Some(rest) => (true, rest),
            None => (false, name),
        };
        let (family, width) = if let Some(w) = rest.strip_prefix("mobilenetv1_") {
            (Family::V1, w)
        } else if let Some(w) = rest.strip_prefix("mobilenetv2_") {
            (Family::V2, w)
        } else if let Some(w) = rest.strip_prefix("mobilenetv3_small_") {
            (Family::V3Small, w)
        } else if let Some(w) = rest.strip_prefix("mobilenetv3_large_") {
            (Family::V3Large, w)
        } else {
            return Err(unknown());
        };
        if width.len() != 3 || !width.bytes().all(|b| b.is_ascii_digit()) {
            return Err(unknown());
        }
        let hundredths: u32 = width.parse().map_err(|_| unknown())?;
        if hundredths == 0 || hundredths > 400 {
            return Err(unknown());
        }
        let multiplier = f64::from(hundredths) / 100.0;
        Ok(Self::build(name, family, multiplier, tf))
    }

    fn build(name: &str, family: Family, m: f64, tf: bool) -> Self {
        let (stages, act, stem_chs, head) = match family {
            Family::V1 => (v1_stages(), Act::Relu6, round_chs(32, m), None),
            Family::V2 => (v2_stages(), Act::Relu6, round_chs(32, m), Some(1280.max(round_chs(1280, m)))),
            // `fix_stem = channel_multiplier < 0.75`; the efficient head width is not scaled.
            Family::V3Small => {
                (v3_small_stages(), Act::HardSwish, if m < 0.75 { 16 } else { round_chs(16, m) }, Some(1024))
            }
            Family::V3Large => {
                (v3_large_stages(), Act::HardSwish, if m < 0.75 { 16 } else { round_chs(16, m) }, Some(1280))
            }
        };
        let mut blocks = Vec::new();
        let mut in_chs = stem_chs;
        for (si, stage) in stages.iter().enumerate() {
            let mut bi = 0;
            for def in stage {
                for r in 0..def.repeat {
                    let out_chs = round_chs(def.out, m);
                    let stride = if r == 0 { def.stride } else { 1 };
                    let block_act = if def.relu { Act::Relu } else { act };
                    let mid_chs = match def.kind {
                        BlockKind::InvertedResidual => make_divisible(in_chs as f64 * def.exp, 8),
                        _ => in_chs,
                    };
                    // SE widths come from the expanded channels (`se_from_exp`), rounded by
                    // `round_channels` (V3 passes `rd_round_fn=round_channels`).
                    let se_chs = def.se.then(|| make_divisible(mid_chs as f64 * 0.25, 8));
                    let (skip, out_act) = match def.kind {
                        BlockKind::DepthwiseSeparable if def.pw_act => (false, block_act),
                        BlockKind::DepthwiseSeparable | BlockKind::InvertedResidual => {
                            (stride == 1 && in_chs == out_chs, Act::Identity)
                        }
                        BlockKind::ConvBnAct => (false, block_act),
                    };
                    blocks.push(BlockSpec {
                        name: format!("blocks.{si}.{bi}"),
                        kind: def.kind,
                        in_chs,
                        mid_chs,
                        out_chs,
                        kernel: def.kernel,
                        stride,
                        act: block_act,
                        out_act,
                        se_chs,
                        skip,
                    });
                    in_chs = out_chs;
                    bi += 1;
                }
            }
        }
        let head = match (family, head) {
            (Family::V2, Some(out)) => HeadSpec::ConvBnAct { out },
            (Family::V3Small | Family::V3Large, Some(out)) => HeadSpec::Efficient { out },
            _ => HeadSpec::None,
        };
        Self {
            name: name.to_owned(),
            family,
            multiplier: m,
            tf_same_padding: tf,
            bn_eps: if tf { 1e-3 } else { 1e-5 },
            stem_chs,
            act,
            blocks,
            head,
        }
    }

    /// Channels of the last feature map (what global pooling averages).
    pub fn feature_chs(&self) -> usize {
        match self.head {
            HeadSpec::ConvBnAct { out } => out,
            _ => self.blocks.last().map_or(self.stem_chs, |b| b.out_chs),
        }
    }

    /// Width of the vector the classifier sees.
    pub fn pre_logits_chs(&self) -> usize {
        match self.head {
            HeadSpec::Efficient { out } => out,
            _ => self.feature_chs(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_divisible_matches_timm() {
        assert_eq!(make_divisible(4.0, 8), 8);
        assert_eq!(make_divisible(88.08, 8), 88);
        assert_eq!(make_divisible(36.0, 8), 40);
        assert_eq!(make_divisible(60.0, 8), 64);
        assert_eq!(make_divisible(16.0 * 0.25, 8), 8);
    }

    #[test]
    fn v1_025_widths() -> Result<()> {
        let a = ArchSpec::from_name("tf_mobilenetv1_025")?;
        assert_eq!(a.stem_chs, 8);
        let outs: Vec<usize> = a.blocks.iter().map(|b| b.out_chs).collect();
        assert_eq!(outs, [16, 32, 32, 64, 64, 128, 128, 128, 128, 128, 128, 256, 256]);
        assert_eq!(a.blocks[12].name, "blocks.4.1");
        assert!(a.blocks.iter().all(|b| !b.skip));
        assert_eq!(a.bn_eps, 1e-3);
        Ok(())
    }

    #[test]
    fn rejects_unknown_names() {
        for bad in ["resnet50", "mobilenetv3_large", "mobilenetv2_1a0", "mobilenetv3_medium_100", ""] {
            assert!(ArchSpec::from_name(bad).is_err(), "{bad} accepted");
        }
    }
}
