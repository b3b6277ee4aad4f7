//! The `pacnet-features` thread: every new camera frame goes through the backbone here, never
//! on the UI thread.
//!
//! Per frame: crop and resize to the network's input (what it "sees"), normalise, run the
//! backbone up to the chosen cut, and then
//! - while a record button is held, send the features and the input image as an example, at
//!   the chosen rate (paced by the frames' own timestamps, so a slow machine records fewer
//!   examples rather than duplicates);
//! - with a trained head, predict, smooth and decide a direction, and put it in the steering
//!   slot the game thread reads;
//! - when the learn panel is open, also keep one layer's activations as an [`Atlas`] and, twice
//!   a second, MobileNet's own top-5 guesses.
//!
//! The latest results go into single slots (a slow UI sees the newest, never a backlog);
//! examples and errors go through a channel, since none may be lost. The loop ends when the
//! command channel closes (the UI dropped its sender) or the camera stops for good.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::Duration;

use image::RgbImage;

use crate::backbone::{Backbone, Crop, Guess};
use crate::camera::{Clock, FrameReader, RateMeter, Resolution};
use crate::learn::{ExampleMap, Features, Head, MapPoint, Thumbnail};

use super::activation_atlas::{Atlas, atlas};
use super::history::{HistoryHandle, PlayFrame, SPAN};
use super::meters::Ema;
use super::pipeline::FramePipeline;
pub use super::pipeline::LivePrediction;
use super::sink::{GameSink, GameSteer, SteerSink};
use super::steer::SteerSettings;
use super::{Repaint, Slot};

/// How many channels one activation view shows at most (an 8 × 8 grid).
pub const MAX_CHANNELS: usize = 64;
/// How often the activation view is refreshed.
const VIEW_PERIOD: Duration = Duration::from_millis(100);
/// How often MobileNet's own top-5 is computed (a whole extra forward pass).
const TOP5_PERIOD: Duration = Duration::from_millis(500);
/// Side of the small copy of a recorded example that the sample grid shows.
pub const PREVIEW_SIDE: u32 = 64;

/// Recording while a class button is held.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RecordRequest {
    /// Index of the class being recorded.
    pub class: usize,
    /// Identifies this press, so the whole burst can be undone.
    pub burst: u64,
    /// Examples per second (at most one per camera frame).
    pub per_second: f32,
}

/// What the learn panel wants to see.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ViewRequest {
    /// Cut index whose activations to show; `None` when the panel is closed.
    pub layer: Option<usize>,
    /// First channel shown.
    pub first_channel: usize,
    /// Whether to compute MobileNet's top-5.
    pub top5: bool,
}

/// Orders for the worker.
pub enum FeatureCmd {
    /// Extract features at this cut from now on.
    SetCut(usize),
    /// Predict with this head (or stop predicting), with the features of the examples it was
    /// trained on: the steering's familiarity reference ([`crate::learn::Familiarity`], built
    /// here rather than on the UI thread: one pass of the head per example).
    SetHead(Option<Head>, Vec<crate::learn::Features>),
    /// Start or stop recording.
    Record(Option<RecordRequest>),
    /// Threshold and smoothing.
    Steer(SteerSettings),
    /// The learn panel's needs.
    View(ViewRequest),
    /// How the frame is cropped to a square.
    Crop(Crop),
    /// Where decisions go from now on (the previous sink is stopped first); `None`: back to
    /// the built-in game.
    Sink(Option<Box<dyn SteerSink>>),
    /// A second sink that sees every decision too (the key tester, which sends nothing, so it
    /// runs beside the game or the keys); `None` ends it.
    Tester(Option<Box<dyn SteerSink>>),
    /// Place every frame on this feature map (the learn panel's map is open), or stop.
    Map(Option<Arc<ExampleMap>>),
    /// Keep the history of play (the game is shown); off, frames are kept only while keys
    /// go to another window.
    History(bool),
}

/// One recorded example.
pub struct Recorded {
    /// Class index.
    pub class: usize,
    /// The press it belongs to.
    pub burst: u64,
    /// The cut the features come from.
    pub cut: usize,
    /// Backbone activation at `cut`, CHW, packed for the dataset.
    pub features: Features,
    /// The network's input image, JPEG-encoded here rather than on the UI thread.
    pub thumbnail: Thumbnail,
    /// A small copy of the input for the sample grid, so the UI need not decode the JPEG.
    pub preview: RgbImage,
}

/// What the worker reports through its channel.
pub enum FeatureEvent {
    /// A recorded example.
    Example(Box<Recorded>),
    /// Something failed for a frame (said once until it changes).
    Error(String),
    /// A steering sink other than the game stopped on its own (Esc, the display went away);
    /// decisions go to the game again.
    SinkStopped(String),
}

/// The newest per-frame results.
#[derive(Clone, Debug)]
pub struct LiveStatus {
    /// Camera frame number these results are for.
    pub seq: u64,
    /// Cut the features came from.
    pub cut: usize,
    /// The head's verdict, when there is a head.
    pub prediction: Option<LivePrediction>,
    /// Frames processed per second.
    pub rate: f32,
    /// Time from picking up a frame to publishing its results, milliseconds (smoothed).
    pub pipeline_ms: f32,
    /// Where the frame lands on the feature map, while one is open at this cut.
    pub map_point: Option<MapPoint>,
}

/// One layer's activations and MobileNet's guesses for the learn panel.
#[derive(Clone, Debug)]
pub struct LayerView {
    /// Cut index shown.
    pub layer: usize,
    /// Its channels as pictures.
    pub atlas: Atlas,
    /// The input image the network saw.
    pub input: RgbImage,
    /// MobileNet's own top-5 (the latest computed; may be a few frames old).
    pub top5: Vec<Guess>,
}

/// The running worker.
pub struct FeatureWorker {
    tx: Option<Sender<FeatureCmd>>,
    events: Receiver<FeatureEvent>,
    live: Slot<LiveStatus>,
    view: Slot<LayerView>,
    history: HistoryHandle,
    thread: Option<JoinHandle<()>>,
}

/// Where the worker starts.
pub struct FeatureSetup {
    /// The cut to extract at.
    pub cut: usize,
    /// The crop.
    pub crop: Crop,
    /// Steering settings.
    pub steer: SteerSettings,
}

impl FeatureWorker {
    /// The thread's name.
    pub const THREAD_NAME: &'static str = "pacnet-features";

    /// Starts the worker on `reader`'s frames. `steer` is the slot the game thread reads.
    ///
    /// # Errors
    /// When the operating system refuses a thread.
    pub fn start(
        backbone: Arc<Backbone>,
        reader: FrameReader,
        setup: FeatureSetup,
        steer: Slot<GameSteer>,
        clock: Arc<dyn Clock>,
        repaint: Repaint,
    ) -> std::io::Result<Self> {
        let (tx, rx) = channel();
        let (etx, events) = channel();
        let live = Slot::default();
        let view = Slot::default();
        let history = HistoryHandle::new(SPAN);
        let out =
            Outputs { steer, live: live.clone(), view: view.clone(), history: history.clone(), events: etx, repaint };
        let mut state = State::new(backbone, setup, clock, out);
        let thread =
            std::thread::Builder::new().name(Self::THREAD_NAME.into()).spawn(move || state.run(&reader, &rx))?;
        Ok(Self { tx: Some(tx), events, live, view, history, thread: Some(thread) })
    }

    /// Sends an order; ignored if the worker has ended (its error was reported already).
    pub fn send(&self, cmd: FeatureCmd) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(cmd);
        }
    }

    /// The next event if one is waiting (never blocks).
    pub fn try_recv(&self) -> Option<FeatureEvent> {
        self.events.try_recv().ok()
    }

    /// The newest per-frame results.
    pub fn live(&self) -> Option<Arc<LiveStatus>> {
        self.live.get()
    }

    /// The newest layer view.
    pub fn view(&self) -> &Slot<LayerView> {
        &self.view
    }

    /// The last 30 s of play (frames, predictions, what the game was given), for the
    /// Fix-mistakes view: see [`super::history`].
    pub fn history(&self) -> &HistoryHandle {
        &self.history
    }

    /// Whether the thread has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl Drop for FeatureWorker {
    fn drop(&mut self) {
        // Closing the channel ends the loop within one frame wait (100 ms at most).
        self.tx = None;
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            tracing::error!("the feature thread panicked");
        }
    }
}

/// Everything the thread owns.
struct State {
    bb: Arc<Backbone>,
    pipeline: FramePipeline,
    record: Option<RecordRequest>,
    /// Frame timestamp of the last recorded example.
    last_record: Option<Duration>,
    view_req: ViewRequest,
    last_view: Option<Duration>,
    last_top5: Option<Duration>,
    top5: Vec<Guess>,
    rate: RateMeter,
    pipeline_ms: Ema,
    last_error: Option<String>,
    /// The built-in game's sink, used whenever no other sink is set.
    game_sink: GameSink,
    other_sink: Option<Box<dyn SteerSink>>,
    tester: Option<Box<dyn SteerSink>>,
    map: Option<Arc<ExampleMap>>,
    clock: Arc<dyn Clock>,
    live: Slot<LiveStatus>,
    view: Slot<LayerView>,
    history: HistoryHandle,
    /// Whether the history of play is kept (the game is shown).
    keep_history: bool,
    events: Sender<FeatureEvent>,
    repaint: Repaint,
}

/// Where the thread's results go.
struct Outputs {
    steer: Slot<GameSteer>,
    live: Slot<LiveStatus>,
    view: Slot<LayerView>,
    history: HistoryHandle,
    events: Sender<FeatureEvent>,
    repaint: Repaint,
}

impl State {
    fn new(bb: Arc<Backbone>, setup: FeatureSetup, clock: Arc<dyn Clock>, out: Outputs) -> Self {
        Self {
            pipeline: FramePipeline::new(&bb, setup.cut, setup.crop, setup.steer),
            bb,
            record: None,
            last_record: None,
            view_req: ViewRequest::default(),
            last_view: None,
            last_top5: None,
            top5: Vec::new(),
            rate: RateMeter::over(Duration::from_secs(2)),
            pipeline_ms: Ema::default(),
            last_error: None,
            game_sink: GameSink::new(out.steer),
            other_sink: None,
            tester: None,
            map: None,
            clock,
            live: out.live,
            view: out.view,
            history: out.history,
            keep_history: true,
            events: out.events,
            repaint: out.repaint,
        }
    }

    fn sink(&mut self) -> &mut dyn SteerSink {
        match &mut self.other_sink {
            Some(s) => s.as_mut(),
            None => &mut self.game_sink,
        }
    }

    fn decide(&mut self, decision: Option<&super::sink::SteerDecision>) {
        self.sink().decide(decision);
        if let Some(t) = &mut self.tester {
            t.decide(decision);
        }
    }

    fn run(&mut self, reader: &FrameReader, rx: &Receiver<FeatureCmd>) {
        let mut seq = 0;
        loop {
            loop {
                match rx.try_recv() {
                    Ok(cmd) => self.apply(cmd),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.sink().stop();
                        if let Some(t) = &mut self.tester {
                            t.stop();
                        }
                        return;
                    }
                }
            }
            self.poll_sink();
            let Some(frame) = reader.wait_newer(seq, Duration::from_millis(100)) else {
                if reader.is_stopped() {
                    // `wait_newer` returns at once on a stopped capture: don't spin.
                    std::thread::sleep(Duration::from_millis(100));
                }
                continue;
            };
            seq = frame.seq;
            let picked = self.clock.now();
            if let Err(e) = self.pipeline.prepare(&self.bb, &frame.image) {
                self.error(format!("could not prepare the camera frame: {e}"));
                continue;
            }
            self.process(frame.seq, frame.timestamp, picked);
            (self.repaint)();
        }
    }

    /// Lets a sink other than the game notice Esc (or a lost display) between frames.
    fn poll_sink(&mut self) {
        if let Some(sink) = &mut self.other_sink
            && let Some(reason) = sink.poll()
        {
            sink.stop();
            self.other_sink = None;
            let _ = self.events.send(FeatureEvent::SinkStopped(reason));
            (self.repaint)();
        }
    }

    fn apply(&mut self, cmd: FeatureCmd) {
        match cmd {
            FeatureCmd::SetCut(cut) => self.pipeline.set_cut(cut),
            FeatureCmd::SetHead(head, examples) => {
                let none = head.is_none();
                // Without a reference the familiarity checks are off; steering goes on.
                let familiarity =
                    head.as_ref().and_then(|h| crate::learn::Familiarity::of_examples(h, &examples).ok().flatten());
                self.pipeline.set_head(head);
                self.pipeline.set_familiarity(familiarity.map(std::sync::Arc::new));
                self.history.clear();
                if none {
                    self.decide(None);
                }
            }
            FeatureCmd::Record(r) => {
                if r.map(|r| r.burst) != self.record.map(|r| r.burst) {
                    self.last_record = None;
                }
                self.record = r;
            }
            FeatureCmd::Steer(s) => self.pipeline.set_settings(s),
            FeatureCmd::View(v) => {
                if v.layer.is_none() {
                    self.view.clear();
                }
                self.view_req = v;
            }
            FeatureCmd::Crop(c) => self.pipeline.set_crop(c),
            FeatureCmd::Sink(sink) => {
                self.sink().stop();
                self.other_sink = sink;
            }
            FeatureCmd::Tester(tester) => {
                if let Some(old) = &mut self.tester {
                    old.stop();
                }
                self.tester = tester;
            }
            FeatureCmd::Map(map) => self.map = map,
            FeatureCmd::History(on) => self.keep_history = on,
        }
    }

    fn error(&mut self, message: String) {
        if self.last_error.as_deref() != Some(message.as_str()) {
            tracing::warn!("features: {message}");
            let _ = self.events.send(FeatureEvent::Error(message.clone()));
            self.last_error = Some(message);
        }
    }

    fn process(&mut self, seq: u64, timestamp: Duration, picked: Duration) {
        let now = self.clock.now();
        let cuts = self.bb.cuts().len();
        let view_layer = self
            .view_req
            .layer
            .filter(|&l| l < cuts && self.last_view.is_none_or(|t| now.saturating_sub(t) >= VIEW_PERIOD));
        let cut = self.pipeline.cut().min(cuts.saturating_sub(1));
        let stop = view_layer.map_or(cut, |l| l.max(cut));
        let mut activation = Vec::new();
        let bb = Arc::clone(&self.bb);
        let wants = |i: usize| Some(i) == view_layer;
        let run = self.pipeline.run(&bb, stop, &wants, &mut |i, values| {
            if Some(i) == view_layer {
                activation.extend_from_slice(values);
            }
        });
        if let Err(e) = run {
            self.error(format!("the backbone failed on a frame: {e}"));
            return;
        }
        self.record_example(cut, timestamp);
        let prediction = match self.pipeline.predict(timestamp) {
            Ok(p) => p,
            Err(e) => {
                self.error(format!("the head failed to predict: {e}"));
                None
            }
        };
        let decision = prediction.as_ref().map(|p| super::sink::SteerDecision {
            at: picked,
            class: p.best_class().to_owned(),
            confidence: p.decision.confidence,
            dir: p.decision.dir,
            steering: p.steering(),
        });
        self.decide(decision.as_ref());
        if let Some(p) = &prediction {
            self.keep(seq, timestamp, p);
        }
        if let Some(layer) = view_layer {
            self.publish_view(layer, &activation, now);
        }
        let done = self.clock.now();
        self.rate.tick(done);
        self.pipeline_ms.push(done.saturating_sub(picked).as_secs_f32() * 1000.0);
        let map_point = self
            .map
            .as_ref()
            .filter(|m| m.cut == cut)
            .and_then(|m| m.place(self.pipeline.features(), self.pipeline.head()));
        let live = LiveStatus {
            seq,
            cut,
            prediction,
            rate: self.rate.rate(done),
            pipeline_ms: self.pipeline_ms.get().unwrap_or(0.0),
            map_point,
        };
        self.live.put(live);
    }

    /// Adds the frame to the history of play: one JPEG encode of the 224² input, after the
    /// decision was sent (so it adds no steering latency). It costs 1.9 ms, 2.7× the forward
    /// pass to conv_pw_13 (0.71 ms): `cargo bench --bench backbone -- history_thumbnail
    /// mobilenet_v1_025_conv_pw_13`, medians of one run. So frames are kept at most 15 a
    /// second, and only while the game is shown or keys go elsewhere.
    fn keep(&mut self, seq: u64, at: Duration, p: &LivePrediction) {
        if !(self.keep_history || self.other_sink.is_some()) || !self.history.due(at) {
            return;
        }
        match Thumbnail::encode(self.pipeline.input()) {
            Ok(thumbnail) => {
                let frame = PlayFrame {
                    seq,
                    at,
                    thumbnail,
                    probs: p.probs.clone(),
                    best: p.decision.best,
                    given: p.decision.dir,
                };
                self.history.push(&p.classes, frame);
            }
            Err(e) => self.error(format!("could not keep the frame for \"fix mistakes\": {e}")),
        }
    }

    fn record_example(&mut self, cut: usize, timestamp: Duration) {
        let Some(req) = self.record else { return };
        let period = Duration::from_secs_f32(1.0 / req.per_second.clamp(0.1, 120.0));
        // A timestamp going backwards means the camera restarted its clock (a new source).
        let due = self
            .last_record
            .is_none_or(|last| timestamp < last || timestamp - last + Duration::from_millis(2) >= period);
        if !due {
            return;
        }
        self.last_record = Some(timestamp);
        let input = self.pipeline.input();
        let packed = Features::from_f32(self.pipeline.features())
            .map_err(|e| e.to_string())
            .and_then(|f| Thumbnail::encode(input).map(|t| (f, t)).map_err(|e| e.to_string()));
        let (features, thumbnail) = match packed {
            Ok(p) => p,
            Err(e) => {
                self.error(format!("could not keep an example: {e}"));
                return;
            }
        };
        let side = PREVIEW_SIDE;
        let preview = crate::camera::resize(input, Resolution::new(side, side)).unwrap_or_else(|_| input.clone());
        let example = Recorded { class: req.class, burst: req.burst, cut, features, thumbnail, preview };
        let _ = self.events.send(FeatureEvent::Example(Box::new(example)));
    }

    fn publish_view(&mut self, layer: usize, activation: &[f32], now: Duration) {
        self.last_view = Some(now);
        if self.view_req.top5 && self.last_top5.is_none_or(|t| now.saturating_sub(t) >= TOP5_PERIOD) {
            self.last_top5 = Some(now);
            match self.bb.head_outputs_chw(self.pipeline.chw()) {
                Ok(out) => self.top5 = self.bb.top_k(&out.probs, 5),
                Err(e) => self.error(format!("MobileNet's classifier failed: {e}")),
            }
        }
        let Some(shape) = self.bb.cuts().get(layer).map(|c| c.shape) else { return };
        let first = self.view_req.first_channel.min(shape[0].saturating_sub(1));
        if let Some(atlas) = atlas(activation, shape, first, MAX_CHANNELS, 1) {
            let input = self.pipeline.input().clone();
            self.view.put(LayerView { layer, atlas, input, top5: self.top5.clone() });
        }
    }
}
