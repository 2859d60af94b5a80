"""Shared fixtures: the compiled rules and the seed graph, each built once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CASES = Path(__file__).resolve().parent / "cases"


@pytest.fixture(scope="session")
def rules():
    from kg.pipeline import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def seed_dataset(rules):
    from kg.pipeline import build_dataset

    return build_dataset([SEEDS], rules)


@pytest.fixture(scope="session")
def seed_graph(seed_dataset):
    from kg.pipeline import union

    return union(seed_dataset)
