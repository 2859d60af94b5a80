"""Stable keys from text: the one place a name or a content tuple becomes an identifier.

Used by the annotate stage (entity keys of names found by pattern) and the graph stage
(IRIs, `kg.graph.iris`), so a name gets the same key whichever stage slugs it.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata


def digest(*parts: str, size: int = 12) -> str:
    """Short hex sha256 of the parts joined by a unit separator."""
    data = "\x1f".join(parts).encode("utf-8", "surrogatepass")  # lone surrogates from odd file names
    return hashlib.sha256(data).hexdigest()[:size]


def slug(text: str, limit: int = 60) -> str:
    """ASCII kebab-case slug of `text` (diacritics folded); a hash when nothing is left.

    Example:
        >>> slug("Recep Tayyip Erdoğan")
        'recep-tayyip-erdogan'
    """
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    out = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:limit].strip("-")
    return out or "h" + digest(text)
