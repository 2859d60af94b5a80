"""Evaluation stage: score a built graph against gold YAML files (`kg eval`).

Reads a graph and a directory of gold files in the format of
`shared/eval/ANNOTATION.md`; runs the five contract queries (CONTRACT section 3) and
compares their rows with the gold, article by article: precision, recall and F1 per
category (entities also per type; roles; ceasefires matched on date then best slot
overlap; events as distinct (date, type) pairs; figures as (count, kind)). The headline
is the mean F1 of the five categories, computed as the shared scorer does so that the
numbers agree. Per rule id (HOUSE-STYLE 8.4) it also counts how many of the rows each
rule stands behind are right or wrong, so a rule that does more harm than good shows up.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import Graph

from kg.errors import KgError
from kg.query import run_query

CATEGORIES = ("entities", "roles", "ceasefires", "events", "figures")
ENTITY_TYPES = ("Person", "State", "Organization", "Place")
_PREFIXES = """PREFIX kg: <https://w3id.org/kg-conflict/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# The contract queries again, one row per attestation with its rule id(s): which rules
# stand behind each row that `queries/*.rq` returns. Static text, no user values.
RULE_QUERIES = {
    # no VALUES block: rdflib joins it slowly; the class is filtered in Python
    "entities": """SELECT DISTINCT ?article ?label ?type ?rule WHERE {
  ?e kg:attestedBy ?att ; rdfs:label ?label ; a ?type .
  ?att kg:inArticle ?a ; kg:ruleId ?rule . ?a kg:articleId ?article . }""",
    "roles": """SELECT DISTINCT ?article ?person ?role ?of ?rule WHERE {
  ?o a kg:Office ; kg:holder ?p ; kg:role ?role ; kg:attestedBy ?att . ?p rdfs:label ?person .
  OPTIONAL { ?o kg:officeOf ?body . ?body rdfs:label ?of }
  ?att kg:inArticle ?a ; kg:ruleId ?rule . ?a kg:articleId ?article . }""",
    "ceasefires": """SELECT DISTINCT ?article ?date ?rule ?dateRule WHERE {
  ?e a kg:Ceasefire ; kg:attestedBy ?att . FILTER NOT EXISTS { ?e kg:status ?status }
  ?att kg:inArticle ?a ; kg:ruleId ?rule . ?a kg:articleId ?article .
  OPTIONAL { ?e kg:date ?date } OPTIONAL { ?att kg:dateRuleId ?dateRule } }""",
    "events": """SELECT DISTINCT ?article ?date ?type ?rule ?dateRule WHERE {
  ?event a kg:Event ; kg:eventType ?type ; kg:date ?date ; kg:earliest ?earliest ; kg:attestedBy ?att .
  FILTER NOT EXISTS { ?event kg:status ?status }
  ?att kg:inArticle ?a ; kg:ruleId ?rule . ?a kg:articleId ?article .
  OPTIONAL { ?att kg:dateRuleId ?dateRule } }""",
    "figures": """SELECT DISTINCT ?article ?count ?kind ?rule WHERE {
  ?f a kg:Figure ; kg:count ?count ; kg:kind ?kind ; kg:vague false ; kg:attestedBy ?att .
  ?att kg:inArticle ?a ; kg:ruleId ?rule . ?a kg:articleId ?article . }""",
}


def fold(text: object) -> str:
    """Fold a name for comparison: case, diacritics, hyphens/dots/apostrophes, spaces.

    Example:
        >>> fold("Recep Tayyip Erdoğan")
        'recep tayyip erdogan'
    """
    out = unicodedata.normalize("NFKD", str(text))
    out = "".join(c for c in out if not unicodedata.combining(c))
    out = re.sub(r"[-_.'’]", " ", out.lower())
    return re.sub(r"\s+", " ", out).strip()


def local_name(value: object) -> str:
    """The text of a value; for an IRI its last path segment."""
    text = str(value).strip()
    if text.startswith(("http://", "https://", "urn:")):
        text = re.split(r"[#/:]", text.rstrip("/#"))[-1]
    return text


def norm_date(value: object) -> str | None:
    """An EDTF-ish date string cut to its date part (`1990s` -> `199X`); None if empty."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if m := re.fullmatch(r"(\d{3})0s", text):
        return m.group(1) + "X"
    if m := re.match(r"^(\d{4}(-\d{2}(-\d{2})?)?)(T.*)?$", text):
        return m.group(1)
    return text


def norm_count(value: object) -> int | None:
    """A count as an int (`1,200` and `1200.0` -> 1200); None if not a number."""
    try:
        return int(round(float(str(value).replace(",", ""))))
    except ValueError:
        return None


def load_name_table(aliases: Path | None = None) -> dict[str, str]:
    """Folded variant -> canonical name, from an aliases YAML or (default) our gazetteer.

    Args:
        aliases: a YAML mapping `canonical: [variants]` (as `shared/eval/aliases.yaml`);
            None uses `kg/lexicons/gazetteer.yaml` labels, aliases and surnames.
    """
    table: dict[str, str] = {}
    if aliases is not None:
        data = yaml.safe_load(Path(aliases).read_text(encoding="utf-8")) or {}
        for canonical, variants in data.items():
            table[fold(canonical)] = str(canonical)
            for v in variants or []:
                table.setdefault(fold(v), str(canonical))
        return table
    from kg.annotate.entities import load_gazetteer

    entries = load_gazetteer().entries.values()
    for e in entries:  # labels first: a label never maps to another entity
        table.setdefault(fold(e.label), e.label)
    for e in entries:
        for v in (*e.aliases, *e.surnames):
            table.setdefault(fold(v), e.label)
    return table


@dataclass(frozen=True)
class Names:
    """Maps a name to its canonical form: (within one article) the surname of a gold
    person, so "kata Hajiyev" counts as the gold's full name, else the name table."""

    table: dict[str, str]
    local: dict[str, str] = field(default_factory=dict)

    def for_article(self, gold: dict[str, Any]) -> Names:
        """The same table plus the unambiguous surnames of the gold's people."""
        people = [self(p) for p in ((gold.get("entities") or {}).get("Person") or [])]
        people += [self(r[0]) for r in (gold.get("roles") or []) if r and r[0]]
        by_surname: dict[str, set[str]] = defaultdict(set)
        for person in people:
            by_surname[fold(person).split(" ")[-1]].add(person)
        return Names(self.table, {s: next(iter(ps)) for s, ps in by_surname.items() if len(ps) == 1})

    def __call__(self, value: object) -> str:
        if value is None:
            return ""
        key = fold(local_name(value))
        # a bare surname of a gold person of this article wins over the global table, which
        # may give that surname to someone else (our gazetteer: Hajiyev -> Hikmat Hajiyev);
        # score.py tries its table first, which differs only for such clashes
        return self.local.get(key) or self.table.get(key, key)

    def many(self, joined: object) -> frozenset[str]:
        """Names from a `|`-joined cell (or a list) as a set."""
        if joined is None:
            return frozenset()
        parts = joined if isinstance(joined, list) else str(joined).split("|")
        return frozenset(self(p) for p in parts if str(p).strip())


@dataclass
class Score:
    """True positives, false positives and false negatives of one category."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was predicted and nothing missed."""
        if self.tp + self.fp:
            return self.tp / (self.tp + self.fp)
        return 1.0 if self.fn == 0 else 0.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when the gold is empty."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class RuleScore:
    """How many of the rows a rule stands behind are right (tp) or wrong (fp)."""

    rule: str
    categories: set[str] = field(default_factory=set)
    tp: int = 0
    fp: int = 0

    @property
    def precision(self) -> float:
        """tp / (tp + fp) (0.0 for a rule behind no scored row)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0


@dataclass
class EvalReport:
    """Scores per category, misses per article, precision per rule, problems."""

    scores: dict[str, Score]
    articles: int
    misses: dict[str, list[str]] = field(default_factory=dict)
    rules: list[RuleScore] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    articles_without_gold: list[str] = field(default_factory=list)

    @property
    def headline(self) -> float:
        """Mean F1 of the five categories (each rounded to 4 places, as score.py does)."""
        return sum(round(self.scores.get(c, Score()).f1, 4) for c in CATEGORIES) / len(CATEGORIES)


class _Tally:
    """Adds set comparisons to the scores and records what went wrong."""

    def __init__(self) -> None:
        self.scores: dict[str, Score] = defaultdict(Score)

    def add(self, key: str, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        s = self.scores[key]
        s.tp, s.fp, s.fn = s.tp + tp, s.fp + fp, s.fn + fn

    def sets(self, key: str, gold: set[Any], pred: set[Any]) -> tuple[set[Any], set[Any]]:
        """Score one set comparison; returns (spurious, missed)."""
        self.add(key, len(gold & pred), len(pred - gold), len(gold - pred))
        return pred - gold, gold - pred


def _show(item: Iterable[Any]) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, frozenset):
            return "[" + ", ".join(sorted(v)) + "]"
        return "-" if v is None or v == "" else str(v)
    return " | ".join(cell(v) for v in item)


def _gold_sets(gold: dict[str, Any], names: Names) -> dict[str, Any]:
    """The gold of one article as normalised sets (ceasefires as a list of triples)."""
    ents = gold.get("entities") or {}
    return {
        "entities": {(t, names(n)) for t in ENTITY_TYPES for n in (ents.get(t) or [])},
        "roles": {(names(p), fold(r), names(o)) for p, r, o in (gold.get("roles") or [])},
        "ceasefires": [(norm_date(c.get("date")), names.many(c.get("parties") or []),
                        names.many(c.get("mediators") or [])) for c in (gold.get("ceasefires") or [])],
        "events": {(norm_date(d), str(t)) for d, t in (gold.get("events") or [])},
        "figures": {(int(c), str(k)) for c, k in (gold.get("figures") or [])},
    }


def _item(cat: str, row: dict[str, Any], names: Names) -> tuple[Any, ...] | None:
    """A predicted row as the normalised item compared with the gold (None: not scored)."""
    if cat == "entities":
        return (local_name(row.get("type")), names(row.get("label")))
    if cat == "roles":
        return (names(row.get("person")), fold(local_name(row.get("role") or "")), names(row.get("of")))
    if cat == "ceasefires":
        return (norm_date(row.get("date")), names.many(row.get("parties")), names.many(row.get("mediators")))
    if cat == "events":
        d = norm_date(row.get("date"))
        return None if d is None else (d, local_name(row.get("type")))
    return (norm_count(row.get("count")), local_name(row.get("kind")))


def _match_ceasefires(gold: list[tuple[Any, ...]], pred: list[tuple[Any, ...]], tally: _Tally) -> list[str]:
    """Match each gold ceasefire to a prediction of the same date with the best slot
    overlap; an unmatched prediction dated within a matched one (or undated) is a
    duplicate report, not a false positive. Returns the miss lines."""
    unmatched, matched_dates, misses = list(pred), [], []
    for g_date, g_parties, g_mediators in gold:
        candidates = [p for p in unmatched if p[0] == g_date]
        if not candidates:
            tally.add("ceasefires", fn=1)
            misses.append("missed ceasefire: " + _show((g_date, g_parties, g_mediators)))
            continue
        best = max(candidates, key=lambda p: len(p[1] & g_parties) + len(p[2] & g_mediators))
        unmatched.remove(best)
        matched_dates.append(g_date)
        tally.add("ceasefires", tp=1)
        tally.sets("ceasefire.parties", set(g_parties), set(best[1]))
        tally.sets("ceasefire.mediators", set(g_mediators), set(best[2]))
    for p in unmatched:
        if any(p[0] is None or (d is not None and d.startswith(p[0])) for d in matched_dates):
            tally.add("ceasefire.duplicates", tp=1)
        else:
            tally.add("ceasefires", fp=1)
            misses.append("spurious ceasefire: " + _show(p))
    return misses


def _rows(graph: Graph, problems: list[str]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Rows of the five contract queries, grouped by category and article id."""
    pred: dict[str, dict[str, list[dict[str, Any]]]] = {c: defaultdict(list) for c in CATEGORIES}
    for cat in CATEGORIES:
        try:
            _cols, rows = run_query(graph, cat)
        except KgError as exc:  # a broken query scores zero; the others still count
            problems.append(f"query {cat}: {exc}")
            continue
        for row in rows:
            if row.get("article") is None:
                problems.append(f"query {cat}: row without ?article")
                continue
            art = local_name(row["article"])
            pred[cat][art[:-4] if art.endswith(".txt") else art].append(row)
    return pred


def load_gold(gold_dir: Path) -> dict[str, dict[str, Any]]:
    """Every gold file of a directory, keyed by article id."""
    golds: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(gold_dir).glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        golds[str(doc.get("article", path.stem))] = doc
    return golds


def evaluate(graph: Graph, gold_dir: Path, aliases: Path | None = None) -> EvalReport:
    """Score `graph` against the gold files in `gold_dir`.

    Args:
        graph: a built graph (`kg build`).
        gold_dir: directory of `<article>.yaml` gold files (ANNOTATION.md).
        aliases: a name table in the format of `shared/eval/aliases.yaml`; None uses
            our gazetteer's labels, aliases and surnames.

    Returns:
        An EvalReport: scores per category, misses, precision per rule, problems.
    """
    base = Names(load_name_table(aliases))
    golds = load_gold(gold_dir)
    problems: list[str] = []
    pred = _rows(graph, problems)
    tally = _Tally()
    misses: dict[str, list[str]] = {}
    truth: dict[str, tuple[Names, dict[str, Any]]] = {}
    for art, gold in golds.items():
        names = base.for_article(gold)
        g = _gold_sets(gold, names)
        truth[art] = (names, g)
        p = {c: [i for r in pred[c].get(art, []) if (i := _item(c, r, names)) is not None] for c in CATEGORIES}
        lines: list[str] = []
        p_ent = set(p["entities"])
        for t in ENTITY_TYPES:
            fp, fn = tally.sets(f"entities.{t}", {e for e in g["entities"] if e[0] == t}, {e for e in p_ent if e[0] == t})
            lines += [f"spurious {t}: {e[1]}" for e in fp] + [f"missed {t}: {e[1]}" for e in fn]
        tally.sets("entities", g["entities"], p_ent)
        fp, fn = tally.sets("roles", g["roles"], set(p["roles"]))
        lines += [f"spurious role: {_show(x)}" for x in fp] + [f"missed role: {_show(x)}" for x in fn]
        tally.sets("roles.person+role", {x[:2] for x in g["roles"]}, {x[:2] for x in p["roles"]})
        lines += _match_ceasefires(g["ceasefires"], p["ceasefires"], tally)
        fp, fn = tally.sets("events", g["events"], set(p["events"]))
        lines += [f"spurious event: {_show(x)}" for x in fp] + [f"missed event: {_show(x)}" for x in fn]
        tally.sets("events.dates", {e[0] for e in g["events"]}, {e[0] for e in p["events"]})
        fp, fn = tally.sets("figures", g["figures"], set(p["figures"]))
        lines += [f"spurious figure: {_show(x)}" for x in fp] + [f"missed figure: {_show(x)}" for x in fn]
        misses[art] = sorted(lines)
    unknown = sorted(set().union(*(pred[c].keys() for c in CATEGORIES)) - set(golds))
    return EvalReport(dict(sorted(tally.scores.items())), len(golds), misses,
                      score_rules(graph, truth, problems), sorted(set(problems)), unknown)


def score_rules(graph: Graph, truth: dict[str, tuple[Names, dict[str, Any]]],
                problems: list[str]) -> list[RuleScore]:
    """Precision per rule id: each distinct (category, article, item) a rule stands behind
    counts once for it, true if the gold of that article has the item. Event and ceasefire
    rows also count for the date rule (`kg:dateRuleId`) that dated them. An undated or
    coarser ceasefire beside a gold one is a duplicate report and not counted (as in the
    category score). Worst first: lowest precision, then most false positives."""
    seen: dict[str, set[tuple[str, str, tuple[Any, ...]]]] = defaultdict(set)
    cats: dict[str, set[str]] = defaultdict(set)
    for cat, text in RULE_QUERIES.items():
        try:
            result = graph.query(_PREFIXES + text)
        except Exception as exc:  # rdflib raises many types; report, keep the others
            problems.append(f"rule query {cat}: {exc}")
            continue
        for row in result:
            values = {str(v): (None if row[v] is None else row[v].toPython()) for v in result.vars}
            art = local_name(values["article"])
            if art not in truth:
                continue
            if cat == "entities" and local_name(values["type"]) not in ENTITY_TYPES:
                continue
            item = _item(cat, values, truth[art][0])
            if item is None:
                continue
            if cat == "ceasefires":
                item = item[:1]
            for rule in (values.get("rule"), values.get("dateRule")):
                if rule:
                    seen[str(rule)].add((cat, art, item))
                    cats[str(rule)].add(cat)
    out = []
    for rule, items in seen.items():
        rs = RuleScore(rule, cats[rule])
        for cat, art, item in items:
            verdict = _verdict(cat, item, truth[art][1])
            rs.tp += verdict == "tp"
            rs.fp += verdict == "fp"
        out.append(rs)
    return sorted(out, key=lambda r: (r.precision, -r.fp, r.rule))


def _verdict(cat: str, item: tuple[Any, ...], gold: dict[str, Any]) -> str:
    """'tp', 'fp' or 'dup' (a ceasefire reported again, neither right nor wrong)."""
    if cat != "ceasefires":
        return "tp" if item in gold[cat] else "fp"
    dates = [g[0] for g in gold["ceasefires"]]
    if item[0] in dates:
        return "tp"
    if any(item[0] is None or (d is not None and d.startswith(item[0])) for d in dates):
        return "dup"
    return "fp"


def format_report(report: EvalReport, misses: bool = False, per_rule: bool = False) -> str:
    """Render a report as text: the score table, optionally misses and rules, then the
    headline as the last line.

    Args:
        report: what `evaluate` returned.
        misses: also list missed and spurious items per article.
        per_rule: also list precision per rule id, worst first.
    """
    lines = [f"{'category':28} {'P':>6} {'R':>6} {'F1':>6}   tp/fp/fn"]
    for key, s in report.scores.items():
        # rounded to 4 places before printing 3, as score.py does, so the tables agree digit for digit
        p, r, f = (round(v, 4) for v in (s.precision, s.recall, s.f1))
        lines.append(f"{key:28} {p:6.3f} {r:6.3f} {f:6.3f}   {s.tp}/{s.fp}/{s.fn}")
    if misses:
        lines.append("")
        lines.append("misses (per article):")
        for art, items in report.misses.items():
            lines += [f"{art}: {m}" for m in items]
    if per_rule:
        lines.append("")
        lines.append(f"{'rule (worst first)':40} {'P':>6} {'tp':>4} {'fp':>4}  categories")
        for r in report.rules:
            lines.append(f"{r.rule:40} {r.precision:6.3f} {r.tp:4d} {r.fp:4d}  {','.join(sorted(r.categories))}")
    for p in report.problems:
        lines.append(f"problem: {p}")
    if report.articles_without_gold:
        lines.append(f"articles without gold (ignored): {', '.join(report.articles_without_gold[:20])}")
    lines.append(f"headline F1 (mean of {', '.join(CATEGORIES)}) over {report.articles} articles: "
                 f"{report.headline:.3f}")
    return "\n".join(lines)
