"""`kg stats` / `kg graphml`: rankings, communities, paths with evidence, Gephi files, CLI.

Exact expectations run on a tiny hand-made graph; the seed graph checks that the analysis
finds what the articles are about (Russia, Armenia and Azerbaijan at the centre).
"""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import RDF, RDFS, Graph, Literal

import kg.cli_stats  # noqa: F401 - registers `stats` and `graphml` on the group
from kg.cli import cli
from kg.errors import KgError
from kg.graph.vocab import DATA, KG
from kg.stats import (
    actor_path,
    actor_projection,
    actor_stats,
    to_networkx,
    write_gexf,
    write_graphml,
)

ENTITY_TYPES = (KG.Person, KG.State, KG.Organization, KG.Place)
READERS = {".graphml": (write_graphml, nx.read_graphml), ".gexf": (write_gexf, nx.read_gexf)}


def _tiny() -> Graph:
    """A-B share a ceasefire (in Place P), B-C an attack, D acts alone, P is only a place."""
    g = Graph()
    ents = {}
    for key, cls in (("a", KG.State), ("b", KG.State), ("c", KG.Person), ("d", KG.State),
                     ("p", KG.Place)):
        ents[key] = DATA[f"entity/{key}"]
        g.add((ents[key], RDF.type, cls))
        g.add((ents[key], RDFS.label, Literal(f"State {key.upper()}", lang="en")))
        g.add((ents[key], KG.key, Literal(key)))
    art = DATA["article/t1"]
    g.add((art, KG.articleId, Literal("t1")))
    events = (("ceasefire", "2020-11-09", {"party": "ab", "location": "p"}),
              ("attack", "2020-10-01", {"actor": "b", "target": "c"}),
              ("statement", "2020-10-02", {"actor": "d"}))
    for n, (etype, date, roles) in enumerate(events):
        ev, att, sent = DATA[f"event/{etype}/{date}"], DATA[f"att/{n}"], DATA[f"sentence/t1/{n}"]
        g.add((ev, RDF.type, KG.Event))
        g.add((ev, KG.eventType, Literal(etype.title())))
        g.add((ev, KG.date, Literal(date)))
        g.add((ev, KG.earliest, Literal(date)))
        g.add((ev, KG.attestedBy, att))
        g.add((att, KG.inArticle, art))
        g.add((att, KG.sentence, sent))
        g.add((att, KG.ruleId, Literal(f"evt.{etype}.test")))
        g.add((sent, KG.text, Literal(f"Sentence {n} about the {etype}.")))
        for role, keys in roles.items():
            for key in keys:
                g.add((ev, KG[role], ents[key]))
                g.add((att, KG[role], ents[key]))
    return g


@pytest.fixture(scope="module")
def tiny() -> Graph:
    return _tiny()


@pytest.fixture(scope="module")
def seed_file(seed_graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("stats") / "seeds.ttl"
    seed_graph.serialize(out, format="turtle")
    return out


def n_nodes(graph: Graph) -> int:
    return len({s for c in (*ENTITY_TYPES, KG.Event) for s in graph.subjects(RDF.type, c)})


# tiny graph: exact answers


def test_stats_to_networkx_nodes_edges_and_evidence(tiny: Graph) -> None:
    mg = to_networkx(tiny)
    assert mg.number_of_nodes() == 8
    assert sorted(k for _, _, k in mg.edges(keys=True)) == [
        "actor", "actor", "location", "party", "party", "target"]
    edge = mg.edges[str(DATA["event/ceasefire/2020-11-09"]), str(DATA["entity/a"]), "party"]
    assert edge["articles"] == "t1" and edge["rules"] == "evt.ceasefire.test"
    assert edge["sentences"] == "Sentence 0 about the ceasefire." and edge["weight"] == 1
    for _, d in mg.nodes(data=True):
        assert all(isinstance(v, str) for v in d.values())


def test_stats_projection_links_participants_not_places(tiny: Graph) -> None:
    proj = actor_projection(to_networkx(tiny))
    labels = {d["label"] for _, d in proj.nodes(data=True)}
    assert labels == {"State A", "State B", "State C", "State D"}
    assert {frozenset(proj.nodes[n]["label"][-1] for n in e) for e in proj.edges} == {
        frozenset("AB"), frozenset("BC")}


def test_stats_path_chains_events_with_their_sentences(tiny: Graph) -> None:
    steps = actor_path(tiny, "State A", "c")
    assert [(s.source, s.target) for s in steps] == [("State A", "State B"),
                                                      ("State B", "State C")]
    assert [[e.label for e in s.events] for s in steps] == [["Ceasefire 2020-11-09"],
                                                            ["Attack 2020-10-01"]]
    first = steps[0].events[0]
    assert first.direct
    assert [e.sentence for e in first.evidence] == ["Sentence 0 about the ceasefire."]
    assert json.loads(json.dumps(steps[1].to_json()))["events"][0]["evidence"][0]["rule_id"] == \
        "evt.attack.test"


def test_stats_path_between_components_is_empty(tiny: Graph) -> None:
    assert actor_path(tiny, "State A", "State D") == []


@pytest.mark.parametrize(("a", "b", "message"), [
    ("Nobody", "State A", "matches no entity"),
    ("State", "State A", "matches several entities"),
    ("State P", "State A", "takes part in no event"),
    ("a", "State A", "the same actor"),
])
def test_stats_path_bad_names_raise(tiny: Graph, a: str, b: str, message: str) -> None:
    with pytest.raises(KgError, match=message):
        actor_path(tiny, a, b)


def test_stats_top_must_be_positive(tiny: Graph) -> None:
    with pytest.raises(KgError, match="top must be at least 1"):
        actor_stats(tiny, top=0)


# seed graph


def test_stats_seed_top_actors_are_the_conflict_states(seed_graph: Graph) -> None:
    result = actor_stats(seed_graph, top=5)
    for ranking in ("degree", "betweenness"):
        assert len(result[ranking]) == 5
        assert {"Russia", "Armenia", "Azerbaijan"} <= {r["actor"] for r in result[ranking]}
    events = [r["events"] for r in result["degree"]]
    between = [r["betweenness"] for r in result["betweenness"]]
    assert events == sorted(events, reverse=True) and between == sorted(between, reverse=True)


def test_stats_seed_communities_are_disjoint_and_repeatable(seed_graph: Graph) -> None:
    first, second = actor_stats(seed_graph), actor_stats(seed_graph)
    assert first["communities"] == second["communities"]
    members = [m for c in first["communities"] for m in c["members"]]
    assert len(members) == len(set(members)) and all(c["size"] > 1 for c in first["communities"])
    assert len(members) + first["summary"]["singletons"] == first["summary"]["actors"]


@pytest.mark.parametrize(("a", "b"), [("Pashinyan", "Aliyev"), ("Blinken", "Shoigu")])
def test_stats_seed_path_has_evidence_on_every_step(seed_graph: Graph, a: str, b: str) -> None:
    steps = actor_path(seed_graph, a, b)
    assert steps and a in steps[0].source and b in steps[-1].target
    assert all(x.target_iri == y.source_iri for x, y in zip(steps, steps[1:]))
    for step in steps:
        assert step.events
        for event in step.events:
            assert event.evidence
            assert all(e.article_id and e.sentence and e.rule_id for e in event.evidence)


@pytest.mark.parametrize("suffix", sorted(READERS))
def test_stats_seed_network_files_reread_by_networkx(seed_graph: Graph, tmp_path: Path,
                                                     suffix: str) -> None:
    write, read = READERS[suffix]
    nodes, edges = write(seed_graph, tmp_path / f"g{suffix}")
    back = read(tmp_path / f"g{suffix}")
    assert back.number_of_nodes() == nodes == n_nodes(seed_graph)
    assert back.number_of_edges() == edges == to_networkx(seed_graph).number_of_edges()
    offices = [d for _, _, d in back.edges(data=True) if d["role"] == "office"]
    assert offices and all(d["label"].endswith(" of") for d in offices)
    assert all(d["sentences"] and d["rules"] for _, _, d in back.edges(data=True))


# command line


def test_stats_cli_table_and_json(seed_file: Path) -> None:
    r = CliRunner().invoke(cli, ["stats", str(seed_file), "--top", "3"])
    assert r.exit_code == 0, r.output
    assert "Top actors by degree" in r.stdout and "Russia" in r.stdout and "Communities" in r.stdout
    r = CliRunner().invoke(cli, ["stats", str(seed_file), "--format", "json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)["betweenness"]) == 10


def test_stats_cli_path(seed_file: Path) -> None:
    r = CliRunner().invoke(cli, ["stats", str(seed_file), "--path", "Pashinyan", "Aliyev"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Nikol Pashinyan -> ") and "Ilham Aliyev" in r.stdout
    assert "“" in r.stdout, "evidence sentences are printed"
    r = CliRunner().invoke(cli, ["stats", str(seed_file), "--path", "Pashinyan", "Aliyev",
                                 "-f", "json"])
    assert json.loads(r.stdout)["path"][0]["events"][0]["evidence"]


def test_stats_cli_bad_name_is_a_clear_error(seed_file: Path) -> None:
    r = CliRunner().invoke(cli, ["stats", str(seed_file), "--path", "Pashinyan", "Nobody"])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith("error: 'Nobody' matches no entity")


def test_stats_cli_no_path_exits_1(tiny: Graph, tmp_path: Path) -> None:
    path = tmp_path / "tiny.ttl"
    tiny.serialize(path, format="turtle")
    r = CliRunner().invoke(cli, ["stats", str(path), "--path", "State A", "State D"])
    assert r.exit_code == 1 and "no chain of shared events" in r.stderr


@pytest.mark.parametrize("suffix", sorted(READERS))
def test_graphml_cli_writes_the_file(seed_file: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"g{suffix}"
    r = CliRunner().invoke(cli, ["graphml", str(seed_file), "-o", str(out)])
    assert r.exit_code == 0 and f"-> {out}" in r.stderr
    assert READERS[suffix][1](out).number_of_nodes() > 100


def test_graphml_cli_unknown_suffix(seed_file: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["graphml", str(seed_file), "-o", str(tmp_path / "g.csv")])
    assert r.exit_code == 2 and "use .graphml or .gexf" in r.stderr
