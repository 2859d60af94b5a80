"""Ingest stage: bytes on disk -> `Article` (decode, header, title, publication date).

CONTRACT section 1: one article per text file, optional `key: value` header ended by the
first blank line, the article id is the file stem. An article that cannot be used raises
`ArticleError` with a one-line reason; text in another encoding is decoded with a note
(contract section 2). Nothing here ever executes or interprets the text: markup is only
stripped, never rendered.
"""
from __future__ import annotations

import codecs
import errno
import html
import os
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

from kg.annotate.dates import DateRules, find_dateline, parse_iso_date
from kg.errors import ArticleError
from kg.model import Article, DateValue

MAX_BYTES = 20 * 1024 * 1024
HEADER_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_-]{0,30})\s*:\s?(.*)$")
KNOWN_KEYS = ("url", "published", "outlet", "title", "lang")
# Invisible characters: zero-width spaces and joiners, BOM, soft hyphen, bidi controls.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e" \
            "\u2066\u2067\u2068\u2069"
ZERO_WIDTH = dict.fromkeys(map(ord, INVISIBLE), None)
SPACES = {**dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u3000\u205f"), " "),
          **dict.fromkeys(range(0x2000, 0x200B), " "),
          **dict.fromkeys(map(ord, "\u2028\u2029\x85"), "\n")}
# A page, not an article that happens to quote a tag: a document tag, or several block tags.
HTML_PAGE = re.compile(r"<!doctype\s+html|<(?:html|head|body)[\s>]", re.IGNORECASE)
HTML_BLOCK = re.compile(r"</?(?:p|div|br|span|a|li|ul|ol|h[1-6]|table|tr|td|article|section|meta)"
                        r"(?:\s[^<>]*)?/?>", re.IGNORECASE)
DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_OS_REASONS = {errno.ELOOP: "symbolic link loop", errno.EACCES: "permission denied",
               errno.EPERM: "permission denied", errno.EISDIR: "is a directory"}


def _looks_binary(sample: bytes) -> bool:
    return b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) * 0.05


def _decode_utf16(data: bytes, notes: list[str]) -> str | None:
    """UTF-16 text (Windows "Unicode"): by its byte-order mark, or by its zero bytes."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            body, how = data[2:], "with byte-order mark"
            break
    else:
        sample = data[:4096]
        even, odd = sample[0::2], sample[1::2]
        if len(sample) < 8 or len(sample) % 2:
            return None
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            codec = "utf-16-le"
        elif even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            codec = "utf-16-be"
        else:
            return None
        body, how = data, "without byte-order mark"
    try:
        text = body.decode(codec)
    except UnicodeDecodeError:
        return None
    head = text[:2048]
    if sum(c < " " and c not in "\t\n\r\f" for c in head) > 0.05 * len(head):
        return None  # zero bytes in a pattern, but not text: the binary check names it
    notes.append(f"decoded as {codec.upper()} ({how}); save as UTF-8")
    return text


def _decode_lines(data: bytes, notes: list[str]) -> str:
    """UTF-8 line by line; a line that is not UTF-8 is read as Windows-1252 (else Latin-1)."""
    out: list[str] = []
    used: dict[str, int] = {}
    utf8_non_ascii = 0
    for line in data.splitlines(keepends=True):
        try:
            out.append(line.decode("utf-8"))
            utf8_non_ascii += not line.isascii()
            continue
        except UnicodeDecodeError:
            pass
        try:
            out.append(line.decode("cp1252"))
            used["Windows-1252"] = used.get("Windows-1252", 0) + 1
        except UnicodeDecodeError:
            out.append(line.decode("latin-1"))
            used["Latin-1"] = used.get("Latin-1", 0) + 1
    names = " and ".join(sorted(used))
    if utf8_non_ascii:
        notes.append(f"mixed encodings: {sum(used.values())} line(s) not UTF-8, read as {names}")
    else:
        notes.append(f"not UTF-8: decoded as {names}")
    return "".join(out)


def decode_bytes(data: bytes, path: str) -> tuple[str, list[str]]:
    """Decode article bytes: UTF-8 (with or without BOM), UTF-16, else Windows-1252 or
    Latin-1 line by line (a file mixing UTF-8 and Windows-1252 lines keeps both right).

    Raises:
        ArticleError: empty or binary content.
    """
    notes: list[str] = []
    if not data.strip():
        raise ArticleError(path, "empty file")
    text = _decode_utf16(data, notes)
    if text is not None:
        return text, notes
    if _looks_binary(data[:4096]):
        raise ArticleError(path, "binary content, not text (is it a PDF, image or archive?)")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
        notes.append("UTF-8 byte-order mark removed")
    try:
        return data.decode("utf-8"), notes
    except UnicodeDecodeError:
        return _decode_lines(data, notes), notes


class _TextOnly(HTMLParser):
    """Collects the visible text of an HTML page, one block per line."""

    SKIP = frozenset({"script", "style", "noscript", "template", "head"})
    BLOCK = frozenset({"p", "div", "br", "h1", "h2", "h3", "h4", "li", "title", "tr", "section",
                       "article"})

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


def is_html(text: str) -> bool:
    """True for an HTML page or fragment saved as text (a document tag, or three or more
    block tags near the top). An article that merely quotes a `<script>` stays text: it
    is escaped where it leaves Python, never stripped here."""
    head = text[:20000]
    return bool(HTML_PAGE.search(head)) or len(HTML_BLOCK.findall(head)) >= 3


def strip_html(text: str) -> str:
    """Return the visible text of an HTML page (scripts and styles dropped)."""
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    body = html.unescape("".join(parser.parts))
    body = normalise_text(body)
    body = re.sub(r"[ \t]+", " ", body)
    return re.sub(r"\n\s*\n+", "\n\n", body).strip() + "\n"


def normalise_text(text: str) -> str:
    """Line endings to LF; invisible characters (zero-width, soft hyphen, bidi controls)
    dropped; exotic spaces to plain spaces; Unicode line separators to LF."""
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


def article_id(path: Path) -> str:
    """The article id of a file: its stem. A file name that is not UTF-8 (bytes the
    file system could not decode) is read as Windows-1252, so the id is always text."""
    stem = path.stem
    try:
        stem.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(stem)
        try:
            stem = raw.decode("cp1252")
        except UnicodeDecodeError:
            stem = raw.decode("latin-1")
    return stem


def _read_bytes(path: Path, name: str) -> bytes:
    """The file's bytes, refusing what is not a regular file, unreadable or too large."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a named pipe"
                    if stat.S_ISFIFO(st.st_mode) else "a device or socket")
            raise ArticleError(name, f"not a regular file ({kind}); cannot read it as an article")
        if st.st_size > MAX_BYTES:
            raise ArticleError(name, f"{st.st_size / 2**20:.0f} MB, over the "
                                     f"{MAX_BYTES // 2**20} MB limit for one article; split it")
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = _OS_REASONS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
        if exc.errno == errno.ENOENT and path.is_symlink():
            reason = "broken symbolic link (its target does not exist)"
        raise ArticleError(name, f"cannot read: {reason}") from None
    if len(data) > MAX_BYTES:
        raise ArticleError(name, f"over the {MAX_BYTES // 2**20} MB limit for one article; "
                                 "split it")
    return data


def _parse_header_date(value: str) -> DateValue | None:
    """A header date: ISO (`2020-11-21`, `2020-11`, `2020`), or day-first `21/11/2020`."""
    pub = parse_iso_date(value)
    m = DAY_FIRST.fullmatch(value.strip())
    if pub is None and m:
        pub = parse_iso_date(f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}")
    return pub


def _publication_date(header: str | None, published: str | None, body: str,
                      date_rules: DateRules, notes: list[str]) -> DateValue | None:
    """Header date, else the metadata file's, else a dateline; `unknown` stops the search."""
    for source, raw in (("header", header), ("metadata", published)):
        if not raw:
            continue
        if raw.strip().lower() == "unknown":
            return None
        pub = _parse_header_date(raw)
        if pub is not None:
            if parse_iso_date(raw) is None:
                notes.append(f"{source} published: {raw!r} read day-first as {pub.edtf}")
            return pub
        notes.append(f"{source} published: {raw!r} is not a date "
                     "(YYYY-MM-DD, YYYY-MM or unknown): ignored")
    line = find_dateline(body, date_rules)
    return line.value if line is not None else None


def read_article(path: Path, date_rules: DateRules, published: str | None = None) -> Article:
    """Read one article file.

    Args:
        path: the `.txt` file; its stem is the article id.
        date_rules: compiled date rules (for the dateline).
        published: publication date from a metadata file, used when the header has none
            (or an invalid one).

    Raises:
        ArticleError: unreadable, not a regular file, empty, binary, too large, or an
            HTML page or header with no text.
    """
    name = str(path)
    text, notes = decode_bytes(_read_bytes(path, name), name)
    if "\r" in text:
        notes.append("CR/CRLF line endings converted to LF")
    invisible = sum(map(text.count, INVISIBLE))
    text = normalise_text(text)
    if not text.strip():
        raise ArticleError(name, "empty file (only whitespace)")
    if is_html(text):
        text = strip_html(text)
        if not text.strip():
            raise ArticleError(name, "HTML page with no visible text")
        notes.append("HTML markup stripped (saved web page)")
    if invisible:
        notes.append(f"{invisible} invisible character(s) removed (zero-width, soft hyphen, bidi)")
    meta, body = split_header(text)
    if not body.strip():
        raise ArticleError(name, "no text after the header")
    title = meta.get("title") or next(line.strip() for line in body.split("\n") if line.strip())
    pub = _publication_date(meta.get("published"), published, body, date_rules, notes)
    aid = article_id(path)
    if aid != path.stem:
        notes.append(f"file name is not UTF-8: article id read as {aid!r}; rename the file")
    extra = tuple(sorted((k, v) for k, v in meta.items() if k not in KNOWN_KEYS))
    return Article(
        id=aid, text=body, title=title, url=meta.get("url", ""),
        outlet=meta.get("outlet", ""), published=pub, source_path=name, meta=extra,
        notes=tuple(notes),
    )
