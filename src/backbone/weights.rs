//! Strict reading of a timm `model.safetensors`: every tensor the architecture needs must be
//! there with the exact shape, and every tensor in the file must be used (as timm's strict
//! loading does), so weights of another architecture are an error, not a silent misfit.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors};

use super::error::{BackboneError, Result};

/// The largest `model.safetensors` read (MobileNet V3 large is ~22 MB; this leaves room for
/// much bigger backbones without letting a huge file fill the memory).
const MAX_WEIGHTS_BYTES: u64 = 4 << 30;

/// The float32 tensors of one safetensors file, handed out by name exactly once.
pub struct WeightFile {
    path: PathBuf,
    tensors: BTreeMap<String, (Vec<usize>, Vec<f32>)>,
    /// Tensors present but meaningless at inference (`num_batches_tracked`).
    ignored: BTreeSet<String>,
    /// When set, every requested tensor is made up from this generator state instead (random
    /// weights for benchmarks: latency does not depend on the values).
    synthetic: Option<u64>,
    /// sha256 of the file's bytes: the weights' identity (projects store it).
    sha256: String,
}

impl WeightFile {
    /// Reads and parses `path`; a truncated or foreign file is an error naming it.
    pub fn open(path: &Path) -> Result<Self> {
        let bytes = crate::sys::read_regular(path, MAX_WEIGHTS_BYTES).map_err(BackboneError::from_input)?;
        Self::from_bytes(&bytes, path)
    }

    /// Parses safetensors bytes (read from a file or compiled in); `path` is only used in
    /// messages.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let st = SafeTensors::deserialize(bytes)
            .map_err(|e| BackboneError::SafeTensors { path: path.to_owned(), message: e.to_string() })?;
        if let Some(name) = duplicate_name(bytes) {
            return Err(BackboneError::SafeTensors {
                path: path.to_owned(),
                message: format!("the header lists tensor `{name}` twice; only one of them would be used"),
            });
        }
        let mut tensors = BTreeMap::new();
        let mut ignored = BTreeSet::new();
        for (name, view) in st.iter() {
            if name.ends_with("num_batches_tracked") {
                ignored.insert(name.to_owned());
                continue;
            }
            if view.dtype() != Dtype::F32 {
                return Err(BackboneError::WrongDtype {
                    path: path.to_owned(),
                    name: name.to_owned(),
                    dtype: format!("{:?}", view.dtype()),
                });
            }
            let values: Vec<f32> =
                view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
            // Non-finite weights run without error and give confident garbage: refuse them here.
            if let Some((index, value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(BackboneError::BadValue {
                    path: path.to_owned(),
                    name: name.to_owned(),
                    problem: format!("holds {value} at index {index}; weights must be finite numbers"),
                });
            }
            tensors.insert(name.to_owned(), (view.shape().to_vec(), values));
        }
        let sha256 = super::hub::sha256_hex(bytes);
        Ok(Self { path: path.to_owned(), tensors, ignored, synthetic: None, sha256 })
    }

    /// A stand-in that invents every tensor it is asked for (He-scaled conv weights, BatchNorm
    /// near identity), seeded. For benchmarking architectures whose weights are not on disk.
    pub fn synthetic(seed: u64) -> Self {
        Self {
            path: PathBuf::from("<random weights>"),
            tensors: BTreeMap::new(),
            ignored: BTreeSet::new(),
            synthetic: Some(seed),
            sha256: format!("random-weights-{seed}"),
        }
    }

    fn invent(state: &mut u64, name: &str, shape: &[usize]) -> Vec<f32> {
        let n: usize = shape.iter().product();
        let mut uniform = || {
            // SplitMix64: tiny, seedable, good enough for made-up weights.
            *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = *state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32
        };
        let fan_in: usize = shape.iter().skip(1).product::<usize>().max(1);
        let scale = (6.0 / fan_in as f32).sqrt();
        (0..n)
            .map(|_| {
                let u = uniform();
                if name.ends_with("running_var") || (name.contains("bn") && name.ends_with("weight")) {
                    0.5 + u
                } else if name.ends_with("running_mean") || name.ends_with("bias") {
                    0.1 * (u - 0.5)
                } else {
                    scale * (2.0 * u - 1.0)
                }
            })
            .collect()
    }

    /// sha256 of the bytes the tensors were read from (hex); `random-weights-SEED` for made-up
    /// weights.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The file these tensors came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file has a tensor of that name (not yet taken).
    pub fn contains(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// Removes and returns tensor `name`, which must have exactly `shape`.
    pub fn take(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        if let Some(state) = &mut self.synthetic {
            return Ok(Self::invent(state, name, shape));
        }
        let (found, values) = self
            .tensors
            .remove(name)
            .ok_or_else(|| BackboneError::MissingTensor { path: self.path.clone(), name: name.to_owned() })?;
        if found != shape {
            return Err(BackboneError::WrongShape {
                path: self.path.clone(),
                name: name.to_owned(),
                expected: shape.to_vec(),
                found,
            });
        }
        Ok(values)
    }

    /// Takes BatchNorm `prefix` (weight, bias, running_mean, running_var) and returns the
    /// per-channel (scale, shift) of its eval-mode affine map y = x·scale + shift.
    pub fn batch_norm(&mut self, prefix: &str, chs: usize, eps: f64) -> Result<(Vec<f32>, Vec<f32>)> {
        let gamma = self.take(&format!("{prefix}.weight"), &[chs])?;
        let beta = self.take(&format!("{prefix}.bias"), &[chs])?;
        let mean = self.take(&format!("{prefix}.running_mean"), &[chs])?;
        let var_name = format!("{prefix}.running_var");
        let var = self.take(&var_name, &[chs])?;
        // A variance below 0 is impossible statistics; its square root would be NaN.
        if let Some((index, value)) = var.iter().enumerate().find(|(_, v)| **v < 0.0) {
            return Err(BackboneError::BadValue {
                path: self.path.clone(),
                name: var_name,
                problem: format!("holds {value} at index {index}; a BatchNorm variance cannot be negative"),
            });
        }
        // Folded in f64 so that folding adds no rounding error of its own beyond the final cast.
        let mut scale = Vec::with_capacity(chs);
        let mut shift = Vec::with_capacity(chs);
        for i in 0..chs {
            let s = f64::from(gamma[i]) / (f64::from(var[i]) + eps).sqrt();
            scale.push(s as f32);
            shift.push((f64::from(beta[i]) - f64::from(mean[i]) * s) as f32);
        }
        Ok((scale, shift))
    }

    /// Fails if any tensor was left unused: the file belongs to another architecture.
    pub fn finish(self, architecture: &str) -> Result<()> {
        match self.tensors.keys().next() {
            None => Ok(()),
            Some(example) => Err(BackboneError::UnexpectedTensors {
                path: self.path.clone(),
                architecture: architecture.to_owned(),
                count: self.tensors.len(),
                example: example.clone(),
            }),
        }
    }

    /// Number of `num_batches_tracked` entries skipped (they do nothing at inference).
    pub fn ignored_count(&self) -> usize {
        self.ignored.len()
    }
}

/// The first name a safetensors header lists twice. JSON allows repeated keys and the
/// safetensors reader keeps the last one without a word, so a second tensor could hide under
/// a name (the header is parsed once more here, keys only; it was just found well formed).
fn duplicate_name(bytes: &[u8]) -> Option<String> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    struct FirstRepeat;
    impl<'de> Visitor<'de> for FirstRepeat {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
            let (mut seen, mut first) = (BTreeSet::new(), None);
            // Read to the end either way: the parser checks the closing brace after this.
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                if !seen.insert(key.clone()) {
                    first.get_or_insert(key);
                }
            }
            Ok(first)
        }
    }
    let len = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
    let header = bytes.get(8..8usize.checked_add(len)?)?;
    serde_json::Deserializer::from_slice(header).deserialize_map(FirstRepeat).ok().flatten()
}
