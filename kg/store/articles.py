"""Store stage: one article's facts inside the union, without a named graph per article.

The store keeps each triple once, in the default graph (what queries read). What one
article said is still exact, because every triple an article writes is either

- **its own**: about its article node, its sentences and its attestations (IRIs minted
  from the article id) and the `kg:attestedBy` links to them; facts whose IRI includes
  the article (figures, undated or failed events) die with their last attestation; or
- **shared**, and then a function of its own triples: a dated event's type and dates (in
  its IRI), an office's holder (in its IRI), a gazetteer entity's description, the label
  a pattern-found name has in that article (`kg:entityLabel` on its first mention's
  attestation) and an event's roles (each is also on the attestation that reported it).

So `article_view` rebuilds an article's named graph from the union (what `kg push` and
`kg export x.trig` send), and `removal` finds exactly the triples that go when articles
are removed or replaced: their own triples, plus every shared triple no remaining
attestation supports. Both are tested against the in-memory build, article by article.
Why not a named graph per article: it doubled the writes (2.5x the load time) and the
disk, and Oxigraph's union-default-graph mode was 100-1000x slower on the contract
queries (bench/README.md).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from kg.graph.build import PREDICATES
from kg.graph.vocab import DATA, KG

D = ox.DefaultGraph()
_K = str(KG._NS)
_N = ox.NamedNode
IN_ARTICLE, ATTESTED_BY = _N(_K + "inArticle"), _N(_K + "attestedBy")
ENTITY_LABEL, MERGE_REASON = _N(_K + "entityLabel"), _N(_K + "mergeReason")
EVENT_COUNT, EVENT_TYPE = _N(_K + "eventCount"), _N(_K + "eventType")
DERIVED = (MERGE_REASON, EVENT_COUNT)  # facts about the whole graph, not one article
FIGURE_OF = _N(_K + "figureOf")
SENTENCE = _N(_K + "sentence")
HOLDERS = (_N(_K + "holder"), _N(_K + "officeOf"))
ROLES = tuple(_N(_K + r) for r in ("actor", "party", "mediator", "target", "location"))
REFS = ROLES + (_N(_K + "reportedBy"),)
LABEL = _N("http://www.w3.org/2000/01/rdf-schema#label")
PREF_LABEL = _N("http://www.w3.org/2004/02/skos/core#prefLabel")
_ENTITY, _EVENT = str(DATA) + "entity/", str(DATA) + "event/"
# What a shared node carries for one article: every predicate but kg:attestedBy (each
# article's own) and the derived ones (`DERIVED`, about the whole graph: not in the list).
_VIEW_PREDICATES = tuple(_N(p) for p in PREDICATES if p != ATTESTED_BY.value)


def _objects(store: ox.Store, s: ox.NamedNode, p: ox.NamedNode) -> Iterator[ox.Term]:
    return (q.object for q in store.quads_for_pattern(s, p, None, D))


def _subjects(store: ox.Store, p: ox.NamedNode, o: ox.Term) -> Iterator[ox.Term]:
    return (q.subject for q in store.quads_for_pattern(None, p, o, D))


def own_nodes(store: ox.Store, articles: Iterable[ox.NamedNode]) -> set[ox.Term]:
    """The articles' own nodes: the article nodes, their sentences and attestations."""
    own: set[ox.Term] = set()
    for a in articles:
        own.add(a)
        own.update(_subjects(store, IN_ARTICLE, a))
    return own


def _own_triples(store: ox.Store, x: ox.Term, keep, refer) -> bool:
    """Pass each triple of own node `x` to `keep` and each entity it refers to to `refer`
    (one index scan); True when `x` is an attestation (it has a sentence)."""
    attestation = False
    for q in store.quads_for_pattern(x, None, None, D):
        keep(q)
        p = q.predicate
        if p == SENTENCE:
            attestation = True
        elif p in REFS:
            refer(q.object)
    return attestation


def _is_entity(node: ox.Term) -> bool:
    return isinstance(node, ox.NamedNode) and node.value.startswith(_ENTITY)


def removal(store: ox.Store, articles: Iterable[ox.NamedNode]) -> tuple[set[ox.Quad], set[str]]:
    """What removing `articles` deletes from the union, and the events it touched.

    Returns:
        (quads to delete, IRIs of the events whose attestations changed).
    """
    own = own_nodes(store, articles)
    gone: set[ox.Quad] = set()
    facts: set[ox.Term] = set()
    entities: set[ox.Term] = set()
    for x in own:
        attestation = _own_triples(store, x, gone.add, entities.add)
        if attestation:
            for q in store.quads_for_pattern(None, ATTESTED_BY, x, D):
                gone.add(q)
                facts.add(q.subject)
    dead: set[ox.Term] = set()
    episodes: set[ox.Term] = set()
    touched_events: set[str] = set()
    for f in facts:
        if _is_entity(f):  # often mentioned thousands of times: stop at a remaining one
            entities.add(f)
            if not any(att not in own for att in _objects(store, f, ATTESTED_BY)):
                dead.add(f)
            continue
        remaining = [att for att in _objects(store, f, ATTESTED_BY) if att not in own]
        if isinstance(f, ox.NamedNode) and f.value.startswith(_EVENT):
            touched_events.add(f.value)
        if not remaining:
            dead.add(f)
            for q in store.quads_for_pattern(f, None, None, D):
                gone.add(q)
                if q.predicate in ROLES or q.predicate in HOLDERS:
                    entities.add(q.object)
                elif q.predicate == FIGURE_OF:
                    episodes.add(q.object)
            continue
        for p in ROLES:  # an event's role survives while a remaining report carries it
            for q in store.quads_for_pattern(f, p, None, D):
                if not any(ox.Quad(att, p, q.object, D) in store for att in remaining):
                    gone.add(q)
                    entities.add(q.object)
    for e in entities:
        _entity_removal(store, e, own, dead, facts, gone)
    for c in episodes:
        if not any(f not in dead for f in _subjects(store, FIGURE_OF, c)):
            gone.update(store.quads_for_pattern(c, None, None, D))
    return gone, touched_events


def _entity_removal(store: ox.Store, e: ox.Term, own: set, dead: set, facts: set,
                    gone: set[ox.Quad]) -> None:
    """An entity goes when nothing that remains refers to it; a pattern-found name keeps
    only the labels remaining articles give it."""
    if e in facts:  # mentioned by a removed article: `dead` says whether others mention it
        mentioned = e not in dead
    else:
        mentioned = next(_objects(store, e, ATTESTED_BY), None) is not None
    referred = mentioned or any(
        s not in own and not str(s.value).startswith(_EVENT)  # events: via their reports
        for p in REFS for s in _subjects(store, p, e)
    ) or any(o not in dead for p in HOLDERS for o in _subjects(store, p, e))
    if not referred:
        gone.update(store.quads_for_pattern(e, None, None, D))
        return
    if next(_objects(store, e, PREF_LABEL), None) is not None:
        return  # a gazetteer entity: its description does not depend on the article
    live_atts = [att for att in _objects(store, e, ATTESTED_BY) if att not in own]
    labels = {label.value for att in live_atts for label in _objects(store, att, ENTITY_LABEL)}
    gone.update(q for q in store.quads_for_pattern(e, LABEL, None, D) if q.object.value not in labels)


def _shared_triples(store: ox.Store, node: ox.Term) -> Iterator[ox.Quad]:
    """The triples of a shared node (event, office, figure, entity) that an article's
    build writes: predicate by predicate, so the node's attestations by every other
    article (thousands for a much-reported event or a state) are never read."""
    for p in _VIEW_PREDICATES:
        yield from store.quads_for_pattern(node, p, None, D)


def article_view(store: ox.Store, article: ox.NamedNode) -> list[ox.Triple]:
    """Every triple the article's own build would write (its named graph), from the union."""
    own = own_nodes(store, [article])
    out: set[ox.Triple] = set()
    mine: dict[ox.Term, list[ox.Term]] = {}  # fact -> this article's attestations of it
    entities: set[ox.Term] = set()
    episodes: set[ox.Term] = set()
    for x in own:
        if _own_triples(store, x, lambda q: out.add(q.triple), entities.add):
            for q in store.quads_for_pattern(None, ATTESTED_BY, x, D):
                out.add(q.triple)
                mine.setdefault(q.subject, []).append(x)
    for f, atts in mine.items():
        if _is_entity(f):
            entities.add(f)
            continue
        for q in _shared_triples(store, f):
            p = q.predicate
            if p in ROLES and not any(ox.Quad(att, p, q.object, D) in store for att in atts):
                continue
            out.add(q.triple)
            if p in HOLDERS:
                entities.add(q.object)
            elif p == FIGURE_OF:
                episodes.add(q.object)
    for e in entities:
        gazetteer = next(_objects(store, e, PREF_LABEL), None) is not None
        labels = None if gazetteer else {
            label.value for att in mine.get(e, ()) for label in _objects(store, att, ENTITY_LABEL)}
        out.update(q.triple for q in _shared_triples(store, e)
                   if labels is None or q.predicate != LABEL or q.object.value in labels)
    for c in episodes:
        out.update(q.triple for q in store.quads_for_pattern(c, None, None, D))
    return sorted(out, key=str)
