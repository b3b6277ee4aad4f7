//! `pacnet eval --project FILE.pacnet --data DIR`: accuracy, per-class accuracy and the
//! confusion matrix of a trained project on a folder of class folders. The last line is
//! always `accuracy: 0.953` (three decimals), for scripts.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use crate::backbone::hub::MODEL_ENV;
use crate::backbone::{Backbone, ModelSource};
use crate::learn::featurize::{Featurizer, import_folder, scan_folder};
use crate::learn::{Adoption, Confusion, Head, Project};

/// Arguments of `pacnet eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The trained project (.pacnet).
    #[arg(long)]
    pub project: PathBuf,
    /// Folder with one sub-folder of images per class, named like the project's classes.
    #[arg(long)]
    pub data: PathBuf,
    /// The backbone, when it is no longer where the project was recorded (default: the
    /// project's own). Accepted if its weights are the recorded ones, wherever they are.
    #[arg(long)]
    pub model: Option<String>,
}

/// A trained project with the backbone its features come from.
pub struct Opened {
    /// The project.
    pub project: Project,
    /// Its head.
    pub head: Head,
    /// The backbone it was recorded with.
    pub backbone: Backbone,
    /// The cut index.
    pub cut: usize,
}

/// Loads a project, its head and its backbone, and checks they belong together: the backbone
/// is `model` (or `$PACNET_MODEL`) if given, else the one the project was recorded with, found
/// where it was then; either way its weights must have the recorded sha256. A project from an
/// older pacnet (format 1, no hash) is accepted when the backbone reproduces its features (see
/// [`Project::adopt_weights`]); a note on stderr says so.
pub fn open(path: &Path, model: Option<&str>) -> anyhow::Result<Opened> {
    let mut project = Project::load(path)?;
    let head = project
        .head
        .clone()
        .with_context(|| format!("{}: no trained head yet — train it first (pacnet train)", path.display()))?;
    let recorded = project.dataset.source().clone();
    let from_env = std::env::var(MODEL_ENV).is_ok_and(|v| !v.trim().is_empty());
    let backbone = if model.is_some() || from_env {
        super::load_source(&ModelSource::resolve(model)?)?
    } else {
        let context =
            || format!("{}: loading the backbone it was recorded with (pass --model if it moved)", path.display());
        let source = ModelSource::parse_from(&recorded.backbone, "recorded backbone").with_context(context)?;
        super::load_source(&source).with_context(context)?
    };
    let cut = backbone.find_cut(&recorded.cut)?;
    if let Adoption::Adopted { checked, worst_cosine } = project.adopt_weights(&backbone, cut)? {
        crate::sys::stdio::err_line(&format!(
            "pacnet: note: {} is from an older pacnet and does not record its weights' hash; {} reproduces the \
             features of {checked} of its examples (cosine ≥ {worst_cosine:.4}), so it is taken as the recorded model",
            path.display(),
            backbone.id()
        ));
    }
    project.check_backbone(&backbone, cut).with_context(|| path.display().to_string())?;
    Ok(Opened { project, head, backbone, cut })
}

/// Runs `pacnet eval`.
pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    scan_folder(&args.data)?;
    let opened = open(&args.project, args.model.as_deref())?;
    let out = &mut std::io::stdout().lock();
    let confusion = evaluate(&opened, &args.data, out)?;
    print_confusion(&confusion, out)
}

/// Featurises `data` and counts the head's answers; the folder's classes must be among the
/// head's (not all of them need to be there).
pub fn evaluate(opened: &Opened, data: &Path, out: &mut dyn Write) -> anyhow::Result<Confusion> {
    let classes = opened.head.classes();
    for (name, _) in scan_folder(data)? {
        if !classes.contains(&name) {
            anyhow::bail!(
                "{}: class folder `{name}` is not one of the project's classes ({})",
                data.join(&name).display(),
                classes.join(", ")
            );
        }
    }
    let featurizer = Featurizer::new(&opened.backbone, opened.cut, opened.project.dataset.source().crop)?;
    let bar = super::train::bar("featurising {pos}/{len} images {bar:30}");
    let import = import_folder(data, &featurizer, 1, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    if !import.skipped.is_empty() {
        let mut err = crate::sys::stdio::QuietStderr;
        writeln!(err, "pacnet: skipped {} unreadable file(s):", import.skipped.len())?;
        for s in &import.skipped {
            writeln!(err, "  {}", s.reason)?;
        }
    }
    let ds = &import.dataset;
    let all: Vec<usize> = (0..ds.len()).collect();
    let predictions = crate::learn::train::predict(&opened.head, &ds.train_data()?, &all)?;
    for p in &predictions {
        p.check_finite()?;
    }
    let mut confusion = Confusion::new(classes.to_vec());
    for (e, p) in ds.examples().iter().zip(&predictions) {
        let truth = ds.classes().get(e.label).and_then(|name| classes.iter().position(|c| c == name));
        if let Some(t) = truth {
            confusion.add(t, p.best);
        }
    }
    writeln!(
        out,
        "evaluated {} images from {} with {}",
        confusion.total(),
        data.display(),
        opened.project.dataset.source().describe()
    )?;
    Ok(confusion)
}

/// Per-class accuracy, the matrix, and the overall accuracy as the last line.
pub fn print_confusion(c: &Confusion, out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(out, "per-class accuracy:")?;
    let width = c.classes().iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for pc in c.per_class() {
        match pc.accuracy() {
            Some(a) => writeln!(out, "  {:<width$}  {a:.3} ({}/{})", pc.class, pc.correct, pc.total)?,
            None => writeln!(out, "  {:<width$}  -     (no examples)", pc.class)?,
        }
    }
    writeln!(out, "confusion matrix (rows: true class, columns: predicted):")?;
    for line in c.table().lines() {
        writeln!(out, "  {line}")?;
    }
    writeln!(out, "accuracy: {:.3}", c.accuracy().unwrap_or(0.0))?;
    Ok(())
}
