//! Activation maps as pictures: one layer's channels laid out as a grid of small greyscale
//! tiles (an atlas), for the learn panel's "what each layer sees" page. Not the example map
//! ([`crate::learn::example_map`]), which places whole examples by PCA.
//!
//! Built on the feature worker (a 112 × 112 × 64 layer is 800 k values; turning them into
//! pixels is not the UI thread's job) and uploaded as one texture, so the panel draws one
//! image however many channels there are.

/// One layer's channels as a greyscale atlas.
#[derive(Clone, Debug, PartialEq)]
pub struct Atlas {
    /// Pixels, row-major, one byte each (0 = the channel's lowest value, 255 its highest).
    pub pixels: Vec<u8>,
    /// Atlas width in pixels.
    pub width: usize,
    /// Atlas height in pixels.
    pub height: usize,
    /// Tiles across.
    pub cols: usize,
    /// Tiles down.
    pub rows: usize,
    /// Side of one tile (a channel's width and height) in pixels.
    pub tile: [usize; 2],
    /// The channels shown, in tile order (row by row).
    pub channels: std::ops::Range<usize>,
    /// Gap between tiles in pixels.
    pub gap: usize,
}

impl Atlas {
    /// Which channel is drawn at pixel (`x`, `y`) of the atlas, if a tile is there.
    #[must_use]
    pub fn channel_at(&self, x: usize, y: usize) -> Option<usize> {
        let [tw, th] = self.tile;
        let (col, rx) = (x / (tw + self.gap), x % (tw + self.gap));
        let (row, ry) = (y / (th + self.gap), y % (th + self.gap));
        if rx >= tw || ry >= th || col >= self.cols {
            return None;
        }
        let c = self.channels.start + row * self.cols + col;
        (c < self.channels.end).then_some(c)
    }
}

/// Lays out channels `first .. first + count` of a CHW activation of `shape` as tiles in a
/// near-square grid, each channel stretched from its own minimum (black) to maximum (white).
/// A channel that is constant (often all zeros after a ReLU) comes out black. Returns `None`
/// when `values` does not match `shape` or no channel is in range.
#[must_use]
pub fn atlas(values: &[f32], shape: [usize; 3], first: usize, count: usize, gap: usize) -> Option<Atlas> {
    let [c, h, w] = shape;
    let plane = h * w;
    if plane == 0 || values.len() != c * plane || first >= c || count == 0 {
        return None;
    }
    let channels = first..(first + count).min(c);
    let n = channels.len();
    let cols = (n as f64).sqrt().ceil() as usize;
    let rows = n.div_ceil(cols);
    let width = cols * w + (cols - 1) * gap;
    let height = rows * h + (rows - 1) * gap;
    let mut pixels = vec![0u8; width * height];
    for (i, ch) in channels.clone().enumerate() {
        let Some(src) = values.get(ch * plane..(ch + 1) * plane) else { continue };
        let (lo, hi) = src
            .iter()
            .filter(|v| v.is_finite())
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let scale = if hi > lo { 255.0 / (hi - lo) } else { 0.0 };
        let (x0, y0) = ((i % cols) * (w + gap), (i / cols) * (h + gap));
        for (y, row) in src.chunks_exact(w).enumerate() {
            let start = (y0 + y) * width + x0;
            let Some(out) = pixels.get_mut(start..start + w) else { continue };
            for (o, &v) in out.iter_mut().zip(row) {
                *o = if v.is_finite() { ((v - lo) * scale).round().clamp(0.0, 255.0) as u8 } else { 0 };
            }
        }
    }
    Some(Atlas { pixels, width, height, cols, rows, tile: [w, h], channels, gap })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_tiled_row_by_row_and_stretched_to_their_own_range() {
        // 5 channels of 2×3: channel k holds k·10 + (0..6); channel 3 is constant.
        let (c, h, w) = (5, 2, 3);
        let mut values = Vec::new();
        for k in 0..c {
            for i in 0..h * w {
                values.push(if k == 3 { 7.0 } else { (k * 10 + i) as f32 });
            }
        }
        let a = atlas(&values, [c, h, w], 0, 16, 1).unwrap();
        assert_eq!((a.cols, a.rows), (3, 2), "5 tiles in a 3 × 2 grid");
        assert_eq!((a.width, a.height), (3 * 3 + 2, 2 * 2 + 1));
        let px = |x: usize, y: usize| a.pixels[y * a.width + x];
        // Channel 0 at the top left: its first value is its minimum, its last its maximum.
        assert_eq!(px(0, 0), 0);
        assert_eq!(px(2, 1), 255);
        // Channel 1 starts after one tile and a one-pixel gap; same stretch.
        assert_eq!(px(4, 0), 0);
        assert_eq!(px(6, 1), 255);
        assert_eq!(px(3, 0), 0, "gap");
        // Channel 3 (second row, first tile) is constant: black.
        assert!((0..3).all(|x| px(x, 3) == 0 && px(x, 4) == 0));
        // Channel 4, second row second tile, middle value 2 of 0..5 → 102.
        assert_eq!(px(4 + 2, 3), 102);
        assert_eq!(a.channel_at(5, 4), Some(4));
        assert_eq!(a.channel_at(3, 0), None, "gap");
        assert_eq!(a.channel_at(9, 3), None, "empty sixth tile");
        assert_eq!(a.channels, 0..5);
    }

    #[test]
    fn a_window_of_channels_and_bad_shapes() {
        let values: Vec<f32> = (0..4 * 4).map(|v| v as f32).collect();
        let a = atlas(&values, [4, 2, 2], 2, 10, 0).unwrap();
        assert_eq!(a.channels, 2..4);
        assert_eq!(a.channel_at(0, 0), Some(2));
        assert_eq!(a.channel_at(2, 0), Some(3));
        assert!(atlas(&values, [4, 2, 3], 0, 4, 0).is_none(), "length mismatch");
        assert!(atlas(&values, [4, 2, 2], 4, 4, 0).is_none(), "first channel out of range");
        assert_eq!((a.width, a.height, a.pixels.len()), (4, 2, 8));
    }
}
