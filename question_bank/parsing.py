"""Validation of question rows into ``QuestionRecord`` objects.

Every row is checked completely and all problems are collected, so a trainer
can fix a whole file in one go instead of re-uploading it once per mistake.

A sheet is read as sections: the header row may follow title or instruction rows, and a
later header row starts a new section with its own columns.  Columns are recognised by
meaning (see ``headers``) or by a ``ColumnMapping``.  Rows of a type the platform does not
have are skipped (``skipped_unsupported``), exact repeats are skipped with a warning, and
every other problem is an error of its row.
"""

from __future__ import annotations

import functools
import hashlib
import re
import string
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .cells import clean_cell_text, unescape_cell
from .documents import open_document
from .headers import (
    FIELD_ANSWER,
    FIELD_CATEGORY,
    FIELD_DIFFICULTY,
    FIELD_EXPLANATION,
    FIELD_IGNORE,
    FIELD_PACKED_OPTIONS,
    FIELD_POINTS,
    FIELD_SOURCE,
    FIELD_STEM,
    FIELD_TYPE,
    FLAG_FIELDS,
    header_signature,
    looks_like_header_cell,
    match_header,
    normalize_header,
)
from .mapping import ColumnMapping, normalize_value
from .model import (
    DEFAULT_CATEGORY,
    DEFAULT_DIFFICULTY,
    DEFAULT_POINTS,
    MAX_CATEGORY_LENGTH,
    MAX_DIFFICULTY,
    MAX_EXPLANATION_LENGTH,
    MAX_FILE_BYTES,
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
    TEMPLATE_HEADERS,
    TRUE_FALSE_OPTIONS,
    DuplicateRow,
    FileLayout,
    FileRejected,
    MappingNeeded,
    ParseResult,
    ProblemRow,
    QuestionRecord,
    SAMPLE_ROWS,
    RowError,
    SectionLayout,
    UnsupportedRow,
)
from .options import split_packed_options, strip_option_label
from .table_reader import RawRow, _FormulaCell, _formula_rejection
from .text_questions import TextQuestion, read_text_questions

_TYPE_SPELLINGS: dict[str, str] = {
    **dict.fromkeys(
        ("单选", "单选题", "单项选择", "单项选择题", "单项", "单择题", "single", "singlechoice", "single_choice", "radio",
         "sc", "单选择题"),
        "single",
    ),
    **dict.fromkeys(
        ("多选", "多选题", "多项选择", "多项选择题", "多项", "多择题", "multiple", "multiplechoice", "multiple_choice",
         "multi", "checkbox", "mc", "多选择题"),
        "multiple",
    ),
    **dict.fromkeys(
        ("判断", "判断题", "是非题", "是非", "对错题", "正误题", "判断正误", "true_false", "truefalse", "tf", "judge",
         "judgement", "判断对错"),
        "true_false",
    ),
}
#: Type values whose rows are single or multiple by their number of answers.
_CHOICE_BY_ANSWER = frozenset({"选择", "选择题", "不定项", "不定项选择", "不定项选择题", "choice"})
#: Question types the platform does not have: their rows are skipped, not errors.
UNSUPPORTED_TYPE_WORDS = (
    "填空", "简答", "问答", "论述", "案例", "主观", "计算", "名词解释", "排序", "连线", "匹配", "作文", "阅读",
    "完形", "材料", "综合", "画图", "绘图", "操作", "实操", "翻译", "写作", "听力", "编程", "程序", "解答", "分析",
)
_NO_OPTIONS = "无选项"

# Keys are NFKC-normalised and casefolded.
_TRUE_FALSE_SPELLINGS: dict[str, int] = {
    **dict.fromkeys(("正确", "对", "√", "✓", "✔", "✅", "✔️", "t", "true", "y", "yes", "是", "对的", "正确的"), 0),
    **dict.fromkeys(("错误", "错", "×", "✗", "✘", "❌", "✖", "x", "f", "false", "n", "no", "否", "错的", "不正确"), 1),
}
_FLAG_TRUE = frozenset({"1", "是", "对", "√", "✓", "✔", "正确", "y", "yes", "true", "t", "正确答案", "答案"})
_FLAG_FALSE = frozenset({"0", "否", "错", "×", "✗", "错误", "n", "no", "false", "f", ""})

_DIFFICULTY_WORDS: dict[str, int] = {
    **dict.fromkeys(("易", "简单", "基础", "容易", "较易", "低", "初级", "偏易", "easy", "e"), 1),
    **dict.fromkeys(("中", "中等", "一般", "较难", "适中", "普通", "中级", "medium", "normal", "m"), 2),
    **dict.fromkeys(("难", "困难", "高难度", "很难", "高", "高级", "偏难", "hard", "difficult", "h"), 3),
}

#: Separators allowed between answer letters (after NFKC, so full-width forms are covered).
_ANSWER_SEPARATORS_RE = re.compile(r"[\s,;、/|&+]+")
_WHITESPACE_RE = re.compile(r"\s+")
#: A whole number, optionally written as "2.0"/"2.00" the way spreadsheets export it.
_WHOLE_NUMBER_RE = re.compile(r"^\+?(\d+)(?:\.0*)?$")
#: An answer written as label and option text: "C．先缓后急".
_LABELLED_ANSWER_RE = re.compile(r"^([A-H])\s*[.．、:：)）]\s*\S")
#: A sheet row that only names the type of the rows below it: "一、单选题（共20题）".
_SECTION_TITLE_RE = re.compile(
    r"^(?:第?[一二三四五六七八九十\d]+(?:部分|大题)?\s*[、.．:：]?\s*)?[【\[(（]?\s*"
    r"(?P<type>单项选择题?|多项选择题?|不定项选择题?|单选题?|多选题?|判断题?|是非题|选择题|"
    + "|".join(f"{word}题?" for word in ("填空", "简答", "问答", "论述", "计算", "案例分析", "名词解释"))
    + r")\s*[】\])）]?\s*(?:[(（].*[)）])?\s*$"
)

#: Non-blank rows at the top of a sheet searched for the header row.
HEADER_SEARCH_ROWS = 30
#: Lines of a sheet without a header that are kept to read it as text.
_MAX_TEXT_SHEET_ROWS = MAX_ROWS * 4
_ASCII_PUNCTUATION = frozenset(string.punctuation)
_CHOICE_TYPES = ("single", "multiple")
_TRUE_FALSE_HINT = "正确/错误（也可写 对/错、√/×、T/F、是/否）"
_LIST_LIMIT = 30


def normalize_stem(text: str) -> str:
    """Reduce a stem to a comparison key: NFKC, casefold, no whitespace or punctuation.

    Used for duplicate detection, so "火灾时应：" and "火灾时应 :" count as the same.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    stripped = folded.translate(_ignorable_bmp_table())
    if stripped.isascii() or all(ord(ch) <= 0xFFFF for ch in stripped):
        return stripped
    return "".join(ch for ch in stripped if not _is_ignorable_in_stem(ch))


def _is_ignorable_in_stem(ch: str) -> bool:
    """True for whitespace, ASCII/Unicode punctuation and invisible format characters."""
    if ch.isspace() or ch in _ASCII_PUNCTUATION:
        return True
    category = unicodedata.category(ch)
    return category.startswith("P") or category in ("Cc", "Cf")


@functools.cache
def _ignorable_bmp_table() -> dict[int, None]:
    """str.translate table deleting every ignorable character of the Basic Multilingual Plane
    (built once, on first use: a per-character Python loop over 20,000 stems is too slow)."""
    return {code: None for code in range(0x10000) if _is_ignorable_in_stem(chr(code))}


def normalize_option(text: str) -> str:
    """Comparison form of an option: NFKC, casefold, no whitespace, no trailing 。；,. marks.

    Inner punctuation stays, so "1.5米" and "15米" remain different options.
    """
    folded = "".join(unicodedata.normalize("NFKC", text).casefold().split())
    return folded.rstrip("。.;；,，、")


def duplicate_key(question) -> str:
    """The duplicate-detection key of a question: type, normalised stem and the SET of options.

    Works for a QuestionRecord or anything with ``type``, ``stem`` and ``options`` (such as the
    app's Question model).  Option order does not matter; the answer is not part of the key,
    so a copy with a corrected answer is still the same question.  Returns 64 hex digits.
    """
    options = sorted(normalize_option(option) for option in question.options or ())
    payload = "\x1e".join([question.type, normalize_stem(question.stem), "\x1f".join(options)])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def answer_letters(correct: tuple[int, ...]) -> str:
    """Render 0-based option indexes as answer letters: (0, 2) -> "AC"."""
    return "".join(OPTION_LETTERS[index] for index in sorted(correct))


# ------------------------------------------------------------------ entry points


def parse_question_file(
    filename: str,
    data: bytes,
    *,
    max_rows: int = MAX_ROWS,
    mapping: ColumnMapping | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> ParseResult:
    """Read and validate an uploaded question file of any supported format (by content).

    Raises ``MappingNeeded`` (a ``FileRejected`` with code "missing_column") when required
    columns cannot be recognised, ``FileRejected`` when the file as a whole is unusable;
    problems with individual rows are returned in the result.  ``filename`` is not used to
    decide the format (a renamed file is read by what it contains).  ``max_bytes`` is the
    size limit (the app's upload limit should match it).
    """
    parser = _Parser(mapping, max_rows)
    with open_document(data, max_bytes=max_bytes) as document:
        parser.layout.format = document.format
        found_table = False
        for sheet in document.sheets:
            found_table |= parser.feed_sheet(sheet.name, sheet.rows, as_text=document.format in ("xlsx", "xls"))
        if document.text_lines is not None and (document.format == "docx" or not found_table):
            if parser.feed_text(document.text_lines) and document.format == "csv":
                parser.layout.format = "text"
    return parser.finish()


def parse_question_text(text: str, *, max_rows: int = MAX_ROWS, mapping: ColumnMapping | None = None) -> ParseResult:
    """Validate questions pasted into a text box.

    The common layout (``1. 题干`` / ``A. 选项`` lines / ``答案：AB`` / ``解析：…``) is read; a
    pasted table (copied from Excel: tab-separated with a header row) is read as a table.
    """
    empty = FileRejected("empty", "没有识别到题目，请按“1. 题干”“A. 选项”“答案：A”的格式每题分行粘贴")
    if not text.strip():
        raise empty
    parser = _Parser(mapping, max_rows)
    parser.layout.format = "text"
    with open_document(text.encode("utf-8")) as document:
        found_table = False
        for sheet in document.sheets:
            found_table |= parser.feed_sheet(sheet.name, sheet.rows, as_text=False)
        if found_table:
            parser.layout.format = "csv"
        elif document.text_lines is not None:
            parser.feed_text(document.text_lines)
    if not parser.sections_seen and not parser.text_questions:
        raise empty
    return parser.finish()


def parse_question_rows(
    header: Sequence[str], rows: Iterable[tuple[int, Sequence[str]]], *, mapping: ColumnMapping | None = None
) -> ParseResult:
    """Validate already-read rows against a question-file header.

    ``rows`` holds ``(row_number, cells)`` pairs as produced by ``read_table``.  The header
    takes part in header detection like any row, so a title row given as the header is
    skipped and a header further down is found.  Raises ``MappingNeeded`` when a required
    column is absent (or option columns are absent while choice questions are present).
    """
    rows = list(rows)
    header_row = max(rows[0][0] - 1, 1) if rows else 1
    parser = _Parser(mapping, max_rows=None)
    parser.layout.format = "rows"
    all_rows: list[RawRow] = [(header_row, list(header)), *((number, list(cells)) for number, cells in rows)]
    parser.feed_sheet("", iter(all_rows), as_text=False)
    return parser.finish()


# ------------------------------------------------------------------ sections


@dataclass
class _Section:
    """Where each field sits in one header row, and what was learnt about its rows."""

    layout: SectionLayout
    positions: dict[str, int]
    numbered_options: bool = False
    extra_option_columns: list[tuple[str, int]] = field(default_factory=list)
    type_hint: str = ""
    #: questions read from text: every column exists, options may simply be absent
    text_layout: bool = False
    #: data rows looked at for the mapping step's sample values
    sample_rows: int = 0

    @property
    def has_option_columns(self) -> bool:
        """Columns for at least two options (or one packed options column)."""
        return FIELD_PACKED_OPTIONS in self.positions or all(name in self.positions for name in OPTION_HEADERS[:2])

    @property
    def has_flags(self) -> bool:
        return any(name in self.positions for name in FLAG_FIELDS)


def _resolve_columns(header: Sequence[str], mapping: ColumnMapping | None) -> tuple[list[str], bool, list[int], list[int]]:
    """Field per column, whether options are numbered, bare flag columns, extra option columns."""
    fields: list[str] = []
    numbered = False
    bare_flags: list[int] = []
    extras: list[int] = []
    for index, cell in enumerate(header):
        mapped = mapping.field_for(cell) if mapping is not None and cell else None
        if mapped is not None:
            fields.append(mapped)
            continue
        match = match_header(cell) if cell else None
        if match is None:
            fields.append("")
            continue
        numbered |= match.numbered
        if match.bare_flag:
            bare_flags.append(index)
        if match.extra_option:
            extras.append(index)
        fields.append(match.field)
    for index in bare_flags:
        previous = fields[index - 1] if index else ""
        if previous in OPTION_HEADERS:
            fields[index] = FLAG_FIELDS[OPTION_HEADERS.index(previous)]
    return fields, numbered, bare_flags, extras


def _is_header(cells: Sequence[str], mapping: ColumnMapping | None, *, minimum: int = 2) -> bool:
    """A header row names the stem and at least ``minimum - 1`` other fields (or maps two columns).

    A bare letter ("A") counts as an option header only beside another one ("B"), since
    an answer cell holds just such a letter.
    """
    if len(cells) < 2:
        return False
    if mapping is not None and not mapping.is_empty:
        if sum(1 for cell in cells if cell and mapping.field_for(cell) is not None) >= 2:
            return True
    found: set[str] = set()
    bare_letters = 0
    for cell in cells:
        if cell and len(cell) <= 40:
            matched = match_header(cell).field
            if not matched:
                continue
            if matched in OPTION_HEADERS:
                if len(normalize_header(cell)) == 1:
                    bare_letters += 1
                    continue
                matched = "选项"
            found.add(matched)
    if bare_letters >= 2:
        found.add("选项")
    return FIELD_STEM in found and len(found) >= minimum


def _may_be_header(cells: Sequence[str]) -> bool:
    """Cheap test before matching a row inside a section: two cells are common header spellings.

    (The header row at the top of a sheet is matched fully; a later header row is expected to
    use the usual spellings.)"""
    found = 0
    for cell in cells:
        if cell and looks_like_header_cell(cell):
            found += 1
            if found >= 2:
                return True
    return False


class _Parser:
    """Collects records and problems over every sheet (and text) of one file."""

    def __init__(self, mapping: ColumnMapping | None, max_rows: int | None) -> None:
        self.mapping = mapping if mapping is not None and not mapping.is_empty else None
        self.max_rows = max_rows
        self.layout = FileLayout("")
        self.result = ParseResult(layout=self.layout)
        self.first_seen: dict[str, QuestionRecord] = {}
        self.data_rows = 0
        self.sections_seen = 0
        self.text_questions = 0
        self.guessed_header: tuple[str, int, list[str], list[list[str]]] | None = None
        self.sheet_names: set[str] = set()

    # -- sheets

    def feed_sheet(self, name: str, raw_rows: Iterator[RawRow], *, as_text: bool) -> bool:
        """Read one table; True when it had a header row. Without one it may be read as text."""
        section: _Section | None = None
        before_header: list[tuple[int, list]] = []
        for row_number, raw_cells in raw_rows:
            cells = _clean_row(raw_cells)
            if not cells:
                continue
            texts = [cell if isinstance(cell, str) else "" for cell in cells]
            if section is None:
                if len(before_header) < HEADER_SEARCH_ROWS and _is_header(texts, self.mapping):
                    _reject_formulas(row_number, cells, None)
                    section = self._start_section(name, row_number, texts)
                    continue
                if len(before_header) < _MAX_TEXT_SHEET_ROWS:
                    before_header.append((row_number, cells))
                continue
            if _may_be_header(texts) and (texts == section.layout.header
                                          or _is_header(texts, self.mapping, minimum=3)):
                # a repeated or another header row starts a new section
                _reject_formulas(row_number, cells, None)
                section = self._start_section(name, row_number, texts)
                continue
            if section.sample_rows < SAMPLE_ROWS:
                section.sample_rows += 1
                section.layout.note_samples(texts)
            hint = _section_title(texts)
            if hint is not None:
                section.type_hint = hint
                continue
            if not self._row_has_data(section, cells):
                continue
            self._count_row()
            _reject_formulas(row_number, cells, section.layout.header)
            self._parse_row(section, row_number, texts)
        if section is not None:
            return True
        if as_text and before_header and self._feed_sheet_as_text(name, before_header):
            return True
        self._remember_guess(name, before_header)
        return False

    def _start_section(self, sheet: str, row_number: int, header: list[str]) -> _Section:
        fields, numbered, _bare, extras = _resolve_columns(header, self.mapping)
        layout = SectionLayout(sheet=sheet, header_row=row_number, header=list(header), fields=list(fields))
        section = _Section(layout=layout, positions={}, numbered_options=numbered)
        for index, name in enumerate(fields):
            if name == FIELD_IGNORE:
                continue
            if not name:
                if index in extras:
                    section.extra_option_columns.append((header[index], index))
                continue
            if name in section.positions:
                self.result.errors.append(
                    RowError(0, name, f"表头中“{name}”列出现了不止一次，请删除多余的列", sheet=sheet)
                )
                layout.fields[index] = ""
                continue
            section.positions[name] = index
        missing = []
        if FIELD_STEM not in section.positions:
            missing.append(FIELD_STEM)
        if FIELD_ANSWER not in section.positions and not section.has_flags:
            missing.append(FIELD_ANSWER)
        layout.missing_fields = missing
        self.layout.sections.append(layout)
        if not self.layout.signature:
            self.layout.signature = header_signature(header)
        self.sections_seen += 1
        if sheet:
            self.sheet_names.add(sheet)
        for column in layout.unknown_columns:
            if column not in self.result.unknown_columns:
                self.result.unknown_columns.append(column)
        return section

    def _row_has_data(self, section: _Section, cells: list) -> bool:
        """True unless every recognised column is empty (e.g. only a 序号 column is filled)."""
        indexes = [*section.positions.values(), *(index for _, index in section.extra_option_columns)]
        return any(index < len(cells) and cells[index] != "" for index in indexes)

    def _count_row(self) -> None:
        self.data_rows += 1
        if self.max_rows is not None and self.data_rows > self.max_rows:
            raise FileRejected(
                "too_many_rows", f"数据行超过 {self.max_rows} 行的上限，请拆分成多个文件后分批上传"
            )

    def _remember_guess(self, sheet: str, rows: list[tuple[int, list]]) -> None:
        """Keep the most header-like early row of a sheet without a header, for the mapping step."""
        if self.guessed_header is not None:
            return
        for index, (row_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
            texts = [cell if isinstance(cell, str) else "" for cell in cells]
            if sum(1 for text in texts if text) >= 2:
                self.guessed_header = (sheet, row_number, texts,
                                       [[cell if isinstance(cell, str) else "" for cell in below]
                                        for _row, below in rows[index + 1 : index + 1 + SAMPLE_ROWS]])
                return

    def _feed_sheet_as_text(self, sheet: str, rows: list[tuple[int, list]]) -> bool:
        """A sheet without a header may hold questions as text, one line per cell."""
        if _is_table(rows):
            return False
        lines: list[tuple[int, str]] = []
        for row_number, cells in rows:
            texts = [cell for cell in cells if isinstance(cell, str) and cell]
            if any(isinstance(cell, _FormulaCell) for cell in cells):
                continue
            for position, text in enumerate(texts):
                if position and _looks_like_answer(text):
                    lines.append((row_number, f"答案：{text}"))
                else:
                    lines.extend((row_number, line) for line in text.split("\n"))
        # only numbered questions ("1、…") with an answer: a stray table must not pass for text
        questions = [q for q in read_text_questions(lines) if q.answer and not q.tentative]
        if not questions:
            return False
        self._add_text_questions(questions, sheet)
        return True

    # -- text

    def feed_text(self, lines: list[tuple[int, str]], sheet: str = "") -> bool:
        questions = read_text_questions(lines)
        if not questions:
            return False
        self._add_text_questions(questions, sheet)
        return True

    def _add_text_questions(self, questions: list[TextQuestion], sheet: str) -> None:
        if not any(section.sheet == sheet and section.header_row == 0 for section in self.layout.sections):
            self.layout.sections.append(
                SectionLayout(sheet=sheet, header_row=0, header=list(TEMPLATE_HEADERS), fields=list(TEMPLATE_HEADERS))
            )
        section = _Section(layout=self.layout.sections[-1],
                           positions={name: index for index, name in enumerate(TEMPLATE_HEADERS)}, text_layout=True)
        if sheet:
            self.sheet_names.add(sheet)
        for question in questions:
            self._count_row()
            self.text_questions += 1
            section.type_hint = question.hint
            cells_by_name = question.cells()
            cells = [clean_cell_text(cells_by_name.get(name, "")) for name in TEMPLATE_HEADERS]
            self._parse_row(section, question.line, cells, extra_errors=question.problems)

    # -- rows

    def _parse_row(self, section: _Section, row_number: int, cells: list[str],
                   extra_errors: Sequence[tuple[str, str]] = ()) -> None:
        layout = section.layout
        if layout.missing_fields:
            _collect_type_value(section, cells, self.mapping)
            return
        row = _RowReader(row_number, cells, section, self.mapping)
        for column, message in extra_errors:
            row.fail(column, message)
        outcome = row.parse()
        self.result.warnings.extend(row.warnings)
        if isinstance(outcome, UnsupportedRow):
            self.result.skipped_unsupported.append(outcome)
            return
        if row.errors or outcome is None:
            self._add_problem(section, row_number, cells, row.errors)
            return
        key = duplicate_key(outcome)
        earlier = self.first_seen.get(key)
        if earlier is None:
            self.first_seen[key] = outcome
            self.result.records.append(outcome)
            return
        where = _where(earlier, layout.sheet)
        if _correct_texts(earlier) == _correct_texts(outcome):
            self.result.duplicates.append(DuplicateRow(row_number, earlier.row, layout.sheet, earlier.sheet))
            self.result.warnings.append(
                RowError(row_number, FIELD_STEM, f"与{where}重复，已跳过", sheet=layout.sheet)
            )
        else:
            error = RowError(row_number, FIELD_ANSWER,
                             f"与{where}的题干和选项相同，但答案不同；请删除其中一行或改正答案", sheet=layout.sheet)
            self._add_problem(section, row_number, cells, [error])

    def _add_problem(self, section: _Section, row_number: int, cells: list[str], errors: list[RowError]) -> None:
        self.result.errors.extend(errors)
        self.result.problem_rows.append(
            ProblemRow(
                row=row_number,
                sheet=section.layout.sheet,
                header=tuple(section.layout.header),
                cells=tuple(cells),
                reasons=tuple(f"{e.column}：{e.message}" if e.column else e.message for e in errors),
            )
        )

    # -- end

    def finish(self) -> ParseResult:
        result = self.result
        layout = self.layout
        if not layout.sections:
            if self.guessed_header is not None:
                sheet, row_number, header, below = self.guessed_header
                fields, *_ = _resolve_columns(header, self.mapping)
                guessed = SectionLayout(sheet, row_number, header, fields, missing_fields=_missing_of(fields))
                for cells in below:
                    guessed.note_samples(cells)
                layout.sections.append(guessed)
                layout.signature = header_signature(header)
                raise MappingNeeded(_missing_message(layout, no_header=True), layout)
            raise FileRejected("empty", "文件中没有任何内容（找不到表头行）")
        if layout.missing_fields:
            raise MappingNeeded(_missing_message(layout), layout)
        if not self.data_rows:
            raise FileRejected("empty", "文件中只有表头，没有数据行")
        if result.skipped_unsupported:
            result.warnings.append(RowError(0, "", _unsupported_summary(result.skipped_unsupported)))
        if result.unknown_columns:
            result.warnings.append(
                RowError(0, "", f"以下列未识别，已忽略：{'、'.join(result.unknown_columns[:_LIST_LIMIT])}")
            )
        if len(self.sheet_names) > 1:
            result.errors = [_with_sheet(error) for error in result.errors]
            result.warnings = [_with_sheet(warning) for warning in result.warnings]
        return result


def _correct_texts(record: QuestionRecord) -> set[str]:
    """The right answers by their text (options may be in another order in a repeat)."""
    return {normalize_option(record.options[index]) for index in record.correct}


def _with_sheet(error: RowError) -> RowError:
    if not error.sheet:
        return error
    return RowError(error.row, error.column, f"【{error.sheet}】{error.message}", error.file, error.sheet)


def _where(earlier: QuestionRecord, sheet: str) -> str:
    if earlier.sheet and earlier.sheet != sheet:
        return f"“{earlier.sheet}”第{earlier.row}行"
    return f"第{earlier.row}行"


def _missing_of(fields: list[str]) -> list[str]:
    missing = [FIELD_STEM] if FIELD_STEM not in fields else []
    if FIELD_ANSWER not in fields and not any(name in fields for name in FLAG_FIELDS):
        missing.append(FIELD_ANSWER)
    return missing


def _missing_message(layout: FileLayout, *, no_header: bool = False) -> str:
    missing = layout.missing_fields
    names = "、".join(f"“{name}”" for name in missing)
    headers = "、".join(layout.headers_found[:_LIST_LIMIT]) or "（无）"
    if no_header:
        lead = f"没有找到表头行（缺少必填列{names}）"
    else:
        lead = f"缺少必填列{names}"
    return (f"{lead}。找到的表头：{headers}；还需要：{'、'.join(missing)}。"
            "请在列映射中为这些列选择对应的字段，或按题库模板修改表头")


def _unsupported_summary(skipped: list[UnsupportedRow]) -> str:
    counts: dict[str, int] = {}
    for item in skipped:
        counts[item.type] = counts.get(item.type, 0) + 1
    kinds = "、".join(f"{name} {count}" for name, count in counts.items())
    rows = "、".join(str(item.row) for item in skipped[:_LIST_LIMIT])
    more = f"等{len(skipped)}行" if len(skipped) > _LIST_LIMIT else "行"
    return f"跳过 {len(skipped)} 道平台不支持的题（{kinds}）：第{rows}{more}"


def _clean_row(raw_cells: Sequence) -> list:
    cells = [raw if isinstance(raw, _FormulaCell) else unescape_cell(clean_cell_text(raw or "")) for raw in raw_cells]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _reject_formulas(row_number: int, cells: list, header: list[str] | None) -> None:
    for index, cell in enumerate(cells):
        if isinstance(cell, _FormulaCell):
            raise _formula_rejection(row_number, index, header)


def _section_title(texts: list[str]) -> str | None:
    """The type named by a row holding only a title such as "一、单选题（共20题）"."""
    filled = [text for text in texts if text]
    if len(filled) != 1 or len(filled[0]) > 40:
        return None
    match = _SECTION_TITLE_RE.match(unicodedata.normalize("NFKC", filled[0]))
    return match.group("type") if match else None


def _is_table(rows: list[tuple[int, list]]) -> bool:
    """Most rows fill three or more cells: a table whose header was not recognised (a title row
    above it, unusual column names), not questions written one line per cell.  It goes to the
    mapping step; read as text, its stems ("第1题：…") would pass for questions without options."""
    wide = sum(1 for _row, cells in rows if sum(1 for cell in cells if cell != "") >= 3)
    return wide * 2 > len(rows)


def _looks_like_answer(text: str) -> bool:
    compact = _WHITESPACE_RE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    if compact in _TRUE_FALSE_SPELLINGS:
        return True
    return bool(re.fullmatch(r"[a-h]{1,8}", compact))


def _collect_type_value(section: _Section, cells: Sequence[str], mapping: ColumnMapping | None) -> None:
    index = section.positions.get(FIELD_TYPE)
    if index is None or index >= len(cells) or not cells[index]:
        return
    _note_type_value(section.layout, cells[index], _resolve_type(cells[index], mapping)[0] == "unknown")


def _note_type_value(layout: SectionLayout, value: str, unknown: bool) -> None:
    if value not in layout.type_values and len(layout.type_values) < 100:
        layout.type_values.append(value)
    if unknown and value not in layout.unknown_type_values and len(layout.unknown_type_values) < 100:
        layout.unknown_type_values.append(value)


def _resolve_type(raw: str, mapping: ColumnMapping | None) -> tuple[str, str]:
    """(kind, label): kind is single/multiple/true_false, "by_answer", "unsupported", "skip" or "unknown"."""
    if mapping is not None:
        mapped = mapping.type_for(raw)
        if mapped is not None:
            return mapped, raw
    key = normalize_value(raw)
    known = _TYPE_SPELLINGS.get(key)
    if known:
        return known, raw
    if key in _CHOICE_BY_ANSWER:
        return "by_answer", raw
    for word in UNSUPPORTED_TYPE_WORDS:
        if word in key:
            return "unsupported", raw
    return "unknown", raw


def _nfkc_compact(text: str) -> str:
    """NFKC-normalise and drop all whitespace, for matching keywords and numbers."""
    return _WHITESPACE_RE.sub("", unicodedata.normalize("NFKC", text))


class _RowReader:
    """Validates one data row, accumulating every problem in ``errors``."""

    def __init__(self, row_number: int, cells: Sequence[str], section: _Section,
                 mapping: ColumnMapping | None) -> None:
        self.row_number = row_number
        self.cells = cells
        self.section = section
        self.positions = section.positions
        self.sheet = section.layout.sheet
        self.mapping = mapping
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []

    def cell(self, column: str) -> str:
        """The cleaned text under a field ("" if the column or cell is absent)."""
        index = self.positions.get(column)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index] or ""  # cleaned when the row was read

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row_number, column, message, sheet=self.sheet))

    def warn(self, column: str, message: str) -> None:
        self.warnings.append(RowError(self.row_number, column, message, sheet=self.sheet))

    def parse(self) -> QuestionRecord | UnsupportedRow | None:
        """Check all columns; return the record, an UnsupportedRow, or None when a check failed."""
        option_cells = self._option_cells()
        answer = self._answer_text()
        question_type = self._parse_type(option_cells, answer)
        if isinstance(question_type, UnsupportedRow):
            return question_type
        stem = self._parse_stem()
        options: tuple[str, ...] = ()
        correct: tuple[int, ...] = ()
        if question_type == "true_false":
            options = TRUE_FALSE_OPTIONS
            correct = self._parse_true_false_answer(answer, option_cells)
        elif question_type in _CHOICE_TYPES:
            options, options_valid = self._parse_options(option_cells)
            correct = self._parse_choice_answer(question_type, answer, options if options_valid else None)
        explanation = self._parse_text(FIELD_EXPLANATION, MAX_EXPLANATION_LENGTH)
        category = self._parse_text(FIELD_CATEGORY, MAX_CATEGORY_LENGTH) or DEFAULT_CATEGORY
        difficulty = self._parse_difficulty()
        points = self._parse_points()
        source = self._parse_text(FIELD_SOURCE, MAX_SOURCE_LENGTH)
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
            sheet=self.sheet,
        )

    # -- options and answer as written

    def _option_cells(self) -> list[str]:
        """The option texts by column (labels stripped), or the split packed cell."""
        values = [strip_option_label(self.cell(name), OPTION_LETTERS[index]) for index, name in enumerate(OPTION_HEADERS)]
        if any(values):
            return values
        packed = self.cell(FIELD_PACKED_OPTIONS)
        if not packed:
            return values
        parts = split_packed_options(packed)
        if not parts:
            parts = [packed]
        if len(parts) > len(OPTION_HEADERS):
            self.fail(FIELD_PACKED_OPTIONS, f"每题最多{len(OPTION_HEADERS)}个选项（选项A～选项H），本题有{len(parts)}个")
            parts = parts[: len(OPTION_HEADERS)]
        return parts + [""] * (len(OPTION_HEADERS) - len(parts))

    def _answer_text(self) -> str:
        answer = self.cell(FIELD_ANSWER)
        if answer or not self.section.has_flags:
            return answer
        letters = []
        for index, name in enumerate(FLAG_FIELDS):
            if name not in self.positions:
                continue
            raw = self.cell(name)
            flag = _nfkc_compact(raw).casefold()
            if flag in _FLAG_TRUE:
                letters.append(OPTION_LETTERS[index])
            elif flag not in _FLAG_FALSE:
                self.fail(name, f"“{name}”列的“{raw}”无法识别，请填写 是/否 或 1/0")
        return "".join(letters)

    # -- type

    def _parse_type(self, option_cells: list[str], answer: str) -> str | UnsupportedRow | None:
        raw = self.cell(FIELD_TYPE) or self.section.type_hint
        if raw:
            kind, label = _resolve_type(raw, self.mapping)
            if not self.cell(FIELD_TYPE) and kind in _CHOICE_TYPES and not any(option_cells):
                # a heading said 单选 but this question has no options: judge it by its answer
                kind = "by_answer"
            if FIELD_TYPE in self.positions and self.cell(FIELD_TYPE):
                _note_type_value(self.section.layout, raw, kind == "unknown")
            if kind in ("unsupported", "skip"):
                return UnsupportedRow(self.row_number, label, self.sheet)
            if kind == "unknown":
                self.fail(FIELD_TYPE, f"无法识别的题型“{raw}”，请填写 单选、多选 或 判断（或在列映射中指定此值的题型）")
                return None
            if kind in _CHOICE_TYPES and not self.section.has_option_columns:
                self._reject_missing_options()
            if kind != "by_answer":
                return kind
        return self._infer_type(option_cells, answer)

    def _reject_missing_options(self) -> None:
        missing = [name for name in OPTION_HEADERS[:MIN_OPTIONS] if name not in self.positions]
        layout = self.section.layout
        if self.section.text_layout:
            return
        for name in missing:
            if name not in layout.missing_fields:
                layout.missing_fields.append(name)
        names = "、".join(f"“{name}”" for name in missing)
        file_layout = FileLayout("", [layout], header_signature(layout.header))
        raise MappingNeeded(
            f"文件中有单选/多选题，但缺少{names}列。找到的表头：{'、'.join(h for h in layout.header if h)}；"
            "还需要：选项列。请在列映射中指定选项列，或按题库模板修改表头",
            file_layout,
        )

    def _infer_type(self, option_cells: list[str], answer: str) -> str | UnsupportedRow:
        """No type given: 正确/错误 options (or a 判断 answer) -> 判断; answer letters -> 单选/多选."""
        filled = [value for value in option_cells if value]
        if filled and _true_false_options(filled):
            return "true_false"
        if not filled:
            if _nfkc_compact(answer).casefold() in _TRUE_FALSE_SPELLINGS:
                return "true_false"
            return UnsupportedRow(self.row_number, _NO_OPTIONS, self.sheet)
        letters = _ANSWER_SEPARATORS_RE.sub("", unicodedata.normalize("NFKC", answer).upper())
        if len(set(letters)) >= 2 and all("A" <= letter <= "H" for letter in letters):
            return "multiple"
        return "single"

    # -- stem, options, answers

    def _parse_stem(self) -> str:
        stem = self.cell(FIELD_STEM)
        if not stem:
            self.fail(FIELD_STEM, "题干不能为空")
            return stem
        if len(stem) > MAX_STEM_LENGTH:
            self.fail(FIELD_STEM, f"题干不能超过{MAX_STEM_LENGTH}字（当前{len(stem)}字）")
        return stem

    def _parse_options(self, values: list[str]) -> tuple[tuple[str, ...], bool]:
        """Read 选项A.. as a contiguous list; the flag says whether the list is usable."""
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
        for name, index in self.section.extra_option_columns:
            if index < len(self.cells) and self.cells[index]:
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

    def _parse_choice_answer(self, question_type: str, raw: str, options: tuple[str, ...] | None) -> tuple[int, ...]:
        """Parse answer letters; range checks are skipped when the options are unusable."""
        if not raw:
            self.fail(FIELD_ANSWER, "答案不能为空")
            return ()
        indexes = self._answer_indexes(raw, options)
        if indexes is None:
            self.fail(FIELD_ANSWER, f"答案“{raw}”格式不正确，请填写选项字母，如 A 或 ABD")
            return ()
        if options is not None:
            option_count = len(options)
            outside = [index for index in indexes if index >= option_count]
            if outside:
                listed = "、".join(chr(ord("A") + index) for index in outside)
                available = f"A～{OPTION_LETTERS[option_count - 1]}" if option_count else "无"
                self.fail(FIELD_ANSWER, f"答案中的{listed}不在本题的选项中（本题选项为{available}）")
        if question_type == "single" and len(indexes) != 1:
            self.fail(FIELD_ANSWER, f"单选题只能有一个正确答案，当前填写的是“{raw}”")
        elif question_type == "multiple" and len(indexes) < 2:
            self.fail(FIELD_ANSWER, f"多选题至少需要两个正确答案，当前填写的是“{raw}”")
        return tuple(indexes)

    def _answer_indexes(self, raw: str, options: tuple[str, ...] | None) -> list[int] | None:
        normalized = unicodedata.normalize("NFKC", raw)
        letters = _ANSWER_SEPARATORS_RE.sub("", normalized.upper())
        if letters and all("A" <= letter <= "Z" for letter in letters):
            return sorted({ord(letter) - ord("A") for letter in letters})
        if letters and self.section.numbered_options and all("1" <= digit <= "9" for digit in letters):
            return sorted({int(digit) - 1 for digit in letters})
        labelled = _LABELLED_ANSWER_RE.match(normalized.strip())
        if labelled:
            return [ord(labelled.group(1)) - ord("A")]
        if options:
            wanted = normalize_option(raw)
            matches = [index for index, option in enumerate(options) if normalize_option(option) == wanted]
            if len(matches) == 1:
                return matches
        return None

    def _parse_true_false_answer(self, raw: str, option_cells: list[str]) -> tuple[int, ...]:
        """正确/错误 and their spellings; a letter or number picks the option with that meaning."""
        if not raw:
            self.fail(FIELD_ANSWER, f"答案不能为空，判断题请填写{_TRUE_FALSE_HINT}")
            return ()
        normalized = unicodedata.normalize("NFKC", raw).casefold()
        compact = _WHITESPACE_RE.sub("", normalized)
        index = _TRUE_FALSE_SPELLINGS.get(compact)
        if index is not None:
            return (index,)
        by_option = self._true_false_by_option(compact, option_cells)
        if by_option is not None:
            return by_option
        parts = [part for part in _ANSWER_SEPARATORS_RE.split(normalized) if part]
        if len(parts) > 1 and all(part in _TRUE_FALSE_SPELLINGS for part in parts):
            self.fail(FIELD_ANSWER, f"判断题只能有一个答案，当前填写的是“{raw}”")
        else:
            self.fail(FIELD_ANSWER, f"无法识别的判断题答案“{raw}”，请填写{_TRUE_FALSE_HINT}")
        return ()

    def _true_false_by_option(self, compact: str, option_cells: list[str]) -> tuple[int, ...] | None:
        """"A"/"B" or "1"/"2" (or "0": false) through the options' meanings (A=正确, B=错误 by default)."""
        meanings = [_TRUE_FALSE_SPELLINGS.get(_nfkc_compact(value).casefold()) for value in option_cells]
        has_options = any(value for value in option_cells)
        position: int | None = None
        if len(compact) == 1 and "a" <= compact <= "h":
            position = ord(compact) - ord("a")
        elif compact.isdigit() and compact != "0":
            position = int(compact) - 1
        elif compact == "0":
            return (1,)
        if position is None:
            return None
        if has_options:
            if position < len(meanings) and meanings[position] is not None:
                return (meanings[position],)
            return None
        if position < len(TRUE_FALSE_OPTIONS):
            return (position,)
        return None

    def _parse_text(self, column: str, max_length: int) -> str:
        text = self.cell(column)
        if len(text) > max_length:
            self.fail(column, f"{column}不能超过{max_length}字（当前{len(text)}字）")
        return text

    def _parse_difficulty(self) -> int:
        raw = self.cell(FIELD_DIFFICULTY)
        if not raw:
            return DEFAULT_DIFFICULTY
        compact = _nfkc_compact(raw).casefold()
        value = _DIFFICULTY_WORDS.get(compact)
        if value is None:
            value = _parse_whole_number(compact)
        if value is None or not MIN_DIFFICULTY <= value <= MAX_DIFFICULTY:
            self.warn(FIELD_DIFFICULTY, f"难度“{raw}”无法识别，已按默认难度{DEFAULT_DIFFICULTY}（中等）导入；"
                                        "可填写 1、2、3 或 易、中、难")
            return DEFAULT_DIFFICULTY
        return value

    def _parse_points(self) -> int:
        raw = self.cell(FIELD_POINTS)
        if not raw:
            return DEFAULT_POINTS
        value = _parse_whole_number(_nfkc_compact(raw))
        if value is None or not MIN_POINTS <= value <= MAX_POINTS:
            self.fail(FIELD_POINTS, f"分值“{raw}”无效，请填写{MIN_POINTS}～{MAX_POINTS}之间的整数，留空默认为1")
            return DEFAULT_POINTS
        return value


def _true_false_options(filled: list[str]) -> bool:
    """Two options meaning true and false (正确/错误, 对/错, √/×, 是/否 ...)."""
    if len(filled) != 2:
        return False
    meanings = {_TRUE_FALSE_SPELLINGS.get(_nfkc_compact(value).casefold()) for value in filled}
    return meanings == {0, 1}


def _parse_whole_number(text: str) -> int | None:
    """Parse "2", "2.0", "+2" as 2; anything else (2.5, -1, abc) gives None."""
    match = _WHOLE_NUMBER_RE.match(text)
    return int(match.group(1)) if match else None
