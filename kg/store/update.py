"""Store stage: changing a store: dropping articles exactly, recomputing merge reasons.

Used by `kg build --store` (replaced and pruned articles) and `kg remove`.
"""
from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from kg.graph import iris
from kg.graph.build import merge_reason
from kg.graph.vocab import KG
from kg.store.articles import D, EVENT_COUNT, EVENT_TYPE, MERGE_REASON, ROLES, removal
from kg.store.db import DIGEST, MANIFEST, batches, checked_iris, open_store, read_digests

_KG = "PREFIX kg: <https://w3id.org/kg-conflict/ontology#>\n"
SCOPE = 1000  # events (or actors) per query when recomputing derived facts
_ROWS_OF = _KG + """SELECT ?event ?type ?date ?id WHERE { VALUES ?event { %s }
  ?event kg:eventType ?type ; kg:attestedBy ?att . ?att kg:inArticle ?a . ?a kg:articleId ?id
  OPTIONAL { ?event kg:date ?date } }"""
_MERGED_IN = _KG + """SELECT ?event WHERE { VALUES ?event { %s }
  ?event kg:attestedBy ?att . ?att kg:inArticle ?a } GROUP BY ?event HAVING (COUNT(DISTINCT ?a) > 1)"""


def drop_articles(store: ox.Store, graphs: Iterable[str], per_update: int = 32) -> set[str]:
    """Remove articles (by graph IRI) from the store: their own triples, the shared ones
    nothing else supports (`kg.store.articles.removal`) and their manifest entries.
    Each batch of `per_update` articles is one atomic SPARQL Update.

    Returns:
        The events whose attestations changed and their actors (for `refresh_merges` and
        `refresh_counts`, which ignore IRIs that are not theirs).
    """
    touched: set[str] = set()
    for batch in batches(graphs, per_update):
        checked_iris(batch)
        articles = [ox.NamedNode(str(iris.article_of_graph(g))) for g in batch]
        gone, events = removal(store, articles)
        touched |= events
        touched |= actors_of(store, events)  # their counts may change
        body = " .\n".join(str(q.triple) for q in gone)
        digests = " .\n".join(f"<{g}> <{DIGEST}> {q.object}" for g in batch for q in
                              store.quads_for_pattern(ox.NamedNode(g), ox.NamedNode(DIGEST), None,
                                                      ox.NamedNode(MANIFEST)))
        store.update(f"DELETE DATA {{ {body} {' .' if body else ''} "
                     f"GRAPH <{MANIFEST}> {{ {digests} }} }}")
    return touched


def refresh_merges(store: ox.Store, events: Iterable[str] | None = None) -> int:
    """Recompute `kg:mergeReason` (why reports were merged, as
    `kg.graph.build.record_merges` writes it for one build) for every event reported by
    several articles, or only for `events` (those whose articles changed).

    Returns:
        The number of reasons written.
    """
    if events is None:  # every event, read lazily: memory bounded by one scope
        _drop_all(store, MERGE_REASON)
        scopes = batches((q.subject.value for q in store.quads_for_pattern(None, EVENT_TYPE, None, D)),
                         SCOPE)
    else:
        scopes = batches(sorted(events), SCOPE)
    written = 0
    for scope in scopes:
        seen: dict[str, set[str]] = {}
        facts: dict[str, tuple[str, str]] = {}
        merged = [row[0].value for row in store.query(_MERGED_IN % checked_iris(scope))]  # type: ignore[index, union-attr]
        rows = store.query(_ROWS_OF % checked_iris(merged)) if merged else ()
        for row in rows:  # type: ignore[union-attr]
            event = row["event"].value  # type: ignore[index]
            seen.setdefault(event, set()).add(row["id"].value)  # type: ignore[index]
            date = row["date"].value if row["date"] is not None else "None"  # type: ignore[index]
            facts[event] = (row["type"].value, date)  # type: ignore[index]
        lines = [f"<{event}> <{KG.mergeReason}> {ox.Literal(merge_reason(*facts[event], articles))} .\n"
                 for event, articles in sorted(seen.items()) if len(articles) > 1]
        written += _rewrite(store, MERGE_REASON, scope if events is not None else (), lines)
    return written


def _drop_all(store: ox.Store, predicate: ox.NamedNode, per_update: int = 10_000) -> None:
    """Delete every `predicate` triple of the default graph, a bounded batch at a time
    (one `DELETE WHERE` would hold all of them in memory at once)."""
    pattern = store.quads_for_pattern(None, predicate, None, D)  # a snapshot: safe to write meanwhile
    while chunk := list(islice(pattern, per_update)):
        store.update("DELETE DATA { " + " .\n".join(str(q.triple) for q in chunk) + " }")


def _rewrite(store: ox.Store, predicate: ox.NamedNode, subjects: Iterable[str], lines: list[str]) -> int:
    """Replace the derived `predicate` triples of `subjects` with `lines` (N-Triples)."""
    for s in subjects:
        for q in list(store.quads_for_pattern(ox.NamedNode(s), predicate, None, ox.DefaultGraph())):
            store.remove(q)
    if lines:
        store.load("".join(lines), format=ox.RdfFormat.N_TRIPLES)
    return len(lines)


# An event has one type (its IRI is keyed by it) and a store holds each triple once, so
# COUNT(?e) counts distinct events with one counter per actor, where COUNT(DISTINCT ?e)
# would hold every event of every actor in memory (~1 GB at 100k articles). Types first:
# Oxigraph keeps the written order here, and starting from kg:actor (attestations carry
# roles too) is 5x slower.
_COUNTS = _KG + """SELECT ?x (COUNT(?e) AS ?n) WHERE { %s
  ?e kg:eventType ?t . ?e kg:actor ?x MINUS { ?e kg:status ?s } } GROUP BY ?x"""
_ACTOR = ROLES[0]


def actors_of(store: ox.Store, events: Iterable[str]) -> set[str]:
    """The actors of the given events (IRIs)."""
    return {q.object.value for e in events
            for q in store.quads_for_pattern(ox.NamedNode(e), _ACTOR, None, ox.DefaultGraph())}


def refresh_counts(store: ox.Store, actors: Iterable[str] | None = None) -> int:
    """Recompute `kg:eventCount` (asserted events per actor, as
    `kg.graph.build.record_counts` writes it) for every actor, or only for `actors`.

    Returns:
        The number of counts written.
    """
    if actors is None:
        _drop_all(store, EVENT_COUNT)
        scopes: Iterable[list[str] | None] = [None]
    else:
        scopes = batches(sorted(actors), SCOPE)
    written = 0
    for scope in scopes:
        values = "" if scope is None else f"VALUES ?x {{ {checked_iris(scope)} }}"
        lines = [f"{row['x']} <{KG.eventCount}> {row['n']} .\n"  # type: ignore[index]
                 for row in store.query(_COUNTS % values)]  # type: ignore[union-attr]
        written += _rewrite(store, EVENT_COUNT, scope or (), lines)
    return written


def remove_articles(path: str | Path, article_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Drop articles from a store exactly (`drop_articles`), then their merge reasons.

    Returns:
        (removed ids, ids that were not in the store).
    """
    store = open_store(path)
    known = read_digests(store)
    removed: list[str] = []
    missing: list[str] = []
    for article_id in article_ids:
        (removed if str(iris.graph_iri(article_id)) in known else missing).append(article_id)
    touched = drop_articles(store, [str(iris.graph_iri(a)) for a in removed])
    if touched:
        refresh_merges(store, touched)
        refresh_counts(store, touched)
    store.flush()
    return removed, missing
