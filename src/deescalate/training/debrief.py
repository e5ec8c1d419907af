"""After a run: the checklist review of the trainee's words, the ending, what worked, the moments that
mattered, and agitation and rapport turn by turn (terminal, self-contained HTML with inline SVG, JSON)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from html import escape
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from deescalate import __version__
from deescalate.analysis.analyzer import analyze, default_analyzer
from deescalate.analysis.result import Analysis
from deescalate.encounter.model import Encounter, Participant, Role, Utterance
from deescalate.report.common import checklist_rows, fmt_time, moment_text, status_text
from deescalate.training.model import COMMAND_MOVES
from deescalate.training.scenario import Scenario
from deescalate.training.session import PARTNER, PERSON, TRAINEE, TrainingSession, TurnResult, split_line

# three-letter marks for the plots
ABBREV: dict[str, str] = {
    "command": "CMD",
    "repeated_command": "REP",
    "rapid_commands": "RAP",
    "conflicting_command": "CON",
    "threat_of_force": "THR",
    "insult": "INS",
    "dismissal": "DIS",
    "explanation": "EXP",
    "respect_marker": "RES",
    "empathy": "EMP",
    "active_listening": "LIS",
    "slow_down": "SLO",
    "distance": "DST",
    "capacity_check": "CAP",
    "resource_request": "RRQ",
    "backup_request": "BRQ",
    "silence": "SIL",
    "wait": "WAI",
    "step_back": "STP",
    "call_backup": "BKP",
    "call_ems": "EMS",
    "write_note": "NOT",
    "call_resource": "CAL",
    "civil_matter": "CIV",
    "question": "ASK",
    "talk": "TLK",
}
AGITATION_COLOUR = "#c62828"
RAPPORT_COLOUR = "#1f5fa8"
CALM_COLOUR = "#1a7f37"
PHASE_STYLE = {"trigger": "", "escalation": "yellow", "crisis": "bold red", "recovery": "green"}
ENDING_WORDS = {
    "resolved_calmly": "Resolved calmly",
    "handed_to_clinician": "Handed to a clinician",
    "person_hurt": "The person was hurt",
    "force_used": "Force was used",
    "person_flees": "The person fled",
    "unresolved": "Unresolved",
}
CHUNK = 20  # turns per block of the terminal chart


def words_of(r: TurnResult) -> str:
    return r.words or r.text.strip() or "(silence)"


def mark(r: TurnResult) -> str:
    strongest = r.strongest()
    return ABBREV.get(strongest, "?") if strongest else "—"


def dispatch_facts(scenario: Scenario) -> list[tuple[str, str]]:
    """What dispatch gives the trainee before arrival: (heading, text); the caller's words verbatim."""
    call = scenario.call
    kind = call.type_text or call.type_code or "call"
    prio = (call.priority or "").strip()
    prio = f"{'' if prio.upper().startswith('P') else 'P'}{prio} " if prio else ""
    facts = [("Call", f"{call.number}: {prio}{kind} at {call.address or 'location unknown'}")]
    if call.narrative:
        facts.append(("Caller said", f"“{call.narrative}”"))
    if call.caller_name or call.caller_phone:
        facts.append(("Caller", ", ".join(p for p in (call.caller_name, call.caller_phone) if p)))
    for p in call.persons:
        facts.append((f"Person ({p.role})", p.name + (f": {p.description}" if p.description else "")))
    for n in call.notes:
        facts.append((f"Note ({n.author or 'call-taker'})", n.text))
    if call.units:
        facts.append(("Units", ", ".join(call.units)))
    facts.append(("On arrival", scenario.person.condition))
    return facts


@dataclass(frozen=True, slots=True)
class Unplayed:
    """A script line the scene ended before; what the analyzer finds in it still counts for the trainer."""

    line: str
    labels: tuple[str, ...]


def unplayed_findings(lines: list[str]) -> list[Unplayed]:
    """The analyzer on the lines that were never played, read as one officer's run of turns."""
    said = [(i, split_line(line)) for i, line in enumerate(lines)]
    utterances = [
        Utterance(id=f"u{i}", speaker=PARTNER if who == PARTNER else TRAINEE, start=4.0 * i, text=rest)
        for i, (who, instructor, rest) in said
        if instructor is None and rest and not rest.startswith("/")
    ]
    if not utterances:
        return [Unplayed(line, ()) for line in lines]
    encounter = Encounter(
        id="unplayed",
        participants=[
            Participant(id=TRAINEE, role=Role.officer),
            Participant(id=PARTNER, role=Role.officer),
            Participant(id=PERSON, role=Role.subject),
        ],
        utterances=utterances,
    )
    found: dict[str, set[str]] = {}
    for f in default_analyzer().findings(encounter):
        found.setdefault(f.utterance_id, set()).add(f.label)
    return [Unplayed(line, tuple(sorted(found.get(f"u{i}", set())))) for i, line in enumerate(lines)]


CONCERNS = ("threat_of_force", "insult", "conflicting_command", "dismissal")


@dataclass(frozen=True, slots=True)
class Point:
    turn: int
    agitation: float
    rapport: float
    phase: str
    mark: str  # the turn's strongest move, abbreviated
    moves: tuple[str, ...]
    noticed_now: bool


@dataclass(frozen=True, slots=True)
class Worked:
    turn: int
    move: str
    d_agitation: float
    words: str


@dataclass(frozen=True, slots=True)
class Moment:
    turn: int
    why: tuple[str, ...]
    words: str
    d_agitation: float


class Debrief:
    def __init__(self, scenario: Scenario, session: TrainingSession) -> None:
        self.scenario = scenario
        self.session = session
        self.history = list(session.history)
        self.analysis: Analysis = analyze(session.encounter)
        self.ending = session.ending
        self.points = [
            Point(
                r.turn,
                round(r.state.agitation, 2),
                round(r.state.rapport, 2),
                r.state.phase,
                mark(r),
                r.moves,
                r.noticed_now,
            )
            for r in self.history
        ]
        self.worked = self._by_effect(calming=True)
        self.hurt = self._by_effect(calming=False)
        self.moments = self._moments()
        self.unplayed = unplayed_findings(session.unplayed)
        self.spoken = session.spoken_summary()  # pace and loudness of the recorded turns, if any

    # -- what the debrief says ----------------------------------------------------------------------------------
    def _by_effect(self, *, calming: bool, n: int = 3) -> list[Worked]:
        items = [
            Worked(r.turn, move, round(da, 2), words_of(r))
            for r in self.history
            for move, (da, _) in r.deltas.items()
            if (da < 0 if calming else da > 0)
        ]
        items.sort(key=lambda w: (w.d_agitation if calming else -w.d_agitation, w.turn))
        return items[:n]

    def _moments(self, n: int = 3) -> list[Moment]:
        reasons: dict[int, list[str]] = {}
        last = self.history[-1] if self.history else None
        if last is not None and last.ending is not None:
            reasons.setdefault(last.turn, []).append(f"decided the ending: {ENDING_WORDS[last.ending.kind].lower()}")
        for r in self.history:
            if r.noticed_now:
                reasons.setdefault(r.turn, []).append("you noticed the hidden condition")
        for r in sorted(self.history, key=lambda r: (-abs(r.agitation_change), r.turn)):
            if len(reasons) >= n or abs(r.agitation_change) < 0.05:
                break
            if r.turn not in reasons:
                direction = "rose" if r.agitation_change > 0 else "fell"
                moves = ", ".join(m.replace("_", " ") for m in r.moves)
                reasons[r.turn] = [f"agitation {direction} most ({moves})"]
        by_turn = {r.turn: r for r in self.history}
        chosen = list(reasons.items())[:n]
        return [
            Moment(t, tuple(why), words_of(by_turn[t]), round(by_turn[t].agitation_change, 2))
            for t, why in sorted(chosen)
        ]

    @property
    def noticed_turn(self) -> int | None:
        return next((r.turn for r in self.history if r.noticed_now), None)

    def ending_line(self) -> str:
        if self.ending is None:
            return f"Stopped after {len(self.history)} turns, before any ending."
        return f"{ENDING_WORDS[self.ending.kind]}: {self.ending.text}"

    def unplayed_line(self) -> str | None:
        """Said when the scene ended before the script did: the lines it never reached, and the concerns in
        them, so an early ending never hides what the trainee was going to do."""
        if not self.unplayed:
            return None
        concerns = sorted({c.replace("_", " ") for u in self.unplayed for c in u.labels if c in CONCERNS})
        found = f"; in them the analyzer finds: {', '.join(concerns)}" if concerns else ""
        return (
            f"The scene ended at turn {len(self.history)}, before {len(self.unplayed)} more lines of your "
            f"script were played{found}."
        )

    def hidden_line(self) -> str | None:
        hidden = ", ".join(h.replace("_", " ") for h in self.scenario.person.hidden)
        if not hidden:
            return None
        t = self.noticed_turn
        return f"Hidden: {hidden} — " + (f"you noticed it at turn {t}." if t else "never noticed.")

    # -- JSON ---------------------------------------------------------------------------------------------------
    def to_json_dict(self) -> dict[str, Any]:
        start = self.session.model.start()
        return {
            "scenario": {"id": self.scenario.id, "title": self.scenario.title},
            "seed": self.session.seed,
            "ending": None
            if self.ending is None
            else {"kind": self.ending.kind, "text": self.ending.text, "turn": len(self.history)},
            "hidden": list(self.scenario.person.hidden),
            "noticed_at_turn": self.noticed_turn,
            "start": {"agitation": start.agitation, "rapport": start.rapport, "phase": start.phase},
            "plot": [asdict(p) for p in self.points],
            "what_worked": [asdict(w) for w in self.worked],
            "what_raised_agitation": [asdict(w) for w in self.hurt],
            "moments": [asdict(m) for m in self.moments],
            "unplayed": [asdict(u) for u in self.unplayed],
            "spoken": None
            if self.spoken is None
            else {
                "summary": self.spoken.line(),
                "median_db": self.spoken.median_db,
                "words_per_minute": self.spoken.words_per_minute,
                "raised_turns": self.spoken.raised_turns,
                "fast": self.spoken.fast,
                "turns": [asdict(d) | {"flags": list(d.flags)} for d in self.spoken.turns],
            },
            "turns": [
                {
                    "turn": r.turn,
                    "t": r.t,
                    "text": r.text,
                    "moves": list(r.moves),
                    "deltas": {m: [round(a, 3), round(b, 3)] for m, (a, b) in r.deltas.items()},
                    "condition": r.condition,
                    "blocked": sorted(r.blocked),
                    "agitation": round(r.state.agitation, 3),
                    "rapport": round(r.state.rapport, 3),
                    "phase": r.state.phase,
                    "stage": r.state.stage,
                    "noticed": r.state.noticed,
                    "harm": r.state.harm,
                    "force_risk": r.state.force_risk,
                    "person": r.person,
                    "by": r.by or self.scenario.person.name,
                    "aside": r.aside,
                    "repeat_of": r.repeat_of,
                    **(
                        {}
                        if r.spoken is None
                        else {"audio": {"file": r.spoken.name, "transcribe_s": r.spoken.transcribe_s}}
                    ),
                }
                for r in self.history
            ],
            "checklist": [v.to_dict() for v in self.analysis.verdicts],
            "key_moments": [asdict(m) for m in self.analysis.moments],
            "encounter": self.session.encounter.to_json_dict(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), indent=2, ensure_ascii=False) + "\n"

    # -- terminal -----------------------------------------------------------------------------------------------
    def to_rich(self) -> RenderableType:
        parts: list[RenderableType] = [
            Text(f"Debrief — {self.scenario.title}", style="bold underline"),
            Text(self.ending_line(), style="bold"),
        ]
        if (hidden := self.hidden_line()) is not None:
            parts.append(Text(hidden))
        if (early := self.unplayed_line()) is not None:
            parts.append(Text(early, style="yellow"))
            for u in self.unplayed:
                marks = f"  [{', '.join(lb.replace('_', ' ') for lb in u.labels)}]" if u.labels else ""
                parts.append(Text(f"  not played: “{u.line}”{marks}", style="dim"))
        parts.append(Text(f"{self.scenario.person.name} wanted: {self.scenario.person.wants}", style="dim"))
        parts += ["", *self.rich_chart()]
        parts += ["", Text("What worked", style="bold")]
        parts += [_worked_text(w) for w in self.worked] or [Text("  Nothing you did lowered agitation.")]
        if self.hurt:
            parts += [Text("What raised agitation", style="bold")]
            parts += [_worked_text(w) for w in self.hurt]
        if self.spoken is not None:
            parts += ["", *self.rich_spoken()]
        parts += ["", Text("Moments that mattered", style="bold")]
        for m in self.moments:
            t = Text(f"  turn {m.turn}: {'; '.join(m.why)} ", style="")
            t.append(f"“{m.words}”", style="italic")
            parts.append(t)
        if not self.moments:
            parts.append(Text("  None."))
        parts += ["", self._rich_checklist()]
        for km in sorted(self.analysis.moments, key=lambda km: km.t):
            parts.append(Text(f"  {fmt_time(km.t)} — {moment_text(km)}"))
        return Group(*parts)

    def rich_spoken(self) -> list[RenderableType]:
        """Your delivery from the recordings: per spoken turn, pace and loudness against your own median."""
        assert self.spoken is not None
        table = Table(title="Your delivery (measured from your recordings)", title_justify="left", expand=False)
        for col in ("turn", "recording", "words/min", "level dBFS", "vs your median", "flags"):
            table.add_column(col)
        for d in self.spoken.turns:
            if d.level_db is None:
                table.add_row(str(d.turn), d.file, "—", "—", "—", Text(d.note, style="yellow"))
                continue
            table.add_row(
                str(d.turn),
                d.file,
                f"{d.words_per_minute:.0f}" if d.words_per_minute is not None else "—",
                f"{d.level_db:.1f}",
                f"{d.relative_db:+.1f} dB",
                Text(", ".join(d.flags) or "ok", style="red" if d.flags else "green"),
            )
        overall = self.spoken
        return [
            table,
            Text(f"  Overall: {overall.line()}", style="red" if overall.fast or overall.raised_turns else ""),
        ]

    def rich_chart(self) -> list[RenderableType]:
        """Agitation (red) and rapport (blue) as paired bars per turn, 0–10 in five rows, with each turn's
        strongest move abbreviated underneath; 20 turns a block."""
        start = self.session.model.start()
        columns: list[tuple[str, float, float, str, str]] = [("S", start.agitation, start.rapport, "", start.phase)]
        columns += [(str(p.turn), p.agitation, p.rapport, p.mark, p.phase) for p in self.points]
        out: list[RenderableType] = [
            Text.assemble(
                ("Agitation ", "bold"), ("█", "red"), ("  rapport ", "bold"), ("█", "blue"), ", 0–10, per turn"
            )
        ]
        for at in range(0, len(columns), CHUNK):
            chunk = columns[at : at + CHUNK]
            for row in range(5):
                low = 8 - 2 * row
                line = Text(f"{low + 2:>3} │", style="dim")
                for _, a, r, _, _ in chunk:
                    line.append(_block(a, low), style="red")
                    line.append(_block(r, low), style="blue")
                    line.append("  ")
                out.append(line)
            out.append(Text("    └" + "────" * len(chunk), style="dim"))
            turns = Text("turn ", style="dim")
            moves = Text("move ", style="dim")
            for label, _, _, m, phase in chunk:
                turns.append(f"{label:<4}", style=PHASE_STYLE.get(phase, ""))
                moves.append(f"{m:<4}", style=_move_style(m))
            out += [turns, moves]
        used = sorted({p.mark for p in self.points} - {"—"})
        names = {v: k for k, v in ABBREV.items()}
        if used:
            out.append(Text("  " + ", ".join(f"{u} {names[u].replace('_', ' ')}" for u in used), style="dim"))
        out.append(Text("  turn numbers: yellow escalation, red crisis, green recovery", style="dim"))
        return out

    def _rich_checklist(self) -> RenderableType:
        table = Table(title="Checklist (the analyzer on your words)", title_justify="left", expand=False)
        table.add_column("item")
        table.add_column("status")
        table.add_column("summary")
        style = {"demonstrated": "green", "concerns": "red", "mixed": "yellow"}
        for item, title, verdict in checklist_rows(self.analysis):
            status = status_text(verdict)
            table.add_row(
                f"{item} {title}" if item != title else title,
                Text(status, style=style.get(status, "dim")),
                verdict.summary if verdict else "",
            )
        return table

    # -- HTML ---------------------------------------------------------------------------------------------------
    def to_html(self) -> str:
        title = f"Debrief — {self.scenario.title}"
        return "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en">',
                "<head>",
                '<meta charset="utf-8">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f"<title>{e(title)}</title>",
                f"<style>{_CSS}</style>",
                "</head>",
                "<body>",
                self._html_header(title),
                self._html_call(),
                f'<section id="plot"><h2>Agitation and rapport</h2>{self.svg()}{_SVG_KEY}</section>',
                self._html_worked(),
                self._html_spoken(),
                self._html_moments(),
                self._html_checklist(),
                self._html_turns(),
                _FOOTER.format(version=e(__version__)),
                "</body>",
                "</html>",
                "",
            ]
        )

    def _html_header(self, title: str) -> str:
        kind = self.ending.kind if self.ending else "stopped"
        hidden = self.hidden_line()
        return (
            f"<header><h1>{e(title)}</h1><p>{e(self.scenario.summary)}</p>"
            f'<p class="ending end-{e(kind)}"><b>{e(self.ending_line())}</b></p>'
            + (f"<p>{e(hidden)}</p>" if hidden else "")
            + (f'<p class="unplayed">{e(self.unplayed_line())}</p>' if self.unplayed else "")
            + f'<p class="muted">{e(self.scenario.person.name)} wanted: {e(self.scenario.person.wants.rstrip("."))}. '
            f"Seed {self.session.seed}, {len(self.history)} turns.</p></header>"
        )

    def _html_call(self) -> str:
        rows = "".join(f"<tr><th scope=row>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in dispatch_facts(self.scenario))
        return f'<section id="call"><h2>The call</h2><table>{rows}</table></section>'

    def _html_worked(self) -> str:
        def items(ws: list[Worked]) -> str:
            return "".join(
                f"<li>turn {w.turn}: <b>{e(w.move.replace('_', ' '))}</b> ({w.d_agitation:+.1f}) “{e(w.words)}”</li>"
                for w in ws
            )

        worked = f"<ul>{items(self.worked)}</ul>" if self.worked else "<p>Nothing you did lowered agitation.</p>"
        hurt = f"<h3>What raised agitation</h3><ul>{items(self.hurt)}</ul>" if self.hurt else ""
        return f'<section id="worked"><h2>What worked</h2>{worked}{hurt}</section>'

    def _html_spoken(self) -> str:
        if self.spoken is None:
            return ""
        rows = []
        for d in self.spoken.turns:
            if d.level_db is None:
                cells = f"<td>—</td><td>—</td><td>—</td><td>{e(d.note)}</td>"
            else:
                pace = f"{d.words_per_minute:.0f}" if d.words_per_minute is not None else "—"
                cells = (
                    f"<td class=num>{pace}</td><td class=num>{d.level_db:.1f}</td>"
                    f"<td class=num>{d.relative_db:+.1f} dB</td><td>{e(', '.join(d.flags) or 'ok')}</td>"
                )
            rows.append(f'<tr><td class=num><a href="#turn-{d.turn}">{d.turn}</a></td><td>{e(d.file)}</td>{cells}</tr>')
        return (
            '<section id="spoken"><h2>Your delivery</h2><p class="muted">Measured from your recordings: pace '
            "from the word times, loudness against your own median level (raised: 6 dB or more above it).</p>"
            "<table><thead><tr><th>Turn</th><th>Recording</th><th>Words/min</th><th>Level dBFS</th>"
            f"<th>vs your median</th><th>Flags</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p><b>Overall:</b> {e(self.spoken.line())}</p></section>"
        )

    def _html_moments(self) -> str:
        rows = "".join(
            f"<li>turn {m.turn}: {e('; '.join(m.why))} — “{e(m.words)}” (agitation {m.d_agitation:+.1f})</li>"
            for m in self.moments
        )
        return f'<section id="moments"><h2>Moments that mattered</h2><ul>{rows or "<li>None.</li>"}</ul></section>'

    def _html_checklist(self) -> str:
        cards = []
        for item, title, verdict in checklist_rows(self.analysis):
            status = status_text(verdict)
            name = e(title) if title.lower() == item.lower() else f"{e(item)} · {e(title)}"
            body = ""
            if verdict is not None:
                body = f"<p>{e(verdict.summary)}</p>"
                if verdict.reasons:
                    body += "<ul>" + "".join(f"<li>{e(r)}</li>" for r in verdict.reasons) + "</ul>"
            css = status.replace(" ", "-")
            cards.append(
                f'<article class="item st-{css}"><h3>{name} <span class="badge b-{css}">{e(status)}</span></h3>'
                f"{body}</article>"
            )
        moments = "".join(
            f"<li>{fmt_time(m.t)} — {e(moment_text(m))}</li>" for m in sorted(self.analysis.moments, key=lambda m: m.t)
        )
        return (
            '<section id="checklist"><h2>Checklist</h2><p class="muted">The analyzer on your words, as it reviews '
            f'any encounter.</p><div class="items">{"".join(cards)}</div>'
            + (f"<h3>Key moments</h3><ul>{moments}</ul>" if moments else "")
            + "</section>"
        )

    def _html_turns(self) -> str:
        rows = "".join(
            f'<tr id="turn-{r.turn}"><td class=num>{r.turn}</td><td>{fmt_time(r.t)}</td>'
            f"<td>{e(r.text) or '<i>silence</i>'}"
            f'<div class="muted">{e(", ".join(m.replace("_", " ") for m in r.moves))}'
            f"{' (not understood)' if r.blocked else ''}{_turn_note(r, self.scenario.person.name)}</div></td>"
            f"<td>{_reply_html(r, self.scenario.person.name)}</td>"
            f"<td class=num>{r.state.agitation:.1f}</td><td class=num>{r.state.rapport:.1f}</td>"
            f"<td>{e(r.state.phase)}</td></tr>"
            for r in self.history
        )
        return (
            '<section id="turns"><h2>Turns</h2><table><thead><tr><th>#</th><th>Time</th><th>You</th>'
            f"<th>{e(self.scenario.person.name)}</th><th>Agitation</th><th>Rapport</th><th>Phase</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></section>"
        )

    def svg(self) -> str:
        """Agitation and rapport after each turn (one point each, the start as a hollow point), phase bands,
        each turn's strongest move written under it."""
        step, left, top, h = 44, 40, 12, 200
        n = len(self.points)
        width = left + step * (n + 1) + 20
        height = top + h + 44

        def x(i: int) -> float:
            return left + step * i

        def y(v: float) -> float:
            return round(top + h * (1 - v / 10), 1)

        start = self.session.model.start()
        out = [
            f'<rect x="{left}" y="{y(10)}" width="{step * (n + 1)}" height="{y(8) - y(10)}" fill="#fbe3e3"/>',
            f'<rect x="{left}" y="{y(8)}" width="{step * (n + 1)}" height="{y(5) - y(8)}" fill="#fdf3d8"/>',
            f'<text x="{left + 4}" y="{y(10) + 12}" class="band">crisis</text>',
            f'<text x="{left + 4}" y="{y(8) + 12}" class="band">escalation</text>',
        ]
        for v in range(0, 11, 2):
            out.append(
                f'<line x1="{left}" y1="{y(v)}" x2="{left + step * (n + 1)}" y2="{y(v)}" stroke="#e3e3e3"/>'
                f'<text x="{left - 6}" y="{y(v) + 4}" text-anchor="end">{v}</text>'
            )
        if (t := self.noticed_turn) is not None:
            out.append(
                f'<line class="noticed" x1="{x(t)}" y1="{top}" x2="{x(t)}" y2="{top + h}" stroke="{CALM_COLOUR}" '
                f'stroke-dasharray="4 3"><title>noticed the hidden condition at turn {t}</title></line>'
            )
        for key, colour, value0 in (
            ("agitation", AGITATION_COLOUR, start.agitation),
            ("rapport", RAPPORT_COLOUR, start.rapport),
        ):
            values = [value0, *(getattr(p, key) for p in self.points)]
            line = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
            out.append(f'<polyline class="line-{key}" points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
            out.append(
                f'<circle class="start" cx="{x(0)}" cy="{y(value0)}" r="3.5" fill="#fff" stroke="{colour}">'
                f"<title>start: {key} {value0:.1f}</title></circle>"
            )
        for p, r in zip(self.points, self.history, strict=True):
            tip = (
                f"turn {p.turn}: {words_of(r)}\n{', '.join(m.replace('_', ' ') for m in p.moves)}\n"
                f"agitation {p.agitation:.1f}, rapport {p.rapport:.1f}, {p.phase}"
            )
            out.append(
                f'<g class="turn" data-turn="{p.turn}"><title>{e(tip)}</title>'
                f'<circle class="pt pt-agitation" cx="{x(p.turn)}" cy="{y(p.agitation)}" r="3.5" '
                f'fill="{AGITATION_COLOUR}"/>'
                f'<circle class="pt pt-rapport" cx="{x(p.turn)}" cy="{y(p.rapport)}" r="3.5" fill="{RAPPORT_COLOUR}"/>'
                f'<text x="{x(p.turn)}" y="{top + h + 16}" text-anchor="middle">{p.turn}</text>'
                f'<text class="mark" x="{x(p.turn)}" y="{top + h + 32}" text-anchor="middle" '
                f'fill="{_move_colour(p)}">{e(p.mark)}</text></g>'
            )
        out.append(f'<text x="{x(0)}" y="{top + h + 16}" text-anchor="middle">start</text>')
        return (
            f'<svg class="plot" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="agitation and rapport after each turn">{"".join(out)}</svg>'
        )

    # -- files --------------------------------------------------------------------------------------------------
    def file_stem(self) -> str:
        return f"{self.scenario.id}-seed{self.session.seed}-debrief"


def _turn_note(r: TurnResult, person: str) -> str:
    said_to = f" (said to {r.by})" if r.by and r.by != person else ""
    return said_to + (f" (said again: turn {r.repeat_of})" if r.repeat_of else "")


def _reply_html(r: TurnResult, person: str) -> str:
    """The reply, named when someone other than the person gave it, after what the person did meanwhile."""
    if not r.by or r.by == person:
        return e(r.person)
    aside = f"{e(person)}: {e(r.aside)}<br>" if r.aside else ""
    return f"{aside}<b>{e(r.by)}</b>: {e(r.person)}"


def e(value: object) -> str:
    return escape(str(value), quote=True)


def _block(value: float, low: float) -> str:
    fill = min(1.0, max(0.0, (value - low) / 2))
    return " ▁▂▃▄▅▆▇█"[round(fill * 8)]


def _raising(move: str) -> bool:
    return move in COMMAND_MOVES or move in ("insult", "dismissal")


def _move_style(abbrev: str) -> str:
    names = {v: k for k, v in ABBREV.items()}
    move = names.get(abbrev, "")
    return "red" if _raising(move) else ("green" if move else "dim")


def _move_colour(p: Point) -> str:
    names = {v: k for k, v in ABBREV.items()}
    return AGITATION_COLOUR if _raising(names.get(p.mark, "")) else CALM_COLOUR


def _worked_text(w: Worked) -> Text:
    t = Text(f"  turn {w.turn}: ")
    t.append(w.move.replace("_", " "), style="bold")
    t.append(f" ({w.d_agitation:+.1f}) ")
    t.append(f"“{w.words}”", style="italic")
    return t


_SVG_KEY = (
    f'<p class="muted"><span style="color:{AGITATION_COLOUR}">●</span> agitation, '
    f'<span style="color:{RAPPORT_COLOUR}">●</span> rapport (0–10, after each turn; hollow: start). '
    "Under each turn, its strongest move (green calming, red raising); dashed green line: hidden condition "
    "noticed. Rapport stages: listening &lt;2, empathy &lt;4, rapport &lt;6, influence &lt;8, change.</p>"
)
_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1b;margin:0 auto;
max-width:1100px;padding:0 20px 40px}
h1{font-size:1.6em;margin:.8em 0 .2em} h2{font-size:1.25em;margin:1.4em 0 .5em;border-bottom:2px solid #ddd;
padding-bottom:.2em} h3{font-size:1em;margin:.6em 0 .3em}
.muted{color:#555} .ending{font-size:1.1em;padding:6px 10px;border-left:6px solid #6e7781;background:#f4f4f4}
.end-resolved_calmly,.end-handed_to_clinician{border-left-color:#1a7f37}
.end-person_hurt,.end-force_used,.end-person_flees{border-left-color:#c62828}
table{border-collapse:collapse} th,td{padding:4px 8px;border-bottom:1px solid #e3e3e3;text-align:left;
vertical-align:top} th{background:#f4f4f4} td.num{text-align:right}
#plot{overflow-x:auto} svg.plot text{font-size:11px;fill:#333} svg.plot text.band{fill:#8a5a00}
svg.plot text.mark{font-weight:600}
.items{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:10px}
.item{border:1px solid #ccc;border-left:6px solid #999;border-radius:4px;padding:6px 12px}
.item.st-demonstrated{border-left-color:#1a7f37} .item.st-concerns{border-left-color:#c62828}
.item.st-mixed{border-left-color:#e8a000} .item p,.item ul{margin:.3em 0}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.8em;font-weight:600;margin-left:.4em}
.b-demonstrated{background:#1a7f37;color:#fff} .b-concerns{background:#c62828;color:#fff}
.b-mixed{background:#f2b90c} .b-not-observed{background:#6e7781;color:#fff}
.b-not-assessed{border:1px dashed #888}
footer{margin-top:2.5em;padding-top:.8em;border-top:2px solid #ddd;color:#444;font-size:.9em}
"""
_FOOTER = (
    "<footer><p><b>A practice run.</b> The person is simulated: agitation and rapport follow a small, documented "
    "model (deescalate.training.model), not a real person. The checklist statuses were produced automatically by "
    "deescalate {version} from your words alone; they are leads for a trainer, not a grade.</p></footer>"
)
