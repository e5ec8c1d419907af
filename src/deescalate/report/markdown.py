"""An Analysis as a Markdown report."""

from __future__ import annotations

from deescalate.analysis.result import Analysis, Measures
from deescalate.report.common import (
    checklist_rows,
    findings_by_item,
    fmt_rate,
    fmt_seconds,
    fmt_share,
    fmt_time,
    moment_text,
    officer_count,
    speaker_name,
    status_text,
)


def _text(s: str) -> str:
    """One line of plain text that no Markdown renderer turns into HTML."""
    return " ".join(s.split()).replace("<", "&lt;")


def _cell(s: str) -> str:
    return _text(s).replace("|", "\\|")


def _row(*cells: object) -> str:
    return "| " + " | ".join(_cell(str(c)) for c in cells) + " |"


def render_markdown(analysis: Analysis) -> str:
    enc = analysis.encounter
    lines = [f"# {_text(enc.title or 'Encounter ' + enc.id)}", ""]
    facts = [f"Encounter `{enc.id.replace('`', '')}`"]
    if enc.call_type:
        facts.append(f"call type: {_text(enc.call_type)}")
    facts.append(f"duration {fmt_time(enc.duration)}")
    facts.append(f"officers: {officer_count(enc)}")
    lines += [" · ".join(facts), ""]

    lines += ["## Checklist", "", _row("Item", "Title", "Status", "Summary"), "| --- | --- | --- | --- |"]
    for item, title, verdict in checklist_rows(analysis):
        lines.append(_row(item, title, status_text(verdict), verdict.summary if verdict else ""))
    lines.append("")

    lines += ["## Key moments", ""]
    moments = sorted(analysis.moments, key=lambda m: m.t)
    lines += [f"- {fmt_time(m.t)} — {_text(moment_text(m))} ({m.utterance_id})" for m in moments] or ["None."]
    lines.append("")

    lines += _measures(analysis.measures, analysis)

    lines += ["## Findings", ""]
    groups = findings_by_item(analysis.findings)
    if not groups:
        lines += ["None.", ""]
    titles = {item: title for item, title, _ in checklist_rows(analysis)}
    for item, findings in groups:
        lines += [f"### {item} — {_text(titles.get(item, item))}", ""]
        for f in findings:
            conflict = f" (conflicts with {f.conflicts_with})" if f.conflicts_with else ""
            lines.append(
                f"- {fmt_time(f.start)} · {_text(speaker_name(enc, f.speaker))} · {f.label}{conflict} · "
                f'"{_text(f.quote)}" · rule `{f.rule.replace("`", "")}`'
            )
        lines.append("")

    model = analysis.model_version or "none (rules alone)"
    lines += [
        "---",
        "",
        "_Findings are machine-generated and must be reviewed by a person against the recording._",
        f"_Learned model: {_text(model)}._",
        "",
    ]
    return "\n".join(lines)


def _measures(m: Measures, analysis: Analysis) -> list[str]:
    enc = analysis.encounter
    lines = ["## Measures", ""]
    if m.officers:
        lines += [
            _row("Officer", "Utterances", "Words", "Words/min", "Words/utterance", "Commands", "Command word share"),
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for o in m.officers:
            lines.append(
                _row(
                    o.name,
                    o.utterances,
                    o.words,
                    fmt_rate(o.words_per_minute),
                    fmt_rate(o.words_per_utterance),
                    o.commands,
                    fmt_share(o.command_word_share),
                )
            )
        lines.append("")
    lines += [
        f"- First officer words at: {fmt_time(m.first_officer_words_at)}",
        f"- Time to first command: {fmt_seconds(m.seconds_to_first_command)}",
        f"- Time to first force: {fmt_seconds(m.seconds_to_first_force)}",
        f"- Officers giving commands: {m.officers_giving_commands}",
        f"- Longest run of unanswered commands: {m.longest_unanswered_command_run}",
        f"- Unchecked inability cues: {len(m.unchecked_inability_cues)}",
        f"- Most officers commanding within 10 s: {m.max_officers_commanding_10s}",
        f"- Peak commands per minute: {m.peak_commands_per_minute}",
        f"- Conflicts between officers: {m.cross_officer_conflicts}",
    ]
    for cue in m.unchecked_inability_cues:
        checked = "never checked" if cue.checked_after is None else f"checked after {cue.checked_after:.0f} s"
        lines.append(f'  - {fmt_time(cue.t)} {_text(speaker_name(enc, cue.speaker))}: "{_text(cue.quote)}" — {checked}')
    lines.append("")
    return lines
