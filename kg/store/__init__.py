"""Store stage: the persistent on-disk graph store (issue "Scale").

- `kg.store.db`: the store directory, its Oxigraph database, the manifest of digests;
- `kg.store.articles`: one article's facts inside the union (views and exact removal);
- `kg.store.update`: dropping articles, recomputing merge reasons, `kg remove`;
- `kg.store.read`: reading a store or a graph file as an rdflib Graph, export.
"""
from kg.store.db import (DIGEST, LAYOUT, MANIFEST, StoreError, StoreStats, digest_quads,
                         disk_size, is_store, open_store, read_digests, store_stats)
from kg.store.read import (article_quads, export_store, open_graph, open_store_graph,
                           read_into_memory)
from kg.store.update import drop_articles, refresh_merges, remove_articles

__all__ = [
    "DIGEST", "LAYOUT", "MANIFEST", "StoreError", "StoreStats", "article_quads", "digest_quads",
    "disk_size", "drop_articles", "export_store", "is_store", "open_graph", "open_store",
    "open_store_graph", "read_digests", "read_into_memory", "refresh_merges", "remove_articles",
    "store_stats",
]
