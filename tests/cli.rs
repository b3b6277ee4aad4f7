//! The real `pacnet` binary: output formats, exit codes, one-line errors.

use crate::backbone::hub::{FakeHub, v1_files};
use crate::fake::Fake;
use crate::util::{self, assert_one_line_error, pacnet, run};

#[test]
fn classify_prints_cheeseburger_first_for_the_burger() {
    let (code, out, err) =
        run(pacnet().args(["classify", "--model"]).arg(util::v1_dir()).arg(util::photo("burger.jpg")));
    assert_eq!(code, 0, "{err}");
    let first = out.lines().nth(1).unwrap_or_default();
    assert!(first.ends_with("cheeseburger"), "first guess: {out}");
    let pct: f32 = first.trim().split('%').next().and_then(|p| p.trim().parse().ok()).expect("percentage");
    assert!(pct > 50.0, "{out}");
    assert_eq!(out.lines().count(), 6, "file line + top 5: {out}");
}

#[test]
fn classify_honours_top_and_pacnet_model_env() {
    let (code, out, err) = run(pacnet()
        .env("PACNET_MODEL", util::v1_dir())
        .args(["classify", "--top", "2"])
        .arg(util::photo("burger.jpg"))
        .arg(util::photo("cat.jpg")));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 6, "two images × (name + 2 guesses): {out}");
}

#[test]
fn classify_bad_inputs_fail_with_one_line() {
    let dir = util::tempdir();
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").expect("w");
    let (code, _, err) = run(pacnet().args(["classify", "--model"]).arg(util::v1_dir()).arg(&empty));
    assert_one_line_error(code, &err, &["empty.jpg", "0 bytes"]);
    assert_eq!(code, 2);

    let (code, _, err) = run(pacnet().args(["classify", "--model"]).arg(dir.path()).arg(util::photo("burger.jpg")));
    assert_one_line_error(code, &err, &["config.json", "missing"]);

    let (code, _, err) = run(pacnet().args(["classify", "--model", "./nowhere/at/all", "x.jpg"]));
    assert_one_line_error(code, &err, &["--model ./nowhere/at/all: no such directory"]);
}

#[test]
fn with_no_network_and_an_empty_home_the_builtin_model_names_the_cheeseburger() {
    let home = util::tempdir();
    let (code, out, err) = run(pacnet()
        .env("HOME", home.path())
        .env("HF_HUB_OFFLINE", "1")
        .env_remove("HF_HOME")
        .arg("classify")
        .arg(util::photo("burger.jpg")));
    assert_eq!(code, 0, "{err}");
    let first = out.lines().nth(1).unwrap_or_default();
    assert!(first.ends_with("cheeseburger"), "first guess: {out}");
    assert!(err.is_empty(), "nothing to report: {err}");
    assert_eq!(std::fs::read_dir(home.path()).expect("home").count(), 0, "nothing written to HOME");
}

#[test]
fn a_catalog_model_missing_from_the_cache_offline_says_so_in_one_line() {
    let (code, _, err) =
        run(pacnet().args(["--offline", "classify", "--model", "v3-large"]).arg(util::photo("cat.jpg")));
    assert_one_line_error(
        code,
        &err,
        &["timm/mobilenetv3_large_100.ra_in1k", "not in the Hugging Face cache", "offline"],
    );
}

/// `pacnet classify` against a fake Hub that counts requests, with a private cache.
fn classify_via(hub: &FakeHub, cache: &std::path::Path, model: &str) -> std::process::Command {
    let mut cmd = pacnet();
    cmd.env("HF_ENDPOINT", &hub.url)
        .env("HF_HOME", cache)
        .args(["classify", "--model", model])
        .arg(util::photo("burger.jpg"));
    cmd
}

#[test]
fn offline_and_path_like_models_make_no_request() {
    let hub = FakeHub::start(v1_files());
    let cache = util::tempdir();
    let hits = || hub.hits.load(std::sync::atomic::Ordering::SeqCst);

    let (code, _, err) = run(classify_via(&hub, cache.path(), "test/v1").env("HF_HUB_OFFLINE", "1"));
    assert_one_line_error(code, &err, &["test/v1", "not in the Hugging Face cache", "offline"]);
    let (code, _, err) = run(classify_via(&hub, cache.path(), "test/v1").arg("--offline"));
    assert_one_line_error(code, &err, &["test/v1", "not in the Hugging Face cache", "offline"]);
    assert_eq!(hits(), 0, "HF_HUB_OFFLINE=1 and --offline: no request");

    // Path-like arguments are paths: "no such directory", and never a request (here from a
    // working directory with a `models` folder, so `models/mine` is a path too).
    let cwd = util::tempdir();
    std::fs::create_dir(cwd.path().join("models")).expect("mkdir");
    for arg in ["models/mine", "./mine", "../mine", "mine", "a/b/c", "x/model.safetensors", "/no/such/model"] {
        let (code, _, err) = run(classify_via(&hub, cache.path(), arg).current_dir(cwd.path()));
        assert_one_line_error(code, &err, &[&format!("--model {arg}: no such directory")]);
    }
    let (code, _, err) = run(pacnet()
        .env("HF_ENDPOINT", &hub.url)
        .env("PACNET_MODEL", "models/mine")
        .current_dir(cwd.path())
        .arg("classify")
        .arg(util::photo("burger.jpg")));
    assert_one_line_error(code, &err, &["$PACNET_MODEL models/mine: no such directory"]);
    assert_eq!(hits(), 0, "path-like --model: no request");

    // The control: online, the same repo id does reach the server (and then works offline).
    let (code, out, err) = run(&mut classify_via(&hub, cache.path(), "test/v1"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("cheeseburger"), "{out}");
    let online = hits();
    assert!(online > 0, "the fake Hub sees the download");
    let (code, out, err) = run(classify_via(&hub, cache.path(), "test/v1").env("HF_HUB_OFFLINE", "1"));
    assert_eq!((code, out.contains("cheeseburger")), (0, true), "{err}");
    assert_eq!(hits(), online, "a cached model offline: no request");
}

#[test]
fn models_lists_the_builtin_and_the_pinned_downloads() {
    let cache = util::tempdir();
    let (code, out, err) = run(pacnet().env("HF_HOME", cache.path()).arg("models"));
    assert_eq!(code, 0, "{err}");
    for want in ["builtin", "MobileNet v1 0.25", "v3-large", "v3-small", "v2", "not downloaded", "compiled in"] {
        assert!(out.contains(want), "{want}: {out}");
    }
    for e in &pacnet::backbone::CATALOG {
        assert!(out.contains(&format!("{}@{} sha256 {}", e.repo, e.revision, e.sha256)), "{out}");
    }
    let (code, help, _) = run(pacnet().args(["classify", "--help"]));
    assert_eq!(code, 0);
    assert!(help.contains("no such directory") && help.contains("builtin") && help.contains("owner/name"), "{help}");
}

// ------------------------------------------------------------------------------------------
// `pacnet cameras` and `pacnet record` against the fake camera (issue 13)

fn pictures(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> =
        std::fs::read_dir(dir).map_or_else(|_| Vec::new(), |d| d.flatten().map(|e| e.path()).collect());
    files.sort();
    files
}

#[test]
fn cameras_lists_the_fake_camera_like_v4l2_ctl() {
    let (code, out, err) = run(Fake::new().metadata_node().pacnet().arg("cameras"));
    assert_eq!(code, 0, "{err}");
    let expected = [
        "camera 0 (pacnet fake camera): /dev/video0, uvcvideo, usb-pacnet-fake",
        "    YUYV  YUYV 4:2:2",
        "        640×480     30, 15 fps",
        "        1280×720    30, 15 fps",
        "        320×240     30, 15 fps",
        "    MJPG  Motion-JPEG",
    ];
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(&lines[..expected.len()], expected, "{out}");
    assert!(
        out.contains("camera 1 (pacnet fake camera): /dev/video1") && out.contains("not a picture source"),
        "{out}"
    );
    assert!(out.contains("Use one with: pacnet --camera 0"), "{out}");
}

#[test]
fn cameras_says_when_there_are_none_or_access_is_denied() {
    // Unplugged from the start: no camera at all.
    let (code, out, _) = run(Fake::new().fault("unplug:0").pacnet().arg("cameras"));
    assert_eq!(
        (code, out.trim()),
        (0, "No cameras found (no /dev/video* device). Plug one in, or use the demo camera: pacnet --camera demo")
    );

    let (code, out, _) = run(Fake::new().fault("denied").pacnet().arg("cameras"));
    assert_eq!(code, 0);
    assert!(
        out.contains("camera 0 (pacnet fake camera): /dev/video0\n    cannot be used now: camera 0: permission denied"),
        "{out}"
    );
    assert!(out.contains("No camera can be used: access is denied") && out.contains("`video` group"), "{out}");

    let (_, out, _) = run(Fake::new().fault("unsupported").pacnet().arg("cameras"));
    assert!(out.contains("H264  H.264 — pacnet cannot decode this format"), "{out}");
    assert!(out.contains("No camera can be used now"), "{out}");
}

#[test]
fn record_writes_the_served_pattern_at_the_record_panels_pace() {
    let dir = util::tempdir();
    let data = dir.path().join("data");
    let (code, out, err) = run(Fake::new()
        .pacnet()
        .args(["record", "--camera", "0", "--class", "up", "--frames", "20", "--data"])
        .arg(&data));
    assert_eq!(code, 0, "{err}");
    let up = data.join("up");
    assert_eq!(
        out.trim(),
        format!(
            "recorded 20 pictures of `up` from camera 0 (pacnet fake camera), 640×480 at 30 fps, into {} \
             (frame_000001.png … frame_000020.png)",
            up.display()
        )
    );
    let files = pictures(&up);
    assert_eq!(files.len(), 20, "{files:?}");
    let numbers: Vec<u32> = files
        .iter()
        .map(|f| {
            let image = image::open(f).expect("a readable picture").into_rgb8();
            assert_eq!(image.dimensions(), (640, 480));
            let pattern =
                crate::fake::read_pattern(&image).unwrap_or_else(|| panic!("{} is not the pattern", f.display()));
            assert!(pattern.mirrored, "mirrored like the app: {}", f.display());
            pattern.frame
        })
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "each picture a later camera frame: {numbers:?}");
    // 10 a second from a 30 fps camera: about every third frame, never every frame.
    let span = numbers.last().unwrap_or(&0) - numbers.first().unwrap_or(&0);
    assert!(span >= 2 * 19, "19 steps spanned only {span} camera frames: {numbers:?}");

    // A second run adds to the class instead of overwriting it.
    let (code, out, err) =
        run(Fake::new().pacnet().args(["record", "--class", "up", "--frames", "2", "--jpeg", "--data"]).arg(&data));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(frame_000021.jpg … frame_000022.jpg)"), "{out}");
    assert_eq!(pictures(&up).len(), 22);
}

#[test]
fn record_ends_an_unplug_with_one_line_naming_the_camera_and_loses_no_picture() {
    let dir = util::tempdir();
    let data = dir.path().join("data");
    // Unplugged after 20 frames (0.7 s at 30 fps, about 7 pictures): never all 30.
    let (code, out, err) = run(Fake::new()
        .fault("unplug:20")
        .pacnet()
        .args(["record", "--camera", "0", "--class", "left", "--frames", "30", "--data"])
        .arg(&data));
    let files = pictures(&data.join("left"));
    let n = files.len();
    assert!((1..=20).contains(&n), "{n} pictures before the unplug; {err}");
    assert_one_line_error(
        code,
        &err,
        &[
            "camera 0 (pacnet fake camera) was disconnected",
            &format!("{n} of 30 pictures are saved in {}", data.join("left").display()),
        ],
    );
    assert_eq!(out, "");
    for f in &files {
        assert_eq!(f.extension().and_then(|e| e.to_str()), Some("png"), "no half-written file: {}", f.display());
        assert!(image::open(f).is_ok(), "{} is whole", f.display());
    }
}

#[test]
fn record_from_a_busy_or_missing_camera_fails_at_once_with_the_reason() {
    let dir = util::tempdir();
    let (code, _, err) = run(Fake::new()
        .fault("busy")
        .pacnet()
        .args(["record", "--class", "up", "--frames", "3", "--data"])
        .arg(dir.path()));
    assert_one_line_error(code, &err, &["camera 0 is busy", "0 of 3 pictures are saved"]);
    let (code, _, err) = run(pacnet().args(["record", "--camera", "7", "--class", "up", "--data"]).arg(dir.path()));
    assert_one_line_error(code, &err, &["camera 7 was not found"]);
}

#[test]
fn record_from_the_demo_camera_and_bad_arguments() {
    let dir = util::tempdir();
    let (code, out, err) = run(pacnet()
        .args(["record", "--camera", "demo", "--class", "none", "--frames", "3", "--rate", "30", "--data"])
        .arg(dir.path()));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("recorded 3 pictures of `none` from demo camera"), "{out}");
    assert_eq!(pictures(&dir.path().join("none")).len(), 3);

    let bad = |args: &[&str], needles: &[&str]| {
        let (code, _, err) = run(pacnet().arg("record").args(args).arg("--data").arg(dir.path()));
        assert_one_line_error(code, &err, needles);
    };
    bad(&["--class", "../up"], &["--class ../up", "plain folder name"]);
    bad(&["--class", " "], &["--class", "empty"]);
    bad(&["--class", "up", "--frames", "0"], &["--frames 0"]);
    bad(&["--class", "up", "--rate", "0"], &["--rate 0"]);
    bad(&["--class", "up", "--size", "big"], &["--size big", "640x480"]);
    bad(&["--class", "up", "--camera", "demo", "--fps", "15"], &["--size and --fps are for webcams"]);
    bad(&["--class", "up", "--camera", "nowhere/at/all"], &["--camera nowhere/at/all"]);
}

#[test]
fn record_train_predict_loop_from_the_command_line_with_photos_as_the_camera() {
    // The fake camera serves a photo as its MJPEG frames; one recording per class.
    let dir = util::tempdir();
    let data = dir.path().join("data");
    for class in ["burger", "cat"] {
        let frames = dir.path().join(format!("{class}-frames"));
        std::fs::create_dir(&frames).unwrap();
        std::fs::copy(util::photo(&format!("{class}.jpg")), frames.join("0.jpg")).unwrap();
        let (code, out, err) = run(Fake::new()
            .format("mjpeg")
            .frames(&frames)
            .pacnet()
            .args(["record", "--class", class, "--frames", "6", "--rate", "30", "--no-mirror", "--data"])
            .arg(&data));
        assert_eq!(code, 0, "{err}");
        assert!(out.starts_with(&format!("recorded 6 pictures of `{class}` from camera 0")), "{out}");
    }
    let project = dir.path().join("photos.pacnet");
    let (code, _, err) = run(pacnet()
        .args(["train", "--epochs", "20", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&project)
        .arg("--model")
        .arg(util::v1_dir()));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(pacnet()
        .arg("predict")
        .arg("--project")
        .arg(&project)
        .arg(util::photo("burger.jpg"))
        .arg(util::photo("cat.jpg")));
    assert_eq!(code, 0, "{err}");
    let best: Vec<&str> = out.lines().filter_map(|l| l.split(": ").nth(1)?.split(' ').next()).collect();
    assert_eq!(best, ["burger", "cat"], "{out}");
}
