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

MAX_ROWS = 5000
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
    per file); it is excluded from equality so round-trip comparisons ignore it.
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


@dataclass(frozen=True)
class RowError:
    """A problem with one row (``row`` 0 means the file as a whole).

    ``column`` is the canonical Chinese header name, or "" when the problem is
    not about a single column. ``file`` is only set by ``load_builtin_bank``.
    """

    row: int
    column: str
    message: str
    file: str = ""


@dataclass
class ParseResult:
    """Valid records plus every row-level error found in the same pass."""

    records: list[QuestionRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no errors were found (the records can be imported as-is)."""
        return not self.errors


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
