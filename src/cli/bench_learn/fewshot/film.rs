//! [`Film`]: the few-shot sets' demo scenes as continuous video, for `pacnet bench-play`.

use image::RgbImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{CANVAS, FRAME, FRAME_AT, Nudge, Props, SceneKind, Session, SetError, Stage, crop_rows};
use crate::camera::{DemoCamera, Resolution};
use crate::learn::augment::{Tone, Warp, add_noise, blur};

/// Columns kept on each side of the frame's centre square: the network's resize (bilinear,
/// 480 → 224 pixels) reads up to 3 past its crop, and the blur (σ ≤ 1.5, radius ≤ 3) is
/// mirrored at the kept part's edge instead of reading the frame beyond it: 3 + 3, and 2 to
/// spare.
const MARGIN: u32 = 8;

/// The demo toy filmed continuously, as a scripted player moves it (`pacnet bench-play`):
/// the sets' rooms, light, nudges, exposure breathing, blur and σ = 2 sensor noise, one frame
/// per call at any pose.
///
/// Shortcuts keep a minute of 30 fps video affordable, none changing what the network sees:
/// - a nudged camera's move is applied to the room once and to the toy's pose per frame (the
///   sets warp every rendered frame, which resamples the toy too: 5 ms a frame);
/// - the sensor noise (σ = 2 grey levels, rounded to whole levels) is read at a random offset
///   from a table drawn once, three frames long, instead of drawn afresh for each of a frame's
///   921,600 values (3 ms a frame);
/// - only the frame's centre square, which the app's `Crop::CenterSquare` gives the network,
///   and a margin are toned, blurred, noised and returned (the sides were 25 % of the work);
/// - the contrast turns about the frame's exact mean grey (an integer sum, which vectorises)
///   instead of the sets' running f32 sum (14 % of the time, and off past 2^24).
pub struct Film<'a> {
    stage: Stage<'a>,
    room: RgbImage,
    camera: Option<DemoCamera>,
    warp: Warp,
    /// The nudge's change of light (its move is in `warp`).
    light: Nudge,
    /// Sensor noise, grey levels.
    noise: Vec<i8>,
}

impl<'a> Film<'a> {
    /// The toy in `session` of `seed`. A seed's sessions share the recording's room and light
    /// (the demo wall on even seeds, a room from the photos on odd ones); the nudged ones add
    /// their own nudge and change of background.
    ///
    /// # Errors
    /// Only if the demo camera refused its (constant) settings.
    pub fn new(props: &'a Props, seed: u64, session: Session) -> Result<Self, SetError> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xf11b_0000);
        let light =
            Tone { gain: [0; 3].map(|_| rng.random_range(0.92..=1.08f32)), contrast: rng.random_range(0.9..=1.1) };
        let stage = Stage { kind: SceneKind::Demo, props, object: 0, light, seed };
        let recording_room = if seed.is_multiple_of(2) {
            DemoCamera::default_background(Resolution::new(CANVAS.0, CANVAS.1))
        } else {
            props.room("", &mut rng)
        };
        let mut moved = ChaCha8Rng::seed_from_u64(seed ^ 0xf11b_0000 ^ ((session as u64 + 1) << 16));
        let (room, nudge) = match session {
            Session::Recording => (recording_room, Nudge::NONE),
            Session::Nudged => {
                let nudge = Nudge::draw(&mut moved);
                (props.changed(&recording_room, "", &mut moved), nudge)
            }
            Session::NewRoom => {
                let nudge = Nudge::draw(&mut moved);
                (props.room("", &mut moved), nudge)
            }
        };
        let room = if nudge.warp == Warp::IDENTITY { room } else { nudge.warp.apply(&room) };
        let camera = stage.camera(&room)?;
        let light = Nudge { warp: Warp::IDENTITY, tone: nudge.tone };
        let mut draw = rand::rngs::SmallRng::seed_from_u64(seed ^ 0xf11b_5eed ^ ((session as u64) << 8));
        let mut table = RgbImage::from_pixel(FRAME.0, 3 * FRAME.1, image::Rgb([128; 3]));
        add_noise(&mut table, 2.0, &mut draw);
        let noise = table.as_raw().iter().map(|&v| (i16::from(v) - 128) as i8).collect();
        Ok(Self { stage, room, camera, warp: nudge.warp, light, noise })
    }

    /// The middle of one 640×480 frame of the toy at `pose` (as [`Task::pose`](super::Task::pose)
    /// gives them: offset from the centre in frame pixels, tilt in degrees, height as a
    /// fraction of the frame): its centre square and [`MARGIN`] columns each side, 496×480.
    /// `rng` draws the exposure, the blur and the noise's offset.
    pub fn shoot(&mut self, pose: (f32, f32, f32, f32), rng: &mut ChaCha8Rng) -> RgbImage {
        let pose = moved_pose(&self.warp, pose);
        let canvas = self.stage.canvas(self.camera.as_mut(), &self.room, pose);
        let side = FRAME.0.min(FRAME.1);
        let left = ((FRAME.0 - side) / 2).saturating_sub(MARGIN);
        let width = (side + 2 * MARGIN).min(FRAME.0);
        let mean = mean_grey(&canvas, FRAME_AT, FRAME);
        let mut frame = crop_rows(&canvas, (FRAME_AT.0 + left, FRAME_AT.1), (width, FRAME.1));
        self.stage.tone(&self.light, rng.random_range(0.96..=1.04f32)).apply_about(&mut frame, mean);
        if rng.random_bool(0.3) {
            frame = blur(&frame, rng.random_range(0.5..=1.5));
        }
        // Each pixel gets the noise it would get in the whole frame.
        let whole = 3 * (FRAME.0 * FRAME.1) as usize;
        let offset = rng.random_range(0..=self.noise.len().saturating_sub(whole));
        let noise = self.noise.get(offset..).unwrap_or_default();
        let (stride, from) = (3 * FRAME.0 as usize, 3 * left as usize);
        for (y, row) in frame.chunks_exact_mut(3 * width as usize).enumerate() {
            for (v, &n) in row.iter_mut().zip(noise.get(y * stride + from..).unwrap_or_default()) {
                *v = v.saturating_add_signed(n);
            }
        }
        frame
    }
}

/// The mean grey level of the `size` rectangle of `img` at `at`, exactly.
fn mean_grey(img: &RgbImage, (x, y): (u32, u32), size: (u32, u32)) -> f32 {
    let stride = 3 * img.width() as usize;
    let (from, len) = (3 * x as usize, 3 * size.0 as usize);
    let rows = img.as_raw().chunks_exact(stride.max(1)).skip(y as usize).take(size.1 as usize);
    let (mut sum, mut count) = (0u64, 0u64);
    for row in rows {
        let part = row.get(from..from + len).unwrap_or_default();
        // Per row in u32 (at most 255 · 3 · width), which the compiler vectorises.
        sum += u64::from(part.iter().map(|&v| u32::from(v)).sum::<u32>());
        count += part.len() as u64;
    }
    (sum as f64 / count.max(1) as f64) as f32
}

/// Where `warp` (a camera move, applied about the canvas centre) puts an object held at
/// `pose`: its centre moves with the picture, its tilt turns by the rotation, its size scales.
fn moved_pose(warp: &Warp, (dx, dy, tilt, height): (f32, f32, f32, f32)) -> (f32, f32, f32, f32) {
    if *warp == Warp::IDENTITY {
        return (dx, dy, tilt, height);
    }
    // `Warp::apply` maps a picture point p to c + t + s·R(θ)·(p − c), R clockwise on screen.
    let (sin, cos) = warp.rotate_deg.to_radians().sin_cos();
    let (tx, ty) = (warp.dx * CANVAS.0 as f32, warp.dy * CANVAS.1 as f32);
    let s = warp.scale;
    (s * (cos * dx - sin * dy) + tx, s * (sin * dx + cos * dy) + ty, tilt + warp.rotate_deg, height * s)
}

#[cfg(test)]
mod tests {
    use super::super::{Photo, Task};
    use super::*;
    use crate::backbone::{Backbone, Crop};

    fn props() -> Props {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/models/golden/images");
        let photo = |name: &str| {
            let image = image::open(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")).to_rgba8();
            Photo { name: name.to_owned(), image }
        };
        Props::new(["burger.jpg", "dogs.jpg", "sparrow.png"].map(photo).to_vec()).unwrap()
    }

    /// The whole 640×480 frame, filmed as the sets film it, but with the same light, blur and
    /// noise draws as [`Film::shoot`] and about the same (exact) mean.
    fn whole(film: &mut Film<'_>, pose: (f32, f32, f32, f32), rng: &mut ChaCha8Rng) -> RgbImage {
        let canvas = film.stage.canvas(film.camera.as_mut(), &film.room, moved_pose(&film.warp, pose));
        let mean = mean_grey(&canvas, FRAME_AT, FRAME);
        let mut frame = crop_rows(&canvas, FRAME_AT, FRAME);
        film.stage.tone(&film.light, rng.random_range(0.96..=1.04f32)).apply_about(&mut frame, mean);
        if rng.random_bool(0.3) {
            frame = blur(&frame, rng.random_range(0.5..=1.5));
        }
        let offset = rng.random_range(0..=film.noise.len().saturating_sub(frame.len()));
        for (v, &n) in frame.iter_mut().zip(film.noise.get(offset..).unwrap_or_default()) {
            *v = v.saturating_add_signed(n);
        }
        frame
    }

    #[test]
    fn the_network_sees_of_the_middle_exactly_what_it_sees_of_the_whole_frame() {
        let props = props();
        let backbone = Backbone::builtin().unwrap();
        let pre = backbone.preprocess();
        for (seed, session) in [(0, Session::Recording), (1, Session::Nudged), (2, Session::NewRoom)] {
            let (mut a, mut b) = (Film::new(&props, seed, session).unwrap(), Film::new(&props, seed, session).unwrap());
            let (mut ra, mut rb) = (ChaCha8Rng::seed_from_u64(seed), ChaCha8Rng::seed_from_u64(seed));
            // 8 frames a seed: with blur in 3 frames of 10, 24 frames all unblurred is 0.02 %.
            for i in 0..8 {
                let pose = Task::Tilt.pose(i % 4);
                let (middle, frame) = (a.shoot(pose, &mut ra), whole(&mut b, pose, &mut rb));
                let width = 480 + 2 * MARGIN;
                assert_eq!(middle.dimensions(), (width, 480));
                // All but the 3 columns at each side that the blur mirrors.
                let centre = crop_rows(&frame, (80 - MARGIN + 3, 0), (width - 6, 480));
                let inner = crop_rows(&middle, (3, 0), (width - 6, 480));
                assert!(inner == centre, "seed {seed} frame {i}: the middle is not the whole frame's middle");
                let (seen, whole_seen) =
                    (pre.resize(&middle, Crop::CenterSquare).unwrap(), pre.resize(&frame, Crop::CenterSquare).unwrap());
                assert!(seen == whole_seen, "seed {seed} frame {i}: the network's input differs");
            }
        }
    }
}
