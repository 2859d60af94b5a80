"""Query stage: load a graph, run named queries from `queries/` or any `.rq` file.

User values reach SPARQL only as bound variables (`initBindings`), never pasted into
the query text (issue 5 item 4); the one exception, the date window of `timeline_query`,
is parsed into `datetime.date` values first and written from them.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.util import guess_format

from kg.errors import KgError, QueryError
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
    return run_sparql(graph, query_text(name_or_file), bindings, name=name_or_file)


def run_sparql(graph: Graph, text: str, bindings: dict | None = None,
               name: str = "query") -> tuple[list[str], list[dict]]:
    """Run SPARQL text (see `run_query`); `name` says which query in errors."""
    try:
        result = graph.query(text, initBindings=bindings or {})
    except Exception as exc:
        raise QueryError(name, str(exc)) from None
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


def date_bound(text: str, *, upper: bool) -> dt.date:
    """'2020' -> 2020-01-01 (or 2020-12-31 when upper); '2020-02' -> 2020-02-01 / 2020-02-29.

    Raises:
        KgError: not YYYY, YYYY-MM or YYYY-MM-DD.
    """
    parts = text.strip().split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1 and len(parts[0]) == 4:
            return dt.date(year, 12, 31) if upper else dt.date(year, 1, 1)
        month = int(parts[1])
        if len(parts) == 2:
            if not upper:
                return dt.date(year, month, 1)
            nxt = dt.date(year + month // 12, month % 12 + 1, 1)
            return dt.date.fromordinal(nxt.toordinal() - 1)
        if len(parts) == 3:
            return dt.date(year, month, int(parts[2]))
    except (ValueError, IndexError):
        pass
    raise KgError(f"bad date {text!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")


_WINDOW_MARK = "    # (kg timeline --since/--until: date window)\n"


def timeline_query(since: str | None = None, until: str | None = None,
                   limit: int | None = None) -> str:
    """The `timeline` query, restricted to events whose dates overlap [since, until] and
    to the first `limit` rows. The window is applied before events are grouped and
    sorted, so a narrow window over a large store stays fast.

    Raises:
        KgError: a bad date or limit.
    """
    text = query_text("timeline")
    if since or until:
        lo = date_bound(since, upper=False) if since else dt.date.min
        hi = date_bound(until, upper=True) if until else dt.date.max
        xsd_date = "<http://www.w3.org/2001/XMLSchema#date>"
        window = (f"    ?event kg:earliest ?earliest ; kg:latest ?latest .\n"
                  f'    FILTER (?earliest <= "{hi.isoformat()}"^^{xsd_date} && ?latest >= "{lo.isoformat()}"^^{xsd_date})\n')
        if _WINDOW_MARK not in text:
            raise KgError("queries/timeline.rq has lost its date-window line")
        text = text.replace(_WINDOW_MARK, window)
    if limit is not None:
        if limit < 1:
            raise KgError(f"bad limit {limit}: expected a positive number")
        text += f"\nLIMIT {int(limit)}\n"
    return text


_FIRST_DAYS = """PREFIX kg: <https://w3id.org/kg-conflict/ontology#>
SELECT ?day WHERE {
  ?event kg:eventType ?type ; kg:earliest ?day . MINUS { ?event kg:status ?status }
} GROUP BY ?day ORDER BY ?day LIMIT %d"""


def timeline_rows(graph: Graph, since: str | None = None, until: str | None = None,
                  limit: int | None = None) -> tuple[list[str], list[dict]]:
    """Rows of the `timeline` query in a date window and/or only the first `limit`.

    With a limit and no upper bound, the first `limit` distinct days that have an event
    come first (a cheap grouped query); every one of the first `limit` events starts on
    or before the last of them, so it becomes the window's upper bound and the sort
    only sees those events. Same rows as the whole timeline cut at `limit`.
    """
    if limit is not None and not until:
        days = run_sparql(graph, _FIRST_DAYS % int(limit), name="timeline")[1]
        if len(days) == limit:
            until = str(days[-1]["day"])
    return run_sparql(graph, timeline_query(since, until, limit), name="timeline")

