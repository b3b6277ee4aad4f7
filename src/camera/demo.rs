//! The demo camera: a synthetic scene with a toy the user moves and tilts from the keyboard.
//!
//! It exists so the whole record → train → play loop can be shown and tested without a webcam.
//! The toy is a small robot with differently coloured parts (teal head, red body, yellow belly,
//! green arms, one raised arm holding a blue ball, purple legs, an orange antenna ball) over a
//! softly textured wall and desk, so a frozen ImageNet network sees clearly different features
//! when it moves up, down, left or right, or tilts. A seeded jitter of a pixel or so and some
//! sensor-like noise keep consecutive frames from being identical, as with a real camera.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use image::RgbImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::clock::{Clock, Pacer};
use super::error::CameraError;
use super::frame::{Frame, Resolution};
use super::source::{FrameSource, SourceInfo, SourceKind};

/// Where the demo toy is and how it is held.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DemoPose {
    /// Horizontal position: -1 is the left of the frame, 0 the centre, 1 the right.
    pub x: f32,
    /// Vertical position: -1 is the top of the frame, 0 the centre, 1 the bottom (image
    /// coordinates, so "up" is negative).
    pub y: f32,
    /// Clockwise tilt in degrees.
    pub tilt_deg: f32,
    /// Size relative to the default (1.0): how close the toy is held to the camera.
    pub scale: f32,
}

impl DemoPose {
    /// Centred, upright, default size.
    pub const CENTER: Self = Self { x: 0.0, y: 0.0, tilt_deg: 0.0, scale: 1.0 };
    /// The tilt is kept within ± this many degrees.
    pub const MAX_TILT_DEG: f32 = 75.0;
    /// Smallest allowed [`scale`](DemoPose::scale).
    pub const MIN_SCALE: f32 = 0.4;
    /// Largest allowed [`scale`](DemoPose::scale).
    pub const MAX_SCALE: f32 = 1.8;

    /// The pose with every field brought into its range (and NaN replaced by the centre value),
    /// so no keyboard sequence can push the toy off into nowhere.
    #[must_use]
    pub fn clamped(self) -> Self {
        let fix = |v: f32, lo: f32, hi: f32, default: f32| {
            if v.is_nan() { default } else { v.clamp(lo, hi) }
        };
        Self {
            x: fix(self.x, -1.0, 1.0, 0.0),
            y: fix(self.y, -1.0, 1.0, 0.0),
            tilt_deg: fix(self.tilt_deg, -Self::MAX_TILT_DEG, Self::MAX_TILT_DEG, 0.0),
            scale: fix(self.scale, Self::MIN_SCALE, Self::MAX_SCALE, 1.0),
        }
    }
}

impl Default for DemoPose {
    fn default() -> Self {
        Self::CENTER
    }
}

/// A cloneable, thread-safe handle that steers the demo camera's toy.
///
/// The UI turns key presses into calls on its clone (for example arrow keys → [`nudge`],
/// Q/E → [`tilt`], +/− → [`zoom`]); tests set poses directly. All changes are clamped to
/// [`DemoPose`]'s ranges.
///
/// [`nudge`]: DemoControl::nudge
/// [`tilt`]: DemoControl::tilt
/// [`zoom`]: DemoControl::zoom
#[derive(Clone, Debug, Default)]
pub struct DemoControl {
    pose: Arc<Mutex<DemoPose>>,
}

impl DemoControl {
    /// A suggested position step per key press (a twentieth of the frame's half-width).
    pub const STEP: f32 = 0.05;
    /// A suggested tilt step per key press, in degrees.
    pub const TILT_STEP_DEG: f32 = 5.0;

    /// A handle starting at `pose`.
    #[must_use]
    pub fn new(pose: DemoPose) -> Self {
        Self { pose: Arc::new(Mutex::new(pose.clamped())) }
    }

    /// The current pose.
    #[must_use]
    pub fn pose(&self) -> DemoPose {
        *self.lock()
    }

    /// Replaces the pose (clamped).
    pub fn set_pose(&self, pose: DemoPose) {
        *self.lock() = pose.clamped();
    }

    /// Moves the toy by `dx`, `dy` in pose units (see [`DemoPose::x`]; negative `dy` is up).
    pub fn nudge(&self, dx: f32, dy: f32) {
        self.update(|p| DemoPose { x: p.x + dx, y: p.y + dy, ..p });
    }

    /// Tilts the toy by `degrees` (clockwise positive).
    pub fn tilt(&self, degrees: f32) {
        self.update(|p| DemoPose { tilt_deg: p.tilt_deg + degrees, ..p });
    }

    /// Multiplies the toy's size by `factor` (above 1: closer to the camera).
    pub fn zoom(&self, factor: f32) {
        self.update(|p| DemoPose { scale: p.scale * factor, ..p });
    }

    /// Back to [`DemoPose::CENTER`].
    pub fn reset(&self) {
        self.set_pose(DemoPose::CENTER);
    }

    fn update(&self, f: impl FnOnce(DemoPose) -> DemoPose) {
        let mut pose = self.lock();
        *pose = f(*pose).clamped();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DemoPose> {
        // A pose is plain data: a panic elsewhere cannot leave it half-written.
        self.pose.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The synthetic camera: a toy robot (teal head, red body, green arms, one raised with a blue
/// ball, purple legs) over a textured wall and desk, posed by a [`DemoControl`], with a seeded
/// jitter so consecutive frames differ slightly, as a real camera's do.
#[derive(Debug)]
pub struct DemoCamera {
    control: DemoControl,
    pacer: Pacer,
    background: RgbImage,
    rng: ChaCha8Rng,
    seq: u64,
    fps: f32,
}

impl DemoCamera {
    /// 640×480, a common webcam size.
    pub const DEFAULT_RESOLUTION: Resolution = Resolution::new(640, 480);
    /// 30 frames a second, a common webcam rate.
    pub const DEFAULT_FPS: f32 = 30.0;
    /// The jitter seed unless [`with_seed`](DemoCamera::with_seed) says otherwise.
    pub const DEFAULT_SEED: u64 = 0x7061_636e_6574; // "pacnet"

    /// A demo camera of `resolution` at `fps`, steered by `control`, paced by `clock`.
    ///
    /// # Errors
    /// [`CameraError::InvalidSetting`] for a zero-sized resolution, one above 8192 pixels a side,
    /// or a rate that is not a positive number up to 240.
    pub fn new(
        control: DemoControl,
        clock: Arc<dyn Clock>,
        resolution: Resolution,
        fps: f32,
    ) -> Result<Self, CameraError> {
        if resolution.width == 0 || resolution.height == 0 || resolution.width > 8192 || resolution.height > 8192 {
            return Err(CameraError::InvalidSetting(format!(
                "demo camera size {resolution} must be between 1×1 and 8192×8192"
            )));
        }
        check_fps("demo camera", fps)?;
        Ok(Self {
            control,
            pacer: Pacer::new(clock, f64::from(fps)),
            background: render_background(resolution),
            rng: ChaCha8Rng::seed_from_u64(Self::DEFAULT_SEED),
            seq: 0,
            fps,
        })
    }

    /// Same camera with its jitter seeded by `seed` (two cameras with the same seed and poses
    /// render identical frames).
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.rng = ChaCha8Rng::seed_from_u64(seed);
        self
    }

    /// Same camera in front of `background` instead of the built-in wall and desk (the
    /// few-shot benchmark films the toy in other rooms).
    ///
    /// # Errors
    /// [`CameraError::InvalidSetting`] when `background` is not the camera's resolution.
    pub fn with_background(mut self, background: RgbImage) -> Result<Self, CameraError> {
        if background.dimensions() != self.background.dimensions() {
            return Err(CameraError::InvalidSetting(format!(
                "demo camera background is {}×{}, the camera {}",
                background.width(),
                background.height(),
                Resolution::of(&self.background)
            )));
        }
        self.background = background;
        Ok(self)
    }

    /// The built-in wall and desk at `resolution` (what the camera films unless told otherwise).
    #[must_use]
    pub fn default_background(resolution: Resolution) -> RgbImage {
        render_background(resolution)
    }

    /// The handle steering this camera.
    #[must_use]
    pub fn control(&self) -> &DemoControl {
        &self.control
    }

    /// Renders one picture of the toy at `pose` (plus this frame's jitter) without waiting for
    /// the frame to be due.
    pub fn render(&mut self, pose: DemoPose) -> RgbImage {
        let jitter = |rng: &mut ChaCha8Rng, amount: f32| rng.random_range(-amount..=amount);
        let pose = DemoPose {
            x: pose.x + jitter(&mut self.rng, 0.004),
            y: pose.y + jitter(&mut self.rng, 0.004),
            tilt_deg: pose.tilt_deg + jitter(&mut self.rng, 0.6),
            scale: pose.scale * (1.0 + jitter(&mut self.rng, 0.005)),
        };
        let mut image = self.background.clone();
        draw_toy(&mut image, pose);
        add_sensor_noise(&mut image, &mut self.rng);
        image
    }
}

impl FrameSource for DemoCamera {
    fn info(&self) -> SourceInfo {
        SourceInfo {
            name: "demo camera".to_owned(),
            kind: SourceKind::Demo,
            resolution: Resolution::of(&self.background),
            fps: self.fps,
        }
    }

    fn next_frame(&mut self) -> Result<Frame, CameraError> {
        let timestamp: Duration = self.pacer.wait();
        let image = self.render(self.control.pose());
        let frame = Frame::new(image, self.seq, timestamp);
        self.seq += 1;
        Ok(frame)
    }
}

/// Checks a frame rate for a paced source.
pub(crate) fn check_fps(what: &str, fps: f32) -> Result<(), CameraError> {
    if fps.is_finite() && fps > 0.0 && fps <= 240.0 {
        Ok(())
    } else {
        Err(CameraError::InvalidSetting(format!("{what} frame rate {fps} must be above 0 and at most 240")))
    }
}

// ---------------------------------------------------------------------------------------------
// Rasterisation. Everything is drawn from signed distance functions in the toy's own units
// (about 1.0 = the toy's height), which gives anti-aliased edges, outlines and a soft rounded
// shading for a handful of flops per pixel and part.

type Vec2 = (f32, f32);
type Rgb = [f32; 3];

#[derive(Clone, Copy)]
enum Shape {
    Circle { c: Vec2, r: f32 },
    RoundBox { c: Vec2, half: Vec2, r: f32 },
    Capsule { a: Vec2, b: Vec2, r: f32 },
}

impl Shape {
    fn sdf(self, p: Vec2) -> f32 {
        match self {
            Shape::Circle { c, r } => length((p.0 - c.0, p.1 - c.1)) - r,
            Shape::RoundBox { c, half, r } => {
                let q = ((p.0 - c.0).abs() - half.0 + r, (p.1 - c.1).abs() - half.1 + r);
                length((q.0.max(0.0), q.1.max(0.0))) + q.0.max(q.1).min(0.0) - r
            }
            Shape::Capsule { a, b, r } => {
                let pa = (p.0 - a.0, p.1 - a.1);
                let ba = (b.0 - a.0, b.1 - a.1);
                let h = ((pa.0 * ba.0 + pa.1 * ba.1) / (ba.0 * ba.0 + ba.1 * ba.1)).clamp(0.0, 1.0);
                length((pa.0 - ba.0 * h, pa.1 - ba.1 * h)) - r
            }
        }
    }

    /// Local-space bounding box (min, max).
    fn bounds(self) -> (Vec2, Vec2) {
        match self {
            Shape::Circle { c, r } => ((c.0 - r, c.1 - r), (c.0 + r, c.1 + r)),
            Shape::RoundBox { c, half, .. } => ((c.0 - half.0, c.1 - half.1), (c.0 + half.0, c.1 + half.1)),
            Shape::Capsule { a, b, r } => ((a.0.min(b.0) - r, a.1.min(b.1) - r), (a.0.max(b.0) + r, a.1.max(b.1) + r)),
        }
    }
}

fn length(v: Vec2) -> f32 {
    (v.0 * v.0 + v.1 * v.1).sqrt()
}

#[derive(Clone, Copy)]
struct Part {
    shape: Shape,
    fill: Rgb,
}

const fn rgb(r: u8, g: u8, b: u8) -> Rgb {
    [r as f32, g as f32, b as f32]
}

const fn circle(x: f32, y: f32, r: f32, fill: Rgb) -> Part {
    Part { shape: Shape::Circle { c: (x, y), r }, fill }
}

const fn round_box(x: f32, y: f32, hw: f32, hh: f32, r: f32, fill: Rgb) -> Part {
    Part { shape: Shape::RoundBox { c: (x, y), half: (hw, hh), r }, fill }
}

const fn capsule(a: Vec2, b: Vec2, r: f32, fill: Rgb) -> Part {
    Part { shape: Shape::Capsule { a, b, r }, fill }
}

const DARK: Rgb = rgb(55, 55, 68);
const TEAL: Rgb = rgb(0, 160, 190);
const RED: Rgb = rgb(215, 45, 45);
const YELLOW: Rgb = rgb(250, 205, 40);
const GREEN: Rgb = rgb(40, 170, 70);
const BLUE: Rgb = rgb(40, 80, 230);
const PURPLE: Rgb = rgb(125, 60, 185);
const ORANGE: Rgb = rgb(255, 140, 0);
const WHITE: Rgb = rgb(250, 250, 250);

/// The toy, back to front. y grows downwards; the right arm is raised so that a left/right
/// flip and a tilt are both visible, not just a shift.
const TOY: [Part; 22] = [
    capsule((0.0, -0.42), (0.06, -0.54), 0.014, DARK),
    circle(0.06, -0.56, 0.045, ORANGE),
    capsule((0.24, -0.02), (0.37, -0.21), 0.05, GREEN),
    circle(0.40, -0.27, 0.075, BLUE),
    round_box(-0.30, 0.03, 0.055, 0.15, 0.05, GREEN),
    round_box(-0.11, 0.32, 0.06, 0.09, 0.03, PURPLE),
    round_box(0.11, 0.32, 0.06, 0.09, 0.03, PURPLE),
    round_box(-0.13, 0.42, 0.09, 0.035, 0.03, DARK),
    round_box(0.13, 0.42, 0.09, 0.035, 0.03, DARK),
    round_box(0.0, 0.05, 0.24, 0.19, 0.06, RED),
    circle(0.0, 0.06, 0.105, YELLOW),
    round_box(0.0, 0.06, 0.035, 0.035, 0.01, PURPLE),
    round_box(-0.17, -0.08, 0.035, 0.02, 0.01, WHITE),
    round_box(0.0, -0.14, 0.05, 0.03, 0.01, DARK),
    round_box(0.0, -0.29, 0.19, 0.13, 0.05, TEAL),
    circle(-0.08, -0.31, 0.05, WHITE),
    circle(0.08, -0.31, 0.05, WHITE),
    circle(-0.07, -0.30, 0.022, rgb(20, 20, 30)),
    circle(0.09, -0.30, 0.022, rgb(20, 20, 30)),
    round_box(0.0, -0.215, 0.07, 0.018, 0.015, rgb(200, 30, 60)),
    round_box(-0.185, -0.29, 0.02, 0.05, 0.015, ORANGE),
    round_box(0.185, -0.29, 0.02, 0.05, 0.015, ORANGE),
];

/// Draws the toy at `pose` into `image`.
fn draw_toy(image: &mut RgbImage, pose: DemoPose) {
    draw_toy_culled(image, pose, true);
}

/// A box (min corner, max corner) that holds nothing: [`union`] with it is the other box.
const NO_BOX: (Vec2, Vec2) = ((f32::MAX, f32::MAX), (f32::MIN, f32::MIN));

/// The smallest box holding both boxes.
fn union((alo, ahi): (Vec2, Vec2), (blo, bhi): (Vec2, Vec2)) -> (Vec2, Vec2) {
    ((alo.0.min(blo.0), alo.1.min(blo.1)), (ahi.0.max(bhi.0), ahi.1.max(bhi.1)))
}

/// A part with its box in toy space (grown by the outline and the anti-aliasing) and the
/// screen-space box that holds it.
struct Placed {
    part: Part,
    local: (Vec2, Vec2),
    screen: (Vec2, Vec2),
}

/// [`draw_toy`], which with `cull` tests at each pixel only the parts whose screen box holds
/// it (3× faster: most rows cross a few of the 22 parts); without, every part everywhere in
/// the toy's box (the reference the tests compare with). The drawing is the same.
fn draw_toy_culled(image: &mut RgbImage, pose: DemoPose, cull: bool) {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let pose = pose.clamped();
    // Pixels per toy unit: the toy is about 45 % of the frame's height at scale 1.
    let s = 0.42 * h * pose.scale;
    let centre = (w * 0.5 + pose.x * 0.36 * w, h * 0.5 + pose.y * 0.30 * h);
    let (sin, cos) = pose.tilt_deg.to_radians().sin_cos();
    // Pixel → toy space: undo translation, rotation (clockwise on screen) and scale.
    let to_local = |px: f32, py: f32| {
        let (dx, dy) = ((px - centre.0) / s, (py - centre.1) / s);
        (dx * cos + dy * sin, -dx * sin + dy * cos)
    };
    let to_screen = |u: f32, v: f32| (centre.0 + (u * cos - v * sin) * s, centre.1 + (u * sin + v * cos) * s);
    // The screen box of a toy-space box: its corners' extent, a pixel wider so that rounding
    // in `to_local` cannot put a pixel inside the toy-space box but outside this one.
    let screen_box = |(lo, hi): (Vec2, Vec2)| {
        let corners = [to_screen(lo.0, lo.1), to_screen(hi.0, lo.1), to_screen(lo.0, hi.1), to_screen(hi.0, hi.1)];
        corners.iter().fold(NO_BOX, |b, c| union(b, ((c.0 - 1.0, c.1 - 1.0), (c.0 + 1.0, c.1 + 1.0))))
    };

    let outline_px = (0.012 * s).max(1.2);
    let margin = (outline_px + 1.5) / s;
    let parts: Vec<Placed> = TOY
        .iter()
        .map(|p| {
            let (lo, hi) = p.shape.bounds();
            let local = ((lo.0 - margin, lo.1 - margin), (hi.0 + margin, hi.1 + margin));
            Placed { part: *p, local, screen: screen_box(local) }
        })
        .collect();

    // Screen-space box around the whole toy (around its parts' boxes), clipped to the image.
    let (lo, hi) = parts.iter().fold(NO_BOX, |b, p| union(b, p.screen));
    let (min_x, max_x) = (lo.0.floor().max(0.0) as u32, hi.0.ceil().min(w) as u32);
    let (min_y, max_y) = (lo.1.floor().max(0.0) as u32, hi.1.ceil().min(h) as u32);

    let stride = image.width() as usize * 3;
    let buf: &mut [u8] = image;
    let mut crossing: Vec<&Placed> = Vec::with_capacity(parts.len());
    for y in min_y..max_y {
        let cy = y as f32 + 0.5;
        crossing.clear();
        crossing.extend(parts.iter().filter(|p| !cull || (cy >= p.screen.0.1 && cy <= p.screen.1.1)));
        let (mut from, mut to) = (min_x, max_x);
        if cull {
            let left = crossing.iter().map(|p| p.screen.0.0).fold(f32::MAX, f32::min);
            let right = crossing.iter().map(|p| p.screen.1.0).fold(f32::MIN, f32::max);
            (from, to) = (left.floor().max(min_x as f32) as u32, right.ceil().min(max_x as f32) as u32);
        }
        let Some(row) = buf.get_mut(y as usize * stride..(y as usize + 1) * stride) else {
            continue;
        };
        let (pixels, _) = row.as_chunks_mut::<3>();
        for x in from..to {
            let cx = x as f32 + 0.5;
            let p = to_local(cx, cy);
            let Some(px) = pixels.get_mut(x as usize) else {
                continue;
            };
            let mut colour: Rgb = px.map(f32::from);
            let mut touched = false;
            for placed in &crossing {
                let (blo, bhi) = placed.local;
                if (cull && (cx < placed.screen.0.0 || cx > placed.screen.1.0))
                    || p.0 < blo.0
                    || p.0 > bhi.0
                    || p.1 < blo.1
                    || p.1 > bhi.1
                {
                    continue;
                }
                let part = placed.part;
                let d = part.shape.sdf(p) * s; // signed distance in pixels
                let alpha = (0.5 - d).clamp(0.0, 1.0);
                if alpha <= 0.0 {
                    continue;
                }
                touched = true;
                // Inside the outline band: the fill, darkened towards the rim for a rounded look.
                let inner = (0.5 - (d + outline_px)).clamp(0.0, 1.0);
                let depth = (-d / (0.06 * s)).clamp(0.0, 1.0);
                let shade = 0.72 + 0.28 * depth;
                for (c, fill) in colour.iter_mut().zip(part.fill) {
                    let body = fill * shade;
                    let rim = fill * 0.35;
                    let shape_colour = rim + (body - rim) * inner;
                    *c += (shape_colour - *c) * alpha;
                }
            }
            if touched {
                *px = colour.map(|c| c.clamp(0.0, 255.0) as u8);
            }
        }
    }
}

/// A few thousand pixels nudged by a few levels, like sensor noise, so no two frames are equal.
fn add_sensor_noise(image: &mut RgbImage, rng: &mut ChaCha8Rng) {
    let buf: &mut [u8] = image;
    let len = buf.len();
    if len == 0 {
        return;
    }
    let count = (len / 300).max(1);
    for _ in 0..count {
        let i = rng.random_range(0..len);
        let delta: i16 = rng.random_range(-10..=10);
        if let Some(v) = buf.get_mut(i) {
            *v = (i16::from(*v) + delta).clamp(0, 255) as u8;
        }
    }
}

/// A light wall with a faint diamond wallpaper and blotchy shading above a wooden desk: enough
/// texture to look like a room, little enough not to compete with the toy.
fn render_background(resolution: Resolution) -> RgbImage {
    let (w, h) = (resolution.width, resolution.height);
    let desk_top = h as f32 * 0.82;
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        // Scale the pattern with the frame so small test frames look like shrunken big ones.
        let unit = h as f32 / 480.0;
        let (ux, uy) = (fx / unit, fy / unit);
        let blotch =
            10.0 * (value_noise(ux / 90.0, uy / 90.0) - 0.5) + 5.0 * (value_noise(ux / 23.0 + 17.0, uy / 23.0) - 0.5);
        let rgb = if fy < desk_top {
            let t = fy / desk_top;
            let wall = [212.0 - 30.0 * t, 206.0 - 30.0 * t, 192.0 - 26.0 * t];
            let diamond = ((ux + uy) * 0.07).sin() * ((ux - uy) * 0.07).sin();
            let pattern = 5.0 * diamond;
            wall.map(|c| c + pattern + blotch)
        } else {
            let grain =
                7.0 * ((uy * 0.9 + 3.0 * (ux * 0.015).sin()).sin()) + 4.0 * (value_noise(ux / 40.0, uy / 4.0) - 0.5);
            let edge = if fy - desk_top < 3.0 * unit { -35.0 } else { 0.0 };
            [150.0, 106.0, 68.0].map(|c| c + grain + blotch + edge)
        };
        image::Rgb(rgb.map(|c| c.clamp(0.0, 255.0) as u8))
    })
}

/// Smooth 2-D value noise in [0, 1] from a fixed integer hash (no RNG state, so the
/// background is identical for every seed).
fn value_noise(x: f32, y: f32) -> f32 {
    let (x0, y0) = (x.floor(), y.floor());
    let (tx, ty) = (x - x0, y - y0);
    let (sx, sy) = (tx * tx * (3.0 - 2.0 * tx), ty * ty * (3.0 - 2.0 * ty));
    let corner = |dx: i32, dy: i32| hash01(x0 as i32 + dx, y0 as i32 + dy);
    let top = corner(0, 0) + (corner(1, 0) - corner(0, 0)) * sx;
    let bottom = corner(0, 1) + (corner(1, 1) - corner(0, 1)) * sx;
    top + (bottom - top) * sy
}

fn hash01(x: i32, y: i32) -> f32 {
    let mut n = (x as u32).wrapping_mul(0x27d4_eb2d) ^ (y as u32).wrapping_mul(0x1656_67b1);
    n ^= n >> 15;
    n = n.wrapping_mul(0x85eb_ca6b);
    n ^= n >> 13;
    (n & 0xffff) as f32 / 65535.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn culling_the_parts_draws_the_same_toy() {
        let background = render_background(Resolution::new(800, 600));
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut differ = 0;
        for i in 0..40 {
            let pose = DemoPose {
                x: rng.random_range(-1.4..=1.4),
                y: rng.random_range(-1.4..=1.4),
                tilt_deg: rng.random_range(-90.0..=90.0),
                scale: rng.random_range(0.3..=1.6),
            };
            let (mut fast, mut every) = (background.clone(), background.clone());
            draw_toy_culled(&mut fast, pose, true);
            draw_toy_culled(&mut every, pose, false);
            assert!(fast == every, "pose {i} {pose:?}: the culled drawing differs");
            differ += usize::from(every != background);
        }
        assert!(differ >= 35, "the toy was drawn in only {differ} of 40 poses");
    }
}
