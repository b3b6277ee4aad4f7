//! The example map: every recorded example as a point in 2-D, by principal component analysis
//! (PCA) of the backbone's features at the cut, and of the trained head's hidden layer. The
//! Learn panel calls it the "feature map" (a map of the examples' features); in code it is the
//! example map, so it is not mistaken for a CNN's per-layer feature (activation) maps, which
//! are `live::activation_atlas`'s pictures.
//!
//! It shows a class the idea the whole demo rests on: the frozen network already places
//! pictures of the same pose near each other, so a tiny head separates them from a few
//! examples; after training the hidden layer pulls the classes further apart.
//!
//! Why PCA through the n × n Gram matrix: the features have 12,544 dimensions and there are at
//! most a few hundred examples, so `X Xᵀ` (one candle matrix product) is small, and its top two
//! eigenvectors by power iteration give the two principal axes without ever forming the
//! 12,544 × 12,544 covariance. No eigen-solver crate is needed for two components of a
//! matrix this size; the heavy product runs in candle's gemm.

use candle_core::{Device, Tensor};

use super::error::{LearnError, Result};
use super::features::Features;
use super::head::Head;

/// Power-iteration steps at most per component (convergence is checked every step).
const MAX_ITERATIONS: usize = 300;

/// Two principal axes of a set of vectors, and their mean.
#[derive(Clone, Debug, PartialEq)]
pub struct Pca2 {
    mean: Vec<f32>,
    axes: [Vec<f32>; 2],
    explained: [f32; 2],
}

impl Pca2 {
    /// Fits the two main axes of `rows` (`n` vectors of `dim` values, row after row).
    ///
    /// With fewer than two distinct vectors there is no direction to show: the axes are zero
    /// and every point lands at the origin.
    pub fn fit(rows: &[f32], dim: usize) -> Result<(Self, Vec<[f32; 2]>)> {
        if dim == 0 || !rows.len().is_multiple_of(dim) {
            return Err(LearnError::FeatureLength {
                expected: dim,
                found: rows.len(),
                what: "a whole number of feature vectors for the feature map".into(),
            });
        }
        let n = rows.len() / dim;
        let mut mean = vec![0.0f64; dim];
        for row in rows.chunks_exact(dim) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += f64::from(v);
            }
        }
        let mean: Vec<f32> = mean.iter().map(|m| (m / n.max(1) as f64) as f32).collect();
        let centred: Vec<f32> = rows.chunks_exact(dim).flat_map(|r| r.iter().zip(&mean).map(|(v, m)| v - m)).collect();
        let zero = Self { mean: mean.clone(), axes: [vec![0.0; dim], vec![0.0; dim]], explained: [0.0; 2] };
        if n < 2 {
            return Ok((zero, vec![[0.0; 2]; n]));
        }
        let x = Tensor::from_vec(centred, (n, dim), &Device::Cpu)?;
        let gram: Vec<f64> = x.matmul(&x.t()?)?.flatten_all()?.to_vec1::<f32>()?.into_iter().map(f64::from).collect();
        let trace: f64 = (0..n).map(|i| gram.get(i * n + i).copied().unwrap_or(0.0)).sum();
        if trace <= f64::EPSILON {
            return Ok((zero, vec![[0.0; 2]; n]));
        }
        let (u1, l1) = top_eigen(&gram, n, &[]);
        let (u2, l2) = top_eigen(&gram, n, &[u1.as_slice()]);
        // The axes in feature space are Xᵀu/√λ (unit length for an exact eigenvector); the
        // examples' points are their projections on those axes, the same product the live
        // frame gets, so a frame equal to an example lands exactly on its dot.
        let mut scaled = vec![0.0f32; n * 2];
        let mut explained = [0.0f32; 2];
        for (k, (u, l)) in [(&u1, l1), (&u2, l2)].into_iter().enumerate() {
            if l <= trace * 1e-9 {
                continue;
            }
            let s = l.sqrt();
            for (i, ui) in u.iter().enumerate() {
                if let Some(c) = scaled.get_mut(i * 2 + k) {
                    *c = (ui / s) as f32;
                }
            }
            if let Some(e) = explained.get_mut(k) {
                *e = (l / trace) as f32;
            }
        }
        let w = x.t()?.matmul(&Tensor::from_vec(scaled, (n, 2), &Device::Cpu)?)?; // [dim, 2]
        let points: Vec<[f32; 2]> = x
            .matmul(&w)?
            .to_vec2::<f32>()?
            .into_iter()
            .map(|r| [r.first().copied().unwrap_or(0.0), r.get(1).copied().unwrap_or(0.0)])
            .collect();
        let w = w.t()?.contiguous()?.to_vec2::<f32>()?;
        let axes =
            [w.first().cloned().unwrap_or_else(|| vec![0.0; dim]), w.get(1).cloned().unwrap_or_else(|| vec![0.0; dim])];
        Ok((Self { mean, axes, explained }, points))
    }

    /// Where a new vector (the live frame's) lands on the two axes.
    #[must_use]
    pub fn project(&self, row: &[f32]) -> [f32; 2] {
        let along = |axis: &[f32]| -> f32 { row.iter().zip(&self.mean).zip(axis).map(|((v, m), a)| (v - m) * a).sum() };
        [along(&self.axes[0]), along(&self.axes[1])]
    }

    /// The share of the total variance each axis shows (0–1).
    #[must_use]
    pub fn explained(&self) -> [f32; 2] {
        self.explained
    }

    /// The length of the vectors it projects.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.mean.len()
    }
}

/// The unit eigenvector of the symmetric `n × n` matrix `a` with the largest eigenvalue,
/// orthogonal to `skip`, and that eigenvalue. `a` is a Gram matrix (positive semi-definite), so
/// plain power iteration converges to the largest one.
fn top_eigen(a: &[f64], n: usize, skip: &[&[f64]]) -> (Vec<f64>, f64) {
    // A fixed, uneven start (deterministic maps from run to run) with some weight on every axis.
    let mut v: Vec<f64> = (0..n).map(|i| 1.0 + ((i * 7919) % 97) as f64 / 97.0).collect();
    let mut lambda = 0.0;
    for _ in 0..MAX_ITERATIONS {
        orthogonalise(&mut v, skip);
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm <= f64::MIN_POSITIVE {
            return (vec![0.0; n], 0.0);
        }
        v.iter_mut().for_each(|x| *x /= norm);
        let next: Vec<f64> = a.chunks_exact(n).map(|row| row.iter().zip(&v).map(|(r, x)| r * x).sum()).collect();
        lambda = next.iter().zip(&v).map(|(a, b)| a * b).sum();
        // Converged when the direction stops moving (the eigenvalue settles much sooner).
        let next_norm = next.iter().map(|x| x * x).sum::<f64>().sqrt().max(f64::MIN_POSITIVE);
        let moved: f64 = next.iter().zip(&v).map(|(a, b)| (a / next_norm - b).powi(2)).sum();
        v = next;
        if moved < 1e-14 {
            break;
        }
    }
    orthogonalise(&mut v, skip);
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm <= f64::MIN_POSITIVE {
        return (vec![0.0; n], 0.0);
    }
    v.iter_mut().for_each(|x| *x /= norm);
    // The sign of an eigenvector is arbitrary; pick the one whose largest entry is positive so
    // the picture does not flip between two fits of the same examples.
    let big = v.iter().copied().fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
    if big < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    (v, lambda.max(0.0))
}

fn orthogonalise(v: &mut [f64], against: &[&[f64]]) {
    for u in against {
        let dot: f64 = v.iter().zip(u.iter()).map(|(a, b)| a * b).sum();
        v.iter_mut().zip(u.iter()).for_each(|(a, b)| *a -= dot * b);
    }
}

/// One projection of the examples: its axes and where each example lands.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    /// The fitted axes (to place the live frame).
    pub pca: Pca2,
    /// One point per example, in the map's example order.
    pub points: Vec<[f32; 2]>,
}

/// Every example as a point, in the backbone's feature space and (with a trained head) in the
/// head's hidden layer.
#[derive(Clone, Debug, PartialEq)]
pub struct ExampleMap {
    /// The cut the features come from (a live frame at another cut is not placed).
    pub cut: usize,
    /// Example ids, in order.
    pub ids: Vec<u64>,
    /// Their classes.
    pub labels: Vec<usize>,
    /// The backbone's features at the cut.
    pub backbone: Projection,
    /// The head's hidden layer (after ReLU), when there is a trained head.
    pub hidden: Option<Projection>,
    /// Per example: the head's guess when it is not the example's class.
    pub wrong: Vec<Option<usize>>,
}

/// Where one live frame lands on the map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MapPoint {
    /// On the backbone map.
    pub backbone: [f32; 2],
    /// On the hidden-layer map.
    pub hidden: Option<[f32; 2]>,
}

impl ExampleMap {
    /// Builds the map of `examples` (`(id, class, features)`) recorded at `cut`, with the
    /// head's hidden layer too when `head` reads features of this size.
    pub fn build(cut: usize, examples: &[(u64, usize, &Features)], head: Option<&Head>) -> Result<Self> {
        let dim = examples.first().map_or(0, |e| e.2.len());
        let mut rows = Vec::with_capacity(examples.len() * dim);
        for (_, _, f) in examples {
            if f.len() != dim {
                return Err(LearnError::FeatureLength {
                    expected: dim,
                    found: f.len(),
                    what: "every example's features for the feature map".into(),
                });
            }
            rows.extend(f.to_f32());
        }
        let ids = examples.iter().map(|e| e.0).collect();
        let labels: Vec<usize> = examples.iter().map(|e| e.1).collect();
        let (pca, points) = if dim == 0 { (Pca2::fit(&[], 1)?.0, Vec::new()) } else { Pca2::fit(&rows, dim)? };
        let backbone = Projection { pca, points };
        let mut hidden = None;
        let mut wrong = vec![None; labels.len()];
        if let Some(head) = head.filter(|h| h.input_len() == dim && dim > 0) {
            let mut h_rows = Vec::with_capacity(labels.len() * head.units());
            for (i, row) in rows.chunks_exact(dim).enumerate() {
                let (h, best) = head.hidden_and_best(row)?;
                h_rows.extend(h);
                if let (Some(w), Some(&label)) = (wrong.get_mut(i), labels.get(i)) {
                    *w = (best != label).then_some(best);
                }
            }
            let (pca, points) = Pca2::fit(&h_rows, head.units())?;
            hidden = Some(Projection { pca, points });
        }
        Ok(Self { cut, ids, labels, backbone, hidden, wrong })
    }

    /// Where the live frame with these features lands (`head`: the one predicting live).
    pub fn place(&self, features: &[f32], head: Option<&Head>) -> Option<MapPoint> {
        if features.len() != self.backbone.pca.dim() {
            return None;
        }
        let hidden = match (&self.hidden, head) {
            (Some(p), Some(h)) if h.input_len() == features.len() && h.units() == p.pca.dim() => {
                h.hidden_and_best(features).ok().map(|(v, _)| p.pca.project(&v))
            }
            _ => None,
        };
        Some(MapPoint { backbone: self.backbone.pca.project(features), hidden })
    }

    /// How many examples it shows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether it shows no example.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}
