//! A dataset's classes: the checks every list of names passes, and the edits the app offers —
//! add, rename, remove and recolour. Labels are indices into the class list, so only removing
//! moves them (later labels shift down by one); the examples of a renamed class keep their label.

use super::dataset::Dataset;
use super::error::{LearnError, Result};
use super::project::Project;

/// The most classes a class edit leaves a dataset with: a row of record buttons and a
/// confusion matrix still fit on a laptop screen. (Projects imported from more class folders
/// still open; they only cannot grow.)
pub const MAX_CLASSES: usize = 12;
/// The longest class name a class edit accepts, in characters: it must fit on a record button.
pub const MAX_CLASS_NAME: usize = 32;

/// Class names must be at least 2, non-empty, distinct, and free of control characters.
pub fn check_classes(classes: &[String]) -> Result<()> {
    if classes.len() < 2 {
        return Err(LearnError::ClassName { name: classes.join(", "), problem: "a dataset needs at least 2 classes" });
    }
    for (i, c) in classes.iter().enumerate() {
        if c.trim().is_empty() {
            return Err(LearnError::ClassName { name: c.clone(), problem: "class names cannot be empty" });
        }
        if c.chars().any(char::is_control) {
            return Err(LearnError::ClassName {
                name: c.escape_debug().to_string(),
                problem: "class names cannot contain control characters",
            });
        }
        if classes.iter().take(i).any(|o| o == c) {
            return Err(LearnError::ClassName { name: c.clone(), problem: "two classes have this name" });
        }
    }
    Ok(())
}

/// A name typed for a new or renamed class, trimmed, if it is short enough.
fn typed_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.chars().count() > MAX_CLASS_NAME {
        return Err(LearnError::ClassName { name: name.to_owned(), problem: "class names are at most 32 characters" });
    }
    Ok(name.to_owned())
}

impl Dataset {
    /// The colour chosen for a class (`None`: the default palette's, or an unknown class).
    pub fn class_color(&self, label: usize) -> Option<[u8; 3]> {
        self.colors.get(label).copied().flatten()
    }

    /// Every class's chosen colour, in label order.
    pub fn class_colors(&self) -> &[Option<[u8; 3]>] {
        &self.colors
    }

    /// Chooses a class's colour (`None`: back to the default palette).
    pub fn set_class_color(&mut self, label: usize, color: Option<[u8; 3]>) -> Result<()> {
        let known = self.classes.join(", ");
        let slot =
            self.colors.get_mut(label).ok_or_else(|| LearnError::UnknownClass { name: format!("#{label}"), known })?;
        *slot = color;
        Ok(())
    }

    /// Restores the colours read from a file: one per class, or none at all (files from before
    /// colours were kept).
    pub fn set_class_colors(&mut self, colors: Vec<Option<[u8; 3]>>) -> Result<()> {
        if colors.is_empty() {
            return Ok(());
        }
        if colors.len() != self.classes.len() {
            return Err(LearnError::Internal {
                message: format!("{} class colours for {} classes", colors.len(), self.classes.len()),
            });
        }
        self.colors = colors;
        Ok(())
    }

    /// Adds a class (no examples yet, the default colour); returns its label. At most
    /// [`MAX_CLASSES`], each name at most [`MAX_CLASS_NAME`] characters.
    pub fn add_class(&mut self, name: &str) -> Result<usize> {
        let name = typed_name(name)?;
        if self.classes.len() >= MAX_CLASSES {
            return Err(LearnError::ClassName { name, problem: "a project holds at most 12 classes" });
        }
        let mut classes = self.classes.clone();
        classes.push(name);
        check_classes(&classes)?;
        self.classes = classes;
        self.colors.push(None);
        Ok(self.classes.len() - 1)
    }

    /// Renames a class; its examples keep their label.
    pub fn rename_class(&mut self, label: usize, name: &str) -> Result<()> {
        let name = typed_name(name)?;
        let mut classes = self.classes.clone();
        let slot = classes
            .get_mut(label)
            .ok_or_else(|| LearnError::UnknownClass { name: format!("#{label}"), known: self.classes.join(", ") })?;
        *slot = name;
        check_classes(&classes)?;
        self.classes = classes;
        Ok(())
    }

    /// Removes a class and its examples (returns how many); later labels move down by one.
    pub fn remove_class(&mut self, label: usize) -> Result<usize> {
        if label >= self.classes.len() {
            return Err(LearnError::UnknownClass { name: format!("#{label}"), known: self.classes.join(", ") });
        }
        let mut classes = self.classes.clone();
        classes.remove(label);
        check_classes(&classes)?;
        let removed = self.clear_class(label);
        for e in &mut self.examples {
            if e.label > label {
                e.label -= 1;
            }
        }
        self.classes = classes;
        if label < self.colors.len() {
            self.colors.remove(label);
        }
        Ok(removed)
    }
}

impl Project {
    /// Adds a class; see [`Dataset::add_class`]. The head (trained for the old classes) and its
    /// record go: train again.
    pub fn add_class(&mut self, name: &str) -> Result<usize> {
        let label = self.dataset.add_class(name)?;
        self.drop_head();
        Ok(label)
    }

    /// Renames a class; see [`Dataset::rename_class`]. The head and its record go: they name
    /// the old classes (and a head whose classes the dataset lacks would not load again).
    pub fn rename_class(&mut self, label: usize, name: &str) -> Result<()> {
        if self.dataset.classes().get(label).is_some_and(|c| c == name.trim()) {
            return Ok(());
        }
        self.dataset.rename_class(label, name)?;
        self.drop_head();
        Ok(())
    }

    /// Removes a class and its examples (returns how many); see [`Dataset::remove_class`]. The
    /// head and its record go.
    pub fn remove_class(&mut self, label: usize) -> Result<usize> {
        let removed = self.dataset.remove_class(label)?;
        self.drop_head();
        Ok(removed)
    }

    fn drop_head(&mut self) {
        self.head = None;
        self.training = None;
    }
}
