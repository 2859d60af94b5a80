"""Property tests of the date normaliser (HOUSE-STYLE 8.10): round trips through Indonesian
renderings, lists sharing a year, weekdays (also a reported Sunday), no anchor, bounds and
EDTF grammar, robustness, and the quick path giving the same matches as a full scan."""
from __future__ import annotations

import calendar
import datetime as dt
import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kg.annotate import dates
from kg.annotate.dates import find_dates, load_date_rules, parse_iso_date
from kg.model import DateValue

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=150)
settings.load_profile("ci")

RULES = load_date_rules()
# The test's own oracle of Indonesian names (independent of kg/lexicons/dates.yaml).
BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember"]
BLN = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nop", "Des"]
HARI = [["Senin"], ["Selasa"], ["Rabu"], ["Kamis"], ["Jumat", "Jum'at"], ["Sabtu"],
        ["Minggu", "Ahad"]]
EDTF_L1 = re.compile(r"(\d{4}(-\d{2}(-\d{2})?)?|\d{3}X)(/(\d{4}(-\d{2}(-\d{2})?)?|\d{3}X))?")
# (template, precision): what the rendered text says, so what the EDTF may say.
TEMPLATES = [
    ("{d} {Bulan} {yyyy}", "day"), ("{dd} {Bln} {yyyy}", "day"), ("{dd}/{mm}/{yyyy}", "day"),
    ("{d}-{m}-{yyyy}", "day"), ("({d}/{m})", "day"), ("{Hari}, {dd} {Bulan} {yyyy}", "day"),
    ("{Hari} ({d}/{m}/{yyyy})", "day"), ("{Bulan} {yyyy}", "month"), ("tahun {yyyy}", "year"),
]
CARRIERS = ["Peristiwa itu terjadi pada {x} menurut laporan.", "{x}", "Sejak pagi, {x}, pasukan",
            "Ia berkata ({x}) bahwa"]
RELATIVE = ["pada hari Sabtu", "Selasa pagi", "kemarin", "kemarin lusa", "hari ini", "besok",
            "dua hari lalu", "bulan lalu", "tahun lalu", "bulan ini", "9 November", "(5/10)",
            "pada hari Minggu", "akhir Oktober", "sejak kemarin", "3 tahun silam"]
SOUP = ["Sabtu", "Minggu", "minggu", "pada", "hari", "ini", "lalu", "kemarin", "lusa", "9",
        "31/10/2020", "(5/10)", "2020", "1990-an", "90-an", "tahun", "bulan", "Oktober", "Okt",
        "akhir", "awal", "sejak", "antara", "dan", "hingga", "2.000", "orang", "%", "pukul",
        "9.00", "WIB", "Rp", "ke-20", "dua", "sehari", "seminggu", "pekan", "depan", "12",
        "-", "Rajab", "1446", "H", "September", "13,", "era", "dini", "tadi", "pagi", "(",
        ")", ",", "Jum'at", "1991", "1994", "2021-10-01", "lalu.", "\t", "  ", "é", "Ⅻ",
        "serta", "11", "Januari", "mengatakan", "bahwa", "menuduh", "an", "1990"]
# Reporting verbs, the test's own list: a capitalised Minggu right after one is Sunday.
LAPOR = ["mengatakan", "menyatakan", "berkata", "mengumumkan", "menegaskan", "melaporkan"]

dates_ = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))
anchors = st.dates(min_value=dt.date(1990, 1, 8), max_value=dt.date(2030, 12, 31))


def _day(date: dt.date) -> DateValue:
    value = parse_iso_date(date.isoformat())
    assert value is not None
    return value


def _render(template: str, date: dt.date, hari: str) -> str:
    return template.format(d=date.day, dd=f"{date.day:02d}", m=date.month, mm=f"{date.month:02d}",
                           yyyy=date.year, Bulan=BULAN[date.month - 1], Bln=BLN[date.month - 1],
                           Hari=hari)


@given(date=dates_, template=st.sampled_from(TEMPLATES), carrier=st.sampled_from(CARRIERS),
       data=st.data())
def test_dates_round_trip(date: dt.date, template: tuple[str, str], carrier: str,
                          data: st.DataObject) -> None:
    pattern, precision = template
    hari = data.draw(st.sampled_from(HARI[date.weekday()]))
    days_left = (dt.date(date.year, 12, 31) - date).days
    anchor = date + dt.timedelta(data.draw(st.integers(0, days_left)))  # same year, after
    text = carrier.format(x=_render(pattern, date, hari))
    mentions = find_dates(text, _day(anchor), RULES)
    expected = {"day": date.isoformat(), "month": date.isoformat()[:7],
                "year": str(date.year)}[precision]
    assert [m.value.edtf for m in mentions] == [expected]
    assert mentions[0].value.earliest <= date <= mentions[0].value.latest


@given(anchor=anchors, weekday=st.integers(0, 6), data=st.data())
def test_dates_weekday_on_or_before_anchor(anchor: dt.date, weekday: int,
                                           data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(HARI[weekday]))
    [mention] = find_dates(f"Ia berbicara pada hari {name} di depan wartawan.", _day(anchor),
                           RULES)
    date = mention.value.earliest
    assert mention.value.edtf == date.isoformat()
    assert date.weekday() == weekday
    assert 0 <= (anchor - date).days < 7


@given(first=dates_, data=st.data(), joiner=st.sampled_from([" dan ", ", ", " serta ", ", dan "]),
       same_month=st.booleans())
def test_dates_list_shares_the_year(first: dt.date, data: st.DataObject, joiner: str,
                                    same_month: bool) -> None:
    """'{d1} {Bulan1} dan {d2} {Bulan2} {yyyy}' and '{d1} dan {d2} {Bulan} {yyyy}': both days
    take the year (and the bare day the month) written once at the end of the list."""
    end = (dt.date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
           if same_month else dt.date(first.year, 12, 31))
    assume(first < end)
    last = data.draw(st.dates(min_value=first + dt.timedelta(1), max_value=end))
    head = str(first.day) if same_month else f"{first.day} {BULAN[first.month - 1]}"
    text = f"Bentrokan terjadi pada {head}{joiner}{last.day} {BULAN[last.month - 1]} {last.year}."
    mentions = find_dates(text, None, RULES)
    assert [m.value.edtf for m in mentions] == [first.isoformat(), last.isoformat()]
    assert not any(m.relative for m in mentions)
    assert "taken from the list" in mentions[0].value.reason


@given(anchor=anchors, verb=st.sampled_from(LAPOR))
def test_dates_sunday_after_a_reporting_verb(anchor: dt.date, verb: str) -> None:
    [mention] = find_dates(f"Juru bicara itu {verb} Minggu bahwa gencatan senjata berlaku.",
                           _day(anchor), RULES)
    date = mention.value.earliest
    assert date.weekday() == 6 and 0 <= (anchor - date).days < 7


@given(text=st.sampled_from(RELATIVE), carrier=st.sampled_from(CARRIERS))
def test_dates_relative_without_anchor_gives_nothing(text: str, carrier: str) -> None:
    assert find_dates(carrier.format(x=text), None, RULES) == []


@given(words=st.lists(st.sampled_from(SOUP), max_size=14), anchor=st.none() | anchors,
       month_only=st.booleans())
def test_dates_bounds_and_grammar(words: list[str], anchor: dt.date | None,
                                  month_only: bool) -> None:
    value = None if anchor is None else parse_iso_date(
        anchor.isoformat()[:7] if month_only else anchor.isoformat())
    text = " ".join(words)
    previous_end = 0
    for mention in find_dates(text, value, RULES):
        assert mention.value.earliest <= mention.value.latest
        assert EDTF_L1.fullmatch(mention.value.edtf)
        assert previous_end <= mention.start < mention.end <= len(text)
        assert mention.value.reason.startswith("'")
        previous_end = mention.end


@given(text=st.text(), offset=st.integers(0, 10_000), anchor=st.none() | anchors)
def test_dates_any_text_is_safe(text: str, offset: int, anchor: dt.date | None) -> None:
    mentions = find_dates(text, None if anchor is None else _day(anchor), RULES, offset=offset)
    assert isinstance(mentions, list)
    for mention in mentions:
        assert offset <= mention.start < mention.end <= offset + len(text)


@given(words=st.lists(st.sampled_from(SOUP) | st.text(max_size=3), max_size=16),
       joiner=st.sampled_from([" ", "  ", ", ", "\n", ""]))
def test_dates_quick_path_matches_full_scan(words: list[str], joiner: str) -> None:
    """The `requires` pre-checks and scan starts are a speed-up only: same matches."""
    text = joiner.join(words)
    quick = [(r.id, m.span()) for r, m in dates._select(text, RULES)]
    full = [(r.id, m.span()) for r, m in dates._select(text, RULES, quick=False)]
    assert quick == full
