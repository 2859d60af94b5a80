"""`kg stats` and `kg graphml`: the network-analysis commands (thin, over `kg.stats`).

They join the one click group of `kg/cli.py` when that module imports this one (at its
bottom, after the group exists): `from kg import cli_stats  # noqa: E402,F401`.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from kg.cli import _fail, _graph, cli
from kg.errors import KgError

_EVENTS_PER_STEP = 3
_SENTENCES_PER_EVENT = 2


def _table(title: str, cols: list[str], rows: list[dict[str, Any]]) -> str:
    from kg.query import format_rows

    return f"{title}\n" + format_rows(cols, rows, "table")


def format_stats(result: dict[str, Any]) -> str:
    """The `actor_stats` result as text tables."""
    s = result["summary"]
    lines = [f"{s['entities']} entities, {s['events']} events, {s['edges']} links; actor network: "
             f"{s['actors']} actors, {s['actor_links']} links, {s['components']} component(s)", ""]
    ranked = [{"rank": i, **row} for i, row in enumerate(result["degree"], 1)]
    lines += [_table("Top actors by degree (events taken part in; partners = other actors met)",
                     ["rank", "actor", "type", "events", "partners"], ranked), ""]
    ranked = [{"rank": i, **row} for i, row in enumerate(result["betweenness"], 1)]
    lines += [_table("Top actors by betweenness (actor network: linked by shared events)",
                     ["rank", "actor", "type", "betweenness", "events"], ranked), ""]
    lines.append(f"Communities (Louvain, fixed seed; {s['singletons']} actor(s) on their own)")
    for i, com in enumerate(result["communities"], 1):
        shown = ", ".join(com["members"][:10])
        more = f" … {com['size'] - 10} more" if com["size"] > 10 else ""
        lines.append(f"{i:>3}. ({com['size']}) {shown}{more}")
    return "\n".join(lines)


def format_path(steps: list[Any]) -> str:
    """An `actor_path` result as text: each hop, its first events and their sentences."""
    names = [steps[0].source] + [s.target for s in steps]
    lines = [f"{' -> '.join(names)} ({len(steps)} step{'s' if len(steps) > 1 else ''})"]
    for i, step in enumerate(steps, 1):
        lines += ["", f"{i}. {step.source} -- {step.target}: {len(step.events)} shared event(s)"]
        for ev in step.events[:_EVENTS_PER_STEP]:
            lines.append(f"   {ev.label}{'' if ev.direct else '  (no one sentence names both)'}")
            for e in ev.evidence[:_SENTENCES_PER_EVENT]:
                lines.append(f"     [{e.article_id} · {e.rule_id}] “{e.sentence}”")
            if len(ev.evidence) > _SENTENCES_PER_EVENT:
                lines.append(f"     … {len(ev.evidence) - _SENTENCES_PER_EVENT} more sentence(s)")
        if len(step.events) > _EVENTS_PER_STEP:
            lines.append(f"   … {len(step.events) - _EVENTS_PER_STEP} more event(s) "
                         "(--format json lists them all)")
    return "\n".join(lines)


@cli.command()
@click.argument("graph_path", default="out/graph.ttl", type=click.Path())
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1),
              help="How many actors each ranking lists.")
@click.option("--path", "ends", nargs=2, metavar="A B",
              help="Instead: the shortest chain of shared events from actor A to actor B, "
                   "with the evidence (labels, keys or a unique part of a name).")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def stats(graph_path: str, top: int, ends: tuple[str, str] | None, fmt: str) -> None:
    """Top actors by degree and betweenness, and communities; or a path between two actors.

    Exit code 1 when --path finds no chain of events between the two actors.

    Example: kg stats out/graph.ttl --top 5; kg stats out/graph.ttl --path Pashinyan Aliyev
    """
    from kg.stats import actor_path, actor_stats

    graph = _graph(graph_path)
    try:
        if not ends:
            result = actor_stats(graph, top=top)
            click.echo(json.dumps(result, ensure_ascii=False, indent=2) if fmt == "json"
                       else format_stats(result))
            return
        a, b = ends
        steps = actor_path(graph, a, b)
    except KgError as exc:
        _fail(exc)
        return
    if fmt == "json":
        click.echo(json.dumps({"path": [s.to_json() for s in steps]}, ensure_ascii=False, indent=2))
    elif steps:
        click.echo(format_path(steps))
    if not steps:
        click.echo(f"no chain of shared events joins {a!r} and {b!r}", err=True)
        sys.exit(1)


@cli.command()
@click.argument("graph_path", default="out/graph.ttl", type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(),
              help="Target file: .graphml or .gexf (both open in Gephi).")
def graphml(graph_path: str, output: str) -> None:
    """Write the entity-event network as GraphML or GEXF, with the evidence on each edge.

    Example: kg graphml out/graph.ttl -o out/graph.gexf
    """
    from kg.stats import write_network

    try:
        nodes, edges = write_network(_graph(graph_path), Path(output))
    except KgError as exc:
        _fail(exc)
        return
    click.echo(f"{nodes} nodes, {edges} edges -> {output}", err=True)
