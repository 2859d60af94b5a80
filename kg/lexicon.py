"""Loading of rule data files (package data under `kg/lexicons/`)."""
from __future__ import annotations

from importlib.resources import files
import re
from typing import Any

import yaml

from kg.errors import LexiconError


def load_yaml(name: str) -> Any:
    """Read `kg/lexicons/<name>` with `yaml.safe_load`.

    Raises:
        LexiconError: the file is missing or is not valid YAML.
    """
    resource = files("kg") / "lexicons" / name
    try:
        return yaml.safe_load(resource.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError([f"{name}: {exc}"]) from None


def check_unique_ids(name: str, entries: list[dict]) -> list[str]:
    """Return one problem per missing or repeated `id` among `entries`."""
    seen: set[str] = set()
    problems = []
    for i, entry in enumerate(entries):
        rid = entry.get("id") if isinstance(entry, dict) else None
        if not rid:
            problems.append(f"{name}: entry {i} has no id")
        elif rid in seen:
            problems.append(f"{name}: duplicate id {rid}")
        seen.add(rid)
    return problems


# Rule ids emitted by mechanisms in code rather than by an entry of a rule file; each is
# named here so that the full rule-id registry (tests/golden/rule_ids.txt) is complete.
CODE_RULE_IDS = (
    "date.rel.same-day",             # pipeline.same_day_dates
    "ent.gazetteer.alias",           # annotate.entities: an alias of a gazetteer entry
    "ent.gazetteer.surname",         # annotate.entities: a well-known surname
    "ent.metonymy.capital-as-place",
    "ent.metonymy.capital-as-state",
    "ent.org.state-in-name",
    "ent.person.after-title",        # annotate.roles: a person found by pattern after a title
    "ent.person.before-title",       # annotate.roles: a person found by pattern before ", title"
    "ent.person.surname-in-article", # pipeline: a pattern-found person named again by surname
    "ent.place.dateline",
    "role.apposition.name-title",
    "role.register.bare-title",
)
RULE_ID = re.compile(r"^(?:ingest|ent|role|date|fig|evt|claim|merge|conflict|office)(?:\.[a-z0-9-]+)+$")
RULE_FILES = ("boilerplate.yaml", "gazetteer.yaml", "titles.yaml", "offices.yaml", "events.yaml",
              "cues.yaml", "figures.yaml", "dates.yaml", "conflicts.yaml")


def _ids_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["id"]] if isinstance(node.get("id"), str) and RULE_ID.match(node["id"]) else []
        return own + [i for v in node.values() for i in _ids_in(v)]
    if isinstance(node, list):
        return [i for v in node for i in _ids_in(v)]
    return []


def all_rule_ids() -> list[str]:
    """Every rule id of every rule file plus those emitted by code, sorted."""
    ids = set(CODE_RULE_IDS)
    for name in RULE_FILES:
        ids.update(_ids_in(load_yaml(name)))
    return sorted(ids)
