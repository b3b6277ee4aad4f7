//! Which build this is: version, git commit, build date (stamped by `build.rs`) and the vector
//! unit the backbone's kernels will use on this CPU. `pacnet --version` prints it and the app's
//! About window shows it, so a bug report can say exactly what ran.
//!
//! **May import:** `backbone` (for its SIMD detection, never duplicated here).

use std::sync::OnceLock;

use crate::backbone::kernels::simd::{self, Isa};

/// pacnet's version (`Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit built, 12 hex digits (`-dirty` with uncommitted changes), or `unknown` when
/// built without git (a source tarball).
pub const COMMIT: &str = env!("PACNET_GIT_COMMIT");
/// The build date, `YYYY-MM-DD` in UTC (`SOURCE_DATE_EPOCH` when set).
pub const BUILD_DATE: &str = env!("PACNET_BUILD_DATE");

/// The SIMD level the backbone's kernels run at here, in words (after `PACNET_SIMD`).
#[must_use]
pub fn simd() -> &'static str {
    match simd::level().isa() {
        Isa::Avx512 => "AVX-512 (16 lanes, FMA)",
        Isa::Avx2 => "AVX2 (8 lanes, FMA)",
        Isa::Portable => "portable (no AVX2/FMA)",
    }
}

/// The fields as (name, value) rows, in display order.
#[must_use]
pub fn fields() -> [(&'static str, &'static str); 4] {
    [("version", VERSION), ("commit", COMMIT), ("built", BUILD_DATE), ("simd", simd())]
}

/// One line: `0.1.0 (commit 169f911a2b3c, built 2026-12-02)` (`pacnet -V`).
#[must_use]
pub fn short() -> &'static str {
    static S: OnceLock<String> = OnceLock::new();
    S.get_or_init(|| format!("{VERSION} (commit {COMMIT}, built {BUILD_DATE})"))
}

/// Every field, one per line after the version (`pacnet --version`).
#[must_use]
pub fn long() -> &'static str {
    static S: OnceLock<String> = OnceLock::new();
    S.get_or_init(|| {
        let rows: Vec<String> = fields().iter().skip(1).map(|(k, v)| format!("{k:<8} {v}")).collect();
        format!("{VERSION}\n{}", rows.join("\n"))
    })
}
