"""Evidence integrity: every uploaded file kept exactly as it came, with its SHA-256, and checked when read.

The hash is taken of the bytes received, before anything parses them. Whatever is derived from them (the
transcript as analysed, each finding) names that hash, and every read of the original hashes it again: a file
changed in the store is reported (``Check.state == "changed"``, or TamperError where the bytes would be used), never
silently used in place of what was uploaded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deescalate.errors import Code, TamperError
from deescalate.store.models import Original, StoredEncounter


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Check:
    """What a fresh look at an encounter's original found.

    ``state``: ``verified`` (the bytes hash to what was recorded), ``changed`` (they do not, or the record and the
    encounter disagree), ``purged`` (deleted under the retention period, the hash stays), ``not kept`` (stored
    before originals were kept)."""

    state: str
    sha256: str | None  # recorded at upload
    actual: str | None  # found now
    name: str | None = None
    size: int | None = None
    kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "sha256": self.sha256,
            "actual_sha256": self.actual,
            "name": self.name,
            "size": self.size,
            "kind": self.kind,
        }


def find(session: Session, *, sha256: str) -> StoredEncounter | None:
    """The encounter stored from a file with this hash (uploading the same bytes again finds it)."""
    return session.scalar(select(StoredEncounter).join(Original).where(Original.sha256 == sha256))


def keep(stored: StoredEncounter, *, name: str, kind: str, data: bytes, uploaded_by: str, at: datetime) -> str:
    """Attach DATA to STORED as its original, and name its hash on the encounter; returns the hash."""
    digest = sha256_of(data)
    stored.original = Original(
        sha256=digest, name=name, kind=kind, size=len(data), data=data, uploaded_by=uploaded_by, created_at=at
    )
    stored.source_sha256 = digest
    return digest


def _digest_now(session: Session, original: Original) -> str | None:
    """The hash of the bytes as stored now, computed where they are (PostgreSQL hashes without sending them)."""
    if session.get_bind().dialect.name == "postgresql":
        query = select(func.encode(func.sha256(Original.data), "hex")).where(Original.id == original.id)
        digest: str | None = session.scalar(query)
        return digest
    data = session.scalar(select(Original.data).where(Original.id == original.id))
    return None if data is None else sha256_of(data)


def check(session: Session, stored: StoredEncounter) -> Check:
    """Hash STORED's original again and compare it with the hash recorded at upload and named by the encounter."""
    original = stored.original
    if original is None:
        return Check("not kept", stored.source_sha256, None)
    if original.purged_at is not None:
        state, actual = "purged", None
    else:
        actual = _digest_now(session, original)
        same = actual == original.sha256 and (stored.source_sha256 in (None, original.sha256))
        state = "verified" if same else "changed"
    return Check(state, stored.source_sha256 or original.sha256, actual, original.name, original.size, original.kind)


def verified_bytes(session: Session, stored: StoredEncounter) -> bytes:
    """The original's bytes, only if they still hash to what was recorded (TamperError E140 otherwise)."""
    original = stored.original
    where = f"encounter {stored.id}"
    if original is None or original.purged_at is not None:
        state = "was purged under the retention period" if original is not None else "was not kept"
        raise TamperError(Code.E140, f"the original file {state}", file=stored.source_name, where=where)
    data = session.scalar(select(Original.data).where(Original.id == original.id)) or b""
    actual = sha256_of(data)
    expected = stored.source_sha256 or original.sha256
    if actual != original.sha256 or actual != expected:
        raise TamperError(
            Code.E140,
            f"the stored original no longer matches its SHA-256 (recorded {expected}, now {actual}); not used",
            file=stored.source_name,
            where=where,
        )
    return data
