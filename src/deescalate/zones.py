"""The agency's time zone: the one place where a time without a UTC offset gets one.

Call files and CSV exports often carry local wall-clock times ("2026-03-01 14:03")
with no offset. Read as UTC they would be hours off ("received 363 min ago" for a
call three minutes old), so every reader hands naive times to ``in_zone``.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from deescalate.settings import Settings, get_settings

if TYPE_CHECKING:
    from deescalate.briefing.call import CallIn


def agency_zone(settings: Settings | None = None) -> tzinfo:
    """The zone named by DEESCALATE_TIMEZONE (checked when the settings are read; E097 if unknown)."""
    name = (settings or get_settings()).timezone
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


def in_zone(t: datetime, zone: tzinfo) -> datetime:
    """T with an offset: a naive T is a wall-clock time in ZONE; an aware T is kept as it is."""
    return t.replace(tzinfo=zone) if t.tzinfo is None else t


def to_utc(t: datetime, zone: tzinfo) -> datetime:
    """T in UTC, a naive T read in ZONE first."""
    return in_zone(t, zone).astimezone(UTC)


def localize_call(call: CallIn, *, zone: tzinfo) -> CallIn:
    """CALL with every time that lacks an offset (received, notes) read in ZONE; the call readers leave them naive."""
    notes = [n.model_copy(update={"at": in_zone(n.at, zone)}) if n.at is not None else n for n in call.notes]
    return call.model_copy(update={"received_at": in_zone(call.received_at, zone), "notes": notes})
