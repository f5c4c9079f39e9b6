"""Headers by meaning, where the header row is, sections, sheets, and the header signature."""

from __future__ import annotations

import pytest

from question_bank import (
    MappingNeeded,
    header_signature,
    match_header,
    parse_question_file,
    parse_question_rows,
)

ROW = {"题型": "单选", "题干": "灭火器应放在？", "答案": "A", "选项A": "显眼易取处", "选项B": "锁柜里"}


@pytest.mark.parametrize(
    "field, spellings",
    [
        ("题型", ["题型", "类型", "题目类型", "试题类型", "题型名称"]),
        ("题干", ["题干", "题目", "题目内容", "试题", "试题内容", "问题", "问题内容", "题目名称"]),
        ("答案", ["答案", "正确答案", "标准答案", "正确选项", "参考答案"]),
        ("解析", ["解析", "答案解析", "题目解析", "解析说明", "试题解析"]),
        ("分类", ["分类", "知识点", "知识点分类", "类别", "章节", "题库分类"]),
        ("难度", ["难度", "难度等级", "题目难度"]),
        ("分值", ["分值", "分数", "题目分值"]),
        ("出处", ["出处", "依据", "来源", "参考依据"]),
    ],
)
def test_synonyms_of_every_field(field, spellings):
    for spelling in spellings:
        assert match_header(spelling).field == field, spelling


@pytest.mark.parametrize(
    "header, field",
    [
        ("正确答案(只能输入ABCD否则报错)", "答案"),
        ("难度（简单/中等/困难）", "难度"),
        ("【必填】题干", "题干"),
        ("题型[单选/多选/判断]", "题型"),
        ("*试题内容", "题干"),
        (" 题 目 内 容 ", "题干"),
        ("题目：", "题干"),
        ("ＡＮＳＷＥＲ", "答案"),
    ],
)
def test_headers_are_normalised_before_matching(header, field):
    assert match_header(header).field == field


@pytest.mark.parametrize(
    "headers",
    [
        [f"选项{letter}" for letter in "ABCDEFGH"],
        list("ABCDEFGH"),
        [f"{letter}选项" for letter in "ABCDEFGH"],
        [f"选项{number}" for number in range(1, 9)],
        [f"选项{numeral}" for numeral in "一二三四五六七八"],
        [f"选项({letter})" for letter in "ABCDEFGH"],
        [f"选项（{letter}）" for letter in "ABCDEFGH"],
        [f"选项{numeral}内容" for numeral in "一二三四五六七八"],
        [f"option{letter}" for letter in "abcdefgh"],
    ],
)
def test_option_header_spellings(headers):
    assert [match_header(header).field for header in headers] == [f"选项{letter}" for letter in "ABCDEFGH"]


def test_a_numbered_option_layout_accepts_option_numbers_as_answers():
    header = ["试题类型", "试题内容", "选项一内容", "选项二内容", "选项三内容", "正确答案"]
    result = parse_question_rows(header, [(2, ["多选题", "防火门应？", "常闭", "随手关闭", "用楔子顶住", "1,2"])])
    assert result.ok, result.errors
    assert result.records[0].correct == (0, 1)


def test_letters_as_answers_are_still_letters_with_lettered_options():
    result = parse_question_rows(["题干", "A", "B", "答案"], [(2, ["题？", "甲", "乙", "1"])])
    assert [error.column for error in result.errors] == ["答案"]


@pytest.mark.parametrize(
    "header",
    [
        ["题干", "选项A", "选项A是否正确", "选项B", "选项B是否正确", "选项C", "选项C是否正确"],
        ["题干", "A", "A是否正确", "B", "B是否正确", "C", "C是否正确"],
        ["题干", "选项一", "是否正确", "选项二", "是否正确", "选项三", "是否正确"],
    ],
)
def test_one_correct_flag_column_per_option(header):
    rows = [(2, ["疏散时应当？", "走楼梯", "是", "乘电梯", "否", "低姿前进", "1"]),
            (3, ["着火时可以？", "报警", "√", "围观", "", "拍照", "0"])]
    result = parse_question_rows(header, rows)
    assert result.ok, result.errors
    assert [(r.type, r.correct) for r in result.records] == [("multiple", (0, 2)), ("single", (0,))]


def test_unreadable_flag_is_an_error():
    header = ["题干", "选项A", "选项A是否正确", "选项B", "选项B是否正确"]
    result = parse_question_rows(header, [(2, ["题？", "甲", "也许", "乙", "是"])])
    assert [(e.column, e.message) for e in result.errors] == [
        ("选项A是否正确", "“选项A是否正确”列的“也许”无法识别，请填写 是/否 或 1/0"),
    ]


def test_unknown_columns_are_ignored_and_reported():
    header = ["序号", "题目图片", "题型", "题干", "选项A", "选项B", "答案", "备注"]
    result = parse_question_rows(header, [(2, ["1", "a.png", "单选", "题？", "甲", "乙", "A", "x"])])
    assert result.ok
    assert result.unknown_columns == ["序号", "题目图片", "备注"]
    assert result.warnings[-1].message == "以下列未识别，已忽略：序号、题目图片、备注"
    assert result.layout.sections[0].fields == ["", "", "题型", "题干", "选项A", "选项B", "答案", ""]


def test_header_after_title_and_merged_instruction_rows(xlsx_sheets):
    rows = [
        ["2024年安全生产月题库"],
        ["填写须知：1. 题型填写单选、多选或判断；2. 答案填写字母"],
        ["选择题", 4, 129],
        [],
        ["题型", "题干", "选项A", "选项B", "答案"],
        ["单选", "灭火器应放在？", "显眼易取处", "锁柜里", "A"],
    ]
    data = xlsx_sheets({"题库": rows}, merges={"题库": ["A1:E1", "A2:E2"]})
    result = parse_question_file("q.xlsx", data)
    assert result.ok and [record.row for record in result.records] == [6]
    assert result.layout.sections[0].header_row == 5


def test_a_sheet_without_a_header_is_not_read_as_text_unless_numbered(xlsx_bytes):
    rows = [["说明"], ["内容", "结果"], ["单选", "题？", "甲", "乙", "A"]]
    with pytest.raises(MappingNeeded):
        parse_question_file("q.xlsx", xlsx_bytes(rows))


def test_a_second_header_row_starts_a_section_with_its_own_columns(xlsx_bytes):
    rows = [
        ["题型", "题干", "选项A", "选项B", "选项C", "答案"],
        ["单选", "逃生时应？", "低姿前进", "乘电梯", "跳楼", "A"],
        [],
        ["一、判断题"],
        ["题目", "正确答案", "解析"],
        ["楼道可以堆放杂物。", "错", "堵塞通道"],
    ]
    result = parse_question_file("q.xlsx", xlsx_bytes(rows))
    assert result.ok, result.errors
    assert [(r.row, r.type, r.explanation) for r in result.records] == [(2, "single", ""), (6, "true_false", "堵塞通道")]
    assert [section.header_row for section in result.layout.sections] == [1, 5]


def test_a_repeated_header_row_is_not_a_question(xlsx_bytes):
    header = ["题型", "题干", "选项A", "选项B", "答案"]
    rows = [header, ["单选", "题一？", "甲", "乙", "A"], header, ["单选", "题二？", "甲", "乙", "B"]]
    result = parse_question_file("q.xlsx", xlsx_bytes(rows))
    assert result.ok and [record.row for record in result.records] == [2, 4]


def test_section_title_rows_give_the_type_of_the_rows_below(xlsx_bytes):
    rows = [
        ["题干", "选项A", "选项B", "选项C", "答案"],
        ["一、多选题（共2题）"],
        ["防火检查包括？", "通道", "灭火器", "报警器", "A"],
        ["二、简答题"],
        ["简述逃生要点。", None, None, None, "低姿"],
    ]
    result = parse_question_file("q.xlsx", xlsx_bytes(rows))
    # "多选" from the title, so a single letter is an error rather than a silent 单选
    assert [(e.row, e.column) for e in result.errors] == [(3, "答案")]
    assert [(item.row, item.type) for item in result.skipped_unsupported] == [(5, "简答题")]


def test_every_sheet_is_read_and_repeats_across_sheets_are_duplicates(xlsx_sheets):
    header = ["题型", "题干", "选项A", "选项B", "答案"]
    sheets = {
        "消防": [header, ["单选", "火警电话？", "119", "110", "A"]],
        "说明": [["本工作簿共两个题目表"]],
        "全部": [header, ["单选", "火警电话？", "110", "119", "B"], ["单选", "急救电话？", "120", "122", "A"]],
    }
    result = parse_question_file("q.xlsx", xlsx_sheets(sheets))
    assert result.ok
    assert [(r.sheet, r.row) for r in result.records] == [("消防", 2), ("全部", 3)]
    assert [(d.sheet, d.row, d.first_sheet, d.first_row) for d in result.duplicates] == [("全部", 2, "消防", 2)]
    assert result.warnings[0].message == "【全部】与“消防”第2行重复，已跳过"


def test_errors_name_their_sheet_when_there_are_several(xlsx_sheets):
    header = ["题型", "题干", "选项A", "选项B", "答案"]
    sheets = {"一": [header, ["单选", "题？", "甲", "乙", "A"]], "二": [header, ["单选", "题二？", "甲", "乙", "Q"]]}
    result = parse_question_file("q.xlsx", xlsx_sheets(sheets))
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("二", 2, "答案")]
    assert result.errors[0].message.startswith("【二】答案中的Q")


def test_hidden_sheets_are_not_read(xlsx_sheets):
    header = ["题型", "题干", "选项A", "选项B", "答案"]
    data = xlsx_sheets({"题库": [header, ["单选", "题？", "甲", "乙", "A"]],
                        "旧题": [header, ["单选", "旧题？", "甲", "乙", "A"]]}, hidden=("旧题",))
    assert [r.stem for r in parse_question_file("q.xlsx", data).records] == ["题？"]


def test_header_signature_is_stable_and_distinguishes_layouts():
    signature = header_signature(["试题类型", "试题内容", "选项一内容", "正确答案"])
    assert len(signature) == 32
    assert header_signature([" 试题类型", "试题内容 ", "选项一内容", "正确答案", "", ""]) == signature
    assert header_signature(["试题类型", "试题内容", "选项一内容", "答案"]) != signature
    assert header_signature(["试题内容", "试题类型", "选项一内容", "正确答案"]) != signature


def test_result_layout_carries_the_signature_of_the_first_header(xlsx_bytes):
    header = ["类型", "题目", "选项A", "选项B", "答案"]
    result = parse_question_file("q.xlsx", xlsx_bytes([["标题"], header, ["单选", "题？", "甲", "乙", "A"]]))
    assert result.layout.signature == header_signature(header)
    assert result.layout.format == "xlsx"
