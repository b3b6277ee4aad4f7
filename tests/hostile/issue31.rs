//! Hostile input, round 3 (issue 31): every reproduction of the issue, against the release
//! binary. Each ends in one `pacnet: …` line with exit 2, or a quiet exit 0 for a closed output
//! pipe, and no file but pacnet's own output changes. Then a fuzz target: kinds of file × the
//! commands' file arguments.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{data_folder, mkfifo};
use crate::learn::train_cmd;
use crate::util::{self, assert_one_line_error, pacnet, run};

/// A trained project (and its data folder) shared by the tests here: trained once.
pub(super) fn base() -> &'static (PathBuf, PathBuf) {
    static BASE: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = util::tempdir().keep();
        let data = data_folder(&dir, 2);
        let project = dir.join("base.pacnet");
        let (code, _, err) = run(train_cmd(&data, &project).args(["--epochs", "2"]));
        assert_eq!(code, 0, "{err}");
        (project, data)
    })
}

/// Runs `cmd`, killing it and failing if it takes longer than `secs` (a hang is the bug).
pub(super) fn run_within(cmd: &mut Command, secs: u64) -> (i32, String, String) {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{cmd:?} still runs after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.code().unwrap_or(-1), text(out.stdout), text(out.stderr))
}

/// The write end of a pipe whose read end is already closed: every write gets EPIPE.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    Stdio::from(writer)
}

fn play(project: &Path, camera: &Path) -> Command {
    let mut cmd = pacnet();
    cmd.arg("play").arg("--project").arg(project).arg("--camera").arg(camera).args(["--ticks", "60"]);
    cmd
}

fn sha(p: &Path) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(p).unwrap()).to_vec()
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pacnet-"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. `play --wav` never overwrites, and is checked before the game

#[test]
fn issue31_1_play_wav_refuses_what_is_not_a_wav_before_the_game() {
    let (project, data) = base();
    let dir = util::tempdir();
    let frames = dir.path().join("frames");
    std::fs::create_dir(&frames).unwrap();
    std::fs::copy(data.join("up/000.jpg"), frames.join("000.jpg")).unwrap();
    let copy = dir.path().join("copy.pacnet");
    std::fs::copy(project, &copy).unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "my notes\n").unwrap();
    let read_only = dir.path().join("ro.txt");
    std::fs::write(&read_only, "keep\n").unwrap();
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o444)).unwrap();
    let fifo = dir.path().join("f.wav");
    mkfifo(&fifo);
    let link = dir.path().join("l.wav");
    std::os::unix::fs::symlink(&text, &link).unwrap();
    let jpeg = frames.join("000.jpg");
    for (target, needles) in [
        (&copy, &["copy.pacnet", "not a WAV file"][..]),
        (&text, &["notes.txt", "not a WAV file"]),
        (&read_only, &["ro.txt", "not a WAV file"]),
        (&jpeg, &["000.jpg", "not a WAV file"]),
        (&fifo, &["f.wav", "named pipe", "--force"]),
        (&link, &["l.wav", "symbolic link", "--force"]),
    ] {
        let before = std::fs::symlink_metadata(target).unwrap();
        let sum = if before.is_file() { sha(target) } else { Vec::new() };
        let (code, out, err) = run_within(play(project, &frames).arg("--wav").arg(target), 60);
        assert_one_line_error(code, &err, needles);
        assert_eq!(code, 2);
        assert!(out.is_empty(), "refused before the game: {out}");
        let after = std::fs::symlink_metadata(target).unwrap();
        assert_eq!((before.ino(), before.file_type()), (after.ino(), after.file_type()), "{}", target.display());
        if before.is_file() {
            assert_eq!(sha(target), sum, "{} is unchanged", target.display());
        }
    }
    // A missing folder is found before 100 000 ticks of game, not after them.
    let started = Instant::now();
    let mut cmd = pacnet();
    cmd.arg("play").arg("--project").arg(project).arg("--camera").arg(&frames);
    cmd.args(["--ticks", "100000", "--wav"]).arg(dir.path().join("nodir/x.wav"));
    let (code, _, err) = run(&mut cmd);
    assert_one_line_error(code, &err, &["nodir/x.wav", "cannot be used"]);
    assert!(started.elapsed() < Duration::from_secs(20), "checked first: {:?}", started.elapsed());
    // A new name, then the same WAV file again: written, replaced, no temporary file left.
    let wav = dir.path().join("game.wav");
    for _ in 0..2 {
        let (code, out, err) = run(play(project, &frames).arg("--wav").arg(&wav));
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("sound: "), "{out}");
    }
    assert_eq!(&std::fs::read(&wav).unwrap()[..4], b"RIFF");
    assert!(temp_files(dir.path()).is_empty());
}

// ---------------------------------------------------------------------------------------------
// 2. closed pipes

#[test]
fn issue31_2_a_closed_pipe_is_a_quiet_exit_0_for_output_and_never_a_panic() {
    let (project, data) = base();
    let dir = util::tempdir();
    let mut record = pacnet();
    record.args(["record", "--class", "x", "--frames", "2", "--camera"]).arg(data.join("up"));
    record.arg("--data").arg(dir.path().join("rec")).stdout(closed_pipe());
    let (code, _, err) = run(&mut record);
    assert_eq!((code, err.as_str()), (0, ""), "record | true");
    let mut export = pacnet();
    export.args(["export", "--format", "onnx", "--project"]).arg(project).arg("--out").arg(dir.path().join("e"));
    let (code, _, err) = run(export.stdout(closed_pipe()));
    assert_eq!((code, err.as_str()), (0, ""), "export | true");
    // An error that cannot be shown still fails (exit 2), without a panic (101).
    let mut train = train_cmd(&dir.path().join("nonexistent"), &dir.path().join("x.pacnet"));
    let out = train.stderr(closed_pipe()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "train's error into a closed stderr");
    // The camera thread's log lines and the summary into a closed stderr.
    let mut steer = pacnet();
    steer.args(["steer", "--print", "--project"]).arg(project).arg("--camera").arg(data.join("up"));
    let out = steer.stdout(Stdio::null()).stderr(closed_pipe()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "steer --print 2>&1 >/dev/null | true");
}

// ---------------------------------------------------------------------------------------------
// 3. FIFOs as inputs

#[test]
fn issue31_3_fifo_projects_and_model_files_are_refused_not_waited_for() {
    let (_, data) = base();
    let dir = util::tempdir();
    let fifo = dir.path().join("p.pacnet");
    mkfifo(&fifo);
    let image = data.join("up/000.jpg");
    let out = dir.path().join("e");
    let mut cases: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["eval".into(), "--data".into(), data.into()],
        vec!["predict".into(), image.clone().into()],
        vec!["play".into(), "--ticks".into(), "10".into(), "--camera".into(), data.join("up").into()],
        vec!["export".into(), "--format".into(), "onnx".into(), "--out".into(), out.into()],
    ];
    for args in &mut cases {
        args.extend(["--project".into(), fifo.clone().into()]);
        let (code, _, err) = run_within(pacnet().args(&*args), 30);
        assert_one_line_error(code, &err, &["p.pacnet", "named pipe (FIFO)", "not a regular file"]);
    }
    for file in ["config.json", "model.safetensors"] {
        let model = dir.path().join(format!("m-{file}"));
        std::fs::create_dir(&model).unwrap();
        for f in ["config.json", "model.safetensors", "labels.txt"] {
            if f == file {
                mkfifo(&model.join(f));
            } else {
                std::fs::copy(util::v1_dir().join(f), model.join(f)).unwrap();
            }
        }
        let (code, _, err) = run_within(pacnet().arg("classify").arg("--model").arg(&model).arg(&image), 30);
        assert_one_line_error(code, &err, &[file, "named pipe (FIFO)"]);
    }
}

// ---------------------------------------------------------------------------------------------
// 4. steer's exit code

#[test]
fn issue31_4_steer_fails_when_nothing_could_be_read() {
    let (project, _) = base();
    let dir = util::tempdir();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("a.jpg"), b"not a picture").unwrap();
    // A webcam that is not there (the suite has no camera; 7 is not the fake's number either).
    for (camera, needles) in [
        ("7", &["camera 7", "no frame for 1 s", "0 frames"][..]),
        (empty.to_str().unwrap(), &["empty", "has no images"]),
        (bad.to_str().unwrap(), &["bad", "a.jpg"]),
    ] {
        let mut cmd = pacnet();
        cmd.args(["steer", "--print", "--stall", "1", "--frames", "5", "--camera", camera]).arg("--project");
        let (code, out, err) = run_within(cmd.arg(project), 60);
        assert_one_line_error(code, &err, needles);
        assert_eq!(code, 2);
        assert!(out.is_empty(), "{out}");
    }
    let (code, _, err) = run(pacnet().args(["steer", "--keys", "--countdown", "100000", "--project"]).arg(project));
    assert_one_line_error(code, &err, &["--countdown 100000", "60"]);
}

// ---------------------------------------------------------------------------------------------
// 5. SIGXFSZ, SIGINT, SIGTERM, SIGKILL

#[test]
fn issue31_5_a_file_size_limit_is_an_error_and_leaves_no_temporary_file() {
    let (project, data) = base();
    let dir = util::tempdir();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let old = out.join("old.pacnet");
    std::fs::copy(project, &old).unwrap();
    let before = sha(&old);
    let bin = env!("CARGO_BIN_EXE_pacnet");
    let q = |p: &Path| format!("'{}'", p.display());
    let v1 = util::v1_dir();
    for (what, blocks, args, needles) in [
        (
            "train",
            20,
            format!("train --data {} --out {} --model {}", q(data), q(&old), q(&v1)),
            &["old.pacnet", "File too large", "unchanged"][..],
        ),
        (
            "export",
            100,
            format!("export --format onnx --project {} --out {}", q(project), q(&out.join("e"))),
            &["model.onnx", "File too large"],
        ),
        (
            "play",
            10,
            format!(
                "play --ticks 3000 --project {} --camera {} --wav {}",
                q(project),
                q(&data.join("up")),
                q(&out.join("s.wav"))
            ),
            &["s.wav", "File too large"],
        ),
    ] {
        let script = format!("ulimit -f {blocks}; exec '{bin}' {args}");
        let (code, _, err) = run(Command::new("sh").arg("-c").arg(&script).env_remove("PACNET_MODEL"));
        assert_one_line_error(code, &err, needles);
        assert_eq!(code, 2, "{what}: not killed by SIGXFSZ");
        assert!(temp_files(&out).is_empty(), "{what}: {:?}", temp_files(&out));
    }
    assert_eq!(sha(&old), before, "the old project is unchanged");
    assert!(!out.join("e").exists() && !out.join("s.wav").exists());
}

/// Runs `args` under strace with every fsync held back for 5 s, waits until a temporary file of
/// ours exists in `dir` (written, not yet synced), sends `signal` to pacnet, and returns how
/// strace (which ends as its tracee did) ended. A signal sent during the hold is delivered when
/// it ends (the tracee sits in a ptrace stop), so the hold is as short as seeing the file and
/// sending the signal safely allows: it was 60 s, and each such case took a minute.
fn signal_during_write(args: &[&std::ffi::OsStr], dir: &Path, signal: &str) -> std::process::ExitStatus {
    let mut child = Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync", "-e", "inject=fsync:delay_enter=5s"])
        .arg(env!("CARGO_BIN_EXE_pacnet"))
        .args(args)
        .env_remove("PACNET_MODEL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("strace (scripts/deps.sh --test installs it)");
    let deadline = Instant::now() + Duration::from_secs(120);
    // Written, not just created: a killed write's empty, seconds-old file is one the next write
    // rightly leaves alone (another process may be about to lock it).
    let written = |n: &String| std::fs::metadata(dir.join(n)).is_ok_and(|m| m.is_dir() || m.len() > 0);
    while !temp_files(dir).iter().any(written) {
        assert!(Instant::now() < deadline, "no temporary file was written in {}", dir.display());
        std::thread::sleep(Duration::from_millis(20));
    }
    // Into the fsync hold.
    std::thread::sleep(Duration::from_millis(300));
    // pacnet is strace's only child.
    let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id())).unwrap();
    let pid = children.split_whitespace().next().expect("pacnet runs under strace").to_owned();
    assert!(Command::new("kill").args([&format!("-{signal}"), &pid]).status().unwrap().success());
    child.wait().unwrap()
}

#[test]
fn issue31_5_sigint_and_sigterm_remove_temporary_files_and_sigkill_leftovers_go_at_the_next_write() {
    use std::os::unix::process::ExitStatusExt;
    let (project, data) = base();
    let dir = util::tempdir();
    let old = dir.path().join("old.pacnet");
    std::fs::copy(project, &old).unwrap();
    let before = sha(&old);
    let v1 = util::v1_dir();
    let train: Vec<&std::ffi::OsStr> = vec![
        "train".as_ref(),
        "--epochs".as_ref(),
        "1".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--model".as_ref(),
        v1.as_os_str(),
        "--out".as_ref(),
        old.as_os_str(),
    ];
    let status = signal_during_write(&train, dir.path(), "TERM");
    assert!(!status.success(), "ended by the signal: {status:?}");
    assert_eq!(status.signal().or(status.code().map(|c| c - 128)), Some(15), "{status:?}");
    assert!(temp_files(dir.path()).is_empty(), "{:?}", temp_files(dir.path()));
    assert_eq!(sha(&old), before);

    let e = dir.path().join("e");
    let export: Vec<&std::ffi::OsStr> = vec![
        "export".as_ref(),
        "--format".as_ref(),
        "onnx".as_ref(),
        "--project".as_ref(),
        project.as_os_str(),
        "--out".as_ref(),
        e.as_os_str(),
    ];
    let status = signal_during_write(&export, dir.path(), "INT");
    assert!(!status.success());
    assert!(temp_files(dir.path()).is_empty(), "{:?}", temp_files(dir.path()));
    assert!(!e.exists());

    // SIGKILL: nothing can clean up; the next write into the folder does, at once.
    let status = signal_during_write(&train, dir.path(), "KILL");
    assert!(!status.success());
    assert_eq!(temp_files(dir.path()).len(), 1, "a killed save leaves its temporary file");
    let (code, _, err) = run(train_cmd(data, &dir.path().join("next.pacnet")).args(["--epochs", "1"]));
    assert_eq!(code, 0, "{err}");
    assert!(temp_files(dir.path()).is_empty(), "{:?}", temp_files(dir.path()));
    assert_eq!(sha(&old), before);
}
