//! Helpers shared by the integration tests: where the shared fixtures are, reading golden
//! safetensors, comparing arrays, and running the real `pacnet` binary.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `../shared/models`, read-only fixtures (weights, photos, goldens). Never copied into the repo.
pub fn models() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/models");
    assert!(p.is_dir(), "fixtures missing: {} (the tests need ../shared/models beside the checkout)", p.display());
    p
}

/// The real MobileNet V1 0.25 model directory.
pub fn v1_dir() -> PathBuf {
    models().join("tf_mobilenetv1_025")
}

/// A golden photo.
pub fn photo(name: &str) -> PathBuf {
    models().join("golden/images").join(name)
}

/// A named float32 tensor from a safetensors file: (shape, values).
pub type Named = HashMap<String, (Vec<usize>, Vec<f32>)>;

/// Reads every float32 tensor of a safetensors file.
pub fn read_safetensors(path: &Path) -> Named {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    st.iter()
        .filter(|(_, v)| v.dtype() == safetensors::Dtype::F32)
        .map(|(name, v)| {
            let vals = v.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
            (name.to_string(), (v.shape().to_vec(), vals))
        })
        .collect()
}

/// Largest |a - b| (and panics on a length mismatch, which is a test bug).
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// A fresh temporary directory, removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A timm_random fixture laid out as a model directory (symlinks in a temp dir).
pub fn timm_random_dir(name: &str) -> tempfile::TempDir {
    let src = models().join("timm_random");
    let dir = tempdir();
    std::os::unix::fs::symlink(src.join(format!("{name}.config.json")), dir.path().join("config.json"))
        .expect("symlink");
    std::os::unix::fs::symlink(src.join(format!("{name}.safetensors")), dir.path().join("model.safetensors"))
        .expect("symlink");
    dir
}

/// The `pacnet` binary, with a clean environment for model selection and a private HF cache.
pub fn pacnet() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pacnet"));
    cmd.env_remove("PACNET_MODEL")
        .env("HF_HOME", std::env::temp_dir().join("pacnet-test-hf-home-empty"))
        .env("HF_ENDPOINT", "http://127.0.0.1:9");
    cmd
}

/// Output of a finished command as (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("run pacnet");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts that a failed command printed exactly one `pacnet: ` line mentioning every needle.
pub fn assert_one_line_error(code: i32, stderr: &str, needles: &[&str]) {
    assert_ne!(code, 0, "expected failure, stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {stderr}");
    assert!(lines[0].starts_with("pacnet: "), "error line must start with `pacnet: `: {stderr}");
    for n in needles {
        assert!(lines[0].contains(n), "error line lacks `{n}`: {stderr}");
    }
}
