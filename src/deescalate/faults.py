"""Crash points for the fault tests: a deterministic kill -9 at a named place.

``DEESCALATE_CRASH_AT=NAME`` (or ``NAME:N``) makes the process SIGKILL itself the first (the Nth) time it
reaches ``crash_point(NAME)``: no cleanup, no flush, no rollback, exactly like a power cut there. Unset (as
always outside tests/security), a crash point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "DEESCALATE_CRASH_AT"
_reached: dict[str, int] = {}


def crash_point(name: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    wanted, _, nth = spec.partition(":")
    if wanted != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
