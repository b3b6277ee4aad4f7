//! `pacnet train --data DIR --out FILE.pacnet [...]`: featurise a folder of class folders with
//! the backbone, train the head, save the project, report the validation accuracy.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use clap::Args;

use crate::backbone::{Backbone, Crop, ModelSource};
use crate::learn::featurize::{Featurizer, import_folder_within, scan_folder};
use crate::learn::train::MIN_PER_CLASS;
use crate::learn::{Hyper, LearnError, Project, StopReason, TrainEvent, Training, ViewCache};
use crate::sys::Output;

/// Arguments of `pacnet train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Folder with one sub-folder of images per class; each sub-folder's name is its class.
    #[arg(long)]
    pub data: PathBuf,
    /// The project file to write (e.g. `pacman.pacnet`); replaced atomically if it exists. Only a
    /// new name, an empty file or an existing project is accepted (see --force for links).
    #[arg(long)]
    pub out: PathBuf,
    /// The backbone (see `MODEL_LONG_HELP`).
    #[arg(long, help = super::MODEL_HELP, long_help = super::MODEL_LONG_HELP)]
    pub model: Option<String>,
    /// Where to cut the backbone: a timm name (`blocks.4.1`) or a Keras name (`conv_pw_13_relu`);
    /// default: the model's default cut.
    #[arg(long)]
    pub cut: Option<String>,
    /// The recipe the other flags change: `pacnet` (normalised features, augmented views; see
    /// the README's "Training") or `tfjs` (the TF.js demo's).
    #[arg(long, default_value = "pacnet")]
    pub recipe: String,
    /// Passes over the training examples [default: the recipe's].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Adam's learning rate [default: the recipe's].
    #[arg(long, allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// Batch size as a fraction of the training examples, in (0, 1] [default: the recipe's].
    #[arg(long, allow_negative_numbers = true)]
    pub batch_fraction: Option<f64>,
    /// Hidden units of the head [default: the recipe's].
    #[arg(long)]
    pub units: Option<usize>,
    /// Augmented views per example, 0 to 64 [default: the recipe's].
    #[arg(long)]
    pub views: Option<usize>,
    /// Seed of the initial weights, the validation split and the shuffles [default: 0].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Squeeze the whole frame instead of cropping its centre square.
    #[arg(long)]
    pub whole: bool,
    /// Memory limit of the dataset in MiB (about 45 KB per image at the default cut); checked
    /// before any image is featurised [default: 256].
    #[arg(long)]
    pub max_dataset_mb: Option<usize>,
    /// When --out is a symbolic link, write the project to the file it points to (without it,
    /// a link is refused: saving would replace the link itself).
    #[arg(long)]
    pub force: bool,
}

/// The largest `--max-dataset-mb`: a dataset lives in memory, and training adds a batch.
pub const MAX_DATASET_MB: usize = 16 << 10;

impl TrainArgs {
    /// The hyperparameters asked for, checked; a bad value's error names its flag.
    pub fn hyper(&self) -> anyhow::Result<Hyper> {
        let d = recipe(&self.recipe)?;
        let hyper = Hyper {
            lr: self.lr.unwrap_or(d.lr),
            batch_fraction: self.batch_fraction.unwrap_or(d.batch_fraction),
            epochs: self.epochs.unwrap_or(d.epochs),
            units: self.units.unwrap_or(d.units),
            seed: self.seed.unwrap_or(d.seed),
            views: self.views.unwrap_or(d.views),
            ..d
        };
        hyper.validate().map_err(flag_error)?;
        Ok(hyper)
    }

    /// The dataset's memory limit in bytes (`--max-dataset-mb`, checked).
    pub fn dataset_limit(&self) -> anyhow::Result<usize> {
        match self.max_dataset_mb {
            None => Ok(crate::learn::dataset::DEFAULT_BYTE_LIMIT),
            Some(mb) if (1..=MAX_DATASET_MB).contains(&mb) => Ok(mb << 20),
            Some(mb) => anyhow::bail!("invalid --max-dataset-mb {mb}: it must be between 1 and {MAX_DATASET_MB}"),
        }
    }
}

/// The hyperparameters of a named recipe: `pacnet` or `tfjs`.
pub fn recipe(name: &str) -> anyhow::Result<Hyper> {
    match name.trim().to_ascii_lowercase().as_str() {
        "pacnet" | "default" => Ok(Hyper::default()),
        "tfjs" | "tf.js" | "tfjs-demo" => Ok(Hyper::tfjs_demo()),
        other => anyhow::bail!("--recipe {other}: expected pacnet or tfjs"),
    }
}

/// Turns a hyperparameter error into one that names the flag.
pub fn flag_error(e: LearnError) -> anyhow::Error {
    match e {
        LearnError::Hyper { name, value, rule } => anyhow::anyhow!("invalid --{name} {value}: it must be {rule}"),
        other => other.into(),
    }
}

/// Runs `pacnet train`.
pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let hyper = args.hyper()?;
    let limit = args.dataset_limit()?;
    // Cheap checks first, so a typo or a bad --out does not wait for the model and the training.
    scan_folder(&args.data)?;
    let source = ModelSource::resolve(args.model.as_deref())?;
    let inputs = match &source {
        ModelSource::Dir(dir) => ["config.json", "model.safetensors", "labels.txt"].map(|f| dir.join(f)).to_vec(),
        _ => Vec::new(),
    };
    let target = crate::learn::save::target(&args.out, &inputs, args.force)?;
    let backbone = super::load_source(&source)?;
    let cut = match &args.cut {
        Some(name) => backbone.find_cut(name)?,
        None => backbone.default_cut(),
    };
    let crop = if args.whole { Crop::Whole } else { Crop::CenterSquare };
    // Notes on stderr never fail the run (a closed stderr is not a reason to lose the training).
    let mut err = crate::sys::stdio::QuietStderr;
    let project = train(&backbone, cut, crop, &args.data, &target, hyper, limit, &mut err)?;
    let out = &mut std::io::stdout().lock();
    report(&project, &args.out, out)
}

/// Featurises `data` into a dataset of at most `limit` bytes, trains, and saves the project to
/// `target`; progress and skipped files go to `log`.
#[allow(clippy::too_many_arguments)]
pub fn train(
    backbone: &Backbone,
    cut: usize,
    crop: Crop,
    data: &Path,
    target: &Output,
    hyper: Hyper,
    limit: usize,
    log: &mut dyn Write,
) -> anyhow::Result<Project> {
    let out = target.given();
    let featurizer = Featurizer::new(backbone, cut, crop)?;
    let featurising = bar("featurising {pos}/{len} images {bar:30}");
    let import = import_folder_within(data, &featurizer, MIN_PER_CLASS, limit, &mut |done, total| {
        featurising.set_length(total as u64);
        featurising.set_position(done as u64);
    })?;
    featurising.finish_and_clear();
    if !import.skipped.is_empty() {
        writeln!(log, "pacnet: skipped {} unreadable file(s):", import.skipped.len())?;
        for s in &import.skipped {
            writeln!(log, "  {}", s.reason)?;
        }
    }
    let mut project = Project::new(import.dataset, hyper.clone());
    let augmenting = bar("augmenting {pos}/{len} views {bar:30}");
    let mut views = ViewCache::new();
    views.fill(
        &project.dataset,
        &featurizer,
        &hyper,
        &mut |done, total| {
            augmenting.set_length(total as u64);
            augmenting.set_position(done as u64);
        },
        &AtomicBool::new(false),
    )?;
    augmenting.finish_and_clear();
    let training = Training::start(views.train_data(&project.dataset, &hyper)?, hyper.clone(), None)?;
    let epochs = bar("training {bar:30} epoch {pos}/{len} {msg}");
    epochs.set_length(hyper.epochs as u64);
    let outcome = loop {
        match training.recv() {
            Some(TrainEvent::Batch { .. } | TrainEvent::Augmenting { .. } | TrainEvent::Ready { .. }) => {}
            Some(TrainEvent::Validated { epoch, val_loss, val_acc }) => {
                epochs.set_message(format!("validating: epoch {epoch}, val loss {val_loss:.3} acc {val_acc:.3}"));
            }
            Some(TrainEvent::Epoch { epoch, train_loss, train_acc, val_loss, val_acc }) => {
                epochs.set_position(epoch as u64);
                let val = match (val_loss, val_acc) {
                    (Some(l), Some(a)) => format!(", val loss {l:.3} acc {a:.3}"),
                    _ => String::new(),
                };
                epochs.set_message(format!("loss {train_loss:.3} acc {train_acc:.3}{val}"));
            }
            Some(TrainEvent::Done { head, report }) => break Ok((head, report)),
            Some(TrainEvent::Stopped(reason)) => break Err(reason),
            None => {
                break Err(StopReason::Failed(LearnError::Internal {
                    message: "the trainer ended without a result".into(),
                }));
            }
        }
    };
    epochs.finish_and_clear();
    match outcome {
        Ok((head, report)) => {
            project.set_trained(head, &report);
            project.save_to(target)?;
            Ok(project)
        }
        Err(StopReason::NonFinite { epoch, batch, loss, lr, last_good: Some(head) }) => {
            let reason = StopReason::NonFinite { epoch, batch, loss, lr, last_good: None };
            project.head = Some(*head);
            project.save_to(target)?;
            anyhow::bail!("{reason}; the head of epoch {} was saved to {}", epoch.saturating_sub(1), out.display())
        }
        Err(reason) => {
            Err(anyhow::anyhow!("{reason}")).with_context(|| format!("nothing was written to {}", out.display()))
        }
    }
}

/// Prints what was trained; the last line is the validation accuracy.
fn report(project: &Project, out_path: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    let ds = &project.dataset;
    let counts = ds.counts();
    let per_class: Vec<String> = ds.classes().iter().zip(&counts).map(|(c, n)| format!("{c} {n}")).collect();
    writeln!(out, "examples: {} ({})", ds.len(), per_class.join(", "))?;
    writeln!(out, "features: {}", ds.source().describe())?;
    let Some(record) = &project.training else { return Ok(()) };
    if let Some(last) = record.epochs.last() {
        writeln!(
            out,
            "final epoch {}: loss {:.4}, training accuracy {:.3}",
            last.epoch, last.train_loss, last.train_acc
        )?;
    }
    writeln!(out, "saved {}", crate::sys::stdio::shown(out_path))?;
    match record.val.as_ref().and_then(|v| v.accuracy().map(|a| (v, a))) {
        Some((val, acc)) => {
            if let Some(how) = &record.validation {
                writeln!(out, "validation: {}", how.describe(ds.len()))?;
            }
            writeln!(out, "validation examples: {}", val.total())?;
            if !record.mistakes.is_empty() {
                let ids: Vec<String> = record.mistakes.iter().map(|m| m.id.to_string()).collect();
                writeln!(out, "validation mistakes (example ids): {}", ids.join(", "))?;
            }
            writeln!(out, "validation accuracy: {acc:.3}")?;
        }
        None => {
            let why = record.no_validation.as_deref().unwrap_or("no validation split");
            writeln!(out, "validation accuracy: n/a ({why})")?;
        }
    }
    Ok(())
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub fn bar(template: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}
