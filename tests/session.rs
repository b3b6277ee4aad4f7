//! The app's hard flows driven through the headless [`Session`] — no window, no egui: switching
//! the model while a class records, changing the cut while training, recovering the work of a
//! session that died, a model download that fails. The camera is the demo camera on the test's
//! own clock ([`SteppedClock`]); the network is the real built-in MobileNet V1 0.25.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pacnet::backbone::FetchOptions;
use pacnet::camera::{Clock, DemoCamera, DemoPose, SteppedClock};
use pacnet::live::session::{AUTOSAVE_EVERY, Command, Notice, Question, Session, SessionOptions, Settings};

use crate::util;

/// A session, the clock only the test moves, and every notice it handed out so far.
struct Run {
    s: Session,
    clock: Arc<SteppedClock>,
    notices: Vec<Notice>,
}

fn start(dir: &Path, settings: Settings, fetch: FetchOptions) -> Run {
    let clock = SteppedClock::shared();
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let options = SessionOptions {
        model: Some("builtin".into()),
        project: None,
        recovery_file: Some(recovery(dir)),
        clock: Some(dyn_clock),
        fetch,
        sound: false,
    };
    let s = Session::start(settings, options, Arc::new(|| {}));
    Run { s, clock, notices: Vec::new() }
}

fn recovery(dir: &Path) -> PathBuf {
    dir.join("recovery.pacnet")
}

/// Settings for short, deterministic training runs.
fn quick() -> Settings {
    let mut s = Settings::default();
    s.hyper.epochs = 4;
    s.hyper.views = 0;
    s
}

impl Run {
    fn apply(&mut self, cmd: Command) -> Vec<Notice> {
        let n = self.s.apply(cmd);
        self.notices.extend(n.iter().cloned());
        n
    }

    fn poll(&mut self) {
        let n = self.s.poll();
        self.notices.extend(n);
    }

    /// Polls until `cond` holds, for up to `secs` of real time (work on worker threads).
    fn settle(&mut self, secs: u64, what: &str, mut cond: impl FnMut(&Session) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            self.poll();
            if cond(&self.s) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out after {secs} s waiting for {what}; {:?}", self.lines());
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn ready(&mut self) {
        self.settle(120, "the model and the feature worker", |s| {
            s.document().is_some() && s.runtime().features().and_then(|f| f.live()).is_some()
        });
    }

    /// The newest camera frame and the newest frame the feature worker finished.
    fn seqs(s: &Session) -> (u64, u64) {
        let rt = s.runtime();
        let camera = rt.capture().and_then(pacnet::camera::Capture::latest).map_or(0, |f| f.seq);
        let worked = rt.features().and_then(|f| f.live()).map_or(0, |l| l.seq);
        (camera, worked)
    }

    /// One demo-camera frame period on the test's clock; waits until the camera made its frame
    /// and the feature worker finished it, so no frame is skipped.
    fn tick(&mut self) {
        let (before, _) = Self::seqs(&self.s);
        self.clock.advance(Duration::from_secs_f64(1.0 / f64::from(DemoCamera::DEFAULT_FPS)));
        if before > 0 {
            self.settle(30, "the next camera frame", |s| Self::seqs(s).0 > before);
            if self.s.runtime().features().is_some() {
                self.settle(30, "the feature worker to take the frame", |s| {
                    let (camera, worked) = Self::seqs(s);
                    worked >= camera
                });
            }
        }
        self.poll();
    }

    /// Holds the record button of `class` with the toy at (`x`, `y`) for `frames` frames.
    fn record(&mut self, class: &str, (x, y): (f32, f32), frames: usize) {
        self.s.runtime().demo().set_pose(DemoPose { x, y, ..DemoPose::CENTER });
        let c = self.class(class);
        let _ = self.apply(Command::Record(Some(c)));
        for _ in 0..frames {
            self.tick();
        }
        let _ = self.apply(Command::Record(None));
        // The last example's report may trail the frame it came from: a few frames more, with
        // nothing recording, let it in.
        for _ in 0..3 {
            self.tick();
        }
    }

    fn class(&self, name: &str) -> usize {
        self.s.document().and_then(|d| d.classes().iter().position(|c| c == name)).expect("the class exists")
    }

    fn count(&self, name: &str) -> usize {
        self.s.document().map_or(0, |d| d.count(self.class(name)))
    }

    fn shape(&self) -> [usize; 3] {
        self.s.document().map(|d| d.snapshot().dataset.source().shape).expect("a project")
    }

    fn lines(&self) -> Vec<String> {
        self.notices
            .iter()
            .filter_map(|n| match n {
                Notice::Info(l) | Notice::Error(l) => Some(l.clone()),
                _ => None,
            })
            .collect()
    }

    fn errors(&self) -> Vec<String> {
        self.notices.iter().filter_map(|n| if let Notice::Error(l) = n { Some(l.clone()) } else { None }).collect()
    }

    fn said(&self, needle: &str) -> bool {
        self.lines().iter().any(|l| l.contains(needle))
    }
}

const UP: (f32, f32) = (0.0, -0.55);
const DOWN: (f32, f32) = (0.0, 0.55);

#[test]
fn switching_the_model_mid_recording_stops_the_recording_and_keeps_every_example() {
    let dir = util::tempdir();
    let mut r = start(dir.path(), quick(), FetchOptions::default());
    r.ready();
    assert_eq!(r.shape(), [256, 7, 7], "V1 0.25 at its default cut");
    r.s.runtime().demo().set_pose(DemoPose { x: UP.0, y: UP.1, ..DemoPose::CENTER });
    let up = r.class("up");
    let _ = r.apply(Command::Record(Some(up)));
    for _ in 0..12 {
        r.tick();
    }
    let n = r.count("up");
    // 12 frames at 10 examples a second from a 30 fps camera make 4; the last may still be
    // on its way.
    assert!((3..=4).contains(&n), "{n}");
    assert_eq!(r.s.recording_class(), Some(up));
    // Another network while the button is still held (V3 small, random weights).
    let v3 = util::timm_random_dir("mobilenetv3_small_100");
    let _ = r.apply(Command::UseModel(v3.path().display().to_string()));
    r.settle(120, "the project on the new model", |s| {
        s.document().is_some_and(|d| d.snapshot().dataset.source().architecture == "mobilenetv3_small_100")
            && s.runtime().features().is_some()
            && s.switching().is_none()
    });
    assert_eq!(r.s.recording_class(), None, "recording stopped when the new model arrived");
    let kept = r.count("up");
    assert!(kept >= n, "no example lost in the switch: {kept} of at least {n}");
    assert_eq!(r.shape(), [96, 7, 7], "every example re-computed at V3 small's default cut");
    assert!(r.said("re-computed"), "{:?}", r.lines());
    assert!(r.errors().is_empty(), "{:?}", r.errors());
    let v3_id = std::fs::canonicalize(v3.path()).expect("dir").display().to_string();
    assert_eq!(r.s.settings().model.as_deref(), Some(v3_id.as_str()), "the choice is remembered");
    // Recording works on the new model.
    r.ready();
    r.record("up", UP, 6);
    assert_eq!(r.count("up"), kept + 2);
}

#[test]
fn changing_the_cut_while_training_stops_the_run_and_recomputes_every_example() {
    let dir = util::tempdir();
    let mut r = start(dir.path(), quick(), FetchOptions::default());
    r.ready();
    r.record("up", UP, 15);
    r.record("down", DOWN, 15);
    let (up, down) = (r.count("up"), r.count("down"));
    assert_eq!((up, down), (5, 5));
    let old_cut = r.s.document().map(pacnet::live::Document::cut).expect("doc");
    let new_cut = r.s.runtime().backbone().and_then(|b| b.find_cut("conv_pw_11_relu").ok()).expect("V1 has the cut");
    let _ = r.apply(Command::Train);
    assert!(r.s.run_progress().running, "training started");
    // A cut change with examples asks first: their features must be re-computed.
    let asked = r.apply(Command::UseCut(new_cut));
    assert!(
        asked.iter().any(|n| matches!(n, Notice::Ask(Question::Cut(c)) if *c == new_cut)),
        "the session asks before re-computing: {asked:?}"
    );
    assert_eq!(r.s.document().map(pacnet::live::Document::cut), Some(old_cut), "nothing changes before the answer");
    let _ = r.apply(Command::UseCutConfirmed(new_cut));
    r.settle(120, "the examples at the new cut and the run over", |s| {
        s.document().is_some_and(|d| d.cut() == new_cut) && !s.run_progress().running
    });
    // The run was for the old features: whatever it got to, nothing of it may steer now.
    r.settle(30, "late training reports", |s| !s.runtime().is_training());
    r.poll();
    let doc = r.s.document().expect("doc");
    assert_eq!(doc.cut(), new_cut);
    assert!(doc.head().is_none(), "a head trained on the old cut's features is dropped");
    assert_eq!((r.count("up"), r.count("down")), (up, down), "every example kept");
    assert_eq!(r.shape(), [128, 14, 14], "features re-computed at the earlier layer");
    assert!(r.said("features re-computed at the new cut for 10 examples"), "{:?}", r.lines());
    // Training again works at the new cut and steers.
    let _ = r.apply(Command::Train);
    r.settle(120, "the run at the new cut", |s| {
        !s.run_progress().running && s.document().is_some_and(|d| d.head().is_some())
    });
    assert!(r.errors().is_empty(), "{:?}", r.errors());
    assert_eq!(r.s.run_progress().epochs_done.len(), 4, "all epochs ran");
}

#[test]
fn after_a_crash_the_next_start_recovers_the_last_autosave() {
    let dir = util::tempdir();
    let mut r = start(dir.path(), quick(), FetchOptions::default());
    r.ready();
    r.record("up", UP, 9);
    let n = r.count("up");
    assert_eq!(n, 3);
    assert!(!recovery(dir.path()).exists(), "no autosave before {AUTOSAVE_EVERY:?}");
    r.clock.advance(AUTOSAVE_EVERY);
    let file = recovery(dir.path());
    r.settle(30, "the autosave", |_| file.is_file());
    // Work after the autosave, then the process dies: no save on exit.
    r.record("down", DOWN, 9);
    assert!(r.count("down") >= 3, "{}", r.count("down"));
    drop(r);

    let mut r = start(dir.path(), quick(), FetchOptions::default());
    r.ready();
    r.settle(60, "the recovered project", |s| s.document().is_some_and(|d| d.total() > 0));
    assert_eq!((r.count("up"), r.count("down")), (n, 0), "what the autosave held, no more");
    let doc = r.s.document().expect("doc");
    assert_eq!((doc.path().is_none(), doc.is_dirty()), (true, true), "recovered work is untitled and unsaved");
    assert!(r.said(&format!("recovered {n} unsaved examples")), "{:?}", r.lines());
    // The recovered work is still guarded: a new project asks first.
    let asked = r.apply(Command::New);
    assert!(asked.iter().any(|n| matches!(n, Notice::Ask(Question::Unsaved(_)))), "{asked:?}");
    assert_eq!(r.count("up"), n);
}

#[test]
fn a_model_download_that_fails_keeps_the_model_the_project_and_recording() {
    let dir = util::tempdir();
    let cache = util::tempdir();
    // A hub that refuses connections, and an empty cache.
    let fetch = FetchOptions {
        endpoint: Some("http://127.0.0.1:9".into()),
        cache_dir: Some(cache.path().to_owned()),
        ..FetchOptions::default()
    };
    let mut r = start(dir.path(), quick(), fetch);
    r.ready();
    r.record("up", UP, 9);
    let n = r.count("up");
    assert_eq!(n, 3);
    let _ = r.apply(Command::UseModel("v3-small".into()));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !r.said("could not load the model") {
        assert!(Instant::now() < deadline, "the download did not fail in 60 s: {:?}", r.lines());
        std::thread::sleep(Duration::from_millis(5));
        r.poll();
    }
    let errors = r.errors();
    assert!(
        errors.iter().any(|e| e.contains("could not load the model") && e.contains("still using MobileNet v1 0.25")),
        "{errors:?}"
    );
    assert!(r.notices.iter().any(|n| matches!(n, Notice::ModelsChanged)), "the picker is told");
    assert_eq!(r.s.runtime().backbone().map(|b| b.id().to_owned()).as_deref(), Some("builtin"));
    assert_eq!(r.s.settings().model, None, "a model that never loaded is not remembered");
    assert_eq!(r.count("up"), n, "the project is untouched");
    assert_eq!(r.shape(), [256, 7, 7]);
    r.record("up", UP, 6);
    assert_eq!(r.count("up"), n + 2, "recording goes on with the built-in model");
}

/// The live prediction's class names and probabilities, once the worker has one.
fn live_probs(s: &Session) -> Option<(Vec<String>, Vec<f32>)> {
    let p = s.runtime().features()?.live()?.prediction.clone()?;
    Some((p.classes, p.probs))
}

#[test]
fn a_fifth_class_records_trains_predicts_and_exports_and_renaming_or_removing_keeps_the_rest() {
    let dir = util::tempdir();
    // The four directions only, so that `jump` is the fifth class.
    let settings = Settings { idle_class: false, ..quick() };
    let mut r = start(dir.path(), settings, FetchOptions::default());
    r.ready();
    // Bad names are refused in one line each, and change nothing.
    let _ = r.apply(Command::AddClass("up".into()));
    let _ = r.apply(Command::AddClass("x".repeat(33)));
    let _ = r.apply(Command::AddClass("  ".into()));
    let errors = r.errors();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("`up`: two classes have this name"), "{errors:?}");
    assert!(errors[1].contains("at most 32 characters"), "{errors:?}");
    assert!(errors[2].contains("cannot be empty"), "{errors:?}");
    assert!(errors.iter().all(|e| !e.contains('\n')));
    let _ = r.apply(Command::AddClass(" jump ".into()));
    let classes = |r: &Run| r.s.document().map(|d| d.classes().to_vec()).unwrap_or_default();
    assert_eq!(classes(&r), ["up", "down", "left", "right", "jump"]);
    assert!(r.said("added class `jump`"), "{:?}", r.lines());

    for (name, pose) in [("up", UP), ("down", DOWN), ("left", (-0.6, 0.0)), ("right", (0.6, 0.0)), ("jump", (0.0, 0.0))]
    {
        r.record(name, pose, 15);
        assert_eq!(r.count(name), 5, "{name}");
    }
    let _ = r.apply(Command::Train);
    r.settle(120, "a head for five classes", |s| {
        !s.run_progress().running && s.document().is_some_and(|d| d.head().is_some())
    });
    assert_eq!(r.s.document().and_then(|d| d.head()).map(|h| h.classes().len()), Some(5));
    r.tick();
    r.settle(30, "a prediction of the new head", |s| live_probs(s).is_some_and(|(c, _)| c.len() == 5));
    let (names, probs) = live_probs(&r.s).expect("a prediction");
    assert_eq!(names, ["up", "down", "left", "right", "jump"]);
    assert_eq!(probs.len(), 5);
    assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-3, "{probs:?}");
    // The head came with its examples, so the steering's familiarity checks have a reference:
    // the toy still in the pose just recorded lies about one example spacing from them.
    let familiarity = r.s.runtime().features().and_then(|f| f.live()).and_then(|l| l.prediction.clone());
    let familiarity = familiarity.and_then(|p| p.familiarity);
    assert!(familiarity.is_some_and(|f| (0.0..4.0).contains(&f)), "familiarity {familiarity:?}");

    // The head is exported with the five classes, in output order.
    let out = dir.path().join("export");
    let _ = r.apply(Command::Export { dir: out.clone(), format: pacnet::learn::export::Format::Onnx });
    let deadline = Instant::now() + Duration::from_secs(120);
    while !r.said("wrote ") {
        assert!(Instant::now() < deadline, "no export in 120 s: {:?}", r.lines());
        std::thread::sleep(Duration::from_millis(5));
        r.poll();
    }
    let listed = std::fs::read_to_string(out.join("classes.txt")).expect("classes.txt");
    assert_eq!(listed, "up\ndown\nleft\nright\njump\n");

    // Renaming keeps the examples; the head (trained for `jump`) goes.
    let jump = r.class("jump");
    let _ = r.apply(Command::RenameClass { class: jump, name: "hop".into() });
    assert_eq!(classes(&r), ["up", "down", "left", "right", "hop"]);
    assert_eq!(r.count("hop"), 5, "the examples keep their label");
    assert!(r.s.document().is_some_and(|d| d.head().is_none()), "a head for the old names must not steer");
    assert!(r.said("renamed `jump` to `hop` (5 examples kept) — train again"), "{:?}", r.lines());
    for _ in 0..3 {
        r.tick();
    }
    assert_eq!(live_probs(&r.s).map(|(c, _)| c), None, "nothing predicts until trained again");

    // Removing drops exactly that class's examples; the later labels move down.
    let total = r.s.document().map_or(0, pacnet::live::Document::total);
    let _ = r.apply(Command::RemoveClass(r.class("left")));
    assert_eq!(classes(&r), ["up", "down", "right", "hop"]);
    assert_eq!([r.count("up"), r.count("down"), r.count("right"), r.count("hop")], [5; 4]);
    assert_eq!(r.s.document().map(pacnet::live::Document::total), Some(total - 5));
    assert!(r.said("removed class `left` and its 5 examples"), "{:?}", r.lines());
    // A recording into the class after it still lands there.
    r.record("hop", (0.0, 0.0), 6);
    assert_eq!(r.count("hop"), 7);

    // A colour of its own, and all of it survives a save and a load.
    let hop = r.class("hop");
    let _ = r.apply(Command::ClassColor { class: hop, color: Some([10, 200, 30]) });
    let file = dir.path().join("custom.pacnet");
    let _ = r.apply(Command::SaveAs(file.clone()));
    r.settle(30, "the save", |s| s.document().is_some_and(|d| !d.is_dirty()));
    let p = pacnet::learn::Project::load(&file).expect("the saved project loads");
    assert_eq!(p.dataset.classes(), ["up", "down", "right", "hop"]);
    assert_eq!(p.dataset.counts(), [5, 5, 5, 7]);
    assert_eq!(p.dataset.class_colors(), [None, None, None, Some([10, 200, 30])]);
    assert!(r.errors().len() == 3, "no error besides the refused names: {:?}", r.errors());
}

#[test]
fn a_stretch_of_play_becomes_examples_of_the_class_chosen_and_training_starts_again() {
    use pacnet::live::session::Tab;
    let dir = util::tempdir();
    let mut r = start(dir.path(), quick(), FetchOptions::default());
    r.ready();
    r.record("up", UP, 15);
    r.record("down", DOWN, 15);
    let _ = r.apply(Command::Train);
    r.settle(120, "the first run", |s| !s.run_progress().running && s.document().is_some_and(|d| d.head().is_some()));
    let history = |s: &Session| s.runtime().features().expect("features").history().snapshot();
    // Off the play panel nothing is kept (each kept frame costs a JPEG encode).
    for _ in 0..10 {
        r.tick();
    }
    assert_eq!(history(&r.s).frames().len(), 0, "the game is not shown");
    let _ = r.apply(Command::Tab(Tab::Play));
    r.s.runtime().demo().set_pose(DemoPose { x: UP.0, y: UP.1, ..DemoPose::CENTER });
    for _ in 0..60 {
        r.tick();
    }
    let h = history(&r.s);
    // 60 frames at 30 fps, kept at most 15 a second: every other one (the first tick may
    // land before the worker heard of the tab).
    assert!((29..=30).contains(&h.frames().len()), "{}", h.frames().len());
    let gaps: Vec<u128> =
        h.frames().iter().zip(h.frames().iter().skip(1)).map(|(a, b)| (b.at - a.at).as_millis()).collect();
    assert!(gaps.iter().all(|g| (66..=67).contains(g)), "{gaps:?}");
    // The toy shows "up"; say frames 10 to 19 were "down".
    let (from, to) = (h.frames()[10].at, h.frames()[19].at);
    let want: Vec<_> = h.stretch(from, to).map(|f| f.thumbnail.clone()).collect();
    assert_eq!(want.len(), 10);
    let (up, down) = (r.count("up"), r.count("down"));
    let class = r.class("down");
    let frames: Vec<_> = h.stretch(from, to).cloned().collect();
    let _ = r.apply(Command::FixStretch { frames, class });
    r.settle(60, "the examples and the new run", |s| s.document().is_some_and(|d| d.count(class) == down + 10));
    assert_eq!(r.count("up"), up, "no other class changes");
    let doc = r.s.document().expect("doc");
    let added: Vec<_> = doc.dataset().examples().iter().filter(|e| e.label == class).skip(down).collect();
    assert_eq!(added.iter().map(|e| e.thumbnail.clone()).collect::<Vec<_>>(), want, "the kept frames, in order");
    assert!(added.windows(2).all(|w| w[0].burst == w[1].burst), "one press: Undo takes them back together");
    assert!(r.said("added 10 examples to `down` — retraining"), "{:?}", r.lines());
    assert!(r.s.run_progress().running, "training started again");
    r.settle(120, "the new run", |s| !s.run_progress().running);
    assert!(r.errors().is_empty(), "{:?}", r.errors());
    // The window's frames are added even after the live history was cleared (a new head
    // arrived since the window took its copy).
    r.tick();
    assert!(history(&r.s).frames().len() <= 1, "the new head cleared the history");
    let frames: Vec<_> = h.stretch(h.frames()[20].at, h.frames()[24].at).cloned().collect();
    let _ = r.apply(Command::FixStretch { frames, class });
    r.settle(60, "the examples", |s| s.document().is_some_and(|d| d.count(class) == down + 15));
    // An empty stretch is a clear error, not a silent no-op.
    let _ = r.apply(Command::FixStretch { frames: Vec::new(), class });
    assert!(r.errors().iter().any(|e| e.contains("no frames of play selected")), "{:?}", r.errors());
}
