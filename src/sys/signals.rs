//! The process's signals, set once at start ([`install`]):
//! - SIGINT, SIGTERM, SIGHUP: our temporary files are removed, then the process dies of the
//!   signal as it would have without us (the shell sees the same status). While a command
//!   has asked to stop by itself ([`Interrupt`], `pacnet steer`), the first one only sets its
//!   flag; a second one ends the process as above.
//! - SIGXFSZ (`ulimit -f`): a handler that does nothing, so a write past the limit fails with
//!   EFBIG (an error naming the file) instead of killing the process and leaving half a file.
//!
//! Done with `signal-hook`: its iterator runs our cleanup on an ordinary thread (removing files
//! is not allowed in a signal handler) and re-raises the signal with the default action.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGXFSZ};

/// Commands that stop by themselves on Ctrl-C: while above 0, the first signal only sets
/// [`STOP`].
static COOPERATIVE: AtomicUsize = AtomicUsize::new(0);
/// Set by the first SIGINT/SIGTERM/SIGHUP while a command stops by itself.
static STOP: AtomicBool = AtomicBool::new(false);

/// Why the signals could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the signal handlers: {0}")]
pub struct SignalError(#[from] std::io::Error);

/// Sets up the signals as the module doc says. Call once, before any file is written.
///
/// # Errors
/// The OS refused a handler (should not happen).
pub fn install() -> Result<(), SignalError> {
    signal_hook::flag::register(SIGXFSZ, Arc::new(AtomicBool::new(false)))?;
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new().name("pacnet-signals".into()).spawn(move || {
        for signal in signals.forever() {
            if COOPERATIVE.load(Ordering::SeqCst) > 0 && !STOP.swap(true, Ordering::SeqCst) {
                continue;
            }
            // Held until the process is gone: no new temporary file can start meanwhile.
            let _registry = super::temp::remove_all_live();
            let _ = signal_hook::low_level::emulate_default_handler(signal);
            // Only reached if the signal's default is not to terminate (not the case for these).
            std::process::exit(128 + signal);
        }
    })?;
    Ok(())
}

/// While it lives, Ctrl-C (and SIGTERM, SIGHUP) asks the command to stop instead of ending the
/// process: [`Interrupt::requested`] turns true and the command winds down by itself.
#[derive(Debug)]
pub struct Interrupt(());

impl Interrupt {
    /// Starts handling the signals cooperatively.
    pub fn start() -> Self {
        STOP.store(false, Ordering::SeqCst);
        COOPERATIVE.fetch_add(1, Ordering::SeqCst);
        Self(())
    }

    /// Whether a signal asked to stop.
    pub fn requested(&self) -> bool {
        STOP.load(Ordering::SeqCst)
    }

    /// The flag itself, for loops that take an `&AtomicBool`.
    pub fn flag(&self) -> &'static AtomicBool {
        &STOP
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        COOPERATIVE.fetch_sub(1, Ordering::SeqCst);
    }
}
