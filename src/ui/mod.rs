//! The desktop app: an eframe window with four panels — Record, Train, Play, Learn — and a
//! project menu.
//!
//! **Job:** drawing and input only. The camera, the backbone, the learner and the game do the
//! work on their own threads ([`crate::live`]); panels read their newest results and record
//! [`app::Command`]s, which the app applies after drawing. The UI thread never waits on a
//! worker, so the window repaints at 60 fps while recording and training.
//!
//! **May import:** every other pacnet module through its public API, `egui`, `eframe`,
//! `egui_plot`. Never candle (`tests/architecture.rs` checks): model maths belongs in
//! `backbone` and `learn`.
//!
//! **Parts:** [`app`] (the eframe `App`, persisted [`app::Settings`], commands), `panels/`
//! (one file per panel plus the top bar and banners), [`textures`], [`game_view`] (the
//! Pac-Man renderer).

pub mod app;
mod commands;
pub mod game_view;
mod keys;
pub mod lesson;
mod panels;
pub mod teach;
pub mod textures;

use std::path::PathBuf;

use crate::camera::SourceSpec;

pub use app::{Command, PacnetApp, Settings, Tab};

/// How the app starts; `pacnet app`'s flags map onto it.
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// `--model`: `builtin`, a catalog name, a model directory or a hub repo id (`None`:
    /// `$PACNET_MODEL`, else the model chosen last time in the picker, else the built-in one).
    pub model: Option<String>,
    /// Camera to open instead of the one in the saved settings.
    pub camera: Option<SourceSpec>,
    /// Project to open at start.
    pub project: Option<PathBuf>,
    /// Where an untitled project is saved on exit; `None`: `recovery.pacnet` in pacnet's data
    /// directory.
    pub recovery_file: Option<PathBuf>,
    /// Start on this panel instead of the saved one.
    pub tab: Option<Tab>,
    /// The clock the workers and the autosave run by; `None`: the system clock. Tests pass a
    /// stepped clock so that time moves only when they say.
    pub clock: Option<std::sync::Arc<dyn crate::camera::Clock>>,
    /// `--offline`: no network request at all (also with `HF_HUB_OFFLINE=1`).
    pub offline: bool,
    /// Play the game's sound on the default output device (the app does; tests do not).
    pub sound: bool,
}

impl AppOptions {
    /// The recovery file: the one given, else `recovery.pacnet` in eframe's storage directory.
    #[must_use]
    pub fn recovery_path(&self) -> Option<PathBuf> {
        self.recovery_file.clone().or_else(|| eframe::storage_dir("pacnet").map(|d| d.join("recovery.pacnet")))
    }
}

/// The window's icon: `assets/icons/pacnet-256.png` (drawn by `scripts/gen-icons.py`).
fn icon() -> std::sync::Arc<egui::IconData> {
    const PNG: &[u8] = include_bytes!("../../assets/icons/pacnet-256.png");
    // A committed, tested PNG; should it ever fail to decode, the window simply has no icon.
    std::sync::Arc::new(eframe::icon_data::from_png_bytes(PNG).unwrap_or_default())
}

/// Opens the main window and runs until it is closed.
///
/// # Errors
/// When no window can be opened (no display, no OpenGL).
pub fn run_app(options: AppOptions) -> anyhow::Result<()> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1360.0, 860.0])
            .with_min_inner_size([900.0, 600.0])
            .with_title("pacnet")
            // The launcher's StartupWMClass and the Wayland app id: the desktop then shows the
            // icon of pacnet.desktop for this window.
            .with_app_id("pacnet")
            .with_icon(icon()),
        ..Default::default()
    };
    eframe::run_native(
        "pacnet",
        native,
        Box::new(move |cc| {
            let settings =
                cc.storage.and_then(|s| eframe::get_value::<Settings>(s, eframe::APP_KEY)).unwrap_or_default();
            Ok(Box::new(PacnetApp::new(&cc.egui_ctx, settings, options)))
        }),
    )
    .map_err(|e| anyhow::anyhow!("could not open the window: {e}"))
}
