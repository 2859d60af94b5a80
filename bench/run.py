"""Scale benchmark (not a test): build synthetic corpora into a kg store and time it.

For each corpus size N it reports: the floor (read every article + one regex pass), the
build with 1 and with all cores (articles/s, per core, ratio to the floor), triples/s
into the store, peak memory (writer and workers), store size on disk, the re-run of the
same build (must change nothing), and the latency of the timeline (first 100 by date),
ceasefires and per-actor count queries on the store, plus a per-stage breakdown.

Every build and every query set runs in a fresh process, so peak memory and cold-open
times are honest. Results go to WORK/results.json and a Markdown table to stdout.

Usage:
    python bench/run.py --sizes 1000 10000 --jobs 1 2
    nohup python bench/run.py --sizes 100000 --jobs 2 > bench-100k.log 2>&1 &
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
QUERIES = {
    "timeline-100": BENCH / "queries" / "timeline_first100.rq",
    "ceasefires": ROOT / "queries" / "ceasefires.rq",
    "actor-counts": BENCH / "queries" / "actor_counts.rq",
    "timeline (all)": ROOT / "queries" / "timeline.rq",
}
FAST = ("timeline-100", "ceasefires", "actor-counts")
_WORD = re.compile(r"\w+")


def ensure_corpus(n: int, work: Path) -> Path:
    """The corpus of `n` articles under `work` (generated once, deterministic)."""
    out = work / f"corpus-{n}"
    if not out.is_dir() or sum(1 for _ in out.glob("*.txt")) != n:
        sys.path.insert(0, str(BENCH))
        from make_corpus import write_corpus

        write_corpus(n, out)
    return out


def floor(corpus: Path) -> float:
    """Seconds to read every article and run one regex (`\\w+`) over it: the floor."""
    t = time.perf_counter()
    words = 0
    for path in sorted(corpus.glob("*.txt")):
        words += len(_WORD.findall(path.read_bytes().decode("utf-8")))
    return time.perf_counter() - t


def child(args: list[str]) -> dict:
    """Run this script in a fresh process and return the JSON it prints last."""
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process so far: all threads, and RocksDB's own background
    threads (compaction and flushes, named `rocksdb:*` by RocksDB on Linux)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    rocks = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path("/proc/self/task").glob("*"):
        try:
            if (task / "comm").read_text().startswith("rocksdb"):
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                rocks += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return ru.ru_utime + ru.ru_stime, rocks


def child_build(corpus: str, store: str, jobs: int) -> dict:
    """In a fresh process: build the store, report time, loads and peak memory."""
    import kg.scale
    from kg.scale import build_store

    t = time.perf_counter()
    marks: list[tuple[int, float, float, float]] = []  # is the rate steady as the store grows?

    class Recording(kg.scale.Progress):
        def update(self, n: int = 1) -> None:
            super().update(n)
            if self.done * 10 // max(self.total, 1) > len(marks) - 1 or self.done == self.total:
                marks.append((self.done, time.perf_counter() - t, *cpu_seconds()))

    kg.scale.Progress = Recording  # type: ignore[misc]  # the bench watches, the build is as shipped
    report = build_store([corpus], store, jobs=jobs, quiet=True)
    wall = time.perf_counter() - t
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": wall,
        "load_seconds": report.load_seconds,
        "optimize_seconds": report.optimize_seconds,
        "triples": report.quads,
        "added": report.added,
        "replaced": report.replaced,
        "unchanged": report.unchanged,
        "skipped": len(report.skipped),
        "rss_writer_mb": me,
        "rss_worker_mb": kids if jobs > 1 else 0.0,
        "marks": marks,
        "end_pass_seconds": wall - (marks[-1][1] if marks else 0.0) - report.optimize_seconds,
        "cpu_seconds": cpu_seconds(),
    }


FULL_TIMELINE_MAX = 20000  # above this many articles the unbounded timeline is skipped


def child_queries(store: str, runs: int = 3, articles: int = 0) -> dict:
    """In a fresh process: open the store and time each query (first run, then median).
    The whole timeline (every event, no limit) only runs up to `FULL_TIMELINE_MAX`
    articles: its output grows with the corpus and it is not a latency target."""
    from kg.query import run_query
    from kg.store import open_graph

    t = time.perf_counter()
    graph = open_graph(store)
    out: dict = {"open": time.perf_counter() - t}
    for name, path in QUERIES.items():
        if name not in FAST and articles > FULL_TIMELINE_MAX:
            continue
        times, rows = [], 0
        for _ in range(runs + 1 if name in FAST else 1):  # the whole timeline: once
            t = time.perf_counter()
            rows = len(run_query(graph, str(path))[1])
            times.append(time.perf_counter() - t)
        out[name] = {"first": times[0], "median": statistics.median(times[1:] or times), "rows": rows}
    return out


def child_stages(corpus: str, n: int) -> dict:
    """In a fresh process: ms per article of each stage, serial, on the first `n` articles."""
    import pyoxigraph as ox

    from kg.graph.build import article_triples
    from kg.ingest.read import read_article
    from kg.pipeline import extract_article, load_rules

    rules = load_rules()
    paths = sorted(Path(corpus).glob("*.txt"))[:n]
    spent = dict.fromkeys(("read", "extract", "graph (N-Triples text)", "store load"), 0.0)
    texts = []
    for p in paths:
        t0 = time.perf_counter()
        article = read_article(p, rules.dates)
        t1 = time.perf_counter()
        ex = extract_article(article, rules)
        t2 = time.perf_counter()
        texts.append(article_triples(ex, rules.gazetteer, rules.episodes).ntriples())
        t3 = time.perf_counter()
        spent["read"] += t1 - t0
        spent["extract"] += t2 - t1
        spent["graph (N-Triples text)"] += t3 - t2
    with tempfile.TemporaryDirectory() as tmp:
        store = ox.Store(tmp)
        t = time.perf_counter()
        for i in range(0, len(texts), 100):
            store.bulk_load("".join(texts[i : i + 100]).encode(), format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        spent["store load"] = time.perf_counter() - t
        del store
    quads = sum(x.count("\n") for x in texts)
    return {
        "articles": len(paths),
        "ms_per_article": {k: v / len(paths) * 1000 for k, v in spent.items()},
        "triples_per_article": quads / len(paths),
    }


def machine() -> dict:
    """nproc, memory, CPU model, Python and library versions."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (
            int(line.split()[1]) // 1024 // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    import pyoxigraph
    import rdflib

    return {
        "nproc": os.cpu_count(),
        "mem_gb": mem,
        "cpu": cpu,
        "python": platform.python_version(),
        "pyoxigraph": pyoxigraph.__version__,
        "rdflib": rdflib.__version__,
        "load_avg_at_start": os.getloadavg(),
    }


def bench_size(n: int, jobs_list: list[int], work: Path, stages: int) -> dict:
    """Everything for one corpus size."""
    corpus = ensure_corpus(n, work)
    res: dict = {"articles": n, "floor_s": floor(corpus), "builds": []}
    store = work / f"store-{n}"
    for jobs in jobs_list:
        shutil.rmtree(store, ignore_errors=True)
        b = child(["--child-build", str(corpus), str(store), str(jobs)])
        b["jobs"] = jobs
        res["builds"].append(b)
        print(f"  N={n} jobs={jobs}: {b['seconds']:.1f} s", file=sys.stderr, flush=True)
    rerun = child(["--child-build", str(corpus), str(store), str(max(jobs_list))])
    res["rerun"] = rerun
    from kg.store import store_stats

    stats = store_stats(store)
    res["store"] = {
        "articles": stats.articles,
        "quads": stats.quads,
        "disk_mb": stats.disk_bytes / 1e6,
    }
    res["queries"] = child(["--child-queries", str(store), str(n)])
    if stages:
        res["stages"] = child(["--child-stages", str(corpus), str(min(stages, n))])
    return res


def table(results: list[dict]) -> str:
    """The Markdown table of the README."""
    head = (
        "| articles | jobs | build s | articles/s | per core | floor s | build / floor | triples into store /s "
        "| peak RSS writer + workers | store on disk | re-run s (added/replaced) | timeline-100 | ceasefires | actor counts |"
    )
    lines = [head, "|" + "---:|" * 14]
    for r in results:
        q = r["queries"]
        for b in r["builds"]:
            rate = r["articles"] / b["seconds"]
            tps = b["triples"] / b["load_seconds"] if b["load_seconds"] else 0
            rss = f"{b['rss_writer_mb']:.0f} MB" + (
                f" + {b['jobs']} x {b['rss_worker_mb']:.0f} MB" if b["jobs"] > 1 else ""
            )
            rr = r["rerun"]
            lines.append(
                f"| {r['articles']:,} | {b['jobs']} | {b['seconds']:.1f} | {rate:.1f} | {rate / b['jobs']:.1f} "
                f"| {r['floor_s']:.2f} | {b['seconds'] / r['floor_s']:.0f}x | {tps:,.0f} | {rss} "
                f"| {r['store']['disk_mb']:.0f} MB | {rr['seconds']:.1f} ({rr['added']}/{rr['replaced']}) "
                f"| {q['timeline-100']['median']:.3f} s | {q['ceasefires']['median']:.3f} s | {q['actor-counts']['median']:.3f} s |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0].startswith("--child-"):
        fn = {
            "--child-build": lambda a: child_build(a[0], a[1], int(a[2])),
            "--child-queries": lambda a: child_queries(a[0], articles=int(a[1]) if len(a) > 1 else 0),
            "--child-stages": lambda a: child_stages(a[0], int(a[1])),
        }[argv[0]]
        print(json.dumps(fn(argv[1:])))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, os.cpu_count() or 1])
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "kg-bench")
    ap.add_argument(
        "--stages", type=int, default=200, help="articles for the per-stage breakdown (0: skip)"
    )
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    out = {"machine": machine(), "results": []}
    for n in args.sizes:
        out["results"].append(bench_size(n, args.jobs, args.work, args.stages))
        (args.work / "results.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out["machine"]))
    print(table(out["results"]))
    for r in out["results"]:
        for b in r["builds"]:
            if len(b.get("marks", ())) > 1:
                steps = [(m0, m1) for m0, m1 in zip(b["marks"], b["marks"][1:]) if m1[1] > m0[1]]
                rates = " ".join(f"{(m1[0] - m0[0]) / (m1[1] - m0[1]):.0f}" for m0, m1 in steps)
                cpu = " ".join(f"{(m1[2] - m0[2]) / (m1[0] - m0[0]) * 1000:.0f}/{(m1[3] - m0[3]) / (m1[0] - m0[0]) * 1000:.0f}"
                               for m0, m1 in steps)
                print(f"\nN={r['articles']} jobs={b['jobs']}: articles/s by tenth of the corpus: {rates}; "
                      f"writer CPU ms/article (of which RocksDB background threads): {cpu}; "
                      f"after the last article is extracted: last load, merge reasons and counts {b['end_pass_seconds']:.1f} s, "
                      f"compaction {b['optimize_seconds']:.1f} s")
        if "stages" in r:
            ms = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"]["ms_per_article"].items())
            print(
                f"\nstages (ms/article, N={r['articles']}, {r['stages']['triples_per_article']:.0f} triples/article): {ms}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
