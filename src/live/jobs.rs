//! One-off background jobs (`pacnet-project` threads): saving, opening and exporting
//! projects, re-computing features after the cut changed; and [`ViewPrefill`], the examples'
//! augmented views computed while the user records. Each can take from milliseconds to seconds
//! (thousands of thumbnails), so none runs on the UI thread; the result comes back through a
//! channel like every other worker's.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use super::Repaint;
use super::doc::Document;
use super::error::LiveError;

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
        /// `Err`: why.
        result: Result<(), LiveError>,
    },
    /// A project was read (and re-featurised if it had to be).
    Opened {
        /// The file.
        path: PathBuf,
        /// Whether it was the recovery file.
        recovery: bool,
        /// The project, or one line saying why not.
        result: Result<Box<Document>, LiveError>,
    },
    /// A trained model was exported (`Ok`: what was written) or not (one line saying why).
    Exported {
        /// The outcome, one line either way.
        result: Result<String, LiveError>,
    },
    /// The feature map of the project at this revision was computed (or not).
    Map {
        /// The project's revision it shows.
        revision: u64,
        /// The map, or one line saying why not.
        result: Result<std::sync::Arc<crate::learn::ExampleMap>, LiveError>,
    },
    /// Features were re-computed for another cut.
    Refeaturized {
        /// The cut index they were computed at.
        cut: usize,
        /// The project with new features, or why not.
        result: Result<Box<Document>, LiveError>,
    },
    /// Frames of play became examples (features computed from their thumbnails).
    Fixed {
        /// The class they are examples of.
        class: usize,
        /// How many frames were asked for.
        asked: usize,
        /// The examples, or why not.
        result: Result<Vec<super::Recorded>, LiveError>,
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

/// The examples' augmented views computed in the background while the user records (one
/// example at a time on a `pacnet-views` thread, [`crate::learn::views::prefill`]), so that
/// pressing Train only trains. Its own thread rather than a project job, so autosaves (which
/// wait for jobs) do not wait for it.
#[derive(Default)]
pub struct ViewPrefill {
    /// The project revision and recipe last looked at.
    seen: Option<(u64, crate::learn::Hyper)>,
    /// The running computation's stop flag and thread.
    running: Option<(std::sync::Arc<std::sync::atomic::AtomicBool>, JoinHandle<()>)>,
}

impl ViewPrefill {
    /// Whether a computation is still running (forgets one that has ended).
    pub fn is_running(&mut self) -> bool {
        if self.running.as_ref().is_some_and(|(_, t)| t.is_finished()) {
            self.running = None;
        }
        self.running.is_some()
    }

    /// Whether project revision `revision` with `hyper` has not been looked at yet; it then
    /// counts as looked at.
    pub fn is_new(&mut self, revision: u64, hyper: &crate::learn::Hyper) -> bool {
        if self.seen.as_ref().is_some_and(|(r, h)| *r == revision && h == hyper) {
            return false;
        }
        self.seen = Some((revision, hyper.clone()));
        true
    }

    /// Starts computing `pending` (at `cut` of `backbone`) into `cache`.
    pub fn start(
        &mut self,
        backbone: std::sync::Arc<crate::backbone::Backbone>,
        cut: usize,
        cache: std::sync::Arc<std::sync::Mutex<crate::learn::ViewCache>>,
        pending: crate::learn::views::Pending,
    ) {
        self.stop();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let thread = std::thread::Builder::new().name("pacnet-views".into()).spawn(move || {
            match crate::learn::views::prefill(&backbone, cut, &cache, pending, &flag) {
                Ok(n) => tracing::debug!("{n} augmented views computed in the background"),
                // Training computes them again and reports any error where the user looks.
                Err(e) => tracing::warn!("background augmented views: {e}"),
            }
        });
        match thread {
            Ok(t) => self.running = Some((stop, t)),
            Err(e) => tracing::warn!("no thread for background augmented views ({e}); training computes them"),
        }
    }

    /// Asks the running computation to stop after its current example (a training run
    /// starts, or the app closes); it is not waited for.
    pub fn stop(&mut self) {
        if let Some((stop, _)) = self.running.take() {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
}
