"""The main road: Encounter -> findings -> measures -> verdicts.

Detectors register the same way (see ``detectors.base``): the YAML rules, the
coded detectors and the learned layer each have a name an agency config can
switch off, and a label's name switches off everything that finds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from deescalate.analysis.context import UtteranceContext, build_contexts, civilian_name_tokens
from deescalate.analysis.detectors import CommandDetector, ConflictDetector, Conversation, Detector, PatternDetector
from deescalate.analysis.detectors.base import states_distress
from deescalate.analysis.detectors.commands import mark_compliance
from deescalate.analysis.detectors.dialogue import EchoDetector, NameAddressDetector
from deescalate.analysis.findings import Finding
from deescalate.analysis.labels import LABELS
from deescalate.analysis.learned import LearnedLayer, load_layer
from deescalate.analysis.learned.features import TurnMemory, utterance_features
from deescalate.analysis.measures import compute_measures
from deescalate.analysis.result import Analysis
from deescalate.analysis.rules import command_lexicon, compile_rules, load_rule_file
from deescalate.analysis.rules.prefilter import LiteralIndex
from deescalate.analysis.verdicts import judge, key_moments
from deescalate.encounter.model import CIVILIAN_ROLES, Encounter, Role
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
        enabled = [d for d in registered if d.name not in disabled and not disabled.intersection(d.labels)]
        self.vetoes = [d for d in enabled if isinstance(d, PatternDetector) and d.rule.spec.effect == "veto"]
        self.detectors = [d for d in enabled if d not in self.vetoes]
        self.literals = LiteralIndex(
            {
                lit
                for d in [*self.detectors, *self.vetoes]
                if isinstance(d, PatternDetector)
                for _, lits in d.rule.patterns
                if lits
                for lit in lits
            }
        )
        self._gates = {role: _Gate(self.detectors, role) for role in Role}
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
        return [d.name for d in [*self.detectors, *self.vetoes]] + (["model"] if self.learned else [])

    def rule_stage(self, encounter: Encounter, *, features: bool = False, chars: bool = True) -> RuleStage:
        """The rules and coded detectors over the encounter in order, and (for the learned layer, or for
        training it) each utterance's features; ``chars=False`` leaves their character grams to the
        learned layer. Nothing here depends on the model's decisions."""
        contexts = build_contexts(encounter)
        convo = Conversation(encounter, contexts, civilian_name_tokens(encounter))
        stage = RuleStage(contexts, convo)
        memory = TurnMemory()
        for ctx in contexts:
            convo.by_id[ctx.utterance.id] = ctx
            convo.present = self.literals.present(ctx.prepared.text)
            convo.found = []
            for d in self._gates[ctx.role].candidates(convo.present):
                convo.found.extend(d.detect(ctx, convo))
            found = _dedupe(convo.found)
            distress = states_distress(ctx.prepared.text)
            if features:
                hits = [(f.detector, f.label) for f in found]
                stage.features.append(utterance_features(ctx, hits, memory, distress=distress, chars=chars))
            stage.found.append(found)
            stage.vetoed.append(frozenset(d.label for d in self.vetoes if d.match(ctx, convo.present) is not None))
            stage.distress.append(distress)
            if ctx.role in CIVILIAN_ROLES:
                mark_compliance(self.commands, convo.issued, ctx.prepared.text)
        return stage

    def findings(self, encounter: Encounter) -> list[Finding]:
        stage = self.rule_stage(encounter, features=self.learned is not None, chars=False)
        decided = stage.found
        if self.learned is not None:
            decided = self.learned.decide_all(stage.contexts, stage.found, stage.features)
        out: list[Finding] = []
        doubted: dict[str, Finding] = {}  # rule commands the model doubted: restored if they conflict
        distress_seen = False
        for ctx, rules_found, found, vetoed, distress in zip(
            stage.contexts, stage.found, decided, stage.vetoed, stage.distress, strict=True
        ):
            found = [f for f in found if f.label not in vetoed and f.label not in self.disabled]
            if not distress_seen:  # labels.md: a dismissal needs a stated inability or distress earlier
                found = [f for f in found if f.label != "dismissal"]
            if ctx.role in CIVILIAN_ROLES and (distress or any(f.label == "inability_cue" for f in found)):
                distress_seen = True
            command = next((f for f in rules_found if f.label == "command"), None)
            if command is not None and not any(f.label == "command" for f in found):
                doubted[ctx.utterance.id] = command
            out.extend(found)
        for d in self.detectors:
            out.extend(d.finish(stage.convo))
        commands = {f.utterance_id for f in out if f.label == "command"}
        out.extend(
            doubted[f.utterance_id]
            for f in list(out)
            if f.label == "conflicting_command" and f.utterance_id not in commands and f.utterance_id in doubted
        )
        order = {ctx.utterance.id: ctx.index for ctx in stage.contexts}
        out.sort(key=lambda f: (order[f.utterance_id], f.label))
        return out


@dataclass
class RuleStage:
    contexts: list[UtteranceContext]
    convo: Conversation
    found: list[list[Finding]] = field(default_factory=list)  # per utterance, one finding per label
    features: list[dict[str, float]] = field(default_factory=list)  # per utterance, when asked for
    vetoed: list[frozenset[str]] = field(default_factory=list)  # labels a veto rule rules out
    distress: list[bool] = field(default_factory=list)  # the words state distress


class _Gate:
    """The detectors worth running for one speaker role: a pattern rule none of whose literals is in the
    utterance cannot match, so only the rules of the literals present are run (in registration order, so
    that ties between rules resolve as if every detector ran)."""

    def __init__(self, detectors: list[Detector], role: Role) -> None:
        self.detectors = detectors
        self.always: list[int] = []
        self.by_literal: dict[str, list[int]] = {}
        for n, d in enumerate(detectors):
            if not isinstance(d, PatternDetector):
                self.always.append(n)
            elif role not in d.roles:
                continue
            elif d.any_literal is None or d.rule.spec.scope == "notes":
                self.always.append(n)
            else:
                for literal in d.any_literal:
                    self.by_literal.setdefault(literal, []).append(n)

    def candidates(self, present: frozenset[str]) -> list[Detector]:
        chosen = set(self.always)
        for literal in present:
            chosen.update(self.by_literal.get(literal, ()))
        return [self.detectors[n] for n in sorted(chosen)]


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
