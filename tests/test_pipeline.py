"""End to end: the seeds built into a graph answer the contract queries (CONTRACT section 3)."""
from __future__ import annotations

import pytest
from rdflib import Graph

from kg.query import list_queries, run_query

CONTRACT = {
    "entities": ["article", "label", "type"],
    "roles": ["article", "person", "role", "of"],
    "ceasefires": ["article", "date", "parties", "mediators"],
    "events": ["article", "date", "type", "actors", "event"],
    "figures": ["article", "count", "kind"],
}


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_contract_query_columns(seed_graph, name):
    cols, rows = run_query(seed_graph, name)
    assert cols == CONTRACT[name]
    assert rows and all(r["article"] for r in rows)


def test_seed_facts(seed_graph):
    _, roles = run_query(seed_graph, "roles")
    assert {"article": "000_e136840ccb6173e2", "person": "Nikol Pashinyan", "role": "Prime Minister", "of": "Armenia"} in roles
    _, cfs = run_query(seed_graph, "ceasefires")
    row = next(r for r in cfs if r["article"] == "000_e136840ccb6173e2" and r["date"] == "2020-11-09")
    assert set(row["parties"].split("|")) == {"Armenia", "Azerbaijan"} and row["mediators"] == "Russia"
    _, figs = run_query(seed_graph, "figures")
    assert {"article": "001_6abafbfe21ef9124", "count": 6500, "kind": "killed"} in figs


def test_ceasefire_of_9_november_is_one_event_for_two_articles(seed_graph):
    _, events = run_query(seed_graph, "events")
    cf = [r for r in events if r["type"] == "Ceasefire" and r["date"] == "2020-11-09"]
    assert {r["event"] for r in cf} and len({r["event"] for r in cf}) == 1
    assert {"000_e136840ccb6173e2", "001_6abafbfe21ef9124"} <= {r["article"] for r in cf}


def test_events_are_in_date_order(seed_graph):
    import datetime as dt

    _, rows = run_query(seed_graph, "timeline")
    dates = [r["date"] for r in rows]
    assert dates and "2020-11-09" in dates
    assert rows[0]["date"] in ("199X", "1991")


def test_every_fact_has_provenance(seed_graph):
    q = """PREFIX kg: <https://w3id.org/kg-conflict/ontology#>
    SELECT (COUNT(?att) AS ?n) WHERE { ?att a kg:Attestation .
      FILTER NOT EXISTS { ?att kg:inArticle ?a ; kg:sentence ?s ; kg:start ?b ; kg:end ?e ; kg:ruleId ?r . ?s kg:text ?t } }"""
    assert int(next(iter(seed_graph.query(q)))[0]) == 0


def test_evidence_query_answers_why(seed_graph):
    from rdflib import Literal, Variable

    _, rows = run_query(seed_graph, "evidence", {Variable("date"): Literal("2020-11-09"), Variable("type"): Literal("Ceasefire")})
    assert rows and any("9 November" in r["sentence"] for r in rows)
    assert all(r["rule"] for r in rows)


def test_turtle_output_reparses(seed_dataset, tmp_path):
    from kg.export import write_dataset

    out = tmp_path / "g.ttl"
    n = write_dataset(seed_dataset, out)
    assert len(Graph().parse(out, format="turtle")) == n
    trig = tmp_path / "g.trig"
    write_dataset(seed_dataset, trig)
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(trig, format="trig")
    from kg.graph.vocab import KG

    assert len([g for g in ds.graphs() if next(g.objects(None, KG.articleId), None) is not None]) == 5


def test_build_is_deterministic(rules, tmp_path):
    from conftest import SEEDS
    from kg.export import write_dataset
    from kg.pipeline import build_dataset

    a, b = tmp_path / "a.nt", tmp_path / "b.nt"
    write_dataset(build_dataset([SEEDS], rules), a)
    write_dataset(build_dataset([SEEDS], rules), b)
    assert a.read_bytes() == b.read_bytes()


def test_every_query_opens_with_a_comment_and_parses():
    from rdflib.plugins.sparql import prepareQuery

    from kg.query import QUERIES_DIR

    for name in list_queries():
        text = (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")
        assert text.startswith("#"), name
        prepareQuery(text)
