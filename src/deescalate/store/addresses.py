"""Address normalisation, so '418 Garland Avenue Apt 3C' and '418 GARLAND AVE #3C' are one premise."""

from __future__ import annotations

import re

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
