"""Issue 4: one event per real-world event across articles, and claims that disagree."""
from __future__ import annotations

from rdflib import Literal

from kg.graph.vocab import KG
from kg.query import run_query

PREFIX = "PREFIX kg: <https://w3id.org/kg-conflict/ontology#>\n"


def _events(graph, etype: str, date: str) -> dict:
    q = PREFIX + """SELECT ?e ?article WHERE { ?e kg:eventType ?t ; kg:date ?d ; kg:attestedBy ?att .
        FILTER NOT EXISTS { ?e kg:status ?s } ?att kg:inArticle ?a . ?a kg:articleId ?article }"""
    out: dict = {}
    for e, article in graph.query(q, initBindings={"t": Literal(etype), "d": Literal(date)}):
        out.setdefault(e, set()).add(str(article))
    return out


def test_one_ceasefire_of_9_november_attested_by_000_and_001(seed_graph):
    events = _events(seed_graph, "Ceasefire", "2020-11-09")
    assert len(events) == 1
    assert {"000_e136840ccb6173e2", "001_6abafbfe21ef9124"} <= next(iter(events.values()))


def test_one_1997_agreement_attested_by_001_002_004(seed_graph):
    events = _events(seed_graph, "Agreement", "1997")
    assert len(events) == 1
    assert {"001_6abafbfe21ef9124", "002_9a21d636988a2eee", "004_faf092c22d1790bb"} <= next(iter(events.values()))


def test_merged_events_say_why(seed_graph):
    (event,) = _events(seed_graph, "Agreement", "1997")
    reason = str(seed_graph.value(event, KG.mergeReason))
    assert "1997" in reason and "002_9a21d636988a2eee" in reason


def test_incompatible_reports_stay_apart(rules, tmp_path):
    from kg.pipeline import build, union  # noqa: F401

    (tmp_path / "a1.txt").write_text("published: 2021-05-20\n\nPasukan Azerbaijan menyerang desa itu pada 12 Mei 2021.\n", encoding="utf-8")
    (tmp_path / "a2.txt").write_text("published: 2021-05-20\n\nPasukan Azerbaijan menyerang desa lain pada 14 Mei 2021.\n", encoding="utf-8")
    (tmp_path / "a3.txt").write_text("published: 2021-05-20\n\nTentara Armenia menyerang pos itu pada 12 Mei 2021.\n", encoding="utf-8")
    g = build([tmp_path], rules)
    assert set(_events(g, "Attack", "2021-05-12").popitem()[1]) == {"a1", "a3"}
    assert set(_events(g, "Attack", "2021-05-14").popitem()[1]) == {"a2"}


def test_imprecise_report_joins_the_precise_one_in_the_same_article(rules):
    from kg.annotate.dates import parse_iso_date
    from kg.model import Article
    from kg.pipeline import extract_article

    text = ("Kedua negara menyepakati gencatan senjata pada 12 Mei 2021.\n"
            "Gencatan senjata yang disepakati pada pertengahan Mei 2021 itu rapuh.\n")
    ex = extract_article(Article(id="m", text=text, published=parse_iso_date("2021-06-01")), rules)
    dates = {e.date.edtf for e in ex.events if e.etype == "Ceasefire" and e.date}
    assert dates == {"2021-05-12"}


def test_conflicting_death_tolls_of_the_2020_war(seed_graph):
    _, rows = run_query(seed_graph, "conflicts")
    war = [r for r in rows if r["topic"] == "Second Nagorno-Karabakh War" and r["what"] == "killed"]
    assert {r["article"] for r in war} >= {"001_6abafbfe21ef9124", "004_faf092c22d1790bb"}
    assert len({r["value"] for r in war}) >= 2
    assert all(r["sentence"] for r in war)


def test_denial_is_a_denied_claim_on_the_accusation(seed_graph):
    _, rows = run_query(seed_graph, "conflicts")
    pol = {(r["value"], r["reportedBy"]) for r in rows if r["what"] == "polarity"}
    assert ("denied", "Armenia") in pol and ("asserted", "Ministry of Defence of Azerbaijan") in pol


def test_contract_rows_stay_one_per_article(seed_graph):
    _, rows = run_query(seed_graph, "ceasefires")
    nov9 = [r["article"] for r in rows if r["date"] == "2020-11-09"]
    assert sorted(set(nov9)) == sorted(nov9) and len(nov9) >= 2


def test_turtle_is_byte_identical_across_builds(rules, tmp_path):
    from conftest import SEEDS
    from kg.export import write_dataset
    from kg.pipeline import build_dataset

    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    write_dataset(build_dataset([SEEDS], rules), a)
    write_dataset(build_dataset([SEEDS], rules), b)
    assert a.read_bytes() == b.read_bytes()
