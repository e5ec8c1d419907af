"""The pre-arrival briefing: questions, history, flags, missing information, triage, resources, policy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from deescalate.briefing.brief import Briefing, brief
from deescalate.briefing.call import CallIn, NoteIn, PersonIn
from deescalate.briefing.render import to_html, to_json, to_text
from deescalate.briefing.rules import load_policy, load_rules
from deescalate.errors import Code, ConfigError
from deescalate.store.models import Call, CallPerson, Flag, Person, Premise

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def session(empty_session: Session) -> Iterator[Session]:
    s = empty_session
    premise = Premise(address="418 GARLAND AVE #3C")
    s.add(premise)
    s.flush()
    prior = Call(
        number="24-001",
        received_at=NOW - timedelta(days=200),
        type_text="Mental health crisis",
        premise_id=premise.id,
        disposition="transported",
        reporting_officer="Ofc. Brandt",
    )
    old = Call(number="21-777", received_at=NOW - timedelta(days=900), type_text="Disturbance", premise_id=premise.id)
    s.add_all([prior, old])
    s.flush()
    dana = Person(first_name="Dana", last_name="Whitfield")
    s.add(dana)
    s.flush()
    s.add(CallPerson(call_id=prior.id, person_id=dana.id, role="subject"))
    s.add_all(
        [
            Flag(
                category="mental_health_crisis",
                text="hears voices; calmer with a quiet approach",
                person_id=dana.id,
                entered_by="Ofc. Brandt",
                entered_at=NOW - timedelta(days=200),
                source_call_id=prior.id,
                expires_at=NOW + timedelta(days=165),
            ),
            Flag(
                category="weapon",
                text="kept a machete by the door",
                person_id=dana.id,
                entered_by="Ofc. Lee",
                entered_at=NOW - timedelta(days=900),
                expires_at=NOW - timedelta(days=170),
            ),
            Flag(
                category="dog",
                text="large dog in the yard",
                premise_id=premise.id,
                entered_by="Ofc. Lee",
                entered_at=NOW - timedelta(days=400),
                review_at=NOW - timedelta(days=35),
            ),
        ]
    )
    s.commit()
    yield s


def call(**changes: object) -> CallIn:
    base: dict[str, object] = {
        "number": "26-100",
        "received_at": NOW - timedelta(minutes=4),
        "type_text": "Person in crisis",
        "priority": "2",
        "address": "418 Garland Avenue, Apt 3C",
        "narrative": "My neighbor has been yelling for an hour. She's not hurting anybody. "
        "I think she stopped her meds.",
        "caller_name": "Rosa Diaz",
        "caller_phone": "555-0101",
        "persons": [PersonIn(first_name="Dana", last_name="Whitfield", role="subject")],
    }
    base.update(changes)
    return CallIn.model_validate(base)


def answer(b: Briefing, start: str):  # type: ignore[no-untyped-def]
    return next(a for a in b.answers if a.question.startswith(start))


@pytest.mark.parametrize(
    ("changes", "outcome", "rule"),
    [
        ({}, "alternative", "triage.mental_health_no_weapon"),
        ({"narrative": "She is waving a kitchen knife at the window."}, "police", "triage.weapon_or_violence"),
        ({"narrative": "She has a toy gun, probably.", "persons": []}, "police", "triage.weapon_or_violence"),
        (
            {
                "type_text": "Landlord-tenant dispute",
                "narrative": "He changed the locks and my stuff is inside.",
                "persons": [],
            },
            "civil",
            "triage.civil_dispute",
        ),
        (
            {
                "type_text": "Landlord-tenant dispute",
                "narrative": "He changed the locks and threatened to hit me.",
                "persons": [],
            },
            "police",
            "triage.weapon_or_violence",
        ),
        (
            {"type_text": "Medical assist", "narrative": "My husband is diabetic and confused.", "persons": []},
            "alternative",
            "triage.medical",
        ),
        (
            {"type_text": "Noise complaint", "narrative": "Loud music next door.", "persons": []},
            "police",
            "triage.default",
        ),
    ],
    ids=["crisis-no-weapon", "crisis-knife", "toy-gun", "civil", "civil-near-miss-threat", "medical", "default"],
)
def test_brief_triage_outcomes_name_their_rule(
    session: Session, changes: dict[str, object], outcome: str, rule: str
) -> None:
    b = brief(call(**changes), session=session, now=NOW)
    assert (b.triage.outcome, b.triage.rule) == (outcome, rule)
    assert b.triage.reason


def test_brief_expired_flag_is_shown_as_expired_not_as_a_fact(session: Session) -> None:
    b = brief(call(), session=session, now=NOW)
    dana = b.people[0]
    status = {v.category: v.status for v in dana.flags}
    assert status == {"mental_health_crisis": "active", "weapon": "expired"}
    weapons = answer(b, "Are there weapons")
    assert all("machete" not in f.text for f in weapons.facts)  # an expired weapon flag is not a fact
    assert b.triage.outcome == "alternative"  # nor does it move triage
    assert [v.status for v in b.premise_flags] == ["review due"]


def test_brief_keeps_the_callers_words_verbatim(session: Session) -> None:
    words = "There's a man out front with something in his hand, probably a toy gun, I'm not sure."
    b = brief(call(narrative=words, persons=[]), session=session, now=NOW)
    weapon_facts = answer(b, "Are there weapons").facts
    assert any(f.verbatim and f.text == words for f in weapon_facts)
    assert any(f.text == words and f.source == "caller (verbatim)" for f in answer(b, "What do I know").facts)


def test_brief_lists_missing_information_and_who_can_supply_it(session: Session) -> None:
    b = brief(call(narrative="Someone is yelling.", caller_phone="555-0199", persons=[]), session=session, now=NOW)
    missing = {m.what: m.who_can_supply for m in b.missing}
    assert "whether anyone has or can reach a weapon" in missing
    assert "caller callback (555-0199)" in missing["whether anyone has or can reach a weapon"]
    assert any("prior reporting officer (Ofc. Brandt)" in who for who in missing.values())
    assert answer(b, "Are there weapons").status == "unknown"
    assert answer(b, "What additional information").status == "partly known"


def test_brief_premise_history_counts_within_the_lookback(session: Session) -> None:
    b = brief(call(), session=session, now=NOW)
    assert b.premise == "418 GARLAND AVE #3C"
    assert b.premise_counts == {"Mental health crisis": 1}  # the 900-day-old call is outside 365 days
    assert [c.number for c in b.premise_recent] == ["24-001", "21-777"]
    assert b.people[0].known and b.people[0].prior_calls == 1


def test_brief_unknown_address_and_person(session: Session) -> None:
    b = brief(
        call(address="1 Nowhere Rd", persons=[PersonIn(first_name="Al", last_name="Nobody")]), session=session, now=NOW
    )
    assert b.premise is None and b.premise_counts == {}
    assert not b.people[0].known and b.people[0].flags == ()


@pytest.mark.parametrize(
    ("narrative", "persons", "resource"),
    [
        ("She only speaks Spanish and is upset.", [], "interpreter (language line)"),
        ("He is deaf and can't hear us knocking.", [], "ASL interpreter or written communication"),
        (
            "My son is autistic and ran out of the house.",
            [],
            "officer trained for autism and sensory needs; family member on scene",
        ),
        ("My husband is having a seizure.", [], "EMS"),
    ],
    ids=["language", "deaf", "autism", "medical"],
)
def test_brief_recommends_resources_with_their_rule(
    session: Session, narrative: str, persons: list[PersonIn], resource: str
) -> None:
    b = brief(call(narrative=narrative, persons=persons, type_text="Welfare check"), session=session, now=NOW)
    rec = {r.resource: r.rule for r in b.resources}
    assert resource in rec and rec[resource].startswith("resource.")


def test_brief_flag_on_record_drives_resources(session: Session) -> None:
    b = brief(call(narrative="Loud argument next door."), session=session, now=NOW)
    assert "CIT-trained officer" in {r.resource for r in b.resources}  # from the active mental-health flag
    assert "second unit before contact" in {r.resource for r in b.resources}  # the premise dog flag (review due)


def test_brief_policy_pack_is_marked_as_an_example(session: Session) -> None:
    b = brief(call(), session=session, now=NOW)
    assert b.policy_is_example and load_policy().example
    titles = [p.title for p in b.policy]
    assert any("crisis" in t.lower() for t in titles) and any("force" in t.lower() for t in titles)
    assert all(p.citations for p in b.policy)


def test_brief_agency_rules_file_changes_decisions(session: Session, tmp_path: Path) -> None:
    from importlib import resources

    text = resources.files("deescalate.briefing").joinpath("rules.yaml").read_text()
    agency = tmp_path / "rules.yaml"
    agency.write_text(text.replace("lookback_days: 365", "lookback_days: 1000"))
    rules = load_rules(agency)
    b = brief(call(), session=session, now=NOW, rules=rules)
    assert b.premise_counts == {"Mental health crisis": 1, "Disturbance": 1}


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("triage: [", "line"),
        ("vocab: {}\ntriage: []\n", "triage"),
        ("vocab: {}\ntriage:\n  - name: x\n    when: {}\n    outcome: maybe\n    reason: r\n", "outcome"),
    ],
    ids=["not-yaml", "no-triage-rule", "bad-outcome"],
)
def test_brief_bad_rules_file_is_one_line(tmp_path: Path, content: str, where: str) -> None:
    path = tmp_path / "agency-rules.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    line = err.value.one_line()
    assert err.value.code is Code.E040 and "agency-rules.yaml" in line and where in line and "\n" not in line


def test_brief_renders_text_json_and_html(session: Session) -> None:
    b = brief(call(narrative="<b>She</b> has a knife & is scared"), session=session, now=NOW)
    data = json.loads(to_json(b))
    assert data["triage"]["rule"] == "triage.weapon_or_violence" and len(data["answers"]) == 10
    text = to_text(b)
    assert b.call_line in text and "EXAMPLE PACK" in text and "EXPIRED" in text
    html = to_html(b)
    assert "<b>She</b>" not in html and "&lt;b&gt;She&lt;/b&gt;" in html
    assert "EXAMPLE policy pack" in html and "http" not in html


def test_brief_answers_every_critical_question_in_checklist_order(session: Session) -> None:
    from deescalate.checklist import load_checklist

    b = brief(
        call(notes=[NoteIn(text="Caller says the door is open", author="call-taker 12")]), session=session, now=NOW
    )
    assert [a.question for a in b.answers] == list(load_checklist().item("C1").questions)
    assert {a.status for a in b.answers} <= {"known", "partly known", "unknown"}
