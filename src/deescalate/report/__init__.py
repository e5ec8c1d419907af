"""Reports: an Analysis rendered as JSON, Markdown or a self-contained HTML page."""

from __future__ import annotations

import json

from deescalate.analysis.result import Analysis

FORMATS = ("json", "markdown", "html")


def render(analysis: Analysis, fmt: str) -> str:
    """The analysis in ``fmt``: "json", "markdown" or "html"."""
    if fmt == "json":
        from deescalate.report.json_report import analysis_json

        return json.dumps(analysis_json(analysis), indent=2)
    if fmt == "markdown":
        from deescalate.report.markdown import render_markdown

        return render_markdown(analysis)
    if fmt == "html":
        from deescalate.report.html import render_html

        return render_html(analysis)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
