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

/// The largest image file read (a 48 MP camera JPEG is ~20 MB).
pub const MAX_IMAGE_FILE_BYTES: u64 = 256 << 20;
/// The most pixels an image may have (64 MP: 8000×8000); larger ones are refused from their
/// header, before any pixel is decoded (a 7 MB PNG can claim 50000×50000 pixels, 7.5 GB).
pub const MAX_IMAGE_PIXELS: u64 = 64 << 20;
/// The longest side an image may have.
pub const MAX_IMAGE_SIDE: u32 = 16384;

/// Decodes an image file to RGB (alpha dropped, EXIF orientation applied), with an error that
/// names the file for a missing, empty, oversized, truncated or non-image file.
pub fn load_image(path: &Path) -> Result<RgbImage> {
    let err = |message: String| BackboneError::Image { path: path.to_owned(), message };
    let meta = std::fs::metadata(path).map_err(|e| BackboneError::io(path, e))?;
    if meta.is_dir() {
        return Err(err("is a directory, not an image".into()));
    }
    if !meta.is_file() {
        return Err(err("is not a regular file (a device, pipe or socket), not an image".into()));
    }
    if meta.len() == 0 {
        return Err(err("is empty (0 bytes), not an image".into()));
    }
    if meta.len() > MAX_IMAGE_FILE_BYTES {
        return Err(err(format!(
            "is {} MiB; pacnet reads image files up to {} MiB",
            meta.len() >> 20,
            MAX_IMAGE_FILE_BYTES >> 20
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| BackboneError::io(path, e))?;
    decode_image(&bytes, path)
}

/// Decodes image bytes read from `path` (see [`load_image`]); the error names `path`.
///
/// # Errors
/// [`BackboneError::Image`]: not an image, truncated, too large or empty.
pub fn decode_image(bytes: &[u8], path: &Path) -> Result<RgbImage> {
    let err = |message: String| BackboneError::Image { path: path.to_owned(), message };
    // Judge the format by the bytes, not the file name: a text file called .png is not a PNG.
    let format = image::guess_format(bytes.get(..bytes.len().min(64)).unwrap_or_default())
        .map_err(|_| err("not a recognised image format (JPEG, PNG, BMP or WebP expected)".to_owned()))?;
    if format == image::ImageFormat::Jpeg && !crate::sys::input::jpeg_complete(bytes) {
        // The JPEG decoder fills a cut-off scan with grey and reports success.
        return Err(err("truncated JPEG (no end-of-image marker after the image data): the file was cut off".into()));
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    // Only the header is read here; the size check below gives a message with the sides, then
    // the decoder gets the real limits before any pixel is decoded.
    reader.no_limits();
    let mut decoder = reader.into_decoder().map_err(|e| err(decode_error(&e)))?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS || w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE {
        return Err(err(format!(
            "is {w}×{h} pixels; pacnet reads images up to {} megapixels and {MAX_IMAGE_SIDE} pixels a side",
            MAX_IMAGE_PIXELS >> 20
        )));
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    // Room for the decoded pixels at 4 bytes each (the most a supported format produces),
    // plus the decoder's own buffers.
    limits.max_alloc = Some(4 * MAX_IMAGE_PIXELS + (64 << 20));
    decoder.set_limits(limits).map_err(|e| err(decode_error(&e)))?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(|e| err(decode_error(&e)))?;
    img.apply_orientation(orientation);
    if img.width() == 0 || img.height() == 0 {
        return Err(err("has no pixels".into()));
    }
    Ok(img.to_rgb8())
}

fn decode_error(e: &image::ImageError) -> String {
    match e {
        image::ImageError::Limits(l) => format!(
            "is too large to decode ({l}); pacnet reads images up to {} megapixels and {MAX_IMAGE_SIDE} pixels a side",
            MAX_IMAGE_PIXELS >> 20
        ),
        other => format!("cannot decode: {other}"),
    }
}
