"""Streamed CSV and XLSX downloads shared by every app: rows are written as they are read,
so 40,000 rows never sit in memory as one list, and text a spreadsheet would run as a
formula is written as plain text."""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.http import content_disposition_header

from .xlsx import Workbook

CHUNK_SIZE = 2000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    """One sheet of an export: a title, a header row and the rows (possibly a generator)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]


def _safe(value):
    """Text that a spreadsheet would run as a formula is written as text (CSV injection).
    Translatable labels (lazy strings) are written in the requester's language."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _safe(value)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_response(
    table: Table, *, filename: str, on_done: Callable[[int], None]
) -> StreamingHttpResponse:
    """Stream `table` as CSV (UTF-8 with BOM, so spreadsheets read the accents);
    `on_done(rows)` runs once the last row is sent (or the client went away)."""
    writer = csv.writer(_Echo())
    # The rows are read while the response streams: in the language of the request.
    language = translation.get_language()

    def lines() -> Iterator[str]:
        count = 0
        with translation.override(language):
            try:
                yield "\ufeff" + writer.writerow([_safe(h) for h in table.header])
                for row in table.rows:
                    yield writer.writerow([_csv_value(v) for v in row])
                    count += 1
            finally:
                on_done(count)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def xlsx_response(tables: Iterable[Table], *, filename: str) -> tuple[FileResponse, int]:
    """Write `tables` one sheet each into a write-only workbook spooled to a temporary file,
    and send the file; returns the response and the number of data rows written."""
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook = Workbook(spool)
    count = 0
    for table in tables:
        rows = workbook.add_sheet(
            str(table.title),
            chain(
                [[_safe(h) for h in table.header]], ([_safe(v) for v in row] for row in table.rows)
            ),
        )
        count += rows - 1
    workbook.close()
    spool.seek(0)
    response = FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return response, count
