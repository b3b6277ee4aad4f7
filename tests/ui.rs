//! The desktop app driven headless with egui_kittest: widgets are found by their accessible
//! labels and clicked, held or typed into; assertions are on the app's state, never on
//! pixels. The camera is the demo camera, steered through its `DemoControl`; the network is the
//! real MobileNet V1 0.25. Workers run on their own threads, so every wait polls with a
//! generous timeout and nothing asserts on timing.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui::{Key, Pos2, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use pacnet::camera::{DemoPose, SourceSpec};
use pacnet::ui::{AppOptions, Command, PacnetApp, Settings, Tab};

use crate::util;

type H = Harness<'static, PacnetApp>;

fn options(dir: &std::path::Path) -> AppOptions {
    AppOptions {
        model: Some(util::v1_dir().display().to_string()),
        camera: Some(SourceSpec::Demo),
        project: None,
        recovery_file: Some(dir.join("recovery.pacnet")),
        tab: Some(Tab::Record),
    }
}

fn harness(settings: Settings, options: AppOptions) -> H {
    let app = PacnetApp::new(&egui::Context::default(), settings, options);
    Harness::builder()
        .with_size(Vec2::new(1360.0, 860.0))
        .with_max_steps(8)
        .build_ui_state(|ui, app: &mut PacnetApp| app.frame(ui), app)
}

/// Steps frames (with a short real pause, since the workers run in real time) until `done`
/// holds; panics with `what` after `secs`.
fn wait_for(h: &mut H, secs: u64, what: &str, mut done: impl FnMut(&PacnetApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        h.step();
        if done(h.state()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {secs} s waiting for {what}; messages: {:?}",
            h.state().messages()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Steps frames for `ms` of real time.
fn run_for(h: &mut H, ms: u64) {
    let end = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < end {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn count(app: &PacnetApp, class: &str) -> usize {
    app.document().map_or(0, |d| d.classes().iter().position(|c| c == class).map_or(0, |i| d.count(i)))
}

fn ready(h: &mut H) {
    wait_for(h, 120, "the model and the feature worker", |a| {
        a.document().is_some() && a.runtime().features().and_then(|f| f.live()).is_some()
    });
}

fn pose(h: &H, x: f32, y: f32) {
    h.state().runtime().demo().set_pose(DemoPose { x, y, ..DemoPose::CENTER });
}

/// The class the live prediction says, once the camera shows the new pose.
fn predicted(app: &PacnetApp) -> Option<String> {
    let live = app.runtime().features()?.live()?;
    let p = live.prediction.as_ref()?;
    p.classes.get(p.decision.best).cloned()
}

fn center(h: &H, label: &str) -> Pos2 {
    h.get_by_label(label).rect().center()
}

/// Presses the mouse on `label`'s button, keeps it down for `ms`, releases it elsewhere.
fn hold_mouse(h: &mut H, label: &str, ms: u64) {
    let at = center(h, label);
    h.event(egui::Event::PointerMoved(at));
    h.event(egui::Event::PointerButton {
        pos: at,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: Default::default(),
    });
    run_for(h, ms);
    // Release far from the button: releasing anywhere stops the recording.
    let away = Pos2::new(20.0, 500.0);
    h.event(egui::Event::PointerMoved(away));
    h.event(egui::Event::PointerButton {
        pos: away,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: Default::default(),
    });
    h.step();
}

fn hold_key(h: &mut H, key: Key, ms: u64) {
    h.key_down(key);
    run_for(h, ms);
    h.key_up(key);
    h.step();
}

/// The class → pose table the tests record and predict with.
const POSES: [(&str, f32, f32); 4] =
    [("up", 0.0, -0.55), ("down", 0.0, 0.55), ("left", -0.6, 0.0), ("right", 0.6, 0.0)];

#[test]
fn record_train_see_the_prediction_follow_the_pose_play_save_and_reopen() {
    let dir = util::tempdir();
    let settings = Settings { idle_class: true, ..Settings::default() };
    let mut h = harness(settings, options(dir.path()));
    ready(&mut h);
    assert_eq!(
        h.state().document().map(|d| d.classes().to_vec()),
        Some(["up", "down", "left", "right", "none"].map(String::from).to_vec())
    );

    // Record: the mouse for up and down, the arrow keys for left and right.
    for (i, (class, x, y)) in POSES.into_iter().enumerate() {
        pose(&h, x, y);
        run_for(&mut h, 300); // let the camera show the new pose
        let before = count(h.state(), class);
        if i < 2 {
            hold_mouse(&mut h, &format!("Record {class}"), 1500);
        } else {
            let key = if class == "left" { Key::ArrowLeft } else { Key::ArrowRight };
            hold_key(&mut h, key, 1500);
        }
        assert_eq!(h.state().recording_class(), None, "releasing stops the recording");
        run_for(&mut h, 300); // examples in flight arrive
        let after = count(h.state(), class);
        assert!(after >= before + 4, "holding `{class}` for 1.5 s at 10/s recorded {} examples", after - before);
        run_for(&mut h, 400);
        assert_eq!(count(h.state(), class), after, "nothing is recorded after the release");
    }
    // Undo the last press, then record it again.
    let right = count(h.state(), "right");
    h.get_by_label_contains("Undo the last").click();
    h.step();
    h.step();
    assert_eq!(count(h.state(), "right"), 0, "undo removed the {right} examples of the last press");
    pose(&h, 0.6, 0.0);
    run_for(&mut h, 300);
    hold_key(&mut h, Key::ArrowRight, 1500);
    run_for(&mut h, 300);
    assert!(count(h.state(), "right") >= 4);

    // Train (the empty idle class is left out).
    h.get_by_label("2  Train").click();
    h.step();
    h.step();
    h.get_by_role_and_label(Role::Button, "Train").click();
    h.step();
    wait_for(&mut h, 180, "training to finish", |a| {
        !a.run_progress().running && a.document().is_some_and(|d| d.head().is_some())
    });
    let run = h.state().run_progress();
    assert_eq!(run.epochs_done.len(), run.epochs, "one metrics entry per epoch: {:?}", run.outcome);
    assert!(run.batch_loss.len() >= run.epochs, "a loss point per batch");
    let first = run.batch_loss.first().map(|p| p[1]).unwrap_or(f64::NAN);
    let last = run.batch_loss.last().map(|p| p[1]).unwrap_or(f64::NAN);
    assert!(last < first, "the loss fell: {first} → {last}");
    let head_classes = h.state().document().and_then(|d| d.head()).map(|hd| hd.classes().to_vec());
    assert_eq!(head_classes, Some(["up", "down", "left", "right"].map(String::from).to_vec()));

    // Play: the prediction follows the toy.
    h.get_by_label("3  Play").click();
    h.step();
    h.step();
    for (class, x, y) in [POSES[2], POSES[3], POSES[0], POSES[2]] {
        pose(&h, x, y);
        wait_for(&mut h, 30, &format!("the prediction `{class}`"), |a| predicted(a).as_deref() == Some(class));
    }
    let t0 = h.state().runtime().game().and_then(|g| g.snapshot()).map_or(0, |s| s.game.tick());
    wait_for(&mut h, 30, "the game to tick", |a| {
        a.runtime().game().and_then(|g| g.snapshot()).is_some_and(|s| s.game.tick() > t0 + 30)
    });

    // Save as… through the dialog.
    let path = dir.path().join("poses.pacnet");
    h.get_by_label("Project").click();
    h.step();
    h.step();
    h.get_by_label("Save as…").click();
    run_for(&mut h, 100);
    let field = h.get_by_role_and_label(Role::TextInput, "File:");
    field.focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    h.get_by_role_and_label(Role::TextInput, "File:").type_text(&path.display().to_string());
    h.step();
    h.get_by_role_and_label(Role::Button, "Save").click();
    wait_for(&mut h, 30, "the save", |a| {
        a.document().is_some_and(|d| d.path() == Some(path.as_path()) && !d.is_dirty())
    });
    assert!(path.is_file());
    assert_eq!(h.state().settings().recent.first(), Some(&path), "the saved file is the most recent");
    let counts: Vec<usize> = (0..5).map(|i| h.state().document().map_or(0, |d| d.count(i))).collect();
    drop(h);

    // Reopen it in a new app: same examples, the head is back and predicts right away.
    let mut h = harness(
        Settings::default(),
        AppOptions { project: Some(path.clone()), tab: Some(Tab::Play), ..options(dir.path()) },
    );
    ready(&mut h);
    wait_for(&mut h, 60, "the project to open", |a| a.document().is_some_and(|d| d.path() == Some(path.as_path())));
    let reopened: Vec<usize> = (0..5).map(|i| h.state().document().map_or(0, |d| d.count(i))).collect();
    assert_eq!(reopened, counts);
    assert!(h.state().document().is_some_and(|d| d.head().is_some() && d.training().is_some() && !d.is_dirty()));
    pose(&h, 0.0, 0.55);
    wait_for(&mut h, 30, "the reopened head to say `down`", |a| predicted(a).as_deref() == Some("down"));

    // Project → Export…: TF.js into a new folder, then the same folder again is refused.
    let out = dir.path().join("poses-tfjs");
    for attempt in 0..2 {
        h.get_by_label("Project").click();
        h.step();
        h.step();
        h.get_by_label("Export…").click();
        run_for(&mut h, 100);
        h.get_by_label_contains("TF.js: the head alone").click();
        h.step();
        h.get_by_role_and_label(Role::TextInput, "New folder:").focus();
        h.step();
        h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
        h.get_by_role_and_label(Role::TextInput, "New folder:").type_text(&out.display().to_string());
        h.step();
        h.get_by_role_and_label(Role::Button, "Export").click();
        let want = if attempt == 0 { "wrote " } else { "already exists" };
        wait_for(&mut h, 30, "the export's outcome", |a| a.messages().iter().any(|m| m.contains(want)));
    }
    let mut names: Vec<String> =
        std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["classes.txt", "group1-shard1of1.bin", "metadata.json", "model.json"]);
    assert_eq!(std::fs::read_to_string(out.join("classes.txt")).unwrap(), "up\ndown\nleft\nright\n");
}

#[test]
fn unsaved_examples_go_to_the_recovery_file_on_exit_and_come_back() {
    let dir = util::tempdir();
    let opts = options(dir.path());
    let recovery: PathBuf = opts.recovery_file.clone().unwrap_or_default();
    let mut h = harness(Settings::default(), opts.clone());
    ready(&mut h);
    hold_key(&mut h, Key::ArrowUp, 800);
    run_for(&mut h, 300);
    let n = count(h.state(), "up");
    assert!(n > 0, "examples were recorded");
    assert!(h.state().document().is_some_and(|d| d.is_dirty()));
    h.state_mut().save_on_exit();
    drop(h);
    assert!(recovery.is_file(), "the untitled project was autosaved to {}", recovery.display());

    let mut h = harness(Settings::default(), opts);
    ready(&mut h);
    wait_for(&mut h, 60, "the recovered project", |a| count(a, "up") == n);
    let doc = h.state().document().map(|d| (d.path().is_none(), d.is_dirty()));
    assert_eq!(doc, Some((true, true)), "recovered work is untitled and unsaved until saved somewhere");
    assert!(h.state().messages().iter().any(|m| m.contains("recovered")), "{:?}", h.state().messages());
}

#[test]
fn a_missing_camera_shows_a_banner_whose_button_switches_to_the_demo_camera() {
    let dir = util::tempdir();
    let opts = AppOptions {
        camera: Some(SourceSpec::Webcam { index: 57, resolution: None, fps: None }),
        ..options(dir.path())
    };
    let mut h = harness(Settings::default(), opts);
    wait_for(&mut h, 30, "the camera error banner", |_| true);
    let deadline = Instant::now() + Duration::from_secs(30);
    while h.query_by_label("Use the demo camera").is_none() {
        assert!(Instant::now() < deadline, "no banner for a missing camera");
        run_for(&mut h, 50);
    }
    h.get_by_label("Use the demo camera").click();
    h.step();
    assert_eq!(h.state().settings().camera, SourceSpec::Demo);
    wait_for(&mut h, 30, "demo frames", |a| {
        a.runtime().capture().is_some_and(|c| c.status().to_string().starts_with("demo camera"))
    });
}

#[test]
fn missing_weights_say_how_to_point_at_a_model_and_the_app_keeps_running() {
    let dir = util::tempdir();
    let opts =
        AppOptions { model: Some(dir.path().join("no-such-model").display().to_string()), ..options(dir.path()) };
    let mut h = harness(Settings::default(), opts);
    wait_for(&mut h, 30, "the load to fail", |a| {
        matches!(a.runtime().load_state(), pacnet::ui::runtime::LoadState::Failed(_))
    });
    h.step();
    assert!(h.query_by_label_contains("--model DIR").is_some(), "the banner names --model");
    assert!(h.query_by_label_contains("PACNET_MODEL").is_some(), "the banner names PACNET_MODEL");
    // The game still runs with the arrow keys.
    h.get_by_label("3  Play").click();
    wait_for(&mut h, 30, "the game to tick without a model", |a| {
        a.runtime().game().and_then(|g| g.snapshot()).is_some_and(|s| s.game.tick() > 10)
    });
    h.state_mut().command(Command::Tab(Tab::Learn));
    h.step();
}

#[test]
fn examples_can_be_deleted_and_cleared_and_unsaved_work_is_asked_about() {
    let dir = util::tempdir();
    let mut h = harness(Settings::default(), options(dir.path()));
    ready(&mut h);
    hold_key(&mut h, Key::ArrowDown, 1000);
    run_for(&mut h, 300);
    let n = count(h.state(), "down");
    assert!(n >= 3, "{n}");
    // The grid shows the class just recorded; delete one picture.
    h.get_by_label(&format!("down ({n})")).click();
    run_for(&mut h, 100);
    h.get_all_by_label("×").next().expect("a delete button under a picture").click();
    run_for(&mut h, 50);
    assert_eq!(count(h.state(), "down"), n - 1);
    // Clear asks first.
    h.get_by_label("Clear `down`").click();
    run_for(&mut h, 100);
    h.get_by_label("Cancel").click();
    run_for(&mut h, 50);
    assert_eq!(count(h.state(), "down"), n - 1, "cancel keeps them");
    h.get_by_label("Clear `down`").click();
    run_for(&mut h, 100);
    h.get_by_label("Delete them").click();
    run_for(&mut h, 50);
    assert_eq!(count(h.state(), "down"), 0);
    // New project with unsaved changes: asked; "Don't save" starts afresh.
    hold_key(&mut h, Key::ArrowUp, 600);
    run_for(&mut h, 300);
    assert!(count(h.state(), "up") > 0);
    h.get_by_label("Project").click();
    run_for(&mut h, 50);
    h.get_by_label("New").click();
    run_for(&mut h, 100);
    assert!(h.query_by_label("Save your examples first?").is_some(), "the unsaved-work question");
    assert!(count(h.state(), "up") > 0, "nothing lost while asking");
    h.get_by_label("Don't save").click();
    run_for(&mut h, 50);
    assert_eq!(h.state().document().map(|d| (d.total(), d.is_dirty())), Some((0, false)));
}
