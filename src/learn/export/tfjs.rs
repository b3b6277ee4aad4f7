//! TF.js export: the head alone as a TF.js layers model, in the exact topology the TF.js
//! webcam-transfer-learning demo builds (tfjs-examples `webcam-transfer-learning/index.js`):
//!
//! ```text
//! Flatten (input [null, H, W, C])  →  Dense(units, relu, bias)  →  Dense(classes, softmax, no bias)
//! ```
//!
//! Files: `model.json` (format `layers-model`, the JSON tfjs-layers 4.22 itself writes for that
//! model, checked by `scripts/tfjs/check_head.js`), `group1-shard1of1.bin` (the three weight
//! tensors, float32 little-endian, in manifest order) and `metadata.json` (classes, the TF.js
//! MobileNet layer to cut at, preprocessing, pacnet version).
//!
//! **Layout.** TF.js's MobileNet hands the head its features as NHWC (`[1, 7, 7, 256]` at
//! `conv_pw_13_relu`), so its Flatten reads them in h, w, c order; pacnet's features are CHW
//! and its hidden kernel is `[units, c·h·w]`. The exported kernel is `[h·w·c, units]` (Keras
//! keeps `[in, out]`) with row `(h·W + w)·C + c` holding pacnet's column `c·H·W + h·W + w`.
//!
//! Only MobileNet v1 with TF's weights (`tf_mobilenetv1_*`, pacnet's built-in network) has a
//! TF.js counterpart whose features this head can read; other backbones get
//! [`ExportError::NotApplicable`] and should export ONNX, which carries the backbone along.

use serde_json::{Value, json};

use super::{ExportError, head_weights};
use crate::backbone::{Backbone, Family};
use crate::learn::dataset::FeatureSource;
use crate::learn::head::Head;

/// The weights file `model.json` points to.
pub const SHARD: &str = "group1-shard1of1.bin";
/// The tfjs-layers version whose JSON the model file reproduces.
pub const TFJS_LAYERS: &str = "4.22.0";

/// Why a TF.js head does not apply to `backbone`, if it does not.
pub fn not_applicable(backbone: &Backbone) -> Option<String> {
    let arch = backbone.net().arch();
    if arch.family != Family::V1 || !arch.tf_same_padding {
        return Some(
            "the TF.js head reads the features of TF.js's MobileNet v1 (the TF.js demo's network, pacnet's \
             tf_mobilenetv1_025), and this backbone computes other features — export ONNX instead, which \
             carries the backbone with the head"
                .to_owned(),
        );
    }
    None
}

/// Why this head cannot be a TF.js layers model, if it cannot: one trained on L2-normalised
/// features (pacnet's recipe) would need its input scaled, which the demo's topology has no
/// layer for.
#[must_use]
pub fn head_not_applicable(head: &Head) -> Option<String> {
    (head.normalize() != crate::learn::Normalize::None).then(|| {
        "a TF.js layers model cannot scale its input the way this head (pacnet's recipe, L2-normalised features) \
         needs; train with the TF.js demo recipe (`pacnet train --recipe tfjs`, or the Train panel's recipe menu) \
         to export for TF.js, or export ONNX"
            .to_owned()
    })
}

/// The name of TF.js's hosted MobileNet v1 of this width and input size, e.g.
/// `mobilenet_v1_0.25_224` (the demo's), when there is one.
pub fn tfjs_mobilenet(backbone: &Backbone) -> Option<String> {
    let m = backbone.net().arch().multiplier;
    let alpha = [(0.25, "0.25"), (0.5, "0.50"), (0.75, "0.75"), (1.0, "1.0")]
        .iter()
        .find(|(a, _)| (m - a).abs() < 1e-9)
        .map(|(_, s)| *s)?;
    let size = backbone.config().input_size;
    [128, 160, 192, 224].contains(&size).then(|| format!("mobilenet_v1_{alpha}_{size}"))
}

/// `model.json`, the weights shard and `metadata.json`.
///
/// # Errors
/// [`ExportError::NotApplicable`] for a backbone other than TF's MobileNet v1, or head weights
/// that cannot be read.
pub fn files(backbone: &Backbone, head: &Head, source: &FeatureSource) -> Result<Vec<(String, Vec<u8>)>, ExportError> {
    if let Some(reason) = not_applicable(backbone) {
        return Err(ExportError::NotApplicable {
            format: "TF.js",
            architecture: backbone.architecture().to_owned(),
            reason,
        });
    }
    if let Some(reason) = head_not_applicable(head) {
        return Err(ExportError::NotApplicable {
            format: "TF.js",
            architecture: format!("a head trained on L2-normalised features ({})", backbone.architecture()),
            reason,
        });
    }
    let [c, h, w] = head.input_shape();
    let (units, classes) = (head.units(), head.classes().len());
    let [w1, b1, w2] = head_weights(head)?;
    let hwc = nhwc_kernel(&w1, [c, h, w], units);
    let mut out_kernel = vec![0.0f32; units * classes];
    for k in 0..classes {
        for u in 0..units {
            if let (Some(o), Some(v)) = (out_kernel.get_mut(u * classes + k), w2.get(k * units + u)) {
                *o = *v;
            }
        }
    }
    let mut shard = Vec::with_capacity(4 * (hwc.len() + b1.len() + out_kernel.len()));
    for v in hwc.iter().chain(&b1).chain(&out_kernel) {
        shard.extend_from_slice(&v.to_le_bytes());
    }
    let model = serde_json::to_vec_pretty(&model_json([h, w, c], units, classes)).unwrap_or_default();
    let metadata = json!({
        "pacnet_version": env!("CARGO_PKG_VERSION"),
        "classes": head.classes(),
        "input_shape": [h, w, c],
        "tfjs_mobilenet": tfjs_mobilenet(backbone),
        "cut_layer": source.cut_alias,
        "backbone": source.backbone,
        "architecture": source.architecture,
        "cut": source.cut,
        "preprocessing": {
            "crop": source.crop,
            "size": backbone.config().input_size,
            "mean": backbone.config().mean,
            "std": backbone.config().std,
        },
    });
    Ok(vec![
        ("model.json".to_owned(), model),
        (SHARD.to_owned(), shard),
        ("metadata.json".to_owned(), serde_json::to_vec_pretty(&metadata).unwrap_or_default()),
    ])
}

/// pacnet's hidden kernel `[units, c·h·w]` (CHW features) as a Keras kernel `[h·w·c, units]`
/// for NHWC features.
pub fn nhwc_kernel(w1: &[f32], [c, h, w]: [usize; 3], units: usize) -> Vec<f32> {
    let input = c * h * w;
    let mut out = vec![0.0f32; input * units];
    for ci in 0..c {
        for y in 0..h {
            for x in 0..w {
                let chw = (ci * h + y) * w + x;
                let hwc = (y * w + x) * c + ci;
                for u in 0..units {
                    if let (Some(o), Some(v)) = (out.get_mut(hwc * units + u), w1.get(u * input + chw)) {
                        *o = *v;
                    }
                }
            }
        }
    }
    out
}

/// The layers-model JSON tfjs-layers writes for the demo's `tf.sequential` head.
fn model_json(input_hwc: [usize; 3], units: usize, classes: usize) -> Value {
    let initializer = json!({
        "class_name": "VarianceScaling",
        "config": {"scale": 1, "mode": "fan_in", "distribution": "normal", "seed": null}
    });
    let dense = |name: &str, units: usize, activation: &str, use_bias: bool| {
        json!({
            "class_name": "Dense",
            "config": {
                "units": units,
                "activation": activation,
                "use_bias": use_bias,
                "kernel_initializer": initializer,
                "bias_initializer": {"class_name": "Zeros", "config": {}},
                "kernel_regularizer": null,
                "bias_regularizer": null,
                "activity_regularizer": null,
                "kernel_constraint": null,
                "bias_constraint": null,
                "name": name,
                "trainable": true
            }
        })
    };
    let [h, w, c] = input_hwc;
    json!({
        "format": "layers-model",
        "generatedBy": format!("pacnet {}", env!("CARGO_PKG_VERSION")),
        "convertedBy": null,
        "modelTopology": {
            "class_name": "Sequential",
            "config": {
                "name": "pacnet_head",
                "layers": [
                    {
                        "class_name": "Flatten",
                        "config": {
                            "name": "pacnet_flatten",
                            "trainable": true,
                            "batch_input_shape": [null, h, w, c],
                            "dtype": "float32"
                        }
                    },
                    dense("pacnet_hidden", units, "relu", true),
                    dense("pacnet_probs", classes, "softmax", false)
                ]
            },
            "keras_version": format!("tfjs-layers {TFJS_LAYERS}"),
            "backend": "tensor_flow.js"
        },
        "weightsManifest": [{
            "paths": [SHARD],
            "weights": [
                {"name": "pacnet_hidden/kernel", "shape": [h * w * c, units], "dtype": "float32"},
                {"name": "pacnet_hidden/bias", "shape": [units], "dtype": "float32"},
                {"name": "pacnet_probs/kernel", "shape": [units, classes], "dtype": "float32"}
            ]
        }]
    })
}
