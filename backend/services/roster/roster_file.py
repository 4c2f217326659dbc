"""Reading a roster file as a stream: its digest, its encoding (UTF-8 or GB18030), its records one by one.

Memory stays bounded whatever the file's size: the digest reads fixed-size blocks, the encoding is
told from the first block, and records come from the csv module one at a time.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

BLOCK = 1 << 16
ENCODINGS = ("utf-8", "gb18030")  # what a file may be declared as; utf-8 also takes a byte-order mark
_ALIASES = {"utf8": "utf-8", "utf-8": "utf-8", "utf-8-sig": "utf-8", "gb18030": "gb18030", "gbk": "gb18030",
            "gb2312": "gb18030"}  # GB18030 is a superset of GBK and GB2312


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def normalize_encoding(name: str) -> str | None:
    """The encoding a file is declared in, as this reader names it; None for one it does not take."""
    return _ALIASES.get(name.strip().lower().replace("_", "-"))


def detect_encoding(path: Path) -> str:
    """UTF-8 when the first block decodes as UTF-8 (a character cut at the block's end is fine), else GB18030."""
    with path.open("rb") as f:
        head = f.read(BLOCK)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def count_records(path: Path) -> int:
    """About how many data rows the file has, read fast before validation for its progress: lines that
    are not blank, less the header. A quoted field that spans lines makes it an overestimate."""
    lines = blank = 0
    last = b"\n"
    with path.open("rb") as f:
        while block := f.read(BLOCK):
            lines += block.count(b"\n")
            blank += block.count(b"\n\n") + block.count(b"\n\r\n")
            if last == b"\n" and block[:1] in (b"\n", b"\r"):
                blank += 1
            last = block[-1:]
    if last not in (b"\n", b""):
        lines += 1  # a last line without its line end
    return max(lines - blank - 1, 0)


class Records:
    """(record number, fields) of a file, the header being record 1; blank lines are skipped but counted.
    `bytes_read` says how far into the file reading has come (for a progress bar).

    A byte sequence the encoding cannot decode raises UnicodeDecodeError at the record where it sits.
    """

    def __init__(self, path: Path, encoding: str) -> None:
        self.path = path
        self.encoding = "utf-8-sig" if encoding == "utf-8" else encoding
        self.size = path.stat().st_size
        self._binary = None

    @property
    def bytes_read(self) -> int:
        return self._binary.tell() if self._binary is not None and not self._binary.closed else self.size

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        with self.path.open("rb") as binary:
            self._binary = binary
            text = io.TextIOWrapper(binary, encoding=self.encoding, newline="")
            for number, fields in enumerate(csv.reader(text), start=1):
                if fields and any(fields):
                    yield number, fields
            text.detach()
