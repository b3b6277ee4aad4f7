//! Key profiles and the key tester in the desktop app, driven headless like `ui.rs` (its
//! harness: the demo camera on the test's own clock, the real MobileNet V1 0.25): a project
//! trained in the app gets a saved profile from the real `pacnet profile`, is opened again, the
//! profile is picked on the Play panel, and the key tester shows what a game would receive
//! while the demo camera holds a pose — with nothing sent anywhere.

use egui::Vec2;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use pacnet::live::key_tester::TesterState;
use pacnet::live::session::picked_profile;
use pacnet::ui::{Command, PacnetApp, Settings};

use crate::ui::{App, POSES, harness, options, pose, predicted, ready, record_poses, run_for, settle, wait_for};
use crate::util;

fn tester(app: &PacnetApp) -> Option<TesterState> {
    app.runtime().key_tester().map(pacnet::live::key_tester::KeyTester::snapshot)
}

fn log(app: &PacnetApp) -> Vec<String> {
    tester(app).map(|s| s.log.iter().map(pacnet::live::key_tester::KeyEvent::text).collect()).unwrap_or_default()
}

/// Holds the toy in `class`'s pose until the model says so.
fn hold_pose(a: &mut App, class: &str) {
    let (_, x, y) = POSES.into_iter().find(|p| p.0 == class).expect("a pose");
    pose(a, x, y);
    wait_for(a, 30, &format!("the prediction `{class}`"), |app| predicted(app).as_deref() == Some(class));
}

#[test]
fn a_saved_profile_picked_on_play_drives_the_key_tester_and_nothing_is_sent() {
    let dir = util::tempdir();
    let mut settings = Settings { idle_class: false, ..Settings::default() };
    settings.hyper.epochs = 4;
    settings.hyper.views = 0;
    let mut a = harness(settings, options(dir.path()));
    // Tall enough that the Play column's knobs, the picker and the tester need no scrolling.
    a.h.set_size(Vec2::new(1360.0, 1500.0));
    ready(&mut a);
    record_poses(&mut a);
    a.h.state_mut().command(Command::Train);
    settle(&mut a, 180, "training", |app| {
        !app.run_progress().running && app.document().is_some_and(|d| d.head().is_some())
    });

    // Saved, given a profile by the command line, and opened again.
    let path = dir.path().join("dino.pacnet");
    a.h.state_mut().command(Command::SaveAs(path.clone()));
    settle(&mut a, 60, "the save", |app| app.document().is_some_and(|d| !d.is_dirty()));
    let p = path.to_str().expect("utf-8 path");
    let (code, _, err) = util::run(util::pacnet().args([
        "profile",
        "--project",
        p,
        "--name",
        "Dino game",
        "--bind",
        "up=space:tap,left=a",
    ]));
    assert_eq!(code, 0, "{err}");
    a.h.state_mut().command(Command::Open(path.clone()));
    settle(&mut a, 60, "the project with its profile", |app| {
        app.document().is_some_and(|d| d.profiles().get("Dino game").is_ok() && d.head().is_some())
    });

    // Play: the implied arrows are picked until the saved profile is chosen in the picker.
    a.h.get_by_label("3  Play").click();
    a.h.step();
    a.h.step();
    assert!(a.h.query_by_label("up: up · down: down · left: left · right: right").is_some());
    let combo = |v: &'static str| {
        move |n: &egui_kittest::kittest::AccessKitNode<'_>| {
            n.role() == Role::ComboBox && n.value().is_some_and(|s| s == v)
        }
    };
    a.h.get_by(combo("Pac-Man (arrow keys)")).click();
    a.h.step();
    a.h.step();
    a.h.get_by_role_and_label(Role::Button, "Dino game").click();
    a.h.step();
    a.h.step();
    assert_eq!(picked_profile(a.h.state().settings(), a.h.state().document()).0, "Dino game");
    assert_eq!(a.h.state().settings().key_profile(Some(&path)), "Dino game", "remembered for this file");
    assert!(a.h.query_by(combo("Dino game")).is_some());
    assert!(a.h.query_by_label("up: space (tap) · left: a").is_some(), "the bindings under the picker");
    assert!(a.h.query_by_label("key mode").is_none(), "a saved profile says hold or tap per class");

    // The tester: the profile's keys drawn, none pressed yet.
    a.h.get_by_label("Key tester").click();
    a.h.step();
    a.h.step();
    let s = tester(a.h.state()).expect("the tester runs");
    assert_eq!(s.profile, "Dino game");
    let caps: Vec<String> = s.caps.iter().map(|(p, _)| p.name()).collect();
    assert_eq!(caps, ["a", "space"]);
    assert!(a.h.query_by_label("key space: up").is_some() && a.h.query_by_label("key a: up").is_some());

    // Up taps space; left holds a down; up again releases a and taps space.
    hold_pose(&mut a, "up");
    wait_for(&mut a, 5, "space tapped", |app| log(app).contains(&"space tap".to_owned()));
    run_for(&mut a, 300);
    assert_eq!(log(a.h.state()), ["space tap"], "one tap while up holds");
    assert!(a.h.query_by_label_contains("space tap").is_some(), "the log on screen: {:?}", log(a.h.state()));
    hold_pose(&mut a, "left");
    wait_for(&mut a, 5, "a held", |app| tester(app).is_some_and(|s| s.held.iter().any(|p| p.name() == "a")));
    a.h.step();
    assert!(a.h.query_by_label("key a: held").is_some(), "the cap is lit");
    assert_eq!(log(a.h.state()), ["space tap", "a down"]);
    hold_pose(&mut a, "up");
    wait_for(&mut a, 5, "space tapped again", |app| log(app).iter().filter(|e| *e == "space tap").count() == 2);
    a.h.step();
    assert_eq!(log(a.h.state()), ["space tap", "a down", "a up", "space tap"]);
    assert!(tester(a.h.state()).is_some_and(|s| s.held.is_empty()));
    assert!(a.h.query_by_label("key a: up").is_some());
    assert!(a.h.state().runtime().sending_keys().is_none(), "the tester sent nothing");

    // A profile binding a class the project no longer has: a message, the button off, no panic.
    let left = a.h.state().document().and_then(|d| d.classes().iter().position(|c| c == "left")).expect("left");
    a.h.state_mut().command(Command::RenameClass { class: left, name: "west".into() });
    a.h.step();
    a.h.step();
    let msg = "profile `Dino game` binds class `left`, which the project does not have (it has: up, down, west, right)";
    assert!(a.h.query_by_label(msg).is_some(), "the error under the picker");
    let button = a.h.get_by_label("Steer another window…");
    assert!(button.accesskit_node().is_disabled(), "nothing to send");

    // Closing the tester ends it.
    a.h.get_by_label("Key tester").click();
    a.h.step();
    assert!(a.h.state().runtime().key_tester().is_none());
}
