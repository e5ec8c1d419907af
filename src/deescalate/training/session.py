"""A training run: the trainee's turns in, the simulated person's replies out, the transcript kept.

A turn is what the trainee says, an empty line (silence), or an action:
``/wait``, ``/step back``, ``/call backup``, ``/call ems``, ``/write note``.
Words may follow an action in the same turn ("/step back I'll give you
room"); after ``/write note`` they are the note's words, written rather than
said. The transcript is an Encounter (the trainee is officer ``TRAINEE``, the
person subject ``PERSON``) that the analyzer reads like any other.
"""

from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass
from pathlib import Path

from deescalate.analysis.analyzer import default_analyzer
from deescalate.encounter.model import Encounter, Event, Participant, Role, Utterance
from deescalate.errors import Code, InputError
from deescalate.training.model import MoveReader, State, SubjectModel, compile_endings, evaluate, order_moves
from deescalate.training.scenario import Ending, Phase, Scenario

TRAINEE = "TRAINEE"
PERSON = "PERSON"
TURN_SECONDS = 4.0
WAIT_SECONDS = 20.0  # added for /wait
REPLY_AFTER = 2.0  # the person answers this long after the trainee's turn starts

# an action: "/" and its words ("_" or "-" may join them), then any words said or written with it
_ACTION_LINE = re.compile(
    r"^/\s*(wait|step[\s_-]+back|call[\s_-]+backup|call[\s_-]+ems|write[\s_-]+note)\b[\s,:.-]*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
# each action as an encounter event (the first two are encounter/v1 event types)
_EVENTS = {
    "call_ems": "ems_called",
    "call_backup": "backup_arrived",
    "write_note": "note_written",
    "step_back": "stepped_back",
    "wait": "waited",
}
ACTION_HELP = "/wait, /step back, /call backup, /call ems, /write note [words]"


@dataclass(frozen=True, slots=True)
class TurnResult:
    turn: int
    text: str  # as the trainee typed it
    words: str  # what was said or written ("" for an action or silence alone)
    moves: tuple[str, ...]
    deltas: dict[str, tuple[float, float]]  # per move, after every factor and noise
    condition: float  # agitation from an untreated hidden condition
    before: State
    state: State
    blocked: frozenset[str]
    noticed_now: bool
    person: str  # the person's reply
    t: float  # seconds into the encounter
    ending: Ending | None

    @property
    def agitation_change(self) -> float:
        return self.state.agitation - self.before.agitation

    @property
    def phase(self) -> Phase:
        return self.state.phase

    def strongest(self) -> str | None:
        return strongest_move(self.deltas)


def strongest_move(deltas: dict[str, tuple[float, float]]) -> str | None:
    """The move with the largest |Δagitation| (the first in move order on a tie)."""
    return max(deltas, key=lambda m: abs(deltas[m][0]), default=None)


def parse_turn(text: str) -> tuple[str | None, str]:
    """(action or None, words). ValueError for an unknown /command."""
    line = text.strip()
    if not line.startswith("/"):
        return None, line
    m = _ACTION_LINE.match(line)
    if m is None:
        raise ValueError(f"unknown action {line.split()[0]!r}; actions are {ACTION_HELP}")
    return "_".join(re.split(r"[\s_-]+", m.group(1).lower())), m.group(2).strip()


class TrainingSession:
    """One run of one scenario with one seed."""

    def __init__(self, scenario: Scenario, seed: int = 1, *, source: str | None = None) -> None:
        self.scenario = scenario
        self.seed = seed
        self.source = source
        self.endings: list[tuple[Ending, ast.expr]] = compile_endings(scenario, source)
        self.model = SubjectModel(scenario)
        self.reader = MoveReader(default_analyzer())
        self.rng = random.Random(seed)
        self.state = self.model.start()
        self.history: list[TurnResult] = []
        self.ending: Ending | None = None
        self.clock = 0.0
        self._utterances: list[Utterance] = []
        self._events: list[Event] = [Event(t=0.0, type="arrival", by=TRAINEE)]

    @property
    def done(self) -> bool:
        return self.ending is not None

    @property
    def encounter(self) -> Encounter:
        return Encounter(
            id=f"training-{self.scenario.id}-seed{self.seed}",
            title=f"Training: {self.scenario.title}",
            call_type=self.scenario.call.type_text,
            participants=[
                Participant(id=TRAINEE, role=Role.officer, name="Trainee"),
                Participant(id=PERSON, role=Role.subject, name=self.scenario.person.name),
            ],
            utterances=list(self._utterances),
            events=sorted(self._events, key=lambda e: e.t),
        )

    def turn(self, text: str) -> TurnResult:
        if self.done:
            raise InputError(Code.E093, "the scenario has already ended")
        try:
            action, words = parse_turn(text)
        except ValueError as exc:
            raise InputError(Code.E093, str(exc)) from None
        n = self.state.turn + 1
        t = self.clock
        moves: set[str] = {action} if action else set()
        said = f"[writing] {words}" if action == "write_note" and words else words
        if words:
            uid = f"t{n}"
            self._utterances.append(Utterance(id=uid, speaker=TRAINEE, start=t, text=said))
            moves |= set(self.reader.read(self.encounter, uid))
        else:
            self.reader.skip()
        if not moves:
            moves.add("silence")
        ordered = order_moves(moves)
        step = self.model.step(self.state, ordered, words, self.rng)
        if action in _EVENTS:
            self._events.append(Event(t=t, type=_EVENTS[action], by=TRAINEE))
        reply = self._reply(step.deltas, step.blocked, step.state.phase)
        if reply.strip():
            self._utterances.append(
                Utterance(id=f"p{n}", speaker=PERSON, start=t + REPLY_AFTER, text=_as_transcript(reply))
            )
        before, self.state = self.state, step.state
        self.ending = self._ending()
        if self.ending is not None and self.ending.kind == "force_used":
            self._events.append(Event(t=t + REPLY_AFTER + 1, type="force", detail=self.ending.text))
        self.clock = t + TURN_SECONDS + (WAIT_SECONDS if action == "wait" else 0.0)
        result = TurnResult(
            turn=n,
            text=text,
            words=said,
            moves=ordered,
            deltas=step.deltas,
            condition=step.condition,
            before=before,
            state=self.state,
            blocked=step.blocked,
            noticed_now=step.noticed_now,
            person=reply,
            t=t,
            ending=self.ending,
        )
        self.history.append(result)
        return result

    def _reply(self, deltas: dict[str, tuple[float, float]], blocked: frozenset[str], phase: Phase) -> str:
        strongest = strongest_move(deltas)
        options = self.scenario.responses.get(strongest or "")
        if options and strongest not in blocked:
            return self.rng.choice(options)
        return self.rng.choice(self.scenario.lines[phase])

    def _ending(self) -> Ending | None:
        names = self.state.names()
        for ending, condition in self.endings:
            if evaluate(condition, names):
                return ending
        if self.state.turn >= self.scenario.max_turns:
            own = next((e for e in self.scenario.endings if e.kind == "unresolved"), None)
            return Ending(
                kind="unresolved",
                when=f"turn >= {self.scenario.max_turns}",
                text=own.text if own else f"Time ran out after {self.scenario.max_turns} turns; nothing was settled.",
            )
        return None

    def run_script(self, path: Path) -> list[TurnResult]:
        """Play a moves file (one turn a line; '#' comments and blank lines skipped) until it or the run ends."""
        played = []
        for _, line in read_script(path):
            if self.done:
                break
            played.append(self.turn(line))
        return played


def read_script(path: Path) -> list[tuple[int, str]]:
    """(line number, turn) for each turn of a moves file, every line checked first."""
    where = str(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise InputError(Code.E001, "file not found", file=where) from None
    except (UnicodeDecodeError, IsADirectoryError):
        raise InputError(Code.E004, "file is not UTF-8 text", file=where) from None
    turns = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            parse_turn(line)
        except ValueError as exc:
            raise InputError(Code.E093, str(exc), file=where, where=f"line {number}") from None
        turns.append((number, line))
    return turns


def _as_transcript(reply: str) -> str:
    """The person's reply as a transcriber writes it: what they do, "(He points at his ear.)", is a
    bracketed note, "[He points at his ear.]", so the analyzer reads it as a note, not as speech."""
    return re.sub(r"\(([^()]*)\)", r"[\1]", reply)
