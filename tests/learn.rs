//! Transfer-learning tests (issue 4): the head's arithmetic (init, gradients against finite
//! differences, the no-input-gradient op and the fused Adam against candle's own), training
//! (separable data, loss going down, seeds, cancel, NaN), the split and the metrics, the
//! dataset, the `.pacnet` file (round trip, bad files, failed saves), the real MobileNet on
//! scenes built from the golden photos, and the `train` / `eval` / `predict` commands.
//! Nothing here asserts on time: speed is in `benches/train.rs`.

// The helpers below fail their test by panicking, exactly like the tests themselves.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Linear, Module, Optimizer, ParamsAdamW};
use image::{Rgb, RgbImage};
use pacnet::backbone::{Backbone, Crop, load_image};
use pacnet::learn::features::{Features, half_to_f32};
use pacnet::learn::ops::{Adam, AdamParams, input_dense};
use pacnet::learn::project::{FORMAT_VERSION, MAGIC};
use pacnet::learn::split::{MIN_PER_CLASS_FOR_VALIDATION, stratified};
use pacnet::learn::{
    Adoption, Confusion, Dataset, FeatureSource, Featurizer, Head, Hyper, LearnError, Project, StopReason, TrainData,
    TrainEvent, Training, fit, refeaturize,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::util::{self, assert_one_line_error, pacnet, run};

// ---------------------------------------------------------------------------------------------
// helpers

pub(crate) fn classes(n: usize) -> Vec<String> {
    ["up", "down", "left", "right", "none", "six"].iter().take(n).map(|s| s.to_string()).collect()
}

/// Class `c`'s examples scatter (±`noise`) around a random prototype in [0, 6): separable when
/// the noise is small next to the prototypes' distances (~√d · 2.4).
pub(crate) fn synthetic(per_class: usize, k: usize, shape: [usize; 3], noise: f32, seed: u64) -> TrainData {
    let d: usize = shape.iter().product();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let protos: Vec<Vec<f32>> = (0..k).map(|_| (0..d).map(|_| rng.random::<f32>() * 6.0).collect()).collect();
    let (mut flat, mut labels) = (Vec::new(), Vec::new());
    for i in 0..per_class * k {
        let c = i % k;
        flat.extend(protos[c].iter().map(|&p| (p + (rng.random::<f32>() * 2.0 - 1.0) * noise).max(0.0)));
        labels.push(c);
    }
    TrainData::from_f32(classes(k), shape, &flat, labels).expect("synthetic data")
}

fn params(head: &Head) -> Vec<Vec<f32>> {
    head.parameters().iter().map(|t| t.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("params")).collect()
}

fn fit_ok(data: &TrainData, hyper: &Hyper) -> pacnet::learn::Trained {
    fit(data, hyper, &AtomicBool::new(false), &mut |_| {}).unwrap_or_else(|r| panic!("training failed: {r}"))
}

fn source(shape: [usize; 3]) -> FeatureSource {
    FeatureSource {
        backbone: "test-backbone".into(),
        weights_sha256: Some("0".repeat(64)),
        architecture: "none".into(),
        cut: "blocks.0".into(),
        cut_alias: None,
        shape,
        input_size: 32,
        crop: Crop::CenterSquare,
    }
}

/// A dataset of `data`'s examples with small generated thumbnails, one burst per class.
pub(crate) fn dataset_from(data: &TrainData, seed: u64) -> Dataset {
    let mut ds = Dataset::new(data.classes().to_vec(), source(data.shape())).expect("dataset");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let bursts: Vec<u64> = (0..data.classes().len()).map(|_| ds.new_burst()).collect();
    let all: Vec<usize> = (0..data.len()).collect();
    let rows = data.gather(&all).expect("gather").to_vec2::<f32>().expect("rows");
    for (row, &label) in rows.iter().zip(data.labels()) {
        let shade = rng.random::<u8>();
        let thumb = RgbImage::from_fn(32, 32, |x, y| Rgb([shade, (x * 8) as u8, (y * 8) as u8]));
        ds.add(label, bursts[label], row, &thumb).expect("add");
    }
    ds
}

static BACKBONE: OnceLock<Backbone> = OnceLock::new();

/// The real MobileNet V1 0.25, loaded once for every test.
fn backbone() -> &'static Backbone {
    BACKBONE.get_or_init(|| Backbone::load_dir(&util::v1_dir()).expect("tf_mobilenetv1_025"))
}

/// The four directions in the order of `classes(4)`, and the centre (a fifth class), as centres
/// inside the 480×480 centre square of a 640×480 frame (what `Crop::CenterSquare` keeps).
const PLACES: [(i32, i32); 5] = [(320, 115), (320, 365), (195, 240), (445, 240), (320, 240)];

/// Frames with the burger pasted at one of four places of another photo.
pub(crate) struct Scenes {
    object: RgbImage,
    backgrounds: Vec<RgbImage>,
}

impl Scenes {
    /// Backgrounds: every golden photo but the burger, squeezed to 640×480 and washed halfway
    /// to grey (a room behind a held-up object); the object: the burger's centre.
    fn new() -> Self {
        let burger = load_image(&util::photo("burger.jpg")).expect("burger");
        let object = image::imageops::crop_imm(&burger, 110, 30, 270, 270).to_image();
        let names =
            ["cat.jpg", "dogs.jpg", "grace_hopper.jpg", "multi_objects.jpg", "cats_and_dogs.jpg", "sparrow.png"];
        let backgrounds = names
            .iter()
            .map(|n| {
                let img = load_image(&util::photo(n)).expect("photo");
                let mut bg = image::imageops::resize(&img, 640, 480, image::imageops::FilterType::Triangle);
                for p in bg.pixels_mut() {
                    for c in p.0.iter_mut() {
                        *c = ((u16::from(*c) + 128) / 2) as u8;
                    }
                }
                bg
            })
            .collect();
        Self { object, backgrounds }
    }

    /// Class `class` (an index into [`PLACES`]) on background `bg`, with ±25 px jitter and a
    /// scale of 0.85–1.15 of 150 px.
    fn frame(&self, class: usize, bg: usize, rng: &mut ChaCha8Rng) -> RgbImage {
        let mut frame = self.backgrounds[bg % self.backgrounds.len()].clone();
        let side = (150.0 * rng.random_range(0.85..1.15)) as u32;
        let obj = image::imageops::resize(&self.object, side, side, image::imageops::FilterType::Triangle);
        let (cx, cy) = PLACES[class];
        let x = cx + rng.random_range(-25..=25) - side as i32 / 2;
        let y = cy + rng.random_range(-25..=25) - side as i32 / 2;
        image::imageops::overlay(&mut frame, &obj, i64::from(x), i64::from(y));
        frame
    }

    /// `per_class` JPEG frames per direction in `dir/<class>/`, on the backgrounds `bgs`.
    pub(crate) fn write_folder(&self, dir: &Path, per_class: usize, bgs: &[usize], seed: u64) {
        self.write_named(dir, &classes(4), per_class, bgs, seed);
    }

    /// The same with other class names: the `i`-th name gets the `i`-th place of [`PLACES`]
    /// (up, down, left, right, centre).
    pub(crate) fn write_named(&self, dir: &Path, names: &[String], per_class: usize, bgs: &[usize], seed: u64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for (c, name) in names.iter().enumerate() {
            std::fs::create_dir_all(dir.join(name)).expect("mkdir");
            for i in 0..per_class {
                let img = self.frame(c, bgs[i % bgs.len()], &mut rng);
                img.save(dir.join(name).join(format!("{i:03}.jpg"))).expect("save jpeg");
            }
        }
    }
}

pub(crate) fn scenes() -> &'static Scenes {
    static SCENES: OnceLock<Scenes> = OnceLock::new();
    SCENES.get_or_init(Scenes::new)
}

/// Backgrounds the heads are trained on; the held-out sets use the other two.
pub(crate) const TRAIN_BGS: [usize; 4] = [0, 1, 2, 3];
pub(crate) const HELD_OUT_BGS: [usize; 2] = [4, 5];

// ---------------------------------------------------------------------------------------------
// features, head, ops

#[test]
fn half_floats_decode_exactly_on_all_65536_patterns() {
    for bits in 0..=u16::MAX {
        let want = gemm::f16::from_bits(bits).to_f32();
        let got = half_to_f32(bits);
        if want.is_nan() {
            assert!(got.is_nan(), "{bits:#06x}: {got} should be NaN");
        } else {
            assert_eq!(got.to_bits(), want.to_bits(), "{bits:#06x}: {got} vs {want}");
        }
    }
    // And the packing direction rounds to nearest: relative error at most 2^-11 on [0, 6].
    let values: Vec<f32> = (0..10_000).map(|i| i as f32 * 6e-4).collect();
    let back = Features::from_f32(&values).expect("pack").to_f32();
    for (v, b) in values.iter().zip(&back) {
        assert!((v - b).abs() <= v.abs() * 2f32.powi(-11) + 1e-7, "{v} -> {b}");
    }
}

#[test]
fn features_refuse_values_f16_cannot_hold() {
    for bad in [f32::NAN, f32::INFINITY, -f32::INFINITY, 70_000.0] {
        let err = Features::from_f32(&[1.0, bad]).expect_err("must refuse");
        assert!(matches!(err, LearnError::FeatureValue { index: 1, .. }), "{err}");
    }
    assert!(Features::from_f32(&[65_504.0, -65_504.0]).is_ok());
    assert!(Features::from_bits(vec![0x3c00, 0x7c00]).is_err(), "infinity bits");
}

#[test]
fn head_init_is_seeded_truncated_variance_scaling() {
    let a = Head::init(classes(4), [256, 7, 7], 100, 3).expect("init");
    let [w1, b1, w2] = params(&a).try_into().expect("three tensors");
    assert_eq!((w1.len(), b1.len(), w2.len()), (100 * 12_544, 100, 4 * 100));
    assert!(b1.iter().all(|&b| b == 0.0), "bias starts at zero");
    for (w, fan_in) in [(&w1, 12_544f64), (&w2, 100.0)] {
        let sigma = (1.0 / fan_in).sqrt();
        assert!(w.iter().all(|&v| f64::from(v).abs() <= 2.0 * sigma + 1e-9), "truncated at 2σ");
        let mean = w.iter().map(|&v| f64::from(v)).sum::<f64>() / w.len() as f64;
        let std = (w.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / w.len() as f64).sqrt();
        // A normal truncated at ±2σ has a standard deviation of 0.8796σ.
        let tol = if w.len() > 10_000 { 0.01 } else { 0.08 };
        assert!((std / sigma - 0.8796).abs() < tol, "std {std} vs σ {sigma}");
        assert!(mean.abs() < 0.05 * sigma, "mean {mean}");
    }
    assert_eq!(params(&Head::init(classes(4), [256, 7, 7], 100, 3).expect("init")), params(&a), "same seed");
    assert_ne!(params(&Head::init(classes(4), [256, 7, 7], 100, 4).expect("init"))[0], w1, "another seed");
}

#[test]
fn input_dense_matches_candle_linear_in_value_and_gradient() {
    let dev = Device::Cpu;
    // A small product (one gemm call) and a training-sized one with an uneven depth, which is
    // split across the threads.
    for (n, d, units) in [(33, 300, 20), (160, 3001, 100)] {
        let x = Tensor::rand(0f32, 6.0, (n, d), &dev).expect("x");
        let w0 = Tensor::randn(0f32, 0.05, (units, d), &dev).expect("w");
        let g = Tensor::randn(0f32, 1.0, (n, units), &dev).expect("upstream gradient");
        let ours_w = Var::from_tensor(&w0).expect("var");
        let ref_w = Var::from_tensor(&w0).expect("var");
        let ours = input_dense(&x, ours_w.as_tensor()).expect("ours");
        let reference = Linear::new(ref_w.as_tensor().clone(), None).forward(&x).expect("linear");
        let diff = |a: &Tensor, b: &Tensor| {
            util::max_abs_diff(
                &a.flatten_all().unwrap().to_vec1().unwrap(),
                &b.flatten_all().unwrap().to_vec1().unwrap(),
            )
        };
        assert!(
            diff(&ours, &reference) < 1e-4 * (d as f32 / 300.0),
            "{n}×{d}×{units}: forward differs by {}",
            diff(&ours, &reference)
        );
        let go = (&ours * &g).unwrap().sum_all().unwrap().backward().expect("backward");
        let gr = (&reference * &g).unwrap().sum_all().unwrap().backward().expect("backward");
        let (go, gr) = (go.get(ours_w.as_tensor()).expect("grad"), gr.get(ref_w.as_tensor()).expect("grad"));
        assert!(diff(go, gr) < 1e-3, "{n}×{d}×{units}: kernel gradient differs by {}", diff(go, gr));
    }
    assert!(
        input_dense(
            &Tensor::zeros((2, 300), DType::F32, &dev).unwrap(),
            &Tensor::zeros((20, 299), DType::F32, &dev).unwrap()
        )
        .is_err(),
        "shape mismatch is an error"
    );
}

#[test]
fn head_gradients_match_finite_differences() {
    // A tiny head in f64, so central differences are accurate to ~1e-10.
    let head = Head::init(classes(3), [2, 2, 1], 5, 11).expect("init").to_dtype(DType::F64).expect("f64");
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let xs: Vec<f64> = (0..6 * 4).map(|_| rng.random::<f64>() * 3.0).collect();
    let x = Tensor::from_vec(xs, (6, 4), &Device::Cpu).expect("x");
    let y = Tensor::from_vec(vec![0u32, 1, 2, 2, 1, 0], 6, &Device::Cpu).expect("y");
    let vars: Vec<Var> = head.parameters().iter().map(|t| Var::from_tensor(t).expect("var")).collect();
    let rebuild = |ts: &[Tensor]| {
        Head::from_parts(classes(3), [2, 2, 1], ts[0].clone(), ts[1].clone(), ts[2].clone()).expect("head")
    };
    let tracked = rebuild(&vars.iter().map(|v| v.as_tensor().clone()).collect::<Vec<_>>());
    let grads = tracked.loss(&x, &y).expect("loss").backward().expect("backward");
    let base: Vec<Tensor> = head.parameters().iter().map(|t| (*t).clone()).collect();
    let loss_with = |p: usize, i: usize, delta: f64| -> f64 {
        let mut ts = base.clone();
        let mut v = ts[p].flatten_all().unwrap().to_vec1::<f64>().unwrap();
        v[i] += delta;
        ts[p] = Tensor::from_vec(v, ts[p].shape(), &Device::Cpu).unwrap();
        rebuild(&ts).loss(&x, &y).unwrap().to_scalar::<f64>().unwrap()
    };
    let eps = 1e-6;
    let mut checked = 0;
    for (p, var) in vars.iter().enumerate() {
        let g = grads
            .get(var.as_tensor())
            .expect("every parameter has a gradient")
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        for (i, &gi) in g.iter().enumerate() {
            let numeric = (loss_with(p, i, eps) - loss_with(p, i, -eps)) / (2.0 * eps);
            assert!(
                (numeric - gi).abs() <= 1e-7 + 1e-5 * gi.abs(),
                "parameter {p}[{i}]: autograd {gi}, finite differences {numeric}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 5 * 4 + 5 + 3 * 5);
}

#[test]
fn fused_adam_matches_candle_adamw_step_by_step() {
    let dev = Device::Cpu;
    // More values than one rayon chunk, so the parallel split is exercised.
    let w0 = Tensor::randn(0f32, 0.1, (64, 1024), &dev).expect("w");
    let x = Tensor::rand(0f32, 1.0, (16, 1024), &dev).expect("x");
    let target = Tensor::rand(0f32, 1.0, (16, 64), &dev).expect("target");
    let run = |fused: bool| -> Vec<f32> {
        let w = Var::from_tensor(&w0).expect("var");
        let mut ours = Adam::new(vec![w.clone()], AdamParams { lr: 1e-3, ..AdamParams::default() }).expect("adam");
        let mut theirs = AdamW::new(
            vec![w.clone()],
            ParamsAdamW { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7, weight_decay: 0.0 },
        )
        .expect("adamw");
        for _ in 0..8 {
            let loss =
                (x.matmul(&w.as_tensor().t().unwrap()).unwrap() - &target).unwrap().sqr().unwrap().mean_all().unwrap();
            let grads = loss.backward().expect("backward");
            if fused { ours.step(&grads).expect("step") } else { theirs.step(&grads).expect("step") }
        }
        w.as_tensor().flatten_all().unwrap().to_vec1().unwrap()
    };
    let (a, b) = (run(true), run(false));
    let start = w0.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let moved = util::max_abs_diff(&a, &start);
    assert!(moved > 1e-3, "8 steps of lr 1e-3 must move the weights ({moved})");
    let d = util::max_abs_diff(&a, &b);
    assert!(d < 1e-6, "fused Adam and candle's AdamW differ by {d}");
}

// ---------------------------------------------------------------------------------------------
// training

#[test]
fn separable_features_reach_full_training_accuracy_and_the_loss_decreases() {
    let data = synthetic(25, 4, [16, 3, 3], 1.0, 1);
    let hyper = Hyper { lr: 1e-3, epochs: 30, units: 32, seed: 2, ..Hyper::default() };
    let mut batch_losses = Vec::new();
    let t = fit(&data, &hyper, &AtomicBool::new(false), &mut |e| {
        if let TrainEvent::Batch { loss, .. } = e {
            batch_losses.push(loss);
        }
    })
    .unwrap_or_else(|r| panic!("{r}"));
    let r = &t.report;
    assert_eq!(r.train_accuracy(), Some(1.0), "training accuracy: {:?}", r.train);
    assert_eq!(r.plan.split.val.len(), 4 * 4, "15 % of 25 per class, rounded");
    assert_eq!(r.val_accuracy(), Some(1.0));
    assert_eq!(r.epochs.len(), 30);
    assert_eq!(batch_losses.len(), 30 * r.plan.batches_per_epoch);
    let losses: Vec<f32> = r.epochs.iter().map(|m| m.train_loss).collect();
    for (e, w) in losses.windows(2).enumerate().take(10) {
        assert!(w[1] < w[0], "epoch {} loss {} did not go below epoch {}'s {}", e + 2, w[1], e + 1, w[0]);
    }
    assert!(losses[29] < losses[0] * 0.1, "loss {} → {}", losses[0], losses[29]);
    let val: Vec<f32> = r.epochs.iter().map(|m| m.val_loss.expect("val loss")).collect();
    assert!(val[29] < val[0] * 0.2, "validation loss {} → {}", val[0], val[29]);
    // Every training example is predicted right by the returned head.
    let all: Vec<usize> = (0..data.len()).collect();
    let preds = t.head.predict_tensor(&data.gather(&all).unwrap()).unwrap();
    assert!(preds.iter().zip(data.labels()).all(|(p, &l)| p.best == l));
    assert!(preds.iter().all(|p| (p.probs.iter().sum::<f32>() - 1.0).abs() < 1e-5));
}

#[test]
fn the_kept_head_is_ready_before_validation_and_done_repeats_it_with_every_epochs_validation() {
    let data = synthetic(25, 4, [16, 3, 3], 1.0, 1);
    let hyper = Hyper { lr: 1e-3, epochs: 6, units: 16, seed: 2, ..Hyper::default() };
    let mut events = Vec::new();
    let t = fit(&data, &hyper, &AtomicBool::new(false), &mut |e| events.push(e)).unwrap_or_else(|r| panic!("{r}"));
    let ready = events.iter().position(|e| matches!(e, TrainEvent::Ready { .. })).expect("a Ready event");
    let before = &events[..ready];
    assert!(
        before.iter().all(|e| matches!(e, TrainEvent::Batch { .. } | TrainEvent::Epoch { val_loss: None, .. })),
        "only the kept head's batches and epochs come first: {before:?}"
    );
    assert_eq!(before.iter().filter(|e| matches!(e, TrainEvent::Epoch { .. })).count(), 6);
    let validated: Vec<(usize, f32, f32)> = events[ready + 1..]
        .iter()
        .map(|e| match e {
            TrainEvent::Validated { epoch, val_loss, val_acc } => (*epoch, *val_loss, *val_acc),
            other => panic!("after Ready only validation epochs: {other:?}"),
        })
        .collect();
    assert_eq!(validated.iter().map(|v| v.0).collect::<Vec<_>>(), (1..=6).collect::<Vec<_>>());
    let TrainEvent::Ready { head } = &events[ready] else { panic!("not Ready") };
    assert_eq!(params(head), params(&t.head), "the head that steers early is the head kept");
    for (m, v) in t.report.epochs.iter().zip(&validated) {
        assert_eq!((m.val_loss, m.val_acc), (Some(v.1), Some(v.2)), "epoch {}", m.epoch);
    }
    assert!(t.report.val_accuracy().is_some());

    let mut events = Vec::new();
    fit(&data, &Hyper { val_fraction: 0.0, ..hyper }, &AtomicBool::new(false), &mut |e| events.push(e))
        .unwrap_or_else(|r| panic!("{r}"));
    assert!(
        !events.iter().any(|e| matches!(e, TrainEvent::Ready { .. } | TrainEvent::Validated { .. })),
        "without validation the run just ends"
    );
}

#[test]
fn same_seed_gives_identical_weights_and_another_seed_different_ones() {
    let data = synthetic(12, 3, [8, 2, 2], 1.5, 3);
    let hyper = Hyper { epochs: 5, units: 16, seed: 7, ..Hyper::default() };
    let a = params(&fit_ok(&data, &hyper).head);
    let b = params(&fit_ok(&data, &hyper).head);
    assert_eq!(a, b, "same seed and data must give bit-identical weights");
    let c = params(&fit_ok(&data, &Hyper { seed: 8, ..hyper }).head);
    assert_ne!(a[0], c[0]);
}

#[test]
fn stratified_split_keeps_every_class_in_both_parts() {
    let sizes = [5usize, 7, 20, 100];
    let labels: Vec<usize> = sizes.iter().enumerate().flat_map(|(c, &n)| std::iter::repeat_n(c, n)).collect();
    let s = stratified(&labels, &classes(4), 0.15, 9);
    for (c, &n) in sizes.iter().enumerate() {
        let in_val = s.val.iter().filter(|&&i| labels[i] == c).count();
        let in_train = s.train.iter().filter(|&&i| labels[i] == c).count();
        let want = ((0.15 * n as f64).round() as usize).max(1);
        assert_eq!((in_val, in_train), (want, n - want), "class {c} of {n}");
    }
    let mut all: Vec<usize> = s.train.iter().chain(&s.val).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..labels.len()).collect::<Vec<_>>(), "a partition");
    assert_ne!(s.val, stratified(&labels, &classes(4), 0.15, 10).val, "the seed picks the examples");
    assert_eq!(s, stratified(&labels, &classes(4), 0.15, 9));

    let few = [MIN_PER_CLASS_FOR_VALIDATION - 1, 30];
    let labels: Vec<usize> = few.iter().enumerate().flat_map(|(c, &n)| std::iter::repeat_n(c, n)).collect();
    let s = stratified(&labels, &classes(2), 0.15, 9);
    assert!(s.val.is_empty() && s.train.len() == labels.len());
    assert!(s.no_validation.as_deref().is_some_and(|w| w.contains("`up`") && w.contains('4')), "{:?}", s.no_validation);
}

#[test]
fn metrics_and_confusion_matrix_on_a_hand_made_case() {
    let truth = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
    let pred = [0, 0, 1, 2, 1, 1, 2, 2, 0, 2];
    let c = Confusion::from_pairs(classes(3), &truth, &pred);
    assert_eq!(c.total(), 10);
    assert_eq!(c.correct(), 7);
    assert_eq!(c.accuracy(), Some(0.7));
    assert_eq!((c.count(0, 0), c.count(0, 1), c.count(0, 2)), (2, 1, 1));
    assert_eq!((c.count(2, 0), c.count(2, 2), c.count(1, 0)), (1, 3, 0));
    let per: Vec<Option<f64>> = c.per_class().iter().map(|p| p.accuracy()).collect();
    assert_eq!(per, vec![Some(0.5), Some(1.0), Some(0.75)]);
    let table = c.table();
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 4, "{table}");
    assert!(rows[0].contains("true\\pred") && rows[0].contains("left"), "{table}");
    assert_eq!(rows[1].split_whitespace().collect::<Vec<_>>(), ["up", "2", "1", "1"], "{table}");
    assert_eq!(Confusion::new(classes(2)).accuracy(), None);
    assert_eq!(Confusion::new(classes(2)).per_class()[0].accuracy(), None);
}

#[test]
fn trainer_thread_is_named_streams_events_and_cancels() {
    let data = synthetic(100, 4, [64, 7, 7], 2.0, 4);
    let names = Arc::new(Mutex::new(Vec::<String>::new()));
    let wakes = Arc::new(AtomicUsize::new(0));
    let (n2, w2) = (Arc::clone(&names), Arc::clone(&wakes));
    let waker: pacnet::learn::Waker = Arc::new(move || {
        w2.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut n) = n2.lock() {
            n.push(std::thread::current().name().unwrap_or("").to_owned());
        }
    });
    let hyper = Hyper { epochs: pacnet::learn::hyper::MAX_EPOCHS, units: 16, ..Hyper::default() };
    let training = Training::start(data, hyper, Some(waker)).expect("start");
    let planned = training.plan().epochs * training.plan().batches_per_epoch;
    let first = training.recv_timeout(Duration::from_secs(60)).expect("a first event");
    assert!(matches!(first, TrainEvent::Batch { epoch: 1, batch: 1, .. }), "{first:?}");
    training.cancel();
    let mut batches = 1;
    let last = loop {
        match training.recv_timeout(Duration::from_secs(60)).expect("the trainer must answer a cancel") {
            TrainEvent::Batch { .. } => batches += 1,
            TrainEvent::Epoch { .. } => {}
            end => break end,
        }
    };
    assert!(matches!(last, TrainEvent::Stopped(StopReason::Cancelled)), "{last:?}");
    assert!(batches < planned, "stopped early: {batches} of {planned} batches");
    assert_eq!(last_message(&last), "training cancelled");
    assert!(training.recv_timeout(Duration::from_millis(100)).is_none(), "nothing after Stopped");
    assert!(wakes.load(Ordering::Relaxed) >= batches, "the waker is called per event");
    assert!(names.lock().unwrap().iter().all(|n| n == "pacnet-train"), "{:?}", names.lock().unwrap());
    assert!(training.try_recv().is_none());
}

fn last_message(e: &TrainEvent) -> String {
    match e {
        TrainEvent::Stopped(r) => r.to_string(),
        other => format!("{other:?}"),
    }
}

#[test]
fn dropping_a_training_cancels_and_joins_it() {
    let data = synthetic(100, 4, [64, 7, 7], 2.0, 4);
    let training =
        Training::start(data, Hyper { epochs: pacnet::learn::hyper::MAX_EPOCHS, units: 16, ..Hyper::default() }, None)
            .expect("start");
    assert!(training.recv_timeout(Duration::from_secs(60)).is_some());
    assert!(!training.is_finished());
    // Dropping must cancel and join: 10,000 epochs would otherwise run for many minutes.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(training);
        let _ = tx.send(());
    });
    assert!(rx.recv_timeout(Duration::from_secs(60)).is_ok(), "dropping the training neither cancelled nor returned");
}

#[test]
fn non_finite_loss_stops_training_and_keeps_the_last_good_head() {
    let data = synthetic(20, 4, [16, 3, 3], 1.0, 6);
    // An absurd learning rate: the first step already blows the weights up. Raw features (the
    // TF.js recipe): L2-normalised ones keep the logits finite for longer.
    let hyper = Hyper { lr: 1e30, epochs: 5, units: 8, ..Hyper::tfjs_demo() };
    let stop = fit(&data, &hyper, &AtomicBool::new(false), &mut |_| {}).expect_err("must stop");
    let StopReason::NonFinite { epoch, last_good, .. } = &stop else { panic!("{stop}") };
    assert_eq!((*epoch, last_good.is_none()), (1, true), "{stop}");
    let msg = stop.to_string();
    assert!(msg.contains("learning rate (1000000000000000000000000000000)") && msg.contains("previous head"), "{msg}");

    // A rate that survives the first epoch and then blows up (searched here, over a range
    // where the weights grow by orders of magnitude per step): the head of the last finished
    // epoch comes back.
    let mut found = None;
    for lr in (0..40).map(|i| 1e15 * 1.5f64.powi(i)) {
        let hyper = Hyper { lr, epochs: 40, units: 32, val_fraction: 0.0, ..Hyper::tfjs_demo() };
        let mut epochs_done = 0;
        let result = fit(&data, &hyper, &AtomicBool::new(false), &mut |e| {
            if let TrainEvent::Epoch { .. } = e {
                epochs_done += 1
            }
        });
        if let Err(stop @ StopReason::NonFinite { epoch: 2.., .. }) = result {
            found = Some((stop, epochs_done));
            break;
        }
    }
    let (stop, epochs_done) = found.expect("some rate stops after the first epoch");
    let StopReason::NonFinite { epoch, last_good, .. } = &stop else { panic!("{stop}") };
    assert_eq!(epochs_done, epoch - 1, "{stop}");
    let head = last_good.as_ref().expect("a finished epoch's head");
    assert!(head.is_finite().unwrap());
    let p = head.predict(&data.gather(&[0]).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap()).unwrap();
    assert!(p.probs.iter().all(|v| v.is_finite()));
    assert!(stop.to_string().contains(&format!("the head of epoch {} was kept", epoch - 1)), "{stop}");

    // The kept head trains to the end but a validation head blows up (8e16 on this data): the
    // head is kept, and the report says why it was not validated.
    let hyper = Hyper { lr: 8e16, epochs: 40, units: 32, ..Hyper::tfjs_demo() };
    let t = fit(&data, &hyper, &AtomicBool::new(false), &mut |_| {}).unwrap_or_else(|r| panic!("{r}"));
    assert!(t.head.is_finite().unwrap() && t.report.val.is_none() && t.report.epochs.len() == 40);
    assert!(t.report.epochs.iter().all(|m| m.val_loss.is_none()));
    let why = t.report.plan.split.no_validation.clone().unwrap_or_default();
    assert!(why.contains("validation heads' loss became") && why.contains("80000000000000000"), "{why}");

    // Infinite features cannot even enter: they are refused when packed.
    assert!(TrainData::from_f32(classes(2), [1, 1, 2], &[1.0, f32::INFINITY, 0.0, 1.0], vec![0, 1]).is_err());
}

#[test]
fn bad_hyperparameters_and_too_few_examples_are_refused_before_training() {
    let data = synthetic(3, 2, [4, 1, 1], 0.5, 1);
    for (hyper, name) in [
        (Hyper { lr: 0.0, ..Hyper::default() }, "lr"),
        (Hyper { lr: f64::NAN, ..Hyper::default() }, "lr"),
        (Hyper { batch_fraction: 0.0, ..Hyper::default() }, "batch-fraction"),
        (Hyper { batch_fraction: 1.5, ..Hyper::default() }, "batch-fraction"),
        (Hyper { epochs: 0, ..Hyper::default() }, "epochs"),
        (Hyper { units: 0, ..Hyper::default() }, "units"),
    ] {
        let err = Training::start(data.clone(), hyper.clone(), None).err().expect("refused");
        assert!(matches!(&err, LearnError::Hyper { name: n, .. } if *n == name), "{hyper:?}: {err}");
    }
    let one = TrainData::from_f32(classes(2), [1, 1, 1], &[1.0, 2.0, 3.0], vec![0, 0, 1]).unwrap();
    let err = Training::start(one, Hyper::default(), None).err().expect("refused");
    assert!(err.to_string().contains("class `down` has 1 example(s); at least 2 are needed"), "{err}");
    assert_eq!(Hyper::default().batch_size(400), 160);
    assert_eq!(Hyper { batch_fraction: 0.05, ..Hyper::default() }.batch_size(10), 1, "never below 1");
}

// ---------------------------------------------------------------------------------------------
// dataset and project file

#[test]
fn dataset_ids_bursts_classes_and_memory_limit() {
    let mut ds = Dataset::new(Dataset::default_classes(true), source([4, 1, 1])).expect("dataset");
    assert_eq!(ds.classes(), ["up", "down", "left", "right", "none"]);
    let thumb = RgbImage::from_pixel(32, 32, Rgb([200, 10, 10]));
    let b1 = ds.new_burst();
    let a = ds.add(0, b1, &[1.0, 2.0, 3.0, 4.0], &thumb).expect("add");
    let b = ds.add(0, b1, &[1.0, 2.0, 3.0, 5.0], &thumb).expect("add");
    let b2 = ds.new_burst();
    let c = ds.add(4, b2, &[0.0; 4], &thumb).expect("add");
    assert!(a < b && b < c && b1 < b2);
    assert_eq!(ds.counts(), [2, 0, 0, 0, 1]);
    let per = ds.examples()[0].bytes();
    assert_eq!(per, 8 + ds.examples()[0].thumbnail.len() + pacnet::learn::dataset::EXAMPLE_OVERHEAD);
    assert_eq!(ds.bytes(), ds.examples().iter().map(|e| e.bytes()).sum::<usize>());
    assert_eq!(ds.examples()[0].thumbnail.decode().expect("jpeg").dimensions(), (32, 32));
    assert_eq!(ds.undo_last_burst(), 1, "undo removes the last burst only");
    assert_eq!(ds.last_burst(), Some(b1));
    assert!(ds.remove(a).is_some() && ds.get(a).is_none());
    let d = ds.add(1, ds.next_ids().1, &[0.0; 4], &thumb).expect("add");
    assert!(d > c, "ids are never reused");
    assert!(matches!(ds.add(0, b1, &[0.0; 3], &thumb), Err(LearnError::FeatureLength { expected: 4, found: 3, .. })));
    assert!(matches!(ds.add(9, b1, &[0.0; 4], &thumb), Err(LearnError::UnknownClass { .. })));
    assert!(ds.add_class("up").is_err() && ds.add_class("  ").is_err());
    assert_eq!(ds.add_class("jump").expect("new class"), 5);
    assert_eq!(ds.remove_class(0).expect("remove up"), 1);
    assert_eq!(ds.get(d).expect("kept").label, 0, "labels shift down");

    ds.set_byte_limit(ds.bytes() + per / 2);
    let err = ds.add(0, b1, &[0.0; 4], &thumb).expect_err("full");
    assert!(matches!(err, LearnError::DatasetFull { .. }) && err.to_string().contains("limit"), "{err}");
}

#[test]
fn a_head_that_steers_before_validation_ends_is_saved_without_the_last_runs_record() {
    let data = synthetic(10, 4, [8, 3, 3], 1.0, 8);
    let ds = dataset_from(&data, 1);
    let first = Hyper { epochs: 4, units: 12, seed: 1, ..Hyper::default() };
    let old = fit_ok(&ds.train_data().unwrap(), &first);
    let mut project = Project::new(ds.clone(), first.clone());
    project.set_trained(old.head.clone(), &old.report);
    assert!(project.training.is_some());

    // The next run's head steers (TrainEvent::Ready) and the project is saved before its
    // validation ends: the file has the new head and hyperparameters, and no record of the
    // old head's accuracy or hard examples.
    let second = Hyper { epochs: 6, units: 12, seed: 2, ..Hyper::default() };
    let new = fit_ok(&ds.train_data().unwrap(), &second);
    assert_ne!(params(&old.head), params(&new.head));
    project.set_ready(new.head.clone(), second.clone());
    let dir = util::tempdir();
    let path = dir.path().join("validating.pacnet");
    project.save(&path).expect("save");
    let back = Project::load(&path).expect("load");
    assert_eq!(params(back.head.as_ref().expect("head kept")), params(&new.head));
    assert_eq!(back.hyper, second);
    assert!(back.training.is_none(), "the old run's record was saved with the new head");

    // Validation ends: the record arrives and describes the new run.
    project.set_trained(new.head.clone(), &new.report);
    assert_eq!(project.training.as_ref().map(|t| t.epochs.len()), Some(6));
}

#[test]
fn class_edits_keep_labels_and_colours_aligned_drop_the_head_and_survive_a_save() {
    let data = synthetic(10, 4, [8, 3, 3], 1.0, 8);
    let ds = dataset_from(&data, 1);
    let hyper = Hyper { epochs: 3, units: 12, seed: 1, ..Hyper::default() };
    let trained = fit_ok(&ds.train_data().unwrap(), &hyper);
    let mut project = Project::new(ds, hyper);
    project.set_trained(trained.head, &trained.report);
    let before = project.dataset.counts();
    // Rename: the examples keep their label; the head (naming the old class) goes.
    let old = project.dataset.classes()[1].clone();
    project.rename_class(1, old.as_str()).expect("same name");
    assert!(project.head.is_some(), "renaming to the same name changes nothing");
    project.rename_class(1, " wave ").expect("rename");
    assert_eq!(project.dataset.classes()[1], "wave");
    assert_eq!(project.dataset.counts(), before);
    assert!(project.head.is_none() && project.training.is_none());
    // Colours follow their class through additions and removals.
    project.dataset.set_class_color(2, Some([1, 2, 3])).expect("colour");
    let jump = project.add_class("jump").expect("add");
    project.dataset.set_class_color(jump, Some([9, 9, 9])).expect("colour");
    assert_eq!(project.remove_class(0).expect("remove"), before[0]);
    assert_eq!(project.dataset.class_colors(), [None, Some([1, 2, 3]), None, Some([9, 9, 9])]);
    assert_eq!(project.dataset.counts(), [before[1], before[2], before[3], 0]);
    let dir = util::tempdir();
    let path = dir.path().join("classes.pacnet");
    project.save(&path).expect("save");
    let back = Project::load(&path).expect("load");
    assert_eq!(back.dataset.classes(), project.dataset.classes());
    assert_eq!(back.dataset.class_colors(), project.dataset.class_colors());
    assert_eq!(back.dataset.counts(), project.dataset.counts());
    // Limits: one-line typed errors, nothing changed.
    let long = "x".repeat(pacnet::learn::dataset::MAX_CLASS_NAME + 1);
    let err = project.add_class(&long).expect_err("too long");
    assert!(matches!(err, LearnError::ClassName { .. }) && err.to_string().contains("at most 32"), "{err}");
    assert!(project.dataset.rename_class(0, "jump").is_err(), "taken");
    assert!(project.dataset.rename_class(7, "new").is_err(), "unknown");
    while project.dataset.classes().len() < pacnet::learn::dataset::MAX_CLASSES {
        let n = project.dataset.classes().len();
        project.add_class(&format!("c{n}")).expect("room");
    }
    let err = project.add_class("one more").expect_err("full");
    assert!(err.to_string().contains("at most 12 classes"), "{err}");
    let mut two = Dataset::new(vec!["a".into(), "b".into()], source([4, 1, 1])).expect("dataset");
    assert!(two.remove_class(0).is_err(), "a dataset keeps at least 2 classes");
    assert_eq!(two.classes(), ["a", "b"]);
}

#[test]
fn train_save_load_predict_round_trip_is_exact() {
    let data = synthetic(10, 4, [8, 3, 3], 1.0, 8);
    let ds = dataset_from(&data, 1);
    let hyper = Hyper { epochs: 8, units: 12, seed: 4, ..Hyper::default() };
    let trained = fit_ok(&ds.train_data().unwrap(), &hyper);
    let mut project = Project::new(ds, hyper.clone());
    project.set_trained(trained.head.clone(), &trained.report);
    let dir = util::tempdir();
    let path = dir.path().join("round.pacnet");
    project.save(&path).expect("save");
    let back = Project::load(&path).expect("load");

    let rows = data.gather(&(0..data.len()).collect::<Vec<_>>()).unwrap().to_vec2::<f32>().unwrap();
    let (h0, h1) = (project.head.as_ref().unwrap(), back.head.as_ref().unwrap());
    for row in &rows {
        assert_eq!(h0.predict(row).unwrap(), h1.predict(row).unwrap(), "identical predictions");
    }
    // The per-frame `predict` (plain kernels) agrees with candle's batch path.
    let batch = h0.predict_tensor(&data.gather(&(0..data.len()).collect::<Vec<_>>()).unwrap()).unwrap();
    for (row, want) in rows.iter().zip(&batch) {
        let got = h0.predict(row).unwrap();
        assert_eq!(got.best, want.best);
        let d = got.probs.iter().zip(&want.probs).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(d < 1e-5, "predict vs predict_tensor: {d:e}");
    }
    assert_eq!(params(h0), params(h1));
    assert_eq!(h1.classes(), h0.classes());
    assert_eq!(back.hyper, hyper);
    assert_eq!(back.training, project.training);
    assert_eq!(back.dataset.source(), project.dataset.source());
    assert_eq!(back.dataset.classes(), project.dataset.classes());
    assert_eq!(back.dataset.examples(), project.dataset.examples(), "ids, labels, bursts, times, features, thumbnails");
    assert_eq!(back.dataset.next_ids(), project.dataset.next_ids());
    assert_eq!(back.dataset.bytes(), project.dataset.bytes());
    // Saving over an existing file replaces it, and an empty project (no head) round-trips too.
    Project::new(dataset_from(&synthetic(2, 2, [1, 1, 2], 0.1, 1), 2), Hyper::default())
        .save(&path)
        .expect("overwrite");
    let small = Project::load(&path).expect("load");
    assert!(small.head.is_none() && small.dataset.len() == 4);
    assert!(
        !dir.path().read_dir().unwrap().flatten().any(|e| e.file_name().to_string_lossy().ends_with(".tmp")),
        "no temporary files left"
    );
}

fn load_error(path: &Path) -> String {
    let e = Project::load(path).expect_err("must fail");
    let text = e.to_string();
    assert!(!text.contains('\n'), "one line: {text}");
    assert!(text.contains(&path.display().to_string()), "names the file: {text}");
    text
}

#[test]
fn truncated_corrupt_foreign_and_newer_project_files_are_refused_clearly() {
    let dir = util::tempdir();
    let good = dir.path().join("good.pacnet");
    let ds = dataset_from(&synthetic(3, 2, [4, 2, 2], 0.5, 2), 3);
    let mut project = Project::new(ds, Hyper::default());
    project.head = Some(Head::init(classes(2), [4, 2, 2], 3, 0).unwrap());
    project.save(&good).expect("save");
    let bytes = std::fs::read(&good).unwrap();
    assert_eq!(&bytes[..8], &MAGIC);
    let write = |name: &str, b: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, b).unwrap();
        p
    };

    let t = load_error(&write("cut.pacnet", &bytes[..bytes.len() - 100]));
    assert!(t.contains("truncated") && t.contains(&format!("{} bytes", bytes.len() - 100)), "{t}");
    assert!(load_error(&write("stub.pacnet", &bytes[..20])).contains("truncated"));

    let mut flipped = bytes.clone();
    let last = flipped.len() - 10;
    flipped[last] ^= 0x40;
    let t = load_error(&write("flipped.pacnet", &flipped));
    assert!(t.contains("corrupt") && t.contains("checksum"), "{t}");
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"junk");
    assert!(load_error(&write("longer.pacnet", &longer)).contains("corrupt"));

    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let t = load_error(&write("newer.pacnet", &newer));
    assert!(t.contains(&format!("version {}", FORMAT_VERSION + 1)) && t.contains("update pacnet"), "{t}");

    let t = load_error(&util::photo("burger.jpg"));
    assert!(t.contains("not a pacnet project") && t.contains("JPEG"), "{t}");
    let t = load_error(&util::v1_dir().join("model.safetensors"));
    assert!(t.contains("not a pacnet project") && t.contains("safetensors"), "{t}");
    assert!(load_error(&write("notes.pacnet", b"my project notes\n")).contains("text file"));
    assert!(load_error(&write("empty.pacnet", b"")).contains("empty"));
    let missing = dir.path().join("missing.pacnet");
    let t = load_error(&missing);
    assert!(t.contains("missing.pacnet") && t.contains("no such file"), "{t}");
    assert!(Project::load(&good).is_ok(), "the original still loads");
}

#[test]
fn a_failed_save_never_damages_the_previous_file() {
    let dir = util::tempdir();
    let path = dir.path().join("keep.pacnet");
    let first = Project::new(dataset_from(&synthetic(3, 2, [4, 2, 2], 0.5, 2), 3), Hyper::default());
    first.save(&path).expect("save");
    let before = std::fs::read(&path).unwrap();
    let second =
        Project::new(dataset_from(&synthetic(5, 3, [4, 2, 2], 0.5, 4), 5), Hyper { epochs: 40, ..Hyper::default() });

    let nowhere = dir.path().join("no/such/dir/x.pacnet");
    let e = second.save(&nowhere).expect_err("missing directory");
    assert!(
        matches!(e, LearnError::Output(_))
            && e.to_string().contains("x.pacnet")
            && e.to_string().contains("cannot be used"),
        "{e}"
    );
    // The rename fails when the target is a directory: the temporary file goes, nothing else changes.
    let blocker = dir.path().join("blocker.pacnet");
    std::fs::create_dir(&blocker).unwrap();
    std::fs::write(blocker.join("inside"), b"x").unwrap();
    assert!(second.save(&blocker).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    // (A write that fails half-way is tested through the CLI with a file-size limit.)
}

// ---------------------------------------------------------------------------------------------
// the real backbone

#[test]
fn real_mobilenet_learns_where_the_object_is_held() {
    let bb = backbone();
    let cut = bb.default_cut();
    assert_eq!(bb.cuts()[cut].alias.as_deref(), Some("conv_pw_13_relu"));
    let f = Featurizer::new(bb, cut, Crop::CenterSquare).expect("featurizer");
    let sc = scenes();
    let mut ds = Dataset::new(classes(4), f.source().clone()).expect("dataset");
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let frames: Vec<(usize, RgbImage)> =
        (0..4 * 30).map(|i| (i % 4, sc.frame(i % 4, TRAIN_BGS[(i / 4) % 4], &mut rng))).collect();
    let samples: Vec<_> = frames.iter().map(|(c, img)| (*c, f.frame(img).expect("features"))).collect();
    let burst = ds.new_burst();
    for (c, s) in &samples {
        ds.add(*c, burst, &s.features, &s.input).expect("add");
    }
    let trained = fit_ok(&ds.train_data().unwrap(), &Hyper::default());
    let val = trained.report.val_accuracy().expect("a validation split");
    println!(
        "real backbone: {} bytes per example ({} of them thumbnail)",
        ds.bytes() / ds.len(),
        ds.examples().iter().map(|e| e.thumbnail.len()).sum::<usize>() / ds.len()
    );

    // Held out: new jitters on the two backgrounds never seen in training.
    let mut rng = ChaCha8Rng::seed_from_u64(4242);
    let (mut right, mut right16, mut total, mut worst_prob) = (0, 0, 0, 0f32);
    for i in 0..4 * 15 {
        let c = i % 4;
        let s = f.frame(&sc.frame(c, HELD_OUT_BGS[(i / 4) % 2], &mut rng)).expect("features");
        let p32 = trained.head.predict(&s.features).unwrap();
        let p16 = trained.head.predict(&Features::from_f32(&s.features).unwrap().to_f32()).unwrap();
        right += usize::from(p32.best == c);
        right16 += usize::from(p16.best == c);
        worst_prob = worst_prob.max(util::max_abs_diff(&p32.probs, &p16.probs));
        total += 1;
    }
    let held_out = right as f64 / total as f64;
    println!(
        "real backbone: validation {val:.3}, held-out {held_out:.3} ({right}/{total}), f16 vs f32 max prob diff {worst_prob:.2e}"
    );
    assert!(held_out >= 0.9, "held-out accuracy {held_out:.3} ({right}/{total})");
    assert_eq!(right16, right, "f16 storage changes no held-out answer");
    assert!(worst_prob < 2e-3, "f16 vs f32 probabilities differ by {worst_prob}");

    // The project knows what it was recorded with; another cut is a mismatch that says why,
    // and re-featurising from the thumbnails fixes it (and drops the stale head).
    let mut project = Project::new(ds, Hyper::default());
    project.set_trained(trained.head.clone(), &trained.report);
    project.check_backbone(bb, cut).expect("same backbone and cut");
    let other = bb.find_cut("conv_pw_11_relu").expect("cut");
    let err = project.check_backbone(bb, other).expect_err("other cut").to_string();
    assert!(err.contains("blocks.4.1") && err.contains("differ in cut") && err.contains("re-featurise"), "{err}");
    let cancel = AtomicBool::new(false);
    let mut calls = Vec::new();
    let moved = project
        .refeaturize(&Featurizer::new(bb, other, Crop::CenterSquare).unwrap(), &mut |d, t| calls.push((d, t)), &cancel)
        .expect("re-featurise");
    assert!(moved.head.is_none());
    moved.check_backbone(bb, other).expect("now at the other cut");
    assert_eq!(moved.dataset.examples()[0].features.len(), bb.cuts()[other].len());
    assert_eq!(calls.last(), Some(&(120, 120)));
    let ids = |p: &Project| p.dataset.examples().iter().map(|e| (e.id, e.label, e.burst)).collect::<Vec<_>>();
    assert_eq!(ids(&moved), ids(&project));

    // Back at the default cut from the JPEG thumbnails: the same answers on held-out frames.
    let back = refeaturize(&moved.dataset, &f, &mut |_, _| {}, &cancel).expect("re-featurise back");
    let retrained = fit_ok(&back.train_data().unwrap(), &Hyper::default());
    let mut rng = ChaCha8Rng::seed_from_u64(4242);
    let again = (0..4 * 15)
        .filter(|&i| {
            retrained
                .head
                .predict(&f.frame(&sc.frame(i % 4, HELD_OUT_BGS[(i / 4) % 2], &mut rng)).unwrap().features)
                .unwrap()
                .best
                == i % 4
        })
        .count();
    println!("after re-featurising from thumbnails: held-out {again}/{total}");
    assert!(again as f64 / total as f64 >= 0.9, "{again}/{total}");
    cancel.store(true, Ordering::Relaxed);
    assert!(matches!(refeaturize(&project.dataset, &f, &mut |_, _| {}, &cancel), Err(LearnError::Cancelled)));
}

// ---------------------------------------------------------------------------------------------
// the command line

pub(crate) fn train_cmd(data: &Path, out: &Path) -> std::process::Command {
    let mut cmd = pacnet();
    cmd.arg("train").arg("--data").arg(data).arg("--out").arg(out).arg("--model").arg(util::v1_dir());
    cmd
}

#[test]
fn cli_train_eval_predict_end_to_end() {
    let dir = util::tempdir();
    let (data, test, out) = (dir.path().join("data"), dir.path().join("test"), dir.path().join("pacman.pacnet"));
    scenes().write_folder(&data, 8, &TRAIN_BGS, 1);
    scenes().write_folder(&test, 5, &HELD_OUT_BGS, 2);
    std::fs::write(data.join("left/broken.jpg"), b"this is not a JPEG").unwrap();

    let (code, stdout, stderr) = run(train_cmd(&data, &out).args(["--epochs", "20", "--seed", "1"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("skipped 1 unreadable file") && stderr.contains("broken.jpg"), "{stderr}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("validation accuracy: "), "{stdout}");
    let val: f64 = last.trim_start_matches("validation accuracy: ").parse().expect("a number");
    assert!(stdout.contains("examples: 32 (down 8, left 8, right 8, up 8)"), "{stdout}");
    let project = Project::load(&out).expect("the project was written");
    let recorded = project.training.as_ref().and_then(|t| t.val.as_ref()).and_then(|c| c.accuracy());
    assert_eq!(recorded.map(|a| format!("{a:.3}")), Some(format!("{val:.3}")), "the printed accuracy is the saved one");
    assert!(val >= 0.5, "far above chance (0.25) on the held-out examples: {stdout}");
    assert_eq!(project.dataset.classes(), ["down", "left", "right", "up"], "class folders in name order");
    assert!(project.head.is_some());
    assert_eq!(project.dataset.source().cut, "blocks.4.1");

    let (code, stdout, stderr) = run(pacnet().arg("eval").arg("--project").arg(&out).arg("--data").arg(&test));
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let last = lines.last().copied().unwrap_or_default();
    let ok = last.len() == "accuracy: 0.000".len()
        && last.starts_with("accuracy: ")
        && last[10..].chars().enumerate().all(|(i, ch)| if i == 1 { ch == '.' } else { ch.is_ascii_digit() });
    assert!(ok, "last line must match ^accuracy: \\d\\.\\d{{3}}$: {stdout}");
    let acc: f64 = last[10..].parse().unwrap();
    println!("cli eval on held-out backgrounds: {acc}");
    assert!(acc >= 0.5, "far above chance (0.25) even with 8 examples per class: {stdout}");
    assert!(stdout.contains("evaluated 20 images"), "{stdout}");
    assert!(stdout.contains("per-class accuracy:") && stdout.contains("confusion matrix"), "{stdout}");
    assert!(lines.iter().any(|l| l.trim_start().starts_with("left ") && l.contains("/5)")), "{stdout}");

    // predict on every held-out image agrees with eval, image by image: the same number right.
    let img = |c: &str| test.join(c).join("000.jpg");
    let all: Vec<PathBuf> = ["down", "left", "right", "up"]
        .iter()
        .flat_map(|c| (0..5).map(move |i| (c, i)))
        .map(|(c, i)| test.join(c).join(format!("{i:03}.jpg")))
        .collect();
    assert!(all.iter().all(|p| p.is_file()), "the test folder has 000.jpg … 004.jpg per class");
    let (code, stdout, stderr) = run(pacnet().arg("predict").arg("--project").arg(&out).args(&all));
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), all.len(), "{stdout}");
    let mut right = 0;
    for (line, path) in lines.iter().zip(&all) {
        assert!(line.starts_with(&path.display().to_string()), "{line}");
        let truth = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap();
        let best = line.split(": ").nth(1).and_then(|r| r.split(' ').next()).unwrap();
        let probs: Vec<(String, f32)> = line
            .split('[')
            .nth(1)
            .unwrap()
            .trim_end_matches(']')
            .split(", ")
            .map(|kv| {
                let (k, v) = kv.split_once(' ').unwrap();
                (k.to_owned(), v.parse::<f32>().unwrap())
            })
            .collect();
        assert!((probs.iter().map(|p| p.1).sum::<f32>() - 1.0).abs() < 0.01, "{line}");
        let top = probs.iter().max_by(|a, b| a.1.total_cmp(&b.1)).map(|p| p.0.as_str());
        assert_eq!(top, Some(best), "the named class is the most probable one: {line}");
        right += usize::from(best == truth);
    }
    assert_eq!(format!("{:.3}", right as f64 / all.len() as f64), format!("{acc:.3}"), "predict agrees with eval");

    // A bad project file or image: one line, non-zero exit.
    let (code, _, stderr) = run(pacnet().arg("predict").arg("--project").arg(util::photo("cat.jpg")).arg(img("up")));
    assert_one_line_error(code, &stderr, &["cat.jpg", "not a pacnet project"]);
    let (code, _, stderr) = run(pacnet().arg("predict").arg("--project").arg(&out).arg(data.join("left/broken.jpg")));
    assert_one_line_error(code, &stderr, &["broken.jpg"]);
    let (code, _, stderr) =
        run(pacnet().arg("eval").arg("--project").arg(&out).arg("--data").arg(&data).arg("--model").arg(dir.path()));
    assert_one_line_error(code, &stderr, &["config.json"]);
}

#[test]
fn cli_train_refuses_bad_folders_and_flags_with_one_line() {
    let dir = util::tempdir();
    let out = dir.path().join("x.pacnet");
    let data = dir.path().join("data");
    scenes().write_folder(&data, 2, &TRAIN_BGS, 3);

    for (flag, value) in [
        ("--lr", "0"),
        ("--lr", "-1"),
        ("--batch-fraction", "0"),
        ("--batch-fraction", "1.5"),
        ("--epochs", "0"),
        ("--units", "0"),
    ] {
        let (code, _, stderr) = run(train_cmd(&data, &out).args([flag, value]));
        assert_one_line_error(code, &stderr, &[&format!("invalid {flag} {value}")]);
    }

    std::fs::create_dir(data.join("jump")).unwrap();
    let (code, _, stderr) = run(&mut train_cmd(&data, &out));
    assert_one_line_error(code, &stderr, &["jump", "empty class folder"]);
    std::fs::remove_dir(data.join("jump")).unwrap();

    std::fs::remove_file(data.join("up/001.jpg")).unwrap();
    std::fs::write(data.join("up/001.jpg"), b"not an image").unwrap();
    let (code, _, stderr) = run(&mut train_cmd(&data, &out));
    assert_one_line_error(code, &stderr, &["class `up` has 1 example(s)", "at least 2", "1 unreadable"]);

    let lonely = dir.path().join("lonely");
    scenes().write_folder(&lonely, 2, &TRAIN_BGS, 3);
    for c in ["down", "left", "right"] {
        std::fs::remove_dir_all(lonely.join(c)).unwrap();
    }
    let (code, _, stderr) = run(&mut train_cmd(&lonely, &out));
    assert_one_line_error(code, &stderr, &["1 class sub-folder", "at least 2"]);
    let (code, _, stderr) = run(&mut train_cmd(&dir.path().join("nope"), &out));
    assert_one_line_error(code, &stderr, &["nope"]);
    let (code, _, stderr) = run(train_cmd(&data, &out).args(["--cut", "conv_pw_99"]));
    assert_one_line_error(code, &stderr, &["conv_pw_99"]);
    assert!(!out.exists(), "nothing written by a failed train");
}

#[test]
fn cli_save_that_fails_half_way_keeps_the_previous_project() {
    let dir = util::tempdir();
    let data = dir.path().join("data");
    scenes().write_folder(&data, 2, &TRAIN_BGS, 5);
    let out = dir.path().join("keep.pacnet");
    Project::new(dataset_from(&synthetic(3, 2, [4, 2, 2], 0.5, 2), 3), Hyper::default()).save(&out).expect("save");
    let before = std::fs::read(&out).unwrap();
    // A 4-block file-size limit makes the write fail part-way (EFBIG; SIGXFSZ is ignored so the
    // error reaches pacnet's own handling).
    let script = r#"trap '' XFSZ; ulimit -f 4; exec "$0" "$@""#;
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(script).arg(env!("CARGO_BIN_EXE_pacnet"));
    cmd.args(["train", "--epochs", "2", "--data"]).arg(&data).arg("--out").arg(&out).arg("--model").arg(util::v1_dir());
    cmd.env_remove("PACNET_MODEL");
    let (code, _, stderr) = run(&mut cmd);
    assert_one_line_error(code, &stderr, &["keep.pacnet", "cannot save", "unchanged"]);
    assert_eq!(std::fs::read(&out).unwrap(), before, "the old project is untouched");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "the temporary file is removed: {names:?}");
}

// ---------------------------------------------------------------------------------------------
// the backbone's identity: architecture, cut and the weights' sha256

/// A copy of the v1 model in `dir` with `f` applied to every value of tensor `name`.
pub(crate) fn model_with(dir: &Path, name: &str, f: impl Fn(f32) -> f32) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for file in ["config.json", "labels.txt"] {
        std::fs::copy(util::v1_dir().join(file), dir.join(file)).unwrap();
    }
    let mut bytes = std::fs::read(util::v1_dir().join("model.safetensors")).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + header_len]).unwrap();
    let range = &header[name]["data_offsets"];
    let (start, end) = (range[0].as_u64().unwrap() as usize, range[1].as_u64().unwrap() as usize);
    for chunk in bytes[8 + header_len + start..8 + header_len + end].chunks_exact_mut(4) {
        let v = f(f32::from_le_bytes(chunk.try_into().unwrap()));
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    std::fs::write(dir.join("model.safetensors"), bytes).unwrap();
    dir.to_owned()
}

/// Rewrites a saved project as pacnet's format version 1 wrote it: no weights' hash in the
/// feature source, version 1 in the header, the checksum recomputed.
fn as_format_1(path: &Path) {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).unwrap();
    let meta_len = u64::from_le_bytes(bytes[16..24].try_into().unwrap()) as usize;
    let mut meta: serde_json::Value = serde_json::from_slice(&bytes[64..64 + meta_len]).unwrap();
    assert!(meta["source"]["weights_sha256"].is_string(), "format 2 records the hash");
    meta["source"].as_object_mut().unwrap().remove("weights_sha256");
    let mut body = serde_json::to_vec(&meta).unwrap();
    body.extend_from_slice(&bytes[64 + meta_len..]);
    let mut out = bytes[..64].to_vec();
    out[8..12].copy_from_slice(&1u32.to_le_bytes());
    out[16..24].copy_from_slice(&((body.len() - (bytes.len() - 64 - meta_len)) as u64).to_le_bytes());
    out[32..64].copy_from_slice(&Sha256::digest(&body));
    out.extend_from_slice(&body);
    std::fs::write(path, out).unwrap();
}

/// A small project of scene frames featurised by `bb` at its default cut, with a head.
fn scene_project(bb: &Backbone) -> Project {
    let cut = bb.default_cut();
    let f = Featurizer::new(bb, cut, Crop::CenterSquare).unwrap();
    let mut ds = Dataset::new(classes(4), f.source().clone()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let burst = ds.new_burst();
    for i in 0..16 {
        let s = f.frame(&scenes().frame(i % 4, TRAIN_BGS[i % 4], &mut rng)).unwrap();
        ds.add(i % 4, burst, &s.features, &s.input).unwrap();
    }
    let trained = fit_ok(&ds.train_data().unwrap(), &Hyper { epochs: 3, ..Hyper::default() });
    let mut p = Project::new(ds, Hyper::default());
    p.set_trained(trained.head, &trained.report);
    p
}

#[test]
fn a_project_knows_its_backbone_by_the_weights_hash_and_format_1_files_migrate() {
    let bb = backbone();
    let cut = bb.default_cut();
    let project = scene_project(bb);
    let source = project.dataset.source().clone();
    assert_eq!(source.weights_sha256.as_deref(), Some(pacnet::backbone::builtin::SHA256));
    assert!(std::path::Path::new(&source.backbone).is_absolute(), "where it was: {}", source.backbone);

    // The same bytes elsewhere (here: compiled in) are the same backbone.
    let builtin = Backbone::builtin().unwrap();
    project.check_backbone(&builtin, builtin.default_cut()).expect("identical weights, other place");
    // One changed value (in the classifier, which the features do not even read): refused.
    let dir = util::tempdir();
    let bias = Backbone::load_dir(&model_with(&dir.path().join("bias"), "classifier.bias", |v| v + 1.0)).unwrap();
    let err = project.check_backbone(&bias, cut).expect_err("other weights").to_string();
    assert!(err.contains("differ in weights)") && err.contains(&bb.weights_sha256()[..16]), "{err}");
    assert!(err.contains(&bias.weights_sha256()[..16]), "names both hashes: {err}");

    // A format-1 file: it loads, lacks the hash, and matches nothing until migrated.
    let path = dir.path().join("old.pacnet");
    project.save(&path).unwrap();
    as_format_1(&path);
    let mut old = Project::load(&path).expect("format 1 still opens");
    assert_eq!(old.dataset.source().weights_sha256, None);
    assert_eq!(old.dataset.examples(), project.dataset.examples());
    assert!(old.head.is_some());
    let err = old.check_backbone(&builtin, cut).expect_err("unknown weights").to_string();
    assert!(err.contains("weights not recorded"), "{err}");
    // Weights that compute other features are not adopted ...
    let negated = Backbone::load_dir(&model_with(&dir.path().join("neg"), "conv_stem.weight", |v| -v)).unwrap();
    let Adoption::NotReproduced { worst_cosine: Some(low) } = old.adopt_weights(&negated, cut).unwrap() else {
        panic!("other weights must not be adopted")
    };
    assert_eq!(old.dataset.source().weights_sha256, None);
    // ... the recorded ones (from anywhere) are: their features come back from the thumbnails.
    let Adoption::Adopted { checked, worst_cosine: high } = old.adopt_weights(&builtin, cut).unwrap() else {
        panic!("the recorded weights must be adopted")
    };
    println!("format-1 migration: cosine {high:.5} with the recorded weights, {low:.5} with other ones");
    assert_eq!(checked, pacnet::learn::project::ADOPT_CHECKED);
    assert!(high >= pacnet::learn::project::ADOPT_MIN_COSINE && low < 0.9, "{high} {low}");
    old.check_backbone(&builtin, cut).expect("migrated");
    assert_eq!(old.adopt_weights(&builtin, cut).unwrap(), Adoption::Recorded);
    // Saved again, it is format 2 with the hash.
    old.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), FORMAT_VERSION);
    assert_eq!(Project::load(&path).unwrap().dataset.source().weights_sha256, source.weights_sha256);
}

#[test]
fn cli_a_moved_identical_model_is_accepted_and_other_weights_at_the_same_path_refused() {
    let dir = util::tempdir();
    let (data, out) = (dir.path().join("data"), dir.path().join("p.pacnet"));
    scenes().write_folder(&data, 3, &TRAIN_BGS, 7);
    let copy = model_with(&dir.path().join("m/copy"), "classifier.bias", |v| v);
    let (code, _, stderr) = run(pacnet()
        .args(["train", "--epochs", "3", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .arg("--model")
        .arg(&copy));
    assert_eq!(code, 0, "{stderr}");
    let moved = dir.path().join("m/moved");
    std::fs::rename(&copy, &moved).unwrap();
    let eval = |model: Option<&Path>| {
        let mut cmd = pacnet();
        cmd.arg("eval").arg("--project").arg(&out).arg("--data").arg(&data);
        if let Some(m) = model {
            cmd.arg("--model").arg(m);
        }
        run(&mut cmd)
    };
    // Where it was recorded, there is nothing now: one line that says to pass --model.
    let (code, _, stderr) = eval(None);
    assert_one_line_error(code, &stderr, &["p.pacnet", "no such directory", "pass --model"]);
    // The same bytes somewhere else: accepted by eval and predict.
    let (code, stdout, stderr) = eval(Some(&moved));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.lines().last().unwrap_or_default().starts_with("accuracy: "), "{stdout}");
    let img = data.join("up/000.jpg");
    let (code, stdout, stderr) =
        run(pacnet().arg("predict").arg("--project").arg(&out).arg("--model").arg(&moved).arg(&img));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&img.display().to_string()), "{stdout}");
    let (code, _, stderr) = eval(Some(Path::new("builtin")));
    assert_eq!(code, 0, "the built-in model has the same bytes: {stderr}");
    // Other weights at that same path: refused, saying why.
    model_with(&moved, "classifier.bias", |v| v * 1.5);
    let (code, _, stderr) = eval(Some(&moved));
    assert_one_line_error(code, &stderr, &["p.pacnet", "differ in weights"]);
    let (code, _, stderr) =
        run(pacnet().arg("predict").arg("--project").arg(&out).arg("--model").arg(&moved).arg(&img));
    assert_one_line_error(code, &stderr, &["differ in weights"]);

    // A format-1 copy of the project still evaluates, with a note, when the model reproduces it.
    as_format_1(&out);
    let (code, stdout, stderr) = run(pacnet()
        .arg("eval")
        .arg("--project")
        .arg(&out)
        .arg("--data")
        .arg(&data)
        .arg("--model")
        .arg(util::v1_dir()));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("older pacnet") && stderr.contains("reproduces"), "{stderr}");
    assert!(stdout.contains("accuracy: "), "{stdout}");
}

#[test]
fn cli_train_eval_predict_default_to_the_builtin_model_offline() {
    let dir = util::tempdir();
    let home = util::tempdir();
    let (data, out) = (dir.path().join("data"), dir.path().join("p.pacnet"));
    scenes().write_folder(&data, 3, &TRAIN_BGS, 8);
    let offline = |cmd: &mut std::process::Command| {
        cmd.env("HOME", home.path()).env("HF_HUB_OFFLINE", "1").env_remove("HF_HOME");
    };
    let mut train = pacnet();
    offline(train.args(["train", "--epochs", "3", "--data"]).arg(&data).arg("--out").arg(&out));
    let (code, stdout, stderr) = run(&mut train);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("features: tf_mobilenetv1_025 (builtin, weights 8f0423d080916017)"), "{stdout}");
    assert_eq!(Project::load(&out).unwrap().dataset.source().backbone, "builtin");
    let mut eval = pacnet();
    offline(eval.arg("eval").arg("--project").arg(&out).arg("--data").arg(&data));
    let (code, stdout, stderr) = run(&mut eval);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.lines().last().unwrap_or_default().starts_with("accuracy: "), "{stdout}");
    let mut predict = pacnet();
    offline(predict.arg("predict").arg("--project").arg(&out).arg(data.join("left/000.jpg")));
    let (code, _, stderr) = run(&mut predict);
    assert_eq!(code, 0, "{stderr}");
}
