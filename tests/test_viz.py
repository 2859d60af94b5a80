"""The two browser pages: offline (no http(s) src/href), complete, escaped, filterable."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from kg import build
from kg.errors import KgError
from kg.graph.vocab import KG
from kg.viz import json_for_script
from kg.viz.graph_html import PHYSICS_LIMIT, write_graph_html
from kg.viz.timeline_html import write_timeline_html

ROOT = Path(__file__).resolve().parent.parent
REMOTE = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
DATA = re.compile(r'<script id="kg-data" type="application/json">(.*?)</script>', re.DOTALL)
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
ENTITY_TYPES = (KG.Person, KG.State, KG.Organization, KG.Place)


@pytest.fixture(scope="module")
def seeds() -> Graph:
    return build([ROOT / "seeds"])


@pytest.fixture(scope="module")
def pages(seeds: Graph, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("pages")
    graph_n = write_graph_html(seeds, out / "graph.html")
    items_n = write_timeline_html(seeds, out / "timeline.html")
    return {"graph": (out / "graph.html", graph_n), "timeline": (out / "timeline.html", items_n)}


def page_data(path: Path) -> dict:
    match = DATA.search(path.read_text(encoding="utf-8"))
    assert match, f"no page data in {path}"
    return json.loads(match.group(1))


def count(graph: Graph, *classes: URIRef) -> int:
    return len({s for c in classes for s in graph.subjects(RDF.type, c)})


@pytest.mark.parametrize("page", ["graph", "timeline"])
def test_page_is_offline(pages: dict, page: str) -> None:
    html = pages[page][0].read_text(encoding="utf-8")
    assert REMOTE.findall(html) == []
    assert not re.search(r"<script[^>]*\ssrc\s*=", html, re.IGNORECASE)
    assert not re.search(r"<link\b", html, re.IGNORECASE)


def test_graph_page_embeds_every_event_and_entity(seeds: Graph, pages: dict) -> None:
    path, n = pages["graph"]
    data = page_data(path)
    assert n == len(data["nodes"]) == count(seeds, KG.Event) + count(seeds, *ENTITY_TYPES)
    assert len(data["events"]) == count(seeds, KG.Event)
    assert data["physics"] is (n <= PHYSICS_LIMIT)
    assert data["options"]["physics"]["stabilization"]["iterations"] <= 500
    labels = {e["label"] for e in data["edges"]}
    assert {"actor", "party"} <= {part for lab in labels for part in lab.split(", ")}
    assert any(lab.endswith(" of") for lab in labels), "office edges such as 'President of'"
    assert "vis-network" in path.read_text(encoding="utf-8")[:200_000]


def test_graph_page_evidence_has_span_rule_and_date_reason(pages: dict) -> None:
    data = page_data(pages["graph"][0])
    sources = [s for ev in data["events"].values() for s in ev["sources"]]
    assert sources and all(s["rule"] and s["article"] and s["sentence"] for s in sources)
    for s in sources:
        lo, hi = s["span"]
        assert 0 <= lo <= hi <= len(s["sentence"])
    assert any(s.get("dateReason") for s in sources)
    assert any(s["sentence"][s["span"][0]:s["span"][1]] for s in sources)


def test_timeline_page_has_one_item_per_dated_event(seeds: Graph, pages: dict) -> None:
    path, n = pages["timeline"]
    data = page_data(path)
    dated = {e for e in seeds.subjects(RDF.type, KG.Event) if (e, KG.earliest, None) in seeds}
    assert n == len(data["events"]) == len(dated) > 0
    assert data["undated"] == count(seeds, KG.Event) - len(dated)
    for item in data["events"]:
        assert item["start"] == item["earliest"]
        assert bool(item["end"]) == (item["earliest"] != item["latest"])
        assert item["sources"]


@pytest.mark.parametrize("kwargs", [
    {"focus": "armenia", "depth": 1}, {"focus": "Pashinyan"}, {"since": "2022"}, {"until": "2020-11-09"},
    {"types": ["ceasefire"]}, {"top": 3}, {"since": "2020-11", "until": "2020-11"},
])
def test_filters_reduce_the_graph(seeds: Graph, pages: dict, tmp_path: Path, kwargs: dict) -> None:
    n = write_graph_html(seeds, tmp_path / "g.html", **kwargs)
    assert 0 < n < pages["graph"][1]
    assert len(page_data(tmp_path / "g.html")["nodes"]) == n


def test_types_filter_keeps_only_those_types(seeds: Graph, tmp_path: Path) -> None:
    write_graph_html(seeds, tmp_path / "g.html", types=["Ceasefire", "attack"])
    data = page_data(tmp_path / "g.html")
    assert {e["type"] for e in data["events"].values()} == {"Ceasefire", "Attack"}


@pytest.mark.parametrize("kwargs", [{"focus": "no-such-entity"}, {"types": ["Picnic"]},
                                    {"since": "November"}, {"top": 0}])
def test_bad_filters_raise(seeds: Graph, tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(KgError):
        write_graph_html(seeds, tmp_path / "g.html", **kwargs)


def test_json_for_script_cannot_close_the_script() -> None:
    text = json_for_script({"s": "</script><!-- & <img src=x>", "u": "\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"s": "</script><!-- & <img src=x>", "u": "\u2028"}


def _assert_escaped(*paths: Path) -> None:
    for path in paths:
        html = path.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        assert "onerror=alert" not in html.replace("\\u003cimg src=x onerror=alert", "")


def test_markup_in_an_article_is_escaped(tmp_path: Path) -> None:
    """A plain-text article keeps `<img …>` literally; the pages carry it only escaped."""
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "900_xss.txt").write_text(
        f"Judul {IMG} berita\n\n"
        f"Rusia dan Armenia menyepakati gencatan senjata pada 9 November 2020. {IMG}\n\n"
        f"Rusia dan Armenia menyepakati gencatan senjata {IMG} pada 9 November 2020.\n",
        encoding="utf-8")
    (articles / "901_script.txt").write_text(
        f"Judul {SCRIPT}\n\nRusia dan Armenia menyepakati gencatan senjata pada 9 November 2020."
        f" {SCRIPT} {IMG}\n", encoding="utf-8")
    graph = build([articles])
    assert write_graph_html(graph, tmp_path / "g.html") > 0
    assert write_timeline_html(graph, tmp_path / "t.html") > 0
    _assert_escaped(tmp_path / "g.html", tmp_path / "t.html")
    for page in ("g.html", "t.html"):  # the text did reach the page, escaped
        assert "\\u003cimg src=x onerror=alert(1)\\u003e" in (tmp_path / page).read_text()


def test_markup_in_graph_text_is_escaped(seeds: Graph, tmp_path: Path) -> None:
    """Whatever the ingest does, markup in sentences, titles or labels stays data."""
    graph = Graph()
    for triple in seeds:
        graph.add(triple)
    for sent, text in list(graph.subject_objects(KG.text)):
        graph.set((sent, KG.text, Literal(f"{text} {SCRIPT} {IMG}")))
    for art, title in list(graph.subject_objects(DCTERMS.title)):
        graph.set((art, DCTERMS.title, Literal(f"{SCRIPT}{title}")))
    for ent in list(graph.subjects(RDF.type, KG.State)):
        graph.set((ent, RDFS.label, Literal(f"{IMG}{SCRIPT}", lang="en")))
    write_graph_html(graph, tmp_path / "g.html")
    write_timeline_html(graph, tmp_path / "t.html")
    _assert_escaped(tmp_path / "g.html", tmp_path / "t.html")
    data = page_data(tmp_path / "t.html")
    assert any(SCRIPT in s["sentence"] for ev in data["events"] for s in ev["sources"])


def _big_graph(n_events: int, n_entities: int) -> Graph:
    g = Graph()
    base = "https://w3id.org/kg-conflict/id/"
    ents = [URIRef(f"{base}entity/e{i}") for i in range(n_entities)]
    for i, ent in enumerate(ents):
        g.add((ent, RDF.type, ENTITY_TYPES[i % 4]))
        g.add((ent, RDFS.label, Literal(f"Entity {i}", lang="en")))
    for i in range(n_events):
        ev = URIRef(f"{base}event/attack/{i}")
        g.add((ev, RDF.type, KG.Event))
        g.add((ev, KG.eventType, Literal("Attack")))
        g.add((ev, KG.date, Literal("2020-10")))
        g.add((ev, KG.earliest, Literal("2020-10-01")))
        g.add((ev, KG.latest, Literal("2020-10-31")))
        for k in range(1 + i % 3):
            g.add((ev, KG.actor, ents[(i * 7 + k * 13) % n_entities]))
    return g


def test_thousands_of_nodes_get_positions_and_no_physics(tmp_path: Path) -> None:
    graph = _big_graph(3000, 400)
    started = time.perf_counter()
    n = write_graph_html(graph, tmp_path / "big.html")
    assert time.perf_counter() - started < 30
    data = page_data(tmp_path / "big.html")
    assert n == 3400 == len(data["nodes"])
    assert data["physics"] is False and data["options"]["physics"]["enabled"] is False
    assert all(isinstance(node.get("x"), float | int) and "y" in node for node in data["nodes"])
    assert write_timeline_html(graph, tmp_path / "big-t.html") == 3000
