//! Hostile input (issue 17): every reproduction of the issue as a test. `--out` never replaces
//! what is not ours, no size a flag or a file sets panics or exhausts memory, bad weights and
//! cut-off images are refused by name, and the `.pacnet` reader and the model loader survive
//! thousands of mutated inputs (a seeded mutation fuzzer, bounded, run in the normal suite).

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use pacnet::backbone::ModelConfig;
use pacnet::backbone::weights::WeightFile;
use pacnet::learn::{Head, Hyper, LearnError, Project};
use pacnet::sys::temp::clean_stale;
use pacnet::sys::{Existing, write_atomically};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use crate::learn::{TRAIN_BGS, dataset_from, model_with, scenes, synthetic, train_cmd};
use crate::util::{self, assert_one_line_error, pacnet, run};

mod issue31;
mod issue31_more;

pub(crate) fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

fn small_project(with_head: bool) -> Project {
    let mut p = Project::new(dataset_from(&synthetic(3, 2, [4, 2, 2], 0.5, 2), 3), Hyper::default());
    if with_head {
        p.head = Some(Head::init(crate::learn::classes(2), [4, 2, 2], 3, 0).unwrap());
    }
    p
}

pub(crate) fn data_folder(dir: &Path, per_class: usize) -> PathBuf {
    let data = dir.join("data");
    scenes().write_folder(&data, per_class, &TRAIN_BGS, 7);
    data
}

/// The first `fraction` of a photo's bytes.
fn cut_jpeg(to: &Path, fraction: f64) -> PathBuf {
    let bytes = std::fs::read(util::photo("cat.jpg")).unwrap();
    std::fs::write(to, &bytes[..(bytes.len() as f64 * fraction) as usize]).unwrap();
    to.to_owned()
}

// ---------------------------------------------------------------------------------------------
// 1. --out writes only to a new path, an empty file or an existing project

#[test]
fn train_out_refuses_what_is_not_ours_before_any_work() {
    let dir = util::tempdir();
    let data = data_folder(dir.path(), 2);
    let sha = |p: &Path| Sha256::digest(std::fs::read(p).unwrap()).to_vec();

    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let (code, out, err) = run(&mut train_cmd(&data, &fifo));
    assert_one_line_error(code, &err, &["fifo", "named pipe"]);
    assert!(out.is_empty());
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO is still a FIFO");

    let (code, _, err) = run(&mut train_cmd(&data, dir.path()));
    assert_one_line_error(code, &err, &["is a folder", "project.pacnet"]);

    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my notes\n").unwrap();
    let (code, _, err) = run(&mut train_cmd(&data, &notes));
    assert_one_line_error(code, &err, &["notes.txt", "not a pacnet project"]);
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes\n");

    // The backbone the same run reads.
    let copy = dir.path().join("model");
    std::fs::create_dir(&copy).unwrap();
    for f in ["config.json", "model.safetensors", "labels.txt"] {
        std::fs::copy(util::v1_dir().join(f), copy.join(f)).unwrap();
    }
    let weights = copy.join("model.safetensors");
    let before = sha(&weights);
    let mut cmd = pacnet();
    cmd.arg("train").arg("--data").arg(&data).arg("--out").arg(&weights).arg("--model").arg(&copy);
    let (code, _, err) = run(&mut cmd);
    assert_one_line_error(code, &err, &["model.safetensors", "not a pacnet project"]);
    assert_eq!(sha(&weights), before, "the weights are untouched");

    // A link to a project: refused without --force, the link stays a link.
    let real = dir.path().join("real.pacnet");
    small_project(false).save(&real).unwrap();
    let link = dir.path().join("link.pacnet");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let (code, _, err) = run(&mut train_cmd(&data, &link));
    assert_one_line_error(code, &err, &["link.pacnet", "symbolic link", "--force"]);
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());

    // A folder that does not exist, or a file in place of the folder.
    let (code, _, err) = run(&mut train_cmd(&data, &dir.path().join("no/such/x.pacnet")));
    assert_one_line_error(code, &err, &["x.pacnet", "cannot be used"]);
    let (code, _, err) = run(&mut train_cmd(&data, &notes.join("x.pacnet")));
    assert_one_line_error(code, &err, &["x.pacnet"]);
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes\n");
}

#[test]
fn train_with_force_writes_through_a_link_and_keeps_the_mode_then_predict_and_eval_refuse_cut_jpegs() {
    let dir = util::tempdir();
    let data = data_folder(dir.path(), 3);
    // A JPEG cut to 30 % among the training images: skipped and counted, not grey-filled.
    cut_jpeg(&data.join("up/zz-cut.jpg"), 0.3);
    let real = dir.path().join("real.pacnet");
    small_project(false).save(&real).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("link.pacnet");
    std::os::unix::fs::symlink("real.pacnet", &link).unwrap();

    let (code, out, err) = run(train_cmd(&data, &link).args(["--epochs", "2", "--force"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("skipped 1 unreadable file") && err.contains("zz-cut.jpg") && err.contains("truncated"),
        "{err}"
    );
    assert!(out.contains("examples: 12 (down 3, left 3, right 3, up 3)"), "{out}");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is still a link");
    let project = Project::load(&real).expect("the link's target holds the new project");
    assert!(project.head.is_some() && project.dataset.len() == 12);
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "the file keeps its mode");

    let cut = cut_jpeg(&dir.path().join("cut.jpg"), 0.3);
    let (code, _, err) = run(pacnet().arg("predict").arg("--project").arg(&real).arg(&cut));
    assert_one_line_error(code, &err, &["cut.jpg", "truncated JPEG"]);
    let (code, _, err) = run(pacnet().arg("classify").arg(&cut));
    assert_one_line_error(code, &err, &["cut.jpg", "truncated JPEG"]);
    let (code, _, err) = run(pacnet().arg("eval").arg("--project").arg(&real).arg("--data").arg(&data));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("zz-cut.jpg") && err.contains("truncated"), "eval names the cut file: {err}");
    // The whole photo still classifies (the check does not refuse complete JPEGs).
    let (code, out, err) = run(pacnet().arg("classify").arg(util::photo("cat.jpg")));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains('%'), "{out}");
}

#[test]
fn save_refuses_inputs_cleans_only_unlocked_temp_files_of_its_own_and_new_files_get_the_umask_mode() {
    let dir = util::tempdir();
    let input = dir.path().join("input.pacnet");
    std::fs::write(&input, b"").unwrap();
    let e = pacnet::learn::save::target(&input, std::slice::from_ref(&input), false).expect_err("an input");
    assert!(matches!(e, LearnError::Output(_)) && e.to_string().contains("an input of this run"), "{e}");
    pacnet::learn::save::target(&input, &[], false).expect("an empty file may be replaced");

    // A killed process's temporary file (nobody holds its lock) goes at the next save, however
    // young; one whose writer is alive (locked, here by this test) stays, as does a foreign one.
    let killed = dir.path().join(".pacnet-save-AbC123.tmp");
    let alive = dir.path().join(".pacnet-save-XyZ789.tmp");
    let foreign = dir.path().join(".other-save-1.tmp");
    for p in [&killed, &alive, &foreign] {
        std::fs::write(p, b"half a project").unwrap();
    }
    let writer = std::fs::File::open(&alive).unwrap();
    writer.try_lock().unwrap();
    let path = dir.path().join("new.pacnet");
    small_project(true).save(&path).unwrap();
    assert!(!killed.exists(), "a killed save's temporary file is removed by the next save");
    assert!(alive.exists(), "a save in progress is left alone");
    assert!(foreign.exists(), "not ours");
    drop(writer);
    assert_eq!(clean_stale(dir.path()), 1, "once its writer is gone, it goes too");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_ne!(mode, 0o600, "a new project is not private-by-accident: {mode:o}");
    assert_eq!(mode & 0o600, 0o600);
}

/// Every file pacnet writes (projects, lesson exports, WAV files) goes through one writer.
#[test]
fn the_atomic_writer_keeps_modes_refuses_to_clobber_and_a_failed_write_leaves_the_old_file() {
    let dir = util::tempdir();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let ours = |d: &Path| {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".pacnet"))
            .count()
    };
    let io = |e: std::io::Error| e;
    let put = |bytes: &'static [u8]| move |f: &mut std::fs::File| std::io::Write::write_all(f, bytes);

    // A new file: the umask's mode, not the temporary file's private 0600.
    let new = dir.path().join("lesson.csv");
    write_atomically(&new, Existing::Keep, put(b"one"), || Ok(()), io).unwrap();
    assert_eq!(std::fs::read(&new).unwrap(), b"one");
    assert_ne!(mode(&new), 0o600, "a new file is not private-by-accident");
    assert_eq!(mode(&new) & 0o600, 0o600);

    // Keep: an existing file is left alone and the error says so.
    let e = write_atomically(&new, Existing::Keep, put(b"two"), || Ok(()), io).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists, "{e}");
    assert_eq!(std::fs::read(&new).unwrap(), b"one");

    // Replace: new content, the old file's mode.
    std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o640)).unwrap();
    write_atomically(&new, Existing::Replace, put(b"three"), || Ok(()), io).unwrap();
    assert_eq!((std::fs::read(&new).unwrap(), mode(&new)), (b"three".to_vec(), 0o640));

    // A failing write or last check: the old file as it was, no temporary file left behind.
    let failed = std::io::Error::other("disk full");
    let e = write_atomically(&new, Existing::Replace, |_| Err(failed), || Ok(()), io).unwrap_err();
    assert_eq!(e.to_string(), "disk full");
    let e = write_atomically(&new, Existing::Replace, put(b"four"), || Err(std::io::Error::other("moved")), io)
        .unwrap_err();
    assert_eq!(e.to_string(), "moved");
    assert_eq!(std::fs::read(&new).unwrap(), b"three");
    assert_eq!(ours(dir.path()), 0, "temporary files are removed");
}

// ---------------------------------------------------------------------------------------------
// 2 and 3. sizes: every one has a bound and a one-line error naming it

#[test]
fn bench_and_train_sizes_are_bounded_with_one_line_errors() {
    let bench = |args: &[&str], needles: &[&str]| {
        let (code, _, err) = run(pacnet().arg("bench").args(args));
        assert_one_line_error(code, &err, needles);
        assert_eq!(code, 2);
    };
    bench(&["--iters", "0", "--min-time", "0"], &["--iters 0", "3000"]);
    bench(&["--min-time", "nan"], &["--min-time NaN"]);
    bench(&["--min-time=-1"], &["--min-time -1"]);
    bench(&["--iters", "100000000000"], &["--iters 100000000000", "3000"]);
    bench(&["--threads", "100000"], &["--threads 100000", "256"]);

    let dir = util::tempdir();
    let data = data_folder(dir.path(), 2);
    let out = dir.path().join("x.pacnet");
    for (flag, value, limit) in [
        ("--epochs", "4294967296", "10000"),
        ("--epochs", "18446744073709551615", "10000"),
        ("--units", "100000", "4096"),
        ("--max-dataset-mb", "0", "16384"),
    ] {
        let (code, _, err) = run(train_cmd(&data, &out).args([flag, value]));
        assert_one_line_error(code, &err, &[&format!("{flag} {value}"), limit]);
    }
    // 160 images of ~45 KB each do not fit in 1 MiB: refused before featurising.
    let big = dir.path().join("big");
    scenes().write_folder(&big, 8, &TRAIN_BGS, 3);
    for class in ["up", "down", "left", "right"] {
        for i in 8..40 {
            std::fs::copy(big.join(class).join("000.jpg"), big.join(class).join(format!("{i:03}.jpg"))).unwrap();
        }
    }
    let (code, out_text, err) = run(train_cmd(&big, &out).args(["--max-dataset-mb", "1"]));
    assert_one_line_error(code, &err, &["160 images", "--max-dataset-mb", "limit of 1 MiB"]);
    assert!(out_text.is_empty() && !out.exists());
    let (code, _, err) = run(pacnet().args(["classify", "--top", "0"]).arg(util::photo("cat.jpg")));
    assert_one_line_error(code, &err, &["--top 0"]);
}

#[test]
fn config_sizes_and_huge_images_are_refused_from_their_headers() {
    let dir = util::tempdir();
    let model = dir.path().join("model");
    std::fs::create_dir(&model).unwrap();
    std::fs::copy(util::v1_dir().join("model.safetensors"), model.join("model.safetensors")).unwrap();
    let config = std::fs::read_to_string(util::v1_dir().join("config.json")).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&config).unwrap();
    json["pretrained_cfg"]["input_size"] = serde_json::json!([3, 30000, 30000]);
    std::fs::write(model.join("config.json"), json.to_string()).unwrap();
    let (code, _, err) = run(pacnet().arg("classify").arg("--model").arg(&model).arg(util::photo("cat.jpg")));
    assert_one_line_error(code, &err, &["config.json", "input_size", "1024"]);
    json["pretrained_cfg"]["input_size"] = serde_json::json!([3, 224, 224]);
    json["num_classes"] = serde_json::json!(1_000_000_000_000u64);
    std::fs::write(model.join("config.json"), json.to_string()).unwrap();
    let (code, _, err) = run(pacnet().arg("classify").arg("--model").arg(&model).arg(util::photo("cat.jpg")));
    assert_one_line_error(code, &err, &["config.json", "num_classes", "100000"]);

    // A PNG whose header claims 50000×50000 pixels (7.5 GB decoded) is refused before decoding.
    let huge = dir.path().join("huge.png");
    std::fs::write(&huge, png_claiming(50_000, 50_000)).unwrap();
    let (code, _, err) = run(pacnet().arg("classify").arg(&huge));
    assert_one_line_error(code, &err, &["huge.png", "50000×50000", "megapixels"]);
}

/// A PNG with an IHDR claiming `w`×`h` RGB pixels and one tiny IDAT (valid chunk CRCs).
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        c.extend_from_slice(&body);
        c.extend_from_slice(&crc32(&body).to_be_bytes());
        c
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
    png.extend(chunk(b"IEND", &[]));
    png
}

// ---------------------------------------------------------------------------------------------
// 4. weights no trained network has

#[test]
fn non_finite_weights_and_negative_variances_are_refused_by_tensor_name() {
    let dir = util::tempdir();
    for (i, (tensor, f, needle)) in [
        ("classifier.weight", (|_| f32::NAN) as fn(f32) -> f32, "NaN"),
        ("conv_stem.weight", |_| f32::INFINITY, "inf"),
        ("blocks.0.0.bn1.running_var", |v| -v - 1.0, "negative"),
    ]
    .into_iter()
    .enumerate()
    {
        let model = model_with(&dir.path().join(format!("m{i}")), tensor, f);
        let (code, out, err) = run(pacnet().arg("classify").arg("--model").arg(&model).arg(util::photo("cat.jpg")));
        assert_one_line_error(code, &err, &["model.safetensors", &format!("`{tensor}`"), needle]);
        assert!(out.is_empty(), "no guesses printed: {out}");
    }
}

// ---------------------------------------------------------------------------------------------
// crafted project files

/// A saved project with its metadata JSON changed by `f`, lengths and checksum made right.
fn with_meta(bytes: &[u8], f: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let meta_len = u64::from_le_bytes(bytes[16..24].try_into().unwrap()) as usize;
    let mut meta: serde_json::Value = serde_json::from_slice(&bytes[64..64 + meta_len]).unwrap();
    f(&mut meta);
    let meta = serde_json::to_vec(&meta).unwrap();
    reseal(&bytes[..64], &meta, &bytes[64 + meta_len..])
}

/// Header (with the given signature, version and flags) + meta + data, lengths and checksum fixed.
fn reseal(header: &[u8], meta: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = header[..64].to_vec();
    out[16..24].copy_from_slice(&(meta.len() as u64).to_le_bytes());
    out[24..32].copy_from_slice(&(data.len() as u64).to_le_bytes());
    let mut body = meta.to_vec();
    body.extend_from_slice(data);
    out[32..64].copy_from_slice(&Sha256::digest(&body));
    out.extend(body);
    out
}

#[test]
fn crafted_projects_with_flags_or_foreign_head_classes_are_refused() {
    let dir = util::tempdir();
    let path = dir.path().join("p.pacnet");
    small_project(true).save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let mut flagged = bytes.clone();
    flagged[12..16].copy_from_slice(&7u32.to_le_bytes());
    let e = Project::from_bytes(&flagged, &path).expect_err("flags 7");
    assert!(e.to_string().contains("flags 7"), "{e}");
    let renamed = with_meta(&bytes, |m| m["head"]["classes"] = serde_json::json!(["cat", "dog"]));
    let e = Project::from_bytes(&renamed, &path).expect_err("other classes");
    assert!(e.to_string().contains("\"cat\"") && e.to_string().contains("up, down"), "{e}");
    // A head of some of the classes is fine: the app trains only the classes with examples.
    let subset = with_meta(&bytes, |m| m["head"]["classes"] = serde_json::json!(["down"]));
    let e = Project::from_bytes(&subset, &path).map(|_| ()).expect_err("a head of one class has the wrong shape");
    assert!(!e.to_string().contains("predicts class"), "{e}");
    let greedy = with_meta(&bytes, |m| m["hyper"]["epochs"] = serde_json::json!(u64::MAX));
    let e = Project::from_bytes(&greedy, &path).expect_err("epochs");
    assert!(e.to_string().contains("epochs"), "{e}");
    assert!(Project::from_bytes(&with_meta(&bytes, |_| {}), &path).is_ok(), "the resealing itself is sound");
}

// ---------------------------------------------------------------------------------------------
// 6. the fuzzer: mutated project files, weights and configs never panic

/// Cases per target: `PACNET_FUZZ_CASES` for a long run, else a slice that takes about a
/// second in release.
pub(crate) fn fuzz_cases() -> usize {
    std::env::var("PACNET_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400)
}

/// Values that break naive arithmetic on sizes and offsets.
fn nasty(rng: &mut ChaCha8Rng) -> serde_json::Value {
    use serde_json::json;
    match rng.random_range(0..12) {
        0 => json!(u64::MAX),
        1 => json!(1u64 << 63),
        2 => json!(-1),
        3 => json!(0),
        4 => json!(1e300),
        5 => json!(null),
        6 => json!("x"),
        7 => json!([]),
        8 => json!([u64::MAX, u64::MAX, u64::MAX]),
        9 => json!(rng.random_range(0..100_000u64)),
        10 => json!({}),
        _ => json!(usize::MAX / 2),
    }
}

/// Replaces one random value somewhere in `v` (depth-first, a random path) with a nasty one.
fn mutate_json(v: &mut serde_json::Value, rng: &mut ChaCha8Rng) {
    let mut cur = v;
    loop {
        let next_is_leaf = rng.random_bool(0.3);
        let len = match &*cur {
            serde_json::Value::Object(m) => m.len(),
            serde_json::Value::Array(a) => a.len(),
            _ => 0,
        };
        if len == 0 || next_is_leaf {
            *cur = nasty(rng);
            return;
        }
        let i = rng.random_range(0..len);
        cur = match cur {
            serde_json::Value::Object(m) => m.values_mut().nth(i).unwrap(),
            serde_json::Value::Array(a) => &mut a[i],
            _ => unreachable!(),
        };
    }
}

/// Byte-level damage: flips, cut, splice, and u64 fields overwritten with extremes.
fn mutate_bytes(bytes: &mut Vec<u8>, rng: &mut ChaCha8Rng) {
    for _ in 0..rng.random_range(1..4) {
        if bytes.is_empty() {
            bytes.push(rng.random());
        }
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..5) {
            0 => bytes[at] ^= 1 << rng.random_range(0..8),
            1 => bytes.truncate(at),
            2 => {
                let n = rng.random_range(1..64);
                bytes.splice(at..at, (0..n).map(|_| rng.random::<u8>()));
            }
            3 => {
                let v: u64 = [u64::MAX, 1 << 62, 0, 0xFFFF_FFFF][rng.random_range(0..4)];
                let end = (at + 8).min(bytes.len());
                bytes[at..end].copy_from_slice(&v.to_le_bytes()[..end - at]);
            }
            _ => bytes[at] = rng.random(),
        }
    }
}

/// A small safetensors file with a BatchNorm-like set of tensors.
fn small_safetensors() -> Vec<u8> {
    let header = r#"{"conv.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"bn.running_var":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[32,40]}}"#;
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    for v in [0.5f32, -1.0, 2.0, 0.25, 1.0, 3.0, 1.0, 0.5] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&7i64.to_le_bytes());
    out
}

/// Runs `f` on every case, and fails with the target and case number of the first panic.
fn fuzz(target: &str, seed: u64, mut case: impl FnMut(&mut ChaCha8Rng)) -> usize {
    let n = fuzz_cases();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in 0..n {
        let mut case_rng = ChaCha8Rng::seed_from_u64(rng.random());
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(&mut case_rng)));
        assert!(outcome.is_ok(), "{target}: case {i} (seed {seed}) panicked");
    }
    n
}

#[test]
fn fuzz_project_reader_weights_and_config_never_panic() {
    let dir = util::tempdir();
    let path = dir.path().join("f.pacnet");
    small_project(true).save(&path).unwrap();
    let project = std::fs::read(&path).unwrap();
    let meta_len = u64::from_le_bytes(project[16..24].try_into().unwrap()) as usize;
    let meta: serde_json::Value = serde_json::from_slice(&project[64..64 + meta_len]).unwrap();
    let (mut refused, mut loaded) = (0, 0);
    // Structure-aware: valid framing and checksum, hostile metadata values, so the cases get
    // past the checksum into the parts that allocate and index.
    let n = fuzz("project metadata", 1, |rng| {
        let mut m = meta.clone();
        for _ in 0..rng.random_range(1..4) {
            mutate_json(&mut m, rng);
        }
        let bytes = reseal(&project[..64], &serde_json::to_vec(&m).unwrap(), &project[64 + meta_len..]);
        match Project::from_bytes(&bytes, &path) {
            Ok(_) => loaded += 1,
            Err(e) => {
                assert!(!e.to_string().is_empty());
                refused += 1;
            }
        }
    });
    println!("project metadata: {n} cases, {refused} refused, {loaded} loaded");
    assert!(refused > n / 2, "most hostile metadata is refused: {refused}/{n}");
    fuzz("project bytes", 2, |rng| {
        let mut bytes = project.clone();
        mutate_bytes(&mut bytes, rng);
        if rng.random_bool(0.5) && bytes.len() >= 64 {
            // Re-seal so the damage inside the body is seen by the parser, not just the checksum.
            let m = u64::from_le_bytes(bytes[16..24].try_into().unwrap()).min(bytes.len() as u64 - 64) as usize;
            bytes = reseal(&bytes[..64], &bytes[64..64 + m], &bytes[64 + m..]);
        }
        let _ = Project::from_bytes(&bytes, &path);
    });
    let st = small_safetensors();
    assert!(WeightFile::from_bytes(&st, Path::new("w")).is_ok(), "the seed file itself parses");
    fuzz("safetensors", 3, |rng| {
        let mut bytes = st.clone();
        mutate_bytes(&mut bytes, rng);
        if let Ok(mut w) = WeightFile::from_bytes(&bytes, Path::new("w")) {
            let _ = w.batch_norm("bn", 2, 1e-5);
            let _ = w.take("conv.weight", &[2, 3]);
        }
    });
    let config = std::fs::read_to_string(util::v1_dir().join("config.json")).unwrap();
    let config_json: serde_json::Value = serde_json::from_str(&config).unwrap();
    fuzz("config.json", 4, |rng| {
        let text = if rng.random_bool(0.5) {
            let mut v = config_json.clone();
            mutate_json(&mut v, rng);
            v.to_string()
        } else {
            let mut bytes = config.clone().into_bytes();
            mutate_bytes(&mut bytes, rng);
            String::from_utf8_lossy(&bytes).into_owned()
        };
        if let Ok(c) = ModelConfig::parse(&text, Path::new("config.json")) {
            assert!((32..=pacnet::backbone::config::MAX_INPUT_SIZE).contains(&c.input_size));
            assert!(c.num_classes <= pacnet::backbone::config::MAX_CLASSES);
        }
    });
}
