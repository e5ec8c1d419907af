"""Address normalisation, so '418 Garland Avenue Apt 3C' and '418 GARLAND AVE #3C' are one premise;
block addresses ('025XX Washington Ave') as number ranges a house number falls in; withheld addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from deescalate.store.models import Premise

_SUFFIXES = {
    "STREET": "ST",
    "AVENUE": "AVE",
    "ROAD": "RD",
    "DRIVE": "DR",
    "BOULEVARD": "BLVD",
    "LANE": "LN",
    "COURT": "CT",
    "PLACE": "PL",
    "TERRACE": "TER",
    "PARKWAY": "PKWY",
    "HIGHWAY": "HWY",
    "CIRCLE": "CIR",
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "APARTMENT": "#",
    "APT": "#",
    "UNIT": "#",
    "SUITE": "#",
}
_PUNCT = re.compile(r"[.,]")


def normalize_address(text: str) -> str:
    words = _PUNCT.sub(" ", text.upper()).split()
    out = [_SUFFIXES.get(w, w) for w in words]
    joined = " ".join(out)
    return re.sub(r"#\s+", "#", joined)


@dataclass(frozen=True)
class BlockRange:
    """Where an address lies on its street: one house (low == high) or a block of numbers."""

    street: str  # normalised, without the house number or unit
    low: int
    high: int


# "025XX WASHINGTON AVE", "7XX MARKET ST", "14XX BLK N MAIN ST": the Xs stand for the hidden digits
_X_BLOCK = re.compile(r"(\d*)(X+)\s+(?:(?:BLOCK|BLK)\s+(?:OF\s+)?)?(.+)\Z")
# "1400 BLOCK OF N MAIN ST", "1400 BLK N MAIN ST": the hundred block
_WORD_BLOCK = re.compile(r"(\d+)\s+(?:BLOCK|BLK)\s+(?:OF\s+)?(.+)\Z")
_HOUSE = re.compile(r"(\d+)[A-Z]?\s+(.+)\Z")
_INTERSECTION = re.compile(r"[&/\\]| AND ")
_UNIT = re.compile(r"\s*#.*\Z")


def block_range(text: str) -> BlockRange | None:
    """The street and number range of an address ('2531 Washington Ave' is 2531..2531 on WASHINGTON AVE,
    '025XX Washington Ave' 2500..2599); None for intersections and addresses without a number."""
    address = normalize_address(text)
    if _INTERSECTION.search(address):
        return None
    m = _X_BLOCK.match(address)
    if m is not None:
        digits, xs, street = m.groups()
        size = 10 ** len(xs)
        low = int(digits or 0) * size
        return _range(street, low, low + size - 1)
    m = _WORD_BLOCK.match(address)
    if m is not None:
        low = int(m.group(1)) // 100 * 100
        return _range(m.group(2), low, low + 99)
    m = _HOUSE.match(address)
    if m is not None:
        number = int(m.group(1))
        return _range(m.group(2), number, number)
    return None


def _range(street: str, low: int, high: int) -> BlockRange | None:
    street = _UNIT.sub("", street).strip()
    return BlockRange(street, low, high) if street and not street.isdigit() else None


def is_withheld(text: str) -> bool:
    """True for an address the publisher withheld ('REDACTED', 'UNKNOWN', 'XX', empty): never a premise."""
    from deescalate.store.layouts import withheld_addresses  # the vocabulary is layout data

    words = " ".join(_PUNCT.sub(" ", text).split()).casefold()
    return not words or words in withheld_addresses() or set(words) <= {"x", " "}


def find_premise(session: Session, address: str | None) -> Premise | None:
    """The stored premise of ADDRESS: the same normalised address, else the block whose range holds its
    house number ('2531 Washington Ave' finds '025XX WASHINGTON AVE'), the narrowest block first."""
    if not address or is_withheld(address):
        return None
    key = normalize_address(address)[:200]
    premise = session.scalars(select(Premise).where(Premise.address == key).limit(1)).first()
    if premise is not None:
        return premise
    house = block_range(key)
    if house is None or house.low != house.high:
        return None  # a block never narrows down to one house
    query = (
        select(Premise)
        .where(Premise.street == house.street, Premise.number_low <= house.low, Premise.number_high >= house.low)
        .order_by(Premise.number_high - Premise.number_low, Premise.id)
        .limit(1)
    )
    return session.scalars(query).first()
