//! Which profile a project steers with: the names the Play panel offers (the project's saved
//! profiles, and the implied "Pac-Man" arrows unless a saved one took that name), the one
//! picked, checked against the project's classes, and the line shown under the picker
//! (`up: space (tap) · left: a`).

use super::pad::DPAD;
use super::profile::{Binding, KeyMode, PACMAN, Profile, ProfileError, Profiles, Target};

impl Profiles {
    /// The names to pick from: the implied Pac-Man first, the saved ones in the order they
    /// were added, then the built-in gamepad D-pad (a built-in one only unless a saved
    /// profile took its name).
    #[must_use]
    pub fn choices(&self) -> Vec<String> {
        let builtin = |name: &str| self.0.iter().all(|p| p.name != name).then(|| name.to_owned());
        builtin(PACMAN).into_iter().chain(self.0.iter().map(|p| p.name.clone())).chain(builtin(DPAD)).collect()
    }

    /// The profile called `name`: a saved one, checked against `classes`, or else a built-in
    /// one (the Pac-Man arrows, the gamepad D-pad) held or tapped as `mode` says. The built-in
    /// ones are not checked: a project without a direction just never presses it, and the Play
    /// panel says so already.
    ///
    /// # Errors
    /// No such profile, or a saved profile binding a class that is not in `classes`.
    pub fn pick(&self, name: &str, mode: KeyMode, classes: &[String]) -> Result<Profile, ProfileError> {
        match self.get(name) {
            Ok(p) => p.check_classes(classes).map(|()| p.clone()),
            Err(e) => Profile::builtin(name, mode).ok_or(e),
        }
    }
}

impl Profile {
    /// Checks that every bound class is one of `classes` (ignoring case, as the keys match
    /// the steering class).
    ///
    /// # Errors
    /// The first bound class that is not there.
    pub fn check_classes(&self, classes: &[String]) -> Result<(), ProfileError> {
        let known = |c: &String| classes.iter().any(|k| k.trim().eq_ignore_ascii_case(c.trim()));
        match self.bindings.keys().find(|c| !known(c)) {
            Some(class) => Err(ProfileError::UnknownClass {
                profile: self.name.clone(),
                class: class.clone(),
                known: classes.join(", "),
            }),
            None => Ok(()),
        }
    }

    /// One line for people, in the order of `classes` (then any others by name):
    /// `up: space (tap) · left: a · idle: nothing`.
    #[must_use]
    pub fn summary(&self, classes: &[String]) -> String {
        let rank = |c: &str| classes.iter().position(|k| k.eq_ignore_ascii_case(c)).unwrap_or(usize::MAX);
        let mut items: Vec<(&String, &Binding)> = self.bindings.iter().collect();
        items.sort_by_key(|(c, _)| rank(c));
        items.iter().map(|(c, b)| format!("{c}: {}", b.describe())).collect::<Vec<_>>().join(" · ")
    }
}

impl Binding {
    /// `space`, or with what differs from a plain hold: `space (tap, threshold 0.9, 300 ms apart)`.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut extra = Vec::new();
        if self.mode == KeyMode::Tap {
            extra.push("tap".to_owned());
        }
        if let Some(t) = self.threshold {
            extra.push(format!("threshold {t}"));
        }
        if self.cooldown_ms > 0 {
            extra.push(format!("{} ms apart", self.cooldown_ms));
        }
        let target = if self.target == Target::None { "nothing".to_owned() } else { self.target.text() };
        if extra.is_empty() { target } else { format!("{target} ({})", extra.join(", ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(names: &[&str]) -> Vec<String> {
        names.iter().map(|&n| n.to_owned()).collect()
    }

    #[test]
    fn the_implied_pacman_is_offered_first_unless_a_saved_profile_takes_its_name() {
        let mut ps = Profiles::default();
        assert_eq!(ps.choices(), [PACMAN, DPAD]);
        ps.put(Profile::parse("Dino game", "up=space:tap").unwrap());
        assert_eq!(ps.choices(), [PACMAN, "Dino game", DPAD]);
        ps.put(Profile::parse(PACMAN, "up=w").unwrap());
        assert_eq!(ps.choices(), ["Dino game", PACMAN, DPAD]);
        let dirs = classes(&["up", "down", "left", "right"]);
        assert_eq!(ps.pick(PACMAN, KeyMode::Tap, &dirs).unwrap().text(), "up=w", "the saved one wins");
    }

    #[test]
    fn a_pick_is_checked_against_the_classes_and_summarised_in_their_order() {
        let mut ps = Profiles::default();
        ps.put(Profile::parse("Dino game", "up=space:tap,left=a,fire=mouse-left:tap:0.9:300ms,idle=none").unwrap());
        let have = classes(&["up", "down", "left", "right", "fire", "idle"]);
        let dino = ps.pick("dino game", KeyMode::Hold, &have).unwrap();
        assert_eq!(
            dino.summary(&have),
            "up: space (tap) · left: a · fire: mouse-left (tap, threshold 0.9, 300 ms apart) · idle: nothing"
        );
        let arrows = ps.pick(PACMAN, KeyMode::Tap, &classes(&["up", "down"])).unwrap();
        assert_eq!(arrows.summary(&have), "up: up (tap) · down: down (tap) · left: left (tap) · right: right (tap)");
        let err = ps.pick("Dino game", KeyMode::Hold, &classes(&["up", "down", "right", "fire", "idle"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "profile `Dino game` binds class `left`, which the project does not have (it has: up, down, right, fire, idle)"
        );
        assert!(matches!(ps.pick("Mario", KeyMode::Hold, &have), Err(ProfileError::NoSuchProfile { .. })));
        let pad = ps.pick(DPAD, KeyMode::Hold, &have).unwrap();
        assert_eq!(pad.summary(&have), "up: pad-up · down: pad-down · left: pad-left · right: pad-right");
    }
}
