//! What panels ask for, and how the app does it after the frame is drawn: what only the
//! window has (dialogs, views, presenter mode, lesson exports) here, everything else by the
//! [`Session`](crate::live::session::Session).

use std::path::PathBuf;

use crate::backbone::Crop;
use crate::camera::SourceSpec;
use crate::game::Dir;
use crate::live::session::Command as Do;
use crate::live::{GameCmd, KeyMode};

use super::app::{PacnetApp, Tab};
use super::panels::Modal;

pub use crate::live::session::DemoNudge;

/// A change a panel asks for. Recorded while drawing, applied after it (so no panel changes
/// the project or a worker halfway through a frame).
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Show another panel.
    Tab(Tab),
    /// Open another camera.
    Camera(SourceSpec),
    /// Reopen the current camera now (skips the retry wait).
    RetryCamera,
    /// Mirror the camera or not.
    Mirror(bool),
    /// How the frame is cropped for the network.
    Crop(Crop),
    /// Delete one example.
    DeleteExample(u64),
    /// Ask, then delete every example of a class.
    ClearClass(usize),
    /// Delete every example of a class (confirmed).
    ClearClassConfirmed(usize),
    /// Delete the examples of the last press.
    UndoBurst,
    /// Add a class with this name.
    AddClass(String),
    /// Rename a class.
    RenameClass {
        /// The class.
        class: usize,
        /// Its new name.
        name: String,
    },
    /// Remove a class (asks first when it has examples).
    RemoveClass(usize),
    /// Remove a class and its examples (confirmed).
    RemoveClassConfirmed(usize),
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
    /// Ask, then cut the network at another point.
    UseCut(usize),
    /// Cut the network at another point (confirmed): re-computes every example's features.
    UseCutConfirmed(usize),
    /// Show this layer on the learn panel.
    ViewLayer(usize),
    /// An order for the game.
    Game(GameCmd),
    /// Silence the game's sound, or bring it back (M on the play panel).
    Mute(bool),
    /// The game's sound volume, 0 to 1.
    Volume(f32),
    /// The arrow key held now on the play panel (`None`: none).
    ArrowKeys(Option<Dir>),
    /// Move the demo camera's toy (held W A S D / Q E / R F keys over one frame).
    Demo(DemoNudge),
    /// Start sending the predictions to another window as the picked profile's keys, after a
    /// countdown (the mode: how the implied "Pac-Man" profile presses its arrows).
    SendKeys(KeyMode),
    /// Pick the project's key profile by name.
    KeyProfile(String),
    /// Open or close the key tester.
    KeyTester(bool),
    /// Stop sending keys (or the countdown): the built-in game is steered again.
    StopKeys,
    /// Start an empty project (asks first if there is unsaved work).
    New,
    /// Open a project (asks first if there is unsaved work).
    Open(PathBuf),
    /// Save to the project's file (or ask for one).
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
    /// Show the open or save-as dialog.
    Dialog(Modal),
    /// Finish what was pending after the unsaved-work question: save first or not.
    Resolve {
        /// Save before going on.
        save: bool,
    },
    /// Close the dialog.
    CloseModal,
    /// Drop a message from the screen.
    Dismiss(usize),
    /// Show the model picker.
    ShowModels,
    /// Show the About window.
    ShowAbout,
    /// Switch to this backbone (as `--model` takes it), downloading it if needed; the project
    /// is kept and its features re-computed from the thumbnails.
    UseModel(String),
    /// Stop the model download in progress.
    CancelModel,
    /// Show this example in the record panel's grid (a dot clicked on the feature map).
    SelectExample {
        /// Its class.
        class: usize,
        /// Its id.
        id: u64,
    },
    /// Show a page of the learn panel.
    LearnPage(crate::live::session::LearnPage),
    /// Presenter mode on or off.
    Presenter(bool),
    /// Open the gradient-descent window ("what is happening here?").
    ShowDescent,
    /// Save the per-epoch metrics of the run on screen as CSV, beside the project.
    SaveMetricsCsv,
    /// Save a chart on screen as PNG, beside the project (cut from a window screenshot).
    SaveChartPng(super::lesson::PendingShot),
    /// Open the "Fix mistakes" window over the play panel (the game pauses).
    ShowFixMistakes,
    /// Make these frames of play examples of `class`, then retrain.
    FixStretch {
        /// The frames, oldest first.
        frames: Vec<crate::live::history::PlayFrame>,
        /// The class they should have been.
        class: usize,
    },
}

impl PacnetApp {
    /// Does what `cmd` asks.
    pub(crate) fn apply(&mut self, cmd: Command) {
        let session = match cmd {
            Command::SelectExample { class, id } => {
                self.views.select_example(class, id);
                Do::Tab(Tab::Record)
            }
            Command::Presenter(on) => return self.set_presenter(on),
            Command::ShowDescent => return self.views.show_descent(),
            Command::ShowFixMistakes => {
                self.views.show_fix_mistakes();
                Do::Game(GameCmd::Paused(true))
            }
            Command::FixStretch { frames, class } => Do::FixStretch { frames, class },
            Command::SaveMetricsCsv => return self.save_metrics_csv(),
            Command::SaveChartPng(shot) => return self.request_chart_png(shot),
            Command::ClearClass(class) => {
                self.modal = Some(Modal::ConfirmClear(class));
                return;
            }
            Command::Dialog(m) => {
                self.modal = Some(m);
                return;
            }
            Command::Resolve { save } => return self.resolve(save),
            Command::CloseModal => {
                self.modal = None;
                return;
            }
            Command::Dismiss(i) => return self.notices.dismiss(i),
            Command::ShowModels => return self.views.show_models(),
            Command::ShowAbout => return self.views.show_about(),
            Command::RemoveClass(class) => {
                if self.session.document().is_some_and(|d| d.count(class) > 0) {
                    self.modal = Some(Modal::ConfirmRemoveClass(class));
                    return;
                }
                Do::RemoveClass(class)
            }
            Command::RemoveClassConfirmed(class) => {
                self.modal = None;
                Do::RemoveClass(class)
            }
            Command::ClearClassConfirmed(class) => {
                self.modal = None;
                Do::ClearClass(class)
            }
            Command::UseCutConfirmed(cut) => {
                self.modal = None;
                Do::UseCutConfirmed(cut)
            }
            Command::New | Command::Open(_) | Command::SaveAs(_) | Command::Export { .. } => {
                // A dialog that led here has done its job; the session may ask again.
                self.modal = None;
                match cmd {
                    Command::New => Do::New,
                    Command::Open(path) => Do::Open(path),
                    Command::SaveAs(path) => Do::SaveAs(path),
                    Command::Export { dir, format } => Do::Export { dir, format },
                    _ => return,
                }
            }
            Command::Tab(t) => Do::Tab(t),
            Command::LearnPage(p) => Do::LearnPage(p),
            Command::Camera(spec) => Do::Camera(spec),
            Command::RetryCamera => Do::RetryCamera,
            Command::Mirror(m) => Do::Mirror(m),
            Command::Crop(c) => Do::Crop(c),
            Command::DeleteExample(id) => Do::DeleteExample(id),
            Command::UndoBurst => Do::UndoBurst,
            Command::AddClass(name) => Do::AddClass(name),
            Command::RenameClass { class, name } => Do::RenameClass { class, name },
            Command::ClassColor { class, color } => Do::ClassColor { class, color },
            Command::Train => Do::Train,
            Command::StopTraining => Do::StopTraining,
            Command::UseCut(cut) => Do::UseCut(cut),
            Command::ViewLayer(layer) => Do::ViewLayer(layer),
            Command::Game(g) => Do::Game(g),
            Command::Mute(m) => Do::Mute(m),
            Command::Volume(v) => Do::Volume(v),
            Command::ArrowKeys(keys) => Do::ArrowKeys(keys),
            Command::Demo(n) => Do::Demo(n),
            Command::SendKeys(mode) => Do::SendKeys(mode),
            Command::KeyProfile(name) => Do::KeyProfile(name),
            Command::KeyTester(on) => Do::KeyTester(on),
            Command::StopKeys => Do::StopKeys,
            Command::Save => Do::Save,
            Command::UseModel(spec) => Do::UseModel(spec),
            Command::CancelModel => Do::CancelModel,
        };
        let notices = self.session.apply(session);
        self.show(notices);
    }

    /// The answer to "save your examples first?".
    fn resolve(&mut self, save: bool) {
        let Some(Modal::Unsaved(pending)) = self.modal.take() else { return };
        if save {
            if self.session.document().and_then(crate::live::Document::path).is_none() {
                self.modal = Some(Modal::save_as(self.session.settings()));
                self.notices.info("choose where to save, then try again".into());
                return;
            }
            // Saved from a snapshot taken now, so going on at once loses nothing.
            let notices = self.session.apply(Do::Save);
            self.show(notices);
        }
        let notices = self.session.apply(Do::Proceed(pending));
        self.show(notices);
    }

    /// Starts or stops recording when the held class changes (`held` this frame).
    pub(crate) fn set_recording(&mut self, held: Option<usize>) {
        if held != self.session.recording_class() {
            let notices = self.session.apply(Do::Record(held));
            self.show(notices);
        }
    }
}
