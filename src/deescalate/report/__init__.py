"""Reports: an Analysis rendered as JSON, Markdown or a self-contained HTML page."""
