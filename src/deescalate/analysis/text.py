"""Text preparation that keeps character offsets.

The prepared text is the original lower-cased, with bracketed notes blanked
and hesitation fillers ("uh", "um") taken out, so that rules match "is there
uh a family member" as they match "is there a family member". Lower-casing and
blanking keep length; for the fillers, ``PreparedText.span`` maps an offset
range in the prepared text back to the original, so findings quote the words
as spoken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BRACKETED = re.compile(r"\[[^\]]*\]")
_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": ",", "–": ","})
_SENTENCE_END = re.compile(r"[.?!;]+|,(?=\s*(?:and|but|so|then|or)\b)|\.\.\.|\s[-,]\s")
# Where a transcript has no punctuation (ASR), these words open a new clause.
_ASR_BOUNDARY = re.compile(r"\s(?=(?:and then|then|and|but|so|okay|ok|alright|all right|now|because|or else|or)\s)")
# ... except "so" and "okay" after a linking verb: "you're so dramatic", "it's okay to be scared".
_LINKED = re.compile(r"\s(?:so|okay|ok|alright|all right)\s")
_LINKING_VERB = re.compile(
    r"(?:^|\s)(?:is|are|am|was|were|be|being|been|feel|feels|feeling|look|looks|seem|seems|get|getting|not|"
    r"[a-z]+'s|[a-z]+'re|i'm|[a-z]+'ll be|everything|doing|that)$"
)
# Hesitation fillers, with a comma or stop and the space after them ("uh-huh" and "mm-hmm" are answers: kept).
_FILLER = re.compile(r"(?<![\w'-])(?:u+h+|u+m+|e+r+m+|a+h+|h+m+|m{2,})(?![\w'-])[,.]?\s*")
_WORD = re.compile(r"[a-z0-9']+")
# Words too common to show what an utterance is about (for echoes and cross-camera matching).
STOPWORDS = frozenset(
    (
        "a an the and or but so to of in on at for with is are was were be been it it's that this there here "
        "you your you're you've i me my he she him her his they them their we us our okay ok yeah yes no not "
        "just like do did does don't can can't what who how why when where if then too very really right um "
        "uh oh well all some any one "
    ).split()
)


@dataclass(frozen=True, slots=True)
class Clause:
    start: int
    end: int
    text: str  # prepared (lower-case) text of the clause


@dataclass(frozen=True, slots=True)
class PreparedText:
    original: str
    text: str  # lower case, brackets blanked, fillers taken out
    clauses: tuple[Clause, ...]
    punctuated: bool
    annotations: tuple[str, ...]  # bracketed notes such as "[low]", "[radio]"
    # offset in ``original`` of each character of ``text``; None when they are the same length
    index: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in ``original`` of the prepared text's ``[start, end)``."""
        if self.index is None:
            return start, end
        if end <= start:
            at = self.index[start] if start < len(self.index) else len(self.original)
            return at, at
        return self.index[start], self.index[end - 1] + 1


def prepare(original: str) -> PreparedText:
    annotations = tuple(m.group(0).lower() for m in _BRACKETED.finditer(original))
    lowered = original.translate(_TRANSLATE)
    low = lowered.lower()
    # a few characters change length when lower-cased (e.g. "İ"); keep those as they are
    lowered = low if len(low) == len(lowered) else "".join(c.lower() if len(c.lower()) == 1 else c for c in lowered)
    text = _BRACKETED.sub(lambda m: " " * len(m.group(0)), lowered)
    index: tuple[int, ...] | None = None
    if _FILLER.search(text):
        keep = list(range(len(text)))
        for m in reversed(list(_FILLER.finditer(text))):
            del keep[m.start() : m.end()]
        index = tuple(keep)
        text = "".join(text[i] for i in keep)
    punctuated = bool(re.search(r"[.?!,]", text))
    return PreparedText(original, text, tuple(split_clauses(text, punctuated)), punctuated, annotations, index)


def split_clauses(text: str, punctuated: bool) -> list[Clause]:
    cuts = [0]
    for m in _SENTENCE_END.finditer(text):
        cuts.append(m.end())
    if not punctuated:
        for m in _ASR_BOUNDARY.finditer(text):
            if _LINKED.match(text, m.start()) and _LINKING_VERB.search(text, max(0, m.start() - 30), m.start()):
                continue
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
