"""Explain stage: one article, sentence by sentence, with every span found (`kg explain`).

Reads one article file with the real pipeline (the same rules, metadata file and stage
order as `kg build`) and renders the `Extraction` as plain text: each sentence (index,
text), then the entity mentions, offices, dates, events and figures found in it, each
with the surface that matched and the rule id that fired (HOUSE-STYLE 8.4). It is meant
for whoever writes the next rule: it shows what fired, where, and why a date was chosen.
The output is deterministic (ordered by offset, then kind and rule id).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from kg.model import DateMention, Event, Evidence, Extraction, Figure, Mention, Office, Sentence
from kg.pipeline import BuildReport, Rules, extract_article, iter_inputs, load_rules

INDENT = "    "


def explain_article(path: Path, rules: Rules | None = None) -> str:
    """Run the pipeline over one article and describe, per sentence, what each rule found.

    The publication date comes from the article's header or dateline or, as in
    `kg build`, from a `metadata.yaml` beside the file.

    Args:
        path: the article file (`*.txt`).
        rules: loaded rules (loaded from `kg/lexicons/` when None).

    Returns:
        Plain text, one sentence block after another, then the rule ids that fired.

    Raises:
        ArticleError: the file cannot be used (empty, binary, unreadable).

    Example:
        "... pada Sabtu ..." (published 2020-11-21) gives a line like
        `date  "Sabtu" -> 2020-11-21  ('Sabtu' -> the Saturday on or before the
        anchor ...)  [date.rel.weekday-before-anchor]`
    """
    from kg.ingest.read import read_article

    rules = rules or load_rules()
    report = BuildReport([], [], [])
    meta: dict = next((m for f, m in iter_inputs([path], report) if f == Path(path)), {})
    published = str(meta["published"]) if meta.get("published") else None
    article = read_article(Path(path), rules.dates, published=published)
    return format_extraction(extract_article(article, rules), rules)


def format_extraction(ex: Extraction, rules: Rules) -> str:
    """Render an extraction as the text `explain_article` returns."""
    names = _Names(ex, rules)
    a = ex.article
    pub = (f"{a.published.edtf} ({a.published.reason})" if a.published
           else "unknown (relative dates stay unresolved)")
    lines = [f"article {a.id}", f"title: {a.title}", f"published: {pub}"]
    lines += [f"note: {n}" for n in a.notes]
    fired: Counter[str] = Counter()
    for s in ex.sentences:
        lines.append("")
        lines.append(f"[{s.index}] {s.text}")
        found = _spans(ex, s, names)
        for _start, _kind, rule, text in sorted(found):
            lines.append(INDENT + text)
            fired[rule] += 1
    lines.append("")
    lines.append("rules fired (count):")
    lines += [f"{INDENT}{rule:40} {n}" for rule, n in sorted(fired.items())]
    return "\n".join(lines)


class _Names:
    """Labels for entity keys (the article's own labels, then the gazetteer)."""

    def __init__(self, ex: Extraction, rules: Rules) -> None:
        self.labels = ex.labels
        self.entries = rules.gazetteer.entries

    def __call__(self, key: str | None) -> str:
        if key is None:
            return "-"
        if key in self.labels:
            return self.labels[key][0]
        entry = self.entries.get(key)
        return entry.label if entry else key

    def many(self, keys: tuple[str, ...]) -> str:
        return "|".join(self(k) for k in keys)


def _surface(s: Sentence, start: int, end: int) -> str:
    return s.text[max(0, start - s.start):max(0, end - s.start)]


def _spans(ex: Extraction, s: Sentence, names: _Names) -> list[tuple[int, int, str, str]]:
    """(start, kind order, rule id, line) for every span found in sentence `s`."""
    out = [(d.start, 2, d.rule_id, _date(d, s)) for d in ex.dates if s.start <= d.start < s.end]
    spans: list[tuple[Evidence, int, str]] = []
    spans += [(m.evidence, 0, _mention(m)) for m in ex.mentions]
    spans += [(o.evidence, 1, _office(o, names)) for o in ex.offices]
    spans += [(e.evidence, 3, _event(e, names)) for e in ex.events]
    spans += [(f.evidence, 4, _figure(f)) for f in ex.figures]
    out += [(ev.start, kind, ev.rule_id, text) for ev, kind, text in spans
            if ev.sentence_index == s.index]
    return out


def _mention(m: Mention) -> str:
    ev = m.evidence
    return f'entity   "{ev.surface}" -> {m.key} ({m.etype}: {m.label})  [{ev.rule_id}]'


def _office(o: Office, names: _Names) -> str:
    of = f" of {names(o.of)}" if o.of else ""
    former = " (former)" if o.former else ""
    ev = o.evidence
    return f'office   "{ev.surface}" -> {names(o.person)}: {o.role}{of}{former}  [{ev.rule_id}]'


def _date(d: DateMention, s: Sentence) -> str:
    rel = ", relative" if d.relative else ""
    surface = _surface(s, d.start, d.end)
    return f'date     "{surface}" -> {d.value.edtf}  ({d.value.reason}{rel})  [{d.rule_id}]'


def _event(e: Event, names: _Names) -> str:
    parts = [f'event    "{e.evidence.surface}" -> {e.etype}']
    if e.date is None:
        parts.append("undated (no row in events.rq)")
    else:
        dev = e.date_evidence
        via = f' from "{dev.surface}" [{dev.rule_id}]' if dev else ""
        parts.append(f"date {e.date.edtf}{via}")
    for label, keys in (("actors", e.actors), ("parties", e.parties), ("mediators", e.mediators),
                        ("targets", e.targets), ("places", e.places)):
        if keys:
            parts.append(f"{label} {names.many(keys)}")
    if e.claim is not None:
        source = f" by {names(e.claim.source)}" if e.claim.source else ""
        parts.append(f"reported{source} (cue {e.claim.cue}, {e.claim.polarity})")
    parts.append(f"status {e.status}")
    return "; ".join(parts) + f"  [{e.evidence.rule_id}]"


def _figure(f: Figure) -> str:
    bounds = "" if f.low is None and f.high is None else f" (low {f.low}, high {f.high})"
    vague = " vague (no row in figures.rq)" if f.vague else ""
    ev = f.evidence
    return f'figure   "{ev.surface}" -> {f.count} {f.kind}{bounds}{vague}  [{ev.rule_id}]'
