"""The `kg` command line: one thin function per command over the library.

Exit codes: 0 success (build wrote a graph even if some articles were skipped);
1 the command ran and the answer is negative (validate found violations, build could
build nothing); 2 usage or input error.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from kg.errors import KgError

EPILOG = "Exit codes: 0 success; 1 negative answer (violations, nothing built); 2 usage or input error."


def _fail(exc: KgError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


LARGE_TIMELINE = 10_000  # dated events: a whole timeline of more from a store takes a while
_EVENT_COUNT = """PREFIX kg: <https://w3id.org/kg-conflict/ontology#>
SELECT (COUNT(*) AS ?n) WHERE { ?event kg:date ?date }"""


def _graph(path: str):
    """A graph file or a kg store directory (`kg build --store DIR`)."""
    from kg.store import open_graph

    try:
        return open_graph(path)
    except KgError as exc:
        _fail(exc)


@click.group(epilog=EPILOG)
@click.option("-v", "--verbose", is_flag=True, help="Log notes (encodings, ignored files) to stderr.")
@click.version_option(package_name="kg")
def cli(verbose: bool) -> None:
    """Build, query and draw a conflict-timeline knowledge graph from Indonesian news."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", default="out/graph.ttl", show_default=True, type=click.Path(),
              help="Graph file; the suffix picks the format (.ttl, .nt, .trig, .nq, .jsonld).")
@click.option("--store", "store_dir", type=click.Path(file_okay=False),
              help="Build into (or update) an on-disk store instead of a file: only new or changed articles are extracted.")
@click.option("-j", "--jobs", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes for extraction (with --store).")
@click.option("--force", is_flag=True, help="With --store: rebuild every article even if unchanged.")
@click.option("--prune", is_flag=True, help="With --store: drop stored articles that are not among the inputs.")
@click.option("-q", "--quiet", is_flag=True, help="No summary or progress bar on stderr.")
def build(inputs: tuple[str, ...], output: str, store_dir: str | None, jobs: int, force: bool,
          prune: bool, quiet: bool) -> None:
    """Build the graph from article files and/or directories of *.txt.

    Example: kg build seeds -o out/graph.ttl ; kg build archive/ --store out/store --jobs 2
    """
    if store_dir:
        from kg.scale import build_store

        try:
            rep = build_store(inputs, store_dir, jobs=jobs, quiet=quiet, force=force, prune=prune)
        except KgError as exc:
            _fail(exc)
        _report(rep.skipped, rep.notes)
        if not quiet:
            click.echo(rep.summary(), err=True)
        sys.exit(1 if rep.built + rep.unchanged == 0 else 0)
    from kg.export import write_dataset
    from kg.pipeline import BuildReport, build_dataset

    report = BuildReport([], [], [])
    try:
        ds = build_dataset(inputs, report=report)
    except KgError as exc:
        _fail(exc)
    _report(report.skipped, report.notes)
    if not report.built:
        click.echo("error: no article could be built", err=True)
        sys.exit(1)
    n = write_dataset(ds, Path(output))
    if not quiet:
        click.echo(f"built {len(report.built)} article(s), skipped {len(report.skipped)}: {n} triples -> {output}", err=True)


def _report(skipped: list[tuple[str, str]], notes: list[tuple[str, str]]) -> None:
    for path, reason in skipped:
        click.echo(f"skipped {path}: {reason}", err=True)
    for path, note in notes:
        click.echo(f"note {path}: {note}", err=True)


@cli.command()
@click.argument("name_or_file")
@click.option("-g", "--graph", "graph_path", default="out/graph.ttl", show_default=True, type=click.Path())
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--bind", multiple=True, metavar="VAR=VALUE", help="Bind a query variable to a literal value.")
@click.option("-e", "--endpoint", help="Query a SPARQL 1.1 server (filled by kg push) instead of --graph.")
@click.option("--server", default="oxigraph", show_default=True,
              type=click.Choice(["oxigraph", "fuseki", "graphdb", "virtuoso", "qlever"]),
              help="With --endpoint: the server kind, which sets the query path.")
def query(name_or_file: str, graph_path: str, fmt: str, bind: tuple[str, ...], endpoint: str | None,
          server: str) -> None:
    """Run a query from queries/ by name (e.g. timeline) or any .rq file, on a graph file,
    a store directory or a SPARQL endpoint.

    Example: kg query events --graph out/graph.ttl --format csv
    """
    from rdflib import Literal, Variable

    from kg.query import format_rows, run_query

    bindings = {}
    for item in bind:
        var, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(f"--bind expects VAR=VALUE, got {item!r}")
        bindings[Variable(var.lstrip("?"))] = Literal(value)
    try:
        if endpoint:
            from kg.remote import endpoint_for, query_endpoint

            cols, rows = query_endpoint(endpoint_for(endpoint, server), name_or_file, bindings)
        else:
            cols, rows = run_query(_graph(graph_path), name_or_file, bindings)
    except KgError as exc:
        _fail(exc)
    click.echo(format_rows(cols, rows, fmt))


@cli.command()
@click.argument("graph_path", default="out/graph.ttl", type=click.Path())
@click.option("--html", is_flag=True, help="Write the timeline as an HTML page instead of printing it.")
@click.option("-o", "--output", default="out/timeline.html", show_default=True, type=click.Path())
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.option("--since", help="Only events from this date on (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", help="Only events up to this date.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N events.")
def timeline(graph_path: str, html: bool, output: str, fmt: str, since: str | None,
             until: str | None, limit: int | None) -> None:
    """Print the events in date order (merged events once, with their sources).

    Example: kg timeline out/store --since 2020-09 --until 2020-11 --limit 50 ;
    kg timeline out/graph.ttl --html -o out/timeline.html
    """
    if html and (since or until or limit):
        raise click.UsageError("--since/--until/--limit select rows to print; the page has its own filters")
    graph = _graph(graph_path)
    if html:
        from kg.viz.timeline_html import write_timeline_html

        write_timeline_html(graph, Path(output))
        click.echo(f"timeline page -> {output}", err=True)
        return
    from kg.query import format_rows, run_sparql, timeline_rows
    from kg.store import is_store

    if not (since or until or limit) and is_store(graph_path):
        n = int(run_sparql(graph, _EVENT_COUNT, name="timeline")[1][0]["n"])
        if n > LARGE_TIMELINE:
            click.echo(f"sorting all {n:,} dated events of the store, which takes a while "
                       "(--since/--until or --limit print a part of them sooner)", err=True)
    try:
        cols, rows = timeline_rows(graph, since, until, limit)
    except KgError as exc:
        _fail(exc)
    if fmt == "table":  # the IRIs are for machines: csv and json keep them
        cols = [c for c in cols if c != "event"]
    click.echo(format_rows(cols, rows, fmt))


@cli.command()
@click.argument("graph_path", default="out/graph.ttl", type=click.Path())
@click.option("-o", "--output", default="out/graph.html", show_default=True, type=click.Path())
@click.option("--focus", help="Draw only the neighbourhood of this entity (label, key or unambiguous part of a name).")
@click.option("--depth", default=2, show_default=True, help="Steps around --focus.")
@click.option("--since", help="Keep events from this date on (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", help="Keep events up to this date.")
@click.option("--types", help="Event types to keep, comma-separated (e.g. Ceasefire,Attack).")
@click.option("--top", type=int, help="Keep the N most connected entities and their events.")
def viz(graph_path: str, output: str, focus: str | None, depth: int, since: str | None,
        until: str | None, types: str | None, top: int | None) -> None:
    """Write the interactive graph page (works offline).

    Example: kg viz out/graph.ttl -o out/graph.html --focus Russia --depth 2 --since 2022-01
    """
    from kg.viz.graph_html import write_graph_html

    kinds = [t.strip() for t in types.split(",") if t.strip()] if types else None
    try:
        n = write_graph_html(_graph(graph_path), Path(output), focus=focus, depth=depth, since=since,
                             until=until, types=kinds, top=top)
    except KgError as exc:
        _fail(exc)
    click.echo(f"graph page ({n} nodes) -> {output}", err=True)


@cli.command()
@click.argument("graph_path", default="out/graph.ttl", type=click.Path())
def summary(graph_path: str) -> None:
    """Print counts of articles, entities, offices, events by type and figures."""
    from kg.query import format_rows, run_query

    cols, rows = run_query(_graph(graph_path), "summary")
    click.echo(format_rows(cols, rows, "table"))


@cli.command()
@click.argument("graph_path", type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(),
              help="Target file; suffix picks the format: .ttl .nt .jsonld (.trig/.nq from a .trig/.nq graph).")
def export(graph_path: str, output: str) -> None:
    """Convert a graph file to Turtle, N-Triples, TriG, N-Quads or JSON-LD.

    Example: kg export out/graph.trig -o out/graph.nq
    """
    from kg.export import QUAD_FORMATS, format_for, write_dataset, write_graph

    try:
        src, out = Path(graph_path), Path(output)
        if src.is_dir():  # a store: quad formats keep one named graph per article
            from kg.store import export_store

            n = export_store(src, out)
        elif format_for(out) in QUAD_FORMATS:
            from rdflib import Dataset

            if format_for(src) not in QUAD_FORMATS:
                raise KgError(f"{src}: has no named graphs; build to .trig first (kg build ... -o out/graph.trig)")
            ds = Dataset()
            ds.parse(str(src), format=format_for(src))
            n = write_dataset(ds, out)
        else:
            n = write_graph(_graph(graph_path), out)
    except KgError as exc:
        _fail(exc)
    click.echo(f"{n} statements -> {output}", err=True)


@cli.command()
@click.argument("graph_path", default="out/graph.ttl", type=click.Path())
def validate(graph_path: str) -> None:
    """Check a graph against the SHACL shapes in ontology/; exit 1 on a violation.

    Example: kg validate out/graph.ttl
    """
    from kg.validate import validate_graph

    if Path(graph_path).is_dir():  # a store: pyshacl is ~40x faster on an in-memory copy
        from kg.store import read_into_memory

        try:
            graph = read_into_memory(graph_path)
        except KgError as exc:
            _fail(exc)
    else:
        graph = _graph(graph_path)
    conforms, text = validate_graph(graph)
    click.echo(text)
    sys.exit(0 if conforms else 1)


@cli.command("eval")
@click.argument("graph_path", default="out/graph.ttl", type=click.Path())
@click.option("--gold", "gold_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Directory of gold YAML files (ANNOTATION.md format).")
@click.option("--misses", is_flag=True, help="List what was missed or spurious, per article.")
@click.option("--rules", "per_rule", is_flag=True, help="Also report precision per rule id.")
def eval_(graph_path: str, gold_dir: str, misses: bool, per_rule: bool) -> None:
    """Score a graph against gold files: precision, recall, F1 per category.

    Example: kg eval out/graph.ttl --gold ../shared/eval/gold/seeds
    """
    from kg.evaluate import evaluate, format_report

    report = evaluate(_graph(graph_path), Path(gold_dir))
    click.echo(format_report(report, misses=misses, per_rule=per_rule))


@cli.command()
@click.argument("article", type=click.Path(exists=True, dir_okay=False))
def explain(article: str) -> None:
    """Show each sentence of an article with the spans found and the rule ids that fired.

    Example: kg explain seeds/000_e136840ccb6173e2.txt
    """
    from kg.explain import explain_article

    try:
        click.echo(explain_article(Path(article)))
    except KgError as exc:
        _fail(exc)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="kg")


from kg import cli_scale, cli_stats  # noqa: E402,F401 - register `stats`, `graphml`, `remove`, `push`, `serve`
