"""The agency dashboard (page and JSON, the same figures) and the export of reviewed findings for training."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from deescalate.errors import Code
from deescalate.web import charts, dashboard, export
from deescalate.web.deps import DbSession, check_csrf, optional_date, require
from deescalate.web.services import Actor
from deescalate.web.templating import page_context, templates

router = APIRouter(dependencies=[Depends(check_csrf)])

Viewer = Annotated[Actor, Depends(require("dashboard:read"))]
Exporter = Annotated[Actor, Depends(require("findings:export"))]


@router.get("/api/v1/dashboard", tags=["dashboard"])
def dashboard_json(
    db: DbSession,
    actor: Viewer,
    date_from: date | None = None,
    date_to: date | None = None,
    unit: str | None = None,
    call_type: str | None = None,
    period: Literal["week", "month"] = "month",
) -> dict[str, Any]:
    """Per checklist item, verdict counts from confirmed findings only; over time, by unit, call type and officer;
    the measures' distributions. Officers get their own encounters' figures."""
    return dashboard.dashboard(
        db, actor=actor, date_from=date_from, date_to=date_to, unit=unit, call_type=call_type, period=period
    )


@router.get(
    "/api/v1/export/reviewed",
    tags=["export"],
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_reviewed(db: DbSession, _actor: Exporter) -> Response:
    """Fully reviewed encounters as annotated encounter/v1 files (a zip) for ``deescalate model train --extra``."""
    data, summary = export.export_zip(db)
    headers = {
        "Content-Disposition": 'attachment; filename="reviewed-encounters.zip"',
        "X-Exported": str(summary["exported"]),
        "X-Skipped-Pending": str(summary["skipped_pending"]),
    }
    return Response(data, media_type="application/zip", headers=headers)


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(
    request: Request,
    db: DbSession,
    actor: Viewer,
    date_from: str | None = None,
    date_to: str | None = None,
    unit: str | None = None,
    call_type: str | None = None,
    period: str = "month",
) -> Response:
    figures = dashboard.dashboard(
        db,
        actor=actor,
        date_from=optional_date(date_from, "date_from", Code.E120),
        date_to=optional_date(date_to, "date_to", Code.E120),
        unit=unit or None,
        call_type=call_type or None,
        period=period,
    )
    item_rows = [(f"{i['item']} {i['title']}", i["counts"]) for i in figures["items"]]
    pictures = {
        "items": charts.stacked_bars("chart-items", "Verdicts per checklist item", item_rows),
        "over_time": charts.share_lines("chart-time", f"Verdicts by {period}", figures["over_time"]),
        "measures": {
            m["key"]: charts.histogram(f"chart-{m['key']}", m["title"], m["bins"], m["unit"])
            for m in figures["measures"]
        },
        "breakdowns": {
            name: charts.stacked_bars(
                f"chart-{name}",
                f"All checklist verdicts {title}",
                [(g["key"], _all_items(g["items"])) for g in figures[name]],
            )
            for name, title in BREAKDOWNS
        },
    }
    filters = {
        "date_from": date_from or "",
        "date_to": date_to or "",
        "unit": unit or "",
        "call_type": call_type or "",
        "period": period,
    }
    context = page_context(
        request,
        actor,
        active="dashboard",
        figures=figures,
        pictures=pictures,
        filters=filters,
        choices=dashboard.filter_choices(db, actor=actor),
        breakdowns=BREAKDOWNS,
        bin_label=charts.bin_label,
        colours=charts.STATUS_COLOURS,
    )
    return templates.TemplateResponse(request, "dashboard.html", context)


BREAKDOWNS = (("by_unit", "by unit"), ("by_call_type", "by call type"), ("by_officer", "by officer"))


def _all_items(items: dict[str, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = dict.fromkeys(dashboard.STATUSES, 0)
    for counts in items.values():
        for status, n in counts.items():
            total[status] += n
    return total
