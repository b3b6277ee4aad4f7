//! The recorded examples: per example its features at the chosen cut (f16, see
//! [`super::features`]), its label, a JPEG thumbnail of exactly what the network saw, a stable
//! id, the burst it was recorded in and when.
//!
//! Memory per example at the default cut (7×7×256 = 12,544 values): 25,088 bytes of features,
//! plus the thumbnail (224×224 JPEG at quality 90: 10–25 KB for webcam frames, the golden
//! photos average ~20 KB), plus [`EXAMPLE_OVERHEAD`] bytes of bookkeeping: about 45 KB;
//! [`Dataset::bytes`] counts it exactly and [`Dataset::add`] refuses to pass
//! [`DEFAULT_BYTE_LIMIT`] (256 MiB, ~5,800 such examples) with [`LearnError::DatasetFull`].
//! Training reads the features in place; its extra memory is one f32 batch (160 × 50 KB).

use std::io::Cursor;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use image::RgbImage;
use serde::{Deserialize, Serialize};

pub use super::classes::{MAX_CLASS_NAME, MAX_CLASSES, check_classes};
use super::error::{LearnError, Result};
use super::features::Features;
use super::train::TrainData;
use crate::backbone::{Backbone, BackboneError, Crop};

/// The demo's four directions, in the order the app shows them.
pub const DIRECTIONS: [&str; 4] = ["up", "down", "left", "right"];
/// The optional idle class: "no direction, Pac-Man keeps going".
pub const IDLE: &str = "none";
/// JPEG quality of the thumbnails: artefacts well below a webcam's own noise at ~1/6 of the
/// raw size.
pub const THUMBNAIL_QUALITY: u8 = 90;
/// Bytes counted per example besides its features and thumbnail (ids, label, `Arc`s).
pub const EXAMPLE_OVERHEAD: usize = 96;
/// The default memory limit of a dataset.
pub const DEFAULT_BYTE_LIMIT: usize = 256 << 20;

/// What produced a dataset's features: the backbone, the cut and the crop. Examples recorded
/// under another source must be re-featurised from their thumbnails before training.
///
/// The backbone is recognised by its architecture, the cut and [`FeatureSource::weights_sha256`]
/// — by content, not by where the files were: a moved copy of the same weights is the same
/// backbone, and other weights at the same path are not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSource {
    /// [`Backbone::id`] when recorded: where the model was found (`builtin`, a repo id with
    /// revision, or a directory). Only a hint for finding it again.
    pub backbone: String,
    /// [`Backbone::weights_sha256`]: sha256 of the weights file. `None` in projects written
    /// before pacnet recorded it (format version 1), until [`crate::learn::Project::adopt_weights`]
    /// fills it in.
    #[serde(default)]
    pub weights_sha256: Option<String>,
    /// timm architecture name.
    pub architecture: String,
    /// The cut's timm name, e.g. `blocks.4.1`.
    pub cut: String,
    /// The cut's Keras name when it has one, e.g. `conv_pw_13_relu`.
    pub cut_alias: Option<String>,
    /// Feature shape `[channels, height, width]`.
    pub shape: [usize; 3],
    /// Side of the network's input (and of the thumbnails) in pixels.
    pub input_size: usize,
    /// How frames are cropped before resizing.
    pub crop: Crop,
}

impl FeatureSource {
    /// The source for `backbone` cut at index `cut`.
    pub fn of(backbone: &Backbone, cut: usize, crop: Crop) -> Result<Self> {
        let c = backbone.cuts().get(cut).ok_or_else(|| {
            BackboneError::Input(format!("cut index {cut} out of range (0..{})", backbone.cuts().len()))
        })?;
        Ok(Self {
            backbone: backbone.id().to_owned(),
            weights_sha256: Some(backbone.weights_sha256().to_owned()),
            architecture: backbone.architecture().to_owned(),
            cut: c.name.clone(),
            cut_alias: c.alias.clone(),
            shape: c.shape,
            input_size: backbone.config().input_size,
            crop,
        })
    }

    /// Values per feature vector.
    pub fn len(&self) -> usize {
        // Saturating: a crafted file's shape must not overflow (it then matches nothing).
        self.shape.iter().fold(1usize, |n, &d| n.saturating_mul(d))
    }

    /// Whether the shape is empty (never for a real backbone).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// e.g. `tf_mobilenetv1_025 (builtin, weights 8f0423d080916017) at blocks.4.1 /
    /// conv_pw_13_relu, 256×7×7`.
    pub fn describe(&self) -> String {
        let [c, h, w] = self.shape;
        let alias = self.cut_alias.as_deref().map(|a| format!(" / {a}")).unwrap_or_default();
        let weights = match &self.weights_sha256 {
            Some(sha) => format!("weights {}", &sha[..sha.len().min(16)]),
            None => "weights not recorded".into(),
        };
        format!("{} ({}, {weights}) at {}{alias}, {c}×{h}×{w}", self.architecture, self.backbone, self.cut)
    }
}

/// An example's thumbnail: the network's input image (`input_size`², after crop and resize)
/// as JPEG bytes; decode it only to show it or to re-featurise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thumbnail(Arc<[u8]>);

impl Thumbnail {
    /// Encodes an RGB image as JPEG at [`THUMBNAIL_QUALITY`].
    pub fn encode(image: &RgbImage) -> Result<Self> {
        let mut out = Cursor::new(Vec::with_capacity(32 << 10));
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, THUMBNAIL_QUALITY).encode_image(image).map_err(
            |e| LearnError::Thumbnail { what: "a new example".into(), message: format!("cannot encode: {e}") },
        )?;
        Ok(Self(out.into_inner().into()))
    }

    /// Wraps JPEG bytes (as read from a project file); decoding checks them.
    pub fn from_jpeg(bytes: Vec<u8>) -> Self {
        Self(bytes.into())
    }

    /// Decodes to RGB.
    pub fn decode(&self) -> Result<RgbImage> {
        image::load_from_memory_with_format(&self.0, image::ImageFormat::Jpeg)
            .map(|i| i.to_rgb8())
            .map_err(|e| LearnError::Thumbnail { what: "an example".into(), message: format!("cannot decode: {e}") })
    }

    /// The JPEG bytes.
    pub fn jpeg(&self) -> &[u8] {
        &self.0
    }

    /// Size of the JPEG bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One recorded example.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// Stable id, unique within its dataset (never reused after a deletion).
    pub id: u64,
    /// Class index into [`Dataset::classes`].
    pub label: usize,
    /// The burst (one press of a record button) it belongs to.
    pub burst: u64,
    /// When it was recorded, in milliseconds since the Unix epoch.
    pub recorded_ms: u64,
    /// Its features at the dataset's cut.
    pub features: Features,
    /// What the network saw.
    pub thumbnail: Thumbnail,
}

impl Example {
    /// Bytes it occupies (features + thumbnail + [`EXAMPLE_OVERHEAD`]).
    pub fn bytes(&self) -> usize {
        self.features.bytes() + self.thumbnail.len() + EXAMPLE_OVERHEAD
    }
}

/// The examples of a project, with their classes and the source of their features.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub(super) classes: Vec<String>,
    /// A colour per class (`None`: the app's default palette), aligned with `classes`.
    pub(super) colors: Vec<Option<[u8; 3]>>,
    source: FeatureSource,
    pub(super) examples: Vec<Example>,
    next_id: u64,
    next_burst: u64,
    bytes: usize,
    byte_limit: usize,
}

impl Dataset {
    /// An empty dataset; class names must be non-empty, distinct and at least 2.
    pub fn new(classes: Vec<String>, source: FeatureSource) -> Result<Self> {
        check_classes(&classes)?;
        Ok(Self {
            colors: vec![None; classes.len()],
            classes,
            source,
            examples: Vec::new(),
            next_id: 1,
            next_burst: 1,
            bytes: 0,
            byte_limit: DEFAULT_BYTE_LIMIT,
        })
    }

    /// `up, down, left, right`, plus `none` when `idle` is set.
    pub fn default_classes(idle: bool) -> Vec<String> {
        DIRECTIONS.iter().copied().chain(idle.then_some(IDLE)).map(String::from).collect()
    }

    /// Class names, in label order.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Label of a class name.
    pub fn class_index(&self, name: &str) -> Option<usize> {
        self.classes.iter().position(|c| c == name)
    }

    /// Where the features come from.
    pub fn source(&self) -> &FeatureSource {
        &self.source
    }

    /// Records the weights' hash of a source that lacked it (a format-1 project, once its
    /// features were found to be reproduced; see [`crate::learn::Project::adopt_weights`]).
    pub fn set_weights_sha256(&mut self, sha256: String) {
        self.source.weights_sha256 = Some(sha256);
    }

    /// Every example, oldest first.
    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    /// The example with id `id`.
    pub fn get(&self, id: u64) -> Option<&Example> {
        self.examples.iter().find(|e| e.id == id)
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.examples.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.examples.is_empty()
    }

    /// Examples per class, in label order.
    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        for e in &self.examples {
            if let Some(c) = counts.get_mut(e.label) {
                *c += 1;
            }
        }
        counts
    }

    /// Bytes the examples occupy (see the module doc).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The memory limit.
    pub fn byte_limit(&self) -> usize {
        self.byte_limit
    }

    /// Changes the memory limit (existing examples stay even when over it).
    pub fn set_byte_limit(&mut self, limit: usize) {
        self.byte_limit = limit;
    }

    /// A fresh burst id for the next press of a record button.
    pub fn new_burst(&mut self) -> u64 {
        let b = self.next_burst;
        self.next_burst += 1;
        b
    }

    /// The most recent burst that still has examples.
    pub fn last_burst(&self) -> Option<u64> {
        self.examples.iter().map(|e| e.burst).max()
    }

    /// Adds an example of class `label` recorded in `burst`; returns its id.
    /// `input` is the network's input image (the output of `Preprocess::resize`), kept as the
    /// thumbnail; `features` its activation at the dataset's cut.
    pub fn add(&mut self, label: usize, burst: u64, features: &[f32], input: &RgbImage) -> Result<u64> {
        let features = self.check_features(features)?;
        self.add_packed(label, burst, features, Thumbnail::encode(input)?)
    }

    /// [`Dataset::add`] for features and thumbnail already packed (e.g. on worker threads).
    pub fn add_packed(&mut self, label: usize, burst: u64, features: Features, thumbnail: Thumbnail) -> Result<u64> {
        let recorded_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        let id = self.next_id;
        self.push(Example { id, label, burst, recorded_ms, features, thumbnail })?;
        Ok(id)
    }

    /// Adds an example as it is (id, burst and time kept), e.g. one read from a file.
    pub fn push(&mut self, example: Example) -> Result<()> {
        if example.label >= self.classes.len() {
            return Err(LearnError::UnknownClass {
                name: format!("#{}", example.label),
                known: self.classes.join(", "),
            });
        }
        if example.features.len() != self.source.len() {
            return Err(self.length_error(example.features.len()));
        }
        if self.examples.iter().any(|e| e.id == example.id) {
            return Err(LearnError::Internal { message: format!("example id {} used twice", example.id) });
        }
        let used = self.bytes + example.bytes();
        if used > self.byte_limit {
            return Err(LearnError::DatasetFull {
                examples: self.examples.len(),
                used: self.bytes,
                limit: self.byte_limit,
            });
        }
        self.bytes = used;
        self.next_id = self.next_id.max(example.id + 1);
        self.next_burst = self.next_burst.max(example.burst + 1);
        self.examples.push(example);
        Ok(())
    }

    /// Removes the example with id `id`.
    pub fn remove(&mut self, id: u64) -> Option<Example> {
        let i = self.examples.iter().position(|e| e.id == id)?;
        let e = self.examples.remove(i);
        self.bytes = self.bytes.saturating_sub(e.bytes());
        Some(e)
    }

    /// Removes every example of `burst`; returns how many.
    pub fn remove_burst(&mut self, burst: u64) -> usize {
        self.remove_where(|e| e.burst == burst)
    }

    /// Removes the examples of the most recent burst ("undo last burst"); returns how many.
    pub fn undo_last_burst(&mut self) -> usize {
        self.last_burst().map_or(0, |b| self.remove_burst(b))
    }

    /// Removes every example of class `label`; returns how many.
    pub fn clear_class(&mut self, label: usize) -> usize {
        self.remove_where(|e| e.label == label)
    }

    /// The training view: every example's features (shared, not copied) and label.
    pub fn train_data(&self) -> Result<TrainData> {
        TrainData::new(
            self.classes.clone(),
            self.source.shape,
            self.examples.iter().map(|e| e.features.clone()).collect(),
            self.examples.iter().map(|e| e.label).collect(),
        )?
        .with_ids(self.examples.iter().map(|e| e.id).collect())
    }

    /// The same examples with features from another source, in example order (what
    /// re-featurising produces); fails unless there is one vector of the new length per example.
    pub fn with_features(&self, source: FeatureSource, features: Vec<Features>) -> Result<Self> {
        if features.len() != self.examples.len() {
            return Err(LearnError::Internal {
                message: format!("{} feature vectors for {} examples", features.len(), self.examples.len()),
            });
        }
        let mut out = Self { examples: Vec::with_capacity(self.examples.len()), bytes: 0, source, ..self.clone() };
        out.byte_limit = usize::MAX;
        for (e, f) in self.examples.iter().zip(features) {
            out.push(Example { features: f, ..e.clone() })?;
        }
        out.byte_limit = self.byte_limit;
        Ok(out)
    }

    /// Packs and checks a feature vector for this dataset.
    pub fn check_features(&self, features: &[f32]) -> Result<Features> {
        if features.len() != self.source.len() {
            return Err(self.length_error(features.len()));
        }
        Features::from_f32(features)
    }

    /// The next ids a new example and a new burst would get (stored in project files so ids
    /// are never reused).
    pub fn next_ids(&self) -> (u64, u64) {
        (self.next_id, self.next_burst)
    }

    /// Restores the id counters (never below what the examples already use).
    pub fn set_next_ids(&mut self, next_id: u64, next_burst: u64) {
        self.next_id = self.next_id.max(next_id);
        self.next_burst = self.next_burst.max(next_burst);
    }

    pub(super) fn remove_where(&mut self, mut doomed: impl FnMut(&Example) -> bool) -> usize {
        let before = self.examples.len();
        self.examples.retain(|e| !doomed(e));
        self.bytes = self.examples.iter().map(Example::bytes).sum();
        before - self.examples.len()
    }

    fn length_error(&self, found: usize) -> LearnError {
        LearnError::FeatureLength {
            expected: self.source.len(),
            found,
            what: format!("the dataset holds {}", self.source.describe()),
        }
    }
}
