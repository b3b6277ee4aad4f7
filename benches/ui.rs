//! The UI thread's own cost per frame, per panel: the app's `frame` (layout, drawing
//! commands, reading the workers' newest results, texture updates) with the demo camera, the
//! real MobileNet v1 0.25 and ~30 recorded examples per class. Rasterising is the GPU's job
//! (or llvmpipe's under Xvfb) and is not included. At 60 fps a frame has 16.7 ms.
//!
//! `cargo bench --bench ui`; under `cargo test` each panel runs once, as a smoke test.

// A benchmark whose setup fails should stop with its message.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use pacnet::camera::SourceSpec;
use pacnet::ui::{AppOptions, Command, PacnetApp, Settings, Tab};

fn main() {
    divan::main();
}

fn model_dir() -> String {
    format!("{}/../shared/models/tf_mobilenetv1_025", env!("CARGO_MANIFEST_DIR"))
}

/// A running app on `tab` whose workers are up, with examples recorded for every class.
fn app(tab: Tab, dir: &std::path::Path) -> Harness<'static, PacnetApp> {
    let options = AppOptions {
        model: Some(model_dir()),
        camera: Some(SourceSpec::Demo),
        project: None,
        recovery_file: Some(dir.join("recovery.pacnet")),
        tab: Some(Tab::Record),
        clock: None,
        offline: true,
        sound: false,
    };
    let app = PacnetApp::new(&egui::Context::default(), Settings::default(), options);
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1360.0, 860.0))
        .with_max_steps(8)
        .build_ui_state(|ui, app: &mut PacnetApp| app.frame(ui), app);
    let until = |h: &mut Harness<'static, PacnetApp>, what: &str, done: &dyn Fn(&PacnetApp) -> bool| {
        let end = Instant::now() + Duration::from_secs(120);
        while !done(h.state()) {
            assert!(Instant::now() < end, "timed out waiting for {what}");
            h.step();
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    until(&mut h, "the model", &|a| a.document().is_some() && a.runtime().features().and_then(|f| f.live()).is_some());
    for key in [egui::Key::ArrowUp, egui::Key::ArrowDown, egui::Key::ArrowLeft, egui::Key::ArrowRight] {
        h.key_down(key);
        let end = Instant::now() + Duration::from_millis(1500);
        while Instant::now() < end {
            h.step();
            std::thread::sleep(Duration::from_millis(10));
        }
        h.key_up(key);
        h.step();
    }
    h.state_mut().command(Command::Tab(tab));
    h.step();
    h
}

/// One UI frame on each panel (the camera and the feature worker keep running meanwhile).
#[divan::bench(args = [Tab::Record, Tab::Train, Tab::Play, Tab::Learn], sample_count = 200, sample_size = 1)]
fn frame(bencher: divan::Bencher, tab: Tab) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = app(tab, dir.path());
    bencher.bench_local(|| h.step());
}
