"""Constants and data types shared by the question-bank reader, parser and exporters."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Internal question type -> the Chinese label used in files and in the UI.
QUESTION_TYPES: dict[str, str] = {"single": "单选", "multiple": "多选", "true_false": "判断"}

#: The fixed options of a true/false (判断) question; index 0 is "true".
TRUE_FALSE_OPTIONS: tuple[str, str] = ("正确", "错误")

#: Letters of the option columns, in order (at most 8 options per question).
OPTION_LETTERS = "ABCDEFGH"
OPTION_HEADERS: list[str] = [f"选项{letter}" for letter in OPTION_LETTERS]

#: The canonical header row of a question file, in template order.
TEMPLATE_HEADERS: list[str] = [
    "题型",
    "题干",
    *OPTION_HEADERS,
    "答案",
    "解析",
    "分类",
    "难度",
    "分值",
    "出处",
]

#: Columns without which no row can be parsed.
REQUIRED_HEADERS: tuple[str, ...] = ("题型", "题干", "答案")

#: Data rows (questions) per file, over all sheets and sections; real banks run to 8,500.
MAX_ROWS = 20000
MAX_FILE_BYTES = 5 * 1024 * 1024

MIN_OPTIONS = 2
MAX_STEM_LENGTH = 2000
MAX_OPTION_LENGTH = 500
MAX_EXPLANATION_LENGTH = 2000
MAX_SOURCE_LENGTH = 2000
#: Categories are used for grouping and filtering, so keep them short.
MAX_CATEGORY_LENGTH = 100

DEFAULT_CATEGORY = "未分类"
DEFAULT_DIFFICULTY = 2
MIN_DIFFICULTY, MAX_DIFFICULTY = 1, 3
DEFAULT_POINTS = 1
MIN_POINTS, MAX_POINTS = 1, 100

#: Machine-readable reasons a whole file can be rejected (see FileRejected.code).
FILE_REJECTED_CODES = frozenset(
    {
        "unsupported_type",
        "too_large",
        "encoding",
        "empty",
        "missing_column",
        "too_many_rows",
        "unsafe_archive",
        "unsafe_xml",
        "formula",
        "corrupt",
    }
)


@dataclass(frozen=True)
class QuestionRecord:
    """One validated question, as read from a question file.

    ``file`` is only filled in by ``load_builtin_bank`` (where row numbers are
    per file) and ``sheet`` names the worksheet or Word table of a file with
    several; both are excluded from equality so round-trip comparisons ignore them.
    """

    row: int
    type: str
    stem: str
    options: tuple[str, ...]
    correct: tuple[int, ...]
    explanation: str
    category: str
    difficulty: int
    points: int
    source: str
    file: str = field(default="", compare=False)
    sheet: str = field(default="", compare=False)


@dataclass(frozen=True)
class RowError:
    """A problem with one row (``row`` 0 means the file as a whole).

    ``column`` is the field (canonical Chinese header name), or "" when the problem
    is not about a single column. ``file`` is only set by ``load_builtin_bank``;
    ``sheet`` names the worksheet (or Word table) when a file has several, and the
    message then starts with it, so it can be shown as it is.
    """

    row: int
    column: str
    message: str
    file: str = ""
    sheet: str = ""


@dataclass(frozen=True)
class UnsupportedRow:
    """A row skipped because the platform has no such question type (简答, 填空 ...)."""

    row: int
    #: the type as written in the file, or a short reason ("无选项") when it had none
    type: str
    sheet: str = ""


@dataclass(frozen=True)
class DuplicateRow:
    """A row skipped because it repeats an earlier row of the same file exactly."""

    row: int
    first_row: int
    sheet: str = ""
    first_sheet: str = ""


@dataclass(frozen=True)
class ProblemRow:
    """A row with errors, as it was in the file: enough to write it back out for fixing."""

    row: int
    sheet: str
    #: the header row of the row's section (the cells are in its column order)
    header: tuple[str, ...]
    cells: tuple[str, ...]
    #: every error message of the row, each starting with its column
    reasons: tuple[str, ...]


#: Values of each column kept for the mapping step, and their length.
SAMPLE_VALUES = 3
SAMPLE_LENGTH = 30
#: Rows below a header that are looked at for those values.
SAMPLE_ROWS = 20


@dataclass
class SectionLayout:
    """One header row of a file and what the importer made of each of its columns."""

    sheet: str
    #: 1-based row (or line) number of the header; 0 for a layout without one (pasted text)
    header_row: int
    header: list[str]
    #: per column, the field it was matched or mapped to ("" = not recognised, "忽略" = left out by the mapping)
    fields: list[str]
    #: required fields this header has no column for
    missing_fields: list[str] = field(default_factory=list)
    #: distinct values of the type column, in order of appearance (at most 100)
    type_values: list[str] = field(default_factory=list)
    #: the type values that are neither known spellings nor in the mapping
    unknown_type_values: list[str] = field(default_factory=list)
    #: per column, the first few distinct values below the header (for the mapping step)
    samples: list[list[str]] = field(default_factory=list)

    def note_samples(self, cells: list[str]) -> None:
        """Keep up to SAMPLE_VALUES distinct values per column, each cut to SAMPLE_LENGTH characters."""
        while len(self.samples) < len(self.header):
            self.samples.append([])
        for values, cell in zip(self.samples, cells):
            text = cell.strip()[:SAMPLE_LENGTH] if isinstance(cell, str) else ""
            if text and len(values) < SAMPLE_VALUES and text not in values:
                values.append(text)

    @property
    def unknown_columns(self) -> list[str]:
        return [name for name, matched in zip(self.header, self.fields) if name and not matched]

    def to_json(self) -> dict:
        return {
            "sheet": self.sheet,
            "header_row": self.header_row,
            "columns": [{"header": name, "field": matched,
                         "samples": list(self.samples[index]) if index < len(self.samples) else []}
                        for index, (name, matched) in enumerate(zip(self.header, self.fields))],
            "missing_fields": list(self.missing_fields),
            "type_values": list(self.type_values),
            "unknown_type_values": list(self.unknown_type_values),
        }


@dataclass
class FileLayout:
    """How a file was read: its format and every header section found (for a mapping step)."""

    #: "xlsx", "xls", "csv" (any delimited text), "docx" or "text" (the pasted-question layout)
    format: str
    sections: list[SectionLayout] = field(default_factory=list)
    #: ``header_signature`` of the first header row ("" when there is none)
    signature: str = ""

    @property
    def headers_found(self) -> list[str]:
        """Every distinct non-empty header cell, in order of appearance."""
        seen: dict[str, None] = {}
        for section in self.sections:
            for name in section.header:
                if name:
                    seen.setdefault(name, None)
        return list(seen)

    @property
    def missing_fields(self) -> list[str]:
        seen: dict[str, None] = {}
        for section in self.sections:
            for name in section.missing_fields:
                seen.setdefault(name, None)
        return list(seen)

    @property
    def unknown_type_values(self) -> list[str]:
        seen: dict[str, None] = {}
        for section in self.sections:
            for value in section.unknown_type_values:
                seen.setdefault(value, None)
        return list(seen)

    @property
    def needs_mapping(self) -> bool:
        """True when a required column or the meaning of some type values is unknown."""
        return not self.sections or bool(self.missing_fields or self.unknown_type_values)

    def to_json(self) -> dict:
        """Everything a mapping UI needs, JSON-ready (field choices are in FIELD_CHOICES)."""
        return {
            "format": self.format,
            "signature": self.signature,
            "headers_found": self.headers_found,
            "missing_fields": self.missing_fields,
            "unknown_type_values": self.unknown_type_values,
            "needs_mapping": self.needs_mapping,
            "sections": [section.to_json() for section in self.sections],
        }


@dataclass
class ParseResult:
    """Valid records plus every problem found in the same pass.

    ``errors`` make rows unusable (the default import is all or nothing: ``ok``);
    ``warnings`` do not (an unknown difficulty took the default, a repeat was skipped).
    Rows the platform cannot hold are in ``skipped_unsupported``; exact repeats inside
    the file in ``duplicates``; rows with errors, as they were, in ``problem_rows``.
    """

    records: list[QuestionRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    skipped_unsupported: list[UnsupportedRow] = field(default_factory=list)
    duplicates: list[DuplicateRow] = field(default_factory=list)
    #: header cells that were not recognised (ignored), distinct, in order
    unknown_columns: list[str] = field(default_factory=list)
    problem_rows: list[ProblemRow] = field(default_factory=list)
    layout: FileLayout | None = None

    @property
    def ok(self) -> bool:
        """True when no errors were found (the records can be imported as-is)."""
        return not self.errors

    @property
    def error_row_count(self) -> int:
        """How many rows have errors (a file-level error, row 0, is not a row)."""
        return len({(error.sheet, error.row) for error in self.errors if error.row})


class FileRejected(Exception):
    """The file as a whole cannot be read; nothing in it is usable."""

    def __init__(self, code: str, message: str) -> None:
        if code not in FILE_REJECTED_CODES:
            raise ValueError(f"unknown FileRejected code: {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"FileRejected(code={self.code!r}, message={self.message!r})"


class MappingNeeded(FileRejected):
    """The file's columns could not all be recognised: a column mapping is needed.

    ``code`` is "missing_column" (so every FileRejected handler still works); ``layout``
    tells a mapping UI which headers were found and what each was matched to.
    """

    def __init__(self, message: str, layout: FileLayout) -> None:
        super().__init__("missing_column", message)
        self.layout = layout
