"""Ingest stage: bytes on disk -> `Article` (decode, header, title, publication date).

CONTRACT section 1: one article per text file, optional `key: value` header ended by the
first blank line, the article id is the file stem. An article that cannot be used raises
`ArticleError`; text in another encoding is decoded with a note (contract section 2).
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

from kg.annotate.dates import DateRules, find_dateline, parse_iso_date
from kg.errors import ArticleError
from kg.model import Article

MAX_BYTES = 20 * 1024 * 1024
HEADER_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_-]{0,30})\s*:\s?(.*)$")
KNOWN_KEYS = ("url", "published", "outlet", "title", "lang")
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u3000"), " ")
HTML_HINT = re.compile(r"<(html|body|p|div|script|head)\b", re.I)


def decode_bytes(data: bytes, path: str) -> tuple[str, list[str]]:
    """Decode article bytes: UTF-8 (with or without BOM), else Windows-1252, else Latin-1.

    Raises:
        ArticleError: empty or binary content.
    """
    notes: list[str] = []
    if not data.strip():
        raise ArticleError(path, "empty file")
    sample = data[:4096]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) * 0.05:
        raise ArticleError(path, "binary content, not text")
    try:
        text = data.decode("utf-8-sig")
        if data.startswith(b"\xef\xbb\xbf"):
            notes.append("UTF-8 byte-order mark removed")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
            notes.append("not UTF-8: decoded as Windows-1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            notes.append("not UTF-8: decoded as Latin-1")
    return text, notes


class _TextOnly(HTMLParser):
    """Collects the visible text of an HTML page, one block per line."""

    SKIP = {"script", "style", "noscript", "template", "head"}
    BLOCK = {"p", "div", "br", "h1", "h2", "h3", "h4", "li", "title", "tr", "section", "article"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:  # noqa: D102
        if tag in self.SKIP:
            self.skip += 1
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:  # noqa: D102
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:  # noqa: D102
        if not self.skip:
            self.parts.append(data)


def strip_html(text: str) -> str:
    """Return the visible text of an HTML page (scripts and styles dropped)."""
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    body = html.unescape("".join(parser.parts))
    body = re.sub(r"[ \t]+", " ", body)
    return re.sub(r"\n\s*\n+", "\n\n", body).strip() + "\n"


def normalise_text(text: str) -> str:
    """Line endings to LF, zero-width characters dropped, exotic spaces to plain spaces."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(ZERO_WIDTH).translate(SPACES)


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Split an optional `key: value` header block (ended by a blank line) from the body."""
    lines = text.split("\n")
    meta: dict[str, str] = {}
    for i, line in enumerate(lines):
        if not line.strip():
            if meta and i > 0:
                return meta, "\n".join(lines[i + 1:])
            return {}, text
        m = HEADER_KEY.match(line.strip())
        if not m or (i == 0 and m.group(1).lower() not in KNOWN_KEYS):
            return {}, text
        meta[m.group(1).lower()] = m.group(2).strip()
    return {}, text


def read_article(path: Path, date_rules: DateRules, published: str | None = None) -> Article:
    """Read one article file.

    Args:
        path: the `.txt` file; its stem is the article id.
        date_rules: compiled date rules (for the dateline).
        published: publication date from a metadata file, used when the header has none.

    Raises:
        ArticleError: unreadable, empty, binary or too large.
    """
    name = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ArticleError(name, f"larger than {MAX_BYTES // (1024 * 1024)} MB; split it")
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(name, f"cannot read: {exc.strerror or exc}") from None
    text, notes = decode_bytes(data, name)
    text = normalise_text(text)
    if HTML_HINT.search(text[:2000]):
        text = strip_html(text)
        notes.append("HTML markup stripped")
    meta, body = split_header(text)
    if not body.strip():
        raise ArticleError(name, "no text after the header")
    title = meta.get("title") or next(line.strip() for line in body.split("\n") if line.strip())
    pub = None
    raw_pub = meta.get("published") or published
    if raw_pub and raw_pub.lower() != "unknown":
        pub = parse_iso_date(raw_pub)
        if pub is None:
            notes.append(f"published {raw_pub!r} is not YYYY-MM-DD or YYYY-MM: ignored")
    if pub is None and not (raw_pub and raw_pub.lower() == "unknown"):
        line = find_dateline(body, date_rules)
        if line is not None:
            pub = line.value
    extra = tuple(sorted((k, v) for k, v in meta.items() if k not in KNOWN_KEYS))
    return Article(
        id=path.stem, text=body, title=title, url=meta.get("url", ""),
        outlet=meta.get("outlet", ""), published=pub, source_path=name, meta=extra,
        notes=tuple(notes),
    )
