"""An Analysis as one self-contained HTML page: inline CSS and SVG, no external references.

The page reads without JavaScript; a few lines of inline script only add a transcript filter.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from deescalate import __version__
from deescalate.analysis.findings import Finding
from deescalate.analysis.labels import CONCERN_LABELS
from deescalate.analysis.result import Analysis, Measures, Verdict
from deescalate.checklist import load_checklist
from deescalate.encounter.model import Encounter, Role, Utterance
from deescalate.report.common import (
    bar_end,
    checklist_rows,
    fmt_rate,
    fmt_seconds,
    fmt_share,
    fmt_time,
    lane_order,
    moment_text,
    officer_count,
    speaker_name,
    status_text,
)
from deescalate.report.explain import explain

# Paul Tol's "muted" palette (colour-blind safe), without its reds so red stays for concerns.
ITEM_COLOURS = {
    "C1": "#88CCEE",
    "C2": "#44AA99",
    "C3": "#DDCC77",
    "C4": "#AA4499",
    "C5": "#117733",
    "C6": "#332288",
    "C7": "#999933",
}
OTHER_COLOUR = "#BBBBBB"
ROLE_COLOURS = {
    Role.officer: "#1f5fa8",
    Role.subject: "#6a3d9a",
    Role.bystander: "#44AA99",
    Role.dispatcher: "#888888",
    Role.other: "#aaaaaa",
}
CONCERN_RED = "#c62828"
CUE_ORANGE = "#E69F00"


def e(value: object) -> str:
    return escape(str(value), quote=True)


def _href(uid: str) -> str:
    return "#" + quote(uid, safe="")


def _tint(colour: str, share: float = 0.45) -> str:
    """``colour`` mixed with white: ``share`` of the colour."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c * share + 255 * (1 - share)):02x}" for c in rgb)


def _item_key(item: str) -> str:
    return item if item in ITEM_COLOURS else "other"


def _label_text(label: str) -> str:
    return label.replace("_", " ")


def render_html(analysis: Analysis) -> str:
    enc = analysis.encounter
    title = enc.title or f"Encounter {enc.id}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{e(title)} — de-escalation review</title>",
            f"<style>{_css()}</style>",
            "</head>",
            "<body>",
            _header(analysis, title),
            _checklist(analysis),
            _moments(analysis),
            _timeline(analysis),
            _measures(analysis.measures, enc),
            _legend(),
            _transcript(analysis),
            _footer(analysis),
            _SCRIPT,
            "</body>",
            "</html>",
            "",
        ]
    )


def _css() -> str:
    items = "\n".join(
        f".hl-{k}{{background:{_tint(c)};border-bottom:2px solid {c}}}"
        f".chip-{k},.sw-{k}{{border-color:{c};background:{_tint(c, 0.3)}}}"
        for k, c in [*ITEM_COLOURS.items(), ("other", OTHER_COLOUR)]
    )
    return f"""
body{{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1b;margin:0 auto;
max-width:1240px;padding:0 20px 40px}}
h1{{font-size:1.6em;margin:.8em 0 .2em}} h2{{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:2px solid #ddd;
padding-bottom:.2em}} h3{{font-size:1em;margin:0 0 .3em}}
a{{color:#0b57a4}} .muted{{color:#555}} .meta span{{margin-right:1.4em}}
nav a{{margin-right:1em}}
.items{{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:10px}}
.item{{border:1px solid #ccc;border-left:6px solid #999;border-radius:4px;padding:8px 12px}}
.item.st-demonstrated{{border-left-color:#1a7f37}} .item.st-concerns{{border-left-color:{CONCERN_RED}}}
.item.st-mixed{{border-left-color:#e8a000}}
.item p{{margin:.3em 0}} .item ul{{margin:.3em 0;padding-left:1.2em}} .item li{{margin:.1em 0}}
.badge{{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.8em;font-weight:600;
white-space:nowrap;vertical-align:1px;margin-left:.4em}}
.b-demonstrated{{background:#1a7f37;color:#fff}} .b-concerns{{background:{CONCERN_RED};color:#fff}}
.b-mixed{{background:#f2b90c;color:#1b1b1b}} .b-not-observed{{background:#6e7781;color:#fff}}
.b-not-assessed{{background:#fff;color:#555;border:1px dashed #888}}
.evidence a{{margin-right:.5em}}
.moments li{{margin:.2em 0}}
.tl{{display:flex;border:1px solid #ddd;border-radius:4px}} .tl-plot{{overflow-x:auto;flex:1}}
.tl svg{{display:block}} .tl text{{font-size:11px;fill:#333}}
.tl .lane-name{{font-size:12px;font-weight:600;fill:#1b1b1b}}
.tl a:hover rect{{stroke:#000;stroke-width:1}}
table{{border-collapse:collapse}} th,td{{padding:4px 8px;border-bottom:1px solid #e3e3e3;text-align:left;
vertical-align:top}} th{{background:#f4f4f4}} td.num{{text-align:right}}
.transcript{{width:100%}} .transcript td.t{{white-space:nowrap;font-variant-numeric:tabular-nums}}
.transcript td.who{{white-space:nowrap}} .role{{font-size:.8em;color:#555}}
.transcript tr:target{{background:#fff5c2}} .transcript tr:target td{{border-bottom-color:#e0c000}}
mark{{color:inherit;padding:0}} .conflict-link{{font-size:.8em}}
mark.hl.concern{{border-bottom:3px solid {CONCERN_RED}}}
.chip{{display:inline-block;font-size:.75em;border:1px solid #999;border-radius:3px;padding:0 5px;margin:0 0 0 4px;
white-space:nowrap;cursor:help}}
.chip.concern{{border:2px solid {CONCERN_RED};color:{CONCERN_RED};font-weight:600}}
.legend{{display:flex;flex-wrap:wrap;gap:6px 18px;padding:0;list-style:none}}
.sw{{display:inline-block;width:1.4em;height:.9em;border:2px solid #999;vertical-align:-1px;margin-right:.3em}}
.sw-concern{{background:#fff;border:1px solid #999;border-bottom:3px solid {CONCERN_RED}}}
footer{{margin-top:2.5em;padding-top:.8em;border-top:2px solid #ddd;color:#444;font-size:.9em}}
{items}
@media print{{.tl-plot{{overflow:visible}} #filter{{display:none}}}}
"""


def _header(analysis: Analysis, title: str) -> str:
    enc = analysis.encounter
    facts = [f"Encounter <code>{e(enc.id)}</code>"]
    if enc.call_type:
        facts.append(f"Call type: <b>{e(enc.call_type)}</b>")
    if enc.started_at:
        facts.append(f"Started: {e(enc.started_at)}")
    facts.append(f"Duration: <b>{fmt_time(enc.duration)}</b>")
    facts.append(f"Officers: <b>{officer_count(enc)}</b>")
    facts.append(f"Participants: {len(enc.participants)}")
    nav = " ".join(
        f'<a href="#{s}">{label}</a>'
        for s, label in [
            ("checklist", "Checklist"),
            ("moments", "Key moments"),
            ("timeline", "Timeline"),
            ("measures", "Measures"),
            ("transcript", "Transcript"),
        ]
    )
    meta = "".join(f"<span>{f}</span>" for f in facts)
    return f'<header><h1>{e(title)}</h1><p class="meta">{meta}</p><nav>{nav}</nav></header>'


def _utterance_link(uid: str, starts: dict[str, float]) -> str:
    when = fmt_time(starts[uid]) if uid in starts else "?"
    return f'<a href="{_href(uid)}">{when} ({e(uid)})</a>'


def _checklist(analysis: Analysis) -> str:
    enc = analysis.encounter
    starts = {u.id: u.start for u in enc.utterances}
    cards = []
    for item, title, verdict in checklist_rows(analysis):
        cards.append(_card(item, title, verdict, starts))
    return f'<section id="checklist"><h2>Checklist</h2><div class="items">{"".join(cards)}</div></section>'


def _card(item: str, title: str, verdict: Verdict | None, starts: dict[str, float]) -> str:
    status = status_text(verdict)
    css = status.replace(" ", "-")
    name = e(title) if title.lower() == item.lower() else f"{e(item)} · {e(title)}"
    head = f'<h3>{name}<span class="badge b-{css}">{e(status)}</span></h3>'
    if verdict is None:
        return f'<article class="item st-{css}" data-item="{e(item)}">{head}<p class="muted">No verdict.</p></article>'
    body = f"<p>{e(verdict.summary)}</p>"
    if verdict.reasons:
        body += "<ul>" + "".join(f"<li>{e(r)}</li>" for r in verdict.reasons) + "</ul>"
    if verdict.evidence:
        links = " ".join(_utterance_link(uid, starts) for uid in dict.fromkeys(verdict.evidence))
        body += f'<p class="evidence">Evidence: {links}</p>'
    return f'<article class="item st-{css}" data-item="{e(item)}">{head}{body}</article>'


def _moments(analysis: Analysis) -> str:
    moments = sorted(analysis.moments, key=lambda m: m.t)
    if not moments:
        return '<section id="moments"><h2>Key moments</h2><p class="muted">None.</p></section>'
    rows = "".join(
        f'<li><a href="{_href(m.utterance_id)}">{fmt_time(m.t)}</a> — {e(moment_text(m))}</li>' for m in moments
    )
    return f'<section id="moments"><h2>Key moments</h2><ul class="moments">{rows}</ul></section>'


# --- timeline -------------------------------------------------------------------------------------------------

LANE_H = 26
TOP = 22  # strip above the lanes for event ticks
AXIS_H = 26
LABEL_W = 190
PAD = 18  # room left and right of the plot for the first and last tick labels
_TICK_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)


def _timeline(analysis: Analysis) -> str:
    enc = analysis.encounter
    lanes = lane_order(enc)
    lane_of = {pid: i for i, (pid, _, _) in enumerate(lanes)}
    duration = max([enc.duration, 1.0] + [bar_end(u) for u in enc.utterances])
    scale = max(1000.0 / duration, 0.5)  # px per second: fills the page when short, scrolls when long
    plot_w = int(duration * scale) + 2 * PAD
    height = TOP + LANE_H * len(lanes) + AXIS_H
    lanes_bottom = TOP + LANE_H * len(lanes)

    def x(t: float) -> float:
        return round(PAD + t * scale, 1)

    def mid(pid: str) -> float:
        return TOP + LANE_H * lane_of[pid] + LANE_H / 2

    labels = []
    for i, (_pid, name, role) in enumerate(lanes):
        y = TOP + LANE_H * i
        labels.append(
            f'<g class="lane-label"><text class="lane-name" x="8" y="{y + 12}">{e(name)}</text>'
            f'<text x="8" y="{y + 23}">{e(role.value)}</text></g>'
        )
    label_svg = f'<svg width="{LABEL_W}" height="{height}" role="img" aria-label="participants">{"".join(labels)}</svg>'

    out: list[str] = []
    for i, (pid, _, _) in enumerate(lanes):  # lane backgrounds
        fill = "#f6f6f6" if i % 2 == 0 else "#ffffff"
        out.append(
            f'<g class="lane" data-participant="{e(pid)}"><rect x="0" y="{TOP + LANE_H * i}" width="{plot_w}" '
            f'height="{LANE_H}" fill="{fill}"/></g>'
        )
    step = next((s for s in _TICK_STEPS if s * scale >= 70), _TICK_STEPS[-1])
    t = 0
    while t <= duration:  # grid and axis
        out.append(
            f'<line x1="{x(t)}" y1="{TOP}" x2="{x(t)}" y2="{lanes_bottom + 4}" stroke="#ddd"/>'
            f'<text x="{x(t)}" y="{lanes_bottom + 17}" text-anchor="middle">{fmt_time(t)}</text>'
        )
        t += step
    out.append(f'<line x1="0" y1="{lanes_bottom}" x2="{plot_w}" y2="{lanes_bottom}" stroke="#999"/>')

    last_force_label = -1e9
    for ev in sorted(enc.events, key=lambda ev: ev.t):
        tip = f"<title>{fmt_time(ev.t)} {e(ev.type)}{e(_event_extra(enc, ev.by, ev.detail))}</title>"
        if ev.type == "force":
            out.append(
                f'<line class="force" x1="{x(ev.t)}" y1="4" x2="{x(ev.t)}" y2="{lanes_bottom}" '
                f'stroke="{CONCERN_RED}" stroke-width="2">{tip}</line>'
            )
            if x(ev.t) - last_force_label > 40:  # label a force line unless the last label is too close
                last_force_label = x(ev.t)
                out.append(f'<text x="{x(ev.t) + 3}" y="13" style="fill:{CONCERN_RED};font-weight:600">force</text>')
        else:
            out.append(
                f'<line class="event" x1="{x(ev.t)}" y1="6" x2="{x(ev.t)}" y2="{TOP}" stroke="#777" '
                f'stroke-width="2">{tip}</line>'
            )

    by_utt: dict[str, list[Finding]] = {}
    for f in analysis.findings:
        by_utt.setdefault(f.utterance_id, []).append(f)
    starts = {u.id: u for u in enc.utterances}
    for u in enc.utterances:
        y = TOP + LANE_H * lane_of[u.speaker]
        w = max(1.5, (bar_end(u) - u.start) * scale)
        colour = ROLE_COLOURS[lanes[lane_of[u.speaker]][2]]
        tip = f"<title>{fmt_time(u.start)} {e(speaker_name(enc, u.speaker))}: {e(u.text)}</title>"
        out.append(
            f'<a href="{_href(u.id)}"><rect class="utt" x="{x(u.start)}" y="{y + 7}" width="{w:.1f}" '
            f'height="{LANE_H - 14}" fill="{colour}" rx="1">{tip}</rect></a>'
        )
        labels_here = {f.label for f in by_utt.get(u.id, [])}
        if labels_here & {"command", "conflicting_command"}:
            cx = x(u.start)
            fill = CONCERN_RED if "conflicting_command" in labels_here else "#222"
            out.append(
                f'<polygon class="cmd" points="{cx - 4},{y + 1} {cx + 4},{y + 1} {cx},{y + 7}" fill="{fill}">'
                f"<title>command at {fmt_time(u.start)}</title></polygon>"
            )
        if "inability_cue" in labels_here:
            cx, cy = x(u.start), y + LANE_H / 2
            out.append(
                f'<polygon class="cue" points="{cx},{cy - 6} {cx + 6},{cy} {cx},{cy + 6} {cx - 6},{cy}" '
                f'fill="{CUE_ORANGE}" stroke="#5a3a00"><title>inability cue at {fmt_time(u.start)}</title></polygon>'
            )
    for f in analysis.findings:  # conflict links on top of the bars
        if f.label != "conflicting_command" or f.conflicts_with not in starts:
            continue
        prior = starts[f.conflicts_with]
        x1, y1, x2, y2 = x(prior.start), mid(prior.speaker), x(f.start), mid(f.speaker)
        bend = min(y1, y2) - LANE_H * 1.4
        out.append(
            f'<path class="conflict" d="M{x1},{y1} Q{(x1 + x2) / 2:.1f},{bend:.1f} {x2},{y2}" fill="none" '
            f'stroke="{CONCERN_RED}" stroke-width="2.5"><title>conflicting command {e(f.utterance_id)} '
            f"({fmt_time(f.start)}) vs {e(prior.id)} ({fmt_time(prior.start)})</title></path>"
        )
    plot_svg = (
        f'<svg class="timeline" width="{plot_w}" height="{height}" role="img" '
        f'aria-label="timeline of who spoke when">{"".join(out)}</svg>'
    )
    key = (
        '<p class="muted">Bars: who spoke when (click one to jump to it). '
        '<svg width="12" height="10"><polygon points="2,1 10,1 6,8" fill="#222"/></svg> command, '
        f'<svg width="12" height="10"><polygon points="2,1 10,1 6,8" fill="{CONCERN_RED}"/></svg> conflicting command '
        f'(red curve to the command it clashes with), <svg width="12" height="12"><polygon points="6,0 12,6 6,12 0,6" '
        f'fill="{CUE_ORANGE}" stroke="#5a3a00"/></svg> inability cue, '
        f'<svg width="6" height="12"><line x1="3" y1="0" x2="3" y2="12" stroke="{CONCERN_RED}" stroke-width="2"/>'
        '</svg> force, <svg width="6" height="12"><line x1="3" y1="0" x2="3" y2="12" stroke="#777" stroke-width="2"/>'
        "</svg> other event.</p>"
    )
    events = ""
    if enc.events:
        items = "; ".join(
            f"{fmt_time(ev.t)} {'<b>force</b>' if ev.type == 'force' else e(ev.type)}"
            f"{e(_event_extra(enc, ev.by, ev.detail))}"
            for ev in sorted(enc.events, key=lambda ev: ev.t)
        )
        events = f'<p class="events">Events: {items}</p>'
    return (
        f'<section id="timeline"><h2>Timeline</h2><div class="tl"><div class="tl-labels">{label_svg}</div>'
        f'<div class="tl-plot">{plot_svg}</div></div>{key}{events}</section>'
    )


def _event_extra(enc: Encounter, by: str | None, detail: str | None) -> str:
    extra = f" by {speaker_name(enc, by)}" if by else ""
    return extra + (f" ({detail})" if detail else "")


# --- measures, legend, transcript -----------------------------------------------------------------------------


def _measures(m: Measures, enc: Encounter) -> str:
    rows = "".join(
        f"<tr><td>{e(o.name)}</td><td class=num>{o.utterances}</td><td class=num>{o.words}</td>"
        f"<td class=num>{fmt_rate(o.words_per_minute)}</td><td class=num>{fmt_rate(o.words_per_utterance)}</td>"
        f"<td class=num>{o.commands}</td><td class=num>{fmt_share(o.command_word_share)}</td></tr>"
        for o in m.officers
    )
    table = (
        "<table><thead><tr><th>Officer</th><th>Utterances</th><th>Words</th><th>Words/min</th>"
        "<th>Words/utterance</th><th>Commands</th><th>Command word share</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if m.officers
        else '<p class="muted">No officer speech.</p>'
    )
    cues = "".join(
        f'<li><a href="{_href(c.utterance_id)}">{fmt_time(c.t)}</a> {e(speaker_name(enc, c.speaker))}: '
        f"“{e(c.quote)}” — "
        f"{'never checked' if c.checked_after is None else f'checked after {c.checked_after:.0f} s'}</li>"
        for c in m.unchecked_inability_cues
    )
    facts = [
        ("First officer words at", fmt_time(m.first_officer_words_at)),
        ("Time to first command", fmt_seconds(m.seconds_to_first_command)),
        ("Time to first force", fmt_seconds(m.seconds_to_first_force)),
        ("Officers giving commands", str(m.officers_giving_commands)),
        ("Longest run of unanswered commands", str(m.longest_unanswered_command_run)),
        ("Unchecked inability cues", str(len(m.unchecked_inability_cues))),
        ("Most officers commanding within 10 s", str(m.max_officers_commanding_10s)),
        ("Peak commands per minute", str(m.peak_commands_per_minute)),
        ("Conflicts between officers", str(m.cross_officer_conflicts)),
    ]
    enc_rows = "".join(f"<tr><th scope=row>{k}</th><td class=num>{v}</td></tr>" for k, v in facts)
    return (
        f'<section id="measures"><h2>Measures</h2>{table}<h3 style="margin-top:1em">Encounter</h3>'
        f"<table>{enc_rows}</table>{f'<ul>{cues}</ul>' if cues else ''}{_cameras(enc)}</section>"
    )


def _cameras(enc: Encounter) -> str:
    """For an incident merged from several body cameras: how each camera was aligned."""
    cameras = (enc.model_extra or {}).get("cameras")
    if not isinstance(cameras, list) or not cameras:
        return ""
    rows = "".join(
        f"<tr><td>{e(c.get('id'))}</td><td>{e(speaker_name(enc, c['wearer']) if c.get('wearer') else '—')}</td>"
        f"<td class=num>{float(c.get('offset', 0)):+.2f} s</td><td>{e(c.get('method'))}</td>"
        f"<td class=num>{float(c.get('confidence', 0)):.0%}</td><td class=num>{e(c.get('matches', 0))}</td></tr>"
        for c in cameras
        if isinstance(c, dict)
    )
    return (
        '<h3 style="margin-top:1em">Body cameras</h3><table><thead><tr><th>Camera</th><th>Wearer</th>'
        "<th>Clock offset</th><th>Aligned by</th><th>Confidence</th><th>Matched utterances</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _legend() -> str:
    checklist = load_checklist()
    items = "".join(f'<li><span class="sw sw-{k}"></span>{k} {e(checklist.title(k))}</li>' for k in ITEM_COLOURS)
    items += '<li><span class="sw sw-concern"></span>red underline: a concern (conflicting command, threat of force, '
    items += "insult, dismissal)</li>"
    return (
        '<section id="legend"><h2>Legend</h2><p class="muted">Highlighted words are the words a finding quotes; '
        "the small chips after an utterance name its findings (hover for the rule and explanation).</p>"
        f'<ul class="legend">{items}</ul></section>'
    )


def _transcript(analysis: Analysis) -> str:
    enc = analysis.encounter
    spans: dict[str, list[tuple[int, int, int]]] = {}
    chips: dict[str, list[int]] = {}
    texts = {u.id: u.text for u in enc.utterances}
    for i, f in enumerate(analysis.findings):
        for uid in dict.fromkeys(f.utterance_ids):
            chips.setdefault(uid, []).append(i)
        span = _locate(texts.get(f.utterance_id), f)
        if span is not None:
            spans.setdefault(f.utterance_id, []).append((span[0], span[1], i))
    rows = [_utterance_row(analysis, u, spans.get(u.id, []), chips.get(u.id, [])) for u in enc.utterances]
    options = "".join(f'<option value="{k}">{k} only</option>' for k in ITEM_COLOURS)
    control = (
        '<p id="filter" hidden><label>Show: <select id="filter-sel"><option value="">all utterances</option>'
        f'<option value="any">utterances with findings</option>{options}</select></label></p>'
    )
    return (
        f'<section id="transcript"><h2>Transcript</h2>{control}<table class="transcript"><thead><tr><th>Time</th>'
        f"<th>Speaker</th><th>Words</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _locate(text: str | None, f: Finding) -> tuple[int, int] | None:
    """The finding's span in the text, or where its quote is, or None when neither fits."""
    if text is None or not f.quote:
        return None
    a, b = f.span
    if 0 <= a < b <= len(text) and text[a:b] == f.quote:
        return a, b
    at = text.find(f.quote)
    return (at, at + len(f.quote)) if at >= 0 else None


def _highlight(text: str, spans: list[tuple[int, int, int]], findings: tuple[Finding, ...]) -> str:
    """The text with each finding's span marked; overlaps are cut into flat segments, never nested."""
    cuts = sorted({0, len(text), *(a for a, _, _ in spans), *(b for _, b, _ in spans)})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [i for s, t, i in spans if s <= a and b <= t]
        piece = e(text[a:b])
        if not covering:
            out.append(piece)
            continue
        items = list(dict.fromkeys(_item_key(findings[i].checklist_item) for i in covering))
        concern = any(findings[i].label in CONCERN_LABELS for i in covering)
        classes = f"hl hl-{items[0]}" + (" concern" if concern else "")
        style = ""
        if len(items) > 1:  # stacked bands, one per checklist item
            n = len(items)
            bands = ",".join(
                f"{_tint(ITEM_COLOURS.get(k, OTHER_COLOUR))} {100 * j / n:.0f}% {100 * (j + 1) / n:.0f}%"
                for j, k in enumerate(items)
            )
            style = f' style="background:linear-gradient({bands})"'
        tip = ", ".join(dict.fromkeys(_label_text(findings[i].label) for i in covering))
        out.append(
            f'<mark class="{classes}" data-f="{" ".join(map(str, covering))}" title="{e(tip)}"{style}>{piece}</mark>'
        )
    return "".join(out)


def _chip(f: Finding, index: int) -> str:
    concern = " concern" if f.label in CONCERN_LABELS else ""
    tip = f"{f.checklist_item} · rule {f.rule} · confidence {f.confidence:.2f}\n{explain(f)}"
    chip = (
        f'<span class="chip chip-{_item_key(f.checklist_item)}{concern}" data-f="{index}" title="{e(tip)}">'
        f"{e(f.checklist_item)} {e(_label_text(f.label))}</span>"
    )
    if f.conflicts_with:
        chip += f' <a class="conflict-link" href="{_href(f.conflicts_with)}">clashes with {e(f.conflicts_with)}</a>'
    return chip


def _utterance_row(analysis: Analysis, u: Utterance, spans: list[tuple[int, int, int]], chips: list[int]) -> str:
    enc = analysis.encounter
    findings = analysis.findings
    items = " ".join(dict.fromkeys(findings[i].checklist_item for i in chips))
    chip_html = f' <span class="chips">{"".join(_chip(findings[i], i) for i in chips)}</span>' if chips else ""
    when = fmt_time(u.start) + (f"–{fmt_time(u.end)}" if u.end is not None else "")
    return (
        f'<tr id="{e(u.id)}" data-items="{e(items)}"><td class="t"><a href="{_href(u.id)}">{fmt_time(u.start)}</a>'
        f'<div class="role" title="{e(when)}">{e(u.id)}</div></td>'
        f'<td class="who">{e(speaker_name(enc, u.speaker))}<div class="role">{e(enc.role_of(u.speaker).value)}'
        f'</div></td><td class="text">{_highlight(u.text, spans, findings)}{chip_html}</td></tr>'
    )


def _footer(analysis: Analysis) -> str:
    model = analysis.model_version or "none (rules alone)"
    return (
        "<footer><p><b>Machine-generated findings.</b> The checklist statuses, findings, key moments and measures on "
        f"this page were produced automatically by deescalate {e(__version__)} (learned model: {e(model)}) from the "
        "transcript alone. They are "
        "leads for review, not conclusions: a person must check each one against the recording and its context "
        "before relying on it.</p></footer>"
    )


_SCRIPT = """<script>
(function () {
  var box = document.getElementById("filter"), sel = document.getElementById("filter-sel");
  if (!box || !sel) return;
  box.hidden = false;
  sel.addEventListener("change", function () {
    var v = sel.value;
    document.querySelectorAll("#transcript tbody tr").forEach(function (row) {
      var items = (row.getAttribute("data-items") || "").split(" ").filter(Boolean);
      row.hidden = v !== "" && (v === "any" ? items.length === 0 : items.indexOf(v) < 0);
    });
  });
})();
</script>"""
