//! Frames, sizes and the per-frame transform (mirror, resize).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::error::CameraError;

/// A width × height in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Resolution {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
}

impl Resolution {
    /// A `width` × `height` resolution.
    #[must_use]
    pub const fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }

    /// The size of `image`.
    #[must_use]
    pub fn of(image: &RgbImage) -> Self {
        Self::new(image.width(), image.height())
    }

    /// Number of pixels, for comparing how far apart two resolutions are.
    #[must_use]
    pub const fn area(self) -> u64 {
        self.width as u64 * self.height as u64
    }
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}×{}", self.width, self.height)
    }
}

/// One picture from a source: RGB8, already mirrored/resized if the capture was told to.
///
/// Cloning is cheap (the pixels sit behind an `Arc`), so the UI and the feature thread can each
/// hold the same frame without copying it.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The pixels.
    pub image: Arc<RgbImage>,
    /// Counts up by one per frame. A source numbers its own frames from 0; frames handed out by
    /// [`Capture`](super::Capture) are renumbered from 1 so the count keeps rising across source
    /// switches and 0 can mean "nothing seen yet".
    pub seq: u64,
    /// When the frame was taken, measured from the moment the source was opened on the source's
    /// [`Clock`](super::Clock), so tests with a [`ManualClock`](super::ManualClock) get exact
    /// values.
    pub timestamp: Duration,
}

impl Frame {
    /// Wraps `image` as frame number `seq` taken at `timestamp`.
    #[must_use]
    pub fn new(image: RgbImage, seq: u64, timestamp: Duration) -> Self {
        Self { image: Arc::new(image), seq, timestamp }
    }

    /// The frame's size.
    #[must_use]
    pub fn resolution(&self) -> Resolution {
        Resolution::of(&self.image)
    }
}

/// Flips `image` left-to-right in place, as a mirror (or a selfie preview) shows it.
pub fn mirror_in_place(image: &mut RgbImage) {
    let width = image.width() as usize;
    if width < 2 {
        return;
    }
    // Whole-pixel reversal of each row: `[u8; 3]` chunks keep R, G and B in order.
    for row in image.chunks_exact_mut(width * 3) {
        let (pixels, _) = row.as_chunks_mut::<3>();
        pixels.reverse();
    }
}

/// What the capture thread does to every frame before handing it out.
///
/// Kept apart from the source so the UI can flip the mirror without reopening the webcam, which
/// takes a second or more on some systems.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Transform {
    /// Flip left-to-right. Webcams want this on (people expect a mirror); the demo camera and
    /// replayed recordings want it off, since recordings are stored after the transform.
    pub mirror: bool,
    /// Scale every frame to exactly this size (aspect ratio not kept). `None` leaves the size.
    pub resize: Option<Resolution>,
}

impl Transform {
    /// The transform people expect for `spec`: mirrored for a webcam, untouched otherwise.
    #[must_use]
    pub fn recommended_for(spec: &super::SourceSpec) -> Self {
        Self { mirror: matches!(spec, super::SourceSpec::Webcam { .. }), resize: None }
    }

    /// Whether applying this transform changes nothing.
    #[must_use]
    pub fn is_identity(&self) -> bool {
        !self.mirror && self.resize.is_none()
    }

    /// Applies the transform to `image`.
    ///
    /// # Errors
    /// [`CameraError::InvalidSetting`] if the resize target has a zero side.
    pub fn apply(&self, image: RgbImage) -> Result<RgbImage, CameraError> {
        let mut image = match self.resize {
            Some(target) if target != Resolution::of(&image) => resize(&image, target)?,
            _ => image,
        };
        if self.mirror {
            mirror_in_place(&mut image);
        }
        Ok(image)
    }
}

/// Scales `image` to `target` with a bilinear filter (fast_image_resize, SIMD).
///
/// # Errors
/// [`CameraError::InvalidSetting`] if either size has a zero side.
pub fn resize(image: &RgbImage, target: Resolution) -> Result<RgbImage, CameraError> {
    use fast_image_resize as fr;

    if target.width == 0 || target.height == 0 || image.width() == 0 || image.height() == 0 {
        return Err(CameraError::InvalidSetting(format!(
            "cannot resize {} to {target}: sizes must be at least 1×1",
            Resolution::of(image)
        )));
    }
    let invalid = |what: String| CameraError::InvalidSetting(format!("resize to {target}: {what}"));
    let src = fr::images::ImageRef::new(image.width(), image.height(), image.as_raw(), fr::PixelType::U8x3)
        .map_err(|e| invalid(e.to_string()))?;
    let mut dst = fr::images::Image::new(target.width, target.height, fr::PixelType::U8x3);
    let options = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Bilinear));
    fr::Resizer::new().resize(&src, &mut dst, &options).map_err(|e| invalid(e.to_string()))?;
    RgbImage::from_raw(target.width, target.height, dst.into_vec())
        .ok_or_else(|| invalid("resizer returned a buffer of the wrong size".to_owned()))
}
