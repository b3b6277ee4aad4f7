//! `pacnet predict --project FILE.pacnet IMAGE...`: the trained head's class and confidences
//! for each image.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::learn::Featurizer;

/// Arguments of `pacnet predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The trained project (.pacnet).
    #[arg(long)]
    pub project: PathBuf,
    /// Image files (JPEG, PNG, BMP, WebP).
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// The backbone, when it is no longer where the project was recorded (default: the
    /// project's own). Accepted if its weights are the recorded ones, wherever they are.
    #[arg(long)]
    pub model: Option<String>,
}

/// Runs `pacnet predict`: one line per image, `path: class (confidence)`, then every class's
/// probability. Stops at the first unreadable image.
pub fn run(args: &PredictArgs) -> anyhow::Result<()> {
    let opened = super::eval::open(&args.project, args.model.as_deref())?;
    let featurizer = Featurizer::new(&opened.backbone, opened.cut, opened.project.dataset.source().crop)?;
    let out = &mut std::io::stdout().lock();
    let classes = opened.head.classes();
    for path in &args.images {
        let img = crate::backbone::load_image(path)?;
        let p = opened.head.predict(&featurizer.frame(&img)?.features)?;
        let best = classes.get(p.best).map_or("?", String::as_str);
        let all: Vec<String> = classes.iter().zip(&p.probs).map(|(c, q)| format!("{c} {q:.3}")).collect();
        let name = crate::sys::stdio::shown(path);
        writeln!(out, "{name}: {best} ({:.3})  [{}]", p.confidence(), all.join(", "))?;
    }
    Ok(())
}
