//! The real `pacnet` binary: output formats, exit codes, one-line errors.

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
    assert_one_line_error(code, &err, &["nowhere", "not a model directory"]);
}

#[test]
fn default_model_without_network_or_cache_explains_the_way_out() {
    let (code, _, err) = run(pacnet().arg("classify").arg(util::photo("burger.jpg")));
    assert_one_line_error(code, &err, &["timm/mobilenetv3_large_100.ra_in1k", "--model", "PACNET_MODEL"]);
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
