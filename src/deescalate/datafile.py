"""Reading the project's data files (rules, scenarios, packs): YAML in, a validated model out.

Every failure is a ConfigError naming the file and, where known, the line or
field, with the caller's error code.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from deescalate.errors import Code, ConfigError

M = TypeVar("M", bound=BaseModel)


def read_text(path: Path, *, code: Code, what: str) -> str:
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(code, f"{what} not found", file=str(path)) from None
    except (UnicodeDecodeError, IsADirectoryError):
        raise ConfigError(code, f"{what} is not UTF-8 text", file=str(path)) from None


def parse_yaml(text: str, *, file: str, code: Code) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(code, "not valid YAML", file=file, where=f"line {mark.line + 1}" if mark else None) from None


def validate(model: type[M], data: object, *, file: str, code: Code) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or None
        message = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(code, message, file=file, where=where) from None
