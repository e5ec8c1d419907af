"""The machine contract of ``analyze --format json``: findings with their evidence and explanation."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from deescalate import __version__
from deescalate.analysis.result import Analysis
from deescalate.report.explain import explain


def analysis_json(analysis: Analysis) -> dict[str, Any]:
    return {
        "encounter_id": analysis.encounter.id,
        "title": analysis.encounter.title,
        "analyzer": {"version": __version__, "model": analysis.model_version or "none (rules alone)"},
        "findings": [{**f.to_dict(), "explanation": explain(f)} for f in analysis.findings],
        "measures": analysis.measures.to_dict(),
        "checklist": [v.to_dict() for v in analysis.verdicts],
        "key_moments": [asdict(m) for m in analysis.moments],
    }
