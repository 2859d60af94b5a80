"""Query stage: load a graph, run named queries from `queries/` or any `.rq` file.

User values reach SPARQL only as bound variables (`initBindings`), never pasted into
the query text (issue 5 item 4).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.util import guess_format

from kg.errors import QueryError
from kg.graph.build import bind_prefixes

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"


def load_graph(path: str | Path) -> Graph:
    """Parse a graph file (Turtle, N-Triples, TriG, N-Quads, JSON-LD by suffix) into a Graph.

    Quad formats are flattened into one graph (their named graphs are kept by `load_dataset`).

    Raises:
        QueryError: the file is missing or cannot be parsed.
    """
    p = Path(path)
    if not p.is_file():
        raise QueryError(str(p), "graph file not found; build one with `kg build`")
    fmt = guess_format(str(p)) or "turtle"
    try:
        if fmt in ("trig", "nquads"):
            ds = Dataset()
            ds.parse(str(p), format=fmt)
            g = Graph()
            for q in ds.quads((None, None, None, None)):
                g.add(q[:3])
        else:
            g = Graph()
            g.parse(str(p), format=fmt)
    except Exception as exc:  # rdflib raises many parser-specific types
        raise QueryError(str(p), f"cannot parse as {fmt}: {exc}") from None
    bind_prefixes(g)
    return g


def list_queries() -> list[str]:
    """Names of the queries shipped in `queries/`."""
    return sorted(p.stem for p in QUERIES_DIR.glob("*.rq"))


def query_text(name_or_file: str) -> str:
    """The SPARQL text of a named query (`timeline`) or of a `.rq` file path."""
    p = Path(name_or_file)
    if p.suffix == ".rq" and p.is_file():
        return p.read_text(encoding="utf-8")
    named = QUERIES_DIR / f"{name_or_file}.rq"
    if named.is_file():
        return named.read_text(encoding="utf-8")
    raise QueryError(name_or_file, f"no such query; known: {', '.join(list_queries())}")


def run_query(graph: Graph, name_or_file: str, bindings: dict | None = None) -> tuple[list[str], list[dict]]:
    """Run a query; returns (column names, rows as dicts of python values or None).

    Args:
        graph: the graph to query.
        name_or_file: a query name from `queries/` or a path to a `.rq` file.
        bindings: values for query variables, bound safely (never spliced into text).
    """
    text = query_text(name_or_file)
    try:
        result = graph.query(text, initBindings=bindings or {})
    except Exception as exc:
        raise QueryError(name_or_file, str(exc)) from None
    cols = [str(v) for v in result.vars]
    rows = [{c: (None if row[i] is None else row[i].toPython()) for i, c in enumerate(cols)} for row in result]
    return cols, rows


def format_rows(cols: list[str], rows: list[dict], fmt: str = "table") -> str:
    """Render rows as an aligned text table, CSV or JSON."""
    def cell(v: object) -> str:
        return "" if v is None else str(v)

    if fmt == "json":
        return json.dumps([{c: (cell(r[c]) if r[c] is not None else None) for c in cols} for r in rows],
                          ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        w.writerows([[cell(r[c]) for c in cols] for r in rows])
        return buf.getvalue()
    widths = {c: min(60, max([len(c)] + [len(cell(r[c])) for r in rows])) for c in cols}
    lines = ["  ".join(c.ljust(widths[c]) for c in cols), "  ".join("-" * widths[c] for c in cols)]
    for r in rows:
        lines.append("  ".join(cell(r[c])[:60].ljust(widths[c]) for c in cols))
    lines.append(f"({len(rows)} rows)")
    return "\n".join(lines)
