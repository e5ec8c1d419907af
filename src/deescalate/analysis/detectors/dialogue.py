"""Detectors that need the conversation, not just one utterance.

- NameAddressDetector: an officer uses the person's own name (respect_marker).
- EchoDetector: an officer reflects back what the person just said
  (active_listening), e.g. "They keep saying your name." after "They keep
  saying my name."
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from deescalate.analysis.context import UtteranceContext
from deescalate.analysis.detectors.base import Conversation, Detector
from deescalate.analysis.detectors.patterns import make_finding, quote_of
from deescalate.analysis.findings import Finding
from deescalate.analysis.text import STOPWORDS
from deescalate.encounter.model import CIVILIAN_ROLES, Role

_WORD = re.compile(r"[a-z0-9']+")
# Reflecting a person's words turns their first person into the officer's second person.
_PERSON_SWAP = {
    "i": "you",
    "me": "you",
    "my": "your",
    "i'm": "you're",
    "mine": "yours",
    "i've": "you've",
    "myself": "yourself",
    "we": "you",
    "our": "your",
}
ECHO_WINDOW_S = 30.0
# A reflection speaks of the person or their words; clauses opening like these
# are the officer's own acts or commands, even when they reuse words.
_NOT_REFLECTION = re.compile(
    r"^(?:i|i'm|i'll|i've|i'd|we|we're|we'll|let|let's|don't|get|put|stand|step|keep|hold|stay|go|come|turn|"
    r"leave|roll|show|give|drop|sit|move|you're under|that's a|a bent|no,|is it|can you|did you)\b"
)


def _content(words: Sequence[str]) -> list[str]:
    return [w for w in words if w not in STOPWORDS and len(w) > 1]


class NameAddressDetector(Detector):
    name = "respect_marker.name"
    labels = ("respect_marker",)

    def detect(self, ctx: UtteranceContext, convo: Conversation) -> list[Finding]:
        found = self.match(ctx, convo.civilian_names)
        return [] if found is None else [found]

    def match(self, ctx: UtteranceContext, civilian_names: frozenset[str]) -> Finding | None:
        if ctx.role is not Role.officer or not civilian_names:
            return None
        for clause, to_civilian in zip(ctx.prepared.clauses, ctx.to_civilian, strict=True):
            if not to_civilian:
                continue
            for m in _WORD.finditer(clause.text):
                if m.group(0) in civilian_names:
                    start, end = clause.start + m.start(), clause.start + m.end()
                    said = quote_of(ctx, start, end)
                    return make_finding(
                        ctx,
                        label="respect_marker",
                        start=start,
                        end=end,
                        rule=self.rule_id,
                        confidence=0.7,
                        evidence={"kind": "name", "name": said},
                    )
        return None


class EchoDetector(Detector):
    name = "active_listening.echo"
    labels = ("active_listening",)

    def detect(self, ctx: UtteranceContext, convo: Conversation) -> list[Finding]:
        found = self.match(ctx, convo.contexts[max(0, ctx.index - 4) : ctx.index])
        return [] if found is None else [found]

    def match(self, ctx: UtteranceContext, history: Sequence[UtteranceContext]) -> Finding | None:
        if ctx.role is not Role.officer:
            return None
        said: set[str] = set()
        spoken = ""
        for prior in reversed(history[-4:]):
            if ctx.utterance.start - prior.utterance.start > ECHO_WINDOW_S:
                break
            if prior.role in CIVILIAN_ROLES:
                swapped = [_PERSON_SWAP.get(w, w) for w in _WORD.findall(prior.prepared.text)]
                said |= set(swapped)
                spoken += " " + " ".join(swapped) + " "
        said_content = set(_content(list(said)))
        if not said_content:
            return None
        for clause, to_civilian in zip(ctx.prepared.clauses, ctx.to_civilian, strict=True):
            if not to_civilian:
                continue
            words = _WORD.findall(clause.text)
            content = _content(words)
            if not content or _NOT_REFLECTION.match(clause.text):
                continue
            if len(words) >= 2 and f" {' '.join(words)} " in spoken:
                shared = content
            elif content[0] not in said_content:
                continue
            else:
                shared = [w for w in content if w in said_content]
            question = ctx.prepared.text[clause.end : clause.end + 1] == "?"
            if (
                shared is content
                or (len(shared) >= 2 and len(shared) / len(content) >= 0.5)
                or (question and len(content) <= 3 and shared and len(shared) == len(content))
            ):
                return make_finding(
                    ctx,
                    label="active_listening",
                    start=clause.start,
                    end=clause.end,
                    rule=self.rule_id,
                    confidence=0.65,
                    evidence={"kind": "echo", "shared": list(shared[:6])},
                )
        return None
