//! The frozen feature extractor: MobileNet V1/V2/V3 built from a Hugging Face timm model
//! directory, its weights, its cut points and its preprocessing.
//!
//! Imports none of pacnet's other modules (`learn` builds on this one, never the reverse).
//! Layout: [`arch`] decodes the architecture name, [`weights`] reads `model.safetensors`
//! strictly, [`layers`] folds BatchNorm into each conv, [`net`] runs the network on
//! reusable buffers through the hand-written [`kernels`] ([`ops`] exposes the depthwise one
//! as a candle op beside candle's slow reference), [`preprocess`] turns frames into inputs,
//! [`hub`] finds the weights (the [`builtin`] model, a directory, or a pinned download),
//! [`labels`] names ImageNet classes.

pub mod arch;
pub mod builtin;
pub mod config;
pub mod error;
pub mod extract;
pub mod hub;
pub mod kernels;
pub mod labels;
pub mod layers;
pub mod net;
pub mod ops;
pub mod preprocess;
pub mod weights;

use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use image::RgbImage;
use rayon::prelude::*;

pub use arch::{Act, ArchSpec, Family};
pub use config::{Interpolation, ModelConfig};
pub use error::{BackboneError, Result};
pub use extract::Extractor;
pub use hub::{CATALOG, CatalogEntry, Fetch, FetchOptions, ModelSource};
pub use labels::Labels;
pub use net::{CutPoint, LayerInfo, MobileNet, Workspace};
pub use preprocess::{Crop, Preprocess, load_image};

/// One ImageNet guess.
#[derive(Clone, Debug, PartialEq)]
pub struct Guess {
    /// Class index.
    pub index: usize,
    /// Class name.
    pub label: String,
    /// Softmax probability.
    pub prob: f32,
}

/// Everything after the last cut for one image: the classifier path.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadOutputs {
    /// Global average of the final feature map (timm `num_features` values).
    pub pooled: Vec<f32>,
    /// What the classifier sees (V3: after `conv_head` + hard-swish).
    pub pre_logits: Vec<f32>,
    /// Classifier outputs.
    pub logits: Vec<f32>,
    /// Softmax of the logits.
    pub probs: Vec<f32>,
}

/// A loaded, frozen MobileNet with its preprocessing and labels.
pub struct Backbone {
    net: MobileNet,
    config: ModelConfig,
    preprocess: Preprocess,
    labels: Labels,
    id: String,
    dir: PathBuf,
    weights_sha256: String,
}

impl Backbone {
    /// Loads a model directory (`config.json`, `model.safetensors`, optional `labels.txt`).
    pub fn load_dir(dir: &Path) -> Result<Self> {
        Self::load_dir_at(dir, kernels::simd::level())
    }

    /// [`Backbone::load_dir`] with the kernels of `level` instead of the best this CPU has (a
    /// [`Level`](kernels::simd::Level) only comes from detection, so it is one this CPU runs):
    /// tests check that every level matches the goldens.
    pub fn load_dir_at(dir: &Path, level: kernels::simd::Level) -> Result<Self> {
        if !dir.is_dir() {
            return Err(BackboneError::MissingFile { path: dir.to_owned() });
        }
        let config = ModelConfig::load(&dir.join("config.json"))?;
        let file = weights::WeightFile::open(&dir.join("model.safetensors"))?;
        let labels = Labels::for_model(dir, config.num_classes)?;
        let id = ModelSource::Dir(dir.to_owned()).spec();
        Self::assemble(config, file, labels, id, dir.to_owned(), level)
    }

    /// The MobileNet v1 0.25 compiled into the binary ([`builtin`]): reads no file.
    pub fn builtin() -> Result<Self> {
        let path = Path::new(builtin::PSEUDO_PATH);
        let config = ModelConfig::parse(builtin::CONFIG, &path.join("config.json"))?;
        let file = weights::WeightFile::from_bytes(builtin::WEIGHTS, &path.join("model.safetensors"))?;
        let labels = Labels::parse(builtin::LABELS, config.num_classes, &path.join("labels.txt"))?;
        Self::assemble(config, file, labels, builtin::NAME.into(), PathBuf::new(), kernels::simd::level())
    }

    fn assemble(
        config: ModelConfig,
        file: weights::WeightFile,
        labels: Labels,
        id: String,
        dir: PathBuf,
        level: kernels::simd::Level,
    ) -> Result<Self> {
        let arch = ArchSpec::from_name(&config.architecture)?;
        let weights_sha256 = file.sha256().to_owned();
        let net = MobileNet::load_at(arch, file, config.input_size, config.num_classes, level)?;
        let preprocess = Preprocess::from_config(&config);
        Ok(Self { net, preprocess, labels, id, dir, config, weights_sha256 })
    }

    /// A network of architecture `architecture` (timm name) with made-up weights, ImageNet
    /// preprocessing and 1000 classes: for benchmarks, where only the shapes matter.
    pub fn random(architecture: &str, seed: u64) -> Result<Self> {
        let arch = ArchSpec::from_name(architecture)?;
        let (mean, std) =
            if arch.tf_same_padding { ([0.5; 3], [0.5; 3]) } else { ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]) };
        let config = ModelConfig {
            architecture: architecture.to_owned(),
            num_classes: 1000,
            input_size: 224,
            mean,
            std,
            interpolation: Interpolation::Bilinear,
        };
        let file = weights::WeightFile::synthetic(seed);
        let weights_sha256 = file.sha256().to_owned();
        let net = MobileNet::load(arch, file, 224, 1000)?;
        Ok(Self {
            net,
            preprocess: Preprocess::from_config(&config),
            labels: Labels::builtin(1000),
            id: format!("{architecture} (random weights)"),
            dir: PathBuf::new(),
            config,
            weights_sha256,
        })
    }

    /// Fetches (if needed) and loads `source`, reporting download progress.
    pub fn load(source: &ModelSource, opts: &FetchOptions, progress: &mut dyn FnMut(Fetch)) -> Result<Self> {
        let mut me = match hub::fetch(source, opts, progress)? {
            None => Self::builtin()?,
            Some(dir) => Self::load_dir(&dir)?,
        };
        me.id = source.spec();
        Ok(me)
    }

    /// Where the model came from, as [`ModelSource::parse`] reads it back: `builtin`, a repo id
    /// with its revision, or an absolute directory. Projects keep it to find the model again;
    /// they recognise the model by [`Backbone::weights_sha256`].
    pub fn id(&self) -> &str {
        &self.id
    }

    /// sha256 of `model.safetensors` (hex): what the weights are, wherever they were read from.
    pub fn weights_sha256(&self) -> &str {
        &self.weights_sha256
    }

    /// Whether this is the compiled-in model.
    pub fn is_builtin(&self) -> bool {
        self.id == builtin::NAME
    }

    /// The directory the files were read from (empty for the built-in model).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// timm architecture name.
    pub fn architecture(&self) -> &str {
        &self.config.architecture
    }

    /// The parsed `config.json`.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The preprocessing every input must go through.
    pub fn preprocess(&self) -> &Preprocess {
        &self.preprocess
    }

    /// Class names of the ImageNet classifier.
    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    /// The network itself.
    pub fn net(&self) -> &MobileNet {
        &self.net
    }

    /// Mutable access, e.g. to set the thread count.
    pub fn net_mut(&mut self) -> &mut MobileNet {
        &mut self.net
    }

    /// Every cut point in order.
    pub fn cuts(&self) -> &[CutPoint] {
        self.net.cuts()
    }

    /// Index of the default cut (see [`MobileNet::default_cut`] for why).
    pub fn default_cut(&self) -> usize {
        self.net.default_cut()
    }

    /// Finds a cut by timm name (`blocks.4.1`) or Keras alias (`conv_pw_13_relu`).
    pub fn find_cut(&self, name: &str) -> Result<usize> {
        self.net.find_cut(name)
    }

    /// The layer table for the teaching view.
    pub fn layers(&self) -> Vec<LayerInfo> {
        self.net.layers()
    }

    /// Activation at cut `cut` for a normalised batch `[N, 3, S, S]` → `[N, C, H, W]`.
    pub fn features(&self, batch: &Tensor, cut: usize) -> Result<Tensor> {
        let images = self.split_batch(batch)?;
        let shape = self.cut(cut)?.shape;
        let outs: Vec<Vec<f32>> =
            images.par_iter().map(|img| self.net.run(img, cut, &mut |_, _| {})).collect::<Result<_>>()?;
        let n = outs.len();
        Ok(Tensor::from_vec(outs.concat(), (n, shape[0], shape[1], shape[2]), &Device::Cpu)?)
    }

    /// Activations at every cut up to and including `upto`, each `[N, C, H, W]`.
    pub fn activations(&self, batch: &Tensor, upto: usize) -> Result<Vec<Tensor>> {
        let images = self.split_batch(batch)?;
        self.cut(upto)?;
        let mut per_cut: Vec<Vec<f32>> = vec![Vec::new(); upto + 1];
        for img in &images {
            self.net.run(img, upto, &mut |i, values| per_cut[i].extend_from_slice(values))?;
        }
        let n = images.len();
        per_cut
            .into_iter()
            .zip(self.cuts())
            .map(|(v, c)| Ok(Tensor::from_vec(v, (n, c.shape[0], c.shape[1], c.shape[2]), &Device::Cpu)?))
            .collect()
    }

    /// The classifier path (pool → head → logits → softmax) for each image of a batch.
    pub fn head_outputs(&self, batch: &Tensor) -> Result<Vec<HeadOutputs>> {
        let images = self.split_batch(batch)?;
        images.par_iter().map(|img| self.head_outputs_chw(img)).collect()
    }

    /// The classifier path for one normalised CHW image.
    pub fn head_outputs_chw(&self, image: &[f32]) -> Result<HeadOutputs> {
        let pooled = self.net.pooled(image)?;
        let pre_logits = self.net.pre_logits(&pooled);
        let logits = self.net.logits(&pre_logits);
        let probs = labels::softmax(&logits);
        Ok(HeadOutputs { pooled, pre_logits, logits, probs })
    }

    /// MobileNet's own top-`k` ImageNet guesses for an RGB image.
    pub fn classify_image(&self, img: &RgbImage, crop: Crop, k: usize) -> Result<Vec<Guess>> {
        let chw = self.preprocess.chw(img, crop)?;
        let out = self.head_outputs_chw(&chw)?;
        Ok(self.top_k(&out.probs, k))
    }

    /// Names and probabilities of the `k` most likely classes.
    pub fn top_k(&self, probs: &[f32], k: usize) -> Vec<Guess> {
        labels::top_k(probs, k)
            .into_iter()
            .map(|i| Guess { index: i, label: self.labels.name(i).to_owned(), prob: probs[i] })
            .collect()
    }

    /// Features at `cut` of one RGB image, through the one per-frame path ([`Extractor`]).
    pub fn image_features(&self, img: &RgbImage, crop: Crop, cut: usize) -> Result<Vec<f32>> {
        Ok(Extractor::new(self).features_of(self, img, crop, cut)?.to_vec())
    }

    /// Features at `cut` of an image that is already the network's input (`size`×`size`, the
    /// output of [`Preprocess::resize`]): only normalisation is left to do. Recorded examples
    /// keep that image as their thumbnail, so re-featurising one later sees the very same pixels.
    pub fn input_features(&self, input: &RgbImage, cut: usize) -> Result<Vec<f32>> {
        let mut ex = Extractor::new(self);
        ex.prepare_input(self, input)?;
        Ok(ex.run(self, cut, cut, &|_| false, &mut |_, _| {})?.to_vec())
    }

    fn cut(&self, cut: usize) -> Result<&CutPoint> {
        self.cuts()
            .get(cut)
            .ok_or_else(|| BackboneError::Input(format!("cut index {cut} out of range (0..{})", self.cuts().len())))
    }

    fn split_batch(&self, batch: &Tensor) -> Result<Vec<Vec<f32>>> {
        let s = self.config.input_size;
        let dims = batch.dims();
        if dims.len() != 4 || dims[1] != 3 || dims[2] != s || dims[3] != s {
            return Err(BackboneError::Input(format!("expected a batch [N, 3, {s}, {s}], got {dims:?}")));
        }
        if batch.dtype() != candle_core::DType::F32 {
            return Err(BackboneError::Input(format!("expected f32 input, got {:?}", batch.dtype())));
        }
        let flat = batch.flatten_all()?.to_vec1::<f32>()?;
        Ok(flat.chunks_exact(3 * s * s).map(<[f32]>::to_vec).collect())
    }
}
