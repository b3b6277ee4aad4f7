//! Backbone tests: golden outputs of every fixture architecture (block by block, at the
//! fixtures' tolerances), preprocessing against the reference, cut points, the depthwise
//! kernel against candle's reference, and bad input.

use std::path::Path;

use candle_core::{Device, Tensor};
use pacnet::backbone::kernels::Padding;
use pacnet::backbone::{Act, Backbone, BackboneError, Crop, builtin, load_image, ops};

use crate::util::{self, Named, max_abs_diff, read_safetensors};

/// Runs every golden image through the network, compares each cut's activation with the
/// golden tensor `act.<cut>` (tolerance from `atol`), and returns the worst difference per key.
fn compare_blocks(bb: &Backbone, golden: &Named, atol: &dyn Fn(&str) -> f32) -> Vec<(String, f32)> {
    let (ishape, input) = &golden["input"];
    let per = ishape[1..].iter().product::<usize>();
    let last = bb.cuts().len() - 1;
    let mut worst: Vec<(String, f32)> = bb.cuts().iter().map(|c| (format!("act.{}", c.name), 0.0)).collect();
    for (n, img) in input.chunks_exact(per).enumerate() {
        bb.net()
            .run(img, last, &mut |i, values| {
                let key = &worst[i].0.clone();
                let Some((shape, want)) = golden.get(key) else { return };
                let len: usize = shape[1..].iter().product();
                let d = max_abs_diff(values, &want[n * len..(n + 1) * len]);
                // The first block that drifts is the one to look at: name it.
                assert!(d <= atol(key), "image {n}: {key} drifts by {d:e} > {:e}", atol(key));
                worst[i].1 = worst[i].1.max(d);
            })
            .expect("forward pass");
    }
    worst
}

fn golden_head(
    bb: &Backbone,
    golden: &Named,
    key: &str,
    pick: &dyn Fn(&pacnet::backbone::HeadOutputs) -> Vec<f32>,
    atol: f32,
) -> f32 {
    let (ishape, input) = &golden["input"];
    let batch = Tensor::from_vec(input.clone(), ishape.as_slice(), &Device::Cpu).expect("input tensor");
    let outs = bb.head_outputs(&batch).expect("head outputs");
    let (shape, want) = &golden[key];
    let k = shape[1];
    let mut worst = 0.0f32;
    for (n, o) in outs.iter().enumerate() {
        let d = max_abs_diff(&pick(o), &want[n * k..(n + 1) * k]);
        assert!(d <= atol, "image {n}: {key} differs by {d:e} > {atol:e}");
        worst = worst.max(d);
    }
    worst
}

/// Checks the real MobileNet v1 0.25 against the TFLite goldens: all 27 activations, pooled,
/// logits, probs.
fn check_v1_goldens(bb: &Backbone, what: &str) {
    let golden = read_safetensors(&util::models().join("golden/tf_mobilenetv1_025.golden.safetensors"));
    let worst = compare_blocks(bb, &golden, &|_| 1e-3);
    // All 27 activations of the TFLite golden are checked (stem, 13 depthwise, 13 pointwise).
    let checked = worst.iter().filter(|(k, _)| golden.contains_key(k)).count();
    assert_eq!(checked, 27);
    let act_worst = worst.iter().map(|w| w.1).fold(0.0, f32::max);
    let pooled = golden_head(bb, &golden, "pooled", &|o| o.pooled.clone(), 2e-4);
    let logits = golden_head(bb, &golden, "logits", &|o| o.logits.clone(), 5e-4);
    let probs = golden_head(bb, &golden, "probs", &|o| o.probs.clone(), 2e-5);
    eprintln!(
        "{what} max |diff|: activations {act_worst:.2e}, pooled {pooled:.2e}, logits {logits:.2e}, probs {probs:.2e}"
    );
}

/// Every instruction-set level this CPU runs (AVX-512, AVX2, portable: each a different
/// blocked layout and kernel set) at 1 and 2 threads, so a forced lower level is checked too.
fn every_level_and_thread_count(dir: &Path) -> Vec<(Backbone, String)> {
    let levels = pacnet::backbone::kernels::simd::available();
    assert_eq!(levels.last(), Some(&pacnet::backbone::kernels::simd::Level::PORTABLE));
    let mut out = Vec::new();
    for level in levels {
        for threads in [1, 2] {
            let mut bb = Backbone::load_dir_at(dir, level).unwrap_or_else(|e| panic!("load {}: {e}", dir.display()));
            bb.net_mut().set_threads(threads);
            out.push((bb, format!("{:?} × {threads} thread(s)", level.isa())));
        }
    }
    out
}

#[test]
fn golden_tf_mobilenetv1_025_matches_tflite_block_by_block() {
    for (bb, what) in every_level_and_thread_count(&util::v1_dir()) {
        check_v1_goldens(&bb, &format!("tf_mobilenetv1_025 at {what}"));
    }
}

#[test]
fn the_builtin_model_is_the_real_v1_025_and_matches_the_tflite_goldens() {
    let bb = Backbone::builtin().expect("built-in model");
    check_v1_goldens(&bb, "built-in model");
    assert_eq!(bb.id(), "builtin");
    assert!(bb.is_builtin() && bb.dir().as_os_str().is_empty(), "reads no directory");
    assert_eq!(bb.architecture(), "tf_mobilenetv1_025");
    assert_eq!(bb.cuts()[bb.default_cut()].alias.as_deref(), Some("conv_pw_13_relu"));
    // The compiled-in bytes are the fixture's, and their hash is the pinned identity.
    let fixture = pacnet::backbone::hub::sha256_file(&util::v1_dir().join("model.safetensors")).expect("sha");
    assert_eq!(bb.weights_sha256(), fixture);
    assert_eq!(bb.weights_sha256(), builtin::SHA256);
    assert_eq!(Backbone::load_dir(&util::v1_dir()).expect("v1").weights_sha256(), builtin::SHA256);
    assert_eq!(bb.labels().name(0), "background");
    assert_eq!(bb.labels().len(), 1001);
    // models/ holds exactly what is compiled in, and its README states every file's sha256.
    let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let readme = std::fs::read_to_string(models.join("README.md")).expect("models/README.md");
    for (file, bytes) in [
        ("config.json", builtin::CONFIG.as_bytes()),
        ("model.safetensors", builtin::WEIGHTS),
        ("labels.txt", builtin::LABELS.as_bytes()),
    ] {
        assert_eq!(std::fs::read(models.join(file)).expect("models/ file"), bytes, "models/{file}");
        assert_eq!(std::fs::read(util::v1_dir().join(file)).expect("fixture"), bytes, "{file} equals the fixture");
        let sha = pacnet::backbone::hub::sha256_hex(bytes);
        let line = readme.lines().find(|l| l.contains(&format!("`{file}`"))).unwrap_or_else(|| panic!("{file} row"));
        assert!(line.contains(&sha) && line.contains(&bytes.len().to_string()), "README row for {file}: {line}");
    }
}

fn golden_timm_random(name: &str, expected_default_cut: &str) {
    let dir = util::timm_random_dir(name);
    for (bb, what) in every_level_and_thread_count(dir.path()) {
        golden_timm_random_at(&bb, &format!("{name} at {what}"), name, expected_default_cut);
    }
}

fn golden_timm_random_at(bb: &Backbone, what: &str, name: &str, expected_default_cut: &str) {
    let fixtures = util::models().join("timm_random");
    let golden = read_safetensors(&fixtures.join(format!("{name}.golden.safetensors")));
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures.join(format!("{name}.golden.json"))).expect("golden json"),
    )
    .expect("json");
    let atol =
        |key: &str| meta["suggested_atol"][key].as_f64().unwrap_or_else(|| panic!("no tolerance for {key}")) as f32;
    let worst = compare_blocks(bb, &golden, &atol);
    let act_keys: Vec<&String> = golden.keys().filter(|k| k.starts_with("act.")).collect();
    let checked = worst.iter().filter(|(k, _)| golden.contains_key(k)).count();
    assert_eq!(checked, act_keys.len(), "{what}: every golden activation must correspond to a cut point");

    // `features` is the last cut (V2: after conv_head + bn2).
    let last = bb.cuts().len() - 1;
    let (fshape, fwant) = &golden["features"];
    let (ishape, input) = &golden["input"];
    let per: usize = ishape[1..].iter().product();
    let flen: usize = fshape[1..].iter().product();
    for (n, img) in input.chunks_exact(per).enumerate() {
        let got = bb.net().run(img, last, &mut |_, _| {}).expect("run");
        let d = max_abs_diff(&got, &fwant[n * flen..(n + 1) * flen]);
        assert!(d <= atol("features"), "{what} image {n}: features differ by {d:e}");
    }
    let pre = golden_head(bb, &golden, "pre_logits", &|o| o.pre_logits.clone(), atol("pre_logits"));
    let logits = golden_head(bb, &golden, "logits", &|o| o.logits.clone(), atol("logits"));
    let ratio = worst.iter().filter(|&(k, _)| golden.contains_key(k)).map(|(k, d)| d / atol(k)).fold(0.0, f32::max);
    eprintln!("{what}: worst activation at {ratio:.3} of its tolerance; pre_logits {pre:.2e}, logits {logits:.2e}");
    assert_eq!(bb.cuts()[bb.default_cut()].name, expected_default_cut, "{what} default cut");
}

#[test]
fn golden_mobilenetv3_large_100() {
    golden_timm_random("mobilenetv3_large_100", "blocks.5.2");
}

#[test]
fn golden_mobilenetv3_small_100() {
    golden_timm_random("mobilenetv3_small_100", "blocks.4.2");
}

#[test]
fn golden_tf_mobilenetv3_small_100() {
    golden_timm_random("tf_mobilenetv3_small_100", "blocks.4.2");
}

#[test]
fn golden_mobilenetv2_100() {
    golden_timm_random("mobilenetv2_100", "blocks.6.0");
}

#[test]
fn features_tensor_api_matches_per_image_runs_and_cut_names() {
    let bb = Backbone::load_dir(&util::v1_dir()).expect("load");
    let cut = bb.find_cut("conv_pw_13_relu").expect("keras alias");
    assert_eq!(cut, bb.find_cut("blocks.4.1").expect("timm name"));
    assert_eq!(cut, bb.default_cut(), "the TF.js demo's cut is V1's default");
    assert_eq!(bb.cuts()[cut].shape, [256, 7, 7]);
    assert_eq!(bb.cuts()[cut].label(), "blocks.4.1 — 256×7×7 (conv_pw_13_relu)");
    assert_eq!(bb.cuts()[bb.find_cut("conv_dw_13_relu").expect("dw alias")].name, "blocks.4.1.bn1");
    assert_eq!(bb.cuts().len(), 27);
    let err = bb.find_cut("blocks.9.9").expect_err("unknown cut");
    assert!(err.to_string().contains("unknown cut `blocks.9.9`"), "{err}");

    let imgs = [load_image(&util::photo("cat.jpg")).expect("cat"), load_image(&util::photo("dogs.jpg")).expect("dogs")];
    let batch = bb.preprocess().batch(&imgs, Crop::CenterSquare).expect("batch");
    let feats = bb.features(&batch, cut).expect("features");
    assert_eq!(feats.dims(), [2, 256, 7, 7]);
    let one = bb.image_features(&imgs[1], Crop::CenterSquare, cut).expect("one");
    let second: Vec<f32> = feats.get(1).and_then(|t| t.flatten_all()).and_then(|t| t.to_vec1()).expect("row");
    assert_eq!(one, second, "batch and single-image paths must agree exactly");
    // A cut is a prefix of the full run: activations() agrees with features() at every depth.
    let acts = bb.activations(&batch, cut).expect("activations");
    assert_eq!(acts.len(), cut + 1);
    let last: Vec<f32> = acts[cut].flatten_all().and_then(|t| t.to_vec1()).expect("flat");
    let direct: Vec<f32> = feats.flatten_all().and_then(|t| t.to_vec1()).expect("flat");
    assert_eq!(last, direct);
    let bad = Tensor::zeros((1, 3, 100, 100), candle_core::DType::F32, &Device::Cpu).expect("zeros");
    assert!(matches!(bb.features(&bad, cut), Err(BackboneError::Input(_))));
}

#[test]
fn preprocessing_is_close_to_pillow_and_real_photos_keep_their_top1() {
    let bb = Backbone::load_dir(&util::v1_dir()).expect("load");
    let golden = read_safetensors(&util::models().join("golden/tf_mobilenetv1_025.golden.safetensors"));
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(util::models().join("golden/tf_mobilenetv1_025.golden.json")).expect("json"),
    )
    .expect("json");
    let (_, input) = &golden["input"];
    let per = 3 * 224 * 224;
    for (n, entry) in meta["top5"].as_array().expect("top5").iter().enumerate() {
        let file = entry["file"].as_str().expect("file");
        let img = load_image(&util::photo(file)).expect("photo");
        // The goldens resize the whole image (no crop) with Pillow's antialiased bilinear filter.
        let chw = bb.preprocess().chw(&img, Crop::Whole).expect("preprocess");
        let want = &input[n * per..(n + 1) * per];
        let mean_diff = chw.iter().zip(want).map(|(a, b)| (a - b).abs()).sum::<f32>() / per as f32;
        // Pixels are within a couple of 8-bit levels of Pillow (1 level = 2/255 here).
        assert!(mean_diff < 2.0 / 255.0, "{file}: mean |diff| {mean_diff} vs Pillow");
        let out = bb.head_outputs_chw(&chw).expect("head");
        let top = bb.top_k(&out.probs, 1);
        let want_label = entry["top5"][0]["label"].as_str().expect("label");
        assert_eq!(top[0].label, want_label, "{file}: top-1 through pacnet's preprocessing");
    }
}

#[test]
fn depthwise_kernel_matches_candle_reference_on_every_backbone_shape() {
    let dev = Device::Cpu;
    let mut checked = 0;
    for &(k, stride) in &[(3, 1), (3, 2), (5, 1), (5, 2)] {
        for padding in [Padding::TfSame, Padding::Symmetric(k / 2)] {
            for &(c, hw) in &[(8, 112), (16, 56), (72, 28), (5, 15), (3, 7), (4, 9), (2, 14)] {
                let x = Tensor::randn(0f32, 1.0, (2, c, hw, hw), &dev).expect("x");
                let w = Tensor::randn(0f32, 1.0, (c, 1, k, k), &dev).expect("w");
                let b = Tensor::randn(0f32, 1.0, c, &dev).expect("b");
                for act in [Act::Identity, Act::Relu6, Act::HardSwish] {
                    let fast = ops::depthwise_conv2d(&x, &w, &b, stride, padding, act).expect("fast");
                    let slow = ops::depthwise_conv2d_slow(&x, &w, &b, stride, padding, act).expect("slow");
                    assert_eq!(fast.dims(), slow.dims(), "k{k} s{stride} {padding:?} {c}×{hw}");
                    let d = max_abs_diff(
                        &fast.flatten_all().and_then(|t| t.to_vec1()).expect("f"),
                        &slow.flatten_all().and_then(|t| t.to_vec1()).expect("s"),
                    );
                    assert!(d < 1e-4, "k{k} s{stride} {padding:?} {c}×{hw} {act:?}: {d:e}");
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 4 * 2 * 7 * 3);
    // TF "same" is asymmetric at stride 2 on even sizes, so it must differ from symmetric there.
    let x = Tensor::randn(0f32, 1.0, (1, 2, 8, 8), &dev).expect("x");
    let w = Tensor::randn(0f32, 1.0, (2, 1, 3, 3), &dev).expect("w");
    let b = Tensor::zeros(2, candle_core::DType::F32, &dev).expect("b");
    let tf = ops::depthwise_conv2d(&x, &w, &b, 2, Padding::TfSame, Act::Identity).expect("tf");
    let sym = ops::depthwise_conv2d(&x, &w, &b, 2, Padding::Symmetric(1), Act::Identity).expect("sym");
    let diff =
        (tf - sym).and_then(|d| d.abs()).and_then(|d| d.max_all()).and_then(|d| d.to_scalar::<f32>()).expect("diff");
    assert!(diff > 1e-3, "TF same and symmetric padding agreed at stride 2");
    let bad_w = Tensor::zeros((3, 1, 3, 3), candle_core::DType::F32, &dev).expect("w");
    let err = ops::depthwise_conv2d(&x, &bad_w, &b, 1, Padding::TfSame, Act::Identity).expect_err("shape mismatch");
    assert!(err.to_string().contains("[2, 1, k, k]"), "{err}");
}

#[test]
fn every_simd_level_computes_the_same_depthwise_and_linear() {
    use pacnet::backbone::kernels::{self, Geom, Planes, blocked, simd};
    let dev = Device::Cpu;
    let levels = simd::available();
    assert!(levels.contains(&simd::Level::PORTABLE));
    // Block width for `c` channels at `level`, as the network picks it (8-channel layers keep
    // 8-wide blocks even on AVX-512).
    let bw = |c: usize, level: simd::Level| if c <= 8 { 8 } else { level.lanes() };
    for &(k, stride, c, hw) in
        &[(3, 1, 6, 112), (3, 2, 5, 56), (5, 1, 4, 28), (5, 2, 3, 14), (3, 1, 7, 7), (5, 2, 2, 9), (3, 1, 40, 14)]
    {
        for padding in [Padding::TfSame, Padding::Symmetric(k / 2)] {
            let x = Tensor::randn(0f32, 1.0, (1, c, hw, hw), &dev).expect("x");
            let w = Tensor::randn(0f32, 1.0, (c, 1, k, k), &dev).expect("w");
            let b = Tensor::randn(0f32, 1.0, c, &dev).expect("b");
            let want: Vec<f32> = ops::depthwise_conv2d_slow(&x, &w, &b, stride, padding, Act::HardSwish)
                .and_then(|t| t.flatten_all())
                .and_then(|t| t.to_vec1())
                .expect("reference");
            let (xv, wv, bv): (Vec<f32>, Vec<f32>, Vec<f32>) = (
                x.flatten_all().and_then(|t| t.to_vec1()).expect("x"),
                w.flatten_all().and_then(|t| t.to_vec1()).expect("w"),
                b.to_vec1().expect("b"),
            );
            let g = Geom::new(hw, hw, k, stride, padding);
            for &level in &levels {
                let mut out = vec![f32::NAN; c * g.out_len()];
                kernels::depthwise::depthwise_chw(level, &xv, &wv, &bv, &g, Act::HardSwish, &mut out);
                let d = max_abs_diff(&out, &want);
                assert!(d < 1e-4, "{level:?} k{k} s{stride} {padding:?} {c}×{hw}: {d:e}");
            }
        }
    }
    // Pointwise convolution (register tiles on blocked layouts) against gemm + separate
    // epilogue on CHW, at every level, on shapes with pixel, channel and block tails (8-wide
    // blocks included), with and without a residual. The halo must come out zero.
    for &(cin, cout, side) in &[
        (8, 16, 112),
        (16, 24, 56),
        (72, 40, 28),
        (120, 40, 14),
        (960, 160, 7),
        (3, 5, 17),
        (7, 9, 33),
        (16, 8, 9),
        (40, 72, 10),
    ] {
        let hw = side * side;
        let x: Vec<f32> = (0..cin * hw).map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0).collect();
        let w: Vec<f32> = (0..cout * cin).map(|i| ((i * 53 % 89) as f32 / 44.0) - 1.0).collect();
        let b: Vec<f32> = (0..cout).map(|i| i as f32 * 0.1 - 0.5).collect();
        let r: Vec<f32> = (0..cout * hw).map(|i| ((i * 11 % 13) as f32) * 0.01).collect();
        for residual in [None, Some(r.as_slice())] {
            let mut want = vec![0.0; cout * hw];
            kernels::dense::pointwise(&x, &w, &b, cin, hw, Act::Relu6, residual, &mut want, 1);
            for &level in &levels {
                let xp = Planes { c: cin, h: side, w: side, bw: bw(cin, level), halo: 2 };
                let op = Planes { c: cout, h: side, w: side, bw: bw(cout, level), halo: 2 };
                let mut xb = vec![0.0; xp.len()];
                blocked::from_chw(&x, &xp, &mut xb);
                let rb = residual.map(|r| {
                    let mut v = vec![0.0; op.len()];
                    blocked::from_chw(r, &op, &mut v);
                    v
                });
                let packed = kernels::pointwise::pack_weights(&w, cout, cin, op.bw);
                let bias = kernels::pointwise::pad_bias(&b, op.bw);
                let mut ob = vec![f32::NAN; op.len()];
                kernels::pointwise::pointwise(level, &xb, &xp, &packed, &bias, Act::Relu6, rb.as_deref(), &mut ob, &op);
                let mut out = vec![f32::NAN; cout * hw];
                blocked::to_chw(&ob, &op, &mut out, 0..op.blocks());
                let d = max_abs_diff(&out, &want);
                assert!(d < 1e-3, "{level:?} pointwise {cin}→{cout} × {side}²: {d:e}");
                // Halo and padding lanes are zero: everything but the data positions.
                let mut data = vec![false; op.len()];
                for blk in 0..op.blocks() {
                    for y in 0..side {
                        for xx in 0..side {
                            let at = op.at(blk, y, xx);
                            data[at..at + op.bw.min(cout - blk * op.bw)].iter_mut().for_each(|v| *v = true);
                        }
                    }
                }
                assert!(
                    ob.iter().zip(&data).all(|(v, d)| *d || *v == 0.0),
                    "{level:?} pointwise {cin}→{cout}: halo or padding lanes not zero"
                );
            }
        }
    }
    // The stem's direct convolution against im2col + gemm.
    for &(cin, cout, hw, padding) in &[
        (3, 8, 224, Padding::TfSame),
        (3, 16, 224, Padding::Symmetric(1)),
        (2, 5, 15, Padding::TfSame),
        (3, 32, 30, Padding::Symmetric(1)),
    ] {
        let g = Geom::new(hw, hw, 3, 2, padding);
        let x: Vec<f32> = (0..cin * hw * hw).map(|i| ((i * 29 % 97) as f32 / 48.0) - 1.0).collect();
        let w: Vec<f32> = (0..cout * cin * 9).map(|i| ((i * 7 % 31) as f32 / 15.0) - 1.0).collect();
        let b: Vec<f32> = (0..cout).map(|i| i as f32 * 0.05).collect();
        let mut cols = vec![0.0; cin * 9 * g.out_len()];
        let mut want = vec![0.0; cout * g.out_len()];
        kernels::conv_dense(&x, cin, &w, &b, &g, Act::HardSwish, &mut cols, &mut want, 1);
        for &level in &levels {
            let op = Planes { c: cout, h: g.out_h, w: g.out_w, bw: bw(cout, level), halo: 1 };
            let packed = kernels::pointwise::pack_weights(&w, cout, cin * 9, op.bw);
            let bias = kernels::pointwise::pad_bias(&b, op.bw);
            let mut ob = vec![f32::NAN; op.len()];
            kernels::conv::conv(level, &x, cin, &g, &packed, &bias, Act::HardSwish, &mut ob, &op);
            let mut out = vec![f32::NAN; cout * g.out_len()];
            blocked::to_chw(&ob, &op, &mut out, 0..op.blocks());
            let d = max_abs_diff(&out, &want);
            assert!(d < 1e-4, "{level:?} stem {cin}→{cout} {hw} {padding:?}: {d:e}");
        }
    }
    // Matrix-vector products (squeeze-excite, the bench head) at every level, odd lengths.
    let (n, m) = (37, 5);
    let x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
    let w: Vec<f32> = (0..n * m).map(|i| (i as f32 * 0.11).cos()).collect();
    let b: Vec<f32> = (0..m).map(|i| i as f32 - 2.0).collect();
    let want: Vec<f32> = (0..m).map(|o| (0..n).map(|i| w[o * n + i] * x[i]).sum::<f32>() + b[o]).collect();
    for &level in &levels {
        let mut out = vec![0.0; m];
        kernels::linear_at(level, &x, &w, &b, Act::Identity, &mut out);
        assert!(max_abs_diff(&out, &want) < 1e-4, "{level:?}: {out:?} vs {want:?}");
    }
}

#[test]
fn a_team_runs_every_chunk_exactly_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use pacnet::backbone::kernels::team::Team;
    for threads in [1, 2, 3] {
        let team = Team::new(threads);
        assert_eq!(team.threads(), threads);
        let counts: Vec<AtomicUsize> = (0..37).map(|_| AtomicUsize::new(0)).collect();
        let workers = std::sync::Mutex::new(std::collections::HashSet::new());
        for round in 0..2000 {
            let chunks = 1 + round % 37;
            team.run(chunks, &|i| {
                counts[i].fetch_add(1, Ordering::Relaxed);
                if let Ok(mut w) = workers.lock() {
                    w.insert(std::thread::current().id());
                }
            });
            // Parked helpers must wake up for the next step too.
            if round % 500 == 499 {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        let want = |i: usize| (0..2000).filter(|r| r % 37 >= i).count();
        for (i, c) in counts.iter().enumerate() {
            assert_eq!(c.load(Ordering::Relaxed), want(i), "{threads} threads: chunk {i}");
        }
        let n = workers.lock().map(|w| w.len()).unwrap_or(0);
        assert!(n >= 1 && n <= threads, "{threads} threads, {n} distinct workers");
    }
}

/// A model directory in a temp dir whose files can be broken one at a time.
fn scratch_model() -> tempfile::TempDir {
    let dir = util::tempdir();
    for f in ["config.json", "model.safetensors", "labels.txt"] {
        std::fs::copy(util::v1_dir().join(f), dir.path().join(f)).expect("copy fixture to temp");
    }
    dir
}

fn load_err(dir: &Path) -> String {
    match Backbone::load_dir(dir) {
        Ok(_) => panic!("{} loaded although broken", dir.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_model_files_give_one_line_errors_naming_the_file() {
    let dir = scratch_model();
    let st = dir.path().join("model.safetensors");
    let cfg = dir.path().join("config.json");
    let original = std::fs::read(&st).expect("read");

    // Missing file.
    std::fs::remove_file(&st).expect("rm");
    let e = load_err(dir.path());
    assert!(e.contains("model.safetensors") && e.contains("missing"), "{e}");
    // Truncated.
    std::fs::write(&st, &original[..original.len() / 2]).expect("write");
    let e = load_err(dir.path());
    assert!(e.contains("model.safetensors") && e.contains("not a valid safetensors"), "{e}");
    // Not safetensors at all.
    std::fs::write(&st, b"this is not a tensor file, just text that goes on a bit").expect("write");
    let e = load_err(dir.path());
    assert!(e.contains("model.safetensors: not a valid safetensors"), "{e}");
    // A tensor with the wrong shape.
    let mut tensors = read_safetensors(&util::v1_dir().join("model.safetensors"));
    tensors.get_mut("blocks.2.1.conv_pw.weight").expect("tensor").0 = vec![64, 32, 1, 2];
    write_safetensors(&st, &tensors);
    let e = load_err(dir.path());
    assert!(e.contains("`blocks.2.1.conv_pw.weight` has shape [64, 32, 1, 2], expected [64, 64, 1, 1]"), "{e}");
    // A missing tensor.
    let mut tensors = read_safetensors(&util::v1_dir().join("model.safetensors"));
    tensors.remove("blocks.3.3.bn2.running_var");
    write_safetensors(&st, &tensors);
    let e = load_err(dir.path());
    assert!(e.contains("tensor `blocks.3.3.bn2.running_var` is missing"), "{e}");
    std::fs::write(&st, &original).expect("restore");
    assert!(Backbone::load_dir(dir.path()).is_ok());

    // Weights of another architecture: the V3 small file under a V1 config.
    std::os::unix::fs::symlink(
        util::models().join("timm_random/mobilenetv3_small_100.safetensors"),
        dir.path().join("v3.safetensors"),
    )
    .expect("ln");
    std::fs::rename(dir.path().join("v3.safetensors"), &st).expect("mv");
    let e = load_err(dir.path());
    assert!(e.contains("model.safetensors") && e.contains("tensor `"), "{e}");
    std::fs::remove_file(&st).expect("rm");
    std::fs::write(&st, &original).expect("restore");

    // Unknown architecture, config without keys, config not JSON.
    let good_cfg = std::fs::read_to_string(&cfg).expect("cfg");
    std::fs::write(&cfg, good_cfg.replace("tf_mobilenetv1_025", "resnet50")).expect("w");
    let e = load_err(dir.path());
    assert!(e.contains("unknown architecture `resnet50`"), "{e}");
    std::fs::write(&cfg, r#"{"architecture": "tf_mobilenetv1_025", "num_classes": 1001}"#).expect("w");
    let e = load_err(dir.path());
    assert!(e.contains("config.json: key `pretrained_cfg.input_size` is missing"), "{e}");
    std::fs::write(&cfg, good_cfg.replace("\"mean\"", "\"meen\"")).expect("w");
    let e = load_err(dir.path());
    assert!(e.contains("key `pretrained_cfg.mean` is missing"), "{e}");
    std::fs::write(&cfg, "{ not json").expect("w");
    let e = load_err(dir.path());
    assert!(e.contains("config.json: not valid JSON"), "{e}");
    std::fs::write(&cfg, &good_cfg).expect("w");
    // labels.txt with the wrong count.
    std::fs::write(dir.path().join("labels.txt"), "a\nb\n").expect("w");
    let e = load_err(dir.path());
    assert!(e.contains("labels.txt: 2 labels, but the model has 1001 classes"), "{e}");
    assert!(!e.contains('\n'), "errors are one line: {e}");
}

fn write_safetensors(path: &Path, tensors: &Named) {
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(name, (shape, values))| {
            let bytes: &[u8] = bytemuck_f32(values);
            (
                name.clone(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), bytes).expect("view"),
            )
        })
        .collect();
    safetensors::serialize_to_file(views, None, path).expect("serialize");
}

fn bytemuck_f32(v: &[f32]) -> &[u8] {
    // SAFETY: f32 has no padding and any byte pattern is a valid u8; the length is exact.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

#[test]
fn bad_images_give_errors_naming_the_file() {
    let dir = util::tempdir();
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").expect("w");
    let e = load_image(&empty).expect_err("empty").to_string();
    assert!(e.contains("empty.jpg") && e.contains("0 bytes"), "{e}");
    let text = dir.path().join("notes.png");
    std::fs::write(&text, b"hello, I am not a picture").expect("w");
    let e = load_image(&text).expect_err("text").to_string();
    assert!(e.contains("notes.png") && e.contains("not a recognised image"), "{e}");
    let broken = dir.path().join("broken.jpg");
    let jpeg = std::fs::read(util::photo("burger.jpg")).expect("burger");
    std::fs::write(&broken, &jpeg[..200]).expect("w");
    let e = load_image(&broken).expect_err("truncated").to_string();
    assert!(e.contains("broken.jpg") && e.contains("truncated JPEG"), "{e}");
    let e = load_image(&dir.path().join("nope.jpg")).expect_err("missing").to_string();
    assert!(e.contains("nope.jpg"), "{e}");
}

pub mod hub {
    //! The download path for real, against a local server that answers like the Hub; also the
    //! model argument's rules and offline mode.

    use std::collections::HashMap;
    use std::sync::Arc;

    use pacnet::backbone::hub::{self, ModelSource, sha256_file};
    use pacnet::backbone::{Backbone, Fetch, FetchOptions};

    use crate::util;

    /// What the fake Hub serves for one file.
    #[derive(Clone)]
    pub struct Served {
        /// The bytes it sends.
        pub body: Vec<u8>,
        /// The hash it announces (the Hub's `x-linked-etag` for LFS files).
        pub etag: String,
        /// Bytes actually sent for a full request (simulates a cut connection when shorter).
        pub send: usize,
    }

    /// A minimal Hugging Face Hub on 127.0.0.1: `GET /{repo}/resolve/{rev}/{file}` with Range
    /// support and the headers hf-hub reads (x-repo-commit, x-linked-etag, content-range).
    pub struct FakeHub {
        pub url: String,
        pub hits: Arc<std::sync::atomic::AtomicUsize>,
        _server: Arc<tiny_http::Server>,
    }

    impl FakeHub {
        pub fn start(files: HashMap<String, Served>) -> Self {
            let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
            let url = format!("http://{}", server.server_addr().to_ip().expect("ip"));
            let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let (srv, h) = (server.clone(), hits.clone());
            std::thread::spawn(move || {
                for req in srv.incoming_requests() {
                    h.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let path = req.url().to_string();
                    let Some(f) = files.iter().find(|(k, _)| path.ends_with(k.as_str())).map(|(_, v)| v.clone()) else {
                        let _ = req.respond(tiny_http::Response::from_string("not found").with_status_code(404));
                        continue;
                    };
                    let range = req
                        .headers()
                        .iter()
                        .find(|h| h.field.equiv("Range"))
                        .map(|h| h.value.to_string())
                        .unwrap_or_default();
                    let start: usize =
                        range.trim_start_matches("bytes=").split('-').next().and_then(|s| s.parse().ok()).unwrap_or(0);
                    let end = if range.ends_with("-0") { start + 1 } else { f.send.max(start) };
                    let body = f.body.get(start..end.min(f.body.len())).unwrap_or(&[]).to_vec();
                    let total = f.body.len();
                    let headers = [
                        format!("x-repo-commit: {}", "a".repeat(40)),
                        format!("x-linked-etag: \"{}\"", f.etag),
                        format!("etag: \"{}\"", f.etag),
                        format!("content-range: bytes {start}-{}/{total}", end.saturating_sub(1)),
                    ];
                    let mut resp = tiny_http::Response::from_data(body).with_status_code(206);
                    for h in headers {
                        if let Ok(h) = h.parse::<tiny_http::Header>() {
                            resp.add_header(h);
                        }
                    }
                    let _ = req.respond(resp);
                }
            });
            Self { url, hits, _server: server }
        }
    }

    /// The real v1 0.25 files, as the fake Hub serves them for any repo.
    pub fn v1_files() -> HashMap<String, Served> {
        let mut files = HashMap::new();
        for f in ["config.json", "model.safetensors"] {
            let path = util::v1_dir().join(f);
            let body = std::fs::read(&path).expect("fixture");
            let etag = sha256_file(&path).expect("sha");
            files.insert(f.to_string(), Served { send: body.len(), body, etag });
        }
        files
    }

    fn source(sha: Option<&str>) -> ModelSource {
        ModelSource::Hub {
            repo: "test/tf_mobilenetv1_025".into(),
            revision: "main".into(),
            sha256: sha.map(String::from),
        }
    }

    #[test]
    fn downloads_into_the_cache_verifies_and_then_works_offline() {
        let hub = FakeHub::start(v1_files());
        let cache = util::tempdir();
        let opts = FetchOptions {
            endpoint: Some(hub.url.clone()),
            cache_dir: Some(cache.path().to_owned()),
            ..Default::default()
        };
        let want = sha256_file(&util::v1_dir().join("model.safetensors")).expect("sha");
        let mut events = Vec::new();
        let bb = Backbone::load(&source(Some(&want)), &opts, &mut |e| events.push(e)).expect("download");
        assert_eq!(bb.architecture(), "tf_mobilenetv1_025");
        assert_eq!(bb.id(), "test/tf_mobilenetv1_025");
        let size = std::fs::metadata(util::v1_dir().join("model.safetensors")).expect("meta").len();
        assert!(
            events.iter().any(|e| matches!(e, Fetch::Downloading { file, done, total } if file == "model.safetensors" && *done == size && *total == size)),
            "progress must reach the full size: {events:?}"
        );
        assert!(cache.path().join("models--test--tf_mobilenetv1_025").is_dir(), "standard HF cache layout");

        // Offline: an endpoint that refuses connections; the cache answers and is re-verified.
        let before = hub.hits.load(std::sync::atomic::Ordering::SeqCst);
        let offline = FetchOptions {
            endpoint: Some("http://127.0.0.1:9".into()),
            cache_dir: Some(cache.path().to_owned()),
            ..Default::default()
        };
        let mut events = Vec::new();
        let again = Backbone::load(&source(Some(&want)), &offline, &mut |e| events.push(e)).expect("cached");
        assert_eq!(again.architecture(), "tf_mobilenetv1_025");
        assert!(events.iter().all(|e| matches!(e, Fetch::Cached { .. })), "{events:?}");
        assert_eq!(hub.hits.load(std::sync::atomic::Ordering::SeqCst), before, "no request when cached");
    }

    #[test]
    fn wrong_checksum_is_refused_and_the_bad_file_removed() {
        let hub = FakeHub::start(v1_files());
        let cache = util::tempdir();
        let opts = FetchOptions {
            endpoint: Some(hub.url.clone()),
            cache_dir: Some(cache.path().to_owned()),
            ..Default::default()
        };
        let pinned = "0".repeat(64);
        let err = Backbone::load(&source(Some(&pinned)), &opts, &mut |_| {}).err().expect("must fail").to_string();
        assert!(err.contains("sha256 is") && err.contains(&pinned) && err.contains("model.safetensors"), "{err}");
        let left: Vec<_> = walk(cache.path()).into_iter().filter(|p| p.ends_with("model.safetensors")).collect();
        assert!(left.iter().all(|p| !p.exists()), "the corrupt file must not stay in the cache: {left:?}");

        // The server announces one hash but sends other bytes (no pinned hash): refused too.
        let mut files = v1_files();
        if let Some(f) = files.get_mut("model.safetensors") {
            f.etag = "1".repeat(64);
        }
        let hub2 = FakeHub::start(files);
        let cache2 = util::tempdir();
        let opts2 = FetchOptions {
            endpoint: Some(hub2.url.clone()),
            cache_dir: Some(cache2.path().to_owned()),
            ..Default::default()
        };
        let err = Backbone::load(&source(None), &opts2, &mut |_| {}).err().expect("must fail").to_string();
        assert!(err.contains(&"1".repeat(64)), "{err}");
    }

    #[test]
    fn truncated_download_is_an_error_not_a_broken_model() {
        let mut files = v1_files();
        if let Some(f) = files.get_mut("model.safetensors") {
            f.send = f.body.len() / 3;
        }
        let hub = FakeHub::start(files);
        let cache = util::tempdir();
        let opts = FetchOptions {
            endpoint: Some(hub.url.clone()),
            cache_dir: Some(cache.path().to_owned()),
            ..Default::default()
        };
        let err = Backbone::load(&source(None), &opts, &mut |_| {}).err().expect("must fail").to_string();
        assert!(err.contains("model.safetensors"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn no_network_and_no_cache_says_how_to_get_weights() {
        let cache = util::tempdir();
        let opts = FetchOptions {
            endpoint: Some("http://127.0.0.1:9".into()),
            cache_dir: Some(cache.path().to_owned()),
            ..Default::default()
        };
        let v3 = hub::catalog_entry("v3-large").expect("catalog").source();
        let err = Backbone::load(&v3, &opts, &mut |_| {}).err().expect("must fail").to_string();
        assert!(err.contains("timm/mobilenetv3_large_100.ra_in1k") && err.contains("--model builtin"), "{err}");
        assert!(err.contains("--model DIR") && err.contains("PACNET_MODEL") && !err.contains('\n'), "{err}");
    }

    #[test]
    fn offline_makes_no_request_and_says_what_is_missing_in_one_line() {
        let hub = FakeHub::start(v1_files());
        let cache = util::tempdir();
        let opts = |offline| FetchOptions {
            endpoint: Some(hub.url.clone()),
            cache_dir: Some(cache.path().to_owned()),
            offline,
            ..Default::default()
        };
        for src in [source(None), hub::catalog_entry("v3-small").expect("catalog").source()] {
            assert!(!hub::is_available_offline(&src, &opts(true)));
            let err = Backbone::load(&src, &opts(true), &mut |_| {}).err().expect("offline").to_string();
            assert!(err.contains("not in the Hugging Face cache") && err.contains("offline"), "{err}");
            assert!(err.contains("config.json") && !err.contains('\n'), "{err}");
        }
        assert_eq!(hub.hits.load(std::sync::atomic::Ordering::SeqCst), 0, "offline means no request at all");
        // Online once, then offline works from the cache, still without a request.
        Backbone::load(&source(None), &opts(false), &mut |_| {}).expect("download");
        let hits = hub.hits.load(std::sync::atomic::Ordering::SeqCst);
        assert!(hits > 0, "the fake Hub counts requests");
        assert!(hub::is_available_offline(&source(None), &opts(true)));
        let bb = Backbone::load(&source(None), &opts(true), &mut |_| {}).expect("cached");
        assert_eq!(bb.weights_sha256(), pacnet::backbone::builtin::SHA256);
        assert_eq!(hub.hits.load(std::sync::atomic::Ordering::SeqCst), hits);
        // The built-in model and a directory never touch the hub either.
        assert!(Backbone::load(&ModelSource::Builtin, &opts(true), &mut |_| {}).is_ok());
        assert!(Backbone::load(&ModelSource::Dir(util::v1_dir()), &opts(true), &mut |_| {}).is_ok());
        assert_eq!(hub.hits.load(std::sync::atomic::Ordering::SeqCst), hits);
    }

    #[test]
    fn a_cancelled_download_stops_quietly_and_resumes_later() {
        let hub = FakeHub::start(v1_files());
        let cache = util::tempdir();
        let cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let opts = FetchOptions {
            endpoint: Some(hub.url.clone()),
            cache_dir: Some(cache.path().to_owned()),
            cancel: Some(cancel.clone()),
            ..Default::default()
        };
        let mut seen = Vec::new();
        let err = Backbone::load(&source(None), &opts, &mut |e| {
            if let Fetch::Downloading { file, done, .. } = &e
                && file == "model.safetensors"
                && *done > 0
            {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            seen.push(e);
        })
        .err()
        .expect("cancelled")
        .to_string();
        assert!(err.contains("cancelled") && err.contains("test/tf_mobilenetv1_025"), "{err}");
        let last = seen.iter().rev().find_map(|e| match e {
            Fetch::Downloading { file, done, total } if file == "model.safetensors" => Some((*done, *total)),
            _ => None,
        });
        assert!(last.is_some_and(|(d, t)| d < t), "stopped before the end: {last:?}");
        assert!(!hub::is_available_offline(&source(None), &FetchOptions { offline: true, ..opts.clone() }));
        // A later download completes (and verifies) from where it stopped.
        cancel.store(false, std::sync::atomic::Ordering::Relaxed);
        let bb = Backbone::load(&source(None), &opts, &mut |_| {}).expect("resumed download");
        assert_eq!(bb.weights_sha256(), pacnet::backbone::builtin::SHA256);
    }

    #[test]
    fn model_arguments_builtin_catalog_paths_and_repo_ids() {
        use pacnet::backbone::hub::CATALOG;
        assert_eq!(ModelSource::parse("builtin").expect("builtin"), ModelSource::Builtin);
        assert_eq!(ModelSource::parse(" BuiltIn ").expect("builtin"), ModelSource::Builtin);
        assert_eq!(ModelSource::resolve(None).expect("default"), ModelSource::Builtin, "(PACNET_MODEL unset in tests)");
        for e in &CATALOG {
            assert_eq!(ModelSource::parse(e.name).expect("catalog name"), e.source());
            // The repo id alone, or with a prefix of the pinned revision, is the pinned entry.
            assert_eq!(ModelSource::parse(e.repo).expect("repo"), e.source());
            assert_eq!(ModelSource::parse(&format!("{}@{}", e.repo, &e.revision[..12])).expect("rev"), e.source());
            assert_eq!(e.source().spec(), format!("{}@{}", e.repo, e.revision));
            assert_eq!(ModelSource::parse(&e.source().spec()).expect("spec round trip"), e.source());
            assert_eq!(e.source().catalog_entry(), Some(e));
            assert_eq!(e.sha256.len(), 64);
            assert_eq!(e.revision.len(), 40);
        }
        assert_eq!(
            ModelSource::parse("timm/mobilenetv2_100.ra_in1k@v1.0").expect("rev"),
            ModelSource::Hub { repo: "timm/mobilenetv2_100.ra_in1k".into(), revision: "v1.0".into(), sha256: None }
        );
        assert_eq!(
            ModelSource::parse("someone/their-model").expect("any repo"),
            ModelSource::Hub { repo: "someone/their-model".into(), revision: "main".into(), sha256: None }
        );
        // Directories: as given, and stored absolute so they load from anywhere.
        assert_eq!(
            ModelSource::parse(&util::v1_dir().display().to_string()).expect("dir"),
            ModelSource::Dir(util::v1_dir())
        );
        let spec = ModelSource::Dir(util::v1_dir()).spec();
        assert!(std::path::Path::new(&spec).is_absolute() && !spec.contains(".."), "{spec}");
        // Anything path-like is a path, never a repo id: missing ones say so.
        let dir = util::tempdir();
        let abs = dir.path().join("mine").display().to_string();
        for arg in ["./no/such/dir", "../nope", "just-a-name", "a/b/c", "x/model.safetensors", "~/m", abs.as_str()] {
            let err = ModelSource::parse(arg).expect_err(arg).to_string();
            assert!(err.starts_with(&format!("--model {arg}: no such directory")), "{arg}: {err}");
            assert!(err.contains("builtin") && !err.contains('\n'), "names the accepted forms: {err}");
        }
        // `src/x` looks like owner/name, but `src` is a folder here (the tests run in the crate).
        let err = ModelSource::parse("src/x").expect_err("path").to_string();
        assert!(err.contains("no such directory"), "{err}");
        let file = dir.path().join("weights.safetensors");
        std::fs::write(&file, b"x").expect("w");
        let err = ModelSource::parse(&file.display().to_string()).expect_err("file").to_string();
        assert!(err.contains("is a file, not a model directory"), "{err}");
        let err = ModelSource::parse_from("nowhere/..", "$PACNET_MODEL").expect_err("bad").to_string();
        assert!(err.starts_with("$PACNET_MODEL nowhere/..: "), "{err}");
        assert!(ModelSource::parse("").is_err() && ModelSource::parse("owner/-bad").is_err());
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() && !p.is_symlink() {
                    out.extend(walk(&p));
                } else {
                    out.push(p);
                }
            }
        }
        out
    }
}

/// The text of a panic raised by `f`, or `None` if it returned.
fn panic_of(f: impl FnOnce()) -> Option<String> {
    let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).err()?;
    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
}

#[test]
fn kernel_sizes_that_overflow_panic_before_any_pointer_is_formed() {
    use pacnet::backbone::kernels::{self, Geom, Planes, simd};
    // 2^32 · 2^32 wraps to 0 on 64 bits: an unchecked product passes `len >= 0` with empty
    // slices, and gemm then writes 2^64 floats through the pointer.
    let big = 1usize << 32;
    let text = panic_of(|| kernels::matmul(&[], &[], &mut [], big, big, big, 1)).expect("matmul accepted 2^32 × 2^32");
    assert!(text.contains("overflows usize"), "{text}");
    // Small, empty and degenerate shapes are still fine.
    let mut out = [7.0f32; 6];
    kernels::matmul(&[1.0; 6], &[1.0; 3], &mut out, 2, 3, 1, 1);
    assert_eq!(&out[..2], &[3.0, 3.0]);
    kernels::matmul(&[], &[], &mut out, 2, 0, 3, 1);
    assert_eq!(out, [0.0; 6], "k = 0 is a product of zeros");
    // m = 0: nothing to compute even though k and n are large (their product still fits).
    kernels::matmul(&[], &[0.0; 4], &mut [], 0, 2, 2, 1);
    let text = panic_of(|| kernels::matmul(&[], &[], &mut [], 0, big, big, 1)).expect("an impossible b passed");
    assert!(text.contains("overflows usize"), "{text}");

    // A depthwise geometry whose far padding wraps ((out_h − 1)·stride + k ≡ 3) and whose
    // layout's size wraps: stopped by the checked sums, never a read past the halo.
    let level = simd::level();
    let h = (1usize << 63) + 1;
    let g = Geom { in_h: h, in_w: 1, out_h: h, out_w: 1, k: 3, stride: 2, pad_top: 1, pad_left: 1 };
    let p = Planes { c: 8, h, w: 1, bw: 8, halo: 1 };
    let text = panic_of(|| kernels::depthwise::depthwise(level, &[], &p, &[], &[], &g, Act::Identity, &mut [], &p))
        .expect("depthwise accepted a shape whose size overflows");
    assert!(text.contains("overflows usize"), "{text}");
}
