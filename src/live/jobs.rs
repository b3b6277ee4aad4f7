//! One-off background jobs (`pacnet-project` threads): saving, opening and exporting
//! projects, and re-computing features after the cut changed. Each can take from milliseconds to seconds
//! (thousands of thumbnails), so none runs on the UI thread; the result comes back through a
//! channel like every other worker's.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use super::Repaint;
use super::doc::Document;

/// What a finished job reports.
pub enum JobResult {
    /// A project was written to `path` (or not).
    Saved {
        /// The file.
        path: PathBuf,
        /// Whether this save was the autosave to the recovery file.
        recovery: bool,
        /// The project's revision that was saved.
        revision: u64,
        /// `Err`: one line saying why.
        result: Result<(), String>,
    },
    /// A project was read (and re-featurised if it had to be).
    Opened {
        /// The file.
        path: PathBuf,
        /// Whether it was the recovery file.
        recovery: bool,
        /// The project, or one line saying why not.
        result: Result<Box<Document>, String>,
    },
    /// A trained model was exported (`Ok`: what was written) or not (one line saying why).
    Exported {
        /// The outcome, one line either way.
        result: Result<String, String>,
    },
    /// The feature map of the project at this revision was computed (or not).
    Map {
        /// The project's revision it shows.
        revision: u64,
        /// The map, or one line saying why not.
        result: Result<std::sync::Arc<crate::learn::FeatureMap>, String>,
    },
    /// Features were re-computed for another cut.
    Refeaturized {
        /// The cut index they were computed at.
        cut: usize,
        /// The project with new features, or why not.
        result: Result<Box<Document>, String>,
    },
}

/// Runs jobs on their own threads and collects their results.
pub struct Jobs {
    tx: Sender<JobResult>,
    rx: Receiver<JobResult>,
    running: Vec<JoinHandle<()>>,
    repaint: Repaint,
}

impl Jobs {
    /// The jobs' thread name.
    pub const THREAD_NAME: &'static str = "pacnet-project";

    /// No jobs yet.
    pub fn new(repaint: Repaint) -> Self {
        let (tx, rx) = channel();
        Self { tx, rx, running: Vec::new(), repaint }
    }

    /// Runs `job` on a new thread; its result arrives through [`Jobs::try_recv`]. If no thread
    /// can be started, the job runs here instead (slower for the UI, but nothing is lost).
    pub fn spawn(&mut self, job: impl FnOnce() -> JobResult + Send + 'static) {
        self.running.retain(|t| !t.is_finished());
        let tx = self.tx.clone();
        let repaint = self.repaint.clone();
        let job = std::sync::Arc::new(std::sync::Mutex::new(Some(job)));
        let run = {
            let job = job.clone();
            move || {
                let taken = job.lock().ok().and_then(|mut j| j.take());
                if let Some(job) = taken {
                    let _ = tx.send(job());
                    repaint();
                }
            }
        };
        match std::thread::Builder::new().name(Self::THREAD_NAME.into()).spawn(run) {
            Ok(t) => self.running.push(t),
            Err(e) => {
                tracing::warn!("no thread for a project job ({e}); running it on the UI thread");
                let taken = job.lock().ok().and_then(|mut j| j.take());
                if let Some(job) = taken {
                    let _ = self.tx.send(job());
                }
            }
        }
    }

    /// Whether a job is still running.
    pub fn busy(&self) -> bool {
        self.running.iter().any(|t| !t.is_finished())
    }

    /// The next finished job's result (never blocks).
    pub fn try_recv(&self) -> Option<JobResult> {
        self.rx.try_recv().ok()
    }

    /// Waits for every running job (at exit: a save in progress must finish).
    pub fn wait(&mut self) {
        for t in self.running.drain(..) {
            if t.join().is_err() {
                tracing::error!("a project job panicked");
            }
        }
    }
}
