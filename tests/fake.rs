//! Running tests against the fake V4L2 camera (`tests/fake_v4l2.c`, through
//! `scripts/with-fake-webcam.sh`).
//!
//! nokhwa runs in the test process, so the fake has to be preloaded into it: a test calls
//! [`Fake::run`] with its body, which re-runs this test binary as a child under the script,
//! filtered to that one test, and in the child simply runs the body. The child inherits nothing
//! from the other tests, and a fault in the fake dies with it. Each child costs the start of
//! this binary (tens of milliseconds) plus the real time its camera frames take.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Set in the child to the name of the test it runs.
const CHILD: &str = "PACNET_TEST_FAKE_WEBCAM";

/// The name libtest knows the calling test function by (`webcam::some_test`).
#[macro_export]
macro_rules! test_name {
    () => {{
        fn here() {}
        let full = std::any::type_name_of_val(&here);
        let path = full.strip_suffix("::here").unwrap_or(full);
        path.split_once("::").map_or(path, |(_crate, rest)| rest)
    }};
}

/// The fake camera's settings: the script's options.
#[derive(Clone, Debug, Default)]
pub struct Fake {
    args: Vec<String>,
}

impl Fake {
    /// The default camera: YUYV and MJPEG at 640×480, 1280×720 and 320×240, 30 and 15 fps.
    pub fn new() -> Self {
        Self::default()
    }

    fn opt(mut self, name: &str, value: &str) -> Self {
        self.args.push(format!("--{name}"));
        self.args.push(value.to_owned());
        self
    }

    /// Formats offered: `yuyv`, `mjpeg` or both, comma-separated.
    pub fn format(self, formats: &str) -> Self {
        self.opt("format", formats)
    }

    /// Sizes offered, e.g. `320x240,640x480`.
    pub fn size(self, sizes: &str) -> Self {
        self.opt("size", sizes)
    }

    /// Rates offered, e.g. `30,15`.
    pub fn fps(self, rates: &str) -> Self {
        self.opt("fps", rates)
    }

    /// A misbehaviour (see `tests/fake_v4l2.c`), e.g. `unplug:20:2`.
    pub fn fault(self, fault: &str) -> Self {
        self.opt("fault", fault)
    }

    /// Serve the `.jpg` files of `dir` as the MJPEG frames, as they are.
    pub fn frames(self, dir: &Path) -> Self {
        self.opt("frames", &dir.display().to_string())
    }

    /// Also show the metadata-only node real UVC cameras have.
    pub fn metadata_node(mut self) -> Self {
        self.args.push("--metadata-node".to_owned());
        self
    }

    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/with-fake-webcam.sh")
    }

    /// `program` run under the fake camera.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(Self::script());
        cmd.args(&self.args).arg(program);
        cmd
    }

    /// The real `pacnet` binary under the fake camera, with the environment of
    /// [`util::pacnet`](crate::util::pacnet).
    pub fn pacnet(&self) -> Command {
        let mut cmd = self.command(env!("CARGO_BIN_EXE_pacnet"));
        cmd.env_remove("PACNET_MODEL")
            .env("HF_HOME", std::env::temp_dir().join("pacnet-test-hf-home-empty"))
            .env("HF_ENDPOINT", "http://127.0.0.1:9");
        cmd
    }

    /// Runs `body` with the fake camera present: in a child process of this test binary that
    /// runs only the test called `name` (pass [`test_name!()`](crate::test_name)). Panics with
    /// the child's output if it fails.
    pub fn run(&self, name: &str, body: impl FnOnce()) {
        if std::env::var(CHILD).is_ok_and(|running| running == name) {
            body();
            return;
        }
        let exe = std::env::current_exe().expect("the test binary's path");
        let out = self
            .command(exe)
            .args([name, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, name)
            .output()
            .expect("run the test under the fake camera");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "`{name}` failed under the fake camera ({}):\n{text}", out.status);
        // A filter that matched nothing would pass silently.
        assert!(text.contains("1 passed"), "`{name}` did not run under the fake camera:\n{text}");
    }
}

/// Whether this process runs under the fake camera (a child started by [`Fake::run`]).
pub fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// The fake camera's test pattern as pacnet sees it, read back from a picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// The frame number the camera wrote into its top row.
    pub frame: u32,
    /// Whether the picture is mirrored (red on the right).
    pub mirrored: bool,
}

fn is(p: [u8; 3], want: [u8; 3]) -> bool {
    p.iter().zip(want).all(|(&a, b)| a.abs_diff(b) <= 40)
}

/// Reads the pattern of `tests/fake_v4l2.c` back from `image`: red and blue halves under a top
/// row of 8-pixel blocks (green marker, then the frame number in 16 black/white blocks, most
/// significant first). `None` if the picture is not the pattern.
pub fn read_pattern(image: &image::RgbImage) -> Option<Pattern> {
    let (w, h) = image.dimensions();
    let (red, blue) = ([200, 30, 30], [30, 30, 200]);
    let at = |x: u32, y: u32| image.get_pixel(x, y).0;
    let (left, right) = (at(w / 4, h / 2), at(3 * w / 4, h / 2));
    let mirrored = match (is(left, red) && is(right, blue), is(left, blue) && is(right, red)) {
        (true, false) => false,
        (false, true) => true,
        _ => return None,
    };
    let block = |i: u32| {
        let x = i * 8 + 4;
        at(if mirrored { w - 1 - x } else { x }, 4)
    };
    if !is(block(0), [30, 200, 30]) {
        return None;
    }
    let mut frame = 0;
    for bit in 1..=16 {
        let p = block(bit);
        let one = match (is(p, [240, 240, 240]), is(p, [16, 16, 16])) {
            (true, false) => true,
            (false, true) => false,
            _ => return None,
        };
        frame = frame << 1 | u32::from(one);
    }
    Some(Pattern { frame, mirrored })
}
