"""Questions as text: pasted into a text box, in a .txt file, or in Word paragraphs."""

from __future__ import annotations

import pytest

from question_bank import FileRejected, parse_question_file, parse_question_text

COMMON = """一、单选题（每题1分）
1. 发现初起火灾，首先应当（ ）。
A. 报警  B. 拍照
C. 围观  D. 离开
答案：A
解析：先报警，
再扑救。

二、多选题
2、防火检查的内容包括（ ）
A．疏散通道
B．灭火器材
C．员工午餐
【答案】AB
【解析】午餐不属于防火检查。

三、判断题
3）电梯可以用于火灾逃生。（ ）
答案：错
"""


def test_common_layout():
    result = parse_question_text(COMMON)
    assert result.ok, result.errors
    first, second, third = result.records
    assert (first.row, first.type, first.stem, first.options, first.correct) == (
        2, "single", "发现初起火灾，首先应当（ ）。", ("报警", "拍照", "围观", "离开"), (0,)
    )
    assert first.explanation == "先报警，\n再扑救。"
    assert (second.type, second.options, second.correct, second.explanation) == (
        "multiple", ("疏散通道", "灭火器材", "员工午餐"), (0, 1), "午餐不属于防火检查。"
    )
    assert (third.type, third.correct) == ("true_false", (1,))
    assert result.layout.format == "text" and result.layout.sections[0].header_row == 0


@pytest.mark.parametrize(
    "text, stem, correct",
    [
        ("1. 消防车通道应保持（ B ）。\nA. 半开\nB. 畅通\n", "消防车通道应保持（　）。", (1,)),
        ("1. 下列属于灭火方法的是(AC)\nA. 冷却\nB. 助燃\nC. 隔离\n", "下列属于灭火方法的是( )", (0, 2)),
        ("1. 楼道可以堆放杂物。（×）\n", "楼道可以堆放杂物。（　）", (1,)),
        ("1. 离开时应关闭电源。（ 对 ）\n", "离开时应关闭电源。（　）", (0,)),
    ],
)
def test_answer_inside_the_stem_brackets(text, stem, correct):
    record = parse_question_text(text).records[0]
    assert (record.stem, record.correct) == (stem, correct)


def test_stem_letters_in_brackets_without_options_are_not_an_answer():
    result = parse_question_text("1. 进入(B)区前应登记。\n答案：对\n")
    assert result.records[0].stem == "进入(B)区前应登记。"


def test_options_on_the_stem_line_and_numbering_styles():
    text = "(1) 火警电话是（ ） A.119 B.110\n答案：A\n第2题 急救电话是 A.120 B.119\n答案：A\n3．报警时应说清？\nA、地址\nB、姓名\n答案：AB\n"
    result = parse_question_text(text)
    assert result.ok, result.errors
    assert [(r.stem, r.options) for r in result.records] == [
        ("火警电话是（ ）", ("119", "110")), ("急救电话是", ("120", "119")), ("报警时应说清？", ("地址", "姓名")),
    ]


def test_other_fields_as_lines():
    text = "1. 防毒面具使用前应检查？\nA. 气密性\nB. 颜色\n答案：A\n难度：难\n分值：2\n知识点：个人防护\n出处：GB 2890\n"
    record = parse_question_text(text).records[0]
    assert (record.difficulty, record.points, record.category, record.source) == (3, 2, "个人防护", "GB 2890")


def test_problems_name_the_line():
    text = "1. 火警电话？\nA. 119\nC. 110\n答案：A\n2. 急救电话？\nA. 120\n这一行不是选项\n答案：A\n"
    result = parse_question_text(text)
    assert [(e.row, e.column) for e in result.errors] == [(1, "选项"), (1, "选项B"), (5, "选项"), (5, "选项B")]
    assert "的字母与顺序不符（这里应是选项B）" in result.errors[0].message
    assert "第7行“这一行不是选项”不是选项" in result.errors[2].message


def test_unsupported_text_questions_are_skipped():
    text = "一、填空题\n1. 火警电话是____。\n答案：119\n二、单选题\n2. 火警电话是？\nA. 119\nB. 110\n答案：A\n"
    result = parse_question_text(text)
    assert [r.row for r in result.records] == [5]
    assert [(item.row, item.type) for item in result.skipped_unsupported] == [(2, "填空题")]


def test_titles_before_the_first_question_are_ignored():
    result = parse_question_text("2024年消防安全知识竞赛题库\n（内部资料）\n1. 火警电话？\nA. 119\nB. 110\n答案：A\n")
    assert [r.row for r in result.records] == [3]


def test_pasted_excel_table_is_read_as_a_table():
    result = parse_question_text("题型\t题干\t选项A\t选项B\t答案\n单选\t火警电话？\t119\t110\tA\n")
    assert result.ok and result.records[0].options == ("119", "110")
    assert result.layout.format == "csv"


@pytest.mark.parametrize("text", ["", "   \n\n", "随便写一点文字"])
def test_text_without_questions_is_refused(text):
    with pytest.raises(FileRejected) as caught:
        parse_question_text(text)
    assert caught.value.code == "empty"
    assert "没有识别到题目" in caught.value.message


def test_text_file_in_any_encoding():
    for encoding in ("utf-8", "utf-8-sig", "gb18030", "utf-16"):
        result = parse_question_file("题库.txt", COMMON.encode(encoding))
        assert result.ok and len(result.records) == 3, encoding


def test_word_paragraphs_with_automatic_numbering(docx_bytes):
    paragraphs = ["消防安全题库", "一、单选题", "发现火情首先应（ ）", "A. 报警", "B. 拍照", "答案：A",
                  "二、判断题", "景区内可以吸烟。（×）"]
    result = parse_question_file("题库.docx", docx_bytes(paragraphs, numbered=(2, 7)))
    assert result.ok, result.errors
    assert [(r.row, r.type, r.correct) for r in result.records] == [(3, "single", (0,)), (8, "true_false", (1,))]


def test_word_tables_and_paragraphs_together(docx_bytes):
    table = [["题型", "题干", "选项A", "选项B", "答案"], ["单选", "急救电话？", "120", "110", "A"]]
    data = docx_bytes(["1. 火警电话？", "A. 119", "B. 110", "答案：A"], tables=[table])
    result = parse_question_file("题库.docx", data)
    assert result.ok, result.errors
    assert [(r.sheet, r.stem) for r in result.records] == [("表格1", "急救电话？"), ("", "火警电话？")]
