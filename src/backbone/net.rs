//! The whole MobileNet: stem, blocks, head and classifier, the named cut points between them,
//! and a forward pass that runs one image on reusable buffers and can stop at any cut.
//!
//! The forward pass keeps activations in the blocked layout of
//! [`kernels::blocked`] and converts to CHW only the cuts a caller asks for. With more than
//! one thread, each layer is cut into parts (channel blocks × rows) that the threads of the
//! workspace's [`Team`] claim; the team's helpers spin between layers, so a layer costs one
//! handshake instead of a thread wake-up (see `kernels/team.rs`).

use std::sync::Mutex;

use super::arch::{Act, ArchSpec, BlockKind, Family, HeadSpec};
use super::error::{BackboneError, Result};
use super::kernels::blocked::{self, OutPtr, Part, Planes};
use super::kernels::simd::Level;
use super::kernels::team::Team;
use super::kernels::{self, se};
use super::layers::{Block, ConvBn, LoadCtx};
use super::weights::WeightFile;

/// Roughly the work of one part (multiply-accumulates of a 1×1 conv; other layers are
/// weighted by their speed): about 2–5 µs, long enough that claiming it costs nothing, short
/// enough that 2–4 threads share a layer evenly.
const PART_COST: usize = 120_000;

/// A place where the network can be cut: the output of the stem, of a block, or (V1 only) of
/// a block's depthwise half.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CutPoint {
    /// timm module path: `bn1`, `blocks.4.1`, `blocks.4.1.bn1` (V1 depthwise half), `bn2` (V2 head).
    pub name: String,
    /// Keras / TF.js layer name, for MobileNet V1 (`conv_pw_13_relu`).
    pub alias: Option<String>,
    /// Output channels, height, width for one image.
    pub shape: [usize; 3],
    /// What produces it, e.g. `inverted residual 5×5 /2 + SE`.
    pub kind: String,
}

impl CutPoint {
    /// Values per image at this cut.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the cut has no values (never for a real network).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Readable label, e.g. `blocks.4.1 — 256×7×7 (conv_pw_13_relu)`.
    pub fn label(&self) -> String {
        let [c, h, w] = self.shape;
        match &self.alias {
            Some(a) => format!("{} — {c}×{h}×{w} ({a})", self.name),
            None => format!("{} — {c}×{h}×{w}", self.name),
        }
    }
}

/// One row of the teaching view's layer table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerInfo {
    /// Module path.
    pub name: String,
    /// Kind of layer.
    pub kind: String,
    /// Output channels, height, width.
    pub shape: [usize; 3],
    /// Learned values (BatchNorm folded).
    pub params: usize,
    /// Multiply-accumulates per image.
    pub macs: usize,
    /// Index of the cut point after this layer, if it is one.
    pub cut: Option<usize>,
}

/// Reusable buffers for one forward pass: four activation buffers (a block's input must
/// survive until its residual add), squeeze-excite scratch, the CHW copy of the cut asked
/// for, and the threads that share the layers. Keeping them between frames means the webcam
/// loop allocates nothing and starts no thread per frame.
#[derive(Default)]
pub struct Workspace {
    bufs: [Vec<f32>; 4],
    pool: Vec<f32>,
    reduced: Vec<f32>,
    chw: Vec<f32>,
    team: Option<Team>,
}

impl Workspace {
    /// Grows the buffers to `net`'s sizes and makes the team `threads` strong.
    fn prepare(&mut self, net: &MobileNet, threads: usize) {
        for b in &mut self.bufs {
            if b.len() < net.max_buf {
                b.resize(net.max_buf, 0.0);
            }
        }
        if self.pool.len() < net.max_pool {
            self.pool.resize(net.max_pool, 0.0);
        }
        if self.reduced.len() < net.max_rd {
            self.reduced.resize(net.max_rd, 0.0);
        }
        if self.chw.len() < net.max_cut {
            self.chw.resize(net.max_cut, 0.0);
        }
        if threads <= 1 {
            self.team = None;
        } else if self.team.as_ref().is_none_or(|t| t.threads() != threads) {
            self.team = Some(Team::new(threads));
        }
    }
}

/// Where an executed step reads from and writes to.
#[derive(Clone, Copy)]
enum Step<'a> {
    Stem,
    Dw(&'a Block),
    Block(&'a Block),
    HeadConv(&'a ConvBn),
}

/// A loaded MobileNet with BatchNorm folded.
pub struct MobileNet {
    arch: ArchSpec,
    input_size: usize,
    stem: ConvBn,
    blocks: Vec<Block>,
    /// V2's `conv_head` + `bn2` (inside the features).
    head_conv: Option<ConvBn>,
    /// V3's efficient head `conv_head` (with bias, after pooling), `[out, in]` + bias.
    eff_head: Option<(Vec<f32>, Vec<f32>, Act)>,
    classifier_w: Vec<f32>,
    classifier_b: Vec<f32>,
    num_classes: usize,
    cuts: Vec<CutPoint>,
    /// Instruction set of the kernels (fixed at load: it sets the blocked layout).
    level: Level,
    /// Zero border around every activation plane: the widest depthwise padding.
    halo: usize,
    max_buf: usize,
    max_pool: usize,
    max_rd: usize,
    max_cut: usize,
    pool: Mutex<Vec<Workspace>>,
    threads: usize,
}

impl MobileNet {
    /// Builds `arch` from `file` for square inputs of side `input_size`, strictly: every
    /// tensor must be present with its exact shape and none may be left over.
    pub fn load(arch: ArchSpec, file: WeightFile, input_size: usize, num_classes: usize) -> Result<Self> {
        Self::load_at(arch, file, input_size, num_classes, kernels::simd::level())
    }

    /// [`MobileNet::load`] with the kernels of `level` (any detected level, e.g. one of
    /// [`kernels::simd::available`], so tests can check that every level computes the same).
    pub fn load_at(
        arch: ArchSpec,
        mut file: WeightFile,
        input_size: usize,
        num_classes: usize,
        level: Level,
    ) -> Result<Self> {
        let eps = arch.bn_eps;
        let mut ctx = LoadCtx { file: &mut file, eps, tf_same: arch.tf_same_padding, level };
        let stem = ConvBn::load(&mut ctx, "conv_stem", "bn1", 3, arch.stem_chs, 3, 2, false, input_size, arch.act)?;
        let mut hw = stem.out_hw();
        let mut blocks = Vec::with_capacity(arch.blocks.len());
        for spec in &arch.blocks {
            let block = Block::load(&mut ctx, spec, hw)?;
            hw = block.out_hw();
            blocks.push(block);
        }
        let last_chs = arch.blocks.last().map_or(arch.stem_chs, |b| b.out_chs);
        let mut head_conv = None;
        let mut eff_head = None;
        match arch.head {
            HeadSpec::None => {}
            HeadSpec::ConvBnAct { out } => {
                head_conv = Some(ConvBn::load(&mut ctx, "conv_head", "bn2", last_chs, out, 1, 1, false, hw, arch.act)?);
            }
            HeadSpec::Efficient { out } => {
                let w = ctx.file.take("conv_head.weight", &[out, last_chs, 1, 1])?;
                let b = ctx.file.take("conv_head.bias", &[out])?;
                eff_head = Some((w, b, arch.act));
            }
        }
        let pre = arch.pre_logits_chs();
        let classifier_w = ctx.file.take("classifier.weight", &[num_classes, pre])?;
        let classifier_b = ctx.file.take("classifier.bias", &[num_classes])?;
        file.finish(&arch.name)?;

        let mut net = Self {
            arch,
            input_size,
            stem,
            blocks,
            head_conv,
            eff_head,
            classifier_w,
            classifier_b,
            num_classes,
            cuts: Vec::new(),
            level,
            halo: 0,
            max_buf: 0,
            max_pool: 0,
            max_rd: 0,
            max_cut: 0,
            pool: Mutex::new(Vec::new()),
            threads: rayon::current_num_threads(),
        };
        net.cuts = net.steps().map(|s| net.cut_of(s)).collect();
        net.halo = net
            .all_convs()
            .filter(|c| c.depthwise)
            .map(|c| c.geom.pad_top.max(c.geom.pad_left).max(c.geom.pad_bottom()).max(c.geom.pad_right()))
            .max()
            .unwrap_or(0);
        net.max_buf = net.all_convs().map(|c| c.out_planes(net.halo).len()).max().unwrap_or(0);
        let se_blocks = net.blocks.iter().filter(|b| b.se.is_some());
        net.max_pool = se_blocks.clone().map(|b| b.spec.mid_chs.next_multiple_of(16)).max().unwrap_or(0);
        net.max_rd = se_blocks.map(|b| b.spec.se_chs.unwrap_or(0)).max().unwrap_or(0);
        net.max_cut = net.cuts.iter().map(CutPoint::len).max().unwrap_or(0);
        Ok(net)
    }

    fn all_convs(&self) -> impl Iterator<Item = &ConvBn> {
        std::iter::once(&self.stem).chain(self.blocks.iter().flat_map(Block::convs)).chain(self.head_conv.iter())
    }

    /// The executed steps in order; each ends at one cut point. An iterator, not a list, so a
    /// forward pass allocates nothing.
    fn steps(&self) -> impl Iterator<Item = Step<'_>> + '_ {
        let v1 = self.arch.family == Family::V1;
        std::iter::once(Step::Stem)
            .chain(
                self.blocks
                    .iter()
                    .flat_map(move |b| [v1.then_some(Step::Dw(b)), Some(Step::Block(b))].into_iter().flatten()),
            )
            .chain(self.head_conv.iter().map(Step::HeadConv))
    }

    fn cut_of(&self, step: Step<'_>) -> CutPoint {
        let v1 = self.arch.family == Family::V1;
        let conv_shape = |c: &ConvBn| [c.cout, c.geom.out_h, c.geom.out_w];
        match step {
            Step::Stem => CutPoint {
                name: "bn1".into(),
                alias: v1.then(|| "conv1_relu".into()),
                shape: conv_shape(&self.stem),
                kind: "stem: conv 3×3 /2".into(),
            },
            Step::Dw(b) => {
                let n = self.v1_index(b);
                let dw = b.dw.as_ref().unwrap_or(&b.project);
                CutPoint {
                    name: format!("{}.bn1", b.spec.name),
                    alias: Some(format!("conv_dw_{n}_relu")),
                    shape: conv_shape(dw),
                    kind: format!("depthwise {k}×{k}{s}", k = b.spec.kernel, s = stride_txt(b.spec.stride)),
                }
            }
            Step::Block(b) => CutPoint {
                name: b.spec.name.clone(),
                alias: v1.then(|| format!("conv_pw_{}_relu", self.v1_index(b))),
                shape: conv_shape(&b.project),
                kind: block_kind(b, v1),
            },
            Step::HeadConv(h) => {
                CutPoint { name: "bn2".into(), alias: None, shape: conv_shape(h), kind: "head: conv 1×1".into() }
            }
        }
    }

    /// Keras numbers MobileNet V1's separable blocks from 1.
    fn v1_index(&self, b: &Block) -> usize {
        self.blocks.iter().position(|x| std::ptr::eq(x, b)).map_or(0, |i| i + 1)
    }

    /// The decoded architecture.
    pub fn arch(&self) -> &ArchSpec {
        &self.arch
    }

    /// The stem conv (folded), for exporters.
    pub fn stem(&self) -> &ConvBn {
        &self.stem
    }

    /// The blocks in order (folded), for exporters.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// V2's `conv_head` + `bn2` (folded), the last layer of its features; `None` otherwise.
    pub fn head_conv(&self) -> Option<&ConvBn> {
        self.head_conv.as_ref()
    }

    /// Side of the square input.
    pub fn input_size(&self) -> usize {
        self.input_size
    }

    /// Classifier outputs.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// Every cut point in execution order.
    pub fn cuts(&self) -> &[CutPoint] {
        &self.cuts
    }

    /// Width of the pooled feature vector (timm `num_features`).
    pub fn feature_chs(&self) -> usize {
        self.arch.feature_chs()
    }

    /// Width of the vector the classifier sees (timm `pre_logits`).
    pub fn pre_logits_chs(&self) -> usize {
        self.arch.pre_logits_chs()
    }

    /// Sets how many threads one forward pass may use (1 = never parallel).
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// The layer table, one row per conv (plus SE and head), with the cut points marked.
    pub fn layers(&self) -> Vec<LayerInfo> {
        let row = |c: &ConvBn, cut: Option<usize>| LayerInfo {
            name: c.name.clone(),
            kind: if c.depthwise {
                format!("depthwise {k}×{k}{s} · {a}", k = c.geom.k, s = stride_txt(c.geom.stride), a = c.act.name())
            } else {
                format!("conv {k}×{k}{s} · {a}", k = c.geom.k, s = stride_txt(c.geom.stride), a = c.act.name())
            },
            shape: [c.cout, c.geom.out_h, c.geom.out_w],
            params: c.params(),
            macs: c.macs(),
            cut,
        };
        let cut_idx = |name: &str| self.cuts.iter().position(|c| c.name == name);
        let mut rows = vec![row(&self.stem, cut_idx("bn1"))];
        for b in &self.blocks {
            let p = &b.spec.name;
            if let Some(e) = &b.expand {
                rows.push(row(e, None));
            }
            if let Some(d) = &b.dw {
                rows.push(row(d, cut_idx(&format!("{p}.bn1"))));
            }
            if let Some(se) = &b.se {
                let c = b.spec.mid_chs;
                let hw = b.dw.as_ref().map_or(1, |d| d.geom.out_h);
                rows.push(LayerInfo {
                    name: format!("{p}.se"),
                    kind: format!("squeeze-excite {c}→{}→{c}", b.spec.se_chs.unwrap_or(0)),
                    shape: [c, hw, hw],
                    params: se.params(),
                    macs: 2 * c * b.spec.se_chs.unwrap_or(0),
                    cut: None,
                });
            }
            let mut last = row(&b.project, cut_idx(p));
            if b.spec.skip {
                last.kind.push_str(" + residual");
            }
            rows.push(last);
        }
        if let Some(h) = &self.head_conv {
            rows.push(row(h, cut_idx("bn2")));
        }
        let f = self.feature_chs();
        rows.push(LayerInfo {
            name: "global_pool".into(),
            kind: "average pool".into(),
            shape: [f, 1, 1],
            params: 0,
            macs: 0,
            cut: None,
        });
        if let Some((w, b, _)) = &self.eff_head {
            let out = b.len();
            rows.push(LayerInfo {
                name: "conv_head".into(),
                kind: "conv 1×1 + bias · hard-swish".into(),
                shape: [out, 1, 1],
                params: w.len() + b.len(),
                macs: w.len(),
                cut: None,
            });
        }
        rows.push(LayerInfo {
            name: "classifier".into(),
            kind: "linear".into(),
            shape: [self.num_classes, 1, 1],
            params: self.classifier_w.len() + self.classifier_b.len(),
            macs: self.classifier_w.len(),
            cut: None,
        });
        rows
    }

    /// Looks a cut up by timm name or Keras alias.
    pub fn find_cut(&self, name: &str) -> Result<usize> {
        let name = name.trim();
        self.cuts.iter().position(|c| c.name == name || c.alias.as_deref() == Some(name)).ok_or_else(|| {
            BackboneError::UnknownCut {
                name: name.to_owned(),
                architecture: self.arch.name.clone(),
                examples: self.cut_examples(),
            }
        })
    }

    fn cut_examples(&self) -> String {
        let n = self.cuts.len();
        let picks = [0, n / 2, n.saturating_sub(2), n.saturating_sub(1)];
        let mut names: Vec<String> = picks.iter().filter_map(|&i| self.cuts.get(i)).map(|c| c.name.clone()).collect();
        names.dedup();
        names.join(", ")
    }

    /// The default cut: the deepest point at 1/32 resolution (7×7 at 224) with at most 16,384
    /// values per image, else the smallest cut at that resolution.
    ///
    /// Why: the TF.js demo cut MobileNet V1 0.25 at `conv_pw_13_relu`, 256×7×7 = 12,544 values,
    /// and trained a dense head on it in about a second. A 7×7 grid still says *where* the
    /// object is, which is what up/down/left/right is about (pooled vectors lose it). The
    /// deepest such layer has the most object-level meaning, and the size bound keeps the
    /// head's first layer (values × 100 hidden units) around a million weights: V3's last
    /// 1×1 expansion (960 or 576 channels) or V1 1.0's 1024 channels would triple the head
    /// without adding spatial information, so for them the cut sits just before it
    /// (`blocks.5.2`, 160×7×7 for V3 large; `blocks.4.2`, 96×7×7 for V3 small; `blocks.6.0`,
    /// 320×7×7 for V2).
    pub fn default_cut(&self) -> usize {
        let final_hw = self.cuts.last().map_or(0, |c| c.shape[1]);
        let at_final: Vec<usize> = (0..self.cuts.len()).filter(|&i| self.cuts[i].shape[1] == final_hw).collect();
        at_final
            .iter()
            .rev()
            .find(|&&i| self.cuts[i].len() <= 16_384)
            .or_else(|| at_final.iter().min_by_key(|&&i| self.cuts[i].len()))
            .copied()
            .unwrap_or(0)
    }

    /// Threads for one forward pass from this thread: inside a rayon pool (batch paths run
    /// images in parallel there) one, else [`MobileNet::set_threads`]'s count.
    fn threads_here(&self) -> usize {
        if rayon::current_thread_index().is_some() { 1 } else { self.threads }
    }

    fn workspace(&self) -> Workspace {
        self.pool.lock().ok().and_then(|mut p| p.pop()).unwrap_or_default()
    }

    fn recycle(&self, ws: Workspace) {
        if let Ok(mut p) = self.pool.lock() {
            p.push(ws);
        }
    }

    /// Runs one image (`[3, S, S]`, normalised) up to cut `stop` and calls `observe(cut, values)`
    /// at every cut point on the way (the last call is `stop`'s). Returns `stop`'s values.
    pub fn run(&self, image: &[f32], stop: usize, observe: &mut dyn FnMut(usize, &[f32])) -> Result<Vec<f32>> {
        let mut ws = self.workspace();
        let result = self.run_in(&mut ws, image, stop, observe).map(<[f32]>::to_vec);
        self.recycle(ws);
        result
    }

    /// [`MobileNet::run`] on a caller-held workspace, returning a view into it (no allocation).
    /// Every cut is converted to CHW for `observe`; [`MobileNet::run_with`] converts only the
    /// cuts a caller wants.
    pub fn run_in<'w>(
        &self,
        ws: &'w mut Workspace,
        image: &[f32],
        stop: usize,
        observe: &mut dyn FnMut(usize, &[f32]),
    ) -> Result<&'w [f32]> {
        self.run_with(ws, image, stop, &|_| true, observe)
    }

    /// Runs one image up to cut `stop` on a caller-held workspace and returns `stop`'s values
    /// (CHW). `observe(cut, values)` is called at every cut on the way: with the cut's CHW
    /// values when `wants(cut)` (or `cut == stop`), with an empty slice otherwise (converting
    /// a cut costs a pass over it, so the per-frame path asks only for what it shows).
    pub fn run_with<'w>(
        &self,
        ws: &'w mut Workspace,
        image: &[f32],
        stop: usize,
        wants: &dyn Fn(usize) -> bool,
        observe: &mut dyn FnMut(usize, &[f32]),
    ) -> Result<&'w [f32]> {
        let s = self.input_size;
        if image.len() != 3 * s * s {
            return Err(BackboneError::Input(format!(
                "expected 3×{s}×{s} = {} values per image, got {}",
                3 * s * s,
                image.len()
            )));
        }
        if stop >= self.cuts.len() {
            return Err(BackboneError::Input(format!("cut index {stop} out of range (0..{})", self.cuts.len())));
        }
        ws.prepare(self, self.threads_here());
        let Workspace { bufs, pool, reduced, chw, team } = ws;
        let run = Runner { net: self, team: team.as_ref() };
        let [b0, b1, b2, b3] = bufs;
        let mut bufs: [&mut Vec<f32>; 4] = [b0, b1, b2, b3];
        let mut cur = 3usize; // index of the buffer holding the current activation
        let mut planes = Planes { c: 3, h: s, w: s, bw: 1, halo: 0 };
        for (i, step) in self.steps().enumerate().take(stop + 1) {
            // The three buffers other than the current one, in a fixed order.
            let (o1, o2, o3) = ((cur + 1) % 4, (cur + 2) % 4, (cur + 3) % 4);
            match step {
                Step::Stem => {
                    // The stem reads the caller's CHW image directly.
                    planes = run.conv(&self.stem, image, &planes, bufs[o1], None);
                    cur = o1;
                }
                Step::Dw(b) => {
                    // V1 only: the depthwise half gets its own cut; the block step then runs
                    // the pointwise half from here.
                    if let Some(dw) = &b.dw {
                        let [x, y] = pick2(&mut bufs, cur, o1);
                        planes = run.conv(dw, x, &planes, y, None);
                        cur = o1;
                    }
                }
                Step::Block(b) if self.arch.family == Family::V1 => {
                    let [x, y] = pick2(&mut bufs, cur, o1);
                    planes = run.conv(&b.project, x, &planes, y, None);
                    cur = o1;
                }
                Step::Block(b) => {
                    let [x, a, d, y] = pick4(&mut bufs, cur, o1, o2, o3);
                    planes = run.block(b, x, &planes, a, d, y, pool, reduced);
                    cur = o3;
                }
                Step::HeadConv(h) => {
                    let [x, y] = pick2(&mut bufs, cur, o1);
                    planes = run.conv(h, x, &planes, y, None);
                    cur = o1;
                }
            }
            debug_assert_eq!(self.cuts[i].len(), planes.c * planes.h * planes.w);
            if i == stop || wants(i) {
                let len = self.cuts[i].len();
                run.to_chw(bufs[cur], &planes, &mut chw[..len]);
                observe(i, &chw[..len]);
            } else {
                observe(i, &[]);
            }
        }
        Ok(&chw[..self.cuts[stop].len()])
    }

    /// Pooled features (timm `forward_features` + global average pool), `[feature_chs]`.
    pub fn pooled(&self, image: &[f32]) -> Result<Vec<f32>> {
        let last = self.cuts.len() - 1;
        let feats = self.run(image, last, &mut |_, _| {})?;
        let hw = self.cuts[last].shape[1] * self.cuts[last].shape[2];
        let mut pooled = vec![0.0; self.feature_chs()];
        kernels::global_avg_pool(&feats, hw, &mut pooled);
        Ok(pooled)
    }

    /// The vector the classifier sees (timm `pre_logits`) from pooled features.
    pub fn pre_logits(&self, pooled: &[f32]) -> Vec<f32> {
        match &self.eff_head {
            Some((w, b, act)) => {
                let mut out = vec![0.0; b.len()];
                kernels::linear(pooled, w, b, *act, &mut out);
                out
            }
            None => pooled.to_vec(),
        }
    }

    /// Class logits from the pre-logits vector.
    pub fn logits(&self, pre_logits: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; self.num_classes];
        kernels::linear(pre_logits, &self.classifier_w, &self.classifier_b, Act::Identity, &mut out);
        out
    }
}

/// One forward pass's view of the network and its threads: runs layers part by part.
struct Runner<'a> {
    net: &'a MobileNet,
    team: Option<&'a Team>,
}

impl Runner<'_> {
    fn threads(&self) -> usize {
        self.team.map_or(1, Team::threads)
    }

    /// Calls `f(i)` for `i < chunks` on the team (or here).
    fn each(&self, chunks: usize, f: &(dyn Fn(usize) + Sync)) {
        match self.team {
            Some(t) => t.run(chunks, f),
            None => (0..chunks).for_each(f),
        }
    }

    /// How to cut an output of layout `op` costing `cost` into parts: `(block groups, row
    /// bands)`. Blocks first (threads then read disjoint weights, which dominate the late
    /// layers), in groups of at least `panel` blocks; rows for the rest, unless the parts
    /// must cover whole planes.
    fn split(&self, op: &Planes, cost: usize, panel: usize, whole_planes: bool) -> (usize, usize) {
        let threads = self.threads();
        if threads <= 1 {
            return (1, 1);
        }
        let want = (cost / PART_COST).clamp(1, 4 * threads);
        let groups = want.min((op.blocks() / panel).max(1));
        let bands = if whole_planes { 1 } else { want.div_ceil(groups).min(op.h.max(1)) };
        (groups, bands)
    }

    /// Runs `layer` from `x` (layout `xp`; CHW for the stem) into `out`, adding `res` (1×1
    /// convs only) and writing squeeze-excite's pooled means to `pool` (depthwise only).
    /// Returns the output's layout.
    fn conv(&self, layer: &ConvBn, x: &[f32], xp: &Planes, out: &mut [f32], res: Option<&[f32]>) -> Planes {
        self.conv_pool(layer, x, xp, out, res, None)
    }

    fn conv_pool(
        &self,
        layer: &ConvBn,
        x: &[f32],
        xp: &Planes,
        out: &mut [f32],
        res: Option<&[f32]>,
        pool: Option<&mut [f32]>,
    ) -> Planes {
        let (net, level) = (self.net, self.net.level);
        let op = layer.out_planes(net.halo);
        layer.check(level, x, xp, out.len(), &op, res);
        assert!(pool.as_ref().is_none_or(|p| layer.depthwise && p.len() >= op.blocks() * op.bw), "pool too short");
        let (cost, panel) = if layer.depthwise {
            (3 * layer.macs(), 1)
        } else if layer.is_pointwise() {
            (layer.macs(), 3)
        } else {
            (2 * layer.macs(), 1)
        };
        let (groups, bands) = self.split(&op, cost, panel, pool.is_some());
        let out = OutPtr::new(out);
        let pool = pool.map(OutPtr::new);
        self.each(groups * bands, &|i| {
            let part = part_of(i, groups, bands, &op);
            // SAFETY: `check` passed; parts of different `i` are disjoint rectangles of `op`
            // (whole planes when pooling), and `out`/`pool` are borrowed mutably above for the
            // duration of `each`.
            unsafe { layer.run_part(level, x, xp, out, &op, &part, res, pool) };
        });
        op
    }

    /// A block that is not V1's separable one: expand (into `a`), depthwise (into `d`),
    /// squeeze-excite, project (into `y`, plus `x` when the block has a skip).
    #[allow(clippy::too_many_arguments)]
    fn block(
        &self,
        b: &Block,
        x: &[f32],
        xp: &Planes,
        a: &mut [f32],
        d: &mut [f32],
        y: &mut [f32],
        pool: &mut [f32],
        reduced: &mut [f32],
    ) -> Planes {
        let (mut h, mut hp): (&[f32], Planes) = (x, *xp);
        if let Some(ex) = &b.expand {
            hp = self.conv(ex, x, xp, a, None);
            h = a;
        }
        if let Some(dw) = &b.dw {
            hp = self.conv_pool(dw, h, &hp, d, None, b.se.is_some().then_some(&mut *pool));
            if let Some(se_layer) = &b.se {
                self.excite(se_layer, d, &hp, pool, reduced);
            }
            h = d;
        }
        self.conv(&b.project, h, &hp, y, b.spec.skip.then_some(x))
    }

    /// Squeeze-excite on `d` (layout `dp`) from the pooled means in `pool`.
    fn excite(
        &self,
        se_layer: &super::layers::SqueezeExcite,
        d: &mut [f32],
        dp: &Planes,
        pool: &[f32],
        reduced: &mut [f32],
    ) {
        let level = self.net.level;
        let (chs, rd) = (se_layer.chs, se_layer.rd);
        assert!(
            dp.c == chs
                && pool.len() >= chs
                && reduced.len() >= rd
                && d.len() >= dp.len()
                && se_layer.reduce_w.len() >= rd * chs
                && se_layer.expand_w.len() >= chs * rd,
            "squeeze-excite buffers"
        );
        let threads = self.threads();
        let reduced_out = OutPtr::new(&mut reduced[..rd]);
        let pooled = &pool[..chs];
        let bands = threads.min(rd).max(1);
        self.each(bands, &|i| {
            let rows = i * rd / bands..(i + 1) * rd / bands;
            // SAFETY: the lengths are checked above; bands of rows are disjoint.
            unsafe {
                se::reduce_part(level, pooled, &se_layer.reduce_w, &se_layer.reduce_b, Act::Relu, reduced_out, rows)
            };
        });
        let reduced = &reduced[..rd];
        let groups = (2 * threads).min(dp.blocks()).max(1);
        let groups = if threads == 1 { 1 } else { groups };
        let d = OutPtr::new(d);
        self.each(groups, &|i| {
            let blocks = i * dp.blocks() / groups..(i + 1) * dp.blocks() / groups;
            // SAFETY: the lengths are checked above; groups of blocks are disjoint.
            unsafe { se::excite_part(level, d, dp, &se_layer.expand_w, &se_layer.expand_b, reduced, blocks) };
        });
    }

    /// Converts `x` (layout `p`) to CHW in `out`.
    fn to_chw(&self, x: &[f32], p: &Planes, out: &mut [f32]) {
        let groups = if p.c * p.h * p.w >= 32_768 { self.threads().min(p.blocks()) } else { 1 };
        assert!(x.len() >= p.len() && out.len() >= p.c * p.h * p.w, "to_chw buffers");
        let out = OutPtr::new(out);
        self.each(groups, &|i| {
            let blocks = i * p.blocks() / groups..(i + 1) * p.blocks() / groups;
            // SAFETY: lengths checked above; groups of blocks write disjoint channel planes.
            unsafe { blocked::to_chw_part(x, p, out, blocks) };
        });
    }
}

/// Part `i` of `groups × bands` parts of `op`.
fn part_of(i: usize, groups: usize, bands: usize, op: &Planes) -> Part {
    let (g, r) = (i / bands, i % bands);
    let (nb, h) = (op.blocks(), op.h);
    Part { blocks: g * nb / groups..(g + 1) * nb / groups, rows: r * h / bands..(r + 1) * h / bands }
}

fn stride_txt(s: usize) -> String {
    if s > 1 { format!(" /{s}") } else { String::new() }
}

fn block_kind(b: &Block, v1: bool) -> String {
    let k = b.spec.kernel;
    let s = stride_txt(b.spec.stride);
    let se = if b.se.is_some() { " + SE" } else { "" };
    let res = if b.spec.skip { " + residual" } else { "" };
    match b.spec.kind {
        BlockKind::DepthwiseSeparable if v1 => "pointwise 1×1".to_string(),
        BlockKind::DepthwiseSeparable => format!("depthwise-separable {k}×{k}{s}{se}{res}"),
        BlockKind::InvertedResidual => {
            format!("inverted residual {k}×{k}{s} ×{}{se}{res}", b.spec.mid_chs / b.spec.in_chs.max(1))
        }
        BlockKind::ConvBnAct => format!("conv {k}×{k}"),
    }
}

/// Two distinct buffers out of the four, mutably.
fn pick2<'a>(bufs: &'a mut [&mut Vec<f32>; 4], a: usize, b: usize) -> [&'a mut [f32]; 2] {
    let [x, _, _, y] = pick4(bufs, a, usize::MAX, usize::MAX, b);
    [x, y]
}

/// Up to four distinct buffers, mutably; an index of `usize::MAX` yields an empty slice.
fn pick4<'a>(bufs: &'a mut [&mut Vec<f32>; 4], a: usize, b: usize, c: usize, d: usize) -> [&'a mut [f32]; 4] {
    let mut slots: [Option<&'a mut [f32]>; 4] = [None, None, None, None];
    for (i, buf) in bufs.iter_mut().enumerate() {
        slots[i] = Some(buf.as_mut_slice());
    }
    let mut take = |i: usize| -> &'a mut [f32] { slots.get_mut(i).and_then(Option::take).unwrap_or(&mut []) };
    [take(a), take(b), take(c), take(d)]
}
