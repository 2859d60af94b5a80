"""Annotate stage: the date normaliser (sentence text + anchor -> DateMention).

Reads ``kg/lexicons/dates.yaml``, where every surface form and pattern lives (its header
documents the rule kinds); this module holds only mechanisms: matching, longest-match
selection, EDTF and calendar arithmetic. Implements CONTRACT section 3 on dates: as
precise as the text and no more; relative dates resolve against the publication date
(the anchor) and, without one, stay unresolved rather than guessed.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from kg.errors import LexiconError
from kg.model import DateMention, DateValue

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UNITS = ("day", "month", "year")
KINDS = ("date", "year", "decade", "weekday", "offset", "skip")
PREFIX_KINDS = ("since", "hedge")
# Lexicon group (= regex placeholder) -> allowed canonical keys (None: a plain word list).
LEXICON = MappingProxyType({
    "month_name": MONTHS, "month_abbr": MONTHS, "weekday": WEEKDAYS, "weekday_ambiguous": WEEKDAYS,
    "part_of_day": ("dawn", "morning", "midday", "afternoon", "evening"),
    "hedge": ("early", "mid", "late"), "number_word": tuple(range(1, 100)),
    "count_word": None, "time_zone": None, "hijri_month": None})
# Rule kind -> named groups of which its pattern needs at least one.
_GROUPS = MappingProxyType({"date": ("month", "month_num", "month_alt"), "year": ("year",),
                            "decade": ("decade", "decade_short"), "weekday": ("weekday",),
                            "hedge": ("hedge",)})
_ID = re.compile(r"date\.[a-z0-9]+(?:-[a-z0-9]+)*\.[a-z0-9]+(?:-[a-z0-9]+)*")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"[a-z]+")  # word tokens of lower-cased text, for `requires`
_BACK = re.compile(r"(?:\S*\s+){0,4}\S*")  # four words, matched on reversed text
_JOIN = re.compile(r"\s*,?\s*\(?")  # what may stand between a weekday and its date
_ISO = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PREFIX_WINDOW = 40  # characters before a date searched for a prefix ('sejak', 'akhir')


@dataclass(frozen=True, slots=True)
class DateRule:
    """One compiled rule; `kind` says how the engine reads its named groups."""

    id: str
    kind: str
    regex: re.Pattern[str]
    unit: str = ""
    value: int = 0
    sign: int = -1
    case_sensitive: bool = False
    requires: tuple[frozenset[str], ...] = ()  # all needed; each: any of these ("0": a digit)


@dataclass(frozen=True, slots=True)
class DateRules:
    """Compiled, validated date rules and the word tables that read their matches."""

    rules: tuple[DateRule, ...]
    prefixes: tuple[DateRule, ...]
    months: Mapping[str, str]
    weekdays: Mapping[str, str]
    hedges: Mapping[str, str]
    numbers: Mapping[str, int]
    min_year: int = 1900
    max_year: int = 2039
    rollover_days: int = 31
    gate: frozenset[str] | None = None  # a sentence with none of these tokens has no date

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Ids of every rule and prefix, in file order."""
        return tuple(rule.id for rule in self.rules + self.prefixes)


@dataclass(frozen=True, slots=True)
class DateSpan:
    """Text claimed by a rule; `value` is None when it gives no date (a skip rule, a week,
    a relative date without a usable anchor, an impossible date)."""

    start: int
    end: int
    rule_id: str
    value: DateValue | None
    relative: bool = False


# ------------------------------------------------------------------ loading and validation

def _norm(word: str) -> str:
    """Lookup key of a surface form: lower case, single spaces, plain apostrophe, no end dot."""
    return " ".join(word.replace("\u2019", "'").lower().rstrip(".").split())


def _lower(text: str) -> str:
    """`text` with (at least) its ASCII letters lower-cased, keeping every offset."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


def _read_lexicon(lexicon: Any, ids: list[str], problems: list[str]
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    """Validate the word groups: per placeholder, surface -> canonical key and the forms."""
    lexicon = lexicon if isinstance(lexicon, dict) else {}
    tables: dict[str, dict[str, Any]] = {}
    words: dict[str, list[str]] = {}
    for name, keys in LEXICON.items():
        group = lexicon.get(name) if isinstance(lexicon.get(name), dict) else {}
        ids.append(str(group.get("id")))
        entries = group.get("words")
        entries = {None: entries} if isinstance(entries, list) else entries
        if not isinstance(entries, dict) or not entries or (keys is None) != (None in entries):
            shape = "a list" if keys is None else "key: [forms]"
            problems.append(f"lexicon.{name}: words must be {shape}")
            entries = {}
        tables[name], words[name] = {}, []
        for key, forms in entries.items():
            if keys is not None and key not in keys:
                problems.append(f"lexicon.{name}: unknown key {key!r}")
            if not isinstance(forms, list) or not all(isinstance(w, str) and w for w in forms):
                problems.append(f"lexicon.{name}.{key}: expected a list of words")
                continue
            words[name] += forms
            problems += [f"lexicon.{name}: {w!r} has two keys" for w in forms
                         if tables[name].setdefault(_norm(w), key) != key]
    for name, (one, two) in {"month": ("month_name", "month_abbr"),
                             "weekday_any": ("weekday", "weekday_ambiguous")}.items():
        words[name], tables[name] = words[one] + words[two], {**tables[one], **tables[two]}
    missing = set(MONTHS) - set(tables["month_name"].values())
    missing |= set(WEEKDAYS) - set(tables["weekday_any"].values())
    problems += [f"lexicon: no surface form for {key!r}" for key in sorted(missing)]
    return tables, words


def _requirements(items: Any, words: dict[str, list[str]], where: str,
                  problems: list[str]) -> tuple[frozenset[str], ...]:
    """`requires` as token sets: 'digit' -> "0", a word or {placeholder} -> first token(s)."""
    if not isinstance(items, list | None):
        problems.append(f"{where}: requires must be a list")
    result = []
    for item in items if isinstance(items, list) else []:
        tokens: set[str] = set()
        for alt in item if isinstance(item, list) else [item]:
            name = _PLACEHOLDER.fullmatch(str(alt))
            forms = words.get(name[1], []) if name else [str(alt)]
            firsts = [["0"]] if alt == "digit" else [_TOKEN.findall(_lower(w))[:1] for w in forms]
            if not forms or not all(firsts):
                problems.append(f"{where}: cannot require {alt!r} (unknown, or not a word)")
            tokens.update(f[0] for f in firsts if f)
        result.append(frozenset(tokens))
    return tuple(result)


def _alternation(words: list[str], lower: bool) -> str:
    """A regex alternation of `words`, longest first."""
    forms = sorted({_lower(w) if lower else w for w in words}, key=lambda w: (-len(w), w))
    return "(?:" + "|".join(map(re.escape, forms)) + ")"


def _compile_rule(rule: Any, words: dict[str, list[str]], prefix: bool,
                  problems: list[str]) -> DateRule | None:
    """Compile one rule or prefix entry (placeholders expanded), noting every problem."""
    where = f"rule {rule.get('id') if isinstance(rule, dict) else None!r}"
    if not isinstance(rule, dict) or not isinstance(rule.get("pattern"), str):
        problems.append(f"{where}: expected a mapping with an id and a pattern")
        return None
    kind, case, pattern = rule.get("kind"), bool(rule.get("case_sensitive")), rule["pattern"]
    unit, value, sign = rule.get("unit", ""), rule.get("value", 0), rule.get("sign", -1)
    if kind not in (PREFIX_KINDS if prefix else KINDS):
        problems.append(f"{where}: unknown kind {kind!r}")
    if unknown := [n for n in _PLACEHOLDER.findall(pattern) if n not in words]:
        problems.append(f"{where}: unknown placeholder(s) {', '.join(unknown)}")
    try:
        expanded = _PLACEHOLDER.sub(lambda m: _alternation(words.get(m[1], []), not case), pattern)
        regex = re.compile(expanded)
    except re.error as exc:
        problems.append(f"{where}: bad regex: {exc}")
        return None
    if (needs := _GROUPS.get(str(kind))) and not set(needs) & set(regex.groupindex):
        problems.append(f"{where}: a {kind} rule needs a group named {' or '.join(needs)}")
    if kind == "offset" and (unit not in UNITS or type(value) is not int or sign not in (1, -1)):
        problems.append(f"{where}: an offset needs a unit ({'|'.join(UNITS)}), int value, sign ±1")
    if prefix and not pattern.endswith("$"):
        problems.append(f"{where}: a prefix pattern must end with $")
    requires = _requirements(rule.get("requires"), words, where, problems)
    return DateRule(str(rule.get("id")), str(kind), regex, str(unit), value, sign, case, requires)


def load_date_rules(path: Path | None = None) -> DateRules:
    """Load, validate and compile the date rules.

    Args:
        path: a rules file; by default the packaged ``kg/lexicons/dates.yaml``.

    Returns:
        The compiled rules for `find_dates` and `find_dateline`.

    Raises:
        LexiconError: listing every problem found (unreadable file, bad regex, duplicate
            or malformed id, unknown month key, unknown placeholder, missing group...).
    """
    source = resources.files("kg") / "lexicons" / "dates.yaml" if path is None else Path(path)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError([f"{source}: cannot read: {exc}"]) from exc
    data = data if isinstance(data, dict) else {}
    problems: list[str] = []
    ids: list[str] = []
    tables, words = _read_lexicon(data.get("lexicon"), ids, problems)
    compiled: dict[bool, list[DateRule]] = {False: [], True: []}
    for prefix, section in ((False, "rules"), (True, "prefixes")):
        entries = data.get(section)
        for entry in entries if isinstance(entries, list) else []:
            ids.append(str(entry.get("id")) if isinstance(entry, dict) else "None")
            compiled[prefix] += filter(None, [_compile_rule(entry, words, prefix, problems)])
    problems += [f"id {i!r} is not date.<group>.<slug>" for i in ids if not _ID.fullmatch(i)]
    problems += [f"duplicate id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    settings = data.get("settings")
    bounds = [(settings if isinstance(settings, dict) else {}).get(key, default) for key, default in
              (("min_year", 1900), ("max_year", 2039), ("rollover_days", 31))]
    if not all(isinstance(b, int) for b in bounds) or bounds[0] >= bounds[1]:
        problems.append("settings: min_year < max_year and rollover_days must be integers")
    if problems:
        raise LexiconError([f"{source.name}: {p}" for p in problems])
    rules = compiled[False]
    gate = None if any(not r.requires for r in rules) else frozenset().union(
        *(r.requires[0] for r in rules))
    return DateRules(
        tuple(rules), tuple(compiled[True]), months=MappingProxyType(tables["month"]),
        weekdays=MappingProxyType(tables["weekday_any"]), hedges=MappingProxyType(tables["hedge"]),
        numbers=MappingProxyType(tables["number_word"]), min_year=bounds[0], max_year=bounds[1],
        rollover_days=bounds[2], gate=gate)


# ------------------------------------------------------------------ EDTF values

def _day(date: dt.date) -> DateValue:
    return DateValue(date.isoformat(), date, date)


def _month(year: int, month: int) -> DateValue:
    last = calendar.monthrange(year, month)[1]
    return DateValue(f"{year:04d}-{month:02d}", dt.date(year, month, 1), dt.date(year, month, last))


def _year(year: int) -> DateValue:
    return DateValue(f"{year:04d}", dt.date(year, 1, 1), dt.date(year, 12, 31))


def _interval(first: DateValue, last: DateValue) -> DateValue | None:
    """An EDTF interval, or None when it would not run forwards."""
    if last.earliest <= first.latest:
        return None
    return DateValue(f"{first.edtf}/{last.edtf}", first.earliest, last.latest)


def _narrow(value: DateValue, hedge: str) -> tuple[DateValue, str]:
    """Bounds of the first / middle / last third of a month (by days), a year (by months)
    or a decade (by years); the EDTF stays as written."""
    lo, hi = value.earliest, value.latest
    if value.precision == "month":
        units = [(lo + dt.timedelta(i),) * 2 for i in range((hi - lo).days + 1)]
    elif value.precision in ("year", "decade"):
        parts = ([_year(y) for y in range(lo.year, hi.year + 1)] if value.precision == "decade"
                 else [_month(lo.year, m) for m in range(1, 13)])
        units = [(p.earliest, p.latest) for p in parts]
    else:
        return value, ""
    n, third = len(units), len(units) // 3
    first, last, word = {"early": (0, third - 1, "first"), "mid": (third, n - third - 1, "middle"),
                         "late": (n - third, n - 1, "last")}[hedge]
    lo, hi = units[first][0], units[last][1]
    return replace(value, earliest=lo, latest=hi), f", narrowed to its {word} third {lo}..{hi}"


def _finish(value: DateValue, reason: str, groups: dict[str, Any], rules: DateRules) -> DateValue:
    """Attach the reason, first narrowing the bounds if the match has a hedge (awal/akhir)."""
    hedge = rules.hedges.get(_norm(groups.get("hedge") or ""))
    value, note = _narrow(value, hedge) if hedge else (value, "")
    return replace(value, reason=reason + note)


# ------------------------------------------------------------------ reading a match

def _anchor_at(anchor: DateValue | None, *precisions: str) -> dt.date | None:
    """The anchor's first day if its precision is one of `precisions`, else None."""
    return anchor.earliest if anchor is not None and anchor.precision in precisions else None


def _year_from_anchor(month: int, day: int, anchor: DateValue, rules: DateRules,
                      future: bool) -> tuple[int, str]:
    """The anchor's year, or the year before if the anchor's would put the date more than
    `rollover_days` after publication (news reports the past) and the text does not say
    the date is to come ('mendatang')."""
    year = anchor.earliest.year
    candidate = dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))
    if not future and candidate > anchor.latest + dt.timedelta(days=rules.rollover_days):
        return year - 1, f"with no year -> {year - 1}, the year before the anchor {anchor.edtf}:"
    return year, f"with no year -> year of the anchor {year}:"


def _resolve_date(rule: DateRule, m: re.Match[str], anchor: DateValue | None,
                  rules: DateRules) -> tuple[DateValue | None, bool]:
    """Day or none, month, year (else the anchor's), optional range end and hedge."""
    g = m.groupdict()
    word = g.get("month") or g.get("month_alt")
    month = MONTHS.index(rules.months[_norm(word)]) + 1 if word else int(g["month_num"])
    day, relative = int(g["day"]) if g.get("day") else None, not g.get("year")
    if not 1 <= month <= 12 or (relative and (anchor is None or not _anchor_at(anchor, *UNITS))):
        return None, relative
    year, how = (_year_from_anchor(month, day or 1, anchor, rules, bool(g.get("future")))
                 if anchor is not None and relative else (int(g["year"]), "->"))
    value: DateValue | None
    try:
        value = _month(year, month) if day is None else _day(dt.date(year, month, day))
        if g.get("day2"):
            value = _interval(value, _day(dt.date(year, month, int(g["day2"]))))
    except ValueError:
        return None, relative
    if value is None or not rules.min_year <= year <= rules.max_year:
        return None, relative
    return _finish(value, f"{how} {value.edtf}", g, rules), relative


def _resolve_year(rule: DateRule, m: re.Match[str], anchor: DateValue | None,
                  rules: DateRules) -> tuple[DateValue | None, bool]:
    """A year, a range of years ('antara 1991 dan 1994' -> 1991/1994) or a decade ('1990-an'
    -> 199X; a two-digit decade, '90-an', is read in the 1900s)."""
    g = m.groupdict()
    value: DateValue | None
    if g.get("decade") or g.get("decade_short"):
        start = int(g["decade"]) if g.get("decade") else 1900 + int(g["decade_short"])
        value = DateValue(f"{start // 10}X", dt.date(start, 1, 1), dt.date(start + 9, 12, 31))
        years, how = [start], f"-> the decade {start}-{start + 9}:"
    else:
        years, how = [int(y) for y in (g.get("year"), g.get("year2")) if y], "->"
        value = _interval(_year(years[0]), _year(years[1])) if len(years) > 1 else _year(years[0])
    if value is None or not all(rules.min_year <= y <= rules.max_year for y in years):
        return None, False
    return _finish(value, f"{how} {value.edtf}", g, rules), False


def _resolve_weekday(rule: DateRule, m: re.Match[str], anchor: DateValue | None,
                     rules: DateRules) -> tuple[DateValue | None, bool]:
    """A weekday -> that weekday on or before a day-precise anchor (the same day allowed)."""
    day, key = _anchor_at(anchor, "day"), rules.weekdays.get(_norm(m["weekday"]))
    if day is None or anchor is None or key is None:
        return None, True
    date = day - dt.timedelta((day.weekday() - WEEKDAYS.index(key)) % 7)
    reason = f"-> the {key.title()} on or before the anchor {anchor.edtf}: {date}"
    return replace(_day(date), reason=reason), True


def _resolve_offset(rule: DateRule, m: re.Match[str], anchor: DateValue | None,
                    rules: DateRules) -> tuple[DateValue | None, bool]:
    """A fixed or counted number of days / months / years from the anchor ('2 hari lalu')."""
    g = m.groupdict()
    n = g.get("n")
    amount = rule.sign * (int(n) if n.isdigit() else rules.numbers[_norm(n)]) if n else rule.value
    start = _anchor_at(anchor, *UNITS[: UNITS.index(rule.unit) + 1])  # months need a month...
    if start is None or anchor is None:
        return None, True
    if rule.unit == "day":
        value = _day(start + dt.timedelta(amount))
    elif rule.unit == "month":
        year, month0 = divmod(start.year * 12 + start.month - 1 + amount, 12)
        value = _month(year, month0 + 1)
    else:
        value = _year(start.year + amount)
    if not rules.min_year <= value.earliest.year <= rules.max_year:
        return None, True
    shift = (f"{abs(amount)} {rule.unit}(s) {'before' if amount < 0 else 'after'}" if amount
             else f"the {rule.unit} of")
    return _finish(value, f"-> {shift} the anchor {anchor.edtf}: {value.edtf}", g, rules), True


_RESOLVERS: Mapping[str, Callable[..., tuple[DateValue | None, bool]]] = MappingProxyType({
    "date": _resolve_date, "year": _resolve_year, "decade": _resolve_year,
    "weekday": _resolve_weekday, "offset": _resolve_offset})


def _weekday_note(word: str, value: DateValue, rules: DateRules) -> str:
    """A warning for the reason when a weekday beside a full date does not match it."""
    said, actual = rules.weekdays.get(_norm(word), ""), WEEKDAYS[value.earliest.weekday()]
    if not said or value.precision != "day" or said == actual:
        return ""
    return f" (the text says {said.title()}, but that date is a {actual.title()})"


# ------------------------------------------------------------------ finding dates

def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _scan_start(lowered: str, tokens: frozenset[str], digit: int) -> int:
    """Four words before the first of `tokens` ("0": the first digit): no match of a rule
    requiring them starts earlier. `find` may hit inside a word: earlier, so still safe."""
    at = min([i for i in (digit if t == "0" else lowered.find(t) for t in tokens) if i >= 0]
             or [0])
    back = _BACK.match(lowered[at - 1::-1] if at else "")
    return at - (back.end() if back else 0)


def _select(text: str, rules: DateRules,
            quick: bool = True) -> list[tuple[DateRule, re.Match[str]]]:
    """Matches of all rules, keeping greedily the longest non-overlapping ones, by start.

    Ties: a date beats a skip rule, then the earlier start, then file order. A match never
    starts inside a word. `quick` (same result, faster) skips the rules whose `requires`
    the text does not meet and starts each scan near the first required token."""
    lowered, hit = _lower(text), _DIGIT.search(text)
    tokens = set(_TOKEN.findall(lowered)) | ({"0"} if hit else set())
    if quick and rules.gate is not None and rules.gate.isdisjoint(tokens):
        return []  # the cheap pre-check: no digit and no month, weekday, 'hari'... word
    found: list[tuple[DateRule, re.Match[str]]] = []
    starts: dict[frozenset[str], int] = {frozenset(): 0}
    for rule in rules.rules:
        if quick and any(map(tokens.isdisjoint, rule.requires)):
            continue
        key = rule.requires[0] if quick and rule.requires else frozenset()
        if key not in starts:
            starts[key] = _scan_start(lowered, key, hit.start() if hit else -1)
        matches = rule.regex.finditer(text if rule.case_sensitive else lowered, starts[key])
        found += [(rule, m) for m in matches if m.end() > m.start() and not (
            m.start() and _is_word(lowered[m.start() - 1]) and _is_word(lowered[m.start()]))]
    found.sort(key=lambda f: (f[1].start() - f[1].end(), f[0].kind == "skip", f[1].start()))
    taken: list[tuple[DateRule, re.Match[str]]] = []
    for rule, m in found:
        if all(m.end() <= o.start() or m.start() >= o.end() for _, o in taken):
            taken.append((rule, m))
    return sorted(taken, key=lambda f: f[1].start())


def _apply_prefixes(text: str, start: int, floor: int, rule_id: str, value: DateValue,
                    rules: DateRules) -> tuple[int, str, DateValue]:
    """Widen a dated span over the prefixes right before it, each at most once: 'sejak'
    (since: the start of a period) and hedges (awal/pertengahan/akhir: narrower bounds)."""
    used: set[str] = set()
    for _ in rules.prefixes:
        head = _lower(text[max(floor, start - _PREFIX_WINDOW): start])
        for prefix in rules.prefixes:
            m = prefix.regex.search(head)
            if m is None or prefix.id in used or (
                    prefix.kind == "hedge" and value.precision not in ("month", "year", "decade")):
                continue
            value, note = (_narrow(value, rules.hedges[_norm(m["hedge"])]) if prefix.kind == "hedge"
                           else (value, ", the start of a period"))
            start, rule_id = start - len(head) + m.start(), prefix.id
            value = replace(value, reason=value.reason + note)
            used.add(prefix.id)
            break
    return start, rule_id, value


def scan_dates(text: str, anchor: DateValue | None, rules: DateRules,
               offset: int = 0) -> list[DateSpan]:
    """Every span a rule claims in one sentence, also those that give no date.

    This is `find_dates` before the dateless spans are dropped: it shows why a number is
    not a date (which skip rule claimed it).

    Args:
        text: one sentence.
        anchor: the publication date, or None.
        rules: from `load_date_rules`.
        offset: added to every start and end (the sentence's offset in the article).

    Returns:
        Non-overlapping spans sorted by start.

    Example:
        >>> [s.rule_id for s in scan_dates("2000 orang mengungsi", None, load_date_rules())]
        ['date.skip.count']
    """
    selected = _select(text, rules)
    spans: list[DateSpan] = []
    while selected:
        (rule, m), weekday, start = selected.pop(0), "", None
        if (rule.kind == "weekday" and selected and selected[0][0].kind == "date"
                and _JOIN.fullmatch(text, m.end(), selected[0][1].start())):
            weekday, start = m["weekday"], m.start("weekday")  # 'Sabtu, 7 Oktober': one mention
            rule, m = selected.pop(0)
        resolve = _RESOLVERS.get(rule.kind)
        value, relative = resolve(rule, m, anchor, rules) if resolve else (None, False)
        start, rule_id = m.start() if start is None else start, rule.id
        start -= start > 0 and text[start - 1] == "(" and ")" in m[0]  # '(31/10/2020)'
        if value is not None:
            value = replace(value, reason=value.reason + _weekday_note(weekday, value, rules))
            floor = spans[-1].end - offset if spans else 0
            start, rule_id, value = _apply_prefixes(text, start, floor, rule_id, value, rules)
            surface = " ".join(text[start:m.end()].split())
            value = replace(value, reason=f"'{surface}' {value.reason}")
        spans.append(DateSpan(start + offset, m.end() + offset, rule_id, value, relative))
    return spans


def find_dates(text: str, anchor: DateValue | None, rules: DateRules,
               offset: int = 0) -> list[DateMention]:
    """Find and normalise the date expressions of one sentence.

    Args:
        text: one sentence.
        anchor: the publication date (relative dates resolve against it), or None.
        rules: from `load_date_rules`.
        offset: added to every start and end (the sentence's offset in the article).

    Returns:
        Non-overlapping mentions (the longest match wins), sorted by start.

    Example:
        >>> rules, anchor = load_date_rules(), parse_iso_date("2020-11-02")
        >>> [m.value.edtf for m in find_dates("Pada Sabtu (31/10/2020) dan kemarin", anchor, rules)]
        ['2020-10-31', '2020-11-01']
    """
    return [DateMention(s.start, s.end, s.value, s.rule_id, s.relative)
            for s in scan_dates(text, anchor, rules, offset) if s.value is not None]


def find_dateline(text: str, rules: DateRules, max_lines: int = 6) -> DateMention | None:
    """The publication date from a dateline in the first non-empty lines of an article.

    Only an absolute full date counts (day precision, no anchor used); a Hijri date
    beside it is skipped.

    Args:
        text: the article text.
        rules: from `load_date_rules`.
        max_lines: how many non-empty lines to read.

    Returns:
        The first such date (offsets into `text`), or None.

    Example:
        >>> text = "Judul\\nSabtu, 07 Oktober 2023 - 08:48 WIB\\nMOSKOW - ..."
        >>> find_dateline(text, load_date_rules()).value.edtf
        '2023-10-07'
    """
    position, seen = 0, 0
    for line in text.splitlines(keepends=True):
        if line.strip():
            for mention in find_dates(line, None, rules, offset=position):
                if not mention.relative and mention.value.precision == "day":
                    return mention
            seen += 1
            if seen >= max_lines:
                break
        position += len(line)
    return None


def parse_iso_date(value: str) -> DateValue | None:
    """Read a header date: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``.

    Args:
        value: the header value.

    Returns:
        The date, or None for ``unknown`` and anything invalid (``2020-13-31``).

    Example:
        >>> parse_iso_date("2020-11").latest
        datetime.date(2020, 11, 30)
    """
    m = _ISO.fullmatch(value.strip())
    year, month, day = (int(x) if x else 0 for x in m.groups()) if m else (0, 0, 0)
    if m is None or (m[2] and not month) or (m[3] and not day):  # '2020-00', '2020-01-00'
        return None
    try:
        date = (_day(dt.date(year, month, day)) if day
                else _month(year, month) if month else _year(year))
    except (ValueError, calendar.IllegalMonthError):
        return None
    return replace(date, reason=f"ISO date '{value.strip()}'")
