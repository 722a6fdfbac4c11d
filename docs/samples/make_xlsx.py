"""Build org-sample.xlsx from units.csv, staff.csv and lines.csv (run after editing them).

    .venv/bin/python docs/samples/make_xlsx.py

The workbook carries the three files as sheets named units, staff and lines. Date columns are
written as real Excel date cells, as an HR system's export would have them; index numbers stay
text so that leading zeros survive.
"""

import csv
import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
DATE_COLUMNS = {"entry_on_duty", "effective_from"}


def build(directory: Path = HERE) -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind in ("units", "staff", "lines"):
        sheet = workbook.create_sheet(kind)
        with open(directory / f"{kind}.csv", encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        header = rows[0]
        sheet.append(header)
        for cells in rows[1:]:
            sheet.append(
                [
                    datetime.date.fromisoformat(value) if name in DATE_COLUMNS and value else value
                    for name, value in zip(header, cells, strict=True)
                ]
            )
        for position, name in enumerate(header, start=1):
            if name in DATE_COLUMNS:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                    cell.number_format = "yyyy-mm-dd"
    return workbook


if __name__ == "__main__":
    build().save(HERE / "org-sample.xlsx")
    print(f"wrote {HERE / 'org-sample.xlsx'}")
