"""Text similarity for matching the same words heard on two cameras."""

from __future__ import annotations

import re

from deescalate.analysis.text import STOPWORDS

_TOKEN = re.compile(r"[a-z0-9']+")
_BRACKETED = re.compile(r"\[[^\]]*\]")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(_BRACKETED.sub(" ", text.lower()))


def content(tokens_: list[str]) -> frozenset[str]:
    return frozenset(t for t in tokens_ if t not in STOPWORDS)


def similarity(a: list[str], b: list[str]) -> float:
    """Share of the shorter utterance's words found in the other (robust to dropped words)."""
    if not a or not b:
        return 0.0
    sa, sb = set(a), set(b)
    return len(sa & sb) / min(len(sa), len(sb))
