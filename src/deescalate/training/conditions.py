"""The small condition language of scenario endings: names, numbers, strings, comparisons, and/or/not.

Anything else (calls, attributes, arithmetic) is refused when a scenario loads.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

PHASES = ("trigger", "escalation", "crisis", "recovery")
# the names a condition may use; the subject model's State.names() gives their values
ENDING_NAMES = frozenset(
    "agitation rapport turn noticed harm force_risk ems_called backup_called clinician_called threats insults "
    "phase".split()
)
_COMPARE: dict[type[ast.cmpop], Any] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}


def parse_condition(text: str, names: frozenset[str] = ENDING_NAMES) -> ast.expr:
    """An ending's ``when`` as a checked expression tree; ValueError says what is not allowed.
    ``names``: the names it may use (the model's, and a scenario's scene facts)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    # the parser's own stack overflows on "not not not ..." as a MemoryError
    except (SyntaxError, MemoryError, RecursionError):
        raise ValueError(f"cannot read condition {text[:80]!r}") from None
    _check(tree.body, names)
    return tree.body


def _check(node: ast.expr, names: frozenset[str] = ENDING_NAMES) -> None:
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check(v, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _is_number(node.operand):
        pass
    elif isinstance(node, ast.Compare):
        parts = [node.left, *node.comparators]
        strings = any(isinstance(p, ast.Constant) and isinstance(p.value, str) for p in parts)
        phase = any(isinstance(p, ast.Name) and p.id == "phase" for p in parts)  # its value is a string too
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise ValueError(f"comparison {type(op).__name__} is not allowed")
            if (strings or phase) and not isinstance(op, ast.Eq | ast.NotEq):
                raise ValueError("a string can only be compared with == or !=")
        for p in parts:
            _check(p, names)
    elif isinstance(node, ast.Name):
        if node.id not in names:
            raise ValueError(f"unknown name {node.id!r}; names are {', '.join(sorted(names))}")
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float):
        if isinstance(node.value, int) and abs(node.value) > 10**15:  # beyond float's exact range; 10**400 overflows
            raise ValueError(f"number {str(node.value)[:20]}... is too large")
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        if node.value not in PHASES:
            raise ValueError(f"unknown phase {node.value!r}; phases are {', '.join(PHASES)}")
    else:
        raise ValueError(f"{type(node).__name__} is not allowed (only numbers, names, comparisons, and/or/not)")


def _is_number(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def evaluate(node: ast.expr, names: dict[str, float | int | bool | str]) -> Any:
    """Evaluate a tree that passed ``parse_condition``."""
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(evaluate(v, names) for v in node.values)
        return any(evaluate(v, names) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        value = evaluate(node.operand, names)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.Compare):
        left = evaluate(node.left, names)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = evaluate(comparator, names)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    raise ValueError(f"{type(node).__name__} is not allowed")  # unreachable after parse_condition


# --- can an ending ever fire? -----------------------------------------------------------------------------------

NUMBERS = {"agitation": (0.0, 10.0), "rapport": (0.0, 10.0)}  # the rest of the numbers count turns
COUNTS = frozenset({"turn", "harm", "threats", "insults"})
MAX_CASES = 200_000  # beyond this many combinations, give the ending the benefit of the doubt


def can_fire(when: str, earlier: Iterable[str], names: frozenset[str], max_turns: int, settle_turns: int = 1) -> bool:
    """Whether some state makes ``when`` true while every ``earlier`` condition is false (see ``_can_fire``;
    the answer is kept: every load of a scenario asks the same questions)."""
    return _can_fire(when, tuple(earlier), names, max_turns, settle_turns)


@lru_cache(maxsize=4096)
def _can_fire(when: str, earlier: tuple[str, ...], names: frozenset[str], max_turns: int, settle_turns: int) -> bool:
    """Whether some state makes ``when`` true while every ``earlier`` condition is false.

    Each name used is tried at the values where a condition can change (every number the conditions
    compare it with, just above and below) within its range: agitation and rapport 0-10, turn from
    ``settle_turns`` to ``max_turns``, counts 0 to ``max_turns``, facts true or false, the four phases.
    Names are tried independently, so this refuses only what no state at all could make fire."""
    trees = [parse_condition(when, names), *(parse_condition(w, names) for w in earlier)]
    used = sorted({n.id for t in trees for n in ast.walk(t) if isinstance(n, ast.Name)})
    constants = [c.value for t in trees for c in ast.walk(t) if isinstance(c, ast.Constant)]
    numbers = [float(c) for c in constants if isinstance(c, int | float) and not isinstance(c, bool)]
    domains: list[list[Any]] = []
    for name in used:
        if name == "phase":
            domains.append(list(PHASES))
        elif name in NUMBERS or name in COUNTS:
            low, high = NUMBERS.get(name, (float(settle_turns if name == "turn" else 0), float(max_turns)))
            points = {low, high, *(v + d for v in numbers for d in (-0.01, 0.0, 0.01))}
            inside = sorted(p for p in points if low <= p <= high)
            domains.append([round(v) for v in inside] if name in COUNTS else inside)
        else:
            domains.append([False, True])
    size = 1
    for d in domains:
        size *= len(d)
    if size > MAX_CASES:
        return True
    first, rest = trees[0], trees[1:]
    for combo in itertools.product(*domains):
        values = dict(zip(used, combo, strict=True))
        if evaluate(first, values) and not any(evaluate(t, values) for t in rest):
            return True
    return False
