//! Few-shot recipe tests (issue 12): k-fold validation and the kept head on every example,
//! L2-normalised features, camera-like augmentation (deterministic, no flips), the view cache,
//! training with views, old project settings loading, and a tiny `pacnet bench-learn`.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use image::{Rgb, RgbImage};
use pacnet::backbone::{Backbone, Crop};
use pacnet::learn::augment::{Jitter, Warp};
use pacnet::learn::split::{Validation, folds};
use pacnet::learn::views::{prefill, view_maker};
use pacnet::learn::{Dataset, Featurizer, Hyper, Normalize, Project, TrainData, TrainEvent, Training, ViewCache, fit};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::util::{self, pacnet, run};

fn names(n: usize) -> Vec<String> {
    (0..n).map(|c| format!("c{c}")).collect()
}

fn labels(sizes: &[usize]) -> Vec<usize> {
    sizes.iter().enumerate().flat_map(|(c, &n)| std::iter::repeat_n(c, n)).collect()
}

/// `per_class` noisy copies of a random prototype per class, `d` values each.
fn blobs(per_class: usize, k: usize, d: usize, noise: f32, seed: u64) -> TrainData {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let protos: Vec<Vec<f32>> = (0..k).map(|_| (0..d).map(|_| rng.random::<f32>() * 4.0).collect()).collect();
    let (mut flat, mut ls) = (Vec::new(), Vec::new());
    for i in 0..per_class * k {
        let c = i % k;
        flat.extend(protos[c].iter().map(|&p| (p + (rng.random::<f32>() * 2.0 - 1.0) * noise).max(0.0)));
        ls.push(c);
    }
    TrainData::from_f32(names(k), [d, 1, 1], &flat, ls).expect("data")
}

#[test]
fn small_classes_get_k_folds_large_ones_a_hold_out_and_singletons_none() {
    let ls = labels(&[12, 12, 12, 12]);
    let (splits, how) = folds(&ls, &names(4), 0.15, 3);
    assert_eq!(how, Validation::KFold { k: 4 });
    assert_eq!(splits.len(), 4);
    let mut seen = vec![0; ls.len()];
    for s in &splits {
        for c in 0..4 {
            assert_eq!(s.val.iter().filter(|&&i| ls[i] == c).count(), 3, "each fold holds 3 of every class");
        }
        assert_eq!(s.train.len() + s.val.len(), ls.len());
        assert!(s.train.iter().all(|i| !s.val.contains(i)));
        for &i in &s.val {
            seen[i] += 1;
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "every example held out exactly once: {seen:?}");
    assert_ne!(folds(&ls, &names(4), 0.15, 4).0, splits, "the seed deals the folds");

    let (splits, how) = folds(&labels(&[3, 5]), &names(2), 0.15, 0);
    assert_eq!((how, splits.len()), (Validation::KFold { k: 3 }, 3), "k is at most the smallest class");

    let (splits, how) = folds(&labels(&[25, 30]), &names(2), 0.2, 0);
    assert_eq!(how, Validation::HoldOut { held_out: 5 + 6 });
    assert_eq!(splits.len(), 1);

    let (splits, how) = folds(&labels(&[1, 30]), &names(2), 0.15, 0);
    assert!(splits.is_empty());
    assert!(matches!(&how, Validation::Off { reason } if reason.contains("`c0`")), "{how:?}");
    assert!(how.describe(31).contains("not measured"));
    assert_eq!(folds(&ls, &names(4), 0.0, 0).0.len(), 0, "fraction 0 turns validation off");
}

#[test]
fn the_kept_head_trains_on_every_example_and_k_fold_measures_all_of_them() {
    let data = blobs(12, 4, 64, 0.3, 1);
    let hyper = Hyper { epochs: 15, units: 16, lr: 1e-3, views: 0, ..Hyper::default() };
    let t = fit(&data, &hyper, &AtomicBool::new(false), &mut |_| {}).unwrap_or_else(|r| panic!("{r}"));
    let r = &t.report;
    assert_eq!(r.plan.split.train.len(), 48, "no example is kept out of the shipped head");
    assert_eq!(r.plan.validation, Validation::KFold { k: 4 });
    assert_eq!(r.val.as_ref().map(|c| c.total()), Some(48), "every example measured once, held out");
    assert_eq!(r.train.total(), 48);
    assert_eq!(r.val_accuracy(), Some(1.0), "well-separated blobs");
    assert!(r.mistakes.is_empty());
    assert!(r.epochs.iter().all(|m| m.val_loss.is_some()));
}

#[test]
fn a_mislabelled_example_is_reported_as_a_hard_example_by_its_id() {
    // 8 per class of two far-apart blobs; example 5 (class 1's data) is labelled class 0.
    let clean = blobs(8, 2, 32, 0.2, 5);
    let all: Vec<usize> = (0..clean.len()).collect();
    let rows = clean.gather(&all).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let mut ls = clean.labels().to_vec();
    assert_eq!(ls[5], 1);
    ls[5] = 0;
    let ids: Vec<u64> = (0..ls.len() as u64).map(|i| 100 + i).collect();
    let data = TrainData::from_f32(names(2), [32, 1, 1], &rows, ls).unwrap().with_ids(ids).unwrap();
    let hyper = Hyper { epochs: 30, units: 16, lr: 1e-3, views: 0, ..Hyper::default() };
    let t = fit(&data, &hyper, &AtomicBool::new(false), &mut |_| {}).unwrap_or_else(|r| panic!("{r}"));
    let m = &t.report.mistakes;
    assert!(!m.is_empty() && m.len() <= 2, "{m:?}");
    assert_eq!((m[0].index, m[0].id, m[0].label, m[0].predicted), (5, 105, 0, 1), "the most confident mistake");
    assert!(m[0].confidence > 0.5);
}

#[test]
fn l2_normalised_heads_ignore_the_feature_scale_and_survive_a_save() {
    let mut v = vec![3.0f32, 4.0, 0.0, 0.0];
    Normalize::L2.apply(&mut v);
    assert_eq!(v, vec![1.2, 1.6, 0.0, 0.0], "length √4 = 2");
    let mut raw = vec![3.0f32, 4.0];
    Normalize::None.apply(&mut raw);
    assert_eq!(raw, vec![3.0, 4.0]);

    let data = blobs(6, 3, 48, 0.5, 2);
    let hyper = Hyper { epochs: 10, units: 8, views: 0, ..Hyper::default() };
    assert_eq!(hyper.normalize, Normalize::L2, "the default recipe normalises");
    let head = fit(&data, &hyper, &AtomicBool::new(false), &mut |_| {}).unwrap_or_else(|r| panic!("{r}")).head;
    assert_eq!(head.normalize(), Normalize::L2);
    let x = data.gather(&[0]).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
    let brighter: Vec<f32> = x.iter().map(|v| v * 2.5).collect();
    let (a, b) = (head.predict(&x).unwrap(), head.predict(&brighter).unwrap());
    assert!(util::max_abs_diff(&a.probs, &b.probs) < 1e-5, "{:?} vs {:?}", a.probs, b.probs);

    // The raw-feature head of the TF.js recipe does change with the scale.
    let raw_head =
        fit(&data, &Hyper { normalize: Normalize::None, ..hyper.clone() }, &AtomicBool::new(false), &mut |_| {})
            .unwrap_or_else(|r| panic!("{r}"))
            .head;
    let (c, d) = (raw_head.predict(&x).unwrap(), raw_head.predict(&brighter).unwrap());
    assert!(util::max_abs_diff(&c.probs, &d.probs) > 1e-4);

    // Saved and opened again: same scaling, same predictions.
    let dir = util::tempdir();
    let mut ds = Dataset::new(data.classes().to_vec(), source([48, 1, 1])).unwrap();
    let burst = ds.new_burst();
    for (row, &l) in
        data.gather(&(0..data.len()).collect::<Vec<_>>()).unwrap().to_vec2::<f32>().unwrap().iter().zip(data.labels())
    {
        ds.add(l, burst, row, &RgbImage::new(8, 8)).unwrap();
    }
    let mut project = Project::new(ds, hyper.clone());
    project.head = Some(head.clone());
    let path = dir.path().join("p.pacnet");
    project.save(&path).unwrap();
    let back = Project::load(&path).unwrap();
    let loaded = back.head.as_ref().expect("head");
    assert_eq!(loaded.normalize(), Normalize::L2);
    assert_eq!(loaded.predict(&x).unwrap().probs, a.probs);
    assert_eq!(back.hyper, hyper);
}

fn source(shape: [usize; 3]) -> pacnet::learn::FeatureSource {
    pacnet::learn::FeatureSource {
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

#[test]
fn settings_and_projects_from_before_the_recipe_read_as_the_tfjs_recipe() {
    let old = r#"{"lr":0.001,"batch_fraction":0.4,"epochs":20,"units":100,"seed":3,"val_fraction":0.15}"#;
    let h: Hyper = serde_json::from_str(old).expect("old hyperparameters load");
    assert_eq!((h.normalize, h.views, h.label_smoothing), (Normalize::None, 0, 0.0));
    assert!(h.is_tfjs_demo(), "what those files were trained with");
    assert_eq!((h.lr, h.seed), (0.001, 3));
    assert!(!Hyper::default().is_tfjs_demo());
    assert!(Hyper { seed: 9, ..Hyper::tfjs_demo() }.is_tfjs_demo(), "the seed is not part of the recipe");
    let round: Hyper = serde_json::from_str(&serde_json::to_string(&Hyper::default()).unwrap()).unwrap();
    assert_eq!(round, Hyper::default());
}

#[test]
fn views_are_seeded_camera_moves_never_flips() {
    // A gradient with a marker: left and right must stay apart.
    let img = RgbImage::from_fn(40, 30, |x, y| Rgb([(x * 6) as u8, (y * 8) as u8, if x < 20 { 200 } else { 30 }]));
    let j = Jitter::default();
    let a = j.views(&img, 4, 17);
    assert_eq!(a, j.views(&img, 4, 17), "same seed, same views");
    assert_ne!(a, j.views(&img, 4, 18), "another example, other views");
    assert!(a.iter().all(|v| v.dimensions() == (40, 30)));
    assert!(a.windows(2).all(|w| w[0] != w[1]), "views differ from each other");
    for v in &a {
        // The red ramp still rises left to right (a flip would reverse it).
        let col = |x: u32| (0..30).map(|y| u32::from(v.get_pixel(x, y).0[0])).sum::<u32>();
        assert!(col(34) > col(5), "view reversed the picture");
    }
    assert_eq!(Jitter::NONE.views(&img, 2, 1), vec![img.clone(), img.clone()], "no ranges, no change");

    // A pure shift moves content by the expected pixels.
    let dot = RgbImage::from_fn(20, 20, |x, y| Rgb(if (x, y) == (5, 10) { [255; 3] } else { [0; 3] }));
    let moved = Warp { dx: 0.25, ..Warp::IDENTITY }.apply(&dot);
    assert_eq!(moved.get_pixel(10, 10).0, [255; 3], "5 px right");
    assert_eq!(moved.get_pixel(5, 10).0, [0; 3]);

    assert!(Jitter { shift: 0.8, ..Jitter::default() }.validate().is_err());
    assert!(Hyper { views: 65, ..Hyper::default() }.validate().is_err());
}

fn real_backbone() -> &'static Arc<Backbone> {
    static BB: std::sync::OnceLock<Arc<Backbone>> = std::sync::OnceLock::new();
    BB.get_or_init(|| Arc::new(Backbone::load_dir(&util::v1_dir()).expect("tf_mobilenetv1_025")))
}

/// Two classes of two examples each, example `i` (class `i % 2`) drawn by `pixel(i, x, y)`
/// on a 160 × 120 frame, featurised by the real backbone at its default cut.
fn four_examples(pixel: impl Fn(u32, u32, u32) -> Rgb<u8>) -> (Featurizer<'static>, Dataset, u64) {
    let bb = real_backbone();
    let f = Featurizer::new(bb, bb.default_cut(), Crop::CenterSquare).unwrap();
    let mut ds = Dataset::new(names(2), f.source().clone()).unwrap();
    let burst = ds.new_burst();
    for i in 0..4u32 {
        let s = f.frame(&RgbImage::from_fn(160, 120, |x, y| pixel(i, x, y))).unwrap();
        ds.add((i % 2) as usize, burst, &s.features, &s.input).unwrap();
    }
    (f, ds, burst)
}

#[test]
fn the_view_cache_computes_once_and_training_uses_the_views() {
    let bb = real_backbone();
    let cut = bb.default_cut();
    let (f, mut ds, burst) = four_examples(|i, x, y| {
        let on = if i % 2 == 0 { x < 80 } else { x >= 80 };
        Rgb(if on { [230, 200, (y + 10 * i) as u8] } else { [20, 40, 60] })
    });
    let hyper = Hyper { views: 3, epochs: 4, units: 8, ..Hyper::default() };
    let mut cache = ViewCache::new();
    assert_eq!(cache.missing(&ds, &hyper), 12);
    let mut calls = Vec::new();
    cache.fill(&ds, &f, &hyper, &mut |d, t| calls.push((d, t)), &AtomicBool::new(false)).unwrap();
    assert_eq!(cache.len(), 12);
    assert_eq!(calls.last(), Some(&(12, 12)));
    assert_eq!(cache.missing(&ds, &hyper), 0);
    let data = cache.train_data(&ds, &hyper).unwrap();
    assert_eq!((data.view_count(), data.views_of(0)), (12, 3));
    // The views' features are those of the augmented thumbnails, not the originals.
    let first = &cache.views_of(&[ds.examples()[0].id], 3)[0];
    assert_ne!(first[0].to_f32(), ds.examples()[0].features.to_f32());

    // Nothing is computed again; a new example only adds its own views.
    let mut again = Vec::new();
    cache.fill(&ds, &f, &hyper, &mut |d, t| again.push((d, t)), &AtomicBool::new(false)).unwrap();
    assert_eq!(again, vec![(0, 0)]);
    let s = f.frame(&RgbImage::from_pixel(160, 120, Rgb([90, 90, 90]))).unwrap();
    ds.add(0, burst, &s.features, &s.input).unwrap();
    assert_eq!(cache.missing(&ds, &hyper), 3);

    // The trainer thread runs the same cache through `view_maker` and reports it.
    let shared = Arc::new(Mutex::new(cache));
    let data = ds.train_data().unwrap();
    let ids = data.ids().to_vec();
    let maker = view_maker(Arc::clone(bb), cut, ds.clone(), hyper.clone(), Arc::clone(&shared), ids);
    let t = Training::start_with_views(data, hyper.clone(), Some(maker), None).unwrap();
    let (mut augmenting, mut batches, mut done) = (Vec::new(), 0, None);
    while let Some(e) = t.recv() {
        match e {
            TrainEvent::Augmenting { done, total } => augmenting.push((done, total)),
            TrainEvent::Batch { .. } => batches += 1,
            TrainEvent::Done { report, .. } => done = Some(report),
            TrainEvent::Stopped(r) => panic!("{r}"),
            TrainEvent::Epoch { .. } | TrainEvent::Ready { .. } | TrainEvent::Validated { .. } => {}
        }
    }
    assert_eq!(augmenting.last(), Some(&(3, 3)), "only the new example's views");
    let report = done.expect("done");
    assert_eq!(report.plan.split.train.len(), 5);
    assert_eq!(batches, 4 * report.plan.batches_per_epoch);
    assert_eq!(shared.lock().unwrap().len(), 15);

    // Views of the wrong length are refused.
    let short = TrainData::from_f32(names(2), [2, 1, 1], &[1.0, 0.0, 0.0, 1.0], vec![0, 1]).unwrap();
    assert!(short.clone().with_views(vec![vec![]]).is_err(), "one list per example");
    let odd = pacnet::learn::Features::from_f32(&[1.0, 2.0, 3.0]).unwrap();
    assert!(short.with_views(vec![vec![odd], vec![]]).is_err(), "views as long as the features");
}

#[test]
fn views_computed_in_the_background_are_those_training_would_compute_within_the_budget() {
    let bb = real_backbone();
    let cut = bb.default_cut();
    let (f, mut ds, burst) = four_examples(|i, x, y| Rgb([(x * 3 + 20 * i) as u8, (y * 2) as u8, 90]));
    // A budget of 8 views over 4 examples: 2 each, not the 3 asked for.
    let hyper = Hyper { views: 3, view_budget: 8, epochs: 2, units: 8, ..Hyper::default() };
    let shared = Mutex::new(ViewCache::new());
    let pending = shared.lock().unwrap().pending(&ds, &hyper);
    assert_eq!(pending.views(), 8);
    let stopped = AtomicBool::new(true);
    assert_eq!(prefill(bb, cut, &shared, pending.clone(), &stopped).unwrap(), 0, "a stopped run computes nothing");
    assert_eq!(prefill(bb, cut, &shared, pending, &AtomicBool::new(false)).unwrap(), 8);
    let background = shared.into_inner().unwrap();
    assert_eq!(background.missing(&ds, &hyper), 0, "training finds them all");
    let data = background.train_data(&ds, &hyper).unwrap();
    assert_eq!((data.view_count(), data.views_of(3)), (8, 2));
    // The trainer's own computation gives the same features.
    let mut direct = ViewCache::new();
    direct.fill(&ds, &f, &hyper, &mut |_, _| {}, &AtomicBool::new(false)).unwrap();
    let ids: Vec<u64> = ds.examples().iter().map(|e| e.id).collect();
    let bits =
        |c: &ViewCache| -> Vec<Vec<u16>> { c.views_of(&ids, 2).iter().flatten().map(|v| v.bits().to_vec()).collect() };
    assert_eq!(bits(&background), bits(&direct));
    // A fifth example makes it 1 view each (8 / 5): only the new one has any to compute.
    let s = f.frame(&RgbImage::from_pixel(160, 120, Rgb([90, 90, 90]))).unwrap();
    ds.add(0, burst, &s.features, &s.input).unwrap();
    assert_eq!(background.missing(&ds, &hyper), 1);
}

#[test]
fn bench_learn_prints_a_row_per_recipe_with_accuracies() {
    let (code, out, err) = run(pacnet().args([
        "bench-learn",
        "--model",
        util::v1_dir().to_str().unwrap(),
        "--photos",
        util::models().join("golden/images").to_str().unwrap(),
        "--seeds",
        "1",
        "--scenes",
        "demo",
        "--tasks",
        "position",
        "--same",
        "3",
        "--nudges",
        "1",
        "--nudged",
        "3",
        "--recipes",
        "tfjs,pacnet:views=2",
    ]));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("| tfjs") || l.starts_with("| pacnet")).collect();
    assert_eq!(rows.len(), 2, "{out}");
    for row in rows {
        let cells: Vec<&str> = row.split('|').map(str::trim).filter(|c| !c.is_empty()).collect();
        // recipe, same, nudged, mean same, mean nudged, seconds
        assert_eq!(cells.len(), 6, "{row}");
        for cell in &cells[1..3] {
            let mean: f64 = cell.split('/').next().unwrap().trim().parse().expect(cell);
            assert!((0.0..=1.0).contains(&mean), "{row}");
        }
        let same: f64 = cells[3].parse().unwrap();
        assert!(same >= 0.5, "12 frames per class of a toy at four places are learnt: {row}");
    }
    let (code, _, err) = run(pacnet().args(["bench-learn", "--recipes", "keras"]));
    util::assert_one_line_error(code, &err, &["keras"]);
}
