//! The real `pacnet` binary: output formats, exit codes, one-line errors.

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
