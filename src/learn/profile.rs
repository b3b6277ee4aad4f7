//! Bindings and profiles: which key or mouse button each class presses, how (held while
//! predicted, or one tap), how sure the head must be, and how soon it may press again. A project
//! keeps several named profiles ("Pac-Man", "Dino game"); without one, the four directions press
//! the arrow keys ([`Profile::pacman`]).
//!
//! The text form (`pacnet steer --bind`, `pacnet profile --bind`), one binding per class,
//! comma-separated: `class=target[:hold|:tap][:THRESHOLD][:COOLDOWNms]`, e.g.
//! `up=space:tap:0.9:300ms,left=a,fire=mouse-left,idle=none`. The target is a key name
//! ([`super::keynames`]), `mouse-left`, `mouse-right`, `mouse-middle`, a gamepad button or D-pad
//! direction ([`super::pad`]: `pad-a`, `pad-up`, …), or `none`. The built-in profiles
//! ([`Profile::builtin`]) are here and in [`super::pad`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::keynames::{self, KeyCode};
use super::pad::{self, PadButton};

/// The longest cooldown a binding may have (a minute).
pub const MAX_COOLDOWN_MS: u32 = 60_000;
/// The name of the profile implied when a project has none.
pub const PACMAN: &str = "Pac-Man";

/// What is wrong with a binding or profile.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    /// A key name not in the table.
    #[error("unknown key `{0}`: expected one of {names}, or mouse-left, mouse-right, mouse-middle, {pads}, none", names = keynames::NAMES_HELP, pads = pad::NAMES_HELP)]
    UnknownKey(String),
    /// A binding that does not follow the grammar.
    #[error("binding `{text}`: {reason} (expected class=key[:hold|:tap][:0.8][:300ms], e.g. up=space:tap)")]
    Syntax {
        /// The binding as typed.
        text: String,
        /// What is wrong.
        reason: String,
    },
    /// The same class bound twice in one list.
    #[error("class `{0}` is bound twice")]
    Twice(String),
    /// A profile name that is empty or too long.
    #[error("profile name `{0}`: expected 1 to 64 characters")]
    BadName(String),
    /// A profile binding a class the project does not have (renamed or removed since).
    #[error("profile `{profile}` binds class `{class}`, which the project does not have (it has: {known})")]
    UnknownClass {
        /// The profile's name.
        profile: String,
        /// The class bound.
        class: String,
        /// The project's classes, comma-separated.
        known: String,
    },
    /// No profile of that name.
    #[error("no profile `{name}` in the project (it has: {known})")]
    NoSuchProfile {
        /// The name asked for.
        name: String,
        /// The project's profiles, comma-separated, or "none".
        known: String,
    },
}

/// A mouse button.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MouseButton {
    /// The left (primary) button.
    Left,
    /// The right button.
    Right,
    /// The middle button (wheel click).
    Middle,
}

impl MouseButton {
    /// `left`, `right` or `middle`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Left => "left",
            Self::Right => "right",
            Self::Middle => "middle",
        }
    }

    /// The X11 button number (1 left, 2 middle, 3 right).
    #[must_use]
    pub fn x11(self) -> u8 {
        match self {
            Self::Left => 1,
            Self::Middle => 2,
            Self::Right => 3,
        }
    }

    /// The Linux input code (`BTN_LEFT` …).
    #[must_use]
    pub fn code(self) -> u16 {
        match self {
            Self::Left => 0x110,
            Self::Right => 0x111,
            Self::Middle => 0x112,
        }
    }
}

/// What a binding presses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// A key, by name (checked against [`keynames`] when the binding is made or loaded).
    Key(String),
    /// A mouse button.
    Mouse(MouseButton),
    /// A button or D-pad direction of the virtual gamepad (uinput only).
    Pad(PadButton),
    /// Nothing: the class is recognised but presses nothing (an idle class).
    None,
}

/// A key or button resolved for a backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Press {
    /// A keyboard key.
    Key(KeyCode),
    /// A mouse button.
    Mouse(MouseButton),
    /// A gamepad button or D-pad direction.
    Pad(PadButton),
}

impl Press {
    /// The name users type for it (`space`, `mouse-left`).
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Self::Key(k) => k.name.to_owned(),
            Self::Mouse(b) => format!("mouse-{}", b.name()),
            Self::Pad(b) => b.name(),
        }
    }
}

impl Target {
    /// The key or button, resolved; `None` for [`Target::None`].
    ///
    /// # Errors
    /// A key name not in the table.
    pub fn press(&self) -> Result<Option<Press>, ProfileError> {
        match self {
            Self::Key(name) => {
                keynames::key(name).map(|k| Some(Press::Key(k))).ok_or_else(|| ProfileError::UnknownKey(name.clone()))
            }
            Self::Mouse(b) => Ok(Some(Press::Mouse(*b))),
            Self::Pad(b) => Ok(Some(Press::Pad(*b))),
            Self::None => Ok(None),
        }
    }

    /// Parses `space`, `mouse-left`, `none`.
    ///
    /// # Errors
    /// An unknown name.
    pub fn parse(text: &str) -> Result<Self, ProfileError> {
        let t = text.trim().to_ascii_lowercase();
        let target = match t.as_str() {
            "none" | "nothing" => Self::None,
            "mouse-left" | "mouse1" => Self::Mouse(MouseButton::Left),
            "mouse-middle" | "mouse2" => Self::Mouse(MouseButton::Middle),
            "mouse-right" | "mouse3" => Self::Mouse(MouseButton::Right),
            _ => match (PadButton::parse(&t), keynames::key(text)) {
                (Some(b), _) => Self::Pad(b),
                (None, Some(k)) => Self::Key(k.name.to_owned()),
                (None, None) => return Err(ProfileError::UnknownKey(text.trim().to_owned())),
            },
        };
        Ok(target)
    }

    /// The text form (`space`, `mouse-left`, `none`).
    #[must_use]
    pub fn text(&self) -> String {
        match self {
            Self::Key(k) => k.clone(),
            Self::Mouse(b) => format!("mouse-{}", b.name()),
            Self::Pad(b) => b.name(),
            Self::None => "none".to_owned(),
        }
    }
}

/// How a class becomes presses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyMode {
    /// The key stays down while its class is predicted, and is released when the prediction
    /// changes or falls below the threshold (games that move while a key is held).
    #[default]
    Hold,
    /// One press and release each time the class starts being predicted (games that act on a
    /// key press: jump, fire, turn).
    Tap,
}

/// One class's binding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Binding {
    /// The key or button.
    pub target: Target,
    /// Held while predicted, or tapped.
    #[serde(default)]
    pub mode: KeyMode,
    /// The confidence the class needs before it presses (0–1); `None`: the steering threshold.
    #[serde(default)]
    pub threshold: Option<f32>,
    /// After a press, the class waits this long before it may press again (milliseconds).
    #[serde(default)]
    pub cooldown_ms: u32,
}

impl Binding {
    /// Holds `target` while predicted, no threshold of its own, no cooldown.
    #[must_use]
    pub fn hold(target: Target) -> Self {
        Self { target, mode: KeyMode::Hold, threshold: None, cooldown_ms: 0 }
    }

    /// Checks the key name and the ranges.
    ///
    /// # Errors
    /// An unknown key, a threshold outside 0–1 or a cooldown over a minute.
    pub fn check(&self, class: &str) -> Result<(), ProfileError> {
        self.target.press()?;
        let bad = |reason: String| ProfileError::Syntax { text: format!("{class}={}", self.text()), reason };
        if let Some(t) = self.threshold
            && !(0.0..=1.0).contains(&t)
        {
            return Err(bad(format!("threshold {t}: expected 0 to 1")));
        }
        if self.cooldown_ms > MAX_COOLDOWN_MS {
            return Err(bad(format!("cooldown {} ms: expected at most {MAX_COOLDOWN_MS}", self.cooldown_ms)));
        }
        Ok(())
    }

    /// The text form after `class=` (`space:tap:0.9:300ms`).
    #[must_use]
    pub fn text(&self) -> String {
        let mut s = self.target.text();
        if self.mode == KeyMode::Tap {
            s.push_str(":tap");
        }
        if let Some(t) = self.threshold {
            s.push_str(&format!(":{t}"));
        }
        if self.cooldown_ms > 0 {
            s.push_str(&format!(":{}ms", self.cooldown_ms));
        }
        s
    }
}

/// A named set of bindings, one per class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Its name ("Dino game").
    pub name: String,
    /// Class name → binding. Classes without one press nothing.
    pub bindings: BTreeMap<String, Binding>,
}

impl Profile {
    /// The profile implied when a project has none: up, down, left and right hold the arrow keys.
    #[must_use]
    pub fn pacman(mode: KeyMode) -> Self {
        let bindings = ["up", "down", "left", "right"]
            .into_iter()
            .map(|d| (d.to_owned(), Binding { mode, ..Binding::hold(Target::Key(d.to_owned())) }))
            .collect();
        Self { name: PACMAN.to_owned(), bindings }
    }

    /// A profile from the text form (see the module doc).
    ///
    /// # Errors
    /// A binding that does not parse, names an unknown key, or binds a class twice.
    pub fn parse(name: &str, text: &str) -> Result<Self, ProfileError> {
        check_name(name)?;
        let mut bindings = BTreeMap::new();
        for (class, binding) in parse_bindings(text)? {
            if bindings.insert(class.clone(), binding).is_some() {
                return Err(ProfileError::Twice(class));
            }
        }
        Ok(Self { name: name.trim().to_owned(), bindings })
    }

    /// Checks every binding.
    ///
    /// # Errors
    /// The first binding that is wrong.
    pub fn check(&self) -> Result<(), ProfileError> {
        check_name(&self.name)?;
        self.bindings.iter().try_for_each(|(class, b)| b.check(class))
    }

    /// The text form, classes in name order.
    #[must_use]
    pub fn text(&self) -> String {
        self.bindings.iter().map(|(c, b)| format!("{c}={}", b.text())).collect::<Vec<_>>().join(",")
    }
}

fn check_name(name: &str) -> Result<(), ProfileError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 64 || n.chars().any(char::is_control) {
        return Err(ProfileError::BadName(name.to_owned()));
    }
    Ok(())
}

/// Parses `up=space:tap:0.9:300ms,left=a` into (class, binding) pairs, in order.
///
/// # Errors
/// The first binding that does not parse, naming it.
pub fn parse_bindings(text: &str) -> Result<Vec<(String, Binding)>, ProfileError> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let syntax = |reason: &str| ProfileError::Syntax { text: item.to_owned(), reason: reason.to_owned() };
        let (class, rest) = item.split_once('=').ok_or_else(|| syntax("no `=`"))?;
        let class = class.trim();
        if class.is_empty() {
            return Err(syntax("no class before `=`"));
        }
        let mut parts = rest.split(':');
        let target = Target::parse(parts.next().unwrap_or_default())?;
        let mut binding = Binding::hold(target);
        for part in parts.map(|p| p.trim().to_ascii_lowercase()) {
            if part == "hold" {
                binding.mode = KeyMode::Hold;
            } else if part == "tap" {
                binding.mode = KeyMode::Tap;
            } else if let Some(ms) = part.strip_suffix("ms") {
                binding.cooldown_ms =
                    ms.trim().parse().map_err(|_| syntax(&format!("`{part}`: expected a cooldown like 300ms")))?;
            } else if let Ok(t) = part.parse::<f32>() {
                binding.threshold = Some(t);
            } else {
                return Err(syntax(&format!("`{part}`: expected hold, tap, a threshold (0.8) or a cooldown (300ms)")));
            }
        }
        binding.check(class)?;
        out.push((class.to_owned(), binding));
    }
    if out.is_empty() {
        return Err(ProfileError::Syntax { text: text.to_owned(), reason: "no binding".to_owned() });
    }
    Ok(out)
}

/// The profiles of a project: looking one up, adding (replacing one of the same name), removing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Profiles(pub Vec<Profile>);

impl Profiles {
    /// The profile called `name` (exactly, or ignoring case when only one matches that way).
    ///
    /// # Errors
    /// No such profile, listing the project's.
    pub fn get(&self, name: &str) -> Result<&Profile, ProfileError> {
        let n = name.trim();
        if let Some(p) = self.0.iter().find(|p| p.name == n) {
            return Ok(p);
        }
        let mut loose = self.0.iter().filter(|p| p.name.eq_ignore_ascii_case(n));
        match (loose.next(), loose.next()) {
            (Some(p), None) => Ok(p),
            _ => Err(ProfileError::NoSuchProfile { name: n.to_owned(), known: self.names() }),
        }
    }

    /// Adds `profile`, replacing one of the same name; returns whether it replaced one.
    pub fn put(&mut self, profile: Profile) -> bool {
        if let Some(old) = self.0.iter_mut().find(|p| p.name == profile.name) {
            *old = profile;
            return true;
        }
        self.0.push(profile);
        false
    }

    /// Removes the profile called `name`.
    ///
    /// # Errors
    /// No such profile.
    pub fn remove(&mut self, name: &str) -> Result<Profile, ProfileError> {
        let found = self.get(name)?.name.clone();
        let i = self.0.iter().position(|p| p.name == found).unwrap_or_default();
        Ok(self.0.remove(i))
    }

    /// The names, comma-separated, or `none`.
    #[must_use]
    pub fn names(&self) -> String {
        if self.0.is_empty() {
            return "none".to_owned();
        }
        self.0.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_form_parses_every_option_and_round_trips() {
        let p = Profile::parse("Dino game", "up=Space:tap:0.9:300ms, duck=down ,fire=mouse-left,idle=none").unwrap();
        let up = &p.bindings["up"];
        assert_eq!(
            (up.target.clone(), up.mode, up.threshold, up.cooldown_ms),
            (Target::Key("space".into()), KeyMode::Tap, Some(0.9), 300)
        );
        assert_eq!(p.bindings["duck"], Binding::hold(Target::Key("down".into())));
        assert_eq!(p.bindings["fire"].target, Target::Mouse(MouseButton::Left));
        assert_eq!(p.bindings["idle"].target, Target::None);
        assert_eq!(p.text(), "duck=down,fire=mouse-left,idle=none,up=space:tap:0.9:300ms");
        assert_eq!(Profile::parse("Dino game", &p.text()).unwrap(), p);
    }

    #[test]
    fn bad_bindings_name_the_value() {
        let err = |t: &str| Profile::parse("p", t).unwrap_err().to_string();
        assert!(
            err("up=spacebar").starts_with("unknown key `spacebar`: expected one of a–z"),
            "{}",
            err("up=spacebar")
        );
        assert!(err("up").contains("binding `up`: no `=`"));
        assert!(err("up=a:1.5").contains("threshold 1.5: expected 0 to 1"));
        assert!(err("up=a:soon").contains("`soon`: expected hold, tap"));
        assert!(err("up=a:99999ms").contains("cooldown 99999 ms"));
        assert_eq!(err("up=a,up=b"), "class `up` is bound twice");
        assert!(Profile::parse("", "up=a").is_err());
    }

    #[test]
    fn profiles_are_found_replaced_and_removed_by_name() {
        let mut ps = Profiles::default();
        assert_eq!(ps.get("x").unwrap_err().to_string(), "no profile `x` in the project (it has: none)");
        assert!(!ps.put(Profile::pacman(KeyMode::Hold)));
        assert!(!ps.put(Profile::parse("Dino game", "up=space").unwrap()));
        assert!(ps.put(Profile::parse("Dino game", "up=space:tap").unwrap()));
        assert_eq!(ps.names(), "Pac-Man, Dino game");
        assert_eq!(ps.get("dino GAME").unwrap().bindings["up"].mode, KeyMode::Tap);
        assert_eq!(ps.remove("Pac-Man").unwrap().name, "Pac-Man");
        assert_eq!(ps.names(), "Dino game");
        let json = serde_json::to_string(&ps).unwrap();
        assert_eq!(serde_json::from_str::<Profiles>(&json).unwrap(), ps);
    }
}
