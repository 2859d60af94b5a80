"""Graph stage: extraction records -> RDF triples, one named graph per article.

Every fact gets an attestation node (`kg:Attestation`) naming the article, sentence,
character offsets and rule id (issue 2 item 5); the attestation is also the claim: who
reports it (`kg:reportedBy`), by which cue, with which polarity (issue 4 item 3).
Events, entities and offices have content-derived IRIs, so the same fact told by several
articles is one node with one attestation per article.

`article_triples` writes an article's triples once, as N-Triples text (`kg.graph.ntriples`):
the store bulk-loads that text as it is, and `add_extraction` parses it into an rdflib
Dataset for `kg build -o`, so both paths hold the same triples by construction.
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV

from kg.annotate.entities import Gazetteer
from kg.graph import iris
from kg.graph.conflicts import ConflictEpisode, episode_for
from kg.graph.ntriples import boolean, date, integer, iri, literal
from kg.graph.vocab import KG, WD
from kg.model import DateValue, Event, Evidence, Extraction

_EVENT_TYPES = ("Ceasefire", "Agreement", "Attack", "Capture", "Concession", "Request", "Meeting",
                "Support", "Accusation", "Deployment", "Protest", "Displacement", "Appointment",
                "Statement")
_EVENT_CLASS = {name: iri(KG[name]) for name in _EVENT_TYPES}


class _P:
    """Predicates and classes, pre-encoded once."""

    type = iri(RDF.type)
    label = iri(RDFS.label)
    prefLabel = iri(SKOS.prefLabel)
    sameAs = iri(OWL.sameAs)
    derived = iri(PROV.wasDerivedFrom)
    title = iri(DCTERMS.title)
    Article, Sentence, Attestation = iri(KG.Article), iri(KG.Sentence), iri(KG.Attestation)
    Event, Office, Figure, Conflict = iri(KG.Event), iri(KG.Office), iri(KG.Figure), iri(KG.Conflict)


for _name in ("attestedBy", "entityLabel", "inArticle", "sentence", "start", "end", "ruleId", "surface",
              "sentenceIndex", "text", "articleId", "url", "outlet", "published", "date",
              "earliest", "latest", "key", "cue", "polarity", "reportedBy", "status",
              "eventType", "dateReason", "dateText", "dateRuleId", "actor", "party", "mediator",
              "target", "location", "holder", "role", "officeOf", "former", "count", "kind",
              "vague", "low", "high", "figureOf"):
    setattr(_P, _name, iri(KG[_name]))
_ANY_URI = str(XSD.anyURI)
# Every predicate an article's triples use (the lower-case names above; classes are
# capitalised): a store reads a node's triples predicate by predicate with these.
PREDICATES = tuple(sorted({v[1:-1] for k, v in vars(_P).items() if k[:1].islower() and v.startswith("<")}))


def bind_prefixes(graph: Graph) -> None:
    """Bind the prefixes used in every output (readable, smaller Turtle)."""
    graph.bind("kg", KG._NS)
    graph.bind("kgr", iris.DATA)
    graph.bind("prov", PROV)
    graph.bind("dcterms", DCTERMS)
    graph.bind("skos", SKOS)
    graph.bind("owl", OWL)
    graph.bind("wd", WD)


@dataclass(frozen=True, slots=True)
class ArticleTriples:
    """One article's triples: its named graph, the N-Triples lines (subject predicate
    object, no final dot, each once), and the IRIs of the events it describes."""

    graph: str
    lines: tuple[str, ...]
    events: frozenset[str]

    def nquads(self) -> str:
        """The lines as N-Quads in the article's graph."""
        if not self.lines:
            return ""
        g = f" <{self.graph}> .\n"
        return g.join(self.lines) + g

    def ntriples(self) -> str:
        """The lines as N-Triples."""
        return " .\n".join(self.lines) + " .\n" if self.lines else ""


class _Writer:
    """Writes one article's triples as N-Triples lines (each line once, in order)."""

    def __init__(self, ex: Extraction, gaz: Gazetteer):
        self.ex, self.gaz = ex, gaz
        self.lines: dict[str, None] = {}
        self.art = iri(iris.article_iri(ex.article.id))
        self.sentences = {s.index: s for s in ex.sentences}
        self.described: set[str] = set()  # entities and sentences already written once
        self.events: set[str] = set()

    def add(self, s: str, p: str, o: str) -> None:
        self.lines[f"{s} {p} {o}"] = None

    def attest(self, fact: str, ev: Evidence) -> str:
        """Attach an attestation for `fact` from evidence `ev`; returns the attestation."""
        att = iri(iris.node_iri("att", fact[1:-1], ev.article_id, str(ev.start), str(ev.end), ev.rule_id))
        sent = iri(iris.sentence_iri(ev.article_id, ev.sentence_index))
        add, P = self.add, _P
        add(fact, P.attestedBy, att)
        add(att, P.type, P.Attestation)
        add(att, P.inArticle, self.art)
        add(att, P.sentence, sent)
        add(att, P.derived, sent)
        add(att, P.start, integer(ev.start))
        add(att, P.end, integer(ev.end))
        add(att, P.ruleId, literal(ev.rule_id))
        add(att, P.surface, literal(ev.surface))
        if sent not in self.described:
            self.described.add(sent)
            s = self.sentences[ev.sentence_index]
            add(sent, P.type, P.Sentence)
            add(sent, P.inArticle, self.art)
            add(sent, P.sentenceIndex, integer(s.index))
            add(sent, P.start, integer(s.start))
            add(sent, P.end, integer(s.end))
            add(sent, P.text, literal(s.text))
        return att

    def article(self) -> None:
        a, art, P = self.ex.article, self.art, _P
        self.add(art, P.type, P.Article)
        self.add(art, P.articleId, literal(a.id))
        self.add(art, P.title, literal(a.title))
        if a.url:
            self.add(art, P.url, literal(a.url, datatype=_ANY_URI))
        if a.outlet:
            self.add(art, P.outlet, literal(a.outlet))
        if a.published:
            self.add(art, P.published, literal(a.published.edtf))
            self.dates(art, a.published)

    def dates(self, node: str, value: DateValue) -> None:
        self.add(node, _P.date, literal(value.edtf))
        self.add(node, _P.earliest, date(value.earliest))
        self.add(node, _P.latest, date(value.latest))

    def entity(self, key: str, etype: str, label: str) -> str:
        e = iri(iris.entity_iri(key))
        if e in self.described:  # each mention used to re-add the same description
            return e
        self.described.add(e)
        self.add(e, _P.type, iri(KG[etype]))
        self.add(e, _P.label, literal(label, lang="en"))
        self.add(e, _P.key, literal(key))
        entry = self.gaz.entries.get(key)
        if entry is not None:
            self.add(e, _P.prefLabel, literal(entry.label_id, lang="id"))
            if entry.wikidata:
                self.add(e, _P.sameAs, iri(WD[entry.wikidata]))
        return e

    def ref(self, key: str) -> str:
        """IRI of an entity already typed by a mention (or by the gazetteer)."""
        if key in self.ex.labels:
            label, etype = self.ex.labels[key]
            return self.entity(key, etype, label)
        entry = self.gaz.entries[key]
        return self.entity(key, entry.etype, entry.label)

    def claim(self, att: str, claim) -> None:
        """Who reports the fact, by which cue, with which polarity (issue 4 item 3)."""
        if claim is None:
            return
        self.add(att, _P.cue, literal(claim.cue))
        self.add(att, _P.polarity, literal(claim.polarity))
        if claim.source:
            self.add(att, _P.reportedBy, self.ref(claim.source))

    def event(self, e: Event) -> None:
        P = _P
        if e.status != "asserted":
            scope = (self.ex.article.id, str(e.evidence.start), e.status)
            node = iri(iris.event_iri(e.etype, None, *scope))
            self.add(node, P.status, literal(e.status))
        else:
            node = iri(iris.event_iri(e.etype, e.date.edtf if e.date else None,
                                      self.ex.article.id, str(e.evidence.start)))
        self.events.add(node[1:-1])
        self.add(node, P.type, P.Event)
        self.add(node, P.type, _EVENT_CLASS[e.etype])
        self.add(node, P.eventType, literal(e.etype))
        att = self.attest(node, e.evidence)
        if e.date is not None:
            self.dates(node, e.date)
            self.add(att, P.dateReason, literal(e.date.reason))
            if e.date_evidence is not None:
                self.add(att, P.dateText, literal(e.date_evidence.surface))
                self.add(att, P.dateRuleId, literal(e.date_evidence.rule_id))
        for prop, keys in ((P.actor, e.actors), (P.party, e.parties), (P.mediator, e.mediators),
                           (P.target, e.targets), (P.location, e.places)):
            for key in keys:
                ent = self.ref(key)
                self.add(node, prop, ent)
                self.add(att, prop, ent)
        self.claim(att, e.claim)

    def office(self, o) -> None:
        P = _P
        node = iri(iris.node_iri("office", o.person, o.role, o.of or ""))
        self.add(node, P.type, P.Office)
        self.add(node, P.holder, self.ref(o.person))
        self.add(node, P.role, literal(o.role))
        if o.of:
            self.add(node, P.officeOf, self.ref(o.of))
        att = self.attest(node, o.evidence)
        self.add(att, P.former, boolean(o.former))

    def figure(self, f, episodes: tuple[ConflictEpisode, ...]) -> None:
        P = _P
        node = iri(iris.node_iri("figure", self.ex.article.id, str(f.evidence.start), f.kind, str(f.count)))
        self.add(node, P.type, P.Figure)
        self.add(node, P.count, integer(f.count))
        self.add(node, P.kind, literal(f.kind))
        self.add(node, P.vague, boolean(f.vague))
        if f.low is not None:
            self.add(node, P.low, integer(f.low))
        if f.high is not None:
            self.add(node, P.high, integer(f.high))
        self.claim(self.attest(node, f.evidence), f.claim)
        ep = episode_for(f.reference, episodes)
        if ep is not None:
            self.add(node, P.figureOf, self.episode(ep))

    def episode(self, ep: ConflictEpisode) -> str:
        """The node of a known conflict episode (lexicons/conflicts.yaml)."""
        node = iri(iris.DATA["conflict/" + ep.key])
        self.add(node, _P.type, _P.Conflict)
        self.add(node, _P.label, literal(ep.label, lang="en"))
        self.add(node, _P.prefLabel, literal(ep.label_id, lang="id"))
        self.add(node, _P.key, literal(ep.key))
        self.dates(node, ep.period)
        return node


def article_triples(ex: Extraction, gaz: Gazetteer,
                    episodes: tuple[ConflictEpisode, ...] = ()) -> ArticleTriples:
    """All triples one article's extraction says, as N-Triples lines (see `ArticleTriples`)."""
    w = _Writer(ex, gaz)
    w.article()
    for m in ex.mentions:
        first = iri(iris.entity_iri(m.key)) not in w.described  # it gives the entity's label
        att = w.attest(w.entity(m.key, m.etype, m.label), m.evidence)
        if first and m.key not in gaz.entries:  # a found name's spelling in this article
            w.add(att, _P.entityLabel, literal(m.label))
    for o in ex.offices:
        w.office(o)
    for e in ex.events:
        w.event(e)
    for f in ex.figures:
        w.figure(f, episodes)
    return ArticleTriples(str(iris.graph_iri(ex.article.id)), tuple(w.lines), frozenset(w.events))


def add_extraction(ds: Dataset, ex: Extraction, gaz: Gazetteer,
                   episodes: tuple[ConflictEpisode, ...] = ()) -> URIRef:
    """Write one article's extraction into its own named graph of `ds`; returns the graph IRI."""
    triples = article_triples(ex, gaz, episodes)
    gid = URIRef(triples.graph)
    graph = ds.graph(gid)
    if triples.lines:
        graph.parse(data=triples.ntriples(), format="nt")
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


def record_counts(ds: Dataset) -> int:
    """Per-actor summary: every entity that is an actor of asserted events (no
    `kg:status`) gets `kg:eventCount`, the number of those events, in the `merge` graph of
    derived facts, so "who is most active" is a lookup, not an aggregate over every event
    (a store keeps it up to date the same way: `kg.store.update.refresh_counts`).
    Returns the number of entities counted."""
    merged = ds.graph(MERGE_GRAPH)
    merged.remove((None, KG.eventCount, None))
    events: dict[URIRef, set[URIRef]] = {}
    failed: set[URIRef] = set()
    for _s, _p, _o, g in ds.quads((None, KG.status, None, None)):
        failed.add(_s)
    for event, _p, actor, _g in ds.quads((None, KG.actor, None, None)):
        if event not in failed and (event, KG.eventType, None) in ds.graph(_g):
            events.setdefault(actor, set()).add(event)
    for actor, found in events.items():
        merged.add((actor, KG.eventCount, Literal(len(found))))
    return len(events)

