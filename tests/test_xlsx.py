"""pmsystem.xlsx writes what openpyxl's write-only workbook wrote before it (issue 14): the
same values, cell types and number formats, read back by openpyxl from both files."""

from __future__ import annotations

import datetime
import decimal
import io

import openpyxl
import pytest

from pmsystem.exports import Table, _safe, xlsx_response
from pmsystem.xlsx import Workbook, column_letter

ROWS = [
    ["Index number", "Name", "Due", "Overdue", "Count", "Share"],
    ["0042", "Ines Alves", datetime.date(2026, 5, 31), "yes", 3, 37.5],
    ["0043", "  padded  ", None, "", 0, None],
    ["0044", "a & b < c > d \"q\" 'r'", datetime.date(1900, 1, 15), "no", -7, 1e-9],
    ["0045", "line one\nline two\r\nthree\ttab", datetime.datetime(2026, 7, 1, 13, 45, 30), True],
    ["0046", "Ngozi — Genève ✓ 日本", datetime.date(1900, 3, 1), False, 10**12, 2.0],
    [
        "0047",
        _safe("=HYPERLINK(1)"),
        _safe("+1"),
        _safe("-2"),
        _safe("@x"),
        decimal.Decimal("1.25"),
    ],
    ["0048", "x" * 40000, float("nan"), float("inf")],
    [None, None, None, None, None, "only the last"],
]


def cells(data: bytes) -> list[list[tuple]]:
    """Every sheet's cells as (coordinate, value, data type, number format)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [
        [sheet.title]
        + [
            (c.coordinate, c.value, c.data_type, c.number_format)
            for row in sheet.iter_rows()
            for c in row
            if c.value is not None
        ]
        for sheet in book.worksheets
    ]


def written_by_openpyxl(sheets: list[tuple[str, list]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title=title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def written_by_pmsystem(sheets: list[tuple[str, list]]) -> bytes:
    out = io.BytesIO()
    book = Workbook(out)
    for title, rows in sheets:
        book.add_sheet(title, rows)
    book.close()
    return out.getvalue()


def test_the_cells_are_those_openpyxl_wrote():
    sheets = [("People", ROWS), ("Ratings", [["Entity", "Total"], ["DEP — Department", 2]])]
    ours = cells(written_by_pmsystem(sheets))
    assert ours == cells(written_by_openpyxl(sheets))
    people = {c[0]: c for c in ours[0][1:]}
    assert people["C2"][1:] == (datetime.datetime(2026, 5, 31), "d", "yyyy-mm-dd")
    assert people["C5"][1:] == (
        datetime.datetime(2026, 7, 1, 13, 45, 30),
        "d",
        "yyyy-mm-dd h:mm:ss",
    )
    assert people["B3"][1] == "  padded  "
    assert people["B5"][1] == "line one\nline two\r\nthree\ttab"
    assert people["B7"][1:3] == ("'=HYPERLINK(1)", "s")
    assert len(people["B8"][1]) == 32767


def test_an_empty_table_and_a_header_only_table_are_sheets_too():
    sheets = [("Empty", []), ("Header", [["A", "B"]])]
    assert cells(written_by_pmsystem(sheets)) == cells(written_by_openpyxl(sheets))


def test_control_characters_xml_cannot_carry_are_left_out():
    data = written_by_pmsystem([("People", [["a\x00b\x0bc\x1fd"]])])
    assert cells(data) == [["People", ("A1", "abcd", "s", "General")]]


def test_sheet_titles_are_what_excel_accepts_and_distinct():
    data = written_by_pmsystem([("a/b:c" + "x" * 40, [["1"]]), ("a-b-c" + "x" * 40, [["2"]])])
    titles = openpyxl.load_workbook(io.BytesIO(data)).sheetnames
    assert titles == ["a-b-c" + "x" * 26, "a-b-c" + "x" * 25 + "1"]
    assert all(len(title) <= 31 for title in titles)


def test_a_value_a_spreadsheet_cannot_hold_is_refused():
    with pytest.raises(TypeError):
        written_by_pmsystem([("People", [[object()]])])
    aware = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    with pytest.raises(TypeError):
        written_by_pmsystem([("People", [[aware]])])


def test_column_letters():
    assert [column_letter(n) for n in (1, 14, 26, 27, 52, 703)] == [
        "A",
        "N",
        "Z",
        "AA",
        "AZ",
        "AAA",
    ]


def test_the_response_counts_the_data_rows_of_every_sheet():
    tables = [Table("One", ["A"], [["x"], ["y"]]), Table("Two", ["B"], iter([["z"]]))]
    response, count = xlsx_response(tables, filename="t.xlsx")
    data = b"".join(response.streaming_content)
    assert count == 3
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["One", "Two"]
