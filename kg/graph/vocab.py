"""The kg vocabulary as an rdflib DefinedNamespace (graph stage).

Every term used in code must exist here, and `_fail = True` makes a typo an error;
`tests/test_ontology.py` checks that each term is declared in `ontology/kg.ttl`.
"""
from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/kg-conflict/"
DATA = Namespace(BASE + "id/")
WD = Namespace("http://www.wikidata.org/entity/")


class KG(DefinedNamespace):  # noqa: D101 - terms documented in ontology/kg.ttl
    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    Article: URIRef
    Sentence: URIRef
    Attestation: URIRef
    Entity: URIRef
    Person: URIRef
    State: URIRef
    Organization: URIRef
    Place: URIRef
    Office: URIRef
    Event: URIRef
    Figure: URIRef
    Build: URIRef
    Conflict: URIRef
    Ceasefire: URIRef
    Agreement: URIRef
    Attack: URIRef
    Capture: URIRef
    Concession: URIRef
    Request: URIRef
    Meeting: URIRef
    Support: URIRef
    Accusation: URIRef
    Deployment: URIRef
    Protest: URIRef
    Displacement: URIRef
    Appointment: URIRef
    Statement: URIRef

    # article and sentence
    articleId: URIRef
    url: URIRef
    outlet: URIRef
    published: URIRef
    sourcePath: URIRef
    inArticle: URIRef
    sentence: URIRef
    sentenceIndex: URIRef
    text: URIRef
    start: URIRef
    end: URIRef

    # attestation (the claim: who says it, by which rule, in which words)
    attestedBy: URIRef
    ruleId: URIRef
    surface: URIRef
    entityLabel: URIRef
    reportedBy: URIRef
    cue: URIRef
    polarity: URIRef
    dateText: URIRef
    dateRuleId: URIRef
    dateReason: URIRef
    mergeReason: URIRef
    eventCount: URIRef
    rulesKey: URIRef

    # entities
    key: URIRef

    # offices
    holder: URIRef
    role: URIRef
    officeOf: URIRef
    former: URIRef

    # events
    eventType: URIRef
    date: URIRef
    earliest: URIRef
    latest: URIRef
    actor: URIRef
    party: URIRef
    mediator: URIRef
    target: URIRef
    location: URIRef
    status: URIRef

    # figures
    count: URIRef
    low: URIRef
    high: URIRef
    kind: URIRef
    vague: URIRef
    figureOf: URIRef

    # build activity
    ruleSetHash: URIRef
    version: URIRef

    # annotations on ontology terms (ontology/kg.ttl)
    ploverCode: URIRef
