"""Graph stage: RDF terms as N-Triples text, the form every graph is written in.

The graph stage writes each article's triples as N-Triples lines once; the in-memory
build parses them into rdflib, the store bulk-loads them as they are. Building rdflib
terms and then serialising them again cost ~16 ms of the ~50 ms an article took on the
store path (bench/README.md); writing the text directly costs a fraction of that.

Untrusted text reaches the output only through `literal` (escaped per the N-Triples
grammar) or through IRIs minted by `kg.graph.iris` (slugs and hashes); `iri` still
percent-encodes anything an IRI may not hold, so no input can break a line.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

_ESCAPE = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_XSD_STRING = str(XSD.string)
_INTEGER = f"^^<{XSD.integer}>"
_DATE = f"^^<{XSD.date}>"
TRUE = f'"true"^^<{XSD.boolean}>'
FALSE = f'"false"^^<{XSD.boolean}>'


def iri(value: str) -> str:
    """`<value>`, with characters an IRI may not hold percent-encoded."""
    if _BAD_IRI.search(value):
        value = "".join(
            c if not _BAD_IRI.match(c) else "".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass"))
            for c in value
        )
    return f"<{value}>"


def literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    """A string literal (escaped), with a language tag or a datatype IRI."""
    lex = f'"{str.translate(text, _ESCAPE)}"'
    if lang:
        return f"{lex}@{lang}"
    if datatype and datatype != _XSD_STRING:
        return f"{lex}^^<{datatype}>"
    return lex


def integer(value: int) -> str:
    """An xsd:integer literal."""
    return f'"{int(value)}"{_INTEGER}'


def boolean(value: bool) -> str:
    """An xsd:boolean literal."""
    return TRUE if value else FALSE


def date(value: dt.date) -> str:
    """An xsd:date literal."""
    return f'"{value.isoformat()}"{_DATE}'


def term(value: Any) -> str:
    """Any rdflib term (or IRI string) in N-Triples syntax; for code that holds rdflib terms."""
    if isinstance(value, Literal):
        if value.language:
            return literal(str(value), lang=value.language)
        return literal(str(value), datatype=str(value.datatype) if value.datatype else None)
    if isinstance(value, BNode):
        return f"_:b{value}"
    if isinstance(value, (URIRef, str)):
        return iri(value)
    raise TypeError(f"not an RDF term: {value!r}")
