//! Where a project may be saved: the output policy of [`crate::sys::output`] for the kind
//! "pacnet project" (recognised by its signature, whatever its name). The CLI checks `--out`
//! before training; the app's Save as goes through [`Project::save`](super::Project::save).

use std::path::{Path, PathBuf};

use super::error::Result;
use super::project::MAGIC;
use crate::sys::{Kind, Output};

/// A `.pacnet` project, as the output policy knows it.
pub const PROJECT: Kind = Kind { name: "pacnet project", example: "project.pacnet", is_ours: is_project };

fn is_project(head: &[u8]) -> bool {
    head.starts_with(&MAGIC)
}

/// Checks that `path` may take a project: a new name, an empty file or an existing project;
/// not one of `inputs` (files the same run reads, e.g. the backbone's weights); a symbolic
/// link only with `force` (see [`crate::sys::output`]).
///
/// # Errors
/// [`LearnError::Output`](super::LearnError::Output) naming the path and the fix.
pub fn target(path: &Path, inputs: &[PathBuf], force: bool) -> Result<Output> {
    Ok(Output::check(path, PROJECT, inputs, force)?)
}
