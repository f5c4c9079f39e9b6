"""Accepted spellings of cell values and headers, and the small helper functions."""

from __future__ import annotations

import pytest

from question_bank import (
    TEMPLATE_HEADERS,
    TRUE_FALSE_OPTIONS,
    answer_letters,
    normalize_stem,
    parse_question_file,
    parse_question_rows,
    safe_cell,
)


def parse_one(row: list[object], header: list[str] = TEMPLATE_HEADERS):
    """Parse a single data row (row 2) and return its record, failing on any error."""
    result = parse_question_rows(header, [(2, row)])
    assert result.errors == []
    assert len(result.records) == 1
    return result.records[0]


@pytest.mark.parametrize(
    "spelling, expected",
    [
        ("单选", "single"),
        ("单选题", "single"),
        ("单项选择", "single"),
        ("多选", "multiple"),
        ("多选题", "multiple"),
        ("多项选择", "multiple"),
        ("判断", "true_false"),
        ("判断题", "true_false"),
        (" 单选 ", "single"),
        ("单选\u3000", "single"),
    ],
)
def test_question_type_spellings(make_row, spelling, expected):
    answer = {"single": "A", "multiple": "AB", "true_false": "对"}[expected]
    record = parse_one(make_row(题型=spelling, 答案=answer))
    assert record.type == expected


@pytest.mark.parametrize(
    "answer",
    ["AB", "A,B", "A，B", "A、B", "A B", "A;B", "A；B", "ab", "a, b", "ＡＢ", "Ａ，Ｂ", "BA", "AAB", " A , B "],
)
def test_multiple_choice_answer_spellings(make_row, answer):
    record = parse_one(make_row(题型="多选", 答案=answer))
    assert record.correct == (0, 1)


@pytest.mark.parametrize("answer", ["c", "Ｃ", " C ", "CC"])
def test_single_choice_answer_spellings(make_row, answer):
    assert parse_one(make_row(答案=answer)).correct == (2,)


@pytest.mark.parametrize(
    "answer",
    ["正确", "对", "√", "✓", "T", "t", "true", "TRUE", "True", "Y", "y", "是", "Ｔ", " 正确 "],
)
def test_true_false_answers_meaning_true(make_row, answer):
    record = parse_one(make_row(题型="判断", 答案=answer))
    assert record.options == TRUE_FALSE_OPTIONS == ("正确", "错误")
    assert record.correct == (0,)


@pytest.mark.parametrize(
    "answer", ["错误", "错", "×", "✗", "F", "f", "false", "FALSE", "N", "n", "否", "ｆａｌｓｅ"]
)
def test_true_false_answers_meaning_false(make_row, answer):
    assert parse_one(make_row(题型="判断", 答案=answer)).correct == (1,)


def test_true_false_ignores_option_cells(make_row):
    record = parse_one(make_row(题型="判断", 选项A="是", 选项B="", 选项C="不是", 答案="错"))
    assert record.options == ("正确", "错误")


@pytest.mark.parametrize(
    "text, expected",
    [("", 2), ("1", 1), ("2", 2), ("3", 3), ("2.0", 2), ("２", 2), ("易", 1), ("简单", 1),
     ("中", 2), ("中等", 2), ("难", 3), ("困难", 3)],
)
def test_difficulty_spellings(make_row, text, expected):
    assert parse_one(make_row(难度=text)).difficulty == expected


@pytest.mark.parametrize("text, expected", [("", 1), ("1", 1), ("5", 5), ("2.0", 2), ("１００", 100), ("100", 100)])
def test_points_spellings(make_row, text, expected):
    assert parse_one(make_row(分值=text)).points == expected


def test_optional_columns_default_and_are_stripped(make_row):
    record = parse_one(make_row(解析="  因为安全 ", 分类="", 出处="\u3000《消防法》\xa0"))
    assert record.explanation == "因为安全"
    assert record.category == "未分类"
    assert record.source == "《消防法》"
    assert record.difficulty == 2
    assert record.points == 1


def test_surrounding_whitespace_is_stripped_everywhere(make_row):
    record = parse_one(make_row(题干="\u3000 题目内容 \xa0", 选项A=" 甲 ", 选项B="\t乙\u200b", 分类=" 消防 "))
    assert record.stem == "题目内容"
    assert record.options[:2] == ("甲", "乙")
    assert record.category == "消防"


def test_options_must_only_be_contiguous_from_a(make_row):
    record = parse_one(make_row(选项C="", 选项D="", 答案="B"))
    assert record.options == ("报警", "拍照")
    eight = {f"选项{letter}": f"选项内容{letter}" for letter in "ABCDEFGH"}
    record = parse_one(make_row(题型="多选", 答案="AH", **eight))
    assert len(record.options) == 8
    assert record.correct == (0, 7)


def test_record_fields(make_row):
    record = parse_one(
        make_row(题型="多选", 答案="DB", 解析="解析", 分类="消防", 难度="3", 分值="4", 出处="条例")
    )
    assert record.row == 2
    assert record.type == "multiple"
    assert record.stem == "景区发生火灾时应当首先做什么？"
    assert record.options == ("报警", "拍照", "围观", "离开")
    assert record.correct == (1, 3)
    assert (record.explanation, record.category, record.difficulty, record.points, record.source) == (
        "解析", "消防", 3, 4, "条例"
    )


@pytest.mark.parametrize(
    "header_changes",
    [
        {"题干": "题目"},
        {"题干": "试题"},
        {"答案": "正确答案"},
        {"解析": "答案解析"},
        {"分类": "知识点"},
        {"题型": "类型"},
        {"题干": " 题 干 "},
        {"题型": "\u3000题型\u3000"},
        {"选项A": "选项Ａ", "选项B": "选 项 B"},
        {"答案": "正确答案", "题干": "试题", "题型": "类型"},
    ],
)
def test_header_variants(make_row, header_changes):
    header = [header_changes.get(name, name) for name in TEMPLATE_HEADERS]
    record = parse_one(make_row(解析="说明", 分类="防汛"), header=header)
    assert record.stem == "景区发生火灾时应当首先做什么？"
    assert record.explanation == "说明"
    assert record.category == "防汛"


def test_columns_may_be_reordered_dropped_and_extra_columns_ignored():
    header = ["序号", "答案", "题干", "题型", "选项B", "选项A", "备注"]
    record = parse_one(["1", "b", "题目", "单选", "乙", "甲", "随便写"], header=header)
    assert record.options == ("甲", "乙")
    assert record.correct == (1,)
    assert record.category == "未分类"


def test_rows_with_only_unknown_columns_filled_count_as_blank():
    header = ["序号", "题型", "题干", "答案"]
    result = parse_question_rows(header, [(2, ["1", "判断", "题目", "对"]), (3, ["2", "", "", ""])])
    assert result.ok
    assert len(result.records) == 1


def test_option_columns_not_needed_without_choice_questions():
    result = parse_question_rows(["题型", "题干", "答案"], [(2, ["判断", "可以在景区吸烟", "错"])])
    assert result.ok
    assert result.records[0].correct == (1,)


def test_numbers_in_xlsx_cells_become_text(xlsx_bytes, make_row):
    row = make_row(选项A=110, 选项B=119.0, 选项C=0.5, 选项D=-3, 答案="B", 难度=3.0, 分值=5)
    record = parse_question_file("q.xlsx", xlsx_bytes([TEMPLATE_HEADERS, row])).records[0]
    assert record.options == ("110", "119", "0.5", "-3")
    assert (record.difficulty, record.points) == (3, 5)


def test_boolean_cell_is_a_true_false_answer(xlsx_bytes, make_row):
    rows = [TEMPLATE_HEADERS, make_row(题型="判断", 答案=True), make_row(题型="判断", 题干="另一题", 答案=False)]
    result = parse_question_file("q.xlsx", xlsx_bytes(rows))
    assert [record.correct for record in result.records] == [(0,), (1,)]


def test_numbers_typed_as_text_in_csv(csv_bytes, make_row):
    row = make_row(难度="2.0", 分值="３", 选项A="110", 选项B="119")
    record = parse_question_file("q.csv", csv_bytes([TEMPLATE_HEADERS, row])).records[0]
    assert (record.difficulty, record.points) == (2, 3)
    assert record.options[:2] == ("110", "119")


def test_normalize_stem_ignores_punctuation_whitespace_width_and_case():
    reference = normalize_stem("发现火情时，应当拨打119吗？")
    assert reference == "发现火情时应当拨打119吗"
    for variant in [
        "发现火情时,应当拨打119吗?",
        " 发现火情时 ， 应当拨打１１９吗 ？ ",
        "发现火情时——应当拨打“119”吗……",
        "发现火情时；应当拨打《119》吗！",
        "发现\u3000火情时\n应当拨打119吗",
    ]:
        assert normalize_stem(variant) == reference
    assert normalize_stem("Fire ALARM!") == normalize_stem("ｆｉｒｅ alarm") == "firealarm"
    assert normalize_stem("发现火情时应当拨打110吗") != reference


def test_answer_letters():
    assert answer_letters((0, 2)) == "AC"
    assert answer_letters((3,)) == "D"
    assert answer_letters((7, 0, 1)) == "ABH"
    assert answer_letters(()) == ""


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+86 123", "'+86 123"),
        ("-5℃以下", "'-5℃以下"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("\0x", "'\0x"),
        ("'=x", "''=x"),
        ("普通文本", "普通文本"),
        ("'普通", "'普通"),
        ("a=b", "a=b"),
        ("", ""),
        (5, 5),
        (None, None),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected
