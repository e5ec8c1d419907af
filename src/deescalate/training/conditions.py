"""The small condition language of scenario endings: names, numbers, strings, comparisons, and/or/not.

Anything else (calls, attributes, arithmetic) is refused when a scenario loads.
"""

from __future__ import annotations

import ast
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


def parse_condition(text: str) -> ast.expr:
    """An ending's ``when`` as a checked expression tree; ValueError says what is not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ValueError(f"cannot read condition {text!r}") from None
    _check(tree.body)
    return tree.body


def _check(node: ast.expr) -> None:
    if isinstance(node, ast.BoolOp):
        for v in node.values:
            _check(v)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _is_number(node.operand):
        pass
    elif isinstance(node, ast.Compare):
        parts = [node.left, *node.comparators]
        strings = any(isinstance(p, ast.Constant) and isinstance(p.value, str) for p in parts)
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise ValueError(f"comparison {type(op).__name__} is not allowed")
            if strings and not isinstance(op, ast.Eq | ast.NotEq):
                raise ValueError("a string can only be compared with == or !=")
        for p in parts:
            _check(p)
    elif isinstance(node, ast.Name):
        if node.id not in ENDING_NAMES:
            raise ValueError(f"unknown name {node.id!r}; names are {', '.join(sorted(ENDING_NAMES))}")
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float):
        pass
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
