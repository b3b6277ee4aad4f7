//! The desktop app driven headless with egui_kittest: widgets are found by their accessible
//! labels and clicked, held or typed into; assertions are on the app's state, never on
//! pixels. The camera is the demo camera, steered through its `DemoControl`; the network is the
//! real MobileNet V1 0.25. Time is the test's own clock ([`SteppedClock`]): the camera makes a
//! frame only when the test lets 1/30 s pass, and the test waits for the worker to finish
//! each frame, so counts are exact and nothing sleeps on the wall clock or asserts on timing.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui::{Key, Pos2, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use pacnet::camera::{Clock, DemoCamera, DemoPose, SourceSpec, SteppedClock};
use pacnet::ui::{AppOptions, Command, PacnetApp, Settings, Tab};

use crate::fake::Fake;
use crate::util;

/// The app under test, and the clock only the test moves: the demo camera makes one frame per
/// 1/30 s of it, the game ticks by it, and nothing sleeps on the wall clock.
pub(crate) struct App {
    pub(crate) h: Harness<'static, PacnetApp>,
    pub(crate) clock: Arc<SteppedClock>,
}

pub(crate) fn options(dir: &std::path::Path) -> AppOptions {
    AppOptions {
        model: Some(util::v1_dir().display().to_string()),
        camera: Some(SourceSpec::Demo),
        project: None,
        recovery_file: Some(dir.join("recovery.pacnet")),
        tab: Some(Tab::Record),
        clock: None,
        offline: false,
        sound: false,
    }
}

pub(crate) fn harness(settings: Settings, options: AppOptions) -> App {
    let clock = SteppedClock::shared();
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let options = AppOptions { clock: Some(dyn_clock), ..options };
    let app = PacnetApp::new(&egui::Context::default(), settings, options);
    let h = Harness::builder()
        .with_size(Vec2::new(1360.0, 860.0))
        .with_max_steps(8)
        .build_ui_state(|ui, app: &mut PacnetApp| app.frame(ui), app);
    App { h, clock }
}

/// One demo-camera frame period.
fn period() -> Duration {
    Duration::from_secs_f64(1.0 / f64::from(DemoCamera::DEFAULT_FPS))
}

/// Polls `cond` (stepping the UI) for up to `secs` of real time: for work that runs at its own
/// pace on a worker thread (a forward pass, a training epoch), not for time passing.
pub(crate) fn settle(a: &mut App, secs: u64, what: &str, mut cond: impl FnMut(&PacnetApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        a.h.step();
        if cond(a.h.state()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {secs} s waiting for {what}; messages: {:?}",
            a.h.state().messages()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The newest camera frame and the newest frame the feature worker finished.
fn seqs(app: &PacnetApp) -> (u64, u64) {
    let rt = app.runtime();
    let camera = rt.capture().and_then(pacnet::camera::Capture::latest).map_or(0, |f| f.seq);
    let worked = rt.features().and_then(|f| f.live()).map_or(0, |l| l.seq);
    (camera, worked)
}

/// Lets one frame period pass on the test's clock; when the camera is streaming, waits for
/// its new frame and for the feature worker to finish it, so no frame is skipped.
pub(crate) fn tick(a: &mut App) {
    let streaming = matches!(
        a.h.state().runtime().capture().map(pacnet::camera::Capture::status),
        Some(pacnet::camera::CaptureStatus::Running { .. })
    );
    let (before, _) = seqs(a.h.state());
    a.clock.advance(period());
    if streaming && before > 0 {
        settle(a, 30, "the next camera frame", |app| seqs(app).0 > before);
        if a.h.state().runtime().features().is_some() {
            settle(a, 30, "the feature worker to take the frame", |app| {
                let (camera, worked) = seqs(app);
                worked >= camera
            });
        }
    }
    a.h.step();
}

/// Lets `ms` pass on the test's clock, frame by frame.
pub(crate) fn run_for(a: &mut App, ms: u64) {
    let frames = (Duration::from_millis(ms).as_secs_f64() / period().as_secs_f64()).round() as u64;
    for _ in 0..frames {
        tick(a);
    }
}

/// Lets time pass frame by frame until `done` holds; panics with `what` after `secs` seconds
/// of the test's clock.
pub(crate) fn wait_for(a: &mut App, secs: u64, what: &str, mut done: impl FnMut(&PacnetApp) -> bool) {
    let end = a.clock.now() + Duration::from_secs(secs);
    loop {
        if done(a.h.state()) {
            return;
        }
        assert!(
            a.clock.now() < end,
            "nothing after {secs} s on the test clock waiting for {what}; messages: {:?}",
            a.h.state().messages()
        );
        tick(a);
    }
}

pub(crate) fn count(app: &PacnetApp, class: &str) -> usize {
    app.document().map_or(0, |d| d.classes().iter().position(|c| c == class).map_or(0, |i| d.count(i)))
}

pub(crate) fn ready(a: &mut App) {
    settle(a, 120, "the model and the feature worker", |app| {
        app.document().is_some() && app.runtime().features().and_then(|f| f.live()).is_some()
    });
}

pub(crate) fn pose(a: &App, x: f32, y: f32) {
    a.h.state().runtime().demo().set_pose(DemoPose { x, y, ..DemoPose::CENTER });
}

/// The class the live prediction says, once the camera shows the new pose.
pub(crate) fn predicted(app: &PacnetApp) -> Option<String> {
    let live = app.runtime().features()?.live()?;
    let p = live.prediction.as_ref()?;
    p.classes.get(p.decision.best).cloned()
}

fn center(a: &App, label: &str) -> Pos2 {
    a.h.get_by_label(label).rect().center()
}

/// Presses the mouse on `label`'s button, keeps it down for `ms`, releases it elsewhere.
pub(crate) fn hold_mouse(a: &mut App, label: &str, ms: u64) {
    let at = center(a, label);
    a.h.event(egui::Event::PointerMoved(at));
    a.h.event(egui::Event::PointerButton {
        pos: at,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Default::default(),
    });
    a.h.step();
    run_for(a, ms);
    // Release far from the button: releasing anywhere stops the recording.
    let away = Pos2::new(20.0, 500.0);
    a.h.event(egui::Event::PointerMoved(away));
    a.h.event(egui::Event::PointerButton {
        pos: away,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Default::default(),
    });
    a.h.step();
}

pub(crate) fn hold_key(a: &mut App, key: Key, ms: u64) {
    a.h.key_down(key);
    a.h.step();
    run_for(a, ms);
    a.h.key_up(key);
    a.h.step();
}

/// Examples recorded while a button is held for `ms` at the default 10 a second, with the
/// demo camera's 30 frames a second: the first frame, then every third.
fn expected_examples(ms: u64) -> usize {
    let frames = (ms as f64 / 1000.0 * f64::from(DemoCamera::DEFAULT_FPS)).round() as usize;
    frames.div_ceil(3)
}

/// Records every class of [`POSES`] in its pose, holding its arrow key for 0.7 s.
pub(crate) fn record_poses(a: &mut App) {
    for ((class, x, y), key) in POSES.into_iter().zip([Key::ArrowUp, Key::ArrowDown, Key::ArrowLeft, Key::ArrowRight]) {
        pose(a, x, y);
        run_for(a, 200);
        hold_key(a, key, 700);
        run_for(a, 200);
        assert!(count(a.h.state(), class) > 0, "recorded `{class}`");
    }
}

/// The class → pose table the tests record and predict with.
pub(crate) const POSES: [(&str, f32, f32); 4] =
    [("up", 0.0, -0.55), ("down", 0.0, 0.55), ("left", -0.6, 0.0), ("right", 0.6, 0.0)];

#[test]
fn record_train_see_the_prediction_follow_the_pose_play_save_and_reopen() {
    let dir = util::tempdir();
    let settings = Settings { idle_class: true, ..Settings::default() };
    let mut a = harness(settings, options(dir.path()));
    ready(&mut a);
    assert_eq!(
        a.h.state().document().map(|d| d.classes().to_vec()),
        Some(["up", "down", "left", "right", "none"].map(String::from).to_vec())
    );

    // Record: the mouse for up and down, the arrow keys for left and right.
    for (i, (class, x, y)) in POSES.into_iter().enumerate() {
        pose(&a, x, y);
        run_for(&mut a, 300); // let the camera show the new pose
        let before = count(a.h.state(), class);
        if i < 2 {
            hold_mouse(&mut a, &format!("Record {class}"), 1500);
        } else {
            let key = if class == "left" { Key::ArrowLeft } else { Key::ArrowRight };
            hold_key(&mut a, key, 1500);
        }
        assert_eq!(a.h.state().recording_class(), None, "releasing stops the recording");
        run_for(&mut a, 300); // examples in flight arrive
        let after = count(a.h.state(), class);
        assert_eq!(after - before, expected_examples(1500), "holding `{class}` for 1.5 s at 10/s, 30 frames/s");
        run_for(&mut a, 400);
        assert_eq!(count(a.h.state(), class), after, "nothing is recorded after the release");
    }
    // Undo the last press, then record it again.
    let right = count(a.h.state(), "right");
    a.h.get_by_label_contains("Undo the last").click();
    a.h.step();
    a.h.step();
    assert_eq!(count(a.h.state(), "right"), 0, "undo removed the {right} examples of the last press");
    pose(&a, 0.6, 0.0);
    run_for(&mut a, 300);
    hold_key(&mut a, Key::ArrowRight, 1500);
    run_for(&mut a, 300);
    assert_eq!(count(a.h.state(), "right"), expected_examples(1500));

    // Train (the empty idle class is left out).
    a.h.get_by_label("2  Train").click();
    a.h.step();
    a.h.step();
    a.h.get_by_role_and_label(Role::Button, "Train").click();
    a.h.step();
    wait_for(&mut a, 180, "training to finish", |a| {
        !a.run_progress().running && a.document().is_some_and(|d| d.head().is_some())
    });
    let run = a.h.state().run_progress();
    assert_eq!(run.epochs_done.len(), run.epochs, "one metrics entry per epoch: {:?}", run.outcome);
    assert!(run.batch_loss.len() >= run.epochs, "a loss point per batch");
    let first = run.batch_loss.first().map(|p| p[1]).unwrap_or(f64::NAN);
    let last = run.batch_loss.last().map(|p| p[1]).unwrap_or(f64::NAN);
    assert!(last < first, "the loss fell: {first} → {last}");
    let head_classes = a.h.state().document().and_then(|d| d.head()).map(|hd| hd.classes().to_vec());
    assert_eq!(head_classes, Some(["up", "down", "left", "right"].map(String::from).to_vec()));

    // Play: the prediction follows the toy.
    a.h.get_by_label("3  Play").click();
    a.h.step();
    a.h.step();
    for (class, x, y) in [POSES[2], POSES[3], POSES[0], POSES[2]] {
        pose(&a, x, y);
        wait_for(&mut a, 30, &format!("the prediction `{class}`"), |a| predicted(a).as_deref() == Some(class));
    }
    let t0 = a.h.state().runtime().game().and_then(|g| g.snapshot()).map_or(0, |s| s.game.tick());
    wait_for(&mut a, 30, "the game to tick", |a| {
        a.runtime().game().and_then(|g| g.snapshot()).is_some_and(|s| s.game.tick() > t0 + 30)
    });

    // Save as… through the dialog.
    let path = dir.path().join("poses.pacnet");
    a.h.get_by_label("Project").click();
    a.h.step();
    a.h.step();
    a.h.get_by_label("Save as…").click();
    run_for(&mut a, 100);
    let field = a.h.get_by_role_and_label(Role::TextInput, "File:");
    field.focus();
    a.h.step();
    a.h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    a.h.get_by_role_and_label(Role::TextInput, "File:").type_text(&path.display().to_string());
    a.h.step();
    a.h.get_by_role_and_label(Role::Button, "Save").click();
    wait_for(&mut a, 30, "the save", |a| {
        a.document().is_some_and(|d| d.path() == Some(path.as_path()) && !d.is_dirty())
    });
    assert!(path.is_file());
    assert_eq!(a.h.state().settings().recent.first(), Some(&path), "the saved file is the most recent");
    let counts: Vec<usize> = (0..5).map(|i| a.h.state().document().map_or(0, |d| d.count(i))).collect();
    drop(a);

    // Reopen it in a new app: same examples, the head is back and predicts right away.
    let mut a = harness(
        Settings::default(),
        AppOptions { project: Some(path.clone()), tab: Some(Tab::Play), ..options(dir.path()) },
    );
    ready(&mut a);
    wait_for(&mut a, 60, "the project to open", |a| a.document().is_some_and(|d| d.path() == Some(path.as_path())));
    let reopened: Vec<usize> = (0..5).map(|i| a.h.state().document().map_or(0, |d| d.count(i))).collect();
    assert_eq!(reopened, counts);
    assert!(a.h.state().document().is_some_and(|d| d.head().is_some() && d.training().is_some() && !d.is_dirty()));
    pose(&a, 0.0, 0.55);
    wait_for(&mut a, 30, "the reopened head to say `down`", |a| predicted(a).as_deref() == Some("down"));

    // Project → Export…: a head of pacnet's recipe cannot be a TF.js layers model, and the
    // dialog says so up front; ONNX into a new folder, then the same folder again is refused.
    let out = dir.path().join("poses-onnx");
    for attempt in 0..2 {
        a.h.get_by_label("Project").click();
        a.h.step();
        a.h.step();
        a.h.get_by_label("Export…").click();
        run_for(&mut a, 100);
        assert!(a.h.query_by_label_contains("cannot scale its input").is_some(), "the dialog says why not TF.js");
        a.h.get_by_label_contains("ONNX: backbone + head").click();
        a.h.step();
        a.h.get_by_role_and_label(Role::TextInput, "New folder:").focus();
        a.h.step();
        a.h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
        a.h.get_by_role_and_label(Role::TextInput, "New folder:").type_text(&out.display().to_string());
        a.h.step();
        a.h.get_by_role_and_label(Role::Button, "Export").click();
        let want = if attempt == 0 { "wrote " } else { "already exists" };
        wait_for(&mut a, 60, "the export's outcome", |a| a.messages().iter().any(|m| m.contains(want)));
    }
    let mut names: Vec<String> =
        std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["classes.txt", "model.onnx"]);
    assert_eq!(std::fs::read_to_string(out.join("classes.txt")).unwrap(), "up\ndown\nleft\nright\n");
}

#[test]
fn unsaved_examples_go_to_the_recovery_file_on_exit_and_come_back() {
    let dir = util::tempdir();
    let opts = options(dir.path());
    let recovery: PathBuf = opts.recovery_file.clone().unwrap_or_default();
    let mut a = harness(Settings::default(), opts.clone());
    ready(&mut a);
    hold_key(&mut a, Key::ArrowUp, 800);
    run_for(&mut a, 300);
    let n = count(a.h.state(), "up");
    assert!(n > 0, "examples were recorded");
    assert!(a.h.state().document().is_some_and(|d| d.is_dirty()));
    a.h.state_mut().save_on_exit();
    drop(a);
    assert!(recovery.is_file(), "the untitled project was autosaved to {}", recovery.display());

    let mut a = harness(Settings::default(), opts);
    ready(&mut a);
    wait_for(&mut a, 60, "the recovered project", |a| count(a, "up") == n);
    let doc = a.h.state().document().map(|d| (d.path().is_none(), d.is_dirty()));
    assert_eq!(doc, Some((true, true)), "recovered work is untitled and unsaved until saved somewhere");
    assert!(a.h.state().messages().iter().any(|m| m.contains("recovered")), "{:?}", a.h.state().messages());
}

#[test]
fn a_missing_camera_shows_a_banner_whose_button_switches_to_the_demo_camera() {
    let dir = util::tempdir();
    let opts = AppOptions {
        camera: Some(SourceSpec::Webcam { index: 57, resolution: None, fps: None }),
        ..options(dir.path())
    };
    let mut a = harness(Settings::default(), opts);
    let deadline = Instant::now() + Duration::from_secs(30);
    while a.h.query_by_label("Use the demo camera").is_none() {
        assert!(Instant::now() < deadline, "no banner for a missing camera");
        tick(&mut a);
    }
    let status = a.h.state().runtime().capture().map(pacnet::camera::Capture::status);
    assert!(
        matches!(status, Some(pacnet::camera::CaptureStatus::Error { .. })),
        "the banner shows while the camera is failing: {status:?}"
    );
    // The capture thread retries the camera meanwhile; the banner can step aside for a frame
    // between the query above and the click, so click it again while it is there.
    for _ in 0..50 {
        if a.h.state().settings().camera == SourceSpec::Demo {
            break;
        }
        if a.h.query_by_label("Use the demo camera").is_some() {
            a.h.get_by_label("Use the demo camera").click();
        }
        a.h.step();
    }
    assert_eq!(a.h.state().settings().camera, SourceSpec::Demo);
    wait_for(&mut a, 30, "demo frames", |a| {
        a.runtime().capture().is_some_and(|c| c.status().to_string().starts_with("demo camera"))
    });
}

#[test]
fn missing_weights_keep_the_app_running_and_its_banner_switches_to_the_builtin_model() {
    let dir = util::tempdir();
    let opts =
        AppOptions { model: Some(dir.path().join("no-such-model").display().to_string()), ..options(dir.path()) };
    let mut a = harness(Settings::default(), opts);
    wait_for(&mut a, 30, "the load to fail", |a| {
        matches!(a.runtime().load_state(), pacnet::live::LoadState::Failed(_))
    });
    a.h.step();
    assert!(a.h.query_by_label_contains("no such directory").is_some(), "the banner says why");
    // The game still runs with the arrow keys.
    a.h.get_by_label("3  Play").click();
    wait_for(&mut a, 30, "the game to tick without a model", |a| {
        a.runtime().game().and_then(|g| g.snapshot()).is_some_and(|s| s.game.tick() > 10)
    });
    a.h.state_mut().command(Command::Tab(Tab::Learn));
    a.h.step();
    assert!(
        a.h.query_by_label_contains("the banner above says why").is_some(),
        "the Learn panel says the network failed, not that it is still loading"
    );
    assert!(a.h.query_by_label_contains("still loading").is_none());
    a.h.state_mut().command(Command::Tab(Tab::Record));
    a.h.step();
    a.h.get_by_label("Use the built-in model").click();
    ready(&mut a);
    assert_eq!(a.h.state().runtime().backbone().map(|b| b.id().to_owned()).as_deref(), Some("builtin"));
    hold_key(&mut a, Key::ArrowUp, 500);
    wait_for(&mut a, 30, "examples recorded with the built-in model", |app| count(app, "up") > 0);
}

#[test]
fn a_model_chosen_last_time_that_cannot_load_falls_back_to_the_builtin_one() {
    let dir = util::tempdir();
    // Offline, a repo that is in no cache: no request is made, and the app still works.
    let settings = Settings { model: Some("nobody/nothing".into()), ..Settings::default() };
    let opts = AppOptions { model: None, offline: true, ..options(dir.path()) };
    let mut a = harness(settings, opts);
    ready(&mut a);
    assert_eq!(a.h.state().runtime().backbone().map(|b| b.id().to_owned()).as_deref(), Some("builtin"));
    let messages = a.h.state().messages();
    assert!(
        messages.iter().any(|m| m.contains("nobody/nothing") && m.contains("built-in model instead")),
        "{messages:?}"
    );
    assert_eq!(a.h.state().settings().model, None, "the broken choice is forgotten");
}

#[test]
fn the_model_picker_lists_the_models_and_switching_keeps_the_project() {
    let dir = util::tempdir();
    let opts = AppOptions { model: Some("builtin".into()), ..options(dir.path()) };
    let mut a = harness(Settings::default(), opts);
    ready(&mut a);
    hold_key(&mut a, Key::ArrowDown, 700);
    run_for(&mut a, 200);
    let n = count(a.h.state(), "down");
    assert!(n >= 2, "{n}");
    a.h.get_by_label("Model: MobileNet v1 0.25 (built in)").click();
    run_for(&mut a, 100);
    for label in
        ["MobileNet v1 0.25 (built in)  (in use)", "MobileNet V3 large", "MobileNet V3 small", "MobileNet V2 1.0"]
    {
        assert!(a.h.query_by_label(label).is_some(), "the picker lists {label}");
    }
    for e in &pacnet::backbone::CATALOG {
        assert!(a.h.query_by_label(&e.revision[..12]).is_some(), "pinned revision of {}", e.name);
        assert!(a.h.query_by_label(e.summary).is_some(), "what {} gets you", e.name);
    }
    assert!(a.h.query_by_label("22.1 MB").is_some() && a.h.query_by_label("1.9 MB").is_some(), "sizes");
    // The same weights from a folder: nothing to re-compute, the examples stay as they are.
    a.h.state_mut().command(Command::UseModel(util::v1_dir().display().to_string()));
    let v1 = std::fs::canonicalize(util::v1_dir()).expect("dir").display().to_string();
    settle(&mut a, 60, "the folder model in use", |app| {
        app.runtime().backbone().is_some_and(|b| b.id() == v1) && app.runtime().features().is_some()
    });
    assert!(a.h.state().messages().iter().any(|m| m.contains("same weights")), "{:?}", a.h.state().messages());
    assert_eq!(count(a.h.state(), "down"), n);
    assert_eq!(a.h.state().settings().model.as_deref(), Some(v1.as_str()), "the choice is remembered");
    // Another network (V3 small, random weights): the examples stay, re-featurised from their pictures.
    let v3 = util::timm_random_dir("mobilenetv3_small_100");
    a.h.state_mut().command(Command::UseModel(v3.path().display().to_string()));
    settle(&mut a, 60, "the project on the new model", |app| {
        app.document().is_some_and(|d| d.snapshot().dataset.source().architecture == "mobilenetv3_small_100")
            && app.runtime().features().is_some()
    });
    assert_eq!(count(a.h.state(), "down"), n, "switching keeps every example");
    let source = a.h.state().document().map(|d| d.snapshot().dataset.source().clone()).expect("doc");
    assert_eq!(source.shape, [96, 7, 7], "features at V3 small's default cut");
    assert_eq!(source.weights_sha256.as_deref(), a.h.state().runtime().backbone().map(|b| b.weights_sha256()));
    assert!(a.h.state().messages().iter().any(|m| m.contains("re-computed")), "{:?}", a.h.state().messages());
    hold_key(&mut a, Key::ArrowDown, 400);
    wait_for(&mut a, 30, "recording on the new model", |app| count(app, "down") > n);
}

#[test]
fn the_about_window_names_version_commit_simd_level_and_the_model_in_use() {
    let dir = util::tempdir();
    let opts = AppOptions { model: Some("builtin".into()), ..options(dir.path()) };
    let mut a = harness(Settings::default(), opts);
    ready(&mut a);
    assert!(a.h.query_by_label(pacnet::about::COMMIT).is_none(), "About is closed at start");
    a.h.get_by_label("pacnet").click();
    run_for(&mut a, 100);
    a.h.get_by_label("About pacnet").click();
    run_for(&mut a, 100);
    for text in [pacnet::about::VERSION, pacnet::about::COMMIT, pacnet::about::BUILD_DATE, pacnet::about::simd()] {
        assert!(a.h.query_by_label(text).is_some(), "About shows {text}");
    }
    let model = format!("{} (weights sha256 8f0423d08091…)", pacnet::backbone::builtin::TITLE);
    assert!(a.h.query_by_label(&model).is_some(), "About names the model in use and its weights");
}

#[test]
fn examples_can_be_deleted_and_cleared_and_unsaved_work_is_asked_about() {
    let dir = util::tempdir();
    let mut a = harness(Settings::default(), options(dir.path()));
    ready(&mut a);
    hold_key(&mut a, Key::ArrowDown, 1000);
    run_for(&mut a, 300);
    let n = count(a.h.state(), "down");
    assert!(n >= 3, "{n}");
    // The grid shows the class just recorded; delete one picture.
    a.h.get_by_label(&format!("down ({n})")).click();
    run_for(&mut a, 100);
    a.h.get_all_by_label("×").next().expect("a delete button under a picture").click();
    run_for(&mut a, 50);
    assert_eq!(count(a.h.state(), "down"), n - 1);
    // Clear asks first.
    a.h.get_by_label("Clear `down`").click();
    run_for(&mut a, 100);
    a.h.get_by_label("Cancel").click();
    run_for(&mut a, 50);
    assert_eq!(count(a.h.state(), "down"), n - 1, "cancel keeps them");
    a.h.get_by_label("Clear `down`").click();
    run_for(&mut a, 100);
    a.h.get_by_label("Delete them").click();
    run_for(&mut a, 50);
    assert_eq!(count(a.h.state(), "down"), 0);
    // New project with unsaved changes: asked; "Don't save" starts afresh.
    hold_key(&mut a, Key::ArrowUp, 600);
    run_for(&mut a, 300);
    assert!(count(a.h.state(), "up") > 0);
    a.h.get_by_label("Project").click();
    run_for(&mut a, 50);
    a.h.get_by_label("New").click();
    run_for(&mut a, 100);
    assert!(a.h.query_by_label("Save your examples first?").is_some(), "the unsaved-work question");
    assert!(count(a.h.state(), "up") > 0, "nothing lost while asking");
    a.h.get_by_label("Don't save").click();
    run_for(&mut a, 50);
    assert_eq!(a.h.state().document().map(|d| (d.total(), d.is_dirty())), Some((0, false)));
}

#[test]
fn the_fake_webcam_is_picked_in_the_camera_menu_and_records_examples() {
    // A real-time camera (the fake V4L2 device) under the test's clock: each tick waits for the
    // webcam's next frame, which is stamped with the test clock, so the Record pace still holds.
    Fake::new().format("mjpeg").run(crate::test_name!(), || {
        let dir = util::tempdir();
        let mut a = harness(Settings::default(), options(dir.path()));
        ready(&mut a);
        a.h.get_by_label("Camera: demo camera").click();
        a.h.step();
        a.h.step();
        a.h.get_by_label("Webcam 0").click();
        a.h.step();
        assert_eq!(a.h.state().settings().camera, SourceSpec::Webcam { index: 0, resolution: None, fps: None });
        settle(&mut a, 30, "frames from the fake webcam", |app| {
            app.runtime().capture().is_some_and(|c| {
                matches!(c.status(), pacnet::camera::CaptureStatus::Running { ref source, .. }
                    if source == "camera 0 (pacnet fake camera)")
            })
        });
        run_for(&mut a, 100);
        assert!(a.h.query_by_label_contains("camera 0 (pacnet fake camera): ").is_some(), "the status bar names it");

        let before = count(a.h.state(), "up");
        hold_mouse(&mut a, "Record up", 1500);
        run_for(&mut a, 300);
        let recorded = count(a.h.state(), "up") - before;
        // About 10 a second, as from the demo camera; a webcam frame stamped just before a tick
        // can shift the pace by one.
        let expected = expected_examples(1500);
        assert!((expected - 2..=expected + 1).contains(&recorded), "recorded {recorded}, expected about {expected}");
        // What was recorded is the camera's picture, mirrored: blue left, red right.
        let doc = a.h.state().document().expect("a project");
        let thumb = doc.latest_of(0).and_then(|id| doc.thumbnail(id)).expect("the newest example's picture");
        let (w, ht) = thumb.dimensions();
        let (left, right) = (thumb.get_pixel(w / 4, ht / 2).0, thumb.get_pixel(3 * w / 4, ht / 2).0);
        assert!(left[2] > 150 && left[0] < 90 && right[0] > 150 && right[2] < 90, "left {left:?}, right {right:?}");
    });
}

/// Presses and releases the primary button at `at` (a click where no widget has a label).
fn click_at(a: &mut App, at: Pos2) {
    a.h.event(egui::Event::PointerMoved(at));
    a.h.step();
    for pressed in [true, false] {
        a.h.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        });
        a.h.step();
    }
}

#[test]
fn teaching_views_feature_map_gradient_descent_and_presenter_mode() {
    let dir = util::tempdir();
    // Lesson exports go where the file dialogs start: beside the newest recent project.
    let settings = Settings { recent: vec![dir.path().join("lesson.pacnet")], ..Settings::default() };
    let mut a = harness(settings, options(dir.path()));
    ready(&mut a);
    for (class, x, y) in POSES.into_iter().take(2) {
        pose(&a, x, y);
        run_for(&mut a, 300);
        hold_mouse(&mut a, &format!("Record {class}"), 600);
        run_for(&mut a, 200);
    }
    let total = a.h.state().document().map_or(0, |d| d.total());
    assert_eq!(total, 2 * expected_examples(600));

    // The feature map: one dot per example, the live frame placed on it.
    a.h.get_by_label("4  Learn").click();
    a.h.step();
    a.h.step();
    a.h.get_by_label("Where your examples land (feature map)").click();
    a.h.step();
    settle(&mut a, 60, "the feature map", |app| app.example_map().is_some_and(|m| m.len() == total));
    wait_for(&mut a, 5, "the live frame on the map", |app| {
        app.runtime().features().and_then(|f| f.live()).is_some_and(|l| l.map_point.is_some())
    });
    a.h.step();
    let map = a.h.state().example_map().expect("a map");
    let dots = a.h.state().map_dots();
    assert_eq!(dots.len(), total, "one dot per example");
    // The two poses land apart: the class means are further apart than either class spreads.
    let points = &map.backbone.points;
    let mean = |c: usize| {
        let ps: Vec<&[f32; 2]> = points.iter().zip(&map.labels).filter(|(_, l)| **l == c).map(|(p, _)| p).collect();
        let n = ps.len() as f32;
        [ps.iter().map(|p| p[0]).sum::<f32>() / n, ps.iter().map(|p| p[1]).sum::<f32>() / n]
    };
    let (m0, m1) = (mean(0), mean(1));
    let gap = ((m0[0] - m1[0]).powi(2) + (m0[1] - m1[1]).powi(2)).sqrt();
    let spread = points
        .iter()
        .zip(&map.labels)
        .map(|(p, &l)| {
            let m = if l == 0 { m0 } else { m1 };
            ((p[0] - m[0]).powi(2) + (p[1] - m[1]).powi(2)).sqrt()
        })
        .fold(0.0f32, f32::max);
    assert!(gap > 2.0 * spread, "up and down apart on the map: gap {gap}, largest spread {spread}");

    // Clicking a dot opens that example on the Record panel.
    let (_, at) = *dots.last().expect("a dot");
    let under: Vec<u64> = dots.iter().filter(|(_, p)| p.distance(at) < 0.5).map(|(id, _)| *id).collect();
    click_at(&mut a, at);
    a.h.step();
    assert_eq!(a.h.state().settings().tab, Tab::Record);
    let picked = a.h.state().selected_example().expect("an example is selected");
    assert!(under.contains(&picked), "picked {picked}, under the pointer: {under:?}");

    // Gradient descent: "what is happening here?" from the Train panel.
    a.h.get_by_label("2  Train").click();
    a.h.step();
    a.h.step();
    a.h.get_by_label("what is happening here? (gradient descent, step by step)").click();
    // A new window spends its first frame measuring itself, unseen.
    for _ in 0..4 {
        a.h.step();
    }
    for (preset, falls) in [("too small: crawls", true), ("too large: diverges", false)] {
        a.h.get_by_label(preset).click();
        a.h.step();
        a.h.get_by_label("20 steps").click();
        a.h.step();
        let walk = a.h.state().descent().expect("the window is open");
        // A diverging walk stops early, when its loss has run away.
        assert!(walk.steps() == 20 || walk.diverged(), "{preset}: {} steps", walk.steps());
        let (first, last) = (walk.losses()[0], walk.losses().last().copied().unwrap_or(0.0));
        assert_eq!(last < first, falls, "{preset}: loss {first} → {last}");
    }

    // Lesson exports: the per-epoch metrics as CSV beside the project, never over a file.
    a.h.state_mut().command(Command::SaveMetricsCsv);
    a.h.step();
    assert!(!dir.path().join("pacnet-metrics.csv").exists(), "nothing to save before training");
    a.h.state_mut().command(Command::Train);
    wait_for(&mut a, 180, "training to finish", |a| {
        !a.run_progress().running && a.document().is_some_and(|d| d.head().is_some())
    });
    let epochs = a.h.state().run_progress().epochs_done.clone();
    for name in ["pacnet-metrics.csv", "pacnet-metrics-2.csv"] {
        a.h.state_mut().command(Command::SaveMetricsCsv);
        a.h.step();
        let csv = std::fs::read_to_string(dir.path().join(name)).expect("the metrics file");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy");
        assert_eq!(lines.len(), epochs.len() + 1, "one line per epoch");
        let last: Vec<&str> = lines[epochs.len()].split(',').collect();
        let e = epochs.last().expect("epochs");
        assert_eq!((last[0].parse::<usize>().ok(), last[1].parse::<f32>().ok()), (Some(e.epoch), Some(e.train_loss)));
    }

    // Presenter mode: zoomed in (to fit the window: tests/layout.rs), advanced controls hidden;
    // digits switch panels; F11 leaves it.
    assert!(a.h.query_by_label("hidden units").is_some());
    a.h.get_by_label("Presenter (F11)").click();
    a.h.step();
    a.h.step();
    assert!(a.h.state().settings().presenter);
    // The zoom follows the window a frame or two after the mode changes (teach::follow_window).
    for _ in 0..4 {
        a.h.step();
    }
    assert!(a.h.ctx.zoom_factor() > 1.0, "presenter mode zooms in");
    assert!(a.h.query_by_label("hidden units").is_none(), "hyperparameters hidden in presenter mode");
    a.h.key_press(Key::Num3);
    a.h.step();
    assert_eq!(a.h.state().settings().tab, Tab::Play);
    a.h.key_press(Key::F11);
    a.h.step();
    a.h.step();
    assert!(!a.h.state().settings().presenter);
    assert_eq!(a.h.ctx.zoom_factor(), 1.0);
}

#[test]
fn m_mutes_the_game_the_sound_controls_follow_and_the_settings_keep_them() {
    let dir = util::tempdir();
    let mut a = harness(Settings::default(), AppOptions { tab: Some(Tab::Play), ..options(dir.path()) });
    let snap = |app: &PacnetApp| app.runtime().game().and_then(|g| g.snapshot());
    settle(&mut a, 60, "the game", |app| snap(app).is_some());
    // The running game publishes on its ticks, which follow the test's clock (wait_for).
    assert!(!a.h.state().settings().muted);
    assert!(a.h.query_by_label("Sound on (M)").is_some(), "the sound button says it is on");
    // The side column stays inside the window (a row wider than it once pushed it out, clipping
    // its left edge), here and after a round trip through presenter mode.
    for round in ["before presenter mode", "after presenter mode"] {
        a.h.step();
        for label in ["Steer another window…", "New game", "Sound on (M)", "Show where each ghost is heading"] {
            let r = a.h.get_by_label(label).rect();
            // The column takes a third of the width, at most 360 points (panels/play.rs).
            assert!(r.left() >= 1360.0 * 0.6 && r.right() <= 1360.0, "{round}: {label} at {r:?}");
        }
        a.h.key_press(Key::F11);
        a.h.step();
        a.h.step();
        a.h.key_press(Key::F11);
        a.h.step();
        a.h.step();
    }

    a.h.key_press(Key::M);
    a.h.step();
    assert!(a.h.state().settings().muted, "M mutes");
    wait_for(&mut a, 2, "the game thread to mute", |app| snap(app).is_some_and(|s| s.muted));
    a.h.step();
    assert!(a.h.query_by_label("Sound on (M)").is_none());
    a.h.get_by_label("Muted (M)").click();
    a.h.step();
    assert!(!a.h.state().settings().muted, "the button unmutes");
    wait_for(&mut a, 2, "the game thread to unmute", |app| snap(app).is_some_and(|s| !s.muted));

    a.h.state_mut().command(Command::Volume(0.25));
    wait_for(&mut a, 2, "the new volume", |app| snap(app).is_some_and(|s| s.volume == 0.25));
    a.h.state_mut().command(Command::Volume(7.0));
    assert_eq!(a.h.state().settings().volume, 1.0, "clamped");
    a.h.state_mut().command(Command::Mute(true));

    // Persisted with the other settings; settings saved before sound existed load unmuted.
    let saved = serde_json::to_string(a.h.state().settings()).unwrap();
    let back: Settings = serde_json::from_str(&saved).unwrap();
    assert_eq!((back.muted, back.volume), (true, 1.0));
    let old: Settings = serde_json::from_str("{}").unwrap();
    assert_eq!((old.muted, old.volume), (false, Settings::default().volume));
}
