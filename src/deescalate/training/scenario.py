"""Scenario files (YAML), validated on load.

A scenario is the call as dispatch gives it (it feeds the briefing), the
person the trainee meets (with hidden facts the trainee must discover), the
person's starting state, what the person says in each phase and in answer to
each kind of trainee move, and the endings.

Moves are what the analyzer finds in the trainee's words (labels such as
``command``, ``empathy``, ``threat_of_force``) plus the actions ``wait``,
``step_back``, ``call_backup``, ``call_ems`` and ``write_note``.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from deescalate.briefing.call import CallIn
from deescalate.datafile import parse_yaml, read_text, validate
from deescalate.errors import Code, ConfigError
from deescalate.training.conditions import PHASES as CONDITION_PHASES
from deescalate.training.conditions import parse_condition

Phase = Literal["trigger", "escalation", "crisis", "recovery"]
PHASES: tuple[Phase, ...] = typing.get_args(Phase)
assert PHASES == CONDITION_PHASES  # one list of phases for scenarios and their endings
ACTIONS = ("wait", "step_back", "call_backup", "call_ems", "write_note")
MOVES = (
    "command",
    "conflicting_command",
    "repeated_command",
    "threat_of_force",
    "insult",
    "explanation",
    "respect_marker",
    "empathy",
    "active_listening",
    "slow_down",
    "distance",
    "capacity_check",
    "resource_request",
    "backup_request",
    "dismissal",
    "rapid_commands",
    "silence",
    *ACTIONS,
)
Hidden = Literal[
    "deaf",
    "diabetic",
    "autistic",
    "hearing_voices",
    "no_english",
    "knife",
    "cannot_breathe",
    "veteran_ptsd",
    "intoxicated",
    "civil_dispute",
    "suicidal",
]
EndingKind = Literal[
    "resolved_calmly", "handed_to_clinician", "person_hurt", "force_used", "person_flees", "unresolved"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Strict):
    name: str
    age: int = Field(ge=5, le=110)
    condition: str  # what the trainee can see or is told, in plain words
    wants: str
    hidden: tuple[Hidden, ...] = ()
    # how the person can be reached once the hidden condition is noticed
    channel: Literal["speech", "writing", "interpreter", "sign"] = "speech"


class Start(_Strict):
    agitation: float = Field(ge=0, le=10)
    rapport: float = Field(ge=0, le=10)


class Ending(_Strict):
    kind: EndingKind
    when: str  # condition over state, e.g. "agitation <= 2 and rapport >= 6"
    text: str

    @field_validator("when")
    @classmethod
    def _condition(cls, value: str) -> str:
        parse_condition(value)  # refuses anything but the small condition language
        return value


class Scenario(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    title: str
    summary: str
    call: CallIn
    person: Person
    start: Start
    # what the person says in each phase (chosen by seeded chance when several)
    lines: dict[Phase, tuple[str, ...]]
    # what the person says in answer to a kind of move (overrides the phase line)
    responses: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # the trainee noticing the hidden condition: words or actions that count
    notice: tuple[str, ...] = ()
    # per-move changes this scenario makes to the model's defaults: {move: [d_agitation, d_rapport]}
    effects: dict[str, tuple[float, float]] = Field(default_factory=dict)
    endings: tuple[Ending, ...] = Field(min_length=2)
    max_turns: int = Field(default=30, ge=3, le=200)

    @model_validator(mode="after")
    def _known_keys(self) -> Scenario:
        for phase in PHASES:
            if not self.lines.get(phase):
                raise ValueError(f"lines.{phase} needs at least one line")
        for key in (*self.responses, *self.effects):
            if key not in MOVES:
                raise ValueError(f"unknown move {key!r}; moves are {', '.join(MOVES)}")
        return self


def load_scenario(path: Path) -> Scenario:
    where = str(path)
    data = parse_yaml(read_text(path, code=Code.E090, what="scenario file"), file=where, code=Code.E091)
    if not isinstance(data, dict):
        raise ConfigError(Code.E091, "a scenario must be a mapping of fields", file=where)
    return validate(Scenario, data, file=where, code=Code.E092)


def bundled_scenarios() -> list[Path]:
    from importlib import resources

    folder = resources.files(__package__).joinpath("scenarios")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))


def find_scenario(name: str) -> Path:
    """A bundled scenario by id, or a path to a scenario file."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    for p in bundled_scenarios():
        if p.stem == name:
            return p
    names = ", ".join(p.stem for p in bundled_scenarios())
    raise ConfigError(Code.E090, f"no scenario {name!r}; bundled scenarios: {names}")
