//! The teaching views' computations: the feature map's projection and the gradient-descent
//! walk. (The views themselves are driven in `ui.rs`.)

use pacnet::learn::descent::{self, Descent, Method};
use pacnet::learn::example_map::Pca2;
use pacnet::learn::{ExampleMap, Features, Head};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` vectors of `dim` values spread mostly along two known orthogonal directions (3× more
/// along the first), plus a little noise, around a common mean.
fn two_axis_cloud(n: usize, dim: usize, seed: u64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let unit = |rng: &mut ChaCha8Rng| {
        let v: Vec<f32> = (0..dim).map(|_| rng.random_range(-1.0..1.0)).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / norm).collect::<Vec<f32>>()
    };
    let e1 = unit(&mut rng);
    let mut e2 = unit(&mut rng);
    let dot: f32 = e1.iter().zip(&e2).map(|(a, b)| a * b).sum();
    e2.iter_mut().zip(&e1).for_each(|(b, a)| *b -= dot * a);
    let norm = e2.iter().map(|x| x * x).sum::<f32>().sqrt();
    e2.iter_mut().for_each(|x| *x /= norm);
    let mut rows = Vec::with_capacity(n * dim);
    for _ in 0..n {
        let (a, b): (f32, f32) = (rng.random_range(-3.0..3.0), rng.random_range(-1.0..1.0));
        rows.extend((0..dim).map(|k| 2.0 + a * e1[k] + b * e2[k] + rng.random_range(-0.01..0.01)));
    }
    (rows, e1, e2)
}

fn cos(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

#[test]
fn pca_finds_the_two_directions_the_points_spread_along_in_that_order() {
    let dim = 300;
    let (rows, e1, e2) = two_axis_cloud(120, dim, 7);
    let (pca, points) = Pca2::fit(&rows, dim).unwrap();
    assert_eq!(points.len(), 120);
    let e = pca.explained();
    assert!(e[0] > 0.85 && e[1] > 0.05 && e[0] + e[1] > 0.99, "explained {e:?}");
    // A point moved along e1 moves along the first axis only, by the same distance.
    let mean: Vec<f32> = (0..dim).map(|k| rows.chunks(dim).map(|r| r[k]).sum::<f32>() / 120.0).collect();
    let along = |dir: &[f32], t: f32| -> Vec<f32> { mean.iter().zip(dir).map(|(m, d)| m + t * d).collect() };
    let p1 = pca.project(&along(&e1, 2.0));
    let p2 = pca.project(&along(&e2, 2.0));
    assert!((p1[0].abs() - 2.0).abs() < 0.02 && p1[1].abs() < 0.02, "e1 lands on the first axis: {p1:?}");
    assert!((p2[1].abs() - 2.0).abs() < 0.02 && p2[0].abs() < 0.02, "e2 lands on the second axis: {p2:?}");
    // The training points are where projecting them again puts them.
    for (row, p) in rows.chunks(dim).zip(&points).take(10) {
        let q = pca.project(row);
        assert!((q[0] - p[0]).abs() < 1e-3 && (q[1] - p[1]).abs() < 1e-3, "{q:?} vs {p:?}");
    }
    assert!(cos(&e1, &e2).abs() < 1e-5);
}

#[test]
fn pca_of_one_or_identical_vectors_puts_everything_at_the_origin_and_bad_lengths_are_errors() {
    let (pca, points) = Pca2::fit(&[1.0, 2.0, 3.0], 3).unwrap();
    assert_eq!(points, vec![[0.0, 0.0]]);
    assert_eq!(pca.project(&[5.0, 5.0, 5.0]), [0.0, 0.0]);
    let (_, points) = Pca2::fit(&[1.0, 2.0, 1.0, 2.0, 1.0, 2.0], 2).unwrap();
    assert_eq!(points, vec![[0.0, 0.0]; 3]);
    let err = Pca2::fit(&[1.0, 2.0, 3.0], 2).unwrap_err().to_string();
    assert!(err.contains("feature map"), "{err}");
}

#[test]
fn the_feature_map_has_a_point_per_example_and_the_hidden_layer_view_marks_what_the_head_gets_wrong() {
    let (c, h, w) = (4, 3, 3);
    let dim = c * h * w;
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let features: Vec<Features> = (0..40)
        .map(|i| {
            let v: Vec<f32> =
                (0..dim).map(|k| f32::from(u8::from(k % 4 == i % 4)) * 2.0 + rng.random_range(0.0..0.3)).collect();
            Features::from_f32(&v).unwrap()
        })
        .collect();
    let examples: Vec<(u64, usize, &Features)> =
        features.iter().enumerate().map(|(i, f)| (100 + i as u64, i % 4, f)).collect();
    let classes: Vec<String> = ["up", "down", "left", "right"].map(String::from).to_vec();
    let head = Head::init(classes, [c, h, w], 16, 5).unwrap();

    let plain = ExampleMap::build(2, &examples, None).unwrap();
    assert_eq!(plain.len(), 40);
    assert_eq!(plain.backbone.points.len(), 40);
    assert_eq!(plain.ids.first(), Some(&100));
    assert!(plain.hidden.is_none() && plain.wrong.iter().all(Option::is_none));

    let map = ExampleMap::build(2, &examples, Some(&head)).unwrap();
    let hidden = map.hidden.as_ref().expect("a hidden-layer view with a head");
    assert_eq!(hidden.points.len(), 40);
    assert_eq!(hidden.pca.dim(), 16);
    // An untrained head is wrong on some examples and right on others; the map says which.
    for ((f, &label), wrong) in features.iter().zip(&map.labels).zip(&map.wrong) {
        let best = head.predict(&f.to_f32()).unwrap().best;
        assert_eq!(*wrong, (best != label).then_some(best));
    }
    // A live frame equal to an example lands on that example's dots.
    let live = map.place(&features[5].to_f32(), Some(&head)).expect("same cut and size");
    let near = |a: [f32; 2], b: [f32; 2]| (a[0] - b[0]).abs() < 1e-3 && (a[1] - b[1]).abs() < 1e-3;
    assert!(near(live.backbone, map.backbone.points[5]), "{live:?}");
    assert!(near(live.hidden.expect("hidden"), hidden.points[5]));
    assert!(map.place(&[0.0; 3], Some(&head)).is_none(), "features of another size are not placed");
}

#[test]
fn gradient_descent_crawls_with_a_small_rate_converges_with_a_good_one_and_diverges_with_a_large_one() {
    let base = Descent::default();
    // The analytic gradient matches finite differences.
    let p = [0.3, -0.7];
    let g = descent::gradient(&base.points, p);
    let eps = 1e-6;
    let dw = (descent::loss(&base.points, [p[0] + eps, p[1]]) - descent::loss(&base.points, [p[0] - eps, p[1]]))
        / (2.0 * eps);
    let db = (descent::loss(&base.points, [p[0], p[1] + eps]) - descent::loss(&base.points, [p[0], p[1] - eps]))
        / (2.0 * eps);
    assert!((g[0] - dw).abs() < 1e-6 && (g[1] - db).abs() < 1e-6, "{g:?} vs {dw} {db}");

    let walk = |method, lr, steps| {
        let mut d = Descent::new(base.points.clone(), method, lr, base.start);
        d.run(steps);
        d
    };
    let best = descent::loss(&base.points, base.best());
    let small = walk(Method::Plain, 0.01, 20);
    assert!(small.losses().windows(2).all(|w| w[1] < w[0]), "a small rate goes down every step");
    assert!(small.losses()[20] > 0.4 * small.losses()[0], "…but crawls: {:?}", &small.losses()[..3]);
    let good = walk(Method::Plain, 0.3, 100);
    assert!(good.losses()[100] < best + 1e-3, "a good rate reaches the bottom: {} vs {best}", good.losses()[100]);
    let large = walk(Method::Plain, 1.2, 20);
    let (first, last) = (large.losses()[0], large.losses().last().copied().unwrap_or(0.0));
    assert!(last > 10.0 * first, "a too large rate climbs out: {first} → {last}");
    let huge = walk(Method::Plain, 3.0, 400);
    assert!(huge.diverged() && huge.steps() < 400, "the walk stops once it has run away");
    let adam = walk(Method::Adam, 0.1, 300);
    assert!(adam.losses()[300] < best + 2e-2, "Adam gets there too: {}", adam.losses()[300]);
    // The surface's lowest tile is at most a tile away from the least-squares line.
    let s = base.surface([-3.0, 3.0], 60);
    let lowest = s.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i).unwrap();
    let centre = |i: usize| -3.0 + 6.0 * (i as f64 + 0.5) / 60.0;
    let [bw, bb] = base.best();
    assert!(
        (centre(lowest % 60) - bw).abs() <= 0.1 && (centre(lowest / 60) - bb).abs() <= 0.1,
        "{lowest} vs {bw} {bb}"
    );
}
