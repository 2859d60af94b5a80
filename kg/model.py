"""Records shared by every pipeline stage (ingest -> annotate -> events -> graph).

All records are frozen dataclasses: stages are pure functions from records to records.
One `Evidence` travels from the rule match to the triple (HOUSE-STYLE 8.4), so every
fact in the graph names its article, sentence, character offsets and rule id.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ENTITY_TYPES = ("Person", "State", "Organization", "Place")
EVENT_TYPES = (
    "Ceasefire", "Agreement", "Attack", "Capture", "Concession", "Request", "Meeting",
    "Support", "Accusation", "Deployment", "Protest", "Displacement", "Appointment", "Statement",
)
ROLES = (
    "President", "Prime Minister", "Foreign Minister", "Defence Minister", "Minister",
    "Spokesperson", "Ombudsman", "Leader", "Commander", "Ambassador", "Official",
)
FIGURE_KINDS = ("killed", "wounded", "displaced", "troops")


@dataclass(frozen=True, slots=True)
class Article:
    """One input article after reading and cleaning.

    `text` is the cleaned body (boilerplate lines blanked with spaces so that offsets
    still index the original text); `published` is the anchor for relative dates.
    """

    id: str
    text: str
    title: str = ""
    url: str = ""
    outlet: str = ""
    published: "DateValue | None" = None
    source_path: str = ""
    meta: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an article: `start`/`end` are offsets into `Article.text`."""

    article_id: str
    index: int
    start: int
    end: int
    text: str

    def evidence(self, start: int, end: int, rule_id: str) -> Evidence:
        """Evidence for the span `start:end` of this sentence's text, found by `rule_id`."""
        return Evidence(self.article_id, self.index, self.start + start, self.start + end,
                        rule_id, self.text[start:end])


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact comes from: article, sentence, character span in the article, rule."""

    article_id: str
    sentence_index: int
    start: int
    end: int
    rule_id: str
    surface: str = ""


@dataclass(frozen=True, slots=True)
class DateValue:
    """A normalised date: EDTF level-1 string plus inclusive earliest/latest bounds.

    `reason` says in words how the text was turned into the date (shown to analysts).
    """

    edtf: str
    earliest: dt.date
    latest: dt.date
    reason: str = ""

    @property
    def precision(self) -> str:
        """'day', 'month', 'year' or 'decade' (or 'interval' for a range)."""
        if "/" in self.edtf:
            return "interval"
        if self.edtf.endswith("X"):
            return "decade"
        return {10: "day", 7: "month", 4: "year"}.get(len(self.edtf), "interval")


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression found in a sentence (offsets relative to the article)."""

    start: int
    end: int
    value: DateValue
    rule_id: str
    relative: bool = False


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity mention: `key` is the gazetteer key (or a minted key for a person
    found by pattern); `etype` one of ENTITY_TYPES (metonymy already resolved)."""

    key: str
    etype: str
    label: str
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Office:
    """A person holding (or having held) a role, as the article states it."""

    person: str
    role: str
    of: str | None
    former: bool
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Figure:
    """A reported number of people; `low`/`high` bound `count` (None when open)."""

    count: int
    kind: str
    low: int | None
    high: int | None
    vague: bool
    evidence: Evidence
    claim: "Claim | None" = None
    reference: DateValue | None = None  # the date the figure is about (sentence date or publication)


@dataclass(frozen=True, slots=True)
class Claim:
    """Who reports a fact and how (`cue` is the reporting verb's canonical key)."""

    source: str | None
    cue: str
    polarity: str = "asserted"  # asserted | denied | failed


@dataclass(frozen=True, slots=True)
class Event:
    """An event as one article reports it (merged across articles in the graph stage)."""

    etype: str
    evidence: Evidence
    date: DateValue | None = None
    date_evidence: Evidence | None = None
    actors: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    mediators: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    claim: Claim | None = None
    status: str = "asserted"  # asserted | failed | denied


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything extracted from one article."""

    article: Article
    sentences: tuple[Sentence, ...]
    mentions: tuple[Mention, ...] = ()
    offices: tuple[Office, ...] = ()
    dates: tuple[DateMention, ...] = ()
    events: tuple[Event, ...] = ()
    figures: tuple[Figure, ...] = ()
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (label, type)
