//! `config.json` of a Hugging Face timm model directory: the architecture name and the
//! preprocessing the weights were trained with.

use std::path::Path;

use serde_json::Value;

use super::error::{BackboneError, Result};

/// The largest input side a config may ask for: MobileNets are trained at 224 (timm's
/// largest test size is 320), and activations grow with its square (a 30000² input asked for
/// more than 24 GB).
pub const MAX_INPUT_SIZE: usize = 1024;

/// The most classes a config may declare (ImageNet-21k has 21,843): without `labels.txt` each
/// gets a generated name, and the classifier is checked against it.
pub const MAX_CLASSES: usize = 100_000;
/// The largest `config.json` read (timm's are ~2 KB).
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// How to resample a frame to the network's input size (timm's `interpolation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Interpolation {
    /// Triangle filter, widened when shrinking (Pillow's `BILINEAR`).
    Bilinear,
    /// Catmull-Rom cubic, widened when shrinking (Pillow's `BICUBIC`).
    Bicubic,
    /// Nearest neighbour.
    Nearest,
}

/// What pacnet needs from `config.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelConfig {
    /// timm architecture name, e.g. `mobilenetv3_large_100`.
    pub architecture: String,
    /// Number of classifier outputs (1000, or 1001 with a background class).
    pub num_classes: usize,
    /// Side of the square input in pixels (224 for every MobileNet here).
    pub input_size: usize,
    /// Per-channel mean subtracted after scaling pixels to 0..1.
    pub mean: [f32; 3],
    /// Per-channel standard deviation divided by after subtracting the mean.
    pub std: [f32; 3],
    /// Resampling filter the weights were trained with.
    pub interpolation: Interpolation,
}

impl ModelConfig {
    /// Reads and validates `config.json`; every missing or malformed key is an error naming it.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = crate::sys::read_regular(path, MAX_CONFIG_BYTES).map_err(BackboneError::from_input)?;
        let text = String::from_utf8(bytes).map_err(|_| BackboneError::ConfigKey {
            path: path.to_owned(),
            key: "(file)".into(),
            problem: "is not UTF-8 text".into(),
        })?;
        Self::parse(&text, path)
    }

    /// Parses the text of a `config.json`; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let root: Value =
            serde_json::from_str(text).map_err(|error| BackboneError::Json { path: path.to_owned(), error })?;
        let key_err = |key: &str, problem: &str| BackboneError::ConfigKey {
            path: path.to_owned(),
            key: key.to_owned(),
            problem: problem.to_owned(),
        };
        let cfg = root.get("pretrained_cfg").unwrap_or(&Value::Null);
        // timm writes some keys at the top level and some under `pretrained_cfg`.
        let lookup = |key: &str| root.get(key).or_else(|| cfg.get(key));

        let architecture = lookup("architecture")
            .ok_or_else(|| key_err("architecture", "is missing"))?
            .as_str()
            .ok_or_else(|| key_err("architecture", "must be a string"))?
            .to_owned();
        let num_classes = lookup("num_classes")
            .ok_or_else(|| key_err("num_classes", "is missing"))?
            .as_u64()
            .filter(|&n| (1..=MAX_CLASSES as u64).contains(&n))
            .ok_or_else(|| key_err("num_classes", &format!("must be an integer from 1 to {MAX_CLASSES}")))?
            as usize;
        let input_size = match cfg.get("input_size") {
            None => return Err(key_err("pretrained_cfg.input_size", "is missing")),
            Some(v) => {
                let dims: Vec<u64> =
                    v.as_array().map(|a| a.iter().filter_map(Value::as_u64).collect()).unwrap_or_default();
                match dims.as_slice() {
                    [3, h, w] if h == w && (32..=MAX_INPUT_SIZE as u64).contains(h) => *h as usize,
                    _ => {
                        return Err(key_err(
                            "pretrained_cfg.input_size",
                            &format!("must be [3, S, S] with 32 <= S <= {MAX_INPUT_SIZE}, found {v}"),
                        ));
                    }
                }
            }
        };
        let triple = |key: &str| -> Result<[f32; 3]> {
            let full = format!("pretrained_cfg.{key}");
            let v = cfg.get(key).ok_or_else(|| key_err(&full, "is missing"))?;
            let nums: Vec<f64> = v.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
            match nums.as_slice() {
                [a, b, c] => Ok([*a as f32, *b as f32, *c as f32]),
                _ => Err(key_err(&full, &format!("must be three numbers, found {v}"))),
            }
        };
        let mean = triple("mean")?;
        let std = triple("std")?;
        if std.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(key_err("pretrained_cfg.std", "must be three positive numbers"));
        }
        let interpolation = match cfg.get("interpolation").and_then(Value::as_str) {
            None | Some("bilinear") => Interpolation::Bilinear,
            Some("bicubic") => Interpolation::Bicubic,
            Some("nearest") => Interpolation::Nearest,
            Some(other) => {
                return Err(key_err(
                    "pretrained_cfg.interpolation",
                    &format!("is `{other}`, expected bilinear, bicubic or nearest"),
                ));
            }
        };
        Ok(Self { architecture, num_classes, input_size, mean, std, interpolation })
    }
}
