//! Pixels → features through the backbone, on the one path every frame takes
//! ([`Extractor`]: crop + resize to the network's input, kept as the thumbnail → normalise →
//! backbone to the cut). Also: importing a folder of class sub-folders, and re-featurising a
//! dataset from its thumbnails for another backbone or cut.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use image::RgbImage;
use rayon::prelude::*;

use super::dataset::{DEFAULT_BYTE_LIMIT, Dataset, EXAMPLE_OVERHEAD, FeatureSource, Thumbnail, check_classes};
use super::error::{LearnError, Result};
use super::features::Features;
use crate::backbone::{Backbone, Crop, Extractor, load_image};

/// Examples featurised per parallel round: progress and cancellation are checked between
/// rounds (~8 forward passes of a few ms each per core).
const ROUND: usize = 16;

/// A backbone, a cut and a crop: everything that turns a frame into features.
pub struct Featurizer<'a> {
    backbone: &'a Backbone,
    cut: usize,
    source: FeatureSource,
}

/// A frame after the backbone: the network's input image and its features.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The cropped, resized frame (`input_size`²), what the network saw; the thumbnail.
    pub input: RgbImage,
    /// The activation at the cut, flattened (C·H·W).
    pub features: Vec<f32>,
}

impl<'a> Featurizer<'a> {
    /// Features of `backbone` at cut index `cut`, frames cropped by `crop`.
    pub fn new(backbone: &'a Backbone, cut: usize, crop: Crop) -> Result<Self> {
        let source = FeatureSource::of(backbone, cut, crop)?;
        Ok(Self { backbone, cut, source })
    }

    /// What the features will be recorded as.
    pub fn source(&self) -> &FeatureSource {
        &self.source
    }

    /// The backbone.
    pub fn backbone(&self) -> &Backbone {
        self.backbone
    }

    /// The cut index.
    pub fn cut(&self) -> usize {
        self.cut
    }

    /// Buffers for [`frame_with`](Self::frame_with) and [`input_with`](Self::input_with);
    /// one per thread.
    #[must_use]
    pub fn extractor(&self) -> Extractor {
        Extractor::new(self.backbone)
    }

    /// A frame or photo of any size → its network input and features.
    pub fn frame(&self, frame: &RgbImage) -> Result<Sample> {
        self.frame_with(&mut self.extractor(), frame)
    }

    /// [`frame`](Self::frame) on caller-held buffers.
    pub fn frame_with(&self, ex: &mut Extractor, frame: &RgbImage) -> Result<Sample> {
        let features = ex.features_of(self.backbone, frame, self.source.crop, self.cut)?.to_vec();
        Ok(Sample { input: ex.input().clone(), features })
    }

    /// Features of an image that is already a network input (a thumbnail); a square of
    /// another size (a thumbnail from a backbone with another input size) is resized first.
    pub fn input(&self, input: &RgbImage) -> Result<Vec<f32>> {
        self.input_with(&mut self.extractor(), input)
    }

    /// [`input`](Self::input) on caller-held buffers.
    pub fn input_with(&self, ex: &mut Extractor, input: &RgbImage) -> Result<Vec<f32>> {
        ex.prepare_input(self.backbone, input)?;
        Ok(ex.run(self.backbone, self.cut, self.cut, &|_| false, &mut |_, _| {})?.to_vec())
    }
}

/// A copy of `dataset` whose features come from `featurizer`, computed from the thumbnails
/// (ids, labels, bursts and thumbnails unchanged). `progress(done, total)` is called after
/// every round; when `cancel` is set the work stops and `dataset` is left as it was
/// ([`LearnError::Cancelled`]). The crop of `dataset` is kept: thumbnails are already cropped.
pub fn refeaturize(
    dataset: &Dataset,
    featurizer: &Featurizer<'_>,
    progress: &mut dyn FnMut(usize, usize),
    cancel: &AtomicBool,
) -> Result<Dataset> {
    let examples = dataset.examples();
    let total = examples.len();
    let mut features = Vec::with_capacity(total);
    for round in examples.chunks(ROUND) {
        if cancel.load(Ordering::Relaxed) {
            return Err(LearnError::Cancelled);
        }
        let done: Vec<Features> = round
            .par_iter()
            .map_init(
                || featurizer.extractor(),
                |ex, e| {
                    let img = e.thumbnail.decode().map_err(|err| match err {
                        LearnError::Thumbnail { message, .. } => {
                            LearnError::Thumbnail { what: format!("example {}", e.id), message }
                        }
                        other => other,
                    })?;
                    Features::from_f32(&featurizer.input_with(ex, &img)?)
                },
            )
            .collect::<Result<_>>()?;
        features.extend(done);
        progress(features.len(), total);
    }
    let source = FeatureSource { crop: dataset.source().crop, ..featurizer.source().clone() };
    dataset.with_features(source, features)
}

/// An image that could not be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// What was wrong with it (one line).
    pub reason: String,
}

/// A dataset read from a folder of class folders.
#[derive(Debug)]
pub struct FolderImport {
    /// The examples, one burst per class folder.
    pub dataset: Dataset,
    /// Files that could not be read as images (not fatal).
    pub skipped: Vec<Skipped>,
}

/// The class folders of `dir` (sorted by name, hidden ones skipped) and their files (sorted,
/// hidden files skipped). Fails on fewer than 2 class folders or an empty one.
pub fn scan_folder(dir: &Path) -> Result<Vec<(String, Vec<PathBuf>)>> {
    let mut classes = Vec::new();
    for entry in sorted_entries(dir)? {
        if entry.is_dir() {
            let name = entry.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let files: Vec<PathBuf> = sorted_entries(&entry)?.into_iter().filter(|p| p.is_file()).collect();
            if files.is_empty() {
                return Err(LearnError::EmptyClass { path: entry, class: name });
            }
            classes.push((name, files));
        }
    }
    if classes.len() < 2 {
        return Err(LearnError::NoClasses { path: dir.to_owned(), found: classes.len() });
    }
    let names: Vec<String> = classes.iter().map(|(n, _)| n.clone()).collect();
    check_classes(&names)?;
    Ok(classes)
}

/// Reads `dir` (one sub-folder of images per class, see [`scan_folder`]) into a dataset.
/// Unreadable files are skipped and listed; a class left with fewer than `min_per_class`
/// readable images (training needs [`MIN_PER_CLASS`](super::train::MIN_PER_CLASS), evaluating 1) is an error that names its
/// folder. `progress(done, total)` counts files.
pub fn import_folder(
    dir: &Path,
    featurizer: &Featurizer<'_>,
    min_per_class: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<FolderImport> {
    import_folder_within(dir, featurizer, min_per_class, DEFAULT_BYTE_LIMIT, progress)
}

/// [`import_folder`] into a dataset limited to `byte_limit` bytes. A folder whose images
/// would need more by [`estimate_bytes`] is refused before any image is featurised
/// ([`LearnError::DatasetTooBig`]), not after minutes of work.
pub fn import_folder_within(
    dir: &Path,
    featurizer: &Featurizer<'_>,
    min_per_class: usize,
    byte_limit: usize,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<FolderImport> {
    let classes = scan_folder(dir)?;
    let names: Vec<String> = classes.iter().map(|(n, _)| n.clone()).collect();
    let mut dataset = Dataset::new(names, featurizer.source().clone())?;
    dataset.set_byte_limit(byte_limit);
    let total: usize = classes.iter().map(|(_, f)| f.len()).sum();
    let estimate = estimate_bytes(featurizer.source(), total);
    if estimate > byte_limit {
        return Err(LearnError::DatasetTooBig { dir: dir.to_owned(), images: total, estimate, limit: byte_limit });
    }
    let (mut done, mut skipped) = (0, Vec::new());
    for (label, (class, files)) in classes.iter().enumerate() {
        let burst = dataset.new_burst();
        let mut kept = 0;
        for round in files.chunks(ROUND) {
            // Decoding, the forward pass and the thumbnail's JPEG encoding all run in parallel.
            let packed = |ex: &mut Extractor, p: &PathBuf| -> Result<(Features, Thumbnail)> {
                let s = featurizer.frame_with(ex, &load_image(p)?)?;
                Ok((dataset.check_features(&s.features)?, Thumbnail::encode(&s.input)?))
            };
            let samples: Vec<(PathBuf, Result<(Features, Thumbnail)>)> =
                round.par_iter().map_init(|| featurizer.extractor(), |ex, p| (p.clone(), packed(ex, p))).collect();
            for (path, sample) in samples {
                match sample {
                    Ok((features, thumbnail)) => {
                        dataset.add_packed(label, burst, features, thumbnail)?;
                        kept += 1;
                    }
                    Err(e) => skipped.push(Skipped { reason: one_line(&e, &path), path }),
                }
            }
            done += round.len();
            progress(done, total);
        }
        if kept < min_per_class {
            let folder = dir.join(class);
            let unreadable = files.len() - kept;
            let hint = format!(
                " in {}{}",
                folder.display(),
                if unreadable > 0 { format!(" ({unreadable} unreadable file(s) skipped)") } else { String::new() }
            );
            return Err(LearnError::TooFewExamples { class: class.clone(), found: kept, needed: min_per_class, hint });
        }
    }
    Ok(FolderImport { dataset, skipped })
}

/// What `images` examples of `source` take in a dataset: the f16 features, a thumbnail of
/// the network's input size at about 0.4 bytes per pixel (JPEG quality 90 of camera
/// frames and photos), and the bookkeeping.
pub fn estimate_bytes(source: &FeatureSource, images: usize) -> usize {
    let thumbnail = source.input_size.saturating_mul(source.input_size) * 2 / 5;
    let each = (2 * source.len()).saturating_add(thumbnail).saturating_add(EXAMPLE_OVERHEAD);
    images.saturating_mul(each)
}

/// The error's text, with the path in front when the error does not name it already.
fn one_line(e: &LearnError, path: &Path) -> String {
    let text = e.to_string();
    let shown = path.display().to_string();
    if text.contains(&shown) { text } else { format!("{shown}: {text}") }
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let read = std::fs::read_dir(dir).map_err(|e| LearnError::io(dir, e))?;
    let mut out = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| LearnError::io(dir, e))?;
        if !entry.file_name().to_string_lossy().starts_with('.') {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}
