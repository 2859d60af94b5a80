"""The pipeline: the only module that knows the stage order.

ingest (read, clean, split) -> annotate (entities, roles, dates, figures) -> events ->
graph (one named graph per article). `build()` is what `kg build` runs.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from rdflib import Dataset, Graph

from kg.annotate.dates import DateRules, find_dates, load_date_rules
from kg.annotate.entities import Gazetteer, find_dateline_place, find_mentions, load_gazetteer
from kg.annotate.figures import FigureRules, find_figures, load_figure_rules
from kg.annotate.roles import RoleRules, find_offices, load_role_rules
from kg.errors import ArticleError
from kg.events.triggers import EventRules, find_events, load_event_rules
from kg.graph.build import add_extraction, bind_prefixes
from kg.ingest.clean import BoilerplateRule, blank_boilerplate, load_boilerplate_rules
from kg.ingest.read import read_article
from kg.ingest.sentences import split_sentences
from kg.model import Article, Extraction, Mention

log = logging.getLogger("kg")
METADATA_FILE = "metadata.yaml"


@dataclass(frozen=True)
class Rules:
    """Every compiled rule family, loaded once per process."""

    dates: DateRules
    gazetteer: Gazetteer
    roles: RoleRules
    figures: FigureRules
    events: EventRules
    boilerplate: tuple[BoilerplateRule, ...]


def load_rules() -> Rules:
    """Load and validate every lexicon (raises LexiconError listing all problems)."""
    return Rules(load_date_rules(), load_gazetteer(), load_role_rules(), load_figure_rules(),
                 load_event_rules(), load_boilerplate_rules())


@dataclass
class BuildReport:
    """What a build did: articles built, skipped (with reasons) and notes."""

    built: list[str]
    skipped: list[tuple[str, str]]
    notes: list[tuple[str, str]]


def iter_inputs(paths: Iterable[str | Path], report: BuildReport) -> Iterator[tuple[Path, dict]]:
    """Expand files and directories into (article file, metadata) pairs, in sorted order.

    A directory contributes every `*.txt` in it (not recursive) and may hold a
    `metadata.yaml` mapping article ids to `{published: ..., reason: ...}`.
    """
    seen: set[str] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            meta = _read_metadata(p / METADATA_FILE, report)
            files = sorted(f for f in p.iterdir() if f.suffix == ".txt")
            ignored = sorted(f.name for f in p.iterdir() if f.is_file() and f.suffix != ".txt" and f.name != METADATA_FILE)
            if ignored:
                report.notes.append((str(p), f"ignored {len(ignored)} non-.txt file(s): {', '.join(ignored[:5])}"))
        elif p.exists():
            meta = _read_metadata(p.parent / METADATA_FILE, report)
            files = [p]
        else:
            report.skipped.append((str(p), "no such file or directory"))
            continue
        for f in files:
            if f.stem in seen:
                report.skipped.append((str(f), f"duplicate article id {f.stem!r}: an article with this id was already built"))
                continue
            seen.add(f.stem)
            yield f, meta.get(f.stem, {})


def _read_metadata(path: Path, report: BuildReport) -> dict:
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return {str(k): v for k, v in data.get("articles", {}).items()}
    except (OSError, yaml.YAMLError, AttributeError) as exc:
        report.notes.append((str(path), f"metadata file ignored: {exc}"))
        return {}


def extract_article(article: Article, rules: Rules) -> Extraction:
    """Run the annotate and events stages over one article."""
    text, _removed = blank_boilerplate(article.text, rules.boilerplate)
    sentences = split_sentences(article.id, text)
    mentions: list[Mention] = []
    offices, dates, events, figures = [], [], [], []
    per_sentence = []
    for s in sentences:
        found = find_mentions(s, rules.gazetteer)
        if s.index < 8:
            found += find_dateline_place(s, rules.gazetteer)
        offs, people = find_offices(s, found, rules.roles, rules.gazetteer, article.published)
        found = sorted(found + people, key=lambda m: m.evidence.start)
        offices += offs
        mentions += found
        per_sentence.append((s, found))
    mentions += _resolve_surnames(per_sentence, mentions)
    recent: list[tuple[int, str]] = []  # (sentence index, type) of agreement-like events
    for s, found in per_sentence:
        found = [m for m in mentions if m.evidence.sentence_index == s.index]
        ds = find_dates(s.text, article.published, rules.dates, offset=s.start)
        dates += ds
        antecedent = "Ceasefire" if any(t == "Ceasefire" and s.index - i <= 3 for i, t in recent) else None
        new = find_events(s, found, ds, rules.events, antecedent)
        recent += [(s.index, e.etype) for e in new if e.etype in ("Ceasefire", "Agreement")]
        events += new
        figures += find_figures(s, rules.figures, [(d.start, d.end) for d in ds])
    labels = {m.key: (m.label, m.etype) for m in mentions}
    return Extraction(article, tuple(sentences), tuple(mentions), tuple(offices), tuple(dates),
                      tuple(events), tuple(figures), labels)


def _resolve_surnames(per_sentence: list, mentions: list[Mention]) -> list[Mention]:
    """A person found by pattern may later be named by surname alone: resolve it."""
    import re

    from kg.model import Evidence

    people = {m.label.split()[-1]: m for m in mentions if m.key.startswith("person-")}
    if not people:
        return []
    regex = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, people)) + r")(?![\w-])")
    out = []
    for s, found in per_sentence:
        for m in regex.finditer(s.text):
            a, b = s.start + m.start(), s.start + m.end()
            if any(f.evidence.start <= a < f.evidence.end for f in found):
                continue
            p = people[m.group()]
            out.append(Mention(p.key, "Person", p.label, Evidence(s.article_id, s.index, a, b, "ent.person.surname-in-article", m.group())))
    return out


def build_dataset(paths: Iterable[str | Path], rules: Rules | None = None,
                  report: BuildReport | None = None) -> Dataset:
    """Build the graph of every readable article under `paths`, one named graph each.

    Bad articles are logged and skipped (CONTRACT section 2); see `report.skipped`.
    """
    rules = rules or load_rules()
    report = report if report is not None else BuildReport([], [], [])
    ds = Dataset()
    bind_prefixes(ds)
    for path, meta in iter_inputs(paths, report):
        try:
            article = read_article(path, rules.dates, published=str(meta["published"]) if meta.get("published") else None)
        except ArticleError as exc:
            report.skipped.append((exc.path, exc.reason))
            log.warning("skipped %s: %s", exc.path, exc.reason)
            continue
        for note in article.notes:
            report.notes.append((str(path), note))
            log.info("%s: %s", path, note)
        add_extraction(ds, extract_article(article, rules), rules.gazetteer)
        report.built.append(article.id)
    return ds


def union(ds: Dataset) -> Graph:
    """All named graphs of `ds` as one plain Graph (what Turtle output holds)."""
    g = Graph()
    bind_prefixes(g)
    for quad in ds.quads((None, None, None, None)):
        g.add(quad[:3])
    return g


def build(paths: Iterable[str | Path], rules: Rules | None = None) -> Graph:
    """Build the knowledge graph of the articles under `paths`.

    Example:
        >>> g = build(["seeds"])  # doctest: +SKIP
        >>> len(g) > 0
    """
    return union(build_dataset(paths, rules))
