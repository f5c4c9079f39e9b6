"""Cell-level rules: packed options and labels, 判断 answers, type inference and spellings,
difficulty words, unsupported rows, and the duplicate key."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from question_bank import (
    TEMPLATE_HEADERS,
    duplicate_key,
    parse_question_rows,
    split_packed_options,
    strip_option_label,
)

PACKED_HEADER = ["题型", "题干", "选项", "答案"]


def parse_one(header, row):
    result = parse_question_rows(header, [(2, row)])
    assert result.errors == [], result.errors
    assert len(result.records) == 1, result
    return result.records[0]


# ------------------------------------------------------------------ packed options


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("A.报警 B.拍照 C.围观", ["报警", "拍照", "围观"]),
        ("A、报警  B、拍照", ["报警", "拍照"]),
        ("A．报警　B．拍照", ["报警", "拍照"]),
        ("(A)报警 (B)拍照 (C)围观", ["报警", "拍照", "围观"]),
        ("（A）报警（B）拍照", ["报警", "拍照"]),
        ("A|B|C|D", ["A", "B", "C", "D"]),
        ("报警|拍照|围观", ["报警", "拍照", "围观"]),
        ("A.报警/B.拍照", ["报警", "拍照"]),
        ("A.报警\nB.拍照\nC.围观", ["报警", "拍照", "围观"]),
        ("报警\n拍照", ["报警", "拍照"]),
        ("A.正确B.错误", ["正确", "错误"]),
        ('["报警", "拍照"]', ["报警", "拍照"]),
        ('[{"content": "报警"}, {"content": "拍照"}]', ["报警", "拍照"]),
        # letters inside option text are not labels
        ("A、B超检查 B、CT检查", ["B超检查", "CT检查"]),
        ("A．A类火灾 B．B类火灾 C．C类火灾", ["A类火灾", "B类火灾", "C类火灾"]),
        ("A.符合GB 2894的标志 B.自制标志", ["符合GB 2894的标志", "自制标志"]),
        ("A.只有B、C正确 B.都不对", ["只有B、C正确", "都不对"]),
    ],
)
def test_packed_options_are_split(cell, expected):
    assert split_packed_options(cell) == expected


@pytest.mark.parametrize("cell", ["符合GB 2894的标志", "B超", "A类火灾", "只是一个选项", "A.唯一"])
def test_a_single_option_is_not_split(cell):
    assert len(split_packed_options(cell)) < 2


def test_labels_must_come_in_order():
    assert split_packed_options("B.拍照 A.报警") == []
    assert split_packed_options("A.报警 C.围观") == []


def test_packed_options_column():
    record = parse_one(PACKED_HEADER, ["多选", "防火措施有？", "A.配灭火器 B.清通道 C.堆杂物", "AB"])
    assert record.options == ("配灭火器", "清通道", "堆杂物")
    assert record.correct == (0, 1)


def test_too_many_packed_options():
    cell = " ".join(f"{letter}.选项{letter}" for letter in "ABCDEFGH") + " I.多余"
    result = parse_question_rows(PACKED_HEADER, [(2, ["单选", "题？", cell, "A"])])
    assert result.records[0].options[-1] == "选项H I.多余"


@pytest.mark.parametrize(
    "text, letter, expected",
    [
        ("A、5", "A", "5"),
        ("A. 报警", "A", "报警"),
        ("(B)拍照", "B", "拍照"),
        ("Ｃ．围观", "C", "围观"),
        ("A类火灾", "A", "A类火灾"),
        ("B超", "B", "B超"),
        ("B．拍照", "A", "B．拍照"),
        ("A.", "A", "A."),
    ],
)
def test_leading_labels_are_stripped_only_for_their_own_letter(text, letter, expected):
    assert strip_option_label(text, letter) == expected


def test_labels_are_stripped_from_option_columns(make_row):
    record = parse_one(TEMPLATE_HEADERS, make_row(选项A="A、5", 选项B="B．10", 选项C="(C) 15", 选项D="D类火灾"))
    assert record.options == ("5", "10", "15", "D类火灾")


# ------------------------------------------------------------------ 判断 answers


@pytest.mark.parametrize(
    "options, answer, expected",
    [
        (("正确", "错误"), "A", 0),
        (("正确", "错误"), "B", 1),
        (("对", "错"), "a", 0),
        (("对", "错"), "B", 1),
        (("错误", "正确"), "A", 1),  # the options say which letter is which
        (("正确", "错误"), "Y", 0),
        (("正确", "错误"), "N", 1),
        (("正确", "错误"), "1", 0),
        (("正确", "错误"), "0", 1),
        (("错误", "正确"), "1", 1),
        (("正确", "错误"), "2", 1),
        (("", ""), "A", 0),
        (("", ""), "B", 1),
        (("", ""), "1", 0),
        (("", ""), "0", 1),
        (("", ""), "✔", 0),
        (("", ""), "❌", 1),
    ],
)
def test_true_false_answers_through_the_options(make_row, options, answer, expected):
    row = make_row(题型="判断", 选项A=options[0], 选项B=options[1], 选项C="", 选项D="", 答案=answer)
    record = parse_one(TEMPLATE_HEADERS, row)
    assert record.options == ("正确", "错误")
    assert record.correct == (expected,)


@pytest.mark.parametrize("answer", ["C", "3", "AB"])
def test_true_false_letter_outside_the_options_is_an_error(make_row, answer):
    result = parse_question_rows(TEMPLATE_HEADERS, [(2, make_row(题型="判断", 选项A="正确", 选项B="错误",
                                                                   选项C="", 选项D="", 答案=answer))])
    assert [e.column for e in result.errors] == ["答案"]


# ------------------------------------------------------------------ types


@pytest.mark.parametrize(
    "options, answer, expected",
    [
        (["正确", "错误"], "A", "true_false"),
        (["对", "错"], "B", "true_false"),
        (["√", "×"], "A", "true_false"),
        ([], "对", "true_false"),
        ([], "错误", "true_false"),
        (["报警", "拍照", "围观"], "A", "single"),
        (["报警", "拍照", "围观"], "A,C", "multiple"),
        (["报警", "拍照", "围观"], "BC", "multiple"),
    ],
)
def test_type_inferred_without_a_type_column(options, answer, expected):
    header = ["题干", "选项A", "选项B", "选项C", "答案"]
    cells = options + [""] * (3 - len(options))
    record = parse_one(header, ["题？", *cells, answer])
    assert record.type == expected


def test_empty_type_cell_is_inferred_too(make_row):
    assert parse_one(TEMPLATE_HEADERS, make_row(题型="", 答案="AB")).type == "multiple"


@pytest.mark.parametrize(
    "spelling, answer, expected",
    [
        ("单项选择题", "A", "single"),
        ("SC", "A", "single"),
        ("single_choice", "A", "single"),
        ("多项选择题", "AB", "multiple"),
        ("MC", "AB", "multiple"),
        ("不定项选择题", "AB", "multiple"),
        ("不定项选择题", "B", "single"),
        ("选择题", "C", "single"),
        ("是非题", "对", "true_false"),
        ("TF", "错", "true_false"),
        ("判断正误", "√", "true_false"),
    ],
)
def test_type_values_and_codes(make_row, spelling, answer, expected):
    assert parse_one(TEMPLATE_HEADERS, make_row(题型=spelling, 答案=answer)).type == expected


@pytest.mark.parametrize(
    "text, expected",
    [("易", 1), ("简单", 1), ("基础", 1), ("容易", 1), ("中", 2), ("中等", 2), ("一般", 2), ("较难", 2),
     ("难", 3), ("困难", 3), ("高难度", 3), ("Easy", 1), ("3.0", 3)],
)
def test_difficulty_words(make_row, text, expected):
    assert parse_one(TEMPLATE_HEADERS, make_row(难度=text)).difficulty == expected


@pytest.mark.parametrize("text", ["4", "0", "2.5", "超纲", "五星"])
def test_unknown_difficulty_takes_the_default_with_a_warning(make_row, text):
    result = parse_question_rows(TEMPLATE_HEADERS, [(7, make_row(难度=text))])
    assert result.ok and result.records[0].difficulty == 2
    assert [(w.row, w.column) for w in result.warnings] == [(7, "难度")]
    assert f"难度“{text}”无法识别，已按默认难度2（中等）导入" in result.warnings[0].message


@pytest.mark.parametrize(
    "spelling", ["简答", "简答题", "填空", "填空题", "问答题", "论述题", "案例分析", "主观题", "计算题", "名词解释"]
)
def test_unsupported_types_are_skipped_with_a_counted_warning(make_row, spelling):
    rows = [(2, make_row()), (3, make_row(题型=spelling, 题干="其他题", 答案="")), (5, make_row(题型=spelling, 题干="又一题"))]
    result = parse_question_rows(TEMPLATE_HEADERS, rows)
    assert result.ok and [record.row for record in result.records] == [2]
    assert [(item.row, item.type) for item in result.skipped_unsupported] == [(3, spelling), (5, spelling)]
    assert result.warnings[0].message == f"跳过 2 道平台不支持的题（{spelling} 2）：第3、5行"


def test_no_type_and_no_options_is_skipped():
    result = parse_question_rows(["题干", "答案"], [(2, ["简述逃生要点。", "低姿、捂鼻"])])
    assert result.ok and result.records == []
    assert [(item.row, item.type) for item in result.skipped_unsupported] == [(2, "无选项")]


def test_choice_answer_as_option_text_or_labelled_text(make_row):
    assert parse_one(TEMPLATE_HEADERS, make_row(答案="拍照")).correct == (1,)
    assert parse_one(TEMPLATE_HEADERS, make_row(答案="C．围观")).correct == (2,)


# ------------------------------------------------------------------ duplicate key


def _question(type_="single", stem="火警电话是多少？", options=("119", "110", "120")):
    return SimpleNamespace(type=type_, stem=stem, options=options)


def test_duplicate_key_ignores_option_order_and_stem_punctuation():
    key = duplicate_key(_question())
    assert len(key) == 64
    assert duplicate_key(_question(options=("120", "119", "110"))) == key
    assert duplicate_key(_question(stem="火警电话是多少")) == key
    assert duplicate_key(_question(options=("119。", "１１０", "120"))) == key


def test_duplicate_key_tells_different_questions_apart():
    key = duplicate_key(_question())
    assert duplicate_key(_question(options=("119", "110", "122"))) != key
    assert duplicate_key(_question(options=("119", "110"))) != key
    assert duplicate_key(_question(type_="multiple")) != key
    assert duplicate_key(_question(stem="急救电话是多少？")) != key
    assert duplicate_key(_question(options=("1.5米", "2米"))) != duplicate_key(_question(options=("15米", "2米")))


def test_duplicate_key_of_a_parsed_record_matches_the_model_shape(make_row):
    record = parse_one(TEMPLATE_HEADERS, make_row())
    stored = SimpleNamespace(type="single", stem=record.stem, options=list(reversed(record.options)))
    assert duplicate_key(record) == duplicate_key(stored)
