"""The README matches the code: every command and every query is documented."""
from __future__ import annotations

import pytest

from conftest import ROOT
from kg.cli import cli
from kg.query import list_queries

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_in_the_readme(command):
    assert f"kg {command}" in README


@pytest.mark.parametrize("name", list_queries())
def test_every_query_is_in_the_readme(name):
    assert f"`{name}`" in README


def test_quick_start_commands():
    assert "make demo" in README and "make test" in README
