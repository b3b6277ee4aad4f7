//! The one integration test binary (candle and egui make each extra binary slow to link).
//! Each area has its own file; shared helpers live in `util`.

mod util;

mod architecture;
mod backbone;
mod camera;
mod cli;
mod game;
mod learn;
mod ui;
