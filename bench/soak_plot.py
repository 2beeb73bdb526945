#!/usr/bin/env python3
"""Plots bench/soak.sh's CSV as an SVG: resident memory and p99 latency over time.

    soak_plot.py SOAK_CSV OUT_SVG

Standard library only (the page and the docs load nothing from the network)."""
import csv
import sys


def panel(rows, key, label, unit, top, height, width, left, colour):
    xs = [float(r["t_s"]) for r in rows]
    ys = [float(r[key]) for r in rows]
    x_max = max(xs) or 1.0
    y_max = max(ys) * 1.15 or 1.0
    def px(x):
        return left + (width - left - 20) * x / x_max
    def py(y):
        return top + height - height * y / y_max
    out = [f'<text x="{left}" y="{top - 8}" font-size="13">{label} ({unit})</text>',
           f'<line x1="{left}" y1="{top + height}" x2="{width - 20}" y2="{top + height}" stroke="#444"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + height}" stroke="#444"/>']
    for i in range(5):
        y = y_max * i / 4
        out.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" font-size="11" text-anchor="end">{y:.1f}</text>')
        out.append(f'<line x1="{left}" y1="{py(y):.1f}" x2="{width - 20}" y2="{py(y):.1f}" stroke="#ddd"/>')
    for i in range(6):
        x = x_max * i / 5
        out.append(f'<text x="{px(x):.1f}" y="{top + height + 15}" font-size="11" text-anchor="middle">{x:.0f}</text>')
    points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys))
    out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for x, y in zip(xs, ys):
        out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{colour}"/>')
    return out


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    width, left = 720, 60
    body = ['<svg xmlns="http://www.w3.org/2000/svg" width="720" height="470" font-family="sans-serif">',
            '<rect width="100%" height="100%" fill="white"/>',
            '<text x="360" y="20" font-size="14" text-anchor="middle">memnet serve soak: '
            'time (s) after start</text>']
    body += panel(rows, "rss_mb", "resident memory", "MB", 50, 150, width, left, "#1f77b4")
    body += panel(rows, "p99_ms", "p99 latency per window", "ms", 270, 150, width, left, "#d62728")
    body.append("</svg>")
    open(sys.argv[2], "w").write("\n".join(body) + "\n")


if __name__ == "__main__":
    main()
