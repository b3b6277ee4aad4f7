//! Explicit vector types for the hot kernels. Letting the compiler vectorise arrays of floats
//! keeps the accumulators of a register tile in memory (it vectorises after it decides what
//! lives in registers), so the tiles that need many accumulators use these wrappers around
//! `core::arch` intrinsics instead; each method compiles to one or two instructions.

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
    /// Loads the first `n < LANES` values, zero elsewhere.
    unsafe fn load_n(p: *const f32, n: usize) -> Self::V;
    /// Stores `LANES` values.
    unsafe fn store(p: *mut f32, v: Self::V);
    /// Stores the first `n < LANES` lanes.
    unsafe fn store_n(p: *mut f32, v: Self::V, n: usize);
    /// The first `n < LANES` lanes of `v`, zero elsewhere (a register operation: a full store
    /// of it is much cheaper than a masked store on AMD Zen).
    unsafe fn keep_n(v: Self::V, n: usize) -> Self::V;
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
    /// Loads `2·LANES` values and returns (even-indexed, odd-indexed) ones.
    unsafe fn deinterleave(p: *const f32) -> (Self::V, Self::V);

    /// The activation on every lane, exactly as [`Act::apply`] computes it.
    #[inline(always)]
    unsafe fn act(act: Act, v: Self::V) -> Self::V {
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
unsafe impl Simd for Avx512 {
    type V = __m512;
    const LANES: usize = 16;
    #[inline(always)]
    unsafe fn splat(x: f32) -> __m512 {
        unsafe { _mm512_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m512 {
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn load_n(p: *const f32, n: usize) -> __m512 {
        unsafe { _mm512_maskz_loadu_ps(((1u32 << n) - 1) as u16, p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m512) {
        unsafe { _mm512_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn store_n(p: *mut f32, v: __m512, n: usize) {
        unsafe { _mm512_mask_storeu_ps(p, ((1u32 << n) - 1) as u16, v) }
    }
    #[inline(always)]
    unsafe fn keep_n(v: __m512, n: usize) -> __m512 {
        unsafe { _mm512_maskz_mov_ps(((1u32 << n) - 1) as u16, v) }
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m512, b: __m512, c: __m512) -> __m512 {
        unsafe { _mm512_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    unsafe fn add(a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn mul(a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_mul_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn max(a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_max_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn min(a: __m512, b: __m512) -> __m512 {
        unsafe { _mm512_min_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn deinterleave(p: *const f32) -> (__m512, __m512) {
        unsafe {
            let (a, b) = (_mm512_loadu_ps(p), _mm512_loadu_ps(p.add(16)));
            let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            (_mm512_permutex2var_ps(a, even, b), _mm512_permutex2var_ps(a, odd, b))
        }
    }
}

/// AVX2 + FMA, 8 lanes.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct Avx2;

#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn mask8(n: usize) -> __m256i {
    // Lane i is enabled when i < n (the sign bit of each 32-bit lane is the mask).
    unsafe { _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)) }
}

#[cfg(target_arch = "x86_64")]
unsafe impl Simd for Avx2 {
    type V = __m256;
    const LANES: usize = 8;
    #[inline(always)]
    unsafe fn splat(x: f32) -> __m256 {
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> __m256 {
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn load_n(p: *const f32, n: usize) -> __m256 {
        unsafe { _mm256_maskload_ps(p, mask8(n)) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m256) {
        unsafe { _mm256_storeu_ps(p, v) }
    }
    #[inline(always)]
    unsafe fn store_n(p: *mut f32, v: __m256, n: usize) {
        unsafe { _mm256_maskstore_ps(p, mask8(n), v) }
    }
    #[inline(always)]
    unsafe fn keep_n(v: __m256, n: usize) -> __m256 {
        unsafe { _mm256_and_ps(v, _mm256_castsi256_ps(mask8(n))) }
    }
    #[inline(always)]
    unsafe fn fmadd(a: __m256, b: __m256, c: __m256) -> __m256 {
        unsafe { _mm256_fmadd_ps(a, b, c) }
    }
    #[inline(always)]
    unsafe fn add(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_add_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn mul(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_mul_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn max(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_max_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn min(a: __m256, b: __m256) -> __m256 {
        unsafe { _mm256_min_ps(a, b) }
    }
    #[inline(always)]
    unsafe fn deinterleave(p: *const f32) -> (__m256, __m256) {
        unsafe {
            let (a, b) = (_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8)));
            // Per 128-bit half: [a0 a2 b0 b2 | a4 a6 b4 b6], then reorder the 64-bit pairs.
            let e = _mm256_castps_pd(_mm256_shuffle_ps::<0b10_00_10_00>(a, b));
            let o = _mm256_castps_pd(_mm256_shuffle_ps::<0b11_01_11_01>(a, b));
            (
                _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(e)),
                _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(o)),
            )
        }
    }
}
