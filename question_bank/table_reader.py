"""Safe reading of user-uploaded .xlsx / .csv files into plain text rows.

Uploaded files are untrusted, so the reader checks the container before any
parser touches it (size, zip bombs, file type), parses XML only through
defusedxml, refuses formulas instead of evaluating them, and stops as soon as
the row limit is exceeded.
"""

from __future__ import annotations

import csv
import io
import os
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import closing
from typing import Union
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeElementTree

from .cells import cell_value_to_text, clean_cell_text, unescape_cell
from .model import MAX_FILE_BYTES, MAX_ROWS, FileRejected


def _openpyxl():
    """openpyxl, imported on first use: about 18 MiB that a web worker which never reads a
    spreadsheet need not carry.  It must parse through defusedxml, which it does only when
    defusedxml was importable at its import time and not disabled via OPENPYXL_DEFUSEDXML."""
    import openpyxl  # noqa: PLC0415 - deliberately lazy (see docstring)
    import openpyxl.xml  # noqa: PLC0415

    if not openpyxl.xml.DEFUSEDXML:
        raise ImportError(
            "openpyxl is not using defusedxml; refusing to read untrusted workbooks "
            "(install defusedxml and do not set OPENPYXL_DEFUSEDXML=False)"
        )
    return openpyxl


def column_letter(number: int) -> str:
    """Spreadsheet column name of a 1-based column number (1 -> A, 27 -> AA)."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


ZIP_MAGIC = b"PK\x03\x04"
#: OLE2 compound file: legacy .xls/.doc and password-protected .xlsx files.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

MAX_ARCHIVE_MEMBERS = 200
MAX_ARCHIVE_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
COMPRESSION_RATIO_CHECK_BYTES = 1024 * 1024

#: Excel's own row limit; a sheet claiming rows beyond it is forged.
EXCEL_MAX_ROW = 1_048_576

CSV_DELIMITERS = (",", "\t", ";")
#: Delimiters of a question file as text (a pipe too: some systems export with it).
TEXT_DELIMITERS = (",", "\t", ";", "|")
#: Lines looked at to choose the delimiter.
_SNIFF_LINES = 30

#: Content types of a regular (macro-free) workbook part.
_WORKBOOK_CONTENT_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    }
)

_UNSUPPORTED_MESSAGE = "仅支持 .xlsx 或 .csv 格式的文件，请在 Excel 中另存为“Excel 工作簿(.xlsx)”后再上传"
_CORRUPT_XLSX_MESSAGE = "无法读取该 .xlsx 文件，文件可能已损坏，请用 Excel 或 WPS 重新保存后再上传"
_UNSAFE_ARCHIVE_MESSAGE = "文件结构异常（解压后体积过大或压缩比异常），出于安全原因已拒绝处理"
_UNSAFE_XML_MESSAGE = "文件中含有不安全的 XML 内容（如实体声明或外部引用），出于安全原因已拒绝处理"


class _FormulaCell:
    """Marker yielded in place of a formula cell's value; formulas are never evaluated."""


_FORMULA = _FormulaCell()

RawCell = Union[str, _FormulaCell]
RawRow = tuple[int, list[RawCell]]


def read_table(
    filename: str, data: bytes, *, max_rows: int = MAX_ROWS
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read the first sheet of an .xlsx or a .csv into a header and text rows.

    The header is the first non-blank row. Each data row comes back as
    ``(row_number, cells)``: the 1-based spreadsheet row number (blank rows
    still count), and the cells as cleaned text with trailing blank cells
    dropped, so a row may be shorter than the header. Cleaning strips edge
    whitespace and undoes ``safe_cell`` (one protective leading ``'``), so
    files this project exported read back exactly. Fully blank rows are
    skipped. Raises ``FileRejected`` for anything that makes the file unusable.
    """
    extension = os.path.splitext(filename or "")[1].lower()
    if extension not in (".xlsx", ".csv"):
        raise FileRejected("unsupported_type", _UNSUPPORTED_MESSAGE)
    if len(data) > MAX_FILE_BYTES:
        limit_mb = MAX_FILE_BYTES // (1024 * 1024)
        raise FileRejected("too_large", f"文件超过 {limit_mb} MB 的大小上限，请拆分后分批上传")
    if not data:
        raise FileRejected("empty", "文件是空的，没有任何内容")

    raw_rows = _iter_xlsx_rows(data) if extension == ".xlsx" else _iter_csv_rows(data)
    with closing(raw_rows):  # release the workbook even when we stop early
        return _collect_table(raw_rows, max_rows)


def _collect_table(
    raw_rows: Iterator[RawRow], max_rows: int
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Clean the raw rows, split off the header and enforce the row limit."""
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for row_number, raw_cells in raw_rows:
        for index, raw in enumerate(raw_cells):
            if isinstance(raw, _FormulaCell):
                raise _formula_rejection(row_number, index, header)
        cells = [unescape_cell(clean_cell_text(raw)) for raw in raw_cells]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if header is None:
            header = cells
            continue
        if len(rows) >= max_rows:
            raise FileRejected(
                "too_many_rows", f"数据行超过 {max_rows} 行的上限，请拆分成多个文件后分批上传"
            )
        rows.append((row_number, cells))

    if header is None:
        raise FileRejected("empty", "文件中没有任何内容（找不到表头行）")
    if not rows:
        raise FileRejected("empty", "文件中只有表头，没有数据行")
    return header, rows


def _formula_rejection(row_number: int, index: int, header: list[str] | None) -> FileRejected:
    """Build the rejection for a formula cell, naming the column by its header when known."""
    column = header[index] if header is not None and index < len(header) and header[index] else ""
    column = column or column_letter(index + 1)
    return FileRejected("formula", f"第{row_number}行 {column} 列含公式，请粘贴为数值后再上传")


# --------------------------------------------------------------------------- CSV


def _iter_csv_rows(data: bytes) -> Iterator[RawRow]:
    """Decode a CSV and yield every record with its 1-based row number."""
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        raise FileRejected(
            "unsupported_type", "文件扩展名是 .csv，但内容是 Excel 或其他二进制文件，请另存为 CSV 后再上传"
        )
    return iter_delimited_rows(decode_text(data), CSV_DELIMITERS, "CSV 文件")


def decode_text(data: bytes, *, binary_message: str = _UNSUPPORTED_MESSAGE) -> str:
    """UTF-16 with a BOM (Excel's "Unicode text"), else UTF-8 (BOM optional), else GB18030 (a
    superset of GBK); NUL bytes near the start mean a binary file (refused with ``binary_message``)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileRejected("encoding", "无法识别文件编码，请另存为 UTF-8 编码后再上传") from None
    if b"\0" in data[:4096]:
        raise FileRejected("unsupported_type", binary_message)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejected(
        "encoding", "无法识别文件编码，请在 Excel 中另存为“CSV UTF-8(逗号分隔)”格式后再上传"
    )


def sniff_delimiter(text: str, delimiters: tuple[str, ...] = TEXT_DELIMITERS) -> str:
    """The delimiter that gives the most columns on any of the first non-blank lines (ties: comma).

    Several lines are looked at because a title line above the header has no delimiters.
    """
    lines = [line for line in io.StringIO(text) if line.strip()][:_SNIFF_LINES]
    best, best_count = ",", 1
    for delimiter in delimiters:
        count = 0
        for line in lines:
            try:
                count = max(count, len(next(csv.reader([line], delimiter=delimiter), [])))
            except csv.Error:  # the full read reports malformed input properly
                continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


def iter_delimited_rows(text: str, delimiters: tuple[str, ...], kind: str) -> Iterator[RawRow]:
    """Every record of a delimited text with its 1-based row number; ``kind`` names the file in errors."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text, delimiters))
    row_number = 0
    try:
        for row_number, record in enumerate(reader, start=1):
            yield row_number, list(record)
    except csv.Error as exc:
        raise FileRejected(
            "corrupt", f"{kind}第{row_number + 1}行格式错误（如引号不匹配或单元格过长），无法解析"
        ) from exc


# -------------------------------------------------------------------------- XLSX


def _iter_xlsx_rows(data: bytes) -> Iterator[RawRow]:
    """Vet the archive, then stream the first worksheet's rows through openpyxl."""
    if not data.startswith(ZIP_MAGIC):
        if data.startswith(OLE_MAGIC):
            raise FileRejected(
                "unsupported_type",
                "这是旧版 Excel(.xls)文件或已设置打开密码的文件，请取消密码并另存为 .xlsx 后再上传",
            )
        raise FileRejected("unsupported_type", _UNSUPPORTED_MESSAGE)
    _inspect_archive(data)

    openpyxl = _openpyxl()  # outside the try: a set-up problem is not the file's fault
    workbook = None
    try:
        with warnings.catch_warnings():
            # openpyxl warns about harmless things (missing default style, extensions).
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
        if not workbook.worksheets:
            raise FileRejected("empty", "文件中没有工作表")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # a stale <dimension> tag would hide rows
        for row_number, cells in enumerate(sheet.iter_rows(), start=1):
            if row_number > EXCEL_MAX_ROW:  # forged row numbers would make us spin
                raise FileRejected("corrupt", _CORRUPT_XLSX_MESSAGE)
            yield row_number, [_raw_cell(cell) for cell in cells]
    except FileRejected:
        raise
    except Exception as exc:  # untrusted input: openpyxl can fail in many ways
        raise _classify_xlsx_error(exc) from exc
    finally:
        if workbook is not None:
            workbook.close()


def _raw_cell(cell) -> RawCell:
    """Return a cell's text, or the formula marker for formula cells."""
    if cell.data_type == "f":
        return _FORMULA
    return cell_value_to_text(cell.value)


def _inspect_archive(data: bytes) -> None:
    """Reject zip bombs, oversized archives and non-workbook zips before openpyxl runs."""
    if not inspect_zip(data) & _WORKBOOK_CONTENT_TYPES:
        raise FileRejected("unsupported_type", _UNSUPPORTED_MESSAGE)


def inspect_zip(data: bytes, corrupt_message: str = _CORRUPT_XLSX_MESSAGE) -> frozenset[str]:
    """Vet an Office zip (members, total size, compression ratio) and return its declared content types.

    Sizes come from the central directory; ``zipfile`` refuses to inflate a
    member past its declared size, so a lying header only yields a CRC error.
    ``[Content_Types].xml`` is parsed through defusedxml.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ARCHIVE_MEMBERS:
                raise FileRejected("unsafe_archive", _UNSAFE_ARCHIVE_MESSAGE)
            if sum(member.file_size for member in members) > MAX_ARCHIVE_UNCOMPRESSED_BYTES:
                raise FileRejected("unsafe_archive", _UNSAFE_ARCHIVE_MESSAGE)
            for member in members:
                if (
                    member.file_size > COMPRESSION_RATIO_CHECK_BYTES
                    and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
                ):
                    raise FileRejected("unsafe_archive", _UNSAFE_ARCHIVE_MESSAGE)
            try:
                content_types = archive.read("[Content_Types].xml")
            except KeyError:
                raise FileRejected("unsupported_type", _UNSUPPORTED_MESSAGE) from None
            root = SafeElementTree.fromstring(content_types)
            return frozenset(element.get("ContentType") for element in root.iter() if element.get("ContentType"))
    except FileRejected:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        ValueError,
        NotImplementedError,
        EOFError,
        ParseError,
        defusedxml.DefusedXmlException,
    ) as exc:
        raise _classify_xlsx_error(exc, corrupt_message) from exc


def _classify_xlsx_error(exc: BaseException, corrupt_message: str = _CORRUPT_XLSX_MESSAGE) -> FileRejected:
    """Map an exception raised while reading an .xlsx to the matching rejection.

    openpyxl wraps parser errors in ValueError, so the cause chain is searched
    for the defusedxml exception that reveals a hostile file.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, defusedxml.DefusedXmlException):
            return FileRejected("unsafe_xml", _UNSAFE_XML_MESSAGE)
        current = current.__cause__ or current.__context__
    return FileRejected("corrupt", corrupt_message)


def column_positions(header: list[str], names: "tuple[str, ...] | list[str]", aliases: dict[str, str]) -> dict[str, int]:
    """Where each known column is, header cells read by meaning: NFKC, no spaces, ``aliases``
    mapping other spellings (账号, 部门 ...) to the canonical name; the first match wins.

    The one header matcher of the table imports (users, units)."""
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        compact = "".join(unicodedata.normalize("NFKC", cell or "").split()).strip("*＊:：")
        name = aliases.get(compact, compact)
        if name in names and name not in positions:
            positions[name] = index
    return positions
