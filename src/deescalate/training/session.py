"""A training run: the trainee's turns in, the simulated person's replies out, the transcript kept.

A turn is what the trainee says, an empty line (silence), or an action:
``/wait``, ``/step back``, ``/call NAME`` (backup, ems, and what the scenario
declares; ``/call`` alone lists them), ``/write note``. Words may follow an
action in the same turn ("/step back I'll give you room"); after ``/write
note`` they are the note's words, written rather than said.

Two trainees: a line may start ``A:`` or ``B:`` (the second officer,
``PARTNER``); the analyzer reads both, so a partner's command that cannot be
obeyed with one still in force is a conflicting command, as on a real scene.

Spoken turns: a line ``@audio FILE`` (``B: @audio FILE`` for the partner) is a turn whose words come from
a recording, transcribed by the project's speech to text (``training.spoken``); the utterance then carries
its word times and measured delivery (pace, loudness against the trainee's own median), as a body-camera
transcript does, so the analyzer's delivery measures read it.

An instructor's lines take no trainee turn: ``/inject EVENT`` (the scenario's
``events``; the person reacts) and ``/pause`` (the scene's state, for the
instructor; the clock does not run).

Who answers: the one the words are said to. The others on the scene (the
scenario's ``others``: the neighbour, the manager, the brother once he is
called) are addressed by name, by a word for them ("neighbour", "security") or
by title ("sir", "ma'am": the one it fits, or of those the last who spoke),
opening or closing a sentence. Words that address no one are for the last one
who spoke when they follow up on it (a question that one can answer: "and then
what?"), else for the person; words in the person's own language are for the
person.

What they say: the seed chooses among a reply's wordings; a line just said is
not said again while another will do; an answer already given is owned as such
(the person's ``again`` words, "I told you already"), and a line marked
``once`` (news: "I am DEAF") is told once. What comes about in the scene (a
call arriving, a fact set) is told the turn it happens, never again.

The transcript is an Encounter (officers ``TRAINEE`` and ``PARTNER``, the
person subject ``PERSON``, the others who spoke as bystanders) that the
analyzer reads like any other. The trainee's words are read against the same
transcript with each reply in the first wording of its set (``Pick.reading``):
the wordings of a set read alike, and this way the seed never changes what the
trainee's words are read as, only what the person is heard to say.
"""

from __future__ import annotations

import ast
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from deescalate.analysis.analyzer import default_analyzer
from deescalate.encounter.model import Encounter, Event, Participant, Role, Utterance
from deescalate.errors import Code, InputError
from deescalate.training.model import (
    MoveReader,
    State,
    SubjectModel,
    compile_endings,
    ending_text,
    evaluate,
    order_moves,
    parse_condition,
)
from deescalate.training.reading import Reading, read_line, tokens
from deescalate.training.scenario import ACTIONS, FLAGS, Answer, Ending, Phase, Scenario
from deescalate.training.spoken import SpokenSummary, SpokenTurn, summarize

TRAINEE = "TRAINEE"
PARTNER = "PARTNER"
SPEAKERS = {"A": TRAINEE, "B": PARTNER}
PERSON = "PERSON"
TURN_SECONDS = 4.0
WAIT_SECONDS = 20.0  # added for /wait
REPLY_AFTER = 2.0  # the person answers this long after the trainee's turn starts

# an action: "/" and its words ("_" or "-" may join them), then any words said or written with it
_ACTION_LINE = re.compile(
    r"^/\s*(wait|step[\s_-]+back|write[\s_-]+note)\b[\s,:.-]*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_CALL_LINE = re.compile(r"^/\s*call\b[\s_-]*(.*)$", re.IGNORECASE | re.DOTALL)
_INSTRUCTOR_LINE = re.compile(r"^/\s*(inject|pause)\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
_SPEAKER = re.compile(r"^([AB])\s*:\s*(.*)$", re.DOTALL)
_AUDIO_LINE = re.compile(r"^@audio\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
# each action as an encounter event (the first two are encounter/v1 event types)
_CALL_EVENTS = {"ems": "ems_called", "backup": "backup_arrived"}
_EVENTS = {
    "write_note": "note_written",
    "step_back": "stepped_back",
    "wait": "waited",
}
RECENT = 2  # a speaker's latest lines, not said again while another of the same set will do
REPEAT_TURNS = 3  # the trainee's turns a word-for-word repeat is looked for in
OFFER_TURNS = 2  # an offer made if wanted is carried out within this many turns, or lapses
SMALL_TALK_DROPS = frozenset({"active_listening", "empathy", "question"})
# the courtesy that addresses someone, at the start or the end of a sentence
_OPENING = r"^(?:\W*(?:hey|hi|hello|okay|ok|yes|no|so|well|and|excuse me|sorry|thanks|thank you)\b[\s,]*)*"
_HONORIFIC = r"(?:(?:mr|mrs|ms|miss|mister)\.?\s+)?"
# a name closing a sentence after one of these is spoken of, not to: "I'll talk to Dale", "ask Michael"
_OBJECT_WORDS = frozenset(
    "to with about from for of and or call ask tell get bring is was see saw than at on by".split()
)
ACTION_HELP = "/wait, /step back, /call NAME (/call alone lists them), /write note [words]"
INSTRUCTOR_HELP = "/inject EVENT, /pause"


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
    speaker: str = TRAINEE
    topic: str | None = None  # what the trainee asked about, answered from the fact sheet
    facts_now: tuple[str, ...] = ()  # scene facts that came about this turn
    injected: str | None = None  # an instructor's event, for a turn that is one
    spoken: SpokenTurn | None = None  # the recording the words came from
    by: str = ""  # who answered, when someone else on the scene was spoken to ("" or the person: the person)
    aside: str = ""  # what the person did meanwhile, when someone else answered
    repeat_of: int | None = None  # the turn whose words this one repeats word for word

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
    """(action or None, words); ``/call NAME`` is ("call", NAME). ValueError for an unknown /command."""
    line = text.strip()
    if not line.startswith("/"):
        return None, line
    if (c := _CALL_LINE.match(line)) is not None:
        return "call", c.group(1).strip()
    m = _ACTION_LINE.match(line)
    if m is None:
        raise ValueError(
            f"unknown action {line.split()[0]!r}; actions are {ACTION_HELP}; instructor: {INSTRUCTOR_HELP}"
        )
    return "_".join(re.split(r"[\s_-]+", m.group(1).lower())), m.group(2).strip()


def audio_path(rest: str) -> str | None:
    """The recording an ``@audio FILE`` turn names ("" when it names none); None for any other turn."""
    m = _AUDIO_LINE.match(rest.strip())
    return None if m is None else m.group(1).strip().strip("'\"")


def split_line(text: str) -> tuple[str, str | None, str]:
    """(speaker, instructor command or None, rest) of one line: ``B: Hands up!``, ``/inject weapon-seen``."""
    line = text.strip()
    if (i := _INSTRUCTOR_LINE.match(line)) is not None:
        return TRAINEE, i.group(1).lower(), i.group(2).strip()
    if (m := _SPEAKER.match(line)) is not None:
        return SPEAKERS[m.group(1)], None, m.group(2).strip()
    return TRAINEE, None, line


@dataclass(frozen=True, slots=True)
class Party:
    """Someone on the scene the trainee can speak to: the person (``key`` "") or one of ``others``."""

    key: str
    pid: str  # their participant id in the transcript
    name: str
    title: str
    address: Vocative  # their name or a word for them, said to them: "Dale, ...", "..., neighbour?"
    present: ast.expr | None  # when they can be spoken to (None: from the start)
    facts: dict[str, Variants]
    lines: Variants
    again: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pick:
    """A line the person says and the seed-free form the analyzer reads it in (the first line of the same
    set: all lines of a set read the same, so the seed never changes how the trainee's words read)."""

    shown: str
    reading: str

    def __add__(self, other: Pick) -> Pick:
        return Pick(f"{self.shown} {other.shown}".strip(), f"{self.reading} {other.reading}".strip())


NOTHING = Pick("", "")


class TrainingSession:
    """One run of one scenario with one seed (the seed picks the person's words, never the outcome)."""

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
        self.unplayed: list[str] = []  # script lines left when the scene ended
        self.calls = scenario.all_calls()
        self.declared = frozenset(scenario.scene)
        names = scenario.reply_names
        self._answers = _variants({str(k): v for k, v in scenario.facts.items()}, names)
        self._responses = _variants(scenario.responses, names)
        self._lines = {
            phase: [
                (None, (a,)) if isinstance(a, str) else (parse_condition(a.when, names) if a.when else None, a.say)
                for a in lines
            ]
            for phase, lines in scenario.lines.items()
        }
        person = scenario.person
        self.parties = [
            Party(
                "", PERSON, person.name, person.title, _address(person.name, person.called), None, {}, [], person.again
            )
        ]
        for key, o in scenario.others.items():
            self.parties.append(
                Party(
                    key,
                    key.upper().replace("-", "_"),
                    o.name,
                    o.title,
                    _address(o.name, o.called),
                    parse_condition(o.present, scenario.names) if o.present else None,
                    _variants({str(k): v for k, v in o.facts.items()}, names),
                    _variants({"": o.lines}, names)[""],
                    o.again,
                )
            )
        # family on the scene by first name: "where's Michael?" asks the person about family
        family = [o.name.split()[0].lower() for o in scenario.others.values() if o.family]
        self._extra_topics = {"family": tuple(family)} if family else {}
        self._utterances: list[Utterance] = []
        self._read: list[Utterance] = []  # the same, each reply as the analyzer reads it (``Pick.reading``)
        self._events: list[Event] = [Event(t=0.0, type="arrival", by=TRAINEE)]
        self._partner = False
        self._spoken: dict[str, tuple[int, SpokenTurn]] = {}  # utterance id: (turn, recording)
        self._last_by = PERSON  # who spoke last: words addressed to no one in particular are for them
        self._recent: dict[str, list[str]] = {}  # each speaker's latest lines
        self._told: set[tuple[str, str, int]] = set()  # (speaker, topic, variant) of each answer given
        self._offers: dict[tuple[str, str], int] = {}  # ("call" | "fact", name): turn of an open offer
        self._said_before: list[tuple[int, str]] = []  # (turn, words as read) of the trainee's turns
        # the lines of each variant said at most once (``Answer.once``), and those of them said so far
        self._once = {a.say for a in _all_answers(scenario) if a.once}
        self._once_said: set[tuple[str, ...]] = set()

    @property
    def done(self) -> bool:
        return self.ending is not None

    def _participants(self) -> list[Participant]:
        officers = [Participant(id=TRAINEE, role=Role.officer, name="Trainee")]
        if self._partner:
            officers.append(Participant(id=PARTNER, role=Role.officer, name="Partner"))
        spoke = {u.speaker for u in self._utterances}
        others = [
            Participant(id=p.pid, role=Role(self.scenario.others[p.key].role), name=p.name)
            for p in self.parties[1:]
            if p.pid in spoke
        ]
        return [*officers, Participant(id=PERSON, role=Role.subject, name=self.scenario.person.name), *others]

    @property
    def encounter(self) -> Encounter:
        return self._encounter(self._utterances)

    @property
    def reading_encounter(self) -> Encounter:
        """The transcript the trainee's words are read against: each reply in its seed-free form."""
        return self._encounter(self._read)

    def _encounter(self, utterances: list[Utterance]) -> Encounter:
        return Encounter(
            id=f"training-{self.scenario.id}-seed{self.seed}",
            title=f"Training: {self.scenario.title}",
            call_type=self.scenario.call.type_text,
            participants=self._participants(),
            utterances=self._with_delivery(utterances),
            events=sorted(self._events, key=lambda e: e.t),
        )

    def spoken_summary(self) -> SpokenSummary | None:
        """Pace and loudness of the spoken turns, each against the trainee's own median; None if none."""
        turns = [r for r in self.history if r.spoken is not None]
        return summarize([(r.turn, r.spoken) for r in turns if r.spoken is not None]) if turns else None

    def _with_delivery(self, utterances: list[Utterance]) -> list[Utterance]:
        """The utterances, a spoken one with its word times and delivery (relative to the trainee's median)."""
        summary = self.spoken_summary()
        if summary is None:
            return list(utterances)
        by_turn = {d.turn: d for d in summary.turns}
        out = []
        for u in utterances:
            if u.id not in self._spoken or (d := by_turn.get(self._spoken[u.id][0])) is None or d.level_db is None:
                out.append(u)
                continue
            spoken = self._spoken[u.id][1]
            t0 = spoken.words[0].start
            words = [
                {
                    "start": round(u.start + w.start - t0, 3),
                    "end": round(u.start + w.end - t0, 3),
                    "word": w.text,
                    "probability": w.probability,
                }
                for w in spoken.words
            ]
            out.append(
                Utterance(
                    id=u.id,
                    speaker=u.speaker,
                    start=u.start,
                    end=u.end,
                    text=u.text,
                    source=spoken.name,
                    words=words,
                    delivery=d.as_utterance_delivery(),
                )
            )
        return out

    def _add(self, uid: str, speaker: str, start: float, said: Pick, end: float | None = None) -> None:
        self._utterances.append(Utterance(id=uid, speaker=speaker, start=start, end=end, text=said.shown))
        self._read.append(Utterance(id=uid, speaker=speaker, start=start, end=end, text=said.reading))

    # -- instructor ---------------------------------------------------------------------------------------------
    def pause(self) -> str:
        """The scene as it stands, for the instructor; no turn is taken and the clock does not run."""
        s = self.state
        facts = ", ".join(sorted(s.facts)) or "none yet"
        flags = ", ".join(f for f in ("ems_called", "backup_called", "clinician_called") if getattr(s, f)) or "none"
        return (
            f"paused after turn {s.turn}: agitation {s.agitation:.1f}, rapport {s.rapport:.1f} ({s.stage}), "
            f"{s.phase}; hidden condition {'noticed' if s.noticed else 'not noticed'}; scene: {facts}; "
            f"called: {flags}"
        )

    def inject(self, name: str) -> TurnResult:
        """An instructor's event from the scenario's ``events``: the person reacts; no trainee turn."""
        self._check_open()
        event = self.scenario.events.get(name.strip().lower())
        if event is None:
            known = ", ".join(self.scenario.events) or "none in this scenario"
            raise InputError(Code.E101, f"no event {name.strip()!r} to inject; events: {known}")
        step = self.model.step(self.state, (), Reading(()), sets=frozenset(event.sets), extra=event.effect)
        # an event is not a turn: keep the turn count, take the new numbers and facts
        after = replace(step.state, turn=self.state.turn)
        self._events.append(Event(t=self.clock, type="injected", detail=name))
        said = _as_transcript(event.say)
        self._add(f"e{len(self._utterances)}", PERSON, self.clock, Pick(said, said))
        before, self.state = self.state, after
        self.ending = self._ending()
        result = TurnResult(
            turn=self.state.turn,
            text=f"/inject {name}",
            words="",
            moves=(),
            deltas={},
            condition=0.0,
            before=before,
            state=self.state,
            blocked=frozenset(),
            noticed_now=False,
            person=event.say,
            t=self.clock,
            ending=self.ending,
            injected=name,
        )
        self.history.append(result)
        self.clock += 1.0
        return result

    def _check_open(self) -> None:
        if self.done:
            raise InputError(Code.E093, "the scenario has already ended")

    # -- a trainee's turn ---------------------------------------------------------------------------------------
    def play(self, line: str, spoken: SpokenTurn | None = None) -> TurnResult | str:
        """Any line: a trainee's turn (``A:``/``B:`` allowed), ``/inject EVENT`` or ``/pause`` (a text).
        An ``@audio FILE`` turn needs its recording, transcribed (``spoken``)."""
        speaker, instructor, rest = split_line(line)
        if audio_path(rest) is not None:
            if spoken is None:
                raise InputError(Code.E102, f"{rest!r}: a spoken turn needs its recording transcribed first")
            return self.turn(spoken.text, speaker=speaker, spoken=spoken)
        if instructor == "pause":
            return self.pause()
        if instructor == "inject":
            return self.inject(rest)
        return self.turn(rest, speaker=speaker)

    def check_lines(self, lines: list[tuple[int, str]], *, file: str) -> None:
        """Every ``/call`` and ``/inject`` of a script names something this scenario has, checked before
        play so that a typo never stops a run half-way without its debrief."""
        for number, line in lines:
            _, instructor, rest = split_line(line)
            try:
                if instructor == "inject" and rest.strip().lower() not in self.scenario.events:
                    known = ", ".join(self.scenario.events) or "none in this scenario"
                    raise InputError(Code.E101, f"no event {rest.strip()!r} to inject; events: {known}")
                if instructor is None and audio_path(rest) is None:
                    action, words = parse_turn(rest)
                    if action == "call":
                        self.call_target(words)
            except InputError as exc:
                raise InputError(exc.code, exc.detail, file=file, where=f"line {number}") from None

    def call_target(self, name: str) -> str:
        """The declared call that ``/call NAME`` means; E101 listing what can be called otherwise."""
        key = " ".join(name.lower().replace("_", " ").replace("-", " ").split())
        if key in self.calls:
            return key
        known = ", ".join(self.calls)
        what = f"nothing called {name!r} here" if key else "call what?"
        raise InputError(Code.E101, f"{what}; you can call: {known}")

    def turn(self, text: str, *, speaker: str = TRAINEE, spoken: SpokenTurn | None = None) -> TurnResult:
        """One trainee turn; ``spoken``: the recording ``text`` was transcribed from (its words are said,
        never an action)."""
        self._check_open()
        if spoken is not None:
            text = spoken.text
        try:
            action, words = (None, text.strip()) if spoken is not None else parse_turn(text)
        except ValueError as exc:
            raise InputError(Code.E093, str(exc)) from None
        called: list[str] = []
        if action == "call":
            called.append(self.call_target(words))
            words = ""
        if speaker == PARTNER:
            self._partner = True
        n = self.state.turn + 1
        t = self.clock
        moves: set[str] = set()
        if action == "call":
            moves.add({"backup": "call_backup", "ems": "call_ems"}.get(called[0], "call_resource"))
        elif action:
            moves.add(action)
        said = f"[writing] {words}" if action == "write_note" and words else words
        reading = read_line(words, self._extra_topics)
        party = self._addressed(reading) if words else self._party(PERSON)
        aside = party.key != ""
        repeat_of = self._repeat_of(words)
        # a recording takes as long as it was spoken; the reply comes after it
        talk = spoken.speech_s if spoken is not None else 0.0
        reply_after = max(REPLY_AFTER, talk + 0.5)
        offered: set[str] = set()
        if words:
            uid = f"t{n}"
            end = round(t + talk, 3) if talk else None
            self._add(uid, speaker, t, Pick(said, said), end)
            if spoken is not None:
                self._spoken[uid] = (n, spoken)
            found = set(self.reader.read(self.reading_encounter, uid, _heard_as_order))
            if reading.asked and all(x.intent == "question" for x in reading.sentences):
                # "Can I get your name, sir?" asks; the analyzer may read a request frame as a command,
                # but the person hears a question about a topic, not an order
                found -= {"command", "repeated_command", "rapid_commands"}
            if reading.small_talk:
                found -= SMALL_TALK_DROPS  # "nice weather, huh?" is pleasantry, not listening
            if action == "write_note":
                found.discard("rapid_commands")  # a note is read at the reader's pace, never a volley of orders
            moves |= found
            if reading.asked and "question" not in moves:
                moves.add("question")
            if not found and "question" not in moves:
                moves.add("talk")  # words the analyzer finds nothing in are still talk, not silence
            requested = "resource_request" in moves
            called += [
                k for k, c in self.calls.items() if k not in called and _says_calling(reading, c.words, requested)
            ]
            called += [k for k in self._carried_out(reading, "call") if k not in called]
            offered = self._carried_out(reading, "fact")
            self._remember_offers(reading, n)
        else:
            self.reader.skip()
        if not moves:
            moves.add("silence")
        ordered = order_moves(moves)
        held = self._held(self.state)
        fresh_calls = [k for k in called if not set(self.calls[k].sets) <= held]
        sets = frozenset(f for k in called for f in self.calls[k].sets) | offered
        step = self.model.step(self.state, ordered, reading, sets=sets, aside=aside, repeated=repeat_of is not None)
        for k in called:
            self._events.append(Event(t=t, type=_CALL_EVENTS.get(k, "called"), by=speaker, detail=k))
        if action in _EVENTS:
            self._events.append(Event(t=t, type=_EVENTS[action], by=speaker))
        state = step.state
        by_person = self.model.person_sets(state)
        if by_person:
            state = replace(state, facts=state.facts | set(by_person))
        facts_now = tuple(sorted(state.facts - self.state.facts))
        # what comes about this turn is said once, the turn it does: a call's reply, then a fact's
        by_call = {f for k in fresh_calls if self.calls[k].say for f in self.calls[k].sets}
        happening = [f for f in (*facts_now, *by_person) if f not in by_call and self.scenario.scene[f].say]
        done = " ".join(dict.fromkeys(self.scenario.scene[f].say for f in happening))
        doing = Pick(done, done)
        own = self.scenario.person.language != "en" and self.scenario.person.language in reading.languages
        values = {**state.with_facts(self.declared), "own_language": own}
        replier = party
        if aside:  # what a call brings still comes, whoever was spoken to
            brought = self._brought(fresh_calls)
            reply, topic = self._other_reply(party, reading, values)
            aside_text = doing + brought
        else:
            reply, topic = self._answer(step.deltas, step.blocked, state, reading, fresh_calls, values)
            reply, aside_text = doing + reply, NOTHING
        if aside_text.shown:
            self._add(f"p{n}a", PERSON, t + reply_after - 0.5, _transcript(aside_text))
        if reply.shown.strip():
            self._add(f"p{n}", replier.pid, t + reply_after, _transcript(reply))
            self._last_by = replier.pid
        before, self.state = self.state, state
        self.ending = self._ending()
        if self.ending is not None and self.ending.kind == "force_used":
            self._events.append(Event(t=t + reply_after + 1, type="force", detail=self.ending.text))
        self.clock = t + max(TURN_SECONDS, reply_after + 2.0) + (WAIT_SECONDS if action == "wait" else 0.0)
        if words:
            self._said_before.append((n, _plain(words)))
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
            person=reply.shown,
            t=t,
            ending=self.ending,
            speaker=speaker,
            topic=topic,
            facts_now=facts_now,
            spoken=spoken,
            by=replier.name,
            aside=aside_text.shown,
            repeat_of=repeat_of,
        )
        self.history.append(result)
        return result

    # -- who is spoken to, and what was said before -------------------------------------------------------------
    def _party(self, pid: str) -> Party:
        return next(p for p in self.parties if p.pid == pid)

    def _present(self) -> list[Party]:
        values = self.state.with_facts(self.declared)
        return [p for p in self.parties if p.present is None or evaluate(p.present, values)]

    def _addressed(self, reading: Reading) -> Party:
        """Who the words are for: the last sentence that names someone present, or calls them by their
        title ("sir", "ma'am": the one it fits, or of those it fits the last who spoke); else the last one
        who spoke, when the words follow up on what they said (a question they can answer); else the
        person."""
        present = self._present()
        last = next((p for p in present if p.pid == self._last_by), present[0])
        language = self.scenario.person.language
        if language != "en" and language in reading.languages:
            return present[0]  # words in the person's own language are for the one who speaks it
        for sentence in reversed(reading.sentences):
            text = sentence.text.lower().replace("’", "'")
            named = [p for p in present if p.address.said_to(text)]
            if named:
                return last if last in named else named[0]
            title = next((t for t, v in _TITLES.items() if v.said_to(text)), None)
            fits = [p for p in present if title and p.title == title]
            if fits:
                return last if last in fits else fits[0]
        asking = any(x.intent == "question" for x in reading.sentences)
        topic = reading.asked
        if last.key and asking and (topic is None or topic in last.facts or topic not in self._answers):
            return last  # "And then what?" after the neighbour answered is for the neighbour
        return present[0]

    def _repeat_of(self, words: str) -> int | None:
        """The turn whose words these repeat word for word, among the trainee's last few."""
        plain = _plain(words)
        if not plain:
            return None
        return next((turn for turn, said in reversed(self._said_before[-REPEAT_TURNS:]) if said == plain), None)

    def _held(self, state: State) -> set[str]:
        return {f for f in FLAGS if getattr(state, f)} | set(state.facts)

    def _remember_offers(self, reading: Reading, turn: int) -> None:
        """Offers made if wanted ("do you want me to call your brother?"): carried out by a later turn."""
        for k, c in self.calls.items():
            if any(reading.offered(cue) for cue in c.words):
                self._offers[("call", k)] = turn
        for k, f in self.scenario.scene.items():
            if any(reading.offered(cue) for cue in f.said):
                self._offers[("fact", k)] = turn

    def _carried_out(self, reading: Reading, kind: str) -> set[str]:
        """Open offers of this kind that this turn carries out: the person took the offer in (they were not
        in crisis when it was made) and the trainee now says they are doing it ("Okay, I'll do that.")."""
        if not reading.commits:
            return set()
        turn = self.state.turn
        done = {
            name
            for (k, name), made in self._offers.items()
            if k == kind and turn - made < OFFER_TURNS and self._phase_after(made) != "crisis"
        }
        for name in done:
            del self._offers[(kind, name)]
        return done

    def _phase_after(self, turn: int) -> str:
        return next((r.state.phase for r in self.history if r.turn == turn and r.injected is None), "crisis")

    # -- what the person (or whoever is spoken to) says -----------------------------------------------------------
    def _brought(self, called: list[str]) -> Pick:
        """What each call made this turn brings, in order (two calls at once: both arrive)."""
        out = NOTHING
        for k in called:
            if say := self.calls[k].say:
                out = out + (self._fresh(PERSON, say) or self._again(self.parties[0], say))
        return out

    def _fresh(self, pid: str, options: tuple[str, ...]) -> Pick | None:
        """One of ``options`` not among the speaker's latest lines (at worst, not the very last); None when
        every option was just said."""
        recent = self._recent.setdefault(pid, [])
        for window in (RECENT, 1):
            fresh = [o for o in options if o not in recent[-window:]]
            if fresh:
                shown = self.rng.choice(fresh)
                recent.append(shown)
                del recent[:-RECENT]
                self._once_said.update(say for say in self._once if shown in say)
                return Pick(shown, options[0])
        return None

    def _again(self, party: Party, options: tuple[str, ...]) -> Pick:
        """An answer already given, said again and owned as such ("I told you already ...")."""
        picked = self._fresh(party.pid, options) or Pick(self.rng.choice(options), options[0])
        ack = Pick(self.rng.choice(party.again), party.again[0]) if party.again else NOTHING
        return ack + picked

    def _told_answer(self, party: Party, table: dict[str, Variants], topic: str, values: _Values) -> Pick | None:
        """The answer on ``topic`` from a fact sheet, owned as said before when it was."""
        found = next(
            ((i, say) for i, (when, say) in enumerate(table.get(topic, [])) if self._open(when, say, values)), None
        )
        if found is None:
            return None
        i, say = found
        key = (party.pid, topic, i)
        if topic == "other":  # no fact: not said again, the speaker turns to something else
            return self._fresh(party.pid, say)
        told = key in self._told
        self._told.add(key)
        return self._again(party, say) if told else self._fresh(party.pid, say) or self._again(party, say)

    def _other_reply(self, party: Party, reading: Reading, values: _Values) -> tuple[Pick, str | None]:
        """Someone else on the scene answers what was said to them."""
        topic = reading.asked
        if topic is not None and (answer := self._told_answer(party, party.facts, topic, values)) is not None:
            return answer, topic
        asking = any(x.intent == "question" for x in reading.sentences)
        if asking and (answer := self._told_answer(party, party.facts, "other", values)) is not None:
            return answer, "other"
        lines = tuple(x for when, say in party.lines if self._open(when, say, values) for x in say)
        return self._fresh(party.pid, lines) or self._again(party, lines), None

    def _answer(
        self,
        deltas: dict[str, tuple[float, float]],
        blocked: frozenset[str],
        state: State,
        reading: Reading,
        called: list[str],
        values: _Values,
    ) -> tuple[Pick, str | None]:
        """What the person says, and the topic answered if any. In order: their reaction to a raising move,
        not understanding (blocked; a topic they understand is still answered), what a call brings, the
        answer to the question asked, their response to what the trainee did (an action), to the strongest
        move, their neutral answer to a
        question they answer nothing to, their phase line. A line they have just said is not said again
        while another will do."""
        person = self.parties[0]
        strongest = strongest_move(deltas)
        options = self._pick(self._responses.get(strongest or "", []), values)
        raising = strongest is not None and deltas[strongest][0] > 0
        if raising and options and strongest not in blocked and (pick := self._fresh(PERSON, options)):
            return pick, None
        topic = reading.asked if state.phase != "crisis" else None  # in crisis they cannot take a question in
        if blocked and topic not in self.scenario.person.understands:
            return self._phase_line(state, values), None  # the words did not reach them: their phase line shows it
        if (brought := self._brought(called)).shown:
            return brought, None
        if topic is not None and (answer := self._told_answer(person, self._answers, topic, values)) is not None:
            return answer, topic
        # what the trainee did (a note written, a step back) before how the words around it sounded
        for action in (m for m in deltas if m in ACTIONS and m not in blocked):
            if (done := self._pick(self._responses.get(action, []), values)) and (pick := self._fresh(PERSON, done)):
                return pick, None
        if options and not blocked and (pick := self._fresh(PERSON, options)):
            return pick, None
        # a question that fits nothing they answer ("is it cold out?") gets their neutral answer, in character
        asking = state.phase != "crisis" and any(x.intent == "question" for x in reading.sentences)
        if asking and (answer := self._told_answer(person, self._answers, "other", values)) is not None:
            return answer, "other"
        return self._phase_line(state, values), None

    def _phase_line(self, state: State, values: _Values) -> Pick:
        """A line of the person's phase, from those that hold in the scene as it stands."""
        lines = tuple(x for when, say in self._lines[state.phase] if self._open(when, say, values) for x in say)
        return self._fresh(PERSON, lines) or self._again(self.parties[0], lines)

    def _pick(self, variants: Variants, values: _Values) -> tuple[str, ...]:
        """The lines of the first variant whose condition holds now (none: no lines)."""
        return next((say for when, say in variants if self._open(when, say, values)), ())

    def _open(self, when: ast.expr | None, say: tuple[str, ...], values: _Values) -> bool:
        """Whether a variant may answer now: its condition holds, and it is not a said-once one said already."""
        return _holds(when, values) and say not in self._once_said

    def _ending(self) -> Ending | None:
        if self.state.turn < self.scenario.settle_turns:
            return None  # the trainee's first words always get to matter
        names = self.state.with_facts(self.declared)
        for ending, condition in self.endings:
            if evaluate(condition, names):
                return ending.model_copy(update={"text": ending_text(ending, self.state, self.declared)})
        if self.state.turn >= self.scenario.max_turns:
            own = next((e for e in self.scenario.endings if e.kind == "unresolved"), None)
            return Ending(
                kind="unresolved",
                when=f"turn >= {self.scenario.max_turns}",
                text=ending_text(own, self.state, self.declared)
                if own
                else f"Time ran out after {self.scenario.max_turns} turns; nothing was settled.",
            )
        return None

    def run_script(self, path: Path, transcribe: Callable[[Path], SpokenTurn] | None = None) -> list[TurnResult]:
        """Play a moves file (one turn a line; '#' comments and blank lines skipped) until it or the run
        ends; lines left when the scene ended are kept in ``unplayed`` for the debrief. ``@audio`` lines
        need ``transcribe`` (every recording is read before the first turn)."""
        played = []
        lines = read_script(path)
        spoken = script_recordings(lines, path.parent, transcribe)
        for i, (number, line) in enumerate(lines):
            if self.done:
                self.unplayed = [rest for _, rest in lines[i:]]
                break
            r = self.play(line, spoken.get(number))
            if isinstance(r, TurnResult):
                played.append(r)
        return played


Variants = list[tuple[ast.expr | None, tuple[str, ...]]]
_Values = dict[str, float | int | bool | str]


def _all_answers(scenario: Scenario) -> list[Answer]:
    lines = [a for v in scenario.lines.values() for a in v if isinstance(a, Answer)]
    tables = [
        scenario.responses.values(),
        scenario.facts.values(),
        *(o.facts.values() for o in scenario.others.values()),
    ]
    return lines + [a for t in tables for v in t for a in v] + [a for o in scenario.others.values() for a in o.lines]


def _holds(when: ast.expr | None, values: _Values) -> bool:
    return when is None or bool(evaluate(when, values))


@dataclass(frozen=True, slots=True)
class Vocative:
    """Words that address someone when said to them: opening a sentence ("Dale, ...", "Hey neighbour,
    ...", "Sir can you hear me") or closing it ("..., Gary?", "Thank you ma'am."), not spoken of inside
    it or as an object ("I'll ask Dale")."""

    opening: re.Pattern[str]
    closing: re.Pattern[str]

    @classmethod
    def of(cls, words: list[str], *, title: bool = False) -> Vocative:
        alts = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
        after = r"\b" if title else r"\s*(?:[,.!?;:]|$)"  # a name opening a sentence is set off by a comma
        return cls(
            re.compile(rf"{_OPENING}{_HONORIFIC}(?:{alts}){after}"),
            re.compile(rf"(?:^|(?<=[\s,]))(,?)\s*{_HONORIFIC}(?:{alts})\W*$"),
        )

    def said_to(self, text: str) -> bool:
        if self.opening.search(text):
            return True
        end = self.closing.search(text)
        if end is None:
            return False
        before = text[: end.start()].split()
        return bool(end.group(1)) or not before or before[-1].strip(",") not in _OBJECT_WORDS


_TITLES = {
    "sir": Vocative.of(["sir", "señor", "senor", "mister"], title=True),
    "ma'am": Vocative.of(["ma'am", "maam", "madam", "miss", "señora", "senora", "señorita"], title=True),
}


def _address(name: str, called: tuple[str, ...]) -> Vocative:
    """Someone's name (either part, "Mr." or not) or a word for them."""
    words = [w for w in re.findall(r"[\w']+", name.lower()) if len(w) > 1]
    return Vocative.of(words + [" ".join(c.lower().split()) for c in called])


def _heard_as_order(clause: tuple[str, ...]) -> bool:
    """A command clause the person hears as an order: not an offer made if wanted ("would you be willing
    to talk to someone?") nor a question about something ("can I get your name?")."""
    reading = read_line(" ".join(clause))
    return not reading.asked and not any(s.hypothetical for s in reading.sentences)


def _plain(words: str) -> str:
    return " ".join(tokens(words))


def _transcript(said: Pick) -> Pick:
    return Pick(_as_transcript(said.shown), _as_transcript(said.reading))


def _variants(table: dict[str, tuple[Answer, ...]], names: frozenset[str]) -> dict[str, Variants]:
    """Each entry's answers with their conditions parsed once."""
    return {k: [(parse_condition(a.when, names) if a.when else None, a.say) for a in v] for k, v in table.items()}


def _says_calling(reading: Reading, cues: tuple[str, ...], requested: bool) -> bool:
    """Saying you are getting something ("I'm calling an interpreter"), or asking someone else for it
    (a resource request: "Dispatch, can you get me the language line?"); not asking the person whether
    they want it ("Do you need an ambulance?"), nor offering it if wanted ("I can call a counselor")."""
    if any(reading.offers(c) for c in cues):
        return True
    return requested and reading.asked != "need" and any(reading.does(c) for c in cues)


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
            _, instructor, rest = split_line(line)
            if (recording := audio_path(rest)) is not None:
                if not recording:
                    raise InputError(Code.E102, "@audio names no recording", file=where, where=f"line {number}")
            elif instructor is None:
                parse_turn(rest)
        except ValueError as exc:
            raise InputError(Code.E093, str(exc), file=where, where=f"line {number}") from None
        turns.append((number, line))
    return turns


def script_recordings(
    lines: list[tuple[int, str]], base: Path, transcribe: Callable[[Path], SpokenTurn] | None
) -> dict[int, SpokenTurn]:
    """Each ``@audio`` line's recording (a path relative to ``base``, the script's folder), transcribed, by
    line number; every file is checked before any is transcribed."""
    from deescalate.training.spoken import audio_files

    wanted = {}
    for number, line in lines:
        if (name := audio_path(split_line(line)[2])) is not None:
            path = Path(name).expanduser()
            path = path if path.is_absolute() else base / path
            if path.is_dir():
                raise InputError(Code.E102, f"line {number}: @audio names a folder; give one recording", file=str(path))
            wanted[number] = audio_files([path])[0]
    if wanted and transcribe is None:
        raise InputError(Code.E102, "the script has @audio lines but no speech to text was given")
    return {n: transcribe(p) for n, p in wanted.items()} if transcribe is not None else {}


def _as_transcript(reply: str) -> str:
    """The person's reply as a transcriber writes it: what they do, "(He points at his ear.)", is a
    bracketed note, "[He points at his ear.]", so the analyzer reads it as a note, not as speech."""
    return re.sub(r"\(([^()]*)\)", r"[\1]", reply)
