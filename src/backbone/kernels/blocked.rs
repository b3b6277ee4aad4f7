//! The activation layout the fast kernels share: channels in blocks of one vector register
//! (`bw` = 16 lanes on AVX-512, 8 otherwise), each block a plane of pixels whose `bw` channel
//! values sit side by side, with a zero border (the halo) around every plane.
//!
//! Why not CHW: MobileNet's late layers have many channels on tiny planes (960 × 7×7). In CHW
//! a vector holds pixels of one channel, so a 49-pixel plane fills 3 registers and a sliver
//! of a fourth, and a depthwise layer is 960 separate little convolutions, each with its own
//! padding copy. With channels in the vector, every register is full whatever the plane size,
//! a depthwise tap is one vector load and one fused multiply-add for `bw` channels at once,
//! and a 1×1 convolution becomes a register-tiled matrix multiply (pixels × channel blocks)
//! that reaches the core's FMA peak. The halo is as wide as the widest depthwise padding, so
//! depthwise kernels read their padding instead of testing borders. Channels past `c` in the
//! last block are zero, and every kernel keeps them zero.
//!
//! Cut points are still reported in CHW (the order the head, the project file and the views
//! use): [`to_chw`] converts one activation when asked.

use std::ops::Range;

use super::{size, sum};

/// Shape and layout of one blocked activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planes {
    /// Channels.
    pub c: usize,
    /// Height.
    pub h: usize,
    /// Width.
    pub w: usize,
    /// Channels per block (lanes of the vector that holds them).
    pub bw: usize,
    /// Zero pixels around each plane on every side.
    pub halo: usize,
}

impl Planes {
    /// Channel blocks (none when `bw` is 0, a layout no kernel accepts).
    pub fn blocks(&self) -> usize {
        self.c.checked_div(self.bw).map_or(0, |_| self.c.div_ceil(self.bw))
    }

    /// Padded width in pixels.
    pub fn padded_w(&self) -> usize {
        sum(&[self.w, self.halo, self.halo])
    }

    /// Floats from one padded row to the next.
    pub fn row_len(&self) -> usize {
        size(&[self.padded_w(), self.bw])
    }

    /// Floats per block plane, halo included.
    pub fn plane_len(&self) -> usize {
        size(&[sum(&[self.h, self.halo, self.halo]), self.row_len()])
    }

    /// Floats of the whole activation. Every offset inside it ([`Planes::at`]) is then
    /// smaller, so the kernels index without further checks.
    ///
    /// # Panics
    /// When the layout's size overflows `usize` (see `kernels::size`).
    pub fn len(&self) -> usize {
        size(&[self.blocks(), self.plane_len()])
    }

    /// Whether the activation holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where pixel (y, x) of block `b` starts (its `bw` channels follow).
    #[inline(always)]
    pub fn at(&self, b: usize, y: usize, x: usize) -> usize {
        b * self.plane_len() + (y + self.halo) * self.row_len() + (x + self.halo) * self.bw
    }

    /// The same pixels with `c` channels in blocks of `bw` (same halo).
    pub fn with_channels(&self, c: usize, bw: usize) -> Self {
        Self { c, bw, ..*self }
    }
}

/// A rectangle of one kernel call's output that one thread computes: channel blocks × rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// Output channel blocks.
    pub blocks: Range<usize>,
    /// Output rows.
    pub rows: Range<usize>,
}

impl Part {
    /// All of `p`.
    pub fn all(p: &Planes) -> Self {
        Self { blocks: 0..p.blocks(), rows: 0..p.h }
    }
}

/// A shared pointer to an output buffer that several threads write, each inside its own
/// [`Part`]. Only the kernels' `unsafe` part functions write through it.
#[derive(Clone, Copy, Debug)]
pub struct OutPtr {
    ptr: *mut f32,
    len: usize,
}

// SAFETY: an `OutPtr` is only written through by kernel part functions whose callers
// guarantee that concurrent parts are disjoint; it carries no thread-affine state.
unsafe impl Send for OutPtr {}
// SAFETY: as above.
unsafe impl Sync for OutPtr {}

impl OutPtr {
    /// Borrows `out` for the kernels. The caller must not touch `out` while parts written
    /// through the pointer are running.
    pub fn new(out: &mut [f32]) -> Self {
        Self { ptr: out.as_mut_ptr(), len: out.len() }
    }

    /// Floats behind the pointer.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The raw pointer.
    pub(crate) fn ptr(&self) -> *mut f32 {
        self.ptr
    }
}

/// Copies the CHW activation `x` (`[c, h, w]`) into blocked layout `p`, halo and padding
/// channels zeroed.
pub fn from_chw(x: &[f32], p: &Planes, out: &mut [f32]) {
    let (h, w) = (p.h, p.w);
    assert!(x.len() >= size(&[p.c, h, w]) && out.len() >= p.len(), "from_chw: slices shorter than their shapes");
    out[..p.len()].fill(0.0);
    for (ch, plane) in x.chunks_exact(h * w).enumerate().take(p.c) {
        let (b, lane) = (ch / p.bw, ch % p.bw);
        for (y, row) in plane.chunks_exact(w).enumerate() {
            let start = p.at(b, y, 0) + lane;
            for (o, v) in out[start..].iter_mut().step_by(p.bw).zip(row) {
                *o = *v;
            }
        }
    }
}

/// Copies blocks `blocks` of the blocked activation `x` (layout `p`) into CHW `out`
/// (`[c, h, w]`, the whole tensor; only those blocks' channels are written).
pub fn to_chw(x: &[f32], p: &Planes, out: &mut [f32], blocks: Range<usize>) {
    assert!(
        x.len() >= p.len() && out.len() >= size(&[p.c, p.h, p.w]) && blocks.end <= p.blocks(),
        "to_chw: slices shorter than their shapes"
    );
    // SAFETY: lengths checked; `out` is borrowed mutably for the call.
    unsafe { to_chw_part(x, p, OutPtr::new(out), blocks) }
}

/// [`to_chw`] through a shared pointer, so threads can convert different blocks.
///
/// # Safety
/// `x` holds `p.len()` floats, `out` covers `p.c·p.h·p.w`, `blocks` are blocks of `p`, and no
/// other thread touches these blocks' channel planes of `out` meanwhile.
pub(crate) unsafe fn to_chw_part(x: &[f32], p: &Planes, out: OutPtr, blocks: Range<usize>) {
    let (h, w) = (p.h, p.w);
    for b in blocks {
        for ch in b * p.bw..((b + 1) * p.bw).min(p.c) {
            let lane = ch - b * p.bw;
            // SAFETY: channel ch's plane is inside `out` and owned by this call.
            let plane = unsafe { std::slice::from_raw_parts_mut(out.ptr().add(ch * h * w), h * w) };
            for (y, row) in plane.chunks_exact_mut(w).enumerate() {
                let start = p.at(b, y, 0) + lane;
                for (o, v) in row.iter_mut().zip(x[start..].iter().step_by(p.bw)) {
                    *o = *v;
                }
            }
        }
    }
}

/// Zeroes the halo around rows `rows` of blocks `blocks`: the left and right borders of those
/// rows, plus the top border when the rows start at 0 and the bottom one when they end at
/// `h`. Producers call it for the part they write, so together they clear the whole halo.
///
/// # Safety
/// `out` covers `p.len()` floats, and no other thread touches the halo of these rows.
pub(crate) unsafe fn zero_halo(out: OutPtr, p: &Planes, blocks: Range<usize>, rows: Range<usize>) {
    if p.halo == 0 {
        return;
    }
    let side = p.halo * p.bw;
    let row_len = p.row_len();
    for b in blocks {
        let base = b * p.plane_len();
        let clear = |start: usize, n: usize| {
            debug_assert!(start + n <= out.len());
            // SAFETY: the range lies inside block b's plane (< p.len() <= out.len()), on halo
            // pixels of the caller's rows that only this call writes.
            unsafe { clear_floats(out.ptr().add(start), n) };
        };
        if rows.start == 0 {
            clear(base, p.halo * row_len);
        }
        if rows.end == p.h {
            clear(base + (p.h + p.halo) * row_len, p.halo * row_len);
        }
        for y in rows.clone() {
            let row = base + (y + p.halo) * row_len;
            clear(row, side);
            clear(row + row_len - side, side);
        }
    }
}

/// Zeroes `n` floats at `at`. The side halos are 8 to 32 floats, cleared twice per row and
/// block (tens of thousands of times a frame): a `memset` call each cost ~3 % of a forward
/// pass on AVX2 (perf), so those sizes are written as fixed-size stores the compiler inlines.
///
/// # Safety
/// `at` is valid for writing `n` floats.
#[inline(always)]
unsafe fn clear_floats(at: *mut f32, n: usize) {
    // SAFETY: the caller guarantees `n` floats at `at`; unaligned writes need no alignment.
    unsafe {
        match n {
            8 => at.cast::<[f32; 8]>().write_unaligned([0.0; 8]),
            16 => at.cast::<[f32; 16]>().write_unaligned([0.0; 16]),
            32 => at.cast::<[f32; 32]>().write_unaligned([0.0; 32]),
            _ => std::ptr::write_bytes(at, 0, n),
        }
    }
}
