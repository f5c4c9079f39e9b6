"""Writing question records (and the blank template) back out as .xlsx / .csv.

The layout is exactly the import template, so an exported file can be edited
and re-imported. Every text cell goes through ``safe_cell`` (CWE-1236).
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable

from types import SimpleNamespace
from typing import TYPE_CHECKING

from .cells import ILLEGAL_CONTROL_CHARS_RE, safe_cell
from .model import (
    DEFAULT_CATEGORY,
    MAX_CATEGORY_LENGTH,
    MAX_EXPLANATION_LENGTH,
    MAX_FILE_BYTES,
    MAX_OPTION_LENGTH,
    MAX_ROWS,
    MAX_SOURCE_LENGTH,
    MAX_STEM_LENGTH,
    OPTION_LETTERS,
    QUESTION_TYPES,
    REQUIRED_HEADERS,
    TEMPLATE_HEADERS,
    TRUE_FALSE_OPTIONS,
    ParseResult,
    ProblemRow,
    QuestionRecord,
)
from .parsing import answer_letters
from .table_reader import column_letter

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

QUESTION_SHEET_TITLE = "题库"
PROBLEM_SHEET_TITLE = "有问题的行"
#: The column added to every row of ``problem_rows_xlsx``.
REASON_HEADER = "错误原因"
INSTRUCTIONS_SHEET_TITLE = "填写说明"

_COLUMN_WIDTHS = {"题型": 8, "题干": 48, "答案": 8, "解析": 36, "分类": 14, "难度": 6, "分值": 6, "出处": 24}
_OPTION_COLUMN_WIDTH = 20


@functools.cache
def _xl():
    """openpyxl's classes and our styles, imported on the first export: openpyxl costs about
    18 MiB per process, which web workers that never export need not carry."""
    from openpyxl import Workbook  # noqa: PLC0415 - deliberately lazy (see docstring)
    from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415
    from openpyxl.worksheet.datavalidation import DataValidation  # noqa: PLC0415

    return SimpleNamespace(
        Workbook=Workbook,
        Alignment=Alignment,
        DataValidation=DataValidation,
        header_font=Font(bold=True),
        required_fill=PatternFill("solid", fgColor="FFE699"),
        optional_fill=PatternFill("solid", fgColor="DDEBF7"),
    )

_TEMPLATE_EXAMPLES = (
    QuestionRecord(
        row=2,
        type="single",
        stem="游客在景区游览时发现火情，首先应当怎么做？",
        options=(
            "立即拨打119报警并通知景区工作人员",
            "先拍照发朋友圈",
            "继续游览，等待他人处理",
            "自行返回火场抢救个人物品",
        ),
        correct=(0,),
        explanation="发现火情应第一时间报警并告知现场工作人员，同时按疏散指示有序撤离。",
        category="消防安全",
        difficulty=1,
        points=1,
        source="《中华人民共和国消防法》",
    ),
    QuestionRecord(
        row=3,
        type="multiple",
        stem="组织大型文化旅游活动前，主办方应当做好哪些安全准备？",
        options=(
            "制定安全工作方案和应急预案",
            "评估场地容量并控制人流",
            "设置清晰的疏散通道和指示标志",
            "为节省成本取消安保人员",
        ),
        correct=(0, 1, 2),
        explanation="大型群众性活动须落实安全方案、容量控制和疏散保障，不得削减必要的安保力量。",
        category="活动安全",
        difficulty=2,
        points=2,
        source="《大型群众性活动安全管理条例》",
    ),
)

_COLUMN_INSTRUCTIONS: tuple[tuple[str, str, str], ...] = (
    ("题型", "必填", "填写 单选、多选 或 判断（也可写 单选题、多项选择、判断题 等）。"),
    ("题干", "必填", f"题目内容，最多{MAX_STEM_LENGTH}字。同一文件中同类型的题干不能重复（忽略标点、空格和全半角差异）。"),
    (
        "选项A～选项H",
        "单选/多选必填",
        f"每个选项占一列，从选项A开始连续填写，至少2个、最多8个，每个选项最多{MAX_OPTION_LENGTH}字；"
        "判断题不用填写选项（固定为“正确”“错误”）。",
    ),
    (
        "答案",
        "必填",
        "单选题填一个字母，如 A；多选题填两个及以上字母，如 ABD（也可写 A,B,D 或 A、B、D，大小写、全角均可）；"
        "判断题填 正确 或 错误（也可写 对/错、√/×、T/F、是/否）。",
    ),
    ("解析", "选填", f"答案解析，最多{MAX_EXPLANATION_LENGTH}字。"),
    ("分类", "选填", f"知识点或题目分类，如“消防安全”，最多{MAX_CATEGORY_LENGTH}字；留空为“{DEFAULT_CATEGORY}”。"),
    ("难度", "选填", "填写 1、2、3（或 易、中、难）；留空默认为 2。"),
    ("分值", "选填", "填写 1～100 之间的整数；留空默认为 1。"),
    ("出处", "选填", f"题目依据的法规、文件或教材，最多{MAX_SOURCE_LENGTH}字。"),
)

_GENERAL_NOTES: tuple[str, ...] = (
    "第一行是表头，请不要修改或删除；列的顺序可以调整，不需要的选填列可以删除。",
    "从第二行开始每行填写一道题；空行会被自动跳过。",
    "示例中的两道题仅供参考，上传前请删除或替换为实际题目。",
    "请不要在单元格中使用公式；如需引用其他单元格的内容，请先“选择性粘贴为数值”。",
    f"文件支持 .xlsx、.xls、.csv、.txt 或 Word(.docx) 格式，大小不超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，"
    f"每个文件最多 {MAX_ROWS} 道题。",
    "表头可以写成其他系统的常用名称（如“试题内容”“正确答案”“选项一”），列的顺序随意；表头上方的标题行会被跳过。",
    "每个工作表都会被读取（本说明页没有题目表头，不会被导入）。",
)


def records_to_xlsx(records: Iterable[QuestionRecord]) -> bytes:
    """Export records as a workbook in the template layout (sheet "题库")."""
    workbook = _xl().Workbook()
    sheet = workbook.active
    sheet.title = QUESTION_SHEET_TITLE
    _write_question_sheet(sheet, records)
    return _workbook_bytes(workbook)


def records_to_csv(records: Iterable[QuestionRecord]) -> bytes:
    """Export records as UTF-8 CSV with a BOM (so Excel opens it correctly), template layout."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    for record in records:
        writer.writerow([_csv_value(value) for value in _record_row(record)])
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The downloadable import template: header, two worked examples and a "填写说明" sheet."""
    workbook = _xl().Workbook()
    sheet = workbook.active
    sheet.title = QUESTION_SHEET_TITLE
    _write_question_sheet(sheet, _TEMPLATE_EXAMPLES)
    type_choices = _xl().DataValidation(
        type="list",
        formula1='"' + ",".join(QUESTION_TYPES.values()) + '"',
        allow_blank=True,
        showErrorMessage=False,
    )
    sheet.add_data_validation(type_choices)
    type_column = column_letter(TEMPLATE_HEADERS.index("题型") + 1)
    type_choices.add(f"{type_column}2:{type_column}{MAX_ROWS + 1}")
    _write_instructions_sheet(workbook.create_sheet(INSTRUCTIONS_SHEET_TITLE))
    return _workbook_bytes(workbook)


def problem_rows_xlsx(problems: ParseResult | Iterable[ProblemRow]) -> bytes:
    """The rows with errors, as they were, each with an added 错误原因 column, to fix and re-upload.

    Rows keep their own header (a file with several sections gets each header again above
    its rows), so the importer reads the workbook back the same way.  The reason names the
    original sheet and row.  Every cell goes through ``safe_cell``.
    """
    rows = problems.problem_rows if isinstance(problems, ParseResult) else list(problems)
    workbook = _xl().Workbook()
    sheet = workbook.active
    sheet.title = PROBLEM_SHEET_TITLE
    current_header: tuple[str, ...] | None = None
    for problem in rows:
        if problem.header != current_header:
            current_header = problem.header
            header = [*problem.header, REASON_HEADER]
            sheet.append([_xlsx_value(value) for value in header])
            for index in range(1, len(header) + 1):
                cell = sheet.cell(row=sheet.max_row, column=index)
                cell.font = _xl().header_font
                cell.fill = _xl().required_fill if index == len(header) else _xl().optional_fill
        cells = list(problem.cells[: len(problem.header)])
        cells += [""] * (len(problem.header) - len(cells))
        where = f"原“{problem.sheet}”第{problem.row}行" if problem.sheet else f"原第{problem.row}行"
        reason = f"（{where}）" + "；".join(problem.reasons)
        sheet.append([_xlsx_value(value) for value in [*cells, reason]])
    if current_header is not None:
        sheet.column_dimensions[column_letter(len(current_header) + 1)].width = 60
        sheet.freeze_panes = "A2"
    return _workbook_bytes(workbook)


def _record_row(record: QuestionRecord) -> list[str | int]:
    """One record as template-ordered cell values (判断: answer as 正确/错误, no options)."""
    if record.type == "true_false":
        options: list[str] = [""] * len(OPTION_LETTERS)
        answer = TRUE_FALSE_OPTIONS[record.correct[0]]
    else:
        options = list(record.options) + [""] * (len(OPTION_LETTERS) - len(record.options))
        answer = answer_letters(record.correct)
    return [
        QUESTION_TYPES[record.type],
        record.stem,
        *options,
        answer,
        record.explanation,
        record.category,
        record.difficulty,
        record.points,
        record.source,
    ]


def _csv_value(value: str | int) -> str:
    return str(safe_cell(value))


def _xlsx_value(value: str | int) -> str | int | None:
    """Neutralise text for a workbook cell; XML cannot hold control characters, so drop them."""
    if isinstance(value, str):
        value = ILLEGAL_CONTROL_CHARS_RE.sub("", value)
        return safe_cell(value) if value else None
    return value


def _write_question_sheet(sheet: "Worksheet", records: Iterable[QuestionRecord]) -> None:
    """Write the styled header row and one row per record."""
    sheet.append(TEMPLATE_HEADERS)
    for index, name in enumerate(TEMPLATE_HEADERS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = _xl().header_font
        cell.fill = _xl().required_fill if name in REQUIRED_HEADERS else _xl().optional_fill
        cell.alignment = _xl().Alignment(horizontal="center", vertical="center")
        width = _COLUMN_WIDTHS.get(name, _OPTION_COLUMN_WIDTH)
        sheet.column_dimensions[column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    for record in records:
        sheet.append([_xlsx_value(value) for value in _record_row(record)])


def _write_instructions_sheet(sheet: "Worksheet") -> None:
    """Explain every column, then the general rules, in plain Chinese."""
    sheet.append(["列名", "是否必填", "填写说明"])
    for cell in sheet[1]:
        cell.font = _xl().header_font
    for row in _COLUMN_INSTRUCTIONS:
        sheet.append(list(row))
    sheet.append([])
    sheet.append(["注意事项"])
    sheet.cell(row=sheet.max_row, column=1).font = _xl().header_font
    for number, note in enumerate(_GENERAL_NOTES, start=1):
        sheet.append([f"{number}. {note}"])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=3)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 100
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = _xl().Alignment(wrap_text=True, vertical="top")


def _workbook_bytes(workbook: "Workbook") -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
