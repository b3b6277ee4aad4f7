//! Layout on projector-sized windows: every panel (and both Learn pages), in normal and
//! presenter mode, at 1024×768, 1280×720, 1366×768 and 1920×1080. The key widgets, found by
//! their accessible labels, must lie inside the window and must not overlap each other.
//!
//! The harness is driven like a real window: a window of W × H pixels shows W/zoom × H/zoom
//! points, so after each frame the harness is resized to the zoom the app chose (presenter
//! mode picks its own).

use egui::{Rect, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use pacnet::ui::app::LearnPage;
use pacnet::ui::{AppOptions, Command, PacnetApp, Settings, Tab};

use crate::util;

/// The window sizes of classroom projectors and a common laptop/monitor, in pixels.
const SIZES: [(f32, f32); 4] = [(1024.0, 768.0), (1280.0, 720.0), (1366.0, 768.0), (1920.0, 1080.0)];

/// A page of the app: a panel, and for Learn which page.
#[derive(Clone, Copy, Debug)]
enum Page {
    Record,
    Train,
    Play,
    Layers,
    Map,
}

const PAGES: [Page; 5] = [Page::Record, Page::Train, Page::Play, Page::Layers, Page::Map];

/// Widgets that must be on screen: (page, label alternatives, only outside presenter mode).
/// A label with alternatives ("Pause (P)" / "Resume (P)") passes if any one is present.
fn required(page: Page, presenter: bool) -> Vec<&'static [&'static str]> {
    let mut out: Vec<&'static [&'static str]> =
        vec![&["1  Record"], &["2  Train"], &["3  Play"], &["4  Learn"], &["Presenter (F11)"]];
    let page_widgets: &[(&'static [&'static str], bool)] = match page {
        Page::Record => &[
            (&["Record up"], false),
            (&["Record down"], false),
            (&["Record left"], false),
            (&["Record right"], false),
            (&["Record none"], false),
            (&["examples per second"], false),
            (&["Undo the last press"], false),
            (&["camera preview"], false),
        ],
        Page::Train => &[(&["Train"], false), (&["what is happening here? (gradient descent, step by step)"], false)],
        Page::Play => &[
            (&["the game"], false),
            (&["camera preview"], false),
            (&["direction pad"], false),
            (&["Pause (P)", "Resume (P)"], false),
            (&["New game"], false),
            (&["Sound on (M)", "Muted (M)"], false),
            (&["threshold"], true),
            (&["smoothing"], true),
            (&["Steer with the model"], true),
            (&["Steer another window…"], true),
            (&["game speed %"], true),
        ],
        Page::Layers | Page::Map => {
            &[(&["What each layer sees"], false), (&["Where your examples land (feature map)"], false)]
        }
    };
    out.extend(page_widgets.iter().filter(|(_, normal_only)| !presenter || !normal_only).map(|(l, _)| *l));
    out
}

/// Widgets checked when they are on screen (a narrow top bar may fold them into a menu).
const OPTIONAL: [&str; 3] = ["Project", "untitled", "Camera: demo camera"];

fn harness(presenter: bool, dir: &std::path::Path) -> Harness<'static, PacnetApp> {
    let settings = Settings { presenter, ..Settings::default() };
    let options = AppOptions {
        model: Some(util::v1_dir().display().to_string()),
        camera: Some(pacnet::camera::SourceSpec::Demo),
        recovery_file: Some(dir.join("recovery.pacnet")),
        tab: Some(Tab::Record),
        ..AppOptions::default()
    };
    let app = PacnetApp::new(&egui::Context::default(), settings, options);
    Harness::builder()
        .with_size(Vec2::new(1360.0, 860.0))
        .with_max_steps(8)
        .build_ui_state(|ui, app: &mut PacnetApp| app.frame(ui), app)
}

/// Shows `pixels` as a window would at the zoom the app asks for, until the zoom settles.
fn resize(h: &mut Harness<'static, PacnetApp>, pixels: Vec2) -> Rect {
    for _ in 0..6 {
        let zoom = h.ctx.zoom_factor();
        h.set_size(pixels / zoom);
        h.step();
    }
    // Two more frames: egui settles sizes (panels, wrapped rows) over a frame or two.
    h.step();
    h.step();
    Rect::from_min_size(egui::Pos2::ZERO, pixels / h.ctx.zoom_factor())
}

fn show(h: &mut Harness<'static, PacnetApp>, page: Page) {
    let (tab, learn) = match page {
        Page::Record => (Tab::Record, None),
        Page::Train => (Tab::Train, None),
        Page::Play => (Tab::Play, None),
        Page::Layers => (Tab::Learn, Some(LearnPage::Layers)),
        Page::Map => (Tab::Learn, Some(LearnPage::Map)),
    };
    h.state_mut().command(Command::Tab(tab));
    if let Some(p) = learn {
        h.state_mut().command(Command::LearnPage(p));
    }
}

/// Every problem with the layout on screen now, one line each.
fn problems(h: &Harness<'static, PacnetApp>, window: Rect, page: Page, presenter: bool) -> Vec<String> {
    let mut found: Vec<(String, Rect)> = Vec::new();
    let mut out = Vec::new();
    for alternatives in required(page, presenter) {
        let mut any = false;
        for label in alternatives {
            for node in h.query_all_by_label(label) {
                any = true;
                found.push(((*label).to_owned(), node.rect()));
            }
        }
        if !any {
            out.push(format!("{alternatives:?} is missing"));
        }
    }
    for label in OPTIONAL {
        found.extend(h.query_all_by_label(label).map(|n| (label.to_owned(), n.rect())));
    }
    // Half a point of slack: egui rounds rects to physical pixels.
    let inside = window.expand(0.5);
    for (label, r) in &found {
        if !inside.contains_rect(*r) {
            out.push(format!("{label:?} at {r:?} is not inside the window {window:?}"));
        }
        if r.width() < 4.0 || r.height() < 4.0 {
            out.push(format!("{label:?} at {r:?} is squeezed to nothing"));
        }
    }
    for (i, (a, ra)) in found.iter().enumerate() {
        for (b, rb) in &found[i + 1..] {
            let overlap = ra.intersect(*rb);
            if overlap.width() > 1.0 && overlap.height() > 1.0 {
                out.push(format!("{a:?} at {ra:?} overlaps {b:?} at {rb:?}"));
            }
        }
    }
    // The big views keep a sensible share of the window.
    let area = window.area();
    for (label, r) in &found {
        let share = r.area() / area;
        let min = match (page, label.as_str()) {
            (Page::Play, "the game") => 0.3,
            (Page::Play, "camera preview") => 0.025,
            (Page::Record, "camera preview") => 0.12,
            _ => 0.0,
        };
        if share < min {
            out.push(format!("{label:?} takes {:.0} % of the window, less than {:.0} %", share * 100.0, min * 100.0));
        }
    }
    out
}

fn check_every_page(presenter: bool) {
    let dir = util::tempdir();
    let mut h = harness(presenter, dir.path());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while h.state().document().is_none() || h.state().runtime().game().and_then(|g| g.snapshot()).is_none() {
        assert!(std::time::Instant::now() < deadline, "the model and the game did not start");
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let mut all = Vec::new();
    for (w, hh) in SIZES {
        for page in PAGES {
            show(&mut h, page);
            let window = resize(&mut h, Vec2::new(w, hh));
            let zoom = h.ctx.zoom_factor();
            for p in problems(&h, window, page, presenter) {
                all.push(format!("{w}×{hh} px, zoom {zoom}, {page:?}: {p}"));
            }
        }
    }
    assert!(all.is_empty(), "{} layout problems:\n{}", all.len(), all.join("\n"));
}

#[test]
fn every_panel_fits_projector_windows_in_normal_mode() {
    check_every_page(false);
}

#[test]
fn every_panel_fits_projector_windows_in_presenter_mode() {
    check_every_page(true);
}
