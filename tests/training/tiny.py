"""A tiny scenario of the training tests' own (independent of the bundled scenario files)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

from deescalate.training.scenario import Scenario


def tiny_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "tiny",
        "title": "Tiny: a man by the bus stop",
        "summary": "A man shouting at the bus stop; a passer-by called.",
        "call": {
            "number": "T-100",
            "received_at": "2026-03-01T12:00:00Z",
            "type_text": "Disturbance",
            "priority": "3",
            "address": "Bus stop, 5th and Main",
            "narrative": "There's a guy yelling at the bus stop. I don't know, he seems upset?",
            "caller_name": "Passer-by",
            "notes": [{"text": "No weapons seen.", "author": "call-taker"}],
        },
        "person": {
            "name": "Sam Lee",
            "age": 40,
            "condition": "Pacing by the bench, talking loudly.",
            "wants": "To get home.",
            "hidden": [],
        },
        "start": {"agitation": 4.0, "rapport": 2.0},
        "lines": {
            "trigger": ["What do you want?", "I'm just waiting for the bus.", "Leave me alone."],
            "escalation": ["Why are you on me?", "Back off!"],
            "crisis": ["GET AWAY FROM ME!"],
            "recovery": ["...Okay.", "Fine. Fine."],
        },
        "responses": {"empathy": ["Yeah. It's been a day."]},
        "facts": {
            "name": ["Sam. Sam Lee."],
            "situation": ["The bus didn't stop. Third one tonight."],
            "need": ["To get home. That's all."],
            "medication": ["No, nothing."],
            "family": ["My sister's expecting me."],
            "injury": ["I'm not hurt."],
            "weapon": ["No. Nothing."],
            "next_step": ["I wait for the next bus, I guess."],
        },
        "endings": [
            {"kind": "force_used", "when": "agitation >= 9.5", "text": "He swings; you go hands-on."},
            {"kind": "resolved_calmly", "when": "agitation <= 1.5 and rapport >= 5", "text": "He catches his bus."},
        ],
        "max_turns": 12,
        "settle_turns": 1,  # the model's own tests end at the first turn that decides
    }
    data.update(overrides)
    return data


def tiny(**overrides: Any) -> Scenario:
    return Scenario.model_validate(tiny_data(**overrides))


def with_person(**person: Any) -> Scenario:
    data = tiny_data()
    data["person"] = {**data["person"], **person}
    return Scenario.model_validate(data)


def write_tiny(folder: Path, name: str = "tiny.yaml", **overrides: Any) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(tiny_data(**overrides), allow_unicode=True, sort_keys=False), "utf-8")
    return path


class NoNoise(random.Random):
    """A Random whose noise is always zero, so effects can be checked exactly."""

    def uniform(self, a: float, b: float) -> float:
        return 0.0
