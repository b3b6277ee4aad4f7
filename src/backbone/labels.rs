//! Class names for "what MobileNet sees": the model directory's `labels.txt` when present,
//! else the built-in ImageNet-1k list (with a `background` class first for 1001-class models).

use std::path::Path;

use super::error::{BackboneError, Result};

/// The standard ImageNet-1k class order (line k = class k), as every 1000-class timm model uses.
const IMAGENET: &str = include_str!("../../assets/imagenet_classes.txt");

/// One name per classifier output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Labels(Vec<String>);

impl Labels {
    /// Reads `labels.txt` if it exists (one label per line, exactly `num_classes` lines),
    /// else falls back to the built-in list.
    pub fn for_model(dir: &Path, num_classes: usize) -> Result<Self> {
        let path = dir.join("labels.txt");
        match crate::sys::read_regular(&path, 1 << 24) {
            Ok(bytes) => Self::parse(&String::from_utf8_lossy(&bytes), num_classes, &path),
            Err(crate::sys::InputError::Missing { .. }) => Ok(Self::builtin(num_classes)),
            Err(e) => Err(BackboneError::from_input(e)),
        }
    }

    /// The labels in `text` (one per line, blank lines skipped), which must be exactly
    /// `num_classes`; `path` is only used in messages.
    pub fn parse(text: &str, num_classes: usize, path: &Path) -> Result<Self> {
        let names: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
        if names.len() != num_classes {
            return Err(BackboneError::Labels { path: path.to_owned(), expected: num_classes, found: names.len() });
        }
        Ok(Self(names))
    }

    /// The built-in ImageNet names for 1000 or 1001 (background first) classes, else
    /// `class 0`, `class 1`, ...
    pub fn builtin(num_classes: usize) -> Self {
        let imagenet = IMAGENET.lines().map(String::from);
        let names: Vec<String> = match num_classes {
            1000 => imagenet.collect(),
            1001 => std::iter::once("background".to_string()).chain(imagenet).collect(),
            n => (0..n).map(|i| format!("class {i}")).collect(),
        };
        Self(names)
    }

    /// The name of class `index`.
    pub fn name(&self, index: usize) -> &str {
        self.0.get(index).map_or("?", String::as_str)
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no labels.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Softmax of `logits` (stable: the max is subtracted first).
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

/// Indices of the `k` largest values, largest first.
pub fn top_k(values: &[f32], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    idx.truncate(k);
    idx
}
