//! The real `pacnet` binary: output formats, exit codes, one-line errors.

use crate::backbone::hub::{FakeHub, v1_files};
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
