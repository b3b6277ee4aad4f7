//! `pacnet play`: the built-in game played headless by a trained head watching a folder of
//! frames, deterministically. Frame `k` of the folder (in natural order, looping) is shown
//! from game tick `k · 60 / fps` on, and its decision steers every tick until the next frame,
//! so the same folder, project and options always give the same game and the same hash.

use image::RgbImage;

use crate::backbone::{Backbone, load_image};
use crate::game::sound::render_inputs;
use crate::game::{Dir, Input, Options, RunSummary, run_with};

use super::error::LiveError;
use super::pipeline::{FramePipeline, LivePrediction};

/// One frame of a headless game as it went through the pipeline (for `pacnet play --log`).
pub struct LoggedFrame<'a> {
    /// Frame number in the game (0, 1, …; the folder loops).
    pub frame: u64,
    /// The game tick it was shown from.
    pub tick: u64,
    /// The image file it came from.
    pub path: &'a std::path::Path,
    /// The network's input (the crop and resize of the frame).
    pub input: &'a RgbImage,
    /// The head's verdict and the steering's decision.
    pub prediction: Option<&'a LivePrediction>,
}

/// Ticks per second of the game.
const TICK_HZ: f64 = 60.0;

/// How a headless game is played.
#[derive(Clone, Copy, Debug)]
pub struct PlayOptions {
    /// Game ticks to play (60 a second).
    pub ticks: u64,
    /// Camera frames a second the folder stands for.
    pub fps: f64,
    /// The game's seed.
    pub seed: u64,
    /// The game's rules options.
    pub options: Options,
    /// Also render the game's sound at this many samples a second (`--wav`).
    pub sound_rate: Option<u32>,
}

/// What a headless game ended with.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayReport {
    /// The game's summary, with its state hash.
    pub summary: RunSummary,
    /// Frames that went through the pipeline.
    pub frames: u64,
    /// Ticks steered by the model (not "keep going").
    pub steered_ticks: u64,
    /// The game's sound (mono 16-bit PCM at `sound_rate`), when asked for.
    pub sound: Option<Vec<i16>>,
}

/// Plays `opts.ticks` ticks steered by `pipeline` (which holds the head) on `frames` (image
/// files; at least one); `on_frame` sees every frame after the pipeline (and may stop the
/// game with an error).
///
/// # Errors
/// An unreadable image (naming it), a failing pipeline, bad options, or `on_frame`'s error,
/// as one line.
pub fn play_headless(
    backbone: &Backbone,
    pipeline: &mut FramePipeline,
    frames: &[std::path::PathBuf],
    opts: &PlayOptions,
    on_frame: &mut dyn FnMut(&LoggedFrame<'_>) -> Result<(), LiveError>,
) -> Result<PlayReport, LiveError> {
    if frames.is_empty() {
        return Err(LiveError::NoFrames);
    }
    if !(opts.fps.is_finite() && opts.fps > 0.0 && opts.fps <= TICK_HZ) {
        return Err(LiveError::Fps(opts.fps));
    }
    let mut images: Vec<Option<RgbImage>> = vec![None; frames.len()];
    let mut inputs = Vec::with_capacity(usize::try_from(opts.ticks).unwrap_or(0));
    let (mut shown, mut dir, mut processed, mut steered) = (None, None::<Dir>, 0u64, 0u64);
    for tick in 0..opts.ticks {
        let k = ((tick as f64) * opts.fps / TICK_HZ).floor() as u64;
        if shown != Some(k) {
            shown = Some(k);
            let i = usize::try_from(k % frames.len() as u64).unwrap_or(0);
            // `i` is below `frames.len()` (a remainder of it) and `images` has that length.
            let (Some(slot), Some(path)) = (images.get_mut(i), frames.get(i)) else { return Err(LiveError::NoFrames) };
            if slot.is_none() {
                *slot = Some(load_image(path)?);
            }
            let Some(image) = slot.as_ref() else { return Err(LiveError::NoFrames) };
            let at = std::time::Duration::from_secs_f64(k as f64 / opts.fps);
            let result = pipeline.process(backbone, image, at)?;
            let logged =
                LoggedFrame { frame: k, tick, path, input: pipeline.input(), prediction: result.prediction.as_ref() };
            on_frame(&logged)?;
            processed += 1;
            dir = result.prediction.and_then(|p| p.decision.dir);
        }
        steered += u64::from(dir.is_some());
        inputs.push(Input { dir, ..Input::default() });
    }
    let summary = run_with(opts.seed, opts.options, &inputs, opts.ticks)?;
    // The same inputs replayed through the synthesiser: the same game, heard.
    let sound = match opts.sound_rate {
        Some(rate) => Some(render_inputs(opts.seed, opts.options, inputs, rate)?),
        None => None,
    };
    Ok(PlayReport { summary, frames: processed, steered_ticks: steered, sound })
}
