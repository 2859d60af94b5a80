"""Loading of rule data files (package data under `kg/lexicons/`)."""
from __future__ import annotations

from importlib.resources import files
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
