//! "Learn from play", below the UI: the last 30 seconds of play, frame by frame, with what the
//! head said and what the game was given, and the step that turns a stretch of it into
//! examples of the class it should have been.
//!
//! The feature worker pushes every predicted frame into a [`PlayHistory`] (a ring bounded by
//! time: frames older than [`SPAN`] before the newest fall out). Per frame it keeps the
//! network's input as the dataset keeps it — a JPEG [`Thumbnail`], ~8 KB at 224² — and the
//! prediction; not the features (25 KB at the default cut): a corrected stretch is re-run
//! through the backbone when it becomes examples, a few milliseconds per frame once, instead
//! of 25 KB per frame always. 30 s at 15 fps is about 4 MB (`pacnet bench-play` measures it).
//!
//! Frames are kept at most 15 a second ([`KEEP_EVERY`]) and only while the game is shown or
//! keys go to another window (the session tells the feature worker).
//!
//! The Fix-mistakes view (`ui::panels::fix_mistakes`) uses: [`HistoryHandle::snapshot`] when it
//! opens (a copy: the thumbnails are shared, not copied), the frames' `at`, `best`, `given`
//! and `thumbnail` for the timeline, and [`examples_from`] for the stretch the user selected
//! and the class they chose; the [`Recorded`] examples it returns go into the project as
//! recorded ones do (`Document::add`), and a background retrain follows.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use image::RgbImage;

use crate::camera::Resolution;
use crate::game::Dir;
use crate::learn::{Features, Featurizer, LearnError, Thumbnail};

use super::feature_worker::{PREVIEW_SIDE, Recorded};

/// How much play is kept.
pub const SPAN: Duration = Duration::from_secs(30);

/// At most one frame is kept per this long (15 a second): enough to pick a mistake from, and
/// half the JPEG encodes of a 30 fps camera (each costs more than the forward pass).
pub const KEEP_EVERY: Duration = Duration::from_nanos(1_000_000_000 / 15);

/// One frame of play.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayFrame {
    /// Camera frame number.
    pub seq: u64,
    /// Camera timestamp.
    pub at: Duration,
    /// The network's input (crop and resize of the frame), as the dataset stores examples.
    pub thumbnail: Thumbnail,
    /// The head's probabilities for this frame (its class order).
    pub probs: Vec<f32>,
    /// The class the steering saw as most likely (after smoothing).
    pub best: usize,
    /// What the game (or key sink) was given; `None`: keep going.
    pub given: Option<Dir>,
}

impl PlayFrame {
    /// Bytes this frame holds.
    #[must_use]
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.thumbnail.jpeg().len() + self.probs.len() * std::mem::size_of::<f32>()
    }
}

/// The last [`SPAN`] of play for one head.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlayHistory {
    classes: Vec<String>,
    frames: VecDeque<PlayFrame>,
    bytes: usize,
    span: Duration,
}

impl PlayHistory {
    /// An empty history keeping `span` of play.
    #[must_use]
    pub fn new(span: Duration) -> Self {
        Self { span, ..Self::default() }
    }

    /// Adds the newest frame for a head with `classes`. Frames older than the span before it
    /// fall out; a head with other classes, or a timestamp going back (a new camera), starts
    /// the history afresh.
    pub fn push(&mut self, classes: &[String], frame: PlayFrame) {
        let back = self.frames.back().is_some_and(|last| frame.at < last.at);
        if back || self.classes != classes {
            self.clear();
            self.classes = classes.to_vec();
        }
        self.bytes += frame.bytes();
        let newest = frame.at;
        self.frames.push_back(frame);
        while self.frames.front().is_some_and(|f| newest.saturating_sub(f.at) > self.span) {
            if let Some(old) = self.frames.pop_front() {
                self.bytes = self.bytes.saturating_sub(old.bytes());
            }
        }
    }

    /// Whether a frame taken at `at` is due to be kept: [`KEEP_EVERY`] after the newest kept
    /// one (with 2 ms of slack for camera jitter, so a 30 fps camera gives every other frame),
    /// or the history is empty, or time went back (a new camera).
    #[must_use]
    pub fn due(&self, at: Duration) -> bool {
        self.frames.back().is_none_or(|last| at < last.at || at - last.at + Duration::from_millis(2) >= KEEP_EVERY)
    }

    /// Forgets everything (a new head).
    pub fn clear(&mut self) {
        self.frames.clear();
        self.bytes = 0;
    }

    /// The frames, oldest first.
    #[must_use]
    pub fn frames(&self) -> &VecDeque<PlayFrame> {
        &self.frames
    }

    /// The head's classes the frames' `best` and `probs` refer to.
    #[must_use]
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Bytes held by the frames.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The frames taken from `from` to `to` (camera time, both included).
    pub fn stretch(&self, from: Duration, to: Duration) -> impl Iterator<Item = &PlayFrame> {
        self.frames.iter().filter(move |f| f.at >= from && f.at <= to)
    }
}

/// The history as the feature worker and the UI share it.
#[derive(Clone, Debug, Default)]
pub struct HistoryHandle {
    inner: Arc<Mutex<PlayHistory>>,
}

impl HistoryHandle {
    /// A shared history keeping `span` of play.
    #[must_use]
    pub fn new(span: Duration) -> Self {
        Self { inner: Arc::new(Mutex::new(PlayHistory::new(span))) }
    }

    /// Adds a frame (see [`PlayHistory::push`]).
    pub fn push(&self, classes: &[String], frame: PlayFrame) {
        self.lock().push(classes, frame);
    }

    /// Whether a frame taken at `at` is due to be kept (see [`PlayHistory::due`]).
    #[must_use]
    pub fn due(&self, at: Duration) -> bool {
        self.lock().due(at)
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// A copy of the history as it is now (thumbnails are shared, not copied).
    #[must_use]
    pub fn snapshot(&self) -> PlayHistory {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PlayHistory> {
        // Frames are pushed whole: a panic elsewhere cannot leave one half-written.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The frames of `stretch` as examples of `class` in press `burst`: each thumbnail goes
/// through `featurizer` (the project's backbone, cut and crop) again, as a recorded frame
/// did, so the examples are exactly what recording them would have given.
///
/// # Errors
/// A thumbnail that does not decode or a failing backbone, naming the frame.
pub fn examples_from<'a>(
    stretch: impl IntoIterator<Item = &'a PlayFrame>,
    class: usize,
    burst: u64,
    featurizer: &Featurizer<'_>,
) -> Result<Vec<Recorded>, LearnError> {
    let mut ex = featurizer.extractor();
    stretch
        .into_iter()
        .map(|f| {
            let input = f.thumbnail.decode()?;
            let features = Features::from_f32(&featurizer.input_with(&mut ex, &input)?)?;
            let preview = preview(&input);
            Ok(Recorded { class, burst, cut: featurizer.cut(), features, thumbnail: f.thumbnail.clone(), preview })
        })
        .collect()
}

fn preview(input: &RgbImage) -> RgbImage {
    let side = Resolution::new(PREVIEW_SIDE, PREVIEW_SIDE);
    crate::camera::resize(input, side).unwrap_or_else(|_| input.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(ms: u64, best: usize) -> PlayFrame {
        let img = RgbImage::from_pixel(8, 8, image::Rgb([best as u8 * 60, 0, 0]));
        PlayFrame {
            seq: ms,
            at: Duration::from_millis(ms),
            thumbnail: Thumbnail::encode(&img).unwrap_or_else(|_| Thumbnail::from_jpeg(Vec::new())),
            probs: vec![0.25; 4],
            best,
            given: None,
        }
    }

    fn classes() -> Vec<String> {
        ["up", "down", "left", "right"].map(String::from).to_vec()
    }

    #[test]
    fn the_ring_keeps_the_span_and_counts_its_bytes() {
        let mut h = PlayHistory::new(Duration::from_millis(1000));
        for i in 0..100 {
            h.push(&classes(), frame(i * 33, 0));
        }
        let (first, last) = (h.frames().front().map(|f| f.at), h.frames().back().map(|f| f.at));
        assert_eq!(last, Some(Duration::from_millis(99 * 33)));
        assert!(first.is_some_and(|f| f >= Duration::from_millis(99 * 33 - 1000)), "{first:?}");
        assert_eq!(h.frames().len(), 31, "1 s at 30 fps, both ends");
        assert_eq!(h.bytes(), h.frames().iter().map(PlayFrame::bytes).sum::<usize>());
        assert_eq!(h.stretch(Duration::from_millis(3000), Duration::from_millis(3100)).count(), 3, "3003, 3036, 3069");
    }

    #[test]
    fn a_selected_stretch_becomes_examples_of_the_chosen_class() {
        let backbone = crate::backbone::Backbone::builtin().unwrap();
        let featurizer =
            Featurizer::new(&backbone, backbone.default_cut(), crate::backbone::Crop::CenterSquare).unwrap();
        let mut h = PlayHistory::new(SPAN);
        for i in 0..6u8 {
            // Frames the head read as `up` (class 0) that should have been `left` (class 2).
            let img = RgbImage::from_fn(224, 224, |x, y| image::Rgb([(x as u8).wrapping_mul(i + 1), y as u8, 40 * i]));
            let f = PlayFrame { thumbnail: Thumbnail::encode(&img).unwrap(), ..frame(u64::from(i) * 33, 0) };
            h.push(&classes(), f);
        }
        let stretch: Vec<&PlayFrame> = h.stretch(Duration::from_millis(30), Duration::from_millis(100)).collect();
        assert_eq!(stretch.len(), 3, "33, 66 and 99 ms");
        let got = examples_from(stretch.iter().copied(), 2, 7, &featurizer).unwrap();
        assert_eq!(got.len(), 3);
        let mut ex = featurizer.extractor();
        for (r, f) in got.iter().zip(&stretch) {
            assert_eq!((r.class, r.burst, r.cut), (2, 7, featurizer.cut()));
            assert_eq!(r.thumbnail, f.thumbnail, "the frame as it was kept");
            let want = featurizer.input_with(&mut ex, &f.thumbnail.decode().unwrap()).unwrap();
            assert_eq!(r.features, Features::from_f32(&want).unwrap(), "as recording it would have given");
            assert_eq!(r.preview.dimensions(), (PREVIEW_SIDE, PREVIEW_SIDE));
        }
    }

    #[test]
    fn frames_are_due_at_most_fifteen_a_second() {
        let mut h = PlayHistory::new(SPAN);
        let mut kept = 0;
        for i in 0..30u64 {
            // A 30 fps camera: 33.3 ms apart.
            let at = Duration::from_nanos(i * 1_000_000_000 / 30);
            if h.due(at) {
                h.push(&classes(), PlayFrame { at, ..frame(0, 0) });
                kept += 1;
            }
        }
        assert_eq!(kept, 15, "every other frame of a second at 30 fps");
        assert!(h.due(Duration::ZERO), "time went back: a new camera is due at once");
    }

    #[test]
    fn another_head_or_a_new_camera_starts_afresh() {
        let mut h = PlayHistory::new(SPAN);
        h.push(&classes(), frame(100, 0));
        h.push(&classes(), frame(133, 1));
        h.push(&classes(), frame(50, 1));
        assert_eq!(h.frames().len(), 1, "time went back: a new camera");
        let other = ["a".to_owned(), "b".to_owned()];
        h.push(&other, frame(200, 1));
        assert_eq!((h.frames().len(), h.classes()), (1, &other[..]));
    }
}
