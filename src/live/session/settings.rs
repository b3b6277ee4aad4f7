//! What is remembered between sessions (the app keeps it in eframe storage; projects go in
//! `.pacnet` files), and the run-time records the panels show: what records, how training goes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::backbone::Crop;
use crate::camera::{SourceSpec, Transform};
use crate::learn::Hyper;
use crate::live::KeyMode;
use crate::live::steer::SteerSettings;

/// The four panels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tab {
    /// Record examples.
    #[default]
    Record,
    /// Train the head.
    Train,
    /// Play Pac-Man.
    Play,
    /// See inside the network.
    Learn,
}

impl Tab {
    /// Every tab in order.
    pub const ALL: [Tab; 4] = [Tab::Record, Tab::Train, Tab::Play, Tab::Learn];

    /// The tab's button label.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Tab::Record => "1  Record",
            Tab::Train => "2  Train",
            Tab::Play => "3  Play",
            Tab::Learn => "4  Learn",
        }
    }
}

/// The learn panel's two pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LearnPage {
    /// The layer table, activation maps and MobileNet's guesses.
    #[default]
    Layers,
    /// Every example as a dot in 2-D, with the live frame moving among them.
    Map,
}

/// What is remembered between sessions (eframe storage). Projects go in `.pacnet` files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The panel shown.
    pub tab: Tab,
    /// The camera.
    pub camera: SourceSpec,
    /// Mirror the camera; `None`: what suits the source (webcams mirrored).
    pub mirror: Option<bool>,
    /// What part of the frame the network sees.
    pub crop: Crop,
    /// Examples per second while a record button is held.
    pub record_rate: f32,
    /// Add the idle class `none` to new projects.
    pub idle_class: bool,
    /// Training hyperparameters.
    pub hyper: Hyper,
    /// Threshold and smoothing.
    pub steer: SteerSettings,
    /// Game speed in percent.
    pub game_speed: u32,
    /// Let the model steer (the arrow keys always do).
    pub use_model: bool,
    /// Draw each ghost's target tile.
    pub show_targets: bool,
    /// Best score so far.
    pub high_score: u32,
    /// Recently used project files, newest first.
    pub recent: Vec<PathBuf>,
    /// The cut for new projects, by name; `None`: the backbone's default.
    pub cut: Option<String>,
    /// The layer the learn panel shows, by name; `None`: the cut.
    pub learn_layer: Option<String>,
    /// First channel the learn panel shows.
    pub learn_first_channel: usize,
    /// How the implied "Pac-Man" profile's arrow keys are pressed when steering another window.
    pub key_mode: KeyMode,
    /// The key profile picked on the Play panel, per project file ("" for an untitled one);
    /// projects not listed use the implied "Pac-Man".
    pub key_profiles: BTreeMap<String, String>,
    /// The backbone chosen in the model picker, as `--model` takes it; `None`: the built-in one.
    /// `--model` and `$PACNET_MODEL` win over it.
    pub model: Option<String>,
    /// What the learn panel shows.
    pub learn_page: LearnPage,
    /// Presenter mode: full screen, zoomed to fit, high contrast, advanced controls hidden.
    pub presenter: bool,
    /// Presenter mode's zoom: `None` fits the window (the largest zoom at which the panel's
    /// smallest layout fits), else this factor.
    pub presenter_zoom: Option<f32>,
    /// Game sound silenced (M on the play panel).
    pub muted: bool,
    /// Game sound volume, 0 to 1.
    pub volume: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            tab: Tab::Record,
            camera: SourceSpec::Demo,
            mirror: None,
            crop: Crop::CenterSquare,
            record_rate: 10.0,
            idle_class: true,
            hyper: Hyper::default(),
            steer: SteerSettings::default(),
            game_speed: 75,
            use_model: true,
            show_targets: false,
            high_score: 0,
            recent: Vec::new(),
            cut: None,
            learn_layer: None,
            learn_first_channel: 0,
            key_mode: KeyMode::Hold,
            key_profiles: BTreeMap::new(),
            model: None,
            learn_page: LearnPage::Layers,
            presenter: false,
            presenter_zoom: None,
            muted: false,
            volume: 0.8,
        }
    }
}

impl Settings {
    /// Most recent files remembered.
    pub const MAX_RECENT: usize = 8;

    /// Puts `path` first in the recent list.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(Self::MAX_RECENT);
    }

    /// The key profile picked for the project at `path` (`None`: untitled).
    #[must_use]
    pub fn key_profile(&self, path: Option<&Path>) -> &str {
        self.key_profiles.get(&profile_key(path)).map_or(crate::learn::profile::PACMAN, String::as_str)
    }

    /// Remembers `name` as the key profile of the project at `path`; only projects still in
    /// the recent list (and this one) keep their choice, so the list cannot grow for ever.
    pub fn pick_key_profile(&mut self, path: Option<&Path>, name: &str) {
        let key = profile_key(path);
        let recent: Vec<String> = self.recent.iter().map(|p| p.display().to_string()).collect();
        self.key_profiles.retain(|k, _| k.is_empty() || *k == key || recent.contains(k));
        self.key_profiles.insert(key, name.to_owned());
    }

    /// The camera transform these settings ask for.
    #[must_use]
    pub fn transform(&self) -> Transform {
        let mut t = Transform::recommended_for(&self.camera);
        if let Some(m) = self.mirror {
            t.mirror = m;
        }
        t
    }
}

/// What the record buttons are doing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recording {
    /// The class held, with its burst id.
    pub active: Option<(usize, u64)>,
}

/// Live training progress, for the train panel's charts.
#[derive(Clone, Debug, Default)]
pub struct RunProgress {
    /// Running now.
    pub running: bool,
    /// Epochs planned.
    pub epochs: usize,
    /// Batches per epoch.
    pub batches_per_epoch: usize,
    /// (epoch as a fraction, loss) per batch.
    pub batch_loss: Vec<[f64; 2]>,
    /// Per-epoch metrics.
    pub epochs_done: Vec<crate::learn::EpochMetrics>,
    /// How the last run ended, one line.
    pub outcome: Option<String>,
    /// The train/validation split sizes.
    pub split: Option<(usize, usize)>,
    /// Augmented views computed so far and to compute, before the first epoch.
    pub augmenting: Option<(usize, usize)>,
    /// The kept head is trained and steers; the validation heads are training.
    pub ready: bool,
    /// Epochs the validation heads have finished.
    pub validated: usize,
    /// The hyperparameters of the run (the project keeps them with its head once it steers).
    pub hyper: Option<crate::learn::Hyper>,
}

fn profile_key(path: Option<&Path>) -> String {
    path.map(|p| p.display().to_string()).unwrap_or_default()
}
