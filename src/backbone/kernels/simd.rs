//! Runtime choice of the widest vector unit, so the kernels use AVX-512 or AVX2+FMA where the
//! CPU has them while the binary stays portable (no `-C target-cpu=native` needed).
//!
//! The trick (the one `pulp`, which `gemm` uses, is built on): a generic kernel marked
//! `#[inline(always)]` is called from a closure inside a `#[target_feature]` function, so it is
//! compiled again with those features enabled and the compiler vectorises it for them.

use std::sync::OnceLock;

/// Which instruction set the kernels run with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// 16-lane AVX-512F with fused multiply-add.
    Avx512,
    /// 8-lane AVX2 with fused multiply-add.
    Avx2,
    /// Whatever the compile target guarantees (SSE2 on x86-64), no fused multiply-add.
    Portable,
}

/// The best level this CPU supports; `PACNET_SIMD=avx2|portable` caps it (for comparisons).
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let cap = std::env::var("PACNET_SIMD").unwrap_or_default();
        let best = detect();
        match (cap.as_str(), best) {
            ("portable", _) => Level::Portable,
            ("avx2", Level::Avx512) => Level::Avx2,
            _ => best,
        }
    })
}

/// Every level this CPU can run, best first (tests run the kernels at each).
pub fn available() -> Vec<Level> {
    let mut out = Vec::new();
    let best = detect();
    if best == Level::Avx512 {
        out.push(Level::Avx512);
    }
    if best != Level::Portable {
        out.push(Level::Avx2);
    }
    out.push(Level::Portable);
    out
}

fn detect() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("fma") {
            return Level::Avx512;
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            return Level::Avx2;
        }
    }
    Level::Portable
}

/// Runs `f` compiled for AVX-512F (+AVX2, FMA).
///
/// # Safety
/// The CPU must support avx512f, avx2 and fma ([`level`] checks).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
pub unsafe fn avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Runs `f` compiled for AVX2 + FMA.
///
/// # Safety
/// The CPU must support avx2 and fma ([`level`] checks).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Calls `$imp::<LANES, FMA>($args)` compiled for `$level`: 16 lanes + FMA on AVX-512, 8 lanes +
/// FMA on AVX2, 8 lanes without FMA otherwise. `$imp` must be `#[inline(always)]`.
macro_rules! dispatch {
    ($level:expr, $imp:ident ( $($arg:expr),* $(,)? )) => {{
        match $level {
            #[cfg(target_arch = "x86_64")]
            $crate::backbone::kernels::simd::Level::Avx512 => {
                // SAFETY: `Level::Avx512` is only chosen after detecting avx512f, avx2 and fma.
                unsafe { $crate::backbone::kernels::simd::avx512(#[inline(always)] || $imp::<16, true>($($arg),*)) }
            }
            #[cfg(target_arch = "x86_64")]
            $crate::backbone::kernels::simd::Level::Avx2 => {
                // SAFETY: `Level::Avx2` is only chosen after detecting avx2 and fma.
                unsafe { $crate::backbone::kernels::simd::avx2(#[inline(always)] || $imp::<8, true>($($arg),*)) }
            }
            _ => $imp::<8, false>($($arg),*),
        }
    }};
}
pub(crate) use dispatch;

/// Calls `$imp::<Avx512, $extra..>($args)` or `$imp::<Avx2, $extra..>($args)` (explicit-vector
/// kernels, see `vector.rs`) compiled for the detected level, else evaluates `$portable`.
macro_rules! dispatch_vec {
    ($level:expr, $imp:ident [$($g:tt),*] ( $($arg:expr),* $(,)? ), $portable:expr) => {{
        match $level {
            #[cfg(target_arch = "x86_64")]
            $crate::backbone::kernels::simd::Level::Avx512 => {
                // SAFETY: `Level::Avx512` is only chosen after detecting avx512f, avx2 and fma;
                // the kernel's own contract (slice lengths) is checked by its caller.
                unsafe { $crate::backbone::kernels::simd::avx512(#[inline(always)] || $imp::<$crate::backbone::kernels::vector::Avx512, $($g),*>($($arg),*)) }
            }
            #[cfg(target_arch = "x86_64")]
            $crate::backbone::kernels::simd::Level::Avx2 => {
                // SAFETY: as above, for avx2 and fma.
                unsafe { $crate::backbone::kernels::simd::avx2(#[inline(always)] || $imp::<$crate::backbone::kernels::vector::Avx2, $($g),*>($($arg),*)) }
            }
            _ => $portable,
        }
    }};
}
pub(crate) use dispatch_vec;

/// `a·b + c`, fused where the level has FMA (without FMA, `mul_add` would call a slow libm
/// routine, so the portable path multiplies and adds).
#[inline(always)]
pub fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}
