"""Scenario files (YAML), validated on load.

A scenario is the call as dispatch gives it (it feeds the briefing), the
person the trainee meets (with hidden facts the trainee must discover), the
person's starting state, what the person says in each phase and in answer to
each kind of trainee move, and the endings.

Moves are what the analyzer finds in the trainee's words (labels such as
``command``, ``empathy``, ``threat_of_force``), ``question`` (information
asked for) and ``talk`` (words the analyzer finds nothing in), plus the actions
``wait``, ``step_back``, ``call_backup``, ``call_ems``, ``call_resource`` (any
other ``/call``) and ``write_note``.

Besides its lines, a scenario declares what the person knows (``facts``: the
answers to a question about their name, situation, need ...), the facts of the
scene the run can change (``scene``: the knife set down, the interpreter on the
line), what can be called (``calls``), what an instructor can inject
(``events``), what notices the hidden condition (``notice``), who else is on
the scene and answers when spoken to (``others``), and endings whose text is
composed from what actually happened (``with`` / ``without``).

Replies (phase lines, responses, fact-sheet answers) may hold only in a state
of the scene (``when``; ``own_language``: the trainee spoke the person's
language this turn) or be told ``once``. The wordings the seed chooses among
for one reply should read alike to the analyzer (``reply_sets``; the bundled
scenarios are checked by ``tests/training``).
"""

from __future__ import annotations

import itertools
import typing
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from deescalate.briefing.call import CallIn
from deescalate.datafile import parse_yaml, read_text, validate
from deescalate.errors import Code, ConfigError
from deescalate.training.conditions import ENDING_NAMES, can_fire, parse_condition
from deescalate.training.conditions import PHASES as CONDITION_PHASES
from deescalate.training.reading import default_cues

Phase = Literal["trigger", "escalation", "crisis", "recovery"]
PHASES: tuple[Phase, ...] = typing.get_args(Phase)
assert PHASES == CONDITION_PHASES  # one list of phases for scenarios and their endings
ACTIONS = ("wait", "step_back", "call_backup", "call_ems", "call_resource", "write_note")
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
    "civil_matter",
    "question",
    "talk",
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
# what a trainee's question can be about (topics.yaml); every scenario answers each from its fact sheet
Topic = Literal["name", "situation", "need", "medication", "family", "injury", "weapon", "next_step"]
TOPICS: tuple[Topic, ...] = typing.get_args(Topic)
# topics a scenario answers where they fit it (thoughts of self-harm, the noise and lights, how they feel);
# ``other``: the answer to any question that fits no topic it answers (else the phase line)
OptionalTopic = Literal["self_harm", "sensory", "feelings", "language", "service", "other"]
OPTIONAL_TOPICS: tuple[OptionalTopic, ...] = typing.get_args(OptionalTopic)
FLAGS = ("ems_called", "backup_called", "clinician_called")  # what a call may set besides scene facts
# names only a reply's ``when`` may use, true for the turn being answered: ``own_language``, the trainee spoke
# the person's language (Rosa answers Spanish in Spanish, not through the interpreter)
TURN_NAMES = frozenset({"own_language"})
Title = Literal["sir", "ma'am", ""]
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
    language: str = Field(default="en", pattern=r"^[a-z]{2}$")  # speaking it to them changes the channel
    # for a person words cannot reach (deaf, no English): what must hold before spoken English does, e.g.
    # "interpreter_on_line"; empty: noticing the condition is enough (the trainee adapts how they speak)
    understood_when: str = ""
    # topics they answer even before words reach them: a word they know ("English?")
    understands: tuple[Topic | OptionalTopic, ...] = ()
    title: Title = ""  # the courtesy that addresses them ("Sir, ...")
    called: tuple[str, ...] = ()  # other words that address them ("driver", "buddy"), besides their name
    # said before an answer they have already given ("I told you already."): they remember the scene
    again: tuple[str, ...] = ("(Slowly, as if for the second time:)",)


class Start(_Strict):
    agitation: float = Field(ge=0, le=10)
    rapport: float = Field(ge=0, le=10)


class Ending(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    kind: EndingKind
    when: str  # condition over state, e.g. "agitation <= 2 and rapport >= 6"
    text: str  # what happens, saying nothing of what the trainee did
    # sentences added only when a fact holds (or does not): the ending tells what really happened
    with_: dict[str, str] = Field(default_factory=dict, alias="with")
    without: dict[str, str] = Field(default_factory=dict)


class Answer(_Strict):
    """One way of answering a topic; the first whose ``when`` holds is used (no ``when``: always)."""

    when: str = ""
    say: tuple[str, ...] = Field(min_length=1)
    # said at most once: a line that tells something new ("I am DEAF", the guard easing off), never told twice;
    # once said, the next variant that holds answers
    once: bool = False


class SceneFact(_Strict):
    """A fact of the scene, false at the start, true once one of its ways happens (it stays true)."""

    by: tuple[str, ...] = ()  # moves or actions of the trainee that set it
    said: tuple[str, ...] = ()  # cues (topics.yaml form) the trainee says, offers or does that set it
    when: str = ""  # the person's doing: set once this holds after a turn
    say: str = ""  # what the person does when ``when`` sets it (their reply that turn)


class Call(_Strict):
    """Something ``/call NAME`` (or saying you are getting it) brings."""

    sets: tuple[str, ...] = Field(min_length=1)  # flags (ems_called ...) or scene facts
    words: tuple[str, ...] = ()  # cues: an offer or statement naming it calls it ("I'm calling an interpreter")
    say: tuple[str, ...] = ()  # the person's reply when it comes


class SceneEvent(_Strict):
    """What an instructor may inject with ``/inject NAME``."""

    say: str
    effect: tuple[float, float] = (0.0, 0.0)  # (Δagitation, Δrapport)
    sets: tuple[str, ...] = ()


class Notice(_Strict):
    """What notices the hidden condition: by meaning, never by a keyword alone."""

    ask: tuple[str, ...] = ()  # a question or offer about one of these (topics.yaml conditions)
    say: tuple[str, ...] = ()  # any sentence about one of these that is not hostile
    by: tuple[str, ...] = ()  # moves or actions that fit the condition
    facts: tuple[str, ...] = ()  # scene facts or flags whose coming about fits it


class Other(_Strict):
    """Someone else on the scene the trainee may speak to (the neighbour, the guard, the brother once called):
    addressed by name, by one of ``called`` or by ``title``, or as the last one who spoke, they answer."""

    name: str
    role: Literal["bystander", "other"] = "bystander"
    title: Title = ""
    called: tuple[str, ...] = ()
    present: str = ""  # a condition: when they can be spoken to (empty: from the start)
    family: bool = False  # their name asks the person about family ("where's Michael?")
    facts: dict[Topic | OptionalTopic, tuple[Answer, ...]] = Field(default_factory=dict)
    lines: tuple[Answer, ...] = Field(min_length=1)  # what they say to anything their facts do not answer
    again: tuple[str, ...] = ('"Like I said."',)  # said before an answer they have already given

    @field_validator("facts", mode="before")
    @classmethod
    def _fact_forms(cls, value: object) -> object:
        return {k: _answers(v) for k, v in value.items()} if isinstance(value, dict) else value

    @field_validator("lines", mode="before")
    @classmethod
    def _line_forms(cls, value: object) -> object:
        return _answers(value)


def _answers(value: object) -> object:
    """A topic's answers: a list of lines (always) or a list of {when, say}."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [{"say": value}]
    return value


class Scenario(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    title: str
    summary: str
    call: CallIn
    person: Person
    start: Start
    # what the person says in each phase (chosen by seeded chance when several): a line, or {when, say} for
    # lines that fit only a state of the scene ("with the people further away" only once they are)
    lines: dict[Phase, tuple[str | Answer, ...]]
    # what the person says in answer to a kind of move (overrides the phase line); like facts, a list of
    # lines or of {when, say}, so a reply can follow the scene (no grip on a knife already put down)
    responses: dict[str, tuple[Answer, ...]] = Field(default_factory=dict)
    # the person's fact sheet: what they answer when asked about each topic
    facts: dict[Topic | OptionalTopic, tuple[Answer, ...]]
    scene: dict[str, SceneFact] = Field(default_factory=dict)
    calls: dict[str, Call] = Field(default_factory=dict)
    events: dict[str, SceneEvent] = Field(default_factory=dict)
    notice: Notice = Notice()
    others: dict[str, Other] = Field(default_factory=dict)
    # per-move changes this scenario makes to the model's defaults: {move: [d_agitation, d_rapport]}
    effects: dict[str, tuple[float, float]] = Field(default_factory=dict)
    endings: tuple[Ending, ...] = Field(min_length=2)
    max_turns: int = Field(default=30, ge=3, le=200)
    # no ending before this turn: the trainee's first words always get to matter
    settle_turns: int = Field(default=3, ge=1, le=10)

    @field_validator("facts", "responses", mode="before")
    @classmethod
    def _fact_forms(cls, value: object) -> object:
        return {k: _answers(v) for k, v in value.items()} if isinstance(value, dict) else value

    @property
    def names(self) -> frozenset[str]:
        """The names a condition may use: the model's state and this scenario's scene facts."""
        return ENDING_NAMES | frozenset(self.scene)

    @property
    def reply_names(self) -> frozenset[str]:
        """The names a reply's ``when`` may use: ``names`` and the turn's own (``TURN_NAMES``)."""
        return self.names | TURN_NAMES

    def all_calls(self) -> dict[str, Call]:
        """Backup and EMS can be called everywhere; a scenario adds (or restates) the rest."""
        return {
            "backup": Call(sets=("backup_called",)),
            "ems": Call(sets=("ems_called",), words=("ems|ambulance|medic|medics|paramedic*",)),
            **self.calls,
        }

    @model_validator(mode="after")
    def _known_keys(self) -> Scenario:
        names, replies = self.names, self.reply_names
        for phase in PHASES:
            lines = self.lines.get(phase, ())
            whens = [a.when for a in lines if isinstance(a, Answer)]
            if any(isinstance(a, str) or not a.when for a in lines):
                continue
            for i, when in enumerate(whens):
                _parse(f"lines.{phase}.{i}.when", when, replies)
            # some state of the scene where no line's condition holds: the person would have nothing to say
            if not lines or can_fire("turn >= 0", whens, replies, self.max_turns, self.settle_turns):
                raise ValueError(
                    f"lines.{phase} needs at least one line that holds whatever the scene "
                    "(a line without a condition, or conditions that cover every state)"
                )
        for key in (*self.responses, *self.effects):
            if key not in MOVES:
                raise ValueError(f"unknown move {key!r}; moves are {', '.join(MOVES)}")
        missing = [t for t in TOPICS if t not in self.facts]
        if missing:
            raise ValueError(f"facts: the fact sheet has no answer about {', '.join(missing)}")
        settable = {*FLAGS, *self.scene}
        said = [(f"facts.{t}.{i}.when", a.when) for t, answers in self.facts.items() for i, a in enumerate(answers)]
        said += [
            (f"responses.{m}.{i}.when", a.when) for m, answers in self.responses.items() for i, a in enumerate(answers)
        ]
        said += [
            (f"lines.{p}.{i}.when", a.when)
            for p, lines in self.lines.items()
            for i, a in enumerate(lines)
            if isinstance(a, Answer)
        ]
        for k, o in self.others.items():
            said += [(f"others.{k}.lines.{i}.when", a.when) for i, a in enumerate(o.lines)]
            said += [(f"others.{k}.facts.{t}.{i}.when", a.when) for t, v in o.facts.items() for i, a in enumerate(v)]
        states = [(f"scene.{k}.when", f.when) for k, f in self.scene.items()]
        states += [("person.understood_when", self.person.understood_when)]
        states += [(f"others.{k}.present", o.present) for k, o in self.others.items()]
        states += [(f"endings.{i}.when", e.when) for i, e in enumerate(self.endings)]
        for i, e in enumerate(self.endings):  # the other conditions may be empty (always); an ending's may not
            if not e.when.strip():
                raise ValueError(f"endings.{i}.when: an ending needs a condition")
        for where, text in said:
            _parse(where, text, replies)
        for where, text in states:
            _parse(where, text, names)
        for k, o in self.others.items():
            if "other" not in o.facts and not any(not a.when for a in o.lines):
                raise ValueError(f"others.{k}.lines needs a line without a condition")
        for i, e in enumerate(self.endings):
            for key in (*e.with_, *e.without):
                if key not in names:
                    raise ValueError(f"endings.{i}: unknown fact {key!r}; facts are {', '.join(sorted(names))}")
        setters = {s for c in self.all_calls().values() for s in c.sets} | {
            s for ev in self.events.values() for s in ev.sets
        }
        for where, targets in [
            *((f"calls.{k}.sets", c.sets) for k, c in self.calls.items()),
            *((f"events.{k}.sets", ev.sets) for k, ev in self.events.items()),
            ("notice.facts", self.notice.facts),
        ]:
            for t in targets:
                if t not in settable:
                    raise ValueError(f"{where}: unknown fact {t!r}; facts are {', '.join(sorted(settable))}")
        for k, fact in self.scene.items():
            for m in fact.by:
                if m not in MOVES:
                    raise ValueError(f"scene.{k}.by: unknown move {m!r}")
            if not (fact.by or fact.said or fact.when or k in setters):
                raise ValueError(f"scene.{k}: nothing sets this fact (give by, said, when, or a call or event)")
        for m in self.notice.by:
            if m not in MOVES:
                raise ValueError(f"notice.by: unknown move {m!r}")
        kinds = default_cues().conditions
        for where, about in (("notice.ask", self.notice.ask), ("notice.say", self.notice.say)):
            for a in about:
                if a not in kinds:
                    raise ValueError(f"{where}: unknown condition {a!r}; conditions are {', '.join(kinds)}")
        return self


def _parse(where: str, text: str, names: frozenset[str]) -> None:
    if text:
        try:
            parse_condition(text, names)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None


def phase_alternatives(scenario: Scenario, phase: Phase) -> list[tuple[str, ...]]:
    """The sets of a phase's lines the person chooses among: for each combination of its conditional
    entries that can hold (and the rest not) in some state of the scene, their lines and the unconditional
    ones."""
    always = [x for a in scenario.lines.get(phase, ()) if isinstance(a, str) or not a.when for x in _says(a)]
    conditional = [a for a in scenario.lines.get(phase, ()) if isinstance(a, Answer) and a.when]
    out = []
    for chosen in itertools.product((True, False), repeat=len(conditional)):
        held = [a.when for a, c in zip(conditional, chosen, strict=True) if c]
        rest = [a.when for a, c in zip(conditional, chosen, strict=True) if not c]
        when = " and ".join(f"({w})" for w in held) or "turn >= 0"
        if can_fire(when, rest, scenario.reply_names, scenario.max_turns, scenario.settle_turns):
            lines = always + [x for a, c in zip(conditional, chosen, strict=True) if c for x in a.say]
            if lines:
                out.append(tuple(lines))
    return out


def _says(a: str | Answer) -> tuple[str, ...]:
    return (a,) if isinstance(a, str) else a.say


def reply_sets(scenario: Scenario) -> list[tuple[str, tuple[str, ...]]]:
    """Each set of lines the seed chooses among for one reply, with where it is: a phase's lines, one
    variant of a response, of a fact-sheet answer (the person's or another's), a call's reply, the
    person's words for an answer given again. The seed must only choose the words: all lines of one set
    should read the same to the analyzer (``tests/training`` checks it for the bundled scenarios)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for phase in scenario.lines:
        out += [(f"lines.{phase}.{i}", lines) for i, lines in enumerate(phase_alternatives(scenario, phase))]
    for where, table in (("responses", scenario.responses), ("facts", scenario.facts)):
        out += [(f"{where}.{k}.{i}", a.say) for k, answers in table.items() for i, a in enumerate(answers)]
    out += [(f"calls.{k}.say", c.say) for k, c in scenario.calls.items() if c.say]
    out.append(("person.again", scenario.person.again))
    for k, o in scenario.others.items():
        out += [(f"others.{k}.lines.{i}", a.say) for i, a in enumerate(o.lines)]
        out += [(f"others.{k}.facts.{t}.{i}", a.say) for t, v in o.facts.items() for i, a in enumerate(v)]
    seen: set[frozenset[str]] = set()
    kept = []
    for where, lines in out:
        if len(lines) > 1 and frozenset(lines) not in seen:
            seen.add(frozenset(lines))
            kept.append((where, lines))
    return kept


def unreachable_ending(scenario: Scenario) -> tuple[int, str] | None:
    """The first ending that can never fire (its condition cannot hold, or earlier endings always fire
    first), with why; None when every ending can fire."""
    earlier: list[str] = []
    for i, ending in enumerate(scenario.endings):
        if not can_fire(ending.when, earlier, scenario.names, scenario.max_turns, scenario.settle_turns):
            why = (
                "its condition can never hold"
                if not earlier
                or not can_fire(ending.when, [], scenario.names, scenario.max_turns, scenario.settle_turns)
                else "an earlier ending always fires first"
            )
            return i, why
        earlier.append(ending.when)
    return None


def load_scenario(path: Path) -> Scenario:
    where = str(path)
    return _scenario(read_text(path, code=Code.E090, what="scenario file"), where)


@lru_cache(maxsize=64)
def _scenario(text: str, where: str) -> Scenario:
    """A scenario from its text, checked; kept, so that loading the same file again costs nothing (the
    YAML reader is slow, and a replay or a test loads the same scenario many times)."""
    data = parse_yaml(text, file=where, code=Code.E091, unique_keys=True, duplicate_code=Code.E099)
    if not isinstance(data, dict):
        raise ConfigError(Code.E091, "a scenario must be a mapping of fields", file=where)
    scenario = validate(Scenario, data, file=where, code=Code.E092)
    check_endings(scenario, where)
    return scenario


def check_endings(scenario: Scenario, source: str) -> None:
    if (bad := unreachable_ending(scenario)) is not None:
        i, why = bad
        e = scenario.endings[i]
        raise ConfigError(
            Code.E100, f"ending {i + 1} ({e.kind}) can never fire: {why}", file=source, where=f"endings.{i}.when"
        )


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
