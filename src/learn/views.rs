//! The features of every example's augmented views, computed once and kept.
//!
//! A view is made from the example's thumbnail by [`Jitter::views`], seeded by the example's
//! id, so it never changes; its features need one forward pass (~1 ms on one core for
//! MobileNet v1 0.25). [`ViewCache`] keeps them per example id and computes only what is
//! missing, so training again after recording a few more examples costs only their views.
//! The cache is dropped whole when the feature source (backbone, cut, crop) or the jitter
//! ranges change. An example gets [`Hyper::views_per_example`] views (16, fewer once the
//! dataset would need more than [`Hyper::view_budget`] in all). The app fills the cache in the
//! background with [`prefill`] as examples are recorded, so a training run usually finds
//! every view cached; the trainer computes whatever is still missing ([`view_maker`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use image::RgbImage;
use rayon::prelude::*;

use super::augment::Jitter;
use super::dataset::{Dataset, FeatureSource, Thumbnail};
use super::error::{LearnError, Result};
use super::features::Features;
use super::featurize::Featurizer;
use super::hyper::Hyper;
use super::train::{TrainData, ViewMaker};
use crate::backbone::Backbone;

/// Examples whose views are computed per parallel round (progress and cancellation are
/// checked between rounds).
const ROUND: usize = 8;

/// The features of `n` views of `input` (a thumbnail: the network's input image), seeded by
/// `seed` (the example's id).
pub fn view_features(
    featurizer: &Featurizer<'_>,
    input: &RgbImage,
    jitter: &Jitter,
    n: usize,
    seed: u64,
) -> Result<Vec<Features>> {
    jitter.views(input, n, seed).iter().map(|v| Features::from_f32(&featurizer.input(v)?)).collect()
}

/// Augmented views' features per example id, for one feature source and one set of ranges.
/// Each entry keeps the thumbnail it was made from: an id of another project (or an example
/// replaced under the same id) does not match and is computed again.
#[derive(Clone, Debug, Default)]
pub struct ViewCache {
    key: Option<CacheKey>,
    views: HashMap<u64, (Thumbnail, Vec<Features>)>,
}

/// What a cache's views depend on besides the example: the feature source and the ranges.
type CacheKey = (FeatureSource, Jitter);

/// The work [`ViewCache::pending`] found: the examples (id, thumbnail) that lack some of
/// their `n` views, for one cache key.
#[derive(Clone, Debug)]
pub struct Pending {
    key: CacheKey,
    todo: Vec<(u64, Thumbnail)>,
    n: usize,
}

impl Pending {
    /// Whether every example has its views.
    pub fn is_empty(&self) -> bool {
        self.todo.is_empty() || self.n == 0
    }

    /// Views to compute.
    pub fn views(&self) -> usize {
        self.todo.len() * self.n
    }
}

impl ViewCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Views held, over all examples.
    pub fn len(&self) -> usize {
        self.views.values().map(|(_, v)| v.len()).sum()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.views.is_empty()
    }

    /// How many of `dataset`'s views for `hyper` are still to be computed.
    pub fn missing(&self, dataset: &Dataset, hyper: &Hyper) -> usize {
        let n = hyper.views_per_example(dataset.len());
        if n == 0 {
            return 0;
        }
        if self.key.as_ref() != Some(&(dataset.source().clone(), hyper.jitter.clone())) {
            return dataset.len() * n;
        }
        dataset.examples().iter().map(|e| n.saturating_sub(self.cached(e.id, &e.thumbnail).map_or(0, <[_]>::len))).sum()
    }

    /// The views cached for example `id` if they were made from `thumbnail`.
    fn cached(&self, id: u64, thumbnail: &Thumbnail) -> Option<&[Features]> {
        self.views.get(&id).filter(|(t, _)| t.jpeg() == thumbnail.jpeg()).map(|(_, v)| v.as_slice())
    }

    /// Makes the cache `dataset`'s for `hyper` (emptied when the feature source or the ranges
    /// changed, examples no longer in it forgotten) and lists the examples that lack some of
    /// their [`Hyper::views_per_example`] views.
    pub fn pending(&mut self, dataset: &Dataset, hyper: &Hyper) -> Pending {
        let n = hyper.views_per_example(dataset.len());
        let key = (dataset.source().clone(), hyper.jitter.clone());
        if n == 0 {
            return Pending { key, todo: Vec::new(), n };
        }
        if self.key.as_ref() != Some(&key) {
            self.views.clear();
            self.key = Some(key.clone());
        }
        let keep: std::collections::HashSet<u64> = dataset.examples().iter().map(|e| e.id).collect();
        self.views.retain(|id, _| keep.contains(id));
        let todo = dataset
            .examples()
            .iter()
            .filter(|e| self.cached(e.id, &e.thumbnail).is_none_or(|v| v.len() < n))
            .map(|e| (e.id, e.thumbnail.clone()))
            .collect();
        Pending { key, todo, n }
    }

    /// Keeps `views` of example `id` (made from `thumbnail` for `key`), unless the cache has
    /// since moved to another key or already holds as many.
    fn insert(&mut self, key: &CacheKey, id: u64, thumbnail: Thumbnail, views: Vec<Features>) {
        if self.key.as_ref() != Some(key) {
            return;
        }
        if self.cached(id, &thumbnail).is_none_or(|v| v.len() < views.len()) {
            self.views.insert(id, (thumbnail, views));
        }
    }

    /// Computes the views `dataset` lacks for `hyper` (none when `hyper.views` is 0) and
    /// forgets those of examples no longer in it. `progress(done, total)` counts views;
    /// when `cancel` is set the work stops with [`LearnError::Cancelled`] and what was
    /// computed so far stays cached.
    pub fn fill(
        &mut self,
        dataset: &Dataset,
        featurizer: &Featurizer<'_>,
        hyper: &Hyper,
        progress: &mut dyn FnMut(usize, usize),
        cancel: &AtomicBool,
    ) -> Result<()> {
        if hyper.views_per_example(dataset.len()) == 0 {
            return Ok(());
        }
        check_source(featurizer, dataset.source())?;
        let Pending { key, todo, n } = self.pending(dataset, hyper);
        let total = todo.len() * n;
        let mut done = 0;
        progress(done, total);
        for round in todo.chunks(ROUND) {
            if cancel.load(Ordering::Relaxed) {
                return Err(LearnError::Cancelled);
            }
            let computed: Vec<(u64, Thumbnail, Vec<Features>)> = round
                .par_iter()
                .map(|(id, thumb)| Ok((*id, thumb.clone(), example_views(featurizer, *id, thumb, &hyper.jitter, n)?)))
                .collect::<Result<_>>()?;
            for (id, thumb, views) in computed {
                self.insert(&key, id, thumb, views);
            }
            done += round.len() * n;
            progress(done, total);
        }
        Ok(())
    }

    /// `dataset`'s training data with the first [`Hyper::views_per_example`] cached views of
    /// every example (fewer where the cache has fewer: call [`ViewCache::fill`] first).
    pub fn train_data(&self, dataset: &Dataset, hyper: &Hyper) -> Result<TrainData> {
        let data = dataset.train_data()?;
        let n = hyper.views_per_example(dataset.len());
        if n == 0 {
            return Ok(data);
        }
        let ids: Vec<u64> = dataset.examples().iter().map(|e| e.id).collect();
        data.with_views(self.views_of(&ids, n))
    }

    /// The first `n` cached views of each example `ids` (none for an id not cached).
    pub fn views_of(&self, ids: &[u64], n: usize) -> Vec<Vec<Features>> {
        ids.iter()
            .map(|id| self.views.get(id).map(|(_, v)| v.iter().take(n).cloned().collect()).unwrap_or_default())
            .collect()
    }
}

/// Refuses a featurizer that does not produce `source`'s features (the crop aside: thumbnails
/// are already cropped), whose views would not match the examples.
fn check_source(featurizer: &Featurizer<'_>, source: &FeatureSource) -> Result<()> {
    let made = featurizer.source();
    if (made.backbone.as_str(), made.cut.as_str(), made.shape)
        != (source.backbone.as_str(), source.cut.as_str(), source.shape)
    {
        return Err(LearnError::Internal {
            message: format!("views from {} for examples of {}", made.describe(), source.describe()),
        });
    }
    Ok(())
}

/// The features of `n` views of example `id`'s thumbnail.
fn example_views(
    featurizer: &Featurizer<'_>,
    id: u64,
    thumb: &Thumbnail,
    jitter: &Jitter,
    n: usize,
) -> Result<Vec<Features>> {
    let img = thumb.decode().map_err(|err| match err {
        LearnError::Thumbnail { message, .. } => LearnError::Thumbnail { what: format!("example {id}"), message },
        other => other,
    })?;
    view_features(featurizer, &img, jitter, n, id)
}

/// Computes the views `pending` lists (at `cut` of `backbone`) one example at a time, off the
/// trainer: the app runs it in the background while the user records, so pressing Train
/// finds them cached. The lock is held only to store each example's views; `cancel` stops it
/// between examples (a training run starting). Returns the views computed.
pub fn prefill(
    backbone: &Backbone,
    cut: usize,
    cache: &Mutex<ViewCache>,
    pending: Pending,
    cancel: &AtomicBool,
) -> Result<usize> {
    let Pending { key, todo, n } = pending;
    let featurizer = Featurizer::new(backbone, cut, key.0.crop)?;
    check_source(&featurizer, &key.0)?;
    let mut computed = 0;
    for (id, thumb) in todo {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let views = example_views(&featurizer, id, &thumb, &key.1, n)?;
        computed += views.len();
        cache.lock().unwrap_or_else(PoisonError::into_inner).insert(&key, id, thumb, views);
    }
    Ok(computed)
}

/// The augmentation step of a run, for [`super::Training::start_with_views`]: on the trainer
/// thread it fills `cache` with the views of `dataset`'s examples (at `cut` of `backbone`,
/// for `hyper`), then hands back those of the examples `ids`, in that order. The cache is
/// shared, so the next run only computes the views of new examples.
pub fn view_maker(
    backbone: Arc<Backbone>,
    cut: usize,
    dataset: Dataset,
    hyper: Hyper,
    cache: Arc<Mutex<ViewCache>>,
    ids: Vec<u64>,
) -> ViewMaker {
    Box::new(move |cancel: &AtomicBool, progress: &mut dyn FnMut(usize, usize)| {
        let featurizer = Featurizer::new(&backbone, cut, dataset.source().crop)?;
        // Only this trainer thread fills the cache; a poisoned lock still holds whole entries.
        let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.fill(&dataset, &featurizer, &hyper, progress, cancel)?;
        Ok(cache.views_of(&ids, hyper.views_per_example(dataset.len())))
    })
}
