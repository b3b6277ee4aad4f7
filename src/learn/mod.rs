//! Transfer learning: the recorded examples, the small head trained on their backbone
//! features, the training run, its metrics, and the `.pacnet` project file.
//!
//! Imports only [`crate::backbone`] among pacnet's modules, and no GUI or CLI crate
//! (`tests/architecture.rs` checks it); the app and the CLI drive it.
//!
//! The pieces, in the order the app uses them:
//!
//! - [`Featurizer`] turns a frame into a [`Sample`] (the network's input image and its
//!   features at the chosen cut); [`import_folder`] does it for a folder of class folders.
//! - [`Dataset`] holds the [`Example`]s: f16 [`Features`], a JPEG [`Thumbnail`], label, id,
//!   burst (for "undo last burst"), time. About 45 KB per example at the default 7×7×256 cut
//!   and a 256 MiB default limit; see [`dataset`] for the arithmetic.
//! - [`Training::start_with_views`] trains a fresh [`Head`] (Flatten → Dense+ReLU → Dense →
//!   softmax, Adam, cross-entropy) on the `pacnet-train` thread and streams [`TrainEvent`]s;
//!   [`fit`] is the same on the calling thread. [`Hyper`] keeps the demo's four
//!   hyperparameters and adds pacnet's recipe around them: L2-normalised features and
//!   camera-like augmented views ([`augment`]) whose features [`ViewCache`] computes once
//!   (the app in the background while the user records, [`views::prefill`]).
//!   The kept head trains on every example; validation heads (k-fold for small classes, a
//!   stratified hold-out for large ones, [`split::folds`]) only measure, and report the
//!   examples they get wrong ([`Mistake`]) with a [`Confusion`] matrix.
//! - [`Head::predict`] is the per-frame call (a plain forward pass, ~0.1 ms).
//! - [`Project`] saves and loads all of it atomically ([`project`] documents the format),
//!   and [`Project::check_backbone`] / [`Project::refeaturize`] handle a project recorded with
//!   another backbone or cut.
//! - [`Profile`]s bind classes to keys, mouse buttons or gamepad buttons ([`profile`], key
//!   names in [`keynames`], gamepad ones in [`pad`]); a project keeps several, and
//!   [`profile_pick`] says which one is used.
//! - [`export::export`] writes a trained project as ONNX (backbone + head) or as a TF.js head.
//! - [`bench::time_fit`] times the PyTorch anchor's training recipe.
//!
//! Errors are [`LearnError`]; every variant names the file, class, flag or value at fault.

pub mod augment;
pub mod bench;
pub mod classes;
pub mod dataset;
pub mod descent;
pub mod error;
pub mod example_map;
pub mod export;
pub mod familiar;
pub mod features;
pub mod featurize;
pub mod fit;
pub mod head;
pub mod hyper;
pub mod keynames;
pub mod metrics;
pub mod ops;
pub mod pad;
pub mod profile;
pub mod profile_pick;
pub mod project;
pub mod save;
pub mod split;
pub mod train;
pub mod views;

pub use dataset::{Dataset, Example, FeatureSource, Thumbnail};
pub use error::{LearnError, Result};
pub use example_map::{ExampleMap, MapPoint};
pub use familiar::Familiarity;
pub use features::Features;
pub use featurize::{Featurizer, FolderImport, Sample, Skipped, import_folder, import_folder_within, refeaturize};
pub use head::{Head, Prediction};
pub use hyper::{Hyper, Normalize};
pub use metrics::{ClassAccuracy, Confusion, EpochMetrics};
pub use pad::PadButton;
pub use profile::{Binding, KeyMode, MouseButton, Press, Profile, ProfileError, Profiles, Target};
pub use project::{Adoption, BackboneMismatch, Project, TrainingRecord};
pub use split::{Split, Validation};
pub use train::{Mistake, Plan, StopReason, TrainData, TrainEvent, TrainReport, Trained, Training, Waker, fit};
pub use views::ViewCache;
