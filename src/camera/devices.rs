//! What each camera offers (formats, sizes, frame rates), for `pacnet cameras` and for error
//! messages that say what a camera does support.
//!
//! On Linux the nodes are asked directly through the `v4l` crate (the library nokhwa uses
//! underneath), because nokhwa can only list a camera by opening it for capture: that sets a
//! format on a camera another app may be streaming, hides the formats pacnet cannot decode, and
//! fails outright on a camera that has none it can. Querying is side-effect free, as
//! `v4l2-ctl --list-formats-ext` is. Elsewhere nokhwa's own listing is used.

use std::fmt;

use super::error::CameraError;
use super::frame::Resolution;
use super::webcam::{WireFormat, classify_io};

/// One camera and what it offers.
#[derive(Clone, Debug)]
pub struct CameraDetails {
    /// The index for `--camera` and [`SourceSpec::Webcam`](super::SourceSpec::Webcam).
    pub index: u32,
    /// The device's name (`card` on Linux); empty if it could not be asked.
    pub name: String,
    /// Where it is: `/dev/video0` on Linux, the backend's description elsewhere.
    pub path: String,
    /// Driver and bus, e.g. `uvcvideo, usb-0000:00:14.0-1`.
    pub driver: String,
    /// Whether the node delivers pictures at all (UVC cameras add a metadata-only node).
    pub captures: bool,
    /// The formats, in the order the device lists them.
    pub formats: Vec<FormatDetails>,
    /// Why it could not be asked (busy, permission denied, gone), if it could not.
    pub problem: Option<CameraError>,
}

/// One pixel format of a camera.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatDetails {
    /// The four-character code, e.g. `YUYV`, `MJPG`, `H264`.
    pub fourcc: String,
    /// The driver's description, e.g. `Motion-JPEG`.
    pub description: String,
    /// The format as pacnet decodes it; `None` if pacnet cannot.
    pub wire: Option<WireFormat>,
    /// The sizes, with their rates.
    pub sizes: Vec<SizeDetails>,
}

/// One frame size and the rates offered at it.
#[derive(Clone, Debug, PartialEq)]
pub struct SizeDetails {
    /// The size.
    pub resolution: Resolution,
    /// Frames per second, fastest first.
    pub fps: Vec<f32>,
    /// The device gave a range of sizes and this is one end of it.
    pub range_end: bool,
}

impl CameraDetails {
    /// The formats pacnet can decode.
    pub fn decodable(&self) -> impl Iterator<Item = &FormatDetails> {
        self.formats.iter().filter(|f| f.wire.is_some())
    }
}

fn fps_text(fps: &[f32]) -> String {
    let rates: Vec<String> =
        fps.iter().map(|f| if f.fract() == 0.0 { format!("{f:.0}") } else { format!("{f:.2}") }).collect();
    if rates.is_empty() { "rate not given".to_owned() } else { format!("{} fps", rates.join(", ")) }
}

impl fmt::Display for CameraDetails {
    /// Several lines, laid out like `v4l2-ctl --list-formats-ext`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.name.is_empty() { String::new() } else { format!(" ({})", self.name) };
        write!(f, "camera {}{name}: {}", self.index, self.path)?;
        if !self.driver.is_empty() {
            write!(f, ", {}", self.driver)?;
        }
        if let Some(problem) = &self.problem {
            return write!(f, "\n    cannot be used now: {problem}");
        }
        if !self.captures {
            return write!(
                f,
                "\n    not a picture source (a metadata node; cameras often have one beside the real one)"
            );
        }
        if self.formats.is_empty() {
            return write!(f, "\n    offers no picture formats");
        }
        for format in &self.formats {
            write!(f, "\n    {:<4}  {}", format.fourcc, format.description)?;
            if format.wire.is_none() {
                write!(f, " — pacnet cannot decode this format")?;
            }
            for size in &format.sizes {
                let end = if size.range_end { " (end of a range)" } else { "" };
                write!(f, "\n        {:<11} {}{end}", size.resolution.to_string(), fps_text(&size.fps))?;
            }
        }
        if self.decodable().next().is_none() {
            write!(f, "\n    pacnet can decode none of these (it reads YUYV, MJPG, NV12, RGB3 and BGR3)")?;
        }
        Ok(())
    }
}

/// The format pacnet decodes for a V4L2 four-character code (the names nokhwa accepts).
#[must_use]
pub fn wire_format_of(fourcc: &str) -> Option<WireFormat> {
    match fourcc {
        "YUYV" => Some(WireFormat::Yuyv),
        "MJPG" => Some(WireFormat::Mjpeg),
        "NV12" => Some(WireFormat::Nv12),
        "RGB3" => Some(WireFormat::Rgb),
        "BGR3" => Some(WireFormat::Bgr),
        // nokhwa's name; V4L2 itself calls grey `GREY`, which nokhwa does not take.
        "GRAY" => Some(WireFormat::Gray),
        _ => None,
    }
}

/// Every camera the system offers, with its formats, sizes and rates, in index order.
///
/// A camera that cannot be asked (busy, permission denied) is still listed, with the reason in
/// [`CameraDetails::problem`]. No cameras is an empty list, not an error.
///
/// # Errors
/// [`CameraError::Backend`] if the platform's camera service itself fails (not on Linux).
pub fn describe_cameras() -> Result<Vec<CameraDetails>, CameraError> {
    #[cfg(target_os = "linux")]
    {
        let mut nodes: Vec<(usize, String)> = v4l::context::enum_devices()
            .iter()
            .filter_map(|node| {
                let file = node.path().file_name()?.to_str()?;
                let index = file.strip_prefix("video")?.parse().ok()?;
                Some((index, node.path().display().to_string()))
            })
            .collect();
        nodes.sort();
        Ok(nodes.into_iter().map(|(index, path)| linux::describe(index, path)).collect())
    }
    #[cfg(not(target_os = "linux"))]
    {
        nokhwa_listing::describe_all()
    }
}

/// The formats camera `index` offers, by four-character code, for an error message; empty if it
/// cannot be asked.
#[must_use]
pub fn offered_fourccs(index: u32) -> Vec<String> {
    #[cfg(target_os = "linux")]
    {
        let details = linux::describe(index as usize, format!("/dev/video{index}"));
        details.formats.into_iter().map(|f| f.fourcc).collect()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = index;
        Vec::new()
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::shown_name;
    use v4l::framesize::FrameSizeEnum;
    use v4l::video::Capture;
    use v4l::{Device, FourCC};

    use super::{CameraDetails, FormatDetails, SizeDetails, classify_io, wire_format_of};
    use crate::camera::frame::Resolution;

    pub(super) fn describe(index: usize, path: String) -> CameraDetails {
        let label = format!("camera {index}");
        let mut details = CameraDetails {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            name: shown_name(&v4l::context::Node::new(&path).name().unwrap_or_default()),
            path,
            driver: String::new(),
            captures: false,
            formats: Vec::new(),
            problem: None,
        };
        // Opening is harmless: V4L2 allows any number of open handles, and only setting a format
        // or requesting buffers would disturb an app streaming from the camera.
        let device = match Device::new(index) {
            Ok(device) => device,
            Err(e) => {
                details.problem = Some(classify_io(&label, &e));
                return details;
            }
        };
        match device.query_caps() {
            Ok(caps) => {
                details.name = shown_name(&caps.card);
                details.driver = format!("{}, {}", caps.driver, caps.bus);
                details.captures = caps.capabilities.contains(v4l::capability::Flags::VIDEO_CAPTURE);
            }
            Err(e) => {
                details.problem = Some(classify_io(&label, &e));
                return details;
            }
        }
        if !details.captures {
            return details;
        }
        match device.enum_formats() {
            Ok(formats) => {
                details.formats = formats
                    .into_iter()
                    .map(|f| {
                        let fourcc =
                            f.fourcc.str().map(str::to_owned).unwrap_or_else(|_| format!("{:?}", f.fourcc.repr));
                        FormatDetails {
                            wire: wire_format_of(&fourcc),
                            fourcc,
                            description: f.description,
                            sizes: sizes(&device, f.fourcc),
                        }
                    })
                    .collect();
            }
            Err(e) => details.problem = Some(classify_io(&label, &e)),
        }
        details
    }

    fn sizes(device: &Device, fourcc: FourCC) -> Vec<SizeDetails> {
        let mut out = Vec::new();
        for size in device.enum_framesizes(fourcc).unwrap_or_default() {
            let (ends, range_end) = match size.size {
                FrameSizeEnum::Discrete(d) => (vec![Resolution::new(d.width, d.height)], false),
                FrameSizeEnum::Stepwise(s) => {
                    (vec![Resolution::new(s.min_width, s.min_height), Resolution::new(s.max_width, s.max_height)], true)
                }
            };
            for resolution in ends {
                out.push(SizeDetails { resolution, fps: rates(device, fourcc, resolution), range_end });
            }
        }
        out
    }

    fn rates(device: &Device, fourcc: FourCC, size: Resolution) -> Vec<f32> {
        use v4l::frameinterval::FrameIntervalEnum;
        let per_second = |f: v4l::Fraction| (f.numerator > 0).then(|| f.denominator as f32 / f.numerator as f32);
        let mut fps: Vec<f32> = device
            .enum_frameintervals(fourcc, size.width, size.height)
            .unwrap_or_default()
            .into_iter()
            .flat_map(|i| match i.interval {
                FrameIntervalEnum::Discrete(d) => vec![per_second(d)],
                // A range of intervals: its fastest and slowest rates.
                FrameIntervalEnum::Stepwise(s) => vec![per_second(s.min), per_second(s.max)],
            })
            .flatten()
            .collect();
        fps.sort_by(|a, b| b.total_cmp(a));
        fps.dedup();
        fps
    }
}

/// Compiled everywhere so it is type-checked on Linux too, where it is not used.
#[cfg_attr(target_os = "linux", allow(dead_code))]
mod nokhwa_listing {
    use super::shown_name;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use nokhwa::utils::{ApiBackend, CameraFormat, CameraIndex, RequestedFormat, RequestedFormatType};

    use super::{CameraDetails, FormatDetails, SizeDetails};
    use crate::camera::error::CameraError;
    use crate::camera::frame::Resolution;
    use crate::camera::webcam::{DECODABLE, Stage, WireFormat, classify};
    use crate::sys::panic_text;

    /// nokhwa lists only what it can decode, and only by opening each camera.
    pub(super) fn describe_all() -> Result<Vec<CameraDetails>, CameraError> {
        let device = "camera list".to_owned();
        let infos = catch_unwind(|| nokhwa::query(ApiBackend::Auto))
            .map_err(|p| CameraError::Backend { device: device.clone(), detail: panic_text(&*p) })?
            .map_err(|e| classify(&device, &e, Stage::Open))?;
        Ok(infos
            .into_iter()
            .enumerate()
            .map(|(position, info)| {
                let index = info.index().as_index().unwrap_or(u32::try_from(position).unwrap_or(u32::MAX));
                let mut details = CameraDetails {
                    index,
                    name: shown_name(&info.human_name()),
                    path: info.description().to_owned(),
                    driver: String::new(),
                    captures: true,
                    formats: Vec::new(),
                    problem: None,
                };
                let label = format!("camera {index}");
                let request = RequestedFormat::with_formats(RequestedFormatType::None, &DECODABLE);
                let listed = catch_unwind(AssertUnwindSafe(|| {
                    nokhwa::Camera::new(CameraIndex::Index(index), request)
                        .and_then(|mut camera| camera.compatible_camera_formats())
                }));
                match listed {
                    Ok(Ok(formats)) => details.formats = group(&formats),
                    Ok(Err(e)) => details.problem = Some(classify(&label, &e, Stage::Open)),
                    Err(p) => details.problem = Some(CameraError::Backend { device: label, detail: panic_text(&*p) }),
                }
                details
            })
            .collect())
    }

    fn group(formats: &[CameraFormat]) -> Vec<FormatDetails> {
        let mut out: Vec<FormatDetails> = Vec::new();
        for f in formats {
            let wire = WireFormat::from_nokhwa(f.format());
            let name = wire.to_string();
            if !out.iter().any(|d| d.fourcc == name) {
                out.push(FormatDetails {
                    fourcc: name.clone(),
                    description: name.clone(),
                    wire: Some(wire),
                    sizes: Vec::new(),
                });
            }
            let Some(entry) = out.iter_mut().find(|d| d.fourcc == name) else { continue };
            let resolution = Resolution::new(f.width(), f.height());
            let fps = f.frame_rate() as f32;
            match entry.sizes.iter_mut().find(|s| s.resolution == resolution) {
                Some(size) => size.fps.push(fps),
                None => entry.sizes.push(SizeDetails { resolution, fps: vec![fps], range_end: false }),
            }
        }
        for size in out.iter_mut().flat_map(|f| f.sizes.iter_mut()) {
            size.fps.sort_by(|a, b| b.total_cmp(a));
            size.fps.dedup();
        }
        out
    }
}

/// A camera's name as the driver gives it, with control characters escaped: a device can name
/// itself anything, and an escape sequence in it must not reach the terminal.
pub(crate) fn shown_name(name: &str) -> String {
    crate::sys::stdio::escape_controls(name).into_owned()
}
