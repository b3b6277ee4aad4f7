//! The process's dealings with the operating system that every layer shares: writing files
//! safely (atomic writes, the output-path policy), checking input files, signals, closed
//! pipes, and the text of a thread's panic.
//!
//! **May import:** nothing else of pacnet (`tests/architecture.rs` checks), so that every
//! module, `backbone`, `camera` and `game` included, may use it.

pub mod panic;

pub use panic::panic_text;
