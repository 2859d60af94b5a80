"""Annotate stage: entity mentions from the gazetteer, organisation patterns and metonymy.

Reads `lexicons/gazetteer.yaml` and `lexicons/cues.yaml`; writes `Mention` records.
CONTRACT section 6: a capital acting for its government is the State, as a location the
Place; issue 3 item 2: nationality phrases, organisations by pattern, surnames.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.errors import LexiconError
from kg.keys import slug
from kg.lexicon import check_unique_ids, load_yaml
from kg.model import ENTITY_TYPES, Mention, Sentence

_WORD_L = r"(?<![\w\-])"
_WORD_R = r"(?![\w\-])"
_DATELINE = re.compile(r"^\s*([A-Z][A-Za-z0-9.' ]{1,40}(?:,\s*[A-Za-z0-9.' ]{2,40})?)\s*(?:\([^)\n]{0,60}\))?\s*[-–—]")


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer entity."""

    key: str
    etype: str
    label: str
    label_id: str
    aliases: tuple[str, ...]
    surnames: tuple[str, ...] = ()
    wikidata: str | None = None
    capital: str | None = None
    capital_of: str | None = None


@dataclass(frozen=True, slots=True)
class OrgPattern:
    """A pattern that names an organisation after a state ("Kementerian Pertahanan Rusia")."""

    id: str
    regex: re.Pattern[str]
    label: str


@dataclass(frozen=True)
class Gazetteer:
    """Compiled gazetteer: alias lookup, org patterns and location cues."""

    entries: dict[str, Entry]
    alias_key: dict[str, tuple[str, str]]  # surface -> (key, rule id)
    alias_re: re.Pattern[str]
    org_patterns: tuple[OrgPattern, ...]
    location_re: re.Pattern[str]
    credit_re: re.Pattern[str]
    folded: dict[str, str] = field(default_factory=dict)  # casefolded alias -> key

    def entry(self, key: str) -> Entry:
        """The entry for `key` (KeyError if unknown)."""
        return self.entries[key]

    def state_of(self, key: str) -> str | None:
        """The state a place stands for when it acts (capital, Kremlin), else None."""
        return self.entries[key].capital_of if key in self.entries else None


def alternation(forms: list[str], escape: bool = True) -> str:
    """A regex alternation of `forms`, longest first, as whole words."""
    parts = sorted(set(forms), key=len, reverse=True)
    body = "|".join(re.escape(p) if escape else p for p in parts)
    return f"{_WORD_L}(?:{body}){_WORD_R}"


def load_gazetteer() -> Gazetteer:
    """Load and validate `gazetteer.yaml` (and location cues from `cues.yaml`).

    Raises:
        LexiconError: every problem found (unknown type, duplicate key or alias...).
    """
    data = load_yaml("gazetteer.yaml")
    cues = load_yaml("cues.yaml")
    problems: list[str] = []
    entries: dict[str, Entry] = {}
    alias_key: dict[str, tuple[str, str]] = {}
    for raw in data.get("entities", []):
        key = raw.get("key")
        if raw.get("type") not in ENTITY_TYPES:
            problems.append(f"gazetteer.yaml {key}: unknown type {raw.get('type')!r}")
            continue
        if key in entries:
            problems.append(f"gazetteer.yaml: duplicate key {key}")
        entry = Entry(
            key=key, etype=raw["type"], label=raw["label"], label_id=raw.get("label_id", raw["label"]),
            aliases=tuple(raw.get("aliases") or [raw["label"]]), surnames=tuple(raw.get("surnames") or ()),
            wikidata=raw.get("wikidata"), capital=raw.get("capital"), capital_of=raw.get("capital_of"),
        )
        entries[key] = entry
        for alias in entry.aliases:
            alias_key.setdefault(alias, (key, "ent.gazetteer.alias"))
        for surname in entry.surnames:
            alias_key.setdefault(surname, (key, "ent.gazetteer.surname"))
    for e in entries.values():
        for ref in (e.capital, e.capital_of):
            if ref and ref not in entries:
                problems.append(f"gazetteer.yaml {e.key}: unknown reference {ref}")
    problems += check_unique_ids("gazetteer.yaml org_patterns", data.get("org_patterns", []))
    state_forms = [a for a, (k, _) in alias_key.items() if entries[k].etype == "State"]
    state_group = "(?P<state>" + "|".join(re.escape(a) for a in sorted(state_forms, key=len, reverse=True)) + ")"
    orgs = []
    for raw in data.get("org_patterns", []):
        fixed, _, rest = raw["pattern"].partition("{STATE}")
        try:
            regex = re.compile(_WORD_L + "(?i:" + fixed + ")" + state_group + rest + _WORD_R)
        except re.error as exc:
            problems.append(f"gazetteer.yaml {raw['id']}: {exc}")
            continue
        orgs.append(OrgPattern(raw["id"], regex, raw["label"]))
    if problems:
        raise LexiconError(problems)
    location = re.compile(r"(?:^|\s)(?:" + "|".join(
        re.escape(w) for w in sorted(cues.get("location_prepositions", []), key=len, reverse=True)
    ) + r")\s+$", re.I)
    return Gazetteer(
        entries=entries, alias_key=alias_key, alias_re=re.compile(alternation(list(alias_key))),
        org_patterns=tuple(orgs), location_re=location,
        credit_re=re.compile(alternation(data.get("credits") or ["\x00"])),
        folded={a.casefold(): k for a, (k, _) in alias_key.items()},
    )


def resolve_alias(gaz: Gazetteer, key: str, before: str, rule_id: str) -> tuple[str, str, str]:
    """Apply metonymy: a capital (or seat of government) not preceded by a location cue
    stands for its state. Returns (key, type, rule id)."""
    entry = gaz.entries[key]
    if entry.capital_of and not gaz.location_re.search(before[-25:]):
        state = gaz.entries[entry.capital_of]
        return state.key, state.etype, "ent.metonymy.capital-as-state"
    if entry.capital_of:
        return key, entry.etype, "ent.metonymy.capital-as-place"
    return key, entry.etype, rule_id


def find_mentions(sentence: Sentence, gaz: Gazetteer) -> list[Mention]:
    """Entity mentions in one sentence: org patterns first, then gazetteer aliases.

    Example:
        "Moskow menyatakan dukungan" -> Russia (State); "pertemuan di Moskow" -> Moscow (Place).
    """
    text = sentence.text
    taken: list[tuple[int, int]] = [m.span() for m in gaz.credit_re.finditer(text)]
    out: list[Mention] = []
    for pat in gaz.org_patterns:
        for m in pat.regex.finditer(text):
            state_key = gaz.alias_key[m.group("state")][0]
            state_key = gaz.entries[state_key].capital_of or state_key
            label = pat.label.format(state=gaz.entries[state_key].label)
            out.append(Mention("org-" + slug(label), "Organization", label, sentence.evidence(*m.span(), pat.id)))
            state = gaz.entries[state_key]  # the state named inside the organisation's name is mentioned too
            out.append(Mention(state.key, state.etype, state.label, sentence.evidence(*m.span("state"), "ent.org.state-in-name")))
            taken.append(m.span())
    for m in gaz.alias_re.finditer(text):
        if any(s <= m.start() < e or m.start() <= s < m.end() for s, e in taken):
            continue
        key, rule_id = gaz.alias_key[m.group()]
        key, etype, rule_id = resolve_alias(gaz, key, text[:m.start()], rule_id)
        out.append(Mention(key, etype, gaz.entries[key].label, sentence.evidence(*m.span(), rule_id)))
    return sorted(out, key=lambda x: x.evidence.start)


def find_dateline_place(sentence: Sentence, gaz: Gazetteer) -> list[Mention]:
    """A dateline (`MOSKOW -`, `YEREVAN, KOMPAS.TV -`) names a Place (ANNOTATION.md)."""
    m = _DATELINE.match(sentence.text)
    if not m:
        return []
    out = []
    pos = m.start(1)
    for part in m.group(1).split(","):
        word = part.strip()
        key = gaz.folded.get(word.casefold())
        start = sentence.text.find(word, pos)
        if key and gaz.entries[key].etype == "Place" and start >= 0:
            out.append(Mention(key, "Place", gaz.entries[key].label,
                               sentence.evidence(start, start + len(word), "ent.place.dateline")))
        pos = max(pos, start)
    return out
