"""Redaction of civilians' personal data in an encounter: names, phone numbers, addresses, plates, dates of birth.

Officers' and dispatchers' names stay: the report is about their conduct. Civilians (everyone else in the
encounter's participants) lose their names everywhere they appear, in the same words each time ("[subject 1]"), so
the transcript still reads. The other data are found by small recognizers in the manner of Microsoft Presidio:
each a class whose patterns, context words and exclusions are class-level data, so a new kind of datum is a new
class, and what a recognizer matches can be read off the class. Context decides what a pattern alone cannot:
"12/05/1987" is a date of birth after "DOB" and not after "case"; "7ABC123" is a plate after "plate" or "tag".

Text is redacted with an offset map, so a finding's character span still points at its (redacted) quote.
Speech-to-text output is lower case and spells numbers out; the patterns allow both where it matters (a spoken
phone number, "twelve quarry road"). Names nobody lists as a participant are found only where a person introduces
themselves ("my name is ..."): this is pattern matching, not a trained recogniser of names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from deescalate.encounter.model import Encounter, Role

KEEP_ROLES = frozenset({Role.officer, Role.dispatcher})


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of personal data found in a text."""

    start: int
    end: int
    entity: str  # "name", "phone", "address", "plate", "date of birth"
    replacement: str
    recognizer: str


def _words_before(text: str, at: int, count: int) -> str:
    """The COUNT words before position AT, lower case, one space apart (what context phrases are looked for in)."""
    words = re.findall(r"[\w'./#-]+", text[max(0, at - 40 * count) : at].lower())
    return " ".join(w.strip(".,") for w in words[-count:])


def _has_phrase(window: str, phrases: Sequence[str]) -> bool:
    return any(re.search(rf"(?<![\w]){re.escape(p)}(?![\w])", window) for p in phrases)


class Recognizer:
    """Finds one kind of personal data in a text."""

    entity: ClassVar[str]

    def find(self, text: str) -> Iterator[Hit]:
        raise NotImplementedError


class PatternRecognizer(Recognizer):
    """Regular expressions (class data), kept only where the words just before allow them.

    ``context``: one of these phrases must be among the ``window`` words before (empty: none needed);
    ``not_after``: none of these may be among the ``exclusion_window`` words before (a case number is no phone).
    ``at_every_word``: try the patterns at each word's start, so a candidate that fails ``valid`` does not hide
    one that begins inside it."""

    patterns: ClassVar[tuple[str, ...]] = ()
    flags: ClassVar[int] = re.IGNORECASE
    context: ClassVar[tuple[str, ...]] = ()
    window: ClassVar[int] = 6
    not_after: ClassVar[tuple[str, ...]] = ()
    exclusion_window: ClassVar[int] = 3
    at_every_word: ClassVar[bool] = False
    _compiled: ClassVar[tuple[re.Pattern[str], ...]] = ()

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._compiled = tuple(re.compile(p, cls.flags) for p in cls.patterns)  # a bad pattern fails at import

    @property
    def replacement(self) -> str:
        return f"[{self.entity}]"

    def valid(self, match: str) -> bool:
        """Checks a pattern cannot express (what the characters add up to)."""
        return True

    def _matches(self, pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
        if not self.at_every_word:
            yield from pattern.finditer(text)
            return
        for word in re.finditer(r"\b\w", text):
            found = pattern.match(text, word.start())
            if found:
                yield found

    def find(self, text: str) -> Iterator[Hit]:
        for pattern in self._compiled:
            for match in self._matches(pattern, text):
                start, end = match.span()
                if not self.valid(match.group(0)):
                    continue
                if self.context and not _has_phrase(_words_before(text, start, self.window), self.context):
                    continue
                if self.not_after and _has_phrase(_words_before(text, start, self.exclusion_window), self.not_after):
                    continue
                yield Hit(start, end, self.entity, self.replacement, type(self).__name__)


# Words that name something else when they precede a number: case and report numbers, radio codes, badges, units.
_RECORD_WORDS = ("case", "report", "incident", "docket", "citation", "ticket", "file", "badge", "unit", "item", "code")
_DIGIT_WORDS = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"


class PhoneRecognizer(PatternRecognizer):
    """North American numbers written with separators: (504) 555-0134, 504-555-0134, +1 504 555 0134, 555-0134.
    Not "10-4" or "14:30" (too few digits, a colon), not a case or badge number."""

    entity = "phone"
    patterns = (
        r"(?<![\w-])(?:\+?1[-.\s]?)?\(?\d{3}\)?[-.\s]?\d{3}[-.\s]\d{4}(?![\w-])",
        r"(?<![\w-])\d{3}[-.]\d{4}(?![\w-])",
    )
    not_after = _RECORD_WORDS


class PhoneDigitsRecognizer(PatternRecognizer):
    """Ten digits run together, or seven or more spoken digits ("five five five, oh one three four"): only where the
    words before are about a phone, since a bare run of digits is as often an id."""

    entity = "phone"
    patterns = (
        r"(?<![\w-])\d{10}(?![\w-])",
        rf"\b{_DIGIT_WORDS}(?:[\s,-]+{_DIGIT_WORDS}){{6,}}\b",
    )
    context = ("phone", "number", "cell", "call", "reach", "text", "contact", "mobile", "landline")
    window = 8
    not_after = _RECORD_WORDS


_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)"
)
# Between the house number and the street type: a street's name, never these words ("two blocks down the road").
_NOT_STREET_NAME = (
    r"(?:the|a|an|of|to|in|on|at|by|for|from|down|up|over|and|or|my|your|his|her|their|our|this|that|these|those|"
    r"more|feet|foot|yards|minutes|hours|blocks?|miles?|times|people|cars|units|is|are|was|were|it|we|you|they)"
)
_STREET_TYPES = (
    r"(?:street|st|avenue|ave|road|rd|drive|dr|lane|ln|boulevard|blvd|court|ct|way|place|pl|circle|cir|terrace|"
    r"ter|parkway|pkwy|highway|hwy|trail|trl|square|sq|alley|loop|crescent|pike)"
)


class AddressRecognizer(PatternRecognizer):
    """A house number (digits or words), a street name of one to three words and a street type, with an optional
    apartment: "12 Quarry Road", "2531 N. Washington Ave, apt 4B", "twenty two oak lane". Not "10 feet back" or
    "two blocks down the street"."""

    entity = "address"
    patterns = (
        rf"\b(?:\d{{1,6}}[a-z]?|{_NUMBER_WORDS}(?:[\s-]{_NUMBER_WORDS}){{0,3}})"
        rf"(?:\s+(?:n|s|e|w|north|south|east|west)\.?)?"
        rf"(?:\s+(?!{_NOT_STREET_NAME}\b)[a-z][a-z'-]*){{1,3}}"
        rf"\s+{_STREET_TYPES}\b"
        r"(?:,?\s+(?:apt|apartment|unit|suite|ste|#)\.?\s*[a-z0-9]{1,5}\b)?",
    )


class PlateRecognizer(PatternRecognizer):
    """A licence plate (five to eight letters and digits, both present, in one or two groups) after words about a
    plate or tag: "plate 7ABC123", "tag comes back ABC-1234". Not "unit 51" or "10-4" (no letter), not "ford
    ranger" (no digit)."""

    entity = "plate"
    patterns = (r"[a-z0-9]{2,4}[- ][a-z0-9]{2,4}\b", r"[a-z0-9]{5,8}\b")
    context = ("plate", "plates", "tag", "tags", "registration", "registered", "reg")
    window = 5
    at_every_word = True

    def valid(self, match: str) -> bool:
        chars = re.sub(r"[- ]", "", match)
        return 5 <= len(chars) <= 8 and any(c.isdigit() for c in chars) and any(c.isalpha() for c in chars)


_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORDINAL_WORDS = (
    r"(?:(?:twenty|thirty)[\s-])?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
    r"twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
_YEAR_WORDS = rf"(?:nineteen|twenty)(?:[\s-](?:oh|{_NUMBER_WORDS})){{1,2}}"


class DateOfBirthRecognizer(PatternRecognizer):
    """A date after words about a birth ("DOB 04/12/1987", "born on May 3rd, 1990", "date of birth is march
    twelfth nineteen eighty seven"). A date with no such words (the call's date, a case number) is left."""

    entity = "date of birth"
    patterns = (
        r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b",
        r"\b\d{4}-\d{2}-\d{2}\b",
        rf"\b{_MONTHS}\.?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?|(?:the\s+)?{_ORDINAL_WORDS})(?:,?\s+(?:\d{{4}}|{_YEAR_WORDS}))?\b",
        rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?|(?:the\s+)?{_ORDINAL_WORDS})\s+(?:of\s+)?{_MONTHS}(?:,?\s+(?:\d{{4}}|{_YEAR_WORDS}))?\b",
    )
    context = ("dob", "d.o.b", "date of birth", "birth date", "birthdate", "birthday", "born")
    not_after = ("case", "report", "incident", "docket", "citation", "ticket")


class IntroductionRecognizer(PatternRecognizer):
    """A name someone gives that no participant entry lists: "my name is Maria Lopez", "name's Tom". An officer's
    introduction ("my name is Officer Diaz") stays."""

    entity = "name"
    patterns = (r"\b(?:my name is|my name's|name's|call me)\s+([a-z][a-z'-]+(?:\s+[a-z][a-z'-]+)?)",)
    keep_titles: ClassVar[frozenset[str]] = frozenset(
        "officer deputy sergeant sgt detective det trooper lieutenant lt corporal cpl agent captain chief".split()
    )
    not_names: ClassVar[frozenset[str]] = frozenset(
        "not what is isn't none nobody no yes and but the a i it that this at on in by back when if later after "
        "tomorrow tonight today now again sir ma'am maam anytime".split()
    )

    def __init__(self, keep_words: frozenset[str] = frozenset()) -> None:
        self.keep_words = keep_words

    def find(self, text: str) -> Iterator[Hit]:
        for pattern in self._compiled:
            for match in pattern.finditer(text):
                words = match.group(1).split()
                first = words[0].lower()
                if first in self.keep_titles or first in self.not_names or first in self.keep_words:
                    continue
                if len(words) > 1 and words[1].lower() in self.not_names:
                    words = words[:1]
                start = match.start(1)
                end = start + len(" ".join(words)) if len(words) > 1 else start + len(words[0])
                yield Hit(start, end, self.entity, "[name]", type(self).__name__)


class NameRecognizer(Recognizer):
    """The names of the encounter's civilians, whole or in part ("Arthur Bell", "Mr. Bell", "Arthur"), each
    replaced by its person's pseudonym. A part also in an officer's name stays unless the whole name is said; a part
    that is also an everyday word ("Will", "Rose") counts only with a capital letter."""

    entity = "name"
    honorifics: ClassVar[frozenset[str]] = frozenset(
        "mr mrs ms miss mx dr sir madam ma'am maam mister missus señor señora senor senora".split()
    )
    # what files call a speaker they have no name for: a role, not a name to look for in the text
    labels: ClassVar[frozenset[str]] = frozenset(
        "caller driver subject suspect man woman male female bystander witness neighbor neighbour unknown speaker "
        "person passenger victim resident other civilian complainant rp kid child boy girl guy lady".split()
    )
    everyday_words: ClassVar[frozenset[str]] = frozenset(
        "will may mark bill rose grace hope joy faith art bob pat sue frank grant young white brown green black "
        "king hunter chase dean drew jack jean ray sky summer june april august dawn rich penny lily ivy star "
        "cash gray grey long short little hall wood stone price rice baker cook miller page park lane".split()
    )

    def __init__(self, people: Mapping[str, str], keep_words: frozenset[str]) -> None:
        """PEOPLE: each civilian's name as written -> their pseudonym; KEEP_WORDS: officers' name parts."""
        folded: list[tuple[str, str, bool]] = []  # (phrase, pseudonym, everyday word)
        for name, pseudonym in people.items():
            parts = name_parts(name, self.honorifics)
            if not parts:
                continue
            if len(parts) > 1:
                folded.append((" ".join(parts), pseudonym, False))
            for part in parts:
                word = part.lower()
                if len(part) > 1 and word not in keep_words and word not in self.labels and part.isalpha():
                    folded.append((part, pseudonym, word in self.everyday_words))
        folded.sort(key=lambda f: -len(f[0]))  # the whole name before its parts
        self._pseudonyms = {phrase.lower(): pseudonym for phrase, pseudonym, _ in folded}
        self._any_case = _alternation([p for p, _, everyday in folded if not everyday], re.IGNORECASE)
        self._capitalised = _alternation([p for p, _, everyday in folded if everyday], 0)
        # a name spelled out, as on the radio: "f e r r e r", "F-E-R-R-E-R"
        spelled = {re.sub(r"\W", "", p).lower(): pseudonym for p, pseudonym, _ in folded if " " not in p}
        self._spelled = {word: pseudonym for word, pseudonym in spelled.items() if len(word) >= 3}

    def find(self, text: str) -> Iterator[Hit]:
        for pattern in (self._any_case, self._capitalised):
            if pattern is None:
                continue
            for match in pattern.finditer(text):
                phrase = re.sub(r"\s+", " ", match.group(0)).lower()
                yield Hit(match.start(), match.end(), self.entity, self._pseudonyms[phrase], type(self).__name__)
        for match in _SPELLED.finditer(text):
            word = re.sub(r"[\s.-]", "", match.group(0)).lower()
            if word in self._spelled:
                yield Hit(match.start(), match.end(), self.entity, self._spelled[word], type(self).__name__)


# three or more single letters apart: a word spelled out
_SPELLED = re.compile(r"(?<![\w])[a-z](?:[\s.-]+[a-z]){2,}(?![\w])", re.IGNORECASE)


def _alternation(phrases: list[str], flags: int) -> re.Pattern[str] | None:
    if not phrases:
        return None
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in phrases)
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])", flags)


def name_parts(name: str, honorifics: frozenset[str] = NameRecognizer.honorifics) -> list[str]:
    """The words of a name without titles, initials' dots or a note in brackets: 'Mr. Arthur Bell' -> Arthur, Bell;
    'Joan (neighbor)' -> Joan."""
    plain = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", name)
    words = [w.strip(".,'\"") for w in plain.split()]
    return [w for w in words if w and w.lower().rstrip(".") not in honorifics]


# --- applying the recognizers --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Redacted:
    """A text with its personal data replaced, and where each replacement went (to move offsets across)."""

    text: str
    hits: tuple[Hit, ...]  # in the original text's offsets, in order, not overlapping

    def offset(self, position: int, *, end: bool = False) -> int:
        """Where POSITION of the original text is in the redacted one; inside a replaced piece, its start (or, for
        the END of a span, its end), so a span around personal data covers its replacement."""
        shift = 0
        for hit in self.hits:
            if position <= hit.start:
                break
            if position < hit.end:
                new_start = hit.start + shift
                return new_start + len(hit.replacement) if end else new_start
            shift += len(hit.replacement) - (hit.end - hit.start)
        return position + shift


def _resolve(hits: list[Hit]) -> tuple[Hit, ...]:
    """Overlapping hits: the one that starts first wins, and of those the longest (a whole address over its
    number, which might also look like part of a phone number)."""
    chosen: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if chosen and hit.start < chosen[-1].end:
            continue
        chosen.append(hit)
    return tuple(chosen)


DEFAULT_RECOGNIZERS: tuple[type[PatternRecognizer], ...] = (
    PhoneRecognizer,
    PhoneDigitsRecognizer,
    AddressRecognizer,
    PlateRecognizer,
    DateOfBirthRecognizer,
)


class Redactor:
    """The recognizers for one encounter, and the civilians' pseudonyms (their ids and names)."""

    def __init__(self, recognizers: Sequence[Recognizer], pseudonyms: Mapping[str, str] | None = None) -> None:
        self.recognizers = tuple(recognizers)
        self.pseudonyms = dict(pseudonyms or {})  # civilian participant id -> pseudonym id

    @classmethod
    def for_encounter(cls, encounter: Encounter) -> Redactor:
        keep = frozenset(
            part.lower()
            for p in encounter.participants
            if p.role in KEEP_ROLES and p.name
            for part in name_parts(p.name)
        )
        labels: dict[str, str] = {}  # participant id -> "subject 1"
        counts: dict[str, int] = {}
        for p in encounter.participants:
            if p.role in KEEP_ROLES:
                continue
            counts[p.role.value] = counts.get(p.role.value, 0) + 1
            labels[p.id] = f"{p.role.value} {counts[p.role.value]}"
        people = {p.name: f"[{labels[p.id]}]" for p in encounter.participants if p.id in labels and p.name}
        recognizers: list[Recognizer] = [NameRecognizer(people, keep), IntroductionRecognizer(keep)]
        recognizers.extend(r() for r in DEFAULT_RECOGNIZERS)
        pseudonyms = {pid: label.replace(" ", "-") for pid, label in labels.items()}
        return cls(recognizers, pseudonyms)

    def hits(self, text: str) -> tuple[Hit, ...]:
        return _resolve([hit for r in self.recognizers for hit in r.find(text)])

    def text(self, text: str) -> Redacted:
        hits = self.hits(text)
        pieces, at = [], 0
        for hit in hits:
            pieces.append(text[at : hit.start])
            pieces.append(hit.replacement)
            at = hit.end
        pieces.append(text[at:])
        return Redacted("".join(pieces), hits)

    def value(self, value: Any) -> Any:
        """Every string inside VALUE (dicts, lists) redacted; keys and other values as they are. A civilian's
        participant id becomes their pseudonym's (readers make ids from what a file calls a speaker: a name)."""
        if isinstance(value, str):
            return self.pseudonyms.get(value) or self.text(value).text
        if isinstance(value, Mapping):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def speaker(self, participant_id: str) -> str:
        return self.pseudonyms.get(participant_id, participant_id)

    def encounter(self, encounter: Encounter) -> tuple[Encounter, dict[str, Redacted]]:
        """The encounter redacted, and each utterance's redaction by utterance id (to move findings' spans)."""
        data = encounter.to_json_dict()
        texts = {u.id: self.text(u.text) for u in encounter.utterances}
        known = {"format", "participants", "utterances", "events"}
        redacted: dict[str, Any] = {k: self.value(v) for k, v in data.items() if k not in known}
        redacted["format"] = data["format"]
        redacted["participants"] = [self._participant(p) for p in data["participants"]]
        redacted["utterances"] = [
            {**self.value({k: v for k, v in u.items() if k not in ("id", "speaker", "text")}),
             "id": u["id"], "speaker": self.speaker(u["speaker"]), "text": texts[u["id"]].text}
            for u in data["utterances"]
        ]  # fmt: skip
        if data.get("events"):
            redacted["events"] = [
                {**self.value(e), **({"by": self.speaker(e["by"])} if e.get("by") else {})} for e in data["events"]
            ]
        return Encounter.model_validate(redacted), texts

    def _participant(self, participant: Mapping[str, Any]) -> dict[str, Any]:
        pid = participant["id"]
        if pid not in self.pseudonyms:
            return dict(participant)
        pseudonym = self.pseudonyms[pid]
        rest = self.value({k: v for k, v in participant.items() if k not in ("id", "role", "name")})
        return {**rest, "id": pseudonym, "role": participant.get("role"), "name": f"[{pseudonym.replace('-', ' ')}]"}

    # what in a finding holds words someone said or wrote; the rest (label, rule, reviewer, times) is the system's
    FINDING_TEXT: ClassVar[tuple[str, ...]] = ("explanation", "comment", "evidence")

    def finding(self, record: Mapping[str, Any], utterance: Redacted | None) -> dict[str, Any]:
        """A finding record (Finding.to_dict(), or its view) with its quote and span moved onto the redacted text."""
        data = {k: (self.value(v) if k in self.FINDING_TEXT else v) for k, v in record.items()}
        if "speaker" in record:
            data["speaker"] = self.speaker(record["speaker"])
        span = record.get("span")
        if utterance is not None and isinstance(span, (list, tuple)) and len(span) == 2:
            start, end = utterance.offset(span[0]), utterance.offset(span[1], end=True)
            data["span"] = [start, end]
            data["quote"] = utterance.text[start:end]
        else:
            data["span"] = span
            data["quote"] = self.value(record.get("quote"))
        return data


def redact_encounter(encounter: Encounter) -> Encounter:
    """ENCOUNTER with its civilians' personal data replaced."""
    return Redactor.for_encounter(encounter).encounter(encounter)[0]
