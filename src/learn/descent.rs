//! The talk's picture of training ("Deep Learning in JS", JSConf EU 2018): fit a line
//! `y = w·x + b` to a few points by walking down the loss surface, with plain gradient descent
//! or with Adam (the head's optimiser), one step at a time.
//!
//! Two parameters make the whole loss landscape drawable as a heat map, so a class sees the
//! path: a small learning rate crawls, a good one walks straight to the bottom, a too-large one
//! overshoots and climbs out of the valley. Pure and deterministic; the Train panel's
//! "what is happening here?" window draws it.

/// The two parameters of the line.
pub type Params = [f64; 2];

/// How the parameters are moved each step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Method {
    /// `θ ← θ − lr·∇L`.
    Plain,
    /// Adam (β₁ 0.9, β₂ 0.999, ε 1e-8), as the head is trained.
    #[default]
    Adam,
}

impl Method {
    /// Its name on screen.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Method::Plain => "plain gradient descent",
            Method::Adam => "Adam",
        }
    }
}

/// Above this loss the walk is called diverged and stops (the surface is drawn up to a few).
pub const DIVERGED: f64 = 1e6;

/// Mean squared error of the line `p` on `points` (`(x, y)` pairs).
#[must_use]
pub fn loss(points: &[[f64; 2]], p: Params) -> f64 {
    if points.is_empty() {
        return 0.0;
    }
    points.iter().map(|[x, y]| (p[0] * x + p[1] - y).powi(2)).sum::<f64>() / points.len() as f64
}

/// The gradient of [`loss`] with respect to `(w, b)`.
#[must_use]
pub fn gradient(points: &[[f64; 2]], p: Params) -> Params {
    if points.is_empty() {
        return [0.0; 2];
    }
    let n = points.len() as f64;
    let (mut dw, mut db) = (0.0, 0.0);
    for [x, y] in points {
        let r = p[0] * x + p[1] - y;
        dw += 2.0 * r * x;
        db += 2.0 * r;
    }
    [dw / n, db / n]
}

/// A walk down the loss surface: the points, the optimiser, and the path so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Descent {
    /// The points the line is fitted to, `(x, y)` in about −1..1.
    pub points: Vec<[f64; 2]>,
    /// Plain gradient descent or Adam.
    pub method: Method,
    /// The learning rate.
    pub lr: f64,
    /// Where the walk starts.
    pub start: Params,
    path: Vec<Params>,
    losses: Vec<f64>,
    m: Params,
    v: Params,
}

impl Default for Descent {
    fn default() -> Self {
        // Eight points near y = 0.6x − 0.2, spread a little (fixed, so every class sees the same).
        let noise = [0.12, -0.08, 0.05, -0.15, 0.1, 0.02, -0.06, 0.09];
        let points = noise
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let x = -0.9 + 1.8 * i as f64 / 7.0;
                [x, 0.6 * x - 0.2 + n]
            })
            .collect();
        Self::new(points, Method::Plain, 0.1, [-2.0, 2.0])
    }
}

impl Descent {
    /// A walk at `start` with nothing done yet.
    #[must_use]
    pub fn new(points: Vec<[f64; 2]>, method: Method, lr: f64, start: Params) -> Self {
        let mut d = Self { points, method, lr, start, path: Vec::new(), losses: Vec::new(), m: [0.0; 2], v: [0.0; 2] };
        d.reset();
        d
    }

    /// Back to the start (after the points, the method or the rate changed).
    pub fn reset(&mut self) {
        self.path = vec![self.start];
        self.losses = vec![loss(&self.points, self.start)];
        self.m = [0.0; 2];
        self.v = [0.0; 2];
    }

    /// The parameters now.
    #[must_use]
    pub fn current(&self) -> Params {
        self.path.last().copied().unwrap_or(self.start)
    }

    /// Every position so far, the start first.
    #[must_use]
    pub fn path(&self) -> &[Params] {
        &self.path
    }

    /// The loss at every position so far.
    #[must_use]
    pub fn losses(&self) -> &[f64] {
        &self.losses
    }

    /// Steps taken.
    #[must_use]
    pub fn steps(&self) -> usize {
        self.path.len().saturating_sub(1)
    }

    /// Whether the loss ran away (and the walk stopped).
    #[must_use]
    pub fn diverged(&self) -> bool {
        self.losses.last().is_some_and(|l| !l.is_finite() || *l > DIVERGED)
    }

    /// One optimiser step (none once diverged).
    pub fn step(&mut self) {
        if self.diverged() {
            return;
        }
        let p = self.current();
        let g = gradient(&self.points, p);
        let next = match self.method {
            Method::Plain => [p[0] - self.lr * g[0], p[1] - self.lr * g[1]],
            Method::Adam => {
                let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
                let t = self.path.len() as i32;
                let mut next = p;
                for k in 0..2 {
                    self.m[k] = b1 * self.m[k] + (1.0 - b1) * g[k];
                    self.v[k] = b2 * self.v[k] + (1.0 - b2) * g[k] * g[k];
                    let m_hat = self.m[k] / (1.0 - b1.powi(t));
                    let v_hat = self.v[k] / (1.0 - b2.powi(t));
                    next[k] = p[k] - self.lr * m_hat / (v_hat.sqrt() + eps);
                }
                next
            }
        };
        self.path.push(next);
        self.losses.push(loss(&self.points, next));
    }

    /// `n` steps.
    pub fn run(&mut self, n: usize) {
        for _ in 0..n {
            self.step();
        }
    }

    /// The best line for the points (least squares), the bottom of the surface.
    #[must_use]
    pub fn best(&self) -> Params {
        let n = self.points.len() as f64;
        if n < 1.0 {
            return [0.0; 2];
        }
        let (sx, sy) = self.points.iter().fold((0.0, 0.0), |(a, b), [x, y]| (a + x, b + y));
        let (mx, my) = (sx / n, sy / n);
        let (sxy, sxx) =
            self.points.iter().fold((0.0, 0.0), |(a, b), [x, y]| (a + (x - mx) * (y - my), b + (x - mx) * (x - mx)));
        let w = if sxx > 1e-12 { sxy / sxx } else { 0.0 };
        [w, my - w * mx]
    }

    /// The loss on a `res × res` grid over `w` and `b` in `range`, row by row from the lowest
    /// `b` (for the heat map).
    #[must_use]
    pub fn surface(&self, range: [f64; 2], res: usize) -> Vec<f64> {
        let at = |i: usize| range[0] + (range[1] - range[0]) * (i as f64 + 0.5) / res as f64;
        (0..res).flat_map(|j| (0..res).map(move |i| (at(i), at(j)))).map(|(w, b)| loss(&self.points, [w, b])).collect()
    }
}
