"""Row-level validation errors: right row, right column, helpful Chinese message."""

from __future__ import annotations

import pytest

from question_bank import (
    TEMPLATE_HEADERS,
    FileRejected,
    MappingNeeded,
    RowError,
    parse_question_file,
    parse_question_rows,
)


def errors_of(row: list[object], row_number: int = 2) -> list[RowError]:
    """Parse one data row and return its errors (the row must not yield a record)."""
    result = parse_question_rows(TEMPLATE_HEADERS, [(row_number, row)])
    assert result.records == [] and not result.ok
    return result.errors


def single_error(row: list[object], row_number: int = 2) -> RowError:
    errors = errors_of(row, row_number)
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize(
    "fields, column, fragment",
    [
        ({"题型": "选秀题"}, "题型", "无法识别的题型“选秀题”"),
        ({"题型": "3"}, "题型", "无法识别的题型“3”"),
        ({"题干": ""}, "题干", "题干不能为空"),
        ({"题干": "题" * 2001}, "题干", "题干不能超过2000字（当前2001字）"),
        ({"答案": ""}, "答案", "答案不能为空"),
        ({"答案": "E"}, "答案", "答案中的E不在本题的选项中（本题选项为A～D）"),
        ({"答案": "Z"}, "答案", "答案中的Z不在本题的选项中"),
        ({"答案": "1"}, "答案", "答案“1”格式不正确"),
        ({"答案": "A或B"}, "答案", "格式不正确"),
        ({"答案": "AB"}, "答案", "单选题只能有一个正确答案，当前填写的是“AB”"),
        ({"答案": "A,C"}, "答案", "单选题只能有一个正确答案"),
        ({"题型": "多选", "答案": "A"}, "答案", "多选题至少需要两个正确答案，当前填写的是“A”"),
        ({"题型": "多选", "答案": "A,A"}, "答案", "多选题至少需要两个正确答案"),
        ({"题型": "判断", "答案": "A"}, "答案", "无法识别的判断题答案“A”"),
        ({"题型": "判断", "答案": "对,错"}, "答案", "判断题只能有一个答案，当前填写的是“对,错”"),
        ({"题型": "判断", "答案": "√×"}, "答案", "无法识别的判断题答案"),
        ({"题型": "判断", "答案": ""}, "答案", "答案不能为空，判断题请填写正确/错误"),
        ({"选项C": "", "选项D": "离开"}, "选项C", "选项C为空，但后面的选项D有内容；选项必须从选项A开始连续填写"),
        ({"选项A": "", "答案": "B"}, "选项A", "选项A为空，但后面的选项D有内容"),
        ({"选项B": "", "选项C": "", "选项D": ""}, "选项B", "选择题至少需要2个选项"),
        ({"选项C": "报警"}, "选项C", "选项C与选项A内容相同"),
        ({"选项B": "项" * 501}, "选项B", "选项B不能超过500字（当前501字）"),
        ({"解析": "析" * 2001}, "解析", "解析不能超过2000字"),
        ({"出处": "处" * 2001}, "出处", "出处不能超过2000字"),
        ({"分类": "类" * 101}, "分类", "分类不能超过100字"),
        ({"分值": "0"}, "分值", "分值“0”无效，请填写1～100之间的整数"),
        ({"分值": "101"}, "分值", "分值“101”无效"),
        ({"分值": "2.5"}, "分值", "分值“2.5”无效"),
        ({"分值": "-1"}, "分值", "分值“-1”无效"),
        ({"分值": "两分"}, "分值", "分值“两分”无效"),
    ],
)
def test_row_error(make_row, fields, column, fragment):
    error = single_error(make_row(**fields), row_number=7)
    assert error.row == 7
    assert error.column == column
    assert fragment in error.message


def test_no_options_at_all_for_a_choice_question(make_row):
    errors = errors_of(make_row(选项A="", 选项B="", 选项C="", 选项D="", 答案="A"))
    assert [(e.column, e.message) for e in errors] == [
        ("选项A", "选择题至少需要2个选项，请填写选项A和选项B"),
        ("答案", "答案中的A不在本题的选项中（本题选项为无）"),
    ]


def test_more_than_eight_options_is_reported():
    header = [*TEMPLATE_HEADERS, "选项I"]
    options = [f"内容{letter}" for letter in "ABCDEFGH"]
    row = ["多选", "题干", *options, "AB", "", "", "", "", "", "内容I"]
    result = parse_question_rows(header, [(2, row)])
    assert result.records == []
    assert result.errors == [
        RowError(2, "选项I", "每题最多8个选项（选项A～选项H），请删除“选项I”列的内容")
    ]
    # An empty 选项I column is harmless.
    assert parse_question_rows(header, [(2, row[:-1])]).ok


def test_exact_repeat_in_file_is_skipped_with_a_warning(make_row):
    rows = [
        (2, make_row(题干="发现火情，应当怎么做？")),
        (3, make_row(题干="另一道题")),
        (4, make_row(题干="发现火情应当怎么做", 选项A="离开", 选项D="报警", 答案="D")),  # options reordered
        (5, make_row(题型="判断", 题干="发现火情，应当怎么做？", 答案="对")),  # other type: fine
        (6, make_row(题干=" 发现火情,应当怎么做? ")),
    ]
    result = parse_question_rows(TEMPLATE_HEADERS, rows)
    assert result.ok
    assert [record.row for record in result.records] == [2, 3, 5]
    assert [(d.row, d.first_row) for d in result.duplicates] == [(4, 2), (6, 2)]
    assert [(w.row, w.column, w.message) for w in result.warnings] == [
        (4, "题干", "与第2行重复，已跳过"),
        (6, "题干", "与第2行重复，已跳过"),
    ]


def test_same_generic_stem_with_other_options_is_another_question(make_row):
    rows = [
        (2, make_row(题干="以下说法中正确的是（ ）", 选项A="电梯可用于火灾逃生", 选项B="湿毛巾捂住口鼻", 答案="B")),
        (3, make_row(题干="以下说法中正确的是（ ）", 选项A="可以用水扑救电器火灾", 选项B="先断电再灭火", 答案="B")),
    ]
    result = parse_question_rows(TEMPLATE_HEADERS, rows)
    assert result.ok and [record.row for record in result.records] == [2, 3]
    assert result.duplicates == []


def test_same_question_with_another_answer_is_an_error(make_row):
    rows = [(2, make_row(题干="报警电话？")), (3, make_row(题干="报警电话？", 选项A="拍照", 选项B="报警", 答案="A"))]
    result = parse_question_rows(TEMPLATE_HEADERS, rows)
    assert [record.row for record in result.records] == [2]
    assert [(e.row, e.column) for e in result.errors] == [(3, "答案")]
    assert "与第2行的题干和选项相同，但答案不同" in result.errors[0].message


def test_all_errors_are_collected_across_rows_and_columns(make_row):
    rows = [
        (2, make_row()),
        (3, make_row(题干="第三行", 题型="抢答", 难度="9")),
        (5, make_row(题干="第五行", 答案="AE", 选项C="", 分值="0")),
        (6, make_row(题干="第六行")),
        (8, make_row(题干="", 题型="多选", 答案="B")),
    ]
    result = parse_question_rows(TEMPLATE_HEADERS, rows)
    assert [record.row for record in result.records] == [2, 6]
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "题型"),
        (5, "选项C"),
        (5, "答案"),
        (5, "分值"),
        (8, "题干"),
        (8, "答案"),
    ]
    assert "单选题只能有一个正确答案" in result.errors[2].message
    assert [(w.row, w.column) for w in result.warnings] == [(3, "难度")]


def test_row_numbers_count_blank_and_header_rows_in_files(csv_bytes, xlsx_bytes, make_row):
    rows = [
        [],
        TEMPLATE_HEADERS,
        make_row(题干="第一题"),
        [],
        ["", "  ", "\u3000"],
        make_row(题干="第二题", 答案="X"),
    ]
    for filename, data in (("q.csv", csv_bytes(rows)), ("q.xlsx", xlsx_bytes(rows))):
        result = parse_question_file(filename, data)
        assert [record.row for record in result.records] == [3]
        assert [(e.row, e.column) for e in result.errors] == [(6, "答案")]


def test_duplicate_header_is_reported_as_file_level_error(make_row):
    header = [*TEMPLATE_HEADERS, "题目"]
    result = parse_question_rows(header, [(2, make_row())])
    assert result.errors == [RowError(0, "题干", "表头中“题干”列出现了不止一次，请删除多余的列")]
    assert not result.ok


@pytest.mark.parametrize(
    "header, missing",
    [
        (["题型", "题干"], "“答案”"),
        (["题干", "解析", "备注"], "“答案”"),
        (["题型", "答案", "备注"], "“题干”"),
        (["题型", "备注"], "“题干”、“答案”"),
    ],
)
def test_missing_required_column(header, missing):
    with pytest.raises(MappingNeeded) as caught:
        parse_question_rows(header, [(2, ["x", "y", "z"])])
    assert caught.value.code == "missing_column"
    assert f"缺少必填列{missing}" in caught.value.message
    assert "找到的表头：" + "、".join(header) in caught.value.message


def test_type_column_is_optional():
    result = parse_question_rows(["题干", "答案"], [(2, ["景区内可以吸烟吗", "错"])])
    assert result.ok and result.records[0].type == "true_false"


def test_missing_option_columns_with_choice_questions():
    with pytest.raises(FileRejected) as caught:
        parse_question_rows(["题型", "题干", "答案", "选项A"], [(2, ["单选", "题", "A", "甲"])])
    assert caught.value.code == "missing_column"
    assert "“选项B”" in caught.value.message
