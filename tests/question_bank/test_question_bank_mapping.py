"""The column-mapping step and partial import: what the result tells a mapping UI, the mapping
itself, every problem in one pass, and the problem-rows workbook."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from question_bank import (
    FIELD_CHOICES,
    TEMPLATE_HEADERS,
    ColumnMapping,
    MappingInvalid,
    MappingNeeded,
    header_signature,
    parse_question_file,
    parse_question_rows,
    problem_rows_xlsx,
)

from helpers import xlsx_file

OTHER_SYSTEM = ["编号", "试题类型", "试题内容", "选项一内容", "选项二内容", "选项三内容", "标答", "说明"]
OTHER_ROWS = [
    (2, ["1", "0", "发现火情应？", "报警", "围观", "拍照", "1", "先报警"]),
    (3, ["2", "1", "防火措施有？", "配灭火器", "清通道", "堆杂物", "1,2", ""]),
    (4, ["3", "2", "电梯可用于逃生。", "正确", "错误", "", "2", ""]),
    (5, ["4", "SC", "急救电话？", "120", "119", "110", "1", ""]),
    (6, ["5", "9", "简述逃生要点。", "", "", "", "", ""]),
]
MAPPING_JSON = json.dumps(
    {"columns": {"标答": "答案", "说明": "解析", "编号": "忽略"},
     "type_values": {"0": "单选", "1": "多选", "2": "判断", "9": "跳过"}},
    ensure_ascii=False,
)


def test_missing_field_names_the_headers_found_and_what_is_needed():
    with pytest.raises(MappingNeeded) as caught:
        parse_question_rows(OTHER_SYSTEM, OTHER_ROWS)
    error = caught.value
    assert error.code == "missing_column"
    assert error.message.startswith("缺少必填列“答案”。找到的表头：编号、试题类型、试题内容、选项一内容、选项二内容、选项三内容、标答、说明；还需要：答案")
    data = error.layout.to_json()
    assert data["needs_mapping"] and data["missing_fields"] == ["答案"]
    assert data["signature"] == header_signature(OTHER_SYSTEM)
    assert [{"header": c["header"], "field": c["field"]} for c in data["sections"][0]["columns"][:4]] == [
        {"header": "编号", "field": ""}, {"header": "试题类型", "field": "题型"},
        {"header": "试题内容", "field": "题干"}, {"header": "选项一内容", "field": "选项A"},
    ]
    # the first values of each column, for the mapping page
    assert data["sections"][0]["columns"][6]["samples"] == ["1", "1,2", "2"]
    # the type column's values are collected even before the mapping, for the value table
    assert data["sections"][0]["type_values"] == ["0", "1", "2", "SC", "9"]
    assert data["sections"][0]["unknown_type_values"] == ["0", "1", "2", "9"]
    json.dumps(data)  # JSON-ready


def test_mapping_from_json_imports_the_file():
    mapping = ColumnMapping.from_json(MAPPING_JSON)
    assert mapping.type_values == {"0": "single", "1": "multiple", "2": "true_false", "9": "skip"}
    result = parse_question_rows(OTHER_SYSTEM, OTHER_ROWS, mapping=mapping)
    assert result.ok, result.errors
    assert [(r.row, r.type, r.correct) for r in result.records] == [
        (2, "single", (0,)), (3, "multiple", (0, 1)), (4, "true_false", (1,)), (5, "single", (0,)),
    ]
    assert result.records[0].explanation == "先报警"
    assert [(item.row, item.type) for item in result.skipped_unsupported] == [(6, "9")]
    assert result.unknown_columns == [] and not result.layout.needs_mapping
    assert result.layout.sections[0].fields[0] == "忽略"


def test_mapping_matches_headers_after_normalisation_and_overrides_recognition():
    mapping = ColumnMapping(columns={" 标 答 ": "答案", "试题内容": "解析", "说明": "题干"})
    header = ["试题类型", "试题内容", "选项一内容", "选项二内容", "标答", "说明"]
    record = parse_question_rows(header, [(2, ["单选", "解析文字", "甲", "乙", "B", "题干文字"])], mapping=mapping).records[0]
    assert (record.stem, record.explanation, record.correct) == ("题干文字", "解析文字", (1,))


def test_mapping_finds_a_header_the_importer_does_not_know(xlsx_bytes):
    rows = [["标题"], ["Q", "KIND", "OPT1", "OPT2", "KEY"], ["火警电话？", "单选", "119", "110", "A"]]
    data = xlsx_bytes(rows)
    with pytest.raises(MappingNeeded) as caught:
        parse_question_file("q.xlsx", data)
    assert caught.value.layout.headers_found == ["Q", "KIND", "OPT1", "OPT2", "KEY"]
    mapping = ColumnMapping(columns={"Q": "题干", "KIND": "题型", "OPT1": "选项A", "OPT2": "选项B", "KEY": "答案"})
    result = parse_question_file("q.xlsx", data, mapping=mapping)
    assert result.ok and result.records[0].options == ("119", "110")
    assert result.layout.signature == header_signature(["Q", "KIND", "OPT1", "OPT2", "KEY"])


def test_unknown_type_values_make_row_errors_and_are_listed():
    header = ["题型", "题干", "选项A", "选项B", "答案"]
    result = parse_question_rows(header, [(2, ["X1", "题？", "甲", "乙", "A"]), (3, ["X1", "题二？", "甲", "乙", "A"])])
    assert [(e.row, e.column) for e in result.errors] == [(2, "题型"), (3, "题型")]
    assert result.layout.unknown_type_values == ["X1"] and result.layout.needs_mapping


@pytest.mark.parametrize(
    "data, fragment",
    [
        ("{not json", "不是有效的 JSON"),
        ("[1, 2]", "必须是 JSON 对象"),
        ('{"columns": {"A": "不存在的字段"}}', "字段“不存在的字段”不存在"),
        ('{"type_values": {"1": "问答"}}', "“问答”无效"),
        ('{"columns": [1]}', "必须是 JSON 对象"),
        ('{"other": {}}', "无法识别的项：other"),
        ('{"columns": {"A": 1}}', "都必须是文字"),
    ],
)
def test_invalid_mappings(data, fragment):
    with pytest.raises(MappingInvalid) as caught:
        ColumnMapping.from_json(data)
    assert fragment in caught.value.message


def test_empty_mapping_and_round_trip():
    assert ColumnMapping.from_json(None).is_empty and ColumnMapping.from_json("").is_empty
    mapping = ColumnMapping.from_json(MAPPING_JSON)
    assert ColumnMapping.from_json(mapping.to_json()) == mapping


def test_field_choices_cover_every_field():
    keys = [choice.key for choice in FIELD_CHOICES]
    assert set(TEMPLATE_HEADERS) <= set(keys)
    assert {"选项", "忽略", "选项A是否正确", "选项H是否正确"} <= set(keys)
    assert [choice.key for choice in FIELD_CHOICES if choice.required] == ["题干", "答案"]


# ------------------------------------------------------------------ partial import


def test_every_problem_is_reported_in_one_pass(make_row):
    rows = [
        (2, make_row()),
        (3, make_row(题干="", 答案="Z")),
        (4, make_row(题型="简答", 题干="简述")),
        (5, make_row()),
        (6, make_row(题干="难度怪", 难度="超难")),
        (7, make_row(题干="坏分值", 分值="0")),
    ]
    result = parse_question_rows([*TEMPLATE_HEADERS, "序号"], rows)
    assert [r.row for r in result.records] == [2, 6]
    assert [(e.row, e.column) for e in result.errors] == [(3, "题干"), (3, "答案"), (7, "分值")]
    assert [(d.row, d.first_row) for d in result.duplicates] == [(5, 2)]
    assert [item.row for item in result.skipped_unsupported] == [4]
    assert [w.row for w in result.warnings] == [5, 6, 0, 0]
    assert result.unknown_columns == ["序号"]
    assert result.error_row_count == 2
    assert [(p.row, p.reasons) for p in result.problem_rows] == [
        (3, ("题干：题干不能为空", "答案：答案中的Z不在本题的选项中（本题选项为A～D）")),
        (7, ("分值：分值“0”无效，请填写1～100之间的整数，留空默认为1",)),
    ]
    assert result.problem_rows[0].header == (*TEMPLATE_HEADERS, "序号")
    assert result.problem_rows[0].cells[TEMPLATE_HEADERS.index("答案")] == "Z"


def _sheet_rows(data: bytes) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    for row in rows:  # openpyxl pads every row to the widest one
        while row and row[-1] is None:
            row.pop()
    return rows


def test_problem_rows_workbook_can_be_fixed_and_uploaded_again(xlsx_sheets):
    header = ["题型", "题干", "选项A", "选项B", "答案"]
    sheets = {
        "一": [["标题"], header, ["单选", "-5℃以下的天气应？", "甲", "乙", "Q"], ["单选", "好题", "甲", "乙", "A"]],
        "二": [["类型", "题目", "正确答案"], ["判断", "坏判断", "也许"]],
    }
    result = parse_question_file("q.xlsx", xlsx_sheets(sheets))
    assert [(e.sheet, e.row) for e in result.errors] == [("一", 3), ("二", 2)]
    data = problem_rows_xlsx(result)
    rows = _sheet_rows(data)
    assert rows[0] == [*header, "错误原因"]
    assert rows[1][:5] == ["单选", "'-5℃以下的天气应？", "甲", "乙", "Q"]  # formula injection neutralised
    assert rows[1][5].startswith("（原“一”第3行）答案：答案中的Q不在本题的选项中")
    assert rows[2] == ["类型", "题目", "正确答案", "错误原因"]
    assert rows[3][:3] == ["判断", "坏判断", "也许"]
    # the trainer fixes the answers and uploads the workbook again
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    sheet["E2"] = "A"
    sheet["C4"] = "错"
    buffer = io.BytesIO()
    workbook.save(buffer)
    again = parse_question_file("fixed.xlsx", buffer.getvalue())
    assert again.ok, again.errors
    assert [(r.stem, r.type) for r in again.records] == [("-5℃以下的天气应？", "single"), ("坏判断", "true_false")]
    assert again.unknown_columns == ["错误原因"]


def test_problem_rows_workbook_without_problems_is_just_empty():
    assert _sheet_rows(problem_rows_xlsx([])) == []


def test_a_titled_table_with_unknown_headers_and_numbered_stems_goes_to_the_mapping_step():
    """A title row above an unrecognised header, and stems like "第1题：…", once made the sheet
    pass for questions written as text (all skipped, "no options"): it is a table to map."""
    rows = [["2026年安全生产月知识竞赛题库"], ["编号", "内容", "答", "甲", "乙", "丙"]]
    rows += [[n, f"第{n}题：发生火灾时应当拨打哪个电话？", "B", "110", "119", "120"] for n in range(1, 7)]
    data = xlsx_file(rows)
    with pytest.raises(MappingNeeded) as caught:
        parse_question_file("竞赛题库.xlsx", data)
    section = caught.value.layout.sections[0]
    assert (section.header_row, section.header[:3]) == (2, ["编号", "内容", "答"])
    mapping = ColumnMapping(columns={"编号": "忽略", "内容": "题干", "答": "答案", "甲": "选项A", "乙": "选项B",
                                     "丙": "选项C"})
    result = parse_question_file("竞赛题库.xlsx", data, mapping=mapping)
    assert result.ok and len(result.records) == 6
    assert result.records[0].stem.endswith("发生火灾时应当拨打哪个电话？") and result.records[0].correct == (1,)


def test_questions_written_one_per_cell_are_still_read_as_text():
    rows = [["一、单选题"], ["1、发生火灾时应当拨打哪个电话？"], ["A.110"], ["B.119"], ["答案：B"],
            ["2、急救电话是多少？"], ["A.120"], ["B.110"], ["答案：A"]]
    result = parse_question_file("题目.xlsx", xlsx_file(rows))
    assert [record.correct for record in result.records] == [(1,), (0,)]
