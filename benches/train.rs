//! Head training against the PyTorch anchor (`../shared/bench`, "Head training"): one whole
//! fit of 400 × 7×7×256 features, 4 classes, Dense(100), Adam 1e-4, batch 160, 20 epochs.
//!
//! `cargo bench --bench train` first prints the first fit of a fresh process and the median of
//! 5 more (the anchor's two numbers) at 1 and 2 threads, then hands over to divan for the
//! steady-state distribution. For the anchor's exact thread pinning run it once per count:
//! `RAYON_NUM_THREADS=1 cargo bench --bench train` and `RAYON_NUM_THREADS=2 …` (candle's matrix
//! products read that variable; with it set only that count is timed). Under `cargo test` each
//! benchmark runs once, as a smoke test.

// A benchmark whose setup fails should stop with its message.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::atomic::AtomicBool;

use pacnet::learn::bench::{recipe_data, recipe_hyper, time_fit};

fn thread_counts() -> Vec<usize> {
    match std::env::var("RAYON_NUM_THREADS").ok().and_then(|s| s.parse::<usize>().ok()).filter(|&n| n > 0) {
        Some(n) => vec![n],
        None => vec![1, 2],
    }
}

fn main() {
    if std::env::args().any(|a| a == "--bench") {
        println!("head fit, 400 × 7×7×256, 20 epochs, batch 160 (PyTorch anchor: 679 ms at 1 thread, 405 ms at 2)");
        for threads in thread_counts() {
            match time_fit(threads, 5) {
                Ok(t) => println!(
                    "  {threads} thread(s) (candle asks for {}): first fit {:.0} ms, median of {} {:.0} ms (min {:.0}, max {:.0}), last loss {:.3}",
                    t.candle_threads, t.first_ms, t.reps, t.median_ms, t.min_ms, t.max_ms, t.final_loss
                ),
                Err(e) => eprintln!("  {threads} thread(s): {e}"),
            }
            if let Ok(s) = pacnet::learn::bench::time_step(threads, 20) {
                println!(
                    "    one step on 160 examples: gather {:.2} ms, forward {:.2} ms, backward {:.2} ms, Adam {:.2} ms",
                    s.gather_ms, s.forward_ms, s.backward_ms, s.step_ms
                );
            }
        }
    }
    divan::main();
}

/// One whole fit (fresh weights each time) in a rayon pool of `threads`.
#[divan::bench(args = thread_counts(), sample_count = 5, sample_size = 1)]
fn fit(bencher: divan::Bencher, threads: usize) {
    let data = recipe_data(400, 0).expect("recipe data");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
    let mut seed = 10;
    bencher.bench_local(|| {
        seed += 1;
        let cancel = AtomicBool::new(false);
        pool.install(|| pacnet::learn::fit(&data, &recipe_hyper(seed), &cancel, &mut |_| {}))
            .map(|t| t.report.epochs.len())
            .expect("fit")
    });
}

/// One prediction of a trained-size head (12,544 → 100 → 4) for one feature vector: the
/// per-frame cost in the app.
#[divan::bench]
fn predict(bencher: divan::Bencher) {
    let classes = ["up", "down", "left", "right"].map(String::from).to_vec();
    let head = pacnet::learn::Head::init(classes, [256, 7, 7], 100, 0).expect("head");
    let x: Vec<f32> = (0..12_544).map(|i| (i % 7) as f32).collect();
    bencher.bench_local(|| head.predict(divan::black_box(&x)).expect("predict").best);
}

/// 400 examples of 7×7×256 features (as the head benchmark) and a 100-unit head of 4 classes.
fn map_inputs() -> (Vec<pacnet::learn::Features>, pacnet::learn::Head) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let features = (0..400)
        .map(|_| {
            let row: Vec<f32> = (0..7 * 7 * 256).map(|_| rng.random::<f32>() * 6.0).collect();
            pacnet::learn::Features::from_f32(&row).expect("finite")
        })
        .collect();
    let classes = ["up", "down", "left", "right"].map(String::from).to_vec();
    (features, pacnet::learn::Head::init(classes, [256, 7, 7], 100, 1).expect("head"))
}

/// The Learn panel's feature map refit for 400 examples (backbone view + hidden-layer view):
/// it runs on a job thread when the examples change, at most once a second.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn feature_map_fit_400(bencher: divan::Bencher) {
    let (features, head) = map_inputs();
    let examples: Vec<(u64, usize, &pacnet::learn::Features)> =
        features.iter().enumerate().map(|(i, f)| (i as u64, i % 4, f)).collect();
    bencher.bench_local(|| pacnet::learn::ExampleMap::build(0, &examples, Some(&head)).expect("map").len());
}

/// Placing one live frame on that map (per camera frame, on the feature worker).
#[divan::bench(sample_count = 20)]
fn feature_map_place_frame(bencher: divan::Bencher) {
    let (features, head) = map_inputs();
    let examples: Vec<(u64, usize, &pacnet::learn::Features)> =
        features.iter().enumerate().map(|(i, f)| (i as u64, i % 4, f)).collect();
    let map = pacnet::learn::ExampleMap::build(0, &examples, Some(&head)).expect("map");
    let frame = features.first().map(pacnet::learn::Features::to_f32).expect("a frame");
    bencher.bench_local(|| map.place(&frame, Some(&head)));
}

/// A 224×224 thumbnail with texture everywhere (the cost of the pixel operations does not
/// depend on the content, but a flat picture would hide a branch on it).
fn thumbnail() -> image::RgbImage {
    image::RgbImage::from_fn(224, 224, |x, y| image::Rgb([(x * 7 + y) as u8, (y * 5 + x * x) as u8, (x ^ y) as u8]))
}

/// One augmented view of a thumbnail with the default ranges (warp, light, blur, noise): the
/// part of a view's cost that is not the backbone. Paid once per view, in the background
/// while recording, or all at once when a project is opened cold.
#[divan::bench(sample_count = 50)]
fn augment_view(bencher: divan::Bencher) {
    let img = thumbnail();
    let jitter = pacnet::learn::augment::Jitter::default();
    let mut seed = 0;
    bencher.bench_local(|| {
        seed += 1;
        jitter.views(divan::black_box(&img), 1, seed).len()
    });
}

/// The stages of [`augment_view`] one by one: a 5 % rotation with shift and scale, a blur of
/// σ 1 (the largest), noise of σ 4 grey levels.
#[divan::bench(args = ["warp", "blur", "noise"], sample_count = 50)]
fn augment_stage(bencher: divan::Bencher, stage: &str) {
    use pacnet::learn::augment::{Warp, add_noise, blur};
    use rand::SeedableRng;
    let img = thumbnail();
    let warp = Warp { dx: 0.05, dy: -0.03, scale: 1.08, rotate_deg: 4.0 };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    bencher.bench_local(|| match stage {
        "warp" => warp.apply(divan::black_box(&img)).len(),
        "blur" => blur(divan::black_box(&img), 1.0).len(),
        _ => {
            let mut out = img.clone();
            add_noise(&mut out, 4.0, &mut rng);
            out.len()
        }
    });
}
