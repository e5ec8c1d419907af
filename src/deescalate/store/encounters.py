"""An analysed encounter as the review platform's tables hold it: the transcript, the machine's verdicts, and the
findings waiting for review.

The web upload, the web's recording worker and `deescalate batch` all store encounters this one way, so what the
review pages read does not depend on how the encounter arrived. ``AnalysedEncounter`` is plain data, so a batch
worker process can analyse and hand the result to the one process that writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    stored.findings = [
        StoredFinding(
            record=f,
            label=f["label"],
            checklist_item=f["checklist_item"],
            utterance_id=f["utterance_ids"][0],
            status=FindingStatus.pending.value,
        )
        for f in analysed.findings
    ]
