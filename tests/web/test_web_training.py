"""/api/v1/training on a real store: scenarios, sessions played turn by turn as `deescalate train` plays them,
the debrief at the end, sessions that survive a restart, bad turns refused without touching the session, roles."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from deescalate.settings import Settings
from deescalate.store.models import StoredTrainingSession, TrainingTurn
from deescalate.training.debrief import Debrief
from deescalate.training.scenario import bundled_scenarios, find_scenario, load_scenario
from deescalate.training.session import TrainingSession, TurnResult
from deescalate.web import training
from deescalate.web.app import create_app
from tests.web.conftest import Shared, token_for

Auth = Callable[[str], dict[str, str]]

SCRIPTS = Path(__file__).resolve().parents[1] / "training" / "scripts"
SCENARIO = "deaf-driver"
# (request body, the line the command line would be given for it)
TURNS: list[tuple[dict[str, str], str]] = [
    ({"text": "Sir, can you hear me?"}, "Sir, can you hear me?"),
    ({"action": "/write note I'm Officer Diaz. Are you hurt?"}, "/write note I'm Officer Diaz. Are you hurt?"),
    ({"speaker": "B", "text": "Sir, I need you to step out of the car."}, "B: Sir, I need you to step out of the car."),
    ({"action": "/call interpreter"}, "/call interpreter"),
    ({"text": ""}, ""),  # a moment of silence
]


def _error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "file", "where"}, body
    error: dict[str, Any] = body["error"]
    return error


def _start(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/training/sessions", headers=headers, json={"scenario": SCENARIO, **body})
    assert response.status_code == 201, response.text
    started: dict[str, Any] = response.json()
    return started


def _turn(client: TestClient, headers: dict[str, str], session_id: int, body: dict[str, str]) -> dict[str, Any]:
    response = client.post(f"/api/v1/training/sessions/{session_id}/turns", headers=headers, json=body)
    assert response.status_code == 200, response.text
    played: dict[str, Any] = response.json()
    return played


def _simulator(seed: int, scenario: str = SCENARIO) -> TrainingSession:
    return TrainingSession(load_scenario(find_scenario(scenario)), seed)


def _played(r: TurnResult | str) -> TurnResult:
    assert isinstance(r, TurnResult)
    return r


def _same(played: dict[str, Any], r: TurnResult | str) -> None:
    """A turn over the API is the command line's turn: the same reply, moves and scene."""
    r = _played(r)
    assert (played["turn"], played["reply"], played["moves"]) == (r.turn, r.person, list(r.moves))
    state = played["state"]
    assert (state["agitation"], state["rapport"], state["phase"]) == (
        round(r.state.agitation, 2),
        round(r.state.rapport, 2),
        r.state.phase,
    )
    assert played["noticed_now"] == r.noticed_now and played["said"] == r.words


def test_web_training_scenarios_are_the_bundled_ones(shared: Shared) -> None:
    items = shared.client.get("/api/v1/training/scenarios", headers=shared.headers["olly"]).json()["items"]
    bundled = bundled_scenarios()
    assert [s["id"] for s in items] == [p.stem for p in bundled]
    assert [s["title"] for s in items] == [load_scenario(p).title for p in bundled]
    assert all("hidden" not in s and "summary" not in s for s in items)  # a trainee picks without the spoiler


def test_web_training_turns_play_as_the_simulator_does(client: TestClient, auth: Auth) -> None:
    headers = auth("olly")
    started = _start(client, headers)  # no seed: one is picked, and kept
    assert (started["scenario"], started["turns"], started["ended"]) == (SCENARIO, 0, False)
    simulator = _simulator(started["seed"])
    assert started["opening"]["person"] == simulator.scenario.person.name
    assert started["state"]["agitation"] == simulator.state.agitation
    played = []
    for body, line in TURNS:
        played.append(_turn(client, headers, started["id"], body))
        _same(played[-1], simulator.play(line))
    assert [p["speaker"] for p in played] == ["A", "A", "B", "A", "A"]
    got = client.get(f"/api/v1/training/sessions/{started['id']}", headers=headers).json()
    assert got["transcript"] == [{k: v for k, v in p.items() if k not in ("ended", "debrief")} for p in played]
    assert got["state"] == played[-1]["state"] and got["debrief"] is None


def test_web_training_restart_continues_the_session_and_lists_briefings(
    client: TestClient, auth: Auth, settings: Settings
) -> None:
    headers = auth("olly")
    started = _start(client, headers, seed=11)
    for body, _ in TURNS[:2]:
        _turn(client, headers, started["id"], body)
    call = {"number": "26-7001", "received_at": "2026-03-01T12:00:00Z", "address": "9 Elm St", "narrative": "help"}
    made = client.post("/api/v1/briefings", headers=headers, json=call)
    assert made.status_code == 201, made.text

    restarted = create_app(settings)  # a new server over the same store: nothing of the first one's memory
    try:
        with TestClient(restarted) as again:
            headers = {"Authorization": f"Bearer {token_for(again, 'olly')}"}
            third = _turn(again, headers, started["id"], TURNS[2][0])
            session = again.get(f"/api/v1/training/sessions/{started['id']}", headers=headers).json()
            listed = again.get("/api/v1/briefings", headers=headers).json()
    finally:
        restarted.state.sessions.kw["bind"].dispose()
    # the third turn is what it would have been with no restart in between
    simulator = _simulator(11)
    for _, line in TURNS[:2]:
        simulator.play(line)
    _same(third, simulator.play(TURNS[2][1]))
    assert [t["turn"] for t in session["transcript"]] == [1, 2, 3]
    assert [b["id"] for b in listed["items"]] == [made.json()["id"]]


def test_web_training_a_scene_that_ends_gives_the_command_lines_debrief(client: TestClient, auth: Auth) -> None:
    headers = auth("olly")
    started = _start(client, headers, seed=2)
    simulator = _simulator(2)
    lines = [x for x in (SCRIPTS / "deaf-driver.bad.txt").read_text("utf-8").splitlines() if x and x[0] != "#"]
    for line in lines:
        played = _turn(client, headers, started["id"], {"text": line})
        simulator.play(line)
        if played["ended"]:
            break
    assert simulator.done and played["ended"], "the bad script ends the scene before it runs out"
    assert played["ending"]["kind"] == simulator.ending.kind  # type: ignore[union-attr]
    # the debrief file `deescalate train` writes for the same run
    assert played["debrief"] == json.loads(Debrief(simulator.scenario, simulator).to_json())

    late = client.post(f"/api/v1/training/sessions/{started['id']}/turns", headers=headers, json={"text": "sorry"})
    assert late.status_code == 409 and _error(late)["code"] == "E128"
    got = client.get(f"/api/v1/training/sessions/{started['id']}", headers=headers).json()
    assert got["ending"] == simulator.ending.kind and got["debrief"] == played["debrief"]  # type: ignore[union-attr]


def test_web_training_end_stops_where_it_stands_and_debriefs(shared: Shared) -> None:
    client, headers = shared.client, shared.headers["olly"]
    started = _start(client, headers, seed=4)
    _turn(client, headers, started["id"], TURNS[0][0])
    ended = client.post(f"/api/v1/training/sessions/{started['id']}/end", headers=headers)
    assert ended.status_code == 200, ended.text
    body = ended.json()
    simulator = _simulator(4)
    simulator.play(TURNS[0][1])
    assert (body["ending"], body["debrief"]["ending"]) == ("stopped", None)
    assert body["debrief"] == json.loads(Debrief(simulator.scenario, simulator).to_json())
    again = client.post(f"/api/v1/training/sessions/{started['id']}/end", headers=headers)
    assert again.json()["ended_at"] == body["ended_at"]  # ending twice changes nothing
    late = client.post(f"/api/v1/training/sessions/{started['id']}/turns", headers=headers, json={"text": "hello"})
    assert late.status_code == 409 and _error(late)["code"] == "E128"


@pytest.mark.parametrize(
    ("body", "code", "where"),
    [
        ({"text": "hello", "action": "/wait"}, "E129", "text"),
        ({"action": "wait"}, "E129", "action"),
        ({"text": "/wait"}, "E129", "text"),  # an action belongs in 'action'
        ({"text": "@audio take1.wav"}, "E129", "text"),
        ({"action": "/inject other-driver-shouts"}, "E129", "action"),  # the instructor's, at the command line
        ({"action": "/pause"}, "E129", "action"),
        ({"action": "/dance"}, "E093", "action"),
        ({"action": "/call crisis team"}, "E101", "action"),  # this scenario has no crisis team
        ({"speaker": "C", "text": "hello"}, "E114", "body.speaker"),
        ({"text": "x" * 2001}, "E114", "body.text"),
        ({"action": "/call interpreter"}, None, None),  # near misses: these are turns
        ({"action": "/step back I'll give you room"}, None, None),
        ({"speaker": "B", "text": "A: hello"}, None, None),
    ],
)
def test_web_training_a_bad_turn_is_refused_and_the_session_goes_on(
    shared: Shared, body: dict[str, str], code: str | None, where: str | None
) -> None:
    client, headers = shared.client, shared.headers["olly"]
    started = _start(client, headers, seed=1)
    response = client.post(f"/api/v1/training/sessions/{started['id']}/turns", headers=headers, json=body)
    if code is None:
        assert response.status_code == 200, response.text
        assert response.json()["speaker"] == body.get("speaker", "A")
        return
    assert response.status_code == 422, response.text
    assert (_error(response)["code"], _error(response)["where"]) == (code, where)
    after = client.get(f"/api/v1/training/sessions/{started['id']}", headers=headers).json()
    assert after["turns"] == 0
    _same(_turn(client, headers, started["id"], TURNS[0][0]), _simulator(1).play(TURNS[0][1]))


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"scenario": "no-such-scenario"}, 422, "E090"),
        ({"scenario": "Deaf-Driver"}, 422, "E090"),  # near miss: ids are exact
        ({"scenario": "src/deescalate/training/scenarios/deaf-driver.yaml"}, 422, "E090"),  # never a path
        ({"scenario": "deaf-driver", "seed": -1}, 422, "E114"),
        ({"scenario": "deaf-driver", "seed": 2**31}, 422, "E114"),
        ({"scenario": "deaf-driver", "seed": 2**31 - 1}, 201, None),
        ({"scenario": "deaf-driver", "seed": 0}, 201, None),
    ],
)
def test_web_training_start_takes_only_bundled_scenarios_and_sane_seeds(
    shared: Shared, body: dict[str, Any], status: int, code: str | None
) -> None:
    response = shared.client.post("/api/v1/training/sessions", headers=shared.headers["olly"], json=body)
    assert response.status_code == status, response.text
    if code:
        assert _error(response)["code"] == code
    else:
        assert response.json()["seed"] == body["seed"]


@pytest.mark.parametrize(
    ("username", "read", "play", "start"),
    [
        ("olly", 200, 200, 201),  # the trainee
        ("oscar", 404, 404, 201),  # another officer: not even told it exists
        ("tia", 200, 403, 201),  # a trainer reads it, but it is olly's to play
        ("sam", 200, 403, 201),
        ("ada", 200, 403, 201),
        ("aud", 200, 403, 403),  # the auditor reads everything and plays nothing
    ],
)
def test_web_training_who_may_read_play_and_start(
    shared: Shared, username: str, read: int, play: int, start: int
) -> None:
    client, headers = shared.client, shared.headers[username]
    theirs = _start(client, shared.headers["olly"], seed=3)
    assert client.get(f"/api/v1/training/sessions/{theirs['id']}", headers=headers).status_code == read
    response = client.post(f"/api/v1/training/sessions/{theirs['id']}/turns", headers=headers, json={"text": "hi"})
    assert response.status_code == play, response.text
    if play == 403:
        assert _error(response)["code"] == ("E111" if username == "aud" else "E130")
    ended = client.post(f"/api/v1/training/sessions/{theirs['id']}/end", headers=headers)
    assert ended.status_code == play
    response = client.post("/api/v1/training/sessions", headers=headers, json={"scenario": SCENARIO})
    assert response.status_code == start
    listed = {s["trainee"] for s in client.get("/api/v1/training/sessions", headers=headers).json()["items"]}
    if username in ("olly", "oscar"):  # an officer's list holds their own sessions only
        assert listed == {username}
    else:
        assert "olly" in listed


def test_web_training_the_same_next_turn_twice_is_refused(shared: Shared, monkeypatch: pytest.MonkeyPatch) -> None:
    client, headers = shared.client, shared.headers["olly"]
    started = _start(client, headers, seed=5)
    replay = training._replay

    def another_request_first(row: StoredTrainingSession) -> TrainingSession:
        live = replay(row)
        with shared.app.state.sessions() as other:  # a second request stores turn 1 while this one plays it
            shown = training._turn_view(_played(_simulator(5).play("hello")))
            other.add(TrainingTurn(session_id=row.id, number=1, line="A: hello", result=shown, at=datetime.now(UTC)))
            other.commit()
        return live

    monkeypatch.setattr(training, "_replay", another_request_first)
    response = client.post(f"/api/v1/training/sessions/{started['id']}/turns", headers=headers, json={"text": "hi"})
    assert response.status_code == 409 and _error(response)["code"] == "E132"
    monkeypatch.undo()
    with shared.app.state.sessions() as session:
        lines = session.scalars(select(TrainingTurn.line).where(TrainingTurn.session_id == started["id"])).all()
    assert lines == ["A: hello"]  # the other request's turn, once; not forked


def test_web_training_a_session_that_no_longer_replays_is_a_conflict(shared: Shared) -> None:
    client, headers = shared.client, shared.headers["olly"]
    started = _start(client, headers, seed=6)
    first = _turn(client, headers, started["id"], TURNS[0][0])
    shown = {k: v for k, v in first.items() if k not in ("ended", "debrief")} | {"turn": 2}
    with shared.app.state.sessions() as session:  # as if the scenario lost a call after this turn was stored
        line = "A: /call crisis team"
        session.add(TrainingTurn(session_id=started["id"], number=2, line=line, result=shown, at=datetime.now(UTC)))
        session.commit()
    response = client.post(f"/api/v1/training/sessions/{started['id']}/turns", headers=headers, json={"text": "hi"})
    assert response.status_code == 409, response.text
    error = _error(response)
    assert (error["code"], error["where"]) == ("E131", "turns") and "turn 2" in error["message"]
    assert client.get(f"/api/v1/training/sessions/{started['id']}", headers=headers).json()["turns"] == 2


def test_web_training_openapi_lists_the_routes(shared: Shared) -> None:
    paths = shared.client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/training/scenarios",
        "/api/v1/training/sessions",
        "/api/v1/training/sessions/{session_id}",
        "/api/v1/training/sessions/{session_id}/turns",
        "/api/v1/training/sessions/{session_id}/end",
    } <= set(paths)
