"""The sentence a reviewer reads for a finding, made from its structured evidence.

Detectors record what they saw (pattern, words, earlier command, model weights);
this module is the one place that turns that into prose, for every report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from deescalate.analysis.findings import Finding
from deescalate.analysis.labels import label_info


def explain(finding: Finding) -> str:
    ev = finding.evidence
    text = _rule_sentence(finding, ev)
    model = ev.get("model") if ev.get("kind") != "model" else None
    if isinstance(model, Mapping):
        text += f"; the learned model agrees ({_model_clause(model)})"
    return text


def _rule_sentence(f: Finding, ev: Mapping[str, Any]) -> str:
    kind = ev.get("kind")
    base = ev.get("says") or label_info(f.label).description
    if kind == "pattern":
        return f'{base}: "{f.quote}" (pattern {ev.get("pattern")} of {ev.get("detector")})'
    if kind == "name":
        return f'Addresses the person by name: "{f.quote}"'
    if kind == "echo":
        return f"Reflects back the person's own words ({', '.join(ev.get('shared', [])[:4])})"
    if kind == "directive":
        return f'Directive the person is expected to obey: "{f.quote}"'
    if kind == "conflict":
        who = "the same officer" if ev.get("same_officer") else "another officer"
        return (
            f"Asks for {_words(ev.get('asks'))} while {who}'s command {ev.get('earlier')} "
            f"({float(ev.get('earlier_t', 0.0)):.0f}s) still asks for {_words(ev.get('against'))}"
        )
    if kind == "model":
        return f"{base} (learned model: {_model_clause(ev)})"
    return str(base)


def _model_clause(ev: Mapping[str, Any]) -> str:
    parts = [f"p={float(ev.get('probability', 0.0)):.2f}"]
    terms = [str(t[0]) for t in ev.get("terms", [])[:4]]
    if terms:
        parts.append("strongest words: " + ", ".join(f'"{t}"' for t in terms))
    nearest = ev.get("nearest")
    if isinstance(nearest, Mapping) and nearest.get("text"):
        parts.append(f'closest training example {nearest.get("id")}: "{_short(str(nearest["text"]))}"')
    return "; ".join(parts)


def _words(demand: object) -> str:
    return str(demand or "?").replace("_", " ")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
