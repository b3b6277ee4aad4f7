//! "Fix mistakes" in the desktop app, driven headless with egui_kittest like `tests/ui.rs` (its
//! harness: the demo camera on the test's own clock, the real MobileNet V1 0.25): play with a
//! trained head, open the window, drag across a stretch of the timeline, pick the class it
//! should have been, add it — and the project holds exactly those frames as new examples.

use egui::Pos2;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use pacnet::ui::Settings;

use crate::ui::{App, POSES, count, harness, options, pose, predicted, ready, record_poses, run_for, settle, wait_for};
use crate::util;

fn pointer(a: &mut App, at: Pos2, pressed: Option<bool>) {
    a.h.event(egui::Event::PointerMoved(at));
    if let Some(pressed) = pressed {
        a.h.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::default(),
        });
    }
    a.h.step();
}

#[test]
fn a_stretch_of_play_labelled_in_fix_mistakes_becomes_examples_of_that_class() {
    let dir = util::tempdir();
    let mut settings = Settings::default();
    settings.hyper.epochs = 4;
    settings.hyper.views = 0;
    let mut a = harness(settings, options(dir.path()));
    ready(&mut a);
    record_poses(&mut a);
    a.h.get_by_label("2  Train").click();
    a.h.step();
    a.h.step();
    a.h.get_by_role_and_label(Role::Button, "Train").click();
    a.h.step();
    wait_for(&mut a, 180, "training", |a| {
        !a.run_progress().running && a.document().is_some_and(|d| d.head().is_some())
    });

    // Play with the toy held "up" for 2 s: the model says `up` throughout.
    a.h.get_by_label("3  Play").click();
    a.h.step();
    let (_, x, y) = POSES[0];
    pose(&a, x, y);
    wait_for(&mut a, 30, "the prediction `up`", |a| predicted(a).as_deref() == Some("up"));
    run_for(&mut a, 2000);

    // Open the view: the game pauses and the strip shows the history as it is now (the test's
    // clock stands still from here, so no frame arrives after this copy).
    a.h.get_by_label("Fix mistakes…").click();
    a.h.step();
    a.h.step();
    let history = a.h.state().runtime().features().expect("features").history().snapshot();
    let frames = history.frames();
    assert!(frames.len() >= 25, "2 s at 15 a second: {}", frames.len());
    let (rect, t0, t1) = a.h.state().fix_timeline().expect("the timeline is on screen");
    // (Frames that arrive from here on are not in the window's copy.)
    wait_for(&mut a, 5, "the game to pause", |a| {
        a.runtime().game().and_then(|g| g.snapshot()).is_some_and(|s| s.paused)
    });
    assert_eq!((t0, t1), (frames[0].at, frames[frames.len() - 1].at));

    // Drag from a quarter to two thirds of the strip.
    let (fa, fb) = (0.25f32, 0.66f32);
    let px = |f: f32| Pos2::new(rect.left() + f * rect.width(), rect.top() + 10.0);
    pointer(&mut a, px(fa), Some(true));
    for k in 1..=8 {
        pointer(&mut a, px(fa + (fb - fa) * k as f32 / 8.0), None);
    }
    pointer(&mut a, px(fb), Some(false));
    // The frames under the pointer at press and release: the last ones taken at or before.
    let under = |f: f32| {
        let t = t0 + (t1 - t0).mul_f32(f);
        frames.partition_point(|fr| fr.at <= t) - 1
    };
    let (ia, ib) = (under(fa), under(fb));
    let n = ib + 1 - ia;
    assert!(n >= 8, "{ia}..={ib}");
    assert!(
        a.h.query_by_label_contains(&format!("{n} frames — the model said mostly `up`")).is_some(),
        "the selection of {n} frames is described: {:?}",
        a.h.query_all_by_label_contains("Selected").map(|n| format!("{n:?}")).collect::<Vec<_>>()
    );

    // "It should have been: left", then add.
    a.h.get_by_role_and_label(Role::Button, "left").click();
    a.h.step();
    let (before, up) = (count(a.h.state(), "left"), count(a.h.state(), "up"));
    a.h.get_by_label(&format!("Add {n} frames as left")).click();
    a.h.step();
    settle(&mut a, 60, "the new examples", |app| count(app, "left") == before + n);
    let doc = a.h.state().document().expect("doc");
    let left = doc.classes().iter().position(|c| c == "left").expect("left");
    let added: Vec<_> = doc.dataset().examples().iter().filter(|e| e.label == left).skip(before).collect();
    let want: Vec<_> = frames.range(ia..=ib).map(|f| f.thumbnail.clone()).collect();
    assert_eq!(added.iter().map(|e| e.thumbnail.clone()).collect::<Vec<_>>(), want, "the selected frames, in order");
    assert_eq!(count(a.h.state(), "up"), up, "nothing else changed");
    a.h.step();
    let confirmation = format!("added {n} examples to left — retrain");
    assert!(a.h.query_by_label_contains(&confirmation).is_some(), "the window confirms: {:?}", a.h.state().messages());
    assert!(
        a.h.state().messages().iter().any(|m| m.contains(&format!("added {n} examples to `left` — retraining"))),
        "{:?}",
        a.h.state().messages()
    );
    settle(&mut a, 180, "the new run", |app| !app.run_progress().running);
    let run = a.h.state().run_progress();
    assert_eq!(run.epochs_done.len(), 4, "the new run finished: {:?}", run.outcome);
}
