"""Commands for stores and servers: `kg remove`, `kg push`, `kg serve` (issue "Scale").

They attach to the one click group of `kg.cli` when this module is imported; each is a
thin wrapper over `kg.store`, `kg.scale` and `kg.remote`.
"""

from __future__ import annotations

import sys

import click

from kg.cli import cli
from kg.errors import KgError


def _fail(exc: KgError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


@cli.command()
@click.argument("article_ids", nargs=-1, required=True)
@click.option(
    "-s",
    "--store",
    "store_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="The store directory (made by kg build --store).",
)
def remove(article_ids: tuple[str, ...], store_dir: str) -> None:
    """Drop articles' facts from a store (their named graphs; shared facts stay while
    another article states them). Exit 1 when none of the ids is in the store.

    Example: kg remove 004_faf092c22d1790bb --store out/store
    """
    from kg.store import remove_articles

    try:
        removed, missing = remove_articles(store_dir, article_ids)
    except KgError as exc:
        _fail(exc)
    for article_id in missing:
        click.echo(f"not in the store: {article_id}", err=True)
    click.echo(f"removed {len(removed)} article(s) from {store_dir}", err=True)
    sys.exit(0 if removed else 1)


@cli.command()
@click.argument("source", type=click.Path(exists=True))
@click.option(
    "-e", "--endpoint", required=True, help="Base URL of the server (e.g. http://127.0.0.1:7878)."
)
@click.option(
    "--server",
    type=click.Choice(["oxigraph", "fuseki", "graphdb", "virtuoso", "qlever"]),
    default="oxigraph",
    show_default=True,
    help="Server kind: sets the query, update and Graph Store paths.",
)
@click.option(
    "--method",
    type=click.Choice(["gsp", "update"]),
    default="gsp",
    show_default=True,
    help="Graph Store Protocol (PUT per article) or SPARQL Update (batched INSERT DATA).",
)
@click.option("--update-url", help="SPARQL Update URL, when not the server kind's default.")
@click.option("--store-url", help="Graph Store Protocol URL, when not the server kind's default.")
@click.option(
    "-H",
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="Extra HTTP header, e.g. an Authorization token.",
)
@click.option(
    "--force", is_flag=True, help="Push every article, even those the server already holds."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def push(
    source: str,
    endpoint: str,
    server: str,
    method: str,
    update_url: str | None,
    store_url: str | None,
    headers: tuple[str, ...],
    force: bool,
    quiet: bool,
) -> None:
    """Load a store or graph file into a SPARQL 1.1 server, one named graph per article.

    Unchanged articles (same content digest on the server) are skipped; the server's
    default graph is kept as the union, so `kg query --endpoint` runs the same queries.

    Example: kg push out/store --endpoint http://127.0.0.1:7878
    """
    from kg.remote import endpoint_for
    from kg.remote import push as push_graph
    from kg.progress import Progress
    from kg.store import is_store, open_store, read_digests

    try:
        pairs = tuple(_header(h) for h in headers)
        ep = endpoint_for(endpoint, server, update=update_url, store=store_url, headers=pairs)
        total = (
            len(read_digests(open_store(source, read_only=True))) + 1 if is_store(source) else 0
        )
        progress = Progress(total, enabled=not quiet and sys.stderr.isatty(), label="graphs")
        report = push_graph(source, ep, method=method, force=force, progress=progress)
        progress.close()
    except KgError as exc:
        _fail(exc)
    if not quiet:
        click.echo(report.summary(), err=True)


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise click.UsageError(f"--header expects 'NAME: VALUE', got {text!r}")
    return name.strip(), value.strip()


@cli.command()
@click.argument("store_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("-p", "--port", default=7878, show_default=True, help="Port (0: any free port).")
def serve(store_dir: str, host: str, port: int) -> None:
    """Serve a store as a read-only SPARQL endpoint (/query) with a query page (/).

    Example: kg serve out/store --port 7878   (then: kg query timeline --endpoint http://127.0.0.1:7878)
    """
    from kg.serve import make_server

    try:
        server = make_server(store_dir, host, port)
    except (KgError, OSError) as exc:
        _fail(exc if isinstance(exc, KgError) else KgError(f"{host}:{port}: {exc}"))
    h, p = str(server.server_address[0]), server.server_address[1]
    click.echo(
        f"serving {store_dir} at http://{h}:{p}/ (SPARQL: http://{h}:{p}/query); Ctrl-C stops",
        err=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
