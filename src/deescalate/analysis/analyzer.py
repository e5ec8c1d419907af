"""The main road: Encounter -> findings -> measures -> verdicts.

Detectors register the same way (see ``detectors.base``): the YAML rules, the
coded detectors and the learned layer each have a name an agency config can
switch off, and a label's name switches off everything that finds it.
"""

from __future__ import annotations

from pathlib import Path

from deescalate.analysis.context import UtteranceContext, build_contexts, civilian_name_tokens
from deescalate.analysis.detectors import CommandDetector, ConflictDetector, Conversation, Detector, PatternDetector
from deescalate.analysis.detectors.base import states_distress
from deescalate.analysis.detectors.commands import mark_compliance
from deescalate.analysis.detectors.dialogue import EchoDetector, NameAddressDetector
from deescalate.analysis.findings import Finding
from deescalate.analysis.labels import LABELS
from deescalate.analysis.learned import LearnedLayer, load_layer
from deescalate.analysis.measures import compute_measures
from deescalate.analysis.result import Analysis
from deescalate.analysis.rules import command_lexicon, compile_rules, load_rule_file
from deescalate.analysis.rules.prefilter import LiteralIndex
from deescalate.analysis.verdicts import judge, key_moments
from deescalate.encounter.model import CIVILIAN_ROLES, Encounter
from deescalate.errors import Code, ConfigError

# Pseudo-names an agency may disable: the whole learned layer, or it for one label.
MODEL_NAMES = frozenset({"model", *(f"model.{label}" for label in LABELS)})


class Analyzer:
    """Compiled once, then applied to any number of encounters.

    ``model``: a learned-layer artifact path, "default" for the bundled one (or the
    ``DEESCALATE_MODEL`` setting), or None for rules alone.
    """

    def __init__(self, config: Path | None = None, *, model: str | Path | LearnedLayer | None = "default") -> None:
        agency = load_rule_file(config) if config else None
        agency_file = str(config) if config else "config"
        lexicon = command_lexicon()
        self.commands = CommandDetector(lexicon)
        registered: list[Detector] = [
            *(PatternDetector(r) for r in compile_rules(agency, agency_file=agency_file)),
            NameAddressDetector(),
            EchoDetector(),
            self.commands,
            ConflictDetector(lexicon),
        ]
        disabled = set(agency.disable) if agency else set()
        unknown = disabled - {d.name for d in registered} - set(LABELS) - MODEL_NAMES
        if unknown:
            raise ConfigError(
                Code.E041,
                f"disable names no detector or label: {', '.join(sorted(unknown))}",
                file=agency_file,
                where="disable",
            )
        if self.commands.name in disabled or "command" in disabled:
            disabled.add("conflicting_command")  # conflicts are found among commands
        self.disabled = frozenset(disabled)
        self.detectors = [d for d in registered if d.name not in disabled and not disabled.intersection(d.labels)]
        self.commands_on = self.commands in self.detectors
        self.literals = LiteralIndex(
            {
                lit
                for d in self.detectors
                if isinstance(d, PatternDetector)
                for _, lits in d.rule.patterns
                if lits
                for lit in lits
            }
        )
        self.learned: LearnedLayer | None = None
        if model is None or "model" in disabled:
            pass
        elif isinstance(model, LearnedLayer):
            self.learned = model.without(disabled) if disabled else model
        else:
            self.learned = load_layer(model, disabled=disabled)

    @property
    def model_version(self) -> str | None:
        return self.learned.model_version if self.learned else None

    def registered_names(self) -> list[str]:
        return [d.name for d in self.detectors] + (["model"] if self.learned else [])

    def findings(self, encounter: Encounter) -> list[Finding]:
        contexts = build_contexts(encounter)
        convo = Conversation(encounter, contexts, civilian_name_tokens(encounter))
        out: list[Finding] = []
        for ctx in contexts:
            convo.by_id[ctx.utterance.id] = ctx
            convo.present = self.literals.present(ctx.prepared.text)
            convo.found = []
            issued_before = len(convo.issued)
            for d in self.detectors:
                convo.found.extend(d.detect(ctx, convo))
            found = _dedupe(convo.found)
            if not convo.distress_seen:
                found = [f for f in found if f.label != "dismissal"]
            if self.learned is not None:
                before = found
                found = self.learned.decide(ctx, convo, found)
                if self.commands_on:
                    self._sync_commands(ctx, convo, before, found, issued_before)
            if ctx.role in CIVILIAN_ROLES:
                if any(f.label == "inability_cue" for f in found) or states_distress(ctx.prepared.text):
                    convo.distress_seen = True
                mark_compliance(self.commands, convo.issued, ctx.prepared.text)
            out.extend(f for f in found if f.label not in self.disabled)
        for d in self.detectors:
            out.extend(d.finish(convo))
        out.extend(self._commands_behind_conflicts(convo, out))
        order = {ctx.utterance.id: ctx.index for ctx in contexts}
        out.sort(key=lambda f: (order[f.utterance_id], f.label))
        return out

    def _sync_commands(
        self,
        ctx: UtteranceContext,
        convo: Conversation,
        before: list[Finding],
        found: list[Finding],
        issued_before: int,
    ) -> None:
        """Commands the learned layer adds are weighed for conflicts too. A directive the rules found and the
        model doubted stays among them: if it turns out to clash with another command, it was a command."""
        is_command = any(f.label == "command" for f in found)
        recorded = len(convo.issued) > issued_before
        if recorded and not is_command:
            doubted = next(f for f in before if f.label == "command")
            convo.state.setdefault("doubted_commands", {})[ctx.utterance.id] = doubted
        elif is_command and not recorded:
            self.commands.issue(convo, ctx, ctx.prepared.text)

    @staticmethod
    def _commands_behind_conflicts(convo: Conversation, out: list[Finding]) -> list[Finding]:
        """A conflicting command is also a command (labels.md): restore any the learned layer doubted."""
        doubted: dict[str, Finding] = convo.state.get("doubted_commands", {})
        commands = {f.utterance_id for f in out if f.label == "command"}
        return [
            doubted[f.utterance_id]
            for f in out
            if f.label == "conflicting_command" and f.utterance_id not in commands and f.utterance_id in doubted
        ]


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
    used = analyzer or default_analyzer()
    found = used.findings(encounter)
    measures = compute_measures(encounter, found)
    return Analysis(
        encounter=encounter,
        findings=tuple(found),
        measures=measures,
        verdicts=judge(encounter, found, measures),
        moments=key_moments(encounter, found, measures),
        model_version=used.model_version,
    )
