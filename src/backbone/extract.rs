//! Frame → features on buffers that are reused from frame to frame: the lower half of every
//! per-frame path (the app's live loop, `pacnet bench --pipeline`, featurising a folder or a
//! project's thumbnails). `live::FramePipeline` adds the head and smoothing on top.

use fast_image_resize::Resizer;
use image::RgbImage;

use super::Backbone;
use super::error::{BackboneError, Result};
use super::net::Workspace;
use super::preprocess::Crop;

/// Crop → resize → normalise → backbone up to a cut, owning every buffer on the way, so a
/// warm extractor allocates nothing per frame. One per thread.
pub struct Extractor {
    resizer: Resizer,
    input: RgbImage,
    chw: Vec<f32>,
    ws: Workspace,
    features: Vec<f32>,
}

impl Extractor {
    /// Buffers sized for `backbone`'s input.
    #[must_use]
    pub fn new(backbone: &Backbone) -> Self {
        let s = backbone.config().input_size;
        Self {
            resizer: Resizer::new(),
            input: RgbImage::new(s as u32, s as u32),
            chw: vec![0.0; 3 * s * s],
            ws: Workspace::default(),
            features: Vec::new(),
        }
    }

    /// Crops and resizes `frame` to the network's input (kept: it is what the network saw, and
    /// an example's thumbnail) and normalises it. Returns the input image.
    pub fn prepare(&mut self, backbone: &Backbone, frame: &RgbImage, crop: Crop) -> Result<&RgbImage> {
        let pre = backbone.preprocess();
        pre.resize_into(&mut self.resizer, frame, crop, &mut self.input)?;
        self.fit_chw(backbone);
        pre.normalize_into(&self.input, &mut self.chw)?;
        Ok(&self.input)
    }

    /// Takes `input`, already the network's input size (a thumbnail), as the prepared image;
    /// a square of another size is resized first.
    pub fn prepare_input(&mut self, backbone: &Backbone, input: &RgbImage) -> Result<&RgbImage> {
        let s = backbone.config().input_size as u32;
        if input.dimensions() != (s, s) {
            return self.prepare(backbone, input, Crop::Whole);
        }
        self.input.clone_from(input);
        self.fit_chw(backbone);
        backbone.preprocess().normalize_into(&self.input, &mut self.chw)?;
        Ok(&self.input)
    }

    /// Runs the prepared input through the backbone up to cut `stop`, calling
    /// `observe(cut, values)` at every cut on the way, and keeps the activation at `cut`
    /// (which must not lie past `stop`) as [`features`](Self::features). `observe` sees a
    /// cut's values only at `cut`, `stop` and where `wants(cut)`, an empty slice elsewhere:
    /// converting a cut out of the kernels' layout costs a pass over it.
    pub fn run(
        &mut self,
        backbone: &Backbone,
        cut: usize,
        stop: usize,
        wants: &dyn Fn(usize) -> bool,
        observe: &mut dyn FnMut(usize, &[f32]),
    ) -> Result<&[f32]> {
        if cut > stop {
            return Err(BackboneError::Input(format!("cut {cut} lies past the last layer run ({stop})")));
        }
        let features = &mut self.features;
        features.clear();
        let wants = |i: usize| i == cut || wants(i);
        backbone.net().run_with(&mut self.ws, &self.chw, stop, &wants, &mut |i, values| {
            if i == cut {
                features.extend_from_slice(values);
            }
            observe(i, values);
        })?;
        Ok(&self.features)
    }

    /// [`prepare`](Self::prepare) then [`run`](Self::run) to `cut`: a frame's features.
    pub fn features_of(&mut self, backbone: &Backbone, frame: &RgbImage, crop: Crop, cut: usize) -> Result<&[f32]> {
        self.prepare(backbone, frame, crop)?;
        self.run(backbone, cut, cut, &|_| false, &mut |_, _| {})
    }

    /// Swaps the prepared frame (input image and normalised values) with `input` and `chw`,
    /// so one extractor can prepare the next frame on another thread while this one runs the
    /// backbone (`live::FramePipeline::process_pipelined`).
    pub fn swap_prepared(&mut self, input: &mut RgbImage, chw: &mut Vec<f32>) {
        std::mem::swap(&mut self.input, input);
        std::mem::swap(&mut self.chw, chw);
    }

    /// The network input of the last prepared frame.
    #[must_use]
    pub fn input(&self) -> &RgbImage {
        &self.input
    }

    /// The normalised CHW values of the last prepared frame.
    #[must_use]
    pub fn chw(&self) -> &[f32] {
        &self.chw
    }

    /// The activation at the cut of the last run.
    #[must_use]
    pub fn features(&self) -> &[f32] {
        &self.features
    }

    fn fit_chw(&mut self, backbone: &Backbone) {
        let s = backbone.config().input_size;
        self.chw.resize(3 * s * s, 0.0);
    }
}
