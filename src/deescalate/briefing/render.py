"""A briefing as terminal text (Rich), JSON, or a self-contained HTML page."""

from __future__ import annotations

import io
import json
from html import escape

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from deescalate.briefing.brief import Answer, Briefing, Fact, FlagView, PersonHistory, PremiseParty
from deescalate.briefing.cautions import BannerLine

STATUS_STYLE = {"known": "green", "partly known": "yellow", "unknown": "red"}
FLAG_STYLE = {"active": "bold", "expired": "dim strike", "review due": "yellow"}
OUTCOME_WORDS = {"police": "Police matter", "civil": "Civil matter", "alternative": "Alternative responder"}


def to_json(b: Briefing) -> str:
    return json.dumps(b.to_json_dict(), indent=2, ensure_ascii=False) + "\n"


def _reading(f: Fact) -> str:
    """How the caller's words were read, where it is not a plain statement: 'uncertain: "I think"'."""
    if f.status in (None, "affirmed"):
        return ""
    return f'{f.status}: "{f.cue}"' if f.cue else str(f.status)


def _fact_text(a: Answer) -> Text:
    t = Text()
    for f in a.facts:
        words = f'"{f.text}"' if f.verbatim else f.text
        age = f", {f.age_days:.0f} days old" if f.age_days is not None else ""
        t.append(f"• {words}", style="italic" if f.verbatim else "")
        if _reading(f):
            t.append(f"  [{_reading(f)}]", style="yellow")
        t.append(f"  ({f.source}{age})\n", style="dim")
    return t if a.facts else Text("—", style="dim")


def _flag_line(v: FlagView) -> Text:
    t = Text(f"{v.category}: {v.text}", style=FLAG_STYLE.get(v.status, ""))
    t.append(f"  [{v.status.upper()}] entered by {v.entered_by} {v.age_days:.0f} days ago", style="dim")
    if v.source_call:
        t.append(f", from call {v.source_call}", style="dim")
    return t


def _banner_line(c: BannerLine) -> str:
    said = f"{c.text} ({c.kind}" + (f", {c.severity}" if c.severity else "") + ")"
    return f"{c.rank}. {c.label}: {said}" + (f"  source: {c.source}" if c.source else "")


def _call_extras(b: Briefing) -> list[object]:
    """Callbacks and the call's notes, word for word with time and author (what an EIDO carries)."""
    out: list[object] = []
    if b.call.get("callbacks"):
        out.append(Text("callback: " + ", ".join(b.call["callbacks"])))
    notes = b.call.get("notes") or []
    if notes:
        body = Text()
        for n in notes:
            body.append(f"{n.get('at') or 'no time'}  {n.get('author') or 'unknown author'}\n", style="dim")
            body.append(f"{n['text']}\n")
        out.append(Panel(body, title="Call notes (verbatim)", expand=True))
    return out


def _reasons(h: PersonHistory) -> str:
    return "; ".join(h.reasons) + (f" (score {h.score:.0f})" if h.score is not None else "")


def _possible_title(h: PersonHistory, m: PersonHistory) -> str:
    born = f", born {m.date_of_birth}" if m.date_of_birth else ""
    return f"POSSIBLE MATCH for {h.name}: record {m.name}{born}"


def _possible_panel(h: PersonHistory, m: PersonHistory) -> Panel:
    body = Text("not confirmed: check before acting on it\n", style="bold yellow")
    body.append(f"why: {_reasons(m)}\n")
    body.append(f"{m.prior_calls} prior calls\n")
    for c in m.recent:
        body.append(f"  {c.when[:10]}  {c.number}  {c.type}\n", style="dim")
    for v in m.flags:
        body.append_text(_flag_line(v))
        body.append("\n")
    return Panel(body, title=_possible_title(h, m), border_style="yellow", expand=True)


def _party_line(p: PremiseParty) -> str:
    born = f", born {p.date_of_birth}" if p.date_of_birth else ""
    roles = ", ".join(f"{role} {n}" for role, n in sorted(p.roles.items(), key=lambda kv: -kv[1]))
    return f"{p.name}{born}: {p.calls} prior calls here ({roles}), last {p.last_seen[:10]}"


def _premise_people_panel(parties: tuple[PremiseParty, ...]) -> Panel:
    body = Text()
    for p in parties:
        body.append(_party_line(p) + "\n")
        for v in p.flags:
            body.append("  ")
            body.append_text(_flag_line(v))
            body.append("\n")
    return Panel(body, title="People tied to this premise (residents and frequent parties, from prior calls)")


def to_rich(b: Briefing) -> Group:
    parts: list[object] = []
    if b.cautions:  # officer safety first, before anything else on the page
        body = Text("\n".join(_banner_line(c) for c in b.cautions), style="bold")
        parts.append(Panel(body, title="OFFICER SAFETY", border_style="bold red", expand=True))
    parts.append(Text(b.call_line, style="bold"))
    parts.extend(_call_extras(b))
    triage = Text(f"{OUTCOME_WORDS[b.triage.outcome]}", style="bold magenta")
    if b.triage.responder:
        triage.append(f" → {b.triage.responder}")
    triage.append(f"\n{b.triage.reason}\n", style="")
    triage.append(f"rule: {b.triage.rule}", style="dim")
    parts.append(Panel(triage, title="Triage (C2)", expand=False))

    q = Table(title="What do I know? (C1 critical questions)", show_lines=True, expand=True)
    q.add_column("question", ratio=2)
    q.add_column("", width=12)
    q.add_column("facts and sources", ratio=4)
    for a in b.answers:
        q.add_row(a.question, Text(a.status, style=STATUS_STYLE[a.status]), _fact_text(a))
    parts.append(q)

    if b.missing:
        m = Table(title="Still missing, and who can supply it", expand=True)
        m.add_column("what")
        m.add_column("ask")
        for item in b.missing:
            m.add_row(item.what, ", ".join(item.who_can_supply) or "—")
        parts.append(m)

    if b.premise:
        counts = ", ".join(f"{t} ×{n}" for t, n in list(b.premise_counts.items())[:8]) or "no calls"
        body = Text(f"{b.premise}: {counts} (last {b.lookback_days} days)\n")
        for c in b.premise_recent:
            body.append(f"  {c.when[:10]}  {c.number}  {c.type}  → {c.disposition or '—'}", style="")
            if c.reporting_officer:
                body.append(f"  ({c.reporting_officer})", style="dim")
            body.append("\n")
        for v in b.premise_flags:
            body.append_text(_flag_line(v))
            body.append("\n")
        parts.append(Panel(body, title="Premise history", expand=True))
    else:
        parts.append(Text("No premise record for this address.", style="dim"))

    for h in b.people:
        body = Text(f"{h.role}; " + (f"{h.prior_calls} prior calls" if h.known else "no record found") + "\n")
        if h.known and h.reasons:
            body.append(f"  matched: {_reasons(h)}\n", style="dim")
        for c in h.recent:
            body.append(f"  {c.when[:10]}  {c.number}  {c.type}\n", style="dim")
        for v in h.flags:
            body.append_text(_flag_line(v))
            body.append("\n")
        parts.append(Panel(body, title=h.name, expand=True))
        parts += [_possible_panel(h, match) for match in h.possible_matches]
    if b.premise_people:
        parts.append(_premise_people_panel(b.premise_people))

    if b.resources:
        r = Table(title="Recommended resources", expand=True)
        r.add_column("resource")
        r.add_column("why")
        r.add_column("rule", style="dim")
        for x in b.resources:
            r.add_row(x.resource, x.reason, x.rule)
        parts.append(r)

    note = " — AN EXAMPLE PACK, NOT THIS AGENCY'S POLICY" if b.policy_is_example else ""
    pol = Text()
    for e in b.policy:
        pol.append(f"{e.title}\n", style="bold")
        pol.append(f"{e.text}\n")
        for citation in e.citations:
            pol.append(f"  {citation}\n", style="dim")
    parts.append(Panel(pol, title=f"Policy and law: {b.policy_name}{note}", expand=True))
    parts.append(Text(f"briefing built in {b.generated_ms:.1f} ms", style="dim"))
    return Group(*parts)  # type: ignore[arg-type]


def to_text(b: Briefing, width: int = 110) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(to_rich(b))
    return console.export_text()


def to_html(b: Briefing) -> str:
    def e(x: object) -> str:
        return escape(str(x), quote=True)

    colour = {"known": "#1b7f3b", "partly known": "#b26a00", "unknown": "#b3261e"}
    rows = "".join(
        f"<tr><td>{e(a.question)}</td><td style='color:{colour[a.status]};font-weight:600'>{e(a.status)}</td><td><ul>"
        + "".join(
            f"<li>{'<q>' + e(f.text) + '</q>' if f.verbatim else e(f.text)}"
            f"{' <b>[' + e(_reading(f)) + ']</b>' if _reading(f) else ''} <small>({e(f.source)}"
            f"{', ' + format(f.age_days, '.0f') + ' days old' if f.age_days is not None else ''})</small></li>"
            for f in a.facts
        )
        + "</ul></td></tr>"
        for a in b.answers
    )

    def flags(views: tuple[FlagView, ...]) -> str:
        return "".join(
            f"<li class='{e(v.status.replace(' ', '-'))}'>{e(v.category)}: {e(v.text)} <b>[{e(v.status)}]</b> "
            f"<small>entered by {e(v.entered_by)}, {v.age_days:.0f} days ago"
            f"{', call ' + e(v.source_call) if v.source_call else ''}</small></li>"
            for v in views
        )

    missing = "".join(f"<li>{e(m.what)} — ask: {e(', '.join(m.who_can_supply) or '—')}</li>" for m in b.missing)
    recent = "".join(
        f"<tr><td>{e(c.when[:10])}</td><td>{e(c.number)}</td><td>{e(c.type)}</td><td>{e(c.disposition or '—')}</td>"
        f"<td>{e(c.reporting_officer or '')}</td></tr>"
        for c in b.premise_recent
    )
    counts = ", ".join(f"{e(t)} ×{n}" for t, n in b.premise_counts.items())
    people = "".join(
        f"<section><h3>{e(h.name)} <small>({e(h.role)}; "
        f"{str(h.prior_calls) + ' prior calls' if h.known else 'no record found'})</small></h3>"
        + (f"<p><small>matched: {e(_reasons(h))}</small></p>" if h.known and h.reasons else "")
        + f"<ul>{flags(h.flags)}</ul></section>"
        + "".join(
            f"<section class='possible'><h3>{e(_possible_title(h, m))}</h3>"
            f"<p><b>Not confirmed: check before acting on it.</b> Why: {e(_reasons(m))}; {m.prior_calls} prior calls</p>"
            f"<ul>{flags(m.flags)}</ul></section>"
            for m in h.possible_matches
        )
        for h in b.people
    )
    parties = "".join(f"<li>{e(_party_line(p))}<ul>{flags(p.flags)}</ul></li>" for p in b.premise_people)
    resources = "".join(
        f"<tr><td>{e(x.resource)}</td><td>{e(x.reason)}</td><td><code>{e(x.rule)}</code></td></tr>" for x in b.resources
    )
    policy = "".join(
        f"<h3>{e(p.title)}</h3><p>{e(p.text)}</p><ul>{''.join(f'<li>{e(c)}</li>' for c in p.citations)}</ul>"
        for p in b.policy
    )
    example = (
        "<p class='warn'>This is an EXAMPLE policy pack, not this agency's policy.</p>" if b.policy_is_example else ""
    )
    responder = f" → {e(b.triage.responder)}" if b.triage.responder else ""
    callbacks = b.call.get("callbacks") or []
    extras = (f"<p>callback: {e(', '.join(callbacks))}</p>" if callbacks else "") + "".join(
        f"<blockquote><small>{e(n.get('at') or 'no time')} — {e(n.get('author') or 'unknown author')}</small>"
        f"<pre style='white-space:pre-wrap;font:inherit;margin:0'>{e(n['text'])}</pre></blockquote>"
        for n in b.call.get("notes") or []
    )
    banner = (
        "<div class='safety' role='alert'><b>OFFICER SAFETY</b><ol>"
        + "".join(f"<li><b>{e(c.label)}</b>: {e(_banner_line(c).split(': ', 1)[1])}</li>" for c in b.cautions)
        + "</ol></div>"
        if b.cautions
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Briefing {e(b.call["number"])}</title>
<style>
body{{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;color:#1d1d1d}}
table{{border-collapse:collapse;width:100%}} td,th{{border-bottom:1px solid #ddd;padding:.35em .5em;vertical-align:top;text-align:left}}
.triage{{border-left:6px solid #6a3d9a;background:#f5f0fa;padding:.6em 1em}} .expired{{color:#888;text-decoration:line-through}}
.review-due{{color:#b26a00}} .safety{{border:3px solid #b3261e;background:#fdecea;padding:.5em 1em;margin-bottom:1em}} .possible{{border-left:6px solid #b26a00;background:#fff8e6;padding:.2em .8em}} .warn{{background:#fff3cd;padding:.4em .8em}} q{{font-style:italic}} small{{color:#666}}
</style></head><body>
{banner}<h1>{e(b.call_line)}</h1>{extras}
<div class="triage"><b>{e(OUTCOME_WORDS[b.triage.outcome])}</b>{responder}<br>{e(b.triage.reason)}<br><small>rule {e(b.triage.rule)}</small></div>
<h2>What do I know? (checklist item 1)</h2><table><tr><th>Question</th><th>Status</th><th>Facts and sources</th></tr>{rows}</table>
<h2>Still missing</h2><ul>{missing or "<li>nothing obvious</li>"}</ul>
<h2>Premise history</h2><p>{e(b.premise or "no premise record")} — {counts or "no calls"} (last {b.lookback_days} days)</p>
<table><tr><th>Date</th><th>Call</th><th>Type</th><th>Disposition</th><th>Officer</th></tr>{recent}</table><ul>{flags(b.premise_flags)}</ul>
<h2>People</h2>{people or "<p>none named</p>"}
<h2>People tied to this premise</h2><ul>{parties or "<li>none on record</li>"}</ul>
<h2>Recommended resources</h2><table><tr><th>Resource</th><th>Why</th><th>Rule</th></tr>{resources}</table>
<h2>Policy and law — {e(b.policy_name)}</h2>{example}{policy}
<footer><small>Built in {b.generated_ms:.1f} ms from agency records. Check facts before acting on them.</small></footer>
</body></html>
"""
