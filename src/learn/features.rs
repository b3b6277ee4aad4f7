//! Stored feature vectors: IEEE half floats behind an `Arc`.
//!
//! Why half floats: a 7×7×256 activation is 12,544 values, 50 KB as f32 and 25 KB as f16, and
//! the examples' features are most of a dataset's memory. The backbone's activations are ReLU6
//! outputs in [0, 6] (V1) or hard-swish outputs of similar size (V2/V3); f16 keeps them to a
//! relative error of 2⁻¹¹ ≈ 0.05 %, far below the frame-to-frame noise of a webcam, and
//! `tests/learn.rs` checks that the real-backbone classifier's held-out accuracy is the same on
//! f32 and f16 features. Values beyond ±65504 (f16's range) or non-finite values are refused.
//!
//! Why an `Arc`: the trainer thread takes a snapshot of the dataset by cloning the `Arc`s, so
//! starting a training run copies no feature data, and the UI may keep deleting or recording
//! examples meanwhile.

use std::sync::Arc;

use super::error::{LearnError, Result};

/// One example's features, stored as f16 bits (little-endian when written to a file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Features(Arc<[u16]>);

impl Features {
    /// Packs f32 features, rounding to the nearest f16 (ties to even).
    pub fn from_f32(values: &[f32]) -> Result<Self> {
        let mut bits = Vec::with_capacity(values.len());
        for (index, &v) in values.iter().enumerate() {
            let h = gemm::f16::from_f32(v);
            if !h.is_finite() {
                return Err(LearnError::FeatureValue { value: v, index });
            }
            bits.push(h.to_bits());
        }
        Ok(Self(bits.into()))
    }

    /// Wraps raw f16 bits (as read from a project file), refusing NaN and infinities.
    pub fn from_bits(bits: Vec<u16>) -> Result<Self> {
        if let Some(index) = bits.iter().position(|&b| b & 0x7c00 == 0x7c00) {
            let value = bits.get(index).map_or(f32::NAN, |&b| half_to_f32(b));
            return Err(LearnError::FeatureValue { value, index });
        }
        Ok(Self(bits.into()))
    }

    /// The f16 bits.
    pub fn bits(&self) -> &[u16] {
        &self.0
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Bytes of feature data (2 per value).
    pub fn bytes(&self) -> usize {
        2 * self.0.len()
    }

    /// Unpacks to f32.
    pub fn to_f32(&self) -> Vec<f32> {
        let mut out = vec![0.0; self.0.len()];
        decode_into(&self.0, &mut out);
        out
    }
}

/// Unpacks f16 bits into `out` (which must be as long as `bits`; extra values are ignored).
///
/// Why hand-written: this runs on every training batch (160 × 12,544 values), and a
/// per-element library call is several times slower than this branch-free loop, which the
/// compiler vectorises. It is F. Giesen's `half_to_float` (a shift and one multiply by 2¹¹²
/// re-biases the exponent and also normalises subnormals), checked against the `half` crate
/// on all 65,536 bit patterns in `tests/learn.rs`.
pub fn decode_into(bits: &[u16], out: &mut [f32]) {
    for (o, &h) in out.iter_mut().zip(bits) {
        *o = half_to_f32(h);
    }
}

/// One f16 → f32 conversion (exact for every finite value, ±inf → ±inf, NaN → NaN).
#[inline]
pub fn half_to_f32(h: u16) -> f32 {
    const MAGIC: f32 = f32::from_bits((254 - 15) << 23);
    const WAS_INF_NAN: f32 = f32::from_bits((127 + 16) << 23);
    let scaled = f32::from_bits(u32::from(h & 0x7fff) << 13) * MAGIC;
    let mut bits = scaled.to_bits();
    if scaled >= WAS_INF_NAN {
        bits |= 0xff << 23;
    }
    f32::from_bits(bits | (u32::from(h & 0x8000) << 16))
}
