"""Reading a trainee's line for what the analyzer does not label: its topic, its intent, its language.

The analyzer says *how* something was said (a command, empathy, an insult); the simulated person also needs
*what* was asked (their name, what happened, what they need ...) to answer it, and what a question or offer is
about to know whether it notices a hidden condition. The cues are data (``topics.yaml``); this module only
matches them: sentence by sentence, whole words, contractions expanded, near-miss spellings of cue words
corrected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache, lru_cache
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
    small_talk: tuple[str, ...] = ()


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
MIN_STEM = 3  # "ring" is no form of "r"
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
        present = frozenset(stem for w in words for stem in _stems(w))
        return all(any(_has(words, alt, present) for alt in group) for group in self.groups)


def _has(words: list[str], phrase: tuple[str, ...], present: frozenset[str] = frozenset()) -> bool:
    n = len(phrase)
    if present and not phrase[0].endswith("*") and phrase[0] not in present:
        return False  # the phrase's first word is nowhere in the sentence
    return any(all(_word_is(words[i + j], phrase[j]) for j in range(n)) for i in range(len(words) - n + 1))


def _word_is(word: str, cue: str) -> bool:
    return word.startswith(cue[:-1]) if cue.endswith("*") else cue in _stems(word)


@lru_cache(maxsize=65536)
def _stems(word: str) -> frozenset[str]:
    """The word and what it may be an inflection of, so that a cue word matches its forms: "calling" and
    "called" are "call", "putting" is "put", "giving" is "give", "needs" is "need"."""
    out = {word}
    for suffix in ("s", "es", "ed", "d", "ing"):
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            base = word[: -len(suffix)]
            out.add(base)
            if suffix in ("ing", "ed"):
                out.add(base + "e")  # giving: give, used: use
                if len(base) > MIN_STEM and base[-1] == base[-2]:
                    out.add(base[:-1])  # putting: put, stopped: stop
    return frozenset(out)


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
    offers: tuple[_Cue, ...]  # said to help, if it is wanted: "would you like", "do you want me to"
    offer_openings: tuple[tuple[str, ...], ...]  # the same, opening a sentence: "I can ..."
    doings: tuple[_Cue, ...]  # said as done or being done: "I'm calling", "I'll get", "let me"
    perceiving: tuple[tuple[str, ...], ...]  # "I can see ...": what the trainee perceives, never an offer
    requests: tuple[tuple[str, ...], ...]  # how a question asking someone to do something opens
    languages: dict[str, frozenset[str]]
    small_talk: tuple[_Cue, ...]
    vocabulary: frozenset[str]  # every plain cue word, for correcting typos
    _nearest_of: dict[str, str] = field(default_factory=dict, compare=False, repr=False)  # words corrected so far

    def correct(self, words: list[str]) -> list[str]:
        """Each word that is not a cue word but nearly one (a slip, a swap of two letters) as that cue word."""
        return [self._nearest(w) for w in words]

    def _nearest(self, word: str) -> str:
        if word in self.vocabulary or len(word) < MIN_TYPO_LENGTH or not word.isalpha():
            return word
        if (known := self._nearest_of.get(word)) is not None:
            return known
        best, score = word, TYPO_RATIO
        for cue in sorted(self.vocabulary):  # in order, so that a tie goes the same way in every process
            if abs(len(cue) - len(word)) > 2 or len(cue) < MIN_TYPO_LENGTH:
                continue
            if sorted(cue) == sorted(word) and cue[0] == word[0]:
                best = cue  # two letters swapped: "nmae" is "name"
                break
            matcher = SequenceMatcher(None, word, cue)
            if matcher.real_quick_ratio() > score and matcher.quick_ratio() > score and matcher.ratio() > score:
                best, score = cue, matcher.ratio()
        self._nearest_of[word] = best
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
        offer_openings=tuple(alt for c in cues.intents.get("offer_opening", ()) for g in _cue(c).groups for alt in g),
        doings=tuple(_cue(c) for c in cues.intents.get("doing", ())),
        perceiving=tuple(alt for c in cues.intents.get("perceiving", ()) for g in _cue(c).groups for alt in g),
        requests=tuple(alt for c in cues.intents.get("request", ()) for g in _cue(c).groups for alt in g),
        small_talk=tuple(_cue(c) for c in cues.small_talk),
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
    language: str  # "en" unless two or more words of another language (one, after an opening ¿ or ¡)
    hypothetical: bool = False  # offers what is not done yet: "would you like me to call her?", "I can ..."
    small_talk: bool = False  # the weather, the game: about nothing of the scene
    request: bool = False  # a question that asks someone to do something: "can you turn the music off?"


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
        """Whether a sentence in which the trainee does something or says it is being done (not asking
        about it, not offering it if wanted, not telling what someone else did) matches ``cue``: "I'm
        calling an interpreter", not "I can call one if you like" nor "your wife called us"."""
        c = _cue(cue)
        return any(c.matches(list(s.words)) for s in self.sentences if s.intent == "offer" and not s.hypothetical)

    def does(self, cue: str) -> bool:
        """Whether a sentence that does what ``cue`` names, or asks someone to ("can we sit him up?"),
        matches it: not an offer if wanted, nor a question about it ("do you have your inhaler?")."""
        c = _cue(cue)
        return any(
            c.matches(list(s.words))
            for s in self.sentences
            if not s.hypothetical and (s.intent != "question" or s.request)
        )

    def offered(self, cue: str) -> bool:
        """Whether a sentence offers what ``cue`` names, if it is wanted ("do you want me to call him?")."""
        c = _cue(cue)
        return any(c.matches(list(s.words)) for s in self.sentences if s.hypothetical)

    @property
    def commits(self) -> bool:
        """Whether a sentence says the trainee is doing something now ("Okay, I'll do that.")."""
        return any(s.intent == "offer" and not s.hypothetical for s in self.sentences)

    @property
    def small_talk(self) -> bool:
        """Whether every sentence is small talk (neutral talk: no listening, no question about the scene)."""
        return bool(self.sentences) and all(s.small_talk for s in self.sentences)


def read_line(
    text: str, extra_topics: dict[str, tuple[str, ...]] | None = None, book: CueBook | None = None
) -> Reading:
    """``extra_topics``: cues a scenario adds to a topic (the names of the people in its call)."""
    if book is None:
        return _read_default(text, tuple(sorted((k, tuple(v)) for k, v in (extra_topics or {}).items())))
    return _read(text, extra_topics, book)


@lru_cache(maxsize=8192)
def _read_default(text: str, extra: tuple[tuple[str, tuple[str, ...]], ...]) -> Reading:
    """A line read with the bundled cues: a replay reads the same lines again."""
    return _read(text, dict(extra), default_cues())


def _read(text: str, extra_topics: dict[str, tuple[str, ...]] | None, book: CueBook) -> Reading:
    extra = {k: tuple(_cue(c) for c in v) for k, v in (extra_topics or {}).items()}
    out = []
    for found in _SENTENCE.finditer(text):
        raw = found.group(0)
        before = text[: found.start()].rstrip()  # an opening mark ends the text before the sentence
        opened = before.endswith(("¿", "¡"))
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

        # "¿Habla inglés?": the opening mark is Spanish too, so one more word of it is enough
        needed = 1 if opened else 2
        found_topic, found_about = topic(plain) or topic(fixed), about(plain) or about(fixed)
        out.append(
            Sentence(
                text=raw.strip(),
                words=tuple(plain),
                intent=_intent(raw, plain, book, asks=before.endswith("¿")),
                topic=found_topic,
                about=found_about,
                language=next(
                    (lang for lang, marks in book.languages.items() if sum(w in marks for w in plain) >= needed), "en"
                ),
                hypothetical=_offers(plain, book),
                request=_opens(plain, book.requests),
                small_talk=not found_topic
                and not found_about
                and any(c.matches(plain) or c.matches(fixed) for c in book.small_talk),
            )
        )
    return Reading(tuple(out))


def _offers(words: list[str], book: CueBook) -> bool:
    """Whether the sentence offers something if it is wanted (see topics.yaml ``offer``)."""
    plain = _unperceived(words, book)
    return any(c.matches(plain) for c in book.offers) or _opens(plain, book.offer_openings)


def _opens(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    head = list(words)
    while head and head[0] in _OPENERS:
        head = head[1:]
    return any(tuple(head[: len(p)]) == p for p in phrases)


def _unperceived(words: list[str], book: CueBook) -> list[str]:
    """The words with each "I can see" (and the like) taken out, so that what the trainee perceives is not
    read as an offer ("I can see a bracelet on your wrist")."""
    out = list(words)
    for phrase in book.perceiving:
        n = len(phrase)
        i = 0
        while i <= len(out) - n:
            if tuple(out[i : i + n]) == phrase:
                out[i : i + n] = ["_"]
            i += 1
    return out


# words a question may open with before its question word: "Sir, can you hear me?"
_OPENERS = frozenset(
    "sir ma'am maam miss mister mr mrs ms hey hi hello okay ok so and well please look listen dispatch radio "
    "partner".split()
)


def _intent(raw: str, words: list[str], book: CueBook, *, asks: bool = False) -> Intent:
    # a question mark wins: "Is there someone I can call for you?" asks, though it holds "I can"
    if raw.rstrip().endswith("?") or asks:
        return "question"
    if _offers(words, book) or any(c.matches(words) for c in book.doings):
        return "offer"
    head = list(words)
    while head and head[0] in _OPENERS:
        head = head[1:]
    starts = (alt for c in book.question_starts for g in c.groups for alt in g)
    if any(tuple(head[: len(alt)]) == alt for alt in starts):
        return "question"
    return "statement"
