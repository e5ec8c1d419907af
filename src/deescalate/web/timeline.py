"""The review page's timeline picture: the encounter over time, drawn on the server as inline SVG geometry.

One lane per speaker (in participant order), each utterance a bar in its speaker's lane linked to its place in the
transcript, each finding a mark in its label's registry colour above the bar it quotes (linked to the finding), and
force events (and other events) as lines across all lanes. The template (_timeline.html) only draws what this returns.
"""

from __future__ import annotations

from typing import Any

from deescalate.analysis.verdicts import clock
from deescalate.web.presenters import finding_view

WIDTH = 960  # the SVG's own units; it scales to the page's width
LABEL_W = 150  # the lane names on the left
LANE_H = 34
TOP = 12
AXIS_H = 28
BAR_H = 14
MARK_R = 5


def _ticks(duration: float) -> list[float]:
    """Axis ticks at a round step, 4 to 10 of them."""
    for step in (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if duration / step <= 10:
            return [float(t) for t in range(0, int(duration) + 1, step)]
    return [0.0, duration]


def timeline_view(detail: dict[str, Any]) -> dict[str, Any] | None:
    """The picture's parts; None when there is nothing to draw (a recording not transcribed yet)."""
    encounter = detail["encounter"]
    utterances = encounter.get("utterances", [])
    if not utterances:
        return None
    events = encounter.get("events", [])
    participants = encounter.get("participants", [])
    order = [p["id"] for p in participants] + sorted(
        {u["speaker"] for u in utterances} - {p["id"] for p in participants}
    )
    people = {p["id"]: p for p in participants}
    lane_of = {pid: i for i, pid in enumerate(order)}
    ends = [u.get("end") or u["start"] for u in utterances] + [e["t"] for e in events]
    duration = max(max(ends, default=0.0), 1.0)
    plot_w = WIDTH - LABEL_W - 10

    def x_of(t: float) -> float:
        return round(LABEL_W + plot_w * t / duration, 1)

    def y_of(lane: int) -> float:
        return TOP + lane * LANE_H

    findings_by_utterance: dict[str, list[dict[str, Any]]] = {}
    for f in detail["findings"]:
        findings_by_utterance.setdefault(f["utterance_id"], []).append(finding_view(f))
    bars, marks = [], []
    for index, u in enumerate(utterances, start=1):
        lane = lane_of[u["speaker"]]
        start, end = u["start"], u.get("end") or u["start"]
        x = x_of(start)
        bar_w = max(round(x_of(end) - x, 1), 2.0)
        y = y_of(lane) + (LANE_H - BAR_H) / 2
        bars.append(
            {
                "x": x,
                "y": y,
                "w": bar_w,
                "h": BAR_H,
                "role": people.get(u["speaker"], {}).get("role", "other"),
                "href": f"#text-{index}",
                "title": f"{clock(start)} {people.get(u['speaker'], {}).get('name') or u['speaker']}: {u['text']}",
            }
        )
        for k, f in enumerate(findings_by_utterance.get(u["id"], [])):
            marks.append(
                {
                    "cx": round(x + min(bar_w, 4 + 2.5 * MARK_R * k), 1),
                    "cy": y - MARK_R + 1,
                    "r": MARK_R,
                    "colour": f["colour"],
                    "status": f["status"],
                    "href": f"#finding-{f['id']}",
                    "title": f"{f['display']} ({f['status_text']}) at {clock(start)}",
                }
            )
    height = TOP + len(order) * LANE_H
    lanes = [
        {
            "y": y_of(i),
            "mid": y_of(i) + LANE_H / 2,
            "name": people.get(pid, {}).get("name") or pid,
            "role": people.get(pid, {}).get("role", "other"),
        }
        for i, pid in enumerate(order)
    ]
    marks_events = [
        {
            "x": x_of(e["t"]),
            "force": e["type"] == "force",  # what the measures and verdicts read as force
            "title": f"{clock(e['t'])} {e['type']}"
            + (f" by {e['by']}" if e.get("by") else "")
            + (f": {e['detail']}" if e.get("detail") else ""),
            "label": e["type"],
        }
        for e in events
    ]
    ticks = [{"x": x_of(t), "text": clock(t)} for t in _ticks(duration)]
    return {
        "width": WIDTH,
        "height": height + AXIS_H,
        "plot_top": TOP,
        "plot_bottom": height,
        "label_w": LABEL_W,
        "lanes": lanes,
        "bars": bars,
        "marks": marks,
        "events": marks_events,
        "ticks": ticks,
        "duration": clock(duration),
    }
