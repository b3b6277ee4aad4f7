//! The one preprocessing path every frame takes (app, CLI, tests): RGB image of any size →
//! crop (centre square by default) → resize to the model's input size → normalise with the
//! config's mean/std → CHW floats. What is trained is exactly what is predicted.

use std::path::Path;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{ImageDecoder, RgbImage};

use super::config::{Interpolation, ModelConfig};
use super::error::{BackboneError, Result};

/// Which part of the frame the network sees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Crop {
    /// The largest centred square (no distortion; the sides of a 4:3 frame are cut off).
    #[default]
    CenterSquare,
    /// The whole frame squeezed to a square (nothing cut off, aspect ratio not kept).
    Whole,
}

/// Resize and normalisation settings of one model.
#[derive(Clone, Debug, PartialEq)]
pub struct Preprocess {
    /// Output side in pixels.
    pub size: usize,
    /// Resampling filter.
    pub interpolation: Interpolation,
    /// Lookup table per channel: the normalised value of each byte, computed in f64 and rounded
    /// once to f32 (as the reference goldens were made), and a table lookup is also the
    /// cheapest way to normalise every frame.
    lut: [[f32; 256]; 3],
}

impl Preprocess {
    /// The preprocessing a model config asks for.
    pub fn from_config(cfg: &ModelConfig) -> Self {
        Self::new(cfg.input_size, cfg.interpolation, cfg.mean, cfg.std)
    }

    /// Explicit settings.
    pub fn new(size: usize, interpolation: Interpolation, mean: [f32; 3], std: [f32; 3]) -> Self {
        let mut lut = [[0.0f32; 256]; 3];
        for (c, table) in lut.iter_mut().enumerate() {
            for (v, out) in table.iter_mut().enumerate() {
                *out = ((v as f64 / 255.0 - f64::from(mean[c])) / f64::from(std[c])) as f32;
            }
        }
        Self { size, interpolation, lut }
    }

    /// Crops and resizes `img` to `size`×`size` RGB (what the network sees, before
    /// normalisation; also what the app keeps as an example's thumbnail).
    pub fn resize(&self, img: &RgbImage, crop: Crop) -> Result<RgbImage> {
        let mut resizer = Resizer::new();
        let mut out = RgbImage::new(self.size as u32, self.size as u32);
        self.resize_into(&mut resizer, img, crop, &mut out)?;
        Ok(out)
    }

    /// [`Preprocess::resize`] into a caller-held image with a reusable resizer (no allocation
    /// per frame once warm).
    pub fn resize_into(&self, resizer: &mut Resizer, img: &RgbImage, crop: Crop, out: &mut RgbImage) -> Result<()> {
        let (w, h) = img.dimensions();
        if w == 0 || h == 0 {
            return Err(BackboneError::Input("the image is empty (0 pixels)".into()));
        }
        let s = self.size as u32;
        if out.dimensions() != (s, s) {
            *out = RgbImage::new(s, s);
        }
        let src =
            ImageRef::new(w, h, img.as_raw(), PixelType::U8x3).map_err(|e| BackboneError::Input(e.to_string()))?;
        let mut dst = Image::from_slice_u8(s, s, out.as_mut(), PixelType::U8x3)
            .map_err(|e| BackboneError::Input(e.to_string()))?;
        let alg = match self.interpolation {
            Interpolation::Bilinear => ResizeAlg::Convolution(FilterType::Bilinear),
            Interpolation::Bicubic => ResizeAlg::Convolution(FilterType::CatmullRom),
            Interpolation::Nearest => ResizeAlg::Nearest,
        };
        let mut opts = ResizeOptions::new().resize_alg(alg);
        if crop == Crop::CenterSquare {
            let side = w.min(h);
            opts = opts.crop(f64::from((w - side) / 2), f64::from((h - side) / 2), f64::from(side), f64::from(side));
        }
        resizer.resize(&src, &mut dst, &opts).map_err(|e| BackboneError::Input(e.to_string()))
    }

    /// Normalises a `size`×`size` RGB image into CHW floats (`out` holds 3·size² values).
    pub fn normalize_into(&self, img: &RgbImage, out: &mut [f32]) -> Result<()> {
        let n = self.size * self.size;
        if img.dimensions() != (self.size as u32, self.size as u32) || out.len() != 3 * n {
            return Err(BackboneError::Input(format!(
                "normalize: expected a {s}×{s} image and {} outputs, got {}×{} and {}",
                3 * n,
                img.width(),
                img.height(),
                out.len(),
                s = self.size
            )));
        }
        let (r, rest) = out.split_at_mut(n);
        let (g, b) = rest.split_at_mut(n);
        for (i, px) in img.as_raw().chunks_exact(3).enumerate() {
            r[i] = self.lut[0][px[0] as usize];
            g[i] = self.lut[1][px[1] as usize];
            b[i] = self.lut[2][px[2] as usize];
        }
        Ok(())
    }

    /// The whole path for one image: crop, resize, normalise → CHW floats.
    pub fn chw(&self, img: &RgbImage, crop: Crop) -> Result<Vec<f32>> {
        let resized = self.resize(img, crop)?;
        let mut out = vec![0.0; 3 * self.size * self.size];
        self.normalize_into(&resized, &mut out)?;
        Ok(out)
    }

    /// The whole path for several images → an `[N, 3, S, S]` candle tensor.
    pub fn batch(&self, images: &[RgbImage], crop: Crop) -> Result<candle_core::Tensor> {
        let s = self.size;
        let mut data = Vec::with_capacity(images.len() * 3 * s * s);
        for img in images {
            data.extend(self.chw(img, crop)?);
        }
        Ok(candle_core::Tensor::from_vec(data, (images.len(), 3, s, s), &candle_core::Device::Cpu)?)
    }
}

/// Decodes an image file to RGB (alpha dropped, EXIF orientation applied), with an error that
/// names the file for a missing, empty or non-image file.
pub fn load_image(path: &Path) -> Result<RgbImage> {
    let err = |message: String| BackboneError::Image { path: path.to_owned(), message };
    let meta = std::fs::metadata(path).map_err(|e| BackboneError::io(path, e))?;
    if meta.is_dir() {
        return Err(err("is a directory, not an image".into()));
    }
    if meta.len() == 0 {
        return Err(err("is empty (0 bytes), not an image".into()));
    }
    // Judge the format by the bytes, not the file name: a text file called .png is not a PNG.
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .map_err(|e| BackboneError::io(path, e))?;
    let format = image::guess_format(&head[..n])
        .map_err(|_| err("not a recognised image format (JPEG, PNG, BMP or WebP expected)".into()))?;
    let mut reader = image::ImageReader::open(path).map_err(|e| BackboneError::io(path, e))?;
    reader.set_format(format);
    let mut decoder = reader.into_decoder().map_err(|e| err(format!("cannot decode: {e}")))?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(|e| err(format!("cannot decode: {e}")))?;
    img.apply_orientation(orientation);
    if img.width() == 0 || img.height() == 0 {
        return Err(err("has no pixels".into()));
    }
    Ok(img.to_rgb8())
}
