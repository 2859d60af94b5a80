"""Tests of the date normaliser: the case table, every rule fired, datelines, ISO header
dates, rule-file validation and the no-language-in-code rule (kg/annotate/dates.py)."""
from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from kg.annotate import date_rules, dates
from kg.annotate.dates import (
    find_dateline,
    find_dates,
    load_date_rules,
    parse_iso_date,
    scan_dates,
)
from kg.errors import LexiconError

CASES_FILE = Path(__file__).parent / "cases" / "dates.yaml"
CASES = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
RULES = load_date_rules()
EDTF_L1 = re.compile(r"(\d{4}(-\d{2}(-\d{2})?)?|\d{3}X)(/(\d{4}(-\d{2}(-\d{2})?)?|\d{3}X))?")


def _text(value: object) -> str | None:
    """A YAML scalar as written: dates and years come back from YAML as date / int."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _anchor(case: dict) -> dates.DateValue | None:
    anchor = _text(case["anchor"])
    return None if anchor is None else parse_iso_date(anchor)


@pytest.mark.parametrize("case", CASES, ids=[c["text"] for c in CASES])
def test_dates_case(case: dict) -> None:
    mentions = find_dates(case["text"], _anchor(case), RULES)
    expected = _text(case["expect_edtf"])
    if expected is None:
        assert mentions == []
        if case["expect_rule"]:
            spans = scan_dates(case["text"], _anchor(case), RULES)
            assert case["expect_rule"] in [s.rule_id for s in spans if s.value is None]
        return
    if "expect_all" in case:  # several dates: check them all, then the one named by its span
        assert [m.value.edtf for m in mentions] == [_text(e) for e in case["expect_all"]]
        mentions = [m for m in mentions if case["text"][m.start:m.end] == case["expect_span"]]
    assert [(m.value.edtf, m.rule_id) for m in mentions] == [(expected, case["expect_rule"])]
    mention = mentions[0]
    assert mention.value.earliest <= mention.value.latest
    assert EDTF_L1.fullmatch(mention.value.edtf)
    surface = " ".join(case["text"][mention.start:mention.end].split())
    assert mention.value.reason.startswith(f"'{surface}'")
    if "expect_span" in case:
        assert case["text"][mention.start:mention.end] == case["expect_span"]
    if "expect_earliest" in case:
        assert mention.value.earliest == case["expect_earliest"]
        assert mention.value.latest == case["expect_latest"]
    if "expect_reason" in case:
        assert case["expect_reason"] in mention.value.reason


def test_dates_every_rule_is_hit_by_a_case() -> None:
    assert {c["expect_rule"] for c in CASES} - {None} == set(RULES.rule_ids)


def test_dates_case_table_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert all(set(c) >= {"text", "anchor", "expect_edtf", "expect_rule"} for c in CASES)
    assert all("expect_span" in c for c in CASES if "expect_all" in c)


# ------------------------------------------------------------------ lists and reported Sundays

@pytest.mark.parametrize("text, anchor, expected", [
    ("Serangan terjadi pada 9 November 2020, 11 Januari dan 26 November 2021.", "2021-12-01",
     [("9 November 2020", "2020-11-09", False), ("11 Januari", "2021-01-11", False),
      ("26 November 2021", "2021-11-26", False)]),
    ("Latihan digelar 10, 11 dan 12 Oktober di perbatasan.", "2021-10-20",
     [("10", "2021-10-10", True), ("11", "2021-10-11", True), ("12 Oktober", "2021-10-12", True)]),
    ("Sidang ditunda 3 Juni lalu dan 5 Juli 2019.", "2019-07-20",  # 'lalu': no list year
     [("3 Juni lalu", "2019-06-03", True), ("5 Juli 2019", "2019-07-05", False)]),
    ("Pada 5 Mei, 12 orang ditahan dan 7 Juni 2020 mereka dibebaskan.", "2021-01-04",
     [("5 Mei", "2020-05-05", True), ("7 Juni 2020", "2020-06-07", False)]),
])
def test_dates_list_spans_values_and_relative_flags(text: str, anchor: str,
                                                   expected: list[tuple[str, str, bool]]) -> None:
    mentions = find_dates(text, parse_iso_date(anchor), RULES)
    assert [(text[m.start:m.end], m.value.edtf, m.relative) for m in mentions] == expected


def test_dates_list_year_is_explained() -> None:
    text = "Kedua pihak berunding pada 9 November 2020, 11 Januari dan 26 November 2021."
    mention = find_dates(text, None, RULES)[1]
    assert mention.value.reason == ("'11 Januari' with no year -> 2021, the year taken from the "
                                    "list ('26 November 2021'): 2021-01-11")


@pytest.mark.parametrize("text", [
    "Komandan itu berkata Minggu pagi bahwa situasi terkendali.",
    "Kantor berita itu melaporkan Minggu, bahwa jalan sudah dibuka.",
    "Parlemen itu Minggu mengumumkan keadaan darurat.",
])
def test_dates_reported_sunday(text: str) -> None:
    [mention] = find_dates(text, parse_iso_date("2020-10-14"), RULES)
    assert (mention.value.edtf, mention.rule_id) == ("2020-10-11", "date.rel.sunday-reported")
    assert text[mention.start:mention.end].startswith("Minggu")


@pytest.mark.parametrize("text", [
    "Ia mengatakan Minggu lalu bahwa pasukan sudah ditarik.",
    "Mereka menyatakan minggu ini penuh ketegangan.",
    "Pejabat itu mengatakan beberapa minggu bahwa tidak ada serangan.",
    "Kami membahasnya selama Minggu yang panjang itu.",
])
def test_dates_week_phrases_stay_weeks(text: str) -> None:
    assert find_dates(text, parse_iso_date("2020-10-14"), RULES) == []


@pytest.mark.parametrize("text", [
    "Rudal itu menghantam gudang amunisi pada hari Sabtu.",
    "Kota itu direbut kemarin, menurut militer.",
    "Perundingan gagal bulan lalu.",
    "Pesawat itu jatuh dua hari lalu di dekat bandara.",
    "Konvoi tiba (5/10) di kamp pengungsi.",
])
def test_dates_relative_without_anchor_is_never_guessed(text: str) -> None:
    assert find_dates(text, None, RULES) == []


def test_dates_month_anchor_keeps_month_relatives_only() -> None:
    anchor = parse_iso_date("2016-04")
    text = "Pada Sabtu dan kemarin, serta bulan lalu dan tahun lalu, pasukan bergerak."
    found = [(m.rule_id, m.value.edtf) for m in find_dates(text, anchor, RULES)]
    assert found == [("date.rel.last-month", "2016-03"), ("date.rel.last-year", "2015")]


def test_dates_offsets_and_relative_flag() -> None:
    text = "Pada Sabtu (31/10/2020) dan Selasa pagi pasukan bergerak."
    mentions = find_dates(text, parse_iso_date("2020-11-12"), RULES, offset=100)
    assert [(text[m.start - 100:m.end - 100], m.relative) for m in mentions] == [
        ("Sabtu (31/10/2020)", False), ("Selasa pagi", True)]


def test_dates_weekday_beside_date_that_disagrees_is_noted() -> None:
    [mention] = find_dates("Kabar itu muncul Senin (31/10/2020).", None, RULES)
    assert mention.value.edtf == "2020-10-31"
    assert "Saturday" in mention.value.reason and "Monday" in mention.value.reason


def test_dates_reason_explains_the_anchor() -> None:
    [mention] = find_dates("Ia tiba pada hari Sabtu.", parse_iso_date("2020-10-31"), RULES)
    assert mention.value.reason == (
        "'Sabtu' -> the Saturday on or before the anchor 2020-10-31: 2020-10-31")


# ------------------------------------------------------------------ datelines

@pytest.mark.parametrize("text, edtf, surface", [
    ("Judul berita\nRabu, 14 September 2022 - 19:05 WIB\nBAKU - Isi berita.", "2022-09-14",
     "Rabu, 14 September 2022"),
    ("Jumat, 12 Rabiul Awal 1444 H / 7 Oktober 2022 10:15 wib\n1.204 views\nJudul", "2022-10-07",
     "7 Oktober 2022"),
    ("Judul\n\nANKARA - Turki pada Jumat (9/10/2020) menyatakan dukungannya.", "2020-10-09",
     "Jumat (9/10/2020)"),
    ("Judul\nKamis, 8 April 2021 | 16:45 WIB\n", "2021-04-08", "Kamis, 8 April 2021"),
])
def test_dates_find_dateline(text: str, edtf: str, surface: str) -> None:
    mention = find_dateline(text, RULES)
    assert mention is not None
    assert (mention.value.edtf, text[mention.start:mention.end]) == (edtf, surface)


@pytest.mark.parametrize("text", [
    "Judul\nPresiden itu berbicara pada Sabtu di depan parlemen.\n",
    "Judul\nKetegangan memuncak pada Oktober 2022.\n",
    "Judul\nSejak 1991 wilayah itu disengketakan.\n",
    "\n".join(["Judul"] + ["Baris tanpa tanggal."] * 6 + ["Rabu, 14 September 2022"]),
    "",
])
def test_dates_find_dateline_none(text: str) -> None:
    assert find_dateline(text, RULES) is None


# ------------------------------------------------------------------ ISO header dates

@pytest.mark.parametrize("value, edtf, earliest, latest", [
    ("2020-11-09", "2020-11-09", dt.date(2020, 11, 9), dt.date(2020, 11, 9)),
    ("2020-02", "2020-02", dt.date(2020, 2, 1), dt.date(2020, 2, 29)),
    ("2021-02", "2021-02", dt.date(2021, 2, 1), dt.date(2021, 2, 28)),
    ("2016", "2016", dt.date(2016, 1, 1), dt.date(2016, 12, 31)),
    (" 2023-10-07 ", "2023-10-07", dt.date(2023, 10, 7), dt.date(2023, 10, 7)),
])
def test_dates_parse_iso_date(value: str, edtf: str, earliest: dt.date, latest: dt.date) -> None:
    date = parse_iso_date(value)
    assert date is not None
    assert (date.edtf, date.earliest, date.latest) == (edtf, earliest, latest)


@pytest.mark.parametrize("value", [
    "unknown", "2020-13-31", "31/13/2020", "2020-02-30", "2020-00", "2020-01-00", "0000",
    "2020-1-5", "", "20201", "2020-11-09T10:00",
])
def test_dates_parse_iso_date_invalid(value: str) -> None:
    assert parse_iso_date(value) is None


# ------------------------------------------------------------------ rule file validation

def _broken_rules(tmp_path: Path) -> Path:
    data = yaml.safe_load((Path(dates.__file__).parent.parent / "lexicons" / "dates.yaml")
                          .read_text(encoding="utf-8"))
    data["lexicon"]["month_name"]["words"]["smarch"] = ["Smaret"]
    data["rules"][0]["pattern"] = "(?P<day>\\d{1,2}"
    data["rules"][1]["id"] = data["rules"][2]["id"]
    data["rules"][3]["pattern"] += "{no_such_list}"
    data["rules"][4]["id"] = "Date.Bad Id"
    path = tmp_path / "dates.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_dates_lexicon_error_lists_every_problem(tmp_path: Path) -> None:
    with pytest.raises(LexiconError) as caught:
        load_date_rules(_broken_rules(tmp_path))
    problems = "\n".join(caught.value.problems)
    for expected in ("unknown key 'smarch'", "bad regex", "duplicate id", "no_such_list",
                     "'Date.Bad Id'"):
        assert expected in problems
    assert len(caught.value.problems) >= 5


def test_dates_lexicon_error_on_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(LexiconError):
        load_date_rules(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(LexiconError):
        load_date_rules(tmp_path / "bad.yaml")


def test_dates_ids_follow_the_grammar() -> None:
    data = yaml.safe_load((Path(dates.__file__).parent.parent / "lexicons" / "dates.yaml")
                          .read_text(encoding="utf-8"))
    ids = [g["id"] for g in data["lexicon"].values()] + list(RULES.rule_ids)
    assert all(re.fullmatch(r"date\.[a-z0-9-]+\.[a-z0-9-]+", i) for i in ids)
    assert len(ids) == len(set(ids))


def test_dates_engine_has_no_indonesian_words() -> None:
    """Language lives in the YAML (HOUSE-STYLE 8.1): no surface form in code strings."""
    data = yaml.safe_load((Path(dates.__file__).parent.parent / "lexicons" / "dates.yaml")
                          .read_text(encoding="utf-8"))
    words = {w.lower() for group in data["lexicon"].values() for forms in (
        group["words"].values() if isinstance(group["words"], dict) else [group["words"]])
        for w in forms}
    for rule in data["rules"] + data["prefixes"]:
        pattern = re.sub(r"\(\?P<\w+>|\{\w+\}|\\[a-zA-Z]", " ", rule["pattern"])
        words |= set(re.findall(r"[a-z]{3,}", pattern))
    words -= {str(key) for group in data["lexicon"].values()  # English keys are the engine's
              if isinstance(group["words"], dict) for key in group["words"]}
    for module in (dates, date_rules):
        tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree) if isinstance(
            n, ast.Module | ast.FunctionDef | ast.ClassDef) and isinstance(n.body[0], ast.Expr)}
        code_strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                        and isinstance(n.value, str) and id(n) not in docstrings]
        used = {t for s in code_strings for t in re.findall(r"[a-z]+", s.lower())}
        assert used & words - {"kg", "unit"} == set(), module.__name__  # package, a rule field
