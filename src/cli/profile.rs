//! `pacnet profile`: the key-binding profiles saved in a project — list them, save one (new, or
//! replacing one of the same name) from the `--bind` text form, or remove one. The project is
//! saved atomically; nothing else in it changes.

use std::path::PathBuf;

use clap::Args;

use crate::learn::{Profile, Project};

/// Arguments of `pacnet profile`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["list", "bind", "remove"])))]
pub struct ProfileArgs {
    /// The project (.pacnet).
    #[arg(long)]
    pub project: PathBuf,
    /// Print every profile, one a line: `name<TAB>bindings`.
    #[arg(long)]
    pub list: bool,
    /// Save a profile with these bindings (the `pacnet steer --bind` form, e.g.
    /// `jump=space:tap,duck=down,fire=mouse-left:tap:0.9:300ms`); needs --name.
    #[arg(long, value_name = "BINDINGS", requires = "name")]
    pub bind: Option<String>,
    /// The profile's name, for --bind (a profile of the same name is replaced).
    #[arg(long)]
    pub name: Option<String>,
    /// Remove the profile of this name.
    #[arg(long, value_name = "NAME")]
    pub remove: Option<String>,
}

/// Runs `pacnet profile`.
pub fn run(args: &ProfileArgs) -> anyhow::Result<()> {
    let mut project = Project::load(&args.project)?;
    if args.list {
        if project.profiles.0.is_empty() {
            let implied = Profile::pacman(crate::learn::KeyMode::Hold);
            println!("{} (implied: the project has no profile)\t{}", implied.name, implied.text());
        }
        for p in &project.profiles.0 {
            println!("{}\t{}", crate::sys::stdio::escape_controls(&p.name), p.text());
        }
        return Ok(());
    }
    if let Some(name) = &args.remove {
        let gone = project.profiles.remove(name)?;
        project.save(&args.project)?;
        crate::sys::stdio::err_line(&format!(
            "pacnet: removed profile `{}` from {}",
            gone.name,
            args.project.display()
        ));
        return Ok(());
    }
    let (Some(text), Some(name)) = (&args.bind, &args.name) else {
        anyhow::bail!("--bind needs --name");
    };
    let profile = Profile::parse(name, text)?;
    let classes = project.dataset.classes();
    if let Some(stray) = profile.bindings.keys().find(|c| !classes.iter().any(|k| k.eq_ignore_ascii_case(c))) {
        anyhow::bail!("--bind: class `{stray}` is not one of the project's classes [{}]", classes.join(", "));
    }
    let line = format!("{}\t{}", profile.name, profile.text());
    let replaced = project.profiles.put(profile);
    project.save(&args.project)?;
    crate::sys::stdio::err_line(&format!(
        "pacnet: {} profile in {}: {}",
        if replaced { "replaced the" } else { "saved the" },
        args.project.display(),
        crate::sys::stdio::escape_controls(&line)
    ));
    Ok(())
}
