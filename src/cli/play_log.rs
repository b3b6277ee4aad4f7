//! `pacnet play --log DIR`: every frame of the headless game, as the network saw it, with its
//! prediction — the material for fixing mistakes by hand (a frame misread as `up` goes into
//! the `down` folder of the data, and `pacnet train` learns it).
//!
//! `DIR/frames/000000.jpg`, … (the network's input, 224² JPEG as the project stores
//! examples) and `DIR/predictions.csv` (one row per frame: frame, tick, seconds, source file,
//! the smoothed best class, its confidence, the direction given, the familiarity, and the
//! raw probability of each class). DIR must be new or empty; every file is written through
//! the same atomic, no-clobber path as projects.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::learn::{LearnError, Thumbnail};
use crate::live::play::LoggedFrame;
use crate::sys::{Existing, write_atomically};

/// Why a frame of the log could not be written; names the file.
#[derive(Debug, thiserror::Error)]
pub enum PlayLogError {
    /// The network's input could not be encoded as JPEG.
    #[error("{}: {source}", path.display())]
    Encode {
        /// The frame's file.
        path: PathBuf,
        /// Why.
        source: LearnError,
    },
    /// The file could not be written.
    #[error("{}: {source}", path.display())]
    Write {
        /// The frame's file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The log being written.
pub struct PlayLog {
    dir: PathBuf,
    csv: String,
    header: bool,
}

impl PlayLog {
    /// Creates `dir` (and `dir/frames`) if needed.
    ///
    /// # Errors
    /// `dir` exists and is not an empty folder, or cannot be created.
    pub fn create(dir: &Path) -> anyhow::Result<Self> {
        match std::fs::symlink_metadata(dir) {
            Ok(m) if !m.is_dir() => anyhow::bail!("--log {}: not a folder; give a new or empty folder", dir.display()),
            Ok(_) => {
                let mut entries = std::fs::read_dir(dir).with_context(|| format!("--log {}", dir.display()))?;
                if entries.next().is_some() {
                    anyhow::bail!("--log {}: the folder is not empty; give a new or empty folder", dir.display());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("--log {}", dir.display())),
        }
        std::fs::create_dir_all(dir.join("frames")).with_context(|| format!("--log {}", dir.display()))?;
        Ok(Self { dir: dir.to_owned(), csv: String::new(), header: false })
    }

    /// Writes one frame's picture and keeps its row.
    ///
    /// # Errors
    /// The picture cannot be encoded or written, as one line naming the file.
    pub fn frame(&mut self, f: &LoggedFrame<'_>) -> Result<(), PlayLogError> {
        let path = self.dir.join("frames").join(format!("{:06}.jpg", f.frame));
        let jpeg = match Thumbnail::encode(f.input) {
            Ok(j) => j,
            Err(source) => return Err(PlayLogError::Encode { path, source }),
        };
        if let Err(source) = write_new(&path, jpeg.jpeg()) {
            return Err(PlayLogError::Write { path, source });
        }
        let Some(p) = f.prediction else { return Ok(()) };
        if !self.header {
            self.header = true;
            self.csv += "frame,tick,seconds,source,best,confidence,direction,familiarity";
            for c in &p.classes {
                let _ = write!(self.csv, ",p_{c}");
            }
            self.csv.push('\n');
        }
        let source = f.path.file_name().map(|n| n.to_string_lossy().replace([',', '\n'], "_")).unwrap_or_default();
        let _ = write!(
            self.csv,
            "{},{},{:.3},{source},{},{:.4},{},{}",
            f.frame,
            f.tick,
            f.tick as f64 / 60.0,
            p.best_class(),
            p.decision.confidence,
            p.decision.dir.map_or("-".to_owned(), |d| format!("{d:?}").to_ascii_lowercase()),
            p.familiarity.map_or(String::new(), |r| format!("{r:.3}")),
        );
        for v in &p.probs {
            let _ = write!(self.csv, ",{v:.4}");
        }
        self.csv.push('\n');
        Ok(())
    }

    /// Writes `predictions.csv`; returns the folder.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn finish(self) -> anyhow::Result<PathBuf> {
        let path = self.dir.join("predictions.csv");
        write_new(&path, self.csv.as_bytes()).with_context(|| path.display().to_string())?;
        Ok(self.dir)
    }
}

fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomically(path, Existing::Keep, |f| f.write_all(bytes), || Ok(()), |e| e)
}
