//! Draws a [`Game`] with an egui [`Painter`]: maze, dots, Pac-Man, ghosts, fruit and the score
//! lines, laid out like the arcade's 28 × 36-tile screen.
//!
//! Read-only: [`paint`] looks at the game and never changes it, so the play panel can call it
//! any number of times per tick. Everything is vector shapes in points, scaled to the largest
//! 28:36 rectangle that fits the target, so it stays sharp at any size and pixels-per-point.

use crate::game::{
    COLS, Cell, Cutscene, DYING_FREEZE_TICKS, Dir, FRUIT_POS, Figure, Game, Ghost, LEVEL_FLASH_TICKS,
    LEVEL_FREEZE_TICKS, Look, Maze, Phase, Pos, ROWS, SPLIT_COLUMN, SPLIT_DOTS, SPLIT_HIDDEN, Sprite, Tile,
};
use egui::{Align2, Color32, FontId, Painter, Pos2, Rect, Shape, Stroke, Vec2, vec2};
use std::f32::consts::{FRAC_PI_2, PI, TAU};

mod sprites;
use sprites::{
    paint_eyes, paint_fright_face, paint_fruit, paint_ghost, paint_ghost_body, paint_pacman, paint_wish, pie,
};

/// Width over height of the drawing: 28 tiles by 36 (31 of maze, 3 above, 2 below).
pub const ASPECT: f32 = 28.0 / 36.0;

const SCREEN_ROWS: f32 = 36.0;
/// The maze starts on the screen's fourth row; the score lines sit above it.
const MAZE_TOP_ROW: f32 = 3.0;
/// After the freeze the walls flash white and blue eight times, then the screen is empty.
const LEVEL_FLASHES: u32 = 8;

const WALL: Color32 = Color32::from_rgb(33, 33, 255);
const DOOR: Color32 = Color32::from_rgb(255, 184, 255);
const DOT: Color32 = Color32::from_rgb(255, 184, 174);
const PACMAN: Color32 = Color32::from_rgb(255, 255, 0);
const FRIGHT_BODY: Color32 = Color32::from_rgb(33, 33, 255);
const FRIGHT_FACE: Color32 = Color32::from_rgb(255, 184, 174);
const FLASH_BODY: Color32 = Color32::from_rgb(222, 222, 255);
const FLASH_FACE: Color32 = Color32::from_rgb(255, 0, 0);
const EYE_WHITE: Color32 = Color32::from_rgb(222, 222, 255);
const PUPIL: Color32 = Color32::from_rgb(33, 33, 255);
const TEXT: Color32 = Color32::from_rgb(222, 222, 255);
const READY: Color32 = Color32::from_rgb(255, 255, 0);
const GAME_OVER: Color32 = Color32::from_rgb(255, 0, 0);

/// The body colour of each ghost (arcade palette).
pub fn ghost_color(g: Ghost) -> Color32 {
    match g {
        Ghost::Blinky => Color32::from_rgb(255, 0, 0),
        Ghost::Pinky => Color32::from_rgb(255, 184, 255),
        Ghost::Inky => Color32::from_rgb(0, 255, 255),
        Ghost::Clyde => Color32::from_rgb(255, 184, 82),
    }
}

/// Maps tile coordinates to points.
#[derive(Clone, Copy)]
struct Layout {
    origin: Pos2,
    tile: f32,
}

impl Layout {
    fn new(rect: Rect) -> Layout {
        let tile = (rect.width() / COLS as f32).min(rect.height() / SCREEN_ROWS);
        let origin = rect.center() - vec2(COLS as f32 / 2.0, SCREEN_ROWS / 2.0) * tile;
        Layout { origin, tile }
    }

    /// A point given in screen tiles (row 0 is the top score line).
    fn screen(&self, col: f32, row: f32) -> Pos2 {
        self.origin + vec2(col, row) * self.tile
    }

    /// A point given in maze tiles.
    fn maze(&self, col: f32, row: f32) -> Pos2 {
        self.screen(col, row + MAZE_TOP_ROW)
    }

    fn pos(&self, p: Pos) -> Pos2 {
        let (x, y) = p.to_tiles();
        self.maze(x, y)
    }

    fn maze_rect(&self) -> Rect {
        Rect::from_min_max(self.maze(0.0, 0.0), self.maze(COLS as f32, ROWS as f32))
    }

    fn font(&self, tiles: f32) -> FontId {
        FontId::monospace(self.tile * tiles)
    }
}

fn unit(d: Dir) -> Vec2 {
    let (x, y) = d.delta();
    vec2(x as f32, y as f32)
}

fn angle(d: Dir) -> f32 {
    match d {
        Dir::Right => 0.0,
        Dir::Down => FRAC_PI_2,
        Dir::Left => PI,
        Dir::Up => -FRAC_PI_2,
    }
}

/// Draws `game` into `rect` (black background included). `time` is seconds since any fixed
/// moment; it only drives decorative blinking and wiggling, never game state.
pub fn paint(painter: &Painter, rect: Rect, game: &Game, time: f64) {
    let l = Layout::new(rect);
    painter.rect_filled(rect, 0.0, Color32::BLACK);
    if let Some((act, tick)) = game.intermission() {
        paint_intermission(&painter.with_clip_rect(rect), &l, act, tick);
        paint_hud(painter, &l, game);
        return;
    }
    let phase = game.phase();
    let (flash_walls, emptied) = match phase {
        Phase::LevelComplete { tick } if tick >= LEVEL_FREEZE_TICKS => {
            let flash = (tick - LEVEL_FREEZE_TICKS) / LEVEL_FLASH_TICKS;
            (flash.is_multiple_of(2), flash >= LEVEL_FLASHES)
        }
        _ => (false, false),
    };
    if emptied {
        paint_hud(painter, &l, game);
        return;
    }
    paint_walls(painter, &l, game.maze(), if flash_walls { TEXT } else { WALL });
    if !matches!(phase, Phase::LevelComplete { .. }) {
        paint_door(painter, &l);
    }
    let blink_on = phase != Phase::Playing || (time * 3.0).fract() < 0.5;
    paint_dots(painter, &l, game.maze(), blink_on);
    if game.split_screen() {
        paint_split_screen(painter, &l, game.maze());
    }

    let board = painter.with_clip_rect(l.maze_rect());
    if let Some(f) = game.fruit() {
        paint_fruit(&board, l.pos(f.pos), l.tile * 0.8, f.fruit);
    }
    let ghosts_visible = match phase {
        Phase::Ready { .. } | Phase::Playing => true,
        Phase::Dying { tick } => tick < DYING_FREEZE_TICKS,
        Phase::LevelComplete { tick } => tick < LEVEL_FREEZE_TICKS,
        Phase::Intermission { .. } | Phase::GameOver => false,
    };
    let popup = game.popup();
    if ghosts_visible {
        for v in game.ghosts() {
            // The ghost just eaten is replaced by its points during the freeze.
            let hidden = game.score_pause_ticks() > 0 && popup.is_some_and(|p| p.ghost && p.pos == v.pos);
            if !hidden {
                wrapped(&l, v.pos, |c| paint_ghost(&board, &l, c, &v, game, time));
            }
        }
    }
    if phase != Phase::GameOver && game.score_pause_ticks() == 0 {
        let pac = game.pacman();
        wrapped(&l, pac.pos, |c| paint_pacman(&board, &l, c, game, phase));
        if let Some(w) = pac.wish.filter(|w| *w != pac.dir && phase == Phase::Playing) {
            paint_wish(&board, &l, l.pos(pac.pos), w);
        }
    }
    if let Some(p) = popup {
        let color = if p.ghost { Color32::from_rgb(0, 255, 255) } else { DOOR };
        board.text(l.pos(p.pos), Align2::CENTER_CENTER, p.points, l.font(0.75), color);
    }
    paint_hud(painter, &l, game);
}

/// Level 256: garbage glyphs in random colours over the right half, which hide its walls and
/// its dots; five of the nine dots show through, oddly coloured, four stay invisible.
fn paint_split_screen(painter: &Painter, l: &Layout, maze: &Maze) {
    const GLYPHS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!.-/\\\"";
    const COLORS: [Color32; 6] =
        [WALL, DOT, PACMAN, DOOR, Color32::from_rgb(255, 0, 0), Color32::from_rgb(0, 255, 255)];
    let font = l.font(0.9);
    let top = l.maze(SPLIT_COLUMN as f32, 0.0);
    let bottom_right = l.maze(COLS as f32, ROWS as f32);
    painter.rect_filled(Rect::from_min_max(top, bottom_right), 0.0, Color32::BLACK);
    for r in 0..ROWS {
        for c in SPLIT_COLUMN..COLS {
            // A fixed scramble of the tile's coordinates, so the garbage stays still.
            let h = ((c * 7919 + r * 104_729) as u32).wrapping_mul(2_654_435_761) >> 7;
            if h.is_multiple_of(5) {
                continue;
            }
            let ch = GLYPHS.get(h as usize % GLYPHS.len()).copied().unwrap_or(b'?') as char;
            let color = COLORS.get((h >> 8) as usize % COLORS.len()).copied().unwrap_or(WALL);
            let at = l.maze(c as f32 + 0.5, r as f32 + 0.5);
            painter.text(at, Align2::CENTER_CENTER, ch, font.clone(), color);
        }
    }
    for (i, t) in SPLIT_DOTS.iter().enumerate() {
        if SPLIT_HIDDEN.contains(t) || maze.cell(*t) != Cell::Dot {
            continue;
        }
        let color = COLORS.get(i % COLORS.len()).copied().unwrap_or(DOT);
        painter.circle_filled(l.maze(t.col as f32 + 0.5, t.row as f32 + 0.5), (l.tile * 0.16).max(1.0), color);
    }
}

/// A cut-scene: black screen, the scene's sprites on their row.
fn paint_intermission(painter: &Painter, l: &Layout, act: Cutscene, tick: u32) {
    for sprite in act.scene(tick).sprites {
        paint_scene_sprite(painter, l, &sprite, tick);
    }
}

fn paint_scene_sprite(painter: &Painter, l: &Layout, s: &Sprite, tick: u32) {
    let c = l.pos(s.pos);
    let r = l.tile * 0.85;
    let wiggle = s.moving && (tick / 8).is_multiple_of(2);
    let white = Color32::from_rgb(222, 222, 255);
    match s.figure {
        Figure::Pacman { big } => {
            let radius = if big { r * 3.0 } else { r * 0.95 };
            let opening = if s.moving { 1.0 - ((tick % 8) as f32 / 4.0 - 1.0).abs() } else { 0.0 };
            pie(painter, c, radius, angle(s.dir), 0.05 + opening * 0.75, PACMAN);
        }
        Figure::Ghost { ghost, look } => {
            let body = if look == Look::Frightened { FRIGHT_BODY } else { ghost_color(ghost) };
            match look {
                Look::Naked => {
                    // A bare pink body on two thin legs.
                    painter.circle_filled(c - vec2(0.0, r * 0.2), r * 0.7, DOOR);
                    let step = if wiggle { r * 0.25 } else { -r * 0.25 };
                    let legs = Stroke::new(r * 0.15, DOOR);
                    painter.line_segment([c + vec2(-r * 0.3, r * 0.3), c + vec2(-r * 0.3 + step, r * 0.95)], legs);
                    painter.line_segment([c + vec2(r * 0.3, r * 0.3), c + vec2(r * 0.3 - step, r * 0.95)], legs);
                    paint_eyes(painter, c - vec2(0.0, r * 0.2), r * 0.8, s.dir);
                }
                Look::Snagged { stretch } => {
                    paint_ghost_body(painter, c, r, body, wiggle);
                    // The hem stays on the nail behind him and stretches.
                    let hem = l.pos(Pos::new(s.pos.x + stretch, s.pos.y));
                    let cloth = Stroke::new(r * 0.35, body);
                    painter.line_segment([c + vec2(r * 0.6, r * 0.7), hem + vec2(0.0, r * 0.7)], cloth);
                    paint_eyes(painter, c, r, s.dir);
                }
                _ => {
                    paint_ghost_body(painter, c, r, body, wiggle);
                    if look == Look::Frightened {
                        paint_fright_face(painter, c, r, FRIGHT_FACE);
                    } else {
                        paint_eyes(painter, c, r, s.dir);
                    }
                    if look == Look::Torn {
                        let skin =
                            [c + vec2(r * 0.2, r * 0.3), c + vec2(r * 0.9, r * 0.3), c + vec2(r * 0.9, r * 0.95)];
                        painter.add(Shape::convex_polygon(skin.to_vec(), DOOR, Stroke::NONE));
                    }
                    if look == Look::Patched {
                        let patch = Rect::from_center_size(c + vec2(r * 0.45, r * 0.55), vec2(r * 0.5, r * 0.4));
                        painter.rect_filled(patch, 0.0, DOOR);
                        painter.rect_stroke(patch, 0.0, Stroke::new(r * 0.06, white), egui::StrokeKind::Middle);
                    }
                }
            }
        }
        Figure::Nail => {
            painter.line_segment([c + vec2(0.0, r * 0.2), c + vec2(0.0, r * 1.0)], Stroke::new(r * 0.12, white));
            painter
                .line_segment([c + vec2(-r * 0.2, r * 0.2), c + vec2(r * 0.2, r * 0.2)], Stroke::new(r * 0.1, white));
        }
        Figure::Sheet => {
            let pts = vec![c + vec2(-r * 1.2, r * 0.9), c + vec2(r * 0.9, r * 0.5), c + vec2(r * 0.9, r * 0.95)];
            painter.add(Shape::convex_polygon(pts, ghost_color(Ghost::Blinky), Stroke::NONE));
        }
    }
}

/// Overlays each roaming ghost's current target tile (a square in its colour, joined to the
/// ghost by a thin line), for lessons on how the ghosts think. Call after [`paint`] with the
/// same `rect`. Targets off the maze (scatter corners) are drawn where they lie, clipped to
/// `rect`.
pub fn paint_targets(painter: &Painter, rect: Rect, game: &Game) {
    let l = Layout::new(rect);
    let painter = painter.with_clip_rect(rect);
    for v in game.ghosts() {
        let Some(t) = v.target else { continue };
        let color = ghost_color(v.ghost);
        let center = l.maze(t.col as f32 + 0.5, t.row as f32 + 0.5);
        let faint = Color32::from_rgba_unmultiplied(color.r(), color.g(), color.b(), 110);
        painter.line_segment([l.pos(v.pos), center], Stroke::new((l.tile * 0.08).max(1.0), faint));
        let square = Rect::from_center_size(center, Vec2::splat(l.tile * 0.8));
        painter.rect_stroke(square, 0.0, Stroke::new((l.tile * 0.15).max(1.0), color), egui::StrokeKind::Middle);
    }
}

/// Calls `draw` at the sprite's position, and again one maze-width over when it straddles the
/// tunnel edge, so it slides out one side and in the other.
fn wrapped(l: &Layout, p: Pos, mut draw: impl FnMut(Pos2)) {
    let c = l.pos(p);
    draw(c);
    let width = COLS as f32 * l.tile;
    let (x, _) = p.to_tiles();
    if x < 1.0 {
        draw(c + vec2(width, 0.0));
    } else if x > COLS as f32 - 1.0 {
        draw(c - vec2(width, 0.0));
    }
}

/// Walls are outlined, not filled: the outline runs through the centres of the wall tiles that
/// border open floor, with rounded corners, like the arcade's thin blue lines. An edge between
/// two wall tiles is drawn unless both 2 × 2 blocks beside it are solid wall.
fn paint_walls(painter: &Painter, l: &Layout, maze: &Maze, color: Color32) {
    let stroke = Stroke::new((l.tile * 0.16).max(1.0), color);
    let solid = |c: i32, r: i32| maze.cell(Tile::new(c, r)).is_solid();
    let edge = |c: i32, r: i32, d: Dir| {
        let (dc, dr) = d.delta();
        let (nc, nr) = (c + dc, r + dr);
        if !solid(c, r) || !solid(nc, nr) {
            return false;
        }
        let (pc, pr) = (dr.abs(), dc.abs()); // the perpendicular axis
        let block = |s: i32| solid(c + pc * s, r + pr * s) && solid(nc + pc * s, nr + pr * s);
        !(block(1) && block(-1))
    };
    for r in 0..ROWS {
        for c in 0..COLS {
            let dirs: Vec<Dir> = Dir::PRIORITY.into_iter().filter(|&d| edge(c, r, d)).collect();
            let v = l.maze(c as f32 + 0.5, r as f32 + 0.5);
            let half = l.tile * 0.5;
            match dirs.as_slice() {
                [a, b] if a.is_horizontal() != b.is_horizontal() => {
                    // A quarter circle from the middle of one edge to the middle of the other.
                    let center = v + (unit(*a) + unit(*b)) * half;
                    let (from, to) = ((-unit(*b)).angle(), (-unit(*a)).angle());
                    let sweep = (to - from + PI).rem_euclid(TAU) - PI;
                    let pts = (0..=8).map(|i| center + Vec2::angled(from + sweep * i as f32 / 8.0) * half).collect();
                    painter.add(Shape::line(pts, stroke));
                }
                _ => {
                    for d in dirs {
                        painter.line_segment([v, v + unit(d) * half], stroke);
                    }
                }
            }
        }
    }
}

fn paint_door(painter: &Painter, l: &Layout) {
    let y = 12.0 + 0.5;
    let w = (l.tile * 0.25).max(1.0);
    painter.line_segment([l.maze(13.0, y), l.maze(15.0, y)], Stroke::new(w, DOOR));
}

fn paint_dots(painter: &Painter, l: &Layout, maze: &Maze, energizers_on: bool) {
    for (t, cell) in maze.tiles() {
        let c = l.maze(t.col as f32 + 0.5, t.row as f32 + 0.5);
        match cell {
            Cell::Dot => {
                painter.circle_filled(c, (l.tile * 0.13).max(0.75), DOT);
            }
            Cell::Energizer if energizers_on => {
                painter.circle_filled(c, l.tile * 0.48, DOT);
            }
            _ => {}
        }
    }
}

fn paint_hud(painter: &Painter, l: &Layout, game: &Game) {
    let font = l.font(1.0);
    painter.text(l.screen(4.5, 0.5), Align2::CENTER_CENTER, "1UP", font.clone(), TEXT);
    painter.text(l.screen(7.0, 1.5), Align2::RIGHT_CENTER, game.score(), font.clone(), TEXT);
    painter.text(l.screen(14.0, 0.5), Align2::CENTER_CENTER, "HIGH SCORE", font.clone(), TEXT);
    painter.text(l.screen(17.0, 1.5), Align2::RIGHT_CENTER, game.high_score(), font.clone(), TEXT);
    painter.text(l.screen(23.5, 0.5), Align2::CENTER_CENTER, "LEVEL", font.clone(), TEXT);
    painter.text(l.screen(23.5, 1.5), Align2::CENTER_CENTER, game.level(), font.clone(), TEXT);

    // Lives in reserve (the one in play is on the board), bottom left.
    let reserve = game.lives().saturating_sub(1).min(6);
    for i in 0..reserve {
        let c = l.screen(3.0 + 2.0 * f32::from(i), 34.5);
        pie(painter, c, l.tile * 0.8, PI, 0.6, PACMAN);
    }
    // The last seven levels' fruit, newest on the right, bottom right.
    let first = game.level().saturating_sub(6).max(1);
    for (i, level) in (first..=game.level()).rev().enumerate() {
        let c = l.screen(25.0 - 2.0 * i as f32, 34.5);
        paint_fruit(painter, c, l.tile * 0.8, crate::game::spec(level).fruit);
    }

    let (x, y) = FRUIT_POS.to_tiles();
    let message = l.maze(x, y);
    match game.phase() {
        Phase::GameOver => {
            painter.text(message, Align2::CENTER_CENTER, "GAME  OVER", font, GAME_OVER);
        }
        Phase::Ready { .. } => {
            painter.text(message, Align2::CENTER_CENTER, "READY!", font, READY);
        }
        Phase::Intermission { .. } => {
            let at = l.screen(14.0, 33.0);
            painter.text(at, Align2::CENTER_CENTER, "SPACE: SKIP", l.font(0.8), Color32::from_gray(120));
        }
        _ if game.paused() => {
            painter.text(message, Align2::CENTER_CENTER, "PAUSED", font, TEXT);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::pos2;

    #[test]
    fn layout_keeps_the_arcade_aspect_and_centres_the_board() {
        // A tall panel: the width decides, 20 points per tile, 720 points of board centred.
        let l = Layout::new(Rect::from_min_size(pos2(0.0, 0.0), vec2(560.0, 1000.0)));
        assert_eq!(l.tile, 20.0);
        assert_eq!(l.screen(0.0, 0.0), pos2(0.0, 140.0));
        assert_eq!(l.maze(28.0, 31.0), pos2(560.0, 140.0 + 34.0 * 20.0));
        // A wide panel: the height decides and the board is centred horizontally.
        let l = Layout::new(Rect::from_min_size(pos2(10.0, 20.0), vec2(1000.0, 360.0)));
        assert_eq!(l.tile, 10.0);
        assert_eq!(l.screen(0.0, 0.0), pos2(10.0 + (1000.0 - 280.0) / 2.0, 20.0));
        assert_eq!(l.pos(Tile::new(0, 0).center()), l.screen(0.5, 3.5));
    }
}
