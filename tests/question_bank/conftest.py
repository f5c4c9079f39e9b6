"""Builders for question files used across the question_bank tests.

Exposed as fixtures (not an importable helper module) so they work under any
pytest import mode and cannot clash with other packages' test helpers.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

# The project has no pytest "pythonpath" setting (yet); make the project root
# importable so `pytest tests/question_bank` works from any working directory.
_PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
if _PROJECT_ROOT not in sys.path:
    sys.path.insert(0, _PROJECT_ROOT)

from question_bank import TEMPLATE_HEADERS  # noqa: E402

from helpers import replace_zip_members as _replace_zip_members  # noqa: E402

_VALID_SINGLE = {
    "题型": "单选",
    "题干": "景区发生火灾时应当首先做什么？",
    "选项A": "报警",
    "选项B": "拍照",
    "选项C": "围观",
    "选项D": "离开",
    "答案": "A",
}


def _make_row(**fields: object) -> list[object]:
    """A template-ordered row: a valid 单选 question with the given columns overridden."""
    values = {**_VALID_SINGLE, **fields}
    unknown = set(values) - set(TEMPLATE_HEADERS)
    assert not unknown, f"not template columns: {unknown}"
    return [values.get(name, "") for name in TEMPLATE_HEADERS]


def _csv_bytes(rows: list[list[object]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """Rows (header included) as CSV bytes in the given encoding."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    return buffer.getvalue().encode(encoding)


def _xlsx_bytes(rows: list[list[object]], *, extra_sheet: list[list[object]] | None = None) -> bytes:
    """Rows (header included) as an .xlsx written by openpyxl; None leaves a cell blank."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if extra_sheet is not None:
        other = workbook.create_sheet("其他")
        for row in extra_sheet:
            other.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_sheets(sheets: dict[str, list[list[object]]], *, hidden: tuple[str, ...] = (),
                 merges: dict[str, list[str]] | None = None) -> bytes:
    """A workbook with one sheet per entry (in order); sheets named in ``hidden`` are hidden,
    and ``merges`` maps a sheet name to the cell ranges ("A1:E1") merged in it."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for merge in (merges or {}).get(name, ()):
            sheet.merge_cells(merge)
        if name in hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xls_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """A legacy BIFF8 .xls written by xlwt (a test-only dependency); dates get a date format."""
    import datetime

    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        sheet = workbook.add_sheet(name)
        for row_index, row in enumerate(rows):
            for column_index, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime.date):
                    sheet.write(row_index, column_index, value, date_style)
                else:
                    sheet.write(row_index, column_index, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _docx_bytes(paragraphs: list[str] = (), *, tables: list[list[list[str]]] = (), numbered: tuple[int, ...] = ()) -> bytes:
    """A Word document: paragraphs (those at the ``numbered`` indexes as an automatic list), then tables."""
    import docx

    document = docx.Document()
    for index, text in enumerate(paragraphs):
        paragraph = document.add_paragraph(text, style="List Number" if index in numbered else None)
    for rows in tables:
        table = document.add_table(rows=len(rows), cols=max(len(row) for row in rows))
        for row_index, row in enumerate(rows):
            for column_index, value in enumerate(row):
                table.cell(row_index, column_index).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def make_row():
    return _make_row


@pytest.fixture
def csv_bytes():
    return _csv_bytes


@pytest.fixture
def xlsx_bytes():
    return _xlsx_bytes


@pytest.fixture
def replace_zip_members():
    return _replace_zip_members


@pytest.fixture
def xlsx_sheets():
    return _xlsx_sheets


@pytest.fixture
def xls_bytes():
    return _xls_bytes


@pytest.fixture
def docx_bytes():
    return _docx_bytes
