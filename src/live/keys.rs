//! Key and mouse-button presses for whatever window has the focus, through the X server's XTEST
//! extension (x11rb), and Esc watching so the user can stop from inside the other game.
//!
//! Why x11rb and not enigo: enigo 0.6 links libxkbcommon (a C library and its -dev package at
//! build time) and rewrites the server's keymap for keys it types; the four arrows and Esc
//! exist in every keymap, as do the other keys of `learn::keynames`' table in the usual layouts, so a
//! keycode lookup plus XTEST is all this needs (a keysym the layout lacks is refused, naming it). Wayland does not
//! let one client send keys to another, so there it says so instead.

use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::xproto::{self, ConnectionExt as _};
use x11rb::protocol::xtest;
use x11rb::rust_connection::RustConnection;

use crate::learn::Press;

use super::sink::KeyBackend;

/// The X11 keysym of Esc, which stops sending keys.
const ESCAPE: u32 = 0xff1b;

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
    /// The keyboard layout has no key for a bound key.
    #[error("no key of the X display's keyboard layout types `{0}` — bind another key")]
    NotInLayout(String),
    /// `/dev/uinput` is missing.
    #[error(
        "/dev/uinput does not exist: the uinput kernel module is not loaded — run `sudo modprobe uinput` (and add `uinput` to /etc/modules-load.d/ to keep it)"
    )]
    NoUinput,
    /// `/dev/uinput` is there but this user may not write to it.
    #[error(
        "/dev/uinput: permission denied — install pacnet's .deb (its udev rule gives the logged-in user access; log out and in once) or add /usr/lib/udev/rules.d/70-pacnet-uinput.rules as the README shows"
    )]
    UinputDenied,
    /// Creating the virtual device failed otherwise.
    #[error("/dev/uinput: could not create the virtual keyboard: {0}")]
    Uinput(String),
    /// The virtual device stopped taking events.
    #[error("the virtual keyboard stopped taking key presses: {0}")]
    UinputLost(String),
    /// A gamepad target with XTEST, which has no gamepad.
    #[error(
        "`{0}` is a gamepad button, and XTEST (X11) can only press keys and mouse buttons — the virtual gamepad needs /dev/uinput: give this user access to it (the .deb's udev rule, README \"Access to /dev/uinput\") and use --backend uinput"
    )]
    PadNeedsUinput(String),
    /// Creating the virtual gamepad failed (other than no device or no permission).
    #[error("/dev/uinput: could not create the virtual gamepad: {0}")]
    Gamepad(String),
    /// The virtual gamepad stopped taking events.
    #[error("the virtual gamepad stopped taking button presses: {0}")]
    GamepadLost(String),
    /// No backend works: why each one failed.
    #[error("cannot send keys: {uinput}; and XTEST: {x11}")]
    Neither {
        /// Why uinput failed.
        uinput: Box<KeysError>,
        /// Why XTEST failed.
        x11: Box<KeysError>,
    },
}

/// Key presses through XTEST on the display in `$DISPLAY`.
pub struct X11Keys {
    conn: RustConnection,
    root: xproto::Window,
    /// The keyboard mapping: `per` keysyms for each keycode from `min`.
    keysyms: Vec<u32>,
    per: usize,
    min: u8,
    escape: u8,
}

impl X11Keys {
    /// Connects to `$DISPLAY` and reads its keyboard mapping.
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
        let mut keys = Self { conn, root, keysyms: map.keysyms, per, min, escape: 0 };
        keys.escape = keys.code_of(ESCAPE).ok_or_else(|| fail("no key produces Escape".into()))?;
        Ok(keys)
    }

    /// The keycode that types `sym` in the current layout.
    fn code_of(&self, sym: u32) -> Option<u8> {
        let i = self.keysyms.chunks(self.per).position(|syms| syms.contains(&sym))?;
        u8::try_from(i).ok().and_then(|i| self.min.checked_add(i))
    }
}

impl KeyBackend for X11Keys {
    fn key(&mut self, press: Press, down: bool) -> Result<(), KeysError> {
        let lost = |e: &dyn std::fmt::Display| KeysError::Lost(e.to_string());
        let (kind, detail) = match press {
            Press::Key(k) => {
                let code = self.code_of(k.keysym).ok_or_else(|| KeysError::NotInLayout(k.name.to_owned()))?;
                (if down { xproto::KEY_PRESS_EVENT } else { xproto::KEY_RELEASE_EVENT }, code)
            }
            Press::Mouse(b) => (if down { xproto::BUTTON_PRESS_EVENT } else { xproto::BUTTON_RELEASE_EVENT }, b.x11()),
            Press::Pad(_) => return Err(KeysError::PadNeedsUinput(press.name())),
        };
        xtest::fake_input(&self.conn, kind, detail, x11rb::CURRENT_TIME, self.root, 0, 0, 0).map_err(|e| lost(&e))?;
        if down {
            self.conn.flush().map_err(|e| lost(&e))
        } else {
            // A release waits for the server to take it: the process may exit right after (the
            // last key of `pacnet steer`), and a release never read would leave the key down.
            x11rb::wrapper::ConnectionExt::sync(&self.conn).map_err(|e| lost(&e))
        }
    }

    fn check(&self, presses: &std::collections::BTreeSet<Press>) -> Result<(), KeysError> {
        for p in presses {
            match p {
                Press::Key(k) if self.code_of(k.keysym).is_none() => {
                    return Err(KeysError::NotInLayout(k.name.to_owned()));
                }
                Press::Pad(_) => return Err(KeysError::PadNeedsUinput(p.name())),
                _ => {}
            }
        }
        Ok(())
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
