"""Deterministic synthetic corpus for the scale benchmark (not a test; see bench/README.md).

Each synthetic article recombines paragraphs of the seed articles and shifts what makes
articles differ: names (an entity swapped for another of the same type, sometimes for an
invented person), dates (moved with a new publication date between 2016 and 2024) and
numbers (scaled). Article `i` depends only on `(seed, i)`, so the corpus of 1,000 articles
is the first 1,000 files of the corpus of 100,000.

Usage:
    python bench/make_corpus.py --articles 2000 --out /tmp/kg-bench/corpus-2000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
from importlib.resources import files
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
OUTLETS = [
    "Kompas",
    "Detik",
    "Tempo",
    "Antara",
    "CNN Indonesia",
    "Republika",
    "Sindonews",
    "Okezone",
]
FIRST = [
    "Arman",
    "Davit",
    "Gor",
    "Hayk",
    "Levon",
    "Tigran",
    "Elnur",
    "Kamran",
    "Rashad",
    "Farid",
    "Oleg",
    "Dmitri",
    "Pavel",
    "Mehmet",
    "Ahmet",
    "Claire",
    "Jean",
    "Mark",
    "Ali",
    "Reza",
]
LAST = [
    "Petrosyan",
    "Sargsyan",
    "Grigoryan",
    "Hakobyan",
    "Mammadov",
    "Hasanov",
    "Aliyev-Kazimov",
    "Guliyev",
    "Ivanov",
    "Smirnov",
    "Volkov",
    "Yilmaz",
    "Demir",
    "Dubois",
    "Laurent",
    "Miller",
    "Ahmadi",
    "Karimi",
    "Babayan",
    "Huseynov",
]
BOILER = [
    "Baca juga: Rusia dan Turki bahas situasi terbaru di Kaukasus",
    "Bagikan artikel ini",
    "Post a Comment",
]
_DATE = re.compile(
    r"\b(?P<d>\d{1,2}) (?P<m>" + "|".join(MONTHS) + r")(?: (?P<y>\d{4}))?\b"
    r"|\((?P<d2>\d{1,2})/(?P<m2>\d{1,2})(?:/(?P<y2>\d{4}))?\)"
    r"|\b(?P<y3>20[0-4]\d)\b(?!-an)"
    r"|\b(?P<n>\d{1,3}(?:\.\d{3})+|\d{2,3})(?= [a-z])"
)


def load_paragraphs() -> tuple[list[tuple[dt.date, str]], list[tuple[dt.date, str]]]:
    """(publication date, paragraph) and (publication date, title) of the seed articles."""
    meta = yaml.safe_load((SEEDS / "metadata.yaml").read_text(encoding="utf-8"))["articles"]
    paragraphs, titles = [], []
    for path in sorted(SEEDS.glob("*.txt")):
        pub = dt.date.fromisoformat(str(meta[path.stem]["published"]))
        lines = [
            line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        titles.append((pub, lines[0]))
        paragraphs += [(pub, line) for line in lines[1:] if len(line) > 60]
    return paragraphs, titles


def load_names() -> dict[str, list[tuple[str, list[str], list[str]]]]:
    """Gazetteer entities by type: (key, aliases, surnames)."""
    data = yaml.safe_load((files("kg") / "lexicons" / "gazetteer.yaml").read_text(encoding="utf-8"))
    out: dict[str, list[tuple[str, list[str], list[str]]]] = {}
    for e in data["entities"]:
        if e["type"] in ("Person", "State", "Place"):
            out.setdefault(e["type"], []).append((e["key"], e["aliases"], e.get("surnames", [])))
    return out


class Corpus:
    """The seed material and the rules that make article `i`."""

    def __init__(self, seed: int = 0):
        """Load the seeds' paragraphs and the gazetteer's names."""
        self.seed = seed
        self.paragraphs, self.titles = load_paragraphs()
        self.names = load_names()
        forms = []
        self.owner: dict[str, tuple[str, int, bool]] = {}
        for etype, entries in self.names.items():
            for idx, (_key, aliases, surnames) in enumerate(entries):
                for a in aliases:
                    self.owner.setdefault(a, (etype, idx, False))
                    forms.append(a)
                for s in surnames:
                    self.owner.setdefault(s, (etype, idx, True))
                    forms.append(s)
        forms.sort(key=len, reverse=True)
        self.name_re = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, forms)) + r")(?![\w-])")

    def article(self, i: int) -> tuple[str, str]:
        """(file name, text) of synthetic article `i`."""
        rng = random.Random(f"{self.seed}:{i}")
        pub = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(9 * 365))
        swaps: dict[tuple[str, int], tuple[str, str]] = {}

        def name(m: re.Match[str]) -> str:
            etype, idx, is_surname = self.owner[m.group()]
            if (etype, idx) not in swaps:
                swaps[(etype, idx)] = self._swap(rng, etype, idx)
            full, surname = swaps[(etype, idx)]
            return surname if is_surname else full

        def shift(seed_pub: dt.date, text: str) -> str:
            text = self.name_re.sub(name, text)
            return _DATE.sub(lambda m: _shift(m, seed_pub, pub, rng), text)

        seed_pub, title = self.titles[rng.randrange(len(self.titles))]
        body = [shift(p, t) for p, t in rng.sample(self.paragraphs, rng.randint(14, 30))]
        if rng.random() < 0.2:
            body.insert(rng.randrange(1, len(body)), rng.choice(BOILER))
        header = (
            f"url: https://example.org/berita/{i}\npublished: {pub.isoformat()}\n"
            f"outlet: {rng.choice(OUTLETS)}\ntitle: {shift(seed_pub, title)}\n"
        )
        return f"syn{i:07d}.txt", header + "\n" + "\n\n".join(body) + "\n"

    def _swap(self, rng: random.Random, etype: str, idx: int) -> tuple[str, str]:
        entries = self.names[etype]
        if rng.random() < 0.6:  # most names stay
            key, aliases, surnames = entries[idx]
        elif etype == "Person" and rng.random() < 0.3:
            last = rng.choice(LAST)
            return f"{rng.choice(FIRST)} {last}", last
        else:
            key, aliases, surnames = entries[rng.randrange(len(entries))]
        return aliases[0], (surnames[0] if surnames else aliases[0])


def _shift(m: re.Match[str], seed_pub: dt.date, pub: dt.date, rng: random.Random) -> str:
    delta = pub - seed_pub
    if m.group("d"):
        year = int(m.group("y") or seed_pub.year)
        day = _safe_date(year, MONTHS.index(m.group("m")) + 1, int(m.group("d"))) + delta
        return f"{day.day} {MONTHS[day.month - 1]}" + (f" {day.year}" if m.group("y") else "")
    if m.group("d2"):
        year = int(m.group("y2") or seed_pub.year)
        day = _safe_date(year, int(m.group("m2")), int(m.group("d2"))) + delta
        return f"({day.day}/{day.month}" + (f"/{day.year})" if m.group("y2") else ")")
    if m.group("y3"):
        return str(int(m.group("y3")) + round(delta.days / 365.25))
    n = int(m.group("n").replace(".", ""))
    scaled = max(2, round(n * rng.uniform(0.5, 3.0)))
    return f"{scaled:,}".replace(",", ".")


def _safe_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return dt.date(year, min(max(month, 1), 12), 28)


def write_corpus(n: int, out: Path, seed: int = 0) -> Path:
    """Write articles 0..n-1 into `out` (files already there with the same name are rewritten)."""
    out.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(seed)
    for i in range(n):
        name, text = corpus.article(i)
        (out / name).write_text(text, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: --articles N --out DIR [--seed S]."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    write_corpus(args.articles, args.out, args.seed)
    print(f"{args.articles} articles -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
