"""Annotate stage: loading and validating the date rules (``kg/lexicons/dates.yaml``).

Turns the rule file into compiled, immutable `DateRules` for the normaliser in
`kg.annotate.dates`: word groups become regex placeholders (expanded as a trie, so a
placeholder costs one step per character, not one per word), every rule and prefix is
compiled, each rule's `requires` becomes a bit mask for the quick path, and each problem
found is collected into one `LexiconError` (HOUSE-STYLE 8.3).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from kg.errors import LexiconError

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UNITS = ("day", "month", "year")
KINDS = ("date", "day", "year", "decade", "weekday", "offset", "skip")
PREFIX_KINDS = ("since", "hedge")
# Lexicon group (= regex placeholder) -> allowed canonical keys (None: a plain word list).
LEXICON = MappingProxyType({
    "month_name": MONTHS, "month_abbr": MONTHS, "weekday": WEEKDAYS, "weekday_ambiguous": WEEKDAYS,
    "part_of_day": ("dawn", "morning", "midday", "afternoon", "evening"),
    "hedge": ("early", "mid", "late"), "number_word": tuple(range(1, 100)),
    "count_word": None, "time_zone": None, "hijri_month": None, "reporting_verb": None,
    "list_word": None})
# Rule kind -> named groups of which its pattern needs at least one.
_GROUPS = MappingProxyType({"date": ("month", "month_num", "month_alt"), "day": ("day",),
                            "year": ("year",), "decade": ("decade", "decade_short"),
                            "weekday": ("weekday",), "hedge": ("hedge",)})
# What stands between two items of a list of dates ('10, 11 dan 12 Oktober'): a comma
# and / or a {list_word}; also the placeholder {list_joiner} in rule patterns.
_JOINER = r"(?:\s*,\s*(?:(?:{list_word})\s+)?|\s+(?:{list_word})\s+)"
_ID = re.compile(r"date\.[a-z0-9]+(?:-[a-z0-9]+)*\.[a-z0-9]+(?:-[a-z0-9]+)*")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_TOKEN = re.compile(r"[a-z]+")  # word tokens of lower-cased text, for `requires`
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


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
    # The quick path (a speed-up only): `bits` gives for each word that some `requires`
    # names (as ASCII bytes; b"0": a digit) the requires items it meets, `needs` each
    # rule's items and `gate` every rule's first item (none met: no rule can match).
    bits: Mapping[bytes, int] | None = None
    needs: tuple[int, ...] = ()
    gate: int = 0
    joiner: re.Pattern[str] | None = None  # the text between two items of a list of dates

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Ids of every rule and prefix, in file order."""
        return tuple(rule.id for rule in self.rules + self.prefixes)


def norm(word: str) -> str:
    """Lookup key of a surface form: lower case, single spaces, plain apostrophe, no end dot."""
    return " ".join(word.replace("\u2019", "'").lower().rstrip(".").split())


def lower(text: str) -> str:
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
                         if tables[name].setdefault(norm(w), key) != key]
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
            firsts = [["0"]] if alt == "digit" else [_TOKEN.findall(lower(w))[:1] for w in forms]
            if not forms or not all(firsts):
                problems.append(f"{where}: cannot require {alt!r} (unknown, or not a word)")
            tokens.update(f[0] for f in firsts if f)
        result.append(frozenset(tokens))
    return tuple(result)


def alternation(words: list[str] | set[str], lower_case: bool = True) -> str:
    """A regex matching any of `words`, written as a trie ('jan(?:uar(?:i|y))?'): the
    engine then checks one character per step instead of one word per step. Where two
    words share a start it tries the longer first, as a longest-first list would."""
    trie: dict[str, Any] = {}
    for word in {lower(w) if lower_case else w for w in words}:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return (f"(?:{body})?" if "" in node else body) if branches else ""

    return "(?:" + (emit(trie) or "(?!)") + ")"


def _expand(pattern: str, words: dict[str, list[str]], lower_case: bool) -> str:
    """`pattern` with each {placeholder} replaced by its words (or the list joiner)."""
    def one(m: re.Match[str]) -> str:
        if m[1] == "list_joiner":
            return _expand(_JOINER, words, lower_case)
        return alternation(words.get(m[1], []), lower_case)
    return _PLACEHOLDER.sub(one, pattern)


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
    known = set(words) | {"list_joiner"}
    if unknown := [n for n in _PLACEHOLDER.findall(pattern) if n not in known]:
        problems.append(f"{where}: unknown placeholder(s) {', '.join(unknown)}")
    try:
        regex = re.compile(_expand(pattern, words, not case))
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


def _quick_path(rules: list[DateRule]) -> tuple[dict[bytes, int], tuple[int, ...], int]:
    """The `requires` of all rules as bit masks, one bit per distinct item: which items
    each word meets, which each rule needs, and the first items (the gate; 0: no gate,
    as a rule without `requires` always runs)."""
    items = sorted({item for rule in rules for item in rule.requires}, key=sorted)
    bit = {item: 1 << i for i, item in enumerate(items)}
    bits: dict[bytes, int] = {}
    for item in items:
        for token in item:
            bits[token.encode()] = bits.get(token.encode(), 0) | bit[item]
    needs = tuple(sum(bit[item] for item in set(rule.requires)) for rule in rules)
    gate = 0 if 0 in needs else sum({bit[rule.requires[0]] for rule in rules})
    return bits, needs, gate


def _settings(settings: Any, problems: list[str]) -> list[Any]:
    """min_year, max_year and rollover_days, checked."""
    settings = settings if isinstance(settings, dict) else {}
    bounds = [settings.get(key, default) for key, default in
              (("min_year", 1900), ("max_year", 2039), ("rollover_days", 31))]
    if not all(isinstance(b, int) for b in bounds) or bounds[0] >= bounds[1]:
        problems.append("settings: min_year < max_year and rollover_days must be integers")
    return bounds


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
    bounds = _settings(data.get("settings"), problems)
    if problems:
        raise LexiconError([f"{source.name}: {p}" for p in problems])
    rules = compiled[False]
    bits, needs, gate = _quick_path(rules)
    return DateRules(
        tuple(rules), tuple(compiled[True]), months=MappingProxyType(tables["month"]),
        weekdays=MappingProxyType(tables["weekday_any"]), hedges=MappingProxyType(tables["hedge"]),
        numbers=MappingProxyType(tables["number_word"]), min_year=bounds[0], max_year=bounds[1],
        rollover_days=bounds[2], bits=MappingProxyType(bits), needs=needs, gate=gate,
        joiner=re.compile(_expand(_JOINER, words, True)))
