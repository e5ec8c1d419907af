"""What the hostile-input tests share: the example budget, strategies that reach past the first parse, and the
one check every reader must pass (a valid result, or the project's own error on one line naming file and place).

Strategies start from the valid files in tests/data (and the bundled scenarios, rules and EIDO samples) and
mutate them: bytes and lines cut, doubled and swapped, hostile tokens put in (BOMs, CRLF, NUL, invalid UTF-8,
5,000-digit and negative numbers, NaN, deep nesting, unclosed tags), values at a random JSON or YAML path
replaced; and some from scratch (random bytes, cues with timestamps out of order, negative or huge).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from deescalate.errors import Code, DeescalateError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"

# Per reader: ~100 in `make test` (a few seconds each), more in `make check-security`.
EXAMPLES = int(os.environ.get("DEESCALATE_FUZZ_EXAMPLES", "100"))
# Generous: the slowest valid input takes well under a second; a quadratic or exponential path takes far more.
DEADLINE = timedelta(seconds=float(os.environ.get("DEESCALATE_FUZZ_DEADLINE_S", "5")))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=DEADLINE,
    # the same examples on every run of `make test`; `make check-security` explores anew
    derandomize=os.environ.get("DEESCALATE_FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

# The rest of what `make check-security` runs: every kill point, not one of each kind.
FULL = os.environ.get("DEESCALATE_SECURITY_FULL") == "1"
full_only = pytest.mark.skipif(not FULL, reason="runs in make check-security (DEESCALATE_SECURITY_FULL=1)")

# Errors about the whole file, which have no place inside it to name.
WHOLE_FILE = frozenset({Code.E001, Code.E002, Code.E003, Code.E004, Code.E005, Code.E010, Code.E017, Code.E081})

# Outcomes per reader, for the summary and benchmarks/security_counts.py.
COUNTS: dict[str, Counter[str]] = {}


def outcome(reader: str, file: Path | str, call: Callable[[], Any], *, whole_file: frozenset[Code] = WHOLE_FILE) -> Any:
    """CALL's result, or None when it refused the input the project's way. Any other exception fails the test."""
    counts = COUNTS.setdefault(reader, Counter())
    counts["inputs"] += 1
    try:
        result = call()
    except DeescalateError as exc:
        check_refusal(exc, file, whole_file=whole_file)
        counts["refused"] += 1
        return None
    except BaseException:
        counts["crashes"] += 1
        raise
    counts["valid"] += 1
    return result


def check_refusal(exc: DeescalateError, file: Path | str, *, whole_file: frozenset[Code] = WHOLE_FILE) -> None:
    line = exc.one_line()
    assert len(line.splitlines()) == 1, f"message is not one line: {line!r}"
    assert line.endswith(f"[{exc.code.name}]"), line
    assert exc.file == str(file), f"message does not name {file}: {line}"
    assert exc.where or exc.code in whole_file, f"message names no place in the file: {line}"


# --------------------------------------------------------------------------- byte and text mutations

HOSTILE_TOKENS = [
    b"\xef\xbb\xbf",  # UTF-8 BOM
    b"\xff\xfe",  # UTF-16 BOM
    b"\r\n",
    b"\r",
    b"\x00",
    b"\xff",  # never UTF-8
    b"\xc3",  # a cut multi-byte sequence
    b"\xe2\x80\xa8",  # LINE SEPARATOR
    b"9" * 5000,
    b"9" * 400,
    b"-1",
    b"-00:00:01.000",
    b"99:99:99.999",
    b"NaN",
    b"Infinity",
    b"1e999",
    b"-0",
    b"[" * 3000,
    b"{" * 3000,
    b'{"a":' * 2000,
    b"<v " * 2000,
    b"<" * 5000,
    b"-->",
    b" --> ",
    b"WEBVTT",
    b"\n\n",
    b'"',
    b"\\",
    b"<script>window.__xss=1</script>",
    b"&amp;&#0;&#x110000;",
    b":",
    b"[00:00] ",
    b"- ",
    "\u202e\u0301\U0001f600".encode(),
]


@st.composite
def mutated_bytes(draw: st.DrawFn, base: bytes) -> bytes:
    """BASE with a few cuts, copies, swaps and hostile tokens."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "duplicate", "replace", "truncate", "swap_lines", "random"]))
        at = draw(st.integers(0, len(data)))
        if op == "insert":
            data[at:at] = draw(st.sampled_from(HOSTILE_TOKENS))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "duplicate":
            chunk = data[at : at + draw(st.integers(1, 256))]
            data[at:at] = chunk * draw(st.integers(1, 20))
        elif op == "replace":
            end = at + draw(st.integers(1, 16))
            data[at:end] = draw(st.sampled_from(HOSTILE_TOKENS))
        elif op == "truncate":
            del data[at:]
        elif op == "swap_lines":
            lines = bytes(data).split(b"\n")
            if len(lines) > 1:
                i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
                data = bytearray(b"\n".join(lines))
        else:
            data[at:at] = draw(st.binary(max_size=64))
    if draw(st.booleans()) and draw(st.booleans()):
        data = bytearray(bytes(data).replace(b"\n", b"\r\n"))
    return bytes(data)


def file_bytes(base: bytes) -> st.SearchStrategy[bytes]:
    """Mostly mutations of a valid file; some random bytes and some nothing at all."""
    return st.one_of(
        mutated_bytes(base),
        mutated_bytes(base),
        mutated_bytes(base),
        st.binary(max_size=2000),
        st.just(b""),
        st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )


# --------------------------------------------------------------------------- structured values

HOSTILE_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    -(10**20),
    10**400,
    float("nan"),
    float("inf"),
    -float("inf"),
    1e308,
    "",
    " ",
    "\x00",
    "a\nb\r\nc",
    "9" * 5000,
    "-00:00:01",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "2024-02-30T25:61:00",
    "../../etc/passwd",
    "<script>window.__xss=1</script>",
    "x" * 10_000,
    [],
    {},
    [[[[[[[[[[[]]]]]]]]]]],
    {"value": {"value": {"value": None}}},
]


def nested(depth: int) -> Any:
    value: Any = "deep"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


def hostile_value() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.sampled_from(HOSTILE_VALUES),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=40),
    )
    return st.one_of(
        scalars,
        st.integers(50, 1200).map(nested),
        st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner)),
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if len(prefix) > 20:  # not into a deep value an earlier mutation put in
        return out
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replace(copy[head], rest, new)
    return copy


def _delete(value: Any, path: tuple[Any, ...]) -> Any:
    if len(path) == 1:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k != path[0]}
        return [v for i, v in enumerate(value) if i != path[0]]
    head = path[0]
    if isinstance(value, dict):
        return {**value, head: _delete(value[head], path[1:])}
    copy = list(value)
    copy[head] = _delete(copy[head], path[1:])
    return copy


@st.composite
def mutated_tree(draw: st.DrawFn, base: Any) -> Any:
    """BASE (parsed JSON or YAML) with values at a few random paths replaced by hostile ones, or removed."""
    tree = base
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(tree)
        path = draw(st.sampled_from(paths[1:] or paths))
        if path and draw(st.integers(0, 3)) == 0:
            tree = _delete(tree, path)
        else:
            tree = _replace(tree, path, draw(hostile_value()))
    return tree


def json_bytes(tree: Any) -> bytes:
    try:
        return json.dumps(tree, allow_nan=True).encode()
    except (ValueError, RecursionError):  # a number Python will not print, or nesting json.dumps will not walk
        return b"{"


def yaml_bytes(tree: Any) -> bytes:
    try:
        return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False).encode("utf-8", "surrogatepass")
    except (ValueError, RecursionError, yaml.YAMLError):
        return b"{"


def json_file(base_file: Path) -> st.SearchStrategy[bytes]:
    base = base_file.read_bytes()
    return st.one_of(file_bytes(base), mutated_tree(json.loads(base)).map(json_bytes))


def yaml_file(base_file: Path) -> st.SearchStrategy[bytes]:
    base = base_file.read_bytes()
    return st.one_of(file_bytes(base), mutated_tree(yaml.safe_load(base)).map(yaml_bytes))


# --------------------------------------------------------------------------- transcripts from scratch

clock_seconds = st.one_of(
    st.floats(-10, 4 * 3600, allow_nan=False),
    st.sampled_from([-1.0, 0.0, 59.999, 60.0, 3599.999, 10.0**12]),
)


def _clock(seconds: float, sep: str) -> str:
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    return f"{sign}{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{int(s % 60):02d}{sep}{int(s * 1000 % 1000):03d}"


cue_text = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["Officer Diaz: hands up", "<v Mr. Alvarez>I can't</v>", "<b>hi</b> &amp; <i>", "- KIM: hey"]),
)


@st.composite
def cues(draw: st.DrawFn) -> list[tuple[float, float, str, str]]:
    """Cues in any order: (start, end, speaker, text); ends may come before starts."""
    return draw(st.lists(st.tuples(clock_seconds, clock_seconds, st.text(max_size=20), cue_text), max_size=12))


def vtt_from(items: list[tuple[float, float, str, str]]) -> bytes:
    blocks = ["WEBVTT"]
    for i, (start, end, who, said) in enumerate(items, 1):
        blocks.append(f"{i}\n{_clock(start, '.')} --> {_clock(end, '.')}\n<v {who}>{said}")
    return "\n\n".join(blocks).encode("utf-8", "surrogatepass")


def srt_from(items: list[tuple[float, float, str, str]]) -> bytes:
    blocks = [f"{i}\n{_clock(s, ',')} --> {_clock(e, ',')}\n{who}: {said}" for i, (s, e, who, said) in enumerate(items)]
    return "\n\n".join(blocks).encode("utf-8", "surrogatepass")


def text_from(items: list[tuple[float, float, str, str]]) -> bytes:
    lines = [f"[{_clock(s, '.')[3:]}] {who}: {said}" for s, _e, who, said in items]
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def whisper_from(items: list[tuple[float, float, str, str]]) -> bytes:
    segments = [{"start": s, "end": e, "speaker": who, "text": said} for s, e, who, said in items]
    return json_bytes({"segments": segments})


def bounded_python(script: str, *args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    """SCRIPT in a child Python, killed past TIMEOUT_S (subprocess.TimeoutExpired fails the test): hang detection
    for one large input, where a hypothesis deadline would only fail after the hang had ended."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=timeout_s, env=env, check=False
    )


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path
