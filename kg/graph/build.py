"""Graph stage: extraction records -> RDF triples, one named graph per article.

Every fact gets an attestation node (`kg:Attestation`) naming the article, sentence,
character offsets and rule id (issue 2 item 5); the attestation is also the claim: who
reports it (`kg:reportedBy`), by which cue, with which polarity (issue 4 item 3).
Events, entities and offices have content-derived IRIs, so the same fact told by several
articles is one node with one attestation per article.
"""
from __future__ import annotations

from rdflib import RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV

from kg.annotate.entities import Gazetteer
from kg.graph.conflicts import ConflictEpisode, episode_for
from kg.graph import iris
from kg.graph.vocab import KG, WD
from kg.model import DateValue, Event, Evidence, Extraction

_EVENT_CLASS = {name: KG[name] for name in (
    "Ceasefire", "Agreement", "Attack", "Capture", "Concession", "Request", "Meeting", "Support",
    "Accusation", "Deployment", "Protest", "Displacement", "Appointment", "Statement")}


def bind_prefixes(graph: Graph) -> None:
    """Bind the prefixes used in every output (readable, smaller Turtle)."""
    graph.bind("kg", KG._NS)
    graph.bind("kgr", iris.DATA)
    graph.bind("prov", PROV)
    graph.bind("dcterms", DCTERMS)
    graph.bind("skos", SKOS)
    graph.bind("owl", OWL)
    graph.bind("wd", WD)


class _Writer:
    """Adds one article's triples to its named graph."""

    def __init__(self, graph: Graph, ex: Extraction, gaz: Gazetteer):
        self.g, self.ex, self.gaz = graph, ex, gaz
        self.art = iris.article_iri(ex.article.id)
        self.sentences = {s.index: s for s in ex.sentences}
        self.described: set[URIRef] = set()  # entities and sentences already written once

    def add(self, s: URIRef, p: URIRef, o) -> None:
        self.g.add((s, p, o))

    def attest(self, fact: URIRef, ev: Evidence) -> URIRef:
        """Attach an attestation for `fact` from evidence `ev`; returns the attestation."""
        att = iris.node_iri("att", str(fact), ev.article_id, str(ev.start), str(ev.end), ev.rule_id)
        sent = iris.sentence_iri(ev.article_id, ev.sentence_index)
        self.add(fact, KG.attestedBy, att)
        self.add(att, RDF.type, KG.Attestation)
        self.add(att, KG.inArticle, self.art)
        self.add(att, KG.sentence, sent)
        self.add(att, PROV.wasDerivedFrom, sent)
        self.add(att, KG.start, Literal(ev.start))
        self.add(att, KG.end, Literal(ev.end))
        self.add(att, KG.ruleId, Literal(ev.rule_id))
        self.add(att, KG.surface, Literal(ev.surface))
        if sent not in self.described:
            self.described.add(sent)
            s = self.sentences[ev.sentence_index]
            self.add(sent, RDF.type, KG.Sentence)
            self.add(sent, KG.inArticle, self.art)
            self.add(sent, KG.sentenceIndex, Literal(s.index))
            self.add(sent, KG.start, Literal(s.start))
            self.add(sent, KG.end, Literal(s.end))
            self.add(sent, KG.text, Literal(s.text))
        return att

    def article(self) -> None:
        a = self.ex.article
        self.add(self.art, RDF.type, KG.Article)
        self.add(self.art, KG.articleId, Literal(a.id))
        self.add(self.art, DCTERMS.title, Literal(a.title))
        if a.url:
            self.add(self.art, KG.url, Literal(a.url, datatype=XSD.anyURI))
        if a.outlet:
            self.add(self.art, KG.outlet, Literal(a.outlet))
        if a.published:
            self.add(self.art, KG.published, Literal(a.published.edtf))
            self.dates(self.art, a.published)

    def dates(self, node: URIRef, value: DateValue) -> None:
        self.add(node, KG.date, Literal(value.edtf))
        self.add(node, KG.earliest, Literal(value.earliest, datatype=XSD.date))
        self.add(node, KG.latest, Literal(value.latest, datatype=XSD.date))

    def entity(self, key: str, etype: str, label: str) -> URIRef:
        e = iris.entity_iri(key)
        if e in self.described:  # each mention used to re-add the same description
            return e
        self.described.add(e)
        self.add(e, RDF.type, KG[etype])
        self.add(e, RDFS.label, Literal(label, lang="en"))
        self.add(e, KG.key, Literal(key))
        entry = self.gaz.entries.get(key)
        if entry is not None:
            self.add(e, SKOS.prefLabel, Literal(entry.label_id, lang="id"))
            if entry.wikidata:
                self.add(e, OWL.sameAs, WD[entry.wikidata])
        return e

    def ref(self, key: str) -> URIRef:
        """IRI of an entity already typed by a mention (or by the gazetteer)."""
        if key in self.ex.labels:
            label, etype = self.ex.labels[key]
            return self.entity(key, etype, label)
        entry = self.gaz.entries[key]
        return self.entity(key, entry.etype, entry.label)

    def claim(self, att: URIRef, claim) -> None:
        """Who reports the fact, by which cue, with which polarity (issue 4 item 3)."""
        if claim is None:
            return
        self.add(att, KG.cue, Literal(claim.cue))
        self.add(att, KG.polarity, Literal(claim.polarity))
        if claim.source:
            self.add(att, KG.reportedBy, self.ref(claim.source))

    def event(self, e: Event) -> None:
        if e.status != "asserted":
            scope = (self.ex.article.id, str(e.evidence.start), e.status)
            node = iris.event_iri(e.etype, None, *scope)
            self.add(node, KG.status, Literal(e.status))
        else:
            node = iris.event_iri(e.etype, e.date.edtf if e.date else None,
                                  self.ex.article.id, str(e.evidence.start))
        self.add(node, RDF.type, KG.Event)
        self.add(node, RDF.type, _EVENT_CLASS[e.etype])
        self.add(node, KG.eventType, Literal(e.etype))
        att = self.attest(node, e.evidence)
        if e.date is not None:
            self.dates(node, e.date)
            self.add(att, KG.dateReason, Literal(e.date.reason))
            if e.date_evidence is not None:
                self.add(att, KG.dateText, Literal(e.date_evidence.surface))
                self.add(att, KG.dateRuleId, Literal(e.date_evidence.rule_id))
        for prop, keys in ((KG.actor, e.actors), (KG.party, e.parties), (KG.mediator, e.mediators),
                           (KG.target, e.targets), (KG.location, e.places)):
            for key in keys:
                ent = self.ref(key)
                self.add(node, prop, ent)
                self.add(att, prop, ent)
        self.claim(att, e.claim)


def add_episode(w: _Writer, ep: ConflictEpisode) -> URIRef:
    """The node of a known conflict episode (lexicons/conflicts.yaml)."""
    node = iris.DATA["conflict/" + ep.key]
    w.add(node, RDF.type, KG.Conflict)
    w.add(node, RDFS.label, Literal(ep.label, lang="en"))
    w.add(node, SKOS.prefLabel, Literal(ep.label_id, lang="id"))
    w.add(node, KG.key, Literal(ep.key))
    w.dates(node, ep.period)
    return node


def add_extraction(ds: Dataset, ex: Extraction, gaz: Gazetteer,
                   episodes: tuple[ConflictEpisode, ...] = ()) -> URIRef:
    """Write one article's extraction into its own named graph of `ds`; returns the graph IRI."""
    gid = iris.graph_iri(ex.article.id)
    w = _Writer(ds.graph(gid), ex, gaz)
    w.article()
    for m in ex.mentions:
        w.attest(w.entity(m.key, m.etype, m.label), m.evidence)
    for o in ex.offices:
        node = iris.node_iri("office", o.person, o.role, o.of or "")
        w.add(node, RDF.type, KG.Office)
        w.add(node, KG.holder, w.ref(o.person))
        w.add(node, KG.role, Literal(o.role))
        if o.of:
            w.add(node, KG.officeOf, w.ref(o.of))
        att = w.attest(node, o.evidence)
        w.add(att, KG.former, Literal(o.former))
    for e in ex.events:
        w.event(e)
    for f in ex.figures:
        node = iris.node_iri("figure", ex.article.id, str(f.evidence.start), f.kind, str(f.count))
        w.add(node, RDF.type, KG.Figure)
        w.add(node, KG.count, Literal(f.count))
        w.add(node, KG.kind, Literal(f.kind))
        w.add(node, KG.vague, Literal(f.vague))
        if f.low is not None:
            w.add(node, KG.low, Literal(f.low))
        if f.high is not None:
            w.add(node, KG.high, Literal(f.high))
        w.claim(w.attest(node, f.evidence), f.claim)
        ep = episode_for(f.reference, episodes)
        if ep is not None:
            w.add(node, KG.figureOf, add_episode(w, ep))
    return gid


MERGE_GRAPH = iris.DATA["graph/merge"]


def merge_reason(etype: object, date: object, articles: set[str]) -> str:
    """Why reports were merged into one event (the same text for a Dataset and a store)."""
    return f"same type ({etype}) and normalised date ({date}) reported by {', '.join(sorted(articles))}"


def record_merges(ds: Dataset) -> int:
    """Say why reports were merged: every event attested by several articles gets a
    `kg:mergeReason` in the `merge` graph (issue 4 item 6). Returns the number of events."""
    seen: dict[URIRef, set[str]] = {}
    facts: dict[URIRef, tuple] = {}
    for g in ds.graphs():
        article = next(g.objects(None, KG.articleId), None)
        if g.identifier == MERGE_GRAPH or article is None:
            continue
        for event, etype in g.subject_objects(KG.eventType):
            seen.setdefault(event, set()).add(str(article))
            facts[event] = (etype, g.value(event, KG.date))
    merged = ds.graph(MERGE_GRAPH)
    merged.remove((None, KG.mergeReason, None))
    n = 0
    for event, articles in sorted(seen.items()):
        if len(articles) < 2:
            continue
        etype, date = facts[event]
        merged.add((event, KG.mergeReason, Literal(merge_reason(etype, date, articles))))
        n += 1
    return n
