"""Store stage: reading a store (or a graph file) like any rdflib graph, and exporting it.

`open_graph(path)` returns an `rdflib.Graph` for a graph file (rdflib's in-memory store)
or for a store directory (read-only, queried by Oxigraph's SPARQL engine), so every command
that takes a graph takes a store too. Why Oxigraph: bench/README.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from oxrdflib.store import OxigraphStore
from rdflib import Graph, Literal
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD

from kg.errors import KgError
from kg.export import atomic_file
from kg.graph import iris
from kg.graph.build import MERGE_GRAPH, bind_prefixes
from kg.store.articles import DERIVED, article_view
from kg.store.db import DIGEST, open_store, read_digests

_OX_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
}
_QUAD_SUFFIXES = {".trig", ".nq"}
_XSD_STRING = str(XSD.string)


class _Store(OxigraphStore):
    """oxrdflib's store, giving plain literals back as rdflib makes them.

    Oxigraph returns `"x"` as `"x"^^xsd:string` (the same literal in RDF 1.1), and rdflib
    compares the two as different: `Literal("x") != Literal("x", datatype=XSD.string)`.
    Code written against graphs parsed from Turtle (`sh:in` lists in SHACL, `==` in the
    pages) expects the plain form, so pattern reads and query rows are normalised.
    """

    def triples(self, triple_pattern: Any, context: Any = None) -> Any:  # noqa: D102
        for (s, p, o), ctx in super().triples(triple_pattern, context):
            yield (s, p, _plain(o)), ctx

    def query(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        result = super().query(*args, **kwargs)
        if result.type == "SELECT":
            rows = result.bindings
            result.bindings = ({v: _plain(t) for v, t in row.items()} for row in rows)  # type: ignore[union-attr]
        return result


def _plain(term: Any) -> Any:
    if (
        type(term) is Literal
        and term.datatype is not None
        and str.__eq__(term.datatype, _XSD_STRING)
    ):
        return Literal(str(term))
    return term


def open_store_graph(path: str | Path) -> Graph:
    """A read-only `rdflib.Graph` over a kg store: the union of its article graphs.

    Queries given as strings run in Oxigraph (20-100x faster than rdflib's engine);
    triple patterns (`graph.value`, `graph.objects`) work as on any rdflib Graph.
    """
    store = _Store(store=open_store(path, read_only=True))
    graph = Graph(store=store, identifier=DATASET_DEFAULT_GRAPH_ID)
    bind_prefixes(graph)
    return graph


def read_into_memory(path: str | Path) -> Graph:
    """The union of a store as an rdflib in-memory Graph, for code that walks the whole
    graph triple by triple (pyshacl: `kg validate`), which is slow through a store."""
    store = open_store(path, read_only=True)
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
    graph = Graph()
    graph.parse(data=data.decode("utf-8"), format="nt")
    bind_prefixes(graph)
    return graph


def open_graph(path: str | Path) -> Graph:
    """Open a graph file (Turtle, N-Triples, TriG, N-Quads, JSON-LD) or a kg store directory.

    Example:
        >>> g = open_graph("out/store")        # doctest: +SKIP
        >>> run_query(g, "timeline")           # doctest: +SKIP

    Raises:
        QueryError: a file that is missing or cannot be parsed.
        StoreError: a directory that is not a kg store.
    """
    p = Path(path)
    if p.is_dir():
        return open_store_graph(p)
    from kg.query import load_graph

    return load_graph(p)


def export_store(path: str | Path, output: Path) -> int:
    """Write a store as one file; the suffix picks the format, as for `kg build -o`.

    `.trig`/`.nq` hold one named graph per article (recovered from the union by
    `kg.store.articles.article_view`, with its digest triple) and the `merge` graph, like
    `kg build -o x.trig`; `.ttl`, `.nt` and `.jsonld` hold the union. Writes are atomic.

    Returns:
        The number of triples (union) or quads written.
    """
    fmt = _OX_FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise KgError(
            f"{output}: unknown output format; use one of {', '.join(sorted(_OX_FORMATS))}"
        )
    store = open_store(path, read_only=True)
    kwargs: dict[str, Any] = {}
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        kwargs["prefixes"] = {p: str(ns) for p, ns in _prefixes().items()}
    counter = _Counter()
    with atomic_file(output) as fh:
        items: Iterable[ox.Quad | ox.Triple]
        if output.suffix.lower() in _QUAD_SUFFIXES:
            items = article_quads(store)
        else:
            items = (q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        ox.serialize(counter.count(items), fh, fmt, **kwargs)
    return counter.n


def article_graphs(store: ox.Store, held: Mapping[str, str] | None = None
                   ) -> Iterator[tuple[str, str, list[ox.Triple] | None]]:
    """(graph IRI, digest, triples) for each article, as recovered from the union, then for
    the `merge` graph of derived facts (merge reasons, per-actor counts) when there are
    any; its digest is that of the article digests it derives from. What `kg export
    x.trig` writes and `kg push` sends. A graph whose digest `held` already maps it to
    (a server has it) comes with None: its triples are not recovered."""
    digests = read_digests(store)
    held = held or {}
    for graph, h in sorted(digests.items()):
        same = held.get(graph) == h
        yield graph, h, None if same else article_view(store, ox.NamedNode(str(iris.article_of_graph(graph))))
    text = "\n".join(f"{g} {d}" for g, d in sorted(digests.items()))
    h = hashlib.sha256(text.encode()).hexdigest()
    if held.get(str(MERGE_GRAPH)) == h:
        yield str(MERGE_GRAPH), h, None
        return
    derived = [q.triple for p in DERIVED for q in store.quads_for_pattern(None, p, None, ox.DefaultGraph())]
    if derived:
        yield str(MERGE_GRAPH), h, derived


def article_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """The store as one named graph per article (with its digest triple) plus the `merge`
    graph (`article_graphs`)."""
    digest = ox.NamedNode(DIGEST)
    for graph, h, triples in article_graphs(store):
        g = ox.NamedNode(graph)
        if graph != str(MERGE_GRAPH):
            yield ox.Quad(g, digest, ox.Literal(h), g)
        for t in triples or ():  # never None: nothing is held here
            yield ox.Quad(t.subject, t.predicate, t.object, g)


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def count(self, items: Iterable[Any]) -> Iterable[Any]:
        for item in items:
            self.n += 1
            yield item


def _prefixes() -> dict[str, Any]:
    g = Graph(bind_namespaces="none")
    bind_prefixes(g)
    return dict(g.namespaces())
