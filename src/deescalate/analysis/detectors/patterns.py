"""The data-driven detector: one compiled rule from the YAML rule files."""

from __future__ import annotations

import re

from deescalate.analysis.context import UtteranceContext
from deescalate.analysis.findings import Finding
from deescalate.analysis.labels import LABEL_ITEMS
from deescalate.analysis.rules import CompiledRule

EXPLANATIONS = {
    "info_gathering": "Asks for or relays facts that assess the situation",
    "civil_matter": "Names the matter as civil or points to a non-police remedy",
    "resource_request": "Asks for or offers another resource",
    "command": "Gives a directive the person is expected to obey",
    "conflicting_command": "Gives a command that cannot be obeyed together with one still in force",
    "threat_of_force": "Warns that force will be used against the person",
    "explanation": "Explains the reason for the contact or what happens next",
    "insult": "Uses insulting, mocking or demeaning language at the person",
    "respect_marker": "Uses a courtesy: introduction, sir/ma'am, name, please, thanks or apology",
    "inability_cue": "Says the person may be unable to hear, understand, move or comply",
    "capacity_check": "Checks whether the person can hear, understand or comply, or helps with the cause",
    "dismissal": "Brushes off a stated inability or distress",
    "slow_down": "Takes time explicitly",
    "distance": "Creates or keeps distance or cover",
    "backup_request": "Asks for or waits for more officers",
    "empathy": "Acknowledges the person's feelings or wish to help",
    "active_listening": "Asks an open question or reflects back what the person said",
}


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
    explanation: str,
    conflicts_with: str | None = None,
) -> Finding:
    """A finding on ``ctx``'s utterance; ``start``/``end`` are offsets in the prepared text."""
    u = ctx.utterance
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
        explanation=explanation,
        conflicts_with=conflicts_with,
    )


class PatternDetector:
    """Finds a rule's patterns clause by clause; ``unless`` vetoes a clause."""

    def __init__(self, rule: CompiledRule) -> None:
        self.rule = rule
        self.label = rule.spec.label
        self.roles = frozenset(rule.spec.speakers)
        self.civilian_only = rule.spec.addressed == "civilian"
        # A pattern anchored with ^ or $ matches a clause, not the whole utterance: the whole-text
        # regex test would wrongly rule it out (only its literals can be tested up front).
        self.whole_text_ok = tuple(
            rule.spec.scope == "utterance" or not re.search(r"(?<!\\)[$^]", src) for src in rule.sources
        )

    def detect(self, ctx: UtteranceContext, present: frozenset[str]) -> Finding | None:
        """``present``: the rule literals that occur in the utterance (see LiteralIndex)."""
        if ctx.role not in self.roles:
            return None
        prepared = ctx.prepared
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

    def _finding(self, ctx: UtteranceContext, m: re.Match[str], offset: int, number: int) -> Finding:
        base = self.rule.spec.explanation or EXPLANATIONS[self.label]
        start, end = offset + m.start(), offset + m.end()
        return make_finding(
            ctx,
            label=self.label,
            start=start,
            end=end,
            rule=self.rule.rule_id,
            confidence=self.rule.spec.confidence,
            explanation=f'{base}: "{quote_of(ctx, start, end)}" (pattern {number + 1} of {self.rule.spec.name})',
        )
