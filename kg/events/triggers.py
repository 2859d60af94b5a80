"""Events stage: trigger matches per type, their arguments, date, negation and attribution.

Reads `lexicons/events.yaml` and `lexicons/cues.yaml`; writes `Event` records.
CONTRACT section 4 (one type per event, the most specific wins); issue 3 item 4.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.annotate.entities import alternation
from kg.errors import LexiconError
from kg.lexicon import check_unique_ids, load_yaml
from kg.model import EVENT_TYPES, Claim, DateMention, Event, Mention, Sentence

ACTOR_TYPES = ("State", "Person", "Organization")
TARGETED = ("Request", "Accusation", "Support", "Attack")  # events with an addressee or target


@dataclass(frozen=True, slots=True)
class Trigger:
    """One trigger rule."""

    id: str
    etype: str
    regex: re.Pattern[str]
    anaphoric: bool = False
    gate: tuple[str, ...] = ()  # lower-case strings one of which any match contains; () = always run


@dataclass(frozen=True)
class EventRules:
    """Compiled triggers and cues."""

    triggers: tuple[Trigger, ...]
    priority: dict[str, int]
    failed_re: re.Pattern[str]
    negated_re: re.Pattern[str]
    hypothetical_re: re.Pattern[str]
    mediation_re: re.Pattern[str]
    between_re: re.Pattern[str]
    reporting: tuple[tuple[re.Pattern[str], str, str], ...]  # (regex, cue, rule id)
    clause_re: re.Pattern[str]
    relative_re: re.Pattern[str]
    when_re: re.Pattern[str]
    date_only_re: re.Pattern[str]
    verb_re: re.Pattern[str]
    complement_re: re.Pattern[str]
    non_event_date_re: re.Pattern[str]
    complement_clause_re: re.Pattern[str]
    same_day_re: re.Pattern[str]
    temporal_prep_re: re.Pattern[str]
    mediator_stop_re: re.Pattern[str]
    reference_prep_re: re.Pattern[str]
    both_sides_re: re.Pattern[str]
    gates: GateIndex = field(init=False, repr=False, compare=False)  # from the triggers

    def __post_init__(self) -> None:
        object.__setattr__(self, "gates", GateIndex.of(self.triggers))


def load_event_rules() -> EventRules:
    """Load and validate `events.yaml` and `cues.yaml`.

    Raises:
        LexiconError: unknown types, duplicate ids, bad regexes.
    """
    data, cues = load_yaml("events.yaml"), load_yaml("cues.yaml")
    problems, triggers = [], []
    all_entries = []
    for etype, entries in (data.get("triggers") or {}).items():
        if etype not in EVENT_TYPES:
            problems.append(f"events.yaml: unknown type {etype}")
            continue
        all_entries += entries
        for t in entries:
            try:
                regex = re.compile(r"(?<![\w-])(?:" + t["pattern"] + r")(?![\w-])", re.I)
                triggers.append(Trigger(t["id"], etype, regex, bool(t.get("anaphoric")), literal_gate(t["pattern"])))
            except (KeyError, re.error) as exc:
                problems.append(f"events.yaml {t.get('id')}: {exc}")
    problems += check_unique_ids("events.yaml", all_entries)
    priority = {t: i for i, t in enumerate(data.get("priority", EVENT_TYPES))}
    if set(priority) != set(EVENT_TYPES):
        problems.append("events.yaml: priority must list every event type once")
    neg = cues.get("negation", {})
    reporting = []
    for r in cues.get("reporting", []):
        reporting.append((re.compile(alternation(r["forms"]), re.I), r["cue"], r["id"]))
    if problems:
        raise LexiconError(problems)

    def before(words: list[str]) -> re.Pattern[str]:
        return re.compile(alternation(words) + r"(?:\s+\S+){0,2}\s+$", re.I)

    return EventRules(
        tuple(triggers), priority, before(neg.get("failed", [])), re.compile(alternation(neg.get("negated", [])) + r"(?:\s+\S+)?\s+$", re.I),
        before(neg.get("hypothetical", [])), re.compile(alternation(cues.get("mediation", [])), re.I),
        re.compile(alternation(cues.get("between", [])), re.I), tuple(reporting),
        re.compile(r",(?=\s*[a-z])(?!\s*" + alternation(cues.get("comma_keeps", [])) + r")|[;:]|\s(?="
                   + alternation(cues.get("clause_breaks", [])) + ")"),
        re.compile(r"^\s*" + alternation(cues.get("relative", [])), re.I),
        re.compile(r"^\s*" + alternation(cues.get("when_words", [])), re.I),
        re.compile(r"^(?:[\s,]|" + alternation(cues.get("date_only_words", [])) + ")*$", re.I),
        re.compile(r"^(?:" + "|".join(map(re.escape, cues.get("verb_prefixes", []))) + ")", re.I),
        re.compile(alternation(cues.get("complement_cues", [])), re.I),
        re.compile("(?:" + alternation(cues.get("span_end_words", [])) + r"|" + alternation(cues.get("citation_cues", []))
                   + r"(?:\s+[\w.]+){0,3},?)\s*$", re.I),
        re.compile(alternation(cues.get("report_complement", [])), re.I),
        re.compile(alternation(cues.get("same_day", [])), re.I),
        re.compile(alternation(cues.get("temporal_preps", [])) + r"\s+$", re.I),
        re.compile(r"[.;:!?]|\s" + alternation(cues.get("mediator_stops", [])) + r"\s", re.I),
        re.compile(alternation(cues.get("reference_preps", [])) + r"(?:\s+\S+)?\s+$", re.I),
        re.compile(alternation(cues.get("both_sides", [])), re.I),
    )


def _top_level_alternatives(pattern: str) -> list[str]:
    out, depth, start, i = [], 0, 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    return out + [pattern[start:]]


def literal_gate(pattern: str) -> tuple[str, ...]:
    """A cheap necessary condition for a trigger: the literal text each top-level
    alternative starts with. A sentence containing none of them cannot match, so the
    regex is not run (speed only: the matches are the same). Empty when an alternative
    starts with regex syntax."""
    gates = []
    for alt in _top_level_alternatives(pattern):
        m = re.match(r"[A-Za-z0-9 '-]+", alt)
        lit = m.group() if m else ""
        if lit and len(alt) > len(lit) and alt[len(lit)] in "?*{":
            lit = lit[:-1]  # the last letter is optional
        if len(lit) < 3:
            return ()
        gates.append(lit.lower())
    return tuple(gates)


_WORD_START = re.compile(r"(?<![\w-])\w")


@dataclass(frozen=True)
class GateIndex:
    """Which triggers can match a sentence, found in one pass over its word starts.

    Every trigger regex starts its match where no word character or hyphen precedes, with
    the literal of one of its gates (`literal_gate`); so only gates found at a word start
    of the case-folded sentence can open a match. Gates are looked up by their first three,
    four or five characters (Indonesian words share short prefixes: men-, ber-, per-);
    triggers without a usable gate always run."""

    by_prefix: tuple[dict[str, tuple[tuple[str, int], ...]], ...]  # key lengths 3, 4, 5
    always: frozenset[int]

    @classmethod
    def of(cls, triggers: tuple[Trigger, ...]) -> GateIndex:
        """Index the gates of `triggers` (by position in the tuple)."""
        tables: tuple[dict[str, list[tuple[str, int]]], ...] = ({}, {}, {})
        always = set()
        for i, t in enumerate(triggers):
            if not t.gate or not all(len(g) >= 3 and g[:3].isalnum() for g in t.gate):
                always.add(i)
                continue
            for g in t.gate:
                n = min(len(g), 5)
                tables[n - 3].setdefault(g[:n], []).append((g, i))
        return cls(tuple({k: tuple(v) for k, v in t.items()} for t in tables), frozenset(always))

    def candidates(self, text: str, triggers: tuple[Trigger, ...]) -> list[Trigger]:
        """The triggers worth running on `text`, in rule order."""
        low = text.casefold()  # as re.IGNORECASE folds (ſ -> s)
        if len(low) != len(text):  # folding moved offsets (ß -> ss): test every gate anywhere
            return [t for t in triggers if not t.gate or any(g in low for g in t.gate)]
        found = set(self.always)
        t3, t4, t5 = self.by_prefix
        for m in _WORD_START.finditer(low):
            i = m.start()
            for table, n in ((t5, 5), (t4, 4), (t3, 3)):
                for g, k in table.get(low[i:i + n], ()):
                    if low.startswith(g, i):
                        found.add(k)
        return [triggers[k] for k in sorted(found)]


def _trigger_matches(text: str, rules: EventRules) -> list[tuple[int, int, Trigger]]:
    """Non-overlapping trigger matches; on overlap the higher-priority type wins."""
    hits = [(m.start(), m.end(), t) for t in rules.gates.candidates(text, rules.triggers)
            for m in t.regex.finditer(text)]
    hits.sort(key=lambda h: (rules.priority[h[2].etype], h[0] - h[1]))
    kept: list[tuple[int, int, Trigger]] = []
    for h in hits:
        if all(h[1] <= k[0] or k[1] <= h[0] for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: h[0])


def _status(text: str, start: int, rules: EventRules) -> str:
    head = text[:start]
    if rules.failed_re.search(head):
        return "failed"
    if rules.negated_re.search(head):
        return "denied"
    if rules.hypothetical_re.search(head):
        return "hypothetical"
    return "asserted"


def _clauses(text: str, rules: EventRules, keep: list[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Clause spans of a sentence: cut at , ; : and before clause-opening words, never
    inside a span of `keep` (date phrases such as "hari yang sama")."""
    cuts = [0] + [m.start() for m in rules.clause_re.finditer(text)
                  if not any(a < m.start() < b for a, b in keep)] + [len(text)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _clause_of(clauses: list[tuple[int, int]], pos: int) -> int:
    return next((i for i, (a, b) in enumerate(clauses) if a <= pos < b), len(clauses) - 1)


class _DateGovernor:
    """Decides which date phrase governs which trigger (issue 3 item 4).

    A trigger takes the nearest date of its own clause; a noun directly followed by a date
    ("perjanjian tahun 1997") owns that date; a clause without a date may take the date of
    a following relative clause with no trigger of its own; a verb may take the date of a
    sentence-opening date phrase ("Pada hari Sabtu, ...").
    """

    def __init__(self, sentence: Sentence, hits: list, dates: list[DateMention], rules: EventRules):
        self.text, self.base, self.rules = sentence.text, sentence.start, rules
        self.dates = [(d.start - self.base, d.end - self.base, d) for d in dates
                      if not rules.non_event_date_re.search(sentence.text[:d.start - self.base])]
        self.clauses = _clauses(self.text, rules, [(a, b) for a, b, _d in self.dates])
        self.hits = hits
        self.bound: dict[int, int] = {}  # date index -> trigger start
        for i, (ds, _de, _d) in enumerate(self.dates):
            before = [h for h in hits if h[0] < ds and ds - h[1] <= 25]
            gap = self.text[min(before[-1][1], ds):ds] if before else ""
            if before and not self._is_verb(before[-1]) and re.fullmatch(r"[\s\w-]*", gap) and not rules.clause_re.search(gap):
                self.bound[i] = before[-1][0]
        self.opening = None
        if self.clauses and len(self.clauses) > 1:
            a, b = self.clauses[0]
            inside = [i for i, (ds, de, _d) in enumerate(self.dates) if a <= ds and de <= b]
            if len(inside) == 1:
                ds, de, _d = self.dates[inside[0]]
                rest = self.text[a:ds] + self.text[de:b]
                if rules.date_only_re.match(rest):
                    self.opening = inside[0]

    def _is_verb(self, hit: tuple) -> bool:
        return bool(self.rules.verb_re.match(self.text[hit[0]:hit[1]]))

    def _blocked(self, start: int, ds: int) -> bool:
        """A date after the trigger belongs to a trigger standing between them."""
        return ds > start and any(start < h[0] and h[1] <= ds and not self.rules.temporal_prep_re.search(self.text[:h[0]])
                                  for h in self.hits)

    def _in_clause(self, ci: int, start: int) -> DateMention | None:
        a, b = self.clauses[ci]
        cands = [(abs(ds - start), i) for i, (ds, de, _d) in enumerate(self.dates)
                 if a <= ds < b and self.bound.get(i, start) == start and not self._blocked(start, ds)]
        return self.dates[min(cands)[1]][2] if cands else None

    def coordinated(self, date: DateMention | None) -> list[DateMention]:
        """Dates joined to `date` by `dan` or a comma ("pada 1980-an dan 1990-an")."""
        if date is None:
            return []
        out, end = [], date.end - self.base
        for ds, de, d in self.dates:
            if ds >= end and re.fullmatch(r"\s*(?:,|,?\s*dan|,?\s*serta)\s*", self.text[end:ds]):
                out.append(d)
                end = de
        return out

    def date_for(self, hit: tuple) -> DateMention | None:
        start = hit[0]
        for i, owner in self.bound.items():
            if owner == start:
                return self.dates[i][2]
        if self.rules.reference_prep_re.search(self.text[:start]):
            return None  # "sebagai bagian dari gencatan senjata": an agreement referred to
        ci = _clause_of(self.clauses, start)
        own = self._in_clause(ci, start)
        if own is not None:
            return own
        if ci + 1 < len(self.clauses):
            a, b = self.clauses[ci + 1]
            if not any(a <= h[0] < b for h in self.hits):  # a following clause with no event of its own
                nxt = self._in_clause(ci + 1, start)
                if nxt is not None:
                    return nxt
        if ci > 0 and self.rules.when_re.match(self.text[self.clauses[ci][0]:self.clauses[ci][1]]):
            a = self.clauses[ci][0]
            before = [d for ds, de, d in self.dates if de <= a and not self.text[de:a].strip(" ,")]
            if before:
                return before[-1]
        if self.opening is not None and ci > 0 and self._is_verb(hit):
            return self.dates[self.opening][2]
        if hit[2].etype == "Ceasefire":
            comp = self.rules.complement_clause_re.search(self.text[:start])
            if comp:
                before = [d for ds, de, d in self.dates if de <= comp.start()]
                if len(before) == 1 and len(self.dates) == 1:
                    return before[0]
        return None


def _mediators(sentence: Sentence, actors: list[Mention], rules: EventRules) -> list[str]:
    """`ditengahi X`, `dimediasi oleh diplomat tinggi X` (X after the cue: the first state
    or organisation, else person, before any punctuation) or `X ... menengahi` (X before)."""
    actors = outermost(actors)
    out = []
    base = sentence.start
    for m in rules.mediation_re.finditer(sentence.text):
        if m.group().lower().startswith("menengahi"):
            before = [a for a in actors if a.evidence.end - base <= m.start() and a.etype in ("State", "Organization")]
            if before:
                out.append(before[-1].key)
                continue
        window = sentence.text[m.end():m.end() + 45]
        stop = rules.mediator_stop_re.search(window)
        end = m.end() + (stop.start() if stop else len(window))
        near = [a for a in actors if m.end() <= a.evidence.start - base < end]
        bodies = [a for a in near if a.etype in ("State", "Organization")]
        chosen = bodies or [a for a in near if a.etype == "Person"]
        if chosen:
            out.append(chosen[0].key)
            # "ditengahi Rusia, Prancis dan Amerika Serikat"
            last = chosen[0]
            for a in actors:
                if a.evidence.start <= last.evidence.start or a.etype not in ("State", "Organization"):
                    continue
                gap = sentence.text[last.evidence.end - base:a.evidence.start - base]
                if re.fullmatch(r"\s*(?:,|,?\s*dan)\s*", gap):
                    out.append(a.key)
                    last = a
    return list(dict.fromkeys(out))


def _parties(sentence: Sentence, actors: list[Mention], rules: EventRules, exclude: list[str],
             pair: tuple[str, ...] = ()) -> list[str]:
    """`antara X dan Y` names the parties; else the states in the sentence; else, for
    "kedua negara", the article's two main states (`pair`)."""
    base = sentence.start
    states = [a.key for a in actors if a.etype == "State" and a.key not in exclude]
    if not states and pair and rules.both_sides_re.search(sentence.text):
        return list(pair)
    for m in rules.between_re.finditer(sentence.text):
        nxt = [a for a in actors if a.evidence.start - base >= m.end() and a.etype == "State"][:2]
        if len(nxt) == 2 and nxt[0].evidence.start - base - m.end() < 15:
            return [a.key for a in nxt]
    return [a.key for a in actors if a.etype == "State" and a.key not in exclude]


def outermost(mentions: list[Mention]) -> list[Mention]:
    """Mentions not nested inside another (the state inside "Kementerian Pertahanan Armenia")."""
    return [m for m in mentions if not any(
        o is not m and o.evidence.start <= m.evidence.start and m.evidence.end <= o.evidence.end
        and (o.evidence.end - o.evidence.start) > (m.evidence.end - m.evidence.start) for o in mentions)]


def find_claim(sentence: Sentence, actors: list[Mention], rules: EventRules) -> Claim | None:
    """Who reports what a sentence says and with which cue (`kata`, `menurut`, `membantah`...)."""
    actors = outermost(actors)
    for regex, cue, _rid in rules.reporting:
        m = regex.search(sentence.text)
        if m:
            after = [a for a in actors if a.evidence.start - sentence.start >= m.end()]
            before = [a for a in actors if a.evidence.end - sentence.start <= m.start()]
            source = (after[0] if cue in ("say", "according_to") and after else before[-1] if before else None)
            return Claim(source.key if source else None, cue, "denied" if cue == "deny" else "asserted")
    return None


def _targets(sentence: Sentence, end: int, actors: list[Mention]) -> list[str]:
    """The addressee or target: the first actor within a few words after the trigger
    ("meminta Rusia", "menuduh pasukan Armenia", "bantuan kepada Yerevan")."""
    after = [a for a in outermost(actors) if 0 <= a.evidence.start - sentence.start - end <= 40]
    return [after[0].key] if after else []


def _event(sentence: Sentence, start: int, end: int, trig: Trigger, etype: str, date: DateMention | None,
           actors: list[Mention], places: list[str], claim: Claim | None, rules: EventRules,
           pair: tuple[str, ...] = ()) -> Event:
    mediators = _mediators(sentence, actors, rules) if etype in ("Ceasefire", "Agreement") else []
    parties = (_parties(sentence, actors, rules, mediators, pair)
               if etype in ("Ceasefire", "Agreement", "Meeting") else [])
    date_ev = None
    if date is not None:
        date_ev = sentence.evidence(date.start - sentence.start, date.end - sentence.start, date.rule_id)
    targets = _targets(sentence, end, actors) if etype in TARGETED else []
    return Event(
        etype=etype, evidence=sentence.evidence(start, end, trig.id),
        date=date.value if date else None, date_evidence=date_ev,
        actors=tuple(dict.fromkeys(a.key for a in actors)), parties=tuple(parties),
        mediators=tuple(mediators), places=tuple(places), claim=claim, targets=tuple(targets),
        status=_status(sentence.text, start, rules),
    )


def find_events(sentence: Sentence, mentions: list[Mention], dates: list[DateMention], rules: EventRules,
                antecedent: str | None = None, pair: tuple[str, ...] = ()) -> list[Event]:
    """Events in one sentence, one per trigger (deduplicated by type and date).

    Example:
        "Armenia dan Azerbaijan menyetujui gencatan senjata yang ditengahi Rusia pada 9
        November" -> Event(Ceasefire, parties=(armenia, azerbaijan), mediators=(russia,))
    """
    actors = [m for m in mentions if m.etype in ACTOR_TYPES]
    places = list(dict.fromkeys(m.key for m in mentions if m.etype == "Place"))
    claim = find_claim(sentence, actors, rules)
    complement = rules.complement_re.search(sentence.text)
    # what is alleged ("menuduh X menyerang Y") belongs to the accusation, not a separate event
    hits = [h for h in _trigger_matches(sentence.text, rules)
            if complement is None or h[0] < complement.end() or h[2].etype == "Accusation"]
    governor = _DateGovernor(sentence, hits, dates, rules)
    out: list[Event] = []
    seen: set[tuple[str, str | None]] = set()
    for start, end, trig in hits:
        first = governor.date_for((start, end, trig))
        etype = antecedent if trig.anaphoric and antecedent else trig.etype
        more = governor.coordinated(first) if etype != "Ceasefire" else []  # one truce, many dates: later statements
        for date in [first, *more]:
            key = (etype, date.value.edtf if date else None)
            if key in seen:
                continue
            seen.add(key)
            out.append(_event(sentence, start, end, trig, etype, date, actors, places, claim, rules, pair))
    specific = {e.date.edtf for e in out if e.etype != "Statement" and e.date and e.status == "asserted"}
    truce = {e.date.edtf for e in out if e.etype == "Ceasefire" and e.date and e.status == "asserted"}
    # "menyepakati gencatan senjata": the agreeing is the ceasefire, not a second event
    return [e for e in out if not (e.etype == "Statement" and e.date and e.date.edtf in specific)
            and not (e.etype == "Agreement" and e.date and e.date.edtf in truce
                     and e.evidence.rule_id in ("evt.agreement.agree", "evt.agreement.sign"))]
