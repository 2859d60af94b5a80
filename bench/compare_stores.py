"""Store choice by measurement (not a test): the same articles in three stores.

1. rdflib's in-memory Dataset (what `kg build -o x.ttl` builds), queried by rdflib;
2. rdflib's API on an in-memory Oxigraph (oxrdflib), queried by Oxigraph;
3. the on-disk kg store (pyoxigraph, RocksDB), read through `kg.store.open_graph`.

Reports build/load time, the graph's memory and the latency of the benchmark queries.

Usage:
    python bench/compare_stores.py --corpus /tmp/kg-bench/corpus-1000 --articles 200
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the benchmark queries are defined once, in run.py
from run import QUERIES as _ALL_QUERIES  # noqa: E402

QUERIES = {k: v for k, v in _ALL_QUERIES.items() if k != "timeline (all)"}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _time_queries(graph) -> dict:
    from kg.query import run_query

    out = {}
    for name, path in QUERIES.items():
        times = []
        for _ in range(3):
            t = time.perf_counter()
            run_query(graph, str(path))
            times.append(time.perf_counter() - t)
        out[name] = statistics.median(times)
    return out


def run(kind: str, files: list[str]) -> dict:
    """One store kind, in this (fresh) process."""
    from rdflib import Graph

    from kg.pipeline import build_dataset, load_rules, union

    rules = load_rules()
    base = _rss_mb()
    t = time.perf_counter()
    if kind == "rdflib-memory":
        graph = union(build_dataset(files, rules))
    elif kind == "oxrdflib-memory":
        from kg.ingest.read import read_article
        from kg.pipeline import extract_article
        from kg.scale import extraction_ntriples

        text = "".join(
            extraction_ntriples(extract_article(read_article(Path(f), rules.dates), rules), rules)[0]
            for f in files
        )
        graph = Graph(store="Oxigraph")
        graph.parse(data=text, format="ox-nt")
    else:
        from kg.scale import build_store
        from kg.store import open_graph

        tmp = tempfile.mkdtemp()
        build_store(files, tmp, rules=rules, quiet=True)
        graph = open_graph(tmp)
    built = time.perf_counter() - t
    return {
        "kind": kind,
        "build_s": built,
        "triples": len(graph),
        "rss_growth_mb": _rss_mb() - base,
        "queries_s": _time_queries(graph),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        files = [str(p) for p in sorted(Path(argv[2]).glob("*.txt"))[: int(argv[3])]]
        print(json.dumps(run(argv[1], files)))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--articles", type=int, default=200)
    args = ap.parse_args(argv)
    print(
        f"| store ({args.articles} articles) | build s | triples | graph memory | timeline-100 | ceasefires | actor counts |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in ("rdflib-memory", "oxrdflib-memory", "kg-store-on-disk"):
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(args.corpus), str(args.articles)],
            capture_output=True,
            text=True,
        )
        if out.returncode:
            print(out.stderr, file=sys.stderr)
            return 1
        r = json.loads(out.stdout.strip().splitlines()[-1])
        q = r["queries_s"]
        print(
            f"| {kind} | {r['build_s']:.1f} | {r['triples']:,} | {r['rss_growth_mb']:.0f} MB "
            f"| {q['timeline-100']:.3f} s | {q['ceasefires']:.3f} s | {q['actor-counts']:.3f} s |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
