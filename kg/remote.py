"""Beyond one machine: push a graph to any SPARQL 1.1 server and query it (`kg serve`,
the local endpoint, is `kg.serve`).

- `push` loads a store (or a graph file) into a server, one named graph per article, by
  the Graph Store Protocol (`PUT ?graph=`) or SPARQL Update (`INSERT DATA`); a store's
  article graphs are recovered from its union (`kg.store.articles.article_view`). It
  also keeps the server's default graph as the union of the article graphs, so
  the contract queries run there unchanged and fast, whatever the server's "union default
  graph" setting. Articles whose digest the server already holds are skipped.
- `query_endpoint` runs a named query or `.rq` file over HTTP (SPARQL 1.1 Protocol) and
  returns the same rows as `kg.query.run_query`.

Plain urllib, no SPARQLWrapper. Issue "Scale", item 5.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from kg.errors import KgError
from kg.graph.build import MERGE_GRAPH
from kg.query import query_text
from kg.store.db import DIGEST, checked_iris, is_store, open_store
from kg.store.read import article_graphs

# on a server, each article is a named graph holding its digest triple (kg push)
DIGEST_QUERY = f"SELECT ?g ?h WHERE {{ GRAPH ?g {{ ?g <{DIGEST}> ?h }} }}"


def drop_update(graphs: list[str]) -> str:
    """SPARQL Update dropping article graphs from a server and, from its default graph
    (the union), the triples that no other named graph holds. Standard SPARQL 1.1.

    Graph IRIs come from `kg.graph.iris` (slugs), never from input text; they are checked.
    """
    ops = []
    for g in checked_iris(graphs).split():
        ops.append(
            f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {g} {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != {g}) }} }}"
        )
        ops.append(f"DROP SILENT GRAPH {g}")
    return " ;\n".join(ops)

# server kind -> (query path, update path, Graph Store path, content type) under the base URL
SERVERS = {
    "oxigraph": ("/query", "/update", "/store", "application/n-triples"),
    "fuseki": ("/query", "/update", "/data", "application/n-triples"),
    "graphdb": ("", "/statements", "/rdf-graphs/service", "application/n-triples"),
    "virtuoso": ("/sparql", "/sparql", "/sparql-graph-crud", "text/turtle"),
    "qlever": ("", "", None, "application/n-triples"),
}
RESULTS_JSON = "application/sparql-results+json"
UPDATE_BYTES = 4 * 1024 * 1024


class RemoteError(KgError):
    """An HTTP request to a SPARQL server failed."""

    def __init__(self, url: str, reason: str):
        """Keep the URL and the reason apart for callers."""
        super().__init__(f"{url}: {reason}")
        self.url, self.reason = url, reason


@dataclass(frozen=True)
class Endpoint:
    """Where a server answers queries, updates and Graph Store requests."""

    query: str
    update: str
    store: str | None
    content_type: str = "application/n-triples"
    headers: tuple[tuple[str, str], ...] = ()


def endpoint_for(
    url: str,
    server: str = "oxigraph",
    *,
    update: str | None = None,
    store: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> Endpoint:
    """The endpoints of a server from its base URL and kind (see `SERVERS`).

    Example:
        >>> endpoint_for("http://127.0.0.1:7878").store
        'http://127.0.0.1:7878/store'
        >>> endpoint_for("http://localhost:3030/kg", "fuseki").update
        'http://localhost:3030/kg/update'
    """
    if server not in SERVERS:
        raise KgError(f"unknown server kind {server!r}; use one of {', '.join(SERVERS)}")
    q, u, s, ctype = SERVERS[server]
    base = url.rstrip("/")
    if q and base.endswith(q):
        base = base[: -len(q)]
    return Endpoint(
        base + q, update or base + u, store or (base + s if s is not None else None), ctype, headers
    )


def _http(
    method: str,
    url: str,
    ep: Endpoint,
    body: bytes | None = None,
    ctype: str | None = None,
    accept: str | None = None,
    timeout: float = 300,
) -> bytes:
    req = urllib.request.Request(url, data=body, method=method, headers=dict(ep.headers))
    if ctype:
        req.add_header("Content-Type", ctype)
    if accept:
        req.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the user's endpoint
            return resp.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace").strip()
        raise RemoteError(url, f"HTTP {exc.code}: {detail or exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise RemoteError(url, f"cannot connect: {getattr(exc, 'reason', exc)}") from None


def sparql_select(ep: Endpoint, text: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Run a SELECT query; returns (columns, rows of rdflib terms or None)."""
    body = urllib.parse.urlencode({"query": text}).encode()
    data = json.loads(
        _http("POST", ep.query, ep, body, "application/x-www-form-urlencoded", RESULTS_JSON)
    )
    cols = list(data["head"]["vars"])
    return cols, [
        {c: _term(b[c]) if c in b else None for c in cols} for b in data["results"]["bindings"]
    ]


def sparql_update(ep: Endpoint, text: str) -> None:
    """Send one SPARQL Update request."""
    _http("POST", ep.update, ep, text.encode("utf-8"), "application/sparql-update; charset=utf-8")


def _term(b: dict[str, str]) -> Any:
    if b["type"] == "uri":
        return URIRef(b["value"])
    if b["type"] == "bnode":
        return BNode(b["value"])
    return Literal(b["value"], lang=b.get("xml:lang"), datatype=b.get("datatype"))


def query_endpoint(
    ep: Endpoint, name_or_file: str, bindings: dict | None = None
) -> tuple[list[str], list[dict]]:
    """Run a named query (`timeline`) or a `.rq` file on a server; rows as in `run_query`.

    Bound values travel as a trailing `VALUES` block written by rdflib's term serialiser,
    never pasted into the query text.
    """
    text = query_text(name_or_file)
    if bindings:
        names = " ".join(f"?{str(v).lstrip('?')}" for v in bindings)
        values = " ".join(
            Literal(v).n3() if not hasattr(v, "n3") else v.n3() for v in bindings.values()
        )
        text += f"\nVALUES ({names}) {{ ({values}) }}\n"
    cols, rows = sparql_select(ep, text)
    return cols, [{c: None if r[c] is None else r[c].toPython() for c in cols} for r in rows]


def default_graph_hint(ep: Endpoint) -> str | None:
    """Why a query may find nothing: the server's default graph is empty but named graphs
    are not (the data was loaded by another tool); None when that is not the case."""
    try:
        full = sparql_select(ep, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")[1]
        named = sparql_select(ep, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1")[1]
    except RemoteError:
        return None
    if not full and named:
        return (
            "the server's default graph is empty but it has named graphs: push with `kg push` "
            "(it writes their union to the default graph) or enable the server's union default graph"
        )
    return None


@dataclass
class PushReport:
    """What `push` did."""

    pushed: int = 0
    articles: int = 0
    unchanged: int = 0
    triples: int = 0
    seconds: float = 0.0
    graphs: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for stderr."""
        return (
            f"pushed {self.pushed} graph(s) ({self.articles} article(s), {self.triples} triples), "
            f"{self.unchanged} unchanged, in {self.seconds:.1f} s"
        )


def _source(path: str | Path) -> tuple[ox.Store, bool]:
    """(the data, whether it is a kg store) for a store directory or a graph file."""
    p = Path(path)
    if p.is_dir() and is_store(p):
        return open_store(p, read_only=True), True
    if not p.is_file():
        raise KgError(f"{p}: not a kg store or a graph file")
    store = ox.Store()
    try:
        store.load(path=str(p))
    except (SyntaxError, ValueError, OSError) as exc:
        raise KgError(f"{p}: cannot read as RDF: {exc}") from None
    return store, False


def _nt(triples: Iterable[ox.Triple]) -> bytes:
    return "".join(f"{t} .\n" for t in triples).encode("utf-8")


def _graphs(store: ox.Store, is_kg_store: bool, held: dict[str, str]
            ) -> Iterator[tuple[str, str | None, bytes, bytes]]:
    """(graph IRI, digest, N-Triples with the digest triple, N-Triples of the facts) per
    named graph: articles as recovered from a store's union, then the `merge` graph.
    Graphs the server `held` with the same digest come without text (not recovered)."""
    if not is_kg_store:
        for g in sorted(n.value for n in store.named_graphs()):
            text = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(g)) or b""
            facts = b"".join(line for line in text.splitlines(keepends=True)
                             if f"<{DIGEST}>".encode() not in line)
            yield g, None, text, facts
        return
    for g, h, triples in article_graphs(store, held):
        if triples is None:
            yield g, h, b"", b""
            continue
        facts = _nt(triples)
        yield g, h, f'<{g}> <{DIGEST}> "{h}" .\n'.encode() + facts, facts


def push(
    source: str | Path, ep: Endpoint, method: str = "gsp", force: bool = False, progress: Any = None
) -> PushReport:
    """Load a store or graph file into a SPARQL server, one named graph per article.

    Args:
        source: a kg store directory or a graph file (.trig/.nq keep their named graphs).
        ep: the server (`endpoint_for`).
        method: "gsp" (Graph Store Protocol PUT per article) or "update" (batched
            SPARQL `INSERT DATA`); both drop a replaced article's triples from the union
            exactly (`kg.store.drop_update`).
        force: push every article even if the server holds the same digest.
        progress: an object with `update(n)` (e.g. `kg.progress.Progress`).

    Raises:
        RemoteError: the server refused a request or cannot be reached.
    """
    if method not in ("gsp", "update") or (method == "gsp" and not ep.store):
        raise KgError(
            f"push method {method!r} is not available for this server; use --method update"
        )
    t0 = time.perf_counter()
    (store, is_kg_store), report = _source(source), PushReport()
    if not is_kg_store and not any(True for _ in store.named_graphs()):
        facts = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
        _add_to_union(ep, method, facts)  # a plain graph file (.ttl): its triples are the union
        report.triples = facts.count(b"\n")
        report.seconds = time.perf_counter() - t0
        return report
    remote = {} if force else {str(r["g"]): str(r["h"]) for r in sparql_select(ep, DIGEST_QUERY)[1]}
    pending: list[str] = []
    size = 0
    for g, digest, text, facts in _graphs(store, is_kg_store, remote):
        if digest is not None and remote.get(g) == digest:
            report.unchanged += 1
            continue
        drop = f"{drop_update([g])} ;\n" if force or g in remote or digest is None else ""
        report.triples += text.count(b"\n")
        if method == "gsp":
            if drop:
                sparql_update(ep, drop[:-3])
            _http(
                "PUT",
                f"{ep.store}?graph={urllib.parse.quote(g, safe='')}",
                ep,
                text,
                ep.content_type,
            )
            _http("POST", f"{ep.store}?default", ep, facts, ep.content_type)
        else:
            pending.append(
                f"{drop}INSERT DATA {{ GRAPH <{g}> {{\n{text.decode()}}}\n{facts.decode()}}}"
            )
            size += 2 * len(text)
            if size >= UPDATE_BYTES:
                sparql_update(ep, " ;\n".join(pending))
                pending, size = [], 0
        report.pushed += 1
        report.articles += g != str(MERGE_GRAPH)
        if progress is not None:
            progress.update()
    if pending:
        sparql_update(ep, " ;\n".join(pending))
    report.seconds = time.perf_counter() - t0
    return report


def _add_to_union(ep: Endpoint, method: str, facts: bytes) -> None:
    if method == "gsp":
        _http("POST", f"{ep.store}?default", ep, facts, ep.content_type)
        return
    chunk: list[bytes] = []
    size = 0
    for line in facts.splitlines(keepends=True):
        chunk.append(line)
        size += len(line)
        if size >= UPDATE_BYTES:
            sparql_update(ep, "INSERT DATA {\n" + b"".join(chunk).decode() + "}")
            chunk, size = [], 0
    if chunk:
        sparql_update(ep, "INSERT DATA {\n" + b"".join(chunk).decode() + "}")
