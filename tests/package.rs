//! What the Debian package is made of, checked without building or installing it (cargo-deb
//! and dpkg stay in `scripts/package.sh`): `--version`, the command line the launcher uses, the
//! man pages and completions generated from the clap definitions, the launcher, the icons, and
//! `[package.metadata.deb]` against `scripts/deps.sh`.

use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser};
use pacnet::cli::{Cli, Command};

use crate::util::{self, pacnet, run};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The user-facing subcommands (not `generate`, which is hidden).
fn subcommands() -> Vec<String> {
    let names: Vec<String> =
        Cli::command().get_subcommands().filter(|c| !c.is_hide_set()).map(|c| c.get_name().to_owned()).collect();
    assert!(names.len() >= 12 && names.iter().any(|n| n == "classify"), "{names:?}");
    names
}

#[test]
fn version_names_the_commit_the_build_date_and_this_cpus_simd_level() {
    let (code, out, err) = run(pacnet().arg("--version"));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("pacnet {}", env!("CARGO_PKG_VERSION")), "{out}");
    let field = |name: &str| -> String {
        let line = lines.iter().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no `{name}` line: {out}"));
        line[name.len()..].trim().to_owned()
    };
    // The commit is git's HEAD when the tests run from a clone (CI does), "unknown" without git.
    let commit = field("commit");
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    match head {
        Some(h) => assert!(commit == h || commit == format!("{h}-dirty"), "commit {commit}, HEAD {h}"),
        None => assert_eq!(commit, "unknown"),
    }
    let date = field("built");
    let parts: Vec<u32> = date.split('-').filter_map(|p| p.parse().ok()).collect();
    assert!(
        date.len() == 10
            && parts.len() == 3
            && parts[0] >= 2025
            && (1..=12).contains(&parts[1])
            && (1..=31).contains(&parts[2]),
        "build date {date}"
    );
    // The backbone's own detection decides, and PACNET_SIMD caps it like it caps the kernels.
    assert_eq!(field("simd"), pacnet::about::simd(), "{out}");
    let (code, capped, err) = run(pacnet().arg("--version").env("PACNET_SIMD", "portable"));
    assert_eq!(code, 0, "{err}");
    assert!(capped.contains("simd     portable"), "{capped}");
    let (code, short, _) = run(pacnet().arg("-V"));
    assert_eq!(code, 0);
    assert_eq!(short.trim(), format!("pacnet {} (commit {commit}, built {date})", env!("CARGO_PKG_VERSION")));
}

#[test]
fn the_apps_flags_work_with_and_without_the_word_app() {
    let cli = Cli::try_parse_from(["pacnet", "--camera", "demo", "--tab", "play", "--offline"]).expect("parse");
    assert!(cli.command.is_none() && cli.offline);
    assert_eq!((cli.app.camera.as_deref(), cli.app.tab.as_deref()), (Some("demo"), Some("play")));
    let cli = Cli::try_parse_from(["pacnet", "app", "--camera", "demo"]).expect("parse");
    assert!(matches!(cli.command, Some(Command::App(ref a)) if a.camera.as_deref() == Some("demo")));
    // Other commands still parse, and the app's flags do not leak into them.
    assert!(matches!(
        Cli::try_parse_from(["pacnet", "--offline", "models"]),
        Ok(Cli { command: Some(Command::Models(_)), .. })
    ));
    let mixed = Cli::try_parse_from(["pacnet", "--camera", "demo", "models"]).expect("parse");
    assert!(mixed.check().is_err_and(|e| e.to_string().contains("--camera")), "the app's flag is refused");
    let (code, _, err) = run(pacnet().args(["--camera", "demo", "models"]));
    util::assert_one_line_error(code, &err, &["--camera"]);
    let (code, _, err) = run(pacnet().args(["--camera", "nowhere-at-all"]));
    util::assert_one_line_error(code, &err, &["--camera nowhere-at-all"]);
}

#[test]
fn man_pages_and_completions_cover_every_command() {
    let dir = util::tempdir();
    let (code, out, err) = run(pacnet().arg("generate").arg("man").arg(dir.path().join("man")));
    assert_eq!(code, 0, "{err}");
    let main = read(&dir.path().join("man/pacnet.1"));
    assert!(
        main.starts_with(".ie") || main.contains(".TH pacnet 1"),
        "not a man page: {}",
        &main[..200.min(main.len())]
    );
    for name in subcommands() {
        let page = dir.path().join(format!("man/pacnet-{name}.1"));
        assert!(out.contains(&page.display().to_string()), "{} not listed: {out}", page.display());
        let escaped = name.replace('-', "\\-");
        assert!(main.contains(&format!("pacnet\\-{escaped}(1)")), "pacnet.1 does not mention {name}");
        let text = read(&page);
        // clap_mangen 0.3 writes the title unescaped; older versions escaped the hyphen.
        let titled = [format!(".TH pacnet-{name} 1"), format!(".TH pacnet\\-{name} 1")];
        assert!(titled.iter().any(|t| text.contains(t.as_str())), "{}", page.display());
    }
    assert!(main.contains("XDG_DATA_HOME") && main.contains("PACNET_SIMD"), "pacnet.1 lacks FILES/ENVIRONMENT");
    assert!(!main.contains("generate"), "the hidden packaging command is not documented");

    let (code, out, err) = run(pacnet().arg("generate").arg("completions").arg(dir.path().join("c")));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");
    for file in ["pacnet.bash", "_pacnet", "pacnet.fish"] {
        let text = read(&dir.path().join("c").join(file));
        for name in subcommands() {
            assert!(text.contains(&name), "{file} lacks {name}");
        }
        for flag in ["camera", "model", "offline", "top"] {
            assert!(text.contains(flag), "{file} lacks --{flag}");
        }
    }
}

#[test]
fn the_launcher_is_valid_and_names_the_binary_and_icon() {
    let desktop = root().join("assets/pacnet.desktop");
    let text = read(&desktop);
    for line in ["Exec=pacnet", "Icon=pacnet", "Terminal=false", "StartupWMClass=pacnet"] {
        assert!(text.lines().any(|l| l == line), "{line} missing");
    }
    let cats = text.lines().find_map(|l| l.strip_prefix("Categories=")).expect("Categories");
    assert!(cats.split(';').any(|c| c == "Education") && cats.split(';').any(|c| c == "Game"), "{cats}");
    // deps.sh --test installs desktop-file-utils.
    let out =
        std::process::Command::new("desktop-file-validate").arg(&desktop).output().expect("desktop-file-validate");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && !report.contains("error:"), "{report}");
}

/// Width and height from a PNG's IHDR.
fn png_size(path: &Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20))
}

/// `[package.metadata.deb]`'s `assets` as (source, destination).
fn deb_assets(toml: &str) -> Vec<(String, String)> {
    let section = toml.split("[package.metadata.deb]").nth(1).expect("[package.metadata.deb]");
    let assets = section.split("assets = [").nth(1).expect("assets").split("\n]").next().expect("end of assets");
    assets
        .lines()
        .filter_map(|l| {
            let q: Vec<&str> = l.split('"').collect();
            (q.len() >= 5).then(|| (q[1].to_owned(), q[3].to_owned()))
        })
        .collect()
}

#[test]
fn the_package_installs_launcher_icons_docs_and_completions_and_depends_on_the_apps_libraries() {
    let toml = read(&root().join("Cargo.toml"));
    let assets = deb_assets(&toml);
    let dest = |d: &str| assets.iter().any(|(_, to)| to == d);
    for d in [
        "usr/bin/",
        "usr/share/applications/",
        "usr/share/icons/hicolor/scalable/apps/pacnet.svg",
        "usr/share/man/man1/",
        "usr/share/bash-completion/completions/pacnet",
        "usr/share/zsh/vendor-completions/",
        "usr/share/fish/vendor_completions.d/",
        "usr/lib/udev/rules.d/",
    ] {
        assert!(dest(d), "nothing installed to {d}: {assets:?}");
    }
    let mut sizes = Vec::new();
    for (from, to) in &assets {
        if from.starts_with("target/") {
            continue; // built by scripts/package.sh
        }
        assert!(root().join(from).is_file(), "{from} is missing");
        if let Some(px) = to.strip_prefix("usr/share/icons/hicolor/").and_then(|t| t.split('/').next())
            && px != "scalable"
        {
            let (w, h) = png_size(&root().join(from));
            assert_eq!(format!("{w}x{h}"), px, "{from}");
            sizes.push(w);
        }
    }
    assert_eq!(sizes, [32, 64, 128, 256]);
    // The weights' licence sits beside pacnet's in the copyright file.
    let copyright = read(&root().join("assets/debian/copyright"));
    assert!(copyright.contains("Files: models/*") && copyright.matches("License: Apache-2.0").count() >= 3);

    // The window's libraries are dlopened, so they are listed by hand: exactly deps.sh's.
    let depends = toml.lines().find_map(|l| l.strip_prefix("depends = ")).expect("depends").trim_matches('"');
    let mut listed: Vec<&str> = depends.split(',').map(str::trim).filter(|d| *d != "$auto").collect();
    let deps_sh = read(&root().join("scripts/deps.sh"));
    let app = deps_sh.lines().find_map(|l| l.strip_prefix("app=(")).expect("app=( in deps.sh").trim_end_matches(')');
    let mut wanted: Vec<&str> = app.split_whitespace().collect();
    listed.sort_unstable();
    wanted.sort_unstable();
    assert_eq!(listed, wanted);
}

#[test]
fn the_window_icon_is_the_drawn_one() {
    // Same picture as the SVG: yellow Pac-Man on the dark square, transparent corners.
    let img = image::open(root().join("assets/icons/pacnet-256.png")).expect("decode").to_rgba8();
    assert_eq!(img.get_pixel(0, 0).0[3], 0, "corner is transparent");
    assert_eq!(img.get_pixel(70, 128).0, [0xff, 0xd2, 0x1f, 0xff], "Pac-Man's body");
    assert_eq!(img.get_pixel(128, 240).0, [0x1b, 0x1f, 0x3b, 0xff], "the background square");
    assert!(read(&root().join("assets/pacnet.svg")).contains("#ffd21f"));
}
