//! Gamepad targets for bindings: the four D-pad directions and eight buttons of a standard
//! gamepad (`pad-up`, `pad-a`, `pad-start`, …), which the live module sends through a virtual
//! gamepad on `/dev/uinput`. Named after the Xbox layout (A bottom, B right, X left, Y top),
//! as the kernel's `BTN_A`…`BTN_Y` and most games' button prompts are.

use serde::{Deserialize, Serialize};

use super::profile::{Binding, KeyMode, Profile, Target};

/// The name of the built-in profile that steers the D-pad ([`Profile::dpad`]).
pub const DPAD: &str = "Gamepad D-pad";

/// A gamepad button or D-pad direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PadButton {
    /// D-pad up.
    Up,
    /// D-pad down.
    Down,
    /// D-pad left.
    Left,
    /// D-pad right.
    Right,
    /// The bottom face button.
    A,
    /// The right face button.
    B,
    /// The left face button.
    X,
    /// The top face button.
    Y,
    /// The left shoulder button.
    L,
    /// The right shoulder button.
    R,
    /// Select (Back, Share, −).
    Select,
    /// Start (Menu, Options, +).
    Start,
}

/// Every target, with the word after `pad-`.
const ALL: [(PadButton, &str); 12] = [
    (PadButton::Up, "up"),
    (PadButton::Down, "down"),
    (PadButton::Left, "left"),
    (PadButton::Right, "right"),
    (PadButton::A, "a"),
    (PadButton::B, "b"),
    (PadButton::X, "x"),
    (PadButton::Y, "y"),
    (PadButton::L, "l"),
    (PadButton::R, "r"),
    (PadButton::Select, "select"),
    (PadButton::Start, "start"),
];

/// The names accepted, for error messages and `--help`.
pub const NAMES_HELP: &str =
    "pad-up, pad-down, pad-left, pad-right (D-pad), pad-a, pad-b, pad-x, pad-y, pad-l, pad-r, pad-select, pad-start";

impl PadButton {
    /// Every button and direction, D-pad first.
    pub fn all() -> impl Iterator<Item = Self> {
        ALL.into_iter().map(|(b, _)| b)
    }

    /// The name users type (`pad-up`, `pad-a`).
    #[must_use]
    pub fn name(self) -> String {
        let word = ALL.iter().find(|(b, _)| *b == self).map_or("", |(_, w)| w);
        format!("pad-{word}")
    }

    /// The target called `name` (any case), if there is one.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        let word = name.trim().to_ascii_lowercase();
        let word = word.strip_prefix("pad-")?;
        ALL.iter().find(|(_, w)| *w == word).map(|(b, _)| *b)
    }

    /// Whether it is one of the D-pad's four directions.
    #[must_use]
    pub fn is_dpad(self) -> bool {
        matches!(self, Self::Up | Self::Down | Self::Left | Self::Right)
    }
}

impl Profile {
    /// `--dpad`: up, down, left and right press the gamepad's D-pad.
    #[must_use]
    pub fn dpad(mode: KeyMode) -> Self {
        let dirs =
            [("up", PadButton::Up), ("down", PadButton::Down), ("left", PadButton::Left), ("right", PadButton::Right)];
        let bindings =
            dirs.into_iter().map(|(d, b)| (d.to_owned(), Binding { mode, ..Binding::hold(Target::Pad(b)) })).collect();
        Self { name: DPAD.to_owned(), bindings }
    }

    /// The built-in profile called `name` (any case): "Pac-Man" or "Gamepad D-pad".
    #[must_use]
    pub fn builtin(name: &str, mode: KeyMode) -> Option<Self> {
        [Self::pacman(mode), Self::dpad(mode)].into_iter().find(|p| p.name.eq_ignore_ascii_case(name.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_targets_parse_print_and_round_trip_in_profiles() {
        assert_eq!(PadButton::parse("PAD-Start"), Some(PadButton::Start));
        assert_eq!(PadButton::parse("start"), None);
        assert_eq!(PadButton::parse("pad-z"), None);
        for b in PadButton::all() {
            assert_eq!(PadButton::parse(&b.name()), Some(b));
            assert!(NAMES_HELP.contains(&b.name()), "{}", b.name());
        }
        assert_eq!(PadButton::all().filter(|b| b.is_dpad()).count(), 4);
        let p = Profile::parse("p", "up=pad-up,fire=pad-a:tap:0.9,menu=pad-start").unwrap();
        assert_eq!(p.bindings["fire"].target, Target::Pad(PadButton::A));
        assert_eq!(p.text(), "fire=pad-a:tap:0.9,menu=pad-start,up=pad-up");
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#"{"pad":"start"}"#), "{json}");
        assert_eq!(serde_json::from_str::<Profile>(&json).unwrap(), p);
        let dpad = Profile::builtin("gamepad d-pad", KeyMode::Tap).unwrap();
        assert_eq!(dpad.text(), "down=pad-down:tap,left=pad-left:tap,right=pad-right:tap,up=pad-up:tap");
        assert_eq!(Profile::builtin("pac-man", KeyMode::Hold), Some(Profile::pacman(KeyMode::Hold)));
        assert!(Profile::parse("p", "up=pad-z").unwrap_err().to_string().contains("pad-up, pad-down"));
    }
}
