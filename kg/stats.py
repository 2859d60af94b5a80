"""`kg stats` and `kg graphml`: network analysis of a built graph with networkx.

Query stage: reads a built rdflib graph (entities, kg:Event nodes with their roles,
kg:Office, and the kg:Attestation behind each fact) and never writes RDF. It gives

- `to_networkx`: entities and events as nodes, role and office links as edges, each edge
  carrying the evidence that states it (article ids, sentences, rule ids);
- `actor_projection`: the actor network, two actors linked when they take part (actor,
  party, mediator or target) in the same event;
- `actor_stats`: top actors by degree and by betweenness, and communities (Louvain with a
  fixed seed, so the same graph always gives the same communities);
- `actor_path`: the shortest chain of shared events between two actors, with the
  sentences that attest each step;
- `write_graphml` / `write_gexf`: files for Gephi (every attribute a string or a number).

Implements issue item 5 (analysis with networkx). Evidence follows HOUSE-STYLE 8.4: the
same attestation fields that the viz pages and `kg explain` read.
"""
from __future__ import annotations

import io
import re
from dataclasses import asdict, dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import RDF, SKOS, Graph, URIRef
from rdflib.namespace import OWL

from kg.errors import KgError
from kg.export import atomic_write
from kg.graph.vocab import KG
from kg.viz import ENTITY_STYLE, GraphReader

#: Roles that make an entity take part in an event (a location does not).
PARTICIPANT_ROLES: tuple[str, ...] = ("actor", "party", "mediator", "target")
#: Every event role drawn as an edge, in display order.
EVENT_ROLES: tuple[str, ...] = PARTICIPANT_ROLES + ("location",)
#: Louvain seed: communities must not change between two runs on the same graph.
COMMUNITY_SEED = 42
#: Above this many actors betweenness is estimated from this many sampled sources (seeded).
BETWEENNESS_EXACT_LIMIT = 2000

_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One attestation: the article, the sentence that says it, and the rule that fired."""

    article_id: str
    sentence: str
    rule_id: str


@dataclass(frozen=True, slots=True)
class StepEvent:
    """An event that links the two actors of a path step."""

    iri: str
    label: str
    event_type: str
    date: str  # EDTF, "" when undated
    status: str  # "" for a plain event; failed / denied / hypothetical otherwise
    direct: bool  # one attestation names both actors (else the evidence names one of them)
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class PathStep:
    """One hop of an actor path: two actors and the events they share."""

    source: str
    target: str
    source_iri: str
    target_iri: str
    events: tuple[StepEvent, ...]

    def to_json(self) -> dict[str, Any]:
        """Plain dicts and lists, for `json.dumps`."""
        return asdict(self)


def _evidence(g: Graph, atts: list[Any]) -> tuple[Evidence, ...]:
    """Evidence records of attestation nodes, deduplicated and sorted."""
    out = set()
    for att in atts:
        art, sent = g.value(att, KG.inArticle), g.value(att, KG.sentence)
        article_id = g.value(art, KG.articleId) if art is not None else None
        text = g.value(sent, KG.text) if sent is not None else None
        rule = g.value(att, KG.ruleId)
        out.add(Evidence(str(article_id or (str(art).rsplit("/", 1)[-1] if art else "")),
                         str(text or ""), str(rule or "")))
    return tuple(sorted(out, key=lambda e: (e.article_id, e.sentence, e.rule_id)))


def _role_evidence(g: Graph, event: URIRef, role: str, entity: URIRef) -> tuple[Evidence, ...]:
    """Attestations of `event` that name `entity` in `role` (all of them if none does)."""
    atts = sorted(g.objects(event, KG.attestedBy), key=str)
    naming = [a for a in atts if (a, KG[role], entity) in g]
    return _evidence(g, naming or atts)


def _flat(evidence: tuple[Evidence, ...]) -> dict[str, Any]:
    """Edge attributes a GraphML/GEXF file can hold: joined strings and a weight."""
    def clean(text: str) -> str:
        return _XML_UNSAFE.sub(" ", text)

    return {"weight": max(1, len(evidence)),
            "articles": " | ".join(sorted({e.article_id for e in evidence})),
            "rules": " | ".join(sorted({e.rule_id for e in evidence})),
            "sentences": "\n".join(clean(e.sentence) for e in evidence)}


def to_networkx(graph: Graph) -> nx.MultiGraph:
    """Entities and events as a networkx multigraph keyed by IRI.

    Node attributes (strings, "" when unknown): kind (entity/event), type (Person, State,
    Organization, Place, or the event type), label, label_id, key, wikidata, offices, date
    (EDTF), earliest, latest, status. Edges join an event to each entity in a role (edge key
    and attribute `role`: actor, party, mediator, target, location) and an office holder to
    the state or organisation of the office (role "office", label e.g. "President of").
    Every edge has `label`, `weight` (number of attestations), `articles`, `rules` and
    `sentences` (the evidence, joined with " | " and newlines).

    Args:
        graph: a graph built by `kg.build` or loaded with `kg.load_graph`.

    Returns:
        The multigraph; ready for `nx.write_graphml` / `nx.write_gexf` as it is.
    """
    reader = GraphReader(graph)
    mg = nx.MultiGraph()
    blank = {"kind": "", "type": "", "label": "", "label_id": "", "key": "", "wikidata": "",
             "offices": "", "date": "", "earliest": "", "latest": "", "status": ""}

    def text(node: Any, prop: URIRef) -> str:
        value = graph.value(node, prop)
        return "" if value is None else str(value)

    def add_entity(node: URIRef) -> str:
        name = str(node)
        if name not in mg:
            wikidata = sorted(str(o).rsplit("/", 1)[-1] for o in graph.objects(node, OWL.sameAs))
            mg.add_node(name, **(blank | {
                "kind": "entity", "type": reader.entity_type(node) or "Entity",
                "label": reader.label(node), "label_id": text(node, SKOS.prefLabel),
                "key": text(node, KG.key), "wikidata": " ".join(wikidata)}))
        return name

    for etype in ENTITY_STYLE:
        for node in sorted(graph.subjects(RDF.type, KG[etype]), key=str):
            if isinstance(node, URIRef):
                add_entity(node)
    events = {e for e in graph.subjects(RDF.type, KG.Event) if isinstance(e, URIRef)}
    for event in sorted(events, key=str):
        etype, date = text(event, KG.eventType) or "Event", text(event, KG.date)
        status = text(event, KG.status)
        label = f"{etype} {date or 'undated'}" + (f" ({status})" if status else "")
        mg.add_node(str(event), **(blank | {
            "kind": "event", "type": etype, "label": label, "date": date, "status": status,
            "earliest": text(event, KG.earliest), "latest": text(event, KG.latest)}))
        for role in EVENT_ROLES:
            for ent in sorted(graph.objects(event, KG[role]), key=str):
                if isinstance(ent, URIRef):
                    mg.add_edge(str(event), add_entity(ent), key=role, role=role, label=role,
                                **_flat(_role_evidence(graph, event, role, ent)))
    for office, role, holder, of in reader.offices():
        person = add_entity(holder)
        title = f"{role} of {reader.label(of)}" if of is not None else role
        held = mg.nodes[person]["offices"]
        mg.nodes[person]["offices"] = f"{held}; {title}" if held else title
        if of is None:
            continue
        target, key = add_entity(of), f"office: {role} of"
        if mg.has_edge(person, target, key):
            continue  # the same role found twice (e.g. as current and as former): one edge
        atts = sorted(graph.objects(office, KG.attestedBy), key=str)
        mg.add_edge(person, target, key=key, role="office", label=f"{role} of",
                    **_flat(_evidence(graph, atts)))
    return mg


def actor_projection(mg: nx.MultiGraph) -> nx.Graph:
    """The actor network of `to_networkx(...)`: actors linked by the events they share.

    A node is an entity in a participant role (actor, party, mediator, target) of at least
    one event, with the attribute `events` (how many). An edge has `weight` (number of shared
    events) and `events` (their IRIs, sorted). Failed, denied and hypothetical events count:
    reporting them still ties the actors together; path steps show their status.
    """
    proj = nx.Graph()
    for event in sorted(n for n, d in mg.nodes(data=True) if d["kind"] == "event"):
        parts = sorted({other for _, other, role in mg.edges(event, keys=True)
                        if role in PARTICIPANT_ROLES})
        for actor in parts:
            if actor not in proj:
                proj.add_node(actor, label=mg.nodes[actor]["label"],
                              type=mg.nodes[actor]["type"], events=0)
            proj.nodes[actor]["events"] += 1
        for a, b in combinations(parts, 2):
            if proj.has_edge(a, b):
                proj.edges[a, b]["events"].append(event)
                proj.edges[a, b]["weight"] += 1
            else:
                proj.add_edge(a, b, weight=1, events=[event])
    return proj


def _row(proj: nx.Graph, node: str) -> dict[str, Any]:
    d = proj.nodes[node]
    return {"actor": d["label"], "type": d["type"], "iri": node, "events": d["events"],
            "partners": proj.degree(node)}


def actor_stats(graph: Graph, top: int = 10) -> dict[str, Any]:
    """Top actors by degree and by betweenness, and the actor communities.

    Degree is the number of events an actor takes part in (ties: more partners first).
    Betweenness and communities are computed on `actor_projection` (Louvain, weighted by
    shared events, seed `COMMUNITY_SEED`). Above `BETWEENNESS_EXACT_LIMIT` actors,
    betweenness is estimated from that many sampled sources (seeded, so repeatable).

    Args:
        graph: a built kg graph.
        top: how many actors to list in each ranking.

    Returns:
        A JSON-ready dict: `summary` (counts), `degree` and `betweenness` (lists of rows with
        actor, type, iri, events, partners and, for the second, betweenness) and
        `communities` (size and member labels, busiest first; singletons only counted).

    Raises:
        KgError: if `top` is below 1.
    """
    if top < 1:
        raise KgError(f"top must be at least 1, got {top}")
    mg = to_networkx(graph)
    proj = actor_projection(mg)
    by_degree = sorted(proj, key=lambda n: (-proj.nodes[n]["events"], -proj.degree(n),
                                            proj.nodes[n]["label"], n))
    sample = BETWEENNESS_EXACT_LIMIT if len(proj) > BETWEENNESS_EXACT_LIMIT else None
    between = nx.betweenness_centrality(proj, k=sample, normalized=True, seed=0)
    by_between = sorted(proj, key=lambda n: (-between[n], proj.nodes[n]["label"], n))
    groups = nx.community.louvain_communities(proj, weight="weight", seed=COMMUNITY_SEED)
    members = [sorted(c, key=by_degree.index) for c in groups if len(c) > 1]
    members.sort(key=lambda c: (-len(c), by_degree.index(c[0])))
    kinds = [d["kind"] for _, d in mg.nodes(data=True)]
    return {
        "summary": {"entities": kinds.count("entity"), "events": kinds.count("event"),
                    "edges": mg.number_of_edges(), "actors": len(proj),
                    "actor_links": proj.number_of_edges(),
                    "components": nx.number_connected_components(proj) if len(proj) else 0,
                    "singletons": sum(1 for c in groups if len(c) == 1)},
        "degree": [_row(proj, n) for n in by_degree[:top]],
        "betweenness": [_row(proj, n) | {"betweenness": round(between[n], 4)}
                        for n in by_between[:top]],
        "communities": [{"size": len(c), "members": [proj.nodes[n]["label"] for n in c]}
                        for c in members],
    }


def find_entity(mg: nx.MultiGraph, name: str) -> str:
    """The entity node named by `name`: its IRI, key or a label, else one label part.

    Example: "Pashinyan" -> ".../entity/nikol-pashinyan"; "Rusia" (Indonesian label) ->
    ".../entity/russia".

    Raises:
        KgError: if no entity, or more than one, matches.
    """
    if name in mg and mg.nodes[name]["kind"] == "entity":
        return name
    wanted = name.strip().casefold()
    names = {n: [x.casefold() for x in (d["label"], d["label_id"], d["key"]) if x]
             for n, d in mg.nodes(data=True) if d["kind"] == "entity"}
    exact = sorted(n for n, xs in names.items() if wanted in xs)
    partial = sorted(n for n, xs in names.items() if wanted and any(wanted in x for x in xs))
    if len(exact) == 1 or (not exact and len(partial) == 1):
        return (exact or partial)[0]
    if exact or partial:
        options = ", ".join(sorted(mg.nodes[n]["label"] for n in (exact or partial))[:10])
        raise KgError(f"{name!r} matches several entities: {options}; give the full label")
    raise KgError(f"{name!r} matches no entity key or label in the graph; "
                  "`kg stats GRAPH` lists the actors")


def _step_event(graph: Graph, mg: nx.MultiGraph, event: str, a: str, b: str) -> StepEvent:
    """The event with the attestations that name both actors (else either, else any)."""
    node = URIRef(event)
    atts = sorted(graph.objects(node, KG.attestedBy), key=str)

    def names(att: Any, ent: str) -> bool:
        return any((att, KG[r], URIRef(ent)) in graph for r in PARTICIPANT_ROLES)

    both = [t for t in atts if names(t, a) and names(t, b)]
    either = [t for t in atts if names(t, a) or names(t, b)]
    d = mg.nodes[event]
    return StepEvent(iri=event, label=d["label"], event_type=d["type"], date=d["date"],
                     status=d["status"], direct=bool(both),
                     evidence=_evidence(graph, both or either or atts))


def actor_path(graph: Graph, a: str, b: str) -> list[PathStep]:
    """The shortest chain of shared events from actor `a` to actor `b`.

    Args:
        graph: a built kg graph.
        a, b: actors, each by IRI, key, label (English or Indonesian) or a unique part of
            one ("Pashinyan").

    Returns:
        One `PathStep` per hop, each with every event the two actors share (plain events
        first, then those with a sentence naming both actors, then by date) and the
        evidence sentences; `[]` when no chain of events joins
        them (different components of the actor network).

    Raises:
        KgError: for a name that matches no entity or several, for an entity that takes part
            in no event, or for the same actor twice.
    """
    mg = to_networkx(graph)
    proj = actor_projection(mg)
    ends = [find_entity(mg, a), find_entity(mg, b)]
    for name, node in zip((a, b), ends):
        if node not in proj:
            raise KgError(f"{name!r} ({mg.nodes[node]['label']}) takes part in no event")
    if ends[0] == ends[1]:
        raise KgError(f"{a!r} and {b!r} are the same actor; give two different ones")
    try:
        hops = nx.shortest_path(proj, ends[0], ends[1])
    except nx.NetworkXNoPath:
        return []
    steps = []
    for x, y in zip(hops, hops[1:]):
        events = [_step_event(graph, mg, e, x, y) for e in proj.edges[x, y]["events"]]
        events.sort(key=lambda e: (bool(e.status), not e.direct,
                                   mg.nodes[e.iri]["earliest"] or "9999", e.iri))
        steps.append(PathStep(source=mg.nodes[x]["label"], target=mg.nodes[y]["label"],
                              source_iri=x, target_iri=y, events=tuple(events)))
    return steps


def _write(network: nx.Graph, out: Path, writer: Any) -> tuple[int, int]:
    buf = io.BytesIO()
    writer(network, buf)
    atomic_write(Path(out), buf.getvalue())
    return network.number_of_nodes(), network.number_of_edges()


def write_graphml(graph: Graph, out: Path) -> tuple[int, int]:
    """Write `to_networkx(graph)` as GraphML (atomically); returns (nodes, edges)."""
    return _write(to_networkx(graph), out, nx.write_graphml)


def write_gexf(graph: Graph, out: Path) -> tuple[int, int]:
    """Write `to_networkx(graph)` as GEXF 1.2 for Gephi (atomically); returns (nodes, edges)."""
    return _write(to_networkx(graph), out, nx.write_gexf)


def write_network(graph: Graph, out: Path) -> tuple[int, int]:
    """Write GraphML or GEXF as the suffix of `out` says; returns (nodes, edges).

    Raises:
        KgError: for a suffix other than .graphml or .gexf.
    """
    suffix = Path(out).suffix.lower()
    if suffix == ".graphml":
        return write_graphml(graph, out)
    if suffix == ".gexf":
        return write_gexf(graph, out)
    raise KgError(f"{out}: unknown network format {suffix or '(no suffix)'!r}; "
                  "use .graphml or .gexf")
