"""Store stage: changing a store: dropping articles exactly, recomputing merge reasons.

Used by `kg build --store` (replaced and pruned articles) and `kg remove`.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.graph import iris
from kg.graph.build import merge_reason
from kg.graph.vocab import KG
from kg.store.articles import EVENT_COUNT, MERGE_REASON, ROLES, removal
from kg.store.db import DIGEST, MANIFEST, batches, checked_iris, open_store, read_digests

_KG = "PREFIX kg: <https://w3id.org/kg-conflict/ontology#>\n"
_MERGED = _KG + """SELECT ?event WHERE {
  ?event kg:eventType ?t ; kg:attestedBy ?att . ?att kg:inArticle ?a
} GROUP BY ?event HAVING (COUNT(DISTINCT ?a) > 1)"""
_ROWS_OF = _KG + """SELECT ?event ?type ?date ?id WHERE { VALUES ?event { %s }
  ?event kg:eventType ?type ; kg:attestedBy ?att . ?att kg:inArticle ?a . ?a kg:articleId ?id
  OPTIONAL { ?event kg:date ?date } }"""


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
    if events is None:
        store.update(_KG + "DELETE WHERE { ?event kg:mergeReason ?r }")
        scopes = batches([row[0].value for row in store.query(_MERGED)])  # type: ignore[index, union-attr]
    else:
        scopes = batches(sorted(events))
    written = 0
    for scope in scopes:
        seen: dict[str, set[str]] = {}
        facts: dict[str, tuple[str, str]] = {}
        for row in store.query(_ROWS_OF % checked_iris(scope)):  # type: ignore[union-attr]
            event = row["event"].value  # type: ignore[index]
            seen.setdefault(event, set()).add(row["id"].value)  # type: ignore[index]
            date = row["date"].value if row["date"] is not None else "None"  # type: ignore[index]
            facts[event] = (row["type"].value, date)  # type: ignore[index]
        lines = [f"<{event}> <{KG.mergeReason}> {ox.Literal(merge_reason(*facts[event], articles))} .\n"
                 for event, articles in sorted(seen.items()) if len(articles) > 1]
        written += _rewrite(store, MERGE_REASON, scope if events is not None else (), lines)
    return written


def _rewrite(store: ox.Store, predicate: ox.NamedNode, subjects: Iterable[str], lines: list[str]) -> int:
    """Replace the derived `predicate` triples of `subjects` with `lines` (N-Triples)."""
    for s in subjects:
        for q in list(store.quads_for_pattern(ox.NamedNode(s), predicate, None, ox.DefaultGraph())):
            store.remove(q)
    if lines:
        store.load("".join(lines), format=ox.RdfFormat.N_TRIPLES)
    return len(lines)


_COUNTS = _KG + """SELECT ?x (COUNT(DISTINCT ?e) AS ?n) WHERE { %s
  ?e kg:actor ?x ; kg:eventType ?t . MINUS { ?e kg:status ?s } } GROUP BY ?x"""
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
        store.update(_KG + "DELETE WHERE { ?x kg:eventCount ?n }")
        scopes: Iterable[list[str] | None] = [None]
    else:
        scopes = batches(sorted(actors))
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
