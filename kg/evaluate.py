"""Evaluation stage (`kg eval`): a graph and gold YAML files (`shared/eval/ANNOTATION.md`)
-> precision, recall, F1 per category of the five contract queries (CONTRACT section 3),
article by article, and their mean F1 as the headline, computed as the shared scorer does;
and precision per rule id (HOUSE-STYLE 8.4), so a rule doing more harm than good shows up.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml
from rdflib import Graph, Literal
from rdflib.query import ResultRow

from kg.errors import KgError
from kg.query import run_query

CATEGORIES = ("entities", "roles", "ceasefires", "events", "figures")
ENTITY_TYPES = ("Person", "State", "Organization", "Place")


def _rule_query(cols: str, body: str) -> str:
    """A contract query again, one row per attestation with its rule id (and date rule)."""
    return ("PREFIX kg: <https://w3id.org/kg-conflict/ontology#>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            f"SELECT DISTINCT ?article {cols} ?rule ?dateRule WHERE {{ {body} "
            "?e kg:attestedBy ?att . ?att kg:inArticle ?a ; kg:ruleId ?rule . "
            "?a kg:articleId ?article . OPTIONAL { ?att kg:dateRuleId ?dateRule } }")


# Rules behind each row of queries/*.rq (static text). No VALUES: rdflib joins it slowly.
RULE_QUERIES = {
    "entities": _rule_query("?label ?type", "?e rdfs:label ?label ; a ?type ."),
    "roles": _rule_query("?person ?role ?of", "?e a kg:Office ; kg:holder ?p ; kg:role ?role ."
                         " ?p rdfs:label ?person ."
                         " OPTIONAL { ?e kg:officeOf ?b . ?b rdfs:label ?of }"),
    "ceasefires": _rule_query("?date", "?e a kg:Ceasefire . FILTER NOT EXISTS { ?e kg:status ?s }"
                              " OPTIONAL { ?e kg:date ?date }"),
    "events": _rule_query("?date ?type", "?e a kg:Event ; kg:eventType ?type ; kg:date ?date ;"
                          " kg:earliest ?earliest . FILTER NOT EXISTS { ?e kg:status ?s }"),
    "figures": _rule_query("?count ?kind", "?e a kg:Figure ; kg:count ?count ; kg:kind ?kind ;"
                           " kg:vague false ."),
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
    return re.split(r"[#/:]", text.rstrip("/#"))[-1] if re.match(r"https?://|urn:", text) else text


def norm_date(value: object) -> str | None:
    """An EDTF-ish date string cut to its date part (`1990s` -> `199X`); None if empty."""
    text = "" if value is None else str(value).strip()
    if m := re.fullmatch(r"(\d{3})0s", text):
        return m.group(1) + "X"
    m = re.match(r"^(\d{4}(-\d{2}(-\d{2})?)?)(T.*)?$", text)
    return m.group(1) if m else (text or None)


def norm_count(value: object) -> int | None:
    """A count as an int (`1,200` and `1200.0` -> 1200); None if not a number."""
    try:
        return int(round(float(str(value).replace(",", ""))))
    except ValueError:
        return None


def load_name_table(aliases: Path | None = None) -> dict[str, str]:
    """Folded variant -> canonical name, from an aliases YAML (`canonical: [variants]`, as
    `shared/eval/aliases.yaml`) or, when None, our gazetteer's labels, aliases and surnames."""
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
    pairs = [(e.label, e) for e in entries]  # labels first: a label never maps elsewhere
    for variant, e in pairs + [(v, e) for e in entries for v in (*e.aliases, *e.surnames)]:
        table.setdefault(fold(variant), e.label)
    return table


@dataclass(frozen=True)
class Names:
    """Maps a name to its canonical form: within one article the surname of a gold person
    (so "kata Hajiyev" counts as the gold's full name), else the name table."""

    table: dict[str, str]
    local: dict[str, str] = field(default_factory=dict)

    def for_article(self, gold: dict[str, Any]) -> Names:
        """The same table plus the unambiguous surnames of the gold's people."""
        people = [self(p) for p in ((gold.get("entities") or {}).get("Person") or [])]
        people += [self(r[0]) for r in (gold.get("roles") or []) if r and r[0]]
        by_surname: dict[str, set[str]] = defaultdict(set)
        for person in people:
            by_surname[fold(person).split(" ")[-1]].add(person)
        return Names(self.table, {s: ps.pop() for s, ps in by_surname.items() if len(ps) == 1})

    def __call__(self, value: object) -> str:
        """The canonical name; the article's gold surnames win over the table (gazetteer:
        Hajiyev -> Hikmat Hajiyev), where score.py tries its table first."""
        if value is None:
            return ""
        key = fold(local_name(value))
        return self.local.get(key) or self.table.get(key, key)

    def many(self, joined: object) -> frozenset[str]:
        """Names from a `|`-joined cell (or a list) as a set."""
        parts = joined if isinstance(joined, list) else str(joined or "").split("|")
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
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float(self.fn == 0)

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
class RuleScore(Score):
    """How many rows a rule stands behind are right (tp) or wrong (fp); `only_*` count
    the rows no other rule of its kind (trigger or date) stands behind: dropping the rule
    would lose `only_tp` true rows and remove `only_fp` false ones."""

    rule: str = ""
    categories: set[str] = field(default_factory=set)
    only_tp: int = 0
    only_fp: int = 0


@dataclass
class EvalReport:
    """Scores per category, misses per article, precision per rule, problems."""

    scores: dict[str, Score]
    articles: int
    misses: dict[str, list[str]] = field(default_factory=dict)
    rules: list[RuleScore] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def headline(self) -> float:
        """Mean F1 of the five categories (each rounded to 4 places, as score.py does)."""
        return sum(round(self.scores.get(c, Score()).f1, 4) for c in CATEGORIES) / len(CATEGORIES)


def _compare(scores: dict[str, Score], key: str, gold: set[Any], pred: set[Any],
             misses: list[str] | None = None, what: str = "") -> None:
    """Score one set comparison; with `misses`, record what was spurious or missed."""
    s = scores[key]
    s.tp, s.fp, s.fn = s.tp + len(gold & pred), s.fp + len(pred - gold), s.fn + len(gold - pred)
    if misses is not None:
        misses += [f"spurious {what}: {_show(x)}" for x in pred - gold]
        misses += [f"missed {what}: {_show(x)}" for x in gold - pred]


def _show(item: Any) -> str:
    if isinstance(item, tuple):
        return " | ".join(map(_show, item))
    if isinstance(item, frozenset):
        return "[" + ", ".join(sorted(item)) + "]"
    return "-" if item is None or item == "" else str(item)


def _gold_sets(gold: dict[str, Any], names: Names) -> dict[str, Any]:
    """The gold of one article as normalised sets (ceasefires as a list of triples)."""
    ents = gold.get("entities") or {}
    return {
        "entities": {(t, names(n)) for t in ENTITY_TYPES for n in (ents.get(t) or [])},
        "roles": {(names(p), fold(r), names(o)) for p, r, o in (gold.get("roles") or [])},
        "ceasefires": [(norm_date(c.get("date")), names.many(c.get("parties") or []),
                        names.many(c.get("mediators") or []))
                       for c in (gold.get("ceasefires") or [])],
        "events": {(norm_date(d), str(t)) for d, t in (gold.get("events") or [])},
        "figures": {(int(c), str(k)) for c, k in (gold.get("figures") or [])},
    }


def _item(cat: str, row: dict[str, Any], names: Names) -> tuple[Any, ...] | None:
    """A predicted row as the normalised item compared with the gold (None: not scored)."""
    if cat == "entities":
        return (local_name(row.get("type")), names(row.get("label")))
    if cat == "roles":
        role = fold(local_name(row.get("role") or ""))
        return (names(row.get("person")), role, names(row.get("of")))
    if cat == "ceasefires":
        return (norm_date(row.get("date")), names.many(row.get("parties")),
                names.many(row.get("mediators")))
    if cat == "events":
        d = norm_date(row.get("date"))
        return None if d is None else (d, local_name(row.get("type")))
    return (norm_count(row.get("count")), local_name(row.get("kind")))


def _is_duplicate(date: str | None, dates: Iterable[str | None]) -> bool:
    """An undated ceasefire, or one dated coarser than a gold one, reports it again."""
    return any(date is None or (d is not None and d.startswith(date)) for d in dates)


def _match_ceasefires(gold: list[tuple[Any, ...]], pred: list[tuple[Any, ...]],
                      scores: dict[str, Score], misses: list[str]) -> None:
    """Match each gold ceasefire to a same-date prediction with the best slot overlap;
    a leftover prediction that duplicates a matched one is no false positive."""
    unmatched, matched_dates = list(pred), []
    for g_date, g_parties, g_mediators in gold:
        candidates = [p for p in unmatched if p[0] == g_date]
        if not candidates:
            scores["ceasefires"].fn += 1
            misses.append("missed ceasefire: " + _show((g_date, g_parties, g_mediators)))
            continue
        best = max(candidates, key=lambda p: len(p[1] & g_parties) + len(p[2] & g_mediators))
        unmatched.remove(best)
        matched_dates.append(g_date)
        scores["ceasefires"].tp += 1
        _compare(scores, "ceasefire.parties", set(g_parties), set(best[1]))
        _compare(scores, "ceasefire.mediators", set(g_mediators), set(best[2]))
    for p in unmatched:
        if _is_duplicate(p[0], matched_dates):
            scores["ceasefire.duplicates"].tp += 1
        else:
            scores["ceasefires"].fp += 1
            misses.append("spurious ceasefire: " + _show(p))


def _rows(graph: Graph, problems: list[str]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Rows of the five contract queries, grouped by category and article id."""
    pred: dict[str, dict[str, list[dict[str, Any]]]] = {c: defaultdict(list) for c in CATEGORIES}
    for cat in CATEGORIES:
        try:
            _cols, rows = run_query(graph, cat)
        except KgError as exc:  # a broken query scores zero; the others still count
            problems.append(f"query {cat}: {exc}")
            continue
        for row in rows:  # the article id, also from an IRI or a file name
            art = local_name(row.get("article"))
            pred[cat][art[:-4] if art.endswith(".txt") else art].append(row)
    return pred


def load_gold(gold_dir: Path) -> dict[str, dict[str, Any]]:
    """Every gold file of a directory, keyed by article id."""
    docs = [(p, yaml.safe_load(p.read_text(encoding="utf-8")) or {})
            for p in sorted(Path(gold_dir).glob("*.yaml"))]
    return {str(doc.get("article", p.stem)): doc for p, doc in docs}


def evaluate(graph: Graph, gold_dir: Path, aliases: Path | None = None) -> EvalReport:
    """Score `graph` against the gold files in `gold_dir`.

    Args:
        graph: a built graph (`kg build`).
        gold_dir: directory of `<article>.yaml` gold files (ANNOTATION.md).
        aliases: a name table as `shared/eval/aliases.yaml`; None: our gazetteer's.

    Returns:
        Scores per category, misses per article, precision per rule, problems.
    """
    base = Names(load_name_table(aliases))
    golds = load_gold(gold_dir)
    problems: list[str] = []
    pred = _rows(graph, problems)
    scores: dict[str, Score] = defaultdict(Score)
    misses: dict[str, list[str]] = {}
    truth: dict[str, tuple[Names, dict[str, Any]]] = {}
    for art, gold in golds.items():
        names = base.for_article(gold)
        g = truth.setdefault(art, (names, _gold_sets(gold, names)))[1]
        p = {c: [i for r in pred[c].get(art, []) if (i := _item(c, r, names)) is not None]
             for c in CATEGORIES}
        m = misses[art] = []
        for t in ENTITY_TYPES:
            _compare(scores, f"entities.{t}", {e[1] for e in g["entities"] if e[0] == t},
                     {e[1] for e in p["entities"] if e[0] == t}, m, t)
        _compare(scores, "entities", g["entities"], set(p["entities"]))
        _compare(scores, "roles", g["roles"], set(p["roles"]), m, "role")
        _compare(scores, "roles.person+role", {x[:2] for x in g["roles"]},
                 {x[:2] for x in p["roles"]})
        _match_ceasefires(g["ceasefires"], p["ceasefires"], scores, m)
        _compare(scores, "events", g["events"], set(p["events"]), m, "event")
        _compare(scores, "events.dates", {e[0] for e in g["events"]}, {e[0] for e in p["events"]})
        _compare(scores, "figures", g["figures"], set(p["figures"]), m, "figure")
        m.sort()
    unknown = sorted(set().union(*(pred[c].keys() for c in CATEGORIES)) - set(golds))
    if unknown:
        problems.append(f"articles without gold (ignored): {', '.join(unknown[:20])}")
    return EvalReport(dict(sorted(scores.items())), len(golds), misses,
                      score_rules(graph, truth, problems), problems)


def score_rules(graph: Graph, truth: dict[str, tuple[Names, dict[str, Any]]],
                problems: list[str]) -> list[RuleScore]:
    """Precision per rule id, worst first: each distinct (category, article, item) a rule
    stands behind counts once for it, true if that article's gold (`truth`: names and gold
    sets per article) has it. A date rule (`kg:dateRuleId`) is judged on the dates alone:
    the event type is the trigger rule's business. Duplicate ceasefires count neither way."""
    behind: dict[tuple[str, str, str, tuple[Any, ...]], set[str]] = defaultdict(set)
    for cat, text in RULE_QUERIES.items():
        try:
            result = graph.query(text)
        except Exception as exc:  # rdflib raises many types; report, keep the others
            problems.append(f"rule query {cat}: {exc}")
            continue
        for row in result:
            values = {k: v.toPython() if isinstance(v, Literal) else str(v)
                      for k, v in cast(ResultRow, row).asdict().items()}
            art = local_name(values["article"])
            if art not in truth or (cat == "entities"
                                    and local_name(values["type"]) not in ENTITY_TYPES):
                continue
            item = _item(cat, values, truth[art][0])
            for kind in ("rule", "dateRule"):  # unbound variables are not in `values`
                if item is not None and kind in values:
                    short = item[:1] if kind == "dateRule" or cat == "ceasefires" else item
                    behind[(kind, cat, art, short)].add(str(values[kind]))
    scores: dict[str, RuleScore] = {}
    for (kind, cat, art, item), rules in behind.items():
        gold = truth[art][1]
        if cat == "ceasefires":
            dates = [c[0] for c in gold["ceasefires"]]
            verdict = "tp" if item[0] in dates else "dup" if _is_duplicate(item[0], dates) else "fp"
        else:
            verdict = "tp" if item in ({e[:1] for e in gold[cat]} if kind == "dateRule"
                                       else gold[cat]) else "fp"
        for rule in rules:
            rs = scores.setdefault(rule, RuleScore(rule=rule))
            rs.categories.add(cat)
            rs.tp += verdict == "tp"
            rs.fp += verdict == "fp"
            if len(rules) == 1:
                rs.only_tp += verdict == "tp"
                rs.only_fp += verdict == "fp"
    return sorted(scores.values(), key=lambda r: (r.precision, -r.fp, r.rule))


def format_report(report: EvalReport, misses: bool = False, per_rule: bool = False) -> str:
    """Render a report: the score table, with `misses` the missed and spurious items per
    article, with `per_rule` the precision per rule id (worst first); the headline last."""
    lines = [f"{'category':28} {'P':>6} {'R':>6} {'F1':>6}   tp/fp/fn"]
    for key, s in report.scores.items():
        # rounded to 4 places, then printed to 3, as score.py does: the tables agree exactly
        p, r, f = (round(v, 4) for v in (s.precision, s.recall, s.f1))
        lines.append(f"{key:28} {p:6.3f} {r:6.3f} {f:6.3f}   {s.tp}/{s.fp}/{s.fn}")
    if misses:
        lines += ["", "misses (per article):"]
        lines += [f"{art}: {m}" for art, items in report.misses.items() for m in items]
    if per_rule:
        lines += ["", f"{'rule (worst first)':36} {'P':>6} {'tp':>4} {'fp':>4} "
                      f"{'only tp/fp':>11}  categories"]
        lines += [f"{rs.rule:36} {rs.precision:6.3f} {rs.tp:4d} {rs.fp:4d} "
                  f"{f'{rs.only_tp}/{rs.only_fp}':>11}  {','.join(sorted(rs.categories))}"
                  for rs in report.rules]
    lines += [f"problem: {p}" for p in report.problems]
    lines.append(f"headline F1 (mean of {', '.join(CATEGORIES)}) over {report.articles} "
                 f"articles: {report.headline:.3f}")
    return "\n".join(lines)
