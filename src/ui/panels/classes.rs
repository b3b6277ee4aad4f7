//! The Record panel's class editor: a row per class (its colour, its name to edit in place,
//! remove), and a field to add one. Renaming commits when the field loses focus (Enter, Tab or
//! a click elsewhere); removing a class that has examples asks first (the app's modal).

use egui::{RichText, Ui};

use super::super::commands::Command;
use super::example_map::doc_class_color;
use super::widgets::hint;
use crate::learn::dataset::MAX_CLASSES;
use crate::live::doc::Document;

/// The editor's view state: the names being typed.
#[derive(Debug, Default)]
pub struct ClassEditor {
    /// Per class, the name in its field (reset to the project's while the field is not edited).
    names: Vec<String>,
    /// The name typed for a new class.
    new_name: String,
}

impl ClassEditor {
    /// Draws the editor; edits go to `cmds`.
    pub fn ui(&mut self, ui: &mut Ui, doc: &Document, cmds: &mut Vec<Command>) {
        let classes = doc.classes();
        self.names.resize(classes.len(), String::new());
        egui::CollapsingHeader::new(RichText::new("Classes").strong()).default_open(true).show(ui, |ui| {
            for (i, name) in classes.iter().enumerate() {
                ui.horizontal(|ui| self.row(ui, doc, i, name, cmds));
            }
            ui.horizontal(|ui| self.add_row(ui, classes.len(), cmds));
            if classes.len() >= MAX_CLASSES {
                hint(ui, &format!("A project holds at most {MAX_CLASSES} classes."));
            }
        });
    }

    fn row(&mut self, ui: &mut Ui, doc: &Document, i: usize, name: &str, cmds: &mut Vec<Command>) {
        let shown = doc_class_color(doc, i);
        let mut color = [shown.r(), shown.g(), shown.b()];
        let picked = egui::widgets::color_picker::color_edit_button_srgb(ui, &mut color)
            .on_hover_text(format!("Colour of `{name}` (on the buttons and the feature map)"));
        if picked.changed() {
            cmds.push(Command::ClassColor { class: i, color: Some(color) });
        }
        let id = ui.make_persistent_id(("class-name", i));
        let Some(field) = self.names.get_mut(i) else { return };
        if !ui.memory(|m| m.has_focus(id)) {
            name.clone_into(field);
        }
        let edit = ui
            .add(egui::TextEdit::singleline(field).id(id).desired_width(150.0))
            .on_hover_text(format!("Name of class {}", i + 1));
        if edit.lost_focus() && field.trim() != name {
            cmds.push(Command::RenameClass { class: i, name: field.clone() });
        }
        let n = doc.count(i);
        ui.label(format!("{n}"));
        let can_remove = doc.classes().len() > 2;
        let remove = ui.add_enabled(can_remove, egui::Button::new("×").small());
        let label = format!("Remove class `{name}`");
        remove.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, can_remove, &label));
        let tip = if can_remove { label.clone() } else { "A project needs at least 2 classes".to_owned() };
        if remove.on_hover_text(tip).clicked() {
            cmds.push(Command::RemoveClass(i));
        }
    }

    fn add_row(&mut self, ui: &mut Ui, count: usize, cmds: &mut Vec<Command>) {
        let room = count < MAX_CLASSES;
        let edit = ui
            .add_enabled(
                room,
                egui::TextEdit::singleline(&mut self.new_name).hint_text("new class").desired_width(150.0),
            )
            .on_hover_text("New class name");
        let typed = !self.new_name.trim().is_empty();
        let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let clicked = ui.add_enabled(room && typed, egui::Button::new("+ Add class")).clicked();
        if room && typed && (clicked || entered) {
            cmds.push(Command::AddClass(std::mem::take(&mut self.new_name)));
        }
    }
}
