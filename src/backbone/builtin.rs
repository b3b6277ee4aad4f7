//! The built-in backbone: the real MobileNet v1 0.25 of `models/` (the TF.js demo's own
//! network, 1.9 MB), compiled into the binary so pacnet does its whole job offline from the
//! first start, wherever the binary is copied. `models/README.md` says where it comes from.

/// The name that selects it (`--model builtin`).
pub const NAME: &str = "builtin";
/// What the model picker and `--help` call it.
pub const TITLE: &str = "MobileNet v1 0.25 (built in)";
/// One line: what choosing it gets you (speed measured with `pacnet bench`, see the README).
pub const SUMMARY: &str =
    "the TF.js demo's own network (256×7×7 at conv_pw_13_relu); ~1.3 ms per frame, always available";
/// `models/config.json`.
pub const CONFIG: &str = include_str!("../../models/config.json");
/// `models/model.safetensors`.
pub const WEIGHTS: &[u8] = include_bytes!("../../models/model.safetensors");
/// `models/labels.txt` (1001 lines, `background` first).
pub const LABELS: &str = include_str!("../../models/labels.txt");
/// sha256 of [`WEIGHTS`]: the model's identity in projects (a test checks it, and
/// `models/README.md`, against the bytes).
pub const SHA256: &str = "8f0423d080916017a508f391af0f2a8f14cb634c8bba4265c4af55ebf3289c09";
/// The path that stands for the compiled-in files in error messages.
pub const PSEUDO_PATH: &str = "<built-in models/>";
