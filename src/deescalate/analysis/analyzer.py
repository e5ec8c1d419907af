"""The main road: Encounter -> findings -> measures -> verdicts."""

from __future__ import annotations

import re
from pathlib import Path

from deescalate.analysis.context import UtteranceContext, build_contexts, civilian_name_tokens
from deescalate.analysis.detectors import CommandDetector, PatternDetector
from deescalate.analysis.detectors.commands import IssuedCommand, mark_compliance
from deescalate.analysis.detectors.dialogue import EchoDetector, NameAddressDetector
from deescalate.analysis.findings import Finding
from deescalate.analysis.measures import compute_measures
from deescalate.analysis.result import Analysis
from deescalate.analysis.rules import command_lexicon, compile_rules, load_rule_file
from deescalate.analysis.rules.prefilter import LiteralIndex
from deescalate.analysis.verdicts import judge, key_moments
from deescalate.encounter.model import CIVILIAN_ROLES, Encounter

# Distress that makes a later brush-off a dismissal even without a named inability.
_DISTRESS = re.compile(
    r"\b(?:i'm scared|i'm so scared|you're hurting|it hurts|hurts|killing me|burning|my (?:wrist|arm|shoulder|"
    r"chest|head|knee|back)|can't|help me|i'm sick|please)\b"
)


class Analyzer:
    """Compiled once, then applied to any number of encounters."""

    def __init__(self, config: Path | None = None) -> None:
        agency = load_rule_file(config) if config else None
        rules = compile_rules(agency, agency_file=str(config) if config else "config")
        disabled = set(agency.disable) if agency else set()
        self.detectors = [PatternDetector(r) for r in rules]
        self.literals = LiteralIndex({lit for r in rules for _, lits in r.patterns if lits for lit in lits})
        self.commands_on = "command" not in disabled and "command.directive" not in disabled
        self.conflicts_on = self.commands_on and "conflicting_command" not in disabled
        self.commands = CommandDetector(command_lexicon())
        self.names = (
            None if "respect_marker" in disabled or "respect_marker.name" in disabled else NameAddressDetector()
        )
        self.echo = None if "active_listening" in disabled or "active_listening.echo" in disabled else EchoDetector()

    def findings(self, encounter: Encounter) -> list[Finding]:
        contexts = build_contexts(encounter)
        names = civilian_name_tokens(encounter)
        out: list[Finding] = []
        issued: list[IssuedCommand] = []
        distress_seen = False
        by_id: dict[str, UtteranceContext] = {}
        for ctx in contexts:
            by_id[ctx.utterance.id] = ctx
            present = self.literals.present(ctx.prepared.text)
            found = [f for d in self.detectors if (f := d.detect(ctx, present)) is not None]
            if self.names and (f := self.names.detect(ctx, names)) is not None:
                found.append(f)
            if self.echo and (f := self.echo.detect(ctx, contexts[max(0, ctx.index - 4) : ctx.index])) is not None:
                found.append(f)
            labels = {f.label for f in found}
            if "dismissal" in labels and not distress_seen:
                found = [f for f in found if f.label != "dismissal"]
            if ctx.role in CIVILIAN_ROLES:
                if "inability_cue" in labels or _DISTRESS.search(ctx.prepared.text):
                    distress_seen = True
                mark_compliance(self.commands, issued, ctx.prepared.text)
            if self.commands_on:
                cmd = self.commands.detect(ctx, names)
                if cmd is not None:
                    finding, directive = cmd
                    found.append(finding)
                    issued.append(
                        IssuedCommand(
                            ctx.utterance.id,
                            ctx.utterance.speaker,
                            ctx.utterance.start,
                            directive,
                            self.commands.demands_of(directive),
                        )
                    )
            out.extend(_dedupe(found))
        if self.conflicts_on:
            out.extend(self.commands.find_conflicts(issued, by_id))
        order = {ctx.utterance.id: ctx.index for ctx in contexts}
        out.sort(key=lambda f: (order[f.utterance_id], f.label))
        return out


def _dedupe(found: list[Finding]) -> list[Finding]:
    """One finding per label per utterance: the most confident rule wins."""
    best: dict[str, Finding] = {}
    for f in found:
        if f.label not in best or f.confidence > best[f.label].confidence:
            best[f.label] = f
    return list(best.values())


_DEFAULT: Analyzer | None = None


def default_analyzer() -> Analyzer:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Analyzer()
    return _DEFAULT


def analyze(encounter: Encounter, analyzer: Analyzer | None = None) -> Analysis:
    """Run the whole road on one encounter."""
    found = (analyzer or default_analyzer()).findings(encounter)
    measures = compute_measures(encounter, found)
    return Analysis(
        encounter=encounter,
        findings=tuple(found),
        measures=measures,
        verdicts=judge(encounter, found, measures),
        moments=key_moments(encounter, found, measures),
    )
