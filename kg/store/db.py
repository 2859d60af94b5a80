"""Store stage: the store directory, its Oxigraph database and its manifest.

A kg store is a directory holding `kg-store.json` (what it is, which layout) and
`oxigraph/` (an Oxigraph RocksDB database, through pyoxigraph). Layout 2:

- the default graph holds every fact once: the union of what the articles say, plus the
  merge reasons. Queries read it, unchanged from a Turtle file's graph;
- the named graph `kgr:graph/manifest` holds one triple per article,
  `<graph IRI> schema:sha256 "<digest>"` (what it was built from), so a re-build skips
  unchanged articles, and the key of the rules of the last build (`kg:rulesKey`). What each article said is recovered exactly from the union
  (`kg.store.articles`), so `kg remove` and replacing a changed article are exact.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError
from kg.export import atomic_write
from kg.graph import iris
from kg.graph.vocab import KG

MARKER = "kg-store.json"
DATABASE = "oxigraph"
LAYOUT = 2
DIGEST = "https://schema.org/sha256"
MANIFEST = str(iris.DATA["graph/manifest"])
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
        StoreError: not a store, a non-empty directory that is not one, a store of another
            layout, or locked by a writer.
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
        atomic_write(root / MARKER, (json.dumps(info, indent=2) + "\n").encode("utf-8"))
    try:
        layout = json.loads((root / MARKER).read_text(encoding="utf-8")).get("layout")
    except (OSError, ValueError, AttributeError):
        raise StoreError(root, f"{MARKER} is unreadable; rebuild the store") from None
    if layout != LAYOUT:
        raise StoreError(root, f"store layout {layout}, this kg reads layout {LAYOUT}; "
                               "rebuild it with `kg build INPUT --store NEW_DIR`")
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


def read_digests(store: ox.Store) -> dict[str, str]:
    """Content digest of every article in the store, keyed by its graph IRI."""
    return {q.subject.value: q.object.value for q in store.quads_for_pattern(
        None, ox.NamedNode(DIGEST), None, ox.NamedNode(MANIFEST))}


RULES_KEY = str(KG.rulesKey)


def read_rules_key(store: ox.Store) -> str | None:
    """The rules key (`kg.scale.rules_key`) the store was last built with, if recorded."""
    found = next(store.quads_for_pattern(ox.NamedNode(MANIFEST), ox.NamedNode(RULES_KEY), None,
                                         ox.NamedNode(MANIFEST)), None)
    return found.object.value if found is not None else None


def write_rules_key(store: ox.Store, key: str) -> None:
    """Record the rules key of this build in the manifest."""
    m, p = ox.NamedNode(MANIFEST), ox.NamedNode(RULES_KEY)
    for q in list(store.quads_for_pattern(m, p, None, m)):
        store.remove(q)
    store.add(ox.Quad(m, p, ox.Literal(key), m))


def digest_quads(digests: Iterable[tuple[str, str]]) -> str:
    """Manifest entries as N-Quads text: (graph IRI, digest) pairs."""
    return "".join(f'<{g}> <{DIGEST}> "{h}" <{MANIFEST}> .\n' for g, h in digests)


def checked_iris(items: Iterable[str]) -> str:
    """IRIs for a SPARQL text, each one checked to be an IRI kg mints."""
    out = []
    for iri in items:
        if not _SAFE_IRI.fullmatch(iri):
            raise StoreError(iri, "not an IRI kg mints")
        out.append(f"<{iri}>")
    return " ".join(out)


def batches(items: Iterable[str], size: int = 500) -> Iterable[list[str]]:
    """`items` in lists of at most `size`."""
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class StoreStats:
    """Size of a store: articles, quads and bytes on disk."""

    articles: int
    quads: int
    disk_bytes: int


def store_stats(path: str | Path) -> StoreStats:
    """Count articles and quads and measure the store's size on disk."""
    store = open_store(path, read_only=True)
    return StoreStats(len(read_digests(store)), len(store), disk_size(path))


def disk_size(path: str | Path) -> int:
    """Bytes used by the files under `path`."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
