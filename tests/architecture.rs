//! The module boundaries of DEVELOPERS.md, enforced: imports point down only.

use std::path::Path;

fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(sources(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push((p.display().to_string(), std::fs::read_to_string(&p).expect("read source")));
        }
    }
    out
}

fn assert_no_imports(module: &str, forbidden: &[&str]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(module);
    let files = sources(&dir);
    assert!(!files.is_empty(), "no sources under {}", dir.display());
    for (path, text) in files {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for f in forbidden {
                assert!(!code.contains(f), "{path}:{}: `{module}` must not use `{f}`: {line}", n + 1);
            }
        }
    }
}

#[test]
fn backbone_camera_and_game_use_no_other_pacnet_module_nor_gui_or_cli() {
    let others = ["crate::ui", "crate::live", "crate::learn", "crate::cli", "egui", "eframe", "clap"];
    assert_no_imports("backbone", &[&others[..], &["crate::camera", "crate::game"]].concat());
    assert_no_imports("camera", &[&others[..], &["crate::backbone", "crate::game"]].concat());
    assert_no_imports("game", &[&others[..], &["crate::backbone", "crate::camera"]].concat());
}

#[test]
fn learn_uses_only_the_backbone() {
    assert_no_imports(
        "learn",
        &["crate::ui", "crate::live", "crate::cli", "crate::camera", "crate::game", "egui", "eframe", "clap"],
    );
}

#[test]
fn live_uses_no_gui_and_no_cli() {
    // The app and the command line both drive `live`, so it must not know either of them.
    assert_no_imports("live", &["crate::ui", "crate::cli", "egui", "eframe", "clap"]);
}

#[test]
fn ui_panels_hold_no_model_or_game_rules() {
    // The ui may call into the lower modules, but never re-implement them: no candle tensors or
    // kernels in panels.
    assert_no_imports("ui", &["candle_core", "candle_nn", "backbone::kernels"]);
}

#[test]
fn ui_starts_no_threads_and_owns_no_channels() {
    // Workers and their channels live in `live`; the UI only draws and sends commands.
    assert_no_imports("ui", &["std::thread", "thread::spawn", "mpsc"]);
}

#[test]
fn about_uses_only_the_backbone() {
    // `pacnet --version` and the About window both read it, so it sits below `ui` and `cli`.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/about.rs");
    let text = std::fs::read_to_string(&path).expect("read src/about.rs");
    for f in ["crate::ui", "crate::live", "crate::learn", "crate::cli", "crate::camera", "crate::game", "egui", "clap"]
    {
        assert!(!text.lines().any(|l| l.split("//").next().unwrap_or("").contains(f)), "about.rs uses {f}");
    }
}
