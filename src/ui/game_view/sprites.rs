//! The figures: Pac-Man, the ghosts and the bonus fruit, as vector shapes (kept apart from the
//! maze and the score lines so each file reads in one sitting).

use super::{
    EYE_WHITE, FLASH_BODY, FLASH_FACE, FRIGHT_BODY, FRIGHT_FACE, Layout, PACMAN, PUPIL, angle, ghost_color, unit,
};
use crate::game::{DYING_ANIMATION_END_TICK, DYING_ANIMATION_TICK, Dir, Fruit, Game, GhostState, GhostView, Phase};
use egui::{Color32, Painter, Pos2, Rect, Shape, Stroke, Vec2, pos2, vec2};
use std::f32::consts::{FRAC_PI_2, PI, TAU};

/// A disc with a wedge cut out, facing `facing` radians, mouth half-opening `mouth`. Drawn as
/// two overlapping convex halves because egui fills convex polygons only.
pub(super) fn pie(painter: &Painter, c: Pos2, r: f32, facing: f32, mouth: f32, color: Color32) {
    if mouth < 0.05 {
        painter.circle_filled(c, r, color);
        return;
    }
    let half = |from: f32, to: f32| {
        let n = 16;
        let mut pts = vec![c];
        pts.extend((0..=n).map(|i| c + Vec2::angled(from + (to - from) * i as f32 / n as f32) * r));
        Shape::convex_polygon(pts, color, Stroke::NONE)
    };
    let back = facing + PI;
    let overlap = 0.15_f32.min(PI - mouth);
    painter.add(half(facing + mouth, back + overlap));
    painter.add(half(back - overlap, facing + TAU - mouth));
}

pub(super) fn paint_pacman(painter: &Painter, l: &Layout, c: Pos2, game: &Game, phase: Phase) {
    let pac = game.pacman();
    let r = l.tile * 0.8;
    match phase {
        Phase::Dying { tick } if tick >= DYING_ANIMATION_END_TICK => {}
        Phase::Dying { tick } if tick >= DYING_ANIMATION_TICK => {
            // The arcade's death: the mouth opens from the top until nothing is left, then a
            // last sparkle.
            let shrink = (DYING_ANIMATION_END_TICK - DYING_ANIMATION_TICK - 12) as f32;
            let t = (tick - DYING_ANIMATION_TICK) as f32 / shrink;
            if t < 1.0 {
                pie(painter, c, r, -FRAC_PI_2, 0.15 + t * (PI - 0.15), PACMAN);
            } else {
                for i in 0..8 {
                    let a = i as f32 * TAU / 8.0;
                    painter.line_segment(
                        [c + Vec2::angled(a) * r * 0.4, c + Vec2::angled(a) * r * 0.8],
                        Stroke::new(l.tile * 0.12, PACMAN),
                    );
                }
            }
        }
        Phase::Dying { .. } => {
            painter.circle_filled(c, r, PACMAN);
        }
        // Round and closed before play starts, as in the arcade.
        Phase::Ready { .. } if pac.anim == 0 => {
            painter.circle_filled(c, r, PACMAN);
        }
        _ => {
            let cycle = (pac.anim % 8) as f32 / 8.0;
            let opening = 1.0 - (cycle * 2.0 - 1.0).abs();
            pie(painter, c, r, angle(pac.dir), 0.05 + opening * 0.75, PACMAN);
        }
    }
}

/// A small arrow showing the remembered turn the controller asked for.
pub(super) fn paint_wish(painter: &Painter, l: &Layout, c: Pos2, w: Dir) {
    let u = unit(w);
    let p = vec2(-u.y, u.x);
    let tip = c + u * l.tile * 1.55;
    let base = c + u * l.tile * 1.1;
    let color = Color32::from_rgba_unmultiplied(255, 255, 0, 150);
    painter.add(Shape::convex_polygon(
        vec![tip, base + p * l.tile * 0.3, base - p * l.tile * 0.3],
        color,
        Stroke::NONE,
    ));
}

pub(super) fn paint_ghost(painter: &Painter, l: &Layout, c: Pos2, v: &GhostView, game: &Game, time: f64) {
    let r = l.tile * 0.85;
    let eyes_only = matches!(v.state, GhostState::Eyes | GhostState::EnteringHouse);
    if !eyes_only {
        let white = v.frightened && game.fright_flash_white();
        let body = match (v.frightened, white) {
            (true, true) => FLASH_BODY,
            (true, false) => FRIGHT_BODY,
            _ => ghost_color(v.ghost),
        };
        let wiggle = (time * 8.0).fract() < 0.5;
        paint_ghost_body(painter, c, r, body, wiggle);
        if v.frightened {
            paint_fright_face(painter, c, r, if white { FLASH_FACE } else { FRIGHT_FACE });
            return;
        }
    }
    paint_eyes(painter, c, r, v.dir);
}

pub(super) fn paint_ghost_body(painter: &Painter, c: Pos2, r: f32, color: Color32, wiggle: bool) {
    let dome = c - vec2(0.0, r * 0.15);
    let skirt_top = c.y + r * 0.6;
    let bottom = c.y + r * 0.9;
    let mut pts: Vec<Pos2> = (0..=16).map(|i| dome + Vec2::angled(PI + PI * i as f32 / 16.0) * r).collect();
    pts.push(pos2(c.x + r, skirt_top));
    pts.push(pos2(c.x - r, skirt_top));
    painter.add(Shape::convex_polygon(pts, color, Stroke::NONE));
    // The skirt's feet alternate between two shapes as the ghost moves.
    let feet = if wiggle { 4 } else { 3 };
    let w = 2.0 * r / feet as f32;
    for i in 0..feet {
        let x0 = c.x - r + w * i as f32;
        let tri = vec![pos2(x0, skirt_top - 0.5), pos2(x0 + w, skirt_top - 0.5), pos2(x0 + w * 0.5, bottom)];
        painter.add(Shape::convex_polygon(tri, color, Stroke::NONE));
    }
}

pub(super) fn paint_eyes(painter: &Painter, c: Pos2, r: f32, dir: Dir) {
    let look = unit(dir);
    for side in [-1.0, 1.0] {
        let eye = c + vec2(side * r * 0.38, -r * 0.2) + look * r * 0.12;
        painter.add(Shape::ellipse_filled(eye, vec2(r * 0.28, r * 0.36), EYE_WHITE));
        painter.circle_filled(eye + look * r * 0.16, r * 0.16, PUPIL);
    }
}

pub(super) fn paint_fright_face(painter: &Painter, c: Pos2, r: f32, color: Color32) {
    for side in [-1.0, 1.0] {
        painter.circle_filled(c + vec2(side * r * 0.32, -r * 0.25), r * 0.13, color);
    }
    let pts = (0..=6)
        .map(|i| pos2(c.x - r * 0.6 + r * 0.2 * i as f32, c.y + r * 0.35 + if i % 2 == 0 { r * 0.1 } else { -r * 0.1 }))
        .collect();
    painter.add(Shape::line(pts, Stroke::new(r * 0.1, color)));
}

/// Simple vector versions of the eight bonus symbols.
pub(super) fn paint_fruit(painter: &Painter, c: Pos2, r: f32, fruit: Fruit) {
    let red = Color32::from_rgb(255, 0, 0);
    let green = Color32::from_rgb(0, 180, 0);
    let brown = Color32::from_rgb(222, 151, 81);
    let stem = Stroke::new(r * 0.12, brown);
    match fruit {
        Fruit::Cherries => {
            let (a, b, top) =
                (c + vec2(-r * 0.4, r * 0.35), c + vec2(r * 0.35, r * 0.45), c + vec2(r * 0.45, -r * 0.7));
            painter.line_segment([a, top], stem);
            painter.line_segment([b, top], stem);
            painter.circle_filled(a, r * 0.38, red);
            painter.circle_filled(b, r * 0.38, red);
        }
        Fruit::Strawberry => {
            let pts = vec![c + vec2(-r * 0.75, -r * 0.35), c + vec2(r * 0.75, -r * 0.35), c + vec2(0.0, r * 0.85)];
            painter.circle_filled(c + vec2(0.0, -r * 0.2), r * 0.62, red);
            painter.add(Shape::convex_polygon(pts, red, Stroke::NONE));
            for (x, y) in [(-0.3, -0.1), (0.25, -0.15), (0.0, 0.2), (-0.15, 0.45), (0.3, 0.25)] {
                painter.circle_filled(c + vec2(x * r, y * r), r * 0.06, Color32::WHITE);
            }
            painter.rect_filled(Rect::from_center_size(c + vec2(0.0, -r * 0.8), vec2(r * 0.8, r * 0.22)), 2.0, green);
        }
        Fruit::Peach | Fruit::Apple | Fruit::Grapes => {
            let body = match fruit {
                Fruit::Peach => Color32::from_rgb(255, 184, 82),
                Fruit::Apple => red,
                _ => Color32::from_rgb(80, 200, 60),
            };
            painter.circle_filled(c + vec2(0.0, r * 0.1), r * 0.75, body);
            painter.line_segment([c + vec2(0.0, -r * 0.55), c + vec2(r * 0.2, -r * 0.95)], stem);
            if fruit == Fruit::Grapes {
                for x in [-0.35, 0.0, 0.35] {
                    let s = Stroke::new(r * 0.08, Color32::from_rgb(200, 255, 200));
                    painter.line_segment([c + vec2(x * r, -r * 0.45), c + vec2(x * r, r * 0.7)], s);
                }
            } else {
                painter.circle_filled(
                    c + vec2(-r * 0.3, -r * 0.15),
                    r * 0.15,
                    Color32::from_rgba_unmultiplied(255, 255, 255, 140),
                );
            }
        }
        Fruit::Galaxian => {
            let yellow = Color32::from_rgb(255, 255, 0);
            let blue = Color32::from_rgb(33, 33, 255);
            let wing =
                |s: f32| vec![c + vec2(0.0, -r * 0.2), c + vec2(s * r * 0.9, -r * 0.6), c + vec2(s * r * 0.9, r * 0.3)];
            painter.add(Shape::convex_polygon(wing(-1.0), blue, Stroke::NONE));
            painter.add(Shape::convex_polygon(wing(1.0), blue, Stroke::NONE));
            let body = vec![
                c + vec2(0.0, -r * 0.9),
                c + vec2(r * 0.35, r * 0.1),
                c + vec2(0.0, r * 0.9),
                c + vec2(-r * 0.35, r * 0.1),
            ];
            painter.add(Shape::convex_polygon(body, yellow, Stroke::NONE));
            painter.circle_filled(c + vec2(0.0, r * 0.05), r * 0.15, red);
        }
        Fruit::Bell => {
            let yellow = Color32::from_rgb(255, 255, 0);
            painter.circle_filled(c + vec2(0.0, -r * 0.15), r * 0.55, yellow);
            let skirt = vec![
                c + vec2(-r * 0.55, -r * 0.15),
                c + vec2(r * 0.55, -r * 0.15),
                c + vec2(r * 0.8, r * 0.6),
                c + vec2(-r * 0.8, r * 0.6),
            ];
            painter.add(Shape::convex_polygon(skirt, yellow, Stroke::NONE));
            painter.circle_filled(c + vec2(0.0, r * 0.7), r * 0.18, Color32::from_rgb(0, 255, 255));
        }
        Fruit::Key => {
            let cyan = Color32::from_rgb(0, 255, 255);
            painter.circle_stroke(c + vec2(0.0, -r * 0.5), r * 0.35, Stroke::new(r * 0.18, cyan));
            let white = Stroke::new(r * 0.16, EYE_WHITE);
            painter.line_segment([c + vec2(0.0, -r * 0.15), c + vec2(0.0, r * 0.9)], white);
            for y in [0.45, 0.75] {
                painter.line_segment([c + vec2(0.0, y * r), c + vec2(r * 0.3, y * r)], white);
            }
        }
    }
}
