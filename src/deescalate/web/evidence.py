"""An encounter as evidence: its record exported as one file (redacted on request), its original as uploaded.

The export names the SHA-256 of the original the record was derived from and what a fresh hash of it found, so
whoever receives the file can check it against the original. Redacted, it replaces civilians' names, phone
numbers, addresses, plates and dates of birth (report.redact) in the transcript, the findings' quotes and
evidence, the reviewers' comments and the checklist's summaries; officers' names stay.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from deescalate.encounter.model import Encounter
from deescalate.report.redact import Redactor
from deescalate.store import integrity
from deescalate.store.models import StoredEncounter
from deescalate.web import services
from deescalate.web.services import Actor

EXPORT_FORMAT = "deescalate-export/v1"
# the parts of an encounter's view that can hold words someone said or wrote about a person
_FREE_TEXT = ("title", "encounter_id", "source_name", "call_type")


def redacted_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """DETAIL (services.get_encounter) with its civilians' personal data replaced everywhere it is shown."""
    encounter = Encounter.model_validate(detail["encounter"])
    redactor = Redactor.for_encounter(encounter)
    redacted, texts = redactor.encounter(encounter)
    findings = [redactor.finding(f, texts.get(f["utterance_id"])) for f in detail["findings"]]
    return {
        **detail,
        **{key: redactor.value(detail.get(key)) for key in _FREE_TEXT},
        "encounter": redacted.to_json_dict(),
        "findings": findings,
        "checklist": redactor.value(detail["checklist"]),
        "redacted": True,
    }


def export_encounter(session: Session, *, actor: Actor, encounter_id: int, redact: bool) -> dict[str, Any]:
    """The record (transcript, findings with their reviews, checklist) and its original's hash, as one document."""
    detail = services.get_encounter(session, actor=actor, encounter_id=encounter_id, verify_original=True)
    if redact:
        detail = redacted_detail(detail)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": datetime.now(UTC).isoformat(),
        "exported_by": actor.username,
        "redacted": redact,
        "id": detail["id"],
        "title": detail["title"],
        "officer": detail["officer"],
        "source_name": detail["source_name"],
        "created_at": detail["created_at"],
        "status": detail["status"],
        "original": detail["original"],
        "encounter": detail["encounter"],
        "findings": detail["findings"],
        "checklist": detail["checklist"],
    }


def original_file(session: Session, *, actor: Actor, encounter_id: int) -> tuple[StoredEncounter, bytes]:
    """The encounter's original as uploaded, only if it still hashes to what was recorded (else TamperError)."""
    row = services._encounter_row(session, actor=actor, encounter_id=encounter_id)
    return row, integrity.verified_bytes(session, row)
