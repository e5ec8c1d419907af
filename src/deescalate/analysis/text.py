"""Text preparation that keeps character offsets.

Every transformation here preserves length, so an offset into the prepared text
is an offset into what the speaker said: findings quote the original words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BRACKETED = re.compile(r"\[[^\]]*\]")
_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": ",", "–": ","})
_SENTENCE_END = re.compile(r"[.?!;]+|,(?=\s*(?:and|but|so|then|or)\b)|\.\.\.|\s[-,]\s")
# Where a transcript has no punctuation (ASR), these words open a new clause.
_ASR_BOUNDARY = re.compile(r"\s(?=(?:and then|then|and|but|so|okay|ok|alright|all right|now|because|or else|or)\s)")
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True, slots=True)
class Clause:
    start: int
    end: int
    text: str  # prepared (lower-case) text of the clause


@dataclass(frozen=True, slots=True)
class PreparedText:
    original: str
    text: str  # lower case, brackets blanked, same length as original
    clauses: tuple[Clause, ...]
    punctuated: bool
    annotations: tuple[str, ...]  # bracketed notes such as "[low]", "[radio]"


def prepare(original: str) -> PreparedText:
    annotations = tuple(m.group(0).lower() for m in _BRACKETED.finditer(original))
    lowered = original.translate(_TRANSLATE)
    low = lowered.lower()
    # a few characters change length when lower-cased (e.g. "İ"); keep those as they are
    lowered = low if len(low) == len(lowered) else "".join(c.lower() if len(c.lower()) == 1 else c for c in lowered)
    text = _BRACKETED.sub(lambda m: " " * len(m.group(0)), lowered)
    punctuated = bool(re.search(r"[.?!,]", text))
    return PreparedText(original, text, tuple(split_clauses(text, punctuated)), punctuated, annotations)


def split_clauses(text: str, punctuated: bool) -> list[Clause]:
    cuts = [0]
    for m in _SENTENCE_END.finditer(text):
        cuts.append(m.end())
    if not punctuated:
        for m in _ASR_BOUNDARY.finditer(text):
            cuts.append(m.end())
    cuts.append(len(text))
    cuts = sorted(set(cuts))
    clauses = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        segment = text[a:b]
        stripped = segment.strip(" ,.?!;:\"'-")
        if not _WORD.search(stripped):
            continue
        offset = a + segment.index(stripped)
        clauses.append(Clause(offset, offset + len(stripped), stripped))
    return clauses


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())
