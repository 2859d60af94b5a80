"""Rule families on our own Indonesian sentences (tests/cases/*.yaml), one case per row."""
from __future__ import annotations

import datetime as dt

import pytest
import yaml

from conftest import CASES
from kg.annotate.dates import parse_iso_date
from kg.model import Article


def _cases(name: str) -> list:
    rows = yaml.safe_load((CASES / name).read_text(encoding="utf-8"))
    return [pytest.param(r, id=r["text"][:60]) for r in rows]


def _extract(rules, text: str, anchor: str | None = None):
    from kg.pipeline import extract_article

    pub = parse_iso_date(str(anchor)) if anchor else None
    return extract_article(Article(id="case", text=text, title=text[:40], published=pub), rules)


@pytest.mark.parametrize("case", _cases("entities.yaml"))
def test_entities_case(rules, case):
    ex = _extract(rules, case["text"])
    found = {(m.label, m.etype) for m in ex.mentions}
    for label, etype in case.get("expect", []):
        assert (label, etype) in found, f"missing {label} ({etype}); found {sorted(found)}"
    for label, etype in case.get("absent", []):
        assert (label, etype) not in found, f"unexpected {label} ({etype})"


@pytest.mark.parametrize("case", _cases("roles.yaml"))
def test_roles_case(rules, case):
    ex = _extract(rules, case["text"], case.get("anchor"))
    labels = {m.key: m.label for m in ex.mentions}
    labels.update({k: v[0] for k, v in ex.labels.items()})
    gaz = rules.gazetteer.entries
    got = {(labels.get(o.person, o.person), o.role, gaz[o.of].label if o.of in gaz else o.of) for o in ex.offices}
    for person, role, of in case["expect"]:
        assert (person, role, of) in got, f"missing {(person, role, of)}; got {sorted(got, key=str)}"
    for person, role, of in case.get("absent", []):
        assert (person, role, of) not in got, f"unexpected {(person, role, of)}"


@pytest.mark.parametrize("case", _cases("figures.yaml"))
def test_figures_case(rules, case):
    ex = _extract(rules, case["text"], "2021-06-01")
    plain = sorted((f.count, f.kind, f.low, f.high) for f in ex.figures if not f.vague)
    assert plain == sorted(tuple(x) for x in case["expect"])
    vague = sorted((f.low, f.high, f.kind) for f in ex.figures if f.vague)
    assert vague == sorted(tuple(x) for x in case.get("vague", []))


@pytest.mark.parametrize("case", _cases("events.yaml"))
def test_events_case(rules, case):
    ex = _extract(rules, case["text"], case["anchor"])
    got = {(e.date.edtf, e.etype) for e in ex.events if e.date and e.status == "asserted"}
    for date, etype in case.get("expect", []):
        assert (str(date), etype) in got, f"missing {(date, etype)}; got {sorted(got)}"
    for date, etype in case.get("absent", []):
        assert (str(date), etype) not in got, f"unexpected {(date, etype)}"
    if "mediators" in case:
        cf = [e for e in ex.events if e.etype == "Ceasefire" and e.date]
        assert cf and list(cf[0].mediators) == case["mediators"]


def test_boilerplate_lines_give_no_facts(rules):
    text = "Rusia mengirim bantuan.\nBaca juga: Turki menyerang Suriah pada 1 Mei 2020\nShare\n12.345 views\n"
    ex = _extract(rules, text, "2021-06-01")
    assert "turkey" not in {m.key for m in ex.mentions}
    assert not [e for e in ex.events if e.date and e.date.earliest == dt.date(2020, 5, 1)]


def test_dateline_article_gets_published_date(rules, tmp_path):
    from kg.ingest.read import read_article

    p = tmp_path / "x1.txt"
    p.write_text("Judul berita\nKamis, 12 Mei 2022 - 10:00 WIB\nYEREVAN - Isi berita di sini.\n", encoding="utf-8")
    assert read_article(p, rules.dates).published.edtf == "2022-05-12"


def test_relative_date_without_anchor_gives_no_dated_event(rules):
    ex = _extract(rules, "Pasukan Azerbaijan menyerang desa itu pada hari Sabtu.")
    assert not [e for e in ex.events if e.date]


@pytest.mark.parametrize("spelling", ["Sébastien Durand", "Sebastien Durand", "SEBASTIEN  DURAND"])
def test_pattern_found_name_keys_fold_diacritics_like_iris(rules, spelling):
    """A name found by pattern gets one key whatever its diacritics or case, the same
    slug the graph stage mints IRIs from (`kg.keys.slug`)."""
    ex = _extract(rules, f"Menteri Luar Negeri Prancis {spelling.title()} tiba di Yerevan.")
    assert "person-sebastien-durand" in {m.key for m in ex.mentions if m.etype == "Person"}
