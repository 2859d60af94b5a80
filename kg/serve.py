"""`kg serve`: a read-only SPARQL endpoint (`/query`, SPARQL 1.1 Protocol) and a query page
(`/`) over a kg store, standard library only (issue "Scale", item 5).

Query text from the page is echoed back escaped (`html.escape`) and results are rendered
as escaped table cells; nothing from the store or the request becomes markup.
"""

from __future__ import annotations

import html

import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox

from kg.query import query_text
from kg.remote import RESULTS_JSON
from kg.store.db import open_store

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>kg SPARQL</title>
<style>body{{font:14px sans-serif;margin:1.5em}}textarea{{width:100%;height:14em;font:13px monospace}}
table{{border-collapse:collapse;margin-top:1em}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left;
vertical-align:top}}th{{background:#eee}}.err{{color:#a00;white-space:pre-wrap}}</style></head><body>
<h1>kg SPARQL endpoint</h1><p>Store <code>{store}</code>, read-only. Machines: <code>/query</code>
(SPARQL 1.1 Protocol; JSON, CSV, TSV or XML results). The default graph is the union of the articles.</p>
<form method="get" action="/"><textarea name="query">{query}</textarea><br>
<button type="submit">Run</button></form>{result}</body></html>"""
_FORMATS = {
    "json": (ox.QueryResultsFormat.JSON, RESULTS_JSON),
    "csv": (ox.QueryResultsFormat.CSV, "text/csv"),
    "tsv": (ox.QueryResultsFormat.TSV, "text/tab-separated-values"),
    "xml": (ox.QueryResultsFormat.XML, "application/sparql-results+xml"),
}
_PAGE_ROWS = 1000


class _Handler(BaseHTTPRequestHandler):
    """SPARQL Protocol (query only) and the HTML query page over one read-only store."""

    store: ox.Store
    store_name: str
    server_version = "kg-serve"

    def log_message(self, fmt: str, *args: Any) -> None:  # noqa: D102 - quiet by default
        pass

    def do_GET(self) -> None:  # noqa: N802, D102
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query)
        if url.path == "/query":
            self._query(params.get("query", [""])[0], params.get("format", [""])[0])
        elif url.path == "/":
            self._page(params.get("query", [""])[0])
        else:
            self._send(404, b"not found\n", "text/plain")

    def do_POST(self) -> None:  # noqa: N802, D102
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
        ctype = self.headers.get("Content-Type", "")
        if urllib.parse.urlsplit(self.path).path != "/query":
            self._send(
                404 if "update" not in self.path else 403,
                b"read-only endpoint: /query only\n",
                "text/plain",
            )
        elif ctype.startswith("application/sparql-query"):
            self._query(body, "")
        else:
            self._query(urllib.parse.parse_qs(body).get("query", [""])[0], "")

    def _query(self, text: str, fmt: str) -> None:
        if not text.strip():
            self._send(400, b"missing query\n", "text/plain")
            return
        try:
            result = self.store.query(text)
        except (SyntaxError, ValueError, OSError) as exc:
            self._send(400, f"{exc}\n".encode(), "text/plain")
            return
        if isinstance(result, ox.QueryTriples):
            self._send(
                200,
                ox.serialize(result, None, ox.RdfFormat.N_TRIPLES) or b"",
                "application/n-triples",
            )
            return
        accept = self.headers.get("Accept", "")
        key = fmt or next((k for k, (_, mime) in _FORMATS.items() if mime in accept), "json")
        rfmt, mime = _FORMATS.get(key, _FORMATS["json"])
        self._send(200, result.serialize(None, rfmt) or b"", mime)

    def _page(self, text: str) -> None:
        text = text or query_text("timeline")
        result = ""
        if self.path != "/":
            try:
                result = _html_table(self.store.query(text))
            except (SyntaxError, ValueError, OSError) as exc:
                result = f'<p class="err">{html.escape(str(exc))}</p>'
        page = _PAGE.format(
            store=html.escape(self.store_name), query=html.escape(text), result=result
        )
        self._send(200, page.encode("utf-8"), "text/html; charset=utf-8")

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _html_table(result: Any) -> str:
    if isinstance(result, ox.QueryBoolean):
        return f"<p>{bool(result)}</p>"
    if isinstance(result, ox.QueryTriples):
        rows: Iterator[list[Any]] = ([t.subject, t.predicate, t.object] for t in result)
        cols = ["subject", "predicate", "object"]
    else:
        cols = [v.value for v in result.variables]
        rows = (list(s) for s in result)
    out = ["<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr>"]
    n = 0
    for row in rows:
        if n == _PAGE_ROWS:
            out.append(f"<tr><td colspan='{len(cols)}'>... more rows; use /query for all</td></tr>")
            break
        out.append(
            "<tr>"
            + "".join(f"<td>{'' if v is None else html.escape(v.value)}</td>" for v in row)
            + "</tr>"
        )
        n += 1
    return "".join(out) + f"</table><p>{n} row(s)</p>"


def make_server(
    store_dir: str | Path, host: str = "127.0.0.1", port: int = 7878
) -> ThreadingHTTPServer:
    """A read-only SPARQL endpoint over a store (port 0 picks a free port).

    Example:
        >>> server = make_server("out/store", port=0)   # doctest: +SKIP
        >>> server.serve_forever()                      # doctest: +SKIP
    """
    handler = type(
        "Handler",
        (_Handler,),
        {"store": open_store(store_dir, read_only=True), "store_name": str(store_dir)},
    )
    return ThreadingHTTPServer((host, port), handler)
