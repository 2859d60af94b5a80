"""The command line, through click's runner and as the installed console script."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import ROOT, SEEDS
from kg.cli import cli


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "g.ttl"
    res = CliRunner().invoke(cli, ["build", str(SEEDS), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_build_reports_counts(built):
    assert built.stat().st_size > 1000


def test_query_formats(built):
    r = CliRunner().invoke(cli, ["query", "roles", "--graph", str(built), "--format", "json"])
    assert r.exit_code == 0
    rows = json.loads(r.output)
    assert any(x["person"] == "Vladimir Putin" for x in rows)
    r = CliRunner().invoke(cli, ["query", str(ROOT / "queries" / "figures.rq"), "--graph", str(built), "--format", "csv"])
    assert r.output.splitlines()[0] == "article,count,kind"


def test_query_unknown_name_is_a_clear_error(built):
    r = CliRunner().invoke(cli, ["query", "nope", "--graph", str(built)])
    assert r.exit_code == 2 and "no such query" in r.output


def test_timeline_prints_events(built):
    r = CliRunner().invoke(cli, ["timeline", str(built)])
    assert r.exit_code == 0 and "Ceasefire" in r.output and "2020-11-09" in r.output


def _timeline(built, *args):
    r = CliRunner().invoke(cli, ["timeline", str(built), "--format", "json", *args])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


@pytest.mark.parametrize("since, until", [("2020-10", "2020-10"), ("2020-11-09", None), (None, "1999"),
                                          ("2022", "2023")])
def test_timeline_window_keeps_exactly_the_overlapping_events(built, since, until):
    """--since/--until keep the rows whose date overlaps the window, in the same order."""
    from rdflib import URIRef

    from kg.graph.vocab import KG
    from kg.query import date_bound, load_graph

    graph = load_graph(built)
    everything = _timeline(built)
    args = [*(["--since", since] if since else []), *(["--until", until] if until else [])]
    lo = date_bound(since, upper=False) if since else None
    hi = date_bound(until, upper=True) if until else None

    def overlaps(row):
        event = URIRef(row["event"])
        earliest, latest = (graph.value(event, p).toPython() for p in (KG.earliest, KG.latest))
        return (hi is None or earliest <= hi) and (lo is None or latest >= lo)

    window = _timeline(built, *args)
    assert window and window == [r for r in everything if overlaps(r)]


def test_timeline_limit_and_bad_window(built):
    assert _timeline(built, "--limit", "4") == _timeline(built)[:4]
    r = CliRunner().invoke(cli, ["timeline", str(built), "--since", "2020-13"])
    assert r.exit_code != 0 and "bad date '2020-13'" in r.output
    r = CliRunner().invoke(cli, ["timeline", str(built), "--html", "--limit", "3"])
    assert r.exit_code == 2 and "own filters" in r.output


def test_whole_timeline_of_a_large_store_says_it_takes_a_while(built, tmp_path, monkeypatch):
    import kg.cli

    store = tmp_path / "store"
    assert CliRunner().invoke(cli, ["build", str(SEEDS), "--store", str(store), "-q"]).exit_code == 0
    monkeypatch.setattr(kg.cli, "LARGE_TIMELINE", 0)
    hint = "dated events of the store"
    assert hint in CliRunner().invoke(cli, ["timeline", str(store)]).output
    assert hint not in CliRunner().invoke(cli, ["timeline", str(store), "--limit", "3"]).output
    assert hint not in CliRunner().invoke(cli, ["timeline", str(built)]).output  # a file: no store
    monkeypatch.setattr(kg.cli, "LARGE_TIMELINE", 10_000)
    assert hint not in CliRunner().invoke(cli, ["timeline", str(store)]).output


def test_build_nothing_readable_exits_1(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["build", str(tmp_path), "-o", str(tmp_path / "o.ttl")])
    assert r.exit_code == 1 and "empty.txt" in r.output and not (tmp_path / "o.ttl").exists()


def test_bad_file_is_named_and_others_built(tmp_path):
    for f in SEEDS.glob("00[01]*.txt"):
        shutil.copy(f, tmp_path)
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    r = CliRunner().invoke(cli, ["build", str(tmp_path), "-o", str(tmp_path / "o.ttl")])
    assert r.exit_code == 0 and "bin.txt" in r.output and "built 2 article(s)" in r.output


def test_console_scripts_run():
    exe = shutil.which("kg", path=str(ROOT / ".venv" / "bin")) or shutil.which("kg")
    assert exe, "console script kg not installed"
    assert subprocess.run([exe, "--help"], capture_output=True, text=True).returncode == 0
    out = subprocess.run([sys.executable, "-m", "kg", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "build" in out.stdout
