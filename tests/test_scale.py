"""Stores, incremental and parallel builds, push/query against a real server, kg serve.

Issue "Scale" items 2-5. Speed is measured by bench/ (not here); these tests check that
the store holds exactly what `kg build` holds, and keeps holding it through re-builds,
changes, removals, parallel builds and a round trip through a SPARQL server.
"""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import SEEDS

import kg.cli_scale  # noqa: F401 - registers remove/push/serve on the kg group
from kg.cli import cli
from kg.graph import iris
from kg.pipeline import build_dataset, union
from kg.query import run_query
from kg.graph.ntriples import term as nt_term
from kg.progress import Progress
from kg.scale import build_store
from kg.store.articles import article_view
from kg.store import (DIGEST, MANIFEST, export_store, open_graph, open_store, read_digests,
                      remove_articles, store_stats)
from kg.graph.vocab import KG
from rdflib import RDFS

CONTRACT = ("entities", "roles", "ceasefires", "events", "figures")
SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))


def _rows(graph, name: str) -> list[tuple]:
    """Rows of a query, order-free: `|`-joined labels and space-joined ids are sorted
    (GROUP_CONCAT order is engine-specific)."""

    def norm(key: str, value):
        if isinstance(value, str) and ("|" in value or key == "articles"):
            return "|".join(sorted(value.replace(" ", "|").split("|")))
        return value

    return sorted(
        (tuple((k, norm(k, v)) for k, v in sorted(r.items())) for r in run_query(graph, name)[1]),
        key=repr,
    )


def _triples(graph) -> set[tuple[str, str, str]]:
    return {tuple(nt_term(t) for t in triple) for triple in graph.triples((None, None, None))}


def _copy_seeds(tmp_path: Path) -> Path:
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    return src


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory, rules):
    store = tmp_path_factory.mktemp("scale") / "store"
    report = build_store([SEEDS], store, rules=rules, quiet=True)
    assert report.added == len(SEED_IDS) and not report.skipped
    return store


@pytest.fixture(scope="module")
def seed_union(rules):
    return union(build_dataset([SEEDS], rules))


def test_store_holds_what_build_writes(seed_store, seed_union):
    assert _triples(open_graph(seed_store)) == _triples(seed_union)


@pytest.mark.parametrize("name", CONTRACT + ("timeline",))
def test_store_answers_contract_queries_like_the_turtle_graph(seed_store, seed_union, name):
    assert _rows(open_graph(seed_store), name) == _rows(seed_union, name)


def test_store_has_one_digest_per_article_and_each_fact_once(seed_store):
    store = open_store(seed_store, read_only=True)
    digests = read_digests(store)
    assert sorted(digests) == sorted(str(iris.graph_iri(a)) for a in SEED_IDS)
    assert all(len(h) == 64 for h in digests.values())
    assert not list(store.quads_for_pattern(None, ox.NamedNode(DIGEST), None, ox.DefaultGraph()))
    assert [g.value for g in store.named_graphs()] == [MANIFEST]  # facts live in the union only


def test_article_view_is_what_the_article_builds(seed_store, seed_dataset):
    """Each article's named graph, recovered from the store's union, equals the graph the
    in-memory build writes for it (push and export send these)."""
    store = open_store(seed_store, read_only=True)
    for article in SEED_IDS:
        view = {tuple(str(t) for t in triple) for triple in
                article_view(store, ox.NamedNode(str(iris.article_iri(article))))}
        built = seed_dataset.graph(iris.graph_iri(article))
        assert view == {tuple(nt_term(t) for t in triple) for triple in built}, article


def test_rebuild_of_same_inputs_changes_nothing(seed_store, rules):
    before = store_stats(seed_store)
    report = build_store([SEEDS], seed_store, rules=rules, quiet=True)
    assert (report.added, report.replaced, report.unchanged) == (0, 0, len(SEED_IDS))
    assert store_stats(seed_store).quads == before.quads


def test_changed_article_replaces_its_facts(tmp_path, rules):
    src = _copy_seeds(tmp_path)
    store = tmp_path / "store"
    build_store([src], store, rules=rules, quiet=True)
    victim = src / f"{SEED_IDS[0]}.txt"
    lines = victim.read_text(encoding="utf-8").split("\n")
    victim.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    report = build_store([src], store, rules=rules, quiet=True)
    assert (report.added, report.replaced, report.unchanged) == (0, 1, len(SEED_IDS) - 1)
    fresh = tmp_path / "fresh"
    build_store([src], fresh, rules=rules, quiet=True)
    assert _triples(open_graph(store)) == _triples(union(build_dataset([src], rules)))
    assert (
        store_stats(store).quads == store_stats(fresh).quads
    )  # nothing left over, nothing doubled


def test_interrupted_load_is_redone(tmp_path, rules):
    """An article whose digest is missing (its bulk load was cut short) is rebuilt cleanly."""
    store = tmp_path / "store"
    build_store([SEEDS], store, rules=rules, quiet=True)
    full = store_stats(store).quads
    g = str(iris.graph_iri(SEED_IDS[1]))
    db = open_store(store)
    db.update(f"DELETE WHERE {{ GRAPH <{MANIFEST}> {{ <{g}> <{DIGEST}> ?h }} }}")
    del db
    report = build_store([SEEDS], store, rules=rules, quiet=True)
    assert report.added == 1 and report.unchanged == len(SEED_IDS) - 1
    assert store_stats(store).quads == full


def test_remove_drops_exactly_one_article(tmp_path, rules):
    src = _copy_seeds(tmp_path)
    store = tmp_path / "store"
    build_store([src], store, rules=rules, quiet=True)
    gone = SEED_IDS[2]
    r = CliRunner().invoke(cli, ["remove", gone, "--store", str(store)])
    assert r.exit_code == 0 and "removed 1" in r.output
    (src / f"{gone}.txt").unlink()
    assert _triples(open_graph(store)) == _triples(union(build_dataset([src], rules)))
    r = CliRunner().invoke(cli, ["remove", gone, "--store", str(store)])
    assert r.exit_code == 1 and f"not in the store: {gone}" in r.output


STORE_CORPUS = Path(__file__).parent / "corpus_store"


@pytest.mark.parametrize("removed", [("s1",), ("s2",), ("s3",), ("s1", "s2"), ("s1", "s3"), ("s2", "s3")])
def test_removing_any_articles_leaves_what_the_rest_build(tmp_path, rules, removed):
    """Exact removal from the union: shared events lose only the parties the removed
    articles gave, a name keeps only the spellings remaining articles use, entities,
    offices and episodes nobody mentions any more go, merge reasons follow."""
    store = tmp_path / "store"
    build_store([STORE_CORPUS], store, rules=rules, quiet=True)
    remove_articles(store, removed)
    rest = [STORE_CORPUS / f"{a}.txt" for a in ("s1", "s2", "s3") if a not in removed]
    assert _triples(open_graph(store)) == _triples(union(build_dataset(rest, rules)))
    db = open_store(store, read_only=True)
    assert sorted(read_digests(db)) == sorted(str(iris.graph_iri(p.stem)) for p in rest)


@pytest.mark.parametrize("touched_max, scope", [(200_000, 1000), (0, 1000), (0, 2), (200_000, 2)])
def test_derived_facts_of_an_added_article_whichever_refresh(tmp_path, rules, monkeypatch, touched_max, scope):
    """Adding an article to a store changes merge reasons and actor counts: refreshed for
    the events it touched, or (more touched than `TOUCHED_MAX`) for every event, a scope of
    `SCOPE` events at a time; each way the store ends as the in-memory build."""
    import kg.scale
    import kg.store.update

    monkeypatch.setattr(kg.scale, "TOUCHED_MAX", touched_max)
    monkeypatch.setattr(kg.store.update, "SCOPE", scope)
    store = tmp_path / "store"
    first = [STORE_CORPUS / f"{a}.txt" for a in ("s1", "s2")]
    build_store(first, store, rules=rules, quiet=True)
    report = build_store([STORE_CORPUS], store, rules=rules, quiet=True)
    assert (report.added, report.unchanged) == (1, 2)  # the scoped path unless over the cap
    assert _triples(open_graph(store)) == _triples(union(build_dataset([STORE_CORPUS], rules)))


@pytest.mark.parametrize("seen_bits", [8, 1 << 27])
def test_fresh_store_gets_merge_reasons_from_events_seen_twice(tmp_path, rules, monkeypatch, seen_bits):
    """Into an empty store the writer refreshes merge reasons only for events a second
    article reported (a bit set of event hashes: with 8 bits nearly every event collides,
    which may only add candidates); the store still ends as the in-memory build."""
    import kg.scale

    monkeypatch.setattr(kg.scale, "SEEN_BITS", seen_bits)
    scopes: list[set[str] | None] = []
    real = kg.scale.refresh_merges
    monkeypatch.setattr(kg.scale, "refresh_merges", lambda st, ev=None: scopes.append(ev) or real(st, ev))
    store = tmp_path / "store"
    build_store([STORE_CORPUS], store, rules=rules, quiet=True)
    expected = union(build_dataset([STORE_CORPUS], rules))
    assert _triples(open_graph(store)) == _triples(expected)
    merged = {str(e) for e in expected.subjects(KG.mergeReason, None)}
    assert len(scopes) == 1 and scopes[0] is not None and merged <= scopes[0]


def test_store_corpus_shares_what_the_removal_test_needs(rules):
    g = union(build_dataset([STORE_CORPUS], rules))
    person = iris.entity_iri("person-levon-ter-petrosyan")
    assert len(set(g.objects(person, RDFS.label))) == 2
    ceasefire = iris.DATA["event/ceasefire/2020-11-10"]
    assert len(set(g.objects(ceasefire, KG.attestedBy))) >= 3
    assert set(g.subjects(KG.figureOf, None))


def test_changed_rules_rebuild_a_covered_store_from_scratch(tmp_path, rules, monkeypatch):
    """A rules change makes every digest differ: with every stored article among the
    inputs the store is emptied and rebuilt (exact, and no per-article removal)."""
    import kg.scale

    src = _copy_seeds(tmp_path)
    store = tmp_path / "store"
    build_store([src], store, rules=rules, quiet=True)
    monkeypatch.setattr(kg.scale, "rules_key", lambda: "0" * 64)
    removals = []
    monkeypatch.setattr(kg.scale, "drop_articles", lambda s, g: removals.extend(g) or set())
    report = build_store([src], store, rules=rules, quiet=True)
    assert (report.added, report.replaced, report.unchanged) == (0, len(SEED_IDS), 0)
    assert not removals and any("rules changed" in n for _p, n in report.notes)
    assert _triples(open_graph(store)) == _triples(union(build_dataset([src], rules)))


def test_changed_rules_replace_articles_when_the_inputs_are_partial(tmp_path, rules, monkeypatch):
    """Articles of the store that are not among the inputs must not be lost."""
    import kg.scale

    src = _copy_seeds(tmp_path)
    store = tmp_path / "store"
    build_store([src], store, rules=rules, quiet=True)
    monkeypatch.setattr(kg.scale, "rules_key", lambda: "0" * 64)
    some = [src / f"{a}.txt" for a in SEED_IDS[:2]]
    report = build_store(some, store, rules=rules, quiet=True)
    assert (report.added, report.replaced) == (0, 2)
    assert store_stats(store).articles == len(SEED_IDS)
    assert _triples(open_graph(store)) == _triples(union(build_dataset([src], rules)))


def test_prune_drops_articles_no_longer_in_the_inputs(tmp_path, rules):
    src = _copy_seeds(tmp_path)
    store = tmp_path / "store"
    build_store([src], store, rules=rules, quiet=True)
    (src / f"{SEED_IDS[0]}.txt").unlink()
    report = build_store([src], store, rules=rules, quiet=True, prune=True)
    assert report.pruned == 1 and store_stats(store).articles == len(SEED_IDS) - 1


def test_parallel_build_equals_serial(tmp_path, rules, seed_store):
    par = tmp_path / "par"
    report = build_store([SEEDS], par, jobs=2, rules=rules, quiet=True)
    assert report.added == len(SEED_IDS)

    def quads(store: Path) -> list[bytes]:  # digests left out: they hash the lexicon files,
        dump = open_store(store, read_only=True).dump(format=ox.RdfFormat.N_QUADS)  # which
        return sorted(
            q for q in dump.splitlines() if str(DIGEST).encode() not in q
        )  # may be edited

    assert quads(seed_store) == quads(par)


def test_unusable_article_is_reported_and_others_built(tmp_path, rules):
    src = _copy_seeds(tmp_path)
    (src / "broken.txt").write_bytes(b"\x00\x01binary")
    report = build_store([src], tmp_path / "store", rules=rules, quiet=True, jobs=2)
    assert report.added == len(SEED_IDS)
    assert [Path(p).name for p, _ in report.skipped] == ["broken.txt"]


def test_export_store_writes_union_and_named_graphs(tmp_path, seed_store, seed_union, seed_dataset):
    n = export_store(seed_store, tmp_path / "g.ttl")
    assert n == len(_triples(seed_union))
    assert _triples(open_graph(tmp_path / "g.ttl")) == _triples(seed_union)
    export_store(seed_store, tmp_path / "g.nq")
    graphs = {
        line.rsplit(" ", 2)[-2]
        for line in (tmp_path / "g.nq").read_text(encoding="utf-8").splitlines()
    }
    assert graphs == {f"<{g.identifier}>" for g in seed_dataset.graphs() if len(g)}


def test_progress_bar_only_on_a_terminal():
    quiet = io.StringIO()
    bar = Progress(10, enabled=quiet.isatty(), stream=quiet)
    bar.update(10)
    bar.close()
    assert quiet.getvalue() == ""
    loud = io.StringIO()
    bar = Progress(10, enabled=True, stream=loud)
    bar.update(5)
    assert "5/10" in bar.line() and "/s" in bar.line() and "ETA" in bar.line()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_build_on_a_terminal_says_what_it_does_after_the_last_article(tmp_path, rules, monkeypatch):
    """The steps after the bar (derived facts, compaction) can take minutes on a large
    store: each is named on stderr; nothing is written when not on a terminal."""
    import kg.scale

    monkeypatch.setattr(kg.scale, "OPTIMIZE_MIN", 1)
    term = _Terminal()
    build_store([SEEDS], tmp_path / "store", rules=rules, progress_stream=term)
    out = term.getvalue()
    assert f"{len(SEED_IDS)}/{len(SEED_IDS)} articles" in out
    assert out.index("merge reasons") < out.index("compacting the store")
    pipe = io.StringIO()
    build_store([SEEDS], tmp_path / "again", rules=rules, progress_stream=pipe)
    assert pipe.getvalue() == ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    exe = shutil.which(
        "oxigraph", path=str(Path(__import__("sys").executable).parent)
    ) or shutil.which("oxigraph")
    if exe is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    port = _free_port()
    proc = subprocess.Popen(
        [
            exe,
            "serve",
            "--location",
            str(tmp_path_factory.mktemp("oxigraph")),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1)
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.skip("the oxigraph server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_push_then_query_endpoint_gives_the_local_rows(oxigraph_server, seed_store, monkeypatch):
    import kg.store.read
    from kg.remote import endpoint_for, push, query_endpoint

    ep = endpoint_for(oxigraph_server)
    r = CliRunner().invoke(cli, ["push", str(seed_store), "--endpoint", oxigraph_server])
    assert r.exit_code == 0, r.output
    assert f"({len(SEED_IDS)} article(s)" in r.output
    local = open_graph(seed_store)
    for name in CONTRACT:
        assert query_endpoint(ep, name) == run_query(local, name), name
    with monkeypatch.context() as m:  # same digests on the server: nothing sent or recovered
        m.setattr(kg.store.read, "article_view", lambda *a: pytest.fail("recovered a held article"))
        assert push(seed_store, ep).pushed == 0
    assert push(seed_store, ep, method="update", force=True).articles == len(SEED_IDS)
    for name in CONTRACT:
        assert query_endpoint(ep, name) == run_query(local, name), name


def test_serve_answers_sparql_and_shows_a_query_page(seed_store):
    from kg.remote import endpoint_for, query_endpoint
    from kg.serve import make_server

    server = make_server(seed_store, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert query_endpoint(endpoint_for(url), "ceasefires") == run_query(
            open_graph(seed_store), "ceasefires"
        )
        page = urllib.request.urlopen(
            url + "/?query=" + urllib.request.quote("SELECT * WHERE { ?s ?p '<b>' }")
        ).read()
        assert b"&lt;b&gt;" in page and b"<b>" not in page.split(b"<form")[1]
    finally:
        server.shutdown()
        server.server_close()


def test_validate_and_export_read_a_store(tmp_path):
    """`kg validate` and `kg export` take a store directory as well as a graph file."""
    from click.testing import CliRunner

    from kg.cli import cli

    store = tmp_path / "st"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", str(SEEDS / "000_e136840ccb6173e2.txt"), "--store", str(store), "-q"]).exit_code == 0
    r = runner.invoke(cli, ["validate", str(store)])
    assert r.exit_code == 0 and "conforms" in r.output
    out = tmp_path / "x.nq"
    assert runner.invoke(cli, ["export", str(store), "-o", str(out)]).exit_code == 0
    assert "000_e136840ccb6173e2" in out.read_text(encoding="utf-8")
