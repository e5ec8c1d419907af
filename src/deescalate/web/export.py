"""Reviewed findings back to the analyzer: fully reviewed encounters as annotated encounter/v1 files
that ``deescalate model train --extra`` reads (analysis.learned.train.load_corpus).

- a confirmed finding becomes its label on its utterance (with ``conflicts_with`` for a conflicting command);
- a disputed finding is left out: the machine said it, a person said no, so the utterance trains as not having it
  (the file keeps the list under ``review.disputed`` for whoever reads it);
- an encounter with any finding still pending is skipped whole: training reads every utterance of a file as fully
  labelled, so a pending finding would silently train as a "no" nobody gave.

Utterances without any finding are exported with no labels: the review checked what the machine flagged, not
what it missed, which the file says under ``review.note``.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from deescalate.encounter.writers import write_atomic
from deescalate.errors import Code, InputError, NotFound
from deescalate.store.models import FindingStatus, StoredEncounter
from deescalate.web.services import _aware

WRITER = "reviewed"  # the group cross-validation keeps together (train.writer_of)
NOTE = (
    "labels are the findings a person confirmed; disputed findings are left out; utterances the analyzer "
    "flagged nothing on were not reviewed for missed labels"
)


def reviewed_encounters(session: Session) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, int]]:
    """(file name, annotated encounter/v1 dict) for each fully reviewed encounter, and what was counted."""
    query = select(StoredEncounter).options(selectinload(StoredEncounter.findings)).order_by(StoredEncounter.id)
    files: list[tuple[str, dict[str, Any]]] = []
    summary = {"exported": 0, "skipped_pending": 0, "skipped_unreviewed": 0, "confirmed": 0, "disputed": 0}
    for stored in session.scalars(query):
        statuses = {f.status for f in stored.findings}
        if FindingStatus.pending.value in statuses:
            summary["skipped_pending"] += 1
            continue
        if not statuses:  # no findings at all: nothing a person looked at
            summary["skipped_unreviewed"] += 1
            continue
        name, data = _annotated(stored)
        files.append((name, data))
        summary["exported"] += 1
        summary["confirmed"] += len(data["review"]["confirmed"])
        summary["disputed"] += len(data["review"]["disputed"])
    return files, summary


def _annotated(stored: StoredEncounter) -> tuple[str, dict[str, Any]]:
    labels: dict[str, set[str]] = defaultdict(set)
    conflicts: dict[str, str] = {}
    confirmed, disputed = [], []
    for f in stored.findings:
        pointer = {"utterance_id": f.utterance_id, "label": f.label}
        if f.status == FindingStatus.confirmed.value:
            labels[f.utterance_id].add(f.label)
            target = f.record.get("conflicts_with")
            if f.label == "conflicting_command" and isinstance(target, str):
                conflicts[f.utterance_id] = target
            confirmed.append(pointer)
        else:
            disputed.append(pointer)
    data = dict(stored.encounter)
    original_id = str(data.get("id") or "encounter")
    utterances = []
    source: list[dict[str, Any]] = list(data.get("utterances") or [])  # type: ignore[call-overload]
    for u in source:
        row = {k: v for k, v in u.items() if k not in ("labels", "conflicts_with")}
        row["labels"] = sorted(labels.get(u["id"], ()))
        if u["id"] in conflicts:
            row["conflicts_with"] = conflicts[u["id"]]
        utterances.append(row)
    data.update(
        id=f"review-{stored.id}",  # two uploads of one file stay two encounters
        utterances=utterances,
        writer=WRITER,
        style=WRITER,
        review={
            "stored_id": stored.id,
            "original_id": original_id,
            "officer": stored.officer,
            "uploaded_at": _aware(stored.created_at).isoformat(),
            "confirmed": confirmed,
            "disputed": disputed,
            "note": NOTE,
        },
    )
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", original_id).strip("-.")[:80] or "encounter"
    return f"reviewed-{stored.id:05d}-{slug}.json", data


def _text(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def _checked(files: list[tuple[str, dict[str, Any]]], summary: dict[str, int]) -> None:
    if not files:
        raise NotFound(
            Code.E121,
            f"no encounter has all its findings reviewed ({summary['skipped_pending']} still have pending findings)",
        )


def export_to_folder(session: Session, *, out_dir: Path) -> dict[str, int]:
    """Write the files into OUT_DIR (made if missing; refused if it already holds .json files: no silent mix)."""
    if out_dir.exists() and any(out_dir.glob("*.json")):
        raise InputError(Code.E122, "the folder already holds .json files; choose an empty one", file=str(out_dir))
    files, summary = reviewed_encounters(session)
    _checked(files, summary)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        write_atomic(out_dir / name, _text(data))
    return summary


def export_zip(session: Session) -> tuple[bytes, dict[str, int]]:
    """The same files under ``reviewed/`` in a zip, and ``summary.txt`` (not .json: train reads every .json)."""
    files, summary = reviewed_encounters(session)
    _checked(files, summary)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(f"reviewed/{name}", _text(data))
        archive.writestr("summary.txt", json.dumps(summary, indent=1) + "\n")
    return buffer.getvalue(), summary
