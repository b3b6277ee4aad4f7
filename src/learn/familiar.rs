//! How familiar a frame looks: the distance from its features to the nearest training
//! example, in units of how far apart the examples themselves lie.
//!
//! A softmax head always names a class, even for a hand passing by, an empty view or the
//! object half-way between two poses. Those frames lie far from every example the head was
//! trained on, so the steering can treat them as "unsure" whatever the head says
//! (`live::control`). The distance is taken in the head's hidden layer (after the ReLU), where
//! the head itself compares frames: `units` numbers per example (100 by default), so keeping
//! every example costs a few hundred kilobytes at most and one frame's check a few
//! microseconds per example.

use super::error::Result;
use super::features::Features;
use super::head::Head;

/// The training examples as the head's hidden layer sees them, and their typical spacing.
#[derive(Clone, Debug, PartialEq)]
pub struct Familiarity {
    dim: usize,
    /// One row of `dim` hidden activations per example.
    points: Vec<f32>,
    /// The median distance from an example to its nearest other example.
    spacing: f32,
}

impl Familiarity {
    /// [`build`](Self::build) from the examples' features as the dataset keeps them (f16).
    ///
    /// # Errors
    /// As [`build`](Self::build).
    pub fn of_examples<'a>(head: &Head, features: impl IntoIterator<Item = &'a Features>) -> Result<Option<Self>> {
        let rows: Vec<Vec<f32>> = features.into_iter().map(Features::to_f32).collect();
        Self::build(head, rows.iter().map(Vec::as_slice))
    }

    /// The reference for `head` from the feature vectors it was trained on (`rows`, each the
    /// head's input length). The spacing ignores exact copies (an example recorded twice).
    /// `None` with fewer than two distinct examples (no spacing to measure against).
    ///
    /// # Errors
    /// A row of the wrong length.
    pub fn build<'a>(head: &Head, rows: impl IntoIterator<Item = &'a [f32]>) -> Result<Option<Self>> {
        let dim = head.units();
        let mut points = Vec::new();
        for row in rows {
            points.extend(head.hidden(row)?);
        }
        let n = points.len() / dim.max(1);
        if n < 2 {
            return Ok(None);
        }
        let mut nearest: Vec<f32> = (0..n)
            .map(|i| {
                let p = points.get(i * dim..(i + 1) * dim).unwrap_or_default();
                (0..n)
                    .map(|j| dist2(p, points.get(j * dim..(j + 1) * dim).unwrap_or_default()))
                    .filter(|&d| d > 0.0)
                    .fold(f32::INFINITY, f32::min)
                    .sqrt()
            })
            .collect();
        nearest.retain(|d| d.is_finite());
        nearest.sort_by(f32::total_cmp);
        let spacing = nearest.get(nearest.len() / 2).copied().unwrap_or(0.0);
        if !(spacing.is_finite() && spacing > 0.0) {
            return Ok(None);
        }
        Ok(Some(Self { dim, points, spacing }))
    }

    /// The distance from `hidden` (a frame's hidden activations, [`Head::hidden`]) to the
    /// nearest example, divided by the examples' typical spacing: about 1 for a frame like
    /// the training frames, several for one unlike all of them. Infinite for a vector of the
    /// wrong length.
    #[must_use]
    pub fn ratio(&self, hidden: &[f32]) -> f32 {
        if hidden.len() != self.dim {
            return f32::INFINITY;
        }
        let best = self.points.chunks_exact(self.dim.max(1)).map(|p| dist2(p, hidden)).fold(f32::INFINITY, f32::min);
        best.sqrt() / self.spacing
    }

    /// How many examples it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.points.len() / self.dim.max(1)
    }

    /// Whether it holds none (never true for a built reference).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Bytes held.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.points.len() * std::mem::size_of::<f32>()
    }
}

fn dist2(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_like_the_examples_is_near_and_one_unlike_them_is_far() -> Result<()> {
        let head = Head::init(vec!["a".into(), "b".into()], [8, 1, 1], 16, 3)?;
        // Two tight clusters of examples.
        let rows: Vec<Vec<f32>> = (0..20)
            .map(|i| {
                let base = if i % 2 == 0 { 1.0 } else { 3.0 };
                (0..8).map(|j| base + 0.01 * ((i * 7 + j * 3) % 5) as f32).collect()
            })
            .collect();
        let f = Familiarity::build(&head, rows.iter().map(Vec::as_slice))?.expect("a reference");
        assert_eq!(f.len(), 20);
        let near = f.ratio(&head.hidden(&[1.02; 8])?);
        let far = f.ratio(&head.hidden(&[9.0, 0.0, 9.0, 0.0, 9.0, 0.0, 9.0, 0.0])?);
        assert!(near < 3.0 && far > 10.0, "near {near}, far {far}");
        assert_eq!(f.ratio(&[0.0; 3]), f32::INFINITY, "wrong length");
        // One example, or all alike: nothing to measure against.
        assert!(Familiarity::build(&head, [rows[0].as_slice()])?.is_none());
        assert!(Familiarity::build(&head, [rows[0].as_slice(), rows[0].as_slice()])?.is_none());
        Ok(())
    }
}
