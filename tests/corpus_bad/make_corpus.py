"""Write the bad-input corpus into a directory (issue 5): what scrapers really produce.

Small text fixtures live beside this script as real files; what is binary, huge, or a
file-system oddity (pipes, symlink loops, names that are not UTF-8) is made here, in a
temporary directory, so nothing large or strange is committed.

    python tests/corpus_bad/make_corpus.py /tmp/bad     # then: kg build seeds /tmp/bad

`make_corpus` returns, per file name, an `Expect`: what `kg build` must do with the
file and which words its one-line message holds:

- ``skipped``: not built; stderr line ``skipped PATH: REASON``;
- ``note``: built, with a note ``note PATH: REASON`` (encoding, HTML, header date);
- ``built``: built, nothing to say (ordinary typography such as curly quotes);
- ``ignored``: not an article (``note PATH: not a .txt file: ignored``).

Every text here is the team's own Indonesian, about invented events of 2019 (no seed
sentence, no date a seed article reports, so nothing merges with the seeds' facts).
"""
from __future__ import annotations

import os
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
HUGE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Expect:
    """What the build must do with one file."""

    outcome: str  # skipped | note | built | ignored
    reason: str = ""  # words the one-line message must hold
    article: str | None = None  # article id expected in the graph (built / note)


# Three clean articles; the variants below must give exactly the graph of these.
TALKS = """\
title: Pembicaraan di Jenewa berakhir tanpa kesepakatan
published: 2019-04-16
outlet: Kabar Contoh

JENEWA – Menteri Luar Negeri Armenia bertemu Menteri Luar Negeri Azerbaijan di Jenewa pada Senin (15/4/2019).
Pertemuan itu ditengahi oleh OSCE Minsk Group dan berlangsung di Hotel Élysée selama empat jam.
“Kami sepakat untuk melanjutkan dialog,” kata juru bicara kementerian kepada wartawan.
Sedikitnya 12 orang tewas dalam bentrokan di perbatasan sepekan sebelumnya.
"""

CALL = """\
title: Erdoğan dan Putin berbicara lewat telepon
published: 2019-05-10

ANKARA - Presiden Turki Recep Tayyip Erdoğan berbicara melalui telepon dengan Presiden Rusia Vladimir Putin pada Kamis (9/5/2019).
Kedua pemimpin membahas situasi di Suriah, menurut kantor kepresidenan Turki.
Sekitar 3.000 orang mengungsi dari desa-desa di perbatasan, kata pejabat setempat.
Erdoğan juga menuduh kelompok bersenjata menyerang pos militer Turki.
"""

VISIT = """\
title: Lavrov mengunjungi Yerevan
published: 2019-06-20

YEREVAN - Menteri Luar Negeri Rusia Sergey Lavrov tiba di Yerevan pada Rabu (19/6/2019) untuk kunjungan dua hari.
Ia bertemu Perdana Menteri Armenia Nikol Pashinyan dan membahas kerja sama ekonomi.
Moskow menyatakan siap mengirim bantuan kemanusiaan ke wilayah perbatasan.
"""


def _crlf(t: str) -> bytes:
    return t.replace("\n", "\r\n").encode("utf-8")


def _invisible(t: str) -> bytes:
    t = t.replace("Vladimir Putin", "Vladimir\u00a0Putin").replace("Putin", "Pu\u200btin")
    t = t.replace("Turki", "Tur\u00adki").replace(" dengan ", "\u00a0dengan\u2009")
    return t.replace("Kedua", "\u2060Kedua\u200d").encode("utf-8")


def _mixed(t: str) -> bytes:
    lines = t.splitlines(keepends=True)  # one line in Windows-1252, the rest UTF-8
    return b"".join(x.encode("cp1252") if "“" in x else x.encode("utf-8") for x in lines)


# Readable variants: file name -> (clean text, bytes on disk, the note's words).
VARIANTS: dict[str, tuple[str, bytes, str]] = {
    "cp1252_article.txt": (TALKS, TALKS.encode("cp1252"), "decoded as Windows-1252"),
    "latin1_article.txt": (VISIT.replace("Yerevan", "Érévan"),
                           VISIT.replace("Yerevan", "Érévan").encode("latin-1"), "not UTF-8"),
    "utf8_bom.txt": (CALL, b"\xef\xbb\xbf" + CALL.encode("utf-8"), "byte-order mark removed"),
    "crlf_endings.txt": (VISIT, _crlf(VISIT), "line endings converted"),
    "invisible_spaces.txt": (CALL, _invisible(CALL), "invisible character(s) removed"),
    "utf16le_bom.txt": (CALL, CALL.encode("utf-16"), "UTF-16"),
    "utf16be_bom.txt": (VISIT, b"\xfe\xff" + VISIT.encode("utf-16-be"), "UTF-16-BE"),
    "utf16le_nobom.txt": (TALKS, TALKS.encode("utf-16-le"), "without byte-order mark"),
    "mixed_encoding.txt": (TALKS, _mixed(TALKS), "mixed encodings"),
}
# A name that is not UTF-8 (bytes from a Windows-1252 scraper): built as 'berita_café'.
NON_UTF8_NAME = b"berita_caf\xe9.txt"

STATIC = {  # real files beside this script
    "injection.txt": Expect("built", article="injection"),
    "html_page.txt": Expect("note", "HTML markup stripped", "html_page"),
    "malformed_header.txt": Expect("note", "'31/13/2020' is not a date", "malformed_header"),
    "day_first_header.txt": Expect("note", "read day-first as 2019-08-21", "day_first_header"),
    "curly_quotes.txt": Expect("built", article="curly_quotes"),
    "header_only.txt": Expect("skipped", "no text after the header"),
    "catatan.md": Expect("ignored", "not a .txt file"),
    "README.md": Expect("ignored", "not a .txt file"),
}


def _write_generated(target: Path, rng: random.Random, huge: bool) -> dict[str, Expect]:
    """Binary, empty and large files, and the readable variants."""
    out: dict[str, Expect] = {}
    skipped = {
        "empty.txt": (b"", "empty file"),
        "blank.txt": (b"  \n\t\n   \r\n", "empty file"),
        "invisible_only.txt": ("\ufeff\u00a0\u200b \n\u3000\n".encode(), "only whitespace"),
        "binary.txt": (bytes(rng.randrange(256) for _ in range(4096)), "binary content"),
        "png_saved_as.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(2048),
                             "binary content"),
        "pdf_saved_as.txt": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 2048 >>\nstream\n"
                             + rng.randbytes(2048), "binary content"),
        "html_scripts_only.txt": ((b"<!DOCTYPE html><html><head><script>var x = 1;</script></head>"
                                   b"<body><script>document.write('iklan')</script></body></html>"),
                                  "HTML page with no visible text"),
        # ids differing only in case are different articles (CONTRACT: the id is the stem)
        "Ganda.txt": (b"\x00\x01\x02\x03 bukan teks", "binary content"),
    }
    for name, (data, reason) in skipped.items():
        (target / name).write_bytes(data)
        out[name] = Expect("skipped", reason)
    (target / "ganda.txt").write_text(VISIT.replace("Rabu", "Selasa"), encoding="utf-8")
    out["ganda.txt"] = Expect("built", article="ganda")
    # ids differing only in case are two articles with two IRIs, both built
    (target / "Duplikat.txt").write_text(CALL, encoding="utf-8")
    out["Duplikat.txt"] = Expect("built", article="Duplikat")
    (target / "duplikat.txt").write_text(CALL, encoding="utf-8")
    out["duplikat.txt"] = Expect("built", article="duplikat")
    for name, (_clean, data, reason) in VARIANTS.items():
        (target / name).write_bytes(data)
        out[name] = Expect("note", reason, name[:-4])
    with open(os.path.join(os.fsencode(target), NON_UTF8_NAME), "wb") as fh:
        fh.write(VISIT.encode("utf-8"))
    out[os.fsdecode(NON_UTF8_NAME)] = Expect("note", "file name is not UTF-8", "berita_café")
    if huge:
        line = ("Paragraf panjang untuk menguji batas ukuran berkas. " * 16 + "\n").encode()
        with (target / "huge.txt").open("wb") as fh:
            for _ in range(HUGE_BYTES // len(line) + 1):
                fh.write(line)
        out["huge.txt"] = Expect("skipped", "over the 20 MB limit")
    return out


def _write_fs_oddities(target: Path) -> dict[str, Expect]:
    """Directories, pipes, symlink loops, dangling links, other suffixes, unreadable."""
    out: dict[str, Expect] = {}
    (target / "unreadable_dir.txt").mkdir()
    (target / "unreadable_dir.txt" / "isi.txt").write_text("isi\n", encoding="utf-8")
    out["unreadable_dir.txt"] = Expect("skipped", "not a regular file (a directory)")
    if hasattr(os, "mkfifo"):
        os.mkfifo(target / "pipa.txt")
        out["pipa.txt"] = Expect("skipped", "not a regular file (a named pipe)")
    os.symlink("loop_b.txt", target / "loop_a.txt")
    os.symlink("loop_a.txt", target / "loop_b.txt")
    os.symlink("self_loop.txt", target / "self_loop.txt")
    os.symlink(".", target / "loop_dir")
    os.symlink("missing_target.txt", target / "dangling.txt")
    for name in ("loop_a.txt", "loop_b.txt", "self_loop.txt"):
        out[name] = Expect("skipped", "symbolic link loop")
    out["dangling.txt"] = Expect("skipped", "broken symbolic link")
    out["loop_dir"] = Expect("ignored", "subdirectory not read")
    (target / "arsip").mkdir()
    (target / "arsip" / "lama.txt").write_text(TALKS, encoding="utf-8")
    out["arsip"] = Expect("ignored", "subdirectory not read")
    for name, data in {"ARTIKEL.TXT": TALKS.encode(), "gambar.png": b"\x89PNG\r\n\x1a\n",
                       "data.csv": b"id,judul\n1,x\n", "tanpa_akhiran": b"teks\n"}.items():
        (target / name).write_bytes(data)
        out[name] = Expect("ignored", "not a .txt file")
    locked = target / "terkunci.txt"
    locked.write_text(VISIT.replace("Rabu", "Kamis"), encoding="utf-8")
    locked.chmod(0)
    # as root, chmod 000 does not stop reading: then the file is simply built
    out["terkunci.txt"] = (Expect("skipped", "permission denied") if not os.access(locked, os.R_OK)
                           else Expect("built", article="terkunci"))
    return out


def make_corpus(target: Path, huge: bool = True) -> dict[str, Expect]:
    """Write every bad input into `target`; return what the build must do with each."""
    target.mkdir(parents=True, exist_ok=True)
    expect = dict(STATIC)
    for name in STATIC:
        shutil.copyfile(HERE / name, target / name)
    expect.update(_write_generated(target, random.Random(5), huge))
    expect.update(_write_fs_oddities(target))
    return expect


def write_clean(target: Path) -> None:
    """The clean UTF-8 version of every readable variant, under the same file names."""
    target.mkdir(parents=True, exist_ok=True)
    for name, (clean, _data, _reason) in VARIANTS.items():
        (target / name).write_text(clean, encoding="utf-8")
    (target / "berita_café.txt").write_text(VISIT, encoding="utf-8")


if __name__ == "__main__":
    for name, exp in sorted(make_corpus(Path(sys.argv[1])).items()):
        print(f"{exp.outcome:8} {name}: {exp.reason}")
