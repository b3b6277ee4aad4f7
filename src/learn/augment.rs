//! Camera-like augmentation: new views of a recorded example that a webcam could also have
//! produced — the camera moved a little (shift, scale, rotation), the light changed
//! (brightness, contrast, white balance), the focus or the sensor was a little worse (blur,
//! noise). Never a horizontal flip: left and right are classes.
//!
//! Views are made from the example's thumbnail (the network's input image), so a view's
//! features need one forward pass and no frame; [`Jitter::views`] is seeded by the example's
//! id, so the same example always gets the same views (the feature cache in
//! [`super::views`] relies on that).
//!
//! The pixel operations are written here rather than taken from `imageproc`: they are a
//! bilinear similarity warp and a few per-pixel formulas (about a hundred lines), and the crate
//! would add its own dependency tree to every build on these 2-core machines.

use image::RgbImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::error::{LearnError, Result};

/// A similarity transform of the picture about its centre: what a small camera move does to
/// the image (for a scene far enough away that parallax does not matter).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Warp {
    /// Content shift right, as a fraction of the image width.
    pub dx: f32,
    /// Content shift down, as a fraction of the image height.
    pub dy: f32,
    /// Content magnification (above 1: the camera came closer).
    pub scale: f32,
    /// Content rotation, clockwise on screen, in degrees.
    pub rotate_deg: f32,
}

impl Warp {
    /// No change.
    pub const IDENTITY: Self = Self { dx: 0.0, dy: 0.0, scale: 1.0, rotate_deg: 0.0 };

    /// `img` as the moved camera sees it, same size. Pixels that the original did not show are
    /// mirrored in from its edge (a camera would show more of the room there; a mirror keeps
    /// the texture, where a constant colour would paint a frame the head could learn).
    pub fn apply(&self, img: &RgbImage) -> RgbImage {
        let (w, h) = img.dimensions();
        self.apply_crop(img, (0, 0), (w, h))
    }

    /// The `size` rectangle at `origin` of [`apply`](Self::apply)'s result, computing only
    /// those pixels (a camera filming the middle of a larger canvas needs only its frame).
    /// The rectangle is clipped to the picture.
    pub fn apply_crop(&self, img: &RgbImage, origin: (u32, u32), size: (u32, u32)) -> RgbImage {
        let (w, h) = img.dimensions();
        let (left, first_row) = (origin.0.min(w), origin.1.min(h));
        let (cw, ch) = (size.0.min(w - left), size.1.min(h - first_row));
        let (wf, hf) = (w as f32, h as f32);
        let (cx, cy) = (wf * 0.5, hf * 0.5);
        let (sin, cos) = self.rotate_deg.to_radians().sin_cos();
        let inv = 1.0 / self.scale.max(1e-3);
        let (tx, ty) = (self.dx * wf, self.dy * hf);
        let src = img.as_raw();
        let mut out = RgbImage::new(cw, ch);
        let row_len = 3 * w as usize;
        // Source points whose 2×2 neighbourhood lies inside the picture (nearly all of them
        // for a small camera move) are read directly; only the border needs the mirroring,
        // whose integer divisions made it 4× slower when every pixel paid for them.
        let (inner_x, inner_y) = (w.saturating_sub(1) as f32, h.saturating_sub(1) as f32);
        for (y, row) in out.chunks_exact_mut(3 * cw.max(1) as usize).enumerate() {
            let y = y + first_row as usize;
            for (x, px) in row.chunks_exact_mut(3).enumerate() {
                let x = x + left as usize;
                // Output pixel → source point: undo the shift, the rotation and the scale.
                let (ox, oy) = (x as f32 + 0.5 - cx - tx, y as f32 + 0.5 - cy - ty);
                let sx = (ox * cos + oy * sin) * inv + cx - 0.5;
                let sy = (-ox * sin + oy * cos) * inv + cy - 0.5;
                // For a point at or right of 0, truncation is the floor (and no libm call).
                let inside = sx >= 0.0 && sy >= 0.0 && sx < inner_x && sy < inner_y;
                let (x0, y0) = (sx as usize, sy as usize);
                let at = (y0 * w as usize + x0) * 3;
                let quad = (src.get(at..at + 6), src.get(at + row_len..at + row_len + 6));
                let quad = (quad.0.and_then(|t| <&[u8; 6]>::try_from(t).ok()), quad.1.and_then(|b| b.try_into().ok()));
                let Ok(px) = <&mut [u8; 3]>::try_from(px) else { continue };
                match (inside, quad) {
                    (true, (Some(top), Some(bottom))) => lerp_quad(top, bottom, sx - x0 as f32, sy - y0 as f32, px),
                    _ => sample_bilinear(src, w, h, sx, sy, px),
                }
            }
        }
        out
    }
}

/// Bilinear blend of two horizontally adjacent RGB pixels in `top` and the two below them in
/// `bottom` at fractions (`fx`, `fy`); the same arithmetic as [`sample_bilinear`].
fn lerp_quad(top: &[u8; 6], bottom: &[u8; 6], fx: f32, fy: f32, out: &mut [u8; 3]) {
    for c in 0..3 {
        let t = f32::from(top[c]) * (1.0 - fx) + f32::from(top[c + 3]) * fx;
        let b = f32::from(bottom[c]) * (1.0 - fx) + f32::from(bottom[c + 3]) * fx;
        out[c] = (t + (b - t) * fy + 0.5).clamp(0.0, 255.0) as u8;
    }
}

/// Bilinear sample at (`x`, `y`) in pixel-centre coordinates, mirrored at the borders.
fn sample_bilinear(src: &[u8], w: u32, h: u32, x: f32, y: f32, out: &mut [u8; 3]) {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let xs = [mirror(x0, w), mirror(x0 + 1, w)];
    // The two mirrored neighbours of row `yi`, side by side as `lerp_quad` reads them.
    let pair = |yi: usize| -> [u8; 6] {
        let mut two = [0; 6];
        for (half, xi) in two.chunks_exact_mut(3).zip(xs) {
            let at = (yi * w as usize + xi) * 3;
            half.copy_from_slice(src.get(at..at + 3).unwrap_or(&[0; 3]));
        }
        two
    };
    lerp_quad(&pair(mirror(y0, h)), &pair(mirror(y0 + 1, h)), fx, fy, out);
}

/// Index `i` reflected into `0..n` (… 2 1 0 | 0 1 2 … n−1 | n−1 n−2 …).
fn mirror(i: i64, n: u32) -> usize {
    let n = i64::from(n.max(1));
    let period = 2 * n;
    let m = i.rem_euclid(period);
    (if m < n { m } else { period - 1 - m }) as usize
}

/// A change of light: per-channel gain (brightness times white balance) and contrast about the
/// picture's mean grey.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tone {
    /// Gain per channel (R, G, B); 1 is unchanged.
    pub gain: [f32; 3],
    /// Contrast about the mean; 1 is unchanged.
    pub contrast: f32,
}

impl Tone {
    /// No change.
    pub const IDENTITY: Self = Self { gain: [1.0; 3], contrast: 1.0 };

    /// Applies the change in place, about the picture's own mean grey.
    pub fn apply(&self, img: &mut RgbImage) {
        let raw: &[u8] = img;
        let n = (raw.len() / 3).max(1) as f32;
        // A running f32 sum (inexact past 2^24): kept because the benchmarks' published sets
        // were drawn with it; `apply_about` takes any mean.
        let mean = raw.iter().map(|&v| f32::from(v)).sum::<f32>() / (3.0 * n);
        self.apply_about(img, mean);
    }

    /// Applies the change in place, with contrast about `mean` (a grey level): for a part of a
    /// picture toned as the whole would be.
    pub fn apply_about(&self, img: &mut RgbImage, mean: f32) {
        let raw: &mut [u8] = img;
        let mut lut = [[0u8; 256]; 3];
        for (table, gain) in lut.iter_mut().zip(self.gain) {
            for (v, o) in table.iter_mut().enumerate() {
                let c = (v as f32 - mean) * self.contrast + mean;
                *o = (c * gain + 0.5).clamp(0.0, 255.0) as u8;
            }
        }
        for px in raw.chunks_exact_mut(3) {
            for (v, table) in px.iter_mut().zip(&lut) {
                *v = table.get(usize::from(*v)).copied().unwrap_or(*v);
            }
        }
    }
}

/// Fills the rectangle `rect` (left, top, width, height as fractions of the sides) with a
/// vertical gradient from `colours[0]` to `colours[1]`.
fn paint_patch(img: &mut RgbImage, rect: [f32; 4], colours: [[f32; 3]; 2]) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let [l, t, rw, rh] = rect;
    let (x0, y0) = ((l * w) as u32, (t * h) as u32);
    let (x1, y1) = (((l + rw) * w) as u32, ((t + rh) * h) as u32);
    let span = (y1.saturating_sub(y0)).max(1) as f32;
    for y in y0..y1.min(img.height()) {
        let k = (y - y0) as f32 / span;
        let c: [f32; 3] = [0, 1, 2].map(|i| colours[0][i] + (colours[1][i] - colours[0][i]) * k);
        for x in x0..x1.min(img.width()) {
            img.put_pixel(x, y, image::Rgb(c.map(|v| v.clamp(0.0, 255.0) as u8)));
        }
    }
}

/// A Gaussian blur of standard deviation `sigma` pixels (separable, radius ⌈2σ⌉, mirrored
/// borders); `sigma` below 0.1 leaves the image as it is.
///
/// Each pass works on whole rows of f32 (the horizontal one on a row padded with its mirrored
/// ends), so the inner loops are plain multiply-adds the compiler vectorises; the taps are
/// summed in the same order as a per-pixel loop would, and the passes round to 8 bits in
/// between as before.
pub fn blur(img: &RgbImage, sigma: f32) -> RgbImage {
    if sigma < 0.1 {
        return img.clone();
    }
    let radius = (2.0 * sigma).ceil() as i64;
    let weights: Vec<f32> = (-radius..=radius).map(|i| (-((i * i) as f32) / (2.0 * sigma * sigma)).exp()).collect();
    let total: f32 = weights.iter().sum();
    let weights: Vec<f32> = weights.iter().map(|w| w / total).collect();
    let (w, h) = img.dimensions();
    let row_len = 3 * w as usize;
    if row_len == 0 || h == 0 {
        return img.clone();
    }
    let round = |acc: &[f32], out: &mut [u8]| {
        for (o, a) in out.iter_mut().zip(acc) {
            *o = (a + 0.5).clamp(0.0, 255.0) as u8;
        }
    };
    // Horizontal: tap k of output pixel x reads padded pixel x + k.
    let mut once = vec![0u8; img.as_raw().len()];
    let mut padded = vec![0.0f32; 3 * (w as usize + 2 * radius as usize)];
    let mut acc = vec![0.0f32; row_len];
    for (src, out) in img.as_raw().chunks_exact(row_len).zip(once.chunks_exact_mut(row_len)) {
        // The row itself in the middle; only the `radius` pixels past each end are mirrored
        // (a mirror per pixel, with its division, was most of the blur's time).
        let r = radius as usize;
        for (v, &s) in padded.get_mut(3 * r..).unwrap_or_default().iter_mut().zip(src) {
            *v = f32::from(s);
        }
        for p in (0..r).chain(r + w as usize..2 * r + w as usize) {
            let at = 3 * mirror(p as i64 - radius, w);
            for (c, v) in padded.get_mut(3 * p..3 * p + 3).unwrap_or_default().iter_mut().enumerate() {
                *v = src.get(at + c).map_or(0.0, |&s| f32::from(s));
            }
        }
        acc.fill(0.0);
        for (k, wt) in weights.iter().enumerate() {
            for (a, &v) in acc.iter_mut().zip(padded.get(3 * k..).unwrap_or_default()) {
                *a += wt * v;
            }
        }
        round(&acc, out);
    }
    // Vertical: tap k of row y reads row y + k − radius, mirrored.
    let mut twice = vec![0u8; once.len()];
    for (y, out) in twice.chunks_exact_mut(row_len).enumerate() {
        acc.fill(0.0);
        for (k, wt) in weights.iter().enumerate() {
            let at = mirror(y as i64 + k as i64 - radius, h) * row_len;
            for (a, &v) in acc.iter_mut().zip(once.get(at..at + row_len).unwrap_or_default()) {
                *a += wt * f32::from(v);
            }
        }
        round(&acc, out);
    }
    RgbImage::from_raw(w, h, twice).unwrap_or_else(|| img.clone())
}

/// Adds noise of standard deviation `sigma` grey levels to every value (sensor noise).
///
/// The noise is the sum of four uniform random bytes, centred and scaled (Irwin–Hall: within
/// a few per cent of a Gaussian inside ±3σ, nothing beyond ±3.5σ). Box–Muller's logarithm
/// and cosine per value made this the most expensive step of a view; after rounding to 8
/// bits at σ ≤ 4 grey levels the two are hard to tell apart, and a camera's noise is not
/// exactly Gaussian either.
pub fn add_noise(img: &mut RgbImage, sigma: f32, rng: &mut impl Rng) {
    if sigma <= 0.0 {
        return;
    }
    // Four bytes: mean 4 · 127.5, variance 4 · (256² − 1) / 12.
    const MEAN: f32 = 510.0;
    let scale = sigma / (4.0 * (65_536.0f32 - 1.0) / 12.0).sqrt();
    let raw: &mut [u8] = img;
    let mut bytes = [0u8; 4096];
    for chunk in raw.chunks_mut(bytes.len() / 4) {
        let draws = bytes.get_mut(..4 * chunk.len()).unwrap_or_default();
        rng.fill(draws);
        for (v, r) in chunk.iter_mut().zip(draws.chunks_exact(4)) {
            let sum: u32 = r.iter().map(|&b| u32::from(b)).sum();
            *v = (f32::from(*v) + (sum as f32 - MEAN) * scale + 0.5).clamp(0.0, 255.0) as u8;
        }
    }
}

/// The ranges views are drawn from; every range is symmetric around "unchanged" and sampled
/// uniformly. The defaults cover a small camera nudge on top of a hand's wander: shift ±12 %,
/// scale ±15 %, rotation ±10° (a nudge's ±5° plus a hand's ±5°, still inside half of a 30°
/// tilt gap), brightness and white balance ±20 %, plus a little contrast, blur and noise,
/// and a patch of new background in 30 % of the views. `pacnet bench-learn` chose them: at 40
/// epochs the nudge's own ranges (±8 %, ±10 %, ±5°) scored 1.4 points less on nudged frames,
/// and the patches add 0.9 points over ten seeds, on every nudged split (see the README's
/// "Training recipe").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Jitter {
    /// Largest shift, as a fraction of the side.
    pub shift: f32,
    /// Largest relative change of scale.
    pub scale: f32,
    /// Largest rotation, in degrees.
    pub rotate_deg: f32,
    /// Largest relative change of brightness.
    pub brightness: f32,
    /// Largest relative change of each colour channel's gain (white balance).
    pub colour: f32,
    /// Largest relative change of contrast.
    pub contrast: f32,
    /// Largest blur, as a Gaussian σ in pixels of the network input (chosen in half the views).
    pub blur: f32,
    /// Largest sensor noise, in grey levels (σ).
    pub noise: f32,
    /// Chance that a view gets a patch of new background: a rectangle of a tenth to a third
    /// of each side, somewhere in the picture, filled with a colour gradient (something behind
    /// the object changed).
    pub patch: f32,
}

impl Default for Jitter {
    fn default() -> Self {
        Self {
            shift: 0.12,
            scale: 0.15,
            rotate_deg: 10.0,
            brightness: 0.2,
            colour: 0.2,
            contrast: 0.2,
            blur: 1.0,
            noise: 4.0,
            patch: 0.3,
        }
    }
}

/// One drawn view: the camera move, the light change, the blur and the noise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    /// Geometry.
    pub warp: Warp,
    /// Light.
    pub tone: Tone,
    /// Blur σ in pixels (0: none).
    pub blur: f32,
    /// Noise σ in grey levels (0: none).
    pub noise: f32,
    /// A new-background rectangle: left, top, width, height as fractions of the sides, and
    /// the gradient's top and bottom colours.
    pub patch: Option<([f32; 4], [[f32; 3]; 2])>,
}

impl View {
    /// Renders the view of `img`; `rng` draws the noise.
    pub fn apply(&self, img: &RgbImage, rng: &mut impl Rng) -> RgbImage {
        let mut out = if self.warp == Warp::IDENTITY { img.clone() } else { self.warp.apply(img) };
        if self.tone != Tone::IDENTITY {
            self.tone.apply(&mut out);
        }
        if let Some((rect, colours)) = self.patch {
            paint_patch(&mut out, rect, colours);
        }
        let mut out = blur(&out, self.blur);
        add_noise(&mut out, self.noise, rng);
        out
    }
}

impl Jitter {
    /// No change at all (every range 0).
    pub const NONE: Self = Self {
        shift: 0.0,
        scale: 0.0,
        rotate_deg: 0.0,
        brightness: 0.0,
        colour: 0.0,
        contrast: 0.0,
        blur: 0.0,
        noise: 0.0,
        patch: 0.0,
    };

    /// Checks every range (finite, ≥ 0, and shifts and scale changes below 1/2).
    pub fn validate(&self) -> Result<()> {
        let fields = [
            ("augment-shift", self.shift, 0.5),
            ("augment-scale", self.scale, 0.5),
            ("augment-rotate", self.rotate_deg, 45.0),
            ("augment-brightness", self.brightness, 0.9),
            ("augment-colour", self.colour, 0.9),
            ("augment-contrast", self.contrast, 0.9),
            ("augment-blur", self.blur, 5.0),
            ("augment-noise", self.noise, 50.0),
            ("augment-patch", self.patch, 1.0),
        ];
        for (name, v, max) in fields {
            if !(v.is_finite() && (0.0..=max).contains(&v)) {
                return Err(LearnError::Hyper {
                    name,
                    value: v.to_string(),
                    rule: "a number in its range (see --help)",
                });
            }
        }
        Ok(())
    }

    /// Draws one view.
    pub fn sample(&self, rng: &mut impl Rng) -> View {
        let mut sym = |r: f32| if r > 0.0 { rng.random_range(-r..=r) } else { 0.0 };
        let warp = Warp {
            dx: sym(self.shift),
            dy: sym(self.shift),
            scale: 1.0 + sym(self.scale),
            rotate_deg: sym(self.rotate_deg),
        };
        let brightness = 1.0 + sym(self.brightness);
        let gain = [0; 3].map(|_| brightness * (1.0 + sym(self.colour)));
        let tone = Tone { gain, contrast: 1.0 + sym(self.contrast) };
        let blur = if self.blur > 0.0 && rng.random_bool(0.5) { rng.random_range(0.0..=self.blur) } else { 0.0 };
        let noise = if self.noise > 0.0 { rng.random_range(0.0..=self.noise) } else { 0.0 };
        let patch = (self.patch > 0.0 && rng.random_bool(f64::from(self.patch.min(1.0)))).then(|| {
            let (w, h) = (rng.random_range(0.1..=0.33f32), rng.random_range(0.1..=0.33f32));
            let rect = [rng.random_range(0.0..=1.0 - w), rng.random_range(0.0..=1.0 - h), w, h];
            let colours =
                [[0; 3].map(|_| rng.random_range(0.0..=255.0f32)), [0; 3].map(|_| rng.random_range(0.0..=255.0f32))];
            (rect, colours)
        });
        View { warp, tone, blur, noise, patch }
    }

    /// `n` views of `img`, drawn from a generator seeded by `seed` (an example's id): the same
    /// image, seed and ranges always give the same views.
    pub fn views(&self, img: &RgbImage, n: usize, seed: u64) -> Vec<RgbImage> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(7);
        (0..n)
            .map(|_| {
                let view = self.sample(&mut rng);
                view.apply(img, &mut rng)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A picture with texture everywhere, so that any misread pixel shows.
    fn picture(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7 + y * 3) as u8, (y * 5 + x * x) as u8, (x ^ (y * 11)) as u8]))
    }

    /// The warp as first written: every pixel through the mirrored sampler.
    fn warp_reference(warp: &Warp, img: &RgbImage) -> RgbImage {
        let (w, h) = img.dimensions();
        let (cx, cy) = (w as f32 * 0.5, h as f32 * 0.5);
        let (sin, cos) = warp.rotate_deg.to_radians().sin_cos();
        let inv = 1.0 / warp.scale.max(1e-3);
        let (tx, ty) = (warp.dx * w as f32, warp.dy * h as f32);
        RgbImage::from_fn(w, h, |x, y| {
            let (ox, oy) = (x as f32 + 0.5 - cx - tx, y as f32 + 0.5 - cy - ty);
            let sx = (ox * cos + oy * sin) * inv + cx - 0.5;
            let sy = (-ox * sin + oy * cos) * inv + cy - 0.5;
            let mut px = [0u8; 3];
            sample_bilinear(img.as_raw(), w, h, sx, sy, &mut px);
            image::Rgb(px)
        })
    }

    /// The blur as first written: every tap of every pixel through the mirror.
    fn blur_reference(img: &RgbImage, sigma: f32) -> RgbImage {
        let radius = (2.0 * sigma).ceil() as i64;
        let weights: Vec<f32> = (-radius..=radius).map(|i| (-((i * i) as f32) / (2.0 * sigma * sigma)).exp()).collect();
        let total: f32 = weights.iter().sum();
        let weights: Vec<f32> = weights.iter().map(|w| w / total).collect();
        let (w, h) = img.dimensions();
        let pass = |src: &RgbImage, horizontal: bool| {
            RgbImage::from_fn(w, h, |x, y| {
                let mut acc = [0.0f32; 3];
                for (k, wt) in (-radius..=radius).zip(&weights) {
                    let (sx, sy) = if horizontal {
                        (mirror(i64::from(x) + k, w) as u32, y)
                    } else {
                        (x, mirror(i64::from(y) + k, h) as u32)
                    };
                    for (a, &v) in acc.iter_mut().zip(&src.get_pixel(sx, sy).0) {
                        *a += wt * f32::from(v);
                    }
                }
                image::Rgb(acc.map(|a| (a + 0.5).clamp(0.0, 255.0) as u8))
            })
        };
        pass(&pass(img, true), false)
    }

    #[test]
    fn the_fast_warp_matches_the_mirrored_sampler_everywhere() {
        let img = picture(61, 47);
        let warps = [
            Warp::IDENTITY,
            Warp { dx: 0.08, dy: -0.08, scale: 0.9, rotate_deg: 5.0 },
            Warp { dx: -0.3, dy: 0.2, scale: 1.4, rotate_deg: -40.0 },
            Warp { dx: 0.0, dy: 0.0, scale: 0.5, rotate_deg: 0.0 },
        ];
        for warp in warps {
            let full = warp.apply(&img);
            assert_eq!(full, warp_reference(&warp, &img), "{warp:?}");
            // A window of it, computed alone, is the same pixels (and is clipped at the edge).
            let window = image::imageops::crop_imm(&full, 9, 5, 40, 30).to_image();
            assert_eq!(warp.apply_crop(&img, (9, 5), (40, 30)), window, "{warp:?}");
            assert_eq!(warp.apply_crop(&img, (50, 40), (40, 30)).dimensions(), (11, 7));
        }
    }

    #[test]
    fn the_row_blur_matches_the_per_pixel_blur() {
        for (w, h, sigma) in [(61, 47, 1.0), (9, 5, 0.6), (3, 2, 1.9), (40, 30, 0.3)] {
            let img = picture(w, h);
            assert_eq!(blur(&img, sigma), blur_reference(&img, sigma), "{w}×{h} σ {sigma}");
        }
        let img = picture(8, 8);
        assert_eq!(blur(&img, 0.05), img);
    }

    #[test]
    fn noise_has_the_asked_spread_and_no_bias_and_repeats_with_its_seed() {
        let grey = RgbImage::from_pixel(200, 200, image::Rgb([128, 128, 128]));
        let noisy = |seed: u64| {
            let mut img = grey.clone();
            add_noise(&mut img, 4.0, &mut ChaCha8Rng::seed_from_u64(seed));
            img
        };
        let img = noisy(3);
        let d: Vec<f64> = img.as_raw().iter().map(|&v| f64::from(v) - 128.0).collect();
        let n = d.len() as f64;
        let mean = d.iter().sum::<f64>() / n;
        let sd = (d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!(mean.abs() < 0.05, "mean {mean}");
        // Rounding to whole grey levels adds 1/12 to the variance.
        assert!((sd - (16.0f64 + 1.0 / 12.0).sqrt()).abs() < 0.08, "sd {sd}");
        assert!(d.iter().all(|v| v.abs() <= 15.0), "beyond 3.5σ");
        assert_eq!(noisy(3), img);
        assert_ne!(noisy(4), img);
    }
}
