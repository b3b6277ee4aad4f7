#!/usr/bin/env python3
"""Draws pacnet's icon: assets/pacnet.svg and assets/icons/pacnet-{32,64,128,256}.png.

Pac-Man about to eat the first node of a tiny neural network, on a dark rounded square. The
shapes are defined once and written both as SVG and as PNGs rasterised here (4x4 supersampling
per pixel, zlib for the PNG), so that no SVG renderer (rsvg, inkscape, Pillow) is needed.
Run again after changing a shape: python3 scripts/gen-icons.py
"""
import math
import os
import struct
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets")
SIZES = (32, 64, 128, 256)

BG, YELLOW, EYE, WIRE, NODE = "#1b1f3b", "#ffd21f", "#1b1f3b", "#6f7bd9", "#f4f4f8"
PAC = (108.0, 128.0, 76.0)  # centre x, centre y, radius (in a 256 x 256 canvas)
MOUTH = math.radians(34.0)  # half the mouth's opening
EYE_AT = (116.0, 88.0, 9.0)
FIRST = (186.0, 128.0, 11.0)  # the pellet Pac-Man is about to eat: the network's input node
OUTS = [(226.0, y, 11.0) for y in (76.0, 128.0, 180.0)]  # the output nodes (up, none, down…)
WIRE_W = 6.0


def shapes():
    """(kind, colour, params) in painting order."""
    out = [("rrect", BG, (8.0, 8.0, 240.0, 240.0, 44.0))]
    for ox, oy, _ in OUTS:
        out.append(("line", WIRE, (FIRST[0], FIRST[1], ox, oy, WIRE_W)))
    out += [("circle", NODE, FIRST)] + [("circle", NODE, o) for o in OUTS]
    out += [("pac", YELLOW, PAC), ("circle", EYE, EYE_AT)]
    return out


def inside(kind, p, x, y):
    if kind == "rrect":
        x0, y0, w, h, r = p
        cx, cy = min(max(x, x0 + r), x0 + w - r), min(max(y, y0 + r), y0 + h - r)
        return x0 <= x <= x0 + w and y0 <= y <= y0 + h and (x - cx) ** 2 + (y - cy) ** 2 <= r * r
    if kind == "circle":
        cx, cy, r = p
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
    if kind == "pac":
        cx, cy, r = p
        if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
            return False
        return abs(math.atan2(y - cy, x - cx)) > MOUTH
    if kind == "line":
        x0, y0, x1, y1, w = p
        dx, dy = x1 - x0, y1 - y0
        t = max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy)))
        return (x - x0 - t * dx) ** 2 + (y - y0 - t * dy) ** 2 <= (w / 2) ** 2
    raise ValueError(kind)


def rgb(hexcolour):
    return tuple(int(hexcolour[i : i + 2], 16) for i in (1, 3, 5))


def svg():
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">',
             "  <title>pacnet</title>"]
    for kind, colour, p in shapes():
        if kind == "rrect":
            x, y, w, h, r = p
            parts.append(f'  <rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="{r:g}" fill="{colour}"/>')
        elif kind == "circle":
            parts.append(f'  <circle cx="{p[0]:g}" cy="{p[1]:g}" r="{p[2]:g}" fill="{colour}"/>')
        elif kind == "line":
            x0, y0, x1, y1, w = p
            parts.append(f'  <line x1="{x0:g}" y1="{y0:g}" x2="{x1:g}" y2="{y1:g}" stroke="{colour}" '
                         f'stroke-width="{w:g}" stroke-linecap="round"/>')
        elif kind == "pac":
            cx, cy, r = p
            ux, uy = cx + r * math.cos(MOUTH), cy - r * math.sin(MOUTH)
            lx, ly = cx + r * math.cos(MOUTH), cy + r * math.sin(MOUTH)
            parts.append(f'  <path d="M {cx:g} {cy:g} L {ux:.2f} {uy:.2f} A {r:g} {r:g} 0 1 0 {lx:.2f} {ly:.2f} Z" '
                         f'fill="{colour}"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def raster(size, ss=4):
    scale = 256.0 / size
    rows = []
    items = [(k, rgb(c), p) for k, c, p in shapes()]
    for py in range(size):
        row = bytearray()
        for px in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]  # premultiplied
            for sy in range(ss):
                for sx in range(ss):
                    x, y = (px + (sx + 0.5) / ss) * scale, (py + (sy + 0.5) / ss) * scale
                    colour = None
                    for kind, c, p in items:
                        if inside(kind, p, x, y):
                            colour = c
                    if colour:
                        acc[0] += colour[0]; acc[1] += colour[1]; acc[2] += colour[2]; acc[3] += 1
            a = acc[3] / (ss * ss)
            if acc[3]:
                row += bytes(round(acc[i] / acc[3]) for i in range(3)) + bytes([round(a * 255)])
            else:
                row += b"\0\0\0\0"
        rows.append(bytes(row))
    return rows


def png(size, rows):
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    raw = b"".join(b"\0" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    with open(os.path.join(ROOT, "pacnet.svg"), "w") as f:
        f.write(svg())
    for size in SIZES:
        with open(os.path.join(ROOT, "icons", f"pacnet-{size}.png"), "wb") as f:
            f.write(png(size, raster(size)))


if __name__ == "__main__":
    main()
