"""A write-only XLSX writer for plain tables: each row becomes a line of SpreadsheetML text
that goes straight into the zip entry of its sheet, with no object per cell.

openpyxl's write-only workbook builds a cell object and an XML element per cell: at 40,000
rows of 14 columns that was most of the people list's export time (issue 14). The file this
writes holds what openpyxl's did: text as inline strings (`xml:space="preserve"` when it has
outer blanks), numbers and booleans as numbers and booleans, dates and naive datetimes as
serial numbers formatted `yyyy-mm-dd` and `yyyy-mm-dd h:mm:ss`, no cell for None. Text longer
than a cell holds (32,767 characters) is cut, as openpyxl does; the control characters XML
cannot carry are left out, where openpyxl refused the whole file.
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO

MAX_TEXT = 32767
MAX_TITLE = 31
_ROWS_PER_WRITE = 500
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
_TITLE_ILLEGAL = re.compile(r"[\\*?:/\[\]]")
_EPOCH = datetime.datetime(1899, 12, 30)
# cellXfs of STYLES: 0 general, 1 date, 2 date and time.
_DATE_STYLE, _DATETIME_STYLE = 1, 2

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

STYLES = (
    f'{_DECLARATION}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _escape(text: str) -> str:
    # A carriage return written as itself would be read back as a line feed.
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _text(value: str) -> str:
    value = _ILLEGAL.sub("", value[:MAX_TEXT])
    if not value:
        return ""
    if value != value.strip():
        return f'<is><t xml:space="preserve">{_escape(value)}</t></is>'
    return f"<is><t>{_escape(value)}</t></is>"


def _serial(value: datetime.datetime) -> float:
    days = (value - _EPOCH).total_seconds() / 86400
    # Excel counts 29 February 1900, which did not exist.
    return days - 1 if 0 < days < 61 else days


def _number(value: float) -> str:
    return "" if math.isnan(value) or math.isinf(value) else "%.16g" % value  # noqa: UP031 - as openpyxl


def _cell(ref: str, value) -> str:
    kind = type(value)
    if kind is str:
        return f'<c r="{ref}" t="inlineStr">{_text(value)}</c>'
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind is int:
        return f'<c r="{ref}" t="n"><v>{value}</v></c>'
    if kind is datetime.date:
        serial = _serial(datetime.datetime(value.year, value.month, value.day))
        return f'<c r="{ref}" s="{_DATE_STYLE}" t="n"><v>{int(serial)}</v></c>'
    if kind is datetime.datetime:
        if value.tzinfo is not None:
            raise TypeError("Excel has no time zones: convert datetimes to local, naive ones.")
        return f'<c r="{ref}" s="{_DATETIME_STYLE}" t="n"><v>{_number(_serial(value))}</v></c>'
    if isinstance(value, float | decimal.Decimal | int):
        return f'<c r="{ref}" t="n"><v>{_number(value)}</v></c>'
    if isinstance(value, str):
        return _cell(ref, str.__str__(value))  # a subclass's __str__ may return itself
    raise TypeError(f"Cannot write {value!r} to a spreadsheet.")


def column_letter(index: int) -> str:
    """The letters of the 1-based column `index` (1 → A, 27 → AA)."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _row(number: int, values: Sequence, columns: list[str]) -> str:
    while len(columns) < len(values):
        columns.append(column_letter(len(columns) + 1))
    cells = "".join(
        _cell(f"{column}{number}", value)
        for column, value in zip(columns, values, strict=False)
        if value is not None
    )
    return f'<row r="{number}">{cells}</row>'


def sheet_title(title: str, taken: set[str]) -> str:
    """`title` as a sheet may be named: without the characters Excel refuses, at most 31
    characters, and told apart from the titles already `taken` by a number."""
    base = _TITLE_ILLEGAL.sub("-", title)[:MAX_TITLE] or "Sheet"
    name, n = base, 1
    while name.lower() in taken:
        suffix = str(n)
        name, n = base[: MAX_TITLE - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


class Workbook:
    """An XLSX package written into `file` sheet by sheet: `add_sheet(title, rows)` writes
    every row of a sheet before it returns, `close()` writes the workbook part."""

    def __init__(self, file: IO[bytes]):
        self._zip = zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED)
        self._titles: list[str] = []
        self._taken: set[str] = set()

    def add_sheet(self, title: str, rows: Iterable[Sequence]) -> int:
        """Write a sheet of `rows` (sequences of cell values); returns how many it wrote."""
        self._titles.append(sheet_title(title, self._taken))
        path = f"xl/worksheets/sheet{len(self._titles)}.xml"
        count = 0
        columns: list[str] = []
        with self._zip.open(path, "w") as part:
            part.write(f'{_DECLARATION}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            lines: list[str] = []
            for count, values in enumerate(rows, 1):
                lines.append(_row(count, values, columns))
                if len(lines) == _ROWS_PER_WRITE:
                    part.write("".join(lines).encode())
                    lines.clear()
            part.write(("".join(lines) + "</sheetData></worksheet>").encode())
        return count

    def close(self) -> None:
        sheets = range(1, len(self._titles) + 1)
        self._zip.writestr(
            "[Content_Types].xml",
            f"{_DECLARATION}<Types "
            'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for n in sheets
            )
            + "</Types>",
        )
        self._zip.writestr(
            "_rels/.rels",
            f'{_DECLARATION}<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        self._zip.writestr(
            "xl/workbook.xml",
            f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            + "".join(
                f'<sheet name="{_escape(title).replace(chr(34), "&quot;")}" sheetId="{n}" '
                f'r:id="rId{n}"/>'
                for n, title in zip(sheets, self._titles, strict=True)
            )
            + "</sheets></workbook>",
        )
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_DECLARATION}<Relationships xmlns="{_PKG_REL}">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{n}.xml"/>'
                for n in sheets
            )
            + f'<Relationship Id="rId{len(self._titles) + 1}" Type="{_REL}/styles" '
            'Target="styles.xml"/></Relationships>',
        )
        self._zip.writestr("xl/styles.xml", STYLES)
        self._zip.close()
