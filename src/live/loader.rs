//! The `pacnet-loader` thread: finds (downloading the first time) and loads the backbone, so
//! the window opens at once and shows a progress bar instead of freezing.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::thread::JoinHandle;

use crate::backbone::{Backbone, BackboneError, Fetch, FetchOptions, ModelSource};

use super::Repaint;

/// Finds (downloading the first time, reporting progress, unless `opts` forbid the network)
/// and loads the backbone `source` (see [`ModelSource::resolve`] for what names one). The one
/// loading path of the app's loader thread and of every CLI command.
///
/// # Errors
/// A failed or cancelled download, a model missing offline, or broken files; one line naming
/// the fix.
pub fn load_backbone(
    source: &ModelSource,
    opts: &FetchOptions,
    progress: &mut dyn FnMut(Fetch),
) -> Result<Backbone, BackboneError> {
    Backbone::load(source, opts, progress)
}

/// What the loader reports, ending with exactly one `Loaded` or `Failed`.
pub enum LoadEvent {
    /// Download progress of one file.
    Progress {
        /// The file being fetched.
        file: String,
        /// Bytes so far.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// The backbone is ready (its forward pass set to one thread: the UI, the camera and the
    /// trainer share the machine with it).
    Loaded(Arc<Backbone>),
    /// Loading failed (or was cancelled); the text is one line and names the fix.
    Failed(String),
}

/// A backbone being loaded on its own thread.
pub struct Loader {
    events: Receiver<LoadEvent>,
    /// Set once `Loaded` or `Failed` was handed out.
    finished: bool,
    /// Kept so the thread is not detached silently; never joined: a download stops only at its
    /// next chunk after a cancel (or not at all while the network stalls), and closing the
    /// window or cancelling must not wait for it. A dropped loader's thread finishes alone.
    _thread: Option<JoinHandle<()>>,
}

impl Loader {
    /// The loader thread's name.
    pub const THREAD_NAME: &'static str = "pacnet-loader";

    /// Starts loading `source` with `opts` (offline, cancel flag).
    pub fn start(source: ModelSource, opts: FetchOptions, repaint: Repaint) -> Self {
        let (tx, events) = channel();
        let failed = tx.clone();
        let spawned = std::thread::Builder::new().name(Self::THREAD_NAME.into()).spawn(move || {
            let send = |e: LoadEvent| {
                // The window may have closed meanwhile; nobody needs the result then.
                let _ = tx.send(e);
                repaint();
            };
            let result = load_backbone(&source, &opts, &mut |f| {
                if let Fetch::Downloading { file, done, total } = f {
                    send(LoadEvent::Progress { file, done, total });
                }
            });
            match result {
                Ok(mut bb) => {
                    bb.net_mut().set_threads(1);
                    send(LoadEvent::Loaded(Arc::new(bb)));
                }
                Err(e) => send(LoadEvent::Failed(e.to_string())),
            }
        });
        let thread = match spawned {
            Ok(t) => Some(t),
            Err(e) => {
                let _ = failed.send(LoadEvent::Failed(format!("could not start the model loader thread: {e}")));
                None
            }
        };
        Self { events, finished: false, _thread: thread }
    }

    /// The next event, if one is waiting (never blocks). A thread that died without a word
    /// (a panic inside a decoder) still ends in `Failed`.
    pub fn try_recv(&mut self) -> Option<LoadEvent> {
        if self.finished {
            return None;
        }
        let event = match self.events.try_recv() {
            Ok(e) => e,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => {
                LoadEvent::Failed("the model loader stopped unexpectedly — see the log (PACNET_LOG=debug)".into())
            }
        };
        self.finished = matches!(event, LoadEvent::Loaded(_) | LoadEvent::Failed(_));
        Some(event)
    }
}
