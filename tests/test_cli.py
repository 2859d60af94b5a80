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
