//! ONNX export: one graph from the normalised image to the head's class probabilities.
//!
//! `input` `[batch, 3, S, S]` (RGB, NCHW, float32, `(pixel / 255 − mean) / std` after the crop
//! and resize the metadata names) → the backbone's layers up to the cut, with BatchNorm folded
//! into each conv exactly as pacnet runs them → Flatten (NCHW order, as pacnet flattens
//! features) → Gemm + Relu → Gemm → Softmax → `probs` `[batch, classes]`.
//!
//! Opset 17 and IR version 8 (ONNX 1.12, 2022): ONNX Runtime, tract, OpenCV and onnx2tf all
//! read it. Operators: Conv (its `pads` carry TF "same" padding's extra bottom/right row),
//! Clip (ReLU6), Relu, HardSwish, GlobalAveragePool + Conv + HardSigmoid + Mul
//! (squeeze-excite), Add (residuals), Flatten, Gemm, Softmax. The messages are the official
//! `onnx.proto`'s, encoded by prost ([`super::proto`]).
//!
//! `metadata_props` (string keys and values; lists and numbers as JSON):
//! `classes`, `crop` (`center_square` or `whole`), `input_size`, `mean`, `std`,
//! `interpolation`, `layout` (`NCHW RGB`), `backbone`, `architecture`, `cut`, `cut_alias`,
//! `pacnet_version`.

use prost::Message;

use super::proto::attribute_proto::AttributeType;
use super::proto::tensor_proto::DataType;
use super::proto::tensor_shape_proto::{Dimension, dimension};
use super::proto::type_proto;
use super::proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto, TensorProto,
    TensorShapeProto, TypeProto, ValueInfoProto,
};
use super::{ExportError, head_weights};
use crate::backbone::layers::{ConvBn, SqueezeExcite};
use crate::backbone::{Act, Backbone, Crop};
use crate::learn::dataset::FeatureSource;
use crate::learn::head::Head;

/// The operator set the graph is written against.
pub const OPSET: i64 = 17;
/// The IR version that goes with [`OPSET`].
pub const IR_VERSION: i64 = 8;
/// Name of the graph's input.
pub const INPUT: &str = "input";
/// Name of the graph's output.
pub const OUTPUT: &str = "probs";

/// The whole model: `backbone` up to cut index `cut`, then `head`, then softmax.
///
/// # Errors
/// A cut index the backbone does not have, or head weights that cannot be read.
pub fn model(backbone: &Backbone, cut: usize, head: &Head, source: &FeatureSource) -> Result<ModelProto, ExportError> {
    let cut_name = backbone
        .cuts()
        .get(cut)
        .map(|c| c.name.clone())
        .ok_or_else(|| crate::backbone::BackboneError::Input(format!("cut index {cut} out of range")))?;
    let mut g = Builder::default();
    let features = g.backbone(backbone, &cut_name)?;
    let probs = g.head(features, head)?;
    let size = backbone.config().input_size;
    let batch = || Dim::Param("batch");
    g.graph.name = Some("pacnet".into());
    g.graph.input = vec![value_info(INPUT, &[batch(), Dim::Value(3), Dim::Value(size), Dim::Value(size)])];
    g.graph.output = vec![value_info(&probs, &[batch(), Dim::Value(head.classes().len())])];
    let cfg = backbone.config();
    let json = |v: serde_json::Value| v.to_string();
    let crop = match source.crop {
        Crop::CenterSquare => "center_square",
        Crop::Whole => "whole",
    };
    let meta: Vec<(&str, String)> = vec![
        ("classes", json(serde_json::json!(head.classes()))),
        ("crop", crop.to_owned()),
        ("input_size", size.to_string()),
        ("mean", json(serde_json::json!(cfg.mean))),
        ("std", json(serde_json::json!(cfg.std))),
        ("interpolation", format!("{:?}", cfg.interpolation).to_lowercase()),
        ("layout", "NCHW RGB".to_owned()),
        ("backbone", source.backbone.clone()),
        ("architecture", source.architecture.clone()),
        ("cut", source.cut.clone()),
        ("cut_alias", source.cut_alias.clone().unwrap_or_default()),
        ("pacnet_version", env!("CARGO_PKG_VERSION").to_owned()),
    ];
    Ok(ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![OperatorSetIdProto { domain: Some(String::new()), version: Some(OPSET) }],
        producer_name: Some("pacnet".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        doc_string: Some(format!(
            "pacnet head trained on {} — input: RGB image, {crop} crop, resized to {size}×{size} ({}), \
             (pixel/255 − mean)/std with mean {:?} std {:?}, NCHW float32; output `{OUTPUT}`: softmax over [{}]",
            source.describe(),
            format!("{:?}", cfg.interpolation).to_lowercase(),
            cfg.mean,
            cfg.std,
            head.classes().join(", ")
        )),
        graph: Some(g.graph),
        metadata_props: meta
            .into_iter()
            .map(|(k, v)| StringStringEntryProto { key: Some(k.into()), value: Some(v) })
            .collect(),
        ..Default::default()
    })
}

/// The model's protobuf bytes (the content of a `.onnx` file).
pub fn encode(model: &ModelProto) -> Vec<u8> {
    model.encode_to_vec()
}

enum Dim {
    Value(usize),
    Param(&'static str),
}

fn value_info(name: &str, dims: &[Dim]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Dim::Value(v) => dimension::Value::DimValue(*v as i64),
                Dim::Param(p) => dimension::Value::DimParam((*p).to_owned()),
            }),
            ..Default::default()
        })
        .collect();
    ValueInfoProto {
        name: Some(name.to_owned()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(DataType::Float as i32),
                shape: Some(TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn ints(name: &str, values: &[usize]) -> AttributeProto {
    AttributeProto {
        name: Some(name.to_owned()),
        r#type: Some(AttributeType::Ints as i32),
        ints: values.iter().map(|&v| v as i64).collect(),
        ..Default::default()
    }
}

fn int(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.to_owned()),
        r#type: Some(AttributeType::Int as i32),
        i: Some(value),
        ..Default::default()
    }
}

fn float(name: &str, value: f32) -> AttributeProto {
    AttributeProto {
        name: Some(name.to_owned()),
        r#type: Some(AttributeType::Float as i32),
        f: Some(value),
        ..Default::default()
    }
}

/// Accumulates nodes and initializers; every node has one output named like the node.
#[derive(Default)]
struct Builder {
    graph: GraphProto,
    relu6_bounds: bool,
}

impl Builder {
    /// A float initializer (raw little-endian data, as exporters usually write them).
    fn constant(&mut self, name: String, dims: &[usize], values: &[f32]) -> String {
        self.graph.initializer.push(TensorProto {
            name: Some(name.clone()),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: Some(DataType::Float as i32),
            raw_data: Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
            ..Default::default()
        });
        name
    }

    fn node(&mut self, op: &str, name: String, inputs: Vec<String>, attribute: Vec<AttributeProto>) -> String {
        self.graph.node.push(NodeProto {
            input: inputs,
            output: vec![name.clone()],
            name: Some(name.clone()),
            op_type: Some(op.to_owned()),
            attribute,
            ..Default::default()
        });
        name
    }

    fn act(&mut self, x: String, act: Act, name: &str) -> String {
        match act {
            Act::Identity => x,
            Act::Relu => self.node("Relu", format!("{name}.relu"), vec![x], vec![]),
            Act::Relu6 => {
                if !self.relu6_bounds {
                    self.relu6_bounds = true;
                    self.constant("relu6.min".into(), &[], &[0.0]);
                    self.constant("relu6.max".into(), &[], &[6.0]);
                }
                self.node("Clip", format!("{name}.relu6"), vec![x, "relu6.min".into(), "relu6.max".into()], vec![])
            }
            // ONNX's HardSwish is x·max(0, min(1, x/6 + 1/2)) = x·relu6(x + 3)/6, timm's.
            Act::HardSwish => self.node("HardSwish", format!("{name}.hard_swish"), vec![x], vec![]),
        }
    }

    /// A folded conv and its activation.
    fn conv(&mut self, x: String, c: &ConvBn) -> String {
        let k = c.geom.k;
        let per_out = if c.depthwise { 1 } else { c.cin };
        let w = self.constant(format!("{}.weight", c.name), &[c.cout, per_out, k, k], &c.folded_weight());
        let b = self.constant(format!("{}.bias", c.name), &[c.cout], &c.bias);
        let g = &c.geom;
        let attrs = vec![
            ints("kernel_shape", &[k, k]),
            ints("strides", &[g.stride, g.stride]),
            ints("pads", &[g.pad_top, g.pad_left, g.pad_bottom(), g.pad_right()]),
            ints("dilations", &[1, 1]),
            int("group", if c.depthwise { c.cout as i64 } else { 1 }),
        ];
        let y = self.node("Conv", c.name.clone(), vec![x, w, b], attrs);
        self.act(y, c.act, &c.name)
    }

    /// A 1×1 conv with bias on a `[N, cin, 1, 1]` map (squeeze-excite's two layers).
    fn conv1x1(&mut self, x: String, name: &str, w: &[f32], b: &[f32], cout: usize, cin: usize) -> String {
        let w = self.constant(format!("{name}.weight"), &[cout, cin, 1, 1], w);
        let b = self.constant(format!("{name}.bias"), &[cout], b);
        self.node("Conv", name.to_owned(), vec![x, w, b], vec![ints("kernel_shape", &[1, 1])])
    }

    /// Squeeze-excite as pacnet runs it: mean → reduce + ReLU → expand → hard-sigmoid → scale.
    fn squeeze_excite(&mut self, x: String, se: &SqueezeExcite, prefix: &str) -> String {
        let (chs, rd) = se.widths();
        let pooled = self.node("GlobalAveragePool", format!("{prefix}.se.pool"), vec![x.clone()], vec![]);
        let (rw, rb) = se.reduce();
        let reduced = self.conv1x1(pooled, &format!("{prefix}.se.conv_reduce"), rw, rb, rd, chs);
        let reduced = self.act(reduced, Act::Relu, &format!("{prefix}.se.conv_reduce"));
        let (ew, eb) = se.expand();
        let expanded = self.conv1x1(reduced, &format!("{prefix}.se.conv_expand"), ew, eb, chs, rd);
        // timm's hard_sigmoid relu6(x + 3)/6 is ONNX's HardSigmoid with alpha 1/6, beta 1/2.
        let gate = self.node(
            "HardSigmoid",
            format!("{prefix}.se.gate"),
            vec![expanded],
            vec![float("alpha", 1.0 / 6.0), float("beta", 0.5)],
        );
        self.node("Mul", format!("{prefix}.se"), vec![x, gate], vec![])
    }

    /// The backbone from the graph input up to the cut named `cut`; returns the cut's value.
    fn backbone(&mut self, backbone: &Backbone, cut: &str) -> Result<String, ExportError> {
        let net = backbone.net();
        let mut x = self.conv(INPUT.to_owned(), net.stem());
        if cut == "bn1" {
            return Ok(x);
        }
        for b in net.blocks() {
            let name = &b.spec.name;
            let input = x.clone();
            if let Some(e) = &b.expand {
                x = self.conv(x, e);
            }
            if let Some(d) = &b.dw {
                x = self.conv(x, d);
                // MobileNet V1's depthwise halves are cut points of their own.
                if cut == format!("{name}.bn1") {
                    return Ok(x);
                }
            }
            if let Some(se) = &b.se {
                x = self.squeeze_excite(x, se, name);
            }
            x = self.conv(x, &b.project);
            if b.spec.skip {
                x = self.node("Add", format!("{name}.add"), vec![x, input], vec![]);
            }
            if cut == name {
                return Ok(x);
            }
        }
        if let Some(h) = net.head_conv() {
            x = self.conv(x, h);
            if cut == "bn2" {
                return Ok(x);
            }
        }
        Err(crate::backbone::BackboneError::Input(format!("cut `{cut}` is not a layer of {}", backbone.architecture()))
            .into())
    }

    /// Flatten → Dense + ReLU → Dense → softmax; returns the output's name.
    fn head(&mut self, features: String, head: &Head) -> Result<String, ExportError> {
        let [w1, b1, w2] = head_weights(head)?;
        let (input, units, classes) = (head.input_len(), head.units(), head.classes().len());
        let mut flat = self.node("Flatten", "head.flatten".into(), vec![features], vec![int("axis", 1)]);
        if head.normalize() == crate::learn::Normalize::L2 {
            // x · √d / max(‖x‖, 1e-12), as `Head::logits` scales the features (ReduceL2 keeps
            // its axes as an attribute up to opset 17).
            let norm = self.node(
                "ReduceL2",
                "head.l2.norm".into(),
                vec![flat.clone()],
                vec![ints("axes", &[1]), int("keepdims", 1)],
            );
            let tiny = self.constant("head.l2.eps".into(), &[1], &[1e-12]);
            let norm = self.node("Max", "head.l2.clamped".into(), vec![norm, tiny], Vec::new());
            let unit = self.node("Div", "head.l2.unit".into(), vec![flat, norm], Vec::new());
            let scale = self.constant("head.l2.scale".into(), &[1], &[(input as f32).sqrt()]);
            flat = self.node("Mul", "head.l2".into(), vec![unit, scale], Vec::new());
        }
        let w1 = self.constant("head.hidden.weight".into(), &[units, input], &w1);
        let b1 = self.constant("head.hidden.bias".into(), &[units], &b1);
        let hidden = self.node("Gemm", "head.hidden".into(), vec![flat, w1, b1], vec![int("transB", 1)]);
        let hidden = self.act(hidden, Act::Relu, "head.hidden");
        let w2 = self.constant("head.output.weight".into(), &[classes, units], &w2);
        let logits = self.node("Gemm", "head.logits".into(), vec![hidden, w2], vec![int("transB", 1)]);
        Ok(self.node("Softmax", OUTPUT.into(), vec![logits], vec![int("axis", 1)]))
    }
}
