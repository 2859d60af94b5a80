"""Validate stage: check a built graph against the SHACL shapes in `ontology/shapes.ttl`.

Reads an rdflib Graph (as `kg build` writes it) and the shapes; writes nothing. Backs
`kg validate GRAPH` (exit 0 when the graph conforms, 1 on a violation: HOUSE-STYLE 8.9).
The shapes are checked without inference (pySHACL `inference="none"`): a built graph
states every type it relies on, so RDFS reasoning would only hide a missing triple, and
it would cost time. ontology/shapes.ttl says which constraints a graph must meet and why.
"""
from __future__ import annotations

import re
from pathlib import Path

from pyshacl import validate
from rdflib import RDF, RDFS, XSD, Graph, Literal, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import BNode

from kg.errors import KgError
from kg.query import ONTOLOGY_DIR

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
_BARE = {XSD.integer, XSD.boolean}  # written bare in Turtle: 1200, true
_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")


def validate_graph(graph: Graph, shapes: Path | None = None) -> tuple[bool, str]:
    """Check `graph` against the SHACL shapes; returns (conforms, report text).

    The report is `conforms: N nodes checked` when the graph passes, otherwise one line
    per violation (`focus node  path: message`, with the offending value when there is
    one), sorted, then a count.

    Args:
        graph: the data graph, e.g. `kg.build(["seeds"])` or `kg.load_graph(path)`.
        shapes: a Turtle file of SHACL shapes; `ontology/shapes.ttl` by default.

    Returns:
        `(True, "conforms: 1234 nodes checked")` or `(False, "<one line per violation>")`.

    Raises:
        KgError: the shapes file is missing or is not valid Turtle.

    Example:
        >>> ok, text = validate_graph(kg.build(["seeds"]))  # doctest: +SKIP
        >>> text  # doctest: +SKIP
        'conforms: 1503 nodes checked'
    """
    shapes_graph = load_shapes(shapes or SHAPES_FILE)
    conforms, results, _text = validate(
        graph, shacl_graph=shapes_graph, inference="none", allow_warnings=True,
        abort_on_first=False)
    if conforms:
        return True, f"conforms: {len(focus_nodes(graph, shapes_graph))} nodes checked"
    # one line per distinct problem: a value failing two constraints of one shape
    # (sh:datatype and sh:minInclusive) shares that shape's message
    found = list(results.subjects(RDF.type, SH.ValidationResult))
    lines = sorted({_result_line(results, r, graph) for r in found})
    nodes = {results.value(r, SH.focusNode) for r in found}
    lines.append(f"does not conform: {len(lines)} violation(s) on {len(nodes)} node(s)")
    return False, "\n".join(lines)


def load_shapes(path: Path) -> Graph:
    """Parse a SHACL shapes file (Turtle).

    Raises:
        KgError: the file is missing or cannot be parsed.
    """
    if not Path(path).is_file():
        raise KgError(f"shapes file not found: {path}")
    g = Graph()
    try:
        g.parse(str(path), format="turtle")
    except Exception as exc:  # rdflib raises parser-specific types
        raise KgError(f"shapes file {path}: cannot parse as Turtle: {exc}") from None
    return g


def focus_nodes(data: Graph, shapes: Graph) -> set[Node]:
    """Every node of `data` that some shape targets (what "N nodes checked" counts).

    Follows SHACL target semantics without inference: `sh:targetClass` (and implicit
    class targets) takes instances of the class or of its rdfs:subClassOf descendants as
    stated in the data graph.
    """
    nodes: set[Node] = set()
    declared = set(shapes.subjects(RDF.type, SH.NodeShape))
    declared |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    for shape in declared:
        classes = set(shapes.objects(shape, SH.targetClass))
        if (shape, RDF.type, RDFS.Class) in shapes:
            classes.add(shape)
        for cls in classes:
            for sub in data.transitive_subjects(RDFS.subClassOf, cls):
                nodes.update(data.subjects(RDF.type, sub))
        nodes.update(shapes.objects(shape, SH.targetNode))
        for p in shapes.objects(shape, SH.targetSubjectsOf):
            nodes.update(data.subjects(p, None))
        for p in shapes.objects(shape, SH.targetObjectsOf):
            nodes.update(data.objects(None, p))
    return nodes


def _result_line(results: Graph, result: Node, data: Graph) -> str:
    """One violation as `<focus>  <path>: <message> (value <v>)`."""
    focus = _short(results.value(result, SH.focusNode), data)
    path = _path(results, results.value(result, SH.resultPath), data)
    message = " / ".join(sorted(str(m) for m in results.objects(result, SH.resultMessage)))
    if not message:
        message = _short(results.value(result, SH.sourceConstraintComponent), data)
    line = f"{focus}  {path + ': ' if path else ''}{message}"
    value = results.value(result, SH.value)
    if value is not None and value != results.value(result, SH.focusNode):
        line += f" (value {_short(value, data)})"
    severity = results.value(result, SH.resultSeverity)
    if severity is not None and severity != SH.Violation:
        line = f"[{_short(severity, data)}] {line}"
    return line


def _path(results: Graph, path: Node | None, data: Graph) -> str:
    """A SHACL property path in SPARQL syntax (`kg:sentence/kg:start`, `^kg:sentence`)."""
    if path is None:
        return ""
    if isinstance(path, URIRef):
        return _short(path, data)
    inverse = results.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path(results, inverse, data)
    if results.value(path, RDF.first) is not None:
        return "/".join(_path(results, step, data) for step in Collection(results, path))
    return "[]"


def _short(node: Node | None, data: Graph) -> str:
    """A node as Turtle would write it, using the data graph's prefixes when one fits.

    Does not call `Node.n3(namespace_manager)`, which binds new `ns1:` prefixes on the
    caller's graph as a side effect.
    """
    if node is None:
        return "-"
    if isinstance(node, BNode):
        return "[]"
    if isinstance(node, Literal):
        if node.datatype in _BARE and node.value is not None:
            return str(node)
        if node.datatype is not None:
            return f'"{node}"^^{_short(node.datatype, data)}'
        return node.n3()
    if isinstance(node, URIRef):
        iri = str(node)
        best = ""
        for prefix, ns in data.namespaces():
            if prefix and iri.startswith(str(ns)) and len(str(ns)) > len(best):
                best, name = str(ns), f"{prefix}:{iri[len(str(ns)):]}"
        if best and _LOCAL.match(name.split(":", 1)[1]):
            return name
        for prefix, ns in (("sh", SH), ("xsd", XSD)):
            if iri.startswith(str(ns)):
                return prefix + ":" + iri[len(str(ns)):]
        return f"<{iri}>"
    return str(node)
