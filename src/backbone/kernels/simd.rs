//! Runtime choice of the widest vector unit, so the kernels use AVX-512 or AVX2+FMA where the
//! CPU has them while the binary stays portable (no `-C target-cpu=native` needed).
//!
//! The trick (the one `pulp`, which `gemm` uses, is built on): a generic kernel marked
//! `#[inline(always)]` is called from a closure inside a `#[target_feature]` function, so it is
//! compiled again with those features enabled and the compiler vectorises it for them.
//!
//! A [`Level`] is a token: the only ways to get one are [`level`] and [`available`], which
//! detect the CPU first, so safe code cannot ask for AVX-512 on a CPU without it.

use std::sync::OnceLock;

/// The instruction sets the kernels are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Isa {
    /// 16-lane AVX-512F with fused multiply-add.
    Avx512,
    /// 8-lane AVX2 with fused multiply-add.
    Avx2,
    /// Whatever the compile target guarantees (SSE2 on x86-64), no fused multiply-add.
    Portable,
}

/// A detected instruction set: proof that this CPU can run kernels compiled for [`Level::isa`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Level(Isa);

impl Level {
    /// The portable level, which every CPU runs.
    pub const PORTABLE: Level = Level(Isa::Portable);

    /// The instruction set this level stands for.
    pub fn isa(self) -> Isa {
        self.0
    }

    /// `f32` lanes of one vector register at this level (the width of the activations' channel
    /// blocks, see `blocked.rs`).
    pub fn lanes(self) -> usize {
        match self.0 {
            Isa::Avx512 => 16,
            Isa::Avx2 | Isa::Portable => 8,
        }
    }
}

/// The best level this CPU supports; `PACNET_SIMD=avx2|portable` caps it (for comparisons).
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let cap = std::env::var("PACNET_SIMD").unwrap_or_default();
        let best = detect();
        match (cap.as_str(), best) {
            ("portable", _) => Level::PORTABLE,
            ("avx2", Isa::Avx512) => Level(Isa::Avx2),
            _ => Level(best),
        }
    })
}

/// `PACNET_SIMD`'s value if it is set to something [`level`] does not know (it would be
/// ignored), so the CLI can refuse it instead of measuring the wrong thing without a word.
pub fn unknown_cap() -> Option<String> {
    let cap = std::env::var_os("PACNET_SIMD")?;
    let cap = cap.to_string_lossy();
    (!matches!(cap.as_ref(), "" | "avx2" | "portable")).then(|| cap.into_owned())
}

/// Every level this CPU can run, best first (tests run the kernels at each).
pub fn available() -> Vec<Level> {
    let best = detect();
    let mut out = Vec::new();
    if best == Isa::Avx512 {
        out.push(Level(Isa::Avx512));
    }
    if best != Isa::Portable {
        out.push(Level(Isa::Avx2));
    }
    out.push(Level::PORTABLE);
    out
}

fn detect() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        let avx2 = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
        if avx2 && std::is_x86_feature_detected!("avx512f") {
            return Isa::Avx512;
        }
        if avx2 {
            return Isa::Avx2;
        }
    }
    Isa::Portable
}

/// Runs `f` compiled for AVX-512F (+AVX2, FMA).
///
/// # Safety
/// The CPU must support avx512f, avx2 and fma (a [`Level`] of [`Isa::Avx512`] proves it).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
pub unsafe fn avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Runs `f` compiled for AVX2 + FMA.
///
/// # Safety
/// The CPU must support avx2 and fma (a [`Level`] of [`Isa::Avx512`] or [`Isa::Avx2`] proves it).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Calls `$imp::<LANES, FMA>($args)` compiled for `$level`: 16 lanes + FMA on AVX-512, 8 lanes +
/// FMA on AVX2, 8 lanes without FMA otherwise. `$imp` must be `#[inline(always)]`.
macro_rules! dispatch {
    ($level:expr, $imp:ident ( $($arg:expr),* $(,)? )) => {{
        match $level.isa() {
            #[cfg(target_arch = "x86_64")]
            $crate::backbone::kernels::simd::Isa::Avx512 => {
                // SAFETY: a `Level` of `Isa::Avx512` only comes from detecting avx512f, avx2 and fma.
                unsafe { $crate::backbone::kernels::simd::avx512(#[inline(always)] || $imp::<16, true>($($arg),*)) }
            }
            #[cfg(target_arch = "x86_64")]
            $crate::backbone::kernels::simd::Isa::Avx2 => {
                // SAFETY: a `Level` of `Isa::Avx2` only comes from detecting avx2 and fma.
                unsafe { $crate::backbone::kernels::simd::avx2(#[inline(always)] || $imp::<8, true>($($arg),*)) }
            }
            _ => $imp::<8, false>($($arg),*),
        }
    }};
}
pub(crate) use dispatch;

/// Calls `$imp::<V, $extra..>($args)` with the explicit vector type `V` (see `vector.rs`) whose
/// lanes are `$lanes`, compiled for `$level`: `Avx512` (16 lanes) or `Avx2` (8 lanes, also on
/// AVX-512 CPUs, for 8-channel blocks) where the CPU has them, else `Portable` (8 lanes).
/// `$imp` must be an `#[inline(always)] unsafe fn` whose contract beyond the CPU features its
/// caller has checked.
macro_rules! dispatch_vec {
    ($level:expr, $lanes:expr, $imp:ident [$($g:tt),*] ( $($arg:expr),* $(,)? )) => {{
        use $crate::backbone::kernels::{simd, vector};
        match ($level.isa(), $lanes) {
            #[cfg(target_arch = "x86_64")]
            (simd::Isa::Avx512, 16) => {
                // SAFETY: a `Level` of `Isa::Avx512` only comes from detecting avx512f, avx2 and
                // fma; the kernel's own contract is checked by its caller.
                unsafe { simd::avx512(#[inline(always)] || $imp::<vector::Avx512, $($g),*>($($arg),*)) }
            }
            #[cfg(target_arch = "x86_64")]
            (simd::Isa::Avx512, _) => {
                // SAFETY: as above (AVX-512 CPUs have avx2 and fma too).
                unsafe { simd::avx512(#[inline(always)] || $imp::<vector::Avx2, $($g),*>($($arg),*)) }
            }
            #[cfg(target_arch = "x86_64")]
            (simd::Isa::Avx2, _) => {
                // SAFETY: a `Level` of `Isa::Avx2` only comes from detecting avx2 and fma.
                unsafe { simd::avx2(#[inline(always)] || $imp::<vector::Avx2, $($g),*>($($arg),*)) }
            }
            _ => {
                // SAFETY: the portable vector needs no CPU feature; the rest is the caller's.
                unsafe { $imp::<vector::Portable, $($g),*>($($arg),*) }
            }
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
