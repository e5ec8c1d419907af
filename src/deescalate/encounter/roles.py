"""Who is who: speaker roles for formats that do not state them.

Order of authority: the file itself (encounter/v1 JSON), then a roles file the
user passes (YAML mapping a speaker name to a role), then the name heuristic
below. What none of them settles stays ``other`` and is reported.

The name heuristic, case-insensitive, on the speaker's name as written
(underscores read as spaces, so "officer_diaz" is "officer diaz"):
- officer: starts with Officer(s), Ofc/Ofcr, Deputy, Sergeant/Sgt,
  Lieutenant/Lt, Corporal/Cpl, Detective/Det, Trooper, Constable, Agent,
  Captain/Capt, Police, Policeman/Policewoman, any of them after Male/Female
  ("Female Officer"), or is "Unit 12" style, "PO" (upper case only: "Po Chen"
  is a name), or ends in "(officer)";
- dispatcher: contains Dispatch, Dispatcher, Radio, Comms, 911 (but not
  "911 caller"), Telecommunicator;
- subject: Subject, Suspect, Driver, Patient, Person, Man, Woman, Male, Female;
- bystander: RP at the start, or anywhere in the name: Caller, Witness,
  Neighbor/Neighbour, Bystander, Mother, Father, Wife, Husband, Friend,
  Manager, Employee, Passenger, Clerk ("Rosa (neighbor, caller)");
- other: Paramedic, EMT, Medic, Clinician, Interpreter, Firefighter, Nurse.
Generic diarization names ("SPEAKER_00", "Speaker 1") stay ``other``.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from deescalate.datafile import safe_yaml
from deescalate.encounter.model import Role
from deescalate.errors import Code, ConfigError

_HEURISTIC: tuple[tuple[Role, re.Pattern[str]], ...] = (
    (Role.other, re.compile(r"\b(paramedic|emt|medic|clinician|interpreter|firefighter|nurse)\b", re.I)),
    (
        Role.officer,
        re.compile(
            r"^((fe)?male\s+)?(officers?|ofcr?\.?|deputy|dep\.?|sergeant|sgt\.?|lieutenant|lt\.?|corporal|cpl\.?|"
            r"detective|det\.?|trooper|tpr\.?|constable|agent|captain|capt\.?|police((wo)?man)?)\b"
            r"|^(?-i:PO)\b|^unit\s*\d+|\(officer\)$",
            re.I,
        ),
    ),
    (
        Role.dispatcher,
        re.compile(r"dispatch|\bradio\b|\bcomms\b|\b911\b(?!\s*caller)|telecommunicator", re.I),
    ),
    (Role.subject, re.compile(r"^(the\s+)?(subject|suspect|driver|patient|person|man|woman|male|female)\b", re.I)),
    (
        Role.bystander,
        re.compile(
            r"^(the\s+)?rp\b|\b(caller|witness|neighbou?r|bystander|mother|father|mom|dad|wife|husband|friend|"
            r"manager|employee|passenger|clerk)\b",
            re.I,
        ),
    ),
)


def role_from_name(name: str) -> Role:
    name = name.replace("_", " ").strip()
    for role, pattern in _HEURISTIC:
        if pattern.search(name):
            return role
    return Role.other


def load_roles_file(path: Path) -> dict[str, Role]:
    """Read a roles file: ``{speaker name: role}``; names match case-insensitively."""
    where = str(path)
    try:
        raw = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(Code.E030, "roles file not found", file=where) from None
    except UnicodeDecodeError:
        raise ConfigError(Code.E030, "roles file is not UTF-8 text", file=where) from None
    except OSError as exc:
        raise ConfigError(Code.E030, f"cannot read the roles file: {exc.strerror}", file=where) from None
    try:
        data = safe_yaml(raw)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise ConfigError(
            Code.E030,
            "roles file is not valid YAML",
            file=where,
            where=f"line {line + 1}" if line is not None else None,
        ) from None
    if not isinstance(data, dict) or not data:
        raise ConfigError(Code.E030, "roles file must map speaker names to roles", file=where)
    roles: dict[str, Role] = {}
    allowed = ", ".join(r.value for r in Role)
    for name, value in data.items():
        try:
            roles[str(name).casefold()] = Role(str(value).strip().lower())
        except ValueError:
            raise ConfigError(
                Code.E030, f"role {value!r} is not one of {allowed}", file=where, where=str(name)
            ) from None
    return roles


def resolve_role(name: str, *, declared: Role | None, roles_file: dict[str, Role] | None) -> Role:
    if declared is not None and declared is not Role.other:
        return declared
    if roles_file and name.casefold() in roles_file:
        return roles_file[name.casefold()]
    return role_from_name(name)
