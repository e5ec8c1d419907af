"""The debrief: checklist, ending, what worked, moments, and the plot in the terminal, HTML and JSON."""

from __future__ import annotations

import json
import re

from rich.console import Console

from deescalate.training.debrief import Debrief, dispatch_facts
from deescalate.training.session import TrainingSession
from tests.training.tiny import tiny, tiny_data, with_person

TURNS = [
    "Show me your hands! Get down! Don't move!",
    "/step back",
    "I can see you're scared. Take your time.",
    "<script>alert('x')</script> & more",
    "So what you're saying is you missed your bus.",
    "",
]


def played(scenario_turns: list[str] = TURNS, **person: object) -> Debrief:
    scenario = with_person(**person) if person else tiny()
    session = TrainingSession(scenario, seed=5)
    for t in scenario_turns:
        if not session.done:
            session.turn(t)
    return Debrief(scenario, session)


def test_debrief_plot_has_one_point_per_turn() -> None:
    d = played()
    n = len(d.session.history)
    assert [p.turn for p in d.points] == list(range(1, n + 1))
    svg = d.svg()
    assert svg.count('class="pt pt-agitation"') == n and svg.count('class="pt pt-rapport"') == n
    assert svg.count('class="start"') == 2  # the start of each line, drawn hollow
    assert len(d.to_json_dict()["plot"]) == n
    assert [p.mark for p in d.points][:2] == ["RAP", "STP"]
    assert d.points[2].mark in ("EMP", "SLO")  # empathy or slow down, whichever moved agitation more


def test_debrief_what_worked_lists_calming_moves_with_turn_and_words() -> None:
    d = played()
    assert d.worked, "calming moves were played"
    assert all(w.d_agitation < 0 for w in d.worked)
    assert [w.d_agitation for w in d.worked] == sorted(w.d_agitation for w in d.worked)
    by_turn = {r.turn: r for r in d.session.history}
    for w in d.worked:
        assert w.move in by_turn[w.turn].moves
    assert {w.move for w in d.worked} <= {"step_back", "empathy", "slow_down", "active_listening"}
    assert any(w.words == "I can see you're scared. Take your time." for w in d.worked)
    assert d.hurt and d.hurt[0].move == "rapid_commands" and d.hurt[0].turn == 1


def test_debrief_nothing_worked_says_so() -> None:
    d = played(["Get down!", "Get down!"])
    assert d.worked == []
    assert "Nothing you did lowered agitation." in d.to_html()


def test_debrief_moments_include_noticing_and_the_deciding_turn() -> None:
    scenario = tiny(person={**tiny_data()["person"], "hidden": ["deaf"]}, notice={"by": ["write_note"]})
    session = TrainingSession(scenario, seed=2)
    for t in ["Hello?", "Get out of the car!", "/write note Are you okay?", "/wait"]:
        session.turn(t)
    d = Debrief(scenario, session)
    assert d.noticed_turn == 3
    assert 2 <= len(d.moments) <= 3
    assert any(m.turn == 3 and "noticed" in " ".join(m.why) for m in d.moments)
    assert d.hidden_line() == "Hidden: deaf — you noticed it at turn 3."

    ended = TrainingSession(tiny(max_turns=3), seed=1)
    for _ in range(3):
        ended.turn("/wait")
    moments = Debrief(tiny(max_turns=3), ended).moments
    assert any(m.turn == 3 and m.why[0].startswith("decided the ending") for m in moments)


def test_debrief_html_is_self_contained_and_escaped() -> None:
    html = played().to_html()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert not re.search(r"(?:href|src)=\"(?:https?:)?//", html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html
    assert "“There&#x27;s a guy yelling at the bus stop." in html  # the caller's words, verbatim
    assert "C3" in html and "Checklist" in html


def test_debrief_json_has_the_run_and_the_checklist() -> None:
    d = played()
    data = json.loads(d.to_json())
    assert data["scenario"]["id"] == "tiny" and data["seed"] == 5
    assert [t["turn"] for t in data["turns"]] == list(range(1, len(TURNS) + 1))
    assert data["turns"][0]["moves"] == ["command", "rapid_commands"]
    assert {c["item"] for c in data["checklist"]} >= {"C1", "C3", "C7", "delivery"}
    assert data["encounter"]["format"] == "encounter/v1"
    assert data["ending"] is None  # stopped before an ending


def test_debrief_terminal_rendering() -> None:
    console = Console(record=True, width=100)
    console.print(played().to_rich())
    text = console.export_text()
    assert "What worked" in text and "Moments that mattered" in text and "Checklist" in text
    assert "RAP STP " in text  # each turn's strongest move under the chart
    assert "Stopped after 6 turns" in text


def test_debrief_long_runs_wrap_the_terminal_chart() -> None:
    scenario = tiny(max_turns=30)
    session = TrainingSession(scenario, seed=1)
    for _ in range(25):
        session.turn("/wait")
    d = Debrief(scenario, session)
    console = Console(record=True, width=200)
    for part in d.rich_chart():
        console.print(part)
    text = console.export_text()
    assert text.count("turn S") == 1 and text.count("\nturn ") == 2  # start and 25 turns: two blocks
    assert "\nturn 20  21  22  23  24  25" in text


def test_debrief_dispatch_facts_keep_the_callers_words() -> None:
    facts = dict(dispatch_facts(tiny()))
    assert facts["Call"] == "T-100: P3 Disturbance at Bus stop, 5th and Main"
    assert facts["Caller said"] == "“There's a guy yelling at the bus stop. I don't know, he seems upset?”"
    assert facts["Note (call-taker)"] == "No weapons seen."
    assert facts["On arrival"] == "Pacing by the bench, talking loudly."
