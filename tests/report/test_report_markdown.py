from __future__ import annotations

import json
from dataclasses import replace

import pytest

from deescalate.analysis.result import Analysis
from deescalate.checklist import load_checklist
from deescalate.report import render
from deescalate.report.common import bar_end, fmt_time, lane_order
from deescalate.report.json_report import analysis_json
from deescalate.report.markdown import render_markdown


def _table_rows(md: str, header: str) -> list[list[str]]:
    lines = md.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split(" | ")])
    return rows


def test_markdown_has_title_id_and_facts(analysis: Analysis) -> None:
    md = render_markdown(analysis)
    assert md.startswith("# Dispute over keys &lt;ends> in a takedown\n")
    assert "`test-enc-1`" in md and "call type: disturbance" in md and "duration 0:44" in md
    assert "officers: 1" in md


def test_markdown_checklist_table_has_a_row_per_item(analysis: Analysis) -> None:
    rows = _table_rows(render_markdown(analysis), "| Item | Title | Status | Summary |")
    assert [r[0] for r in rows] == ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "delivery"]
    checklist = load_checklist()
    by_item = {v.item: v for v in analysis.verdicts}
    for item, title, status, summary in rows:
        assert title == checklist.title(item)
        assert status == by_item[item].status.value
        assert summary == f"Summary of {item} \\| with a pipe"  # the pipe cannot split the cell


def test_markdown_checklist_item_without_verdict_is_not_assessed(analysis: Analysis) -> None:
    partial = replace(analysis, verdicts=tuple(v for v in analysis.verdicts if v.item != "C2"))
    rows = _table_rows(render_markdown(partial), "| Item | Title | Status | Summary |")
    assert len(rows) == 8 and rows[1][:3] == ["C2", load_checklist().title("C2"), "not assessed"]


def test_markdown_key_moments_in_time_order_without_a_doubled_time(analysis: Analysis) -> None:
    md = render_markdown(analysis)
    assert "- 0:16 — threat of force during conflicting commands (u5)\n" in md
    assert "- 0:19 — subject says his knee is broken; no officer checks (u6)\n" in md
    assert md.index("0:16 —") < md.index("0:19 —")
    assert "0:19 — 0:19" not in md


def test_markdown_measures_per_officer_and_encounter(analysis: Analysis) -> None:
    md = render_markdown(analysis)
    rows = _table_rows(
        md, "| Officer | Utterances | Words | Words/min | Words/utterance | Commands | Command word share |"
    )
    assert rows == [["Deputy Lane", "5", "40", "96.0", "8.0", "3", "45%"]]
    assert "- Time to first command: 13 s" in md
    assert "- First officer words at: 0:00" in md
    assert '- 0:19 Sam &lt;Ortiz>: "I can\'t, my knee is broken" — never checked' in md


def test_markdown_words_per_minute_missing_is_a_dash(analysis: Analysis) -> None:
    officer = replace(analysis.measures.officers[0], words_per_minute=None)
    md = render_markdown(replace(analysis, measures=replace(analysis.measures, officers=(officer,))))
    assert "| Deputy Lane | 5 | 40 | — | 8.0 | 3 | 45% |" in md


def test_markdown_findings_grouped_by_item_with_time_speaker_label_quote_rule(analysis: Analysis) -> None:
    md = render_markdown(analysis)
    findings = md[md.index("## Findings") :]
    headings = [line for line in findings.splitlines() if line.startswith("### ")]
    assert [h.split()[1] for h in headings] == ["C1", "C3", "C4", "C5", "C6", "C7"]
    c5 = findings[findings.index("### C5") : findings.index("### C6")]
    assert '- 0:09 · Neighbour & friend · inability_cue · "He can\'t hear you" · rule `inability_cue.test.v1`' in c5
    assert "(conflicts with u4)" in findings
    assert len([line for line in findings.splitlines() if line.startswith("- ")]) == len(analysis.findings)


def test_markdown_text_cannot_inject_html(analysis: Analysis) -> None:
    md = render_markdown(analysis)
    assert "<script" not in md and "<ends>" not in md


def test_markdown_footer_says_findings_need_review(analysis: Analysis) -> None:
    assert "machine-generated and must be reviewed by a person" in render_markdown(analysis)


def test_render_dispatches_on_format(analysis: Analysis) -> None:
    assert json.loads(render(analysis, "json")) == json.loads(json.dumps(analysis_json(analysis)))
    assert render(analysis, "json").startswith('{\n  "encounter_id"')
    assert render(analysis, "markdown") == render_markdown(analysis)
    assert render(analysis, "html").startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match="pdf"):
        render(analysis, "pdf")


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (42.9, "0:42"), (61, "1:01"), (3600, "60:00"), (None, "—")])
def test_common_fmt_time_is_m_ss(seconds: float | None, text: str) -> None:
    assert fmt_time(seconds) == text


def test_common_bar_end_estimates_missing_end(analysis: Analysis) -> None:
    by_id = {u.id: u for u in analysis.encounter.utterances}
    assert bar_end(by_id["u1"]) == 3.0
    assert bar_end(by_id["u6"]) == pytest.approx(19.0 + 6 / 2.5)  # "I can't, my knee is broken." has 6 words
    short = by_id["u6"].model_copy(update={"text": "No."})
    assert bar_end(short) == 20.0  # at least one second


def test_common_lane_order_puts_officers_first_and_adds_unknown_speakers(analysis: Analysis) -> None:
    enc = analysis.encounter
    extra = enc.model_copy(
        update={"utterances": [*enc.utterances, enc.utterances[0].model_copy(update={"id": "u9", "speaker": "X"})]}
    )
    assert [pid for pid, _, _ in lane_order(extra)] == ["O1", "S1", "B1", "X"]
