"""The simulated person: how what the trainee does moves agitation and rapport.

The model is two numbers and a handful of rules, all visible in this file.

**State.** Agitation ``a`` and rapport ``r``, each in [0, 10], start where the
scenario says.

**Phase** follows the escalation cycle (trigger → escalation → crisis →
recovery): after each turn the phase is *crisis* if a >= 8, *escalation* if
a >= 5, *recovery* if a < 5 and the phase was escalation or crisis before, and
otherwise stays what it was (a run starts in *trigger*; recovery stays recovery
while a < 5). In crisis every agitation-raising delta counts twice.

**Rapport stage** follows the behavioural change stairway (listening → empathy
→ rapport → influence → change): r < 2 listening, < 4 empathy, < 6 rapport,
< 8 influence, else change. Rapport is what makes calming work: every calming
delta (a negative Δagitation) is multiplied by 0.5 + r/10, so a calming move
has half its effect on a stranger and one and a half times its effect with
full rapport.

**Moves.** Each trainee turn is read as a set of moves: the analyzer's labels
on the trainee's words (``LABEL_MOVES``), the derived moves
``repeated_command`` (a command clause with the same words as one in the last
2 trainee turns that gave commands, or earlier in the same turn),
``rapid_commands`` (3 or more command clauses in one turn that make up at
least half of what it says to the person, with nothing calming in it, or a
second commands-only turn in a row) and ``silence`` (an empty turn), and the actions
``wait``, ``step_back``, ``call_backup``, ``call_ems`` and ``write_note``.
Each move has a (Δagitation, Δrapport) in ``EFFECTS``; a scenario's
``effects`` replace entries. The deltas of a turn's moves add up.

**Order within a move's delta:** scenario table → hidden-condition factors →
rapport scaling of calming → crisis doubling of raising. There is no noise in
the numbers: the same performance gives the same agitation, rapport and ending
whatever the seed; the seed only chooses among the person's lines (what they
say, not how the scene goes).

**Questions and talk.** ``question`` is information asked for (the analyzer's
``info_gathering``, or a question about a topic of the fact sheet); ``talk`` is
words the analyzer finds nothing in and that ask nothing (a line in the
person's language), and small talk (the weather, the game: ``reading``), which
is never listening, empathy or a question: neutral, a little rapport, never
silence.

**Hidden conditions** (``Person.hidden``), until *noticed*:

- ``deaf``, ``no_english``: spoken moves have no calming effect (no agitation
  drop, no rapport gain) and every agitation-raising spoken move (commands,
  threats, insults, dismissals) raises agitation by half: the person sees
  shouting they cannot understand. Actions are not affected. Normal effects
  once the words reach them: a turn in their own language, or once the
  person's ``understood_when`` holds (an interpreter on the line), or, for a
  scenario without one, once the condition is noticed.
- ``diabetic``, ``cannot_breathe``: agitation +0.4 every turn (no noise, no
  crisis doubling) and ``harm`` +1 every turn; noticing stops both.

Whether or not noticed:

- ``hearing_voices``, ``suicidal``, ``veteran_ptsd``: the agitation of
  ``command`` and ``rapid_commands`` ×2.
- ``autistic``: ``command`` agitation ×1.5; calming from ``slow_down`` and
  ``distance`` ×1.5.
- ``knife``: a ``threat_of_force``, or agitation >= 9 after a turn, sets
  ``force_risk`` (it stays set).

**Noticing** (one flag per run, taking effect in the turn it happens) is by
meaning, as the scenario's ``notice`` says: a question or offer about one of
its ``ask`` conditions (or a capacity check about one), any sentence about one
of its ``say`` conditions, one of its ``by`` moves or actions, one of its
``facts`` coming about (the interpreter on the line, EMS called), or speaking
the person's own language. A turn with an insult, a threat of force or a
dismissal never notices anything: "are you deaf or just stupid?" is an insult,
not a question about hearing. Condition words are read by ``reading`` (the
conditions of topics.yaml), not matched as keywords.

**Scene facts** (``Scenario.scene``): false at the start, set by the trainee's
moves or actions (``by``), by what the trainee says, does or asks someone to do
(``said``; an offer made if it is wanted, "do you want me to put your music
on?", sets nothing until the trainee carries it out), by a call or an injected
event (``sets``), or by the person once a condition on the state holds
(``when``); once set they stay set. Endings and answers may name them.

**Said to someone else** (another person on the scene, addressed by name, title
or as the last one who spoke): only its hostility (insult, threat, dismissal)
moves the person's numbers; its facts and calls count. **Said again** (the
same words as one of the trainee's last 3 turns): nothing in it calms or builds
rapport a second time.

**Flags for endings.** ``ems_called``, ``backup_called``, ``clinician_called``:
set by the calls that name them (``/call ems``, or saying you are getting an
ambulance; see ``Scenario.all_calls``); ``backup_called`` also by a
``backup_request``. ``threats`` and ``insults`` count the turns with those moves.
"""

from __future__ import annotations

import ast
import math
import re
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from deescalate.analysis.analyzer import Analyzer
from deescalate.analysis.context import build_contexts, civilian_name_tokens
from deescalate.analysis.detectors.base import states_distress
from deescalate.analysis.text import prepare
from deescalate.encounter.model import Encounter, Participant, Role, Utterance
from deescalate.errors import Code, ConfigError
from deescalate.training.conditions import evaluate, parse_condition
from deescalate.training.reading import Reading, read_line
from deescalate.training.scenario import ACTIONS, FLAGS, MOVES, Ending, Phase, Scenario, reply_sets

# --- the model as data ------------------------------------------------------------------------------------------

# move: (Δagitation, Δrapport) before any scaling
EFFECTS: dict[str, tuple[float, float]] = {
    "command": (+0.5, -0.2),
    "repeated_command": (+1.0, -0.5),
    "rapid_commands": (+1.5, -0.5),
    "conflicting_command": (+2.0, -1.0),
    "threat_of_force": (+2.5, -2.0),
    "insult": (+2.0, -2.5),
    "dismissal": (+2.0, -2.0),
    "explanation": (-0.5, +0.5),
    "respect_marker": (-0.2, +0.4),
    "empathy": (-1.0, +1.0),
    "active_listening": (-0.8, +1.0),
    "slow_down": (-0.8, +0.3),
    "distance": (-0.8, +0.2),
    "step_back": (-0.8, +0.2),
    "capacity_check": (-0.5, +0.8),
    "resource_request": (-0.2, +0.3),
    "backup_request": (-0.1, 0.0),
    "call_backup": (-0.1, 0.0),
    "call_ems": (-0.2, +0.3),
    "call_resource": (-0.2, +0.3),
    "civil_matter": (-0.3, +0.3),
    "question": (0.0, +0.2),  # asking builds a little rapport; it calms only with what else is said
    "talk": (0.0, +0.1),
    "wait": (-0.3, 0.0),
    "silence": (0.0, -0.1),
    "write_note": (0.0, 0.0),
}

# Phase rules, checked in order after every turn: the first whose agitation floor is met.
PHASE_FLOORS: tuple[tuple[Phase, float], ...] = (("crisis", 8.0), ("escalation", 5.0))
RECOVERY_BELOW = 5.0  # from escalation or crisis, agitation under this is recovery
START_PHASE: Phase = "trigger"
CRISIS_RAISE = 2.0  # agitation-raising deltas in crisis
RAPPORT_CALMING = (0.5, 0.1)  # calming × (0.5 + 0.1 × rapport)
# Rapport stage: the first whose ceiling is above r.
STAGES: tuple[tuple[float, str], ...] = (
    (2.0, "listening"),
    (4.0, "empathy"),
    (6.0, "rapport"),
    (8.0, "influence"),
    (math.inf, "change"),
)

# analyzer label -> move (labels not listed, e.g. info_gathering, are no move)
LABEL_MOVES: dict[str, str] = {
    label: label
    for label in (
        "command conflicting_command threat_of_force insult explanation respect_marker empathy active_listening "
        "slow_down distance capacity_check resource_request backup_request dismissal civil_matter"
    ).split()
}
LABEL_MOVES["info_gathering"] = "question"
ACTION_FLAGS = {"ems_called": frozenset({"call_ems"}), "backup_called": frozenset({"call_backup", "backup_request"})}
HOSTILE = frozenset({"insult", "threat_of_force", "dismissal"})  # a turn with one of these notices nothing
COMMAND_MOVES = frozenset({"command", "repeated_command", "rapid_commands", "conflicting_command", "threat_of_force"})
UNSPOKEN = frozenset({*ACTIONS, "silence"})
RAPID_CLAUSES = 3  # command clauses in one turn that make rapid_commands
REPEAT_WINDOW = 2  # earlier command turns a repeated command is compared with
# labels that make a turn with several requests in it a calm one, not a run of orders
CALMING_LABELS = frozenset({"slow_down", "empathy", "explanation", "active_listening", "capacity_check"})
READ_CACHE_SIZE = 20_000  # readings kept (one per trainee turn of a transcript); a few MB
_Read = tuple[frozenset[str], list[tuple[str, ...]], bool]
_READ_CACHE: weakref.WeakKeyDictionary[Analyzer, OrderedDict[tuple[object, ...], _Read]] = weakref.WeakKeyDictionary()

# Hidden conditions.
BLOCKING = frozenset({"deaf", "no_english"})  # spoken calming blocked, raising halved, until noticed
BLOCKED_RAISE = 0.5
RAISE_FACTORS: dict[str, dict[str, float]] = {
    "hearing_voices": {"command": 2.0, "rapid_commands": 2.0},
    "suicidal": {"command": 2.0, "rapid_commands": 2.0},
    "veteran_ptsd": {"command": 2.0, "rapid_commands": 2.0},
    "autistic": {"command": 1.5},
}
CALM_FACTORS: dict[str, dict[str, float]] = {"autistic": {"slow_down": 1.5, "distance": 1.5}}
UNTREATED_AGITATION = {"diabetic": 0.4, "cannot_breathe": 0.4}  # per turn until noticed; harm +1 per turn
FORCE_RISK_AGITATION = 9.0  # knife: force risk at this agitation (or any threat of force)


# --- state ------------------------------------------------------------------------------------------------------


def stage_of(rapport: float) -> str:
    return next(name for ceiling, name in STAGES if rapport < ceiling)


def next_phase(previous: Phase, agitation: float) -> Phase:
    for phase, floor in PHASE_FLOORS:
        if agitation >= floor:
            return phase
    if agitation < RECOVERY_BELOW and previous in ("escalation", "crisis"):
        return "recovery"
    return previous


def _clamp(x: float) -> float:
    return min(10.0, max(0.0, x))


@dataclass(frozen=True, slots=True)
class State:
    agitation: float
    rapport: float
    phase: Phase = START_PHASE
    turn: int = 0
    noticed: bool = False
    harm: int = 0
    force_risk: bool = False
    ems_called: bool = False
    backup_called: bool = False
    clinician_called: bool = False
    threats: int = 0
    insults: int = 0
    facts: frozenset[str] = frozenset()  # the scene facts set so far

    @property
    def stage(self) -> str:
        return stage_of(self.rapport)

    def names(self) -> dict[str, float | int | bool | str]:
        """The names an ending's ``when`` may use."""
        return {
            "agitation": self.agitation,
            "rapport": self.rapport,
            "turn": self.turn,
            "noticed": self.noticed,
            "harm": self.harm,
            "force_risk": self.force_risk,
            "ems_called": self.ems_called,
            "backup_called": self.backup_called,
            "clinician_called": self.clinician_called,
            "threats": self.threats,
            "insults": self.insults,
            "phase": self.phase,
        }

    def with_facts(self, declared: frozenset[str] | set[str]) -> dict[str, float | int | bool | str]:
        """``names()`` and each declared scene fact (true once set)."""
        return {**self.names(), **{f: f in self.facts for f in declared}}


@dataclass(frozen=True, slots=True)
class Step:
    """One turn's effect: each move's (Δagitation, Δrapport) after every factor, and the state after."""

    deltas: dict[str, tuple[float, float]]
    condition: float  # agitation from an untreated condition this turn
    blocked: frozenset[str]  # moves the person could not take in (deaf / no English, not yet noticed)
    noticed_now: bool
    state: State


class SubjectModel:
    """The rules above for one scenario: its effect table and its person's hidden conditions."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.effects = {**EFFECTS, **{k: (float(a), float(r)) for k, (a, r) in scenario.effects.items()}}
        self.hidden = frozenset(scenario.person.hidden)
        self.notice = scenario.notice
        understood = scenario.person.understood_when
        self.understood_when = parse_condition(understood, scenario.names) if understood else None
        self.scene_when = {k: parse_condition(f.when, scenario.names) for k, f in scenario.scene.items() if f.when}

    def start(self) -> State:
        return State(agitation=self.scenario.start.agitation, rapport=self.scenario.start.rapport)

    def notices(self, moves: tuple[str, ...], reading: Reading, set_now: frozenset[str] = frozenset()) -> bool:
        """Whether this turn notices the hidden condition (see the module docstring)."""
        if HOSTILE & set(moves):
            return False
        n = self.notice
        asked = reading.about(("question", "offer"))
        if "capacity_check" in moves:
            asked |= reading.about(("statement",))
        language = self.scenario.person.language
        return bool(
            set(n.ask) & asked
            or set(n.say) & reading.about(("question", "offer", "statement"))
            or set(n.by) & set(moves)
            or set(n.facts) & set_now
            or (language != "en" and language in reading.languages)
        )

    def _reached(self, state: State, noticed: bool, set_now: frozenset[str], reading: Reading) -> bool:
        """Whether words reach a person who cannot hear or follow English: in their own language, or once
        ``understood_when`` holds (an interpreter on the line), or, without one, once noticed."""
        language = self.scenario.person.language
        if language != "en" and language in reading.languages:
            return True
        if self.understood_when is None:
            return noticed
        values = replace(state, facts=state.facts | set_now).with_facts(set(self.scenario.scene))
        return bool(evaluate(self.understood_when, values))

    def facts_set(self, state: State, moves: tuple[str, ...], reading: Reading) -> frozenset[str]:
        """Scene facts the trainee's moves, actions or words set this turn (``by`` and ``said``); words
        that only offer it ("do you want me to put your music on?") set nothing."""
        hostile = bool(HOSTILE & set(moves))
        return frozenset(
            k
            for k, fact in self.scenario.scene.items()
            if k not in state.facts
            and (set(fact.by) & set(moves) or (not hostile and any(reading.does(c) for c in fact.said)))
        )

    def person_sets(self, state: State) -> tuple[str, ...]:
        """Scene facts the person's state now brings about (``when``), in declared order."""
        values = state.with_facts(set(self.scenario.scene))
        return tuple(k for k, tree in self.scene_when.items() if k not in state.facts and evaluate(tree, values))

    def move_delta(
        self, move: str, state: State, blocked: bool, *, aside: bool = False, repeated: bool = False
    ) -> tuple[float, float]:
        """A move's deltas: table, hidden-condition factors, rapport scaling, crisis doubling. ``aside``: said
        to someone else (only hostility reaches the person, who sees it); ``repeated``: the trainee's own
        words again (nothing new in them calms or builds rapport)."""
        da, dr = self.effects.get(move, (0.0, 0.0))
        if aside and move not in UNSPOKEN and move not in HOSTILE:
            return 0.0, 0.0
        if repeated and move not in UNSPOKEN:
            da, dr = max(da, 0.0), min(dr, 0.0)
        if blocked:
            da = da * BLOCKED_RAISE if da > 0 else 0.0
            dr = min(dr, 0.0)
        for condition in self.hidden:
            if da > 0:
                da *= RAISE_FACTORS.get(condition, {}).get(move, 1.0)
            elif da < 0:
                da *= CALM_FACTORS.get(condition, {}).get(move, 1.0)
        if da < 0:
            da *= RAPPORT_CALMING[0] + RAPPORT_CALMING[1] * state.rapport
        elif da > 0 and state.phase == "crisis":
            da *= CRISIS_RAISE
        return da, dr

    def step(
        self,
        state: State,
        moves: tuple[str, ...],
        reading: Reading | str = "",
        *,
        sets: frozenset[str] = frozenset(),
        extra: tuple[float, float] = (0.0, 0.0),
        aside: bool = False,
        repeated: bool = False,
    ) -> Step:
        """One turn. ``sets``: the facts and flags that calls or events set this turn; ``extra``: an
        injected event's (Δagitation, Δrapport); ``aside``: the words were said to someone else on the scene;
        ``repeated``: they repeat one of the trainee's last turns word for word (see ``move_delta``)."""
        if isinstance(reading, str):
            reading = read_line(reading)
        # the call actions are their flags: /call ems is EMS called, whatever else the turn says
        flags = {flag for flag, by in ACTION_FLAGS.items() if by & set(moves)}
        set_now = sets | self.facts_set(state, moves, reading) | flags
        noticed_now = not state.noticed and self.notices(moves, reading, set_now)
        noticed = state.noticed or noticed_now
        blocking = bool(self.hidden & BLOCKING) and not self._reached(state, noticed, set_now, reading)
        deltas: dict[str, tuple[float, float]] = {}
        blocked: set[str] = set()
        for move in moves:
            is_blocked = blocking and not aside and move not in UNSPOKEN
            if is_blocked:
                blocked.add(move)
            deltas[move] = self.move_delta(move, state, is_blocked, aside=aside, repeated=repeated)
        condition = 0.0
        harm = state.harm
        if not noticed and self.hidden & set(UNTREATED_AGITATION):
            condition = max(UNTREATED_AGITATION[c] for c in self.hidden & set(UNTREATED_AGITATION))
            harm += 1
        agitation = _clamp(state.agitation + sum(d[0] for d in deltas.values()) + condition + extra[0])
        rapport = _clamp(state.rapport + sum(d[1] for d in deltas.values()) + extra[1])
        after = replace(
            state,
            agitation=agitation,
            rapport=rapport,
            phase=next_phase(state.phase, agitation),
            turn=state.turn + 1,
            noticed=noticed,
            harm=harm,
            force_risk=state.force_risk
            or ("knife" in self.hidden and ("threat_of_force" in moves or agitation >= FORCE_RISK_AGITATION)),
            ems_called=state.ems_called or "ems_called" in set_now or "call_ems" in moves,
            backup_called=state.backup_called
            or "backup_called" in set_now
            or "call_backup" in moves
            or "backup_request" in moves,
            clinician_called=state.clinician_called or "clinician_called" in set_now,
            threats=state.threats + ("threat_of_force" in moves),
            insults=state.insults + ("insult" in moves),
            facts=state.facts | (set_now - set(FLAGS)),
        )
        return Step(deltas, condition, frozenset(blocked), noticed_now, after)


# --- reading a turn's words as moves ----------------------------------------------------------------------------

_WORDS = re.compile(r"[a-z0-9']+")


@dataclass
class MoveReader:
    """Reads each trainee utterance of a running encounter as moves; remembers recent commands."""

    analyzer: Analyzer
    recent: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)  # command clauses of recent turns
    last_commands_only: bool = False

    def read(
        self, encounter: Encounter, utterance_id: str, heard_as_order: Callable[[tuple[str, ...]], bool] | None = None
    ) -> tuple[str, ...]:
        """The moves of the utterance ``utterance_id`` (the trainee's, the last one said so far).
        ``heard_as_order``: whether a command clause (its words) is one the person hears as an order, not an
        offer or a question about something ("would you be willing to talk to someone?"); a command the
        learned layer alone finds in a turn that also calms ("I'm not in a hurry. We can just talk.") is
        no order either."""
        labels, clauses, calm_line = self.labels(encounter, utterance_id)
        if heard_as_order is not None and "command" in labels:
            found = bool(clauses)
            clauses = [c for c in clauses if heard_as_order(c)]
            if (found and not clauses) or (not found and labels & CALMING_LABELS):
                labels -= {"command"}
        moves = {LABEL_MOVES[label] for label in labels if label in LABEL_MOVES}
        if clauses:
            earlier = {c for turn in self.recent[-REPEAT_WINDOW:] for c in turn}
            for clause in clauses:
                if clause in earlier:
                    moves.add("repeated_command")
                earlier.add(clause)
            self.recent = [*self.recent[-REPEAT_WINDOW + 1 :], tuple(clauses)]
        commands_only = bool(labels) and labels <= {"command", "conflicting_command"}
        # a run of orders, not a long calm line that holds a few requests ("take your time, sit down if you
        # like, and tell me when you're ready"): most of what is said to the person commands, nothing calms
        barked = len(clauses) >= RAPID_CLAUSES and not calm_line and not labels & CALMING_LABELS
        if barked or (commands_only and self.last_commands_only):
            moves.add("rapid_commands")
        self.last_commands_only = commands_only
        return order_moves(moves)

    def labels(self, encounter: Encounter, utterance_id: str) -> tuple[frozenset[str], list[tuple[str, ...]], bool]:
        """The analyzer's labels on one utterance, its command clauses said to the person, and whether
        those are under half of its clauses to the person. The same transcript reads the same every time,
        so a replay (another seed over the same reading) is not analysed again."""
        key = (
            utterance_id,
            tuple((p.id, p.role.value, p.name) for p in encounter.participants),
            tuple(u.model_dump_json() for u in encounter.utterances),
        )
        cache = _READ_CACHE.setdefault(self.analyzer, OrderedDict())
        if (hit := cache.get(key)) is not None:
            cache.move_to_end(key)
            return hit
        labels = frozenset(f.label for f in self.analyzer.findings(encounter) if f.utterance_id == utterance_id)
        clauses, spoken = self._command_clauses(encounter, utterance_id) if "command" in labels else ([], 0)
        result = (labels, clauses, 2 * len(clauses) < spoken)
        cache[key] = result
        if len(cache) > READ_CACHE_SIZE:
            cache.popitem(last=False)
        return result

    def skip(self) -> None:
        """A turn without words breaks a run of commands-only turns."""
        self.last_commands_only = False

    def _command_clauses(self, encounter: Encounter, utterance_id: str) -> tuple[list[tuple[str, ...]], int]:
        """The words of each command clause said to the person, and how many clauses are said to them."""
        names = civilian_name_tokens(encounter)
        ctx = next(c for c in build_contexts(encounter) if c.utterance.id == utterance_id)
        found = []
        spoken = 0
        for clause, to_civilian in zip(ctx.prepared.clauses, ctx.to_civilian, strict=True):
            if not to_civilian:
                continue
            spoken += 1
            start = self.analyzer.commands.command_start(clause.text, names, ctx.prepared.punctuated)
            if start is not None:
                found.append(tuple(_WORDS.findall(clause.text[start:])))
        return found, spoken


def order_moves(moves: set[str] | frozenset[str]) -> tuple[str, ...]:
    """Moves in the fixed order of ``MOVES`` (the order their noise is drawn in)."""
    return tuple(m for m in MOVES if m in moves)


# --- endings ----------------------------------------------------------------------------------------------------


def compile_endings(scenario: Scenario, source: str | None = None) -> list[tuple[Ending, ast.expr]]:
    """Each ending with its checked condition; a ConfigError naming the file and the ending if one is bad
    or can never fire."""
    from deescalate.training.scenario import check_endings

    where = source or f"scenario {scenario.id}"
    compiled = []
    for i, ending in enumerate(scenario.endings):
        try:
            compiled.append((ending, parse_condition(ending.when, scenario.names)))
        except ValueError as exc:
            raise ConfigError(
                Code.E092, f"ending {i + 1} ({ending.kind}): {exc}", file=where, where=f"endings.{i}.when"
            ) from None
    check_endings(scenario, where)
    return compiled


def ending_text(ending: Ending, state: State, declared: frozenset[str] | set[str]) -> str:
    """The ending's text and, in order, the sentences for the facts that hold (``with``) and do not
    (``without``): it tells only what happened."""
    values = state.with_facts(declared)
    parts = [ending.text.strip()]
    parts += [text.strip() for fact, text in ending.with_.items() if values.get(fact)]
    parts += [text.strip() for fact, text in ending.without.items() if not values.get(fact)]
    return " ".join(p for p in parts if p)


# --- how a reply reads ------------------------------------------------------------------------------------------


def line_reading(analyzer: Analyzer, text: str, role: Role = Role.subject) -> frozenset[str]:
    """What the analyzer reads in one reply (said after a neutral officer line): its labels, and whether it
    states distress (which lets a later brush-off read as a dismissal). The trainee's next words are read
    in its light."""
    said = _as_note(text)
    encounter = Encounter(
        id="reply",
        participants=[Participant(id="O", role=Role.officer), Participant(id="R", role=role)],
        utterances=[
            Utterance(id="o", speaker="O", start=0.0, text="Okay."),
            Utterance(id="r", speaker="R", start=2.0, text=said),
        ],
    )
    labels = {f.label for f in analyzer.findings(encounter) if f.utterance_id == "r"}
    if states_distress(prepare(said).text):
        labels.add("distress")
    return frozenset(labels)


def unlike_alternatives(scenario: Scenario, analyzer: Analyzer) -> list[tuple[str, str]]:
    """(where, why) for each set of lines the seed chooses among whose lines read differently (see
    ``line_reading``): there, the seed would change what the trainee's next words are read as."""
    out = []
    for where, lines in reply_sets(scenario):
        role = Role.bystander if where.startswith("others.") else Role.subject
        readings = {line: line_reading(analyzer, line, role) for line in lines}
        if len(set(readings.values())) > 1:
            parts = [f"{line[:50]!r} reads as {', '.join(sorted(r)) or 'nothing'}" for line, r in readings.items()]
            out.append((where, "; ".join(parts)))
    return out


def _as_note(reply: str) -> str:
    return re.sub(r"\(([^()]*)\)", r"[\1]", reply)
