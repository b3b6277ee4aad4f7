//! The one integration test binary (candle and egui make each extra binary slow to link).
//! Each area has its own file; shared helpers live in `util`.

// A failed setup step in a test should stop that test with its message: panicking is the point.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod fake;
mod util;

mod architecture;
mod backbone;
mod camera;
mod cli;
mod export;
mod fewshot;
mod game;
mod game_arcade;
mod hostile;
mod layout;
mod learn;
mod live;
mod package;
mod playbench;
mod session;
mod setup;
mod sound;
mod sound_device;
mod teach;
mod team;
mod ui;
mod ui_classes;
mod ui_fix;
mod ui_keys;
mod uinput;
mod uinput_pad;
mod webcam;
