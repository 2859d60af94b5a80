"""Tests for `kg eval` (kg/evaluate.py) and `kg explain` (kg/explain.py).

The evaluation tests use tiny hand-made graphs and gold files with made-up articles
(`t1`, `t2`), so they do not move when the rules or the gold sets change.
"""
from __future__ import annotations

import datetime as dt
import re
from itertools import count
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from kg.cli import cli
from kg.evaluate import (
    CATEGORIES,
    EvalReport,
    Names,
    evaluate,
    fold,
    format_report,
    load_name_table,
)
from kg.graph.vocab import DATA, KG

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_e136840ccb6173e2.txt"


class Maker:
    """Builds a small graph in the shape `kg build` writes (model_desc: attestations,
    entities, offices, events, figures), one attestation per call."""

    def __init__(self) -> None:
        """An empty graph."""
        self.g = Graph()
        self.ids = count()

    def _article(self, aid: str) -> URIRef:
        art = DATA[f"article/{aid}"]
        self.g.add((art, RDF.type, KG.Article))
        self.g.add((art, KG.articleId, Literal(aid)))
        return art

    def _attest(self, node: URIRef, aid: str, rule: str, date_rule: str | None = None) -> URIRef:
        att = DATA[f"att/{next(self.ids)}"]
        self.g.add((node, KG.attestedBy, att))
        self.g.add((att, RDF.type, KG.Attestation))
        self.g.add((att, KG.inArticle, self._article(aid)))
        self.g.add((att, KG.ruleId, Literal(rule)))
        if date_rule:
            self.g.add((att, KG.dateRuleId, Literal(date_rule)))
        return att

    def _ent(self, label: str, etype: str) -> URIRef:
        node = DATA["entity/" + re.sub(r"\W+", "-", label.lower())]
        self.g.add((node, RDF.type, KG[etype]))
        self.g.add((node, RDFS.label, Literal(label, lang="en")))
        return node

    def entity(self, aid: str, label: str, etype: str, rule: str = "ent.gazetteer.alias") -> Maker:
        """An entity mentioned in article `aid`."""
        self._attest(self._ent(label, etype), aid, rule)
        return self

    def office(self, aid: str, person: str, role: str, of: str | None,
               rule: str = "role.title.test") -> Maker:
        """An office held by `person`, stated in article `aid`."""
        node = DATA[f"office/{next(self.ids)}"]
        self.g.add((node, RDF.type, KG.Office))
        self.g.add((node, KG.holder, self._ent(person, "Person")))
        self.g.add((node, KG.role, Literal(role)))
        if of:
            self.g.add((node, KG.officeOf, self._ent(of, "State")))
        self._attest(node, aid, rule)
        return self

    def event(self, aid: str, etype: str, date: str | None, rule: str, date_rule: str | None = None,
              parties: tuple[str, ...] = (), mediators: tuple[str, ...] = (),
              status: str | None = None) -> Maker:
        """An event reported in article `aid` (parties/mediators on the attestation)."""
        node = DATA[f"event/{etype.lower()}/{date or next(self.ids)}"]
        for cls in (KG.Event, KG[etype]):
            self.g.add((node, RDF.type, cls))
        self.g.add((node, KG.eventType, Literal(etype)))
        if date:
            year = int(date[:4].replace("X", "0"))
            month = int(date[5:7]) if len(date) >= 7 else 1
            day = int(date[8:10]) if len(date) >= 10 else 1
            self.g.add((node, KG.date, Literal(date)))
            self.g.add((node, KG.earliest, Literal(dt.date(year, month, day), datatype=XSD.date)))
        if status:
            self.g.add((node, KG.status, Literal(status)))
        att = self._attest(node, aid, rule, date_rule)
        for prop, labels in ((KG.party, parties), (KG.mediator, mediators)):
            for label in labels:
                self.g.add((att, prop, self._ent(label, "State")))
        return self

    def figure(self, aid: str, n: int, kind: str, rule: str = "fig.kind.test",
               vague: bool = False) -> Maker:
        """A figure reported in article `aid`."""
        node = DATA[f"figure/{next(self.ids)}"]
        self.g.add((node, RDF.type, KG.Figure))
        self.g.add((node, KG.count, Literal(n)))
        self.g.add((node, KG.kind, Literal(kind)))
        self.g.add((node, KG.vague, Literal(vague)))
        self._attest(node, aid, rule)
        return self


GOLD_T1 = {
    "article": "t1",
    "published": "2020-11-21",
    "entities": {"Person": ["Nikol Pashinyan"], "State": ["Armenia", "Azerbaijan", "Russia"],
                 "Organization": [], "Place": ["Yerevan"]},
    "roles": [["Nikol Pashinyan", "Prime Minister", "Armenia"]],
    "ceasefires": [{"date": "2020-11-09", "parties": ["Armenia", "Azerbaijan"],
                    "mediators": ["Russia"]}],
    "events": [["2020-11-09", "Ceasefire"], ["2020-11-21", "Meeting"]],
    "figures": [[2000, "troops"]],
}


def perfect_t1() -> Maker:
    """A graph that says exactly what GOLD_T1 says."""
    m = Maker()
    m.entity("t1", "Nikol Pashinyan", "Person").entity("t1", "Armenia", "State")
    m.entity("t1", "Azerbaijan", "State").entity("t1", "Russia", "State")
    m.entity("t1", "Yerevan", "Place")
    m.office("t1", "Nikol Pashinyan", "Prime Minister", "Armenia")
    m.event("t1", "Ceasefire", "2020-11-09", "evt.ceasefire.noun", "date.abs.day-month",
            parties=("Armenia", "Azerbaijan"), mediators=("Russia",))
    m.event("t1", "Meeting", "2020-11-21", "evt.meeting.meet", "date.rel.weekday")
    return m.figure("t1", 2000, "troops")


def write_gold(tmp_path: Path, *docs: dict) -> Path:
    """Write gold YAML files into tmp_path/gold; returns the directory."""
    gold = tmp_path / "gold"
    gold.mkdir(exist_ok=True)
    for doc in docs:
        text = yaml.safe_dump(doc, allow_unicode=True)
        (gold / f"{doc['article']}.yaml").write_text(text, encoding="utf-8")
    return gold


def run(tmp_path: Path, maker: Maker, *docs: dict, aliases: Path | None = None) -> EvalReport:
    """Evaluate the maker's graph against the given gold documents."""
    return evaluate(maker.g, write_gold(tmp_path, *docs), aliases)


@pytest.fixture()
def aliases(tmp_path: Path) -> Path:
    """A small name table in the format of shared/eval/aliases.yaml."""
    path = tmp_path / "aliases.yaml"
    path.write_text("Nikol Pashinyan: [Pashinian, Nikol Pashinian]\n"
                    "Recep Tayyip Erdogan: [Erdogan]\nRussia: [Rusia]\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("use_aliases", [False, True])
def test_evaluate_perfect_match_gives_f1_one(tmp_path: Path, aliases: Path,
                                             use_aliases: bool) -> None:
    report = run(tmp_path, perfect_t1(), GOLD_T1, aliases=aliases if use_aliases else None)
    for cat in CATEGORIES:
        assert report.scores[cat].f1 == 1.0, cat
    assert report.headline == 1.0
    assert report.misses == {"t1": []}
    assert format_report(report).splitlines()[-1].endswith(": 1.000")


def test_evaluate_missing_entity_lowers_recall(tmp_path: Path) -> None:
    m = Maker()
    m.entity("t1", "Nikol Pashinyan", "Person").entity("t1", "Armenia", "State")
    m.entity("t1", "Azerbaijan", "State").entity("t1", "Russia", "State")  # no Yerevan
    report = run(tmp_path, m, GOLD_T1)
    ent = report.scores["entities"]
    assert (ent.tp, ent.fp, ent.fn) == (4, 0, 1)
    assert ent.precision == 1.0
    assert ent.recall == pytest.approx(0.8)
    assert ent.f1 == pytest.approx(2 * 0.8 / 1.8)
    assert report.scores["entities.Place"].recall == 0.0
    assert report.scores["entities.State"].f1 == 1.0
    assert "missed Place: Yerevan" in report.misses["t1"]


def test_evaluate_wrong_type_is_both_spurious_and_missed(tmp_path: Path) -> None:
    m = perfect_t1().entity("t1", "Yerevan", "State")
    ent = run(tmp_path, m, GOLD_T1).scores["entities"]
    assert (ent.tp, ent.fp, ent.fn) == (5, 1, 0)


def test_evaluate_resolves_bare_surname_to_gold_person(tmp_path: Path) -> None:
    gold = {"article": "t2", "entities": {"Person": ["Elchin Hajiyev", "Ilham Aliyev"]}}
    m = Maker().entity("t2", "Hajiyev", "Person").entity("t2", "Ilham Aliyev", "Person")
    report = run(tmp_path, m, gold)
    assert report.scores["entities.Person"].f1 == 1.0


def test_evaluate_ambiguous_surname_is_not_resolved(tmp_path: Path) -> None:
    gold = {"article": "t2", "entities": {"Person": ["Elchin Hajiyev", "Samir Hajiyev"]}}
    report = run(tmp_path, Maker().entity("t2", "Hajiyev", "Person"), gold)
    person = report.scores["entities.Person"]
    assert (person.tp, person.fp, person.fn) == (0, 1, 2)


def test_evaluate_surname_resolution_is_per_article(tmp_path: Path) -> None:
    gold_a = {"article": "t1", "entities": {"Person": ["Elchin Hajiyev"]}}
    gold_b = {"article": "t2", "entities": {"Person": ["Samir Hajiyev"]}}
    m = Maker().entity("t1", "Hajiyev", "Person").entity("t2", "Hajiyev", "Person")
    assert run(tmp_path, m, gold_a, gold_b).scores["entities"].f1 == 1.0


def test_evaluate_folds_case_diacritics_hyphens_and_aliases(tmp_path: Path, aliases: Path) -> None:
    gold = {"article": "t2", "entities": {"Person": ["Nikol Pashinyan", "Recep Tayyip Erdogan"],
                                          "Place": ["Nagorno-Karabakh"]}}
    m = Maker().entity("t2", "nikol pashinian", "Person").entity("t2", "Erdoğan", "Person")
    m.entity("t2", "Nagorno Karabakh", "Place")
    assert run(tmp_path, m, gold, aliases=aliases).scores["entities"].f1 == 1.0
    assert fold("Recep Tayyip ERDOĞAN") == "recep tayyip erdogan"


def test_load_name_table_defaults_to_gazetteer() -> None:
    names = Names(load_name_table())
    assert names("Rusia") == "Russia"
    assert names("Amerika Serikat") == "United States"


def test_evaluate_matches_ceasefires_on_date_then_slots(tmp_path: Path) -> None:
    m = Maker()
    m.event("t1", "Ceasefire", "2020-11-09", "evt.ceasefire.noun", "date.abs.day-month",
            parties=("Armenia", "Turkey"), mediators=("Russia",))
    m.event("t1", "Ceasefire", "2020-10-10", "evt.ceasefire.truce", "date.abs.day-month",
            parties=("Armenia", "Azerbaijan"))
    m.event("t1", "Ceasefire", "2020-11", "evt.ceasefire.noun", "date.abs.month")  # coarser copy
    m.event("t1", "Ceasefire", None, "evt.ceasefire.failed", status="failed")  # not a ceasefire
    report = run(tmp_path, m, GOLD_T1)
    cf = report.scores["ceasefires"]
    assert (cf.tp, cf.fp, cf.fn) == (1, 1, 0)
    assert report.scores["ceasefire.duplicates"].tp == 1
    parties = report.scores["ceasefire.parties"]
    assert (parties.tp, parties.fp, parties.fn) == (1, 1, 1)
    assert report.scores["ceasefire.mediators"].f1 == 1.0
    assert any(line.startswith("spurious ceasefire: 2020-10-10") for line in report.misses["t1"])


def test_evaluate_missed_ceasefire_when_dates_differ(tmp_path: Path) -> None:
    m = Maker().event("t1", "Ceasefire", "2020-11-10", "evt.ceasefire.noun",
                      parties=("Armenia", "Azerbaijan"), mediators=("Russia",))
    cf = run(tmp_path, m, GOLD_T1).scores["ceasefires"]
    assert (cf.tp, cf.fp, cf.fn) == (0, 1, 1)


def test_evaluate_events_are_distinct_dated_pairs(tmp_path: Path) -> None:
    m = Maker()
    m.event("t1", "Meeting", "2020-11-21", "evt.meeting.meet")
    m.event("t1", "Meeting", "2020-11-21", "evt.meeting.visit")  # same pair, counted once
    m.event("t1", "Attack", None, "evt.attack.clash")  # undated: not scored
    m.event("t1", "Statement", "2020-11-20", "evt.statement.say")
    ev = run(tmp_path, m, GOLD_T1).scores["events"]
    assert (ev.tp, ev.fp, ev.fn) == (1, 1, 1)


def test_evaluate_figures_and_roles(tmp_path: Path) -> None:
    m = Maker().figure("t1", 2000, "troops").figure("t1", 30, "killed")
    m.figure("t1", 5000, "killed", vague=True)  # vague: not a row of figures.rq
    m.office("t1", "Nikol Pashinyan", "Prime Minister", None)
    report = run(tmp_path, m, GOLD_T1)
    fig, roles = report.scores["figures"], report.scores["roles"]
    assert (fig.tp, fig.fp, fig.fn) == (1, 1, 0)
    assert (roles.tp, roles.fp, roles.fn) == (0, 1, 1)
    assert report.scores["roles.person+role"].f1 == 1.0


def test_evaluate_ignores_articles_without_gold(tmp_path: Path) -> None:
    report = run(tmp_path, perfect_t1().entity("t9", "Iran", "State"), GOLD_T1)
    assert report.headline == 1.0
    assert report.problems == ["articles without gold (ignored): t9"]


def test_evaluate_counts_precision_per_rule(tmp_path: Path) -> None:
    m = perfect_t1()
    m.event("t1", "Statement", "2020-11-20", "evt.statement.say", "date.rel.weekday")
    m.event("t1", "Statement", "2020-11-19", "evt.statement.say", "date.rel.weekday")
    m.entity("t1", "Turkey", "State", rule="ent.demonym.test")
    report = run(tmp_path, m, GOLD_T1)
    by_rule = {r.rule: r for r in report.rules}
    assert (by_rule["evt.statement.say"].tp, by_rule["evt.statement.say"].fp) == (0, 2)
    assert (by_rule["date.rel.weekday"].tp, by_rule["date.rel.weekday"].fp) == (1, 2)
    assert (by_rule["ent.gazetteer.alias"].tp, by_rule["ent.gazetteer.alias"].fp) == (5, 0)
    assert (by_rule["evt.ceasefire.noun"].tp, by_rule["evt.ceasefire.noun"].fp) == (2, 0)
    assert by_rule["evt.ceasefire.noun"].categories == {"ceasefires", "events"}
    assert [r.rule for r in report.rules[:2]] == ["evt.statement.say", "ent.demonym.test"]
    table = format_report(report, per_rule=True)
    assert re.search(r"evt\.statement\.say\s+0\.000\s+0\s+2", table)
    assert table.splitlines()[-1].startswith("headline F1")


def test_evaluate_judges_date_rules_on_dates_alone(tmp_path: Path) -> None:
    m = Maker().event("t1", "Statement", "2020-11-21", "evt.statement.say", "date.rel.sabtu")
    m.event("t1", "Meeting", "2020-11-21", "evt.meeting.meet", "date.rel.sabtu")
    m.event("t1", "Meeting", "2020-11-21", "evt.meeting.visit", "date.rel.sabtu")
    by_rule = {r.rule: r for r in run(tmp_path, m, GOLD_T1).rules}
    sabtu, say = by_rule["date.rel.sabtu"], by_rule["evt.statement.say"]
    meet = by_rule["evt.meeting.meet"]
    assert (sabtu.tp, sabtu.fp) == (1, 0)  # one date, right, whatever the event types
    assert (say.tp, say.fp, say.only_tp, say.only_fp) == (0, 1, 0, 1)
    assert (meet.tp, meet.only_tp) == (1, 0)  # evt.meeting.visit also stands behind it


def test_format_report_misses(tmp_path: Path) -> None:
    m = Maker().entity("t1", "Armenia", "State").entity("t1", "Iran", "State")
    text = format_report(run(tmp_path, m, GOLD_T1), misses=True)
    assert "t1: missed Place: Yerevan" in text
    assert "t1: spurious State: Iran" in text
    assert re.match(r"category\s+P\s+R\s+F1\s+tp/fp/fn", text)
    assert re.fullmatch(r"headline F1 .*: 0\.\d{3}", text.splitlines()[-1])


def test_cli_eval(tmp_path: Path) -> None:
    graph = tmp_path / "t.ttl"
    maker = perfect_t1().entity("t1", "Iran", "State", rule="ent.bad.rule")
    maker.g.serialize(str(graph), format="turtle")
    gold = write_gold(tmp_path, GOLD_T1)
    runner = CliRunner()
    result = runner.invoke(cli, ["eval", str(graph), "--gold", str(gold)])
    assert result.exit_code == 0, result.output
    assert re.search(r"^entities\s+0\.833\s+1\.000\s+0\.909\s+5/1/0$", result.output, re.M)
    assert result.output.strip().splitlines()[-1].startswith("headline F1")
    result = runner.invoke(cli, ["eval", str(graph), "--gold", str(gold), "--misses", "--rules"])
    assert result.exit_code == 0, result.output
    assert "t1: spurious State: Iran" in result.output
    assert re.search(r"^ent\.bad\.rule\s+0\.000\s+0\s+1", result.output, re.M)


def test_cli_eval_missing_graph_is_usage_error(tmp_path: Path) -> None:
    gold = write_gold(tmp_path, GOLD_T1)
    result = CliRunner().invoke(cli, ["eval", str(tmp_path / "nope.ttl"), "--gold", str(gold)])
    assert result.exit_code == 2


def test_cli_explain_seed_names_rule_ids() -> None:
    result = CliRunner().invoke(cli, ["explain", str(SEED)])
    assert result.exit_code == 0, result.output
    assert re.search(r"\[evt\.[a-z0-9.-]+\]", result.output)
    assert re.search(r"\[date\.[a-z0-9.-]+\]", result.output)
    assert result.output.startswith("article 000_e136840ccb6173e2")
    assert "[0] " in result.output


def test_explain_is_deterministic() -> None:
    from kg.explain import explain_article

    assert explain_article(SEED) == explain_article(SEED)
