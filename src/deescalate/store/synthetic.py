"""A synthetic city for the demo and the benchmarks: premises, persons, calls for service and caution flags.

Nothing here is real. The shapes are meant to look like a mid-size US city's CAD
(computer-aided dispatch) export:

* a call-type mix (traffic stops, disturbances, suspicious persons, alarms,
  welfare checks, domestics, ... down to shots fired and robberies) with type
  codes, priorities 1 (most urgent) to 5 and dispositions;
* time patterns in the city's local time (stored as UTC): quiet early mornings,
  busy afternoons and evenings, Friday and Saturday nights busiest, a summer
  peak, each call type with its own hour shape (shoplifting in store hours,
  noise at night, accidents at commute times);
* a street grid around one centre with houses, apartment units, apartment
  complexes, businesses, public places and intersections; calls per premise
  are heavy-tailed (Zipf-like), so a few addresses get a large share, and a
  problem household gets the calls its problem brings (domestic, crisis, ...);
* repeat persons: households at residences, staff at businesses, a small pool
  of frequent subjects on the street, and the public;
* narratives in the caller's own voice, from templates with slots, some with
  the caller's uncertainty ("it's probably a toy gun", "I think he's drunk");
* caution flags entered from calls (with who entered them, when, the source
  call, and an expiry or review date), a realistic share of them expired.

Faker (seeded) supplies pools of names, street names, company names and area
codes once; everything per call is drawn with random.Random(seed), so the same
seed gives the same city. Rows are generated as tuples and inserted with
SQLAlchemy Core executemany in batches, one transaction per batch.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from faker import Faker
from sqlalchemy import Connection, Engine, Table, desc, func, insert, select, text

from deescalate.briefing.call import CallIn, NoteIn, PersonIn
from deescalate.errors import Code, InputError
from deescalate.store.addresses import normalize_address
from deescalate.store.models import Base, Call, CallPerson, Flag, FlagCategory, Person, PersonRole, Premise

CITY_CENTRE = (39.0997, -94.5786)  # latitude, longitude of the (fictional) city's centre
CITY_TZ = ZoneInfo("America/Chicago")  # the hour-of-day patterns are in local time
SOURCE = "synthetic city"
BATCH = 10_000
ZIPF_PREMISES = 0.9  # calls per premise ~ rank ** -ZIPF_PREMISES within each kind of premise ...

# --------------------------------------------------------------------------------------------------------------
# Call types
# --------------------------------------------------------------------------------------------------------------

# premise kinds
HOUSE, APT, COMPLEX, BUSINESS, PUBLIC, STREET = (
    "house",
    "apartment unit",
    "apartment complex",
    "business",
    "public",
    "street",
)
KINDS = (HOUSE, APT, COMPLEX, BUSINESS, PUBLIC, STREET)
RESIDENTIAL = (HOUSE, APT)
# ... but no premise gets more than this many times the mean calls per premise
_PEAK = {HOUSE: 20.0, APT: 20.0, COMPLEX: 40.0, BUSINESS: 100.0, PUBLIC: 60.0, STREET: 40.0}


@dataclass(frozen=True, slots=True)
class CallType:
    code: str
    text: str
    priority: int  # 1 most urgent .. 5
    share: float  # percent of all calls
    kinds: tuple[tuple[str, float], ...]  # where it happens
    hours: str  # hour-of-day profile
    people: str  # who is involved (see _people)
    uncertainty: str = "generic"  # which uncertain words a caller uses
    unc_rate: float = 0.2  # share of narratives with them
    affinity: str | None = None  # premise trait that draws this type
    dispositions: tuple[tuple[str, float], ...] = ()
    officer_initiated: bool = False


_D_REPORT = ("Report taken", 0.35)
_D_ADVISED = ("Advised", 0.25)
_D_GOA = ("Gone on arrival", 0.15)
_D_UTL = ("Unable to locate", 0.1)
_D_NR = ("No report necessary", 0.15)

# fmt: off
CALL_TYPES: tuple[CallType, ...] = (
    CallType("TS", "Traffic stop", 4, 13.0, ((STREET, 0.9), (BUSINESS, 0.1)), "traffic", "traffic_stop",
             dispositions=(("Citation issued", 0.45), ("Warning", 0.4), ("Arrest", 0.04), ("Towed", 0.03),
                           ("No action", 0.08)), officer_initiated=True),
    CallType("DIST", "Disturbance", 3, 9.0,
             ((APT, 0.3), (HOUSE, 0.15), (BUSINESS, 0.25), (COMPLEX, 0.1), (PUBLIC, 0.1), (STREET, 0.1)),
             "evening", "street", "intox", 0.22, "party",
             (_D_ADVISED, _D_GOA, ("Peace restored", 0.25), ("Arrest", 0.06), _D_REPORT)),
    CallType("SUSP", "Suspicious person", 3, 7.0,
             ((HOUSE, 0.3), (APT, 0.1), (COMPLEX, 0.1), (BUSINESS, 0.25), (PUBLIC, 0.15), (STREET, 0.1)),
             "night", "street", "generic", 0.3, None,
             (_D_GOA, _D_UTL, ("Checks OK", 0.35), ("Field interview", 0.2), ("Arrest", 0.03))),
    CallType("ALARM", "Burglary alarm", 3, 5.5, ((BUSINESS, 0.6), (HOUSE, 0.4)), "night", "alarm",
             dispositions=(("False alarm", 0.82), ("Secured building", 0.1), ("Cancelled by alarm company", 0.06),
                           ("Report taken", 0.02))),
    CallType("WELF", "Welfare check", 3, 5.0,
             ((HOUSE, 0.4), (APT, 0.4), (PUBLIC, 0.1), (BUSINESS, 0.05), (STREET, 0.05)),
             "day", "household", "generic", 0.3, "elderly",
             (("Checks OK", 0.5), ("Assisted", 0.2), ("Transported to hospital", 0.1), _D_UTL,
              ("Referred to social services", 0.1))),
    CallType("DOM", "Domestic disturbance", 2, 4.5, ((APT, 0.55), (HOUSE, 0.45)), "evening", "domestic",
             "weapon", 0.18, "domestic",
             (("Report taken", 0.35), ("Arrest", 0.2), ("Separated parties", 0.25), _D_GOA,
              ("Advised", 0.05))),
    CallType("THEFT", "Theft report", 4, 4.0, ((HOUSE, 0.3), (APT, 0.15), (BUSINESS, 0.4), (PUBLIC, 0.15)),
             "day", "property", "generic", 0.15, None,
             (("Report taken", 0.75), ("Advised", 0.15), ("Arrest", 0.03), ("Referred to online reporting", 0.07))),
    CallType("HANG", "911 hang-up", 3, 4.0, ((HOUSE, 0.5), (APT, 0.45), (BUSINESS, 0.05)), "general", "hangup",
             dispositions=(("Checks OK", 0.7), ("Misdial", 0.2), ("Unable to locate", 0.1))),
    CallType("NOISE", "Noise complaint", 5, 3.5, ((APT, 0.55), (HOUSE, 0.3), (COMPLEX, 0.05), (BUSINESS, 0.1)),
             "late", "nuisance", "generic", 0.12, "party",
             (("Advised", 0.55), ("Gone on arrival", 0.2), ("Warning", 0.2), ("Citation issued", 0.05))),
    CallType("CRISIS", "Person in crisis / mental health", 2, 3.0,
             ((APT, 0.4), (HOUSE, 0.35), (PUBLIC, 0.15), (BUSINESS, 0.05), (STREET, 0.05)),
             "general", "household", "mh", 0.45, "mental",
             (("Emergency detention", 0.25), ("Transported to hospital", 0.2), ("Mental health referral", 0.3),
              ("Resolved on scene", 0.2), ("Arrest", 0.05))),
    CallType("MED", "Medical assist", 2, 3.0, ((HOUSE, 0.4), (APT, 0.35), (PUBLIC, 0.1), (BUSINESS, 0.15)),
             "day", "household", "injury", 0.2, "elderly",
             (("Transported to hospital", 0.55), ("Assisted", 0.35), ("Refused care", 0.1))),
    CallType("SUSV", "Suspicious vehicle", 4, 3.0, ((HOUSE, 0.4), (APT, 0.1), (BUSINESS, 0.25), (STREET, 0.25)),
             "night", "street", "generic", 0.3, None,
             (("Checks OK", 0.45), _D_GOA, _D_UTL, ("Field interview", 0.15), ("Towed", 0.05))),
    CallType("TRESP", "Trespass", 4, 3.0, ((BUSINESS, 0.6), (COMPLEX, 0.15), (PUBLIC, 0.15), (HOUSE, 0.1)),
             "general", "business", "intox", 0.15, "retail",
             (("Trespass warning issued", 0.45), ("Gone on arrival", 0.2), ("Arrest", 0.1), ("Advised", 0.25))),
    CallType("SHOP", "Shoplifting", 4, 3.0, ((BUSINESS, 1.0),), "store", "business", "generic", 0.12, "retail",
             (("Report taken", 0.45), ("Arrest", 0.2), ("Citation issued", 0.2), ("Gone on arrival", 0.15))),
    CallType("ACCN", "Traffic accident, no injury", 4, 3.0, ((STREET, 0.85), (BUSINESS, 0.15)), "commute",
             "accident", dispositions=(("Report taken", 0.55), ("Exchanged information", 0.35),
                                       ("Citation issued", 0.1))),
    CallType("ACCI", "Traffic accident with injury", 2, 1.2, ((STREET, 0.95), (BUSINESS, 0.05)), "commute",
             "accident", "injury", 0.4,
             dispositions=(("Report taken", 0.6), ("Transported to hospital", 0.3), ("Citation issued", 0.1))),
    CallType("VAND", "Vandalism", 4, 2.0,
             ((HOUSE, 0.3), (APT, 0.1), (COMPLEX, 0.1), (BUSINESS, 0.3), (PUBLIC, 0.2)),
             "night", "property", "generic", 0.15, None, (("Report taken", 0.7), _D_ADVISED, _D_GOA)),
    CallType("CIVIL", "Civil dispute / landlord-tenant", 4, 2.0, ((APT, 0.6), (HOUSE, 0.3), (BUSINESS, 0.1)),
             "day", "civil", "generic", 0.15, None,
             (("Civil matter - advised", 0.7), ("Report taken", 0.1), ("Standby completed", 0.2))),
    CallType("ASLT", "Assault", 2, 2.0,
             ((APT, 0.25), (HOUSE, 0.15), (BUSINESS, 0.25), (PUBLIC, 0.2), (STREET, 0.15)),
             "evening", "street", "injury", 0.25, "domestic",
             (("Report taken", 0.5), ("Arrest", 0.25), ("Gone on arrival", 0.15), ("Transported to hospital", 0.1))),
    CallType("PARK", "Parking complaint", 5, 2.5, ((HOUSE, 0.4), (APT, 0.2), (COMPLEX, 0.2), (BUSINESS, 0.2)),
             "day", "nuisance", dispositions=(("Citation issued", 0.4), ("Gone on arrival", 0.3),
                                               ("Warning", 0.2), ("Towed", 0.1))),
    CallType("FOLL", "Follow-up", 5, 2.0, ((HOUSE, 0.45), (APT, 0.35), (BUSINESS, 0.2)), "day", "property",
             dispositions=(("Report taken", 0.6), ("Advised", 0.4)), officer_initiated=True),
    CallType("BURG", "Burglary report", 3, 1.5, ((HOUSE, 0.5), (APT, 0.25), (BUSINESS, 0.25)), "day", "property",
             "generic", 0.1, None, (("Report taken", 0.9), ("Arrest", 0.03), ("Unfounded", 0.07))),
    CallType("FIGHT", "Fight in progress", 2, 1.5,
             ((BUSINESS, 0.4), (PUBLIC, 0.2), (COMPLEX, 0.15), (APT, 0.1), (STREET, 0.15)),
             "evening", "street", "weapon", 0.2, "nightlife",
             (("Gone on arrival", 0.35), ("Arrest", 0.25), ("Peace restored", 0.25), ("Report taken", 0.15))),
    CallType("FRAUD", "Fraud / scam report", 5, 1.5, ((HOUSE, 0.5), (APT, 0.3), (BUSINESS, 0.2)), "day",
             "property", "generic", 0.2, "elderly", (("Report taken", 0.75), ("Advised", 0.25))),
    CallType("INTOX", "Intoxicated person", 3, 1.5, ((PUBLIC, 0.35), (BUSINESS, 0.4), (STREET, 0.25)), "late",
             "business", "intox", 0.3, "nightlife",
             (("Transported to detox", 0.3), ("Transported to hospital", 0.15), ("Advised", 0.3), ("Arrest", 0.1),
              ("Gone on arrival", 0.15))),
    CallType("JUV", "Juvenile problem", 4, 1.2, ((PUBLIC, 0.4), (HOUSE, 0.25), (APT, 0.2), (BUSINESS, 0.15)),
             "afternoon", "street", "generic", 0.15, None,
             (("Advised", 0.5), ("Returned to parent", 0.2), ("Gone on arrival", 0.3))),
    CallType("WEAP", "Person with a weapon", 1, 1.0,
             ((PUBLIC, 0.25), (BUSINESS, 0.2), (APT, 0.2), (COMPLEX, 0.1), (HOUSE, 0.1), (STREET, 0.15)),
             "evening", "street", "weapon", 0.6, None,
             (("Arrest", 0.25), ("Gone on arrival", 0.3), ("Unable to locate", 0.15), ("Weapon recovered", 0.1),
              ("Unfounded", 0.2))),
    CallType("SHOTS", "Shots fired", 1, 0.8,
             ((STREET, 0.3), (PUBLIC, 0.2), (APT, 0.15), (COMPLEX, 0.15), (HOUSE, 0.2)),
             "late", "street", "shots", 0.6, None,
             (("Unable to locate", 0.45), ("Fireworks", 0.2), ("Casings recovered, report taken", 0.2),
              ("Arrest", 0.05), ("Gone on arrival", 0.1))),
    CallType("OD", "Overdose", 1, 0.7, ((APT, 0.35), (HOUSE, 0.2), (PUBLIC, 0.3), (BUSINESS, 0.15)), "general",
             "household", "intox", 0.35, "substance",
             (("Transported to hospital", 0.65), ("Naloxone administered, transported", 0.25), ("Refused care", 0.1))),
    CallType("MISS", "Missing person", 2, 0.5, ((HOUSE, 0.5), (APT, 0.4), (PUBLIC, 0.1)), "general",
             "household", "generic", 0.3, "elderly",
             (("Located, returned home", 0.6), ("Report taken", 0.35), ("Located, transported to hospital", 0.05))),
    CallType("ROBB", "Robbery", 1, 0.5, ((BUSINESS, 0.6), (PUBLIC, 0.25), (STREET, 0.15)), "evening", "business",
             "weapon", 0.35, "retail", (("Report taken", 0.7), ("Arrest", 0.15), ("Gone on arrival", 0.15))),
)
# fmt: on
TYPE_BY_CODE = {t.code: t for t in CALL_TYPES}

# --------------------------------------------------------------------------------------------------------------
# Time patterns (local time)
# --------------------------------------------------------------------------------------------------------------

# fmt: off
_HOURS: dict[str, tuple[float, ...]] = {
    "general": (3.6, 2.9, 2.4, 1.9, 1.5, 1.4, 1.8, 2.6, 3.4, 3.9, 4.3, 4.6,
                4.8, 4.9, 5.1, 5.4, 5.6, 5.6, 5.6, 5.5, 5.3, 5.0, 4.7, 4.2),
    "evening": (4.5, 4.0, 3.4, 2.5, 1.6, 1.0, 1.0, 1.4, 2.0, 2.6, 3.0, 3.4,
                3.8, 4.0, 4.3, 4.8, 5.2, 5.6, 6.0, 6.3, 6.5, 6.4, 6.0, 5.3),
    "night": (6.0, 5.5, 4.5, 3.5, 2.5, 1.8, 1.5, 1.6, 2.0, 2.3, 2.5, 2.7,
              3.0, 3.0, 3.2, 3.4, 3.7, 4.0, 4.5, 5.2, 6.0, 6.8, 7.3, 6.9),
    "late": (7.5, 6.5, 5.0, 3.0, 1.5, 0.8, 0.6, 0.8, 1.0, 1.2, 1.5, 1.8,
             2.0, 2.2, 2.5, 2.8, 3.2, 3.8, 4.5, 5.5, 6.8, 8.0, 8.8, 8.5),
    "day": (0.8, 0.6, 0.5, 0.4, 0.4, 0.6, 1.5, 3.0, 5.0, 6.2, 7.0, 7.3,
            7.4, 7.4, 7.3, 7.2, 7.0, 6.6, 5.8, 4.8, 3.6, 2.6, 1.8, 1.2),
    "store": (0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3.5, 5.5, 6.8, 7.4,
              7.6, 7.8, 8.0, 8.3, 8.5, 8.3, 7.6, 6.5, 5.0, 3.2, 1.5, 0.7),
    "afternoon": (0.8, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2.0, 3.0, 3.2, 3.5, 4.0,
                  4.8, 5.5, 7.0, 9.0, 9.5, 9.0, 8.0, 7.0, 6.0, 4.5, 3.0, 1.5),
    "traffic": (6.5, 5.5, 4.0, 2.8, 1.8, 1.4, 2.6, 4.0, 4.0, 3.4, 3.2, 3.3,
                3.4, 3.5, 3.8, 4.2, 4.6, 4.7, 4.5, 4.8, 5.3, 5.8, 6.3, 6.8),
    "commute": (1.5, 1.2, 1.0, 0.8, 0.8, 1.3, 2.8, 5.2, 5.6, 4.4, 4.2, 4.7,
                5.3, 5.4, 5.7, 6.4, 7.0, 7.2, 6.0, 4.7, 3.8, 3.1, 2.5, 2.0),
}
# fmt: on
_NIGHTLIFE_PROFILES = frozenset({"evening", "night", "late", "traffic"})
_DOW = (1.0, 0.97, 0.98, 1.0, 1.07, 1.06, 0.95)  # Monday .. Sunday


def _hour_factor(profile: str, dow: int, hour: int) -> float:
    """Weekly shape on top of the daily one: weekend nights busy, weekend mornings late, no commute on Sundays."""
    f = _DOW[dow]
    weekend_night = (dow in (5, 6) and hour < 5) or (dow in (4, 5) and hour >= 20)
    if weekend_night:
        f *= 1.45 if profile in _NIGHTLIFE_PROFILES else 1.2
    if dow in (5, 6) and 6 <= hour <= 10:
        f *= 0.7
    if profile == "commute" and dow in (5, 6) and hour in (7, 8, 16, 17):
        f *= 0.6
    if profile in ("day", "afternoon") and dow == 6:
        f *= 0.75
    return f


# --------------------------------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------------------------------

# The caller's uncertain words, by what they are unsure about; {he} {his} {him} are the subject's.
UNCERTAINTY: dict[str, tuple[str, ...]] = {
    "weapon": (
        "I think it's a gun but it might be a toy",
        "it's probably a toy gun",
        "I couldn't tell if it was a knife",
        "{he} might have something in {his} waistband",
        "I'm not sure it was a real gun",
        "it looked like a knife, maybe",
        "I didn't actually see a gun",
        "I think {he} has a knife, I'm not sure",
    ),
    "intox": (
        "I think {he}'s drunk",
        "{he} seems high on something, I don't know",
        "maybe {he}'s on drugs",
        "{he}'s probably just drunk",
        "I don't know if {he}'s drunk or what",
    ),
    "mh": (
        "I think {he}'s off {his} meds",
        "I don't know if {he}'s dangerous",
        "I don't know what's wrong with {him}",
        "I think {he}'s having an episode",
        "I'm not sure {he} knows where {he} is",
    ),
    "injury": (
        "I don't know if anyone's hurt",
        "I think {he}'s okay",
        "{he} might be hurt",
        "I'm not sure if {he}'s breathing right",
    ),
    "shots": (
        "it might have been fireworks",
        "I think they were gunshots",
        "I'm not sure where it came from",
        "it sounded like shots, maybe a car backfiring",
    ),
    "generic": (
        "I'm not sure",
        "I don't know if it's anything",
        "maybe I'm overreacting",
        "it might be nothing",
        "I couldn't really see",
        "I didn't get a good look",
    ),
}
_PRONOUNS = {True: {"he": "he", "his": "his", "him": "him"}, False: {"he": "she", "his": "her", "him": "her"}}
#: every phrase a narrative may carry to show the caller is unsure (as written into narratives, he and she)
UNCERTAINTY_PHRASES: tuple[str, ...] = tuple(
    dict.fromkeys(
        phrase.format(**_PRONOUNS[male])
        for phrases in UNCERTAINTY.values()
        for phrase in phrases
        for male in (True, False)
    )
)

# Narrative templates by call type and setting. "fam": the caller knows the subject ({rel}, {name}), at home;
# "home": a neighbour or the resident, at a house or apartment; "away": staff, a passer-by, at a business, a
# public place or a street corner. Slots: {he} {him} {his} {He} {rel} {name} {desc} {veh} {place} {weapon} {item};
# the caller's uncertain words are appended when drawn.
# fmt: off
_NARRATIVES: dict[str, dict[str, tuple[str, ...]]] = {
    "DIST": {
        "fam": ("{rel} is screaming and throwing stuff around the apartment, I want {him} out.",
                "{rel} {name} came home and started breaking things, {he} won't calm down."),
        "home": ("There's a lot of yelling next door, sounds like people fighting.",
                 "{desc} keeps banging on doors {place} and shouting.",
                 "Some people are arguing really loud {place}, it's getting heated."),
        "away": ("{desc} is yelling at customers {place} and won't leave.",
                 "Some people are arguing really loud {place}, it's getting heated.",
                 "There's a group {place} yelling and shoving each other."),
    },
    "SUSP": {
        "home": ("{desc} has been walking up and down the street looking in car windows.",
                 "There's {desc} standing {place} for like an hour, just watching the houses.",
                 "Someone is in my backyard, I saw a flashlight by the shed.",
                 "{desc} was looking in my neighbor's windows and then went around back."),
        "away": ("{desc} keeps trying door handles on the cars {place}.",
                 "{desc} has been hanging around {place} for an hour watching people.",
                 "{desc} is going through the cars {place}."),
    },
    "WELF": {
        "fam": ("I haven't heard from {rel} {name} in three days and {he} isn't answering {his} phone.",
                "Can someone check on {rel}? {He} lives alone and {he} sounded confused on the phone.",
                "{rel} {name} missed dialysis and nobody can reach {him}."),
        "home": ("My neighbor hasn't picked up {his} mail in a week and the TV's been on all day.",
                 "My neighbor is elderly and I haven't seen {him} in days, {his} car hasn't moved."),
        "away": ("There's {desc} lying {place}, not moving much.",
                 "{desc} is wandering {place} in {his} slippers, {he} seems lost."),
    },
    "DOM": {
        "fam": ("{rel} {name} pushed me and took my phone, {he}'s still here.",
                "{rel} is drunk and threatening me, I locked myself in the bathroom.",
                "{rel} {name} hit me, the kids are here, please send someone.",
                "{rel} won't let me leave, {he} is blocking the door.",
                "{rel} {name} grabbed me by the neck, {he} says {he}'ll kill me."),
        "home": ("I can hear screaming next door and something breaking.",
                 "The couple upstairs are fighting again, I heard someone yell for help.",
                 "My neighbors are going at it again, I heard a slap and a kid crying."),
    },
    "THEFT": {
        "fam": ("Somebody stole {item} off my porch, I have it on the doorbell camera.",
                "My {item} was taken out of my car last night.",
                "Someone took {item} from the garage, the door was left open."),
        "away": ("Someone stole {item} from behind the counter, we have video.",
                 "A customer took {item} from the counter and walked out.",
                 "My {item} got stolen {place} while I was inside."),
    },
    "NOISE": {
        "home": ("Loud music from next door, it's been going since ten and I have work in the morning.",
                 "There's a party upstairs with like fifty people, bass is shaking my walls.",
                 "Somebody is revving engines {place} every night around this time.",
                 "Dogs barking nonstop next door for two hours, nobody's home I think."),
        "away": ("The bar has its music way too loud again, the whole block can hear it.",
                 "People are hanging out {place} blasting music from their cars."),
    },
    "CRISIS": {
        "fam": ("{rel} {name} is talking about killing {him}self, {he} has pills.",
                "{rel} hasn't slept in days and {he}'s saying people are poisoning {his} food.",
                "{rel} {name} is smashing things and yelling at people who aren't there.",
                "{rel} locked {him}self in the bathroom and said {he} wants to die.",
                "{rel} {name} stopped taking {his} medication and is really paranoid, {he} threw a chair."),
        "home": ("My neighbor is screaming in {his} apartment, like {he}'s talking to someone who isn't there.",
                 "{desc} is sitting {place} crying and saying {he} wants to die."),
        "away": ("{desc} is standing in traffic {place} screaming at cars.",
                 "{desc} is talking to {him}self and hitting {his} head on the wall.",
                 "There's {desc} on the bridge railing, {he} says {he} wants to jump."),
    },
    "MED": {
        "fam": ("{rel} {name} fell and can't get up, {he} is on blood thinners.",
                "{rel} is diabetic and {he}'s really confused and sweaty.",
                "{rel} is having a seizure, it's been about two minutes.",
                "{rel} {name} is having trouble breathing."),
        "home": ("My neighbor fell on the stairs and can't get up.",),
        "away": ("{desc} collapsed {place}, {he} is breathing but not responding.",
                 "{desc} fell in the store and hit {his} head."),
    },
    "SUSV": {
        "home": ("A {veh} has been parked {place} with the engine running for an hour, two people inside.",
                 "A {veh} keeps circling the block real slow.",
                 "There's a {veh} with no plates parked in front of my house since yesterday."),
        "away": ("A {veh} has been parked {place} with the engine running for an hour, two people inside.",
                 "A {veh} keeps circling the lot real slow."),
    },
    "TRESP": {
        "home": ("{desc} is sleeping in the stairwell again and won't leave.",
                 "Someone is living in the vacant house next door, I see lights at night."),
        "away": ("{desc} we already trespassed is back inside the store.",
                 "{desc} is camped out {place}, we asked {him} to leave and {he} refused.",
                 "{desc} keeps coming back {place} after we told {him} to leave."),
    },
    "SHOP": {
        "away": ("{desc} just concealed {item} in a backpack and is heading for the door.",
                 "We've got a shoplifter detained in the back office, {he} took {item}.",
                 "{desc} filled a cart and pushed it out without paying, {he} got into a {veh}."),
    },
    "ACCN": {
        "away": ("Two cars hit {place}, no one's hurt, they're blocking the lane.",
                 "Somebody rear-ended me {place}, we're both okay.",
                 "A {veh} hit a parked car and drove off."),
    },
    "ACCI": {
        "away": ("Bad crash {place}, a {veh} rolled over and someone's still inside.",
                 "A car hit {desc} on a bike {place}, {he}'s on the ground.",
                 "Two cars collided {place}, one of the drivers is holding {his} neck."),
    },
    "VAND": {
        "fam": ("Somebody slashed all four of my tires last night.",
                "Someone spray painted my garage door again."),
        "away": ("{desc} is smashing windows on the cars {place}.",
                 "Somebody broke our front window overnight.",
                 "Kids are tagging the wall {place}."),
    },
    "CIVIL": {
        "fam": ("My landlord changed the locks and my stuff is still inside.",
                "My landlord keeps coming into my apartment without notice, {he} is here right now.",
                "My ex won't give back my car keys and {he} is refusing to leave the property.",
                "The tenant downstairs owes three months and is threatening me."),
        "home": ("The landlord shut off the water to the whole building and won't answer.",),
        "away": ("A customer won't pay for the repair and is refusing to leave.",),
    },
    "ASLT": {
        "fam": ("{rel} {name} punched me in the face, I'm bleeding.",),
        "home": ("My neighbor just hit me with a shovel over the fence.",
                 "{desc} attacked me in the hallway and ran off."),
        "away": ("{desc} just punched a guy {place} and ran toward the bus stop.",
                 "I got jumped by two guys {place}, they took off running.",
                 "A customer attacked one of our employees."),
    },
    "PARK": {
        "home": ("Someone's blocking my driveway again, I can't get out for work.",
                 "A {veh} has been sitting on the street for two weeks, flat tires."),
        "away": ("A {veh} has been parked in the fire lane all day.",
                 "Somebody parked a {veh} across three spaces and left it."),
    },
    "BURG": {
        "fam": ("I got home and my back door was kicked in, they took {item}.",
                "Somebody broke into my apartment while I was at work, the TV is gone."),
        "away": ("We came in this morning and the back door was pried open, the register is gone.",),
    },
    "FIGHT": {
        "home": ("There's a big fight {place}, like six guys.",
                 "Two guys are fighting {place}, one of them is on the ground."),
        "away": ("There's a big fight {place}, like six guys.",
                 "Two guys are fighting {place}, one of them is on the ground.",
                 "A fight broke out inside and it's spilling outside."),
    },
    "FRAUD": {
        "fam": ("{rel} got a call saying {his} grandson was in jail and sent them two thousand dollars in gift cards.",
                "Someone opened a credit card in my name."),
        "away": ("A customer is trying to pass fake hundreds.",),
    },
    "INTOX": {
        "away": ("{desc} is passed out {place}, I can't wake {him} up.",
                 "{desc} is stumbling around {place} and fell into the street.",
                 "{desc} is too drunk to stand and is bothering people."),
    },
    "JUV": {
        "home": ("Teenagers keep ringing doorbells and running off.",
                 "Some kids are throwing rocks at cars {place}."),
        "away": ("A bunch of teenagers are on the roof.",
                 "Some kids are throwing rocks at cars {place}."),
    },
    "WEAP": {
        "fam": ("{rel} {name} has a {weapon} and is threatening to use it.",
                "{rel} is waving a {weapon} around the kitchen."),
        "home": ("My neighbor is out {place} waving a {weapon} at people.",
                 "{desc} is walking around {place} with a {weapon} in {his} hand."),
        "away": ("{desc} is waving a {weapon} {place}.",
                 "{desc} pulled a {weapon} on someone {place} and walked toward the alley.",
                 "{desc} showed a {weapon} in {his} waistband and said {he}'d be back."),
    },
    "SHOTS": {
        "home": ("I just heard like five shots {place}.",
                 "Two pops outside, my neighbor says someone was shooting from a car."),
        "away": ("Heard several gunshots, then a car speeding away.",
                 "Shots fired, I saw a {veh} take off toward the highway."),
    },
    "OD": {
        "fam": ("{rel} {name} is blue and not breathing right, {he} took something.",
                "{rel} is unresponsive, there are needles next to {him}."),
        "home": ("My neighbor is slumped in the hallway and won't respond.",),
        "away": ("{desc} is slumped over in the bathroom and won't respond.",
                 "{desc} is unconscious {place}, lips look blue."),
    },
    "MISS": {
        "fam": ("{rel} {name} has dementia and walked away from the house about an hour ago.",
                "{rel} went out for a walk four hours ago and hasn't come back, {he} doesn't have {his} phone.",
                "{rel} {name} left without {his} medication and {his} phone is off."),
    },
    "ROBB": {
        "away": ("We just got robbed, {desc} showed a {weapon} and took the register money.",
                 "{desc} grabbed my purse {place} and ran.",
                 "{desc} demanded my phone {place}, said {he} had a {weapon}."),
    },
    "HANG": {"home": ("",)},
}
_PLACES = {
    "home": ("in the parking lot", "out front", "in the hallway", "across the street", "by the mailboxes",
             "in the backyard", "in the stairwell", "on the sidewalk"),
    "away": ("in the parking lot", "out front", "by the dumpsters", "at the bus stop", "by the back entrance",
             "in the alley", "by the gas pumps", "near the playground"),
    "street": ("on the corner", "in the intersection", "at the bus stop", "across the street", "in the crosswalk",
               "by the light"),
}
# fmt: on
_OFFICER_REMARKS = {
    "TS": (
        "Traffic stop, {veh}, plate {plate}.",
        "TS {veh} {plate}, speed.",
        "Stop on {veh} for no tail lights, {plate}.",
    ),
    "FOLL": ("Follow-up on prior report, meet victim.", "Follow-up, return property.", "Follow-up interview."),
}
_ALARM_REMARKS = (
    "Alarm company reports front door contact, zone {n}. No keyholder response.",
    "Alarm company reports interior motion, zone {n}. Keyholder en route.",
    "Audible alarm, glass break, zone {n}. Alarm company unable to reach keyholder.",
    "Alarm company reports back door, zone {n}. Premise is a business, closed.",
)

_CLOTHES = (
    "in a black hoodie",
    "in a gray hoodie",
    "wearing a red jacket",
    "with a backpack",
    "in a white t-shirt",
    "in a camo jacket",
    "wearing a ball cap",
    "in a green coat",
    "in dark clothes",
    "in a yellow vest",
    "with a shopping cart",
    "in a blue jacket and jeans",
)
_VEHICLES = (
    "silver Honda Civic",
    "black Chevy Tahoe",
    "white Ford pickup",
    "red Nissan Altima",
    "gray Toyota Camry",
    "blue Dodge Charger",
    "white cargo van",
    "black Jeep Cherokee",
    "green Kia Soul",
    "maroon Buick sedan",
)
_WEAPONS = ("gun", "handgun", "knife", "machete", "bat", "box cutter", "rifle", "hammer")
_ITEMS = (
    "a package",
    "my bike",
    "a laptop",
    "my wallet",
    "a catalytic converter",
    "tools",
    "a TV",
    "some jewelry",
    "two cases of beer",
    "baby formula",
    "a phone",
    "power tools",
    "cash",
)

# Flag texts by category; {weapon}, {month}.
_FLAG_TEXT: dict[str, tuple[str, ...]] = {
    FlagCategory.weapon: (
        "Displayed a {weapon} during this call.",
        "Known to carry a {weapon}.",
        "Threatened a family member with a {weapon}.",
        "Keeps a {weapon} in the bedroom per family.",
        "Fled with a {weapon}; not recovered.",
    ),
    FlagCategory.violence_toward_officers: (
        "Resisted arrest; struck an officer.",
        "Spat at officers during transport.",
        "Fled on foot, fought with officers.",
        "Threatened to shoot police.",
        "Assaulted an officer at a prior domestic.",
    ),
    FlagCategory.mental_health_crisis: (
        "Schizophrenia; responds to a calm, slow approach; CIT contact.",
        "History of suicidal statements; emergency detention {month}.",
        "Bipolar disorder; escalates when crowded, give space.",
        "Paranoid when off medication; fears uniforms, sister can help.",
        "PTSD (veteran); startles at loud commands.",
    ),
    FlagCategory.substance_use: (
        "Methamphetamine use; erratic when high.",
        "Alcohol; combative when intoxicated.",
        "Opioid use; prior overdose, naloxone given.",
        "Cocaine use; paranoid when high.",
    ),
    FlagCategory.medical_condition: (
        "Type 1 diabetic; low blood sugar can look like intoxication.",
        "Seizure disorder.",
        "Heart condition; uses oxygen at home.",
        "Takes blood thinners; bleeds easily.",
        "Severe asthma; inhaler in kitchen.",
    ),
    FlagCategory.disability: (
        "Deaf; communicates in ASL, use written notes.",
        "Autistic, largely non-verbal; may not respond to commands, may run. Calm with mother present.",
        "Hard of hearing; speak clearly and face the person.",
        "Blind; uses a cane.",
        "Intellectual disability; may not understand commands.",
        "Dementia; wanders, may not know address.",
    ),
    FlagCategory.language: (
        "Speaks Spanish only.",
        "Vietnamese; limited English, daughter interprets.",
        "Somali; son interprets.",
        "Mandarin only.",
        "Arabic; limited English.",
    ),
    FlagCategory.dog: (
        "Aggressive dog (pit bull mix) loose in the backyard.",
        "Two large dogs inside; owner slow to secure them.",
        "Dog bit an officer at a prior call.",
        "German shepherd, protective of the house.",
    ),
    FlagCategory.hazard: (
        "Hoarding: blocked exits, fall risk.",
        "Suspected meth lab residue.",
        "Fortified door and cameras.",
        "Rotten porch steps.",
        "Oxygen tanks in the home: no open flame.",
    ),
}
# category -> (expires after days or None, review after days or None)
_FLAG_LIFE: dict[str, tuple[int | None, int | None]] = {
    FlagCategory.weapon: (730, 365),
    FlagCategory.violence_toward_officers: (1095, 365),
    FlagCategory.mental_health_crisis: (365, 180),
    FlagCategory.substance_use: (365, None),
    FlagCategory.medical_condition: (None, 365),
    FlagCategory.disability: (None, 730),
    FlagCategory.language: (None, None),
    FlagCategory.dog: (365, None),
    FlagCategory.hazard: (730, 365),
}
# call type -> (category, who, probability): flags entered from a call
_FLAG_RULES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "WEAP": ((FlagCategory.weapon, "subject", 0.35),),
    "SHOTS": ((FlagCategory.weapon, "subject", 0.3),),
    "ROBB": ((FlagCategory.weapon, "subject", 0.3),),
    "DOM": ((FlagCategory.weapon, "subject", 0.04), (FlagCategory.dog, "premise", 0.01)),
    "CRISIS": ((FlagCategory.mental_health_crisis, "subject", 0.35), (FlagCategory.weapon, "subject", 0.03)),
    "OD": ((FlagCategory.substance_use, "subject", 0.4),),
    "INTOX": ((FlagCategory.substance_use, "subject", 0.12),),
    "DIST": ((FlagCategory.substance_use, "subject", 0.03),),
    "TRESP": ((FlagCategory.substance_use, "subject", 0.04),),
    "FIGHT": ((FlagCategory.weapon, "subject", 0.04),),
    "ASLT": ((FlagCategory.weapon, "subject", 0.03),),
    "MED": ((FlagCategory.medical_condition, "subject", 0.08),),
    "WELF": ((FlagCategory.medical_condition, "subject", 0.03), (FlagCategory.hazard, "premise", 0.01)),
    "MISS": ((FlagCategory.mental_health_crisis, "subject", 0.05),),
}
_VIOLENT_ARRESTS = frozenset({"DOM", "DIST", "FIGHT", "ASLT", "WEAP", "CRISIS", "TRESP", "INTOX", "ROBB"})
# a person's standing condition, told when met at a call
_CONDITIONS = (
    (FlagCategory.language, 0.45),
    (FlagCategory.disability, 0.3),
    (FlagCategory.medical_condition, 0.25),
)

# premise traits: a household's or a business's standing problem, and what draws calls
_RES_TRAITS = (("domestic", 0.3), ("mental", 0.25), ("substance", 0.15), ("elderly", 0.15), ("party", 0.15))
_BUSINESS_TYPES = (
    ("convenience store", "retail", 10),
    ("gas station", "retail", 8),
    ("grocery store", "retail", 6),
    ("big-box store", "retail", 3),
    ("pharmacy", "retail", 4),
    ("department store", "retail", 2),
    ("liquor store", "nightlife", 4),
    ("bar", "nightlife", 7),
    ("nightclub", "nightlife", 2),
    ("fast-food restaurant", None, 8),
    ("restaurant", None, 10),
    ("motel", "substance", 3),
    ("hotel", None, 2),
    ("bank", None, 4),
    ("auto repair shop", None, 6),
    ("laundromat", None, 3),
    ("check-cashing store", "retail", 2),
    ("office building", None, 8),
    ("warehouse", None, 4),
    ("church", None, 4),
)
_PUBLIC_PLACES = (
    ("{} Park", "park", 5),
    ("{} Elementary School", "school", 3),
    ("{} Middle School", "school", 1),
    ("{} High School", "school", 1),
    ("{} Library", "library", 1),
    ("{} Transit Center", "transit", 1),
    ("{} Recreation Center", "recreation center", 1),
    ("{} Memorial Hospital", "hospital", 0.3),
    ("{} Shelter", "homeless shelter", 0.5),
)
_STREET_SUFFIXES = (
    ("Street", "St"),
    ("Avenue", "Ave"),
    ("Road", "Rd"),
    ("Drive", "Dr"),
    ("Boulevard", "Blvd"),
    ("Lane", "Ln"),
    ("Court", "Ct"),
    ("Place", "Pl"),
    ("Terrace", "Ter"),
    ("Parkway", "Pkwy"),
)
_STREET_WORDS = (
    "Main Oak Maple Pine Cedar Elm Walnut Hickory Chestnut Willow Spruce Birch Ash Sycamore Poplar Magnolia "
    "Washington Lincoln Jefferson Madison Franklin Adams Jackson Grant Monroe Park Lake Hill River Spring "
    "Highland Prospect Broadway Central College Church Market Union Summit Ridge Meadow Forest Garland Linwood"
).split()


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --------------------------------------------------------------------------------------------------------------
# The city (premises and persons): built once per seed
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CityStats:
    premises: int
    persons: int
    calls: int
    call_persons: int
    flags: int
    flags_active: int  # as of the end of the generated period (now, by default)
    flags_expired: int
    flags_review_due: int
    start: datetime
    end: datetime
    seconds: float

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds if self.seconds > 0 else 0.0


@dataclass(slots=True)
class _Street:
    name: str  # "Oak", "5th"
    full: str  # "Street"
    abbr: str  # "St"
    ns: bool  # runs north-south (position is x, km east of centre) or east-west (y)
    pos: float


@dataclass(slots=True)
class _City:
    rows: list[tuple[Any, ...]] = field(default_factory=list)  # premise rows (id, address, lat, lon, notes)
    reported: list[str] = field(default_factory=list)  # an as-reported spelling of each premise's address
    kinds: list[str] = field(default_factory=list)
    traits: list[str | None] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    district: list[int] = field(default_factory=list)
    occupants: list[tuple[int, ...]] = field(default_factory=list)  # residents or staff (person pool indexes)
    relative: dict[int, int] = field(default_factory=dict)  # premise -> a relative living elsewhere
    # the person pool
    first: list[str] = field(default_factory=list)
    last: list[str] = field(default_factory=list)
    male: list[bool] = field(default_factory=list)
    dob: list[date | None] = field(default_factory=list)
    phone: list[str | None] = field(default_factory=list)
    condition: dict[int, str] = field(default_factory=dict)  # person -> FlagCategory of a standing condition
    street_lo: int = 0
    street_cum: list[float] = field(default_factory=list)
    public_lo: int = 0
    public_n: int = 0
    officers: list[list[str]] = field(default_factory=list)  # per district


class _Builder:
    """Builds the premises and the person pool from Faker pools and one random.Random."""

    def __init__(self, rng: random.Random, fake: Faker, n_premises: int, n_public: int, end: datetime) -> None:
        self.rng = rng
        self.fake = fake
        self.n_premises = n_premises
        self.n_public = n_public
        self.end = end
        self.radius = 3.0 + 5.0 * math.sqrt(min(1.0, n_premises / 50_000))  # km
        self.city = _City()
        self.seen: set[str] = set()
        lat0 = math.radians(CITY_CENTRE[0])
        self.km_lat = 1 / 110.574
        self.km_lon = 1 / (111.320 * math.cos(lat0))
        self.first_male = [fake.first_name_male() for _ in range(1500)]
        self.first_female = [fake.first_name_female() for _ in range(1500)]
        self.last_names = [fake.last_name() for _ in range(3000)]
        self.area_codes = list(dict.fromkeys(fake.basic_phone_number().replace("-", "")[:3] for _ in range(3)))

    # --- persons -------------------------------------------------------------------------------------------------
    def person(
        self,
        *,
        male: bool | None = None,
        age: float | None = None,
        last: str | None = None,
        phone_rate: float = 0.75,
        dob_rate: float = 0.95,
    ) -> int:
        rng, c = self.rng, self.city
        if male is None:
            male = rng.random() < 0.52
        if age is None:
            age = rng.triangular(14, 88, 29)
        c.first.append(rng.choice(self.first_male if male else self.first_female))
        c.last.append(last or rng.choice(self.last_names))
        c.male.append(male)
        born = self.end.date() - timedelta(days=int(age * 365.25) + rng.randrange(365))
        c.dob.append(born if rng.random() < dob_rate else None)
        if rng.random() < phone_rate:
            area = rng.choice(self.area_codes)
            c.phone.append(f"({area}) {rng.randint(201, 989)}-{rng.randrange(10000):04d}")
        else:
            c.phone.append(None)
        i = len(c.first) - 1
        if rng.random() < 0.03:
            c.condition[i] = _pick(rng, _CONDITIONS)
        return i

    def household(self, trait: str | None) -> tuple[tuple[int, ...], int | None]:
        """Residents (the one the trait is about first) and, for a problem household, a relative elsewhere."""
        rng = self.rng
        last = rng.choice(self.last_names)
        relative = None
        if trait == "elderly":
            head = self.person(age=rng.uniform(72, 95), last=last)
            members = [head]
            if rng.random() < 0.4:
                members.append(self.person(male=not self.city.male[head], age=rng.uniform(70, 92), last=last))
            relative = self.person(age=rng.uniform(40, 62), last=last)
        elif trait == "mental":
            head = self.person(age=rng.uniform(19, 45), last=last, phone_rate=0.5)
            parent = self.person(age=rng.uniform(45, 75), last=last)
            members = [head, parent]
            relative = self.person(age=rng.uniform(20, 50), last=last)
        elif trait in ("domestic", "substance"):
            male = rng.random() < 0.8
            head = self.person(male=male, age=rng.uniform(20, 50), last=last)
            partner_last = last if rng.random() < 0.45 else None
            members = [head, self.person(male=not male, age=rng.uniform(19, 50), last=partner_last)]
            for _ in range(rng.choice((0, 0, 1, 2))):
                members.append(self.person(age=rng.uniform(2, 16), last=last, phone_rate=0.1))
        else:
            size = rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
            head = self.person(age=rng.uniform(19, 85), last=last)
            members = [head]
            if size >= 2:
                members.append(self.person(male=not self.city.male[head], age=rng.uniform(19, 80), last=last))
            for _ in range(size - 2):
                members.append(self.person(age=rng.uniform(1, 20), last=last, phone_rate=0.2))
        return tuple(members), relative

    # --- premises ------------------------------------------------------------------------------------------------
    def streets(self) -> tuple[list[_Street], list[_Street]]:
        rng, fake = self.rng, self.fake
        n = max(20, int(math.sqrt(self.n_premises) * 1.6))
        faked = [*(fake.last_name() for _ in range(4 * n)), *(fake.first_name() for _ in range(n))]
        # no "West" or "Court" as a street's name: normalisation would read it as a direction or a suffix
        names = [w for w in dict.fromkeys([*_STREET_WORDS, *faked]) if normalize_address(w) == w.upper()]
        rng.shuffle(names)
        spread = self.radius / 2.2
        ns = [_Street("", "", "", True, max(-self.radius, min(self.radius, rng.gauss(0, spread)))) for _ in range(n)]
        ew = [_Street("", "", "", False, max(-self.radius, min(self.radius, rng.gauss(0, spread)))) for _ in range(n)]
        ew.sort(key=lambda s: s.pos)
        lo, hi = int(n * 0.2), int(n * 0.8)  # numbered streets in the middle band, named ones outside
        names_it = iter(names)
        for i, s in enumerate(ew):
            if lo <= i < hi:
                s.name, (s.full, s.abbr) = _ordinal(i - lo + 1), ("Street", "St")
            else:
                s.name, (s.full, s.abbr) = next(names_it), rng.choice(_STREET_SUFFIXES)
        for s in ns:
            s.name = next(names_it)
            s.full, s.abbr = rng.choice(_STREET_SUFFIXES[1:])  # avenues, roads, drives ...
        return ns, ew

    def location(self, streets: Sequence[_Street], spread: float) -> tuple[str, str, float, float]:
        """A house number on a street: (reported spelling, abbreviated spelling, x km, y km)."""
        rng = self.rng
        s = rng.choice(streets)
        along = max(-self.radius, min(self.radius, rng.gauss(0, spread)))
        block = int(abs(along) / 0.1)
        side = rng.randrange(2)
        number = max(1, block * 100 + 2 * rng.randrange(50) + side)
        if s.ns:
            d_abbr, d_full = ("N", "North") if along >= 0 else ("S", "South")
            x, y = s.pos + (0.01 if side else -0.01), along
        else:
            d_abbr, d_full = ("E", "East") if along >= 0 else ("W", "West")
            x, y = along, s.pos + (0.01 if side else -0.01)
        full = f"{number} {d_full} {s.name} {s.full}" if rng.random() < 0.4 else f"{number} {d_abbr} {s.name} {s.abbr}"
        return full, f"{number} {d_abbr} {s.name} {s.abbr}", x, y

    def add(
        self, reported: str, x: float, y: float, kind: str, trait: str | None, notes: str | None, weight: float
    ) -> int | None:
        """Add a premise; its index, or None when the address is taken already."""
        address = normalize_address(reported)
        if address in self.seen:
            return None
        self.seen.add(address)
        c = self.city
        i = len(c.rows)
        lat = round(CITY_CENTRE[0] + y * self.km_lat, 6)
        lon = round(CITY_CENTRE[1] + x * self.km_lon, 6)
        c.rows.append((i, address, lat, lon, notes))
        c.reported.append(reported)
        c.kinds.append(kind)
        c.traits.append(trait)
        c.weights.append(weight)
        r = math.hypot(x, y)
        if r < self.radius * 0.25:
            c.district.append(1)
        else:
            c.district.append(2 + int(((math.atan2(y, x) + math.pi) / (2 * math.pi)) * 5) % 5)
        c.occupants.append(())
        return i

    def build(self) -> _City:
        rng, fake, c = self.rng, self.fake, self.city
        ns, ew = self.streets()
        streets = ns + ew
        n = self.n_premises
        # c.weights holds a multiplier per premise until the end, where it becomes multiplier * rank ** -ZIPF_PREMISES
        # over a random ranking within the kind: a heavy tail, with problem premises a little heavier still
        targets = {HOUSE: 0.45, APT: 0.34, BUSINESS: 0.12, PUBLIC: 0.025, STREET: 0.065}
        spread = self.radius / 2.2
        # businesses (central), public places
        companies = [fake.company() for _ in range(min(3000, max(100, int(n * targets[BUSINESS]))))]
        count = dict.fromkeys(KINDS, 0)
        while count[BUSINESS] < n * targets[BUSINESS]:
            btype, trait, _ = _pick3(rng, _BUSINESS_TYPES)
            reported, _abbr, x, y = self.location(streets, spread * 0.7)
            name = rng.choice(companies) if rng.random() < 0.5 else f"{rng.choice(self.last_names)}'s"
            if (
                self.add(reported, x, y, BUSINESS, trait, f"Business: {name} ({btype})", 2.5 if trait else 1.0)
                is not None
            ):
                count[BUSINESS] += 1
        while count[PUBLIC] < n * targets[PUBLIC]:
            fmt, ptype, _ = _pick3(rng, _PUBLIC_PLACES)
            reported, _abbr, x, y = self.location(streets, spread)
            place = fmt.format(rng.choice(self.last_names))
            if self.add(reported, x, y, PUBLIC, None, f"Public place: {place} ({ptype})", 2.0) is not None:
                count[PUBLIC] += 1
        # intersections
        while count[STREET] < n * targets[STREET]:
            a, b = rng.choice(ns), rng.choice(ew)
            reported = f"{a.name} {a.full if rng.random() < 0.4 else a.abbr} & {b.name} {b.abbr}"
            if self.add(reported, a.pos, b.pos, STREET, None, None, 1.5) is not None:
                count[STREET] += 1
        # apartment buildings: a complex premise and its units
        n_units = 0
        while n_units < n * targets[APT]:
            reported, _abbr, x, y = self.location(streets, spread * 0.8)
            units = rng.choice((4, 6, 8, 8, 12, 12, 16, 24, 24, 36, 48, 60))
            complex_name = f"{rng.choice(self.last_names)} {rng.choice(('Apartments', 'Court', 'Terrace', 'Villas'))}"
            hot = rng.random() < 0.15  # a troubled building: its units and common areas draw more
            building = self.add(
                reported, x, y, COMPLEX, None, f"Apartment complex: {complex_name}, {units} units", 3.0 if hot else 1.0
            )
            if building is None:
                continue
            floors = max(1, units // 8)
            for u in range(units):
                floor = 1 + u % floors
                unit = f"{floor}{chr(65 + u // floors)}" if floors > 1 else str(101 + u)
                spelled = rng.choice((f" Apt {unit}", f" #{unit}", f", Apartment {unit}", f" Unit {unit}"))
                trait = _pick(rng, _RES_TRAITS) if rng.random() < (0.3 if hot else 0.12) else None
                w = (2.0 if hot else 1.0) * (2.5 if trait else 1.0)
                if self.add(reported + spelled, x, y, APT, trait, None, w) is not None:
                    n_units += 1
        while count[HOUSE] < n * targets[HOUSE]:
            reported, _abbr, x, y = self.location(streets, spread)
            trait = _pick(rng, _RES_TRAITS) if rng.random() < 0.1 else None
            if self.add(reported, x, y, HOUSE, trait, None, 2.5 if trait else 1.0) is not None:
                count[HOUSE] += 1
        # shuffle the premise ids so that hot premises are not the first ids
        order = list(range(len(c.rows)))
        rng.shuffle(order)
        c.rows = [(new + 1, *c.rows[old][1:]) for new, old in enumerate(order)]
        for name in ("reported", "kinds", "traits", "weights", "district", "occupants"):
            values = getattr(c, name)
            setattr(c, name, [values[old] for old in order])
        shares = _kind_shares()
        for kind in KINDS:  # Zipf within each kind: calls of a type choose among the premises of a kind
            members = [i for i, k in enumerate(c.kinds) if k == kind]
            ranks = list(range(1, len(members) + 1))
            rng.shuffle(ranks)
            ws = [c.weights[i] * rank**-ZIPF_PREMISES for i, rank in zip(members, ranks, strict=True)]
            # no premise above _PEAK[kind] times the mean calls per premise, so that no one address dominates
            cap_share = _PEAK[kind] / (len(c.rows) * shares[kind])
            for _ in range(5):
                cap = cap_share * sum(ws)
                ws = [min(w, cap) for w in ws]
            for i, w in zip(members, ws, strict=True):
                c.weights[i] = w
        # persons: households, staff, frequent subjects on the street, the public
        for p, kind in enumerate(c.kinds):
            if kind in RESIDENTIAL:
                household, relative = self.household(c.traits[p])
                c.occupants[p] = household
                if relative is not None:
                    c.relative[p] = relative
            elif kind == BUSINESS:
                staff = rng.choice((1, 2, 2, 3)) + (4 if c.weights[p] > 0.05 else 0)  # busy places: more staff
                c.occupants[p] = tuple(self.person(age=rng.uniform(19, 65)) for _ in range(staff))
        c.street_lo = len(c.first)
        n_street = max(300, self.n_public // 15)
        for _ in range(n_street):
            i = self.person(male=rng.random() < 0.78, age=rng.uniform(18, 65), phone_rate=0.3, dob_rate=0.8)
            if rng.random() < 0.15:
                c.condition[i] = FlagCategory.mental_health_crisis
        # Zipf-Mandelbrot: a few "frequent flyers", but none in every other call
        c.street_cum = list(itertools.accumulate((k + 6) ** -0.85 for k in range(n_street)))
        c.public_lo = len(c.first)
        c.public_n = self.n_public
        for _ in range(self.n_public):
            self.person()
        # officers by district
        n_officers = max(8, self.n_public // 3000)
        for _d in range(7):
            c.officers.append(
                [
                    f"Ofc. {rng.choice(self.first_male + self.first_female)[0]}. {rng.choice(self.last_names)} "
                    f"#{rng.randint(1000, 9999)}"
                    for _ in range(n_officers)
                ]
            )
        return c


def _kind_shares() -> dict[str, float]:
    """The share of all calls that each kind of premise gets, from the call-type table."""
    shares = dict.fromkeys(KINDS, 0.0)
    total = sum(t.share for t in CALL_TYPES)
    for t in CALL_TYPES:
        kinds_total = sum(w for _, w in t.kinds)
        for kind, w in t.kinds:
            shares[kind] += t.share / total * w / kinds_total
    return shares


def _pick(rng: random.Random, table: Sequence[tuple[Any, float]]) -> Any:
    r = rng.random() * sum(w for _, w in table)
    for value, w in table:
        r -= w
        if r < 0:
            return value
    return table[-1][0]


def _pick3(rng: random.Random, table: Sequence[tuple[Any, Any, float]]) -> tuple[Any, Any, float]:
    r = rng.random() * sum(row[2] for row in table)
    for row in table:
        r -= row[2]
        if r < 0:
            return row
    return table[-1]


def _relation(c: _City, caller: int, subject: int) -> str:
    """How a caller names a household member: 'my son', 'my girlfriend', ... from ages, sexes and last names."""
    male = c.male[subject]
    a, b = c.dob[caller], c.dob[subject]
    gap = (b - a).days / 365.25 if a and b else 0.0  # > 0: the subject is younger
    if gap >= 16:
        return "my son" if male else "my daughter"
    if gap <= -16:
        return ("my dad" if male else "my mom") if gap > -45 else ("my grandpa" if male else "my grandma")
    if c.last[caller] == c.last[subject]:
        if abs(gap) < 12 and (c.male[caller] != male):
            return "my husband" if male else "my wife"
        return "my brother" if male else "my sister"
    if c.male[caller] != male:
        return "my boyfriend" if male else "my girlfriend"
    return "my roommate"


def _narrative(
    rng: random.Random,
    c: _City,
    t: CallType,
    kind: str,
    caller: int | None,
    subject: int | None,
    fam: bool,
    force_unc: bool = False,
) -> str:
    """The caller's words for a call of type T at a premise of KIND (or the alarm company's, the officer's)."""
    if t.code == "ALARM":
        return rng.choice(_ALARM_REMARKS).format(n=rng.randint(1, 12))
    if t.officer_initiated:
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        plate = f"{rng.randint(1, 9)}{letters}{rng.randint(100, 999)}"
        return rng.choice(_OFFICER_REMARKS[t.code]).format(veh=rng.choice(_VEHICLES), plate=plate)
    groups = _NARRATIVES[t.code]
    at_home = kind in RESIDENTIAL or kind == COMPLEX
    if fam:
        order = ("fam", "home", "away")
    elif at_home:
        order = ("home", "away", "fam")
    else:
        order = ("away", "home", "fam")
    templates = next(groups[key] for key in order if key in groups)
    template = rng.choice(templates)
    male = c.male[subject] if subject is not None else rng.random() < 0.8
    pron = _PRONOUNS[male]
    if subject is not None and caller is not None and fam:
        rel, name = _relation(c, caller, subject), c.first[subject]
    else:
        rel, name = "my neighbor", ""
    who = "a teenager" if rng.random() < 0.1 else ("a guy" if male else "a woman")
    words = template.format(
        rel=rel,
        name=name,
        desc=f"{who} {rng.choice(_CLOTHES)}",
        veh=rng.choice(_VEHICLES),
        place=rng.choice(_PLACES["home" if at_home else "street" if kind == STREET else "away"]),
        weapon=rng.choice(_WEAPONS),
        item=rng.choice(_ITEMS),
        He=pron["he"].capitalize(),
        **pron,
    )
    words = words.replace("  ", " ").replace(" ,", ",")
    if not words:
        return words
    words = words[0].upper() + words[1:]
    if force_unc or rng.random() < t.unc_rate:
        unc = rng.choice(UNCERTAINTY[t.uncertainty]).format(**pron)
        if words.endswith(".") and rng.random() < 0.4:
            words = f"{words[:-1]}, {unc}."
        else:
            words = f"{words} {unc[0].upper()}{unc[1:]}."
    return words


# --------------------------------------------------------------------------------------------------------------
# Generating
# --------------------------------------------------------------------------------------------------------------


def _end_of(start: datetime | None, years: float) -> tuple[datetime, datetime]:
    span = timedelta(days=years * 365.25)
    if start is None:
        end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return end - span, end
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return start, start + span


class _Clock:
    """Hour cells over the period with weights per hour profile; a call's time is a cell plus random seconds."""

    def __init__(self, start: datetime, end: datetime) -> None:
        local0 = start.astimezone(CITY_TZ).replace(minute=0, second=0, microsecond=0)
        n_cells = int((end - start).total_seconds() // 3600)
        self.cells: list[datetime] = []
        keys: list[tuple[int, int, float]] = []
        utc0 = local0.astimezone(UTC)
        for k in range(n_cells):
            utc = utc0 + timedelta(hours=k)
            local = utc.astimezone(CITY_TZ)
            self.cells.append(utc)
            doy = local.timetuple().tm_yday
            season = 1.0 + 0.1 * math.sin(2 * math.pi * (doy - 100) / 365.25)
            keys.append((local.weekday(), local.hour, season))
        self.cum: dict[str, list[float]] = {}
        for profile, hours in _HOURS.items():
            self.cum[profile] = list(
                itertools.accumulate(hours[h] * s * _hour_factor(profile, dow, h) for dow, h, s in keys)
            )

    def draw(self, rng: random.Random, profile: str) -> int:
        """Seconds since the first cell's start."""
        cum = self.cum[profile]
        k = bisect.bisect(cum, rng.random() * cum[-1])
        return k * 3600 + rng.randrange(3600)


class _Generator:
    """Calls, the persons in them and the flags they give rise to, one call at a time in time order."""

    def __init__(self, city: _City, rng: random.Random, end: datetime) -> None:
        self.c = city
        self.rng = rng
        self.end = end
        kinds = city.kinds
        # cumulative premise weights per (kind, affinity); affinity multiplies the premises with that trait
        self.premise_cum: dict[tuple[str, str | None], tuple[list[int], list[float]]] = {}
        for kind in KINDS:
            idx = [i for i, k in enumerate(kinds) if k == kind]
            for aff in {None, *(t.affinity for t in CALL_TYPES)}:
                ws = (city.weights[i] * (4.0 if aff is not None and city.traits[i] == aff else 1.0) for i in idx)
                self.premise_cum[(kind, aff)] = (idx, list(itertools.accumulate(ws)))
        self.kind_cum = {
            t.code: (tuple(k for k, _ in t.kinds), list(itertools.accumulate(w for _, w in t.kinds)))
            for t in CALL_TYPES
        }
        self.disp_cum = {
            t.code: (tuple(d for d, _ in t.dispositions), list(itertools.accumulate(w for _, w in t.dispositions)))
            for t in CALL_TYPES
        }
        self.person_id: list[int] = [0] * len(city.first)
        self.next_person = 0
        self.person_rows: list[tuple[Any, ...]] = []
        self.flag_rows: list[tuple[Any, ...]] = []
        self.flag_until: dict[tuple[str, int, str], datetime] = {}  # ('p'|'r', id, category) -> active until
        self.next_flag = 0

    # --- persons ---------------------------------------------------------------------------------------------------
    def pid(self, i: int) -> int:
        j = self.person_id[i]
        if not j:
            self.next_person += 1
            j = self.person_id[i] = self.next_person
            c = self.c
            self.person_rows.append((j, c.first[i], c.last[i], c.dob[i], c.phone[i]))
        return j

    def public(self) -> int:
        return self.c.public_lo + int(self.rng.random() * self.c.public_n)

    def street_person(self) -> int:
        cum = self.c.street_cum
        return self.c.street_lo + bisect.bisect(cum, self.rng.random() * cum[-1])

    def stranger(self) -> int | None:
        """A subject who is not from the premise: a frequent one, one of the public, or unidentified."""
        r = self.rng.random()
        if r < 0.3:
            return self.street_person()
        if r < 0.75:
            return self.public()
        return None

    def premise(self, t: CallType) -> int:
        rng = self.rng
        kinds, kcum = self.kind_cum[t.code]
        kind = kinds[bisect.bisect(kcum, rng.random() * kcum[-1])]
        idx, cum = self.premise_cum[(kind, t.affinity)]
        if not idx:
            idx, cum = self.premise_cum[(HOUSE, None)]
        return idx[bisect.bisect(cum, rng.random() * cum[-1])]

    def people(self, t: CallType, p: int) -> tuple[int | None, int | None, int | None, list[tuple[int, str]], bool]:
        """(caller, subject, victim, extra (person, role) pairs, the caller knows the subject)."""
        rng, c = self.rng, self.c
        kind = c.kinds[p]
        occ = c.occupants[p]
        caller = subject = victim = None
        extra: list[tuple[int, str]] = []
        fam = False
        pattern = t.people
        home = kind in RESIDENTIAL and bool(occ)
        if pattern == "traffic_stop":
            subject = self.street_person() if rng.random() < 0.1 else self.public()
            if rng.random() < 0.15:
                extra.append((self.public(), PersonRole.other))
        elif pattern == "alarm":
            if occ and rng.random() < 0.15:
                caller = occ[0]
        elif pattern == "accident":
            for _ in range(rng.choice((1, 2, 2, 3))):
                extra.append((self.public(), PersonRole.victim if t.code == "ACCI" and not extra else PersonRole.other))
            if rng.random() < 0.6:
                caller = extra[0][0]
        elif pattern == "domestic" and home:
            subject = occ[0]
            victim = occ[1] if len(occ) > 1 else self.public()
            r = rng.random()
            if r < 0.65:
                caller, fam = victim, True
            elif r < 0.9:
                caller = self.public()  # a neighbour
            if len(occ) > 2 and rng.random() < 0.2:
                extra.append((occ[2], PersonRole.witness))
        elif pattern == "household" and home:
            subject = occ[0]
            if len(occ) > 1 and rng.random() < 0.6:
                caller, fam = occ[1], True
            elif p in c.relative and rng.random() < 0.7:
                caller, fam = c.relative[p], True
            elif rng.random() < 0.6:
                caller = self.public()
        elif pattern == "nuisance" and home:
            if rng.random() < 0.6:
                subject = occ[0]
            if rng.random() < 0.7:
                caller = self.public()
        elif pattern == "civil" and home:
            caller, fam = occ[0], True
            subject = self.public()
        elif pattern == "property" and occ:
            caller, fam = occ[0], kind in RESIDENTIAL
            victim = caller
            if rng.random() < 0.12:
                subject = self.stranger()
        elif pattern == "hangup":
            if occ and rng.random() < 0.6:
                caller = occ[0]
        else:  # street, business, and the patterns above away from home
            if (kind == BUSINESS and occ) or (home and rng.random() < 0.5):
                caller = rng.choice(occ)
            elif rng.random() < 0.75:
                caller = self.public()
            if home and rng.random() < 0.5:
                subject = occ[0]
                fam = caller is not None and caller in occ and caller != subject
            else:
                subject = self.stranger()
            if t.code in ("ASLT", "ROBB"):
                victim = caller if caller is not None and rng.random() < 0.6 else self.public()
            if t.code == "FIGHT":
                other = self.stranger()
                extra.append((self.public() if other is None else other, PersonRole.subject))
            if rng.random() < 0.12:
                extra.append((self.public(), PersonRole.witness))
        if subject is not None and subject == caller:
            subject = None
        return caller, subject, victim, extra, fam

    # --- flags -----------------------------------------------------------------------------------------------------
    def flag(
        self,
        category: str,
        person: int | None,
        premise_id: int | None,
        ts: datetime,
        call_id: int,
        officer: str,
    ) -> None:
        rng = self.rng
        key = ("p", person, category) if person is not None else ("r", premise_id or 0, category)
        until = self.flag_until.get(key)
        if until is not None and until > ts:
            return
        entered = min(ts + timedelta(hours=rng.uniform(0.5, 72)), self.end)
        life, review = _FLAG_LIFE[category]
        expires = entered + timedelta(days=life * rng.uniform(0.9, 1.1)) if life else None
        review_at = entered + timedelta(days=review * rng.uniform(0.95, 1.05)) if review else None
        self.flag_until[key] = expires or datetime.max.replace(tzinfo=UTC)
        if category == FlagCategory.mental_health_crisis and rng.random() < 0.5:
            by = f"CIT {officer}"
        elif rng.random() < 0.1:
            by = f"Records unit #{rng.randint(100, 140)}"
        else:
            by = officer
        flag_text = rng.choice(_FLAG_TEXT[category]).format(
            weapon=rng.choice(_WEAPONS), month=entered.astimezone(CITY_TZ).strftime("%B %Y")
        )
        self.next_flag += 1
        self.flag_rows.append(
            (
                self.next_flag,
                str(category),
                flag_text,
                self.pid(person) if person is not None else None,
                premise_id,
                by,
                entered,
                call_id,
                expires,
                review_at,
            )
        )

    def flags(
        self,
        t: CallType,
        call_id: int,
        ts: datetime,
        premise: int,
        caller: int | None,
        subject: int | None,
        victim: int | None,
        disposition: str,
        officer: str,
    ) -> None:
        rng, c = self.rng, self.c
        premise_id = premise + 1
        for category, who, prob in _FLAG_RULES.get(t.code, ()):
            if rng.random() >= prob:
                continue
            if who == "premise":
                self.flag(category, None, premise_id, ts, call_id, officer)
            elif who == "subject" and subject is not None:
                self.flag(category, subject, None, ts, call_id, officer)
        if subject is not None and disposition == "Arrest" and t.code in _VIOLENT_ARRESTS and rng.random() < 0.1:
            self.flag(FlagCategory.violence_toward_officers, subject, None, ts, call_id, officer)
        for person in (subject, victim, caller):
            if person is not None and person in c.condition and rng.random() < 0.25:
                self.flag(c.condition[person], person, None, ts, call_id, officer)
        kind = c.kinds[premise]
        if kind in RESIDENTIAL and not t.officer_initiated:
            r = rng.random()
            if r < 0.004:
                self.flag(FlagCategory.dog, None, premise_id, ts, call_id, officer)
            elif r < 0.0055:
                self.flag(FlagCategory.hazard, None, premise_id, ts, call_id, officer)
            elif r < 0.006:
                self.flag(FlagCategory.weapon, None, premise_id, ts, call_id, officer)

    # --- one call --------------------------------------------------------------------------------------------------
    def call(
        self, call_id: int, number: str, ts: datetime, local_hour: int, t: CallType, links: list[tuple[int, int, str]]
    ) -> tuple[Any, ...]:
        rng, c = self.rng, self.c
        p = self.premise(t)
        caller, subject, victim, extra, fam = self.people(t, p)
        narrative = _narrative(rng, c, t, c.kinds[p], caller, subject, fam) or None
        names, cum = self.disp_cum[t.code]
        disposition = names[bisect.bisect(cum, rng.random() * cum[-1])]
        district = c.district[p]
        shift = "A" if 7 <= local_hour < 15 else ("B" if 15 <= local_hour < 23 else "C")
        n_units = (3, 2, 2, 1, 1)[t.priority - 1] + (rng.random() < 0.3)
        units = ",".join(dict.fromkeys(f"{district}{shift}{rng.randint(1, 14):02d}" for _ in range(n_units)))
        officer = rng.choice(c.officers[district])
        seen: set[tuple[int, str]] = set()
        for person, role in (
            (caller, PersonRole.caller),
            (subject, PersonRole.subject),
            (victim, PersonRole.victim),
            *extra,
        ):
            if person is not None and (person, role) not in seen:
                seen.add((person, role))
                links.append((call_id, self.pid(person), str(role)))
        self.flags(t, call_id, ts, p, caller, subject, victim, disposition, officer)
        _pid, _address, lat, lon, _notes = c.rows[p]
        reported = c.reported[p]
        return (
            call_id,
            number,
            ts,
            t.code,
            t.text,
            str(t.priority),
            p + 1,
            reported,
            lat,
            lon,
            narrative,
            disposition,
            units,
            officer,
            SOURCE,
        )


_CALL_COLS = (
    "id",
    "number",
    "received_at",
    "type_code",
    "type_text",
    "priority",
    "premise_id",
    "address",
    "latitude",
    "longitude",
    "narrative",
    "disposition",
    "units",
    "reporting_officer",
    "source",
)
_PERSON_COLS = ("id", "first_name", "last_name", "date_of_birth", "phone")
_PREMISE_COLS = ("id", "address", "latitude", "longitude", "notes")
_LINK_COLS = ("call_id", "person_id", "role")
_FLAG_COLS = (
    "id",
    "category",
    "text",
    "person_id",
    "premise_id",
    "entered_by",
    "entered_at",
    "source_call_id",
    "expires_at",
    "review_at",
)


def _insert(conn: Connection, table: Table, cols: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    batch = [dict(zip(cols, row, strict=True)) for row in rows]
    if batch:
        conn.execute(insert(table), batch)


def generate_city(
    engine: Engine,
    *,
    calls: int,
    seed: int = 1,
    start: datetime | None = None,
    years: float = 3.0,
    progress: Callable[[int], None] | None = None,
    replace: bool = False,
) -> CityStats:
    """Fill an empty store with a synthetic city of CALLS calls over YEARS years from START.

    Without START the period ends today at 00:00 UTC, so the newest calls are recent
    and the share of expired flags is what a briefing today would see; give START
    for a city that is the same whatever the day. PROGRESS is called with the number
    of calls written after each batch. A store that already has data is refused (E095,
    nothing touched) unless REPLACE, which deletes everything in it first.
    """
    if calls < 0:
        raise ValueError("calls must be >= 0")
    if years * 365.25 * 24 < 1:
        raise ValueError("years must cover at least an hour")
    began = time.perf_counter()
    with engine.connect() as conn:
        if replace:
            with conn.begin():
                _clear(conn)
        else:
            _check_empty(conn)
    start, end = _end_of(start, years)
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    n_premises = min(50_000, max(2_000, calls // 20))
    n_public = max(2_000, int(calls * 0.3))
    city = _Builder(rng, fake, n_premises, n_public, end).build()
    clock = _Clock(start, end)
    gen = _Generator(city, rng, end)

    # every call's (seconds, type), in time order
    type_cum = list(itertools.accumulate(t.share for t in CALL_TYPES))
    keys = []
    n_types = len(CALL_TYPES)
    for _ in range(calls):
        ti = bisect.bisect(type_cum, rng.random() * type_cum[-1])
        keys.append(clock.draw(rng, CALL_TYPES[ti].hours) * n_types + ti)
    keys.sort()

    tables = Base.metadata.tables
    base = clock.cells[0] if clock.cells else start
    n_links = 0
    with engine.connect() as conn:
        restore = _bulk_begin(conn)
        try:
            with conn.begin():
                for i in range(0, len(city.rows), BATCH):
                    _insert(conn, tables["premises"], _PREMISE_COLS, city.rows[i : i + BATCH])
            year_seq: dict[int, int] = {}
            for lo in range(0, calls, BATCH):
                call_rows: list[tuple[Any, ...]] = []
                links: list[tuple[int, int, str]] = []
                for k in range(lo, min(calls, lo + BATCH)):
                    secs, ti = divmod(keys[k], n_types)
                    ts = base + timedelta(seconds=secs)
                    local = ts.astimezone(CITY_TZ)
                    seq = year_seq[local.year] = year_seq.get(local.year, 0) + 1
                    number = f"{local.year % 100:02d}-{seq:07d}"
                    call_rows.append(gen.call(k + 1, number, ts, local.hour, CALL_TYPES[ti], links))
                with conn.begin():
                    _insert(conn, tables["persons"], _PERSON_COLS, gen.person_rows)
                    _insert(conn, tables["calls"], _CALL_COLS, call_rows)
                    _insert(conn, tables["call_persons"], _LINK_COLS, links)
                    _insert(conn, tables["flags"], _FLAG_COLS, gen.flag_rows)
                n_links += len(links)
                gen.person_rows.clear()
                gen.flag_rows.clear()
                if progress is not None:
                    progress(min(calls, lo + BATCH))
        finally:
            restore()
        with conn.begin():
            _sync_sequences(conn)
        active, expired, review = _flag_status(conn, end)
    return CityStats(
        premises=len(city.rows),
        persons=gen.next_person,
        calls=calls,
        call_persons=n_links,
        flags=gen.next_flag,
        flags_active=active,
        flags_expired=expired,
        flags_review_due=review,
        start=start,
        end=end,
        seconds=time.perf_counter() - began,
    )


def ensure_empty(engine: Engine) -> None:
    """Raise E095 (one line, nothing touched) when the store already has data."""
    with engine.connect() as conn:
        _check_empty(conn)


def _check_empty(conn: Connection) -> None:
    for table in (Base.metadata.tables[name] for name in ("calls", "premises", "persons", "flags")):
        count = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if count:
            raise InputError(
                Code.E095,
                f"the store already has {count:,} {table.name}; a synthetic city goes into an empty store "
                "(give --replace to delete everything in it and rebuild)",
                file=conn.engine.url.render_as_string(hide_password=True),
            )


def _clear(conn: Connection) -> None:
    """Delete every row, children before parents (foreign keys)."""
    for name in ("flags", "call_persons", "calls", "persons", "premises"):
        conn.execute(Base.metadata.tables[name].delete())


_TABLES = ("premises", "persons", "calls", "call_persons", "flags")
_SQLITE_DROP_INDEXES = True  # SQLite: drop the secondary indexes for the load and build them after (measured faster)


def _bulk_begin(conn: Connection) -> Callable[[], None]:
    """SQLite: a bigger page cache and no secondary indexes during the load. Returns what undoes it."""
    if conn.dialect.name != "sqlite":
        return lambda: None
    old = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB
    indexes: list[tuple[str, str]] = []
    if _SQLITE_DROP_INDEXES:
        marks = ",".join("?" * len(_TABLES))
        indexes = [
            (name, sql)
            for name, sql in conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND tbl_name IN ({marks}) ORDER BY name",
                _TABLES,
            )
        ]
        for name, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
    conn.commit()

    def restore() -> None:
        for _name, sql in indexes:
            conn.exec_driver_sql(sql)
        conn.exec_driver_sql(f"PRAGMA cache_size={int(old or -2000)}")
        conn.commit()

    return restore


def _sync_sequences(conn: Connection) -> None:
    """PostgreSQL: move the id sequences past the ids we wrote ourselves."""
    if conn.dialect.name != "postgresql":
        return
    for table in ("premises", "persons", "calls", "flags"):
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
        if seq:
            conn.execute(text(f"SELECT setval('{seq}', COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"))


def _flag_status(conn: Connection, now: datetime) -> tuple[int, int, int]:
    f = Flag.__table__.c
    naive = now.replace(tzinfo=None) if conn.dialect.name == "sqlite" else now
    expired = conn.execute(select(func.count()).where(f.expires_at.is_not(None), f.expires_at <= naive)).scalar_one()
    review = conn.execute(
        select(func.count()).where(
            (f.expires_at.is_(None)) | (f.expires_at > naive), f.review_at.is_not(None), f.review_at <= naive
        )
    ).scalar_one()
    total = conn.execute(select(func.count()).select_from(Flag.__table__)).scalar_one()
    conn.rollback()
    return total - expired - review, expired, review


# --------------------------------------------------------------------------------------------------------------
# A sample incoming call for the demo
# --------------------------------------------------------------------------------------------------------------

_EXPAND = {
    "N": "North",
    "S": "South",
    "E": "East",
    "W": "West",
    "ST": "Street",
    "AVE": "Avenue",
    "RD": "Road",
    "DR": "Drive",
    "BLVD": "Boulevard",
    "LN": "Lane",
    "CT": "Court",
    "PL": "Place",
    "TER": "Terrace",
    "PKWY": "Parkway",
}
# the subject's flag -> the call type the sample is, the narrative's uncertainty
_SAMPLE_TYPES = (
    (FlagCategory.mental_health_crisis, "CRISIS"),
    (FlagCategory.weapon, "WEAP"),
    (FlagCategory.violence_toward_officers, "DOM"),
    (FlagCategory.substance_use, "DIST"),
)


def _spoken(address: str) -> str:
    """'418 N GARLAND AVE #3C' as a caller says it: '418 North Garland Avenue, apartment 3C'."""
    out = []
    for word in address.split():
        if word.startswith("#"):
            out.append(f"apartment {word[1:]}")
        elif word in _EXPAND:
            out.append(_EXPAND[word])
        elif word == "&":
            out.append("and")
        else:
            out.append(word.capitalize())
    spoken = " ".join(out).replace(" apartment", ", apartment")
    return spoken if normalize_address(spoken.replace(" and ", " & ")) == address else address


def sample_call(engine: Engine, *, seed: int = 1) -> CallIn:
    """A realistic incoming call at a busy premise with history and a flagged person, for the demo briefing.

    Read-only: the call is not stored. The subject is someone with caution flags
    who has been the subject of calls at the premise before; the caller is whoever
    has called about the premise most; the narrative carries the caller's own
    uncertain words ("I think he has a knife, I'm not sure").
    """
    rng = random.Random(seed)
    calls_t, links_t, flags_t = Call.__table__, CallPerson.__table__, Flag.__table__
    persons_t, premises_t = Person.__table__, Premise.__table__
    c, cp, f = calls_t.c, links_t.c, flags_t.c
    with engine.connect() as conn:
        busy = conn.execute(
            select(c.premise_id, func.count().label("n"))
            .where(c.premise_id.is_not(None))
            .group_by(c.premise_id)
            .order_by(desc("n"), c.premise_id)
            .limit(300)
        ).all()
        if not busy:
            raise ValueError("the store has no calls at premises; generate a synthetic city first")
        counts = {row.premise_id: row.n for row in busy}
        subjects = (
            select(c.premise_id, cp.person_id)
            .select_from(calls_t.join(links_t, cp.call_id == c.id))
            .where(c.premise_id.in_(counts), cp.role == PersonRole.subject.value)
            .distinct()
            .subquery()
        )
        flagged = conn.execute(
            select(subjects.c.premise_id, subjects.c.person_id, f.category)
            .select_from(subjects.join(flags_t, f.person_id == subjects.c.person_id))
            .where(f.category.in_([str(cat) for cat, _ in _SAMPLE_TYPES]))
            .distinct()
        ).all()
        candidates: dict[tuple[int, int], set[str]] = {}
        for row in flagged:
            candidates.setdefault((row.premise_id, row.person_id), set()).add(row.category)
        if not candidates:  # a store without such flags: the subjects at the busy premises
            rows = conn.execute(select(subjects).order_by(subjects.c.premise_id, subjects.c.person_id)).all()
            candidates = {(r.premise_id, r.person_id): set() for r in rows}
        homes = set(
            conn.execute(
                select(premises_t.c.id).where(
                    premises_t.c.id.in_(counts), premises_t.c.notes.is_(None), premises_t.c.address.not_like("%&%")
                )
            ).scalars()
        )
        # a household first (the demo's story), then the most kinds of caution, then the busiest premise
        ranked = sorted(candidates, key=lambda k: (k[0] not in homes, -len(candidates[k]), -counts[k[0]], k))
        premise_id, subject_id = rng.choice(ranked[:5]) if ranked else (busy[0].premise_id, None)
        categories = candidates.get((premise_id, subject_id), set()) if subject_id is not None else set()
        premise = conn.execute(select(premises_t).where(premises_t.c.id == premise_id)).one()
        subject = conn.execute(select(persons_t).where(persons_t.c.id == subject_id)).first()
        caller_id = conn.execute(
            select(cp.person_id)
            .select_from(links_t.join(calls_t, c.id == cp.call_id))
            .where(c.premise_id == premise_id, cp.role == PersonRole.caller.value, cp.person_id != (subject_id or 0))
            .group_by(cp.person_id)
            .order_by(desc(func.count()), cp.person_id)
            .limit(1)
        ).scalar()
        caller = conn.execute(select(persons_t).where(persons_t.c.id == caller_id)).first()
        last = conn.execute(select(func.max(c.received_at))).scalar_one()
        numbers = conn.execute(select(c.number).order_by(desc(c.id)).limit(1)).scalar()
    code = rng.choice([code for cat, code in _SAMPLE_TYPES if cat in categories] or ["DOM"])
    t = TYPE_BY_CODE[code]
    received = _as_utc(last) + timedelta(minutes=rng.randint(5, 40))
    # a city of two, so that the narrative can name and relate them
    mini = _City()
    for person in (caller, subject):
        if person is not None:
            mini.first.append(person.first_name or "")
            mini.last.append(person.last_name or "")
            mini.male.append(_guess_male(person.first_name))
            mini.dob.append(person.date_of_birth)
            mini.phone.append(person.phone)
    ci = 0 if caller is not None else None
    si = None if subject is None else (0 if caller is None else 1)
    at_home = premise.notes is None and "&" not in premise.address  # a house or an apartment
    fam = caller is not None and subject is not None and at_home
    narrative = _narrative(rng, mini, t, HOUSE if at_home else BUSINESS, ci, si, fam, force_unc=True)
    persons = []
    if caller is not None:
        persons.append(
            PersonIn(
                first_name=caller.first_name,
                last_name=caller.last_name,
                role=PersonRole.caller.value,
                phone=caller.phone,
            )
        )
    if subject is not None:
        sex = "male" if _guess_male(subject.first_name) else "female"
        age = (received.date() - subject.date_of_birth).days // 365 if subject.date_of_birth else None
        persons.append(
            PersonIn(
                first_name=subject.first_name,
                last_name=subject.last_name,
                role=PersonRole.subject.value,
                description=sex if age is None else f"{sex}, about {age}",
            )
        )
    year = received.astimezone(CITY_TZ).year % 100
    prefix, _, seq = (numbers or "").rpartition("-")
    nxt = int(seq) + 1 if prefix == f"{year:02d}" and seq.isdigit() else 1
    district = rng.randint(1, 6)
    return CallIn(
        number=f"{year:02d}-{nxt:07d}",
        received_at=received,
        type_code=t.code,
        type_text=t.text,
        priority=str(t.priority),
        address=_spoken(premise.address),
        latitude=premise.latitude,
        longitude=premise.longitude,
        narrative=narrative,
        caller_name=" ".join(p for p in (caller.first_name, caller.last_name) if p) if caller is not None else None,
        caller_phone=caller.phone if caller is not None else None,
        caller_on_scene=True,
        persons=persons,
        notes=[NoteIn(text="Caller is staying on the line.", at=received + timedelta(minutes=1), author="call-taker")],
        units=list(dict.fromkeys(f"{district}B{rng.randint(1, 14):02d}" for _ in range(2))),
    )


def _as_utc(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _guess_male(first_name: str | None) -> bool:
    from faker.providers.person.en_US import Provider

    if not first_name:
        return True
    return first_name in Provider.first_names_male or first_name not in Provider.first_names_female
