"""Reading a trainee's line for what the analyzer does not label: its topic, its intent, its language.

The analyzer says *how* something was said (a command, empathy, an insult); the simulated person also needs
*what* was asked (their name, what happened, what they need ...) to answer it, and what a question or offer is
about to know whether it notices a hidden condition. The cues are data (``topics.yaml``); this module only
matches them: sentence by sentence, whole words, contractions expanded, near-miss spellings of cue words
corrected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from deescalate.datafile import parse_yaml, validate
from deescalate.errors import Code

Intent = str  # "question", "offer" or "statement"


class _Cues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    topics: dict[str, tuple[str, ...]]
    conditions: dict[str, tuple[str, ...]]
    intents: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    languages: dict[str, tuple[str, ...]] = Field(default_factory=dict)


# --- normalising ------------------------------------------------------------------------------------------------

_CONTRACTIONS = {
    "what's": "what is",
    "where's": "where is",
    "who's": "who is",
    "how's": "how is",
    "that's": "that is",
    "there's": "there is",
    "it's": "it is",
    "i'm": "i am",
    "you're": "you are",
    "we're": "we are",
    "they're": "they are",
    "i'll": "i will",
    "we'll": "we will",
    "you'll": "you will",
    "i'd": "i would",
    "you'd": "you would",
    "i've": "i have",
    "can't": "can not",
    "won't": "will not",
    "don't": "do not",
    "doesn't": "does not",
    "didn't": "did not",
    "isn't": "is not",
    "aren't": "are not",
    "let's": "let us",
    "gonna": "going to",
    "wanna": "want to",
    "whats": "what is",
    "wheres": "where is",
    "im": "i am",
    "ur": "your",
    "u": "you",
    "r": "are",
    "pls": "please",
}
_TOKEN = re.compile(r"[\wáéíóúñü']+")
_SENTENCE = re.compile(r"[^.?!;¿¡]+[.?!;]*")
MIN_TYPO_LENGTH = 4  # shorter words are too easily another word
TYPO_RATIO = 0.85


def tokens(text: str) -> list[str]:
    low = text.lower().replace("’", "'")
    out: list[str] = []
    for token in _TOKEN.findall(low):
        out += _CONTRACTIONS.get(token, token).split()
    return out


@dataclass(frozen=True, slots=True)
class _Cue:
    groups: tuple[tuple[tuple[str, ...], ...], ...]  # every group must match; any alternative in a group

    def matches(self, words: list[str]) -> bool:
        return all(any(_has(words, alt) for alt in group) for group in self.groups)


def _has(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(all(_word_is(words[i + j], phrase[j]) for j in range(n)) for i in range(len(words) - n + 1))


def _word_is(word: str, cue: str) -> bool:
    return word.startswith(cue[:-1]) if cue.endswith("*") else word == cue


def _cue(text: str) -> _Cue:
    def alternative(alt: str) -> tuple[str, ...]:
        words: list[str] = []
        for w in alt.lower().split():
            base = w.rstrip("*")
            expanded = _CONTRACTIONS.get(base, base).split()
            if w.endswith("*"):
                expanded[-1] += "*"
            words += expanded
        return tuple(words)

    return _Cue(tuple(tuple(alternative(a) for a in g.split("|") if a.strip()) for g in text.split(" + ")))


# --- the cue book -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CueBook:
    topics: dict[str, tuple[_Cue, ...]]
    conditions: dict[str, tuple[_Cue, ...]]
    question_starts: tuple[_Cue, ...]
    offers: tuple[_Cue, ...]
    languages: dict[str, frozenset[str]]
    vocabulary: frozenset[str]  # every plain cue word, for correcting typos

    def correct(self, words: list[str]) -> list[str]:
        """Each word that is not a cue word but nearly one (a slip, a swap of two letters) as that cue word."""
        return [self._nearest(w) for w in words]

    def _nearest(self, word: str) -> str:
        if word in self.vocabulary or len(word) < MIN_TYPO_LENGTH or not word.isalpha():
            return word
        best, score = word, TYPO_RATIO
        for cue in self.vocabulary:
            if abs(len(cue) - len(word)) > 2 or len(cue) < MIN_TYPO_LENGTH:
                continue
            if sorted(cue) == sorted(word) and cue[0] == word[0]:
                return cue  # two letters swapped: "nmae" is "name"
            ratio = SequenceMatcher(None, word, cue).ratio()
            if ratio > score:
                best, score = cue, ratio
        return best


def _book(cues: _Cues) -> CueBook:
    compiled = {k: tuple(_cue(c) for c in v) for k, v in (*cues.topics.items(), *cues.conditions.items())}
    vocab = {
        w
        for c in compiled.values()
        for cue in c
        for group in cue.groups
        for alt in group
        for w in alt
        if len(w.rstrip("*")) >= MIN_TYPO_LENGTH + 2 or not w.endswith("*")
    }
    vocab = {w.rstrip("*") for w in vocab}
    return CueBook(
        topics={k: compiled[k] for k in cues.topics},
        conditions={k: compiled[k] for k in cues.conditions},
        question_starts=tuple(_cue(c) for c in cues.intents.get("question_starts", ())),
        offers=tuple(_cue(c) for c in cues.intents.get("offer", ())),
        languages={
            lang: frozenset(w for line in lines for alt in line.split("|") for w in [alt.strip().lower()] if w)
            for lang, lines in cues.languages.items()
        },
        vocabulary=frozenset(vocab),
    )


def load_cues(path: Path) -> CueBook:
    where = str(path)
    data = parse_yaml(path.read_text("utf-8"), file=where, code=Code.E092, unique_keys=True)
    return _book(validate(_Cues, data, file=where, code=Code.E092))


@cache
def default_cues() -> CueBook:
    return load_cues(Path(str(resources.files(__package__).joinpath("topics.yaml"))))


# --- reading ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    words: tuple[str, ...]
    intent: Intent
    topic: str | None
    about: frozenset[str]  # the conditions it is about
    language: str  # "en" unless two or more words of another language


@dataclass(frozen=True, slots=True)
class Reading:
    sentences: tuple[Sentence, ...]

    @property
    def asked(self) -> str | None:
        """The topic of the last question (the one a person answers)."""
        return next((s.topic for s in reversed(self.sentences) if s.topic and s.intent == "question"), None)

    def about(self, intents: tuple[Intent, ...]) -> frozenset[str]:
        return frozenset(c for s in self.sentences if s.intent in intents for c in s.about)

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(s.language for s in self.sentences)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    def mentions(self, cue: str) -> bool:
        """Whether a cue (the topics.yaml format) is found in one sentence."""
        c = _cue(cue)
        return any(c.matches(list(s.words)) for s in self.sentences)

    def says(self, cue: str) -> bool:
        """Whether any sentence (a question too: "can we sit him up?") matches ``cue``."""
        return self.mentions(cue)

    def offers(self, cue: str) -> bool:
        """Whether a sentence offering or doing something (not asking about it) matches ``cue``."""
        c = _cue(cue)
        return any(c.matches(list(s.words)) for s in self.sentences if s.intent in ("offer", "statement"))


def read_line(
    text: str, extra_topics: dict[str, tuple[str, ...]] | None = None, book: CueBook | None = None
) -> Reading:
    """``extra_topics``: cues a scenario adds to a topic (the names of the people in its call)."""
    book = book or default_cues()
    extra = {k: tuple(_cue(c) for c in v) for k, v in (extra_topics or {}).items()}
    out = []
    for raw in _SENTENCE.findall(text):
        plain = tokens(raw)
        if not plain:
            continue
        # a corrected spelling is used only where the words as typed match nothing: "medicaton" is read as
        # "medication", but "taking" is never turned into "talking"
        fixed = book.correct(plain)

        def topic(words: list[str]) -> str | None:
            return next(
                (t for t, cues in book.topics.items() if any(c.matches(words) for c in (*extra.get(t, ()), *cues))),
                None,
            )

        def about(words: list[str]) -> frozenset[str]:
            return frozenset(k for k, cues in book.conditions.items() if any(c.matches(words) for c in cues))

        out.append(
            Sentence(
                text=raw.strip(),
                words=tuple(plain),
                intent=_intent(raw, plain, book),
                topic=topic(plain) or topic(fixed),
                about=about(plain) or about(fixed),
                language=next(
                    (lang for lang, marks in book.languages.items() if sum(w in marks for w in plain) >= 2), "en"
                ),
            )
        )
    return Reading(tuple(out))


# words a question may open with before its question word: "Sir, can you hear me?"
_OPENERS = frozenset("sir ma'am maam miss mister mr mrs ms hey hi hello okay ok so and well please look listen".split())


def _intent(raw: str, words: list[str], book: CueBook) -> Intent:
    # a question mark wins: "Is there someone I can call for you?" asks, though it holds "I can"
    if raw.rstrip().endswith("?") or raw.lstrip().startswith("¿"):
        return "question"
    if any(c.matches(words) for c in book.offers):
        return "offer"
    head = list(words)
    while head and head[0] in _OPENERS:
        head = head[1:]
    starts = (alt for c in book.question_starts for g in c.groups for alt in g)
    if any(tuple(head[: len(alt)]) == alt for alt in starts):
        return "question"
    return "statement"
