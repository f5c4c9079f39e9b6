"""Reading any question file by its content: .xlsx, legacy .xls, delimited text, .docx, plain text.

The file name is never trusted: the first bytes decide (a zip is an Office document whose
declared content type says workbook or Word; an OLE2 file is a legacy .xls; anything else
must decode as text).  Every format keeps the safety checks of ``table_reader``: the size
limit, zip-bomb checks on .xlsx and .docx, XML through defusedxml only, formulas never
evaluated (an .xlsx formula rejects the file where it is used; an .xls stores only results,
which are read as the values they are), and reading stops at the row limit.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import defusedxml
import defusedxml.ElementTree as SafeElementTree

from .cells import cell_value_to_text
from .model import MAX_FILE_BYTES, FileRejected
from .table_reader import (
    OLE_MAGIC,
    ZIP_MAGIC,
    RawRow,
    _classify_xlsx_error,
    _CORRUPT_XLSX_MESSAGE,
    _UNSAFE_XML_MESSAGE,
    _WORKBOOK_CONTENT_TYPES,
    TEXT_DELIMITERS,
    decode_text,
    inspect_zip,
    iter_delimited_rows,
    sniff_delimiter,
)

_DOCX_CONTENT_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    }
)
SUPPORTED_FORMATS_MESSAGE = (
    "支持 Excel(.xlsx/.xls)、CSV/TXT 文本、Word(.docx) 文件，或直接粘贴题目文本"
)
_UNSUPPORTED_MESSAGE = "无法识别该文件的格式。" + SUPPORTED_FORMATS_MESSAGE
_CORRUPT_XLS_MESSAGE = "无法读取该 .xls 文件，文件可能已损坏，请用 Excel 或 WPS 重新保存后再上传"
_CORRUPT_DOCX_MESSAGE = "无法读取该 Word(.docx) 文件，文件可能已损坏，请用 Word 或 WPS 重新保存后再上传"
_ENCRYPTED_MESSAGE = "文件设置了打开密码，请取消密码后再上传"
_LEGACY_DOC_MESSAGE = "这是旧版 Word(.doc) 文件，请在 Word 或 WPS 中另存为 .docx 后再上传"

#: Leading bytes of formats that are certainly not question files.
_OTHER_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"BM", b"{\\rtf")
#: Prefix of a Word paragraph that is an automatically numbered list item.
LIST_ITEM = "\x00"
#: Word tables and paragraphs: a document with more paragraphs than this is refused.
MAX_DOCX_PARAGRAPHS = 200_000


@dataclass
class SheetSource:
    """One table of a document: a worksheet, a Word table, or a delimited text."""

    name: str
    rows: Iterator[RawRow]


@dataclass
class DocumentSource:
    """What a file holds: tables and/or free text (Word paragraphs, a plain-text file)."""

    format: str
    sheets: list[SheetSource] | Iterator[SheetSource] = field(default_factory=list)
    #: free text in the pasted-question layout, one entry per line: (line number, text)
    text_lines: list[tuple[int, str]] | None = None


def check_size(data: bytes, max_bytes: int = MAX_FILE_BYTES) -> None:
    if len(data) > max_bytes:
        limit_mb = max_bytes // (1024 * 1024)
        raise FileRejected("too_large", f"文件超过 {limit_mb} MB 的大小上限，请拆分后分批上传")
    if not data:
        raise FileRejected("empty", "文件是空的，没有任何内容")


@contextmanager
def open_document(data: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> Iterator[DocumentSource]:
    """Sniff the format and open the file; resources are released on exit."""
    check_size(data, max_bytes)
    if data.startswith(ZIP_MAGIC):
        declared = inspect_zip(data)
        if declared & _WORKBOOK_CONTENT_TYPES:
            with _open_xlsx(data) as source:
                yield source
            return
        if declared & _DOCX_CONTENT_TYPES:
            yield _read_docx(data)
            return
        raise FileRejected("unsupported_type", _UNSUPPORTED_MESSAGE)
    if data.startswith(OLE_MAGIC):
        with _open_xls(data) as source:
            yield source
        return
    if data.startswith(_OTHER_MAGIC):
        raise FileRejected("unsupported_type", _UNSUPPORTED_MESSAGE)
    text = decode_text(data, binary_message=_UNSUPPORTED_MESSAGE)
    yield DocumentSource("csv", [SheetSource("", iter_delimited_rows(text, TEXT_DELIMITERS, "文本文件"))], text_lines=_lines(text))


# --------------------------------------------------------------------------- text


def _lines(text: str) -> list[tuple[int, str]]:
    return list(enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1))


# --------------------------------------------------------------------------- xlsx


@contextmanager
def _open_xlsx(data: bytes) -> Iterator[DocumentSource]:
    """Every visible worksheet, streamed (see xlsx_stream: values only, formulas never evaluated)."""
    from .xlsx_stream import XlsxBook  # noqa: PLC0415

    corrupt = FileRejected("corrupt", _CORRUPT_XLSX_MESSAGE)
    try:
        book = XlsxBook(data, corrupt)
    except FileRejected:
        raise
    except Exception as exc:  # untrusted input: the parts can be broken in many ways
        raise _classify_xlsx_error(exc) from exc
    try:
        if not book.sheets:
            raise FileRejected("empty", "文件中没有工作表")
        yield DocumentSource("xlsx", _xlsx_sheets(book))
    finally:
        book.close()


def _xlsx_sheets(book) -> Iterator[SheetSource]:
    for sheet in book.sheets:
        if sheet.visible:
            yield SheetSource(sheet.name, _xlsx_rows(book, sheet))


def _xlsx_rows(book, sheet) -> Iterator[RawRow]:
    try:
        yield from book.rows(sheet)
    except FileRejected:
        raise
    except Exception as exc:
        raise _classify_xlsx_error(exc) from exc


# ---------------------------------------------------------------------------- xls


def _xlrd():
    import xlrd  # noqa: PLC0415 - lazy like openpyxl: only an .xls upload needs it

    return xlrd


@contextmanager
def _open_xls(data: bytes) -> Iterator[DocumentSource]:
    """A legacy BIFF workbook through xlrd (sheets loaded on demand, rows not padded)."""
    head = data[:1 << 16]
    if "EncryptionInfo".encode("utf-16-le") in head or "EncryptedPackage".encode("utf-16-le") in head:
        raise FileRejected("unsupported_type", _ENCRYPTED_MESSAGE)
    if "WordDocument".encode("utf-16-le") in head:
        raise FileRejected("unsupported_type", _LEGACY_DOC_MESSAGE)
    xlrd = _xlrd()
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, ragged_rows=True, logfile=io.StringIO())
    except Exception as exc:  # xlrd raises many kinds of errors for broken input
        if "encrypt" in str(exc).lower():
            raise FileRejected("unsupported_type", _ENCRYPTED_MESSAGE) from exc
        raise FileRejected("corrupt", _CORRUPT_XLS_MESSAGE) from exc
    try:
        yield DocumentSource("xls", _xls_sheets(book))
    finally:
        book.release_resources()


def _xls_sheets(book) -> Iterator[SheetSource]:
    for index in range(book.nsheets):
        try:
            sheet = book.sheet_by_index(index)
        except Exception as exc:
            raise FileRejected("corrupt", _CORRUPT_XLS_MESSAGE) from exc
        if sheet.visibility:
            continue
        yield SheetSource(sheet.name, _xls_rows(book, sheet))


def _xls_rows(book, sheet) -> Iterator[RawRow]:
    xlrd = _xlrd()
    for index in range(sheet.nrows):
        cells = []
        for cell in sheet.row(index):
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    value = xlrd.xldate_as_datetime(cell.value, book.datemode)
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    value = cell.value
                if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
                    value = value.date() if value.year > 1900 else value
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(cell.value)
            elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                value = None
            else:
                value = cell.value
            cells.append(cell_value_to_text(value))
        yield index + 1, cells


# --------------------------------------------------------------------------- docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _read_docx(data: bytes) -> DocumentSource:
    """Word paragraphs become text lines; each table becomes a sheet ("表格1" ...)."""
    _check_docx_xml(data)
    try:
        import docx  # noqa: PLC0415 - lazy: only a Word upload needs python-docx (and lxml)

        document = docx.Document(io.BytesIO(data))
        lines: list[tuple[int, str]] = []
        sheets: list[SheetSource] = []
        number = 0
        for block in document.element.body.iterchildren():
            if block.tag == f"{_W}p":
                paragraph = docx.text.paragraph.Paragraph(block, document)
                numbered = _is_list_item(paragraph)
                for part in paragraph.text.split("\n"):
                    number += 1
                    if number > MAX_DOCX_PARAGRAPHS:
                        raise FileRejected("too_many_rows", "Word 文件中的段落过多，请拆分成多个文件后分批上传")
                    if numbered and part.strip():
                        # automatic list numbering is not part of the text: mark the item (LIST_ITEM)
                        lines.append((number, LIST_ITEM + part))
                        numbered = False
                    else:
                        lines.append((number, part))
            elif block.tag == f"{_W}tbl":
                table = docx.table.Table(block, document)
                sheets.append(SheetSource(f"表格{len(sheets) + 1}", _docx_table_rows(table)))
    except FileRejected:
        raise
    except Exception as exc:  # untrusted input: python-docx/lxml can fail in many ways
        raise FileRejected("corrupt", _CORRUPT_DOCX_MESSAGE) from exc
    return DocumentSource("docx", sheets, text_lines=lines)


def _is_list_item(paragraph) -> bool:
    """Numbered by Word itself: numbering set on the paragraph or on its style (or a base style)."""
    if paragraph._p.find(f"{_W}pPr/{_W}numPr") is not None:
        return True
    style = paragraph.style
    for _ in range(10):  # styles may be based on one another; stop on a loop
        if style is None:
            return False
        if style.element.find(f"{_W}pPr/{_W}numPr") is not None:
            return True
        style = style.base_style
    return False


def _docx_table_rows(table) -> Iterator[RawRow]:
    rows = []
    for number, row in enumerate(table.rows, start=1):
        seen: set[int] = set()
        cells = []
        for cell in row.cells:  # a merged cell is repeated for every grid column it spans
            if id(cell._tc) in seen:
                cells.append("")
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text)
        rows.append((number, cells))
    return iter(rows)


def _check_docx_xml(data: bytes) -> None:
    """Parse every XML part through defusedxml first: python-docx's lxml must never see a DTD."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.infolist():
                if member.filename.endswith((".xml", ".rels")):
                    SafeElementTree.fromstring(archive.read(member))
    except defusedxml.DefusedXmlException as exc:
        raise FileRejected("unsafe_xml", _UNSAFE_XML_MESSAGE) from exc
    except Exception as exc:
        raise FileRejected("corrupt", _CORRUPT_DOCX_MESSAGE) from exc


__all__ = ["DocumentSource", "SheetSource", "open_document", "decode_text", "sniff_delimiter"]
