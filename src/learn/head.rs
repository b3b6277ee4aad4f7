//! The trained head: Flatten → Dense(units, ReLU) → Dense(classes, softmax), as in the
//! TF.js webcam-transfer-learning demo (tfjs-examples `webcam-transfer-learning/index.js`):
//! the first Dense has a bias, the second has none, both kernels start from
//! `varianceScaling({scale: 1})`.
//!
//! A [`Head`] is immutable and cheap to clone (candle tensors share their storage), so the
//! trainer can hand one to the UI while it keeps training its own variables.

use std::sync::{Arc, OnceLock};

use candle_core::{D, DType, Device, Tensor};
use candle_nn::{Linear, Module};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::error::{LearnError, Result};
use super::hyper::Normalize;
use super::ops::input_dense;

/// A head's weights plus what it needs to be used: class names and the feature shape it reads.
#[derive(Clone, Debug)]
pub struct Head {
    classes: Vec<String>,
    input_shape: [usize; 3],
    units: usize,
    /// How the features are scaled before the first layer (part of the head: it was trained
    /// on scaled features).
    normalize: Normalize,
    /// Hidden kernel `[units, input]`.
    w1: Tensor,
    /// Hidden bias `[units]`.
    b1: Tensor,
    /// Output kernel `[classes, units]`.
    w2: Tensor,
    /// Plain `f32` copies of the weights for [`Head::predict`], made on its first call (a head
    /// is immutable). Per frame, candle's batch-1 matrix product plus tensor set-up cost about
    /// 0.4 ms at 12,544 × 100; the backbone's `linear` kernel does it in ~0.1 ms.
    plain: OnceLock<Arc<Plain>>,
}

/// The weights as flat row-major vectors.
struct Plain {
    w1: Vec<f32>,
    b1: Vec<f32>,
    w2: Vec<f32>,
}

impl std::fmt::Debug for Plain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plain").field("w1", &self.w1.len()).field("w2", &self.w2.len()).finish_non_exhaustive()
    }
}

/// One prediction: class probabilities (softmax) and the most likely class.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// Probability per class, in the head's class order; sums to 1.
    pub probs: Vec<f32>,
    /// Index of the largest probability (the first one on ties).
    pub best: usize,
}

impl Prediction {
    /// [`LearnError::NotANumber`] unless every probability is a number.
    pub fn check_finite(&self) -> Result<()> {
        if self.probs.iter().all(|p| p.is_finite()) { Ok(()) } else { Err(LearnError::NotANumber) }
    }

    /// Probability of the predicted class.
    pub fn confidence(&self) -> f32 {
        self.probs.get(self.best).copied().unwrap_or(0.0)
    }

    fn from_probs(probs: Vec<f32>) -> Self {
        let best = argmax(&probs);
        Self { probs, best }
    }
}

/// Index of the largest value (the first one on ties, 0 for an empty slice); NaN never wins.
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if values.get(best).is_none_or(|&b| v > b || b.is_nan()) {
            best = i;
        }
    }
    best
}

impl Head {
    /// A freshly initialised head for `classes` reading features of `input_shape`
    /// (`[channels, height, width]`).
    ///
    /// Kernels follow TF.js `varianceScaling` with its defaults (scale 1, mode fanIn,
    /// distribution normal, which TF.js draws as a normal truncated at ±2σ with σ = √(1/fan_in),
    /// without the 0.8796 correction Keras-Python applies; tfjs-layers `initializers.ts`), the
    /// bias starts at zero. The numbers come from ChaCha8 seeded with `seed`, so the same seed
    /// gives bit-identical weights on every machine.
    pub fn init(classes: Vec<String>, input_shape: [usize; 3], units: usize, seed: u64) -> Result<Self> {
        let input: usize = input_shape.iter().product();
        check_sizes(classes.len(), input, units)?;
        // Streams (1 << 32) and up and (2 << 32) and up: the shuffles and the split use 1 and 2.
        let w1 = variance_scaling(seed, 1, units, input)?;
        let b1 = Tensor::zeros(units, DType::F32, &Device::Cpu)?;
        let w2 = variance_scaling(seed, 2, classes.len(), units)?;
        Self::from_parts(classes, input_shape, w1, b1, w2)
    }

    /// A head from its three tensors: hidden kernel `[units, input]`, hidden bias `[units]`,
    /// output kernel `[classes, units]` (candle/PyTorch layout: one row per output unit).
    pub fn from_parts(
        classes: Vec<String>,
        input_shape: [usize; 3],
        w1: Tensor,
        b1: Tensor,
        w2: Tensor,
    ) -> Result<Self> {
        let input: usize = input_shape.iter().product();
        let units = w1.dims().first().copied().unwrap_or(0);
        check_sizes(classes.len(), input, units)?;
        let want = [
            ("hidden kernel", vec![units, input], &w1),
            ("hidden bias", vec![units], &b1),
            ("output kernel", vec![classes.len(), units], &w2),
        ];
        for (what, shape, t) in want {
            if t.dims() != shape.as_slice() {
                return Err(LearnError::FeatureLength {
                    expected: shape.iter().product(),
                    found: t.elem_count(),
                    what: format!("{what} {:?}, expected {shape:?}", t.dims()),
                });
            }
        }
        Ok(Self { classes, input_shape, units, normalize: Normalize::None, w1, b1, w2, plain: OnceLock::new() })
    }

    /// The same head reading features scaled by `normalize` (see [`Normalize`]).
    #[must_use]
    pub fn with_normalize(mut self, normalize: Normalize) -> Self {
        self.normalize = normalize;
        self
    }

    /// How it scales the features before its first layer.
    pub fn normalize(&self) -> Normalize {
        self.normalize
    }

    /// Class names, in output order.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// The feature shape it reads, `[channels, height, width]`.
    pub fn input_shape(&self) -> [usize; 3] {
        self.input_shape
    }

    /// Values per feature vector.
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// Hidden units.
    pub fn units(&self) -> usize {
        self.units
    }

    /// The three tensors: hidden kernel, hidden bias, output kernel.
    pub fn parameters(&self) -> [&Tensor; 3] {
        [&self.w1, &self.b1, &self.w2]
    }

    /// The same head with its tensors in another float type (tests check gradients in f64).
    pub fn to_dtype(&self, dtype: DType) -> Result<Self> {
        let [w1, b1, w2] = self.parameters();
        Ok(Self::from_parts(
            self.classes.clone(),
            self.input_shape,
            w1.to_dtype(dtype)?,
            b1.to_dtype(dtype)?,
            w2.to_dtype(dtype)?,
        )?
        .with_normalize(self.normalize))
    }

    /// Logits `[N, classes]` of a batch of flattened features `[N, input]`.
    pub fn logits(&self, x: &Tensor) -> Result<Tensor> {
        let scaled;
        let x = match self.normalize {
            Normalize::None => x,
            Normalize::L2 => {
                // √d / ‖x‖ per row; the features are data, so no gradient flows through this.
                let d = x.dim(1)? as f64;
                let norm = x.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
                scaled = x.broadcast_div(&(norm / d.sqrt())?)?;
                &scaled
            }
        };
        // The first layer is `input_dense` (gradients for the kernel, none for the features);
        // the second is candle-nn's `Linear` (it only clones the tensor's `Arc`).
        let h = input_dense(x, &self.w1)?.broadcast_add(&self.b1)?.relu()?;
        Ok(Linear::new(self.w2.clone(), None).forward(&h)?)
    }

    /// Mean categorical cross-entropy of the softmax of the logits against `labels` (`[N]`,
    /// u32 class indices); differentiable when the parameters are candle `Var`s.
    pub fn loss(&self, x: &Tensor, labels: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::loss::cross_entropy(&self.logits(x)?, labels)?)
    }

    /// Class probabilities for one feature vector (the backbone's output at the head's cut).
    /// A plain forward pass: no gradient bookkeeping, ~0.1 ms at 12,544 × 100.
    ///
    /// # Errors
    /// [`LearnError::NotANumber`] when the answer is not a number: finite weights too large
    /// for float32 arithmetic (a damaged or crafted file) overflow to NaN, which would
    /// otherwise be printed or steer as if it were a prediction.
    pub fn predict(&self, features: &[f32]) -> Result<Prediction> {
        let hidden = self.hidden(features)?;
        let p = Prediction::from_probs(crate::backbone::labels::softmax(&self.output(&hidden)?));
        p.check_finite()?;
        Ok(p)
    }

    /// The hidden layer's activations (after ReLU) for one feature vector: what the feature
    /// map's second view places.
    pub fn hidden(&self, features: &[f32]) -> Result<Vec<f32>> {
        use crate::backbone::{Act, kernels};
        self.check_len(features.len())?;
        let p = self.plain()?;
        let mut hidden = vec![0.0; self.units];
        if self.normalize == Normalize::None {
            kernels::linear(features, &p.w1, &p.b1, Act::Relu, &mut hidden);
        } else {
            let mut scaled = features.to_vec();
            self.normalize.apply(&mut scaled);
            kernels::linear(&scaled, &p.w1, &p.b1, Act::Relu, &mut hidden);
        }
        Ok(hidden)
    }

    /// Class probabilities and the hidden layer's activations for one feature vector, in one
    /// pass (the steering checks how familiar the frame is in the hidden layer).
    pub fn predict_with_hidden(&self, features: &[f32]) -> Result<(Prediction, Vec<f32>)> {
        let hidden = self.hidden(features)?;
        let probs = crate::backbone::labels::softmax(&self.output(&hidden)?);
        Ok((Prediction::from_probs(probs), hidden))
    }

    /// The hidden layer's activations and the most likely class, in one pass.
    pub fn hidden_and_best(&self, features: &[f32]) -> Result<(Vec<f32>, usize)> {
        let hidden = self.hidden(features)?;
        let best = argmax(&self.output(&hidden)?);
        Ok((hidden, best))
    }

    /// Logits from the hidden layer's activations.
    fn output(&self, hidden: &[f32]) -> Result<Vec<f32>> {
        use crate::backbone::{Act, kernels};
        let p = self.plain()?;
        let mut logits = vec![0.0; self.classes.len()];
        kernels::linear(hidden, &p.w2, &vec![0.0; self.classes.len()], Act::Identity, &mut logits);
        Ok(logits)
    }

    fn plain(&self) -> Result<Arc<Plain>> {
        Ok(match self.plain.get() {
            Some(p) => p.clone(),
            None => {
                let flat =
                    |t: &Tensor| -> Result<Vec<f32>> { Ok(t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?) };
                let p = Arc::new(Plain { w1: flat(&self.w1)?, b1: flat(&self.b1)?, w2: flat(&self.w2)? });
                self.plain.get_or_init(|| p).clone()
            }
        })
    }

    /// Class probabilities for many flattened feature vectors (`rows` holds a whole number of
    /// them), through candle.
    pub fn predict_many(&self, rows: &[f32]) -> Result<Vec<Prediction>> {
        let d = self.input_len();
        if d == 0 || !rows.len().is_multiple_of(d) {
            return Err(LearnError::FeatureLength {
                expected: d,
                found: rows.len(),
                what: "a whole number of feature vectors".into(),
            });
        }
        let x = Tensor::from_slice(rows, (rows.len() / d, d), &Device::Cpu)?;
        self.predict_tensor(&x)
    }

    /// Predictions for a batch `[N, input]`.
    pub fn predict_tensor(&self, x: &Tensor) -> Result<Vec<Prediction>> {
        let probs = candle_nn::ops::softmax(&self.logits(x)?, D::Minus1)?.to_dtype(DType::F32)?.to_vec2::<f32>()?;
        Ok(probs.into_iter().map(Prediction::from_probs).collect())
    }

    /// A deep copy whose tensors share nothing with `self` and carry no gradient tracking
    /// (the trainer snapshots its variables this way).
    pub fn detached_copy(&self) -> Result<Self> {
        let [w1, b1, w2] = self.parameters();
        Ok(Self::from_parts(
            self.classes.clone(),
            self.input_shape,
            w1.detach().copy()?,
            b1.detach().copy()?,
            w2.detach().copy()?,
        )?
        .with_normalize(self.normalize))
    }

    /// Whether every weight is finite.
    pub fn is_finite(&self) -> Result<bool> {
        for t in self.parameters() {
            // x·0 is 0 for every finite x and NaN for ±inf and NaN, so the sum is 0 exactly when
            // all are finite: one pass, no copy out of the tensor, no overflow.
            let s = t.affine(0.0, 0.0)?.sum_all()?.to_dtype(DType::F64)?.to_scalar::<f64>()?;
            if s != 0.0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn check_len(&self, found: usize) -> Result<()> {
        if found == self.input_len() {
            return Ok(());
        }
        let [c, h, w] = self.input_shape;
        Err(LearnError::FeatureLength {
            expected: self.input_len(),
            found,
            what: format!("the head reads {c}×{h}×{w} features"),
        })
    }
}

fn check_sizes(classes: usize, input: usize, units: usize) -> Result<()> {
    if classes < 2 {
        return Err(LearnError::Hyper { name: "classes", value: classes.to_string(), rule: "at least 2" });
    }
    if units == 0 {
        return Err(LearnError::Hyper { name: "units", value: "0".into(), rule: "≥ 1" });
    }
    if input == 0 {
        return Err(LearnError::FeatureLength { expected: 1, found: 0, what: "feature shape".into() });
    }
    Ok(())
}

/// A `[fan_out, fan_in]` kernel from a normal distribution truncated at ±2σ, σ = √(1/fan_in).
///
/// The values are drawn in chunks of [`INIT_CHUNK`], each from its own ChaCha8 stream
/// (`layer`, chunk index) of `seed`, so the chunks can be filled in parallel and the result
/// depends only on the seed, never on the thread count.
fn variance_scaling(seed: u64, layer: u64, fan_out: usize, fan_in: usize) -> Result<Tensor> {
    let std = (1.0 / fan_in.max(1) as f64).sqrt();
    let mut values = vec![0.0f32; fan_out * fan_in];
    values.par_chunks_mut(INIT_CHUNK).enumerate().for_each(|(chunk, out)| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream((layer << 32) | chunk as u64);
        let mut filled = 0;
        while filled < out.len() {
            // Marsaglia's polar method: two standard normals per accepted pair, no trigonometry.
            let u = 2.0 * rng.random::<f64>() - 1.0;
            let v = 2.0 * rng.random::<f64>() - 1.0;
            let s = u * u + v * v;
            if s <= 0.0 || s >= 1.0 {
                continue;
            }
            let m = (-2.0 * s.ln() / s).sqrt();
            for z in [u * m, v * m] {
                if z.abs() <= 2.0
                    && let Some(o) = out.get_mut(filled)
                {
                    *o = (z * std) as f32;
                    filled += 1;
                }
            }
        }
    });
    Ok(Tensor::from_vec(values, (fan_out, fan_in), &Device::Cpu)?)
}

/// Weights per initialisation stream.
const INIT_CHUNK: usize = 1 << 14;
