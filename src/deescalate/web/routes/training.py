"""Practice: the JSON API (/api/v1/training) and the pages (/training), on the same services."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from deescalate.errors import Code, InputError
from deescalate.web import training
from deescalate.web.deps import DbSession, check_csrf, require
from deescalate.web.services import Actor
from deescalate.web.templating import page_context, templates

router = APIRouter(dependencies=[Depends(check_csrf)])

Player = Annotated[Actor, Depends(require("training:play"))]
Reader = Annotated[Actor, Depends(require("training:read"))]


class StartRequest(BaseModel):
    scenario: str = Field(max_length=80, description="A bundled scenario id, from GET /api/v1/training/scenarios.")
    seed: int | None = Field(
        default=None, ge=0, le=training.MAX_SEED, description="Same seed and same turns, same run; default random."
    )


class TurnRequest(BaseModel):
    speaker: Literal["A", "B"] = Field(default="A", description="A: the trainee; B: a second trainee (partner).")
    text: str | None = Field(default=None, max_length=2000, description="What is said; empty: a turn of silence.")
    action: str | None = Field(
        default=None,
        max_length=2000,
        description="/wait, /step back, /call NAME, /write note WORDS (words may follow).",
    )


# --- API --------------------------------------------------------------------------------------------------------


@router.get("/api/v1/training/scenarios", tags=["training"])
def list_scenarios(_actor: Reader) -> dict[str, Any]:
    items = training.list_scenarios()
    return {"items": items, "count": len(items)}


@router.post("/api/v1/training/sessions", status_code=201, tags=["training"])
def start_session(db: DbSession, actor: Player, body: StartRequest) -> dict[str, Any]:
    """A new session: ``id``, ``scenario``, ``seed``, the ``opening`` (what dispatch says), the scene's ``state``."""
    row = training.start_session(db, actor=actor, scenario_name=body.scenario, seed=body.seed)
    return training.session_view(row)


@router.get("/api/v1/training/sessions", tags=["training"])
def list_sessions(db: DbSession, actor: Reader) -> dict[str, Any]:
    items = training.list_sessions(db, actor=actor)
    return {"items": items, "count": len(items)}


@router.get("/api/v1/training/sessions/{session_id}", tags=["training"])
def get_session(db: DbSession, actor: Reader, session_id: int) -> dict[str, Any]:
    """The transcript as played, the scene now, and once it has ended the debrief (as ``deescalate train``)."""
    return training.get_session(db, actor=actor, session_id=session_id)


@router.post("/api/v1/training/sessions/{session_id}/turns", tags=["training"])
def play_turn(db: DbSession, actor: Player, session_id: int, body: TurnRequest) -> dict[str, Any]:
    """One turn: the person's ``reply``, the ``moves`` read in it, the scene's ``state``, ``ended`` (and then the
    ``debrief``)."""
    return training.play_turn(
        db, actor=actor, session_id=session_id, speaker=body.speaker, text=body.text, action=body.action
    )


@router.post("/api/v1/training/sessions/{session_id}/end", tags=["training"])
def end_session(db: DbSession, actor: Player, session_id: int) -> dict[str, Any]:
    """Stop before the scene ends (as Ctrl-D at the command line); the answer carries the debrief."""
    return training.session_view(training.end_session(db, actor=actor, session_id=session_id))


# --- pages ------------------------------------------------------------------------------------------------------

# what each button of the play form does: the action's line, with the words typed added to it
FORM_ACTIONS = {"note": "/write note", "wait": "/wait", "step_back": "/step back", "call": "/call"}


@router.get("/training", response_class=HTMLResponse, include_in_schema=False)
def training_page(request: Request, db: DbSession, actor: Reader) -> Response:
    context = page_context(
        request,
        actor,
        active="training",
        scenarios=training.list_scenarios(),
        sessions=training.list_sessions(db, actor=actor),
    )
    return templates.TemplateResponse(request, "training.html", context)


@router.post("/training/sessions", include_in_schema=False)
def start_session_page(
    db: DbSession,
    actor: Player,
    scenario: Annotated[str, Form(max_length=80)],
    seed: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    if seed.strip() and not seed.strip().isdigit():
        raise InputError(Code.E114, f"seed {seed.strip()!r} must be a whole number (or left empty)", where="seed")
    row = training.start_session(db, actor=actor, scenario_name=scenario, seed=int(seed) if seed.strip() else None)
    return RedirectResponse(f"/training/sessions/{row.id}", status_code=303)


@router.get("/training/sessions/{session_id}", response_class=HTMLResponse, include_in_schema=False)
def session_page(request: Request, db: DbSession, actor: Reader, session_id: int) -> Response:
    view = training.get_session(db, actor=actor, session_id=session_id, with_plot=True)
    context = page_context(request, actor, active="training", s=view)
    return templates.TemplateResponse(request, "training_session.html", context)


@router.post("/training/sessions/{session_id}/turns", include_in_schema=False)
def play_turn_page(
    request: Request,
    db: DbSession,
    actor: Player,
    session_id: int,
    speaker: Annotated[str, Form()] = "A",
    text: Annotated[str, Form(max_length=2000)] = "",
    do: Annotated[str, Form()] = "say",
    call_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    words = text.strip()
    if do == "say":
        # typed at the page as at the command line's prompt: a line that starts with "/" is an action
        action = words if words.startswith("/") else None
    elif do in FORM_ACTIONS:
        action = " ".join(p for p in (FORM_ACTIONS[do], call_name.strip() if do == "call" else "", words) if p)
    else:
        raise InputError(Code.E114, f"do {do!r} must be one of say, {', '.join(FORM_ACTIONS)}", where="do")
    played = training.play_turn(
        db, actor=actor, session_id=session_id, speaker=speaker, text=None if action else words, action=action
    )
    if played["ended"] or not request.headers.get("HX-Request"):
        # the scene ended: the whole page again, now with the debrief; without script, back to the page (no
        # fragment: a browser skips autofocus on a page opened at one, and the box should have the focus)
        target = f"/training/sessions/{session_id}" + ("#debrief" if played["ended"] else "")
        if request.headers.get("HX-Request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    view = training.get_session(db, actor=actor, session_id=session_id)
    context = page_context(request, actor, s=view, t=played, oob=True)
    return templates.TemplateResponse(request, "_turn_played.html", context)


@router.post("/training/sessions/{session_id}/end", include_in_schema=False)
def end_session_page(db: DbSession, actor: Player, session_id: int) -> Response:
    training.end_session(db, actor=actor, session_id=session_id)
    return RedirectResponse(f"/training/sessions/{session_id}#debrief", status_code=303)
