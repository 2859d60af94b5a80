"""Ingest stage: blank web boilerplate lines (CONTRACT section 1) keeping offsets stable."""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import LexiconError
from kg.lexicon import load_yaml


@dataclass(frozen=True, slots=True)
class BoilerplateRule:
    """A line pattern that marks a line as boilerplate."""

    id: str
    pattern: re.Pattern[str]


def load_boilerplate_rules() -> tuple[BoilerplateRule, ...]:
    """Load and validate `lexicons/boilerplate.yaml`."""
    data = load_yaml("boilerplate.yaml")
    rules, problems = [], []
    for entry in data.get("rules", []):
        try:
            rules.append(BoilerplateRule(entry["id"], re.compile(entry["pattern"], re.I)))
        except (KeyError, re.error) as exc:
            problems.append(f"boilerplate.yaml {entry.get('id', '?')}: {exc}")
    if problems:
        raise LexiconError(problems)
    return tuple(rules)


def blank_boilerplate(text: str, rules: tuple[BoilerplateRule, ...]) -> tuple[str, list[tuple[str, str]]]:
    """Replace every boilerplate line by spaces; return the text and (rule id, line) removed.

    Example:
        >>> rules = load_boilerplate_rules()
        >>> blank_boilerplate("Baca juga: Perang lagi\\nIsi berita.", rules)[0].strip()
        'Isi berita.'
    """
    out, removed = [], []
    for line in text.split("\n"):
        stripped = line.strip()
        hit = next((r for r in rules if stripped and r.pattern.search(stripped)), None)
        if hit is not None:
            removed.append((hit.id, stripped))
            out.append(" " * len(line))
        else:
            out.append(line)
    return "\n".join(out), removed
