"""Ingest stage: split an article into sentences that keep their character offsets."""
from __future__ import annotations

import re

from kg.model import Sentence

# A sentence ends at . ! ? (optionally followed by a closing quote) before whitespace and
# an opening capital, digit or quote; a line break always ends one. Single capitals and
# common abbreviations before the dot do not end a sentence. Scraped text often drops the
# space after a full stop ("lalu.Beberapa"): a lower-case word, a stop and a capitalised
# word is a boundary too.
_END = re.compile(r"(?<=[.!?])[\"'”’)]*[ \t]+(?=[\"'“‘(]?[A-Z0-9])|(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])|\n+")
_NO_BREAK = re.compile(r"(\b[A-Z]|\b(?:Jl|No|Dr|Prof|Sdr|Bpk|dll|dsb|St|Mr|Mrs|Ms|Jr|Gen|Kol|Letjen|Mayjen|Brigjen|H)\.)$")


def split_sentences(article_id: str, text: str) -> list[Sentence]:
    """Split `text` into sentences; offsets index `text`, empty pieces are dropped.

    Example:
        >>> [s.text for s in split_sentences("a", "Rusia menyerang. Armenia membalas.")]
        ['Rusia menyerang.', 'Armenia membalas.']
    """
    pieces: list[tuple[int, int]] = []
    pos = 0
    for m in _END.finditer(text):
        if m.group().startswith("\n") or not _NO_BREAK.search(text[pos:m.start()]):
            pieces.append((pos, m.start()))
            pos = m.end()
    pieces.append((pos, len(text)))
    out: list[Sentence] = []
    for start, end in pieces:
        seg = text[start:end]
        lead = len(seg) - len(seg.lstrip())
        seg = seg.strip()
        if seg:
            out.append(Sentence(article_id, len(out), start + lead, start + lead + len(seg), seg))
    return out
