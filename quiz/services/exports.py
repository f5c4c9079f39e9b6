"""Tables to .xlsx and .csv, safe to open in Excel or WPS.

Every text cell goes through ``question_bank.safe_cell`` (a leading = + - @ tab CR gets
an apostrophe, CWE-1236); CSV is UTF-8 with a BOM so Excel shows Chinese correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from question_bank import safe_cell
from question_bank.xlsx import table_to_xlsx  # noqa: F401  (the one xlsx writer; re-exported for the views)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(safe_cell(value if isinstance(value, str) else str(value)))


def table_to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM, CRLF line ends (what Excel writes and expects)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(header) for header in headers])
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")
