//! GPU textures the panels draw: the camera frame, example thumbnails, the activation atlas
//! and the network's input. Each is uploaded only when its source changed, and thumbnails are
//! made lazily, a few per frame, so a project of thousands of examples opens without a stall.

use std::collections::HashMap;
use std::sync::Arc;

use egui::{ColorImage, Context, TextureHandle, TextureOptions};
use image::RgbImage;

use crate::camera::{Frame, Resolution};

/// Thumbnail side in pixels (the grid shows them at about this size).
pub const THUMB: u32 = crate::live::feature_worker::PREVIEW_SIDE;
/// New thumbnails uploaded per frame at most; the rest appear over the next frames.
const THUMBS_PER_FRAME: usize = 24;

/// A texture with what it was made from, so it is re-uploaded only on change.
pub struct Tracked<K> {
    /// The texture.
    pub texture: TextureHandle,
    /// What it shows.
    pub key: K,
}

/// Every texture the app keeps.
#[derive(Default)]
pub struct Textures {
    /// The newest camera frame (keyed by its sequence number).
    pub camera: Option<Tracked<u64>>,
    /// The activation atlas (keyed by the view's address, which changes with every view).
    pub atlas: Option<Tracked<usize>>,
    /// The network's input image of the learn view.
    pub input: Option<Tracked<usize>>,
    thumbs: HashMap<u64, TextureHandle>,
    made_this_frame: usize,
}

fn rgb_image(img: &RgbImage) -> ColorImage {
    ColorImage::from_rgb([img.width() as usize, img.height() as usize], img.as_raw())
}

impl Textures {
    /// Call once per frame before drawing: resets the per-frame thumbnail budget.
    pub fn begin_frame(&mut self) {
        self.made_this_frame = 0;
    }

    /// Uploads `frame` if it is newer than the texture.
    pub fn update_camera(&mut self, ctx: &Context, frame: &Frame) {
        match &mut self.camera {
            Some(t) if t.key == frame.seq => {}
            Some(t) => {
                t.texture.set(rgb_image(&frame.image), TextureOptions::LINEAR);
                t.key = frame.seq;
            }
            None => {
                let texture = ctx.load_texture("camera", rgb_image(&frame.image), TextureOptions::LINEAR);
                self.camera = Some(Tracked { texture, key: frame.seq });
            }
        }
    }

    /// Uploads a view's atlas and input image if the view is new.
    pub fn update_view(&mut self, ctx: &Context, view: &Arc<crate::live::LayerView>) {
        let key = Arc::as_ptr(view) as usize;
        if self.atlas.as_ref().is_some_and(|t| t.key == key) {
            return;
        }
        // Nearest: a 7 × 7 channel must look like 49 squares, not a blur.
        let atlas = ColorImage::from_gray([view.atlas.width, view.atlas.height], &view.atlas.pixels);
        let input = rgb_image(&view.input);
        for (slot, image, name, filter) in [
            (&mut self.atlas, atlas, "atlas", TextureOptions::NEAREST),
            (&mut self.input, input, "input", TextureOptions::LINEAR),
        ] {
            match slot {
                Some(t) => {
                    t.texture.set(image, filter);
                    t.key = key;
                }
                None => *slot = Some(Tracked { texture: ctx.load_texture(name, image, filter), key }),
            }
        }
    }

    /// The thumbnail of example `id`, made from `image` if it is not cached yet and this
    /// frame's budget allows (otherwise `None` now, and a repaint is requested).
    pub fn thumb(&mut self, ctx: &Context, id: u64, image: impl FnOnce() -> Option<RgbImage>) -> Option<TextureHandle> {
        if let Some(t) = self.thumbs.get(&id) {
            return Some(t.clone());
        }
        if self.made_this_frame >= THUMBS_PER_FRAME {
            ctx.request_repaint();
            return None;
        }
        self.made_this_frame += 1;
        let img = image()?;
        let small = if img.width() > THUMB || img.height() > THUMB {
            crate::camera::resize(&img, Resolution::new(THUMB, THUMB)).unwrap_or(img)
        } else {
            img
        };
        let texture = ctx.load_texture(format!("example-{id}"), rgb_image(&small), TextureOptions::LINEAR);
        self.thumbs.insert(id, texture.clone());
        Some(texture)
    }

    /// Uploads the preview of a just-recorded example (already small; no budget needed).
    pub fn insert_thumb(&mut self, ctx: &Context, id: u64, preview: &RgbImage) {
        let texture = ctx.load_texture(format!("example-{id}"), rgb_image(preview), TextureOptions::LINEAR);
        self.thumbs.insert(id, texture);
    }

    /// Frees the thumbnails of examples that are gone (`keep` says which still exist).
    pub fn retain_thumbs(&mut self, keep: impl Fn(u64) -> bool) {
        self.thumbs.retain(|id, _| keep(*id));
    }

    /// Frees every thumbnail (a new or reopened project).
    pub fn clear_thumbs(&mut self) {
        self.thumbs.clear();
    }

    /// Thumbnails currently uploaded.
    pub fn thumb_count(&self) -> usize {
        self.thumbs.len()
    }
}
