"""The caller's words read in context: each fact found is affirmed, negated, uncertain or hypothetical.

A NegEx / ConText reader (Chapman et al. 2001; Harkema et al. 2009), with the
cue design of pyConText and medspaCy: cue phrases with a category, a scope
direction and a maximum scope, pseudo-cues that stop a shorter cue inside
them, and terminating cues that end a scope. The cue lexicon is plain data
(context.yaml). Words are matched as whole tokens, never as word starts, so
"bat" is not found in "bathroom" nor "od" in "odor"; a look-alike phrase listed
for a word ("glue gun" for "gun") hides that word where the phrase is said.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from deescalate.datafile import load_data_file
from deescalate.errors import Code

Status = Literal["affirmed", "negated", "uncertain", "hypothetical"]
CueKind = Literal["negated", "possible", "reported", "hypothetical", "pseudo", "terminate"]
SCOPED_KINDS: tuple[CueKind, ...] = ("negated", "possible", "reported", "hypothetical")
STATUS_OF: dict[str, Status] = {
    "negated": "negated",
    "possible": "uncertain",
    "reported": "uncertain",
    "hypothetical": "hypothetical",
}
# on a tie in distance, the reading that keeps a fact out of the "affirmed" column wins
_TIE_ORDER = {"negated": 0, "hypothetical": 1, "possible": 2, "reported": 3}

# Words, with apostrophes kept inside them (dropped after), and the marks that matter to scope.
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*|[?]|[.!;]+|,|\s-+\s|\n")
_BREAKS = frozenset({".", "!", ";", "?", "\n", "-"})
_QUOTES = str.maketrans({"’": "'", "‘": "'", "‛": "'", "`": "'"})


def tokens(text: str) -> list[str]:
    """The words of text as the matcher compares them: lower case, apostrophes dropped ("don't" = "dont")."""
    return [_norm(m.group(0)) for m in _TOKEN.finditer(text.lower().translate(_QUOTES))]


def _norm(tok: str) -> str:
    if tok == "\n":
        return tok
    if tok[0].isspace():
        return "-"  # a dash between spaces, as notes separate items: "SUBJ W/ KNIFE - NO INJ"
    if tok[0] in ".!;":
        return "."
    return tok.replace("'", "")


class Cue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    phrase: str = Field(min_length=1)
    kind: CueKind
    direction: Literal["forward", "backward", "both"] = "forward"
    max_scope: int = Field(default=5, ge=1, le=20)
    past_comma: bool = False
    ends: tuple[CueKind, ...] = SCOPED_KINDS

    @field_validator("phrase")
    @classmethod
    def _has_words(cls, v: str) -> str:
        if not [t for t in tokens(v) if t not in _BREAKS or t == "?"]:
            raise ValueError(f"cue phrase {v!r} has no words")
        return v


class Lexicon(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    cues: tuple[Cue, ...] = Field(min_length=1)
    confirm_with: dict[str, tuple[str, ...]] = {}
    labels: dict[str, str] = {}

    @model_validator(mode="after")
    def _no_duplicates(self) -> Lexicon:
        seen: set[tuple[str, ...]] = set()
        for cue in self.cues:
            key = tuple(tokens(cue.phrase))
            if key in seen:
                raise ValueError(f"cue phrase {cue.phrase!r} is listed twice")
            seen.add(key)
        return self


@cache
def load_lexicon(path: Path | None = None) -> Lexicon:
    return load_data_file(
        Lexicon, package=__package__, name="context.yaml", path=path, code=Code.E096, what="call-text cue file"
    )


def check_look_alikes(look_alikes: Mapping[str, Sequence[str]]) -> None:
    """A look-alike must contain the word it hides ("glue gun" for "gun"), or it would hide nothing."""
    for word, phrases in look_alikes.items():
        key = tokens(word)
        for phrase in phrases:
            if _offsets(key, tuple(tokens(phrase))) == ():
                raise ValueError(f"look-alike {phrase!r} does not contain {word!r}")


def _offsets(key: Sequence[str], phrase: tuple[str, ...]) -> tuple[int, ...]:
    n = len(key)
    return tuple(i for i in range(len(phrase) - n + 1) if tuple(phrase[i : i + n]) == tuple(key)) if n else ()


@dataclass(frozen=True)
class Mention:
    """One fact word found in the call, as read: the words, the status and the cue that decided it."""

    term: str  # the vocabulary word or phrase that matched
    words: str  # as written in the call
    status: Status
    cue: str | None  # the cue as written ("I'm not sure"), None when affirmed
    cue_kind: str | None  # negated / possible / reported / hypothetical
    sentence: str  # the sentence it was said in, as written
    source: int  # which text: 0 the first given (the narrative), then the notes in order


@dataclass(frozen=True)
class _Tok:
    norm: str
    start: int
    end: int
    source: int
    sentence: int


@dataclass(frozen=True)
class _CueHit:
    start: int  # token index
    end: int  # exclusive
    cue: Cue


@dataclass(frozen=True)
class _Index:
    """Phrases by first token, longest first, each with the look-alikes that hide it."""

    by_first: dict[str, tuple[tuple[tuple[str, ...], str], ...]]
    hides: dict[str, tuple[tuple[tuple[str, ...], int], ...]]


@lru_cache(maxsize=512)
def _phrase_index(terms: tuple[str, ...], look_alikes: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> _Index:
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for term in terms:
        toks = tuple(tokens(term))
        if toks:
            by_first.setdefault(toks[0], []).append((toks, term))
    hides: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    wanted = set(terms)
    for word, phrases in look_alikes:
        if word not in wanted:
            continue
        key = tokens(word)
        for phrase in phrases:
            toks = tuple(tokens(phrase))
            hides.setdefault(word, []).extend((toks, off) for off in _offsets(key, toks))
    return _Index(
        {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in by_first.items()},
        {k: tuple(v) for k, v in hides.items()},
    )


@lru_cache(maxsize=8)
def _cue_index(cues: tuple[Cue, ...]) -> dict[str, tuple[tuple[tuple[str, ...], Cue], ...]]:
    by_first: dict[str, list[tuple[tuple[str, ...], Cue]]] = {}
    for cue in cues:
        toks = tuple(tokens(cue.phrase))
        by_first.setdefault(toks[0], []).append((toks, cue))
    return {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in by_first.items()}


@dataclass
class Reading:
    """Texts tokenised once, with the cues found and, for each word, the cues whose scope reaches it."""

    texts: tuple[str, ...]
    look_alikes: tuple[tuple[str, tuple[str, ...]], ...]
    toks: list[_Tok]
    sentences: list[tuple[int, int, int]]  # source, char start, char end
    cues: list[_CueHit]
    reach: list[list[tuple[int, int, int]]]  # per token: (distance, tie order, cue number)
    _found: dict[tuple[str, ...], list[Mention]] = field(default_factory=dict)

    def find(self, terms: Sequence[str]) -> list[Mention]:
        """Every mention of the terms (words or phrases), in text order, each with its status."""
        key = tuple(terms)
        if key not in self._found:
            self._found[key] = self._match(_phrase_index(key, self.look_alikes))
        return self._found[key]

    def present(self, terms: Sequence[str], statuses: Sequence[Status] = ("affirmed", "uncertain")) -> bool:
        return any(m.status in statuses for m in self.find(terms))

    def _match(self, index: _Index) -> list[Mention]:
        out: list[Mention] = []
        toks = self.toks
        for i, tok in enumerate(toks):
            for phrase, term in index.by_first.get(tok.norm, ()):
                j = i + len(phrase)
                if j > len(toks) or any(toks[i + k].norm != phrase[k] for k in range(1, len(phrase))):
                    continue
                if toks[j - 1].source != tok.source or self._hidden(index, term, i):
                    continue
                out.append(self._mention(term, i, j))
                break  # the longest phrase starting here is the one said
        return out

    def _hidden(self, index: _Index, term: str, i: int) -> bool:
        for phrase, off in index.hides.get(term, ()):
            start = i - off
            if start < 0 or start + len(phrase) > len(self.toks):
                continue
            if all(self.toks[start + k].norm == w for k, w in enumerate(phrase)):
                return True
        return False

    def _mention(self, term: str, i: int, j: int) -> Mention:
        best: tuple[int, int, int] | None = None
        for t in range(i, j):
            for dist, tie, n in self.reach[t]:
                hit = self.cues[n]
                if hit.start < j and i < hit.end:
                    continue  # the cue is part of the fact's own words ("not breathing")
                if best is None or (dist, tie) < best[:2]:
                    best = (dist, tie, n)
        first, last = self.toks[i], self.toks[j - 1]
        text = self.texts[first.source]
        src, s0, s1 = self.sentences[first.sentence]
        sentence = text[s0:s1].strip()
        if best is None:
            return Mention(term, text[first.start : last.end], "affirmed", None, None, sentence, src)
        hit = self.cues[best[2]]
        cue_text = text[self.toks[hit.start].start : self.toks[hit.end - 1].end]
        return Mention(
            term, text[first.start : last.end], STATUS_OF[hit.cue.kind], cue_text, hit.cue.kind, sentence, src
        )


def read(
    texts: Sequence[str | None],
    *,
    look_alikes: Mapping[str, Sequence[str]] | None = None,
    lexicon: Lexicon | None = None,
) -> Reading:
    """Read texts (the narrative first, then the notes); a sentence never runs from one text into the next."""
    lexicon = lexicon or load_lexicon()
    kept = tuple(t or "" for t in texts)
    toks: list[_Tok] = []
    sentences: list[tuple[int, int, int]] = []
    for src, text in enumerate(kept):
        lowered = text.lower().translate(_QUOTES)  # same length: offsets index the original text
        sent_start: int | None = None
        for m in _TOKEN.finditer(lowered):
            norm = _norm(m.group(0))
            if sent_start is None:
                sent_start = m.start()
            toks.append(_Tok(norm, m.start(), m.end(), src, len(sentences)))
            if norm in _BREAKS:
                sentences.append((src, sent_start, m.end()))
                sent_start = None
        if sent_start is not None:
            sentences.append((src, sent_start, len(text)))
    cues = _find_cues(toks, _cue_index(lexicon.cues))
    reach = _scopes(toks, cues)
    alike = tuple((k, tuple(v)) for k, v in sorted((look_alikes or {}).items()))
    return Reading(kept, alike, toks, sentences, cues, reach)


def _find_cues(toks: list[_Tok], index: dict[str, tuple[tuple[tuple[str, ...], Cue], ...]]) -> list[_CueHit]:
    """Longest cue first, left to right, not overlapping: "not sure" is one cue, not "not" and "sure"."""
    out: list[_CueHit] = []
    i = 0
    while i < len(toks):
        for phrase, cue in index.get(toks[i].norm, ()):
            j = i + len(phrase)
            if (
                j <= len(toks)
                and all(toks[i + k].norm == phrase[k] for k in range(len(phrase)))
                and toks[j - 1].sentence == toks[i].sentence  # two texts never make one cue
            ):
                out.append(_CueHit(i, j, cue))
                i = j
                break
        else:
            i += 1
    return out


def _scopes(toks: list[_Tok], cues: list[_CueHit]) -> list[list[tuple[int, int, int]]]:
    reach: list[list[tuple[int, int, int]]] = [[] for _ in toks]
    ends_at: dict[int, tuple[CueKind, ...]] = {}
    for hit in cues:
        if hit.cue.kind == "terminate":
            for t in range(hit.start, hit.end):
                ends_at[t] = hit.cue.ends
    for n, hit in enumerate(cues):
        cue = hit.cue
        if cue.kind not in SCOPED_KINDS:
            continue
        tie = _TIE_ORDER[cue.kind]
        sentence = toks[hit.start].sentence
        steps = []
        if cue.direction in ("forward", "both"):
            steps.append((hit.end, 1))
        if cue.direction in ("backward", "both"):
            steps.append((hit.start - 1, -1))
        for t, step in steps:
            words = 0
            while 0 <= t < len(toks) and toks[t].sentence == sentence and words < cue.max_scope:
                norm = toks[t].norm
                if norm in _BREAKS:
                    break
                if norm == "," and not cue.past_comma:
                    break
                if cue.kind in ends_at.get(t, ()):
                    break
                if norm != ",":
                    words += 1
                    reach[t].append((words, tie, n))
                t += step
    return reach
