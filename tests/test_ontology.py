"""Tests of ontology/kg.ttl, ontology/shapes.ttl and `kg validate` (kg/validate.py).

The vocabulary test is the integrity-test pattern of HOUSE-STYLE 8.10: the terms of
`kg.graph.vocab.KG` and the terms declared in the ontology are the same set. The shape
tests are data-driven: each file under tests/shapes/ is a small graph; `valid_*` files
must conform and every `invalid_*` file names the violations it must produce in
leading `# expect: <message substring>` lines.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH

from kg.graph.vocab import KG
from kg.query import ONTOLOGY_DIR
from kg.validate import SHAPES_FILE, validate_graph

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = Path(__file__).resolve().parent / "shapes"
ONTOLOGY_FILE = ONTOLOGY_DIR / "kg.ttl"
NS = str(KG._NS)
TERM_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
VOCAB_TERMS = sorted(name for name in KG.__annotations__ if not name.startswith("_"))

# CONTRACT section 4: the PLOVER code(s) of each event type ("-": none).
PLOVER = {
    "Ceasefire": {"AGREE"}, "Agreement": {"AGREE"}, "Attack": {"ASSAULT"}, "Capture": {"SEIZE"},
    "Concession": {"CONCEDE"}, "Request": {"REQUEST"}, "Meeting": {"CONSULT"},
    "Support": {"SUPPORT", "AID"}, "Accusation": {"ACCUSE"}, "Deployment": {"MOBILIZE"},
    "Protest": {"PROTEST"}, "Displacement": set(), "Appointment": set(), "Statement": set(),
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


@pytest.fixture(scope="module")
def seed_graph() -> Graph:
    from kg import build

    return build([PROJECT_ROOT / "seeds"])


# ---------------------------------------------------------------- ontology


def test_ontology_parses_with_header(ontology: Graph) -> None:
    header = list(ontology.subjects(RDF.type, OWL.Ontology))
    assert header == [URIRef(NS.rstrip("#"))]
    assert ontology.value(header[0], OWL.versionInfo) is not None
    assert ontology.value(header[0], OWL.versionIRI) is not None


@pytest.mark.parametrize("name", VOCAB_TERMS)
def test_ontology_declares_vocab_term(ontology: Graph, name: str) -> None:
    term = URIRef(NS + name)
    types = set(ontology.objects(term, RDF.type)) & TERM_TYPES
    assert len(types) == 1, f"kg:{name} must be declared as exactly one of {sorted(TERM_TYPES)}"
    langs = sorted(str(lbl.language) for lbl in ontology.objects(term, RDFS.label)
                   if isinstance(lbl, Literal))
    assert langs == ["en", "id"], f"kg:{name} needs one @en and one @id rdfs:label, has {langs}"
    assert any(c.language == "en" for c in ontology.objects(term, RDFS.comment)), \
        f"kg:{name} needs an English rdfs:comment"


def test_ontology_declares_only_vocab_terms(ontology: Graph) -> None:
    """The other direction: a term in the ontology but not in vocab.py cannot be used in code."""
    declared = {str(s)[len(NS):] for s in ontology.subjects(RDF.type, None)
                if isinstance(s, URIRef) and str(s).startswith(NS)}
    assert declared == set(VOCAB_TERMS)


def test_ontology_event_classes_follow_contract(ontology: Graph) -> None:
    subclasses = {str(s)[len(NS):] for s in ontology.subjects(RDFS.subClassOf, KG.Event)}
    assert subclasses == set(PLOVER)


@pytest.mark.parametrize("etype", sorted(PLOVER))
def test_ontology_plover_code(ontology: Graph, etype: str) -> None:
    codes = {str(c) for c in ontology.objects(KG[etype], KG.ploverCode)}
    assert codes == PLOVER[etype]


@pytest.mark.parametrize(("term", "parent"), [
    (KG.Event, "http://semanticweb.cs.vu.nl/2009/11/sem/Event"),
    (KG.Event, "https://schema.org/Event"),
    (KG.Person, "https://schema.org/Person"),
    (KG.Person, "http://xmlns.com/foaf/0.1/Person"),
    (KG.Organization, "https://schema.org/Organization"),
    (KG.Place, "https://schema.org/Place"),
    (KG.Attestation, "http://www.w3.org/ns/prov#Entity"),
    (KG.Article, "http://www.w3.org/ns/prov#Entity"),
    (KG.Article, "https://schema.org/NewsArticle"),
    (KG.Build, "http://www.w3.org/ns/prov#Activity"),
])
def test_ontology_alignment(ontology: Graph, term: URIRef, parent: str) -> None:
    assert (term, RDFS.subClassOf, URIRef(parent)) in ontology


# ---------------------------------------------------------------- shapes


def test_shapes_every_constraint_has_a_message(shapes: Graph) -> None:
    """Each property shape, and each node shape with a constraint of its own, says what's wrong."""
    property_shapes = set(shapes.objects(None, SH.property))
    property_shapes |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    missing = [str(s) for s in property_shapes if shapes.value(s, SH.message) is None]
    for node_shape in shapes.subjects(RDF.type, SH.NodeShape):
        own = {SH["class"], SH["in"], SH.datatype, SH["or"], SH.xone, SH["not"], SH.node}
        has_own = any(shapes.value(node_shape, p) is not None for p in own)
        if has_own and shapes.value(node_shape, SH.message) is None:
            missing.append(str(node_shape))
    assert not missing


def _expected(path: Path) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("# expect:")]


VALID = sorted(SHAPES_DIR.glob("valid_*.ttl"))
INVALID = sorted(SHAPES_DIR.glob("invalid_*.ttl"))


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_shapes_valid_graph_conforms(path: Path) -> None:
    conforms, text = validate_graph(Graph().parse(path, format="turtle"))
    assert conforms, text
    assert text.startswith("conforms: ") and text.endswith(" nodes checked")


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_shapes_invalid_graph_fails(path: Path) -> None:
    expected = _expected(path)
    assert expected, f"{path.name} must name its violations in '# expect:' lines"
    conforms, text = validate_graph(Graph().parse(path, format="turtle"))
    assert not conforms
    *violations, summary = text.splitlines()
    assert summary.startswith("does not conform: ")
    for want in expected:
        assert any(want in line for line in violations), f"missing {want!r} in:\n{text}"
    for line in violations:  # and nothing else fails: the file breaks one rule only
        assert any(want in line for want in expected), f"unexpected violation: {line}"


def test_validate_report_line_names_focus_path_and_value() -> None:
    path = SHAPES_DIR / "invalid_event_bad_date.ttl"
    _, text = validate_graph(Graph().parse(path, format="turtle"))
    line = text.splitlines()[0]
    assert line.startswith("kgr:event/ceasefire/2020-10-10  kg:date: ")
    assert line.endswith('(value "10 Oktober 2020")')


def test_validate_does_not_touch_graph_prefixes() -> None:
    g = Graph().parse(SHAPES_DIR / "invalid_office_bad_role.ttl", format="turtle")
    before = sorted(g.namespaces())
    validate_graph(g)
    assert sorted(g.namespaces()) == before


def test_validate_missing_shapes_file_is_an_error(tmp_path: Path) -> None:
    from kg.errors import KgError

    with pytest.raises(KgError, match="shapes file not found"):
        validate_graph(Graph(), tmp_path / "nope.ttl")


# ---------------------------------------------------------------- built graph


def test_seed_graph_conforms(seed_graph: Graph) -> None:
    conforms, text = validate_graph(seed_graph)
    assert conforms, text


def test_cli_validate_seed_graph_exits_0(seed_graph: Graph, tmp_path: Path) -> None:
    from kg.cli import cli

    out = tmp_path / "seeds.ttl"
    seed_graph.serialize(out, format="turtle")
    result = CliRunner().invoke(cli, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("conforms: ")


def test_cli_validate_invalid_graph_exits_1() -> None:
    from kg.cli import cli

    result = CliRunner().invoke(cli, ["validate", str(SHAPES_DIR / "invalid_office_no_holder.ttl")])
    assert result.exit_code == 1
    assert "an office must have exactly one kg:holder" in result.output


def test_cli_validate_missing_file_exits_2(tmp_path: Path) -> None:
    from kg.cli import cli

    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "missing.ttl")])
    assert result.exit_code == 2
