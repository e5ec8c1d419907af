"""One exception hierarchy, with codes kept in one place.

Every error that a user can cause carries the file, the place in it and the
problem, so the CLI (and later the web layer) can print one line without a
traceback.
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """Error codes. The text is the default message; callers add specifics."""

    E001 = "file not found"
    E002 = "file is empty"
    E003 = "file is too large"
    E004 = "file is not UTF-8 text"
    E005 = "unknown file format"
    E010 = "not valid JSON"
    E011 = "field is missing or has the wrong type"
    E012 = "speaker is not a participant"
    E013 = "timestamps go backwards"
    E014 = "end time is before start time"
    W015 = "utterance overlaps the same speaker's previous utterance"
    E016 = "duplicate id"
    E017 = "file has too many utterances"
    E020 = "line is not in the expected form"
    E021 = "bad timestamp"
    E030 = "roles file is invalid"
    E040 = "rule file is invalid"
    E041 = "config file is invalid"
    E042 = "model file is invalid"
    E043 = "training corpus is unusable"
    E050 = "corpus has no annotated encounters"
    E060 = "setting is invalid"
    E070 = "not a readable media file"
    E071 = "media file has no audio track"
    E072 = "media file is too long"
    E073 = "audio track holds no samples"
    E074 = "audio is silent"
    E075 = "speech model not available"
    E076 = "no microphone input"
    E090 = "scenario not found"
    E091 = "scenario file is not valid YAML"
    E092 = "scenario file is invalid"
    E093 = "move script is invalid"
    E096 = "call-text cue file is invalid"
    E099 = "scenario file has a duplicate key"
    E100 = "scenario ending can never fire"
    E101 = "nothing of that name can be called or injected"
    E104 = "output folder cannot be written"
    E102 = "audio turns are invalid"
    E103 = "no speech in an audio turn"
    E080 = "database URL is not supported"
    E081 = "call file is neither the simple call layout nor EIDO"
    E082 = "call number is missing"
    E083 = "CSV header matches no known layout"
    E084 = "CSV mapping file is invalid"
    E085 = "row has the wrong number of columns"
    E086 = "call number is already stored"
    E087 = "database cannot be opened or brought up to date"
    E088 = "a field the NENA EIDO standard requires is missing"
    E089 = "PIDF-LO location is not valid"
    E097 = "time zone setting is not a known IANA zone"
    E098 = "person-matching weights file is invalid"
    E094 = "CSV layouts file is invalid"
    E095 = "store already has data"
    E110 = "not signed in"
    E111 = "not allowed for this role"
    E112 = "not found"
    E113 = "user name is already taken"
    E114 = "request is invalid"
    E115 = "secret key is missing or too short"
    E116 = "form is missing its CSRF token or the token does not match this session"
    E117 = "internal server error"
    E118 = "no file was chosen"
    E125 = "recording could not be analysed"
    E126 = "job was interrupted too many times"
    E120 = "dashboard filter is invalid"
    E121 = "no fully reviewed encounter to export"
    E122 = "export folder already holds files"
    E127 = "no call was given"
    E128 = "training session has already ended"
    E129 = "turn is not one the web simulator takes"
    E130 = "only the trainee who started a training session may play it"
    E131 = "stored training session no longer replays"
    E132 = "another turn was taken at the same time"
    E135 = "too many failed sign-ins from this address"
    E136 = "account is locked after too many failed sign-ins"
    E137 = "token has expired or was revoked"
    E138 = "token scope does not allow this"
    E139 = "audit log has been altered"
    E140 = "stored original no longer matches its SHA-256"
    E141 = "file is already stored"
    E142 = "retention settings are unsafe"
    E143 = "audit search filter is invalid"
    E145 = "pattern can take exponential time (catastrophic backtracking)"

    E153 = "batch manifest cannot be read"
    E154 = "batch manifest row is invalid"
    E155 = "batch engine is unknown or cannot start"
    E156 = "batch item failed in a worker"
    E157 = "batch item was interrupted too many times"
    E158 = "file changed while the batch ran"
    E159 = "batch sources hold no transcripts or recordings"
    E160 = "batch option is invalid"


# Every character str.splitlines() breaks at, written as its escape.
_LINE_BREAKS = {ord(c): c.encode("unicode_escape").decode("ascii") for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}


class _Located:
    """A message that names the file, the place in it and the problem, on one line."""

    def __init__(self, code: Code, detail: str = "", *, file: str | None = None, where: str | None = None) -> None:
        self.code = code
        self.detail = detail or code.value
        self.file = file
        self.where = where
        super().__init__(self.one_line())  # type: ignore[call-arg]  # Exception or Warning, after this mixin

    def one_line(self) -> str:
        place = ":".join(p for p in (self.file, self.where) if p)
        prefix = f"{place}: " if place else ""
        # a file name or a quoted value may hold a line break; the message stays one line whatever it holds
        return f"{prefix}{self.detail} [{self.code.name}]".translate(_LINE_BREAKS)


class DeescalateError(_Located, Exception):
    """Base of every error deescalate raises on purpose."""

    exit_code = 2

    def to_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code.name,
            "message": self.detail,
            "file": self.file,
            "where": self.where,
        }


class InputError(DeescalateError):
    """The user's input file is missing, unreadable or malformed."""


class ConfigError(DeescalateError):
    """A rule, roles or config file is malformed."""


class AuthError(DeescalateError):
    """The request carries no valid credentials (or wrong ones)."""


class PermissionDenied(DeescalateError):
    """The signed-in user's role may not do this."""


class NotFound(DeescalateError):
    """A record named in the request does not exist (or the user may not see it)."""


class ConflictError(DeescalateError):
    """The request clashes with what is stored (a user name already taken)."""


class TamperError(DeescalateError):
    """Stored evidence or the audit trail no longer matches the hashes recorded when it was written."""

    exit_code = 3  # apart from bad input (2): a scheduled `audit verify` can tell tampering from a typo


class InputWarning(_Located, UserWarning):
    """Input that is read as it is, but that the user should know about."""
