"""Time to interactive of the graph page (`kg viz`) on synthetic graphs, in headless Chromium.

Usage (from the project root):

    .venv/bin/python bench/viz_bench.py                      # 1k, 5k, 10k nodes, 3 runs each
    .venv/bin/python bench/viz_bench.py --sizes 5000 --repeat 5 --keep /tmp/pages

For each size it builds a synthetic graph in the kg model (entities with English and
Indonesian labels, events of every type with 1-4 participants, a location, a date, and
one or two attestations each with an article, a sentence and a rule id; offices for some
people), writes the page with `kg.viz.graph_html.write_graph_html`, and opens it in a
fresh headless Chromium driven over the DevTools protocol (`--remote-debugging-pipe`, so
only the standard library is needed). Times are the page's own `performance.now()`,
i.e. milliseconds since the navigation started (reading the file included):

- shown:       the first animation frame after the page's scripts built the network and
               the status line says "N of M nodes shown" (data parsed, layout over);
- drawn:       the first vis-network `afterDrawing` after that (the canvas is painted);
- interactive: after that draw, the first moment the main thread runs a queued task
               (nothing long-running is left in front of user input);
- click:       wall time from a real mouse click (CDP `Input.dispatchMouseEvent`) on a node
               to the evidence panel showing it; proves the page answers input.

It prints the median of the runs per size (and every run). No asserts: this is a
measurement, not a test (HOUSE-STYLE 8.10: no timing in tests).
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg.graph.vocab import DATA, KG
from kg.viz import EVENT_COLOURS
from kg.viz.graph_html import write_graph_html

CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--window-size=1400,900",
                "--remote-debugging-pipe", "about:blank"]
ENTITY_CLASSES = (KG.Person, KG.State, KG.Organization, KG.Place)
ROLES = ("actor", "party", "mediator", "target")
WORDS = ("pasukan", "gencatan", "senjata", "perbatasan", "menteri", "luar", "negeri", "kata",
         "pada", "hari", "Sabtu", "wilayah", "serangan", "bantuan", "perjanjian", "dengan")

# Runs in the page before its own scripts: records when the graph is drawn and idle.
PROBE = """
(function () {
  var drawnAt = null, shownAt = null;
  function ready() {
    var s = document.getElementById("kg-status");
    return window.kgNetwork && s && / of \\d+ nodes shown/.test(s.textContent);
  }
  function watch() {
    if (!ready()) { requestAnimationFrame(watch); return; }
    shownAt = performance.now();
    window.kgNetwork.once("afterDrawing", function () {
      drawnAt = performance.now();
      setTimeout(function () {
        window.__kgBench = { shown: shownAt, drawn: drawnAt, interactive: performance.now() };
      }, 0);
    });
    window.kgNetwork.redraw();  /* a no-op redraw request if one is already queued */
  }
  requestAnimationFrame(watch);
})();
"""
# Screen position of a well-connected event node, for the click.
TARGET = """(function () {
  var net = window.kgNetwork, data = JSON.parse(document.getElementById("kg-data").textContent);
  var best = null, most = -1;
  Object.keys(data.events).forEach(function (id) {
    var n = data.events[id].roles.length;
    if (n > most) { most = n; best = Number(id); }
  });
  var p = net.canvasToDOM(net.getPosition(best));
  var r = document.querySelector("#kg-canvas canvas").getBoundingClientRect();
  return { x: r.left + p.x, y: r.top + p.y,
           inside: p.x > 0 && p.y > 0 && p.x < r.width && p.y < r.height };
})()"""


def until(condition: str, value: str = "true") -> str:
    """A JS promise that resolves to `value` once `condition` holds (checked every 5 ms)."""
    return ("new Promise(function (done) { (function poll() { if (" + condition + ") { done("
            + value + "); } else { setTimeout(poll, 5); } })(); })")


def synthetic_graph(n_nodes: int, seed: int = 7) -> Graph:
    """A kg-model graph of `n_nodes` entities and events (a fifth entities), seeded."""
    rng = random.Random(seed)
    g = Graph()
    n_ent = max(4, n_nodes // 5)
    ents = [DATA[f"entity/e{i}"] for i in range(n_ent)]
    weights = [1 / (i + 1) ** 0.8 for i in range(n_ent)]  # a few hubs, a long tail
    for i, ent in enumerate(ents):
        g.add((ent, RDF.type, ENTITY_CLASSES[i % 4]))
        g.add((ent, RDFS.label, Literal(f"Entity {i}", lang="en")))
        g.add((ent, SKOS.prefLabel, Literal(f"Entitas {i}", lang="id")))
        g.add((ent, KG.key, Literal(f"e{i}")))
    articles = [DATA[f"article/a{i}"] for i in range(max(1, n_nodes // 20))]
    for i, art in enumerate(articles):
        g.add((art, RDF.type, KG.Article))
        g.add((art, KG.articleId, Literal(f"a{i:05d}")))
    types = list(EVENT_COLOURS)
    for i in range(n_nodes - n_ent):
        etype = types[i % len(types)]
        day = f"{rng.randint(1991, 2023)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        ev = DATA[f"event/{etype.lower()}/{i}"]
        for cls in (KG.Event, KG[etype]):
            g.add((ev, RDF.type, cls))
        g.add((ev, KG.eventType, Literal(etype)))
        g.add((ev, KG.date, Literal(day)))
        g.add((ev, KG.earliest, Literal(day, datatype=XSD.date)))
        g.add((ev, KG.latest, Literal(day, datatype=XSD.date)))
        if rng.random() < 0.03:
            g.add((ev, KG.status, Literal("failed")))
        roles = [(KG[rng.choice(ROLES)], e)
                 for e in set(rng.choices(ents, weights, k=rng.randint(1, 4)))]
        if rng.random() < 0.5:
            roles.append((KG.location, rng.choice(ents[3::4])))
        for role, ent in roles:
            g.add((ev, role, ent))
        for k in range(rng.randint(1, 2)):
            _attest(g, ev, rng.choice(articles), f"{i}-{k}", etype, roles, rng)
    for i, person in enumerate(ents[0::4][: n_ent // 20]):
        office = DATA[f"office/o{i}"]
        g.add((office, RDF.type, KG.Office))
        g.add((office, KG.holder, person))
        g.add((office, KG.role, Literal("Foreign Minister")))
        g.add((office, KG.officeOf, ents[1 + 4 * (i % max(1, n_ent // 4 - 1))]))
    return g


def _attest(g: Graph, fact: URIRef, art: URIRef, tag: str, etype: str,
            roles: list[tuple[URIRef, URIRef]], rng: random.Random) -> None:
    att, sent = DATA[f"att/{tag}"], DATA[f"sentence/{tag}"]
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30))) + "."
    g.add((sent, RDF.type, KG.Sentence))
    g.add((sent, KG.inArticle, art))
    g.add((sent, KG.text, Literal(text)))
    g.add((sent, KG.start, Literal(0)))
    g.add((att, RDF.type, KG.Attestation))
    g.add((att, KG.inArticle, art))
    g.add((att, KG.sentence, sent))
    g.add((att, KG.start, Literal(5)))
    g.add((att, KG.end, Literal(15)))
    g.add((att, KG.ruleId, Literal(f"evt.{etype.lower()}.synthetic")))
    for role, ent in roles:
        g.add((att, role, ent))
    g.add((fact, KG.attestedBy, att))


class Browser:
    """A headless Chromium spoken to over `--remote-debugging-pipe` (fds 3 and 4)."""

    def __init__(self, chromium: str, profile: Path):
        """Start Chromium with `profile` as its user-data folder and attach to its page."""
        to_chrome_r, self._out = os.pipe()
        self._in, from_chrome_w = os.pipe()

        def plumb() -> None:  # in the child: its fd 3 reads commands, fd 4 writes replies
            high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            [chromium, f"--user-data-dir={profile}", *CHROME_FLAGS], preexec_fn=plumb,
            pass_fds=(3, 4, to_chrome_r, from_chrome_w), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._next = 0
        self.session = ""
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"],
                                 flatten=True)["sessionId"]

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command (to the page session once attached) and wait for its answer."""
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self._out, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self._buf:
                chunk = os.read(self._in, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression: str, timeout_ms: int = 60000) -> Any:
        """Value of a JS expression in the page (promises awaited)."""
        res = self.call("Runtime.evaluate", expression=expression, awaitPromise=True,
                        returnByValue=True, timeout=timeout_ms)
        if "exceptionDetails" in res:
            raise RuntimeError(f"page error: {res['exceptionDetails']}")
        return res["result"].get("value")

    def close(self) -> None:
        """End the browser process this object started."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._in)
        os.close(self._out)


def measure(chromium: str, page: Path) -> dict[str, float]:
    """One cold run: a fresh browser opens `page`; times in ms since navigation start."""
    with tempfile.TemporaryDirectory(prefix="kg-bench-profile-") as profile:
        browser = Browser(chromium, Path(profile))
        try:
            browser.call("Page.enable")
            browser.call("Runtime.enable")
            browser.call("Page.addScriptToEvaluateOnNewDocument", source=PROBE)
            started = time.perf_counter()
            browser.call("Page.navigate", url=page.as_uri())
            marks = browser.evaluate(until("window.__kgBench", "window.__kgBench"))
            wall = (time.perf_counter() - started) * 1000
            spot = browser.evaluate(TARGET)
            clicked = time.perf_counter()
            for kind in ("mousePressed", "mouseReleased"):
                browser.call("Input.dispatchMouseEvent", type=kind, x=spot["x"], y=spot["y"],
                             button="left", clickCount=1)
            browser.evaluate(until('document.querySelector("#kg-panel h2")'), timeout_ms=30000)
            click = (time.perf_counter() - clicked) * 1000
        finally:
            browser.close()
    return {"shown": marks["shown"], "drawn": marks["drawn"], "interactive": marks["interactive"],
            "wall": wall, "click": click, "on_screen": float(spot["inside"])}


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print a table of medians."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="Write the pages here (default: a temp folder).")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = ap.parse_args(argv)
    out = args.keep or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"chromium: {args.chromium}; pages in {out}; {args.repeat} cold run(s) per size")
    print(f"{'nodes':>6} {'edges':>6} {'page MB':>8} {'write s':>8} {'shown s':>8} "
          f"{'drawn s':>8} {'interactive s':>14} {'wall s':>7} {'click ms':>9}  "
          "runs (interactive s)")
    for size in args.sizes:
        graph = synthetic_graph(size)
        started = time.perf_counter()
        drawn_nodes = write_graph_html(graph, out / f"graph-{size}.html")
        write_s = time.perf_counter() - started
        page = out / f"graph-{size}.html"
        data = page.read_text(encoding="utf-8").split('type="application/json">', 1)[1]
        edges = json.loads(data.split("</script>", 1)[0])["edges"]
        runs = [measure(args.chromium, page) for _ in range(args.repeat)]

        def med(key: str, runs: list[dict[str, float]] = runs) -> float:
            return statistics.median(r[key] for r in runs)

        each = ", ".join(f"{r['interactive'] / 1000:.2f}" for r in runs)
        off = "" if all(r["on_screen"] for r in runs) else "  (clicked node off screen)"
        cells = [f"{drawn_nodes:>6}", f"{len(edges):>6}", f"{page.stat().st_size / 1e6:>8.1f}",
                 f"{write_s:>8.2f}", f"{med('shown') / 1000:>8.2f}", f"{med('drawn') / 1000:>8.2f}",
                 f"{med('interactive') / 1000:>14.2f}", f"{med('wall') / 1000:>7.2f}",
                 f"{med('click'):>9.0f}"]
        print(" ".join(cells) + f"  {each}{off}", flush=True)

if __name__ == "__main__":
    main()
