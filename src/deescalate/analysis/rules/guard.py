"""A check, at load, that a rule's regular expression cannot backtrack catastrophically.

Rules are an agency's own YAML, run on every clause of every transcript; one
pattern such as ``(a+)+`` takes time exponential in the length of a text it
nearly matches, and would hang an analysis or the review server. Python's
``re`` has no time limit, so such shapes are refused when the rules load.

What is refused is ambiguity inside an unbounded repeat: an inner quantifier
whose characters could also start what comes after it in the loop (``(a+)+``,
``(\\w+\\s?)*``, ``(.*a){20}``), and alternatives one of which can match
nothing where another can go on (``(a|a)*``, ``(a|aa)+``). Unambiguous
nesting, the shape of "some words, each followed by a space"
(``(?:(?:sir|okay)[,.]?\\s+)*``), runs in linear time and is kept. Possessive
quantifiers and atomic groups never backtrack and are not looked into. The
character sets are compared on a sample alphabet (Latin-1 and common
punctuation), enough for the lower-cased English text the rules read.
"""

from __future__ import annotations

import re
import re._constants as C  # noqa: N812
import re._parser as sre_parse
from functools import cache
from typing import Any

# A repeat bounded this low ("(?:\w+\s+){0,3}": up to three words) costs a small power of the text, not 2^n.
MAX_NESTED_BOUND = 10
# Far longer than any bundled pattern after its macros; a macro that grows without end stops here.
MAX_PATTERN_CHARS = 50_000
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT)
_ALPHABET = frozenset(chr(c) for c in range(0x180)) | frozenset("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0")
_NONE: frozenset[str] = frozenset()
_CATEGORIES = {
    C.CATEGORY_DIGIT: r"\d",
    C.CATEGORY_NOT_DIGIT: r"\D",
    C.CATEGORY_SPACE: r"\s",
    C.CATEGORY_NOT_SPACE: r"\S",
    C.CATEGORY_WORD: r"\w",
    C.CATEGORY_NOT_WORD: r"\W",
}

Items = list[tuple[Any, Any]]


class RiskyPattern(ValueError):
    """A pattern refused: it is too long, or its shape can take exponential time."""


def check_pattern(pattern: str) -> None:
    """Raise RiskyPattern saying why PATTERN can backtrack catastrophically; re.error if it is not a pattern."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise RiskyPattern(f"is {len(pattern):,} characters after its macros; the limit is {MAX_PATTERN_CHARS:,}")
    try:
        parsed = sre_parse.parse(pattern)
    except RecursionError:
        raise RiskyPattern("nests groups too deeply") from None
    except OverflowError as exc:  # "a{99999999999}": re says so with an OverflowError, not re.error
        raise RiskyPattern(str(exc)) from None
    _outside(list(parsed))


def _outside(items: Items) -> None:
    """Look for unbounded repeats; inside one, check it for ambiguity."""
    for op, arg in items:
        if op in _REPEATS:
            _low, high, body = arg
            if high is C.MAXREPEAT or high > MAX_NESTED_BOUND:
                first, nullable = _first(list(body))
                _inside(list(body), first, check_branches=not nullable)
            else:
                _outside(list(body))
        else:
            for sub in _children(op, arg):
                _outside(sub)


def _inside(items: Items, tail: frozenset[str], *, check_branches: bool) -> None:
    """ITEMS within an unbounded loop; TAIL: what may come right after them (the loop's own start, at the end)."""
    for i, (op, arg) in enumerate(items):
        rest, rest_nullable = _first(items[i + 1 :])
        follow = rest | tail if rest_nullable else rest
        if op in _REPEATS:
            _low, high, body = arg
            first, _ = _first(list(body))
            if high > 1 and first & follow:
                raise RiskyPattern(
                    "repeats a quantifier inside an unbounded repeat where its text could also start what follows "
                    "(like '(a+)+'), which can take exponential time; repeat the inner part once, or bound the outer "
                    "repeat"
                )
            _inside(list(body), first | follow, check_branches=check_branches)
        elif op is C.BRANCH:
            branches = [list(b) for b in arg[1]]
            if check_branches:
                _ambiguous_branches(branches, follow)
            for branch in branches:
                _inside(branch, follow, check_branches=check_branches)
        elif op is C.SUBPATTERN:
            _inside(list(arg[-1]), follow, check_branches=check_branches)


def _ambiguous_branches(branches: list[Items], follow: frozenset[str]) -> None:
    """An alternative that can match nothing competes with any other that starts like what follows it."""
    firsts = []
    for branch in branches:
        first, nullable = _first(branch)
        firsts.append((first | follow if nullable else first, nullable))
    for i, (a, a_empty) in enumerate(firsts):
        for b, b_empty in firsts[i + 1 :]:
            if (a_empty or b_empty) and a & b:
                raise RiskyPattern(
                    "repeats alternatives of which one can match nothing and another the same text (like "
                    "'(a|aa)+'), which can take exponential time; make the alternatives differ"
                )


def _first(items: Items) -> tuple[frozenset[str], bool]:
    """The characters a match of ITEMS can start with, and whether ITEMS can match the empty string."""
    found: set[str] = set()
    for op, arg in items:
        first, nullable = _first_of(op, arg)
        found |= first
        if not nullable:
            return frozenset(found), False
    return frozenset(found), True


def _first_of(op: Any, arg: Any) -> tuple[frozenset[str], bool]:
    if op is C.LITERAL:
        return frozenset({chr(arg)}), False
    if op is C.NOT_LITERAL:
        return _ALPHABET - {chr(arg)}, False
    if op is C.ANY:
        return _ALPHABET, False
    if op is C.IN:
        return _char_class(tuple(arg)), False
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return _NONE, True  # zero width
    if op in (*_REPEATS, C.POSSESSIVE_REPEAT):
        first, nullable = _first(list(arg[2]))
        return first, nullable or arg[0] == 0
    if op is C.BRANCH:
        results = [_first(list(b)) for b in arg[1]]
        return frozenset().union(*(r[0] for r in results)), any(r[1] for r in results)
    if op in (C.SUBPATTERN, C.ATOMIC_GROUP):
        return _first(list(arg[-1] if op is C.SUBPATTERN else arg))
    return _ALPHABET, True  # back references and the rest: anything, possibly nothing


def _children(op: Any, arg: Any) -> list[Items]:
    if op is C.SUBPATTERN:
        return [list(arg[-1])]
    if op is C.BRANCH:
        return [list(b) for b in arg[1]]
    if op in (C.ASSERT, C.ASSERT_NOT):
        return [list(arg[1])]
    if op is C.GROUPREF_EXISTS:
        return [list(b) for b in arg[1:] if b is not None]
    return []  # atomic groups and possessive repeats never backtrack


@cache
def _char_class(items: tuple[tuple[Any, Any], ...]) -> frozenset[str]:
    chars: set[str] = set()
    negate = False
    for op, arg in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            chars.add(chr(arg))
        elif op is C.RANGE:
            chars |= {c for c in _ALPHABET if arg[0] <= ord(c) <= arg[1]}
        elif op is C.CATEGORY and arg in _CATEGORIES:
            chars |= _category(_CATEGORIES[arg])
        else:
            chars |= _ALPHABET
    return _ALPHABET - chars if negate else frozenset(chars)


@cache
def _category(escape: str) -> frozenset[str]:
    rx = re.compile(escape)
    return frozenset(c for c in _ALPHABET if rx.fullmatch(c))
