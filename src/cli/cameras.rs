//! `pacnet cameras`: every camera with its formats, sizes and frame rates, like
//! `v4l2-ctl --list-formats-ext`, and plainly when there are none or one cannot be used.

use std::io::Write;

use clap::Args;

use crate::camera::{CameraError, describe_cameras};

/// Arguments of `pacnet cameras` (none yet).
#[derive(Debug, Args)]
pub struct CamerasArgs {}

/// Runs `pacnet cameras`.
pub fn run(_args: &CamerasArgs) -> anyhow::Result<()> {
    let cameras = describe_cameras()?;
    let mut out = std::io::stdout().lock();
    if cameras.is_empty() {
        let looked = if cfg!(target_os = "linux") { " (no /dev/video* device)" } else { "" };
        writeln!(out, "No cameras found{looked}. Plug one in, or use the demo camera: pacnet --camera demo")?;
        return Ok(());
    }
    for camera in &cameras {
        writeln!(out, "{camera}")?;
    }
    let usable: Vec<u32> =
        cameras.iter().filter(|c| c.problem.is_none() && c.decodable().next().is_some()).map(|c| c.index).collect();
    let denied = cameras.iter().any(|c| matches!(c.problem, Some(CameraError::PermissionDenied { .. })));
    match usable.first() {
        Some(first) => {
            writeln!(out, "\nUse one with: pacnet --camera {first}   or   pacnet record --camera {first} …")?
        }
        None if denied => writeln!(
            out,
            "\nNo camera can be used: access is denied (on Linux, add yourself to the `video` group and log in again)."
        )?,
        None => writeln!(out, "\nNo camera can be used now; the demo camera always works: pacnet --camera demo")?,
    }
    Ok(())
}
