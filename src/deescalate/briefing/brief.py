"""The pre-arrival briefing (checklist items 1 and 2).

From the call as dispatch hands it over and the agency's records: the call in
one line; each critical question of item 1 answered known / partly known /
unknown, with facts, their sources and their age (the caller's own words kept
verbatim, uncertainty and all); premise history; the people's history and
caution flags (expired flags shown as expired); what is still missing and who
can supply it; triage and resources, each naming the rule that decided it; and
the policy excerpts that apply.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deescalate.briefing.call import CallIn
from deescalate.briefing.cautions import BannerLine, caution_banner
from deescalate.briefing.context import Lexicon, Mention, Reading, load_lexicon, read
from deescalate.briefing.rules import (
    Facts,
    PolicyPack,
    RuleBook,
    holds,
    load_policy,
    load_rules,
    policy_sections,
    terms,
    topics,
)
from deescalate.checklist import load_checklist
from deescalate.store.addresses import find_premise
from deescalate.store.layouts import priority_level
from deescalate.store.matching import MatchingConfig, load_matching, match_person, premise_parties, stated_age
from deescalate.store.models import Call, CallPerson, Flag, Person, Premise
from deescalate.zones import agency_zone, localize_call

RECENT_CALLS = 5
PERSON_RECENT_CALLS = 3


@dataclass(frozen=True)
class Fact:
    text: str
    source: str  # "caller (verbatim)", "dispatch", "premise history", "flag entered by ..."
    age_days: float | None = None
    verbatim: bool = False
    # how the caller's words were read (context.py): affirmed, negated, uncertain, hypothetical
    status: str | None = None
    cue: str | None = None


@dataclass(frozen=True)
class Answer:
    question: str
    status: str  # "known", "partly known", "unknown"
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class FlagView:
    category: str
    text: str
    status: str  # active / expired / review due
    on: str  # person name or "premise"
    entered_by: str
    entered_at: str
    age_days: float
    source_call: str | None
    expires_at: str | None


@dataclass(frozen=True)
class PriorCall:
    number: str
    when: str
    age_days: float
    type: str
    disposition: str | None
    reporting_officer: str | None
    narrative: str | None


@dataclass(frozen=True)
class PersonHistory:
    """A person named in the call: the confirmed record (known) and the possible ones, each with its flags."""

    name: str
    role: str
    known: bool
    prior_calls: int
    recent: tuple[PriorCall, ...]
    flags: tuple[FlagView, ...]
    match: str = "confirmed"  # confirmed / possible / none
    score: float | None = None
    reasons: tuple[str, ...] = ()  # why this record is (possibly) the person, e.g. "same surname and first initial"
    date_of_birth: str | None = None  # the record's
    possible_matches: tuple[PersonHistory, ...] = ()


@dataclass(frozen=True)
class PremiseParty:
    """Someone tied to the premise by prior calls (a resident, a frequent caller or subject)."""

    name: str
    date_of_birth: str | None
    calls: int
    roles: dict[str, int]
    last_seen: str
    flags: tuple[FlagView, ...]


@dataclass(frozen=True)
class Missing:
    what: str
    who_can_supply: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    outcome: str
    responder: str | None
    reason: str
    rule: str


@dataclass(frozen=True)
class Recommendation:
    resource: str
    reason: str
    rule: str


@dataclass(frozen=True)
class Excerpt:
    title: str
    text: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class Briefing:
    call_line: str
    call: dict[str, Any]
    answers: tuple[Answer, ...]
    premise: str | None
    lookback_days: int
    premise_counts: dict[str, int]
    premise_recent: tuple[PriorCall, ...]
    premise_flags: tuple[FlagView, ...]
    people: tuple[PersonHistory, ...]
    missing: tuple[Missing, ...]
    triage: Decision
    resources: tuple[Recommendation, ...]
    policy_name: str
    policy_is_example: bool
    policy: tuple[Excerpt, ...]
    generated_ms: float = field(default=0.0)
    cautions: tuple[BannerLine, ...] = ()  # the officer-safety banner, most dangerous first
    premise_people: tuple[PremiseParty, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        return asdict(self)


def _age(now: datetime, then: datetime) -> float:
    then = then if then.tzinfo else then.replace(tzinfo=UTC)
    return round((now - then).total_seconds() / 86400, 1)


def _iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).isoformat(timespec="minutes")


def _flag_view(flag: Flag, on: str, now: datetime, numbers: dict[int, str]) -> FlagView:
    return FlagView(
        category=flag.category,
        text=flag.text,
        status=flag.status(now),
        on=on,
        entered_by=flag.entered_by,
        entered_at=_iso(flag.entered_at) or "",
        age_days=_age(now, flag.entered_at),
        source_call=numbers.get(flag.source_call_id) if flag.source_call_id else None,
        expires_at=_iso(flag.expires_at),
    )


def _prior(call: Call, now: datetime) -> PriorCall:
    return PriorCall(
        number=call.number,
        when=_iso(call.received_at) or "",
        age_days=_age(now, call.received_at),
        type=call.type_text or call.type_code or "unknown",
        disposition=call.disposition,
        reporting_officer=call.reporting_officer,
        narrative=call.narrative,
    )


def _priority(value: str | None) -> int | None:
    """The call's priority on the one scale (1 most urgent ... 5) from digits, letters or words."""
    return priority_level(value)


# Officer-safety flags of a possible match or of someone tied to the premise count as known
# hazards (never hidden), named as what they are: "(active flag on Dana Whitfield (possible match))".
OFFICER_SAFETY = frozenset({"weapon", "violence_toward_officers"})
POSSIBLE_SHOWN = 3


def _history(session: Session, person: Person, at: datetime) -> tuple[int, tuple[PriorCall, ...], list[Flag]]:
    # a person can be on one call twice (caller and victim): count and list calls once
    n_calls = session.scalar(
        select(func.count(func.distinct(CallPerson.call_id)))
        .join(Call, Call.id == CallPerson.call_id)
        .where(CallPerson.person_id == person.id, Call.received_at < at)
    )
    their_ids = select(CallPerson.call_id).where(CallPerson.person_id == person.id).distinct()
    their_calls = session.scalars(
        select(Call)
        .where(Call.id.in_(their_ids), Call.received_at < at)
        .order_by(Call.received_at.desc())
        .limit(PERSON_RECENT_CALLS)
    ).all()
    flags = list(session.scalars(select(Flag).where(Flag.person_id == person.id)))
    return int(n_calls or 0), tuple(_prior(c, at) for c in their_calls), flags


def brief(
    call: CallIn,
    *,
    session: Session,
    rules: RuleBook | None = None,
    policy: PolicyPack | None = None,
    now: datetime | None = None,
    zone: tzinfo | None = None,
    matching: MatchingConfig | None = None,
    cues: Lexicon | None = None,
) -> Briefing:
    """The briefing for CALL. History (prior calls, flag status and ages) is measured from the call's
    received time; NOW (default: the clock) only says how long ago it was received. Times without an
    offset are read in ZONE (default: the agency's, DEESCALATE_TIMEZONE)."""
    started = time.perf_counter()
    rules = rules or load_rules()
    cues = cues or load_lexicon()
    policy = policy or load_policy()
    now = now or datetime.now(UTC)
    call = localize_call(call, zone=zone or agency_zone())
    at = call.received_at.astimezone(UTC)  # the store holds UTC; SQLite compares the digits
    since = at - timedelta(days=rules.lookback_days)

    premise = None
    if call.address:
        premise = find_premise(session, call.address)  # a house number also finds its block ("25XX ...")
    counts: dict[str, int] = {}
    recent: list[PriorCall] = []
    premise_flags: list[FlagView] = []
    if premise is not None:
        rows = session.execute(
            select(Call.type_text, func.count())
            .where(Call.premise_id == premise.id, Call.received_at >= since, Call.received_at < at)
            .group_by(Call.type_text)
        ).all()
        counts = dict(sorted(((t or "unknown", n) for t, n in rows), key=lambda kv: -kv[1]))
        recent = [
            _prior(c, at)
            for c in session.scalars(
                select(Call)
                .where(Call.premise_id == premise.id, Call.received_at < at, Call.number != call.number)
                .order_by(Call.received_at.desc())
                .limit(RECENT_CALLS)
            )
        ]
    premise_flag_rows = list(session.scalars(select(Flag).where(Flag.premise_id == premise.id))) if premise else []

    people, premise_people, active_elsewhere, person_views = _people(
        session, call, at=at, premise=premise, config=matching or load_matching()
    )
    premise_numbers = _numbers(session, premise_flag_rows)
    premise_flags = [_flag_view(f, "premise", at, premise_numbers) for f in premise_flag_rows]
    active = [v for v in person_views + premise_flags if v.status != "expired"] + active_elsewhere

    said = " ".join(filter(None, [call.narrative, *(n.text for n in call.notes)]))
    banner = caution_banner(call.cautions)
    # dispatch's officer-safety cautions (EIDO cautionComponent) count like the records' active flags
    flag_texts = [v.text for v in active] + [f"{c.kind}: {c.text}" for c in call.cautions]
    facts = Facts(
        text=said.lower(),
        call_type=(call.type_text or "").lower(),
        type_code=call.type_code or "",
        priority=_priority(call.priority),
        # a caution's class counts as the same-named flag category (weapon, violence toward officers, dog)
        flag_categories=frozenset(v.category for v in active) | {line.category for line in banner},
        flag_texts=" ".join(flag_texts).lower(),
        premise_calls=sum(counts.values()),
        reading=read([call.narrative, *(n.text for n in call.notes)], look_alikes=rules.look_alikes, lexicon=cues),
        flag_reading=read(flag_texts, look_alikes=rules.look_alikes, lexicon=cues),
        type_reading=read([call.type_text or ""], lexicon=cues),
    )
    triage_rule = next(r for r in rules.triage if holds(r.when, facts, rules.vocab))
    triage = Decision(triage_rule.outcome, triage_rule.responder, triage_rule.reason, triage_rule.name)
    recommended = tuple(
        Recommendation(r.recommend, r.reason, r.name) for r in rules.resources if holds(r.when, facts, rules.vocab)
    )
    found_topics = topics(facts, rules.vocab)
    excerpts = tuple(Excerpt(s.title, s.text, s.citations) for s in policy_sections(policy, facts, found_topics))

    guidance = [e.title for e in excerpts]
    answers, missing = _answers(call, now, facts, rules, counts, recent, people, active, premise_flags, guidance, cues)
    return Briefing(
        call_line=_call_line(call, now),
        call=call.model_dump(mode="json"),
        answers=answers,
        premise=premise.address if premise else None,
        lookback_days=rules.lookback_days,
        premise_counts=counts,
        premise_recent=tuple(recent),
        premise_flags=tuple(premise_flags),
        people=tuple(people),
        missing=missing,
        triage=triage,
        resources=recommended,
        policy_name=policy.name,
        policy_is_example=policy.example,
        policy=excerpts,
        generated_ms=round((time.perf_counter() - started) * 1000, 2),
        cautions=banner,
        premise_people=tuple(premise_people),
    )


def _numbers(session: Session, flags: list[Flag]) -> dict[int, str]:
    """Call numbers of the flags' source calls."""
    ids = {f.source_call_id for f in flags if f.source_call_id}
    if not ids:
        return {}
    return dict(session.execute(select(Call.id, Call.number).where(Call.id.in_(ids))).all())  # type: ignore[arg-type]


def _people(
    session: Session, call: CallIn, *, at: datetime, premise: Premise | None, config: MatchingConfig
) -> tuple[list[PersonHistory], list[PremiseParty], list[FlagView], list[FlagView]]:
    """The named people (confirmed and possible records), the people tied to the premise, the active
    officer-safety flags of possible matches and premise people, and the flag views of confirmed records."""
    people: list[PersonHistory] = []
    shown: set[int] = set()
    confirmed_views: list[FlagView] = []
    elsewhere: list[FlagView] = []
    for p in call.persons:
        found = match_person(
            session,
            first_name=p.first_name,
            last_name=p.last_name,
            date_of_birth=p.date_of_birth,
            age=stated_age(p.description),
            premise=premise,
            at=at,
            config=config,
        )
        possible: list[PersonHistory] = []
        for candidate in found.possible[:POSSIBLE_SHOWN]:
            n, recent, flags = _history(session, candidate.person, at)
            name = candidate.person.name
            views = tuple(_flag_view(f, f"{name} (possible match)", at, _numbers(session, flags)) for f in flags)
            elsewhere += [v for v in views if v.status != "expired" and v.category in OFFICER_SAFETY]
            possible.append(
                PersonHistory(
                    name,
                    p.role,
                    False,
                    n,
                    recent,
                    views,
                    "possible",
                    candidate.score,
                    candidate.reasons,
                    _day(candidate.person.date_of_birth),
                )
            )
            shown.add(candidate.person.id)
        c = found.confirmed
        if c is None:
            people.append(PersonHistory(p.name, p.role, False, 0, (), (), "none", possible_matches=tuple(possible)))
            continue
        shown.add(c.person.id)
        n, recent, flags = _history(session, c.person, at)
        views = tuple(_flag_view(f, c.person.name, at, _numbers(session, flags)) for f in flags)
        confirmed_views += views
        people.append(
            PersonHistory(
                c.person.name,
                p.role,
                True,
                n,
                recent,
                views,
                "confirmed",
                c.score,
                c.reasons,
                _day(c.person.date_of_birth),
                tuple(possible),
            )
        )

    parties: list[PremiseParty] = []
    if premise is not None:
        tied = [t for t in premise_parties(session, premise=premise, before=at) if t.person.id not in shown]
        all_flags = (
            list(session.scalars(select(Flag).where(Flag.person_id.in_([t.person.id for t in tied])))) if tied else []
        )
        numbers = _numbers(session, all_flags)
        for t in tied:
            name = t.person.name
            views = tuple(
                _flag_view(f, f"{name} (tied to the premise)", at, numbers)
                for f in all_flags
                if f.person_id == t.person.id
            )
            elsewhere += [v for v in views if v.status != "expired" and v.category in OFFICER_SAFETY]
            parties.append(
                PremiseParty(name, _day(t.person.date_of_birth), t.calls, t.roles, _iso(t.last_seen) or "", views)
            )
    return people, parties, elsewhere, confirmed_views


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _call_line(call: CallIn, now: datetime) -> str:
    received = call.received_at if call.received_at.tzinfo else call.received_at.replace(tzinfo=UTC)
    minutes = max(0, int((now - received).total_seconds() // 60))
    kind = call.type_text or call.type_code or "call"
    prio = f"P{_priority(call.priority)} " if _priority(call.priority) else ""
    where = call.address or "location unknown"
    # an old call (a replayed EIDO, a training file) says when, not "received 1342621 min ago"
    ago = (
        f"{minutes} min ago"
        if minutes < 24 * 60
        else f"{received.isoformat(timespec='minutes')}, {minutes // 1440} days ago"
    )
    return f"{call.number}: {prio}{kind} at {where}, received {ago}"


# a sentence with several mentions is shown with the reading that puts the most in it
_STRENGTH = {"affirmed": 0, "uncertain": 1, "hypothetical": 2, "negated": 3}
UNCONFIRMED = ("uncertain", "hypothetical")


def _verbatim(call: CallIn, found: list[Mention]) -> list[Fact]:
    """The caller's sentences that mention the terms, word for word, with how they were read."""
    sources = ["caller (verbatim)"] + [f"note by {n.author or 'call-taker'} (verbatim)" for n in call.notes]
    best: dict[tuple[int, str], Mention] = {}
    for m in found:
        key = (m.source, m.sentence)
        if key not in best or _STRENGTH[m.status] < _STRENGTH[best[key].status]:
            best[key] = m
    return [Fact(m.sentence, sources[m.source], None, True, m.status, m.cue) for m in best.values()]


def _unconfirmed(
    reading: Reading, rules: RuleBook, lexicon: Lexicon, who: dict[str, tuple[str, ...]]
) -> dict[str, Missing]:
    """By vocabulary name, a fact said only as possible, hearsay or a supposition: what to confirm, with whom."""
    out: dict[str, Missing] = {}
    for name, suppliers in lexicon.confirm_with.items():
        found = reading.find(terms((f"@{name}",), rules.vocab))
        affirmed = {m.term for m in found if m.status == "affirmed"}
        for m in found:
            if m.status in UNCONFIRMED and m.term not in affirmed:
                label = lexicon.labels.get(name, name)
                how = "supposed, not said to be so" if m.status == "hypothetical" else "possible, not confirmed"
                out[name] = Missing(
                    f'confirm {label}: {how} ("{m.cue}"): "{m.sentence}"',
                    tuple(dict.fromkeys(x for s in suppliers for x in who.get(s, (s,)))),
                )
                break
    return out


def _caution_fact(c: BannerLine) -> Fact:
    return Fact(f"{c.text} (dispatch caution: {c.kind})", f"caution from {c.source or 'dispatch'}", None, True)


def _answers(
    call: CallIn,
    now: datetime,
    facts: Facts,
    rules: RuleBook,
    counts: dict[str, int],
    recent: list[PriorCall],
    people: list[PersonHistory],
    active: list[FlagView],
    premise_flags: list[FlagView],
    guidance: list[str],
    cues: Lexicon,
) -> tuple[tuple[Answer, ...], tuple[Missing, ...]]:
    questions = load_checklist().item("C1").questions
    vocab = rules.vocab
    callback = "caller callback" + (f" ({call.caller_phone})" if call.caller_phone else "")
    prior_officers = sorted({c.reporting_officer for c in recent if c.reporting_officer})
    prior_officer = f"prior reporting officer ({', '.join(prior_officers[:2])})" if prior_officers else None
    family = "family or others who know the person"
    on_scene = "RP on scene" if call.caller_on_scene else None

    def who(*options: str | None) -> tuple[str, ...]:
        return tuple(o for o in options if o)

    answers: list[Answer] = []
    missing: list[Missing] = []

    def add(
        q: str, found: list[Fact], gap: str | None = None, suppliers: tuple[str, ...] = (), partly: bool = False
    ) -> None:
        status = "unknown" if not found else ("partly known" if partly or gap else "known")
        answers.append(Answer(q, status, tuple(found)))
        if gap:
            missing.append(Missing(gap, suppliers))

    received = Fact(f"{call.type_text or call.type_code or 'call'}, priority {call.priority or 'not set'}", "dispatch")
    narrative = [Fact(call.narrative, "caller (verbatim)", None, True)] if call.narrative else []
    add(questions[0], [received, *narrative])

    said = facts.said
    suppliers_for = {"caller": who(callback, on_scene), "prior reporting officer": who(prior_officer)}
    unconfirmed = _unconfirmed(said, rules, cues, suppliers_for)
    weapon_words = said.find(terms(("@weapon",), vocab))
    weapons = _verbatim(call, weapon_words)
    weapon_flags = [v for v in active if v.category == "weapon"]
    weapons += [
        Fact(f"{v.text} ({v.status} flag on {v.on})", f"flag entered by {v.entered_by}", v.age_days)
        for v in weapon_flags
    ]
    cautions = caution_banner(call.cautions)
    weapons += [_caution_fact(c) for c in cautions if c.category == "weapon"]
    mental_words = said.find(terms(("@mental_health", "@substance", "@suicide"), vocab))
    mental_flags = [
        Fact(f"{v.text} ({v.status} flag on {v.on})", f"flag entered by {v.entered_by}", v.age_days)
        for v in active
        if v.category in ("mental_health_crisis", "substance_use")
    ]
    mental_flags += [_caution_fact(c) for c in cautions if c.category == "medical_mental_health"]
    mental = _verbatim(call, mental_words) + mental_flags
    caller_bits = [
        Fact(
            f"caller: {call.caller_name or 'name not given'}"
            + (f", callback {call.caller_phone}" if call.caller_phone else ""),
            "dispatch",
        )
    ] + narrative
    live = []
    if call.caller_on_scene:
        live.append(Fact("the caller is on scene", "dispatch"))
    live += [
        Fact(f"{p.name} ({p.role}) is named in the call", "dispatch")
        for p in call.persons
        if p.role in ("caller", "witness")
    ]
    history = (
        [Fact(f"{sum(counts.values())} prior calls at the premise in {rules.lookback_days} days", "premise history")]
        if counts
        else []
    )
    history += [Fact(f"{h.name}: {h.prior_calls} prior calls", "person records") for h in people if h.known]
    history += [
        Fact(f"{v.category}: {v.text} [{v.status}]", f"flag entered by {v.entered_by}", v.age_days) for v in active
    ]
    place_terms = [
        "apartment",
        "stairwell",
        "upstairs",
        "basement",
        "backyard",
        "yard",
        "car",
        "truck",
        "vehicle",
        "roadway",
        "bridge",
        "parking lot",
        "store",
        "alley",
        "fence",
        "gate",
        "porch",
        "dog",
    ]
    place = _verbatim(call, [m for m in said.find(tuple(place_terms)) if m.status != "negated"])
    # an expired flag is history (shown with the premise, marked expired), not an answer
    place += [
        Fact(f"{v.category}: {v.text} [{v.status}]", f"flag entered by {v.entered_by}", v.age_days)
        for v in premise_flags
        if v.category in ("dog", "hazard") and v.status != "expired"
    ]
    if "#" in (call.address or "").upper() or re.search(r"\b(?:apt|apartment|unit)\b", (call.address or "").lower()):
        place.append(Fact("multi-unit building (unit number in the address)", "address"))

    add(
        questions[4],
        caller_bits,
        None if call.caller_name or call.caller_phone else "who the caller is and how to call back",
        who("dispatcher"),
    )
    add(
        questions[5],
        live,
        None if live else "someone at the location who can give live updates",
        who(on_scene, callback, "dispatcher (keep the caller on the line)"),
    )
    add(
        questions[6],
        history,
        None if history else "prior contacts with the people involved",
        who("records check", prior_officer, family),
    )
    add(
        questions[7],
        place,
        None if place else "the layout and exits, vehicles, animals at the location",
        who(callback, on_scene, prior_officer),
    )
    add(
        questions[8],
        weapons,
        None if weapons else "whether anyone has or can reach a weapon",
        who(callback, on_scene, prior_officer, family),
        partly="weapon" in unconfirmed,
    )
    add(
        questions[9],
        mental,
        None if mental else "mental-health or substance-use issues",
        who(family, prior_officer, callback, "crisis line records"),
        partly=bool({"mental_health", "substance", "suicide"} & set(unconfirmed)),
    )
    missing += unconfirmed.values()
    if said.present(terms(("@suicide",), vocab)):
        missing.append(
            Missing(
                "whether the person is alone and has the means at hand (a firearm, pills, a height)",
                who(callback, on_scene, family, "988 Lifeline or crisis line records"),
            )
        )
    same_type = counts.get(call.type_text or "", 0)
    experience = [Fact(title, "policy pack") for title in guidance]
    if same_type:
        experience.append(Fact(f"{same_type} earlier '{call.type_text}' calls at this premise", "premise history"))
    add(questions[3], experience)
    # questions 2 and 3 are answered by what is missing and who can supply it
    order = {q: i for i, q in enumerate(questions)}
    gaps = [Fact(m.what, "this briefing") for m in missing]
    suppliers = sorted({s for m in missing for s in m.who_can_supply})
    answers.append(
        Answer(
            questions[1],
            "known" if not gaps else "partly known",
            tuple(gaps) or (Fact("nothing obvious is missing", "this briefing"),),
        )
    )
    answers.append(
        Answer(questions[2], "known" if suppliers else "unknown", tuple(Fact(s, "this briefing") for s in suppliers))
    )
    answers.sort(key=lambda a: order[a.question])
    return tuple(answers), tuple(missing)


def briefing_from_file(path: Path, *, session: Session, now: datetime | None = None) -> Briefing:
    from deescalate.store.importers import read_call_file

    return brief(read_call_file(path), session=session, now=now)
