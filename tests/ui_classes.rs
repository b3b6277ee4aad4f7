//! Custom classes in the desktop app, driven headless like `ui.rs`: the Record panel's class
//! editor adds, renames and removes a class, its record button and digit key record into it,
//! and the Play panel says which directions Pac-Man cannot be steered to.

use egui::Key;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use pacnet::ui::{Settings, Tab};

use crate::ui::{count, harness, hold_key, hold_mouse, options, ready, run_for};
use crate::util;

fn classes(a: &crate::ui::App) -> Vec<String> {
    a.h.state().document().map(|d| d.classes().to_vec()).unwrap_or_default()
}

#[test]
fn a_class_is_added_recorded_renamed_and_removed_in_the_record_panel_and_play_names_missing_directions() {
    let dir = util::tempdir();
    // The four directions only (no idle class), so that `jump` is the fifth class.
    let mut a = harness(Settings { idle_class: false, ..Settings::default() }, options(dir.path()));
    ready(&mut a);
    assert_eq!(a.h.state().settings().tab, Tab::Record);
    assert!(a.h.query_by_label_contains("this project has no").is_none());

    // Add "jump" through the editor.
    a.h.get_by_role_and_label(Role::TextInput, "New class name").focus();
    a.h.step();
    a.h.get_by_role_and_label(Role::TextInput, "New class name").type_text("jump");
    a.h.step();
    a.h.get_by_role_and_label(Role::Button, "+ Add class").click();
    run_for(&mut a, 100);
    assert_eq!(classes(&a), ["up", "down", "left", "right", "jump"]);

    // Its record button, held, records into it; so does its digit key.
    hold_mouse(&mut a, "Record jump", 1000);
    run_for(&mut a, 300);
    let by_mouse = count(a.h.state(), "jump");
    assert!((9..=11).contains(&by_mouse), "10 a second for 1 s: {by_mouse}");
    hold_key(&mut a, Key::Num1, 600);
    run_for(&mut a, 300);
    let n = count(a.h.state(), "jump");
    assert!(n >= by_mouse + 5, "digit 1 records the first custom class: {n} after {by_mouse}");
    assert_eq!(count(a.h.state(), "up"), 0, "nothing else recorded");
    hold_key(&mut a, Key::ArrowUp, 600);
    run_for(&mut a, 300);
    let up = count(a.h.state(), "up");
    assert!(up >= 5, "{up}");

    // Rename it in its field: Enter commits, the examples stay.
    let field = a.h.get_by_role_and_label(Role::TextInput, "Name of class 5");
    field.focus();
    a.h.step();
    a.h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    a.h.get_by_role_and_label(Role::TextInput, "Name of class 5").type_text("hop");
    a.h.step();
    a.h.key_press(Key::Enter);
    run_for(&mut a, 100);
    assert_eq!(classes(&a), ["up", "down", "left", "right", "hop"]);
    assert_eq!(count(a.h.state(), "hop"), n, "renaming keeps the examples");
    assert!(a.h.query_by_label("Record hop").is_some(), "the button follows the name");

    // Removing a class with examples asks first; Cancel keeps it.
    a.h.get_by_label("Remove class `hop`").click();
    run_for(&mut a, 100);
    assert!(a.h.query_by_label(&format!("Remove class `hop` and its {n} examples?")).is_some());
    a.h.get_by_label("Cancel").click();
    run_for(&mut a, 50);
    assert_eq!(count(a.h.state(), "hop"), n, "cancel keeps it");
    a.h.get_by_label("Remove class `hop`").click();
    run_for(&mut a, 100);
    a.h.get_by_label("Remove the class").click();
    run_for(&mut a, 100);
    assert_eq!(classes(&a), ["up", "down", "left", "right"]);
    assert_eq!(count(a.h.state(), "up"), up, "the other classes keep their examples");
    assert_eq!(a.h.state().document().map(pacnet::live::Document::total), Some(up));

    // A class without examples goes at once; Play then says Pac-Man cannot turn left.
    a.h.get_by_label("Remove class `left`").click();
    run_for(&mut a, 100);
    assert_eq!(classes(&a), ["up", "down", "right"]);
    a.h.get_by_label("3  Play").click();
    run_for(&mut a, 100);
    assert!(
        a.h.query_by_label_contains("this project has no class “left”, so the model never turns that way").is_some(),
        "the Play panel names the missing direction"
    );
}
