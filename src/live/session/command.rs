//! What a front end asks the session for, and how the session does it.

use std::path::PathBuf;

use crate::backbone::Crop;
use crate::camera::SourceSpec;
use crate::game::Dir;
use crate::live::{GameCmd, KeyMode};

use super::{KEYS_COUNTDOWN, LearnPage, Notice, Question, Session, Tab};

/// What waits for the answer to "save your examples first?".
#[derive(Clone, Debug, PartialEq)]
pub enum Pending {
    /// An empty project.
    New,
    /// Another project.
    Open(PathBuf),
}

/// The demo toy's movement asked for by the keys held over one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DemoNudge {
    /// Sideways and up/down, in frame widths.
    pub dx: f32,
    /// Up/down, in frame heights.
    pub dy: f32,
    /// Degrees, clockwise.
    pub tilt: f32,
    /// Size factor (1 = unchanged).
    pub zoom: f32,
    /// Back to the centre.
    pub centre: bool,
}

impl DemoNudge {
    fn apply(self, demo: &crate::camera::DemoControl) {
        if self.dx != 0.0 || self.dy != 0.0 {
            demo.nudge(self.dx, self.dy);
        }
        if self.tilt != 0.0 {
            demo.tilt(self.tilt);
        }
        if self.zoom != 1.0 && self.zoom > 0.0 {
            demo.zoom(self.zoom);
        }
        if self.centre {
            demo.reset();
        }
    }
}

/// A change asked of the session.
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Show another panel (the game runs only on the play panel).
    Tab(Tab),
    /// Show a page of the learn panel.
    LearnPage(LearnPage),
    /// Open another camera.
    Camera(SourceSpec),
    /// Reopen the current camera now (skips the retry wait).
    RetryCamera,
    /// Mirror the camera or not.
    Mirror(bool),
    /// How the frame is cropped for the network.
    Crop(Crop),
    /// Record the class held now (`None`: stop recording).
    Record(Option<usize>),
    /// Delete one example.
    DeleteExample(u64),
    /// Delete every example of a class (the front end asks first).
    ClearClass(usize),
    /// Delete the examples of the last press.
    UndoBurst,
    /// Add a class with this name (no examples yet).
    AddClass(String),
    /// Rename a class (its examples keep it).
    RenameClass {
        /// The class.
        class: usize,
        /// Its new name.
        name: String,
    },
    /// Remove a class and every example of it (the front end asks first when it has any).
    RemoveClass(usize),
    /// Choose a class's colour (`None`: the default palette's).
    ClassColor {
        /// The class.
        class: usize,
        /// Its colour, sRGB.
        color: Option<[u8; 3]>,
    },
    /// Train with the settings' hyperparameters.
    Train,
    /// Stop training.
    StopTraining,
    /// Cut the network at another point; asks first ([`Question::Cut`]) if that loses work.
    UseCut(usize),
    /// Cut the network at another point (confirmed): re-computes every example's features.
    UseCutConfirmed(usize),
    /// Show this layer on the learn panel.
    ViewLayer(usize),
    /// An order for the game.
    Game(GameCmd),
    /// Silence the game's sound, or bring it back.
    Mute(bool),
    /// The game's sound volume, 0 to 1.
    Volume(f32),
    /// The arrow key held now on the play panel (`None`: none).
    ArrowKeys(Option<Dir>),
    /// Move the demo camera's toy.
    Demo(DemoNudge),
    /// Start sending the predictions to another window as the picked profile's keys, after a
    /// countdown; the mode is how the implied "Pac-Man" profile presses its arrow keys.
    SendKeys(KeyMode),
    /// Pick the open project's key profile by name (remembered per project file).
    KeyProfile(String),
    /// Show what the picked profile would press, live, without sending anything; or stop.
    KeyTester(bool),
    /// Stop sending keys (or the countdown): the built-in game is steered again.
    StopKeys,
    /// Start an empty project; asks first ([`Question::Unsaved`]) if there is unsaved work.
    New,
    /// Open a project; asks first ([`Question::Unsaved`]) if there is unsaved work.
    Open(PathBuf),
    /// Do what was asked about, unsaved work or not.
    Proceed(Pending),
    /// Save to the project's file (asks [`Question::SaveAs`] if it has none).
    Save,
    /// Save to this file.
    SaveAs(PathBuf),
    /// Export the trained model into this new folder.
    Export {
        /// The folder to create.
        dir: PathBuf,
        /// The format.
        format: crate::learn::export::Format,
    },
    /// Switch to this backbone (as `--model` takes it), downloading it if needed; the project
    /// is kept and its features re-computed from the thumbnails.
    UseModel(String),
    /// Stop the model download in progress.
    CancelModel,
    /// Make these frames of play (from `live::history`, as the front end showed them) examples
    /// of `class`, then train again in the background.
    FixStretch {
        /// The frames, oldest first.
        frames: Vec<crate::live::history::PlayFrame>,
        /// The class they should have been (the project's class index).
        class: usize,
    },
}

impl Session {
    /// Does what `cmd` asks; returns what to show.
    pub fn apply(&mut self, cmd: Command) -> Vec<Notice> {
        let before = self.settings.clone();
        self.run_command(cmd);
        self.sync_workers(&before);
        std::mem::take(&mut self.out)
    }

    fn run_command(&mut self, cmd: Command) {
        match cmd {
            Command::Tab(t) => self.settings.tab = t,
            Command::LearnPage(p) => self.settings.learn_page = p,
            Command::Camera(spec) => {
                self.settings.camera = spec;
                self.settings.mirror = None;
            }
            Command::RetryCamera => {
                if let Some(c) = self.rt.capture() {
                    c.switch(self.settings.camera.clone());
                }
            }
            Command::Mirror(m) => self.settings.mirror = Some(m),
            Command::Crop(c) => self.settings.crop = c,
            Command::Record(held) => self.set_recording(held),
            Command::DeleteExample(id) => {
                if let Some(d) = &mut self.doc {
                    d.delete(id);
                }
            }
            Command::ClearClass(class) => {
                if let Some(d) = &mut self.doc {
                    let n = d.clear_class(class);
                    let line = format!("deleted {n} examples of `{}`", d.class_name(class));
                    self.info(line);
                }
            }
            Command::UndoBurst => {
                if let Some(d) = &mut self.doc
                    && let Some((class, n)) = d.undo_last_burst()
                {
                    self.info(format!("removed the last {n} examples of `{class}`"));
                }
            }
            Command::AddClass(name) => self.add_class(&name),
            Command::RenameClass { class, name } => self.rename_class(class, &name),
            Command::RemoveClass(class) => self.remove_class(class),
            Command::ClassColor { class, color } => self.recolor_class(class, color),
            Command::Train => self.start_training(),
            Command::StopTraining => self.rt.cancel_training(),
            Command::UseCut(cut) => {
                if self.doc.as_ref().is_some_and(|d| d.total() > 0 || d.head().is_some()) {
                    self.out.push(Notice::Ask(Question::Cut(cut)));
                } else {
                    self.change_cut(cut);
                }
            }
            Command::UseCutConfirmed(cut) => self.change_cut(cut),
            Command::ViewLayer(layer) => {
                self.settings.learn_layer =
                    self.rt.backbone().and_then(|b| b.cuts().get(layer)).map(|c| c.name.clone());
                self.settings.learn_first_channel = 0;
            }
            Command::Game(g) => self.rt.send_game(g),
            Command::ArrowKeys(keys) => self.rt.send_game(GameCmd::Keys(keys)),
            // The settings persist them; `sync_workers` tells the game thread.
            Command::Mute(m) => self.settings.muted = m,
            Command::Volume(v) => self.settings.volume = if v.is_finite() { v.clamp(0.0, 1.0) } else { 0.0 },
            Command::Demo(n) => n.apply(self.rt.demo()),
            Command::SendKeys(mode) => {
                self.settings.key_mode = mode;
                self.keys_from = Some(self.rt.clock().now() + KEYS_COUNTDOWN);
            }
            Command::KeyProfile(name) => self.pick_key_profile(&name),
            Command::KeyTester(on) => self.set_key_tester(on),
            Command::StopKeys => {
                self.keys_from = None;
                if self.rt.sending_keys().is_some() {
                    self.rt.steer_game();
                    self.info("stopped sending keys — the model steers the built-in Pac-Man again".into());
                }
            }
            Command::New => self.guard_unsaved(Pending::New),
            Command::Open(path) => self.guard_unsaved(Pending::Open(path)),
            Command::Proceed(pending) => self.run_pending(pending),
            Command::Save => match self.doc.as_ref().and_then(|d| d.path().map(PathBuf::from)) {
                Some(p) => self.save_to(p),
                None => self.out.push(Notice::Ask(Question::SaveAs)),
            },
            Command::SaveAs(path) => self.save_to(path),
            Command::Export { dir, format } => self.export(dir, format),
            Command::UseModel(spec) => self.use_model(&spec),
            Command::CancelModel => self.cancel_model(),
            Command::FixStretch { frames, class } => self.fix_stretch(frames, class),
        }
    }

    /// Runs `pending` now, or first asks what to do with unsaved examples.
    fn guard_unsaved(&mut self, pending: Pending) {
        if self.doc.as_ref().is_some_and(crate::live::Document::is_dirty) {
            self.out.push(Notice::Ask(Question::Unsaved(pending)));
        } else {
            self.run_pending(pending);
        }
    }

    fn run_pending(&mut self, pending: Pending) {
        match pending {
            Pending::New => self.new_document(),
            Pending::Open(path) => self.open(path, false),
        }
    }
}
