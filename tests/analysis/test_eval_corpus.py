"""The analyzer on the shared annotated development corpus (skipped where ../shared is absent)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from deescalate.analysis.scoring import Scoreboard
from deescalate.encounter.readers import read_encounter
from tests.analysis.helpers import analyzer

pytestmark = pytest.mark.corpus

MACRO_F1_MIN = 0.85
INABILITY_RECALL_MIN = 0.95
CONCERN_F1_MIN = 0.80
CONCERNS = ("threat_of_force", "insult", "conflicting_command", "dismissal")


@cache
def _scoreboard(corpus: Path) -> Scoreboard:
    board = Scoreboard()
    for path in sorted(corpus.glob("*.json")):
        enc = read_encounter(path)
        board.add(enc, analyzer().findings(enc))
    return board


def _errors(board: Scoreboard, label: str) -> str:
    lines = [f"{e.kind} {e.encounter_id} {e.utterance_id}: {e.text}" for e in board.errors if e.label == label]
    return "\n".join(lines[:20])


def test_corpus_is_annotated(dev_corpus: Path) -> None:
    board = _scoreboard(dev_corpus)
    assert board.encounters >= 20
    assert sum(s.support for s in board.scores.values()) > 500


def test_macro_f1(dev_corpus: Path) -> None:
    board = _scoreboard(dev_corpus)
    summary = ", ".join(f"{s.label} {s.f1:.2f}" for s in board.scores.values() if s.support)
    assert board.macro_f1 >= MACRO_F1_MIN, summary


def test_inability_cue_recall(dev_corpus: Path) -> None:
    board = _scoreboard(dev_corpus)
    score = board.scores["inability_cue"]
    assert score.recall >= INABILITY_RECALL_MIN, _errors(board, "inability_cue")


@pytest.mark.parametrize("label", CONCERNS)
def test_concern_label_f1(dev_corpus: Path, label: str) -> None:
    board = _scoreboard(dev_corpus)
    score = board.scores[label]
    assert score.support, f"no {label} in the corpus"
    assert score.f1 >= CONCERN_F1_MIN, _errors(board, label)
