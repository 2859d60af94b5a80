"""Browser pages over the graph: `kg viz` (network) and `kg timeline --html` (time axis).

Both pages are single HTML files that work from disk with no network: the JavaScript and
CSS they need are inlined at write time (vis-network from the installed pyvis package,
vis-timeline from `kg/viz/static/`), and no `src`/`href` points at an `http(s)` address.

Article text only reaches a page as JSON inside `<script type="application/json">`, with
`<`, `>` and `&` written as `\\u003c`, `\\u003e`, `\\u0026`, and the page scripts put it into
the DOM with `textContent` only (never `innerHTML`), so markup inside an article is shown,
not run. Each page also carries a Content-Security-Policy (`default-src 'none'`, inline
scripts and styles only), so even a mistake could not load anything from the network.

This module holds what both pages share: reading events and their evidence
(attestation -> sentence -> article) out of the graph, the type palette, and the
template/JSON helpers. `write_graph_html` and `write_timeline_html` are imported lazily so
that the timeline page does not pay for importing pyvis.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL

from kg.errors import KgError
from kg.graph.vocab import KG

__all__ = ["write_graph_html", "write_timeline_html"]

#: Entity classes drawn on the graph page: type -> (colour, vis shape).
ENTITY_STYLE: dict[str, tuple[str, str]] = {
    "Person": ("#e15759", "dot"),
    "State": ("#4e79a7", "square"),
    "Organization": ("#f28e2b", "triangle"),
    "Place": ("#59a14f", "diamond"),
}
#: CONTRACT section 4 event types -> colour (events are drawn as boxes on both pages).
EVENT_COLOURS: dict[str, str] = {
    "Ceasefire": "#2ca02c", "Agreement": "#98df8a", "Attack": "#d62728", "Capture": "#8c564b",
    "Concession": "#c49c94", "Request": "#9467bd", "Meeting": "#1f77b4", "Support": "#17becf",
    "Accusation": "#ff7f0e", "Deployment": "#7f7f7f", "Protest": "#e377c2",
    "Displacement": "#bcbd22", "Appointment": "#aec7e8", "Statement": "#c7c7c7",
}
#: Event roles, in display order: (name shown on edges, predicate).
ROLES: tuple[tuple[str, URIRef], ...] = (
    ("actor", KG.actor), ("party", KG.party), ("mediator", KG.mediator),
    ("target", KG.target), ("location", KG.location))

_SLOT = re.compile(r"@@([A-Z_]+)@@")


def __getattr__(name: str) -> Any:
    """Import the page writers on first use (PEP 562)."""
    if name == "write_graph_html":
        from kg.viz.graph_html import write_graph_html
        return write_graph_html
    if name == "write_timeline_html":
        from kg.viz.timeline_html import write_timeline_html
        return write_timeline_html
    raise AttributeError(f"module 'kg.viz' has no attribute {name!r}")


@dataclass(frozen=True, slots=True)
class Source:
    """One attestation of a fact: the sentence that says it, where, and by which rule."""

    article_id: str
    title: str
    url: str
    sentence: str
    span: tuple[int, int]  # offsets of the matched text inside `sentence`
    rule_id: str
    date_text: str = ""
    date_reason: str = ""
    date_rule_id: str = ""
    cue: str = ""
    polarity: str = ""
    reported_by: str = ""

    def to_json(self) -> dict[str, Any]:
        """A compact dict for the page data (empty fields left out)."""
        out = {"article": self.article_id, "title": self.title, "url": self.url,
               "sentence": self.sentence, "span": list(self.span), "rule": self.rule_id,
               "dateText": self.date_text, "dateReason": self.date_reason,
               "dateRule": self.date_rule_id, "cue": self.cue, "polarity": self.polarity,
               "reportedBy": self.reported_by}
        return {k: v for k, v in out.items() if v not in ("", None)}

    def tooltip(self) -> str:
        """Plain-text line for a hover tooltip."""
        return f"“{self.sentence}”\n  article {self.article_id} · rule {self.rule_id}"


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event node as the pages need it."""

    iri: str
    etype: str
    date: str  # EDTF, "" when undated
    earliest: str  # ISO date, "" when undated
    latest: str
    status: str  # "" for a plain (asserted) event
    roles: tuple[tuple[str, str], ...]  # (role name, entity IRI), in ROLES order, then by label
    sources: tuple[Source, ...]

    @property
    def label(self) -> str:
        """Short label, e.g. 'Ceasefire 2020-11-09'."""
        status = f" ({self.status})" if self.status else ""
        return f"{self.etype} {self.date or 'undated'}{status}"


class GraphReader:
    """Reads entities, events, offices and evidence from a kg graph (with small caches)."""

    def __init__(self, graph: Graph):
        self.g = graph
        self._articles: dict[URIRef, tuple[str, str, str]] = {}
        self._sentences: dict[URIRef, tuple[str, int]] = {}
        self._labels: dict[Any, str] = {}

    def _str(self, node: Any, prop: URIRef) -> str:
        value = self.g.value(node, prop)
        return "" if value is None else str(value)

    def _int(self, node: Any, prop: URIRef) -> int | None:
        value = self.g.value(node, prop)
        try:
            return int(value.toPython()) if isinstance(value, Literal) else None
        except (TypeError, ValueError):
            return None

    def label(self, node: Any) -> str:
        """English label, else Indonesian label, else key, else the IRI's last segment."""
        if node not in self._labels:
            labels = {lit.language: str(lit) for lit in self.g.objects(node, RDFS.label)
                      if isinstance(lit, Literal)}
            text = (labels.get("en") or next(iter(labels.values()), "")
                    or self._str(node, SKOS.prefLabel) or self._str(node, KG.key)
                    or str(node).rsplit("/", 1)[-1])
            self._labels[node] = text
        return self._labels[node]

    def entity_type(self, node: URIRef) -> str:
        """Person / State / Organization / Place, or "" for a node of no entity class."""
        for etype in ENTITY_STYLE:
            if (node, RDF.type, KG[etype]) in self.g:
                return etype
        return ""

    def entity_info(self, node: URIRef) -> dict[str, Any]:
        """Label, Indonesian label, key, Wikidata id and the ids of the articles naming it."""
        same = [str(o).rsplit("/", 1)[-1] for o in self.g.objects(node, OWL.sameAs)]
        articles = sorted({self._article(a)[0] for att in self.g.objects(node, KG.attestedBy)
                           for a in self.g.objects(att, KG.inArticle) if isinstance(a, URIRef)})
        return {"label": self.label(node), "labelId": self._str(node, SKOS.prefLabel),
                "key": self._str(node, KG.key), "type": self.entity_type(node),
                "wikidata": sorted(same), "articles": articles}

    def _article(self, art: URIRef) -> tuple[str, str, str]:
        if art not in self._articles:
            self._articles[art] = (self._str(art, KG.articleId) or str(art).rsplit("/", 1)[-1],
                                   self._str(art, DCTERMS.title), self._str(art, KG.url))
        return self._articles[art]

    def _sentence(self, sent: URIRef | None) -> tuple[str, int]:
        if sent is None:
            return "", 0
        if sent not in self._sentences:
            self._sentences[sent] = (self._str(sent, KG.text), self._int(sent, KG.start) or 0)
        return self._sentences[sent]

    def sources(self, fact: URIRef) -> tuple[Source, ...]:
        """The attestations of `fact`, sorted by article, then position."""
        out = []
        for att in set(self.g.objects(fact, KG.attestedBy)):
            art = self.g.value(att, KG.inArticle)
            article_id, title, url = (self._article(art) if isinstance(art, URIRef)
                                      else ("", "", ""))
            sent = self.g.value(att, KG.sentence)
            text, sent_start = self._sentence(sent if isinstance(sent, URIRef) else None)
            start, end = self._int(att, KG.start), self._int(att, KG.end)
            lo = max(0, start - sent_start) if start is not None else 0
            hi = max(lo, end - sent_start) if end is not None else lo
            reporter = self.g.value(att, KG.reportedBy)
            out.append(Source(
                article_id=article_id, title=title, url=url, sentence=text,
                span=(min(lo, len(text)), min(hi, len(text))),
                rule_id=self._str(att, KG.ruleId), date_text=self._str(att, KG.dateText),
                date_reason=self._str(att, KG.dateReason),
                date_rule_id=self._str(att, KG.dateRuleId), cue=self._str(att, KG.cue),
                polarity=self._str(att, KG.polarity),
                reported_by=self.label(reporter) if isinstance(reporter, URIRef) else ""))
        return tuple(sorted(out, key=lambda s: (s.article_id, s.span, s.rule_id)))

    def events(self) -> list[EventRecord]:
        """Every kg:Event, sorted by earliest date (undated last), then IRI."""
        out = []
        for node in set(self.g.subjects(RDF.type, KG.Event)):
            if not isinstance(node, URIRef):
                continue
            roles = [(name, str(ent)) for name, prop in ROLES
                     for ent in sorted(self.g.objects(node, prop), key=self.label)
                     if isinstance(ent, URIRef)]
            out.append(EventRecord(
                iri=str(node), etype=self._str(node, KG.eventType) or "Event",
                date=self._str(node, KG.date), earliest=self._str(node, KG.earliest),
                latest=self._str(node, KG.latest), status=self._str(node, KG.status),
                roles=tuple(roles), sources=self.sources(node)))
        return sorted(out, key=lambda e: (e.earliest or "9999", e.iri))

    def offices(self) -> list[tuple[URIRef, str, URIRef, URIRef | None]]:
        """(office node, role, holder, office-of or None) for every kg:Office."""
        out = []
        for node in set(self.g.subjects(RDF.type, KG.Office)):
            holder = self.g.value(node, KG.holder)
            if isinstance(node, URIRef) and isinstance(holder, URIRef):
                of = self.g.value(node, KG.officeOf)
                out.append((node, self._str(node, KG.role), holder,
                            of if isinstance(of, URIRef) else None))
        return sorted(out, key=lambda o: str(o[0]))


def read_static(name: str) -> str:
    """Text of a file in kg/viz/static (package data)."""
    return (files("kg") / "viz" / "static" / name).read_text(encoding="utf-8")


def json_for_script(value: Any) -> str:
    """JSON safe inside `<script type="application/json">`: no `<`, `>` or `&` characters.

    Those three only occur inside JSON strings, where `\\u003c` etc. mean the same thing,
    so `</script>` and `<!--` cannot appear and the page parser never sees article markup.
    """
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def inline_code(code: str, tag: str) -> str:
    """Vendored JS/CSS made safe to inline in a `<script>`/`<style>` element."""
    return re.sub(rf"</({tag})", r"<\\/\1", code, flags=re.IGNORECASE)


def fill_template(template: str, slots: dict[str, str]) -> str:
    """Replace every `@@NAME@@` in one pass (inserted text is never scanned again)."""
    missing = sorted(set(_SLOT.findall(template)) - set(slots))
    if missing:
        raise KgError(f"page template has unfilled slots: {', '.join(missing)}")
    return _SLOT.sub(lambda m: slots[m.group(1)], template)


def write_page(out: Path, html: str) -> None:
    """Write `html` to `out` atomically (temporary file in the same folder, then rename)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
