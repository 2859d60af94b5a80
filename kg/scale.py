"""Scale: incremental, parallel, streaming builds into a kg store (issue "Scale", items 3-4).

    inputs ─► jobs (path, publication date, digest already in the store)
           ─► workers (processes; rules loaded once each): read, hash, skip if unchanged,
              extract, write the article's triples as N-Triples text
           ─► one writer: drop the facts of changed articles (exactly, kg.store.update),
              bulk-load the new text into the union in batches of ~`FLUSH_BYTES`, then the
              batch's digests (one transaction); at the end, merge reasons and a compaction

Memory is bounded by the batches in flight, not by the corpus. An article's triples are
exactly what `kg.graph.build.article_triples` writes (the same code as `kg build -o`); each
is stored once, in the default graph (layout: kg.store.db).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from itertools import islice
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from kg.errors import ArticleError
from kg.graph import iris
from kg.graph.build import article_triples
from kg.ingest.read import read_article
from kg.model import Extraction
from kg.pipeline import BuildReport, Rules, extract_article, iter_inputs, load_rules
from kg.store.articles import D
from kg.store.db import digest_quads, open_store, read_digests, read_rules_key, write_rules_key
from kg.progress import Progress, count_inputs
from kg.store.update import actors_of, drop_articles, refresh_counts, refresh_merges

FLUSH_BYTES = 32 * 1024 * 1024
BATCH = 16
OPTIMIZE_MIN = 200
TOUCHED_MAX = 200_000  # events remembered for a scoped refresh; beyond, one pass over all
SEEN_BITS = 1 << 27  # a 16 MB bit set of event hashes: which events a build has seen


@dataclass(frozen=True, slots=True)
class Job:
    """One article to build: its file, publication date from metadata, digest in the store."""

    path: str
    published: str | None
    known: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a worker did with one article; `ntriples` is None when nothing is to be written."""

    article_id: str
    path: str
    digest: str = ""
    ntriples: str | None = None
    quads: int = 0
    notes: tuple[str, ...] = ()
    error: str | None = None
    events: frozenset[str] = frozenset()


@dataclass
class StoreReport:
    """What `build_store` did. Lists hold only what needs a message (skips, notes)."""

    store: str
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    pruned: int = 0
    quads: int = 0
    seconds: float = 0.0
    load_seconds: float = 0.0
    optimize_seconds: float = 0.0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def built(self) -> int:
        """Articles whose facts were (re)written: new plus changed."""
        return self.added + self.replaced

    def summary(self) -> str:
        """One line for stderr."""
        rate = self.built / self.seconds if self.seconds else 0.0
        return (
            f"store {self.store}: {self.added} added, {self.replaced} replaced, {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped, {self.pruned} pruned; {self.quads} triples written "
            f"in {self.seconds:.1f} s ({rate:.0f} articles/s)"
        )


def rules_key() -> str:
    """sha256 of the rule data and the kg version: part of every article digest, so a
    change of rules rebuilds every article (its old facts could be wrong)."""
    from kg import __version__

    h = hashlib.sha256(__version__.encode())
    root = files("kg") / "lexicons"
    stack = [root]
    entries = []
    while stack:
        for item in stack.pop().iterdir():
            if item.is_dir():
                stack.append(item)
            elif item.name.endswith((".yaml", ".yml")):
                entries.append((str(item).replace(str(root), ""), item.read_bytes()))
    for name, data in sorted(entries):
        h.update(name.encode() + b"\0" + data)
    return h.hexdigest()


def content_digest(data: bytes, published: str | None, key: str) -> str:
    """Digest of one article's input: rules key, publication date from metadata, bytes."""
    h = hashlib.sha256(key.encode())
    h.update(b"\0" + (published or "").encode() + b"\0")
    h.update(data)
    return h.hexdigest()


def extraction_ntriples(ex: Extraction, rules: Rules) -> tuple[str, int, frozenset[str]]:
    """One article's facts as N-Triples, for the store's default graph (the union).

    Returns:
        (text, number of triples, IRIs of the events it describes).
    """
    t = article_triples(ex, rules.gazetteer, rules.episodes)
    return t.ntriples(), len(t.lines), t.events


def extract_job(job: Job, rules: Rules, key: str) -> Outcome:
    """Read, hash and (unless unchanged) extract one article. Never raises for one article."""
    path = Path(job.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Outcome(path.stem, job.path, error=f"cannot read: {exc.strerror or exc}")
    digest = content_digest(data, job.published, key)
    if digest == job.known:
        return Outcome(path.stem, job.path, digest)
    try:
        article = read_article(path, rules.dates, published=job.published)
        text, n, events = extraction_ntriples(extract_article(article, rules), rules)
    except ArticleError as exc:
        return Outcome(path.stem, job.path, digest, error=exc.reason)
    except Exception as exc:  # noqa: BLE001 - one bad article must not stop a million
        return Outcome(
            path.stem,
            job.path,
            digest,
            error=f"internal error, please report: {type(exc).__name__}: {exc}",
        )
    return Outcome(article.id, job.path, digest, text, n, article.notes, events=events)


_ARTICLE_ID = ox.NamedNode("https://w3id.org/kg-conflict/ontology#articleId")
_WORKER: dict[str, Any] = {}  # per worker process: the rules and key, set once by _init_worker


def _init_worker(rules: Rules | None, key: str) -> None:
    _WORKER["rules"] = rules if rules is not None else load_rules()
    _WORKER["key"] = key


def _run_batch(jobs: list[Job]) -> list[Outcome]:
    return [extract_job(job, _WORKER["rules"], _WORKER["key"]) for job in jobs]


@contextmanager
def worker_pool(workers: int, rules: Rules, key: str) -> Iterator[ProcessPoolExecutor | None]:
    """Started worker processes (None for one worker), each with the rules loaded once.

    Start it before opening a store: the workers are forked from a process that holds no
    database handle or database threads.
    """
    if workers <= 1:
        yield None
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    inherit = rules if ctx.get_start_method() == "fork" else None  # fork shares them for free
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(inherit, key)
    ) as pool:
        for f in [pool.submit(_run_batch, []) for _ in range(workers)]:
            f.result()
        yield pool


def extract_parallel(
    jobs: Iterable[Job],
    rules: Rules,
    key: str,
    pool: ProcessPoolExecutor | None,
    batch: int = BATCH,
) -> Iterator[Outcome]:
    """Outcomes of `jobs` in completion order, from the pool's processes (at most three
    batches per worker in flight) or, without a pool, from this process."""
    if pool is None:
        for job in jobs:
            yield extract_job(job, rules, key)
        return
    limit = 3 * pool._max_workers  # type: ignore[attr-defined]  # noqa: SLF001 - the pool's own size
    pending: set[Future[list[Outcome]]] = set()
    it = iter(jobs)
    while chunk := list(islice(it, batch)):
        pending.add(pool.submit(_run_batch, chunk))
        if len(pending) >= limit:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                yield from f.result()
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for f in done:
            yield from f.result()


class _Writer:
    """The single writer. Per flush: drop the articles being replaced (exactly, one SPARQL
    Update per batch), bulk-load the new facts into the union (fast, not atomic), then add
    their digests to the manifest (atomic). An article whose load was interrupted has no
    digest; the next build finds its facts and replaces them.

    Flushes run one at a time on a background thread: Oxigraph releases the GIL while it
    loads, so extraction (or receiving from the workers) goes on meanwhile; at most one
    batch is loading while the next one fills."""

    def __init__(self, store: ox.Store, report: StoreReport, fresh: bool = False):
        self.store, self.report = store, report
        self.chunks: list[str] = []
        self.digests: list[tuple[str, str]] = []
        self.drop: list[str] = []
        self.events: set[str] | None = set()  # whose merge reasons may change; None: all
        self.size = 0
        self.loader = ThreadPoolExecutor(1, thread_name_prefix="kg-store-load")
        self.pending: Future[set[str]] | None = None
        # Into an empty store only events reported by two articles of this build can get
        # a merge reason: remember those, not every event (kept: events whose bit was set).
        self.seen = bytearray(SEEN_BITS // 8) if fresh else None

    def put(self, outcome: Outcome, replaces: bool) -> None:
        assert outcome.ntriples is not None
        gid = str(iris.graph_iri(outcome.article_id))
        if replaces or self._leftover(outcome.article_id):
            self.drop.append(gid)
        self.chunks.append(outcome.ntriples)
        self.touch(outcome.events if self.seen is None else self._repeated(outcome.events))
        self.digests.append((gid, outcome.digest))
        self.size += len(outcome.ntriples)
        if self.size >= FLUSH_BYTES:
            self.flush(wait=False)

    def touch(self, events: Iterable[str]) -> None:
        """Remember events whose derived facts may change, up to `TOUCHED_MAX` (a build
        that touches more refreshes every event, in bounded scopes, at the end)."""
        if self.events is not None:
            self.events.update(events)
            if len(self.events) > TOUCHED_MAX:
                self.events = None

    def _repeated(self, events: Iterable[str]) -> list[str]:
        """The events an earlier article of this build may also have reported: one bit per
        event hash, so a collision only adds a candidate (its reason is computed from the
        store, like any other)."""
        seen, out = self.seen, []
        assert seen is not None
        for event in events:
            h = hash(event) & (SEEN_BITS - 1)
            byte, bit = h >> 3, 1 << (h & 7)
            if seen[byte] & bit:
                out.append(event)
            else:
                seen[byte] |= bit
        return out

    def _leftover(self, article_id: str) -> bool:
        """Facts of an article without a digest: a load that was interrupted."""
        art = ox.NamedNode(str(iris.article_iri(article_id)))
        return ox.Quad(art, _ARTICLE_ID, ox.Literal(article_id), D) in self.store

    def flush(self, wait: bool = True) -> None:
        """Hand the batch to the loader (after the previous one is done); with `wait`,
        return only when everything handed over is in the store."""
        self._settle()
        if self.drop or self.chunks:
            batch = (self.drop, "".join(self.chunks).encode("utf-8"), self.digests)
            self.pending = self.loader.submit(self._load, *batch)
        self.chunks, self.digests, self.drop, self.size = [], [], [], 0
        if wait:
            self._settle()

    def _settle(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self.touch(pending.result())  # re-raises the loader's error here

    def _load(self, drop: list[str], data: bytes, digests: list[tuple[str, str]]) -> set[str]:
        t = time.perf_counter()
        touched = drop_articles(self.store, drop) if drop else set()
        if data:
            self.store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
            self.store.load(digest_quads(digests), format=ox.RdfFormat.N_QUADS)
        self.report.load_seconds += time.perf_counter() - t
        return touched

    def close(self) -> None:
        """Load what is left and stop the loader thread."""
        try:
            self.flush()
        finally:
            self.loader.shutdown(wait=True)


def _record(outcome: Outcome, known: dict[str, str], writer: _Writer, report: StoreReport,
            cleared: frozenset[str] = frozenset()) -> None:
    """Count one outcome and hand its facts to the writer; `cleared` articles (the store
    was emptied for them) count as replaced but have nothing left to drop."""
    gid = str(iris.graph_iri(outcome.article_id))
    if outcome.error is not None:
        stale = bool(outcome.digest) and gid in known
        if stale:  # the article changed and can no longer be used: its old facts go
            writer.drop.append(gid)
            report.replaced += 1
        report.skipped.append(
            (outcome.path, outcome.error + ("; its previous facts were removed" if stale else ""))
        )
    elif outcome.ntriples is None:
        report.unchanged += 1
    else:
        replaces = gid in known or gid in cleared
        report.replaced += replaces
        report.added += not replaces
        report.quads += outcome.quads
        report.notes.extend((outcome.path, n) for n in outcome.notes)
        writer.put(outcome, replaces and gid not in cleared)


def _clear_if_rules_changed(store: ox.Store, known: dict[str, str], key: str,
                            inputs: list[str], report: StoreReport) -> frozenset[str]:
    """After a change of rules every article must be rebuilt. When the inputs hold every
    article of the store, emptying it first is exact and far cheaper than replacing each
    article's facts one by one (~65 ms each); otherwise articles are replaced as usual.

    Returns:
        The graph IRIs of the articles that were cleared (empty when nothing was).
    """
    stored = read_rules_key(store)
    if not known or stored is None or stored == key:
        return frozenset()
    ids = {str(iris.graph_iri(path.stem)) for path, _ in iter_inputs(inputs, BuildReport([], [], []))}
    if not set(known) <= ids:
        return frozenset()
    store.clear()
    report.notes.append((str(report.store), f"the rules changed since this store was built: "
                                            f"its {len(known)} articles are rebuilt from scratch"))
    return frozenset(known)


def _refresh_derived(store: ox.Store, events: set[str] | None, fresh: bool,
                     report: StoreReport, progress: Progress) -> None:
    """Bring merge reasons and per-actor counts up to date after a build: into an empty
    store, reasons for the events seen twice; when most of the store was written (or
    too many events were touched to remember), every event; else the touched ones."""
    if fresh and events is not None:
        progress.stage("merge reasons and per-actor event counts")
        refresh_merges(store, events)
        refresh_counts(store)
    elif events is None or (report.built and report.built >= report.unchanged):
        progress.stage("merge reasons and per-actor event counts, over the whole store")
        refresh_merges(store)
        refresh_counts(store)
    elif events:
        progress.stage("merge reasons and per-actor event counts")
        refresh_merges(store, events)
        refresh_counts(store, events | actors_of(store, events))


def build_store(
    inputs: Iterable[str | Path],
    store_dir: str | Path,
    jobs: int = 1,
    quiet: bool = False,
    *,
    force: bool = False,
    prune: bool = False,
    rules: Rules | None = None,
    progress_stream: IO[str] | None = None,
) -> StoreReport:
    """Build (or update) a kg store from article files and directories.

    Re-running adds only new or changed articles (by content digest, which includes the
    rules); a changed article's graph is replaced, never duplicated.

    Args:
        inputs: article files and/or directories of `*.txt` (as for `kg build`).
        store_dir: the store directory; created when missing or empty.
        jobs: worker processes for extraction (1: all in this process).
        quiet: no progress bar (it is also off when stderr is not a terminal).
        force: rebuild every article even if unchanged.
        prune: also drop the articles in the store that are not among the inputs.
        rules: compiled rules (loaded when not given).
        progress_stream: where the bar goes (default stderr).

    Returns:
        A `StoreReport` (counts, skipped articles with reasons, notes).

    Raises:
        StoreError: the store cannot be created or is locked by another writer.
        LexiconError: the rule data is invalid.
    """
    t0 = time.perf_counter()
    inputs = [str(p) for p in inputs]
    rules = rules or load_rules()
    key = rules_key()
    report = StoreReport(str(store_dir))
    stream = progress_stream or sys.stderr
    progress = Progress(count_inputs(inputs), enabled=not quiet and stream.isatty(), stream=stream)
    with worker_pool(max(1, jobs), rules, key) as pool:
        store = open_store(store_dir, create=True)
        known = read_digests(store)
        listing = BuildReport([], [], [])
        cleared = _clear_if_rules_changed(store, known, key, inputs, report)
        if cleared:
            known = {}
        present = set(known) if prune else set()

        def job_stream() -> Iterator[Job]:
            for path, meta in iter_inputs(inputs, listing):
                gid = str(iris.graph_iri(path.stem))
                present.discard(gid)
                pub = str(meta["published"]) if meta.get("published") else None
                yield Job(str(path), pub, None if force else known.get(gid))

        fresh = next(store.quads_for_pattern(None, None, None, D), None) is None  # no facts yet
        writer = _Writer(store, report, fresh)
        try:
            for outcome in extract_parallel(job_stream(), rules, key, pool):
                progress.update()
                _record(outcome, known, writer, report, cleared)
        finally:
            writer.close()
        write_rules_key(store, key)
    progress.close()
    if present:
        progress.stage(f"removing {len(present)} articles no longer among the inputs")
    writer.touch(drop_articles(store, sorted(present)))
    report.pruned = len(present)
    _refresh_derived(store, writer.events, fresh, report, progress)
    store.flush()
    if report.built >= max(OPTIMIZE_MIN, report.unchanged // 3):  # a big load: compact, for
        progress.stage("compacting the store")
        t = time.perf_counter()  # 3-4x faster queries (many bulk-loaded files -> few)
        store.optimize()
        report.optimize_seconds = time.perf_counter() - t
    report.skipped[:0] = listing.skipped
    report.notes[:0] = listing.notes
    report.seconds = time.perf_counter() - t0
    return report
