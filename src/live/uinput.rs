//! Key and mouse-button presses through a virtual keyboard on `/dev/uinput` (the `evdev` crate's
//! virtual device): every compositor and game reads it like a real keyboard, on Wayland as on
//! X11. Needs write access to `/dev/uinput` (the .deb's udev rule gives it to the logged-in user).
//! Gamepad targets go to a second device, the [`Gamepad`], made when a binding needs it.
//!
//! Esc cannot be read from a virtual device; when an X display is reachable it is watched there
//! (as [`X11Keys`] does), otherwise Ctrl-C in the terminal stops `pacnet steer`.

use std::collections::BTreeSet;

use evdev::{AttributeSet, EventType, InputEvent, KeyCode, RelativeAxisCode, uinput::VirtualDevice};

use crate::learn::{Press, keynames};

use super::gamepad::Gamepad;
use super::keys::{KeysError, X11Keys};
use super::sink::KeyBackend;

/// The virtual device's name, as input tools (`libinput list-devices`, `evtest`) show it.
pub const DEVICE_NAME: &str = "pacnet virtual keyboard";

/// Presses through a uinput virtual keyboard (with mouse buttons).
pub struct UinputKeys {
    device: VirtualDevice,
    /// Esc watching, when an X display is reachable.
    escape: Option<X11Keys>,
    /// The virtual gamepad, once a binding presses a gamepad target.
    pad: Option<Gamepad>,
}

/// `e`, from making a virtual device, as the error that says how to fix it; `other` for the rest.
pub(super) fn create_error(e: std::io::Error, other: fn(String) -> KeysError) -> KeysError {
    match e.kind() {
        std::io::ErrorKind::NotFound => KeysError::NoUinput,
        std::io::ErrorKind::PermissionDenied => KeysError::UinputDenied,
        _ => other(e.to_string()),
    }
}

impl UinputKeys {
    /// Creates the virtual keyboard: every key of [`keynames`], and the three mouse buttons
    /// (with relative axes, so it also counts as a pointer).
    ///
    /// # Errors
    /// No `/dev/uinput`, no permission, or the kernel refused the device.
    pub fn create() -> Result<Self, KeysError> {
        let fail = |e| create_error(e, KeysError::Uinput);
        let mut keys = AttributeSet::<KeyCode>::new();
        for k in keynames::all() {
            keys.insert(KeyCode::new(k.code));
        }
        for b in [crate::learn::MouseButton::Left, crate::learn::MouseButton::Right, crate::learn::MouseButton::Middle]
        {
            keys.insert(KeyCode::new(b.code()));
        }
        let mut axes = AttributeSet::<RelativeAxisCode>::new();
        axes.insert(RelativeAxisCode::REL_X);
        axes.insert(RelativeAxisCode::REL_Y);
        let device = VirtualDevice::builder()
            .map_err(fail)?
            .name(DEVICE_NAME)
            .with_keys(&keys)
            .map_err(fail)?
            .with_relative_axes(&axes)
            .map_err(fail)?
            .build()
            .map_err(fail)?;
        let escape = if std::env::var_os("DISPLAY").is_some() { X11Keys::connect().ok() } else { None };
        Ok(Self { device, escape, pad: None })
    }
}

impl KeyBackend for UinputKeys {
    fn key(&mut self, press: Press, down: bool) -> Result<(), KeysError> {
        let code = match press {
            Press::Key(k) => k.code,
            Press::Mouse(b) => b.code(),
            Press::Pad(b) => {
                // Made here only if `prepare` was skipped: games may miss a pad that appears late.
                let pad = match &mut self.pad {
                    Some(pad) => pad,
                    None => self.pad.insert(Gamepad::create()?),
                };
                return pad.press(b, down);
            }
        };
        let event = InputEvent::new(EventType::KEY.0, code, i32::from(down));
        // `emit` ends the batch with SYN_REPORT, so each press reaches readers at once.
        self.device.emit(&[event]).map_err(|e| KeysError::UinputLost(e.to_string()))
    }

    fn escape_held(&mut self) -> bool {
        self.escape.as_mut().is_some_and(X11Keys::escape_held)
    }

    fn prepare(&mut self, presses: &BTreeSet<Press>) -> Result<(), KeysError> {
        if self.pad.is_none() && presses.iter().any(|p| matches!(p, Press::Pad(_))) {
            self.pad = Some(Gamepad::create()?);
        }
        self.check(presses)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn every_key_name_has_the_kernel_code_evdev_knows() {
        // The kernel names of the table's keys, in the table's order of `keynames::all`.
        let kernel = |name: &str| -> String {
            let n = match name {
                "enter" | "esc" | "tab" | "backspace" | "delete" | "insert" | "home" | "end" | "pageup"
                | "pagedown" | "up" | "down" | "left" | "right" | "capslock" | "minus" | "equal" | "comma" | "dot"
                | "slash" | "semicolon" | "apostrophe" | "grave" | "backslash" | "leftbrace" | "rightbrace"
                | "space" => name.to_ascii_uppercase(),
                "shift" => "LEFTSHIFT".into(),
                "rshift" => "RIGHTSHIFT".into(),
                "ctrl" => "LEFTCTRL".into(),
                "rctrl" => "RIGHTCTRL".into(),
                "alt" => "LEFTALT".into(),
                "ralt" => "RIGHTALT".into(),
                "super" => "LEFTMETA".into(),
                "rsuper" => "RIGHTMETA".into(),
                other => other.to_ascii_uppercase(),
            };
            format!("KEY_{n}")
        };
        for k in keynames::all() {
            let want = KeyCode::from_str(&kernel(k.name)).map_err(|_| kernel(k.name));
            assert_eq!(want.map(|c| c.code()), Ok(k.code), "{}", k.name);
        }
        assert_eq!(crate::learn::MouseButton::Middle.code(), KeyCode::BTN_MIDDLE.code());
        assert_eq!(crate::learn::MouseButton::Right.code(), KeyCode::BTN_RIGHT.code());
    }
}
