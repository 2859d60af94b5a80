"""Export stage: write a graph or dataset in Turtle, N-Triples, TriG, N-Quads or JSON-LD.

Every write is atomic (temporary file in the target directory, then rename), so an
interrupted run never leaves a truncated graph (issue 5 item 3). Turtle output is sorted
so that two builds of the same corpus diff line by line (issue 4 item 6).
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from rdflib import Dataset, Graph

from kg.errors import KgError

FORMATS = {".ttl": "turtle", ".nt": "nt", ".trig": "trig", ".nq": "nquads", ".jsonld": "json-ld", ".json": "json-ld"}
QUAD_FORMATS = {"trig", "nquads"}


def format_for(path: Path) -> str:
    """The rdflib format name for an output path, by suffix.

    Raises:
        KgError: unknown suffix.
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise KgError(f"{path}: unknown output format; use one of {', '.join(sorted(FORMATS))}")
    return fmt


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A binary file that appears at `path` only when the block ends without an error:
    written through a temporary file in the same directory, synced, then renamed; an
    ordinary file (0666 less the umask), not mkstemp's 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (`atomic_file`)."""
    with atomic_file(path) as fh:
        fh.write(data)


def serialise(graph: Graph | Dataset, fmt: str) -> bytes:
    """Serialise deterministically: N-Triples/N-Quads lines are sorted; Turtle is rdflib's
    sorted writer."""
    data = graph.serialize(format=fmt, encoding="utf-8")
    if fmt in ("nt", "nquads"):
        lines = sorted(set(line for line in data.decode("utf-8").splitlines() if line.strip()))
        data = ("\n".join(lines) + "\n").encode("utf-8")
    return data


def write_dataset(ds: Dataset, path: Path) -> int:
    """Write a dataset: quad formats keep one named graph per article, triple formats hold
    the union. Returns the number of triples (or quads) written."""
    from kg.pipeline import union

    fmt = format_for(path)
    target: Graph | Dataset = ds if fmt in QUAD_FORMATS else union(ds)
    atomic_write(path, serialise(target, fmt))
    return len(target) if fmt not in QUAD_FORMATS else sum(1 for _ in ds.quads((None, None, None, None)))


def write_graph(graph: Graph, path: Path) -> int:
    """Write a plain graph in the format its suffix names; returns the triple count."""
    fmt = format_for(path)
    if fmt in QUAD_FORMATS:
        raise KgError(f"{path}: {fmt} needs named graphs; build straight to it: kg build ... -o {path.name}")
    atomic_write(path, serialise(graph, fmt))
    return len(graph)
