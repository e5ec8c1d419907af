"""Literal prefilters: strings at least one of which must occur for a regex to match.

Checking a handful of substrings is much cheaper than running a large
alternation of word-boundary patterns, and most rules match few utterances, so
each rule first checks its literals and runs the regex only when one is there.
"""

from __future__ import annotations

import re._constants as C  # noqa: N812
import re._parser as sre_parse
from typing import Any

MIN_LITERAL = 3


def required_literals(pattern: str) -> frozenset[str] | None:
    """A set of strings of which every match contains at least one; None if there is none."""
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:
        return None
    return _sequence(list(parsed))


def _sequence(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    candidates: list[frozenset[str]] = []
    run = ""
    for op, arg in items:
        if op is C.LITERAL:
            run += chr(arg)
            continue
        if op is C.AT:  # zero-width (\b, ^, $): the literal run goes on
            continue
        if len(run) >= MIN_LITERAL:
            candidates.append(frozenset({run}))
        run = ""
        if op is C.SUBPATTERN:
            sub = _sequence(list(arg[-1]))
            if sub:
                candidates.append(sub)
        elif op is C.BRANCH:
            sub = _branch(arg[1])
            if sub:
                candidates.append(sub)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and arg[0] >= 1:
            sub = _sequence(list(arg[2]))
            if sub:
                candidates.append(sub)
    if len(run) >= MIN_LITERAL:
        candidates.append(frozenset({run}))
    if not candidates:
        return None
    # prefer the set whose shortest string is longest: fewest false triggers
    return max(candidates, key=lambda s: (min(len(x) for x in s), -len(s)))


def _branch(branches: list[Any]) -> frozenset[str] | None:
    out: set[str] = set()
    for branch in branches:
        sub = _sequence(list(branch))
        if sub is None:
            return None
        out |= sub
    return frozenset(out)


class LiteralIndex:
    """Finds, in one pass over a text, which of many literals occur in it.

    Literals are bucketed by their first three characters; a text's own
    three-character windows pick the buckets worth checking.
    """

    def __init__(self, literals: set[str]) -> None:
        self.buckets: dict[str, list[str]] = {}
        for lit in literals:
            self.buckets.setdefault(lit[:MIN_LITERAL], []).append(lit)

    def present(self, text: str) -> frozenset[str]:
        windows = {text[i : i + MIN_LITERAL] for i in range(len(text) - MIN_LITERAL + 1)}
        found: list[str] = []
        for key in windows & self.buckets.keys():
            found.extend(lit for lit in self.buckets[key] if len(lit) == MIN_LITERAL or lit in text)
        return frozenset(found)
