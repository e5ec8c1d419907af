"""An analysed encounter as the review platform's tables hold it: the transcript, the machine's verdicts, and the
findings waiting for review.

The web upload, the web's recording worker and `deescalate batch` all store encounters this one way, so what the
review pages read does not depend on how the encounter arrived. ``AnalysedEncounter`` is plain data, so a batch
worker process can analyse and hand the result to the one process that writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from deescalate.analysis.analyzer import Analyzer, analyze
from deescalate.encounter.model import Encounter
from deescalate.store.models import EncounterStatus, FindingStatus, StoredEncounter, StoredFinding


@dataclass(frozen=True)
class AnalysedEncounter:
    encounter: dict[str, Any]  # encounter/v1
    machine_verdicts: list[dict[str, Any]]  # Verdict.to_dict(), from all findings
    findings: list[dict[str, Any]]  # Finding.to_dict(), in the analyzer's order

    @classmethod
    def of(cls, encounter: Encounter, analyzer: Analyzer | None = None) -> AnalysedEncounter:
        analysis = analyze(encounter, analyzer)
        return cls(
            encounter=encounter.to_json_dict(),
            machine_verdicts=[v.to_dict() for v in analysis.verdicts],
            findings=[f.to_dict() for f in analysis.findings],
        )


def attach_analysis(stored: StoredEncounter, *, encounter: Encounter) -> None:
    """Analyse ENCOUNTER and put it, the machine's verdicts and the findings (pending review) on STORED."""
    apply_analysed(stored, AnalysedEncounter.of(encounter))


def apply_analysed(stored: StoredEncounter, analysed: AnalysedEncounter) -> None:
    stored.encounter = analysed.encounter
    stored.status = EncounterStatus.analysed.value
    stored.machine_verdicts = analysed.machine_verdicts
    # derived from the original whose hash stored.source_sha256 names (web uploads keep it; store.integrity)
    stored.findings = [
        StoredFinding(**_finding_columns(f), source_sha256=stored.source_sha256) for f in analysed.findings
    ]


@dataclass(frozen=True, slots=True)
class Arrival:
    """Who and what an encounter came from, as the review platform lists it."""

    uploaded_by: str
    source_name: str
    created_at: datetime
    officer: str | None = None


def insert_analysed(session: Session, encounters: list[tuple[AnalysedEncounter, Arrival]]) -> list[int]:
    """Store many analysed encounters at once, as ``apply_analysed`` stores one; returns their ids in order.

    Plain INSERTs of many rows each, not the ORM's unit of work: a batch stores thousands of encounters with tens
    of findings each, and tracking every finding as an object would cost more than analysing it."""
    if not encounters:
        return []
    table = cast(Table, StoredEncounter.__table__)
    rows = [
        {
            "uploaded_by": arrival.uploaded_by,
            "officer": arrival.officer,
            "source_name": arrival.source_name,
            "created_at": arrival.created_at,
            "encounter": analysed.encounter,
            "status": EncounterStatus.analysed.value,
            "machine_verdicts": analysed.machine_verdicts,
        }
        for analysed, arrival in encounters
    ]
    ids = list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
    findings = [
        {"encounter_id": encounter_id, **_finding_columns(f)}
        for encounter_id, (analysed, _) in zip(ids, encounters, strict=True)
        for f in analysed.findings
    ]
    if findings:
        session.execute(insert(cast(Table, StoredFinding.__table__)), findings)
    return ids


def _finding_columns(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "record": f,
        "label": f["label"],
        "checklist_item": f["checklist_item"],
        "utterance_id": f["utterance_ids"][0],
        "status": FindingStatus.pending.value,
    }
