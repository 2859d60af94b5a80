"""The pipeline: the only module that knows the stage order.

ingest (read, clean, split) -> annotate (entities, roles, dates, figures) -> events ->
graph (one named graph per article). `build()` is what `kg build` runs.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from rdflib import Dataset, Graph

from kg.annotate.dates import DateRules, find_dates, load_date_rules
from kg.annotate.entities import Gazetteer, find_dateline_place, find_mentions, load_gazetteer
from kg.annotate.figures import FigureRules, find_figures, load_figure_rules
from kg.annotate.roles import RoleRules, find_offices, load_role_rules
from kg.errors import ArticleError
from kg.events.merge import corefer_in_article, link_denial
from kg.events.triggers import ACTOR_TYPES, EventRules, find_claim, find_events, load_event_rules
from kg.graph.build import add_extraction, bind_prefixes, record_counts, record_merges
from kg.graph.conflicts import ConflictEpisode, load_episodes
from kg.ingest.clean import BoilerplateRule, blank_boilerplate, load_boilerplate_rules
from kg.ingest.read import read_article
from kg.ingest.sentences import split_sentences
from kg.model import Article, DateMention, Evidence, Extraction, Mention, Sentence

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
    episodes: tuple[ConflictEpisode, ...]


def load_rules() -> Rules:
    """Load and validate every lexicon (raises LexiconError listing all problems)."""
    return Rules(load_date_rules(), load_gazetteer(), load_role_rules(), load_figure_rules(),
                 load_event_rules(), load_boilerplate_rules(), load_episodes())


@dataclass
class BuildReport:
    """What a build did: articles built, skipped (with reasons) and notes."""

    built: list[str]
    skipped: list[tuple[str, str]]
    notes: list[tuple[str, str]]


def iter_inputs(paths: Iterable[str | Path], report: BuildReport) -> Iterator[tuple[Path, dict]]:
    """Expand files and directories into (article file, metadata) pairs, in sorted order.

    A directory contributes every `*.txt` in it (not recursive) and may hold a
    `metadata.yaml` mapping article ids to `{published: ..., reason: ...}`. Whatever is
    not used gets one line naming it: a missing path, a directory that cannot be listed
    and a duplicate id in `report.skipped`; a non-`.txt` file or a subdirectory in
    `report.notes`. A `*.txt` that is not a readable file (symlink loop, directory,
    pipe) is yielded so that `read_article` names the reason. The same id given twice (the
    same stem in two inputs) is a duplicate: the first in order is used, and a later copy replaces
    it only when the consumer has already put the first in `report.skipped` (as
    `build_dataset` does for an unreadable file), so no readable article is lost.
    """
    from kg.graph.iris import article_iri
    from kg.ingest.read import article_id

    seen: dict[str, str] = {}  # article IRI -> file that has it
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            try:
                entries = sorted(p.iterdir())
            except OSError as exc:
                report.skipped.append((str(p), f"cannot list directory: {exc.strerror or exc}"))
                continue
            meta = _read_metadata(p / METADATA_FILE, report)
            files = []
            for f in entries:
                if f.suffix == ".txt":
                    files.append(f)
                elif f.name != METADATA_FILE:
                    why = ("subdirectory not read (not recursive)" if f.is_dir()
                           else "not a .txt file: ignored")
                    report.notes.append((str(f), why))
        elif p.exists() or p.is_symlink():
            meta = _read_metadata(p.parent / METADATA_FILE, report)
            files = [p]
        else:
            report.skipped.append((str(p), "no such file or directory"))
            continue
        for f in files:
            aid, key = article_id(f), str(article_iri(article_id(f)))
            if key in seen and seen[key] not in {path for path, _ in report.skipped}:
                other = "given twice" if seen[key] == str(f) else f"{seen[key]} has the same id"
                report.skipped.append((str(f), f"duplicate article id {aid!r}: {other}"))
                continue
            seen[key] = str(f)
            yield f, meta.get(aid, {})


def _read_metadata(path: Path, report: BuildReport) -> dict:
    """The `articles:` map of a `metadata.yaml`: {article id: {published: ..., ...}}.

    A file that cannot be read or parsed, and entries that are not mappings, are named
    in `report.notes` (one line each) and ignored; the articles are built without them.
    YAML dates become ISO strings. Metadata only dates articles: it never names a path.
    """
    import datetime as dt

    try:
        if not path.is_file():
            return {}
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, yaml.YAMLError) as exc:  # ValueError: not UTF-8
        report.notes.append((str(path), "metadata file ignored: " + " ".join(str(exc).split())))
        return {}
    articles = data.get("articles") if isinstance(data, dict) else None
    if not isinstance(articles, dict):
        why = "metadata file ignored: no 'articles:' mapping of article ids"
        report.notes.append((str(path), why))
        return {}
    out: dict[str, dict] = {}
    for key, entry in articles.items():
        if not isinstance(entry, dict):
            why = "not a mapping like {published: 2020-11-21}"
            report.notes.append((str(path), f"metadata for {str(key)!r} ignored: {why}"))
            continue
        pub = entry.get("published")
        if isinstance(pub, dt.date):
            pub = (pub.date() if isinstance(pub, dt.datetime) else pub).isoformat()
        out[str(key)] = {**entry, "published": pub} if "published" in entry else dict(entry)
    return out


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
    counts = Counter(m.key for m in mentions if m.etype == "State")
    pair = tuple(k for k, _ in counts.most_common(2)) if len(counts) >= 2 else ()
    recent: list[tuple[int, str]] = []  # (sentence index, type) of agreement-like events
    for s, found in per_sentence:
        found = [m for m in mentions if m.evidence.sentence_index == s.index]
        ds = find_dates(s.text, article.published, rules.dates, offset=s.start)
        ds = sorted(ds + same_day_dates(s, dates, rules.events), key=lambda d: d.start)
        dates += ds
        antecedent = "Ceasefire" if any(t == "Ceasefire" and s.index - i <= 3 for i, t in recent) else None
        claim = find_claim(s, [m for m in found if m.etype in ACTOR_TYPES], rules.events)
        new = link_denial(find_events(s, found, ds, rules.events, antecedent, pair), events, claim)
        recent += [(s.index, e.etype) for e in new if e.etype in ("Ceasefire", "Agreement")]
        events += new
        ref = ds[0].value if len(ds) == 1 else article.published
        figures += [replace(f, claim=claim, reference=ref)
                    for f in find_figures(s, rules.figures, [(d.start, d.end) for d in ds])]
    events = corefer_in_article(events)
    labels = {m.key: (m.label, m.etype) for m in mentions}
    return Extraction(article, tuple(sentences), tuple(mentions), tuple(offices), tuple(dates),
                      tuple(events), tuple(figures), labels)


def same_day_dates(s: Sentence, earlier: list[DateMention], rules: EventRules) -> list[DateMention]:
    """`pada hari yang sama` repeats the last day-precise date of the article."""
    last = next((d for d in reversed(earlier) if d.value.precision == "day" and d.rule_id != "date.range.since"), None)
    if last is None:
        return []
    out = []
    for m in rules.same_day_re.finditer(s.text):
        value = replace(last.value, reason=f"'{m.group()}' -> the last date given before, {last.value.edtf}")
        out.append(DateMention(s.start + m.start(), s.start + m.end(), value, "date.rel.same-day", True))
    return out


def _resolve_surnames(per_sentence: list, mentions: list[Mention]) -> list[Mention]:
    """A person found by pattern may later be named by surname alone: resolve it."""
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
            log.info("skipped %s: %s", exc.path, exc.reason)  # the caller reports skips
            continue
        for note in article.notes:
            report.notes.append((str(path), note))
            log.info("%s: %s", path, note)
        add_extraction(ds, extract_article(article, rules), rules.gazetteer, rules.episodes)
        report.built.append(article.id)
    record_merges(ds)
    record_counts(ds)
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
