"""Graph stage: known conflict episodes, the referents of reported figures (issue 4).

Reads `lexicons/conflicts.yaml`. A figure ("menewaskan 6.500 orang") is about the episode
whose period contains its reference date (the date in its sentence, else the article's
publication date); figures of one episode that disagree are what `conflicts.rq` lists.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kg.errors import LexiconError
from kg.lexicon import check_unique_ids, load_yaml
from kg.model import DateValue


@dataclass(frozen=True, slots=True)
class ConflictEpisode:
    """A war, offensive or round of clashes with its period."""

    id: str
    key: str
    label: str
    label_id: str
    period: DateValue


def load_episodes() -> tuple[ConflictEpisode, ...]:
    """Load and validate `conflicts.yaml`.

    Raises:
        LexiconError: missing fields, bad dates or duplicate ids.
    """
    entries = load_yaml("conflicts.yaml").get("conflicts", [])
    problems = check_unique_ids("conflicts.yaml", entries)
    out = []
    for e in entries:
        try:
            start, end = dt.date.fromisoformat(str(e["from"])), dt.date.fromisoformat(str(e["to"]))
            if end < start:
                raise ValueError("'to' is before 'from'")
            period = DateValue(f"{start.isoformat()}/{end.isoformat()}", start, end, "known period")
            out.append(ConflictEpisode(e["id"], e["key"], e["label"], e.get("label_id", e["label"]), period))
        except (KeyError, ValueError) as exc:
            problems.append(f"conflicts.yaml {e.get('id')}: {exc}")
    if problems:
        raise LexiconError(problems)
    return tuple(out)


def episode_for(when: DateValue | None, episodes: tuple[ConflictEpisode, ...]) -> ConflictEpisode | None:
    """The one episode whose period overlaps `when` (None if none or several)."""
    if when is None:
        return None
    hits = [e for e in episodes if e.period.earliest <= when.latest and when.earliest <= e.period.latest]
    return hits[0] if len(hits) == 1 else None
