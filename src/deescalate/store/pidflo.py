"""PIDF-LO (RFC 4119, RFC 5139, RFC 5491): the location XML that EIDO carries as a string.

Read are the civic address (``ca:civicAddress``, RFC 5139 element names) and the
first geodetic position (``gml:pos`` of a Point, Circle, Ellipsoid, ...: latitude
then longitude, WGS 84). Anything else in the document is ignored.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from deescalate.errors import Code, InputError

CIVIC_NS = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"
GML_NS = "http://www.opengis.net/gml"

# The street line, in the order a dispatcher writes it (RFC 5139 section 3.1).
_NUMBER = ("HNP", "HNO", "HNS")
_STREET = ("PRD", "RD", "STS", "POD")


@dataclass(frozen=True)
class Location:
    civic: dict[str, str]  # RFC 5139 element name -> text, e.g. {"HNO": "42", "RD": "Cellular"}
    latitude: float | None = None
    longitude: float | None = None

    @property
    def street_line(self) -> str | None:
        """'418 W Garland Ave Apt 3C': what dispatch calls the address, and what premises are keyed on."""
        c = self.civic
        number = "".join(c.get(k, "") for k in _NUMBER)
        words = [number, *(c[k] for k in _STREET if k in c)]
        if "UNIT" in c:
            words.append(f"Apt {c['UNIT']}")
        line = " ".join(w for w in words if w)
        return line or None

    @property
    def locality(self) -> str | None:
        """'Wilmington, DE 19801, US': city (A3, else A2), state (A1), postal code, country."""
        c = self.civic
        city = c.get("A3") or c.get("A2")
        region = " ".join(p for p in (c.get("A1"), c.get("PC")) if p)
        line = ", ".join(p for p in (city, region, c.get("country")) if p)
        return line or None

    @property
    def details(self) -> str | None:
        """What helps find the door: building, floor, room, landmark, place name, free text (LOC)."""
        c = self.civic
        labelled = [
            ("NAM", ""),
            ("LMK", "landmark "),
            ("BLD", "building "),
            ("FLR", "floor "),
            ("ROOM", "room "),
            ("LOC", ""),
        ]
        parts = [f"{label}{c[k]}" for k, label in labelled if k in c]
        return "; ".join(parts) or None


_PROLOG = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_pidflo(xml: str, *, file: str, where: str) -> Location:
    """The civic address and position in a PIDF-LO document; E089 naming FILE and WHERE when it is not one."""

    def bad(problem: str) -> InputError:
        return InputError(Code.E089, f"PIDF-LO location is not valid: {problem}", file=file, where=where)

    text = xml.lstrip("\ufeff \t\r\n")  # senders put blanks before the XML declaration; the parser would refuse them
    if _PROLOG.search(text):
        raise bad("document type declarations are not allowed")  # no entity expansion from outside input
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise bad(f"not well-formed XML ({exc})") from None
    if _local(root.tag) != "presence":
        raise bad(f"the root element is <{_local(root.tag)}>, not <presence>")

    civic: dict[str, str] = {}
    address = next(root.iter(f"{{{CIVIC_NS}}}civicAddress"), None)
    if address is not None:
        for child in address:
            value = " ".join((child.text or "").split())
            name = _local(child.tag)
            if value and name not in civic:
                civic[name] = value

    latitude = longitude = None
    pos = next(root.iter(f"{{{GML_NS}}}pos"), None)
    if pos is not None:
        numbers = (pos.text or "").split()
        try:
            lat, lon = float(numbers[0]), float(numbers[1])
        except (IndexError, ValueError):
            raise bad(f"gml:pos {pos.text!r} is not 'latitude longitude'") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise bad(f"gml:pos {pos.text!r} is outside latitude -90..90, longitude -180..180")
        latitude, longitude = lat, lon
    return Location(civic=civic, latitude=latitude, longitude=longitude)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
