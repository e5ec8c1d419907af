"""An encounter as evidence: its record as one file (redacted on request) and its original, checked by its hash."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from deescalate.web import evidence
from deescalate.web.audit import note
from deescalate.web.deps import DbSession, check_csrf, require
from deescalate.web.services import Actor

router = APIRouter(prefix="/api/v1", tags=["encounters"], dependencies=[Depends(check_csrf)])

Exporter = Annotated[Actor, Depends(require("encounters:export"))]


def _attachment(name: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(name)}"


@router.get("/encounters/{encounter_id}/export", responses={200: {"content": {"application/json": {}}}})
def export_encounter(
    request: Request, db: DbSession, actor: Exporter, encounter_id: int, redact: bool = False
) -> Response:
    """The encounter's record as one JSON file: transcript, findings with their reviews, checklist, and the
    SHA-256 of the original it came from. ``redact=true`` replaces civilians' names, phone numbers, addresses,
    plates and dates of birth; officers' names stay."""
    document = evidence.export_encounter(db, actor=actor, encounter_id=encounter_id, redact=redact)
    note(request, redact=redact, original=document["original"]["state"])
    suffix = "-redacted" if redact else ""
    return Response(
        json.dumps(document, indent=1, ensure_ascii=False) + "\n",
        media_type="application/json",
        headers={"Content-Disposition": _attachment(f"encounter-{encounter_id}{suffix}.json")},
    )


@router.get("/encounters/{encounter_id}/original", responses={200: {"content": {"application/octet-stream": {}}}})
def original_file(request: Request, db: DbSession, actor: Exporter, encounter_id: int) -> Response:
    """The file as uploaded, after checking it still hashes to its recorded SHA-256 (409, E140, if it does not:
    a changed original is never handed out as the original)."""
    stored, data = evidence.original_file(db, actor=actor, encounter_id=encounter_id)
    note(request, sha256=stored.source_sha256)
    headers = {"Content-Disposition": _attachment(stored.source_name), "X-Content-SHA256": stored.source_sha256 or ""}
    return Response(data, media_type="application/octet-stream", headers=headers)
