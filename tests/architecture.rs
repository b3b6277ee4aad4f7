//! The module boundaries of the table in `src/lib.rs`, enforced: imports point down only.
//!
//! Every file under `src/` is read as tokens (comments, strings and char literals dropped), and
//! every path it names is resolved to what it points at: `use` trees with their groups, nested
//! groups, `self` and `as`; `crate::`, `pacnet::`, `super::` (any number, against the file's
//! module path, inline `mod tests { … }` included) and `self::`; names a `use` brought in or a
//! child module declares; and paths written out in code (`crate::ui::run_app(…)`,
//! `egui::Color32::RED`). A path ends at a pacnet module or at an external crate, named in
//! `Cargo.toml`'s dependency tables. The rules below then say which modules and crates each
//! top-level module may reach.
//!
//! The reader is hand-written ([`reader`] says why).

mod reader;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use reader::{Parsed, Target, parse, resolve};

// ---------------------------------------------------------------------------------------------
// The crate

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The external crates a path may start with: every dependency table of `Cargo.toml`, and the
/// standard library's crates.
fn crate_names() -> BTreeSet<String> {
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).expect("read Cargo.toml");
    let mut names: BTreeSet<String> = ["std", "core", "alloc"].iter().map(|s| (*s).to_owned()).collect();
    let mut in_deps = false;
    for line in toml.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line.trim_end_matches(']').ends_with("dependencies");
        } else if in_deps && let Some((key, _)) = line.split_once('=') {
            let key = key.trim();
            if !key.is_empty() && !key.starts_with('#') {
                names.insert(key.replace('-', "_"));
            }
        }
    }
    assert!(names.contains("egui") && names.contains("serde"), "no dependencies read from Cargo.toml: {names:?}");
    names
}

/// Every `.rs` file under `dir`, with its module path (`src/live/mod.rs` → `["live"]`).
fn sources(dir: &Path, module: &[String], out: &mut Vec<(PathBuf, Vec<String>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        if p.is_dir() {
            sources(&p, &[module, &[stem]].concat(), out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let m = if stem == "mod" || (module.is_empty() && stem == "lib") {
                module.to_vec()
            } else {
                [module, &[stem]].concat()
            };
            out.push((p, m));
        }
    }
}

/// One use of something outside the module, for the rules.
#[derive(Debug)]
struct Reach {
    /// `src/…:line`
    at: String,
    /// The top-level module it is written in (`""` for `lib.rs`).
    from: String,
    /// The path as written.
    written: String,
    target: Target,
}

/// Every path of every library file (the binary's `main.rs` is another crate: it may only
/// call `pacnet::cli`, and is one line).
fn reaches() -> Vec<Reach> {
    let mut files = Vec::new();
    sources(&root().join("src"), &[], &mut files);
    files.retain(|(p, _)| !p.ends_with("src/main.rs"));
    assert!(files.len() > 50, "only {} sources found", files.len());
    let mut all = Parsed::default();
    let mut per_file = Vec::new();
    for (path, module) in &files {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let parsed = parse(&text, module);
        for (m, c) in &parsed.children {
            all.children.entry(m.clone()).or_default().extend(c.iter().cloned());
        }
        for (m, n) in &parsed.names {
            all.names.entry(m.clone()).or_default().extend(n.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        per_file.push((path.strip_prefix(root()).unwrap_or(path).display().to_string(), parsed.paths));
    }
    let crates = crate_names();
    let mut out = Vec::new();
    for (file, paths) in per_file {
        for p in paths {
            let target = resolve(&p.segs, &p.module, &all, &crates, 0);
            if target == Target::Local {
                continue;
            }
            let from = p.module.first().cloned().unwrap_or_default();
            let written = format!("{}{}", if p.in_use { "use " } else { "" }, p.segs.join("::"));
            out.push(Reach { at: format!("{file}:{}", p.line), from, written, target });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The rules

const GUI_AND_CLI: [&str; 5] = ["egui", "eframe", "egui_plot", "egui_kittest", "clap"];

/// The pacnet modules each top-level module may use besides itself (`sys` is open to all).
fn allowed(module: &str) -> Option<&'static [&'static str]> {
    Some(match module {
        "backbone" | "camera" | "game" | "sys" => &[],
        "learn" | "about" => &["backbone"],
        "live" => &["backbone", "camera", "learn", "game"],
        "ui" => &["about", "backbone", "camera", "game", "learn", "live"],
        // `pacnet` with no command and `pacnet app` open the window: cli reaches into `ui`,
        // through its launch API only (checked below).
        "cli" => &["about", "backbone", "camera", "game", "learn", "live", "ui"],
        _ => return None,
    })
}

/// What `cli` may use of `ui`.
const UI_LAUNCH_API: [&str; 3] = ["run_app", "AppOptions", "Tab"];

fn violations(reaches: &[Reach], check: impl Fn(&Reach) -> Option<String>) -> Vec<String> {
    reaches.iter().filter_map(|r| check(r).map(|why| format!("{}: `{}` {why}", r.at, r.written))).collect()
}

fn assert_none(what: &str, found: &[String]) {
    assert!(found.is_empty(), "{what}:\n{}", found.join("\n"));
}

#[test]
fn every_top_level_module_has_a_rule() {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).expect("read src/lib.rs");
    let parsed = parse(&lib, &[]);
    let modules = parsed.children.get(&Vec::new()).cloned().unwrap_or_default();
    assert!(modules.len() >= 9, "{modules:?}");
    for m in &modules {
        assert!(allowed(m).is_some(), "src/lib.rs declares `{m}`, which has no rule in tests/architecture.rs");
        assert!(lib.contains(&format!("[`{m}`]")), "the module table in src/lib.rs does not list `{m}`");
    }
}

#[test]
fn imports_point_down_only() {
    let reaches = reaches();
    assert!(
        reaches.iter().any(|r| r.from == "live" && r.target == Target::Pacnet(vec!["camera".into(), "Clock".into()]))
    );
    assert_none(
        "a module uses one it may not (see the table in src/lib.rs)",
        &violations(&reaches, |r| {
            let Target::Pacnet(to) = &r.target else { return None };
            let to = to.first().map_or("", String::as_str);
            let may = allowed(&r.from)?;
            (to != r.from && to != "sys" && !to.is_empty() && !may.contains(&to))
                .then(|| format!("reaches `{to}` from `{}`", r.from))
        }),
    );
}

#[test]
fn sys_uses_no_other_pacnet_module() {
    // Every module, backbone, camera and game included, may import `sys`; it imports none.
    let reaches = reaches();
    assert!(reaches.iter().any(|r| r.from == "sys"), "nothing read in src/sys");
    assert_none(
        "sys uses another pacnet module",
        &violations(&reaches, |r| match &r.target {
            Target::Pacnet(to) if r.from == "sys" && to.first().is_some_and(|m| m != "sys") => {
                Some("is outside sys".into())
            }
            _ => None,
        }),
    );
}

#[test]
fn cli_uses_only_the_launch_api_of_ui_and_ui_never_uses_cli() {
    let reaches = reaches();
    assert!(
        reaches
            .iter()
            .any(|r| r.from == "cli" && matches!(&r.target, Target::Pacnet(t) if t.first().is_some_and(|m| m == "ui")))
    );
    assert_none(
        "cli reaches into ui beyond run_app, AppOptions and Tab",
        &violations(&reaches, |r| match &r.target {
            Target::Pacnet(to) if r.from == "cli" && to.first().is_some_and(|m| m == "ui") => {
                let item = to.get(1).map_or("", String::as_str);
                (!UI_LAUNCH_API.contains(&item)).then(|| "is not ui's launch API".into())
            }
            _ => None,
        }),
    );
}

#[test]
fn nothing_below_ui_and_cli_uses_a_gui_or_cli_crate() {
    assert_none(
        "a module below ui and cli uses a GUI or CLI crate",
        &violations(&reaches(), |r| match &r.target {
            Target::Crate(c) if !matches!(r.from.as_str(), "ui" | "cli") && GUI_AND_CLI.contains(&c.as_str()) => {
                Some(format!("is `{c}`, which only ui and cli may use"))
            }
            _ => None,
        }),
    );
}

#[test]
fn the_game_uses_only_std_serde_and_thiserror() {
    // The rules run headless and deterministic in tests and in `pacnet play`; their only
    // outside crates are serde (events and positions are serialisable) and thiserror.
    let reaches = reaches();
    let used: BTreeSet<&str> = reaches
        .iter()
        .filter_map(|r| match &r.target {
            Target::Crate(c) if r.from == "game" => Some(c.as_str()),
            _ => None,
        })
        .collect();
    assert!(used.contains("serde") && used.contains("std"), "{used:?}");
    assert_none(
        "the game uses a crate besides std, serde and thiserror",
        &violations(&reaches, |r| match &r.target {
            Target::Crate(c) if r.from == "game" && !matches!(c.as_str(), "std" | "core" | "serde" | "thiserror") => {
                Some(format!("is `{c}`"))
            }
            _ => None,
        }),
    );
}

#[test]
fn ui_panels_hold_no_model_maths_and_start_no_threads() {
    // The ui may call into the lower modules but never re-implement them: no candle tensors
    // or kernels. Workers and their channels live in `live`; the UI draws and sends commands.
    assert_none(
        "ui does model maths or owns threads",
        &violations(&reaches(), |r| {
            if r.from != "ui" {
                return None;
            }
            match &r.target {
                Target::Crate(c) if c.starts_with("candle") => Some(format!("is `{c}`")),
                Target::Pacnet(to) if to.starts_with(&["backbone".into(), "kernels".into()]) => {
                    Some("is a backbone kernel".into())
                }
                _ => {
                    let w = r.written.trim_start_matches("use ");
                    (w.starts_with("std::thread") || w.starts_with("std::sync::mpsc"))
                        .then(|| "is a thread or a channel".into())
                }
            }
        }),
    );
}
