"""A lean, streaming reader of .xlsx worksheets for question files (every sheet, values only).

openpyxl builds an object per cell and per shared string; on a 20,000-row bank that alone
takes most of the 10 s budget.  This reader feeds the XML parts to defusedxml's expat parser
with a callback target (no element tree is built), so the same safety holds: DTDs with
entities and external references are refused, formulas are never evaluated (a ``<f>`` cell
yields the formula marker), rows come one at a time.  openpyxl's own helpers decide which
number formats are dates and convert Excel serial dates.

Only the first ``MAX_COLUMNS`` columns are read: question files never have more, and a forged
cell at column XFD must not make every row 16,384 cells long.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import defusedxml.ElementTree as SafeElementTree

from .cells import cell_value_to_text
from .model import FileRejected
from .table_reader import _FORMULA, EXCEL_MAX_ROW, RawRow

MAX_COLUMNS = 256
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
#: The same namespace as expat reports it to the fast callbacks ("uri}local", no brace).
_NS = _MAIN[1:]
_C, _V, _T, _F, _IS, _RPH, _ROW = (_NS + name for name in ("c", "v", "t", "f", "is", "rPh", "row"))
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CHUNK = 1 << 16


@dataclass
class XlsxSheet:
    name: str
    path: str
    visible: bool


class XlsxBook:
    """Sheets, shared strings and date styles of a vetted .xlsx archive."""

    def __init__(self, data: bytes, corrupt: FileRejected) -> None:
        self._corrupt = corrupt
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.sheets = self._read_sheets()
        self.date_styles, self.epoch = self._read_styles()
        self.shared = self._read_shared_strings()

    def close(self) -> None:
        self.archive.close()

    def _part(self, path: str) -> bytes | None:
        try:
            return self.archive.read(path)
        except KeyError:
            return None

    def _read_sheets(self) -> list[XlsxSheet]:
        workbook = self._part("xl/workbook.xml")
        if workbook is None:
            raise self._corrupt
        root = SafeElementTree.fromstring(workbook)
        rels_data = self._part("xl/_rels/workbook.xml.rels")
        targets: dict[str, str] = {}
        if rels_data is not None:
            for rel in SafeElementTree.fromstring(rels_data).iter(f"{_PKG_REL}Relationship"):
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
                targets[rel.get("Id", "")] = path
        self.date1904 = any(
            element.get("date1904") in ("1", "true") for element in root.iter(f"{_MAIN}workbookPr")
        )
        sheets = []
        for element in root.iter(f"{_MAIN}sheet"):
            path = targets.get(element.get(f"{_REL}id", ""))
            if path is None:
                continue
            sheets.append(XlsxSheet(element.get("name", ""), path, element.get("state", "visible") == "visible"))
        return sheets

    def _read_styles(self) -> tuple[list[bool], object]:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format  # noqa: PLC0415 - lazy
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900  # noqa: PLC0415

        epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
        data = self._part("xl/styles.xml")
        if data is None:
            return [], epoch
        root = SafeElementTree.fromstring(data)
        custom = {int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "") for fmt in root.iter(f"{_MAIN}numFmt")}
        dates: list[bool] = []
        cell_xfs = root.find(f"{_MAIN}cellXfs")
        for xf in (cell_xfs if cell_xfs is not None else ()):
            try:
                number = int(xf.get("numFmtId", "0"))
            except ValueError:
                number = 0
            code = custom.get(number, BUILTIN_FORMATS.get(number, "General"))
            dates.append(bool(code) and is_date_format(code))
        return dates, epoch

    def _read_shared_strings(self) -> list[str]:
        path = "xl/sharedStrings.xml"
        with self._open(path) as stream:
            if stream is None:
                return []
            target = _SharedStrings()
            _parse(stream, target)
            return target.strings

    def _open(self, path: str):
        try:
            return self.archive.open(path)
        except KeyError:
            return _NullContext()

    def rows(self, sheet: XlsxSheet) -> Iterator[RawRow]:
        """The sheet's rows as (row number, raw cells), streamed."""
        with self._open(sheet.path) as stream:
            if stream is None:
                return
            target = _SheetRows(self)
            for _ in _feed(stream, target):
                if target.ready:
                    yield from target.ready
                    target.ready = []
            yield from target.ready


class _NullContext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _defused_parser(target):
    """defusedxml's parser (its handlers refuse entity declarations and external references),
    with the element callbacks going straight to ``target`` instead of through ElementTree's
    Python layer, which costs more than the parsing itself.  Names arrive as "uri}local",
    attributes as a flat [name, value, ...] list."""
    parser = SafeElementTree.DefusedXMLParser(target=target)
    expat = parser.parser
    expat.StartElementHandler = target.start
    expat.EndElementHandler = target.end
    expat.CharacterDataHandler = target.data
    return parser


def _feed(stream, target) -> Iterator[None]:
    """Parse ``stream`` into ``target`` chunk by chunk, yielding after each chunk (and closing the
    parser after the last), so that a caller can take what ``target`` has collected so far."""
    parser = _defused_parser(target)
    while chunk := stream.read(_CHUNK):
        parser.feed(chunk)
        yield
    parser.close()


def _parse(stream, target) -> None:
    """Parse all of ``stream`` into ``target``."""
    for _ in _feed(stream, target):
        pass


class _SharedStrings:
    """<si> entries: the text of every <t>, phonetic runs (<rPh>) left out."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self._parts: list[str] | None = None
        self._in_text = False
        self._phonetic = 0

    def start(self, tag, attrs):
        if tag == f"{_NS}si":
            self._parts = []
        elif tag == f"{_NS}t" and self._parts is not None and not self._phonetic:
            self._in_text = True
        elif tag == f"{_NS}rPh":
            self._phonetic += 1

    def end(self, tag):
        if tag == f"{_NS}si":
            self.strings.append("".join(self._parts or ()))
            self._parts = None
        elif tag == f"{_NS}t":
            self._in_text = False
        elif tag == f"{_NS}rPh":
            self._phonetic -= 1

    def data(self, text):
        if self._in_text and self._parts is not None:
            self._parts.append(text)

    def close(self):
        return None


def _column_index(reference: str) -> int | None:
    """0-based column of a cell reference such as "AB12" (None when malformed)."""
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            index = index * 26 + ord(char) - 96
        else:
            break
    return index - 1 if index else None


class _SheetRows:
    """Collects <row> elements into (row number, cells) as they are parsed."""

    def __init__(self, book: XlsxBook) -> None:
        self.book = book
        self.ready: list[RawRow] = []
        self.row_number = 0
        self.cells: dict[int, object] = {}
        self.column = -1
        self.cell_type = "n"
        self.style = 0
        self.formula = False
        self.text: list[str] | None = None
        self.value: list[str] | None = None
        self.inline: list[str] | None = None
        self.phonetic = 0

    def start(self, tag, attrs):
        # compared as whole names: this runs for every element of a 20,000-row sheet
        if tag == _C:
            reference = style = None
            self.cell_type = "n"
            for index in range(0, len(attrs), 2):
                name = attrs[index]
                if name == "r":
                    reference = attrs[index + 1]
                elif name == "t":
                    self.cell_type = attrs[index + 1]
                elif name == "s":
                    style = attrs[index + 1]
            column = _column_index(reference) if reference else None
            self.column = self.column + 1 if column is None else column
            try:
                self.style = int(style) if style else 0
            except ValueError:
                self.style = 0
            self.formula = False
            self.value = None
            self.inline = None
        elif tag == _V:
            self.value = []
            self.text = self.value
        elif tag == _T:
            if self.inline is not None and not self.phonetic:
                self.text = self.inline
        elif tag == _F:
            self.formula = True
        elif tag == _IS:
            self.inline = []
        elif tag == _RPH:
            self.phonetic += 1
        elif tag == _ROW:
            number = None
            for index in range(0, len(attrs), 2):
                if attrs[index] == "r":
                    number = attrs[index + 1]
            try:
                self.row_number = int(number) if number else self.row_number + 1
            except ValueError:
                self.row_number += 1
            if not 0 < self.row_number <= EXCEL_MAX_ROW:
                raise FileRejected("corrupt", "无法读取该 .xlsx 文件，文件可能已损坏，请用 Excel 或 WPS 重新保存后再上传")
            self.cells = {}
            self.column = -1

    def end(self, tag):
        if tag == _C:
            if 0 <= self.column < MAX_COLUMNS:
                self.cells[self.column] = self._cell_value()
        elif tag == _V or tag == _T:
            self.text = None
        elif tag == _ROW:
            if self.cells:
                width = max(self.cells) + 1
                self.ready.append((self.row_number, [self.cells.get(index, "") for index in range(width)]))
            else:
                self.ready.append((self.row_number, []))
        elif tag == _RPH:
            self.phonetic -= 1

    def data(self, text):
        if self.text is not None:
            self.text.append(text)

    def close(self):
        return None

    def _cell_value(self):
        if self.formula:
            return _FORMULA
        kind = self.cell_type
        if kind == "inlineStr":
            return "".join(self.inline or ())
        raw = "".join(self.value) if self.value is not None else None
        if raw is None:
            return ""
        if kind == "s":
            try:
                return self.book.shared[int(raw)]
            except (ValueError, IndexError):
                return ""
        if kind in ("str", "e", "d"):
            return raw
        if kind == "b":
            return cell_value_to_text(raw.strip() in ("1", "true"))
        try:
            number: float | int = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        except ValueError:
            return raw
        styles = self.book.date_styles
        if 0 <= self.style < len(styles) and styles[self.style]:
            from openpyxl.utils.datetime import from_excel  # noqa: PLC0415 - lazy

            try:
                return cell_value_to_text(from_excel(number, self.book.epoch))
            except (ValueError, OverflowError, TypeError):
                return cell_value_to_text(number)
        return cell_value_to_text(number)
