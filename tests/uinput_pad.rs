//! The virtual gamepad through the fake `/dev/uinput` (issue 30): `--dpad` moves the hat for a
//! folder of frames, gamepad buttons beside keyboard keys, the hat centred again on Ctrl-C, and
//! XTEST's refusal of gamepad targets. Reuses `tests/uinput.rs`'s runner and log reader.

use crate::live::{Xvfb, project_and_frames};
use crate::uinput::{events, fake, frames_of, interrupted, steer};
use crate::util::{self, run};

/// `linux/input-event-codes.h`.
const HAT0X: u16 = 0x10;
const HAT0Y: u16 = 0x11;
const BTN_A: u16 = 0x130;
const BTN_START: u16 = 0x13b;
const KEY_SPACE: u16 = 57;

#[test]
fn dpad_moves_the_hat_and_pad_buttons_press_for_a_folder_of_frames() {
    let dir = util::tempdir();
    let (project, _) = project_and_frames(dir.path());
    let frames = frames_of(&dir.path().join("data"), &dir.path().join("seq"), &["up", "left", "right", "down"]);
    let log = |name: &str| dir.path().join(name);
    // Up, left, right, down on the hat: each direction back to the centre before the next.
    let hat = [
        ("abs", HAT0Y, -1),
        ("abs", HAT0Y, 0),
        ("abs", HAT0X, -1),
        ("abs", HAT0X, 0),
        ("abs", HAT0X, 1),
        ("abs", HAT0X, 0),
        ("abs", HAT0Y, 1),
        ("abs", HAT0Y, 0),
    ];

    // --dpad, held.
    let (code, stderr) = steer(&log("dpad"), &project, &frames, &["--dpad"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "sending keys (down=pad-down,left=pad-left,right=pad-right,up=pad-up) to a virtual keyboard (/dev/uinput) and a virtual gamepad"
        ),
        "{stderr}"
    );
    let text = std::fs::read_to_string(log("dpad")).unwrap();
    // The keyboard first (made before the project loads), then the gamepad: eight buttons, the
    // idle stick and the hat.
    let pad = "open\nabsinfo 0 -32768 32767\nabsinfo 1 -32768 32767\nabsinfo 16 -1 1\nabsinfo 17 -1 1\nsetup pacnet virtual gamepad\ncreate 8 abs 4\n";
    assert!(text.starts_with(&format!("open\nsetup pacnet virtual keyboard\ncreate 98\n{pad}")), "{text}");
    assert!(text.ends_with("syn\nclose\nclose\n"), "both devices are closed at the end: {text}");
    assert_eq!(events(&log("dpad")), hat);

    // The built-in profile is the same, here tapped: each direction is a press and a release.
    let (code, stderr) = steer(&log("tap"), &project, &frames, &["--profile", "gamepad d-pad", "--mode", "tap"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(events(&log("tap")), hat);

    // --bind on top of --dpad: a gamepad button (tapped) and a keyboard key on one run.
    let (code, stderr) = steer(&log("mix"), &project, &frames, &["--dpad", "--bind", "up=pad-a:tap,down=space"]);
    assert_eq!(code, 0, "{stderr}");
    let mix = [("key", BTN_A, 1), ("key", BTN_A, 0)].into_iter().chain(hat[2..6].iter().copied());
    let mix: Vec<_> = mix.chain([("key", KEY_SPACE, 1), ("key", KEY_SPACE, 0)]).collect();
    assert_eq!(events(&log("mix")), mix);

    // Gamepad buttons alone, tapped and held.
    let (code, stderr) = steer(&log("buttons"), &project, &frames, &["--bind", "up=pad-a:tap,left=pad-start"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        events(&log("buttons")),
        [("key", BTN_A, 1), ("key", BTN_A, 0), ("key", BTN_START, 1), ("key", BTN_START, 0)]
    );

    // A misspelt target names the gamepad's.
    let (code, stderr) = steer(&log("bad"), &project, &frames, &["--bind", "up=pad-z"]);
    util::assert_one_line_error(code, &stderr, &["unknown key `pad-z`", "pad-up, pad-down"]);
}

#[test]
fn ctrl_c_centres_the_hat_and_xtest_refuses_gamepad_targets() {
    let dir = util::tempdir();
    let (project, up) = project_and_frames(dir.path());
    let log = dir.path().join("int");
    let err = interrupted(&log, &project, &up, &["--dpad"], ("abs", HAT0Y, -1));
    assert_eq!(events(&log), [("abs", HAT0Y, -1), ("abs", HAT0Y, 0)], "centred on Ctrl-C: {err}");
    assert!(std::fs::read_to_string(&log).unwrap().ends_with("abs 17 0\nsyn\nclose\nclose\n"));

    // XTEST, forced or fallen back to (uinput denied), has no gamepad: one line, exit code 2,
    // before the camera starts; the fake device never sees an event.
    let x = Xvfb::start();
    for (backend, fault, bind, target) in [
        ("x11", None, "--dpad", "`pad-up`"),
        ("auto", Some("denied"), "--dpad", "`pad-up`"),
        ("x11", None, "--bind=left=a,up=pad-start:tap", "`pad-start`"),
    ] {
        let log = dir.path().join("x11");
        let (code, _, stderr) = run(fake(&log, fault)
            .env("DISPLAY", &x.display)
            .args(["steer", "--keys", "--countdown", "0", "--backend", backend, bind, "--project"])
            .arg(&project)
            .arg("--camera")
            .arg(&up));
        let fix = ["is a gamepad button, and XTEST (X11) can only press keys", "--backend uinput", "udev rule"];
        util::assert_one_line_error(code, &stderr, &[&[target][..], &fix[..]].concat());
        assert_eq!(code, 2, "{stderr}");
        assert_eq!(events(&log), [], "{backend}");
    }
}
