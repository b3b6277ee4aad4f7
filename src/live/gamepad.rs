//! The virtual gamepad: a second uinput device beside the virtual keyboard, made only when a
//! binding presses a gamepad target ([`PadButton`]), since a gamepad that appears for nothing
//! can take player 1's slot in a game.
//!
//! The D-pad is a hat (`ABS_HAT0X`/`ABS_HAT0Y`, −1, 0 or 1), not the `BTN_DPAD_*` buttons: Xbox
//! pads (the kernel's xpad driver) report it that way, so every reader of gamepads handles a
//! hat — SDL's automatic mapping, Wine/Proton, RetroArch, browsers — while `BTN_DPAD_*` are
//! missed by older ones. A hat needs [`Dpad`] to combine held directions into two axes.
//!
//! The buttons use the kernel's `BTN_A`, `BTN_B`, `BTN_X`, `BTN_Y` codes as xpad does (SDL maps
//! them to A, B, X, Y for any non-Sony pad). A centred left stick (`ABS_X`/`ABS_Y`, never
//! moved) is announced as well: udev marks a device `ID_INPUT_JOYSTICK`, and SDL opens it, only
//! when it has gamepad buttons and such axes.

use evdev::uinput::VirtualDevice;
use evdev::{AbsInfo, AbsoluteAxisCode, AttributeSet, EventType, InputEvent, KeyCode, UinputAbsSetup};

use crate::learn::PadButton;

use super::keys::KeysError;
use super::uinput::create_error;

/// The virtual device's name, as `evtest`, Steam or a game's controller settings show it.
pub const PAD_NAME: &str = "pacnet virtual gamepad";

/// The held D-pad directions, and the hat position they make.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dpad {
    up: bool,
    down: bool,
    left: bool,
    right: bool,
}

impl Dpad {
    /// Holds (`down`) or lets go of `dir`; a button that is not a direction changes nothing.
    pub fn set(&mut self, dir: PadButton, down: bool) {
        match dir {
            PadButton::Up => self.up = down,
            PadButton::Down => self.down = down,
            PadButton::Left => self.left = down,
            PadButton::Right => self.right = down,
            _ => {}
        }
    }

    /// (`ABS_HAT0X`, `ABS_HAT0Y`): −1 left or up, 1 right or down, 0 centred. The two axes are
    /// independent, so up and left together are the diagonal (−1, −1). A hat cannot point two
    /// opposite ways: those cancel to 0 on their axis, decided by what is held alone and not by
    /// which came first, so the same bindings always give the same hat.
    #[must_use]
    pub fn hat(self) -> (i32, i32) {
        (i32::from(self.right) - i32::from(self.left), i32::from(self.down) - i32::from(self.up))
    }
}

/// The Linux code of a button; `None` for the D-pad's directions, which move the hat.
#[must_use]
pub fn button_code(b: PadButton) -> Option<KeyCode> {
    let code = match b {
        PadButton::Up | PadButton::Down | PadButton::Left | PadButton::Right => return None,
        PadButton::A => KeyCode::BTN_SOUTH,
        PadButton::B => KeyCode::BTN_EAST,
        // BTN_X and BTN_Y, which evdev only names by their compass aliases.
        PadButton::X => KeyCode::BTN_NORTH,
        PadButton::Y => KeyCode::BTN_WEST,
        PadButton::L => KeyCode::BTN_TL,
        PadButton::R => KeyCode::BTN_TR,
        PadButton::Select => KeyCode::BTN_SELECT,
        PadButton::Start => KeyCode::BTN_START,
    };
    Some(code)
}

/// The uinput virtual gamepad.
pub struct Gamepad {
    device: VirtualDevice,
    dpad: Dpad,
}

impl Gamepad {
    /// Creates the gamepad: the eight buttons, the hat, and the idle left stick.
    ///
    /// # Errors
    /// No `/dev/uinput`, no permission, or the kernel refused the device.
    pub fn create() -> Result<Self, KeysError> {
        let fail = |e| create_error(e, KeysError::Gamepad);
        let mut keys = AttributeSet::<KeyCode>::new();
        for code in PadButton::all().filter_map(button_code) {
            keys.insert(code);
        }
        let stick = AbsInfo::new(0, -32768, 32767, 16, 128, 0);
        let hat = AbsInfo::new(0, -1, 1, 0, 0, 0);
        let mut builder = VirtualDevice::builder().map_err(fail)?.name(PAD_NAME).with_keys(&keys).map_err(fail)?;
        for (axis, info) in [
            (AbsoluteAxisCode::ABS_X, stick),
            (AbsoluteAxisCode::ABS_Y, stick),
            (AbsoluteAxisCode::ABS_HAT0X, hat),
            (AbsoluteAxisCode::ABS_HAT0Y, hat),
        ] {
            builder = builder.with_absolute_axis(&UinputAbsSetup::new(axis, info)).map_err(fail)?;
        }
        Ok(Self { device: builder.build().map_err(fail)?, dpad: Dpad::default() })
    }

    /// Presses or releases `b`; a D-pad direction writes only the hat axes that change.
    ///
    /// # Errors
    /// The device stopped taking events.
    pub fn press(&mut self, b: PadButton, down: bool) -> Result<(), KeysError> {
        let events = if let Some(code) = button_code(b) {
            vec![InputEvent::new(EventType::KEY.0, code.code(), i32::from(down))]
        } else {
            let (x0, y0) = self.dpad.hat();
            self.dpad.set(b, down);
            let (x, y) = self.dpad.hat();
            let axis = |code: AbsoluteAxisCode, v: i32| InputEvent::new(EventType::ABSOLUTE.0, code.0, v);
            // The kernel drops an axis value equal to the last one, so only changes are sent.
            let x = (x != x0).then(|| axis(AbsoluteAxisCode::ABS_HAT0X, x));
            let y = (y != y0).then(|| axis(AbsoluteAxisCode::ABS_HAT0Y, y));
            x.into_iter().chain(y).collect()
        };
        if events.is_empty() {
            return Ok(());
        }
        // `emit` ends the batch with SYN_REPORT: both axes of a diagonal reach readers together.
        self.device.emit(&events).map_err(|e| KeysError::GamepadLost(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_directions_make_the_hat_and_opposites_cancel_whatever_the_order() {
        let hat = |held: &[PadButton]| {
            let mut d = Dpad::default();
            for &b in held {
                d.set(b, true);
            }
            d.hat()
        };
        use PadButton::{A, Down, Left, Right, Up};
        assert_eq!(hat(&[]), (0, 0));
        assert_eq!(hat(&[Up]), (0, -1));
        assert_eq!(hat(&[Down]), (0, 1));
        assert_eq!(hat(&[Left]), (-1, 0));
        assert_eq!(hat(&[Right]), (1, 0));
        assert_eq!(hat(&[Up, Left]), (-1, -1));
        assert_eq!(hat(&[Down, Right]), (1, 1));
        assert_eq!(hat(&[Left, Right]), (0, 0));
        assert_eq!(hat(&[Right, Left]), (0, 0));
        assert_eq!(hat(&[Up, Down, Right]), (1, 0));
        assert_eq!(hat(&[A]), (0, 0), "a button is not a direction");
        // Letting go of one of two opposites points the hat at the other.
        let mut d = Dpad::default();
        d.set(Left, true);
        d.set(Right, true);
        d.set(Left, false);
        assert_eq!(d.hat(), (1, 0));
        d.set(Right, false);
        assert_eq!(d, Dpad::default());
    }

    #[test]
    fn buttons_have_the_kernel_gamepad_codes() {
        let codes: Vec<u16> = PadButton::all().filter_map(button_code).map(|c| c.code()).collect();
        // BTN_A 0x130, BTN_B 0x131, BTN_X 0x133, BTN_Y 0x134, BTN_TL, BTN_TR, BTN_SELECT, BTN_START.
        assert_eq!(codes, [0x130, 0x131, 0x133, 0x134, 0x136, 0x137, 0x13a, 0x13b]);
        assert_eq!(PadButton::all().filter(|b| button_code(*b).is_none()).count(), 4);
    }
}
