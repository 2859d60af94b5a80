"""Open both pages in headless Chromium (skipped when Chromium is not installed).

`--dump-dom` prints the DOM after the page's scripts ran, so it shows whether vis drew a
canvas / timeline items, and whether markup from an article ran (it must not).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph, Literal

from kg import build
from kg.graph.vocab import KG
from kg.viz.graph_html import write_graph_html
from kg.viz.timeline_html import write_timeline_html

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
PAYLOAD = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"


def dump_dom(page: Path, fragment: str = "", *, budget_ms: int = 8000) -> str:
    """The DOM of `page` after its scripts ran (network disabled by the page's own CSP)."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,900",
           f"--virtual-time-budget={budget_ms}", "--dump-dom", page.as_uri() + fragment]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = build([ROOT / "seeds"])
    for sent, text in list(g.subject_objects(KG.text)):  # markup in every evidence sentence
        g.set((sent, KG.text, Literal(f"{text} {PAYLOAD}")))
    return g


def test_graph_page_draws_a_canvas_and_runs_no_article_markup(graph: Graph, tmp_path: Path) -> None:
    page = tmp_path / "graph.html"
    write_graph_html(graph, page)
    data = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>',
                     page.read_text(encoding="utf-8"), re.DOTALL)
    event_id = min(json.loads(data.group(1))["events"], key=int)
    dom = dump_dom(page, f"#node={event_id}")
    assert "<canvas" in dom
    assert re.search(r"\d+ of \d+ nodes shown|laying out", dom)
    assert "kg-sentence" in dom, "the #node= link opens the evidence panel"
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]
    assert "&lt;img src=x onerror" in dom, "the markup is shown as text"


def test_timeline_page_draws_items_and_runs_no_article_markup(graph: Graph, tmp_path: Path) -> None:
    page = tmp_path / "timeline.html"
    n = write_timeline_html(graph, page)
    dom = dump_dom(page, "#event=0")
    assert dom.count('class="vis-item ') >= min(n, 5)
    assert "dated events shown" in dom
    assert "kg-sentence" in dom, "the #event=0 link opens the sources panel"
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]
    assert "&lt;img src=x onerror" in dom, "the markup is shown as text"


def test_the_payload_would_be_caught(tmp_path: Path) -> None:
    """Control: the same markup, pasted raw into a page, does run and is detected."""
    page = tmp_path / "control.html"
    page.write_text(f"<!DOCTYPE html><html><body><p>{PAYLOAD}</p></body></html>", encoding="utf-8")
    assert "data-pwned" in dump_dom(page, budget_ms=2000).split("<body", 1)[1].split(">", 1)[0]
