//! Which backend sends the keys: a uinput virtual keyboard (any desktop, Wayland included, given
//! access to `/dev/uinput`) or XTEST (X11 sessions only), picked automatically or forced.

use super::keys::{KeysError, X11Keys};
use super::sink::KeyBackend;
use super::uinput::UinputKeys;

/// The backend asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackendChoice {
    /// uinput when `/dev/uinput` can be opened for writing, else XTEST on X11.
    #[default]
    Auto,
    /// A uinput virtual keyboard only.
    Uinput,
    /// XTEST on the X display only.
    X11,
}

/// The backend in use, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// The uinput virtual keyboard.
    Uinput,
    /// XTEST.
    X11,
}

impl BackendKind {
    /// Where the keys go, for the start message.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::Uinput => "a virtual keyboard (/dev/uinput)",
            Self::X11 => "the focused X11 window (XTEST)",
        }
    }
}

/// Opens the backend `choice` names (check the keys with [`KeyBackend::check`]).
///
/// # Errors
/// The forced backend failed, or with `Auto` both did ([`KeysError::Neither`], one line with
/// both reasons and their fixes).
pub fn open_backend(choice: BackendChoice) -> Result<(Box<dyn KeyBackend>, BackendKind), KeysError> {
    let x11 = || -> Result<(Box<dyn KeyBackend>, BackendKind), KeysError> {
        Ok((Box::new(X11Keys::connect()?), BackendKind::X11))
    };
    let uinput = || -> Result<(Box<dyn KeyBackend>, BackendKind), KeysError> {
        Ok((Box::new(UinputKeys::create()?), BackendKind::Uinput))
    };
    match choice {
        BackendChoice::X11 => x11(),
        BackendChoice::Uinput => uinput(),
        BackendChoice::Auto => match uinput() {
            Ok(b) => Ok(b),
            Err(u) => x11().map_err(|x| KeysError::Neither { uinput: Box::new(u), x11: Box::new(x) }),
        },
    }
}
