"""Validation of question rows into ``QuestionRecord`` objects.

Every row is checked completely and all problems are collected, so a trainer
can fix a whole file in one go instead of re-uploading it once per mistake.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .cells import clean_cell_text
from .model import (
    DEFAULT_CATEGORY,
    DEFAULT_DIFFICULTY,
    DEFAULT_POINTS,
    MAX_CATEGORY_LENGTH,
    MAX_DIFFICULTY,
    MAX_EXPLANATION_LENGTH,
    MAX_OPTION_LENGTH,
    MAX_POINTS,
    MAX_ROWS,
    MAX_SOURCE_LENGTH,
    MAX_STEM_LENGTH,
    MIN_DIFFICULTY,
    MIN_OPTIONS,
    MIN_POINTS,
    OPTION_HEADERS,
    OPTION_LETTERS,
    REQUIRED_HEADERS,
    TEMPLATE_HEADERS,
    TRUE_FALSE_OPTIONS,
    FileRejected,
    ParseResult,
    QuestionRecord,
    RowError,
)
from .table_reader import read_table

#: Header spellings trainers use, mapped to the canonical header.
HEADER_ALIASES: dict[str, str] = {
    "题目": "题干",
    "试题": "题干",
    "正确答案": "答案",
    "答案解析": "解析",
    "知识点": "分类",
    "类型": "题型",
}

_TYPE_SPELLINGS: dict[str, str] = {
    **dict.fromkeys(("单选", "单选题", "单项选择", "单项选择题", "single"), "single"),
    **dict.fromkeys(("多选", "多选题", "多项选择", "多项选择题", "multiple"), "multiple"),
    **dict.fromkeys(("判断", "判断题", "true_false"), "true_false"),
}

# Keys are NFKC-normalised and casefolded.
_TRUE_FALSE_SPELLINGS: dict[str, int] = {
    **dict.fromkeys(("正确", "对", "√", "✓", "✔", "t", "true", "y", "yes", "是"), 0),
    **dict.fromkeys(("错误", "错", "×", "✗", "✘", "f", "false", "n", "no", "否"), 1),
}

_DIFFICULTY_WORDS: dict[str, int] = {"易": 1, "简单": 1, "中": 2, "中等": 2, "难": 3, "困难": 3}

#: Separators allowed between answer letters (after NFKC, so full-width forms are covered).
_ANSWER_SEPARATORS_RE = re.compile(r"[\s,;、/|]+")
_WHITESPACE_RE = re.compile(r"\s+")
_ZERO_WIDTH_RE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
#: A whole number, optionally written as "2.0"/"2.00" the way spreadsheets export it.
_WHOLE_NUMBER_RE = re.compile(r"^\+?(\d+)(?:\.0*)?$")
#: Option headers beyond 选项H: recognised only to report them.
_EXTRA_OPTION_HEADER_RE = re.compile(r"^选项[I-Z]$")

_ASCII_PUNCTUATION = frozenset(string.punctuation)

_CHOICE_TYPES = ("single", "multiple")
_TRUE_FALSE_HINT = "正确/错误（也可写 对/错、√/×、T/F、是/否）"


def normalize_stem(text: str) -> str:
    """Reduce a stem to a comparison key: NFKC, casefold, no whitespace or punctuation.

    Used for duplicate detection, so "火灾时应：" and "火灾时应 :" count as the same.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not _is_ignorable_in_stem(ch))


def _is_ignorable_in_stem(ch: str) -> bool:
    """True for whitespace, ASCII/Unicode punctuation and invisible format characters."""
    if ch.isspace() or ch in _ASCII_PUNCTUATION:
        return True
    category = unicodedata.category(ch)
    return category.startswith("P") or category in ("Cc", "Cf")


def answer_letters(correct: tuple[int, ...]) -> str:
    """Render 0-based option indexes as answer letters: (0, 2) -> "AC"."""
    return "".join(OPTION_LETTERS[index] for index in sorted(correct))


def parse_question_file(filename: str, data: bytes, *, max_rows: int = MAX_ROWS) -> ParseResult:
    """Read and validate an uploaded question file.

    Raises ``FileRejected`` when the file as a whole is unusable; problems
    with individual rows are returned in ``ParseResult.errors``.
    """
    header, rows = read_table(filename, data, max_rows=max_rows)
    return parse_question_rows(header, rows)


def parse_question_rows(header: Sequence[str], rows: Iterable[tuple[int, Sequence[str]]]) -> ParseResult:
    """Validate already-read rows against a question-file header.

    ``rows`` holds ``(row_number, cells)`` pairs as produced by ``read_table``.
    Raises ``FileRejected("missing_column")`` when a required column is absent
    (or the option columns are absent while choice questions are present).
    """
    layout = _ColumnLayout.from_header(header)
    result = ParseResult(errors=list(layout.header_errors))
    first_row_of_stem: dict[tuple[str, str], int] = {}
    for row_number, cells in rows:
        row = _RowReader(row_number, cells, layout)
        if row.is_blank():
            continue
        record = row.parse(first_row_of_stem)
        if row.errors:
            result.errors.extend(row.errors)
        elif record is not None:
            result.records.append(record)
    return result


@dataclass
class _ColumnLayout:
    """Where each canonical column sits in the file's header."""

    positions: dict[str, int]
    extra_option_columns: list[tuple[str, int]] = field(default_factory=list)
    header_errors: list[RowError] = field(default_factory=list)

    @classmethod
    def from_header(cls, header: Sequence[str]) -> _ColumnLayout:
        """Match header cells to canonical names; reject the file if a required one is missing."""
        layout = cls(positions={})
        for index, cell in enumerate(header):
            name = _canonical_header(cell)
            if name in layout.positions:
                layout.header_errors.append(
                    RowError(0, name, f"表头中“{name}”列出现了不止一次，请删除多余的列")
                )
            elif name in TEMPLATE_HEADERS:
                layout.positions[name] = index
            elif _EXTRA_OPTION_HEADER_RE.match(name):
                layout.extra_option_columns.append((name, index))
        missing = [name for name in REQUIRED_HEADERS if name not in layout.positions]
        if missing:
            names = "、".join(f"“{name}”" for name in missing)
            raise FileRejected(
                "missing_column", f"缺少必填列{names}，请使用题库模板中的表头（第一行）"
            )
        return layout


def _canonical_header(text: str) -> str:
    """Normalise a header cell (NFKC, no spaces, upper-case letters) and resolve aliases."""
    name = unicodedata.normalize("NFKC", clean_cell_text(text))
    name = _ZERO_WIDTH_RE.sub("", _WHITESPACE_RE.sub("", name)).upper()
    return HEADER_ALIASES.get(name, name)


def _nfkc_compact(text: str) -> str:
    """NFKC-normalise and drop all whitespace, for matching keywords and numbers."""
    return _WHITESPACE_RE.sub("", unicodedata.normalize("NFKC", text))


class _RowReader:
    """Validates one data row, accumulating every problem in ``errors``."""

    def __init__(self, row_number: int, cells: Sequence[str], layout: _ColumnLayout) -> None:
        self.row_number = row_number
        self.cells = cells
        self.layout = layout
        self.errors: list[RowError] = []

    def cell(self, column: str) -> str:
        """The cleaned text under a canonical column ("" if the column or cell is absent)."""
        index = self.layout.positions.get(column)
        return self._cell_at(index)

    def _cell_at(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return clean_cell_text(self.cells[index] or "")

    def is_blank(self) -> bool:
        """True when every recognised column is empty (e.g. only a 序号 column is filled)."""
        indexes = [*self.layout.positions.values(), *(i for _, i in self.layout.extra_option_columns)]
        return not any(self._cell_at(index) for index in indexes)

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row_number, column, message))

    def parse(self, first_row_of_stem: dict[tuple[str, str], int]) -> QuestionRecord | None:
        """Check all columns; return the record, or None when any check failed."""
        question_type = self._parse_type()
        stem = self._parse_stem(question_type, first_row_of_stem)
        options: tuple[str, ...] = ()
        correct: tuple[int, ...] = ()
        if question_type == "true_false":
            options = TRUE_FALSE_OPTIONS
            correct = self._parse_true_false_answer()
        elif question_type in _CHOICE_TYPES:
            options, options_valid = self._parse_options()
            correct = self._parse_choice_answer(question_type, len(options) if options_valid else None)
        explanation = self._parse_text("解析", MAX_EXPLANATION_LENGTH)
        category = self._parse_text("分类", MAX_CATEGORY_LENGTH) or DEFAULT_CATEGORY
        difficulty = self._parse_difficulty()
        points = self._parse_points()
        source = self._parse_text("出处", MAX_SOURCE_LENGTH)
        if self.errors or question_type is None:
            return None
        return QuestionRecord(
            row=self.row_number,
            type=question_type,
            stem=stem,
            options=options,
            correct=correct,
            explanation=explanation,
            category=category,
            difficulty=difficulty,
            points=points,
            source=source,
        )

    def _parse_type(self) -> str | None:
        raw = self.cell("题型")
        if not raw:
            self.fail("题型", "题型不能为空，请填写 单选、多选 或 判断")
            return None
        question_type = _TYPE_SPELLINGS.get(_nfkc_compact(raw).casefold())
        if question_type is None:
            self.fail("题型", f"无法识别的题型“{raw}”，请填写 单选、多选 或 判断")
        elif question_type in _CHOICE_TYPES:
            missing = [name for name in OPTION_HEADERS[:MIN_OPTIONS] if name not in self.layout.positions]
            if missing:
                names = "、".join(f"“{name}”" for name in missing)
                raise FileRejected(
                    "missing_column", f"文件中有单选/多选题，但缺少{names}列，请使用题库模板中的表头"
                )
        return question_type

    def _parse_stem(self, question_type: str | None, first_row_of_stem: dict[tuple[str, str], int]) -> str:
        stem = self.cell("题干")
        if not stem:
            self.fail("题干", "题干不能为空")
            return stem
        if len(stem) > MAX_STEM_LENGTH:
            self.fail("题干", f"题干不能超过{MAX_STEM_LENGTH}字（当前{len(stem)}字）")
        if question_type is not None:
            key = (question_type, normalize_stem(stem))
            earlier = first_row_of_stem.setdefault(key, self.row_number)
            if earlier != self.row_number:
                self.fail("题干", f"与第{earlier}行重复")
        return stem

    def _parse_options(self) -> tuple[tuple[str, ...], bool]:
        """Read 选项A.. as a contiguous list; the flag says whether the list is usable."""
        values = [self.cell(name) for name in OPTION_HEADERS]
        valid = True
        filled = [index for index, value in enumerate(values) if value]
        count = filled[-1] + 1 if filled else 0
        for index in range(count):
            if not values[index]:
                valid = False
                self.fail(
                    OPTION_HEADERS[index],
                    f"{OPTION_HEADERS[index]}为空，但后面的{OPTION_HEADERS[count - 1]}有内容；"
                    "选项必须从选项A开始连续填写",
                )
                break
        for name, index in self.layout.extra_option_columns:
            if self._cell_at(index):
                self.fail(name, f"每题最多8个选项（选项A～选项H），请删除“{name}”列的内容")
        if count < MIN_OPTIONS:
            self.fail(OPTION_HEADERS[count], f"选择题至少需要{MIN_OPTIONS}个选项，请填写选项A和选项B")
        seen: dict[str, str] = {}
        for index, value in enumerate(values[:count]):
            name = OPTION_HEADERS[index]
            if len(value) > MAX_OPTION_LENGTH:
                self.fail(name, f"{name}不能超过{MAX_OPTION_LENGTH}字（当前{len(value)}字）")
            if value:
                earlier = seen.setdefault(value, name)
                if earlier != name:
                    self.fail(name, f"{name}与{earlier}内容相同")
        return tuple(values[:count]), valid

    def _parse_choice_answer(self, question_type: str, option_count: int | None) -> tuple[int, ...]:
        """Parse answer letters; range checks are skipped when the options are unusable."""
        raw = self.cell("答案")
        if not raw:
            self.fail("答案", "答案不能为空")
            return ()
        letters = _ANSWER_SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", raw).upper())
        if not letters or not all("A" <= letter <= "Z" for letter in letters):
            self.fail("答案", f"答案“{raw}”格式不正确，请填写选项字母，如 A 或 ABD")
            return ()
        indexes = sorted({ord(letter) - ord("A") for letter in letters})
        if option_count is not None:
            outside = [index for index in indexes if index >= option_count]
            if outside:
                listed = "、".join(chr(ord("A") + index) for index in outside)
                available = f"A～{OPTION_LETTERS[option_count - 1]}" if option_count else "无"
                self.fail("答案", f"答案中的{listed}不在本题的选项中（本题选项为{available}）")
        if question_type == "single" and len(indexes) != 1:
            self.fail("答案", f"单选题只能有一个正确答案，当前填写的是“{raw}”")
        elif question_type == "multiple" and len(indexes) < 2:
            self.fail("答案", f"多选题至少需要两个正确答案，当前填写的是“{raw}”")
        return tuple(indexes)

    def _parse_true_false_answer(self) -> tuple[int, ...]:
        raw = self.cell("答案")
        if not raw:
            self.fail("答案", f"答案不能为空，判断题请填写{_TRUE_FALSE_HINT}")
            return ()
        normalized = unicodedata.normalize("NFKC", raw).casefold()
        index = _TRUE_FALSE_SPELLINGS.get(_WHITESPACE_RE.sub("", normalized))
        if index is not None:
            return (index,)
        parts = [part for part in _ANSWER_SEPARATORS_RE.split(normalized) if part]
        if len(parts) > 1 and all(part in _TRUE_FALSE_SPELLINGS for part in parts):
            self.fail("答案", f"判断题只能有一个答案，当前填写的是“{raw}”")
        else:
            self.fail("答案", f"无法识别的判断题答案“{raw}”，请填写{_TRUE_FALSE_HINT}")
        return ()

    def _parse_text(self, column: str, max_length: int) -> str:
        text = self.cell(column)
        if len(text) > max_length:
            self.fail(column, f"{column}不能超过{max_length}字（当前{len(text)}字）")
        return text

    def _parse_difficulty(self) -> int:
        raw = self.cell("难度")
        if not raw:
            return DEFAULT_DIFFICULTY
        compact = _nfkc_compact(raw)
        value = _DIFFICULTY_WORDS.get(compact)
        if value is None:
            value = _parse_whole_number(compact)
        if value is None or not MIN_DIFFICULTY <= value <= MAX_DIFFICULTY:
            self.fail("难度", f"难度“{raw}”无效，请填写 1、2、3（或 易、中、难），留空默认为2")
            return DEFAULT_DIFFICULTY
        return value

    def _parse_points(self) -> int:
        raw = self.cell("分值")
        if not raw:
            return DEFAULT_POINTS
        value = _parse_whole_number(_nfkc_compact(raw))
        if value is None or not MIN_POINTS <= value <= MAX_POINTS:
            self.fail("分值", f"分值“{raw}”无效，请填写{MIN_POINTS}～{MAX_POINTS}之间的整数，留空默认为1")
            return DEFAULT_POINTS
        return value


def _parse_whole_number(text: str) -> int | None:
    """Parse "2", "2.0", "+2" as 2; anything else (2.5, -1, abc) gives None."""
    match = _WHOLE_NUMBER_RE.match(text)
    return int(match.group(1)) if match else None

