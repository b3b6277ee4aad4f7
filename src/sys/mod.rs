//! The process's dealings with the operating system that every layer shares: writing files
//! safely (atomic writes, the output-path policy), checking input files, signals, closed
//! pipes, and the text of a thread's panic.
//!
//! **May import:** nothing else of pacnet (`tests/architecture.rs` checks), so that every
//! module, `backbone`, `camera` and `game` included, may use it.

pub mod atomic;
pub mod input;
pub mod output;
pub mod panic;
pub mod signals;
pub mod stdio;
pub mod temp;

pub use atomic::{Existing, parent_of, write_atomically};
pub use input::{InputError, read_regular};
pub use output::{Kind, MadeDir, Output, OutputDir, OutputError};
pub use panic::panic_text;

/// An OS error's text without Rust's ` (os error N)` suffix, which tells a user nothing.
pub fn io_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(at) => text.get(..at).unwrap_or(&text).to_owned(),
        None => text,
    }
}
