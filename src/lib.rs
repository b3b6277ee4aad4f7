//! pacnet: webcam transfer learning that steers Pac-Man.
//!
//! Frames flow one way at run time: [`camera`] → [`backbone`] → [`learn`] (the head) → a
//! steering sink ([`game`], key presses, stdout), on the worker threads of [`live`]. [`ui`] and
//! [`cli`] sit on top and use the rest; imports only ever point down:
//!
//! | module | job | may import |
//! |---|---|---|
//! | [`backbone`] | MobileNet in candle, weights, preprocessing | — |
//! | [`camera`] | frame sources and the capture thread | — |
//! | [`game`] | Pac-Man rules, no GUI types | — |
//! | [`learn`] | dataset, head, training, project file | `backbone` |
//! | [`live`] | the per-frame pipeline, its worker threads, steering sinks, sound output | `backbone`, `camera`, `learn`, `game` |
//! | [`about`] | version, commit, build date, SIMD level | `backbone` |
//! | [`sys`] | files, signals, pipes and threads as the OS sees them | — (everyone may import it) |
//! | [`ui`] | egui panels | everything below |
//! | [`cli`] | clap commands | everything below, and of [`ui`] only its launch API (`run_app`, `AppOptions`, `Tab`: `pacnet` and `pacnet app` open the window) |
//!
//! Only `ui` and `cli` use GUI or CLI crates (egui, eframe, egui_plot, clap); `game` uses no
//! crate but std, serde and thiserror. `tests/architecture.rs` enforces the table: it resolves
//! every `use` tree and written-out path in `src/` (groups, `super::`, `crate::`, `pacnet::`).

pub mod about;
pub mod backbone;
pub mod camera;
pub mod cli;
pub mod game;
pub mod learn;
pub mod live;
pub mod sys;
pub mod ui;
