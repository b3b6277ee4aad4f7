//! Key output through a fake `/dev/uinput` (`tests/fake_uinput.c`, preloaded into `pacnet` by
//! `scripts/with-fake-uinput.sh`): the exact key events `pacnet steer --keys` writes for a
//! folder of frames, hold and tap, bindings and cooldowns, release on Ctrl-C, refusals; and
//! a project with five custom classes from training to ONNX to a saved profile (issue 30).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::learn::{TRAIN_BGS, scenes, train_cmd};
use crate::util::{self, run};

/// `pacnet` under the fake device, logging to `log`, with `fault` if any.
pub(crate) fn fake(log: &Path, fault: Option<&str>) -> Command {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/with-fake-uinput.sh");
    let mut cmd = Command::new(script);
    cmd.arg("--log").arg(log);
    if let Some(f) = fault {
        cmd.args(["--fault", f]);
    }
    cmd.arg(env!("CARGO_BIN_EXE_pacnet"))
        .env_remove("PACNET_MODEL")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("HF_HOME", std::env::temp_dir().join("pacnet-test-hf-home-empty"))
        .env("HF_ENDPOINT", "http://127.0.0.1:9");
    cmd
}

/// The key and axis events of the log, in order, as ("key" or "abs", code, value); also checks
/// that the device took each one and that each report ends with a SYN_REPORT at once.
pub(crate) fn events(log: &Path) -> Vec<(&'static str, u16, i32)> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        assert!(!l.starts_with("dropped"), "an event the device did not take: {l}\n{text}");
        let Some((kind, rest)) = l.split_once(' ').filter(|(k, _)| ["key", "abs"].contains(k)) else { continue };
        let (code, value) = rest.split_once(' ').unwrap();
        out.push((if kind == "key" { "key" } else { "abs" }, code.parse().unwrap(), value.parse().unwrap()));
        let next = lines.get(i + 1).copied().unwrap_or_default();
        // The two axes of a diagonal share a report.
        assert!(next == "syn" || (kind == "abs" && next.starts_with("abs ")), "reported at once: {text}");
    }
    out
}

/// The key events of the log, as (code, value) (see [`events`]).
fn keys(log: &Path) -> Vec<(u16, i32)> {
    events(log).into_iter().filter(|e| e.0 == "key").map(|(_, code, value)| (code, value)).collect()
}

const KEY_SPACE: u16 = 57;
const KEY_A: u16 = 30;
const KEY_UP: u16 = 103;
const KEY_LEFT: u16 = 105;

/// `steer --keys` through the fake device, with no countdown and steering that follows every
/// frame (threshold 0, no smoothing, no hold time), so the key events follow the frames.
pub(crate) fn steer(log: &Path, project: &Path, camera: &Path, extra: &[&str]) -> (i32, String) {
    let (code, _, stderr) = run(fake(log, None)
        .args(["steer", "--keys", "--backend", "uinput", "--countdown", "0"])
        .arg("--project")
        .arg(project)
        .arg("--camera")
        .arg(camera)
        .args(["--threshold", "0", "--smoothing", "0", "--hold-ms", "0"])
        .args(extra));
    (code, stderr)
}

/// A folder of training frames, three of each of `classes` in order (training frames: the head
/// knows them, so the classes are certain).
pub(crate) fn frames_of(data: &Path, dir: &Path, classes: &[&str]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut n = 0;
    for class in classes {
        for i in 0..3 {
            std::fs::copy(data.join(class).join(format!("{i:03}.jpg")), dir.join(format!("{n:03}.jpg"))).unwrap();
            n += 1;
        }
    }
    dir.to_owned()
}

#[test]
fn steer_through_uinput_writes_the_exact_key_events_for_a_folder_of_frames() {
    let dir = util::tempdir();
    let (project, _) = crate::live::project_and_frames(dir.path());
    let frames = frames_of(&dir.path().join("data"), &dir.path().join("seq"), &["up", "left", "up"]);
    let log = |name: &str| dir.path().join(name);

    // The arrow keys, held: Up, then Left, then Up again, each released before the next.
    let (code, stderr) = steer(&log("hold"), &project, &frames, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("to a virtual keyboard (/dev/uinput)"), "{stderr}");
    let text = std::fs::read_to_string(log("hold")).unwrap();
    assert!(text.starts_with("open\nsetup pacnet virtual keyboard\ncreate 98\n"), "{text}");
    assert!(text.ends_with("close\n"), "the device is closed at the end: {text}");
    assert!(!text.contains("gamepad"), "no gamepad without a gamepad binding: {text}");
    assert_eq!(keys(&log("hold")), [(KEY_UP, 1), (KEY_UP, 0), (KEY_LEFT, 1), (KEY_LEFT, 0), (KEY_UP, 1), (KEY_UP, 0)]);

    // Tapped: one press and release per change.
    let (code, stderr) = steer(&log("tap"), &project, &frames, &["--mode", "tap"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(keys(&log("tap")), [(KEY_UP, 1), (KEY_UP, 0), (KEY_LEFT, 1), (KEY_LEFT, 0), (KEY_UP, 1), (KEY_UP, 0)]);

    // --bind: up is space, left is a (the done-when of issue 30: KEY_SPACE down and up).
    let (code, stderr) = steer(&log("bind"), &project, &frames, &["--bind", "up=space,left=a"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("sending keys (left=a,up=space)"), "{stderr}");
    let space_a = [(KEY_SPACE, 1), (KEY_SPACE, 0), (KEY_A, 1), (KEY_A, 0), (KEY_SPACE, 1), (KEY_SPACE, 0)];
    assert_eq!(keys(&log("bind")), space_a);

    // Two classes on one key: it stays down across the switch, and is released once at the end.
    let (code, stderr) = steer(&log("shared"), &project, &frames, &["--bind", "up=space,left=space"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(keys(&log("shared")), [(KEY_SPACE, 1), (KEY_SPACE, 0)]);

    // A cooldown of a minute: the second `up` does not tap again; `left` (no cooldown) does.
    let (code, stderr) = steer(&log("cool"), &project, &frames, &["--bind", "up=space:tap:60000ms,left=a:tap"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(keys(&log("cool")), [(KEY_SPACE, 1), (KEY_SPACE, 0), (KEY_A, 1), (KEY_A, 0)]);

    // A threshold above what any frame reaches: nothing is pressed for up.
    let (code, stderr) = steer(&log("sure"), &project, &frames, &["--bind", "up=space:1.0,left=a"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(keys(&log("sure")), [(KEY_A, 1), (KEY_A, 0)]);

    // Bad bindings: one line naming the value, before any device is made.
    for (bind, needle) in [
        ("up=spacebar", "unknown key `spacebar`"),
        ("jump=space", "class `jump` is bound, but the project's head knows [down, left, right, up]"),
        ("up=a:2", "threshold 2: expected 0 to 1"),
    ] {
        let (code, stderr) = steer(&log("bad"), &project, &frames, &["--bind", bind]);
        util::assert_one_line_error(code, &stderr, &[needle]);
    }
}

/// `steer --keys --loop` through the fake device with `extra`, interrupted with SIGINT (as Ctrl-C
/// in the terminal sends it) once `first` is in the log; checks it then exits successfully and
/// returns its stderr.
pub(crate) fn interrupted(
    log: &Path,
    project: &Path,
    camera: &Path,
    extra: &[&str],
    first: (&str, u16, i32),
) -> String {
    let mut child = fake(log, None)
        .args(["steer", "--keys", "--backend", "uinput", "--countdown", "0", "--loop", "--threshold", "0"])
        .args(extra)
        .arg("--project")
        .arg(project)
        .arg("--camera")
        .arg(camera)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(60);
    // The raw text, not `events`: a report read half-written (no SYN yet) is not a failure here.
    let sent = format!("{} {} {}\nsyn\n", first.0, first.1, first.2);
    while !std::fs::read_to_string(log).unwrap_or_default().contains(&sent) {
        assert!(Instant::now() < until, "{first:?} was never sent");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");
    err
}

#[test]
fn ctrl_c_releases_the_held_key_and_refusals_say_how_to_fix_them() {
    let dir = util::tempdir();
    let (project, up) = crate::live::project_and_frames(dir.path());
    let log = dir.path().join("int");
    let err = interrupted(&log, &project, &up, &["--bind", "up=space"], ("key", KEY_SPACE, 1));
    assert_eq!(keys(&log), [(KEY_SPACE, 1), (KEY_SPACE, 0)], "released on Ctrl-C: {err}");
    assert!(std::fs::read_to_string(&log).unwrap().ends_with("key 57 0\nsyn\nclose\n"));

    // Refusals: no device, no permission (forced), and with auto neither uinput nor a display.
    let refuse = |fault: &str, backend: &str| {
        let (code, _, stderr) = run(fake(&dir.path().join("none"), Some(fault))
            .args(["steer", "--keys", "--backend", backend, "--project"])
            .arg(&project));
        (code, stderr)
    };
    let (code, stderr) = refuse("missing", "uinput");
    util::assert_one_line_error(code, &stderr, &["/dev/uinput does not exist", "modprobe uinput"]);
    let (code, stderr) = refuse("denied", "uinput");
    util::assert_one_line_error(code, &stderr, &["/dev/uinput: permission denied", "udev rule", "README"]);
    let (code, stderr) = refuse("denied", "auto");
    util::assert_one_line_error(code, &stderr, &["permission denied", "XTEST", "DISPLAY is not set"]);
    assert!(!dir.path().join("none").exists() || keys(&dir.path().join("none")).is_empty());

    // The device going away mid-run ends it with an error, not silence.
    let log = dir.path().join("unplug");
    let (code, _, stderr) = run(fake(&log, Some("unplug:1"))
        .args(["steer", "--keys", "--countdown", "0", "--threshold", "0", "--bind", "up=space:tap"])
        .arg("--project")
        .arg(&project)
        .arg("--camera")
        .arg(dir.path().join("data/up")));
    assert_ne!(code, 0, "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("pacnet: sending keys failed: the virtual keyboard stopped taking key presses"),
        "{stderr}"
    );
    assert_eq!(keys(&log), [(KEY_SPACE, 1)]);
}

#[test]
fn five_custom_classes_train_export_and_steer_with_a_saved_profile() {
    let dir = util::tempdir();
    let names: Vec<String> = ["jump", "duck", "left", "right", "fire"].map(String::from).to_vec();
    let (data, project) = (dir.path().join("data"), dir.path().join("game.pacnet"));
    scenes().write_named(&data, &names, 8, &TRAIN_BGS, 21);
    let (code, stdout, stderr) = run(train_cmd(&data, &project).args(["--epochs", "20", "--seed", "5"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("examples: 40 (duck 8, fire 8, jump 8, left 8, right 8)"), "{stdout}");

    // ONNX: the graph's output has the five classes.
    let onnx = dir.path().join("onnx");
    let (code, _, stderr) =
        run(util::pacnet().args(["export", "--format", "onnx", "--project"]).arg(&project).arg("--out").arg(&onnx));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(crate::export::onnx_output_classes(&onnx.join("model.onnx")), 5, "the exported head has 5 outputs");
    assert_eq!(std::fs::read_to_string(onnx.join("classes.txt")).unwrap(), "duck\nfire\njump\nleft\nright\n");

    // A saved profile, listed, replaced, and a typo refused.
    let profile = |args: &[&str]| run(util::pacnet().arg("profile").arg("--project").arg(&project).args(args));
    let (code, _, stderr) = profile(&[
        "--name",
        "Dino game",
        "--bind",
        "jump=space:tap,duck=down,fire=mouse-left:tap,left=left,right=right",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) =
        profile(&["--name", "Dino game", "--bind", "jump=space:tap,duck=down,fire=f:tap,left=a,right=d"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("replaced the profile"), "{stderr}");
    let (code, _, stderr) = profile(&["--name", "Typo", "--bind", "jmup=space"]);
    util::assert_one_line_error(code, &stderr, &["class `jmup` is not one of the project's classes"]);
    let (code, stdout, stderr) = profile(&["--list"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "Dino game\tduck=down,fire=f:tap,jump=space:tap,left=a,right=d\n");

    // Steer with it: frames of jump, fire, duck (training frames), through the fake device.
    let frames = dir.path().join("seq");
    std::fs::create_dir_all(&frames).unwrap();
    for (n, class) in ["jump", "jump", "fire", "fire", "duck", "duck"].iter().enumerate() {
        std::fs::copy(data.join(class).join(format!("{:03}.jpg", n % 2)), frames.join(format!("{n:03}.jpg"))).unwrap();
    }
    let log = dir.path().join("keys");
    let (code, stderr) = steer(&log, &project, &frames, &["--profile", "dino game"]);
    assert_eq!(code, 0, "{stderr}");
    const KEY_F: u16 = 33;
    const KEY_DOWN: u16 = 108;
    assert_eq!(keys(&log), [(KEY_SPACE, 1), (KEY_SPACE, 0), (KEY_F, 1), (KEY_F, 0), (KEY_DOWN, 1), (KEY_DOWN, 0)]);
    let (code, stderr) = steer(&log, &project, &frames, &["--profile", "Racing"]);
    util::assert_one_line_error(code, &stderr, &["no profile `Racing` in the project (it has: Dino game)"]);

    // Removed, the project steers no more with it.
    let (code, _, stderr) = profile(&["--remove", "Dino game"]);
    assert_eq!(code, 0, "{stderr}");
    let (_, stdout, _) = profile(&["--list"]);
    assert!(stdout.starts_with("Pac-Man (implied"), "{stdout}");
}
