"""The data-driven detector: one compiled rule from the YAML rule files."""

from __future__ import annotations

import re

from deescalate.analysis.context import UtteranceContext
from deescalate.analysis.detectors.base import Conversation, Detector
from deescalate.analysis.findings import Finding
from deescalate.analysis.labels import LABEL_ITEMS
from deescalate.analysis.rules import CompiledRule


def quote_of(ctx: UtteranceContext, start: int, end: int) -> str:
    """The original words at ``[start, end)`` of the prepared text."""
    a, b = ctx.prepared.span(start, end)
    return ctx.utterance.text[a:b]


def make_finding(
    ctx: UtteranceContext,
    *,
    label: str,
    start: int,
    end: int,
    rule: str,
    confidence: float,
    evidence: dict[str, object],
    conflicts_with: str | None = None,
    in_original: bool = False,
) -> Finding:
    """A finding on ``ctx``'s utterance; ``start``/``end`` are offsets in the prepared text
    (in the original text with ``in_original``)."""
    u = ctx.utterance
    if not in_original:
        start, end = ctx.prepared.span(start, end)
    return Finding(
        label=label,
        checklist_item=LABEL_ITEMS[label],
        utterance_ids=(u.id,),
        speaker=u.speaker,
        role=ctx.role.value,
        start=u.start,
        end=u.end,
        span=(start, end),
        quote=u.text[start:end],
        rule=rule,
        confidence=confidence,
        evidence=evidence,
        conflicts_with=conflicts_with,
    )


class PatternDetector(Detector):
    """Finds a rule's patterns clause by clause; ``unless`` vetoes a clause."""

    kind = "rule"

    def __init__(self, rule: CompiledRule) -> None:
        self.rule = rule
        self.name = rule.spec.name
        self.version = rule.spec.version
        self.label = rule.spec.label
        self.labels = (rule.spec.label,)
        self.roles = frozenset(rule.spec.speakers)
        self.civilian_only = rule.spec.addressed == "civilian"
        # A pattern anchored with ^ or $ matches a clause, not the whole utterance: the whole-text
        # regex test would wrongly rule it out (only its literals can be tested up front).
        self.whole_text_ok = tuple(
            rule.spec.scope != "clause" or not re.search(r"(?<!\\)[$^]", src) for src in rule.sources
        )
        # one test for the whole rule: none of its patterns' literals is in the utterance (None: no such test)
        sets = [literals for _, literals in rule.patterns]
        self.any_literal: frozenset[str] | None = (
            None if any(lits is None for lits in sets) else frozenset().union(*sets)  # type: ignore[arg-type]
        )

    def detect(self, ctx: UtteranceContext, convo: Conversation) -> list[Finding]:
        found = self.match(ctx, convo.present)
        return [] if found is None else [found]

    def match(self, ctx: UtteranceContext, present: frozenset[str]) -> Finding | None:
        """``present``: the rule literals that occur in the utterance (see LiteralIndex)."""
        if ctx.role not in self.roles:
            return None
        if self.any_literal is not None and self.any_literal.isdisjoint(present) and self.rule.spec.scope != "notes":
            return None
        prepared = ctx.prepared
        if self.rule.unless_utterance is not None and self.rule.unless_utterance.search(prepared.text):
            return None
        if self.rule.spec.scope == "notes":
            return self._in_notes(ctx)
        text = prepared.text
        # Cheap tests on the whole utterance first: a pattern's literals, then its regex.
        live = [
            (number, regex)
            for number, (regex, literals) in enumerate(self.rule.patterns)
            if (literals is None or not literals.isdisjoint(present))
            and (not self.whole_text_ok[number] or regex.search(text) is not None)
        ]
        if not live:
            return None
        unless = self.rule.unless
        if self.rule.spec.scope == "utterance":
            if unless is not None and unless.search(text):
                return None
            number, regex = live[0]
            m = regex.search(text)
            assert m is not None
            return self._finding(ctx, m, 0, number)
        for clause, to_civilian in zip(prepared.clauses, ctx.to_civilian, strict=True):
            if self.civilian_only and not to_civilian:
                continue
            for number, regex in live:
                m = regex.search(clause.text)
                if m is None:
                    continue
                if unless is not None and unless.search(clause.text):
                    break
                return self._finding(ctx, m, clause.start, number)
        return None

    def _in_notes(self, ctx: UtteranceContext) -> Finding | None:
        notes = " ".join(ctx.prepared.annotations)
        if not notes:
            return None
        for number, (regex, _) in enumerate(self.rule.patterns):
            m = regex.search(notes)
            if m is None or (self.rule.unless is not None and self.rule.unless.search(notes)):
                continue
            # the note is quoted where it stands in the original text
            at = ctx.utterance.text.lower().find(m.group(0))
            start, end = (at, at + len(m.group(0))) if at >= 0 else (0, len(ctx.utterance.text))
            return make_finding(
                ctx,
                label=self.label,
                start=start,
                end=end,
                rule=self.rule.rule_id,
                confidence=self.rule.spec.confidence,
                evidence={
                    "kind": "pattern",
                    "detector": self.rule.spec.name,
                    "pattern": number + 1,
                    "says": self.rule.spec.explanation,
                    "in": "notes",
                },
                in_original=True,
            )
        return None

    def _finding(self, ctx: UtteranceContext, m: re.Match[str], offset: int, number: int) -> Finding:
        start, end = offset + m.start(), offset + m.end()
        return make_finding(
            ctx,
            label=self.label,
            start=start,
            end=end,
            rule=self.rule.rule_id,
            confidence=self.rule.spec.confidence,
            evidence={
                "kind": "pattern",
                "detector": self.rule.spec.name,
                "pattern": number + 1,
                "says": self.rule.spec.explanation,
            },
        )
