"""The rule data: valid, documented, and its rule ids a deliberate, reviewed list."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import ROOT
from kg.lexicon import CODE_RULE_IDS, RULE_FILES, RULE_ID, all_rule_ids

GOLDEN = Path(__file__).resolve().parent / "golden" / "rule_ids.txt"


def test_rule_ids_match_the_golden_list():
    ids = all_rule_ids()
    if os.environ.get("KG_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text("\n".join(ids) + "\n", encoding="utf-8")
    assert ids == GOLDEN.read_text(encoding="utf-8").split(), "rule ids changed: review, then KG_UPDATE_GOLDEN=1"


def test_rule_ids_follow_the_grammar():
    assert all(RULE_ID.match(i) for i in all_rule_ids())


@pytest.mark.parametrize("rule_id", CODE_RULE_IDS)
def test_code_rule_ids_are_used_in_code(rule_id):
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "kg").rglob("*.py") if p.name != "lexicon.py")
    assert f'"{rule_id}"' in source


@pytest.mark.parametrize("name", RULE_FILES)
def test_every_rule_file_is_documented(name):
    assert f"`{name}`" in (ROOT / "kg" / "lexicons" / "README.md").read_text(encoding="utf-8")


def test_no_stray_rule_files():
    present = {p.name for p in (ROOT / "kg" / "lexicons").glob("*.yaml")}
    assert present == set(RULE_FILES)


def test_all_rules_load(rules):
    assert rules.gazetteer.entries and rules.events.triggers and rules.episodes


def test_bad_rule_data_lists_every_problem(monkeypatch):
    from kg.annotate import roles
    from kg.errors import LexiconError

    bad = {"titles": [{"id": "role.title.x", "role": "Emperor", "forms": ["Kaisar"]},
                      {"id": "role.title.x", "role": "President", "forms": ["Presiden"]}]}
    real = roles.load_yaml
    monkeypatch.setattr(roles, "load_yaml", lambda name: bad if name == "titles.yaml" else real(name))
    with pytest.raises(LexiconError) as err:
        roles.load_role_rules()
    text = str(err.value)
    assert "unknown role 'Emperor'" in text and "duplicate id role.title.x" in text


def test_no_indonesian_words_in_engine_code():
    """Language lives in data (HOUSE-STYLE 8.3): no common Indonesian word in a string
    constant of the engine code (docstrings, where examples belong, excepted)."""
    import ast

    words = re.compile(r"\b(?:gencatan|menewaskan|presiden|kementerian|kemarin|pasukan|untuk|tewas|bahwa)\b", re.I)
    for p in (ROOT / "kg").rglob("*.py"):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                assert not words.search(node.value), f"{p.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}"
