"""The one .xlsx writer of the project (exports, templates, problem rows, boards, results).

Write-only workbooks (rows stream out, memory stays flat), every text cell through
:func:`safe_cell` (no formula injection, CWE-1236) with the characters XML cannot hold
removed, a styled and frozen header row per table.  openpyxl is imported on the first export:
it costs about 18 MiB per process, which web workers that never export need not carry.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Sequence
from types import SimpleNamespace
from typing import Any

from .cells import ILLEGAL_CONTROL_CHARS_RE, safe_cell
from .table_reader import column_letter

PERCENT = "0.0%"


@functools.cache
def _xl() -> SimpleNamespace:
    from openpyxl import Workbook  # noqa: PLC0415 - deliberately lazy (see the module docstring)
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.styles import Font, PatternFill  # noqa: PLC0415

    return SimpleNamespace(Workbook=Workbook, WriteOnlyCell=WriteOnlyCell, Font=Font, PatternFill=PatternFill)


def cell_value(value: Any) -> Any:
    """A value as it may go into a cell: text neutralised, numbers and None unchanged."""
    if isinstance(value, str):
        return safe_cell(ILLEGAL_CONTROL_CHARS_RE.sub("", value))
    return value


class XlsxWriter:
    """A workbook built sheet by sheet: ``table()`` for a header row, ``row()`` for data."""

    def __init__(self) -> None:
        self._book = _xl().Workbook(write_only=True)

    def table(self, title: str, headers: Sequence[str], widths: Sequence[int] | None = None, *,
              header_fill: str | None = None):
        """A new sheet whose first row holds `headers` (bold; white on `header_fill` when given), frozen."""
        xl = _xl()
        sheet = self._book.create_sheet(title[:31])
        for index, header in enumerate(headers, start=1):
            width = widths[index - 1] if widths else max(8, min(40, len(header) * 2 + 4))
            sheet.column_dimensions[column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        font = xl.Font(bold=True, color="FFFFFF" if header_fill else None)
        fill = xl.PatternFill("solid", fgColor=header_fill) if header_fill else None
        cells = []
        for header in headers:
            cell = xl.WriteOnlyCell(sheet, value=cell_value(header))
            cell.font = font
            if fill is not None:
                cell.fill = fill
            cells.append(cell)
        sheet.append(cells)
        return sheet

    def text(self, title: str, lines: Iterable[str], width: int = 110):
        """A sheet of plain lines in one wide column (rules, notes)."""
        sheet = self._book.create_sheet(title[:31])
        sheet.column_dimensions["A"].width = width
        for line in lines:
            sheet.append([cell_value(line)])
        return sheet

    @staticmethod
    def row(sheet, values: Sequence, formats: dict[int, str] | None = None) -> None:
        """Append one row; ``formats`` maps column indexes (0-based) to number formats for numbers."""
        if not formats:
            sheet.append([cell_value(value) for value in values])
            return
        write_only_cell = _xl().WriteOnlyCell
        cells = []
        for index, value in enumerate(values):
            cell = write_only_cell(sheet, value=cell_value(value))
            if index in formats and isinstance(value, (int, float)):
                cell.number_format = formats[index]
            cells.append(cell)
        sheet.append(cells)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()


def table_to_xlsx(headers: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "数据") -> bytes:
    """A workbook with one sheet: a bold header row, then the rows."""
    writer = XlsxWriter()
    sheet = writer.table(sheet_title, headers)
    for values in rows:
        writer.row(sheet, values)
    return writer.to_bytes()
