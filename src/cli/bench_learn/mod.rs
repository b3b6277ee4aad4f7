//! `pacnet bench-learn`: how well each training recipe learns from 12 frames per class, on
//! webcam-like sets ([`fewshot`]): the demo toy and golden-photo objects at four
//! positions or four tilts, tested on more frames of the same recording and on frames after a
//! camera nudge. Every recipe sees the same frames; the table gives the mean and the worst
//! accuracy over the seeds.

pub(super) mod fewshot;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use image::RgbImage;
use rayon::prelude::*;

use crate::backbone::Crop;
use crate::learn::augment::Jitter;
use crate::learn::featurize::Featurizer;
use crate::learn::views::view_features;
use crate::learn::{Features, Hyper, Normalize, Thumbnail, TrainData};
use crate::sys::stdio::shown;
use crate::sys::{Existing, Kind, MadeDir, Output, OutputDir, OutputError, write_atomically};
use fewshot::{FewShotSet, Photo, Props, SceneKind, SetSize, Task};

/// Arguments of `pacnet bench-learn`.
#[derive(Debug, Args)]
pub struct BenchLearnArgs {
    /// Model directory or Hugging Face repo id (default: $PACNET_MODEL, else the built-in model).
    #[arg(long)]
    pub model: Option<String>,
    /// Where to cut the backbone: a timm name (`blocks.3.0`) or a Keras name
    /// (`conv_pw_11_relu`); default: the model's default cut.
    #[arg(long)]
    pub cut: Option<String>,
    /// Folder of photos to cut objects and rooms from (the golden images).
    #[arg(long, default_value = "../shared/models/golden/images")]
    pub photos: PathBuf,
    /// Seeds per scene and task (each seed: a new recording, object, room and nudges).
    #[arg(long, default_value_t = 5)]
    pub seeds: u64,
    /// First seed.
    #[arg(long, default_value_t = 0)]
    pub first_seed: u64,
    /// Scenes: `demo`, `photo` or both (comma-separated).
    #[arg(long, default_value = "demo,photo", value_delimiter = ',')]
    pub scenes: Vec<String>,
    /// Tasks: `position`, `tilt` or both (comma-separated).
    #[arg(long, default_value = "position,tilt", value_delimiter = ',')]
    pub tasks: Vec<String>,
    /// Training frames per class.
    #[arg(long, default_value_t = 12)]
    pub train: usize,
    /// Same-recording test frames per class.
    #[arg(long, default_value_t = 24)]
    pub same: usize,
    /// Nudge sessions per set.
    #[arg(long, default_value_t = 4)]
    pub nudges: usize,
    /// Test frames per class and nudge session.
    #[arg(long, default_value_t = 6)]
    pub nudged: usize,
    /// Write every set's features (and `--export-views` augmented views of each training frame)
    /// to this folder as safetensors, for prototyping recipes elsewhere.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// Augmented views per training frame in the export.
    #[arg(long, default_value_t = 16)]
    pub export_views: usize,
    /// Recipes to compare: `tfjs`, `pacnet`, or either changed by `:key=value;…` (keys: lr, bf,
    /// epochs, units, views, budget, norm, ls, and the view ranges patch, shift, scale, rot),
    /// e.g. `pacnet:views=0`.
    #[arg(long, default_value = "tfjs,pacnet", value_delimiter = ',')]
    pub recipes: Vec<String>,
    /// Save the first seed's frames as PNGs in this folder (new, or empty), to look at.
    #[arg(long)]
    pub frames: Option<PathBuf>,
    /// When --export or --frames is a symbolic link, write into the folder it points to.
    #[arg(long)]
    pub force: bool,
}

/// The most frames per class of one split (`--train`, `--same`, `--nudged`).
pub const MAX_PER_CLASS: usize = 200;
/// The most nudge sessions per set.
pub const MAX_NUDGES: usize = 16;
/// The most frames one set may render: a set's frames are in memory together (0.9 MB each at
/// 640×480), and one set is built per thread.
pub const MAX_SET_FRAMES: usize = 1200;
/// The most seeds per scene and task.
pub const MAX_SEEDS: u64 = 1000;
/// The most augmented views per training frame in `--export`.
pub const MAX_EXPORT_VIEWS: usize = 64;

/// What `--export` writes, as the output policy knows it: a safetensors file whose metadata
/// says it is ours, so a re-run replaces its own files and nothing else.
const FEATURES: Kind = Kind { name: "bench-learn features file", example: "features.safetensors", is_ours };
const MARK: (&str, &str) = ("pacnet", "bench-learn");

fn is_ours(head: &[u8]) -> bool {
    let mark = format!("\"{}\":\"{}\"", MARK.0, MARK.1);
    head.get(8) == Some(&b'{') && head.windows(mark.len()).any(|w| w == mark.as_bytes())
}

impl BenchLearnArgs {
    /// Checks every size and count flag against its limit; the error names the flag.
    fn check_sizes(&self) -> anyhow::Result<()> {
        for (flag, value) in [("--train", self.train), ("--same", self.same), ("--nudged", self.nudged)] {
            if !(1..=MAX_PER_CLASS).contains(&value) {
                anyhow::bail!("{flag} {value}: expected 1 to {MAX_PER_CLASS} frames per class");
            }
        }
        if !(1..=MAX_NUDGES).contains(&self.nudges) {
            anyhow::bail!("--nudges {}: expected 1 to {MAX_NUDGES} sessions", self.nudges);
        }
        let frames = 4 * (self.train + self.same + self.nudges * self.nudged);
        if frames > MAX_SET_FRAMES {
            anyhow::bail!(
                "--train {} --same {} --nudges {} --nudged {}: {frames} frames per set; the limit is {MAX_SET_FRAMES} \
                 (0.9 MB each, in memory together) — ask for fewer",
                self.train,
                self.same,
                self.nudges,
                self.nudged
            );
        }
        if !(1..=MAX_SEEDS).contains(&self.seeds) {
            anyhow::bail!("--seeds {}: expected 1 to {MAX_SEEDS}", self.seeds);
        }
        if self.first_seed.checked_add(self.seeds - 1).is_none() {
            anyhow::bail!(
                "--first-seed {} --seeds {}: the last seed would pass {}; give a smaller --first-seed",
                self.first_seed,
                self.seeds,
                u64::MAX
            );
        }
        if self.export_views > MAX_EXPORT_VIEWS {
            anyhow::bail!("--export-views {}: expected 0 to {MAX_EXPORT_VIEWS}", self.export_views);
        }
        Ok(())
    }
}

/// One set after the backbone.
struct FeaturisedSet {
    shape: [usize; 3],
    scene: SceneKind,
    task: Task,
    seed: u64,
    classes: Vec<String>,
    train: Vec<(usize, Features, Thumbnail)>,
    same: Vec<(usize, Features)>,
    nudged: Vec<(usize, Features)>,
}

/// Runs `pacnet bench-learn`.
pub fn run(args: &BenchLearnArgs) -> anyhow::Result<()> {
    args.check_sizes()?;
    let scenes = parse_list(&args.scenes, &SceneKind::ALL, SceneKind::name, "--scenes")?;
    let tasks = parse_list(&args.tasks, &Task::ALL, Task::name, "--tasks")?;
    let recipes = args.recipes.iter().map(|r| Recipe::parse(r)).collect::<anyhow::Result<Vec<_>>>()?;
    let mut jobs = Vec::new();
    for &scene in &scenes {
        for &task in &tasks {
            for seed in args.first_seed..=args.first_seed + (args.seeds - 1) {
                jobs.push((scene, task, seed));
            }
        }
    }
    // Every output is checked before any work: the frames' folder is new or empty, and every
    // export file is new or one of ours.
    let frames_dir = match &args.frames {
        Some(dir) => {
            OutputDir::check(dir, args.force)?;
            Some(MadeDir::create(dir)?)
        }
        None => None,
    };
    let exports = match &args.export {
        Some(dir) => {
            let made = MadeDir::create(dir)?;
            let outputs = jobs
                .iter()
                .map(|&(scene, task, seed)| {
                    let path = made.path().join(format!("{}-{}-{seed}.safetensors", scene.name(), task.name()));
                    Output::check(&path, FEATURES, &[], args.force)
                })
                .collect::<Result<Vec<_>, _>>()?;
            Some((made, outputs))
        }
        None => None,
    };
    let props = Props::new(load_photos(&args.photos)?)?;
    let backbone = super::load_backbone(args.model.as_deref())?;
    let cut = match &args.cut {
        Some(name) => backbone.find_cut(name)?,
        None => backbone.default_cut(),
    };
    let featurizer = Featurizer::new(&backbone, cut, Crop::CenterSquare)?;
    let size = SetSize { train: args.train, same: args.same, nudges: args.nudges, nudged: args.nudged };
    let out = &mut std::io::stdout().lock();
    writeln!(
        out,
        "backbone {} at {}; objects: {}",
        backbone.id(),
        featurizer.source().describe(),
        props.object_names().join(", ")
    )?;
    let started = Instant::now();
    let sets: Vec<FeaturisedSet> = jobs
        .par_iter()
        .map(|&(scene, task, seed)| -> anyhow::Result<FeaturisedSet> {
            let set = fewshot::build(scene, task, seed, size, &props)?;
            if seed == args.first_seed
                && let Some(dir) = &frames_dir
            {
                save_frames(dir.path(), scene, task, &set)?;
            }
            featurise(&featurizer, scene, task, seed, set)
        })
        .collect::<anyhow::Result<_>>()?;
    writeln!(out, "{} sets rendered and featurised in {:.1} s", sets.len(), started.elapsed().as_secs_f64())?;
    if let Some((dir, outputs)) = &exports {
        export(outputs, &featurizer, &sets, args.export_views)?;
        writeln!(out, "exported to {}", shown(dir.path()))?;
    }
    let started = Instant::now();
    let views = augment(&featurizer, &sets, &recipes)?;
    writeln!(out, "augmented views featurised in {:.1} s", started.elapsed().as_secs_f64())?;
    let mut rows = Vec::new();
    for recipe in &recipes {
        let started = Instant::now();
        let scores = sets.iter().zip(&views).map(|(s, v)| score(s, v, recipe)).collect::<anyhow::Result<Vec<_>>>()?;
        let secs = started.elapsed().as_secs_f64();
        rows.push((recipe.name.clone(), scores, secs));
        writeln!(out, "{} trained {} times in {secs:.1} s", recipe.name, sets.len())?;
    }
    writeln!(out)?;
    print_table(out, &sets, &rows)?;
    if let Some(set) = sets.first() {
        budget(out, &featurizer, set)?;
    }
    Ok(())
}

/// The time budget, measured: 4 classes × 50 examples with the default recipe, at
/// the process's thread count. The examples are `set`'s training frames, each used several
/// times under new ids (so with other views). Two numbers for what the user waits for after
/// pressing Train: cold (every augmented view computed then, as when a project is opened or
/// the recipe changed) and the usual case in the app, where each example's views were
/// computed in the background as it was recorded, so Train only trains (the head and its
/// validation head, which train one after the other: the head steers as soon as it is
/// trained, and the validation heads only measure). The background cost per recorded example
/// is printed too.
fn budget(out: &mut dyn Write, featurizer: &Featurizer<'_>, set: &FeaturisedSet) -> anyhow::Result<()> {
    const PER_CLASS: usize = 50;
    let hyper = Hyper::default();
    let mut picked = Vec::new();
    for class in 0..set.classes.len() {
        let of_class: Vec<&(usize, Features, Thumbnail)> = set.train.iter().filter(|t| t.0 == class).collect();
        picked.extend(of_class.iter().cycle().take(PER_CLASS).copied());
    }
    if picked.is_empty() {
        return Ok(());
    }
    let per_example = hyper.views_per_example(picked.len());
    let started = Instant::now();
    let views = picked
        .par_iter()
        .enumerate()
        .map(|(i, (_, _, thumb))| {
            Ok(view_features(featurizer, &thumb.decode()?, &hyper.jitter, per_example, i as u64)?)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let view_secs = started.elapsed().as_secs_f64();
    // One example's views on one thread, as the app's background thread computes them.
    let started = Instant::now();
    if let Some((_, _, thumb)) = picked.first() {
        view_features(featurizer, &thumb.decode()?, &hyper.jitter, per_example, 0)?;
    }
    let one_secs = started.elapsed().as_secs_f64();
    let data = TrainData::new(
        set.classes.clone(),
        featurizer.source().shape,
        picked.iter().map(|(_, f, _)| f.clone()).collect(),
        picked.iter().map(|(l, _, _)| *l).collect(),
    )?
    .with_views(views)?;
    let started = Instant::now();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let mut ready = None;
    crate::learn::fit(&data, &hyper, &cancel, &mut |e| {
        if matches!(e, crate::learn::TrainEvent::Ready { .. }) {
            ready = Some(started.elapsed().as_secs_f64());
        }
    })
    .map_err(|r| anyhow::anyhow!("{r}"))?;
    let fit_secs = started.elapsed().as_secs_f64();
    // What the user waits for: the head that steers. Validation finishes later, measuring.
    let head_secs = ready.unwrap_or(fit_secs);
    writeln!(
        out,
        "\nbudget: {} classes × {PER_CLASS} examples, default recipe ({per_example} views each, budget {}, {} epochs), {} threads:\n  \
         after Train, views computed while recording (the app): the head steers after {head_secs:.2} s (validation measured after {fit_secs:.2} s)\n  \
         after Train, cold (no view cached): views {view_secs:.2} s + head {head_secs:.2} s = {:.2} s (validation measured after {:.2} s)\n  \
         background while recording: {:.0} ms per recorded example",
        set.classes.len(),
        hyper.view_budget,
        hyper.epochs,
        rayon::current_num_threads(),
        view_secs + head_secs,
        view_secs + fit_secs,
        one_secs * 1000.0,
    )?;
    Ok(())
}

/// A named recipe: `tfjs` or `pacnet`, optionally changed by `:key=value;…` (keys: lr, bf,
/// epochs, units, views, budget, norm, ls, and the view ranges patch, shift, scale, rot).
struct Recipe {
    name: String,
    hyper: Hyper,
    pool: Option<Pool>,
}

impl Recipe {
    fn parse(text: &str) -> anyhow::Result<Self> {
        let (base, changes) = text.split_once(':').unwrap_or((text, ""));
        let mut hyper = super::train::recipe(base)?;
        let mut pool = None;
        for change in changes.split(';').filter(|c| !c.trim().is_empty()) {
            let (key, value) =
                change.split_once('=').with_context(|| format!("--recipes {text}: `{change}` is not key=value"))?;
            let num = || value.trim().parse::<f64>().with_context(|| format!("--recipes {text}: {key}={value}"));
            match key.trim() {
                "lr" => hyper.lr = num()?,
                "bf" => hyper.batch_fraction = num()?,
                "epochs" => hyper.epochs = num()? as usize,
                "units" => hyper.units = num()? as usize,
                "views" => hyper.views = num()? as usize,
                "budget" => hyper.view_budget = num()? as usize,
                "ls" => hyper.label_smoothing = num()?,
                "dropout" => hyper.dropout = num()?,
                "pool" => {
                    pool = Some(match value.trim() {
                        "gap" => Pool::Gap,
                        "blur" => Pool::Blur,
                        "cat" => Pool::Cat,
                        other => anyhow::bail!("--recipes {text}: pool={other}, expected gap, blur or cat"),
                    })
                }
                "patch" => hyper.jitter.patch = num()? as f32,
                "shift" => hyper.jitter.shift = num()? as f32,
                "scale" => hyper.jitter.scale = num()? as f32,
                "rot" => hyper.jitter.rotate_deg = num()? as f32,
                "norm" => {
                    hyper.normalize = match value.trim() {
                        "none" => Normalize::None,
                        "l2" => Normalize::L2,
                        other => anyhow::bail!("--recipes {text}: norm={other}, expected none or l2"),
                    }
                }
                other => anyhow::bail!("--recipes {text}: unknown key {other}"),
            }
        }
        if hyper.views > 0 && hyper.jitter == Jitter::NONE {
            hyper.jitter = Jitter::default();
        }
        // The benchmark measures on its own test frames; validation would only cost time.
        hyper.val_fraction = 0.0;
        hyper.validate().map_err(super::train::flag_error)?;
        Ok(Self { name: text.to_owned(), hyper, pool })
    }
}

/// A change of the feature definition tried in the benchmark only (`pool=…`): the app, eval,
/// predict and the export keep the flattened cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pool {
    /// Global average over the positions: `[c, 1, 1]`.
    Gap,
    /// Each position averaged with its 3 × 3 neighbourhood (those inside the map).
    Blur,
    /// The flattened map followed by its global average (× √(h·w), so both parts weigh alike).
    Cat,
}

impl Pool {
    /// The shape after pooling a `[c, h, w]` map.
    fn shape(self, [c, h, w]: [usize; 3]) -> [usize; 3] {
        match self {
            Self::Gap => [c, 1, 1],
            Self::Blur => [c, h, w],
            Self::Cat => [c * h * w + c, 1, 1],
        }
    }

    /// `f` (a `[c, h, w]` map, channel-major) pooled.
    fn apply(self, f: &Features, [c, h, w]: [usize; 3]) -> anyhow::Result<Features> {
        let x = f.to_f32();
        let hw = h * w;
        let gap: Vec<f32> = x.chunks(hw.max(1)).map(|ch| ch.iter().sum::<f32>() / hw.max(1) as f32).collect();
        let out = match self {
            Self::Gap => gap,
            Self::Cat => {
                let k = (hw as f32).sqrt();
                x.iter().copied().chain(gap.iter().map(|g| g * k)).collect()
            }
            Self::Blur => {
                let mut out = vec![0.0f32; c * hw];
                for (src, dst) in x.chunks(hw.max(1)).zip(out.chunks_mut(hw.max(1))) {
                    for (i, o) in dst.iter_mut().enumerate() {
                        let (y, xx) = (i / w, i % w);
                        let (mut sum, mut n) = (0.0, 0.0);
                        for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                            for nx in xx.saturating_sub(1)..=(xx + 1).min(w - 1) {
                                sum += src.get(ny * w + nx).copied().unwrap_or(0.0);
                                n += 1.0;
                            }
                        }
                        *o = sum / n;
                    }
                }
                out
            }
        };
        Ok(Features::from_f32(&out)?)
    }
}

/// Per set, per jitter: the views' features of every training frame (as many as the recipes
/// with that jitter ask for at most).
type SetViews = Vec<(Jitter, Vec<Vec<Features>>)>;

fn augment(featurizer: &Featurizer<'_>, sets: &[FeaturisedSet], recipes: &[Recipe]) -> anyhow::Result<Vec<SetViews>> {
    sets.iter()
        .map(|s| {
            let mut wanted: Vec<(Jitter, usize)> = Vec::new();
            for r in recipes.iter().filter(|r| r.hyper.views > 0) {
                let n = r.hyper.views_per_example(s.train.len());
                match wanted.iter_mut().find(|(j, _)| *j == r.hyper.jitter) {
                    Some((_, most)) => *most = (*most).max(n),
                    None => wanted.push((r.hyper.jitter.clone(), n)),
                }
            }
            wanted
                .iter()
                .map(|(jitter, n)| {
                    let views = s
                        .train
                        .par_iter()
                        .enumerate()
                        .map(|(i, (_, _, thumb))| {
                            Ok(view_features(featurizer, &thumb.decode()?, jitter, *n, s.seed * 1000 + i as u64)?)
                        })
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    Ok((jitter.clone(), views))
                })
                .collect()
        })
        .collect()
}

/// Same-recording and nudged accuracy of `recipe` trained on `set` (seeded by the set's seed).
fn score(set: &FeaturisedSet, views: &SetViews, recipe: &Recipe) -> anyhow::Result<[f64; 2]> {
    let hyper = Hyper { seed: set.seed, ..recipe.hyper.clone() };
    let pooled = |f: &Features| -> anyhow::Result<Features> {
        match recipe.pool {
            Some(p) => p.apply(f, set.shape),
            None => Ok(f.clone()),
        }
    };
    let pooled_rows = |rows: &[(usize, Features)]| -> anyhow::Result<Vec<(usize, Features)>> {
        rows.iter().map(|(l, f)| Ok((*l, pooled(f)?))).collect()
    };
    let mut data = TrainData::new(
        set.classes.clone(),
        recipe.pool.map_or(set.shape, |p| p.shape(set.shape)),
        set.train.iter().map(|(_, f, _)| pooled(f)).collect::<anyhow::Result<_>>()?,
        set.train.iter().map(|(l, _, _)| *l).collect(),
    )?;
    let n = hyper.views_per_example(data.len());
    if n > 0
        && let Some((_, v)) = views.iter().find(|(j, _)| *j == hyper.jitter)
    {
        let v = v.iter().map(|vs| vs.iter().take(n).map(pooled).collect()).collect::<anyhow::Result<_>>()?;
        data = data.with_views(v)?;
    }
    let (same, nudged) = (pooled_rows(&set.same)?, pooled_rows(&set.nudged)?);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let trained = crate::learn::fit(&data, &hyper, &cancel, &mut |_| {}).map_err(|r| anyhow::anyhow!("{r}"))?;
    let acc = |rows: &[(usize, Features)]| -> anyhow::Result<f64> {
        let mut right = 0;
        for (l, f) in rows {
            right += usize::from(trained.head.predict(&f.to_f32())?.best == *l);
        }
        Ok(right as f64 / rows.len().max(1) as f64)
    };
    Ok([acc(&same)?, acc(&nudged)?])
}

/// One row per recipe, one column per scene × task × split: mean / worst over the seeds.
fn print_table(
    out: &mut dyn Write,
    sets: &[FeaturisedSet],
    rows: &[(String, Vec<[f64; 2]>, f64)],
) -> anyhow::Result<()> {
    let mut groups: Vec<(SceneKind, Task)> = Vec::new();
    for s in sets {
        if !groups.contains(&(s.scene, s.task)) {
            groups.push((s.scene, s.task));
        }
    }
    let seeds = groups.first().map_or(0, |g| sets.iter().filter(|s| (s.scene, s.task) == *g).count());
    write!(out, "| recipe ({seeds} seeds: mean / worst) |")?;
    for (scene, task) in &groups {
        write!(out, " {} {} same | nudged |", scene.name(), task.name())?;
    }
    writeln!(out, " mean same | mean nudged | train s |")?;
    writeln!(out, "|---|{}---|---|---|", "---|---|".repeat(groups.len()))?;
    for (name, scores, secs) in rows {
        write!(out, "| {name} |")?;
        let (mut all_same, mut all_nudged) = (Vec::new(), Vec::new());
        for g in &groups {
            let cell: Vec<[f64; 2]> =
                sets.iter().zip(scores).filter(|(s, _)| (s.scene, s.task) == *g).map(|(_, a)| *a).collect();
            for split in 0..2 {
                let values: Vec<f64> = cell.iter().map(|a| a[split]).collect();
                let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
                let worst = values.iter().copied().fold(f64::INFINITY, f64::min);
                write!(out, " {mean:.3} / {worst:.3} |")?;
                if split == 0 { all_same.push(mean) } else { all_nudged.push(mean) }
            }
        }
        let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        writeln!(out, " {:.3} | {:.3} | {secs:.1} |", avg(&all_same), avg(&all_nudged))?;
    }
    Ok(())
}

pub(super) fn parse_list<T: Copy>(
    given: &[String],
    all: &[T],
    name: fn(T) -> &'static str,
    flag: &str,
) -> anyhow::Result<Vec<T>> {
    given
        .iter()
        .map(|g| {
            all.iter().copied().find(|&t| name(t).eq_ignore_ascii_case(g.trim())).with_context(|| {
                format!("{flag} {g}: expected {}", all.iter().map(|&t| name(t)).collect::<Vec<_>>().join(" or "))
            })
        })
        .collect()
}

/// The images of `dir` (sorted by name), with their alpha channels.
pub(super) fn load_photos(dir: &Path) -> anyhow::Result<Vec<Photo>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("--photos {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| ["jpg", "jpeg", "png"].contains(&e.to_string_lossy().as_ref())))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let image = image::open(p).with_context(|| format!("--photos: {}", p.display()))?.to_rgba8();
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Ok(Photo { name, image })
        })
        .collect()
}

fn featurise(
    featurizer: &Featurizer<'_>,
    scene: SceneKind,
    task: Task,
    seed: u64,
    set: FewShotSet,
) -> anyhow::Result<FeaturisedSet> {
    let train = set
        .train
        .par_iter()
        .map(|s| -> anyhow::Result<_> {
            let sample = featurizer.frame(&s.frame)?;
            Ok((s.label, Features::from_f32(&sample.features)?, Thumbnail::encode(&sample.input)?))
        })
        .collect::<anyhow::Result<_>>()?;
    let test = |shots: &[fewshot::Shot]| -> anyhow::Result<Vec<(usize, Features)>> {
        shots.par_iter().map(|s| Ok((s.label, Features::from_f32(&featurizer.frame(&s.frame)?.features)?))).collect()
    };
    Ok(FeaturisedSet {
        shape: featurizer.source().shape,
        scene,
        task,
        seed,
        classes: set.classes,
        train,
        same: test(&set.same)?,
        nudged: test(&set.nudged)?,
    })
}

/// Saves a set's frames as new PNG files in `dir` (never replacing a file).
fn save_frames(dir: &Path, scene: SceneKind, task: Task, set: &FewShotSet) -> anyhow::Result<()> {
    let save = |split: &str, i: usize, label: usize, img: &RgbImage| -> anyhow::Result<()> {
        let p = dir.join(format!(
            "{}-{}-{split}-{i:03}-{}.png",
            scene.name(),
            task.name(),
            set.classes.get(label).map_or("?", String::as_str)
        ));
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
        write_atomically(&p, Existing::Keep, |f| f.write_all(&png), || Ok(()), |e| e)
            .with_context(|| format!("--frames: {}", p.display()))
    };
    for (i, s) in set.train.iter().enumerate() {
        save("train", i, s.label, &s.frame)?;
    }
    for (i, s) in set.same.iter().enumerate().step_by(4) {
        save("same", i, s.label, &s.frame)?;
    }
    for (i, s) in set.nudged.iter().enumerate().step_by(2) {
        save("nudged", i, s.label, &s.frame)?;
    }
    Ok(())
}

/// One safetensors file per set: `train` [n, d] f16 with `train_labels` (u8), `views`
/// [n·k, d] (view j of example i at row i·k + j), `same`, `nudged` and their labels.
fn export(outputs: &[Output], featurizer: &Featurizer<'_>, sets: &[FeaturisedSet], views: usize) -> anyhow::Result<()> {
    use safetensors::tensor::{Dtype, TensorView};
    let jitters = [("views", Jitter::default()), ("views_bg", Jitter { patch: 0.5, ..Jitter::default() })];
    for (s, output) in sets.iter().zip(outputs) {
        let view_rows: Vec<Vec<Vec<Features>>> = jitters
            .iter()
            .map(|(_, jitter)| {
                s.train
                    .par_iter()
                    .enumerate()
                    .map(|(i, (_, _, thumb))| -> anyhow::Result<Vec<Features>> {
                        let img = thumb.decode()?;
                        jitter
                            .views(&img, views, s.seed * 1000 + i as u64)
                            .iter()
                            .map(|v| Ok(Features::from_f32(&featurizer.input(v)?)?))
                            .collect()
                    })
                    .collect::<anyhow::Result<_>>()
            })
            .collect::<anyhow::Result<_>>()?;
        let d = featurizer.source().len();
        let rows = |fs: Vec<&Features>| -> Vec<u8> {
            fs.iter().flat_map(|f| f.bits().iter().flat_map(|b| b.to_le_bytes())).collect()
        };
        let train_x = rows(s.train.iter().map(|(_, f, _)| f).collect());
        let view_x: Vec<Vec<u8>> = view_rows.iter().map(|v| rows(v.iter().flatten().collect())).collect();
        let same_x = rows(s.same.iter().map(|(_, f)| f).collect());
        let nudged_x = rows(s.nudged.iter().map(|(_, f)| f).collect());
        let labels = |ls: Vec<usize>| -> Vec<u8> { ls.iter().map(|&l| l as u8).collect() };
        let train_y = labels(s.train.iter().map(|(l, _, _)| *l).collect());
        let same_y = labels(s.same.iter().map(|(l, _)| *l).collect());
        let nudged_y = labels(s.nudged.iter().map(|(l, _)| *l).collect());
        fn f16(data: &[u8], n: usize, d: usize) -> Result<TensorView<'_>, safetensors::SafeTensorError> {
            TensorView::new(Dtype::F16, vec![n, d], data)
        }
        fn u8t(data: &[u8]) -> Result<TensorView<'_>, safetensors::SafeTensorError> {
            TensorView::new(Dtype::U8, vec![data.len()], data)
        }
        let mut tensors = vec![
            ("train", f16(&train_x, s.train.len(), d)?),
            ("train_labels", u8t(&train_y)?),
            ("same", f16(&same_x, s.same.len(), d)?),
            ("same_labels", u8t(&same_y)?),
            ("nudged", f16(&nudged_x, s.nudged.len(), d)?),
            ("nudged_labels", u8t(&nudged_y)?),
        ];
        for ((name, _), x) in jitters.iter().zip(&view_x) {
            tensors.push((name, f16(x, s.train.len() * views, d)?));
        }
        let mark = std::collections::HashMap::from([(MARK.0.to_owned(), MARK.1.to_owned())]);
        let bytes = safetensors::serialize(tensors, Some(mark))?;
        output
            .write(|f| f.write_all(&bytes).map_err(|error| OutputError::Write { path: output.path().into(), error }))?;
    }
    Ok(())
}
