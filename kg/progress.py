"""Progress on stderr for long runs (`kg build --store`, `kg push`): a one-line bar with
count, rate and ETA, drawn only on a terminal."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO


class Progress:
    """A one-line progress bar on stderr with rate and ETA; silent unless a terminal."""

    def __init__(
        self, total: int, enabled: bool, stream: IO[str] | None = None, label: str = "articles"
    ):
        """`total` items expected; draws only when `enabled` (a terminal and not quiet)."""
        self.total, self.label, self.done = total, label, 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.start = self.last = time.perf_counter()

    def update(self, n: int = 1) -> None:
        """Count `n` more items; redraw at most five times a second."""
        self.done += n
        now = time.perf_counter()
        if self.enabled and (now - self.last >= 0.2 or self.done == self.total):
            self.last = now
            self.stream.write("\r" + self.line(now) + "\x1b[K")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        """The text of the bar: count, percent, rate, ETA."""
        elapsed = max((now or time.perf_counter()) - self.start, 1e-9)
        rate = self.done / elapsed
        total = max(self.total, self.done)
        frac = self.done / total if total else 1.0
        bar = ("#" * int(frac * 24)).ljust(24, ".")
        eta = (total - self.done) / rate if rate else 0.0
        return (
            f"[{bar}] {self.done}/{total} {self.label} {frac:5.1%}  {rate:,.0f}/s  "
            f"ETA {_clock(eta)}  elapsed {_clock(elapsed)}"
        )

    def stage(self, text: str) -> None:
        """Say, on a line of its own, what a long step after the counted items is doing
        (so a finished bar followed by minutes of work does not look like a hang)."""
        if self.enabled:
            self.stream.write(f"{text} ...\n")
            self.stream.flush()

    def close(self) -> None:
        """End the line (if anything was drawn)."""
        if self.enabled and self.done:
            self.stream.write("\r" + self.line() + "\x1b[K\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    s = int(seconds)
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


def count_inputs(inputs: Iterable[str | Path]) -> int:
    """How many `.txt` files the inputs name (for the ETA; cheap: no file is opened)."""
    n = 0
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            with os.scandir(p) as it:
                n += sum(1 for e in it if e.name.endswith(".txt") and e.is_file())
        elif p.exists():
            n += 1
    return n
