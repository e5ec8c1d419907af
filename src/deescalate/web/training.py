"""Practice in the review application: the simulator of ``deescalate train``, one turn per request, kept in the store.

A session is stored as its scenario, its seed and every turn as it was played. Nothing lives in the server's
memory between requests: each turn replays the stored ones on a fresh ``TrainingSession`` (the simulator is
deterministic for a seed, and a replay of a long session takes milliseconds), then plays the new one. So a
restart, a second server process or a crash between two turns loses nothing, and no state can go stale. What
the trainee was shown (the person's reply, the moves read, the scene's numbers) is stored with each turn, so the
transcript reads the same even if a later version of the simulator would answer differently; the debrief is
stored when the session ends.

Two requests taking the same next turn cannot fork a session: the second insert breaks the (session, number)
key and is refused (E132). Spoken turns (``@audio``) and the instructor's ``/inject`` and ``/pause`` are the
command line's; the web simulator takes typed words and the trainee's actions.
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from deescalate.errors import (
    Code,
    ConflictError,
    DeescalateError,
    InputError,
    NotFound,
    PermissionDenied,
)
from deescalate.store.models import StoredTrainingSession, TrainingTurn, UserRole
from deescalate.training.debrief import ENDING_WORDS, Debrief, dispatch_facts
from deescalate.training.model import State, SubjectModel
from deescalate.training.scenario import Scenario, bundled_scenarios, load_scenario
from deescalate.training.session import (
    ACTION_HELP,
    PARTNER,
    TrainingSession,
    TurnResult,
    audio_path,
    parse_turn,
    split_line,
)
from deescalate.web.services import Actor, _aware, _now

SPEAKERS = ("A", "B")  # A: the trainee; B: a second trainee, the partner officer
MAX_SEED = 2**31 - 1  # a signed 32-bit column on every database
STOPPED = "stopped"  # the ending of a session its trainee ended before the scene did
RECENT = 50


@cache
def _bundled() -> dict[str, Path]:
    return {p.stem: p for p in bundled_scenarios()}


@cache
def _load(name: str) -> Scenario:
    return load_scenario(_bundled()[name])


def scenario(name: str) -> Scenario:
    """A bundled scenario by id. Only bundled ones: a path from a request must never open a file on the server."""
    if name not in _bundled():
        known = ", ".join(_bundled())
        raise InputError(Code.E090, f"no scenario {name!r}; scenarios: {known}", where="scenario")
    return _load(name)


def list_scenarios() -> list[dict[str, Any]]:
    """Every bundled scenario with what a trainee picks it by; one that does not load says why instead."""
    items: list[dict[str, Any]] = []
    for name in _bundled():
        try:
            found = _load(name)
        except DeescalateError as exc:
            items.append({"id": name, "error": exc.one_line()})
            continue
        items.append(
            {
                "id": name,
                "title": found.title,
                "person": found.person.name,
                "calls": list(found.all_calls()),
                "max_turns": found.max_turns,
            }
        )
    return items


# --- sessions ---------------------------------------------------------------------------------------------------


def start_session(db: Session, *, actor: Actor, scenario_name: str, seed: int | None = None) -> StoredTrainingSession:
    """A new session of a bundled scenario; without a seed, a random one (kept, so the session replays)."""
    found = scenario(scenario_name)
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise InputError(Code.E114, f"seed {seed} must be between 0 and {MAX_SEED}", where="seed")
    row = StoredTrainingSession(
        trainee=actor.username,
        scenario=scenario_name,
        title=found.title,
        seed=secrets.randbelow(MAX_SEED + 1) if seed is None else seed,
        created_at=_now(),
    )
    db.add(row)
    db.commit()
    return row


def turn_line(*, speaker: str, text: str | None = None, action: str | None = None) -> tuple[str, str]:
    """The line ``TrainingSession.play`` takes for one turn, and the request field it came from.

    TEXT is what the trainee says ("" is a turn of silence); ACTION one of theirs (``/wait``, ``/step back``,
    ``/call NAME``, ``/write note WORDS``), words may follow it as on the command line."""
    if speaker not in SPEAKERS:
        raise InputError(Code.E114, f"speaker {speaker!r} must be 'A' (you) or 'B' (your partner)", where="speaker")
    if action is not None and (text or "").strip():
        raise InputError(Code.E129, "give the words or an action, not both (words may follow an action)", where="text")
    field = "action" if action is not None else "text"
    said = (action if action is not None else text or "").strip()
    if field == "action" and not said.startswith("/"):
        raise InputError(Code.E129, f"action {said!r} must start with '/': {ACTION_HELP}", where=field)
    if field == "text" and said.startswith("/"):
        raise InputError(Code.E129, f"{said.split()[0]!r} is an action: send it as 'action'", where=field)
    if audio_path(said) is not None:
        raise InputError(Code.E129, "spoken turns (@audio) are played with `deescalate train --audio`", where=field)
    if split_line(said)[1] is not None:
        raise InputError(Code.E129, "the instructor's /inject and /pause are the command line's", where=field)
    if field == "action":
        try:
            parse_turn(said)
        except ValueError as exc:
            raise InputError(Code.E093, str(exc), where=field) from None
    # the speaker always named: words that begin "B: ..." said by A stay A's words
    return f"{speaker}: {said}", field


def play_turn(
    db: Session,
    *,
    actor: Actor,
    session_id: int,
    speaker: str = "A",
    text: str | None = None,
    action: str | None = None,
) -> dict[str, Any]:
    """One turn of the actor's own session: the person's reply, the scene after it, and whether the scene ended
    (then the debrief too)."""
    row = _session_row(db, actor=actor, session_id=session_id)
    if row.trainee != actor.username:
        raise PermissionDenied(Code.E130, f"training session {session_id} is {row.trainee}'s to play", where="id")
    if row.ended_at is not None:
        raise ConflictError(Code.E128, f"training session {session_id} has ended; start a new one", where="id")
    line, field = turn_line(speaker=speaker, text=text, action=action)
    live = _replay(row)
    try:
        result = live.play(line)
    except InputError as exc:  # a /call of something this scenario does not have, say
        raise InputError(exc.code, exc.detail, where=field) from None
    assert isinstance(result, TurnResult)  # turn_line refused the instructor's lines, the only others
    number = (row.turns[-1].number if row.turns else 0) + 1
    row.turns.append(TrainingTurn(number=number, line=line, result=_turn_view(result), at=_now()))
    if live.done:
        _finish(row, live)
    _commit_turn(db, session_id)
    return {**row.turns[-1].result, "ended": row.ended_at is not None, "debrief": row.debrief}


def end_session(db: Session, *, actor: Actor, session_id: int) -> StoredTrainingSession:
    """Stop the actor's session where it stands (as Ctrl-D does at the command line) and store its debrief;
    a session that has already ended is left as it is."""
    row = _session_row(db, actor=actor, session_id=session_id)
    if row.trainee != actor.username:
        raise PermissionDenied(Code.E130, f"training session {session_id} is {row.trainee}'s to end", where="id")
    if row.ended_at is None:
        _finish(row, _replay(row))
        db.commit()
    return row


def _commit_turn(db: Session, session_id: int) -> None:
    try:
        db.commit()
    except IntegrityError:  # the same next turn, stored by another request between our read and this write
        db.rollback()
        raise ConflictError(
            Code.E132, f"another turn of training session {session_id} was taken at the same time; reload it"
        ) from None


def _replay(row: StoredTrainingSession) -> TrainingSession:
    """The session as it stood after its stored turns."""
    try:
        live = TrainingSession(scenario(row.scenario), row.seed, source=row.scenario)
    except DeescalateError as exc:
        raise ConflictError(
            Code.E131, f"scenario {row.scenario!r} no longer loads: {exc.detail}", where="scenario"
        ) from None
    for turn in row.turns:
        try:
            live.play(turn.line)
        except DeescalateError as exc:  # the scenario changed under a stored session (a /call it no longer has)
            raise ConflictError(
                Code.E131, f"turn {turn.number} ({turn.line!r}) no longer plays: {exc.detail}", where="turns"
            ) from None
    return live


def _finish(row: StoredTrainingSession, live: TrainingSession) -> None:
    debrief = Debrief(live.scenario, live)
    row.debrief = debrief.to_json_dict()
    row.plot_svg = debrief.svg()
    row.ending = live.ending.kind if live.ending is not None else STOPPED
    row.ended_at = _now()


def _state_view(state: State) -> dict[str, Any]:
    return {
        "turn": state.turn,
        "agitation": round(state.agitation, 2),
        "rapport": round(state.rapport, 2),
        "phase": state.phase,
        "stage": state.stage,
        "noticed": state.noticed,
        "harm": state.harm,
        "force_risk": state.force_risk,
        "facts": sorted(state.facts),
    }


def _turn_view(r: TurnResult) -> dict[str, Any]:
    return {
        "turn": r.turn,
        "speaker": "B" if r.speaker == PARTNER else "A",
        "said": r.words,
        "line": r.text,
        "moves": list(r.moves),
        "not_understood": bool(r.blocked),
        "noticed_now": r.noticed_now,
        "facts_now": list(r.facts_now),
        "topic": r.topic,
        "reply": r.person,
        "t": r.t,
        "state": _state_view(r.state),
        "ending": None if r.ending is None else {"kind": r.ending.kind, "text": r.ending.text},
    }


# --- reading ----------------------------------------------------------------------------------------------------


def _visible(actor: Actor) -> Any:
    query = select(StoredTrainingSession)
    if actor.role is UserRole.officer:  # an officer's practice is their own; trainers and supervisors see all
        query = query.where(StoredTrainingSession.trainee == actor.username)
    return query


def _session_row(db: Session, *, actor: Actor, session_id: int) -> StoredTrainingSession:
    query = (
        _visible(actor).where(StoredTrainingSession.id == session_id).options(selectinload(StoredTrainingSession.turns))
    )
    row: StoredTrainingSession | None = db.scalar(query)
    if row is None:  # one answer for "absent" and "not yours"
        raise NotFound(Code.E112, f"training session {session_id} not found", where="id")
    return row


def list_sessions(db: Session, *, actor: Actor) -> list[dict[str, Any]]:
    """The newest sessions the actor may see."""
    query = (
        _visible(actor)
        .options(selectinload(StoredTrainingSession.turns))
        .order_by(StoredTrainingSession.id.desc())
        .limit(RECENT)
    )
    return [_summary(row) for row in db.scalars(query)]


def _summary(row: StoredTrainingSession) -> dict[str, Any]:
    return {
        "id": row.id,
        "trainee": row.trainee,
        "scenario": row.scenario,
        "title": row.title,
        "seed": row.seed,
        "created_at": _aware(row.created_at).isoformat(),
        "turns": len(row.turns),
        "ended": row.ended_at is not None,
        "ending": row.ending,
        "ending_words": _ending_words(row.ending),
    }


def _ending_words(kind: str | None) -> str | None:
    if kind is None:
        return None
    return "Stopped before any ending" if kind == STOPPED else ENDING_WORDS.get(kind, kind)


def get_session(db: Session, *, actor: Actor, session_id: int, with_plot: bool = False) -> dict[str, Any]:
    """The session: what dispatch said, the transcript as played, the scene now, and the debrief once ended;
    WITH_PLOT adds the debrief's SVG picture of agitation and rapport (for the page)."""
    row = _session_row(db, actor=actor, session_id=session_id)
    return {**session_view(row), **({"plot_svg": row.plot_svg} if with_plot else {})}


def session_view(row: StoredTrainingSession) -> dict[str, Any]:
    """What a session's page and GET show. A session whose scenario no longer loads still shows what was played."""
    try:
        found: Scenario | None = scenario(row.scenario)
    except DeescalateError:
        found = None
    turns = [t.result for t in row.turns]
    start = _state_view(SubjectModel(found).start()) if found else None
    return {
        **_summary(row),
        "opening": None
        if found is None
        else {
            "person": found.person.name,
            "dispatch": [{"heading": h, "text": t} for h, t in dispatch_facts(found)],
        },
        "calls": list(found.all_calls()) if found else [],
        "state": turns[-1]["state"] if turns else start,
        "transcript": turns,
        "ended_at": _aware(row.ended_at).isoformat() if row.ended_at else None,
        "debrief": row.debrief,
    }
