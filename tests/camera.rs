//! Camera tests (issue 6): the demo camera, folder replay and recording, the transform, and the
//! capture thread driven through the fault-injecting source.
//!
//! Rates are checked on frame timestamps from a `ManualClock`, never on wall time, and every
//! wait polls a condition under a generous deadline, so a busy machine makes these slower, not
//! flaky.

use std::error::Error;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use image::{Rgb, RgbImage};
use pacnet::camera::testing::{FaultPlan, TEST_DEVICE};
use pacnet::camera::{
    Backoff, CameraError, Capture, CaptureOptions, CaptureStatus, Clock, DemoCamera, DemoControl, DemoPose,
    FolderRecorder, FolderReplay, FrameSource, ManualClock, OpenEnv, RecordFormat, Resolution, SourceKind, SourceSpec,
    StopReason, SystemClock, Transform, Webcam, natural_cmp,
};

type TestResult = Result<(), Box<dyn Error>>;

/// Long enough for a loaded 2-core machine; only reached when something is broken.
const PATIENCE: Duration = Duration::from_secs(30);

/// Polls `condition` until it holds; fails the test naming `what` after [`PATIENCE`].
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) -> TestResult {
    let deadline = Instant::now() + PATIENCE;
    while !condition() {
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}").into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

fn manual_clock() -> Arc<dyn Clock> {
    ManualClock::shared()
}

fn solid(width: u32, height: u32, rgb: [u8; 3]) -> RgbImage {
    RgbImage::from_pixel(width, height, Rgb(rgb))
}

fn save(dir: &Path, name: &str, image: &RgbImage) -> TestResult {
    image.save(dir.join(name))?;
    Ok(())
}

/// Options for capture tests: quick retries, a small demo scene.
fn quick_options(clock: Arc<dyn Clock>) -> CaptureOptions {
    CaptureOptions {
        env: OpenEnv {
            clock,
            demo_control: DemoControl::default(),
            demo_resolution: Resolution::new(64, 48),
            demo_fps: 20.0,
            ..OpenEnv::default()
        },
        backoff: Backoff { first: Duration::from_millis(5), max: Duration::from_millis(40) },
        shutdown_timeout: PATIENCE,
        ..CaptureOptions::default()
    }
}

/// A plan of 8×6 frames at 200 fps on the real clock: frames come quickly without spinning.
fn plan() -> FaultPlan {
    FaultPlan::new(Resolution::new(8, 6), 200.0, SystemClock::shared())
}

fn is_running(capture: &Capture) -> bool {
    matches!(capture.status(), CaptureStatus::Running { .. })
}

// ------------------------------------------------------------------------------------------
// Folder replay and recording

#[test]
fn natural_order_sorts_numbers_by_value() {
    use std::cmp::Ordering::*;
    assert_eq!(natural_cmp("frame_2.png", "frame_10.png"), Less);
    assert_eq!(natural_cmp("frame_10.png", "frame_9.png"), Greater);
    assert_eq!(natural_cmp("a.png", "b.png"), Less);
    assert_eq!(natural_cmp("frame_000002.png", "frame_000010.png"), Less);
    assert_eq!(natural_cmp("x1y2", "x1y10"), Less);
    assert_eq!(natural_cmp("same", "same"), Equal);
    // Equal by value, different text: still a strict, stable order.
    assert_ne!(natural_cmp("f01", "f1"), Equal);
}

#[test]
fn folder_replay_plays_in_natural_order_at_the_clock_rate_and_loops() -> TestResult {
    let dir = tempfile::tempdir()?;
    // Written out of order, and with names a plain string sort would get wrong.
    save(dir.path(), "frame_10.png", &solid(4, 3, [30, 0, 0]))?;
    save(dir.path(), "frame_2.png", &solid(4, 3, [20, 0, 0]))?;
    save(dir.path(), "frame_1.png", &solid(4, 3, [10, 0, 0]))?;
    std::fs::write(dir.path().join("notes.txt"), "not an image")?;

    let mut replay = FolderReplay::open(dir.path(), 4.0, true, manual_clock())?;
    assert_eq!(replay.files().len(), 3, "only images are played");
    let info = replay.info();
    assert_eq!((info.kind, info.resolution, info.fps), (SourceKind::Folder, Resolution::new(4, 3), 4.0));

    let mut reds = Vec::new();
    for expected_seq in 0..5u64 {
        let frame = replay.next_frame()?;
        assert_eq!(frame.seq, expected_seq);
        assert_eq!(frame.timestamp, Duration::from_millis(250 * expected_seq), "4 fps = 250 ms apart");
        reds.push(frame.image.get_pixel(0, 0).0[0]);
    }
    assert_eq!(reds, [10, 20, 30, 10, 20], "natural order, then round again");
    Ok(())
}

#[test]
fn folder_replay_without_looping_ends_naming_the_folder() -> TestResult {
    let dir = tempfile::tempdir()?;
    save(dir.path(), "a.png", &solid(2, 2, [1, 2, 3]))?;
    let mut replay = FolderReplay::open(dir.path(), 10.0, false, manual_clock())?;
    replay.next_frame()?;
    match replay.next_frame() {
        Err(e @ CameraError::EndOfStream { .. }) => {
            assert!(e.to_string().contains(&dir.path().display().to_string()), "{e}");
        }
        other => return Err(format!("expected the end of the replay, got {other:?}").into()),
    }
    Ok(())
}

#[test]
fn empty_and_missing_folders_are_errors_naming_the_folder() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("readme.txt"), "no images here")?;
    let err = FolderReplay::open(dir.path(), 10.0, true, manual_clock()).err().ok_or("opened an empty folder")?;
    assert!(matches!(err, CameraError::EmptyFolder { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&dir.path().display().to_string()) && message.contains("no images"), "{message}");
    assert!(!err.is_transient(), "retrying an empty folder cannot help");

    let missing = dir.path().join("does-not-exist");
    let err = FolderReplay::open(&missing, 10.0, true, manual_clock()).err().ok_or("opened a missing folder")?;
    assert!(err.to_string().contains("does-not-exist"), "{err}");

    let err = FolderReplay::open(dir.path(), 0.0, true, manual_clock()).err().ok_or("accepted 0 fps")?;
    assert!(matches!(err, CameraError::InvalidSetting(_)), "{err:?}");
    Ok(())
}

#[test]
fn unreadable_files_are_skipped_and_counted() -> TestResult {
    let dir = tempfile::tempdir()?;
    save(dir.path(), "frame_1.png", &solid(3, 3, [11, 0, 0]))?;
    std::fs::write(dir.path().join("frame_2.png"), b"\x89PNG but then garbage")?;
    save(dir.path(), "frame_3.png", &solid(3, 3, [33, 0, 0]))?;

    let mut replay = FolderReplay::open(dir.path(), 10.0, false, manual_clock())?;
    let first = replay.next_frame()?;
    let second = replay.next_frame()?;
    assert_eq!((first.image.get_pixel(0, 0).0[0], second.image.get_pixel(0, 0).0[0]), (11, 33));
    assert_eq!((first.seq, second.seq), (0, 1), "a skipped file leaves no gap in seq");
    assert_eq!(replay.skipped(), 1);
    assert!(matches!(replay.next_frame(), Err(CameraError::EndOfStream { .. })));

    // A folder of nothing but broken images is one clear error, not an endless skip loop.
    let broken = tempfile::tempdir()?;
    std::fs::write(broken.path().join("frame_1.jpg"), b"nope")?;
    std::fs::write(broken.path().join("frame_2.jpg"), b"nope")?;
    let err = FolderReplay::open(broken.path(), 10.0, true, manual_clock()).err().ok_or("opened broken folder")?;
    let message = err.to_string();
    assert!(matches!(err, CameraError::NoReadableImages { count: 2, .. }), "{err:?}");
    assert!(message.contains(&broken.path().display().to_string()) && message.contains("frame_1.jpg"), "{message}");
    Ok(())
}

#[test]
fn recorder_numbers_frames_continues_numbering_and_replay_reads_them_back() -> TestResult {
    let root = tempfile::tempdir()?;
    let dir = root.path().join("take1"); // created by the recorder
    let images: Vec<RgbImage> =
        (0..3u8).map(|i| RgbImage::from_fn(5, 4, |x, y| Rgb([i * 40, x as u8 * 50, y as u8 * 60]))).collect();
    let mut recorder = FolderRecorder::create(&dir, RecordFormat::Png)?;
    let first = recorder.record(&images[0])?;
    recorder.record(&images[1])?;
    assert_eq!(first.file_name().and_then(|n| n.to_str()), Some("frame_000001.png"));
    assert_eq!(recorder.written(), 2);

    // A second recording into the same folder appends.
    let mut again = FolderRecorder::create(&dir, RecordFormat::Png)?;
    let third = again.record(&images[2])?;
    assert_eq!(third.file_name().and_then(|n| n.to_str()), Some("frame_000003.png"));

    let mut replay = FolderReplay::open(&dir, 30.0, false, manual_clock())?;
    for image in &images {
        assert_eq!(*replay.next_frame()?.image, *image, "PNG recording is lossless and in order");
    }

    let mut jpeg = FolderRecorder::create(root.path().join("jpeg"), RecordFormat::Jpeg)?;
    let path = jpeg.record(&images[0])?;
    assert_eq!(path.extension().and_then(|e| e.to_str()), Some("jpg"));
    assert_eq!(image::image_dimensions(&path)?, (5, 4));
    Ok(())
}

#[test]
fn a_failed_write_names_the_file() -> TestResult {
    let root = tempfile::tempdir()?;
    let dir = root.path().join("usb-stick");
    let mut recorder = FolderRecorder::create(&dir, RecordFormat::Png)?;
    std::fs::remove_dir_all(&dir)?; // the stick is pulled out
    let err = recorder.record(&solid(2, 2, [0, 0, 0])).err().ok_or("wrote into a missing folder")?;
    assert!(matches!(err, CameraError::Write { .. }), "{err:?}");
    assert!(err.to_string().contains("frame_000001.png") && err.to_string().contains("usb-stick"), "{err}");
    assert_eq!(recorder.written(), 0);
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Demo camera

/// Centre of the strongly coloured (toy) pixels: the wall and desk are low in saturation.
fn toy_centroid(image: &RgbImage, pick: impl Fn([u8; 3]) -> bool) -> Option<(f32, f32)> {
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
    for (x, y, p) in image.enumerate_pixels() {
        if pick(p.0) {
            sx += x as f32;
            sy += y as f32;
            n += 1.0;
        }
    }
    (n > 50.0).then(|| (sx / n, sy / n))
}

fn saturated(p: [u8; 3]) -> bool {
    let (max, min) = (p.iter().max().copied().unwrap_or(0), p.iter().min().copied().unwrap_or(0));
    max - min > 110
}

fn blue_ball(p: [u8; 3]) -> bool {
    p[2] > 150 && p[0] < 100 && p[1] < 140
}

#[test]
fn demo_camera_is_paced_by_the_clock_at_its_size() -> TestResult {
    let mut demo = DemoCamera::new(DemoControl::default(), manual_clock(), DemoCamera::DEFAULT_RESOLUTION, 25.0)?;
    let info = demo.info();
    assert_eq!((info.kind, info.resolution, info.fps), (SourceKind::Demo, Resolution::new(640, 480), 25.0));
    for k in 0..4u64 {
        let frame = demo.next_frame()?;
        assert_eq!((frame.seq, frame.timestamp), (k, Duration::from_millis(40 * k)));
        assert_eq!(frame.resolution(), Resolution::new(640, 480));
    }
    assert!(DemoCamera::new(DemoControl::default(), manual_clock(), Resolution::new(0, 10), 25.0).is_err());
    assert!(DemoCamera::new(DemoControl::default(), manual_clock(), Resolution::new(64, 48), f32::NAN).is_err());
    Ok(())
}

#[test]
fn demo_pose_moves_and_tilts_the_toy() -> TestResult {
    let mut demo = DemoCamera::new(DemoControl::default(), manual_clock(), Resolution::new(320, 240), 30.0)?;
    let mut at = |pose: DemoPose| toy_centroid(&demo.render(pose), saturated).ok_or("toy not visible");
    let centre = at(DemoPose::CENTER)?;
    let left = at(DemoPose { x: -0.8, ..DemoPose::CENTER })?;
    let right = at(DemoPose { x: 0.8, ..DemoPose::CENTER })?;
    let up = at(DemoPose { y: -0.8, ..DemoPose::CENTER })?;
    let down = at(DemoPose { y: 0.8, ..DemoPose::CENTER })?;
    assert!(left.0 + 60.0 < centre.0 && centre.0 + 60.0 < right.0, "{left:?} {centre:?} {right:?}");
    assert!(up.1 + 40.0 < centre.1 && centre.1 + 40.0 < down.1, "{up:?} {centre:?} {down:?}");

    // The raised arm's blue ball sits up and to the right; a clockwise tilt swings it down.
    let ball = |demo: &mut DemoCamera, tilt_deg| {
        toy_centroid(&demo.render(DemoPose { tilt_deg, ..DemoPose::CENTER }), blue_ball).ok_or("ball not visible")
    };
    let upright = ball(&mut demo, 0.0)?;
    let tilted = ball(&mut demo, 40.0)?;
    assert!(upright.0 > 160.0 && upright.1 < 120.0, "ball should be upper right: {upright:?}");
    assert!(tilted.1 > upright.1 + 15.0, "tilt should lower the ball: {upright:?} → {tilted:?}");

    // Bigger when held closer.
    let count = |image: &RgbImage| image.pixels().filter(|p| saturated(p.0)).count();
    let small = count(&demo.render(DemoPose { scale: 0.6, ..DemoPose::CENTER }));
    let large = count(&demo.render(DemoPose { scale: 1.4, ..DemoPose::CENTER }));
    assert!(large > small * 3, "{small} vs {large}");
    Ok(())
}

#[test]
fn demo_jitter_is_small_seeded_and_never_freezes_the_picture() -> TestResult {
    let make = || DemoCamera::new(DemoControl::default(), manual_clock(), Resolution::new(160, 120), 30.0);
    let (mut a, mut b) = (make()?.with_seed(7), make()?.with_seed(7));
    let (a1, a2, b1) = (a.next_frame()?, a.next_frame()?, b.next_frame()?);
    assert_eq!(*a1.image, *b1.image, "same seed, same pose: same picture");
    assert_ne!(*a1.image, *a2.image, "consecutive frames differ, like a real camera");
    let mean_diff = a1.image.iter().zip(a2.image.iter()).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>()
        / a1.image.len() as f64;
    assert!(mean_diff < 4.0, "jitter should be slight, mean |Δ| = {mean_diff}");
    Ok(())
}

#[test]
fn demo_control_is_shared_and_clamped() {
    let control = DemoControl::default();
    let ui_copy = control.clone();
    ui_copy.nudge(-0.3, 0.2);
    assert_eq!(control.pose(), DemoPose { x: -0.3, y: 0.2, ..DemoPose::CENTER });
    for _ in 0..100 {
        ui_copy.nudge(-DemoControl::STEP, DemoControl::STEP);
        ui_copy.tilt(DemoControl::TILT_STEP_DEG);
        ui_copy.zoom(1.5);
    }
    let pose = control.pose();
    assert_eq!((pose.x, pose.y), (-1.0, 1.0));
    assert_eq!((pose.tilt_deg, pose.scale), (DemoPose::MAX_TILT_DEG, DemoPose::MAX_SCALE));
    control.set_pose(DemoPose { x: f32::NAN, ..DemoPose::CENTER });
    assert_eq!(control.pose().x, 0.0, "NaN from a bad caller is reset, not kept");
    control.reset();
    assert_eq!(ui_copy.pose(), DemoPose::CENTER);
}

// ------------------------------------------------------------------------------------------
// Transform

#[test]
fn mirror_and_resize_transform() -> TestResult {
    let image = RgbImage::from_fn(4, 2, |x, _| if x == 0 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) });
    let mirrored = Transform { mirror: true, resize: None }.apply(image.clone())?;
    assert_eq!(mirrored.get_pixel(3, 0).0, [255, 0, 0], "left column ends up on the right");
    assert_eq!(mirrored.get_pixel(0, 1).0, [0, 0, 255]);

    let big = solid(64, 48, [100, 150, 200]);
    let small = Transform { mirror: false, resize: Some(Resolution::new(16, 12)) }.apply(big)?;
    assert_eq!(Resolution::of(&small), Resolution::new(16, 12));
    assert!(small.pixels().all(|p| { p.0.iter().zip([100u8, 150, 200]).all(|(a, b)| a.abs_diff(b) <= 1) }));

    let zero = Transform { mirror: false, resize: Some(Resolution::new(0, 5)) }.apply(image);
    assert!(matches!(zero, Err(CameraError::InvalidSetting(_))));
    assert!(Transform::recommended_for(&SourceSpec::Webcam { index: 0, resolution: None, fps: None }).mirror);
    assert!(!Transform::recommended_for(&SourceSpec::Demo).mirror);
    Ok(())
}

#[test]
fn capture_hands_out_mirrored_and_resized_frames() -> TestResult {
    let dir = tempfile::tempdir()?;
    // Asymmetric: a red left column on blue.
    let image = RgbImage::from_fn(8, 4, |x, _| if x == 0 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) });
    save(dir.path(), "frame_1.png", &image)?;
    let spec = SourceSpec::Folder { path: dir.path().to_path_buf(), fps: 100.0, looping: true };
    let options =
        CaptureOptions { transform: Transform { mirror: true, resize: None }, ..quick_options(SystemClock::shared()) };
    let capture = Capture::start(spec, options)?;
    let frame = capture.wait_newer(0, PATIENCE).ok_or("no frame")?;
    assert_eq!(frame.image.get_pixel(7, 0).0, [255, 0, 0], "mirrored: red on the right");
    assert_eq!(frame.image.get_pixel(0, 0).0, [0, 0, 255]);

    capture.set_transform(Transform { mirror: false, resize: Some(Resolution::new(16, 8)) })?;
    wait_until("a resized frame", || capture.latest().is_some_and(|f| f.resolution() == Resolution::new(16, 8)))?;
    let frame = capture.latest().ok_or("no frame")?;
    assert!(frame.image.get_pixel(0, 0).0[0] > 100, "unmirrored again: red on the left");
    assert!(capture.set_transform(Transform { mirror: false, resize: Some(Resolution::new(0, 8)) }).is_err());
    assert_eq!(capture.transform().resize, Some(Resolution::new(16, 8)), "a rejected transform changes nothing");
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Capture thread

#[test]
fn a_slow_consumer_gets_the_newest_frame_and_skipped_frames_are_counted() -> TestResult {
    let plan = plan();
    plan.hold();
    let capture = Capture::start_with_opener(SourceSpec::Demo, quick_options(SystemClock::shared()), plan.opener())?;
    plan.allow(10);
    wait_until("10 frames", || capture.stats().frames == 10)?;
    // Nobody looked while 10 frames went by: only the last is kept.
    let newest = capture.latest().ok_or("no frame")?;
    assert_eq!(newest.seq, 10);
    assert_eq!(newest.image.get_pixel(0, 0).0[0], 9, "the source's tenth frame (seq 9) is the one kept");
    assert_eq!(capture.stats().dropped, 9);

    plan.allow(1);
    let next = capture.wait_newer(newest.seq, PATIENCE).ok_or("no newer frame")?;
    assert_eq!(next.seq, 11);
    let stats = capture.stats();
    assert_eq!((stats.frames, stats.dropped), (11, 9), "a frame that was read is not counted as dropped");
    assert!(capture.wait_newer(next.seq, Duration::from_millis(20)).is_none(), "held: no newer frame");
    assert_eq!(plan.frames_served(), 11, "the capture never reads ahead into a queue");
    plan.release();
    Ok(())
}

#[test]
fn an_unplugged_camera_reports_an_error_retries_and_recovers() -> TestResult {
    let plan = plan();
    let mut capture =
        Capture::start_with_opener(SourceSpec::Demo, quick_options(SystemClock::shared()), plan.opener())?;
    wait_until("running", || is_running(&capture))?;
    let before = capture.wait_newer(0, PATIENCE).ok_or("no frame")?;

    plan.unplug();
    wait_until(
        "an error status after at least 3 attempts",
        || matches!(capture.status(), CaptureStatus::Error { attempt, .. } if attempt >= 3),
    )?;
    let CaptureStatus::Error { message, retrying_in, .. } = capture.status() else {
        return Err("status left the error state while unplugged".into());
    };
    assert!(message.contains(TEST_DEVICE), "{message}");
    assert!(message.contains("not found") || message.contains("disconnected"), "{message}");
    assert!(retrying_in <= Duration::from_millis(40), "backoff is capped: {retrying_in:?}");
    assert!(capture.source_info().is_none(), "no source while unplugged");
    assert!(capture.latest().is_some(), "the last frame stays visible during the outage");

    plan.replug();
    wait_until("running again", || is_running(&capture))?;
    let after = capture.wait_newer(before.seq, PATIENCE).ok_or("no frame after replug")?;
    assert!(after.seq > before.seq, "sequence numbers keep rising across the outage");
    assert!(plan.opens() >= 2 && capture.stats().failures >= 3, "{:?}", capture.stats());

    capture.stop();
    assert_eq!(capture.status(), CaptureStatus::Stopped(StopReason::Requested));
    assert_eq!(plan.live_sources(), 0, "stop joined the thread, which closed the source");
    let last = capture.latest().map_or(0, |f| f.seq);
    assert!(capture.wait_newer(last, PATIENCE).is_none(), "a stopped capture does not make callers wait");
    Ok(())
}

#[test]
fn busy_and_denied_cameras_say_what_to_do_and_a_switch_retries_at_once() -> TestResult {
    let plan = plan();
    let device = TEST_DEVICE.to_owned();
    plan.fail_opens([
        CameraError::Busy { device: device.clone() },
        CameraError::PermissionDenied { device, detail: "denied by the test".to_owned() },
    ]);
    // The automatic retry would come only after PATIENCE: each step below is driven by a
    // switch (the UI's "retry now"), which cuts the wait short.
    let options =
        CaptureOptions { backoff: Backoff { first: PATIENCE, max: PATIENCE }, ..quick_options(SystemClock::shared()) };
    let capture = Capture::start_with_opener(SourceSpec::Demo, options, plan.opener())?;
    let error_containing =
        |needle: &str| matches!(capture.status(), CaptureStatus::Error { message, .. } if message.contains(needle));
    wait_until("the busy error", || error_containing("busy"))?;
    let busy = capture.status().to_string();
    assert!(busy.starts_with("test camera is busy") && busy.contains("close that app"), "{busy}");
    assert!(busy.contains("retrying in"), "{busy}");

    capture.switch(SourceSpec::Demo);
    wait_until("the permission error", || error_containing("permission denied"))?;
    assert!(capture.status().to_string().contains("allow camera access"), "{}", capture.status());

    capture.switch(SourceSpec::Demo);
    wait_until("running", || is_running(&capture))?;
    assert_eq!(plan.opens(), 1);
    assert_eq!(capture.stats().failures, 2);
    Ok(())
}

#[test]
fn a_panicking_driver_is_contained_and_the_capture_recovers() -> TestResult {
    let plan = plan();
    let capture = Capture::start_with_opener(SourceSpec::Demo, quick_options(SystemClock::shared()), plan.opener())?;
    let first = capture.wait_newer(0, PATIENCE).ok_or("no frame")?;
    plan.panic_on_next_frame();
    wait_until("the second source", || plan.opens() >= 2)?;
    let after = capture.wait_newer(first.seq, PATIENCE).ok_or("no frame after the panic")?;
    assert!(after.seq > first.seq);
    assert!(capture.stats().failures >= 1);
    wait_until("running", || is_running(&capture))?;

    plan.fail_next_frame(CameraError::Decode {
        device: TEST_DEVICE.to_owned(),
        format: "MJPEG".to_owned(),
        detail: "bad huffman code".to_owned(),
    });
    wait_until("the third source", || plan.opens() >= 3)?;
    wait_until("running", || is_running(&capture))?;
    Ok(())
}

#[test]
fn an_error_retrying_cannot_fix_stops_with_the_reason_until_a_switch() -> TestResult {
    let empty = tempfile::tempdir()?;
    let spec = SourceSpec::Folder { path: empty.path().to_path_buf(), fps: 10.0, looping: true };
    let capture = Capture::start(spec, quick_options(manual_clock()))?;
    wait_until("stopped", || matches!(capture.status(), CaptureStatus::Stopped(_)))?;
    let CaptureStatus::Stopped(StopReason::Failed { message }) = capture.status() else {
        return Err(format!("expected a failure, got {:?}", capture.status()).into());
    };
    assert!(message.contains(&empty.path().display().to_string()), "{message}");
    assert_eq!(capture.stats().failures, 1, "no retry loop on an empty folder");

    capture.switch(SourceSpec::Demo);
    let frame = capture.wait_newer(0, PATIENCE).ok_or("no demo frame after the switch")?;
    assert_eq!(frame.resolution(), Resolution::new(64, 48));
    Ok(())
}

#[test]
fn a_finished_replay_stops_with_finished() -> TestResult {
    let dir = tempfile::tempdir()?;
    save(dir.path(), "1.png", &solid(2, 2, [1, 1, 1]))?;
    save(dir.path(), "2.png", &solid(2, 2, [2, 2, 2]))?;
    let spec = SourceSpec::Folder { path: dir.path().to_path_buf(), fps: 50.0, looping: false };
    let capture = Capture::start(spec, quick_options(manual_clock()))?;
    wait_until("finished", || matches!(capture.status(), CaptureStatus::Stopped(StopReason::Finished { .. })))?;
    assert_eq!(capture.stats().frames, 2);
    assert_eq!(capture.latest().map(|f| f.image.get_pixel(0, 0).0[0]), Some(2), "the last image stays shown");
    assert!(capture.status().to_string().contains("finished"));
    Ok(())
}

#[test]
fn switching_source_while_running() -> TestResult {
    let dir = tempfile::tempdir()?;
    save(dir.path(), "frame_1.png", &solid(12, 10, [0, 200, 0]))?;
    let folder = SourceSpec::Folder { path: dir.path().to_path_buf(), fps: 100.0, looping: true };
    let capture = Capture::start(SourceSpec::Demo, quick_options(SystemClock::shared()))?;
    let demo_frame = capture.wait_newer(0, PATIENCE).ok_or("no demo frame")?;
    assert_eq!(capture.source_info().map(|i| i.kind), Some(SourceKind::Demo));

    capture.switch(folder.clone());
    assert_eq!(capture.spec(), folder, "the wanted source is reported at once, for the settings");
    wait_until("the folder to open", || capture.source_info().is_some_and(|i| i.kind == SourceKind::Folder))?;
    let mark = capture.latest().map_or(0, |f| f.seq);
    let folder_frame = capture.wait_newer(mark, PATIENCE).ok_or("no folder frame")?;
    assert_eq!(folder_frame.resolution(), Resolution::new(12, 10));
    assert_eq!(folder_frame.image.get_pixel(0, 0).0, [0, 200, 0]);
    assert!(folder_frame.seq > demo_frame.seq);

    capture.switch(SourceSpec::Demo);
    wait_until("the demo to reopen", || capture.source_info().is_some_and(|i| i.kind == SourceKind::Demo))?;
    let mark = capture.latest().map_or(0, |f| f.seq);
    let back = capture.wait_newer(mark, PATIENCE).ok_or("no demo frame after switching back")?;
    assert_eq!(back.resolution(), Resolution::new(64, 48));
    Ok(())
}

#[test]
fn frame_rate_is_measured_from_timestamps_and_the_waker_fires() -> TestResult {
    // The manual clock makes the demo's 20 fps exact however fast the machine renders.
    let capture = Capture::start(SourceSpec::Demo, quick_options(manual_clock()))?;
    let wakes = Arc::new(AtomicUsize::new(0));
    let counter = wakes.clone();
    capture.set_waker(Some(Arc::new(move || {
        counter.fetch_add(1, Ordering::Relaxed);
    })));
    wait_until("20 frames", || capture.stats().frames >= 20)?;
    assert!((capture.fps() - 20.0).abs() < 1e-3, "fps = {}", capture.fps());
    match capture.status() {
        CaptureStatus::Running { source, fps } => {
            assert_eq!(source, "demo camera");
            assert!((fps - 20.0).abs() < 1e-3, "{fps}");
        }
        other => return Err(format!("expected running, got {other:?}").into()),
    }
    wait_until("the waker", || wakes.load(Ordering::Relaxed) > 0)?;
    capture.set_waker(None);
    Ok(())
}

#[test]
fn the_capture_records_what_it_hands_out() -> TestResult {
    let root = tempfile::tempdir()?;
    let dir = root.path().join("recording");
    let plan = plan();
    plan.hold();
    let capture = Capture::start_with_opener(SourceSpec::Demo, quick_options(SystemClock::shared()), plan.opener())?;
    capture.start_recording(&dir, RecordFormat::Png)?;
    plan.allow(3);
    wait_until("3 recorded frames", || capture.recording().is_some_and(|r| r.written == 3))?;
    capture.stop_recording();
    let status = capture.recording().ok_or("no recording status")?;
    assert!(!status.active && status.error.is_none() && status.dir == dir, "{status:?}");
    plan.allow(2);
    wait_until("5 frames", || capture.stats().frames == 5)?;
    let files = pacnet::camera::list_images(&dir)?;
    let names: Vec<_> = files.iter().filter_map(|f| f.file_name()?.to_str().map(str::to_owned)).collect();
    assert_eq!(names, ["frame_000001.png", "frame_000002.png", "frame_000003.png"]);
    plan.release();
    Ok(())
}

#[test]
fn drop_stops_and_joins_the_thread() -> TestResult {
    let plan = plan();
    let (names_tx, names_rx) = std::sync::mpsc::channel();
    let mut open_test_source = plan.opener();
    let opener: pacnet::camera::Opener = Box::new(move |spec| {
        let _ = names_tx.send(std::thread::current().name().map(str::to_owned));
        open_test_source(spec)
    });
    let capture = Capture::start_with_opener(SourceSpec::Demo, quick_options(SystemClock::shared()), opener)?;
    let thread_name = names_rx.recv_timeout(PATIENCE)?;
    assert_eq!(thread_name.as_deref(), Some(Capture::THREAD_NAME), "sources are opened on the named thread");
    wait_until("a frame", || capture.latest().is_some())?;
    assert_eq!(plan.live_sources(), 1);
    drop(capture);
    // Drop returned only after the thread ended and closed its source: no polling needed.
    assert_eq!(plan.live_sources(), 0);

    let mut stopped = Capture::start(SourceSpec::Demo, quick_options(manual_clock()))?;
    stopped.stop();
    stopped.stop(); // twice is harmless
    stopped.switch(SourceSpec::Demo);
    assert_eq!(stopped.status(), CaptureStatus::Stopped(StopReason::Requested), "no switch after stop");
    Ok(())
}

#[test]
fn a_reader_thread_sees_rising_frames_and_ends_when_the_capture_is_dropped() -> TestResult {
    let plan = plan();
    let capture = Capture::start_with_opener(SourceSpec::Demo, quick_options(SystemClock::shared()), plan.opener())?;
    let reader = capture.reader();
    // The feature extractor's loop: wait for something newer, process it, repeat until the
    // capture goes away.
    let worker = std::thread::spawn(move || {
        let (mut last, mut seen) = (0, Vec::new());
        while !reader.is_stopped() {
            if let Some(frame) = reader.wait_newer(last, Duration::from_millis(200)) {
                last = frame.seq;
                seen.push(frame.seq);
            }
        }
        seen
    });
    wait_until("10 frames", || capture.stats().frames >= 10)?;
    drop(capture);
    let seen = worker.join().map_err(|_| "reader thread panicked")?;
    assert!(!seen.is_empty() && seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    Ok(())
}

#[test]
fn handles_can_move_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Capture>();
    send_sync::<pacnet::camera::FrameReader>();
    send_sync::<DemoControl>();
    send::<Webcam>();
    send::<DemoCamera>();
    send::<FolderReplay>();
    send::<Box<dyn FrameSource>>();
}

// ------------------------------------------------------------------------------------------
// Specs and webcams

#[test]
fn source_spec_round_trips_through_json() -> TestResult {
    let specs = [
        SourceSpec::Webcam { index: 2, resolution: Some(Resolution::new(1280, 720)), fps: Some(30) },
        SourceSpec::Demo,
        SourceSpec::Folder { path: "recordings/take 1".into(), fps: 12.5, looping: true },
    ];
    for spec in specs {
        let json = serde_json::to_string(&spec)?;
        assert_eq!(serde_json::from_str::<SourceSpec>(&json)?, spec, "{json}");
    }
    let old_settings = r#"{"kind":"webcam","index":0}"#; // optional fields may be missing
    assert_eq!(
        serde_json::from_str::<SourceSpec>(old_settings)?,
        SourceSpec::Webcam { index: 0, resolution: None, fps: None }
    );
    assert_eq!(SourceSpec::default(), SourceSpec::Demo);
    Ok(())
}

#[test]
fn a_missing_webcam_is_a_clear_error_and_the_capture_keeps_going() -> TestResult {
    // No machine has 97 cameras: this exercises the real nokhwa path to "not found".
    let err = Webcam::open(97, None, None, SystemClock::shared()).err().ok_or("camera 97 exists?")?;
    assert!(err.to_string().starts_with("camera 97"), "{err}");
    assert!(err.is_transient(), "a camera may be plugged in later: {err:?}");

    let capture =
        Capture::start(SourceSpec::Webcam { index: 97, resolution: None, fps: None }, quick_options(manual_clock()))?;
    wait_until(
        "an error naming camera 97",
        || matches!(capture.status(), CaptureStatus::Error { message, .. } if message.contains("camera 97")),
    )?;
    capture.switch(SourceSpec::Demo);
    capture.wait_newer(0, PATIENCE).ok_or("the demo camera did not take over")?;
    Ok(())
}
