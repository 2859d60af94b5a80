"""Generalisation check on articles the team wrote and annotated (tests/own/): rules tuned
on the seeds and the dev set must hold on text none of them has seen."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg.evaluate import CATEGORIES, evaluate

OWN = Path(__file__).resolve().parent / "own"


@pytest.fixture(scope="module")
def report(rules):
    from kg.pipeline import build

    return evaluate(build([OWN / "articles"], rules), OWN / "gold")


def test_headline_on_our_own_articles(report):
    assert report.headline >= 0.9


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_on_our_own_articles(report, category):
    assert report.scores[category].f1 >= 0.75


# Known misses, each with its reason; strict, so a fix that starts passing is noticed.
KNOWN_MISSES = {
    ("t01", "2021-05-13", "Request"): "a date after two coordinated verbs goes to the nearer one only "
                                       "(the rule that keeps 'merebut ... dan membubarkan diri pada 28 September' apart)",
}


@pytest.mark.parametrize("miss", sorted(KNOWN_MISSES), ids=str)
def test_known_misses(rules, miss):
    from kg.pipeline import build
    from kg.query import run_query

    article, date, etype = miss
    _, rows = run_query(build([OWN / "articles" / f"{article}.txt"], rules), "events")
    found = (date, etype) in {(r["date"], r["type"]) for r in rows}
    if not found:
        pytest.xfail(KNOWN_MISSES[miss])
    pytest.fail(f"{miss} is found now: remove it from KNOWN_MISSES")
