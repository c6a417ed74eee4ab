"""Opening the engine's input files: plain or gzip, UTF-8 or UTF-16 with a BOM.

Every way a file can fail to read becomes one :class:`EngineInputError` naming
the file, never a traceback: a missing file, a damaged gzip stream, text that
is not UTF-8, a line far longer than any record.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from .errors import EngineInputError

GZIP_MAGIC = b"\x1f\x8b"
# The longest line a record may have (csv's own field limit): a longer one is
# not a time-series row, and reading it whole could take all the memory.
MAX_LINE_CHARS = 131_072
# A datasheet file is read whole: one object, or an array about five times as large as
# the whole KEYMARK population (26,485 datasheets, 13 MB of JSON).
MAX_JSON_CHARS = 64 * 1024 * 1024


def _encoding(head: bytes) -> str:
    """UTF-16 where a byte-order mark says so (Excel's "Unicode text"), else UTF-8 (its BOM dropped)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


@contextmanager
def open_text(path: Path | str, field: str = "file", verb: str = "open") -> Iterator[TextIO]:
    """The file as text, gunzipped when it starts with the gzip magic bytes (whatever its name)."""
    try:
        file = Path(path).open("rb")  # noqa: SIM115 (closed in the finally below)
    except OSError as err:
        raise EngineInputError(field, f"cannot {verb} {path}: {err.strerror}") from None
    raw = file
    try:
        if raw.peek(2)[:2] == GZIP_MAGIC:
            raw = io.BufferedReader(gzip.GzipFile(fileobj=file, mode="rb"))
        handle = io.TextIOWrapper(raw, encoding=_encoding(raw.peek(4)[:4]), newline="")
        try:
            yield handle
        except UnicodeDecodeError as err:
            byte = err.object[err.start : err.start + 1].hex()
            raise EngineInputError(
                field, f"{path} is not UTF-8 text (byte 0x{byte}): save it as UTF-8 (CSV UTF-8 in Excel)"
            ) from None
        except (gzip.BadGzipFile, EOFError, zlib.error) as err:
            raise EngineInputError(field, f"{path} is a damaged gzip file ({err or 'it ends too early'})") from None
        except OSError as err:
            raise EngineInputError(field, f"cannot read {path}: {err.strerror or err}") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:  # raised by the first peek into the gzip stream
        raise EngineInputError(field, f"{path} is a damaged gzip file ({err or 'it ends too early'})") from None
    finally:
        raw.close()
        file.close()  # a GzipFile leaves the file it reads open


def bounded_lines(handle: TextIO, path: Path | str, field: str = "file") -> Iterator[str]:
    """The lines of ``handle``, refusing one longer than :data:`MAX_LINE_CHARS` before it fills memory."""
    number = 0
    while line := handle.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise EngineInputError(
                field, f"{path}: line {number} is longer than {MAX_LINE_CHARS:,} characters (not a record)"
            )
        yield line


def read_json_text(path: Path | str) -> str:
    """A JSON file's text, refused past :data:`MAX_JSON_CHARS`."""
    with open_text(path, verb="read") as handle:
        text = handle.read(MAX_JSON_CHARS + 1)
    if len(text) > MAX_JSON_CHARS:
        raise EngineInputError("file", f"{path} is larger than {MAX_JSON_CHARS // 2**20} MiB of text")
    return text
