//! Explicit vector types for the hot kernels. Letting the compiler vectorise arrays of floats
//! keeps the accumulators of a register tile in memory (it vectorises after it decides what
//! lives in registers), so the tiles that need many accumulators use these wrappers around
//! `core::arch` intrinsics instead; each method compiles to one or two instructions.
//! [`Portable`] implements the same operations on plain arrays, so one kernel source serves
//! every level.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use crate::backbone::arch::Act;

/// One SIMD register of `f32` lanes and the operations the kernels need.
///
/// # Safety
/// Every method requires the CPU features of the implementing type, and pointer arguments must
/// be valid for the lanes read or written (`n` lanes for the partial forms).
pub(crate) unsafe trait Simd: Copy {
    /// The register type.
    type V: Copy;
    /// Lanes per register.
    const LANES: usize;
    /// All lanes = `x`.
    unsafe fn splat(x: f32) -> Self::V;
    /// Loads `LANES` values.
    unsafe fn load(p: *const f32) -> Self::V;
    /// Stores `LANES` values.
    unsafe fn store(p: *mut f32, v: Self::V);
    /// a·b + c, fused.
    unsafe fn fmadd(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// a + b.
    unsafe fn add(a: Self::V, b: Self::V) -> Self::V;
    /// a · b.
    unsafe fn mul(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise max.
    unsafe fn max(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise min.
    unsafe fn min(a: Self::V, b: Self::V) -> Self::V;

    /// The activation on every lane, exactly as [`Act::apply`] computes it.
    #[inline(always)]
    unsafe fn act(act: Act, v: Self::V) -> Self::V {
        // SAFETY: the same contract as the lane operations it calls.
        unsafe {
            match act {
                Act::Identity => v,
                Act::Relu => Self::max(v, Self::splat(0.0)),
                Act::Relu6 => Self::min(Self::max(v, Self::splat(0.0)), Self::splat(6.0)),
                Act::HardSwish => {
                    let r = Self::min(Self::max(Self::add(v, Self::splat(3.0)), Self::splat(0.0)), Self::splat(6.0));
                    Self::mul(v, Self::mul(r, Self::splat(1.0 / 6.0)))
                }
            }
        }
    }
}

/// AVX-512F, 16 lanes.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct Avx512;

#[cfg(target_arch = "x86_64")]
// SAFETY: only constructed after runtime detection of the instruction set (`simd::level`).
unsafe impl Simd for Avx512 {
    type V = __m512;
    const LANES: usize = 16;
    #[inline(always)]
    unsafe fn splat(x: f32) -> __m512 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m512) {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm512_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m512, b: __m512, c: __m512) -> __m512 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    unsafe fn add(a: __m512, b: __m512) -> __m512 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm512_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn mul(a: __m512, b: __m512) -> __m512 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm512_mul_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn max(a: __m512, b: __m512) -> __m512 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm512_max_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn min(a: __m512, b: __m512) -> __m512 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm512_min_ps(a, b) }
    }
}

/// AVX2 + FMA, 8 lanes.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct Avx2;

#[cfg(target_arch = "x86_64")]
// SAFETY: only constructed after runtime detection of the instruction set (`simd::level`).
unsafe impl Simd for Avx2 {
    type V = __m256;
    const LANES: usize = 8;
    #[inline(always)]
    unsafe fn splat(x: f32) -> __m256 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m256) {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm256_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m256, b: __m256, c: __m256) -> __m256 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    unsafe fn add(a: __m256, b: __m256) -> __m256 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn mul(a: __m256, b: __m256) -> __m256 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm256_mul_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn max(a: __m256, b: __m256) -> __m256 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm256_max_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn min(a: __m256, b: __m256) -> __m256 {
        // SAFETY: the trait's contract: the caller checked the CPU has this ISA, and `p` spans LANES floats.
        unsafe { _mm256_min_ps(a, b) }
    }
}

/// No CPU feature needed: 8 lanes in a plain array, which the compiler maps to whatever the
/// target guarantees (SSE2 on x86-64). Multiply and add stay separate (no FMA unit assumed).
#[derive(Clone, Copy)]
pub(crate) struct Portable;

// SAFETY: no method needs a CPU feature; the pointer methods read or write exactly the lanes
// the trait's contract makes the caller guarantee.
// SAFETY: only constructed after runtime detection of the instruction set (`simd::level`).
unsafe impl Simd for Portable {
    type V = [f32; 8];
    const LANES: usize = 8;
    #[inline(always)]
    unsafe fn splat(x: f32) -> [f32; 8] {
        [x; 8]
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> [f32; 8] {
        // SAFETY: the caller guarantees 8 readable lanes at `p`.
        unsafe { p.cast::<[f32; 8]>().read_unaligned() }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: [f32; 8]) {
        // SAFETY: the caller guarantees 8 writable lanes at `p`.
        unsafe { p.cast::<[f32; 8]>().write_unaligned(v) }
    }
    #[inline(always)]
    unsafe fn fmadd(a: [f32; 8], b: [f32; 8], c: [f32; 8]) -> [f32; 8] {
        std::array::from_fn(|i| a[i] * b[i] + c[i])
    }
    #[inline(always)]
    unsafe fn add(a: [f32; 8], b: [f32; 8]) -> [f32; 8] {
        std::array::from_fn(|i| a[i] + b[i])
    }
    #[inline(always)]
    unsafe fn mul(a: [f32; 8], b: [f32; 8]) -> [f32; 8] {
        std::array::from_fn(|i| a[i] * b[i])
    }
    #[inline(always)]
    unsafe fn max(a: [f32; 8], b: [f32; 8]) -> [f32; 8] {
        std::array::from_fn(|i| a[i].max(b[i]))
    }
    #[inline(always)]
    unsafe fn min(a: [f32; 8], b: [f32; 8]) -> [f32; 8] {
        std::array::from_fn(|i| a[i].min(b[i]))
    }
}
