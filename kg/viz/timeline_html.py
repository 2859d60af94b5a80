"""`kg timeline --html`: events on a zoomable time axis (vis-timeline), one offline HTML file.

vis-timeline's standalone build is vendored in `kg/viz/static/` (with its licences) and
inlined at write time. Each dated event is one item: `start` is kg:earliest; when the
date is imprecise (a month, a year, a range) `end` is the day after kg:latest, so the
item spans the whole period. Items are grouped by event type, or by actor with the
toggle in the page; clicking an item shows its sources (article ids and the sentences,
with the matched words highlighted, rule ids and date reasons).
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rdflib import Graph

from kg.viz import (
    EVENT_COLOURS,
    EventRecord,
    GraphReader,
    fill_template,
    inline_code,
    json_for_script,
    read_static,
    write_page,
)

_MAX_SHORT_NAMES = 3


def _day_after(iso: str) -> str:
    return (date.fromisoformat(iso) + timedelta(days=1)).isoformat()


def timeline_items(graph: Graph) -> tuple[list[dict[str, Any]], int]:
    """(one dict per dated event, number of undated events left off the axis)."""
    reader = GraphReader(graph)
    items: list[dict[str, Any]] = []
    undated = 0
    for ev in reader.events():
        if not ev.earliest:
            undated += 1
            continue
        items.append(_item(len(items), ev, reader))
    return items, undated


def _item(index: int, ev: EventRecord, reader: GraphReader) -> dict[str, Any]:
    from rdflib import URIRef

    roles = [[role, reader.label(URIRef(ent))] for role, ent in ev.roles]
    names: list[str] = []
    for role, name in roles:
        if role in ("actor", "party") and name not in names:
            names.append(name)
    short = ", ".join(names[:_MAX_SHORT_NAMES]) + (" …" if len(names) > _MAX_SHORT_NAMES else "")
    latest = ev.latest or ev.earliest
    return {"id": index, "iri": ev.iri, "label": ev.label, "type": ev.etype,
            "short": f"{ev.date}: {short}" if short else ev.label,
            "colour": EVENT_COLOURS.get(ev.etype, "#cccccc"), "date": ev.date,
            "earliest": ev.earliest, "latest": latest, "start": ev.earliest,
            "end": _day_after(latest) if latest != ev.earliest else "",
            "status": ev.status, "roles": roles, "sources": [s.to_json() for s in ev.sources]}


def render_page(items: list[dict[str, Any]], undated: int) -> str:
    """The full HTML of the timeline page."""
    data = {"events": items, "undated": undated, "typeOrder": list(EVENT_COLOURS)}
    return fill_template(read_static("timeline_page.html"), {
        "VIS_CSS": inline_code(read_static("vis-timeline-graph2d.min.css"), "style"),
        "PAGE_CSS": inline_code(read_static("page.css"), "style"),
        "VIS_JS": inline_code(read_static("vis-timeline-graph2d.min.js"), "script"),
        "DATA": json_for_script(data)})


def write_timeline_html(graph: Graph, out: Path) -> int:
    """Write the timeline page of `graph` to `out`; returns the number of events on the axis.

    Undated events cannot be placed on a time axis; the page says how many were left off.
    Failed, denied and hypothetical events are drawn dashed and can be hidden in the page.
    """
    items, undated = timeline_items(graph)
    write_page(Path(out), render_page(items, undated))
    return len(items)
