//! The live loop without a window: steering sinks, `pacnet steer` (stdout and real X11 key
//! presses into a window of an Xvfb server the test starts) and `pacnet play`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pacnet::game::Dir;
use pacnet::learn::{Press, Profile};
use pacnet::live::sink::{KeyBackend, KeyBindings, KeySink, PrintSink, SteerDecision};
use pacnet::live::{KeyMode, SteerSink};
use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::xproto::{self, ConnectionExt as _, CreateWindowAux, EventMask, InputFocus, WindowClass};
use x11rb::wrapper::ConnectionExt as _;

use crate::learn::{HELD_OUT_BGS, TRAIN_BGS, scenes, train_cmd};
use crate::util::{self, pacnet, run};

/// Records every key event instead of sending it; Esc is "held" when told.
#[derive(Default)]
struct Recorder {
    events: Vec<(String, bool)>,
    escape: bool,
}

impl KeyBackend for Recorder {
    fn key(&mut self, press: Press, down: bool) -> Result<(), pacnet::live::keys::KeysError> {
        self.events.push((press.name(), down));
        Ok(())
    }

    fn escape_held(&mut self) -> bool {
        self.escape
    }
}

fn decision(class: &str, dir: Option<Dir>) -> SteerDecision {
    SteerDecision { confidence: 0.9, ..at(1500, class, dir.map(|_| 0.9)) }
}

/// A decision at `ms` where `class` steers with `confidence` (`None`: nothing steers).
fn at(ms: u64, class: &str, confidence: Option<f32>) -> SteerDecision {
    SteerDecision {
        at: Duration::from_millis(ms),
        class: class.into(),
        confidence: confidence.unwrap_or(0.3),
        dir: confidence.and_then(|_| pacnet::live::steer::class_dir(class)),
        steering: confidence.map(|c| (class.to_owned(), c)),
    }
}

fn ev(name: &str, down: bool) -> (String, bool) {
    (name.to_owned(), down)
}

fn arrows(mode: KeyMode) -> KeySink<Recorder> {
    KeySink::new(Recorder::default(), KeyBindings::arrows(mode))
}

fn bound(text: &str, threshold: f32) -> KeySink<Recorder> {
    let profile = Profile::parse("test", text).unwrap();
    KeySink::new(Recorder::default(), KeyBindings::from_profile(&profile, threshold).unwrap())
}

#[test]
fn hold_mode_keeps_one_key_down_and_releases_it_on_change_idle_and_stop() {
    let mut sink = arrows(KeyMode::Hold);
    for d in [
        Some(decision("up", Some(Dir::Up))),
        Some(decision("up", Some(Dir::Up))),
        Some(decision("left", Some(Dir::Left))),
        // Below the threshold or the idle class: the pipeline decides "keep going".
        Some(decision("none", None)),
        None,
        Some(decision("down", Some(Dir::Down))),
    ] {
        sink.decide(d.as_ref());
    }
    sink.stop();
    let expected =
        vec![ev("up", true), ev("up", false), ev("left", true), ev("left", false), ev("down", true), ev("down", false)];
    assert_eq!(sink.backend().events, expected);
}

#[test]
fn tap_mode_presses_once_per_change_and_never_holds() {
    let mut sink = arrows(KeyMode::Tap);
    for (class, d) in [("right", true), ("right", true), ("x", false), ("right", true), ("up", true), ("up", true)] {
        sink.decide(Some(&at(1500, class, d.then_some(0.9))));
    }
    sink.stop();
    let taps: Vec<(String, bool)> = ["right", "right", "up"].iter().flat_map(|d| [ev(d, true), ev(d, false)]).collect();
    assert_eq!(sink.backend().events, taps);
}

#[test]
fn esc_stops_a_key_sink_and_a_dropped_sink_releases_its_key() {
    let mut calm = arrows(KeyMode::Hold);
    assert_eq!(calm.poll(), None, "no Esc, no reason to stop");
    let mut esc = KeySink::new(Recorder { escape: true, ..Recorder::default() }, KeyBindings::arrows(KeyMode::Hold));
    assert_eq!(esc.poll().as_deref(), Some("stopped sending keys: Esc was pressed"));

    // Dropping a sink (the app closing) releases the key it holds.
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<(String, bool)>>>);
    impl KeyBackend for Shared {
        fn key(&mut self, press: Press, down: bool) -> Result<(), pacnet::live::keys::KeysError> {
            self.0.lock().unwrap().push((press.name(), down));
            Ok(())
        }
    }
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut dropped = KeySink::new(Shared(seen.clone()), KeyBindings::arrows(KeyMode::Hold));
    dropped.decide(Some(&decision("left", Some(Dir::Left))));
    drop(dropped);
    assert_eq!(*seen.lock().unwrap(), vec![ev("left", true), ev("left", false)]);
}

#[test]
fn bindings_press_any_key_share_keys_and_follow_thresholds_and_cooldowns() {
    // Custom classes on any key; two classes on one key keep it down across a switch.
    let mut sink = bound("jump=space,hop=space,fire=mouse-left:tap,duck=ctrl,idle=none", 0.8);
    for (class, c) in [("jump", 0.9), ("hop", 0.9), ("fire", 0.95), ("idle", 0.99), ("duck", 0.9)] {
        sink.decide(Some(&at(100, class, Some(c))));
    }
    assert_eq!(sink.held().iter().map(Press::name).collect::<Vec<_>>(), ["ctrl"]);
    sink.stop();
    assert_eq!(
        sink.backend().events,
        [
            ev("space", true),
            ev("space", false),
            ev("mouse-left", true),
            ev("mouse-left", false),
            ev("ctrl", true),
            ev("ctrl", false)
        ]
    );
    assert!(sink.held().is_empty());

    // A press waits for the class's threshold: its own (0.95) or the sink's (0.8).
    let mut sink = bound("jump=space:0.95,duck=down", 0.8);
    sink.decide(Some(&at(0, "jump", Some(0.9))));
    sink.decide(Some(&at(33, "duck", Some(0.7))));
    assert!(sink.backend().events.is_empty(), "{:?}", sink.backend().events);
    sink.decide(Some(&at(66, "jump", Some(0.96))));
    // Once down, a hold stays down while the class steers, however unsure.
    sink.decide(Some(&at(99, "jump", Some(0.5))));
    sink.decide(Some(&at(133, "duck", Some(0.85))));
    assert_eq!(sink.backend().events, [ev("space", true), ev("space", false), ev("down", true)]);

    // Cooldown: a tap class pressed at 0 ms may press again from 500 ms on, not before.
    let mut sink = bound("jump=space:tap:500ms,duck=down:tap", 0.0);
    for (ms, class) in [(0, "jump"), (100, "duck"), (200, "jump"), (300, "duck"), (600, "jump")] {
        sink.decide(Some(&at(ms, class, Some(0.9))));
    }
    // The 200 ms jump is within the cooldown: no press.
    let taps: Vec<_> = ["space", "down", "down", "space"].iter().flat_map(|k| [ev(k, true), ev(k, false)]).collect();
    assert_eq!(sink.backend().events, taps);
}

#[test]
fn print_sink_writes_one_tab_separated_line_per_decision() {
    let mut out = Vec::new();
    {
        let mut sink = PrintSink::new(&mut out);
        sink.decide(Some(&decision("up", Some(Dir::Up))));
        sink.decide(None);
        sink.decide(Some(&decision("none", None)));
        sink.stop();
    }
    assert_eq!(String::from_utf8(out).unwrap(), "1.500\tup\t0.900\tup\n1.500\tnone\t0.900\t-\n");
}

/// A project trained on pasted-burger scenes, and a folder of held-out `up` frames.
pub(crate) fn project_and_frames(dir: &Path) -> (PathBuf, PathBuf) {
    let (data, test, project) = (dir.join("data"), dir.join("test"), dir.join("p.pacnet"));
    scenes().write_folder(&data, 8, &TRAIN_BGS, 11);
    scenes().write_folder(&test, 6, &HELD_OUT_BGS, 12);
    let (code, _, stderr) = run(train_cmd(&data, &project).args(["--epochs", "20", "--seed", "3"]));
    assert_eq!(code, 0, "{stderr}");
    (project, test.join("up"))
}

#[test]
fn steer_prints_decisions_and_play_is_deterministic() {
    let dir = util::tempdir();
    let (project, up) = project_and_frames(dir.path());

    // --print: one line per frame of the folder (played once), mostly `up`.
    let (code, stdout, stderr) =
        run(pacnet().arg("steer").arg("--print").arg("--project").arg(&project).arg("--camera").arg(&up).args([
            "--threshold",
            "0",
            "--smoothing",
            "0",
        ]));
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<Vec<&str>> = stdout.lines().map(|l| l.split('\t').collect()).collect();
    // One line per frame taken; a frame can be skipped if the machine stalls for a whole
    // frame period (the camera keeps only the newest), never duplicated.
    assert!((4..=6).contains(&lines.len()), "one line per frame: {stdout}");
    assert!(stderr.contains(&format!("{} frames", lines.len())), "{stderr}");
    assert!(lines.iter().all(|f| f.len() == 4 && f[0].parse::<f64>().is_ok() && f[2].parse::<f32>().is_ok()));
    let ups = lines.iter().filter(|f| f[1] == "up" && f[3] == "up").count();
    assert!(ups * 3 >= lines.len() * 2, "held-out `up` frames mostly steer up: {stdout}");

    // play: the same folder, project and flags give the same game, twice.
    let wav = dir.path().join("game.wav");
    let play = |wav: Option<&Path>| {
        let mut cmd = pacnet();
        cmd.arg("play").arg("--project").arg(&project).arg("--camera").arg(up.parent().unwrap().join("left"));
        if let Some(w) = wav {
            cmd.arg("--wav").arg(w);
        }
        let (code, stdout, stderr) = run(cmd.args(["--ticks", "600"]));
        assert_eq!(code, 0, "{stderr}");
        stdout
    };
    let (a, b) = (play(None), play(Some(&wav)));
    let sound_line = format!("sound: {} (10.0 s, 22050 Hz mono 16-bit)\n", wav.display());
    assert_eq!(b.strip_suffix(&sound_line), Some(a.as_str()), "the same game, and the sound written: {b}");
    // --wav: the game's sound, 10 s of it; the start tune plays over the first 4 s.
    let reader = hound::WavReader::open(&wav).unwrap();
    let spec = reader.spec();
    assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample), (1, 22_050, 16));
    let samples: Vec<i16> = reader.into_samples().collect::<Result<_, _>>().unwrap();
    assert_eq!(samples.len(), 600 * 22_050 / 60);
    let loud = samples[..22_050].iter().filter(|s| s.unsigned_abs() > 1000).count();
    assert!(loud > 22_050 / 10, "the start tune is audible in the first second: {loud} loud samples");
    let field = |k: &str| a.lines().find_map(|l| l.strip_prefix(k)).map(str::trim).unwrap_or_default().to_owned();
    assert_eq!(field("ticks:"), "600", "{a}");
    assert_eq!(field("hash:").len(), 16, "{a}");
    assert!(field("score:").parse::<u32>().is_ok_and(|s| s > 0), "Pac-Man ate dots: {a}");
    assert!(a.contains("frames: 150 "), "15 frames a second over 10 s: {a}");

    // --log: every frame as the network saw it and its prediction, beside the same game.
    let log = dir.path().join("log");
    let logged = |code_want: i32| {
        let mut cmd = pacnet();
        cmd.arg("play").arg("--project").arg(&project).arg("--camera").arg(up.parent().unwrap().join("left"));
        let (code, stdout, stderr) = run(cmd.args(["--ticks", "600", "--log"]).arg(&log));
        assert_eq!(code, code_want, "{stderr}");
        (stdout, stderr)
    };
    let (c, _) = logged(0);
    assert_eq!(
        c.strip_suffix(&format!("log: {} (150 frames with their predictions)\n", log.display())),
        Some(a.as_str())
    );
    let jpegs = std::fs::read_dir(log.join("frames")).unwrap().count();
    assert_eq!(jpegs, 150);
    let first = image::open(log.join("frames/000000.jpg")).unwrap();
    assert_eq!((first.width(), first.height()), (224, 224), "the network's input");
    let csv = std::fs::read_to_string(log.join("predictions.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 151, "a header and a row per frame");
    assert_eq!(rows[0][..7], ["frame", "tick", "seconds", "source", "best", "confidence", "direction"]);
    let lefts = rows[1..].iter().filter(|r| r[4] == "left").count();
    assert!(lefts * 3 >= 150 * 2, "held-out `left` frames are mostly read as left: {csv}");
    assert!(rows[1..].iter().all(|r| r.len() == rows[0].len()), "{csv}");
    // A folder that is not empty is refused, naming it, and nothing in it is touched.
    let (_, err) = logged(2);
    assert!(err.contains(&format!("--log {}: the folder is not empty", log.display())), "{err}");
    assert_eq!(std::fs::read_to_string(log.join("predictions.csv")).unwrap(), csv);
}

/// An Xvfb server on a free display, stopped on drop.
pub(crate) struct Xvfb {
    child: Child,
    pub(crate) display: String,
}

impl Xvfb {
    pub(crate) fn start() -> Self {
        for n in 70..110 {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() || Path::new(&format!("/tmp/.X{n}-lock")).exists() {
                continue;
            }
            let child = Command::new("Xvfb")
                .arg(format!(":{n}"))
                .args(["-screen", "0", "640x480x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb (Debian package xvfb, installed by scripts/deps.sh)");
            let socket = format!("/tmp/.X11-unix/X{n}");
            let until = Instant::now() + Duration::from_secs(20);
            while !Path::new(&socket).exists() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(20));
            }
            assert!(Path::new(&socket).exists(), "Xvfb :{n} did not start");
            return Self { child, display: format!(":{n}") };
        }
        panic!("no free X display number");
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn steer_keys_presses_up_in_the_focused_window_and_esc_stops_it() {
    let dir = util::tempdir();
    let (project, up) = project_and_frames(dir.path());
    let x = Xvfb::start();
    // A window of our own with the input focus, listening for keys: what a game would be.
    let (conn, screen) = x11rb::connect(Some(&x.display)).expect("connect to Xvfb");
    let root = conn.setup().roots[screen].root;
    let win = conn.generate_id().unwrap();
    let aux = CreateWindowAux::new().event_mask(EventMask::KEY_PRESS | EventMask::KEY_RELEASE);
    conn.create_window(0, win, root, 0, 0, 200, 200, 0, WindowClass::INPUT_OUTPUT, 0, &aux).unwrap();
    conn.map_window(win).unwrap();
    conn.sync().unwrap();
    conn.set_input_focus(InputFocus::POINTER_ROOT, win, x11rb::CURRENT_TIME).unwrap();
    conn.sync().unwrap();
    let setup = conn.setup();
    let map = conn.get_keyboard_mapping(setup.min_keycode, setup.max_keycode - setup.min_keycode + 1).unwrap();
    let map = map.reply().unwrap();
    let per = usize::from(map.keysyms_per_keycode);
    let code = |sym: u32| setup.min_keycode + map.keysyms.chunks(per).position(|s| s.contains(&sym)).unwrap() as u8;
    let (up_code, esc_code, space_code) = (code(0xff52), code(0xff1b), code(0x20));

    let steer = |extra: &[&str]| {
        let mut cmd = pacnet();
        cmd.env("DISPLAY", &x.display)
            .arg("steer")
            .arg("--keys")
            .arg("--project")
            .arg(&project)
            .arg("--camera")
            .arg(&up)
            .args(["--countdown", "0", "--threshold", "0.3"])
            .args(extra);
        cmd
    };
    let key_events = || {
        // The process has exited, so every key it sent was processed before this round trip's
        // reply; the events it caused are queued ahead of that reply.
        conn.get_input_focus().unwrap().reply().unwrap();
        let mut events = Vec::new();
        while let Some(event) = conn.poll_for_event().unwrap() {
            match event {
                Event::KeyPress(e) => events.push((e.detail, true)),
                Event::KeyRelease(e) => events.push((e.detail, false)),
                _ => {}
            }
        }
        events
    };
    let (code, _, stderr) = run(&mut steer(&[]));
    assert_eq!(code, 0, "{stderr}");
    let events = key_events();
    assert!(events.contains(&(up_code, true)), "the focused window got Up: {events:?}; {stderr}");
    let downs = events.iter().filter(|e| e.1).count();
    let ups = events.iter().filter(|e| !e.1).count();
    assert_eq!(downs, ups, "every key pressed was released at the end: {events:?}");

    // A bound key that is not an arrow (issue 30): `up` presses space, through XTEST.
    let (code, _, stderr) = run(&mut steer(&["--bind", "up=space", "--backend", "x11"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("sending keys (up=space) to the focused X11 window"), "{stderr}");
    let events = key_events();
    assert_eq!(events.first(), Some(&(space_code, true)), "the focused window got space: {events:?}; {stderr}");
    assert_eq!(events.last(), Some(&(space_code, false)), "and its release at the end: {events:?}");
    assert!(events.iter().all(|e| e.0 == space_code), "only space: {events:?}");

    // Esc, pressed anywhere while it runs forever, stops it.
    let mut child: Child = steer(&["--loop"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    x11rb::protocol::xtest::fake_input(&conn, xproto::KEY_PRESS_EVENT, esc_code, 0, root, 0, 0, 0).unwrap();
    conn.sync().unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("Esc did not stop `pacnet steer --keys`");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    x11rb::protocol::xtest::fake_input(&conn, xproto::KEY_RELEASE_EVENT, esc_code, 0, root, 0, 0, 0).unwrap();
    conn.sync().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");
    assert!(err.contains("Esc was pressed"), "{err}");
}

#[test]
fn steer_keys_without_a_display_says_what_to_do_instead() {
    let dir = util::tempdir();
    let (code, _, stderr) = run(pacnet()
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .arg("steer")
        .arg("--keys")
        .arg("--project")
        .arg(dir.path().join("missing.pacnet")));
    util::assert_one_line_error(code, &stderr, &["DISPLAY", "--print"]);
    let (code, _, stderr) = run(pacnet()
        .env_remove("DISPLAY")
        .env("WAYLAND_DISPLAY", "wayland-0")
        .arg("steer")
        .arg("--keys")
        .arg("--project")
        .arg(dir.path().join("missing.pacnet")));
    util::assert_one_line_error(code, &stderr, &["Wayland", "X11", "--print"]);
}

#[test]
fn the_pipelined_frame_path_gives_the_sequential_predictions_in_order() {
    use pacnet::backbone::{Backbone, Crop};
    use pacnet::learn::Head;
    use pacnet::live::{FramePipeline, SteerSettings};

    let backbone = Backbone::random("mobilenetv3_small_100", 3).expect("random backbone");
    let cut = backbone.default_cut();
    let head = Head::init(crate::learn::classes(3), backbone.cuts()[cut].shape, 8, 2).expect("head");
    // Frames that differ, so a frame run out of order or twice would show.
    let frames: Vec<image::RgbImage> = (0..7u32)
        .map(|n| {
            image::RgbImage::from_fn(64 + 8 * n, 48, |x, y| image::Rgb([(x * n) as u8, (y + n) as u8, (x ^ y) as u8]))
        })
        .collect();
    let new = || {
        let mut p = FramePipeline::new(&backbone, cut, Crop::CenterSquare, SteerSettings::default());
        p.set_head(Some(head.clone()));
        p
    };
    let mut sequential = new();
    let want: Vec<Vec<f32>> = frames
        .iter()
        .map(|f| {
            sequential.process(&backbone, f, Duration::ZERO).expect("frame").prediction.expect("prediction").smoothed
        })
        .collect();
    let mut pipelined = new();
    let mut got = Vec::new();
    pipelined
        .process_pipelined(&backbone, frames.iter(), &mut |r, _| got.push(r.prediction.expect("prediction").smoothed))
        .expect("pipelined");
    assert_eq!(got, want);
}
