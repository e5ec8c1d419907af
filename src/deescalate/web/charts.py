"""Server-rendered inline SVG charts: no script, no network. Each chart is an ``<svg role="img">`` with a
``<title>`` and a ``<desc>`` that says in words what it shows; the page puts the same figures in a table beside it.

Every string that came from data goes through ``escape``; the markup around it is ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

# Verdict colours (colour-blind safe pairs: blue/orange rather than green/red), and each status's words in the legend.
STATUS_COLOURS = {
    "demonstrated": "#1b6ca8",
    "mixed": "#c9a227",
    "concerns": "#d1495b",
    "not observed": "#b8bcc2",
}
LINE_COLOURS = {"demonstrated_share": "#1b6ca8", "concerns_share": "#d1495b"}
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _svg(width: int, height: int, chart_id: str, title: str, desc: str, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT}>'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def stacked_bars(chart_id: str, title: str, rows: Sequence[tuple[str, dict[str, int]]]) -> Markup:
    """One horizontal bar per row (a checklist item), split by verdict in proportion, with the counts written in."""
    label_w, bar_w, row_h, top = 150, 460, 26, 30
    height = top + row_h * len(rows) + 10
    parts = [_legend(label_w, 12)]
    sentences = []
    for i, (label, counts) in enumerate(rows):
        y = top + i * row_h
        total = sum(counts.values())
        parts.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        if not total:
            parts.append(f'<text x="{label_w}" y="{y + 15}" fill="#555">no reviewed encounters</text>')
            sentences.append(f"{label}: none")
            continue
        x = float(label_w)
        for status, colour in STATUS_COLOURS.items():
            n = counts.get(status, 0)
            if not n:
                continue
            w = bar_w * n / total
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 6}" fill="{colour}">'
                f"<title>{escape(label)}: {escape(status)} {n} of {total}</title></rect>"
            )
            if w >= 22:
                ink = "#000" if status in ("mixed", "not observed") else "#fff"
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 15}" text-anchor="middle" fill="{ink}">{n}</text>')
            x += w
        sentences.append(f"{label}: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUS_COLOURS))
    return _svg(label_w + bar_w + 10, height, chart_id, title, "; ".join(sentences) + ".", "".join(parts))


def _legend(x0: int, y: int) -> str:
    parts, x = [], x0
    for status, colour in STATUS_COLOURS.items():
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="{y}">{escape(status)}</text>')
        x += 28 + 7 * len(status)
    return "".join(parts)


def share_lines(chart_id: str, title: str, groups: Sequence[dict[str, Any]]) -> Markup:
    """Over time: the share of checklist verdicts that show the practice, and the share with concerns."""
    left, width, height, top, bottom = 44, 520, 200, 24, 40
    plot_h = height - top - bottom
    n = len(groups)
    step = width / max(n - 1, 1)

    def xy(i: int, share: float) -> tuple[float, float]:
        return left + (i * step if n > 1 else width / 2), top + plot_h * (1 - share)

    parts = []
    for tick in (0, 0.25, 0.5, 0.75, 1):
        _, y = xy(0, tick)
        parts.append(f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{int(tick * 100)}%</text>')
    every = max(1, n // 8)  # at most about eight period labels under the axis
    for i, g in enumerate(groups):
        if i % every == 0 or i == n - 1:
            x, _ = xy(i, 0)
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">{escape(g["key"])}</text>')
    sentences = []
    for key, words, colour in (
        ("demonstrated_share", "practice shown", LINE_COLOURS["demonstrated_share"]),
        ("concerns_share", "concerns or mixed", LINE_COLOURS["concerns_share"]),
    ):
        points = [(i, g[key]) for i, g in enumerate(groups) if g[key] is not None]
        coords = [xy(i, s) for i, s in points]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            dash = ' stroke-dasharray="6 3"' if key == "concerns_share" else ""
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>')
        for (i, s), (x, y) in zip(points, coords, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">'
                f"<title>{escape(groups[i]['key'])}: {round(s * 100)}% {words}</title></circle>"
            )
        sentences.append(words + ": " + ", ".join(f"{groups[i]['key']} {round(s * 100)}%" for i, s in points))
    legend_y = height - 8
    parts.append(
        f'<line x1="{left}" x2="{left + 24}" y1="{legend_y - 4}" y2="{legend_y - 4}" stroke="#1b6ca8" '
        'stroke-width="2.5"/>'
    )
    parts.append(f'<text x="{left + 30}" y="{legend_y}">practice shown</text>')
    parts.append(
        f'<line x1="{left + 150}" x2="{left + 174}" y1="{legend_y - 4}" y2="{legend_y - 4}" stroke="#d1495b" '
        'stroke-width="2.5" stroke-dasharray="6 3"/>'
    )
    parts.append(f'<text x="{left + 180}" y="{legend_y}">concerns or mixed</text>')
    desc = "; ".join(sentences) + "." if groups else "No reviewed encounters in this range."
    return _svg(left + width + 20, height, chart_id, title, desc, "".join(parts))


def histogram(chart_id: str, title: str, bins: Sequence[dict[str, Any]], unit: str) -> Markup:
    """A small histogram: one bar per bin, its count above it, the bins' lower edges under it."""
    left, width, height, top, bottom = 8, 260, 120, 16, 30
    plot_h = height - top - bottom
    peak = max((b["count"] for b in bins), default=0) or 1
    bar_w = width / max(len(bins), 1)
    parts = [f'<line x1="{left}" x2="{left + width}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#888"/>']
    for i, b in enumerate(bins):
        h = plot_h * b["count"] / peak
        x = left + i * bar_w
        label = bin_label(b)
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="#1b6ca8">'
            f"<title>{escape(label)} {escape(unit)}: {b['count']}</title></rect>"
        )
        if b["count"]:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 3:.1f}" text-anchor="middle" font-size="10">'
                f"{b['count']}</text>"
            )
        if i % 2 == 0:
            parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 14}" font-size="10">{escape(_number(b["low"]))}</text>')
    parts.append(f'<text x="{left}" y="{height - 2}" font-size="10" fill="#555">{escape(unit)}</text>')
    nonzero = [f"{bin_label(b)}: {b['count']}" for b in bins if b["count"]]
    desc = (f"{unit}, counts per range: " + "; ".join(nonzero) + ".") if nonzero else "No values in this range."
    return _svg(left + width + 8, height, chart_id, title, desc, "".join(parts))


def _number(value: float) -> str:
    return f"{value:g}"


def bin_label(b: dict[str, Any]) -> str:
    if b["high"] is None:
        return f"{_number(b['low'])} and above"
    return f"{_number(b['low'])} to under {_number(b['high'])}"
