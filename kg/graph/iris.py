"""Graph stage: stable, content-derived IRIs (issue 4 item 6).

Every IRI the project mints comes from here: the same content gives the same IRI on
every build, and no untrusted text reaches an IRI without being reduced to a slug or a
hash (issue 5: names from articles never break Turtle).
"""
from __future__ import annotations

import functools
import re

from rdflib import URIRef

from kg.graph.vocab import DATA
from kg.keys import digest, slug


@functools.lru_cache(maxsize=65536)  # the same few hundred keys in every article
def entity_iri(key: str) -> URIRef:
    """IRI of an entity from its gazetteer key (or minted key)."""
    return DATA["entity/" + slug(key)]


_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")


def article_key(article_id: str) -> str:
    """The IRI segment of an article: the id itself when it is IRI-safe, else a slug plus
    a hash of the id, so two different ids never share an IRI ("A b" vs "a-b")."""
    if _SAFE_ID.fullmatch(article_id):
        return article_id
    return f"{slug(article_id, 100)}-{digest(article_id, size=8)}"


def article_iri(article_id: str) -> URIRef:
    """IRI of an article from its id (the file stem)."""
    return DATA["article/" + article_key(article_id)]


def graph_iri(article_id: str) -> URIRef:
    """IRI of the named graph holding what one article says."""
    return DATA["graph/" + article_key(article_id)]


def article_of_graph(graph: str) -> URIRef:
    """The article IRI for the graph IRI of the same article (`graph_iri`)."""
    prefix = str(DATA) + "graph/"
    if not graph.startswith(prefix):
        raise ValueError(f"not an article graph IRI: {graph}")
    return DATA["article/" + graph[len(prefix):]]


def sentence_iri(article_id: str, index: int) -> URIRef:
    """IRI of a sentence of an article."""
    return DATA[f"sentence/{article_key(article_id)}/{index}"]


def event_iri(etype: str, date: str | None, *scope: str) -> URIRef:
    """IRI of an event: type + date for dated events (the merge key across articles),
    type + the reporting sentence for undated ones."""
    if date:
        return DATA[f"event/{etype.lower()}/{date.replace('/', '--')}"]
    return DATA[f"event/{etype.lower()}/undated-{digest(*scope)}"]


def node_iri(kind: str, *parts: str) -> URIRef:
    """IRI of an auxiliary node (attestation, office, figure) from its content."""
    return DATA[f"{kind}/{digest(*parts)}"]
