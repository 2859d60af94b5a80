"""Store stage: the persistent on-disk graph store and uniform reading of graphs.

A kg store is a directory holding `kg-store.json` (what it is) and `oxigraph/` (an
Oxigraph RocksDB database, through pyoxigraph). Two views of the same facts live in it:

- one named graph per article (`kg.graph.iris.graph_iri`): exactly what that article
  says, plus one manifest triple `<graph> schema:sha256 "<digest>"` (the content hash of
  what it was built from), so a re-build skips unchanged articles and `kg remove` drops
  exactly one article's facts (issue "Scale", item 3);
- the default graph: the union of the article graphs, each triple once. Queries read it.
  Querying the named graphs through Oxigraph's union mode instead repeats every shared
  triple (an entity's label) once per article and the joins explode (the roles query took
  31 s on the five seeds); the materialised union costs ~1.5x the index writes instead.

Removing an article graph deletes from the union only the triples no other article graph
holds (one SPARQL Update, `drop_update`), so the union stays exact.

`open_graph(path)` returns an `rdflib.Graph` for a graph file (rdflib's in-memory store,
as before) or for a store directory (read-only, queried by Oxigraph's SPARQL engine), so
every command that takes a graph takes a store too. Why Oxigraph: bench/README.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from oxrdflib.store import OxigraphStore
from rdflib import Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD

from kg.errors import KgError
from kg.graph import iris
from kg.graph.build import bind_prefixes, merge_reason

MARKER = "kg-store.json"
DATABASE = "oxigraph"
LAYOUT = 1
DIGEST = URIRef("https://schema.org/sha256")
DIGEST_QUERY = "SELECT ?g ?h WHERE { GRAPH ?g { ?g <https://schema.org/sha256> ?h } }"
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
_SAFE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\]*")


class StoreError(KgError):
    """A store that cannot be created, opened or written."""

    def __init__(self, path: str | Path, reason: str):
        """Keep the path and the reason apart for callers."""
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def is_store(path: str | Path) -> bool:
    """True when `path` is a kg store directory (it holds `kg-store.json`)."""
    return (Path(path) / MARKER).is_file()


def open_store(path: str | Path, *, create: bool = False, read_only: bool = False) -> ox.Store:
    """Open the Oxigraph database of a kg store.

    Args:
        path: the store directory.
        create: make the store if the directory is missing or empty.
        read_only: open for reading; works while another process writes.

    Raises:
        StoreError: not a store, a non-empty directory that is not one, or locked by a writer.
    """
    root = Path(path)
    if not is_store(root):
        if not create:
            raise StoreError(root, "not a kg store; create one with `kg build INPUT --store DIR`")
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise StoreError(root, "exists and is not a kg store; choose a new or empty directory")
        root.mkdir(parents=True, exist_ok=True)
        info = {
            "kind": "kg-store",
            "layout": LAYOUT,
            "engine": "oxigraph",
            "database": DATABASE,
            "pyoxigraph": getattr(ox, "__version__", "unknown"),
        }
        _atomic_text(root / MARKER, json.dumps(info, indent=2) + "\n")
    try:
        if read_only:
            return ox.Store.read_only(str(root / DATABASE))
        return ox.Store(str(root / DATABASE))
    except OSError as exc:
        if "lock" in str(exc).lower():
            raise StoreError(
                root, "another kg process is writing this store; wait for it to finish"
            ) from None
        raise StoreError(root, f"cannot open: {exc}") from None


def read_digests(store: ox.Store, articles_only: bool = True) -> dict[str, str]:
    """Content digest of every article graph in the store (and of the `merge` graph
    unless `articles_only`), keyed by graph IRI."""
    from kg.graph.build import MERGE_GRAPH

    found = {row["g"].value: row["h"].value for row in store.query(DIGEST_QUERY)}  # type: ignore[index, union-attr]
    if articles_only:
        found.pop(str(MERGE_GRAPH), None)
    return found


def drop_update(graphs: Iterable[str]) -> str:
    """SPARQL Update dropping article graphs and, from the default graph (the union), the
    triples that no other named graph holds. Standard SPARQL 1.1: runs on any server.

    Graph IRIs come from `kg.graph.iris` (slugs), never from input text; they are checked.
    """
    ops = []
    for g in graphs:
        if not _SAFE_IRI.fullmatch(g):
            raise StoreError(g, "not a graph IRI kg mints")
        ops.append(
            f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != <{g}>) }} }}"
        )
        ops.append(f"DROP SILENT GRAPH <{g}>")
    return " ;\n".join(ops)


def drop_graphs(store: ox.Store, graphs: Iterable[str], per_update: int = 64) -> None:
    """Drop article graphs from a store, keeping the union exact (see `drop_update`)."""
    batch: list[str] = []
    for g in graphs:
        batch.append(g)
        if len(batch) >= per_update:
            store.update(drop_update(batch))
            batch = []
    if batch:
        store.update(drop_update(batch))


def rebuild_union(path: str | Path) -> None:
    """Recompute the default graph (the union) from the article graphs, e.g. after a build
    was killed in the middle of a bulk load."""
    store = open_store(path)
    store.update(
        "CLEAR DEFAULT ; INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER (?p != <https://schema.org/sha256>) }"
    )
    store.flush()


_KG = "PREFIX kg: <https://w3id.org/kg-conflict/ontology#>\n"
MERGE_ROWS = (
    _KG
    + """SELECT ?event ?type ?date ?id WHERE {
  { SELECT ?event WHERE { GRAPH ?g { ?event kg:eventType ?t } }
    GROUP BY ?event HAVING (COUNT(DISTINCT ?g) > 1) }
  GRAPH ?g { ?event kg:eventType ?type } GRAPH ?g { ?a kg:articleId ?id }
  OPTIONAL { GRAPH ?g { ?event kg:date ?date } }
}"""
)
_ROWS_OF = (
    _KG
    + """SELECT ?event ?type ?date ?id WHERE { VALUES ?event { %s }
  GRAPH ?g { ?event kg:eventType ?type } GRAPH ?g { ?a kg:articleId ?id }
  OPTIONAL { GRAPH ?g { ?event kg:date ?date } } }"""
)
_EVENTS_OF = _KG + "SELECT DISTINCT ?e WHERE { VALUES ?g { %s } GRAPH ?g { ?e kg:eventType ?t } }"
_UNMERGE = (
    _KG
    + """DELETE { GRAPH <%s> { ?event kg:mergeReason ?r } ?event kg:mergeReason ?r }
WHERE { VALUES ?event { %s } GRAPH <%s> { ?event kg:mergeReason ?r } }"""
)


def _iris(items: Iterable[str]) -> str:
    out = []
    for iri in items:
        if not _SAFE_IRI.fullmatch(iri):
            raise StoreError(iri, "not an IRI kg mints")
        out.append(f"<{iri}>")
    return " ".join(out)


def _batches(items: Iterable[str], size: int = 500) -> Iterable[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def graph_events(store: ox.Store, graphs: Iterable[str]) -> set[str]:
    """The events that some of the given article graphs attest."""
    found: set[str] = set()
    for batch in _batches(graphs):
        found.update(row[0].value for row in store.query(_EVENTS_OF % _iris(batch)))  # type: ignore[index, union-attr]
    return found


def refresh_merges(store: ox.Store, events: Iterable[str] | None = None) -> int:
    """Recompute the `merge` graph (why reports were merged, as
    `kg.graph.build.record_merges` writes it for one build): for every event, or only for
    `events` (those whose articles changed). Returns the number of reasons written."""
    from kg.graph.build import MERGE_GRAPH
    from kg.graph.vocab import KG

    merge = str(MERGE_GRAPH)
    if events is None:
        scopes: list[list[str] | None] = [None]
        drop_graphs(store, [merge])
    else:
        scopes = list(_batches(sorted(events)))
    written = 0
    for scope in scopes:
        rows = store.query(MERGE_ROWS if scope is None else _ROWS_OF % _iris(scope))
        seen: dict[str, set[str]] = {}
        facts: dict[str, tuple[str, str]] = {}
        for row in rows:  # type: ignore[union-attr]
            event = row["event"].value  # type: ignore[index]
            seen.setdefault(event, set()).add(row["id"].value)  # type: ignore[index]
            date = row["date"].value if row["date"] is not None else "None"  # type: ignore[index]
            facts[event] = (row["type"].value, date)  # type: ignore[index]
        if scope is not None:
            store.update(_UNMERGE % (merge, _iris(scope), merge))
        lines = []
        for event, articles in sorted(seen.items()):
            if len(articles) > 1:
                reason = merge_reason(*facts[event], articles)
                lines.append(f"<{event}> <{KG.mergeReason}> {ox.Literal(reason)}")
        if lines:
            g = f" <{merge}> .\n"
            store.load(g.join(lines) + g + " .\n".join(lines) + " .\n", format=ox.RdfFormat.N_QUADS)
        written += len(lines)
    _stamp_merges(store, merge)
    return written


def _stamp_merges(store: ox.Store, merge: str) -> None:
    """The merge graph's digest: of the article digests it derives from (for `kg push`)."""
    store.update(f"DELETE WHERE {{ GRAPH <{merge}> {{ <{merge}> <{DIGEST}> ?h }} }}")
    if not any(True for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(merge))):
        return
    articles = "\n".join(f"{g} {h}" for g, h in sorted(read_digests(store).items()))
    digest = hashlib.sha256(articles.encode()).hexdigest()
    store.load(f'<{merge}> <{DIGEST}> "{digest}" <{merge}> .\n', format=ox.RdfFormat.N_QUADS)


def remove_articles(path: str | Path, article_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Drop each article's named graph and the union triples only it held.

    Returns:
        (removed ids, ids that were not in the store).
    """
    store = open_store(path)
    removed: list[str] = []
    missing: list[str] = []
    for article_id in article_ids:
        graph = str(iris.graph_iri(article_id))
        (removed if store.contains_named_graph(ox.NamedNode(graph)) else missing).append(article_id)
    graphs = [str(iris.graph_iri(a)) for a in removed]
    events = graph_events(store, graphs)
    drop_graphs(store, graphs)
    if removed:
        refresh_merges(store, events)
    store.flush()
    return removed, missing


@dataclass(frozen=True)
class StoreStats:
    """Size of a store: article graphs, quads and bytes on disk."""

    articles: int
    quads: int
    disk_bytes: int


def store_stats(path: str | Path) -> StoreStats:
    """Count article graphs and quads and measure the store's size on disk."""
    store = open_store(path, read_only=True)
    articles = len(read_digests(store))
    quads = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)  # type: ignore[arg-type, index]
    named = int(
        next(
            iter(
                store.query(  # type: ignore[arg-type]
                    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
                )
            )
        )["n"].value
    )  # type: ignore[index]
    return StoreStats(articles, quads + named, disk_size(path))


def disk_size(path: str | Path) -> int:
    """Bytes used by the files under `path`."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


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

    `.trig`/`.nq` hold one named graph per article (with its digest triple), like
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
    with _atomic_file(output) as fh:
        items: Iterable[ox.Quad | ox.Triple]
        if output.suffix.lower() in _QUAD_SUFFIXES:
            everything = store.quads_for_pattern(None, None, None, None)
            items = (q for q in everything if not isinstance(q.graph_name, ox.DefaultGraph))
        else:
            items = (q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        ox.serialize(counter.count(items), fh, fmt, **kwargs)
    return counter.n


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


class _atomic_file:  # noqa: N801 - used as a context manager, named like open()
    """Binary file written through a temporary file in the target directory, then renamed."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> Any:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        self.fh = os.fdopen(fd, "wb")
        return self.fh

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self.fh.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            Path(self.tmp).unlink(missing_ok=True)


def _atomic_text(path: Path, text: str) -> None:
    with _atomic_file(path) as fh:
        fh.write(text.encode("utf-8"))
