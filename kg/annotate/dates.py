"""Annotate stage: the date normaliser (sentence text + anchor -> DateMention).

Reads ``kg/lexicons/dates.yaml`` through `kg.annotate.date_rules`, where every surface
form and pattern lives (the file header documents the rule kinds); this module holds only
mechanisms: matching, longest-match selection, lists of dates sharing a year, EDTF and
calendar arithmetic. Implements CONTRACT section 3 on dates: as precise as the text and
no more; relative dates resolve against the publication date (the anchor) and, without
one, stay unresolved rather than guessed.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from kg.annotate.date_rules import (
    MONTHS,
    UNITS,
    WEEKDAYS,
    DateRule,
    DateRules,
    load_date_rules,
    lower,
    norm,
)
from kg.model import DateMention, DateValue

__all__ = ["DateRule", "DateRules", "DateSpan", "find_dateline", "find_dates",
           "load_date_rules", "parse_iso_date", "scan_dates"]

_DIGIT = re.compile(r"\d")
_LETTERS = bytes(c if 97 <= c <= 122 else 32 for c in range(256))  # bytes: [a-z] or a space
_JOIN = re.compile(r"\s*,?\s*\(?")  # what may stand between a weekday and its date
_ISO = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_PREFIX_WINDOW = 40  # characters before a date searched for a prefix ('sejak', 'akhir')
Groups = dict[str, Any]  # the named groups of a match (or of a list item that borrows)


@dataclass(frozen=True, slots=True)
class DateSpan:
    """Text claimed by a rule; `value` is None when it gives no date (a skip rule, a week,
    a relative date without a usable anchor, an impossible date)."""

    start: int
    end: int
    rule_id: str
    value: DateValue | None
    relative: bool = False


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
    lo, hi, precision = value.earliest, value.latest, value.precision
    n = {"month": (hi - lo).days + 1, "year": 12, "decade": hi.year - lo.year + 1}.get(precision)
    if n is None:
        return value, ""
    third = n // 3
    first, last, word = {"early": (0, third - 1, "first"), "mid": (third, n - third - 1, "middle"),
                         "late": (n - third, n - 1, "last")}[hedge]
    if precision == "month":  # unit i: day i of the month
        lo, hi = lo + dt.timedelta(first), lo + dt.timedelta(last)
    elif precision == "year":  # unit i: month i + 1
        lo, hi = _month(lo.year, first + 1).earliest, _month(lo.year, last + 1).latest
    else:  # unit i: year i of the decade
        lo, hi = _year(lo.year + first).earliest, _year(lo.year + last).latest
    return (DateValue(value.edtf, lo, hi, value.reason),
            f", narrowed to its {word} third {lo}..{hi}")


def _finish(value: DateValue, reason: str, groups: Groups, rules: DateRules) -> DateValue:
    """Attach the reason, first narrowing the bounds if the match has a hedge (awal/akhir)."""
    hedge = rules.hedges.get(norm(groups["hedge"])) if groups.get("hedge") else None
    value, note = _narrow(value, hedge) if hedge else (value, "")
    return DateValue(value.edtf, value.earliest, value.latest, reason + note)


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


def _resolve_date(rule: DateRule, g: Groups, anchor: DateValue | None,
                  rules: DateRules) -> tuple[DateValue | None, bool]:
    """Day or none, month, year (else the anchor's), optional range end and hedge; a bare
    listed day ('10 dan 12 Oktober') only with the month its list lends it (`listed`)."""
    word = g.get("month") or g.get("month_alt")
    if not word and not g.get("month_num"):
        return None, False
    month = MONTHS.index(rules.months[norm(word)]) + 1 if word else int(g["month_num"])
    day, relative = int(g["day"]) if g.get("day") else None, not g.get("year")
    if not 1 <= month <= 12 or (relative and (anchor is None or not _anchor_at(anchor, *UNITS))):
        return None, relative
    year, how = (_year_from_anchor(month, day or 1, anchor, rules, bool(g.get("future")))
                 if anchor is not None and relative else (int(g["year"]), "->"))
    if listed := g.get("listed"):
        how = f"{listed} {how}" if relative else listed
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


def _resolve_year(rule: DateRule, g: Groups, anchor: DateValue | None,
                  rules: DateRules) -> tuple[DateValue | None, bool]:
    """A year, a range of years ('antara 1991 dan 1994' -> 1991/1994) or a decade ('1990-an'
    -> 199X; a two-digit decade, '90-an', is read in the 1900s)."""
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


def _resolve_weekday(rule: DateRule, g: Groups, anchor: DateValue | None,
                     rules: DateRules) -> tuple[DateValue | None, bool]:
    """A weekday -> that weekday on or before a day-precise anchor (the same day allowed)."""
    day, key = _anchor_at(anchor, "day"), rules.weekdays.get(norm(g["weekday"]))
    if day is None or anchor is None or key is None:
        return None, True
    date = day - dt.timedelta((day.weekday() - WEEKDAYS.index(key)) % 7)
    reason = f"-> the {key.title()} on or before the anchor {anchor.edtf}: {date}"
    return DateValue(date.isoformat(), date, date, reason), True


def _resolve_offset(rule: DateRule, g: Groups, anchor: DateValue | None,
                    rules: DateRules) -> tuple[DateValue | None, bool]:
    """A fixed or counted number of days / months / years from the anchor ('2 hari lalu')."""
    n = g.get("n")
    amount = rule.sign * (int(n) if n.isdigit() else rules.numbers[norm(n)]) if n else rule.value
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
    "date": _resolve_date, "day": _resolve_date, "year": _resolve_year, "decade": _resolve_year,
    "weekday": _resolve_weekday, "offset": _resolve_offset})


def _weekday_note(word: str, value: DateValue, rules: DateRules) -> str:
    """A warning for the reason when a weekday beside a full date does not match it."""
    said, actual = rules.weekdays.get(norm(word), ""), WEEKDAYS[value.earliest.weekday()]
    if not said or value.precision != "day" or said == actual:
        return ""
    return f" (the text says {said.title()}, but that date is a {actual.title()})"


# ------------------------------------------------------------------ finding dates

def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _select(text: str, rules: DateRules,
            quick: bool = True) -> list[tuple[DateRule, re.Match[str]]]:
    """Matches of all rules, keeping greedily the longest non-overlapping ones, by start.

    Ties: a date beats a skip rule, then the earlier start, then file order. A match never
    starts inside a word. `quick` (same result, faster) skips the rules whose `requires`
    the sentence does not meet (most sentences hold no date word: then no rule runs); its
    words are the [a-z]+ runs of the lower-cased text, found as ASCII bytes (any other
    character, non-ASCII ones included, becomes a space: faster than a regex)."""
    lowered, run = lower(text), rules.rules
    if quick and rules.bits is not None:
        bits = rules.bits
        have = bits.get(b"0", 0) if _DIGIT.search(text) else 0
        for token in bits.keys() & lowered.encode("ascii", "replace").translate(_LETTERS).split():
            have |= bits[token]
        if rules.gate and not have & rules.gate:
            return []
        missing = ~have
        run = tuple(rule for rule, need in zip(run, rules.needs) if not need & missing)
    found: list[tuple[DateRule, re.Match[str]]] = []
    for rule in run:
        for m in rule.regex.finditer(text if rule.case_sensitive else lowered):
            at = m.start()
            if m.end() > at and not (at and _is_word(lowered[at - 1]) and _is_word(lowered[at])):
                found.append((rule, m))
    if len(found) < 2:
        return found
    found.sort(key=lambda f: (f[1].start() - f[1].end(), f[0].kind == "skip", f[1].start()))
    taken: list[tuple[DateRule, re.Match[str]]] = []
    for rule, m in found:
        if all(m.end() <= o.start() or m.start() >= o.end() for _, o in taken):
            taken.append((rule, m))
    return sorted(taken, key=lambda f: f[1].start())


def _listed(text: str, selected: list[tuple[DateRule, re.Match[str]]],
            rules: DateRules) -> dict[int, Groups]:
    """Groups lent within a list of dates, by index in `selected`.

    Read from the last item back: in '9 November 2020, 11 Januari dan 26 November 2021'
    the bare '11 Januari' takes the year of the next item that has one (2021); in '10 dan
    12 Oktober 2020' the bare day 10 also takes the month. Items are joined by a comma or
    a list word; a weekday before its date belongs to it ('Senin, 9 November dan Selasa,
    10 November 2020'); a day-month with more after the month ('28 Desember lalu') lends
    its month but takes no year."""
    lent: dict[int, Groups] = {}
    carry: Groups | None = None  # month, year, future and surface of the next item
    after = len(text)  # where the next item starts
    for i in range(len(selected) - 1, -1, -1):
        rule, m = selected[i]
        g = m.groupdict()
        linked = carry is not None and rules.joiner is not None and bool(
            rules.joiner.fullmatch(text, m.end(), after))
        if carry is not None and rule.kind == "weekday" and _JOIN.fullmatch(text, m.end(), after):
            pass  # the weekday of the next item: the list goes on before it
        elif carry is not None and linked and rule.kind == "day":
            lent[i] = {**carry, "day": g["day"], "listed": (
                f"with no month -> {carry['month']} {carry['year']}, taken from the list "
                f"('{carry['source']}'):" if carry["year"] else
                f"with no month -> {carry['month']}, taken from the list ('{carry['source']}');")}
        elif rule.kind == "date" and g.get("day") and g.get("month"):
            if (carry is not None and linked and carry["year"] and not g.get("year")
                    and not g.get("future") and text[m.end("month"):m.end()] in ("", ".")):
                g = lent[i] = {**g, "year": carry["year"], "listed": (
                    f"with no year -> {carry['year']}, the year taken from the list "
                    f"('{carry['source']}'):")}
            source = carry["source"] if carry is not None and "listed" in g else " ".join(
                text[m.start():m.end()].split()).rstrip(".")
            carry = {"month": text[m.start("month"):m.end("month")], "year": g.get("year"),
                     "future": g.get("future"), "source": source}
        else:
            carry = None
        after = m.start()
    return lent


def _apply_prefixes(text: str, start: int, floor: int, rule_id: str, value: DateValue,
                    rules: DateRules) -> tuple[int, str, DateValue, str]:
    """Widen a dated span over the prefixes right before it, each at most once: 'sejak'
    (since: the start of a period) and hedges (awal/pertengahan/akhir: narrower bounds).
    Returns the new start, rule id and value, and what to add to the reason."""
    used: set[str] = set()
    notes = ""
    for _ in rules.prefixes:
        head = lower(text[max(floor, start - _PREFIX_WINDOW): start])
        for prefix in rules.prefixes:
            m = prefix.regex.search(head)
            if m is None or prefix.id in used or (
                    prefix.kind == "hedge" and value.precision not in ("month", "year", "decade")):
                continue
            value, note = (_narrow(value, rules.hedges[norm(m["hedge"])]) if prefix.kind == "hedge"
                           else (value, ", the start of a period"))
            start, rule_id, notes = start - len(head) + m.start(), prefix.id, notes + note
            used.add(prefix.id)
            break
        else:
            break
    return start, rule_id, value, notes


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
    lent = _listed(text, selected, rules) if len(selected) > 1 else {}
    spans: list[DateSpan] = []
    i = 0
    while i < len(selected):
        (rule, m), weekday, start = selected[i], "", None
        if (rule.kind == "weekday" and i + 1 < len(selected) and selected[i + 1][0].kind == "date"
                and _JOIN.fullmatch(text, m.end(), selected[i + 1][1].start())):
            weekday, start = m["weekday"], m.start("weekday")  # 'Sabtu, 7 Oktober': one mention
            i += 1
            rule, m = selected[i]
        g = lent.get(i) or m.groupdict()
        i += 1
        resolve = _RESOLVERS.get(rule.kind)
        value, relative = resolve(rule, g, anchor, rules) if resolve else (None, False)
        if start is None:  # a cue word before the date (group `lead`) stays outside the span
            start = m.end("lead") if g.get("lead") else m.start()
        start -= start > 0 and text[start - 1] == "(" and ")" in m[0]  # '(31/10/2020)'
        rule_id = rule.id
        if value is not None:
            note = _weekday_note(weekday, value, rules) if weekday else ""
            floor = spans[-1].end - offset if spans else 0
            start, rule_id, value, more = _apply_prefixes(text, start, floor, rule_id, value, rules)
            surface = " ".join(text[start:m.end()].split())
            value = DateValue(value.edtf, value.earliest, value.latest,
                              f"'{surface}' {value.reason}{note}{more}")
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
