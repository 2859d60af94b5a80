"""Annotate stage: offices held (titles before or after names) and people found by pattern.

Reads `lexicons/titles.yaml` and `lexicons/offices.yaml`; writes `Office` and new person
`Mention` records. Issue 3 item 3: title before name, apposition, `mantan`, the office's
state before or after, and a register of office holders for bare titles.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from kg.annotate.entities import Gazetteer, alternation
from kg.errors import LexiconError
from kg.keys import slug
from kg.lexicon import check_unique_ids, load_yaml
from kg.model import ROLES, DateValue, Mention, Office, Sentence

_NAME = re.compile(r"[A-Z][\w'’\-]+(?:\s+(?:al-|bin\s+|de\s+|van\s+)?[A-Z][\w'’\-]+){1,3}")


@dataclass(frozen=True, slots=True)
class Holder:
    """A register entry: `person` held `role` of `of` from `start` to `end` (None: still)."""

    id: str
    person: str
    role: str
    of: str
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class RoleRules:
    """Compiled title rules, former-markers and the office register."""

    title_re: re.Pattern[str]
    title_of: dict[str, tuple[str, str]]  # casefolded form -> (role, rule id)
    regex_titles: tuple[tuple[re.Pattern[str], str, str], ...]
    former_re: re.Pattern[str]
    joiner_re: re.Pattern[str]
    apposition_re: re.Pattern[str]
    to_re: re.Pattern[str]
    not_names: frozenset[str]
    register: tuple[Holder, ...]

    def role_of(self, surface: str) -> tuple[str, str]:
        """Canonical role and rule id for a matched title surface."""
        hit = self.title_of.get(surface.casefold())
        if hit:
            return hit
        for regex, role, rid in self.regex_titles:
            if regex.fullmatch(surface):
                return role, rid
        return "Official", "role.title.official"

    def holder(self, role: str, of: str | None, person: str | None, when: dt.date | None) -> Holder | None:
        """The register entry matching the given facts at date `when` (None if not unique)."""
        hits = [h for h in self.register if h.role == role and (of is None or h.of == of)
                and (person is None or h.person == person)
                and (when is None or (h.start <= when and (h.end is None or when <= h.end)))]
        return hits[0] if len(hits) == 1 else None


def load_role_rules() -> RoleRules:
    """Load and validate `titles.yaml` and `offices.yaml`.

    Raises:
        LexiconError: unknown roles, duplicate ids, bad dates.
    """
    data, offices = load_yaml("titles.yaml"), load_yaml("offices.yaml")
    problems = check_unique_ids("titles.yaml", data.get("titles", []))
    problems += check_unique_ids("offices.yaml", offices.get("offices", []))
    forms, title_of, regex_titles = [], {}, []
    for t in data.get("titles", []):
        if t.get("role") not in ROLES:
            problems.append(f"titles.yaml {t.get('id')}: unknown role {t.get('role')!r}")
        for form in t.get("forms", []):
            if re.escape(form) != form and "\\" in form or "(" in form:
                regex_titles.append((re.compile(form, re.I), t["role"], t["id"]))
                forms.append(form)
            else:
                title_of.setdefault(form.casefold(), (t["role"], t["id"]))
                forms.append(re.escape(form))
    register = []
    for o in offices.get("offices", []):
        try:
            register.append(Holder(o["id"], o["person"], o["role"], o["of"],
                                   dt.date.fromisoformat(str(o["from"])),
                                   dt.date.fromisoformat(str(o["to"])) if o.get("to") else None))
        except (KeyError, ValueError) as exc:
            problems.append(f"offices.yaml {o.get('id')}: {exc}")
    if problems:
        raise LexiconError(problems)
    return RoleRules(
        title_re=re.compile(alternation(forms, escape=False), re.I), title_of=title_of,
        regex_titles=tuple(regex_titles),
        former_re=re.compile(alternation(data.get("former", [])) + r"\s+$", re.I),
        joiner_re=re.compile(r"\s*(?:(?:" + "|".join(data.get("of_joiners", [])) + r")\s+)?"),
        apposition_re=re.compile(r",\s*(?:(" + "|".join(map(re.escape, data.get("former", []))) + r")\s+)?(?="
                                 + alternation(forms, escape=False) + ")", re.I),
        to_re=re.compile(r"\s+(?:" + "|".join(data.get("to_joiners", [])) + r")\s+"),
        not_names=frozenset(data.get("not_names", [])) | {w.capitalize() for t in data.get("titles", []) for f in t.get("forms", []) if "(" not in f for w in f.split()},
        register=tuple(register),
    )


def _mention_at(mentions: list[Mention], pos: int, sentence: Sentence, types: tuple[str, ...]) -> Mention | None:
    for m in mentions:
        if m.evidence.start - sentence.start == pos and m.etype in types:
            return m
    return None


def _is_title_case(text: str) -> bool:
    """A headline in Title Case: capitals there say nothing about names."""
    words = [w for w in text.split() if w[:1].isalpha()]
    return len(words) >= 5 and sum(w[0].isupper() for w in words) / len(words) > 0.85


def _pattern_person(sentence: Sentence, pos: int, rules: RoleRules, gaz: Gazetteer, headline: bool) -> Mention | None:
    m = _NAME.match(sentence.text, pos)
    if not m or headline:
        return None
    tokens = m.group().split()
    keep = []
    for tok in tokens:
        if tok in rules.not_names or (tok in gaz.alias_key and gaz.entries[gaz.alias_key[tok][0]].etype != "Person"):
            break
        keep.append(tok)
    if len(keep) < 2:
        return None
    name = " ".join(keep)
    end = sentence.text.find(keep[-1], pos) + len(keep[-1])
    return Mention("person-" + slug(name), "Person", name, sentence.evidence(pos, end, "ent.person.after-title"))


def find_offices(sentence: Sentence, mentions: list[Mention], rules: RoleRules, gaz: Gazetteer,
                 anchor: DateValue | None) -> tuple[list[Office], list[Mention]]:
    """Offices stated in a sentence, and the people they reveal.

    Example:
        "Presiden Armenia Vahagn Khachaturyan berkata" -> Office(Vahagn Khachaturyan,
        President, armenia) and a new Person mention found by pattern.
    """
    text, offices, found = sentence.text, [], []
    when = anchor.latest if anchor else None
    headline = _is_title_case(text)
    covered = 0  # end of the last office's span: a title inside it ("Penasihat Pemimpin ...") is not another
    for t in rules.title_re.finditer(text):
        if (t.start() > 0 and text[t.start() - 1].isalpha()) or t.start() < covered:
            continue
        role, rid = rules.role_of(t.group())
        former = bool(rules.former_re.search(text[max(0, t.start() - 40):t.start()]))
        head = re.compile(r"\s*(?:\([^()]{1,12}\))?").match(text, t.end()).end()  # "Perdana Menteri (PM) Armenia"
        pos = rules.joiner_re.match(text, head).end()
        of_m = _mention_at(mentions, pos, sentence, ("State", "Organization", "Place"))
        if of_m is None:  # "Penasihat Pemimpin Tertinggi Iran": title words before the body
            words = re.compile(r"(?:([A-Z][a-z]+)\s+){1,3}").match(text, pos)
            if words and all(w in rules.not_names for w in words.group().split()):
                of_m = _mention_at(mentions, words.end(), sentence, ("State", "Organization"))
        of = of_m.key if of_m else None
        if of_m:
            pos = of_m.evidence.end - sentence.start
            to = rules.to_re.match(text, pos)
            to_m = _mention_at(mentions, to.end(), sentence, ("State", "Organization", "Place")) if to else None
            if to_m is not None:
                pos = to_m.evidence.end - sentence.start
        else:
            pos = head  # no body after a joiner: the name comes right after the title
        pos = re.compile(r"[\s,]*").match(text, pos).end()
        person = _mention_at(mentions + found, pos, sentence, ("Person",)) or _pattern_person(sentence, pos, rules, gaz, headline)
        if person is not None and person.evidence.rule_id == "ent.person.after-title" and person not in found:
            found.append(person)
        if person is None:
            bare = of is not None and t.group()[0].isupper()
            holder = rules.holder(role, of, None, when) if bare else None
            if holder is None:
                continue
            person = Mention(holder.person, "Person", gaz.entries[holder.person].label,
                             sentence.evidence(t.start(), t.end() if not of_m else of_m.evidence.end - sentence.start,
                                       "role.register.bare-title"))
            found.append(person)
            rid = "role.register.bare-title"
        elif of is None:
            holder = rules.holder(role, None, person.key, when)
            of = holder.of if holder else None
        ev = sentence.evidence(t.start(), person.evidence.end - sentence.start, rid)
        offices.append(Office(person.key, role, of, former, ev))
        covered = ev.end - sentence.start
    more, people = _appositions(sentence, mentions + found, rules, gaz, when, headline)
    return offices + more, found + people


def _body_after_words(sentence: Sentence, pos: int, mentions: list[Mention], rules: RoleRules) -> Mention | None:
    """The state or organisation after up to ten plain or title words ("kepala direktorat
    operasi Staf Umum Rusia" -> Russia), within the apposition."""
    text = sentence.text
    for _ in range(10):
        w = re.compile(r"([\w-]+)\s+").match(text, pos)
        if not w or not (w.group(1).islower() or w.group(1) in rules.not_names):
            return None
        pos = w.end()
        hit = _mention_at(mentions, pos, sentence, ("State", "Organization"))
        if hit is not None:
            return hit
    return None


def _appositions(sentence: Sentence, mentions: list[Mention], rules: RoleRules, gaz: Gazetteer,
                 when: dt.date | None, headline: bool) -> tuple[list[Office], list[Mention]]:
    """`Ilham Aliyev, Presiden Azerbaijan,`: the title after the name. A name not known
    yet (`Nazeli Baghdasaryan, juru bicara ...`) becomes a person found by pattern; a
    title followed by another name (`Donald Trump, Presiden Azerbaijan Ilham Aliyev`) is
    that other person's, not an apposition."""
    text, out, found = sentence.text, [], []
    people = [m for m in mentions if m.etype == "Person"]
    if not headline:
        for n in _NAME.finditer(text):
            if any(o.evidence.start - sentence.start < n.end() and n.start() < o.evidence.end - sentence.start
                   for o in mentions):
                continue
            if rules.apposition_re.match(text, n.end()):
                person = _pattern_person(sentence, n.start(), rules, gaz, headline)
                if person is not None and person.evidence.end - sentence.start == n.end():
                    found.append(Mention(person.key, "Person", person.label,
                                         replace(person.evidence, rule_id="ent.person.before-title")))
    for p in people + found:
        pos = p.evidence.end - sentence.start
        m = rules.apposition_re.match(text, pos)
        if not m:
            continue
        t = rules.title_re.match(text, m.end())
        if not t:
            continue
        role, _ = rules.role_of(t.group())
        after = rules.joiner_re.match(text, t.end()).end()
        of_m = _mention_at(mentions, after, sentence, ("State", "Organization", "Place"))
        if of_m is None:  # "juru bicara perdana menteri Armenia": the body after a few plain words
            of_m = _body_after_words(sentence, after, mentions, rules)
        end = of_m.evidence.end - sentence.start if of_m else t.end()
        nxt = re.compile(r"[\s,]*").match(text, end).end()
        if _mention_at(mentions, nxt, sentence, ("Person",)) or (_NAME.match(text, nxt) and text[end:nxt].strip() == ""):
            continue  # the title introduces the next person
        of = of_m.key if of_m else None
        if of is None:
            holder = rules.holder(role, None, p.key, when)
            of = holder.of if holder else None
        out.append(Office(p.key, role, of, bool(m.group(1)),
                          sentence.evidence(p.evidence.start - sentence.start, end, "role.apposition.name-title")))
    return out, found
