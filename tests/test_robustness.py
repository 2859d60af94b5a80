"""Issue 5: bad input never costs data; untrusted text never becomes code.

The end-to-end test builds the seeds plus every file of the bad corpus
(`tests/corpus_bad/`, completed by `make_corpus.py`) with `kg build` and checks that
each bad file is named with its reason, every readable article is built, and the seeds'
facts are exactly those of the seeds built alone.
"""
from __future__ import annotations

import errno
import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from conftest import SEEDS
from rdflib import Graph, Literal, Variable

from kg.cli import cli
from kg.errors import ArticleError
from kg.export import write_dataset
from kg.graph.vocab import KG
from kg.ingest.read import decode_bytes, read_article
from kg.pipeline import BuildReport, build_dataset, iter_inputs, union
from kg.query import run_query

CORPUS = Path(__file__).resolve().parent / "corpus_bad"
CONTRACT_QUERIES = ("entities", "roles", "ceasefires", "events", "figures")
JOINED = ("parties", "mediators", "actors")  # labels joined by "|" in store order
try:  # the second parser; add it to the [test] extras
    import pyoxigraph
except ImportError:
    pyoxigraph = None
needs_oxigraph = pytest.mark.skipif(pyoxigraph is None, reason="pyoxigraph not installed")
OXI_FORMATS = {".ttl": "TURTLE", ".nt": "N_TRIPLES", ".trig": "TRIG", ".nq": "N_QUADS"}
PAYLOADS = ('<script>alert("judul")</script>', "</script><script>alert(1)</script>",
            "<img src=x onerror=alert(document.cookie)>", "<img src=x onerror=\"fetch(")
PAGE_DATA = re.compile(r'<script id="kg-data" type="application/json">(.*?)</script>', re.DOTALL)
BODY = "Menteri Luar Negeri Rusia tiba di Baku.\n"


def _load_make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


make_corpus = _load_make_corpus()


def shown(path: Path) -> str:
    """A path as the CLI prints it (a name that is not UTF-8 comes out backslash-escaped)."""
    return str(path).encode("utf-8", "backslashreplace").decode("utf-8")


def strings(obj) -> list[str]:
    """Every string inside decoded JSON."""
    if isinstance(obj, str):
        return [obj]
    items = obj.values() if isinstance(obj, dict) else obj if isinstance(obj, list) else []
    return [s for x in items for s in strings(x)]


def article_ids(graph: Graph) -> set[str]:
    return {str(o) for o in graph.objects(None, KG.articleId)}


def seed_rows(graph: Graph, name: str, ids: set[str]) -> list[tuple]:
    """A contract query's rows for the seed articles; "|"-joined labels sorted."""
    cols, rows = run_query(graph, name)
    norm = [tuple("|".join(sorted(str(r[c]).split("|"))) if c in JOINED and r[c] else str(r[c])
                  for c in cols) for r in rows if r["article"] in ids]
    return sorted(norm)


@pytest.fixture(scope="session")
def mixed(tmp_path_factory):
    """`kg build DIR` over the seeds plus the whole bad corpus, run once."""
    src = tmp_path_factory.mktemp("mixed")
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, src)
    shutil.copy(SEEDS / "metadata.yaml", src)
    expect = make_corpus.make_corpus(src)
    out = tmp_path_factory.mktemp("mixed-out") / "out.ttl"
    result = CliRunner().invoke(cli, ["build", str(src), "-o", str(out)])
    graph = Graph().parse(out, format="turtle") if out.exists() else Graph()
    yield SimpleNamespace(src=src, expect=expect, out=out, result=result, graph=graph)
    (src / "huge.txt").unlink(missing_ok=True)  # 50 MB: do not keep it in pytest's tmp


def test_build_over_bad_corpus_exits_0_and_writes_the_graph(mixed):
    assert mixed.result.exit_code == 0, mixed.result.output
    assert "Traceback" not in mixed.result.output
    assert re.search(r"built \d+ article\(s\), skipped \d+", mixed.result.stderr)


def test_each_bad_file_is_named_with_its_reason(mixed):
    lines = mixed.result.stderr.splitlines()
    built = article_ids(mixed.graph)
    problems = []
    for name, exp in sorted(mixed.expect.items()):
        path = shown(mixed.src / name)
        kind = "skipped" if exp.outcome == "skipped" else "note"
        named = [x for x in lines if x.startswith(f"{kind} {path}: ") and exp.reason in x]
        if exp.outcome != "built" and not named:
            problems.append(f"{name}: no line '{kind} {path}: ...{exp.reason}...'")
        if exp.article and exp.article not in built:
            problems.append(f"{name}: article {exp.article!r} not in the graph")
        readable = exp.outcome in ("built", "note")
        if readable and any(x.startswith(f"skipped {path}:") for x in lines):
            problems.append(f"{name}: readable, but skipped")
    assert not problems, "\n".join(problems)


def test_only_bad_files_are_skipped(mixed):
    lines = mixed.result.stderr.splitlines()
    skipped = {x.split(": ", 1)[0][len("skipped "):] for x in lines if x.startswith("skipped ")}
    expected = {shown(mixed.src / n) for n, e in mixed.expect.items() if e.outcome == "skipped"}
    assert skipped == expected
    assert set(article_ids(mixed.graph)) >= {p.stem for p in SEEDS.glob("*.txt")}


def test_bad_files_cost_no_seed_fact(mixed, seed_graph):
    """Nothing of the seeds' graph is lost, and the five contract queries give the same
    rows for the seed articles with and without the bad corpus beside them. (Per-actor
    event counts are over the whole graph: the articles built from the bad corpus add
    events, so those counts may only grow.)"""
    def facts(g):
        return {t for t in g if t[1] != KG.eventCount}

    assert not facts(seed_graph) - facts(mixed.graph)
    for actor, n in seed_graph.subject_objects(KG.eventCount):
        assert int(mixed.graph.value(actor, KG.eventCount)) >= int(n)
    ids = article_ids(seed_graph)
    for name in CONTRACT_QUERIES:
        assert seed_rows(mixed.graph, name, ids) == seed_rows(seed_graph, name, ids), name


@needs_oxigraph
def test_output_reparses_with_a_second_parser(mixed):
    quads = pyoxigraph.parse(mixed.out.read_bytes(), format=pyoxigraph.RdfFormat.TURTLE)
    assert sum(1 for _ in quads) == len(mixed.graph) > 0


# --- readable bad files give the graph of their clean version -----------------------

@pytest.mark.parametrize("name", [*make_corpus.VARIANTS, "berita_café.txt"])
def test_readable_variant_gives_the_clean_graph(name, rules, tmp_path):
    bad, clean = tmp_path / "bad", tmp_path / "clean"
    make_corpus.write_clean(clean)
    bad.mkdir()
    if name in make_corpus.VARIANTS:
        (bad / name).write_bytes(make_corpus.VARIANTS[name][1])
    else:
        with open(os.path.join(os.fsencode(bad), make_corpus.NON_UTF8_NAME), "wb") as fh:
            fh.write((clean / name).read_bytes())
    report = BuildReport([], [], [])
    got = union(build_dataset([bad], rules, report))
    want = union(build_dataset([clean / name], rules))
    assert report.built == [name[:-4]] and report.notes, report
    assert set(got) == set(want) and len(want) > 20


# --- security: text stays text -------------------------------------------------------

def test_injection_article_is_kept_as_text_and_escaped_in_pages(mixed, tmp_path):
    from kg.viz.graph_html import write_graph_html
    from kg.viz.timeline_html import write_timeline_html

    literals = {str(o) for o in mixed.graph.objects() if isinstance(o, Literal)}
    assert 'Situs berita diretas: <script>alert("judul")</script>' in literals
    assert any("</script><script>alert(1)</script>" in x for x in literals)
    write_graph_html(mixed.graph, tmp_path / "g.html")
    write_timeline_html(mixed.graph, tmp_path / "t.html")
    for page in ("g.html", "t.html"):
        html = (tmp_path / page).read_text(encoding="utf-8")
        assert not [p for p in PAYLOADS if p in html], page
        data = PAGE_DATA.search(html)
        assert PAYLOADS[0] in "\n".join(strings(json.loads(data.group(1)))), page


HOSTILE = ['x" } ; DROP ALL ; #', "injection' || true", "?article", '"""', "} UNION { ?s ?p ?o }"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The injection article and one more, built by `kg build` (quick to query)."""
    out = tmp_path_factory.mktemp("small") / "small.ttl"
    inputs = [str(CORPUS / "injection.txt"), str(CORPUS / "curly_quotes.txt")]
    r = CliRunner().invoke(cli, ["build", *inputs, "-o", str(out)])
    assert r.exit_code == 0, r.output
    return SimpleNamespace(out=out, graph=Graph().parse(out, format="turtle"))


@pytest.mark.parametrize("value", HOSTILE)
def test_query_values_are_bound_never_pasted(small, value):
    before = set(small.graph)
    _, rows = run_query(small.graph, "entities", {Variable("article"): Literal(value)})
    assert rows == [] and set(small.graph) == before
    r = CliRunner().invoke(cli, ["query", "entities", "--graph", str(small.out),
                                 "--bind", f"article={value}", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout) == [], r.output


def test_bound_value_selects_its_article(small):
    _, every = run_query(small.graph, "entities")
    _, bound = run_query(small.graph, "entities", {Variable("article"): Literal("injection")})
    assert bound and bound == [r for r in every if r["article"] == "injection"] != every
    r = CliRunner().invoke(cli, ["query", "entities", "--graph", str(small.out),
                                 "--bind", "?article=injection", "--format", "json"])
    assert r.exit_code == 0 and {x["article"] for x in json.loads(r.stdout)} == {"injection"}


def test_metadata_and_headers_never_choose_a_path(rules, tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text("title: ../../../../evil\nurl: file:///etc/passwd\n"
                               "output: ../../evil.ttl\n\n" + BODY, encoding="utf-8")
    (src / "metadata.yaml").write_text(
        "articles:\n  a: {published: 2019-03-04, output: ../../evil.ttl, path: /tmp/evil}\n"
        "  ../../evil: {published: 2019-01-01}\n  b: /etc/passwd\n", encoding="utf-8")
    before = {p for p in tmp_path.rglob("*")}
    r = CliRunner().invoke(cli, ["build", str(src), "-o", str(out / "g.ttl")])
    assert r.exit_code == 0, r.output
    assert {p for p in tmp_path.rglob("*")} - before == {out, out / "g.ttl"}
    assert f"note {src / 'metadata.yaml'}: metadata for 'b' ignored" in r.stderr
    g = Graph().parse(out / "g.ttl")
    assert {str(o) for o in g.objects(None, KG.published)} == {"2019-03-04"}


# --- integrity: atomic writes, nothing lost -------------------------------------------

def test_nothing_built_exits_1_and_keeps_the_previous_graph(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "bin.txt").write_bytes(b"\x00\x01\x02")
    os.symlink("loop.txt", src / "loop.txt")
    out = tmp_path / "g.ttl"
    out.write_text("# the previous graph\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["build", str(src), "-o", str(out)])
    assert r.exit_code == 1 and "error: no article could be built" in r.stderr
    for name in ("empty.txt", "bin.txt", "loop.txt"):
        assert f"skipped {src / name}: " in r.stderr
    assert out.read_text(encoding="utf-8") == "# the previous graph\n"


def test_interrupted_write_leaves_the_previous_graph(seed_dataset, tmp_path, monkeypatch):
    out = tmp_path / "g.ttl"
    out.write_text("# the previous graph\n", encoding="utf-8")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr("kg.export.os.fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_dataset(seed_dataset, out)
    assert out.read_text(encoding="utf-8") == "# the previous graph\n"
    assert [p.name for p in tmp_path.iterdir()] == ["g.ttl"]  # no temporary file left


@needs_oxigraph
@pytest.mark.parametrize("suffix", sorted(OXI_FORMATS))
def test_every_output_format_reparses_with_pyoxigraph(rules, tmp_path, suffix):
    inputs = [CORPUS / "injection.txt", CORPUS / "curly_quotes.txt",
              SEEDS / "001_6abafbfe21ef9124.txt"]
    ds = build_dataset(inputs, rules)
    out = tmp_path / f"g{suffix}"
    fmt = getattr(pyoxigraph.RdfFormat, OXI_FORMATS[suffix])
    n = write_dataset(ds, out)
    assert sum(1 for _ in pyoxigraph.parse(out.read_bytes(), format=fmt)) == n > 0


# --- inputs, one by one -----------------------------------------------------------------

def test_duplicate_ids_across_inputs_keep_the_first(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "000_e136840ccb6173e2.txt").write_text("Salinan lain.\n", encoding="utf-8")
    report = BuildReport([], [], [])
    seed_one = SEEDS / "001_6abafbfe21ef9124.txt"
    files = [f for f, _ in iter_inputs([SEEDS, other, seed_one], report)]
    assert files == sorted(SEEDS.glob("*.txt"))
    first = SEEDS / "000_e136840ccb6173e2.txt"
    assert report.skipped == [
        (str(other / first.name), f"duplicate article id '{first.stem}': {first} has the same id"),
        (str(seed_one), f"duplicate article id '{seed_one.stem}': given twice")]


def test_missing_and_looping_input_paths_are_named(tmp_path):
    os.symlink("loop.txt", tmp_path / "loop.txt")
    r = CliRunner().invoke(cli, ["build", str(tmp_path / "loop.txt"), str(tmp_path / "nope.txt"),
                                 "-o", str(tmp_path / "g.ttl")])
    assert r.exit_code == 1
    assert f"skipped {tmp_path / 'loop.txt'}: cannot read: symbolic link loop" in r.stderr
    assert f"skipped {tmp_path / 'nope.txt'}: no such file or directory" in r.stderr


def test_unreadable_file_is_named(rules, tmp_path, monkeypatch):
    f = tmp_path / "locked.txt"
    f.write_text("Teks.\n", encoding="utf-8")
    f.chmod(0)
    if os.access(f, os.R_OK):  # root reads through chmod 000: make open() refuse instead
        def refuse(self, *args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))

        monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(ArticleError, match="cannot read: permission denied"):
        read_article(f, rules.dates)


def test_unlistable_directory_is_named(rules, tmp_path, monkeypatch):
    def refuse(self):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    monkeypatch.setattr(Path, "iterdir", refuse)  # as a directory chmod 000 (root reads it)
    report = BuildReport([], [], [])
    assert list(iter_inputs([tmp_path], report)) == []
    assert report.skipped == [(str(tmp_path), "cannot list directory: Permission denied")]


@pytest.mark.parametrize("metadata, note", [
    (b"\x00\x01binary", "metadata file ignored"),
    (b"articles: [a, b]\n", "no 'articles:' mapping"),
    (b"- just\n- a list\n", "no 'articles:' mapping"),
    (b"articles: {a: {published: [}\n", "metadata file ignored"),
    (b"articles:\n  a: 2019-03-04\n", "metadata for 'a' ignored"),
    ("articles:\n  a: {published: 2019-03-04, reason: caf\xe9}\n".encode("cp1252"),
     "metadata file ignored"),
])
def test_bad_metadata_file_is_named_and_the_articles_built(rules, tmp_path, metadata, note):
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "metadata.yaml").write_bytes(metadata)
    report = BuildReport([], [], [])
    build_dataset([tmp_path], rules, report)
    assert report.built == ["a"]
    lines = [n for p, n in report.notes if p == str(tmp_path / "metadata.yaml")]
    assert len(lines) == 1 and note in lines[0] and "\n" not in lines[0]


def test_metadata_yaml_datetime_is_a_date(rules, tmp_path):
    (tmp_path / "a.txt").write_text(BODY, encoding="utf-8")
    meta = "articles:\n  a: {published: 2019-03-04 10:00:00}\n"
    (tmp_path / "metadata.yaml").write_text(meta, encoding="utf-8")
    report = BuildReport([], [], [])
    g = union(build_dataset([tmp_path], rules, report))
    assert {str(o) for o in g.objects(None, KG.published)} == {"2019-03-04"} and not report.notes


@pytest.mark.parametrize("header, metadata, edtf, note", [
    ("published: 31/13/2020", None, None, "'31/13/2020' is not a date"),
    ("published: 31/13/2020", "2019-02-03", "2019-02-03", "'31/13/2020' is not a date"),
    ("published: 2020-02-30", None, None, "'2020-02-30' is not a date"),
    ("published: 21/11/2019", None, "2019-11-21", "read day-first as 2019-11-21"),
    ("published: unknown", "2019-02-03", None, None),
    ("published: 2019-07", "2019-02-03", "2019-07", None),
])
def test_header_date(rules, tmp_path, header, metadata, edtf, note):
    f = tmp_path / "a.txt"
    f.write_text(f"title: Judul\n{header}\n\n{BODY}", encoding="utf-8")
    a = read_article(f, rules.dates, published=metadata)
    assert (a.published.edtf if a.published else None) == edtf
    assert [n for n in a.notes if note and note in n] if note else not a.notes


@pytest.mark.parametrize("data, text, note", [
    ("Kata “damai” – é\n".encode("cp1252"), "Kata “damai” – é\n", "decoded as Windows-1252"),
    (b"\xef\xbb\xbftitle: x\n", "title: x\n", "byte-order mark removed"),
    ("Erdoğan\n".encode("utf-16"), "Erdoğan\n", "UTF-16-LE (with byte-order mark)"),
    ("Erdoğan berbicara\n".encode("utf-16-be"), "Erdoğan berbicara\n", "UTF-16-BE (without"),
    ("Erdoğan\n".encode() + "“x”\n".encode("cp1252"), "Erdoğan\n“x”\n",
     "mixed encodings: 1 line(s)"),
    (b"Gr\x81n\n", "Gr\x81n\n", "decoded as Latin-1"),
    (b"Sederhana.\n", "Sederhana.\n", None),
])
def test_decode_bytes(data, text, note):
    got, notes = decode_bytes(data, "x.txt")
    assert got == text
    assert (note in " ".join(notes)) if note else notes == []


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b" \r\n\t ", "empty file"),
    (b"\x00\x00\x00\x00\x00\x00\x00\x00", "binary content"),
    (bytes(range(256)) * 4, "binary content"),
    (b"\x01\x00\x02\x00\x03\x00\x04\x00\x05\x00\x06\x00", "binary content"),  # not UTF-16 text
])
def test_decode_bytes_refuses(data, reason):
    with pytest.raises(ArticleError, match=re.escape(reason)):
        decode_bytes(data, "x.txt")


@pytest.mark.parametrize("text, html", [
    ("<!DOCTYPE html><html><body><p>Isi berita.</p></body></html>", True),
    ("<p>Satu.</p>\n<p>Dua.</p>\n<p>Tiga.</p>", True),
    ("Peretas menyisipkan <script>alert(1)</script> ke situs.", False),
    ("Harga naik <5% dan >2% menurut <b>data</b>.", False),
])
def test_html_is_a_page_not_a_quoted_tag(text, html):
    from kg.ingest.read import is_html

    assert is_html(text) is html
