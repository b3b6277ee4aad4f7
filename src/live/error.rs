//! What can go wrong while live: each variant names the file, thread or step, and where the
//! user can do something about it, says what.

use std::path::PathBuf;

use crate::backbone::BackboneError;
use crate::learn::LearnError;
use crate::learn::export::ExportError;

pub use super::audio::SoundError;
pub use super::keys::KeysError;

/// An error of the live loop, the open project or its background jobs.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// A backbone error that already names what it is about.
    #[error(transparent)]
    Backbone(#[from] BackboneError),
    /// A learn error that already names what it is about.
    #[error(transparent)]
    Learn(#[from] LearnError),
    /// A project file that cannot be read or re-featurised.
    #[error("{}: {source}", path.display())]
    Project {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: LearnError,
    },
    /// Saving the project failed.
    #[error("could not save {}: {source}", path.display())]
    Save {
        /// The file.
        path: PathBuf,
        /// Why.
        source: LearnError,
    },
    /// Training needs two classes with examples.
    #[error("record at least two classes first (no examples yet of: {missing})")]
    TooFewClasses {
        /// The classes without examples, comma-separated.
        missing: String,
    },
    /// A step that needs the backbone ran before it loaded.
    #[error("the model is not loaded yet — wait until the status bar says it is ready")]
    NotLoaded,
    /// A step that needs a camera ran without one.
    #[error("no camera is open — pick one in the camera menu")]
    NoCamera,
    /// The operating system refused a thread.
    #[error("could not start the {name} thread: {source}")]
    Thread {
        /// The thread's name.
        name: &'static str,
        /// Why.
        source: std::io::Error,
    },
    /// A camera frame could not be cropped, resized or normalised.
    #[error("could not prepare the camera frame: {0}")]
    Prepare(#[source] BackboneError),
    /// The backbone failed on a frame.
    #[error("the backbone failed on a frame: {0}")]
    Forward(#[source] BackboneError),
    /// The head failed on a frame's features.
    #[error("the head failed to predict: {0}")]
    Predict(#[source] LearnError),
    /// Sending key presses to another window.
    #[error(transparent)]
    Keys(#[from] KeysError),
    /// A key profile that cannot be used (gone, or binding a class the project lacks).
    #[error(transparent)]
    Profile(#[from] crate::learn::ProfileError),
    /// Exporting the trained model.
    #[error("could not export to {}: {source}", dir.display())]
    Export {
        /// The folder asked for.
        dir: PathBuf,
        /// Why.
        source: Box<ExportError>,
    },
    /// `pacnet play` got nothing to play from.
    #[error("no frames to play from — pass at least one image file")]
    NoFrames,
    /// `pacnet play --fps` out of range.
    #[error("--fps {0}: expected a rate above 0 and at most 60")]
    Fps(f64),
    /// Writing the record of a headless game (`pacnet play --log`) failed.
    #[error("{0}")]
    Log(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The game refused its inputs or options.
    #[error(transparent)]
    Game(#[from] crate::game::GameError),
}

/// A live result.
pub type Result<T, E = LiveError> = std::result::Result<T, E>;
