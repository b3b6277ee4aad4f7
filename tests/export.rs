//! Export (issue 19): the ONNX graph run by ONNX Runtime (and, with `--features tract-check`,
//! by tract in-process) and the TF.js head run by TF.js in Node agree with pacnet's own
//! probabilities within 1e-4 — for a project trained with `pacnet train` on the real
//! MobileNet v1 0.25 (the golden photos), and for random-weight V2 and V3 backbones (TF "same"
//! padding, hard-swish, squeeze-excite, residuals, V2's head conv); the one-line errors;
//! atomic writing.
//!
//! With `PACNET_EXPORT_CHECK_DIR=DIR` the exports and the inputs and probabilities they were
//! checked against are kept in DIR (`scripts/check-onnx-ort.sh` uses it).

use std::path::{Path, PathBuf};

use pacnet::backbone::{Backbone, Crop, load_image};
use pacnet::learn::export::proto::ModelProto;
use pacnet::learn::export::{ExportError, Format, export, onnx};
use pacnet::learn::{Dataset, FeatureSource, Featurizer, Head, Hyper, Project};
use prost::Message;

use crate::util::{self, assert_one_line_error, pacnet, run};

/// Largest accepted |probability difference| between pacnet and another runtime.
const TOL: f32 = 1e-4;

/// Where the exports and check data go: `$PACNET_EXPORT_CHECK_DIR/<case>` (kept) or a temp dir.
fn case_dir(case: &str) -> (PathBuf, Option<tempfile::TempDir>) {
    match std::env::var_os("PACNET_EXPORT_CHECK_DIR") {
        Some(base) => {
            let dir = PathBuf::from(base).join(case);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            (dir, None)
        }
        None => {
            let tmp = util::tempdir();
            (tmp.path().to_owned(), Some(tmp))
        }
    }
}

fn write_f32(path: &Path, values: &[f32]) {
    std::fs::write(path, values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()).unwrap();
}

/// What pacnet computed for a batch of images: the normalised inputs, the features at the cut
/// and the probabilities, written for the Node and ONNX Runtime checks.
struct Reference {
    inputs: Vec<Vec<f32>>,
    features: Vec<Vec<f32>>,
    probs: Vec<Vec<f32>>,
}

impl Reference {
    fn write(&self, dir: &Path, head: &Head, input_size: usize) {
        write_f32(&dir.join("inputs.f32"), &self.inputs.concat());
        write_f32(&dir.join("features.f32"), &self.features.concat());
        write_f32(&dir.join("expected.f32"), &self.probs.concat());
        let check = serde_json::json!({
            "n": self.probs.len(),
            "classes": head.classes(),
            "input_shape": [3, input_size, input_size],
            "feature_shape": head.input_shape(),
            "inputs": "inputs.f32",
            "features": "features.f32",
            "expected": "expected.f32",
        });
        std::fs::write(dir.join("check.json"), serde_json::to_vec_pretty(&check).unwrap()).unwrap();
    }
}

/// Runs `onnx/model.onnx` of each case dir in ONNX Runtime (scripts/onnx/check-ort.sh: a
/// venv with onnxruntime from PyPI, made once) and returns its worst difference from the
/// probabilities pacnet wrote there.
fn ort_max_diff(cases: &[&Path]) -> f32 {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/onnx/check-ort.sh");
    let started = std::time::Instant::now();
    let (code, stdout, stderr) =
        run(std::process::Command::new("bash").arg(&script).arg("--tol").arg(TOL.to_string()).args(cases));
    println!("{stdout}ONNX Runtime check took {:.1} s", started.elapsed().as_secs_f64());
    assert_eq!(code, 0, "ONNX Runtime check failed: {stdout}{stderr}");
    stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix("worst_max_abs_diff="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no worst_max_abs_diff in {stdout}"))
}

/// Runs `model.onnx` with tract on each input; returns the worst difference from `reference`.
#[cfg(feature = "tract-check")]
fn tract_max_diff(model: &Path, reference: &Reference, input_size: usize) -> f32 {
    use tract_onnx::prelude::*;
    let s = input_size;
    let plan = tract_onnx::onnx()
        .model_for_path(model)
        .and_then(|m| m.with_input_fact(0, f32::fact([1, 3, s, s]).into()))
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .unwrap_or_else(|e| panic!("tract cannot load {}: {e:?}", model.display()));
    let mut worst = 0f32;
    for (input, expected) in reference.inputs.iter().zip(&reference.probs) {
        let x = tract_ndarray::Array4::from_shape_vec((1, 3, s, s), input.clone()).unwrap();
        let out = plan.run(tvec!(Tensor::from(x).into())).expect("tract run");
        let probs: Vec<f32> = out[0].to_plain_array_view::<f32>().unwrap().iter().copied().collect();
        assert_eq!(probs.len(), expected.len(), "one probability per class");
        worst = worst.max(util::max_abs_diff(&probs, expected));
    }
    worst
}

/// The ONNX model's `metadata_props` as (key, value) pairs.
fn onnx_metadata(path: &Path) -> Vec<(String, String)> {
    let model = ModelProto::decode(std::fs::read(path).unwrap().as_slice()).expect("an ONNX ModelProto");
    model.metadata_props.into_iter().map(|e| (e.key.unwrap_or_default(), e.value.unwrap_or_default())).collect()
}

/// The last dimension of the ONNX model's output: how many classes it predicts.
pub(crate) fn onnx_output_classes(path: &Path) -> i64 {
    use pacnet::learn::export::proto::tensor_shape_proto::dimension::Value as Dim;
    use pacnet::learn::export::proto::type_proto::Value;
    let model = ModelProto::decode(std::fs::read(path).unwrap().as_slice()).expect("an ONNX ModelProto");
    let output = model.graph.expect("a graph").output.into_iter().next().expect("an output");
    let Some(Value::TensorType(t)) = output.r#type.and_then(|t| t.value) else { panic!("a tensor output") };
    match t.shape.and_then(|s| s.dim.last().cloned()).and_then(|d| d.value) {
        Some(Dim::DimValue(n)) => n,
        other => panic!("the output's last dimension: {other:?}"),
    }
}

/// A 1e-4 check means something only where probabilities are neither 0 nor 1.
fn assert_unsaturated(probs: &[Vec<f32>], at_least: usize) {
    let spread = probs.iter().flatten().filter(|p| (0.02..0.98).contains(*p)).count();
    assert!(spread >= at_least, "only {spread} probabilities in (0.02, 0.98): {probs:?}");
}

/// `head` with its output kernel scaled so that its logits on `features` span about ±3: a
/// random head on a random backbone's large activations would answer only 0s and 1s.
fn moderate_head(head: Head, features: &[Vec<f32>]) -> Head {
    let [w1, b1, w2] = head.parameters().map(|t| t.clone());
    let x =
        candle_core::Tensor::from_vec(features.concat(), (features.len(), head.input_len()), &candle_core::Device::Cpu)
            .unwrap();
    let logits = head.logits(&x).unwrap().to_vec2::<f32>().unwrap();
    let spread = logits
        .iter()
        .map(|row| row.iter().fold(f32::MIN, |a, &b| a.max(b)) - row.iter().fold(f32::MAX, |a, &b| a.min(b)))
        .fold(0f32, f32::max);
    let w2 = (w2 * f64::from(6.0 / spread.max(1e-6))).unwrap();
    Head::from_parts(head.classes().to_vec(), head.input_shape(), w1, b1, w2).unwrap()
}

fn golden_photos() -> Vec<PathBuf> {
    let mut photos: Vec<PathBuf> =
        std::fs::read_dir(util::models().join("golden/images")).unwrap().flatten().map(|e| e.path()).collect();
    photos.sort();
    assert_eq!(photos.len(), 7);
    photos
}

/// A folder of three classes of golden photos, trained with the real CLI on MobileNet v1 0.25.
fn train_v1_project(dir: &Path, recipe: &str) -> PathBuf {
    let data = dir.join("data");
    for (class, names) in [
        ("animal", &["cat.jpg", "dogs.jpg", "cats_and_dogs.jpg"][..]),
        ("food", &["burger.jpg", "multi_objects.jpg"]),
        ("other", &["grace_hopper.jpg", "sparrow.png"]),
    ] {
        std::fs::create_dir_all(data.join(class)).unwrap();
        for n in names {
            std::fs::copy(util::photo(n), data.join(class).join(n)).unwrap();
        }
    }
    let project = dir.join("golden.pacnet");
    let (code, _, stderr) = run(pacnet()
        .args(["train", "--recipe", recipe, "--epochs", "1", "--seed", "3", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&project)
        .arg("--model")
        .arg(util::v1_dir()));
    assert_eq!(code, 0, "{stderr}");
    project
}

/// pacnet's own answers for the golden photos: the path `pacnet predict` takes (crop and
/// resize, normalise, backbone to the cut, head).
fn v1_reference(project: &Project, backbone: &Backbone) -> Reference {
    let head = project.head.as_ref().expect("trained");
    let source = project.dataset.source();
    let cut = backbone.find_cut(&source.cut).unwrap();
    let featurizer = Featurizer::new(backbone, cut, source.crop).unwrap();
    let s = backbone.config().input_size;
    let mut r = Reference { inputs: Vec::new(), features: Vec::new(), probs: Vec::new() };
    for photo in golden_photos() {
        let sample = featurizer.frame(&load_image(&photo).unwrap()).unwrap();
        let mut chw = vec![0.0; 3 * s * s];
        backbone.preprocess().normalize_into(&sample.input, &mut chw).unwrap();
        r.probs.push(head.predict(&sample.features).unwrap().probs);
        r.inputs.push(chw);
        r.features.push(sample.features);
    }
    r
}

#[test]
fn v1_project_exports_to_onnx_and_tfjs_that_agree_with_predict() {
    let (dir, _keep) = case_dir("v1");
    // pacnet's recipe (L2-normalised features, which the ONNX graph scales too).
    let project_file = train_v1_project(&dir, "pacnet");
    let project = Project::load(&project_file).unwrap();
    assert_eq!(project.head.as_ref().map(Head::normalize), Some(pacnet::learn::Normalize::L2));
    let head = project.head.clone().expect("trained");
    let backbone = Backbone::load_dir(&util::v1_dir()).unwrap();
    let reference = v1_reference(&project, &backbone);
    reference.write(&dir, &head, 224);
    println!("v1 head probabilities: {:?}", reference.probs);
    assert_unsaturated(&reference.probs, 7);

    // ONNX, through the command line.
    let onnx_dir = dir.join("onnx");
    let (code, stdout, stderr) =
        run(pacnet().args(["export", "--format", "onnx", "--project"]).arg(&project_file).arg("--out").arg(&onnx_dir));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("model.onnx") && stdout.contains("classes.txt"), "{stdout}");
    assert_eq!(std::fs::read_to_string(onnx_dir.join("classes.txt")).unwrap(), "animal\nfood\nother\n");
    let diff = ort_max_diff(&[&dir]);
    println!("v1 0.25 ONNX through ONNX Runtime: max |Δp| = {diff:.2e} over 7 golden photos");
    assert!(diff <= TOL, "ONNX Runtime vs pacnet: {diff}");
    #[cfg(feature = "tract-check")]
    {
        let diff = tract_max_diff(&onnx_dir.join("model.onnx"), &reference, 224);
        println!("v1 0.25 ONNX through tract: max |Δp| = {diff:.2e} over 7 golden photos");
        assert!(diff <= TOL, "tract vs pacnet: {diff}");
    }

    // The metadata says how to feed it.
    let meta = onnx_metadata(&onnx_dir.join("model.onnx"));
    let prop = |k: &str| -> &str {
        meta.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {k} in {meta:?}"))
    };
    assert_eq!(prop("classes"), r#"["animal","food","other"]"#);
    assert_eq!(prop("crop"), "center_square");
    assert_eq!(prop("input_size"), "224");
    assert_eq!(prop("mean"), "[0.5,0.5,0.5]");
    assert_eq!(prop("std"), "[0.5,0.5,0.5]");
    assert_eq!(prop("interpolation"), "bilinear");
    assert_eq!(prop("cut_alias"), "conv_pw_13_relu");
    assert_eq!(prop("pacnet_version"), env!("CARGO_PKG_VERSION"));

    // TF.js cannot scale its input: such a head is refused in one line, nothing written.
    let refused = dir.join("tfjs-refused");
    let (code, _, stderr) =
        run(pacnet().args(["export", "--format", "tfjs", "--project"]).arg(&project_file).arg("--out").arg(&refused));
    util::assert_one_line_error(code, &stderr, &["L2-normalised", "--recipe tfjs"]);
    assert!(!refused.exists());

    // TF.js: the head alone (trained with the TF.js demo's recipe), checked by TF.js itself
    // in Node on the NHWC features.
    let (dir, _keep_tfjs) = case_dir("v1-tfjs");
    let project_file = train_v1_project(&dir, "tfjs");
    let project = Project::load(&project_file).unwrap();
    let head = project.head.clone().expect("trained");
    v1_reference(&project, &backbone).write(&dir, &head, 224);
    let tfjs_dir = dir.join("tfjs");
    let (code, stdout, stderr) =
        run(pacnet().args(["export", "--format", "tfjs", "--project"]).arg(&project_file).arg("--out").arg(&tfjs_dir));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("model.json") && stdout.contains("group1-shard1of1.bin"), "{stdout}");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tfjs_dir.join("metadata.json")).unwrap()).unwrap();
    assert_eq!(meta["tfjs_mobilenet"], "mobilenet_v1_0.25_224");
    assert_eq!(meta["cut_layer"], "conv_pw_13_relu");
    assert_eq!(meta["input_shape"], serde_json::json!([7, 7, 256]));
    let started = std::time::Instant::now();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tfjs/check-head.sh");
    let (code, stdout, stderr) =
        run(std::process::Command::new("bash").arg(&script).arg(&tfjs_dir).arg(&dir).arg(TOL.to_string()));
    println!("{}TF.js check took {:.1} s", stdout, started.elapsed().as_secs_f64());
    assert_eq!(code, 0, "TF.js check failed: {stdout}{stderr}");
    let diff: f32 = stdout
        .split_whitespace()
        .find_map(|w| w.strip_prefix("max_abs_diff="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no max_abs_diff in {stdout}"));
    assert!(diff <= TOL, "TF.js vs pacnet: {diff}");
}

/// Every architecture family exports: random-weight timm fixtures at their last cut (all of
/// their layers), V3 large also at its default cut, and V1's depthwise half as a cut.
#[test]
fn random_weight_backbones_export_to_onnx_that_agrees_with_pacnet() {
    let cases: [(&str, Option<&str>); 6] = [
        ("mobilenetv3_large_100", None),
        ("mobilenetv3_large_100", Some("default")),
        ("tf_mobilenetv3_small_100", None),
        ("mobilenetv3_small_100", None),
        ("mobilenetv2_100", None),
        ("tf_mobilenetv1_025", Some("conv_dw_13_relu")),
    ];
    let (base, _keep) = case_dir("random");
    let mut dirs = Vec::new();
    for (name, cut_name) in cases {
        let fixture = (name != "tf_mobilenetv1_025").then(|| util::timm_random_dir(name));
        let model_dir = fixture.as_ref().map_or_else(util::v1_dir, |d| d.path().to_owned());
        let backbone = Backbone::load_dir(&model_dir).unwrap();
        let cut = match cut_name {
            None => backbone.cuts().len() - 1,
            Some("default") => backbone.default_cut(),
            Some(c) => backbone.find_cut(c).unwrap(),
        };
        let source = FeatureSource::of(&backbone, cut, Crop::CenterSquare).unwrap();
        let classes: Vec<String> = ["up", "down", "left", "right"].map(String::from).to_vec();
        // Inputs: the fixture's own (two N(0,1) images and the burger), else 3 golden photos.
        let golden = match &fixture {
            Some(_) => util::models().join(format!("timm_random/{name}.golden.safetensors")),
            None => util::models().join("golden/tf_mobilenetv1_025.golden.safetensors"),
        };
        let golden = util::read_safetensors(&golden);
        let inputs: Vec<&[f32]> = golden["input"].1.chunks(3 * 224 * 224).take(3).collect();
        let features: Vec<Vec<f32>> =
            inputs.iter().map(|input| backbone.net().run(input, cut, &mut |_, _| {}).unwrap()).collect();
        let head = moderate_head(Head::init(classes.clone(), source.shape, 32, 7).unwrap(), &features);
        let mut project = Project::new(Dataset::new(classes, source.clone()).unwrap(), Hyper::default());
        project.head = Some(head.clone());
        let probs = features.iter().map(|f| head.predict(f).unwrap().probs).collect();
        let reference = Reference { inputs: inputs.iter().map(|i| i.to_vec()).collect(), features, probs };
        assert_unsaturated(&reference.probs, 3);
        let case = format!("{name}@{}", source.cut);
        let dir = base.join(&case);
        std::fs::create_dir_all(&dir).unwrap();
        reference.write(&dir, &head, 224);
        let exported = export(&project, &backbone, Format::Onnx, &dir.join("onnx")).unwrap();
        assert_eq!(exported.files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["model.onnx", "classes.txt"]);
        println!("{case}: pacnet probabilities {:?}", reference.probs);
        #[cfg(feature = "tract-check")]
        {
            let diff = tract_max_diff(&dir.join("onnx/model.onnx"), &reference, 224);
            println!("{case}: ONNX through tract max |Δp| = {diff:.2e}");
            assert!(diff <= TOL, "{case}: tract vs pacnet {diff}");
        }

        // The TF.js head applies to TF's MobileNet v1 only, and says why not elsewhere.
        let tfjs = export(&project, &backbone, Format::Tfjs, &dir.join("tfjs"));
        if name == "tf_mobilenetv1_025" {
            tfjs.expect("a TF.js head for MobileNet v1 at any of its cuts");
        } else {
            let err = tfjs.expect_err("no TF.js head for V2/V3").to_string();
            assert!(err.contains("TF.js") && err.contains(name) && err.contains("ONNX"), "{err}");
            assert!(!dir.join("tfjs").exists(), "nothing written");
        }
        dirs.push(dir);
    }
    let diff = ort_max_diff(&dirs.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    assert!(diff <= TOL, "ONNX Runtime vs pacnet: {diff}");
}

#[test]
fn the_nhwc_kernel_moves_each_weight_to_its_tfjs_position() {
    // Hidden unit u, channel c, row y, column x holds u·1000 + c·100 + y·10 + x.
    let [c, h, w, units] = [3, 2, 4, 5];
    let w1: Vec<f32> = (0..units * c * h * w)
        .map(|i| {
            let (u, r) = (i / (c * h * w), i % (c * h * w));
            (u * 1000 + (r / (h * w)) * 100 + (r % (h * w) / w) * 10 + r % w) as f32
        })
        .collect();
    let k = pacnet::learn::export::tfjs::nhwc_kernel(&w1, [c, h, w], units);
    for y in 0..h {
        for x in 0..w {
            for ch in 0..c {
                for u in 0..units {
                    let row = (y * w + x) * c + ch;
                    assert_eq!(k[row * units + u], (u * 1000 + ch * 100 + y * 10 + x) as f32);
                }
            }
        }
    }
}

#[test]
fn export_errors_are_one_line_and_leave_nothing_behind() {
    let dir = util::tempdir();
    let backbone = Backbone::load_dir(&util::v1_dir()).unwrap();
    let cut = backbone.default_cut();
    let source = FeatureSource::of(&backbone, cut, Crop::CenterSquare).unwrap();
    let classes: Vec<String> = ["left", "right"].map(String::from).to_vec();
    let untrained = Project::new(Dataset::new(classes.clone(), source.clone()).unwrap(), Hyper::default());
    let file = dir.path().join("untrained.pacnet");
    untrained.save(&file).unwrap();
    let out = dir.path().join("out");
    let (code, _, stderr) =
        run(pacnet().args(["export", "--format", "onnx", "--project"]).arg(&file).arg("--out").arg(&out));
    assert_one_line_error(code, &stderr, &["untrained.pacnet", "no trained head"]);
    assert!(matches!(export(&untrained, &backbone, Format::Onnx, &out), Err(ExportError::NotTrained)));

    // A trained project whose backbone folder is gone.
    let mut trained = untrained.clone();
    trained.head = Some(Head::init(classes.clone(), source.shape, 8, 1).unwrap());
    let mut moved_source = source.clone();
    moved_source.backbone = dir.path().join("gone-model").display().to_string();
    // Other weights: projects know their backbone by its sha256, not by where it was.
    moved_source.weights_sha256 = Some("0".repeat(64));
    let mut moved = Project::new(Dataset::new(classes, moved_source).unwrap(), Hyper::default());
    moved.head = trained.head.clone();
    let file = dir.path().join("moved.pacnet");
    moved.save(&file).unwrap();
    let (code, _, stderr) =
        run(pacnet().args(["export", "--format", "tfjs", "--project"]).arg(&file).arg("--out").arg(&out));
    assert_one_line_error(code, &stderr, &["moved.pacnet", "gone-model"]);
    // The backbone at hand is not the project's: the library says so.
    let err = export(&moved, &backbone, Format::Onnx, &out).expect_err("mismatch").to_string();
    assert!(err.contains("backbone") && err.contains("gone-model"), "{err}");

    // A folder that exists and is not empty is never touched; an empty one is filled.
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), b"mine").unwrap();
    let err = export(&trained, &backbone, Format::Onnx, &out).expect_err("exists").to_string();
    assert!(err.contains("already exists") && err.contains("out"), "{err}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
    assert_eq!(std::fs::read(out.join("keep.txt")).unwrap(), b"mine");
    std::fs::remove_file(out.join("keep.txt")).unwrap();
    let exported = export(&trained, &backbone, Format::Tfjs, &out).expect("an empty folder is fine");
    let mut names: Vec<String> =
        std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["classes.txt", "group1-shard1of1.bin", "metadata.json", "model.json"]);
    let shard = std::fs::metadata(out.join("group1-shard1of1.bin")).unwrap().len();
    assert_eq!(shard, 4 * (12_544 * 8 + 8 + 8 * 2), "kernel, bias, output kernel as float32");
    assert!(exported.summary().contains("model.json"));
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pacnet-export-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left: {leftovers:?}");
    // A file in the way.
    let err = export(&trained, &backbone, Format::Onnx, &file).expect_err("a file").to_string();
    assert!(err.contains("moved.pacnet") && err.contains("a file"), "{err}");
    // The ONNX bytes decode as an ONNX model with pacnet's opset.
    let bytes = onnx::encode(&onnx::model(&backbone, cut, trained.head.as_ref().unwrap(), &source).unwrap());
    let decoded = ModelProto::decode(bytes.as_slice()).unwrap();
    assert_eq!(decoded.opset_import[0].version, Some(onnx::OPSET));
    assert_eq!(decoded.graph.unwrap().output[0].name.as_deref(), Some(onnx::OUTPUT));

    // TF.js for a V3 project, through the command line.
    let v3 = util::timm_random_dir("mobilenetv3_small_100");
    let v3_backbone = Backbone::load_dir(v3.path()).unwrap();
    let v3_source = FeatureSource::of(&v3_backbone, v3_backbone.default_cut(), Crop::CenterSquare).unwrap();
    let v3_classes: Vec<String> = ["a", "b"].map(String::from).to_vec();
    let mut v3_project = Project::new(Dataset::new(v3_classes.clone(), v3_source.clone()).unwrap(), Hyper::default());
    v3_project.head = Some(Head::init(v3_classes, v3_source.shape, 4, 1).unwrap());
    let file = dir.path().join("v3.pacnet");
    v3_project.save(&file).unwrap();
    let v3_out = dir.path().join("v3-tfjs");
    let (code, _, stderr) =
        run(pacnet().args(["export", "--format", "tfjs", "--project"]).arg(&file).arg("--out").arg(&v3_out));
    assert_one_line_error(code, &stderr, &["TF.js", "mobilenetv3_small_100", "ONNX"]);
    assert!(!v3_out.exists());
}
