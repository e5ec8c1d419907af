"""Reading the project's data files (rules, scenarios, packs): YAML in, a validated model out.

Every failure is a ConfigError naming the file and, where known, the line or
field, with the caller's error code.
"""

from __future__ import annotations

import re
from importlib import resources
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
    except OSError as exc:
        raise ConfigError(code, f"cannot read the {what}: {exc.strerror}", file=str(path)) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a mapping with the same key twice (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# PyYAML's scanner checks every open bracket's possible key on every token: "{{{{..." costs the square of
# its length (30,000 of them: seconds). No data file nests flow collections past a handful of levels.
MAX_FLOW_DEPTH = 64
_DEEP_FLOW = re.compile(r"[\[{](?:[^\[\]{}]{0,8}[\[{]){" + str(MAX_FLOW_DEPTH) + "}")  # opens, no close between


def safe_yaml(text: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> object:
    """yaml.load with a safe loader, every failure a YAMLError.

    PyYAML's constructors let Python's own errors through: ValueError for "2001-13-45" (a date) or an
    integer of 5,000 digits, AttributeError for "!!timestamp x", RecursionError for "[[[[...". Callers
    catch YAMLError alone.
    """
    if _DEEP_FLOW.search(text):
        raise yaml.YAMLError(f"brackets nested more than {MAX_FLOW_DEPTH} deep")
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506  (a SafeLoader or a subclass of it)
    except (yaml.YAMLError, DuplicateKey):
        raise
    except RecursionError:
        raise yaml.YAMLError("nested too deeply") from None
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        raise yaml.YAMLError(f"a value cannot be read ({str(exc).splitlines()[0] if str(exc) else exc!r})") from None


class DuplicateKey(Exception):
    def __init__(self, key: object, line: int) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key = key
        self.line = line


def parse_yaml(
    text: str, *, file: str, code: Code, unique_keys: bool = False, duplicate_code: Code | None = None
) -> object:
    """``unique_keys``: a key given twice in one mapping is an error (``duplicate_code``, else ``code``)."""
    try:
        return safe_yaml(text, _UniqueKeyLoader if unique_keys else yaml.SafeLoader)
    except DuplicateKey as exc:
        raise ConfigError(
            duplicate_code or code, f"duplicate key {exc.key!r}", file=file, where=f"line {exc.line}"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        why = "" if mark or not exc.args else f": {exc.args[0]}"
        raise ConfigError(
            code, f"not valid YAML{why}", file=file, where=f"line {mark.line + 1}" if mark else None
        ) from None


def validate(model: type[M], data: object, *, file: str, code: Code) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or None
        message = str(err["msg"]).removeprefix("Value error, ")
        # a model-wide check names its own place: "endings.1.when: unknown name 'calm'"
        if where is None and (m := re.match(r"^([\w.]+): (.+)$", message)) and "." in m.group(1):
            where, message = m.group(1), m.group(2)
        raise ConfigError(code, message, file=file, where=where) from None


def load_data_file(model: type[M], *, package: str, name: str, path: Path | None, code: Code, what: str) -> M:
    """MODEL from PATH (an agency's file), or from the file NAME shipped in PACKAGE when PATH is None."""
    if path is None:
        text, file = resources.files(package).joinpath(name).read_text("utf-8"), name
    else:
        text, file = read_text(path, code=code, what=what), str(path)
    return validate(model, parse_yaml(text, file=file, code=code), file=file, code=code)
