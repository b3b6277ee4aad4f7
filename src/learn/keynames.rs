//! The key names users type in bindings (`space`, `a`, `f5`, `ctrl`, `left`, …), each with its
//! X11 keysym (for XTEST) and its Linux input code (`KEY_*`, for uinput).
//!
//! Hand-written on purpose: `xkeysym` has the keysyms but not the Linux codes, and
//! `evdev::KeyCode` has the codes under their kernel names (`KEY_LEFTCTRL`), not the names people
//! type; neither maps one to the other. One small table keeps the two in step; the live module's
//! tests check every code against `evdev`'s own names.

/// A key a binding can press.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyCode {
    /// The canonical name (`space`, `a`, `f5`, `ctrl`, `up`).
    pub name: &'static str,
    /// The X11 keysym.
    pub keysym: u32,
    /// The Linux input event code (`KEY_*` in `linux/input-event-codes.h`).
    pub code: u16,
}

/// Named keys: canonical name, other names accepted, keysym, Linux code.
const NAMED: &[(&str, &[&str], u32, u16)] = &[
    ("space", &[" "], 0x20, 57),
    ("enter", &["return"], 0xff0d, 28),
    ("esc", &["escape"], 0xff1b, 1),
    ("tab", &[], 0xff09, 15),
    ("backspace", &[], 0xff08, 14),
    ("delete", &["del"], 0xffff, 111),
    ("insert", &["ins"], 0xff63, 110),
    ("home", &[], 0xff50, 102),
    ("end", &[], 0xff57, 107),
    ("pageup", &["pgup"], 0xff55, 104),
    ("pagedown", &["pgdn"], 0xff56, 109),
    ("up", &["arrowup"], 0xff52, 103),
    ("down", &["arrowdown"], 0xff54, 108),
    ("left", &["arrowleft"], 0xff51, 105),
    ("right", &["arrowright"], 0xff53, 106),
    ("shift", &["lshift", "leftshift"], 0xffe1, 42),
    ("rshift", &["rightshift"], 0xffe2, 54),
    ("ctrl", &["control", "lctrl", "leftctrl"], 0xffe3, 29),
    ("rctrl", &["rightctrl"], 0xffe4, 97),
    ("alt", &["lalt", "leftalt"], 0xffe9, 56),
    ("ralt", &["rightalt", "altgr"], 0xffea, 100),
    ("super", &["meta", "win", "lsuper"], 0xffeb, 125),
    ("rsuper", &["rmeta"], 0xffec, 126),
    ("capslock", &[], 0xffe5, 58),
    ("minus", &["-"], 0x2d, 12),
    ("equal", &["="], 0x3d, 13),
    ("comma", &[], 0x2c, 51),
    ("dot", &["period", "."], 0x2e, 52),
    ("slash", &["/"], 0x2f, 53),
    ("semicolon", &[";"], 0x3b, 39),
    ("apostrophe", &["'"], 0x27, 40),
    ("grave", &["`"], 0x60, 41),
    ("backslash", &["\\"], 0x5c, 43),
    ("leftbrace", &["["], 0x5b, 26),
    ("rightbrace", &["]"], 0x5d, 27),
];

/// Letters in alphabetical order: their Linux codes follow the QWERTY layout, not the alphabet.
const LETTER_CODES: [u16; 26] =
    [30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50, 49, 24, 25, 16, 19, 31, 20, 22, 47, 17, 45, 21, 44];
const LETTER_NAMES: [&str; 26] = [
    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w",
    "x", "y", "z",
];
const DIGIT_NAMES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const F_NAMES: [&str; 24] = [
    "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12", "f13", "f14", "f15", "f16", "f17",
    "f18", "f19", "f20", "f21", "f22", "f23", "f24",
];

/// The key called `name` (any case; `Space`, `CTRL`, `F5`), if there is one.
#[must_use]
pub fn key(name: &str) -> Option<KeyCode> {
    let lower = name.trim().to_ascii_lowercase();
    let n = if lower.is_empty() && !name.is_empty() { " " } else { lower.as_str() };
    if let Some(&(name, _, keysym, code)) = NAMED.iter().find(|(c, other, ..)| *c == n || other.contains(&n)) {
        return Some(KeyCode { name, keysym, code });
    }
    if let Some(i) = LETTER_NAMES.iter().position(|&l| l == n) {
        return Some(KeyCode { name: LETTER_NAMES[i], keysym: 0x61 + i as u32, code: LETTER_CODES[i] });
    }
    if let Some(i) = DIGIT_NAMES.iter().position(|&d| d == n) {
        // KEY_1 is 2 … KEY_9 is 10, KEY_0 is 11.
        let code = if i == 0 { 11 } else { 1 + i as u16 };
        return Some(KeyCode { name: DIGIT_NAMES[i], keysym: 0x30 + i as u32, code });
    }
    if let Some(i) = F_NAMES.iter().position(|&f| f == n) {
        // KEY_F1..F10 are 59..68, F11 and F12 87 and 88, F13..F24 183..194.
        let code = match i {
            0..=9 => 59 + i as u16,
            10 | 11 => 77 + i as u16,
            _ => 171 + i as u16,
        };
        return Some(KeyCode { name: F_NAMES[i], keysym: 0xffbe + i as u32, code });
    }
    None
}

/// Every key of the table, once each (a virtual keyboard announces them all).
#[must_use]
pub fn all() -> Vec<KeyCode> {
    let names = NAMED.iter().map(|n| n.0).chain(LETTER_NAMES).chain(DIGIT_NAMES).chain(F_NAMES);
    names.filter_map(key).collect()
}

/// A short list of the names accepted, for error messages and `--help`.
pub const NAMES_HELP: &str = "a–z, 0–9, f1–f24, space, enter, esc, tab, backspace, delete, insert, home, end, pageup, pagedown, up, down, left, right, shift, ctrl, alt, super (r… for the right ones: rshift, rctrl, ralt, rsuper), capslock, minus, equal, comma, dot, slash, semicolon, apostrophe, grave, backslash, leftbrace, rightbrace";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_in_any_case_and_aliases_agree() {
        assert_eq!(key("Space").map(|k| (k.keysym, k.code)), Some((0x20, 57)));
        assert_eq!(key("CTRL"), key("control"));
        assert_eq!(key("z").map(|k| (k.keysym, k.code)), Some((0x7a, 44)));
        assert_eq!(key("0").map(|k| k.code), Some(11));
        assert_eq!(key("1").map(|k| k.code), Some(2));
        assert_eq!(key("F11").map(|k| (k.keysym, k.code)), Some((0xffc8, 87)));
        assert_eq!(key("f24").map(|k| (k.keysym, k.code)), Some((0xffd5, 194)));
        assert_eq!(key("f25"), None);
        assert_eq!(key("spacebar"), None);
        let all = all();
        assert_eq!(all.len(), NAMED.len() + 26 + 10 + 24);
        let mut codes: Vec<u16> = all.iter().map(|k| k.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len(), "no two names share a code");
    }
}
