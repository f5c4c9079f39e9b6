"""Tables to .xlsx and .csv, safe to open in Excel or WPS.

Every text cell goes through ``question_bank.safe_cell`` (a leading = + - @ tab CR gets
an apostrophe, CWE-1236); CSV is UTF-8 with a BOM so Excel shows Chinese correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from question_bank import safe_cell
from question_bank.cells import ILLEGAL_CONTROL_CHARS_RE
from question_bank.table_reader import column_letter

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"


def _xlsx_cell(value):
    if isinstance(value, str):
        return safe_cell(ILLEGAL_CONTROL_CHARS_RE.sub("", value))
    return value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(safe_cell(value if isinstance(value, str) else str(value)))


def table_to_xlsx(headers: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "数据") -> bytes:
    """A workbook with one sheet: a bold header row, then the rows."""
    # openpyxl is imported on first export: ~18 MiB a worker that never exports need not carry.
    from openpyxl import Workbook  # noqa: PLC0415 - deliberately lazy

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[column_letter(index)].width = max(8, min(40, len(header) * 2 + 4))
    sheet.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, header) for header in headers])
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header_cell(sheet, text: str):
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415 - see table_to_xlsx
    from openpyxl.styles import Font  # noqa: PLC0415

    cell = WriteOnlyCell(sheet, value=_xlsx_cell(text))
    cell.font = Font(bold=True)
    return cell


def table_to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM, CRLF line ends (what Excel writes and expects)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(header) for header in headers])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")
