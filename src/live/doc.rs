//! The open project as the panels see it: learn's [`Project`] (examples, head, training
//! record) plus what only the app cares about — the cut's index in the loaded backbone, the
//! file it lives in, and whether it has unsaved changes.
//!
//! Changes go through the methods here (called from commands, after drawing); each bumps a
//! revision counter, and a save records the revision it wrote, so changes made while a save
//! runs on its thread still count as unsaved.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use image::RgbImage;

use crate::backbone::{Backbone, Crop};
use crate::learn::{
    Dataset, Example, FeatureSource, Featurizer, Head, Hyper, Project, TrainData, TrainReport, TrainingRecord,
};

use super::error::{LiveError, Result};
use super::feature_worker::Recorded;

/// The open project.
#[derive(Clone)]
pub struct Document {
    project: Project,
    /// Index of the project's cut in the loaded backbone.
    cut: usize,
    path: Option<PathBuf>,
    /// Counts changes; the project is unsaved while it differs from `saved_revision`.
    revision: u64,
    saved_revision: u64,
    /// Examples of bursts before this one are dropped when they arrive: they were recorded
    /// before a class was removed, and their label may name another class now.
    first_burst: u64,
}

impl Document {
    /// An empty project recording at cut `cut` of `bb`: the four directions, and the idle
    /// class `none` if `idle`.
    ///
    /// # Errors
    /// A cut the backbone does not have.
    pub fn new(bb: &Backbone, cut: usize, crop: Crop, idle: bool, hyper: Hyper) -> Result<Self> {
        let source = FeatureSource::of(bb, cut, crop)?;
        let dataset = Dataset::new(Dataset::default_classes(idle), source)?;
        Ok(Self {
            project: Project::new(dataset, hyper),
            cut,
            path: None,
            revision: 0,
            saved_revision: 0,
            first_burst: 0,
        })
    }

    /// Reads a project file. If its examples were recorded with other weights or at a cut this
    /// backbone does not have, their features are re-computed from the thumbnails (and the
    /// head dropped); a recorded cut that exists is kept.
    ///
    /// # Errors
    /// One line naming the file and what is wrong (foreign, truncated, corrupt, newer).
    pub fn load(path: &Path, bb: &Backbone) -> Result<Self> {
        let mut project = Project::load(path)?;
        let source = project.dataset.source().clone();
        let cut = bb.find_cut(&source.cut).unwrap_or_else(|_| bb.default_cut());
        // A format-1 file knows its weights only by path: it keeps its features (and head) if
        // this backbone reproduces them, and is re-featurised below if not.
        let adopted = matches!(project.adopt_weights(bb, cut), Ok(crate::learn::Adoption::Adopted { .. }));
        let (project, changed) = match project.check_backbone(bb, cut) {
            Ok(()) if adopted => (project, true),
            Ok(()) => (project, false),
            Err(_) => {
                let f = Featurizer::new(bb, cut, source.crop)?;
                let p = project
                    .refeaturize(&f, &mut |_, _| {}, &AtomicBool::new(false))
                    .map_err(|source| LiveError::Project { path: path.to_path_buf(), source })?;
                (p, true)
            }
        };
        let mut doc =
            Self { project, cut, path: Some(path.to_path_buf()), revision: 0, saved_revision: 0, first_burst: 0 };
        if changed {
            doc.revision += 1; // the re-computed features are not in the file yet
        }
        Ok(doc)
    }

    /// `project` with every example's features re-computed at `cut` from its thumbnail; the
    /// head is dropped (it read the old features).
    ///
    /// # Errors
    /// A cut the backbone does not have, or a failing forward pass.
    pub fn refeaturize(project: Project, bb: &Backbone, cut: usize) -> Result<Self> {
        let crop = project.dataset.source().crop;
        let f = Featurizer::new(bb, cut, crop)?;
        let project = project.refeaturize(&f, &mut |_, _| {}, &AtomicBool::new(false))?;
        Ok(Self { project, cut, path: None, revision: 1, saved_revision: 0, first_burst: 0 })
    }

    /// The project with this document's file and saved state, after a re-featurisation of
    /// this very document finished.
    #[must_use]
    pub fn replacing(mut self, old: &Document) -> Self {
        self.path = old.path.clone();
        self.revision = old.revision + 1;
        self.saved_revision = old.saved_revision;
        self.first_burst = old.first_burst;
        self
    }

    /// A copy to save or re-featurise on another thread (features and thumbnails are shared,
    /// not copied).
    #[must_use]
    pub fn snapshot(&self) -> Project {
        self.project.clone()
    }

    /// The examples.
    #[must_use]
    pub fn dataset(&self) -> &crate::learn::Dataset {
        &self.project.dataset
    }

    /// The key-binding profiles saved in the project.
    #[must_use]
    pub fn profiles(&self) -> &crate::learn::Profiles {
        &self.project.profiles
    }

    /// Class names, in label order.
    #[must_use]
    pub fn classes(&self) -> &[String] {
        self.project.dataset.classes()
    }

    /// One class's name ("" for an unknown index).
    #[must_use]
    pub fn class_name(&self, class: usize) -> &str {
        self.classes().get(class).map_or("", String::as_str)
    }

    /// Examples of a class.
    #[must_use]
    pub fn count(&self, class: usize) -> usize {
        self.examples().filter(|e| e.label == class).count()
    }

    fn examples(&self) -> impl DoubleEndedIterator<Item = &Example> {
        self.project.dataset.examples().iter()
    }

    /// Examples in all.
    #[must_use]
    pub fn total(&self) -> usize {
        self.project.dataset.len()
    }

    /// Every example as `(id, class, features)`, oldest first, for the feature map (the
    /// features are shared, not copied).
    #[must_use]
    pub fn map_examples(&self) -> Vec<(u64, usize, crate::learn::Features)> {
        self.examples().map(|e| (e.id, e.label, e.features.clone())).collect()
    }

    /// Ids of a class's examples, oldest first.
    #[must_use]
    pub fn ids_of(&self, class: usize) -> Vec<u64> {
        self.examples().filter(|e| e.label == class).map(|e| e.id).collect()
    }

    /// The newest example of a class.
    #[must_use]
    pub fn latest_of(&self, class: usize) -> Option<u64> {
        self.examples().rev().find(|e| e.label == class).map(|e| e.id)
    }

    /// Whether example `id` is still in the project.
    #[must_use]
    pub fn has(&self, id: u64) -> bool {
        self.project.dataset.get(id).is_some()
    }

    /// An example's thumbnail (the network's input image), decoded.
    #[must_use]
    pub fn thumbnail(&self, id: u64) -> Option<RgbImage> {
        self.project.dataset.get(id).and_then(|e| e.thumbnail.decode().ok())
    }

    /// A fresh burst id for the next press of a record button.
    pub fn new_burst(&mut self) -> u64 {
        self.project.dataset.new_burst()
    }

    /// Adds a recorded example; returns its id, or `None` when it came from another cut (an
    /// example recorded just before the cut changed is dropped on purpose).
    ///
    /// # Errors
    /// A full dataset, an unknown class.
    pub fn add(&mut self, r: Recorded) -> Result<Option<u64>> {
        if r.cut != self.cut || r.burst < self.first_burst {
            return Ok(None);
        }
        let ds = &mut self.project.dataset;
        let (id, _) = ds.next_ids();
        let recorded_ms =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        ds.push(Example {
            id,
            label: r.class,
            burst: r.burst,
            recorded_ms,
            features: r.features,
            thumbnail: r.thumbnail,
        })?;
        self.revision += 1;
        Ok(Some(id))
    }

    /// Deletes one example.
    pub fn delete(&mut self, id: u64) {
        if self.project.dataset.remove(id).is_some() {
            self.revision += 1;
        }
    }

    /// Deletes every example of a class; returns how many.
    pub fn clear_class(&mut self, class: usize) -> usize {
        let n = self.project.dataset.clear_class(class);
        if n > 0 {
            self.revision += 1;
        }
        n
    }

    /// A class's chosen colour (`None`: the default palette's).
    #[must_use]
    pub fn class_color(&self, class: usize) -> Option<[u8; 3]> {
        self.project.dataset.class_color(class)
    }

    /// Adds a class; returns its label. The head goes (see [`Project::add_class`]).
    ///
    /// # Errors
    /// A bad or taken name, too many classes (one line).
    pub fn add_class(&mut self, name: &str) -> Result<usize> {
        let label = self.project.add_class(name)?;
        self.revision += 1;
        Ok(label)
    }

    /// Renames a class; its examples keep their label, the head goes.
    ///
    /// # Errors
    /// A bad or taken name, an unknown class.
    pub fn rename_class(&mut self, class: usize, name: &str) -> Result<()> {
        let before = self.class_name(class).to_owned();
        self.project.rename_class(class, name)?;
        if before != self.class_name(class) {
            self.revision += 1;
        }
        Ok(())
    }

    /// Removes a class and its examples (returns how many); the head goes, and examples still
    /// on their way from earlier presses are dropped when they arrive (their label is stale).
    ///
    /// # Errors
    /// An unknown class, or one of the last two.
    pub fn remove_class(&mut self, class: usize) -> Result<usize> {
        let removed = self.project.remove_class(class)?;
        self.first_burst = self.project.dataset.next_ids().1;
        self.revision += 1;
        Ok(removed)
    }

    /// Chooses a class's colour (`None`: the default palette's).
    ///
    /// # Errors
    /// An unknown class.
    pub fn set_class_color(&mut self, class: usize, color: Option<[u8; 3]>) -> Result<()> {
        if self.class_color(class) != color {
            self.project.dataset.set_class_color(class, color)?;
            self.revision += 1;
        }
        Ok(())
    }

    /// The class and size of the newest press still in the project.
    #[must_use]
    pub fn last_burst(&self) -> Option<(String, usize)> {
        let b = self.project.dataset.last_burst()?;
        let of: Vec<&Example> = self.examples().filter(|e| e.burst == b).collect();
        let first = of.first()?;
        Some((self.class_name(first.label).to_owned(), of.len()))
    }

    /// Deletes the examples of the newest press; returns its class and size.
    pub fn undo_last_burst(&mut self) -> Option<(String, usize)> {
        let info = self.last_burst()?;
        self.project.dataset.undo_last_burst();
        self.revision += 1;
        Some(info)
    }

    /// The trained head.
    #[must_use]
    pub fn head(&self) -> Option<&Head> {
        self.project.head.as_ref()
    }

    /// Keeps the head of a run that steers while its validation heads still train, or the last
    /// good head of a run that diverged: a head without a record (see
    /// [`crate::learn::Project::set_ready`]).
    pub fn set_ready(&mut self, head: Head, hyper: Hyper) {
        self.project.set_ready(head, hyper);
        self.revision += 1;
    }

    /// Keeps a finished run's head, hyperparameters and measurements.
    pub fn set_trained(&mut self, head: Head, report: &TrainReport) {
        self.project.set_trained(head, report);
        self.revision += 1;
    }

    /// What the last run measured (also for a project just opened).
    #[must_use]
    pub fn training(&self) -> Option<&TrainingRecord> {
        self.project.training.as_ref()
    }

    /// The hyperparameters stored with the project.
    #[must_use]
    pub fn hyper(&self) -> &Hyper {
        &self.project.hyper
    }

    /// The crop the examples were recorded with.
    #[must_use]
    pub fn crop(&self) -> Crop {
        self.project.dataset.source().crop
    }

    /// The classes that have examples, the others (left out of training: nothing to learn
    /// them from).
    #[must_use]
    pub fn trainable_classes(&self) -> (Vec<usize>, Vec<usize>) {
        (0..self.classes().len()).partition(|&c| self.count(c) > 0)
    }

    /// The training data: every example of the classes that have any, relabelled to those
    /// classes only (an unrecorded class, like an unused idle class, does not stop training).
    ///
    /// # Errors
    /// Fewer than two classes with examples, or a class with too few (learn's message).
    pub fn train_data(&self) -> Result<TrainData> {
        let (used, unused) = self.trainable_classes();
        if used.len() < 2 {
            let names: Vec<&str> = unused.iter().map(|&c| self.class_name(c)).collect();
            return Err(LiveError::TooFewClasses { missing: names.join(", ") });
        }
        let classes: Vec<String> = used.iter().map(|&c| self.class_name(c).to_owned()).collect();
        let relabel = |l: usize| used.iter().position(|&c| c == l);
        let (mut rows, mut labels, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for e in self.examples() {
            if let Some(l) = relabel(e.label) {
                rows.push(e.features.clone());
                labels.push(l);
                ids.push(e.id);
            }
        }
        let data =
            TrainData::new(classes, self.project.dataset.source().shape, rows, labels).and_then(|d| d.with_ids(ids))?;
        data.check_trainable()?;
        Ok(data)
    }

    /// The cut (index in the loaded backbone) the features come from.
    #[must_use]
    pub fn cut(&self) -> usize {
        self.cut
    }

    /// Moves an empty project to another cut (nothing to re-compute).
    ///
    /// # Errors
    /// A cut the backbone does not have.
    pub fn set_cut_empty(&mut self, bb: &Backbone, cut: usize) -> Result<()> {
        let source = FeatureSource::of(bb, cut, self.crop())?;
        let classes = self.classes().to_vec();
        let mut dataset = Dataset::new(classes, source)?;
        dataset.set_class_colors(self.project.dataset.class_colors().to_vec())?;
        self.project = Project::new(dataset, self.project.hyper.clone());
        self.cut = cut;
        self.revision += 1;
        Ok(())
    }

    /// The file, if it has one.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Unsaved changes?
    #[must_use]
    pub fn is_dirty(&self) -> bool {
        self.revision != self.saved_revision
    }

    /// Counts changes (a save records which revision it wrote).
    #[must_use]
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The file name, or "untitled".
    #[must_use]
    pub fn title(&self) -> String {
        self.path
            .as_ref()
            .and_then(|p| p.file_name())
            .map_or_else(|| "untitled".to_owned(), |n| n.to_string_lossy().into_owned())
    }

    /// Revision `revision` was saved to `path`: that is the project's file now, and it is
    /// unsaved only if it changed since.
    pub fn saved(&mut self, path: &Path, revision: u64) {
        self.path = Some(path.to_path_buf());
        self.saved_revision = revision;
    }

    /// Forgets the file (a recovered project must be saved somewhere new) and marks it unsaved.
    pub fn forget_path(&mut self) {
        self.path = None;
        self.saved_revision = self.revision.wrapping_sub(1);
    }
}
