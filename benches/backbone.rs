//! Backbone benchmarks (divan): whole forward passes of the demo's network and of the default
//! MobileNet V3 at batch 1, and the kernels they are made of, with candle's own grouped
//! `conv2d` beside the depthwise kernel as the anchor it replaces.
//!
//! `cargo bench --bench backbone` (set `RAYON_NUM_THREADS` to pin threads). Speed targets live
//! here and in `pacnet bench`, never in timed tests.

// A benchmark whose setup fails should stop with its message.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;

use candle_core::{Device, Tensor};
use divan::Bencher;
use pacnet::backbone::kernels::{self, Geom, Padding, Planes, simd};
use pacnet::backbone::{Act, Backbone, Workspace, ops};

fn main() {
    divan::main();
}

fn input() -> Vec<f32> {
    (0..3 * 224 * 224).map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0).collect()
}

fn forward(bencher: Bencher, backbone: &Backbone, cut: usize) {
    let x = input();
    let mut ws = Workspace::default();
    bencher.bench_local(|| {
        let out = backbone.net().run_with(&mut ws, &x, cut, &|_| false, &mut |_, _| {}).map(|o| o[0]);
        divan::black_box(out)
    });
}

/// The TF.js demo's network (real weights from ../shared/models) cut at conv_pw_13_relu.
#[divan::bench]
fn mobilenet_v1_025_conv_pw_13(bencher: Bencher) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/models/tf_mobilenetv1_025");
    let Ok(backbone) = Backbone::load_dir(&dir) else {
        eprintln!("skipping: no fixtures at {}", dir.display());
        return;
    };
    let cut = backbone.default_cut();
    forward(bencher, &backbone, cut);
}

/// MobileNet V3 large (random weights; latency does not depend on them), full features.
#[divan::bench]
fn mobilenet_v3_large_features(bencher: Bencher) {
    let Ok(backbone) = Backbone::random("mobilenetv3_large_100", 0) else { return };
    let cut = backbone.cuts().len() - 1;
    forward(bencher, &backbone, cut);
}

/// Blocked layout of `c` channels on a `side`² plane, as the network lays it out.
fn planes(c: usize, side: usize) -> Planes {
    let level = simd::level();
    Planes { c, h: side, w: side, bw: if c <= 8 { 8 } else { level.lanes() }, halo: 2 }
}

/// Pointwise layer shapes of the two networks: (cin, cout, side).
#[divan::bench(args = [(8, 16, 112), (16, 64, 112), (32, 32, 56), (128, 128, 14), (256, 256, 7), (160, 960, 7), (960, 160, 7)])]
fn pointwise(bencher: Bencher, (cin, cout, side): (usize, usize, usize)) {
    let (xp, op) = (planes(cin, side), planes(cout, side));
    let x: Vec<f32> = (0..xp.len()).map(|i| (i % 17) as f32 * 0.1).collect();
    let w: Vec<f32> = (0..cin * cout).map(|i| (i % 13) as f32 * 0.01).collect();
    let w = kernels::pointwise::pack_weights(&w, cout, cin, op.bw);
    let b = kernels::pointwise::pad_bias(&vec![0.1f32; cout], op.bw);
    let mut out = vec![0.0f32; op.len()];
    let level = simd::level();
    bencher.bench_local(|| kernels::pointwise::pointwise(level, &x, &xp, &w, &b, Act::Relu6, None, &mut out, &op));
}

/// Depthwise layer shapes: (channels, input side, kernel, stride).
#[divan::bench(args = [(8, 112, 3, 1), (16, 112, 3, 2), (128, 14, 3, 1), (72, 56, 3, 2), (120, 28, 5, 1), (960, 7, 5, 1)])]
fn depthwise(bencher: Bencher, (c, side, k, s): (usize, usize, usize, usize)) {
    let g = Geom::new(side, side, k, s, Padding::TfSame);
    let (xp, op) = (planes(c, side), planes(c, g.out_h));
    let x: Vec<f32> = (0..xp.len()).map(|i| (i % 17) as f32 * 0.1).collect();
    let w: Vec<f32> = (0..c * k * k).map(|i| (i % 13) as f32 * 0.01).collect();
    let w = kernels::depthwise::pack_weights(&w, c, k, op.bw);
    let b = kernels::pointwise::pad_bias(&vec![0.1f32; c], op.bw);
    let mut out = vec![0.0f32; op.len()];
    let level = simd::level();
    bencher.bench_local(|| kernels::depthwise::depthwise(level, &x, &xp, &w, &b, &g, Act::Relu6, &mut out, &op));
}

/// The anchor the depthwise kernel replaces: candle's grouped conv2d (one conv per channel).
#[divan::bench(args = [(128, 14, 3, 1), (16, 112, 3, 2)])]
fn depthwise_candle_reference(bencher: Bencher, (c, hw, k, s): (usize, usize, usize, usize)) {
    let dev = Device::Cpu;
    let (Ok(x), Ok(w), Ok(b)) = (
        Tensor::ones((1, c, hw, hw), candle_core::DType::F32, &dev),
        Tensor::ones((c, 1, k, k), candle_core::DType::F32, &dev),
        Tensor::zeros(c, candle_core::DType::F32, &dev),
    ) else {
        return;
    };
    bencher
        .bench_local(|| ops::depthwise_conv2d_slow(&x, &w, &b, s, Padding::TfSame, Act::Relu6).map(|t| t.dims().len()));
}

/// The same layers through `gemm` (the crate candle uses) plus a separate epilogue: the anchor
/// the register-tiled pointwise kernel is measured against.
#[divan::bench(args = [(32, 32, 3136), (128, 128, 196), (256, 256, 49)])]
fn pointwise_gemm_reference(bencher: Bencher, (cin, cout, hw): (usize, usize, usize)) {
    let x: Vec<f32> = (0..cin * hw).map(|i| (i % 17) as f32 * 0.1).collect();
    let w: Vec<f32> = (0..cin * cout).map(|i| (i % 13) as f32 * 0.01).collect();
    let b = vec![0.1f32; cout];
    let mut out = vec![0.0f32; cout * hw];
    bencher.bench_local(|| kernels::dense::pointwise(&x, &w, &b, cin, hw, Act::Relu6, None, &mut out, 1));
}

/// What the feature worker adds to every live frame for the history of play (issue 28's
/// "fix mistakes" material): one JPEG encode of the 224² network input. Compare it with the
/// forward pass above, in the same run.
#[divan::bench]
fn history_thumbnail_encode_224(bencher: Bencher) {
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/models/golden/images/cat.jpg");
    let Ok(image) = image::open(&photo) else {
        eprintln!("skipping: no fixture at {}", photo.display());
        return;
    };
    let input = image.resize_exact(224, 224, image::imageops::FilterType::Triangle).into_rgb8();
    bencher.bench_local(|| divan::black_box(pacnet::learn::Thumbnail::encode(&input).map(|t| t.jpeg().len())));
}
