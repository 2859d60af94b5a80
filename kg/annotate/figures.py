"""Annotate stage: figures (numbers of people killed, wounded, displaced; troops).

Reads `lexicons/figures.yaml`; writes `Figure` records. Issue 3 item 5: digits with
thousand dots, `30 ribu`, number words, hedges kept as bounds, vague words as ranges
(flagged `vague`, never a single count in figures.rq), nothing from dates or money.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg.annotate.entities import alternation
from kg.errors import LexiconError
from kg.lexicon import check_unique_ids, load_yaml
from kg.model import FIGURE_KINDS, Figure, Sentence

_DIGITS = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"


@dataclass(frozen=True)
class FigureRules:
    """Compiled figure rules."""

    number_re: re.Pattern[str]
    words: dict[str, int]
    multipliers: dict[str, int]
    vague: dict[str, tuple[int, int]]
    hedge_before: re.Pattern[str]
    hedge_of: dict[str, tuple[str, str]]  # form -> (bound, rule id)
    after: tuple[tuple[re.Pattern[str], str, str], ...]   # (regex after the number, kind, rule)
    before: tuple[tuple[re.Pattern[str], str, str], ...]  # (regex ending before, kind, rule)
    gap_verb: re.Pattern[str]
    gap_allowed: frozenset[str]
    totals: tuple[tuple[re.Pattern[str], str, str], ...]


def load_figure_rules() -> FigureRules:
    """Load and validate `figures.yaml`.

    Raises:
        LexiconError: unknown kinds or duplicate ids.
    """
    data = load_yaml("figures.yaml")
    problems = check_unique_ids("figures.yaml kinds", data.get("kinds", []))
    problems += check_unique_ids("figures.yaml hedges", data.get("hedges", []))
    words = {str(k): int(v) for k, v in data.get("number_words", {}).items()}
    mult = {str(k): int(v) for k, v in data.get("multipliers", {}).items()}
    vague = {str(k): (int(v[0]), int(v[1])) for k, v in data.get("vague", {}).items()}
    word_forms = [w for w in words if w != "se"]
    number = (r"(?<![\w.,/-])(?:(?P<vague>" + "|".join(sorted(map(re.escape, vague), key=len, reverse=True)) + r")"
              r"|(?P<num>" + _DIGITS + r"|" + "|".join(map(re.escape, word_forms)) + r"|se(?=ratus|ribu|juta))"
              r"(?:\s*(?P<mult>" + "|".join(mult) + r"))?)(?![\w%]|[.,]\d)")
    hedge_of, hedge_forms = {}, []
    for h in data.get("hedges", []):
        for f in h["forms"]:
            hedge_of[f.casefold()] = (h["bound"], h["id"])
            hedge_forms.append(f)
    fillers = "|".join(re.escape(f) for f in sorted(data.get("fillers", []), key=len, reverse=True))
    after, before = [], []
    for k in data.get("kinds", []):
        if k.get("kind") not in FIGURE_KINDS:
            problems.append(f"figures.yaml {k.get('id')}: unknown kind {k.get('kind')!r}")
            continue
        # troops words must follow the number closely; outcome words (killed, wounded,
        # displaced) may come a few plain words later and win over a troops word.
        gap = r"(?:(?:" + fillers + r")\s+){0,3}" if k["kind"] == "troops" else r"(?:[^\s.;:()]+\s+){0,12}?"
        after.append((re.compile(r"\s+" + gap + "(?P<w>" + alternation(k.get("after", [])) + ")", re.I), k["kind"], k["id"]))
        before.append((re.compile(alternation(k.get("before", [])) + r"\s+(?:\w+\s+){0,2}$", re.I), k["kind"], k["id"]))
    totals = []
    verbs = alternation(data.get("total_verbs", []))
    for t in data.get("totals", []):
        if t.get("kind") not in FIGURE_KINDS:
            problems.append(f"figures.yaml {t.get('id')}: unknown kind {t.get('kind')!r}")
            continue
        totals.append((re.compile(alternation(t["heads"]) + r"[^.;:]{0,120}?" + verbs + r"\s+$", re.I), t["kind"], t["id"]))
    if problems:
        raise LexiconError(problems)
    return FigureRules(re.compile(number, re.I), words, mult, vague,
                       re.compile(alternation(hedge_forms) + r"\s+$", re.I), hedge_of, tuple(after), tuple(before),
                       re.compile(data.get("verb_prefix", "^$"), re.I),
                       frozenset(w.lower() for w in data.get("gap_verbs_allowed", [])), tuple(totals))


def _value(m: re.Match[str], rules: FigureRules) -> int | None:
    raw = m.group("num").lower()
    if raw in rules.words:
        base = rules.words[raw]
    elif raw == "se":
        base = 1
    else:
        try:
            base = float(raw.replace(".", "").replace(",", "."))
        except ValueError:
            return None
    mult = rules.multipliers.get((m.group("mult") or "").lower(), 1)
    return int(round(base * mult))


def find_figures(sentence: Sentence, rules: FigureRules, skip: list[tuple[int, int]] = ()) -> list[Figure]:
    """Figures in one sentence; `skip` holds article-offset spans already read as dates.

    Example:
        "menewaskan sedikitnya 1.200 orang" -> Figure(1200, killed, low=1200, high=None)
    """
    text, out = sentence.text, []
    for m in rules.number_re.finditer(text):
        a, b = sentence.start + m.start(), sentence.start + m.end()
        if any(s < b and a < e for s, e in skip):
            continue
        kind = _kind(text, m, rules)
        if kind is None:
            continue
        if m.group("vague"):
            lo, hi = rules.vague[m.group("vague").lower()]
            out.append(Figure(lo, kind[0], lo, hi, True, sentence.evidence(m.start(), m.end(), kind[1])))
            continue
        value = _value(m, rules)
        if not value:
            continue
        low = high = value
        start = m.start()
        head = text[max(0, m.start() - 80):m.start()]
        hedge = rules.hedge_before.search(head)
        if hedge:
            bound, _ = rules.hedge_of.get(hedge.group().strip().casefold(), ("about", ""))
            low, high = (value, None) if bound == "low" else (None, value) if bound == "high" else (None, None)
            start = m.start() - len(head) + hedge.start()
        out.append(Figure(value, kind[0], low, high, False, sentence.evidence(start, m.end(), kind[1])))
    return out


def _gap_ok(gap: str, rules: FigureRules) -> bool:
    """Only plain words, numbers and commas between a number and its outcome word."""
    return not any(rules.gap_verb.match(w) and w.lower() not in rules.gap_allowed
                   for w in re.findall(r"[\w-]+", gap))


def _kind(text: str, m: re.Match[str], rules: FigureRules) -> tuple[str, str] | None:
    """The kind of people a number counts: an outcome word after it, else a kind word
    before it ("menewaskan 50 orang") or a running total ("jumlah pengungsi mencapai"),
    else a troops word right after it."""
    troops = None
    for regex, kind, rid in rules.after:
        hit = regex.match(text, m.end())
        if hit and kind != "troops" and _gap_ok(text[m.end():hit.start("w")], rules):
            return kind, rid
        if hit and kind == "troops":
            troops = (kind, rid)
    head = text[max(0, m.start() - 200):m.start()]
    hedge = rules.hedge_before.search(head[-80:])
    if hedge:
        head = head[:len(head) - 80 + hedge.start()] if len(head) > 80 else head[:hedge.start()]
    for regex, kind, rid in rules.before:
        if regex.search(head[-60:]):
            return kind, rid
    for regex, kind, rid in rules.totals:
        if regex.search(head[-160:]):
            return kind, rid
    return troops
