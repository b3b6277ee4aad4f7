//! The one-time setups of `scripts/test.sh` (ONNX Runtime's venv, the TF.js packages) when two
//! start at once on an empty cache, as tests running in parallel on a fresh machine used to
//! do: both must succeed and leave one working copy (issue 26).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util;

fn script(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Starts `cmd`, then starts it again once `begun()` says the first is midway (or after 30 s),
/// and waits for both. Two runs started at the same instant tend to pass even when unsafe
/// (both clear the folder, then both make it); the failure a newcomer met needs the second
/// to arrive while the first is writing.
fn twice_overlapping(mut cmd: impl FnMut() -> Command, begun: impl Fn() -> bool) -> [Output; 2] {
    let a = cmd().spawn().expect("start the first setup");
    let t = std::time::Instant::now();
    while !begun() && t.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let b = cmd().spawn().expect("start the second setup");
    [a, b].map(|c| c.wait_with_output().expect("wait for a setup"))
}

fn check(outs: &[Output; 2], what: &str) -> String {
    for (i, o) in outs.iter().enumerate() {
        assert!(
            o.status.success(),
            "{what}: run {i} failed ({:?}): {}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let (a, b) = (String::from_utf8_lossy(&outs[0].stdout), String::from_utf8_lossy(&outs[1].stdout));
    assert_eq!(a, b, "{what}: the two runs name different copies");
    a.trim().to_string()
}

#[test]
fn two_first_ort_venv_setups_at_once_both_succeed() {
    let dir = util::tempdir();
    // Pins that install nothing: the race was in making the venv itself (one run removed the
    // folder the other's ensurepip was writing), which this still does in full.
    let req = dir.path().join("requirements.txt");
    std::fs::write(&req, "# nothing to install\n").expect("write requirements");
    let venv = dir.path().join("cache/pacnet/ort-test");
    let outs = twice_overlapping(
        || {
            let mut c = Command::new(script("scripts/onnx/venv.sh"));
            c.env("PACNET_ORT_REQUIREMENTS", &req).env("PACNET_ORT_VENV", &venv);
            c.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
            c
        },
        || venv.join("pyvenv.cfg").exists(),
    );
    let python = check(&outs, "scripts/onnx/venv.sh");
    assert_eq!(Path::new(&python), venv.join("bin/python"));
    let prefix =
        Command::new(&python).args(["-c", "import sys; print(sys.prefix)"]).output().expect("run the venv's python");
    assert!(prefix.status.success(), "the venv's python does not run");
    assert_eq!(String::from_utf8_lossy(&prefix.stdout).trim(), venv.to_string_lossy(), "python is not the venv's");
    assert!(venv.join(".installed").is_file());
}

#[test]
fn two_first_tfjs_installs_at_once_both_succeed() {
    let dir = util::tempdir();
    // A package with no dependencies, so `npm ci` runs offline; the install, marker and
    // rename are the real script's.
    let pkg = dir.path().join("package");
    std::fs::create_dir(&pkg).expect("make package folder");
    std::fs::write(pkg.join("package.json"), r#"{"name":"t","version":"1.0.0","private":true}"#).expect("write");
    let lock = r#"{"name":"t","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"t","version":"1.0.0"}}}"#;
    std::fs::write(pkg.join("package-lock.json"), lock).expect("write");
    let cache = dir.path().join("cache/pacnet/tfjs-test");
    let npm_cache = dir.path().join("npm");
    let parent = cache.parent().expect("parent").to_path_buf();
    let temp_exists = || {
        std::fs::read_dir(&parent)
            .is_ok_and(|d| d.filter_map(Result::ok).any(|e| e.file_name().to_string_lossy().contains(".tmp.")))
    };
    let outs = twice_overlapping(
        || {
            let mut c = Command::new(script("scripts/tfjs/install.sh"));
            c.env("PACNET_TFJS_PACKAGE", &pkg).env("PACNET_TFJS_CACHE", &cache).env("npm_config_cache", &npm_cache);
            c.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
            c
        },
        temp_exists,
    );
    let modules = check(&outs, "scripts/tfjs/install.sh");
    assert_eq!(Path::new(&modules), cache.join("node_modules"));
    assert!(cache.join(".installed").is_file());
    let left: Vec<_> = std::fs::read_dir(&parent)
        .expect("list cache")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp."))
        .collect();
    assert!(left.is_empty(), "temp folders left behind: {left:?}");
}
