"""Fuzzy matching of a person named in a call to the persons on record.

An exact (last, first, date of birth) lookup misses the person whose date of
birth was taken down with day and month swapped, or is missing from the
record, and so hides an active "displayed a gun" flag. Here every candidate
gets points for names (exact, short form, typo, sound-alike, swapped), date of
birth (exact, day/month swapped, one digit off, year off by one), the age the
caller gave and ties to the premise, each with its reason; weights and bands
live in matching.yaml.

Candidates come only through the (last_name, first_name, date_of_birth) index:
the same surname; a surname sharing its first two letters with the first name
or a short form of it (typos after the second letter); and the names swapped.
A person whose surname is misspelt in its first two letters is not found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from deescalate.datafile import load_data_file
from deescalate.errors import Code
from deescalate.store.addresses import normalize_address
from deescalate.store.models import Call, CallPerson, Person, Premise

CANDIDATES_PER_QUERY = 200
TIED_CANDIDATES = 30
PARTY_CALLS = 300  # the best-scoring candidates whose ties to the premise are looked up


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    last_exact: float
    last_typo: float
    last_phonetic: float
    first_exact: float
    first_nickname: float
    first_typo: float
    first_initial: float
    first_different: float
    names_swapped: float
    dob_exact: float
    dob_day_month_swapped: float
    dob_digits_transposed: float
    dob_one_digit: float
    dob_year_off_by_one: float
    dob_different: float
    age_close: float
    age_near: float
    age_far: float
    same_premise: float
    same_street: float


class Bands(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    confirmed: float
    possible: float
    margin: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if self.possible >= self.confirmed:
            raise ValueError("bands.possible must be below bands.confirmed")
        return self


class MatchingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    weights: Weights
    age_close_years: int = Field(ge=0)
    age_near_years: int = Field(ge=0)
    age_far_years: int = Field(ge=0)
    bands: Bands
    nicknames: tuple[tuple[str, ...], ...] = ()

    @model_validator(mode="after")
    def _checked(self) -> MatchingConfig:
        if not self.age_close_years <= self.age_near_years <= self.age_far_years:
            raise ValueError("age_close_years <= age_near_years <= age_far_years must hold")
        for i, group in enumerate(self.nicknames):
            if len(group) < 2:
                raise ValueError(f"nicknames[{i}] needs two names or more")
            for name in group:
                if not re.fullmatch(r"[a-z][a-z' -]*", name):
                    raise ValueError(f"nicknames[{i}]: {name!r} must be a lower-case name")
        return self

    def forms(self, first: str) -> frozenset[str]:
        """FIRST and every name that shares a nickname group with it (lower case)."""
        key = _plain(first)
        out = {key}
        for group in self.nicknames:
            if key in group:
                out.update(group)
        return frozenset(out)


@cache
def load_matching(path: Path | None = None) -> MatchingConfig:
    """The matching weights (matching.yaml beside this module, or PATH); E098 if invalid."""
    return load_data_file(
        MatchingConfig, package=__package__, name="matching.yaml", path=path, code=Code.E098, what="matching file"
    )


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Score:
    points: float
    reasons: tuple[str, ...]


def _plain(name: str | None) -> str:
    return re.sub(r"[^a-z]", "", (name or "").casefold())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent swaps counting one (optimal string alignment); past 2, a lower bound."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > 2:  # farther than any typo we look for: no need for the exact figure
        return abs(len(a) - len(b))
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


_SOUNDEX = {c: d for d, letters in enumerate(("", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r")) for c in letters}


def soundex(name: str) -> str:
    """American Soundex (H and W do not separate equal codes; vowels do)."""
    s = _plain(name)
    if not s:
        return ""
    out, last = s[0].upper(), _SOUNDEX.get(s[0], 0)
    for c in s[1:]:
        code = _SOUNDEX.get(c, 0)
        if code and code != last:
            out += str(code)
        if c not in "hw":
            last = code
    return (out + "000")[:4]


def _close(a: str, b: str) -> bool:
    return edit_distance(a, b) <= (2 if min(len(a), len(b)) >= 8 else 1)


def _last(given: str, record: str, w: Weights) -> tuple[float, str] | None:
    a, b = _plain(given), _plain(record)
    if not a or not b:
        return None
    if a == b:
        return w.last_exact, "same surname"
    if len(a) >= 3 and _close(a, b):
        return w.last_typo, f"surname spelt nearly the same ({given} / {record})"
    if soundex(a) == soundex(b):
        return w.last_phonetic, f"surname sounds the same ({given} / {record})"
    return None


def _first(given: str | None, record: str | None, config: MatchingConfig) -> tuple[float, str]:
    w = config.weights
    a, b = _plain(given), _plain(record)
    if not a or not b:
        return 0.0, "no first name " + ("in the call" if not a else "on record")
    if a == b:
        return w.first_exact, "same first name"
    if len(a) > 1 and len(b) > 1 and b in config.forms(a):
        return w.first_nickname, f"{given} and {record} are forms of one first name"
    if min(len(a), len(b)) >= 4 and edit_distance(a, b) <= 1:
        return w.first_typo, f"first name spelt nearly the same ({given} / {record})"
    if a[0] == b[0]:
        return w.first_initial, "same first initial"
    return w.first_different, f"different first name ({given} / {record})"


def score_names(
    first: str | None, last: str, record_first: str | None, record_last: str | None, *, config: MatchingConfig
) -> Score | None:
    """Points for the names, the better of straight and swapped; None when the surnames have nothing in common."""
    w = config.weights
    options: list[Score] = []
    straight = _last(last, record_last or "", w)
    if straight is not None:
        points, reason = _first(first, record_first, config)
        options.append(Score(straight[0] + points, (_joined(straight[1], reason),)))
    if first and record_first and record_last:
        crossed = _last(last, record_first, w)
        if crossed is not None and crossed[0] == w.last_exact:
            points, _ = _first(first, record_last, config)
            if points >= w.first_typo:
                options.append(Score(crossed[0] + points + w.names_swapped, ("first and last names swapped",)))
    return max(options, key=lambda s: s.points, default=None)


def _joined(last_reason: str, first_reason: str) -> str:
    if last_reason.startswith("same ") and first_reason.startswith("same "):
        return f"{last_reason} and {first_reason.removeprefix('same ')}"
    return f"{last_reason}, {first_reason}"


def score_dob(given: date | None, record: date | None, *, config: MatchingConfig) -> Score:
    w = config.weights
    if given is None or record is None:
        return Score(0.0, ("no date of birth " + ("in the call" if given is None else "on record"),))
    if given == record:
        return Score(w.dob_exact, ("same date of birth",))
    if given.day <= 12 and given.day != given.month and _swapped(given) == record:
        return Score(w.dob_day_month_swapped, ("date of birth day/month swapped",))
    if abs(given.year - record.year) == 1 and (given.month, given.day) == (record.month, record.day):
        return Score(w.dob_year_off_by_one, ("date of birth year off by one",))
    a, b = given.strftime("%Y%m%d"), record.strftime("%Y%m%d")
    diff = [i for i in range(8) if a[i] != b[i]]
    if len(diff) == 1:
        return Score(w.dob_one_digit, ("date of birth one digit off",))
    if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
        return Score(w.dob_digits_transposed, ("date of birth with two digits transposed",))
    return Score(w.dob_different, (f"different date of birth ({given.isoformat()} / {record.isoformat()})",))


def _swapped(d: date) -> date | None:
    try:
        return date(d.year, d.day, d.month)
    except ValueError:
        return None


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def score_age(stated: int | None, record_dob: date | None, *, on: date, config: MatchingConfig) -> Score:
    """The age the call gives against the record's date of birth; nothing either side, no evidence."""
    if stated is None or record_dob is None:
        return Score(0.0, ())
    actual = age_on(record_dob, on)
    gap = abs(actual - stated)
    w = config.weights
    said = f"stated age {stated}, record {actual}"
    if gap <= config.age_close_years:
        return Score(w.age_close, (said,))
    if gap <= config.age_near_years:
        return Score(w.age_near, (said,))
    if gap > config.age_far_years:
        return Score(w.age_far, (said,))
    return Score(0.0, (said,))


_AGE = re.compile(
    r"\b(?:age[d]?\s*(\d{1,3})|(\d{1,3})\s*(?:yo|y/o|yrs?(?:\s+old)?|years?(?:[\s-]+old)?|-year-old))\b", re.IGNORECASE
)


def stated_age(text: str | None) -> int | None:
    """An age in a person's description ("about 45 years old", "age 30", "19yo"), if any."""
    m = _AGE.search(text or "")
    if m is None:
        return None
    age = int(m.group(1) or m.group(2))
    return age if 0 < age < 120 else None


def street_of(address: str) -> str:
    """The street of a normalised address: without the house number and the unit."""
    words = [w for w in normalize_address(address).split() if not w.startswith("#")]
    while words and any(c.isdigit() for c in words[0]):
        words.pop(0)
    return " ".join(words)


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class Candidate:
    person: Person
    score: float
    reasons: tuple[str, ...]
    band: Literal["confirmed", "possible"]


@dataclass(frozen=True)
class Matches:
    confirmed: Candidate | None
    possible: tuple[Candidate, ...]


def _spellings(names: Iterable[str]) -> list[str]:
    # Comparing lower(name) would skip the name index; records hold a name in one of these spellings.
    out: set[str] = set()
    for n in names:
        out.update({n, n.lower(), n.upper(), n.title(), n.capitalize()})
    return sorted(out)


def _starts_with(column: QueryableAttribute[str | None], prefix: str) -> ColumnElement[bool]:
    """COLUMN begins with PREFIX in any usual casing, as index ranges (LIKE would not use the index everywhere)."""
    ranges = []
    for p in sorted({prefix.lower(), prefix.upper(), prefix.title()}):
        ranges.append(and_(column >= p, column < p[:-1] + chr(ord(p[-1]) + 1)))
    return or_(*ranges)


@dataclass(frozen=True)
class _Record:
    id: int
    first_name: str | None
    last_name: str | None
    date_of_birth: date | None


# Only the indexed columns: SQLite and PostgreSQL answer from the (last, first, dob) index alone.
_INDEXED = (Person.id, Person.first_name, Person.last_name, Person.date_of_birth)


def _candidates(session: Session, first: str | None, last: str, config: MatchingConfig) -> list[_Record]:
    first = (first or "").strip() or None
    forms = sorted(config.forms(first)) if first else []
    queries = []
    same_last = Person.last_name.in_(_spellings([last]))
    if first:
        initial = _plain(first)[:1] or first[:1]
        queries.append(
            select(*_INDEXED).where(
                same_last,
                or_(
                    Person.first_name.in_(_spellings([first, *forms])),
                    Person.first_name.is_(None),
                    _starts_with(Person.first_name, initial),
                ),
            )
        )
        if len(_plain(last)) >= 3:
            queries.append(
                select(*_INDEXED).where(
                    _starts_with(Person.last_name, last.strip()[:2]),
                    Person.first_name.in_(_spellings([first, *forms])),
                )
            )
        queries.append(
            select(*_INDEXED).where(
                Person.last_name.in_(_spellings([first])), Person.first_name.in_(_spellings([last]))
            )
        )
    else:
        queries.append(select(*_INDEXED).where(same_last))
    found: dict[int, _Record] = {}
    for q in queries:
        for row in session.execute(q.limit(CANDIDATES_PER_QUERY)):
            found.setdefault(row[0], _Record(*row))
    return sorted(found.values(), key=lambda r: r.id)


def _ties(session: Session, ids: list[int], premise: Premise | None, before: datetime) -> dict[int, str]:
    """For each of IDS tied to PREMISE by a prior call: 'premise'; else to its street: 'street'."""
    if premise is None or not ids:
        return {}
    rows = session.execute(
        select(CallPerson.person_id, Call.premise_id)
        .join(Call, Call.id == CallPerson.call_id)
        .where(CallPerson.person_id.in_(ids), Call.received_at < before, Call.premise_id.is_not(None))
        .distinct()
    ).all()
    out = {pid: "premise" for pid, premise_id in rows if premise_id == premise.id}
    others = {premise_id for pid, premise_id in rows if pid not in out}
    if not others:
        return out
    street = street_of(premise.address)
    on_street = {
        i
        for i, address in session.execute(select(Premise.id, Premise.address).where(Premise.id.in_(others)))
        if street and street_of(address) == street
    }
    for pid, premise_id in rows:
        if pid not in out and premise_id in on_street:
            out[pid] = "street"
    return out


def match_person(
    session: Session,
    *,
    first_name: str | None,
    last_name: str | None,
    date_of_birth: date | None,
    age: int | None = None,
    premise: Premise | None = None,
    at: datetime,
    config: MatchingConfig | None = None,
) -> Matches:
    """The confirmed match (if one stands out) and the possible matches for a person named in a call at AT."""
    config = config or load_matching()
    if not (last_name or "").strip():
        return Matches(None, ())
    last = (last_name or "").strip()
    w, bands = config.weights, config.bands
    scored: list[tuple[float, tuple[str, ...], _Record]] = []
    for person in _candidates(session, first_name, last, config):
        names = score_names(first_name, last, person.first_name, person.last_name, config=config)
        if names is None:
            continue
        dob = score_dob(date_of_birth, person.date_of_birth, config=config)
        parts = [names, dob]
        if date_of_birth is None:
            parts.append(score_age(age, person.date_of_birth, on=at.date(), config=config))
        points = sum(p.points for p in parts)
        scored.append((points, tuple(r for p in parts for r in p.reasons), person))
    best_tie = max(w.same_premise, w.same_street, 0.0)
    scored = sorted((s for s in scored if s[0] + best_tie >= bands.possible), key=lambda s: (-s[0], s[2].id))
    scored = scored[:TIED_CANDIDATES]
    ties = _ties(session, [p.id for _, _, p in scored], premise, at)
    final: list[tuple[float, tuple[str, ...], _Record]] = []
    for points, reasons, person in scored:
        tie = ties.get(person.id)
        if tie == "premise":
            points, reasons = points + w.same_premise, (*reasons, "prior calls at this premise")
        elif tie == "street":
            points, reasons = points + w.same_street, (*reasons, "prior calls on the same street")
        if points >= bands.possible:
            final.append((points, reasons, person))
    final.sort(key=lambda s: (-s[0], s[2].id))
    ids = [r.id for _, _, r in final]
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    confirmed = None
    if final and final[0][0] >= bands.confirmed:
        runner_up = final[1][0] if len(final) > 1 else float("-inf")
        if final[0][0] - runner_up >= bands.margin:
            confirmed = Candidate(people[final[0][2].id], final[0][0], final[0][1], "confirmed")
            final = final[1:]
    return Matches(confirmed, tuple(Candidate(people[p.id], s, r, "possible") for s, r, p in final))


# --------------------------------------------------------------------------- people of a premise


@dataclass(frozen=True)
class PremiseParty:
    person: Person
    calls: int
    roles: dict[str, int]  # role -> number of calls in it
    last_seen: datetime


def premise_parties(session: Session, *, premise: Premise, before: datetime, limit: int = 8) -> list[PremiseParty]:
    """The people most often named in the last PARTY_CALLS calls at PREMISE before BEFORE (residents,
    frequent callers and subjects); a busy address's whole history would cost too much per briefing."""
    recent = (
        select(Call.id, Call.received_at)
        .where(Call.premise_id == premise.id, Call.received_at < before)
        .order_by(Call.received_at.desc())
        .limit(PARTY_CALLS)
        .subquery()
    )
    rows = session.execute(
        select(CallPerson.person_id, CallPerson.role, recent.c.id, recent.c.received_at).join(
            recent, recent.c.id == CallPerson.call_id
        )
    ).all()
    calls: dict[int, set[int]] = {}
    roles: dict[int, dict[str, int]] = {}
    last: dict[int, datetime] = {}
    for pid, role, call_id, received in rows:
        calls.setdefault(pid, set()).add(call_id)
        mine = roles.setdefault(pid, {})
        mine[role] = mine.get(role, 0) + 1
        last[pid] = max(last.get(pid, received), received)
    by_recency = sorted(calls, key=lambda pid: (last[pid], -pid), reverse=True)
    top = sorted(by_recency, key=lambda pid: -len(calls[pid]))[:limit]  # stable: the most recent first among equals
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(top)))} if top else {}
    return [PremiseParty(people[pid], len(calls[pid]), roles[pid], last[pid]) for pid in top if pid in people]
