"""Text preparation that keeps character offsets.

The prepared text is the original lower-cased, with bracketed notes blanked,
hesitation fillers ("uh", "um") taken out and contractions printed without
their apostrophe restored ("cant" -> "can't"), so that rules match "is there
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
# Contractions that speech-to-text and captions print without the apostrophe ("i cant move", "im not"),
# restored so the rules read them as written; only forms that are no other English word ("ill", "its",
# "were", "well", "id", "lets", "hell", "wed", "shell" are left alone).
_BARE_CONTRACTIONS = {
    **{
        f"{stem}nt": f"{stem}n't"
        for stem in (
            "do",
            "does",
            "did",
            "is",
            "are",
            "was",
            "were",
            "could",
            "would",
            "should",
            "has",
            "have",
            "had",
            "must",
            "need",
        )
    },
    "cant": "can't",
    "wont": "won't",
    "aint": "ain't",
    "im": "i'm",
    "ive": "i've",
    "youre": "you're",
    "youve": "you've",
    "youll": "you'll",
    "youd": "you'd",
    "theyre": "they're",
    "theyve": "they've",
    "theyll": "they'll",
    "weve": "we've",
    "thats": "that's",
    "whats": "what's",
    "wheres": "where's",
    "theres": "there's",
    "heres": "here's",
    "hes": "he's",
    "shes": "she's",
    "yall": "y'all",
    "couldve": "could've",
    "wouldve": "would've",
    "shouldve": "should've",
    "whos": "who's",
    "hows": "how's",
}
_BARE_CONTRACTION = re.compile(
    r"(?<![\w'-])(?:" + "|".join(sorted(_BARE_CONTRACTIONS, key=len, reverse=True)) + r")(?![\w'-])"
)
# How court filings, news releases and captions print a bleeped word.
_BLEEP = re.compile(
    r"[\[(*](?:expletive(?:s)?(?: deleted)?|bleep(?:ed)?|censored|profanity|obscenity|curse(?: word)?|cuss(?:ing)?)"
    r"[\])*]"
)
# A word with letters hidden by asterisks, dashes or symbols: "f**k", "s--t", "mother******", "f-ing".
_MASKED = re.compile(r"(?<![\w*#@$%-])[a-z]+(?:[*#@$%]+|-{1,4}|_+)[a-z]*(?![\w*#@$%-])")
# Most common first: a mask that fits several words is read as the first.
_PROFANITY = tuple(
    (
        "fuck fucking fuckin fucked fucker fuckers fucks motherfucker motherfuckers motherfucking motherfuckin "
        "shit shitty shits bullshit bitch bitches bitchass ass asshole assholes damn goddamn goddamned dick dickhead "
        "pussy cunt bastard bastards hell crap piss pissed nigga niggas"
    ).split()
)
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
    edits: list[tuple[int, int, str]] = [(m.start(), m.end(), "expletive") for m in _BLEEP.finditer(lowered)]
    bleeped = {a for a, _, _ in edits}
    text = _BRACKETED.sub(lambda m: m.group(0) if m.start() in bleeped else " " * len(m.group(0)), lowered)
    for m in _MASKED.finditer(text):
        word = unmask(m.group(0))
        if word is not None:
            edits.append((m.start(), m.end(), word))
    edits += [(m.start(), m.end(), "") for m in _FILLER.finditer(text)]
    edits += [(m.start(), m.end(), _BARE_CONTRACTIONS[m.group(0)]) for m in _BARE_CONTRACTION.finditer(text)]
    index: tuple[int, ...] | None = None
    if edits:
        text, index = _apply(text, edits)
    punctuated = bool(re.search(r"[.?!,]", text))
    return PreparedText(original, text, tuple(split_clauses(text, punctuated)), punctuated, annotations, index)


def _apply(text: str, edits: list[tuple[int, int, str]]) -> tuple[str, tuple[int, ...]]:
    """``text`` with each (start, end, replacement) made, and the original offset of every new character."""
    out: list[str] = []
    index: list[int] = []
    pos = 0
    for start, end, replacement in sorted(edits):
        if start < pos:  # overlapping edits: the first wins
            continue
        out.append(text[pos:start])
        index.extend(range(pos, start))
        out.append(replacement)
        index.extend(min(start + k, end - 1) for k in range(len(replacement)))
        pos = end
    out.append(text[pos:])
    index.extend(range(pos, len(text)))
    return "".join(out), tuple(index)


def unmask(token: str) -> str | None:
    """The profanity a masked spelling stands for ("f**king" -> "fucking", "b***h" -> "bitch",
    "f-ing" -> "fucking"), or None when no word of the list fits."""
    head = re.match(r"[a-z]*", token)
    tail = re.search(r"[a-z]*$", token)
    prefix = head.group(0) if head else ""
    suffix = tail.group(0) if tail else ""
    if not prefix or len(prefix) + len(suffix) >= len(token):
        return None
    hidden = len(token) - len(prefix) - len(suffix)
    fits = [w for w in _PROFANITY if w.startswith(prefix) and w.endswith(suffix) and len(w) > len(prefix) + len(suffix)]
    same_length = [w for w in fits if len(w) - len(prefix) - len(suffix) == hidden]
    chosen = same_length or fits
    return chosen[0] if chosen else None


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
