//! The webcam path through nokhwa's real V4L2 backend, against the fake camera of
//! `tests/fake_v4l2.c` (issue 13): listing, format choice, YUYV and MJPEG streaming at the
//! device's rate, mirroring, and every fault the fake can play, with the status line the UI
//! shows and the recovery when the camera comes back.
//!
//! Each test runs its body in a child process with the fake preloaded (see `fake.rs`). Waits
//! poll a condition under a generous deadline; nothing asserts on how long anything took.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pacnet::camera::{
    Backoff, Capture, CaptureOptions, CaptureStatus, OpenEnv, Opener, Resolution, SourceSpec, StopReason, SystemClock,
    Transform, Webcam, WebcamFormat, WireFormat, describe_cameras, list_webcams,
};

use crate::fake::{Fake, read_pattern};
use crate::test_name;

const PATIENCE: Duration = Duration::from_secs(30);
const NAME: &str = "camera 0 (pacnet fake camera)";

fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn webcam(index: u32) -> SourceSpec {
    SourceSpec::Webcam { index, resolution: None, fps: None }
}

/// A capture whose every status line is logged (through its waker, so none is missed), with
/// quick retries.
struct Watched {
    capture: Option<Arc<Capture>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Watched {
    fn start(spec: SourceSpec, stall_timeout: Duration) -> Self {
        let env = OpenEnv { webcam_stall_timeout: stall_timeout, ..OpenEnv::default() };
        let options = CaptureOptions {
            env: env.clone(),
            transform: Transform::recommended_for(&spec),
            backoff: Backoff { first: Duration::from_millis(20), max: Duration::from_millis(100) },
            shutdown_timeout: PATIENCE,
        };
        // The first open waits until the waker is in place, so the first status is logged too.
        let (go, wait) = mpsc::channel::<()>();
        let mut wait = Some(wait);
        let opener: Opener = Box::new(move |spec| {
            if let Some(wait) = wait.take() {
                let _ = wait.recv();
            }
            spec.open(&env)
        });
        let capture = Arc::new(Capture::start_with_opener(spec, options, opener).expect("capture thread"));
        let log = Arc::new(Mutex::new(Vec::<String>::new()));
        let (weak, sink) = (Arc::downgrade(&capture), log.clone());
        capture.set_waker(Some(Arc::new(move || {
            let Some(capture) = weak.upgrade() else { return };
            let line = match capture.status() {
                CaptureStatus::Running { source, .. } => format!("running: {source}"),
                CaptureStatus::Error { message, .. } => format!("error: {message}"),
                other => other.to_string(),
            };
            let mut log = sink.lock().unwrap();
            if log.last() != Some(&line) {
                log.push(line);
            }
        })));
        go.send(()).expect("the capture thread waits for the go");
        Self { capture: Some(capture), log }
    }

    fn capture(&self) -> &Capture {
        self.capture.as_deref().expect("running")
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits for a logged line containing `needle`; returns its position.
    fn wait_for_line(&self, needle: &str) -> usize {
        let mut at = None;
        wait_until(&format!("a status line with `{needle}` (log: {:?})", self.log()), || {
            at = self.log().iter().position(|l| l.contains(needle));
            at.is_some()
        });
        at.unwrap_or_default()
    }

    fn wait_frames(&self, n: u64) {
        wait_until(&format!("{n} frames (log: {:?})", self.log()), || self.capture().stats().frames >= n);
    }
}

impl Drop for Watched {
    /// Stops the waker, then drops the capture here, not on its own thread (where the waker may
    /// briefly hold the last reference).
    fn drop(&mut self) {
        let Some(mut capture) = self.capture.take() else { return };
        capture.set_waker(None);
        loop {
            match Arc::try_unwrap(capture) {
                Ok(capture) => {
                    drop(capture);
                    return;
                }
                Err(shared) => capture = shared,
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

// ------------------------------------------------------------------------------------------
// Listing and format choice

#[test]
fn the_fake_camera_is_listed_with_its_formats_sizes_and_rates() {
    Fake::new().metadata_node().run(test_name!(), || {
        let listed = list_webcams().expect("list");
        let names: Vec<(u32, &str)> = listed.iter().map(|c| (c.index, c.name.as_str())).collect();
        assert_eq!(names, [(0, "pacnet fake camera"), (1, "pacnet fake camera")], "capture and metadata nodes");

        let cameras = describe_cameras().expect("describe");
        assert_eq!(cameras.len(), 2);
        let camera = &cameras[0];
        assert!(camera.captures && camera.problem.is_none(), "{camera}");
        let formats: Vec<(&str, Option<WireFormat>)> =
            camera.formats.iter().map(|f| (f.fourcc.as_str(), f.wire)).collect();
        assert_eq!(formats, [("YUYV", Some(WireFormat::Yuyv)), ("MJPG", Some(WireFormat::Mjpeg))]);
        let sizes: Vec<(Resolution, Vec<f32>)> =
            camera.formats[1].sizes.iter().map(|s| (s.resolution, s.fps.clone())).collect();
        let r = Resolution::new;
        assert_eq!(
            sizes,
            [(r(640, 480), vec![30.0, 15.0]), (r(1280, 720), vec![30.0, 15.0]), (r(320, 240), vec![30.0, 15.0])]
        );
        assert!(!cameras[1].captures, "the metadata node is not a picture source");
        assert!(cameras[1].to_string().contains("not a picture source"), "{}", cameras[1]);
    });
}

#[test]
fn opening_picks_the_size_and_rate_the_record_panel_asks_for() {
    Fake::new().run(test_name!(), || {
        let f = |w, h, fps, format| WebcamFormat { resolution: Resolution::new(w, h), fps, format };
        let open = |resolution, fps| {
            Webcam::open(0, resolution, fps, SystemClock::shared()).map(|w| w.format()).expect("open camera 0")
        };
        // The panel's default (640×480 at 30): YUYV wins the tie with MJPEG.
        assert_eq!(open(None, None), f(640, 480, 30, WireFormat::Yuyv));
        assert_eq!(open(Some(Resolution::new(1280, 720)), Some(15)), f(1280, 720, 15, WireFormat::Yuyv));
        // Not offered: the closest size, then the closest rate.
        assert_eq!(open(Some(Resolution::new(300, 200)), Some(20)), f(320, 240, 15, WireFormat::Yuyv));
    });
}

#[test]
fn an_mjpeg_only_camera_is_opened_in_mjpeg() {
    Fake::new().format("mjpeg").run(test_name!(), || {
        let cam = Webcam::open(0, None, None, SystemClock::shared()).expect("open");
        assert_eq!(cam.format().format, WireFormat::Mjpeg);
    });
}

// ------------------------------------------------------------------------------------------
// Streaming

/// Streams from camera 0 and checks frames, mirror, numbering and the rate the UI shows.
fn streams_the_pattern(wire: WireFormat, resolution: Resolution) {
    let watched = Watched::start(webcam(0), Duration::from_secs(5));
    watched.wait_frames(20);
    let capture = watched.capture();
    let info = capture.source_info().expect("an open source");
    assert_eq!((info.name.as_str(), info.resolution, info.fps), (NAME, resolution, 30.0));
    assert!(capture.transform().mirror, "webcams are mirrored by default");

    let mut numbers = Vec::new();
    let mut seq = 0;
    while numbers.len() < 10 {
        let frame = capture.wait_newer(seq, PATIENCE).expect("a frame");
        seq = frame.seq;
        assert_eq!(frame.resolution(), resolution);
        let pattern = read_pattern(&frame.image).unwrap_or_else(|| panic!("frame {seq} is not the {wire} pattern"));
        assert!(pattern.mirrored, "mirrored: red on the right");
        numbers.push(pattern.frame);
    }
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "each camera frame once, in order: {numbers:?}");
    // No faster than the device: at most one picture per camera frame.
    let fps = capture.fps();
    assert!(fps > 0.0 && fps <= 30.0 * 1.5, "measured {fps} fps from a 30 fps camera");
    let line = capture.status().to_string();
    assert!(line.starts_with(&format!("{NAME}: ")) && line.ends_with(" fps"), "{line}");
    assert_eq!(capture.stats().skipped_by_source, 0);
}

#[test]
fn yuyv_streams_the_served_pattern_mirrored_at_the_device_rate() {
    Fake::new().format("yuyv").run(test_name!(), || streams_the_pattern(WireFormat::Yuyv, Resolution::new(640, 480)));
}

#[test]
fn mjpeg_streams_the_served_pattern_mirrored_at_the_device_rate() {
    Fake::new()
        .format("mjpeg")
        .size("320x240,640x480")
        .run(test_name!(), || streams_the_pattern(WireFormat::Mjpeg, Resolution::new(640, 480)));
}

#[test]
fn mirror_can_be_turned_off_without_reopening() {
    Fake::new().run(test_name!(), || {
        let watched = Watched::start(webcam(0), Duration::from_secs(5));
        watched.wait_frames(2);
        let capture = watched.capture();
        capture.set_transform(Transform { mirror: false, resize: Some(Resolution::new(320, 240)) }).expect("transform");
        // The frame being published while the transform changed may still have the old one.
        let seq = capture.stats().frames + 1;
        let frame = capture.wait_newer(seq, PATIENCE).expect("a frame");
        assert_eq!(frame.resolution(), Resolution::new(320, 240));
        let (left, right) = (frame.image.get_pixel(80, 120).0, frame.image.get_pixel(240, 120).0);
        assert!(left[0] > 150 && left[2] < 90 && right[2] > 150 && right[0] < 90, "not mirrored: {left:?} {right:?}");
        assert_eq!(capture.stats().opens, 1, "no reopen");
    });
}

// ------------------------------------------------------------------------------------------
// Faults: the line the UI shows, and recovery

#[test]
fn a_busy_camera_says_so_and_is_used_once_free() {
    Fake::new().fault("busy:2").run(test_name!(), || {
        let watched = Watched::start(webcam(0), Duration::from_secs(5));
        let busy = watched.wait_for_line("is busy");
        let running = watched.wait_for_line("running: ");
        assert!(busy < running, "{:?}", watched.log());
        assert!(watched.log()[busy].contains("camera 0 is busy (another app is using it)"), "{:?}", watched.log());
        let stats = watched.capture().stats();
        assert_eq!((stats.opens, stats.failures), (1, 2), "two busy opens, then one that works");
    });
}

#[test]
fn a_camera_another_app_streams_from_is_busy_until_it_stops() {
    // The usual case with UVC cameras: opening works, asking for buffers does not.
    Fake::new().fault("busy-stream:1").run(test_name!(), || {
        let watched = Watched::start(webcam(0), Duration::from_secs(5));
        let busy = watched.wait_for_line("is busy");
        assert!(busy < watched.wait_for_line("running: "), "{:?}", watched.log());
        watched.wait_frames(3);
    });
}

#[test]
fn a_denied_camera_says_how_to_get_access_and_is_used_once_allowed() {
    Fake::new().fault("denied:1").run(test_name!(), || {
        let watched = Watched::start(webcam(0), Duration::from_secs(5));
        let denied = watched.wait_for_line("permission denied");
        assert!(watched.log()[denied].contains("`video` group"), "{:?}", watched.log());
        assert!(denied < watched.wait_for_line("running: "));
    });
}

#[test]
fn an_unplug_mid_stream_is_reported_and_the_camera_is_used_again_when_it_is_back() {
    Fake::new().fault("unplug:12:2").run(test_name!(), || {
        let watched = Watched::start(webcam(0), Duration::from_secs(5));
        let gone = watched.wait_for_line("was disconnected");
        let line = &watched.log()[gone];
        assert!(line.contains(NAME) && line.contains("os error 19") && line.contains("plug it back in"), "{line}");
        // While unplugged the node is gone (two opens fail), then it is back.
        let missing = watched.wait_for_line("camera 0 was not found");
        assert!(gone < missing, "{:?}", watched.log());
        wait_until("the reopen after the replug", || watched.capture().stats().opens == 2);
        let frames = watched.capture().stats().frames;
        watched.wait_frames(frames + 5);
        let log = watched.log();
        assert!(log.iter().skip(missing).any(|l| l == &format!("running: {NAME}")), "{log:?}");
    });
}

#[test]
fn a_stalled_camera_is_reported_and_streams_again_when_it_wakes_up() {
    // Silent for 3 s after 10 frames, with the capture giving up after 1 s.
    Fake::new().fault("stall:10:3000").run(test_name!(), || {
        let watched = Watched::start(webcam(0), Duration::from_secs(1));
        let stalled = watched.wait_for_line("sent no picture for");
        let line = &watched.log()[stalled];
        assert!(line.starts_with(&format!("error: {NAME} sent no picture for")), "{line}");
        wait_until(&format!("a reopen after the stall (log: {:?})", watched.log()), || {
            watched.capture().stats().opens == 2
        });
        let frames = watched.capture().stats().frames;
        watched.wait_frames(frames + 5);
        assert!(watched.log().last().is_some_and(|l| l.starts_with("running: ")), "{:?}", watched.log());
    });
}

#[test]
fn yuyv_frames_of_the_wrong_size_are_skipped_then_reported() {
    Fake::new().format("yuyv").fault("wrong-size").run(test_name!(), || {
        let watched = Watched::start(webcam(0), Duration::from_secs(5));
        let bad = watched.wait_for_line("could not decode a YUYV frame");
        let line = &watched.log()[bad];
        assert!(line.contains("307200 bytes for a 640×480 frame, which needs 614400"), "{line}");
        assert_eq!(watched.capture().stats().frames, 0, "no broken picture is handed out");
    });
}

#[test]
fn mjpeg_frames_of_another_size_come_through_at_their_own_size() {
    Fake::new().format("mjpeg").fault("wrong-size").run(test_name!(), || {
        let watched = Watched::start(webcam(0), Duration::from_secs(5));
        watched.wait_frames(3);
        let frame = watched.capture().latest().expect("a frame");
        assert_eq!(frame.resolution(), Resolution::new(320, 240), "the JPEG's own size, not the format's 640×480");
        assert!(read_pattern(&frame.image).is_some());
    });
}

#[test]
fn corrupt_mjpeg_frames_are_skipped_and_counted_without_stopping() {
    Fake::new().format("mjpeg").fault("corrupt:5:3").run(test_name!(), || {
        let watched = Watched::start(webcam(0), Duration::from_secs(5));
        watched.wait_frames(15);
        let stats = watched.capture().stats();
        assert_eq!(stats.skipped_by_source, 3, "{stats:?}");
        assert_eq!((stats.opens, stats.failures), (1, 0), "the stream went on");
    });
}

#[test]
fn a_camera_with_only_unsupported_formats_stops_with_what_it_offers() {
    Fake::new().fault("unsupported").run(test_name!(), || {
        let watched = Watched::start(webcam(0), Duration::from_secs(5));
        wait_until("the capture to give up", || matches!(watched.capture().status(), CaptureStatus::Stopped(_)));
        let CaptureStatus::Stopped(StopReason::Failed { message }) = watched.capture().status() else {
            panic!("{:?}", watched.log());
        };
        assert!(message.starts_with("camera 0 offers only H264, YU12, which pacnet cannot decode"), "{message}");
        let listed = describe_cameras().expect("describe");
        let text = listed.first().map(ToString::to_string).unwrap_or_default();
        assert!(text.contains("H264") && text.contains("pacnet cannot decode this format"), "{text}");
    });
}
