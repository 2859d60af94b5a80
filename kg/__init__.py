"""kg: a conflict-timeline knowledge graph built from Indonesian news articles.

Public API (the same code paths as the `kg` command):
    build(paths) -> rdflib.Graph        build the graph of articles (files or directories)
    build_dataset(paths) -> Dataset     the same, one named graph per article
    load_graph(path) -> rdflib.Graph    read a graph file written by `kg build`/`kg export`
    run_query(graph, name, bindings)    run a query from queries/ or a .rq file
"""
from kg.pipeline import build, build_dataset, extract_article, load_rules
from kg.query import load_graph, run_query

__version__ = "0.1.0"
__all__ = ["build", "build_dataset", "extract_article", "load_graph", "load_rules", "run_query", "__version__"]
