"""`kg viz`: the interactive network page (entities, events, offices) as one offline HTML file.

pyvis 0.3.2 holds the network (nodes and edges appended to `net.nodes`/`net.edges`
directly: its `add_edge`/`from_nx` scan lists and are quadratic) and produces the
vis-network options; the page itself is our template `static/graph_page.html` with
vis-network's JS/CSS (shipped inside pyvis) inlined, because every pyvis `cdn_resources`
mode still loads something from a CDN (tech-measurements section 2).

Up to `PHYSICS_LIMIT` nodes the browser lays the graph out (a bounded stabilisation, then
physics is switched off); above it positions are computed here and physics stays off.
"""
from __future__ import annotations

import json
import math
import zlib
from importlib.resources import files
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import RDF, SKOS, Graph, URIRef

from kg.errors import KgError
from kg.graph.vocab import KG
from kg.query import date_bound
from kg.viz import (
    ENTITY_STYLE,
    EVENT_COLOURS,
    EventRecord,
    GraphReader,
    fill_template,
    inline_code,
    json_for_script,
    read_static,
    write_page,
)

PHYSICS_LIMIT = 500
_MAX_TIP_SOURCES = 3
_SHAPE_CSS = {"dot": "round", "square": "", "triangle": "triangle", "diamond": "diamond"}


def write_graph_html(graph: Graph, out: Path, *, focus: str | None = None, depth: int = 2,
                     since: str | None = None, until: str | None = None,
                     types: list[str] | None = None, top: int | None = None) -> int:
    """Write the network page of `graph` to `out`; returns the number of nodes drawn.

    Filters, applied in this order: `types` (event types, case-insensitive), `since`/`until`
    (YYYY, YYYY-MM or YYYY-MM-DD; keeps dated events whose date range overlaps), `top`
    (keep the N entities with most links, and the events linked to them), then `focus`
    (an entity key, label or IRI: its neighbourhood up to `depth` links). Entities left
    with no link by a filter are dropped. Raises KgError for a bad filter value.
    """
    reader = GraphReader(graph)
    network = build_network(reader)
    network = filter_network(network, focus=focus, depth=depth, since=since, until=until,
                             types=types, top=top)
    page = render_page(network, reader)
    write_page(Path(out), page)
    return network.number_of_nodes()


def build_network(reader: GraphReader) -> nx.Graph:
    """Entities, events and offices as an undirected networkx graph keyed by IRI."""
    g = nx.Graph()

    def add_entity(node: URIRef) -> str:
        key = str(node)
        if key not in g:
            alt = reader.g.value(node, SKOS.prefLabel)
            g.add_node(key, kind="entity", etype=reader.entity_type(node) or "Entity",
                       label=reader.label(node), alt="" if alt is None else str(alt))
        return key

    for ev in reader.events():
        g.add_node(ev.iri, kind="event", etype=ev.etype, label=ev.label, record=ev)
        for role, ent in ev.roles:
            key = add_entity(URIRef(ent))
            edge = g.edges[ev.iri, key] if g.has_edge(ev.iri, key) else None
            if edge is None:
                g.add_edge(ev.iri, key, src=ev.iri, roles=[role], sources=())
            elif role not in edge["roles"]:
                edge["roles"].append(role)
    for office, role, holder, of in reader.offices():
        person = add_entity(holder)
        g.nodes[person].setdefault("offices", []).append(f"{role} of {reader.label(of)}"
                                                        if of is not None else role)
        if of is None:
            continue
        target = add_entity(of)
        label = f"{role} of"
        if g.has_edge(person, target):
            data = g.edges[person, target]
            if label not in data["roles"]:
                data["roles"].append(label)
            data["sources"] += reader.sources(office)
        else:
            g.add_edge(person, target, src=person, roles=[label], sources=reader.sources(office))
    for etype in ENTITY_STYLE:  # entities only mentioned: shown unlinked until a filter drops them
        for node in reader.g.subjects(RDF.type, KG[etype]):
            if isinstance(node, URIRef):
                add_entity(node)
    return g


def _find_node(g: nx.Graph, focus: str) -> str:
    """The entity named by `focus`: IRI, key or label exactly, else the one label containing it."""
    if focus in g:
        return focus
    wanted = focus.strip().casefold()
    names = {n: [x.casefold() for x in (d["label"], d["alt"], n.rsplit("/", 1)[-1]) if x]
             for n, d in g.nodes(data=True) if d["kind"] == "entity"}
    exact = sorted(n for n, xs in names.items() if wanted in xs)
    partial = sorted(n for n, xs in names.items() if any(wanted in x for x in xs))
    if exact or len(partial) == 1:
        return (exact or partial)[0]
    if partial:
        options = ", ".join(g.nodes[n]["label"] for n in partial[:10])
        raise KgError(f"focus {focus!r} matches several entities: {options}")
    raise KgError(f"focus {focus!r} matches no entity key, label or IRI in the graph")


def filter_network(g: nx.Graph, *, focus: str | None = None, depth: int = 2,
                   since: str | None = None, until: str | None = None,
                   types: list[str] | None = None, top: int | None = None) -> nx.Graph:
    """The subgraph kept by the filters of `write_graph_html` (a new graph)."""
    g = g.copy()
    if types:
        known = {t.casefold(): t for t in EVENT_COLOURS}
        unknown = [t for t in types if t.casefold() not in known]
        if unknown:
            raise KgError(f"unknown event type(s) {', '.join(unknown)}; "
                          f"known: {', '.join(EVENT_COLOURS)}")
        keep = {known[t.casefold()] for t in types}
        g.remove_nodes_from([n for n, d in list(g.nodes(data=True))
                             if d["kind"] == "event" and d["etype"] not in keep])
    if since or until:
        lo = date_bound(since, upper=False).isoformat() if since else "0000-01-01"
        hi = date_bound(until, upper=True).isoformat() if until else "9999-12-31"
        g.remove_nodes_from([n for n, d in list(g.nodes(data=True)) if d["kind"] == "event" and not (
            d["record"].earliest and d["record"].latest >= lo and d["record"].earliest <= hi)])
    if top is not None:
        if top < 1:
            raise KgError(f"top must be at least 1, got {top}")
        ents = sorted((n for n, d in g.nodes(data=True) if d["kind"] == "entity"),
                      key=lambda n: (-g.degree(n), g.nodes[n]["label"], n))
        g.remove_nodes_from(ents[top:])
        g.remove_nodes_from([n for n, d in list(g.nodes(data=True))
                             if d["kind"] == "event" and g.degree(n) == 0])
    if types or since or until or top is not None:
        g.remove_nodes_from([n for n, d in list(g.nodes(data=True))
                             if d["kind"] == "entity" and g.degree(n) == 0])
    if focus:
        if depth < 0:
            raise KgError(f"depth must be 0 or more, got {depth}")
        g = nx.ego_graph(g, _find_node(g, focus), radius=depth).copy()
    return g


def spiral_layout(g: nx.Graph, spacing: float = 140.0) -> dict[str, tuple[float, float]]:
    """Positions in O(N + E) with no numpy: entities on a sunflower spiral, busiest in the
    middle; each event near the centre of its entities; unlinked events on an outer spiral.

    Not networkx's spring layout: it needs numpy (not a kg dependency) and, even with scipy,
    took 6 s for 700 nodes and 50 s for 3,400 nodes here. This one is deterministic too.
    """
    golden = math.pi * (3 - math.sqrt(5))

    def spiral(i: int, scale: float) -> tuple[float, float]:
        r = scale * math.sqrt(i + 0.5)
        return r * math.cos(i * golden), r * math.sin(i * golden)

    ents = sorted((n for n, d in g.nodes(data=True) if d["kind"] != "event"),
                  key=lambda n: (-g.degree(n), n))
    pos = {n: spiral(i, spacing) for i, n in enumerate(ents)}
    outer = spacing * math.sqrt(len(ents) + 1) + spacing
    crowd: dict[frozenset[str], int] = {}
    lonely = 0
    for n in sorted(n for n, d in g.nodes(data=True) if d["kind"] == "event"):
        anchors = frozenset(m for m in g.neighbors(n) if m in pos)
        if not anchors:
            x, y = spiral(lonely, 30.0)
            angle = (zlib.crc32(n.encode()) % 360) * math.pi / 180
            pos[n] = (outer * math.cos(angle) + x, outer * math.sin(angle) + y)
            lonely += 1
            continue
        k = crowd.get(anchors, 0)
        crowd[anchors] = k + 1
        cx = sum(pos[a][0] for a in anchors) / len(anchors)
        cy = sum(pos[a][1] for a in anchors) / len(anchors)
        dx, dy = spiral(k + 3, 18.0)
        pos[n] = (cx + dx, cy + dy)
    return pos


def _event_tip(ev: EventRecord, labels: dict[str, str]) -> str:
    lines = [ev.label]
    for role in ("actor", "party", "mediator", "target", "location"):
        names = [labels.get(e, e) for r, e in ev.roles if r == role]
        if names:
            lines.append(f"{role}: {', '.join(names)}")
    lines += [s.tooltip() for s in ev.sources[:_MAX_TIP_SOURCES]]
    if len(ev.sources) > _MAX_TIP_SOURCES:
        lines.append(f"… {len(ev.sources) - _MAX_TIP_SOURCES} more sources")
    lines.append("(click for the evidence)")
    return "\n".join(lines)


def _nodes(g: nx.Graph, reader: GraphReader, pos: dict | None) -> tuple[list, dict, dict, dict]:
    """vis node dicts plus the side-panel data; node ids are small integers."""
    ids = {n: i for i, n in enumerate(sorted(g.nodes))}
    labels = {n: d["label"] for n, d in g.nodes(data=True)}
    nodes, events, entities = [], {}, {}
    for n in sorted(g.nodes):
        d, deg, i = g.nodes[n], g.degree(n), ids[n]
        if d["kind"] == "event":
            ev: EventRecord = d["record"]
            node = {"id": i, "label": ev.label, "shape": "hexagon",
                    "color": EVENT_COLOURS.get(ev.etype, "#cccccc"),
                    "size": 8 + 3 * math.sqrt(deg), "title": _event_tip(ev, labels)}
            if ev.status:
                node["shapeProperties"] = {"borderDashes": [4, 3]}
                node["opacity"] = 0.6
            events[i] = {"label": ev.label, "type": ev.etype, "date": ev.date,
                         "earliest": ev.earliest, "latest": ev.latest, "status": ev.status,
                         "iri": ev.iri, "sources": [s.to_json() for s in ev.sources],
                         "roles": [(r, labels.get(e, e), ids[e]) for r, e in ev.roles if e in ids]}
        else:
            colour, shape = ENTITY_STYLE.get(d["etype"], ("#bab0ac", "dot"))
            info = reader.entity_info(URIRef(n)) | {"offices": d.get("offices", [])}
            tip = [f"{d['label']} ({d['etype']})"]
            if info["labelId"] and info["labelId"] != d["label"]:
                tip.append(info["labelId"])
            tip += [f"Wikidata {' '.join(info['wikidata'])}"] if info["wikidata"] else []
            tip += info["offices"] + [f"{deg} links · {len(info['articles'])} articles"]
            node = {"id": i, "label": d["label"], "shape": shape, "color": colour,
                    "size": 12 + 4 * math.sqrt(deg), "title": "\n".join(tip),
                    "font": {"size": 22, "strokeWidth": 3}}
            entities[i] = info
        if pos is not None:
            node["x"], node["y"] = round(pos[n][0], 1), round(pos[n][1], 1)
        nodes.append(node)
    return nodes, events, entities, ids


def _edges(g: nx.Graph, ids: dict[str, int]) -> list[dict[str, Any]]:
    edges = []
    for u, v, d in sorted(g.edges(data=True), key=lambda e: (ids[e[0]], ids[e[1]])):
        src = d.get("src", u)
        dst = v if src == u else u
        label = ", ".join(d["roles"])
        tip = [label] + [s.tooltip() for s in d["sources"][:_MAX_TIP_SOURCES]]
        edges.append({"from": ids[src], "to": ids[dst], "label": label, "title": "\n".join(tip),
                      "arrows": "to"})
    return edges


def _options(net: Any, physics: bool) -> dict[str, Any]:
    """vis-network options: pyvis's, made bounded (stabilisation) and fit for big graphs."""
    net.force_atlas_2based(gravity=-80, central_gravity=0.01, spring_length=70,
                           spring_strength=0.08, damping=0.4, overlap=0.3)
    net.toggle_physics(physics)
    net.set_edge_smooth("continuous")
    net.toggle_hide_edges_on_drag(not physics)
    net.inherit_edge_colors(False)
    net.options.physics.stabilization.iterations = 250
    net.options.physics.stabilization.updateInterval = 25
    opts = json.loads(net.options.to_json())
    opts["edges"].update({"color": {"color": "#9aa0a6", "highlight": "#333333"},
                          "font": {"size": 10, "align": "middle", "color": "#555555"},
                          "width": 1, "arrows": {"to": {"scaleFactor": 0.5}}})
    if not physics:
        opts["edges"]["smooth"] = False
    opts["nodes"] = {"font": {"size": 11}, "borderWidth": 1}
    opts["interaction"].update({"hover": True, "tooltipDelay": 150, "navigationButtons": False,
                                "hideEdgesOnZoom": not physics})
    opts["layout"] = {"improvedLayout": physics, "randomSeed": 7}
    return opts


def render_page(g: nx.Graph, reader: GraphReader) -> str:
    """The full HTML of the network page for (already filtered) `g`."""
    from pyvis.network import Network

    physics = g.number_of_nodes() <= PHYSICS_LIMIT
    nodes, events, entities, ids = _nodes(g, reader, None if physics else spiral_layout(g))
    net = Network(height="100%", width="100%", directed=True, cdn_resources="remote")
    for node in nodes:  # direct appends: pyvis's add_node/add_edge are linear scans per call
        net.nodes.append(node)
        net.node_ids.append(node["id"])
        net.node_map[node["id"]] = node
    net.edges.extend(_edges(g, ids))
    options = _options(net, physics)
    vis_nodes, vis_edges, *_ = net.get_network_data()
    order = {t: i for i, t in enumerate(EVENT_COLOURS)}
    present = sorted({e["type"] for e in events.values()}, key=lambda t: (order.get(t, 99), t))
    data = {"nodes": vis_nodes, "edges": vis_edges, "options": options, "physics": physics,
            "events": events, "entities": entities, "eventTypes": present,
            "legend": {"events": EVENT_COLOURS,
                       "entities": [[t, c, _SHAPE_CSS[s]] for t, (c, s) in ENTITY_STYLE.items()]}}
    lib = files("pyvis") / "lib" / "vis-9.1.2"
    return fill_template(read_static("graph_page.html"), {
        "VIS_CSS": inline_code((lib / "vis-network.css").read_text(encoding="utf-8"), "style"),
        "PAGE_CSS": inline_code(read_static("page.css"), "style"),
        "VIS_JS": inline_code((lib / "vis-network.min.js").read_text(encoding="utf-8"), "script"),
        "DATA": json_for_script(data)})
