//! Arrow-key presses for whatever window has the focus, through the X server's XTEST
//! extension (x11rb), and Esc watching so the user can stop from inside the other game.
//!
//! Why x11rb and not enigo: enigo 0.6 links libxkbcommon (a C library and its -dev package at
//! build time) and rewrites the server's keymap for keys it types; the four arrows and Esc
//! exist in every keymap, so a keycode lookup plus XTEST is all this needs. Wayland does not
//! let one client send keys to another, so there it says so instead.

use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::xproto::{self, ConnectionExt as _};
use x11rb::protocol::xtest;
use x11rb::rust_connection::RustConnection;

use crate::game::Dir;

use super::sink::KeyBackend;

/// X11 keysyms of the keys pacnet presses or watches.
mod keysym {
    pub const ESCAPE: u32 = 0xff1b;
    pub const LEFT: u32 = 0xff51;
    pub const UP: u32 = 0xff52;
    pub const RIGHT: u32 = 0xff53;
    pub const DOWN: u32 = 0xff54;
}

/// Why keys cannot be sent here.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeysError {
    /// A Wayland session without an X display.
    #[error(
        "sending keys to another window needs an X11 session: Wayland does not let one app press keys in another — log in with an X11 (Xorg) session, or use --print to get the decisions as text"
    )]
    Wayland,
    /// No display at all.
    #[error("sending keys needs a desktop session, but DISPLAY is not set — use --print to get the decisions as text")]
    NoDisplay,
    /// The X server refused.
    #[error("the X display {display} cannot take key presses: {message}")]
    X11 {
        /// `$DISPLAY`.
        display: String,
        /// What went wrong.
        message: String,
    },
    /// The connection broke while sending (the X server went away).
    #[error("the X display stopped taking key presses: {0}")]
    Lost(String),
}

/// Key presses through XTEST on the display in `$DISPLAY`.
pub struct X11Keys {
    conn: RustConnection,
    root: xproto::Window,
    codes: [u8; 4],
    escape: u8,
}

impl X11Keys {
    /// Connects to `$DISPLAY` and looks up the arrow keys and Esc.
    ///
    /// # Errors
    /// No display, a Wayland-only session, or an X server without XTEST.
    pub fn connect() -> Result<Self, KeysError> {
        let display = std::env::var("DISPLAY").unwrap_or_default();
        if display.is_empty() {
            return Err(if std::env::var_os("WAYLAND_DISPLAY").is_some() {
                KeysError::Wayland
            } else {
                KeysError::NoDisplay
            });
        }
        let fail = |message: String| KeysError::X11 { display: display.clone(), message };
        let (conn, screen) = x11rb::connect(None).map_err(|e| fail(e.to_string()))?;
        if conn.extension_information(xtest::X11_EXTENSION_NAME).map_err(|e| fail(e.to_string()))?.is_none() {
            return Err(fail("the XTEST extension is missing".into()));
        }
        let root = conn.setup().roots.get(screen).map(|s| s.root).ok_or_else(|| fail("no screen".into()))?;
        let (min, max) = (conn.setup().min_keycode, conn.setup().max_keycode);
        let map = conn
            .get_keyboard_mapping(min, max - min + 1)
            .map_err(|e| fail(e.to_string()))?
            .reply()
            .map_err(|e| fail(e.to_string()))?;
        let per = usize::from(map.keysyms_per_keycode.max(1));
        let code_of = |sym: u32| -> Result<u8, KeysError> {
            map.keysyms
                .chunks(per)
                .position(|syms| syms.contains(&sym))
                .and_then(|i| u8::try_from(i).ok())
                .map(|i| min + i)
                .ok_or_else(|| fail(format!("no key produces keysym {sym:#x}")))
        };
        let codes = [code_of(keysym::UP)?, code_of(keysym::DOWN)?, code_of(keysym::LEFT)?, code_of(keysym::RIGHT)?];
        let escape = code_of(keysym::ESCAPE)?;
        Ok(Self { conn, root, codes, escape })
    }

    fn code(&self, dir: Dir) -> u8 {
        let i = match dir {
            Dir::Up => 0,
            Dir::Down => 1,
            Dir::Left => 2,
            Dir::Right => 3,
        };
        self.codes[i]
    }
}

impl KeyBackend for X11Keys {
    fn key(&mut self, dir: Dir, down: bool) -> Result<(), KeysError> {
        let lost = |e: &dyn std::fmt::Display| KeysError::Lost(e.to_string());
        let kind = if down { xproto::KEY_PRESS_EVENT } else { xproto::KEY_RELEASE_EVENT };
        xtest::fake_input(&self.conn, kind, self.code(dir), x11rb::CURRENT_TIME, self.root, 0, 0, 0)
            .map_err(|e| lost(&e))?;
        if down {
            self.conn.flush().map_err(|e| lost(&e))
        } else {
            // A release waits for the server to take it: the process may exit right after (the
            // last key of `pacnet steer`), and a release never read would leave the key down.
            x11rb::wrapper::ConnectionExt::sync(&self.conn).map_err(|e| lost(&e))
        }
    }

    fn escape_held(&mut self) -> bool {
        // The whole keyboard's state in one round trip: no grab, so Esc still reaches the game.
        let Ok(reply) = self.conn.query_keymap().map(|c| c.reply()) else { return false };
        reply.ok().is_some_and(|r| {
            let code = usize::from(self.escape);
            r.keys.get(code / 8).is_some_and(|byte| byte & (1 << (code % 8)) != 0)
        })
    }
}
