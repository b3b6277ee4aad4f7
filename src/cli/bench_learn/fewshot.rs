//! Hard few-shot sets for `pacnet bench-learn`: webcam-like recordings of an object at four
//! positions or four tilts, 12 training frames per class, test frames from the same recording
//! and test frames after the camera was nudged.
//!
//! A *scene* is the demo camera's toy (filmed by [`DemoCamera`] in front of its wall or a
//! photo room) or an object cut from one of the golden photos (the sparrow's own alpha, or an
//! ellipse around a burger, a face, a dog…) pasted into a room made from another photo. Every
//! frame is rendered on a canvas a quarter larger than the 640×480 frame, so a camera nudge
//! shows more of the room instead of a blank border.
//!
//! - *Recording* (per class): one burst in which the hand wanders a little (position ±5 % of the
//!   frame, tilt ±5°, size ±6 %, smooth as a hand is; the exposure breathes ±4 % and three
//!   frames in ten are a little blurred); its first 12 frames are the training set and the
//!   rest the same-recording test set.
//! - *Nudged* (several sessions, each with its own nudge, a new burst per class): the camera
//!   moved (shift ±8 % of the frame, scale ±10 %, rotation ±5°), the light changed (brightness
//!   and white balance ±20 %) and the background changed (a patch of another room appeared
//!   behind the object, or, one session in three, another room altogether). Magnitudes are
//!   uniform within each range.
//!
//! Why here: it is a pure renderer of benchmark sets, and `pacnet bench-learn` (this folder's
//! `mod.rs`) is its only user. It films with the demo camera (`camera`) and jitters with
//! `learn`'s augmentation, so it must sit where both may be imported: `learn` may not import
//! `camera`, and nothing in `live` runs it, so `cli` — which may import everything but `ui` —
//! is the lowest module it fits, next to the benchmark that uses it.

use image::{RgbImage, RgbaImage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::camera::{DemoCamera, DemoControl, DemoPose, ManualClock, Resolution};
use crate::learn::augment::{Tone, Warp, blur};

mod film;
pub use film::Film;

/// Frame size of every set (a common webcam size; the app crops its centre square).
pub const FRAME: (u32, u32) = (640, 480);
/// Canvas size: the frame plus an eighth on every side, so nudges see more room.
const CANVAS: (u32, u32) = (800, 600);

/// What the classes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// The object held up, down, left or right of the centre (a fifth of the frame away).
    Position,
    /// The object at the centre, tilted −45°, −15°, 15° or 45° (30° apart, so a hand's ±5°
    /// and a nudge's ±5° stay inside half the gap).
    Tilt,
}

impl Task {
    /// Both tasks.
    pub const ALL: [Self; 2] = [Self::Position, Self::Tilt];

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Position => "position",
            Self::Tilt => "tilt",
        }
    }

    /// Class names.
    pub fn classes(self) -> Vec<String> {
        let names: [&str; 4] = match self {
            Self::Position => ["up", "down", "left", "right"],
            Self::Tilt => ["tilt-45", "tilt-15", "tilt+15", "tilt+45"],
        };
        names.map(String::from).to_vec()
    }

    /// Class `class`'s pose: centre offset from the frame centre in frame pixels, tilt in
    /// degrees, and height as a fraction of the frame height.
    #[must_use]
    pub fn pose(self, class: usize) -> (f32, f32, f32, f32) {
        let d = 0.2 * FRAME.1 as f32;
        match self {
            Self::Position => {
                let (x, y) = [(0.0, -d), (0.0, d), (-d, 0.0), (d, 0.0)].get(class % 4).copied().unwrap_or((0.0, 0.0));
                (x, y, 0.0, 0.4)
            }
            Self::Tilt => (0.0, 0.0, [-45.0, -15.0, 15.0, 45.0].get(class % 4).copied().unwrap_or(0.0), 0.45),
        }
    }
}

/// What is filmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SceneKind {
    /// The demo camera's toy robot.
    Demo,
    /// An object cut from a golden photo, in a room made from other photos.
    Photo,
}

impl SceneKind {
    /// Both kinds.
    pub const ALL: [Self; 2] = [Self::Demo, Self::Photo];

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Demo => "demo",
            Self::Photo => "photo",
        }
    }
}

/// How many frames a set has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetSize {
    /// Training frames per class.
    pub train: usize,
    /// Same-recording test frames per class.
    pub same: usize,
    /// Nudge sessions.
    pub nudges: usize,
    /// Test frames per class and nudge session.
    pub nudged: usize,
}

impl Default for SetSize {
    fn default() -> Self {
        Self { train: 12, same: 24, nudges: 4, nudged: 6 }
    }
}

/// One labelled frame.
#[derive(Clone, Debug)]
pub struct Shot {
    /// Class index.
    pub label: usize,
    /// The 640×480 frame.
    pub frame: RgbImage,
}

/// A few-shot set: training frames and the two test splits.
#[derive(Clone, Debug)]
pub struct FewShotSet {
    /// Class names.
    pub classes: Vec<String>,
    /// Training frames (class after class).
    pub train: Vec<Shot>,
    /// More frames from the training recording.
    pub same: Vec<Shot>,
    /// Frames after camera nudges.
    pub nudged: Vec<Shot>,
}

/// A photo by name, with its alpha channel (opaque for JPEGs).
#[derive(Clone, Debug)]
pub struct Photo {
    /// File name, e.g. `burger.jpg`.
    pub name: String,
    /// Pixels.
    pub image: RgbaImage,
}

/// The objects that can be cut from the golden photos: file name and the ellipse around the
/// object (centre and radii as fractions of the photo's width and height); `None` means the
/// photo's own alpha channel outlines the object.
const OBJECTS: [(&str, Option<[f32; 4]>); 5] = [
    ("sparrow.png", None),
    ("burger.jpg", Some([0.45, 0.54, 0.39, 0.42])),
    ("grace_hopper.jpg", Some([0.50, 0.32, 0.27, 0.29])),
    ("dogs.jpg", Some([0.28, 0.50, 0.14, 0.43])),
    ("cats_and_dogs.jpg", Some([0.625, 0.72, 0.125, 0.28])),
];

/// Why a set cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// The photos needed for the photo scenes are missing.
    #[error("the photo scenes need {needed} among the photos given ({given}); pass the golden images folder")]
    MissingPhotos {
        /// What was needed.
        needed: String,
        /// What was given.
        given: String,
    },
    /// The demo camera refused its settings (a bug here).
    #[error("demo camera: {0}")]
    Camera(#[from] crate::camera::CameraError),
}

/// Objects and rooms for the scenes.
#[derive(Clone, Debug)]
pub struct Props {
    objects: Vec<(String, RgbaImage)>,
    photos: Vec<Photo>,
}

impl Props {
    /// Cuts the objects out of `photos` (which should be the golden images: `sparrow.png`,
    /// `burger.jpg`, …); every photo also serves as a room behind the objects of the others.
    ///
    /// # Errors
    /// [`SetError::MissingPhotos`] when no object photo or fewer than three photos are given.
    pub fn new(photos: Vec<Photo>) -> Result<Self, SetError> {
        let objects: Vec<(String, RgbaImage)> = OBJECTS
            .iter()
            .filter_map(|(name, ellipse)| {
                let p = photos.iter().find(|p| p.name == *name)?;
                Some((p.name.clone(), cut_object(&p.image, *ellipse)))
            })
            .collect();
        if objects.is_empty() || photos.len() < 3 {
            return Err(SetError::MissingPhotos {
                needed: format!("3 photos including one of {}", OBJECTS.map(|o| o.0).join(", ")),
                given: photos.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
            });
        }
        Ok(Self { objects, photos })
    }

    /// Names of the objects, in the order seeds cycle through them.
    pub fn object_names(&self) -> Vec<&str> {
        self.objects.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// A room from a photo other than `avoid`: a random crop covering the canvas, well out of
    /// focus (the camera is focused on the object held close to it) and washed towards a
    /// random wall colour, so it is as busy as a room and not as striking as a photo.
    fn room(&self, avoid: &str, rng: &mut ChaCha8Rng) -> RgbImage {
        let candidates: Vec<&Photo> = self.photos.iter().filter(|p| p.name != avoid).collect();
        let photo = candidates.get(rng.random_range(0..candidates.len().max(1))).map_or(&self.photos[0], |p| *p);
        let img = image::DynamicImage::ImageRgba8(photo.image.clone()).to_rgb8();
        let (w, h) = img.dimensions();
        let frac = rng.random_range(0.5..=0.9f32);
        let (cw, ch) = (((w as f32 * frac) as u32).max(1), ((h as f32 * frac) as u32).max(1));
        let (x0, y0) = (rng.random_range(0..=w - cw), rng.random_range(0..=h - ch));
        let crop = image::imageops::crop_imm(&img, x0, y0, cw, ch).to_image();
        // Blur at a quarter of the size (cheap, and the same as a 4× larger blur here).
        let small = image::imageops::resize(&crop, CANVAS.0 / 4, CANVAS.1 / 4, image::imageops::FilterType::Triangle);
        let mut room =
            image::imageops::resize(&blur(&small, 0.8), CANVAS.0, CANVAS.1, image::imageops::FilterType::Triangle);
        let wall: [f32; 3] = [0; 3].map(|_| rng.random_range(150.0..=230.0f32));
        let wash = rng.random_range(0.45..=0.7f32);
        for p in room.pixels_mut() {
            for (c, w) in p.0.iter_mut().zip(wall) {
                *c = (f32::from(*c) * (1.0 - wash) + w * wash) as u8;
            }
        }
        room
    }

    /// `room` with a patch of another room pasted somewhere (a fifth to a third of the
    /// canvas): something behind the object moved.
    fn changed(&self, room: &RgbImage, avoid: &str, rng: &mut ChaCha8Rng) -> RgbImage {
        let other = self.room(avoid, rng);
        let mut out = room.clone();
        let pw = (rng.random_range(0.25..=0.45) * CANVAS.0 as f32) as u32;
        let ph = (rng.random_range(0.4..=0.7) * CANVAS.1 as f32) as u32;
        let (x0, y0) = (rng.random_range(0..=CANVAS.0 - pw), rng.random_range(0..=CANVAS.1 - ph));
        for y in y0..y0 + ph {
            for x in x0..x0 + pw {
                out.put_pixel(x, y, *other.get_pixel(x, y));
            }
        }
        out
    }
}

/// The object cut out of `photo`: inside `ellipse` (soft edge) or by its own alpha, cropped to
/// its outline.
fn cut_object(photo: &RgbaImage, ellipse: Option<[f32; 4]>) -> RgbaImage {
    let (w, h) = photo.dimensions();
    let mut img = photo.clone();
    if let Some([cx, cy, rx, ry]) = ellipse {
        let (cx, cy, rx, ry) = (cx * w as f32, cy * h as f32, rx * w as f32, ry * h as f32);
        for (x, y, p) in img.enumerate_pixels_mut() {
            let (dx, dy) = ((x as f32 + 0.5 - cx) / rx, (y as f32 + 0.5 - cy) / ry);
            let r = (dx * dx + dy * dy).sqrt();
            // A soft rim of ~4 % of the radius, like a slightly defocused outline.
            let a = ((1.0 - r) / 0.04).clamp(0.0, 1.0);
            p.0[3] = (f32::from(p.0[3]) * a) as u8;
        }
    }
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        if p.0[3] > 8 {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
        }
    }
    if x1 <= x0 || y1 <= y0 {
        return img;
    }
    image::imageops::crop_imm(&img, x0, y0, x1 - x0, y1 - y0).to_image()
}

/// Pastes `object` into `canvas` with its centre at (`cx`, `cy`), `height` pixels tall,
/// rotated clockwise by `tilt_deg` (bilinear, alpha-blended).
fn paste(canvas: &mut RgbImage, object: &RgbaImage, (cx, cy): (f32, f32), height: f32, tilt_deg: f32) {
    let (ow, oh) = object.dimensions();
    let s = height / oh.max(1) as f32;
    let (sin, cos) = tilt_deg.to_radians().sin_cos();
    let r = 0.5 * s * ((ow * ow + oh * oh) as f32).sqrt() + 2.0;
    let (cw, ch) = canvas.dimensions();
    let (x0, x1) = ((cx - r).floor().max(0.0) as u32, ((cx + r).ceil() as u32).min(cw));
    let (y0, y1) = ((cy - r).floor().max(0.0) as u32, ((cy + r).ceil() as u32).min(ch));
    for y in y0..y1 {
        for x in x0..x1 {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            // Screen → object: undo the rotation, then the scale.
            let u = (dx * cos + dy * sin) / s + ow as f32 * 0.5 - 0.5;
            let v = (-dx * sin + dy * cos) / s + oh as f32 * 0.5 - 0.5;
            if u < -1.0 || v < -1.0 || u > ow as f32 || v > oh as f32 {
                continue;
            }
            let px = bilinear_rgba(object, u, v);
            let a = px[3] / 255.0;
            if a <= 0.0 {
                continue;
            }
            let dst = canvas.get_pixel_mut(x, y);
            for (d, s) in dst.0.iter_mut().zip(px) {
                *d = (f32::from(*d) * (1.0 - a) + s * a + 0.5).clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// Bilinear RGBA sample with transparent outside.
fn bilinear_rgba(img: &RgbaImage, u: f32, v: f32) -> [f32; 4] {
    let (x0, y0) = (u.floor(), v.floor());
    let (fx, fy) = (u - x0, v - y0);
    let at = |x: f32, y: f32| -> [f32; 4] {
        if x < 0.0 || y < 0.0 || x >= img.width() as f32 || y >= img.height() as f32 {
            return [0.0; 4];
        }
        let p = img.get_pixel(x as u32, y as u32).0;
        // Premultiplied, so transparent neighbours do not darken the rim.
        let a = f32::from(p[3]) / 255.0;
        [f32::from(p[0]) * a, f32::from(p[1]) * a, f32::from(p[2]) * a, f32::from(p[3])]
    };
    let (a, b, c, d) = (at(x0, y0), at(x0 + 1.0, y0), at(x0, y0 + 1.0), at(x0 + 1.0, y0 + 1.0));
    let mut out = [0.0; 4];
    for (i, o) in out.iter_mut().enumerate() {
        let top = a[i] * (1.0 - fx) + b[i] * fx;
        let bottom = c[i] * (1.0 - fx) + d[i] * fx;
        *o = top + (bottom - top) * fy;
    }
    let alpha = out[3] / 255.0;
    if alpha > 1e-4 {
        for o in out.iter_mut().take(3) {
            *o /= alpha;
        }
    }
    out
}

/// A camera nudge: the move and the change of light.
#[derive(Clone, Copy, Debug)]
struct Nudge {
    warp: Warp,
    tone: Tone,
}

impl Nudge {
    /// No nudge (the recording's own camera).
    const NONE: Self = Self { warp: Warp::IDENTITY, tone: Tone::IDENTITY };

    /// Uniform within each range.
    fn draw(rng: &mut ChaCha8Rng) -> Self {
        let mut within = |r: f32| rng.random_range(-r..=r);
        // Shifts are fractions of the frame; the warp runs on the canvas.
        let (fx, fy) = (FRAME.0 as f32 / CANVAS.0 as f32, FRAME.1 as f32 / CANVAS.1 as f32);
        let warp =
            Warp { dx: within(0.08) * fx, dy: within(0.08) * fy, scale: 1.0 + within(0.10), rotate_deg: within(5.0) };
        let brightness = 1.0 + within(0.2);
        let (r, b) = (1.0 + within(0.2), 1.0 + within(0.2));
        let tone = Tone { gain: [brightness * r, brightness, brightness * b], contrast: 1.0 };
        Self { warp, tone }
    }
}

/// A hand holding a pose: smooth wander around it (two sines per axis with random phases).
struct Hand {
    phases: [f32; 8],
}

impl Hand {
    fn new(rng: &mut ChaCha8Rng) -> Self {
        Self { phases: [0; 8].map(|_| rng.random_range(0.0..std::f32::consts::TAU)) }
    }

    /// Offsets at burst position `t` in [0, 1]: (dx, dy) in frame pixels, tilt in degrees,
    /// relative size.
    fn at(&self, t: f32) -> (f32, f32, f32, f32) {
        let p = &self.phases;
        let wave = |i: usize| {
            let a = p.get(i).copied().unwrap_or(0.0);
            let b = p.get(i + 4).copied().unwrap_or(0.0);
            0.6 * (std::f32::consts::TAU * 1.3 * t + a).sin() + 0.4 * (std::f32::consts::TAU * 3.1 * t + b).sin()
        };
        let px = 0.05 * FRAME.1 as f32;
        (px * wave(0), px * wave(1), 5.0 * wave(2), 1.0 + 0.06 * wave(3))
    }
}

/// What is filmed, and under which light.
struct Stage<'a> {
    kind: SceneKind,
    props: &'a Props,
    object: usize,
    light: Tone,
    seed: u64,
}

impl Stage<'_> {
    fn object_name(&self) -> &str {
        self.props.objects.get(self.object).map_or("", |(n, _)| n.as_str())
    }

    /// A camera filming `room` (the demo camera for demo scenes, `None` for photo scenes).
    fn camera(&self, room: &RgbImage) -> Result<Option<DemoCamera>, SetError> {
        if self.kind != SceneKind::Photo {
            let clock = std::sync::Arc::new(ManualClock::default());
            let cam = DemoCamera::new(DemoControl::default(), clock, Resolution::new(CANVAS.0, CANVAS.1), 30.0)?;
            return Ok(Some(cam.with_seed(self.seed).with_background(room.clone())?));
        }
        Ok(None)
    }

    /// One frame: the object at `pose` (frame-pixel offset, tilt, height as a fraction of the
    /// frame), in front of `room` (ignored by the demo camera, which has its own), filmed
    /// through `nudge`.
    fn shoot(
        &self,
        camera: Option<&mut DemoCamera>,
        room: &RgbImage,
        pose: (f32, f32, f32, f32),
        nudge: &Nudge,
        rng: &mut ChaCha8Rng,
    ) -> RgbImage {
        let canvas = self.canvas(camera, room, pose);
        let mut frame = if nudge.warp == Warp::IDENTITY {
            crop_rows(&canvas, FRAME_AT, FRAME)
        } else {
            nudge.warp.apply_crop(&canvas, FRAME_AT, FRAME)
        };
        // Auto-exposure breathes a little from frame to frame, and now and then the hand moves
        // fast enough to blur the frame.
        self.tone(nudge, rng.random_range(0.96..=1.04f32)).apply(&mut frame);
        if rng.random_bool(0.3) {
            frame = blur(&frame, rng.random_range(0.5..=1.5));
        }
        sensor_noise(&mut frame, 2.0, rng);
        frame
    }

    /// The whole canvas with the object at `pose` (see [`shoot`](Self::shoot)), before the
    /// camera's move, light and noise.
    fn canvas(&self, camera: Option<&mut DemoCamera>, room: &RgbImage, pose: (f32, f32, f32, f32)) -> RgbImage {
        let (dx, dy, tilt, height) = pose;
        match camera {
            Some(cam) => {
                // DemoPose units: x·0.36·width and y·0.30·height from the centre; the toy is
                // 0.42·height·scale tall (see `camera::demo`).
                let (cw, ch) = (CANVAS.0 as f32, CANVAS.1 as f32);
                cam.render(DemoPose {
                    x: dx / (0.36 * cw),
                    y: dy / (0.30 * ch),
                    tilt_deg: tilt,
                    scale: height * FRAME.1 as f32 / (0.42 * ch),
                })
            }
            None => {
                let mut canvas = room.clone();
                if let Some((_, obj)) = self.props.objects.get(self.object) {
                    let c = (CANVAS.0 as f32 * 0.5 + dx, CANVAS.1 as f32 * 0.5 + dy);
                    paste(&mut canvas, obj, c, height * FRAME.1 as f32, tilt);
                }
                canvas
            }
        }
    }

    /// The frame's light: the scene's, changed by `nudge` and scaled by the auto-exposure.
    fn tone(&self, nudge: &Nudge, exposure: f32) -> Tone {
        let mut gain = self.light.gain;
        for (g, n) in gain.iter_mut().zip(nudge.tone.gain) {
            *g *= n * exposure;
        }
        Tone { gain, contrast: self.light.contrast }
    }
}

/// Where the frame lies in the canvas (its top-left corner): in the middle.
const FRAME_AT: (u32, u32) = ((CANVAS.0 - FRAME.0) / 2, (CANVAS.1 - FRAME.1) / 2);

/// The `size` rectangle of `img` at `at`, clipped to it. Row by row, because `image`'s
/// `crop_imm(..).to_image()` copies pixel by pixel (6 % of `bench-play`'s time).
fn crop_rows(img: &RgbImage, (x, y): (u32, u32), size: (u32, u32)) -> RgbImage {
    let (w, h) = img.dimensions();
    let (x, y) = (x.min(w), y.min(h));
    let (cw, ch) = (size.0.min(w - x), size.1.min(h - y));
    let (stride, from, len) = (3 * w as usize, 3 * x as usize, 3 * cw as usize);
    let mut raw = Vec::with_capacity(len * ch as usize);
    for row in img.as_raw().chunks_exact(stride.max(1)).skip(y as usize).take(ch as usize) {
        raw.extend_from_slice(row.get(from..from + len).unwrap_or_default());
    }
    RgbImage::from_raw(cw, ch, raw).unwrap_or_default()
}

/// Builds the set for `kind` × `task` × `seed`. Seeds cycle through the objects (photo scenes)
/// and the rooms (the demo toy films its own wall on even seeds), and draw the light, the
/// hands and the nudges.
///
/// # Errors
/// Only if the demo camera refused its (constant) settings.
pub fn build(kind: SceneKind, task: Task, seed: u64, size: SetSize, props: &Props) -> Result<FewShotSet, SetError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xfe57_0000 ^ ((task as u64) << 8) ^ ((kind as u64) << 12));
    let object = (seed as usize) % props.objects.len().max(1);
    let light = Tone { gain: [0; 3].map(|_| rng.random_range(0.92..=1.08f32)), contrast: rng.random_range(0.9..=1.1) };
    let stage = Stage { kind, props, object, light, seed };
    let avoid = stage.object_name().to_owned();
    let room = match kind {
        SceneKind::Demo if seed.is_multiple_of(2) => {
            DemoCamera::default_background(Resolution::new(CANVAS.0, CANVAS.1))
        }
        _ => props.room(&avoid, &mut rng),
    };
    let classes = task.classes();
    let (mut train, mut same, mut nudged) = (Vec::new(), Vec::new(), Vec::new());
    let mut camera = stage.camera(&room)?;
    for label in 0..classes.len() {
        let hand = Hand::new(&mut rng);
        let n = size.train + size.same;
        // The first frames of the burst are the training frames; the test frames come later in
        // the same recording, as a player's frames come after the recording.
        let is_train: Vec<bool> = (0..n).map(|i| i < size.train).collect();
        for (i, &for_training) in is_train.iter().enumerate() {
            let pose = frame_pose(task, label, &hand, i as f32 / n.max(1) as f32);
            let shot = Shot { label, frame: stage.shoot(camera.as_mut(), &room, pose, &Nudge::NONE, &mut rng) };
            if for_training { train.push(shot) } else { same.push(shot) }
        }
    }
    for session in 0..size.nudges {
        let nudge = Nudge::draw(&mut rng);
        let new_room =
            if session % 3 == 2 { props.room(&avoid, &mut rng) } else { props.changed(&room, &avoid, &mut rng) };
        let mut camera = stage.camera(&new_room)?;
        for label in 0..classes.len() {
            let hand = Hand::new(&mut rng);
            for i in 0..size.nudged {
                let pose = frame_pose(task, label, &hand, i as f32 / size.nudged.max(1) as f32);
                nudged.push(Shot { label, frame: stage.shoot(camera.as_mut(), &new_room, pose, &nudge, &mut rng) });
            }
        }
    }
    Ok(FewShotSet { classes, train, same, nudged })
}

fn frame_pose(task: Task, label: usize, hand: &Hand, t: f32) -> (f32, f32, f32, f32) {
    let (x, y, tilt, height) = task.pose(label);
    let (hx, hy, ht, hs) = hand.at(t);
    (x + hx, y + hy, tilt + ht, height * hs)
}

/// Gaussian sensor noise of `sigma` grey levels (Box–Muller), drawn as the sets were first
/// drawn. The views' own noise (`augment::add_noise`) is cheaper and draws other numbers; the
/// sets keep this one so that every published table stays comparable with the next run.
fn sensor_noise(img: &mut RgbImage, sigma: f32, rng: &mut ChaCha8Rng) {
    let raw: &mut [u8] = img;
    for v in raw.iter_mut() {
        let u: f32 = rng.random::<f32>().max(1e-7);
        let w: f32 = rng.random();
        let z = (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * w).cos();
        *v = (f32::from(*v) + sigma * z + 0.5).clamp(0.0, 255.0) as u8;
    }
}

/// Which camera a filmed session has (`pacnet bench-play`): the one the examples were recorded
/// with, or one nudged as the sets' nudge sessions are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Session {
    /// The recording's camera, room and light.
    Recording,
    /// The camera moved and the light changed, and a patch of another room appeared behind
    /// the toy (the sets' nudge sessions 1 and 2 of 3).
    Nudged,
    /// The camera moved, the light changed and the toy is in another room altogether (the
    /// sets' third nudge session).
    NewRoom,
}

impl Session {
    /// Every session, in order of difficulty.
    pub const ALL: [Self; 3] = [Self::Recording, Self::Nudged, Self::NewRoom];

    /// Short name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Recording => "same",
            Self::Nudged => "nudged",
            Self::NewRoom => "new-room",
        }
    }
}
