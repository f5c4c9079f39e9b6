"""Export layout, export -> import round trips, the template, and the built-in bank."""

from __future__ import annotations

import csv
import dataclasses
import io

import openpyxl

from question_bank import (
    TEMPLATE_HEADERS,
    QuestionRecord,
    builtin_bank_paths,
    load_builtin_bank,
    parse_question_file,
    records_to_csv,
    records_to_xlsx,
    template_xlsx,
)

DANGEROUS_PREFIXES = ("=", "+", "-", "@")


def record(row: int, type_: str, stem: str, options: tuple[str, ...], correct: tuple[int, ...], **extra):
    fields = {"explanation": "", "category": "未分类", "difficulty": 2, "points": 1, "source": ""}
    fields.update(extra)
    return QuestionRecord(row=row, type=type_, stem=stem, options=options, correct=correct, **fields)


RECORDS = [
    record(2, "single", "=1+1", ("=2", "+3", "-4", "@5"), (0,), explanation="-见说明", source="@规范"),
    record(3, "single", "-5℃以下的天气，景区应当？", ("暂停高空项目", "照常营业"), (0,), difficulty=1, points=5),
    record(
        4,
        "multiple",
        "以下哪些属于文物安全隐患？\n（多选）",
        tuple(f"隐患{letter}" for letter in "ABCDEFGH"),
        (0, 3, 7),
        explanation="多行\n解析",
        category="文物安全",
        difficulty=3,
        points=100,
        source="《文物保护法》",
    ),
    record(5, "true_false", "+86开头的号码是国内号码吗？", ("正确", "错误"), (0,), category="'=x"),
    record(6, "true_false", "'引号开头的题干", ("正确", "错误"), (1,), explanation="'-以引号开头"),
]


def without_rows(records):
    return [dataclasses.replace(item, row=0) for item in records]


def test_xlsx_round_trip_is_exact():
    result = parse_question_file("导出.xlsx", records_to_xlsx(RECORDS))
    assert result.errors == []
    assert without_rows(result.records) == without_rows(RECORDS)
    assert [item.row for item in result.records] == [2, 3, 4, 5, 6]


def test_csv_round_trip_is_exact():
    data = records_to_csv(RECORDS)
    assert data.startswith(b"\xef\xbb\xbf")
    result = parse_question_file("导出.csv", data)
    assert result.errors == []
    assert without_rows(result.records) == without_rows(RECORDS)


def test_xlsx_export_layout_and_neutralised_cells():
    workbook = openpyxl.load_workbook(io.BytesIO(records_to_xlsx(RECORDS)))
    assert workbook.sheetnames == ["题库"]
    sheet = workbook["题库"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == TEMPLATE_HEADERS
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(DANGEROUS_PREFIXES), cell.coordinate
    first = dict(zip(TEMPLATE_HEADERS, rows[1]))
    assert (first["题型"], first["题干"], first["选项A"], first["答案"]) == ("单选", "'=1+1", "'=2", "A")
    assert (first["难度"], first["分值"]) == (2, 1)
    true_false = dict(zip(TEMPLATE_HEADERS, rows[4]))
    assert true_false["题型"] == "判断"
    assert true_false["答案"] == "正确"
    assert all(true_false[f"选项{letter}"] is None for letter in "ABCDEFGH")
    assert dict(zip(TEMPLATE_HEADERS, rows[5]))["答案"] == "错误"
    assert dict(zip(TEMPLATE_HEADERS, rows[3]))["答案"] == "ADH"


def test_csv_export_cells_are_neutralised():
    rows = list(csv.reader(io.StringIO(records_to_csv(RECORDS).decode("utf-8-sig"))))
    assert rows[0] == TEMPLATE_HEADERS
    assert all(not cell.startswith(DANGEROUS_PREFIXES) for row in rows for cell in row)
    assert rows[1][1] == "'=1+1"
    assert rows[4][10] == "正确" and rows[4][2:10] == [""] * 8


def test_round_trip_of_parsed_user_file(xlsx_bytes, make_row):
    """Records that came from a messy upload survive export -> import unchanged."""
    upload = xlsx_bytes(
        [
            TEMPLATE_HEADERS,
            make_row(题干="  '=SUM(A1)  ", 答案="ａ", 难度="难", 分值=3.0),
            make_row(题型="判断题", 题干="-1℃", 答案="×", 分类="  "),
        ]
    )
    parsed = parse_question_file("upload.xlsx", upload).records
    assert [item.stem for item in parsed] == ["=SUM(A1)", "-1℃"]
    for export, name in ((records_to_xlsx, "again.xlsx"), (records_to_csv, "again.csv")):
        assert parse_question_file(name, export(parsed)).records == parsed


def test_export_drops_characters_xml_cannot_hold():
    dirty = record(2, "true_false", "含\x00控制\x07字符", ("正确", "错误"), (0,))
    parsed = parse_question_file("x.xlsx", records_to_xlsx([dirty])).records
    assert parsed[0].stem == "含控制字符"


def test_template_parses_to_two_valid_examples():
    data = template_xlsx()
    result = parse_question_file("题库模板.xlsx", data)
    assert result.ok
    assert [(item.row, item.type) for item in result.records] == [(2, "single"), (3, "multiple")]
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["题库", "填写说明"]
    assert [cell.value for cell in workbook["题库"][1]] == TEMPLATE_HEADERS
    instructions = "\n".join(
        str(cell.value) for row in workbook["填写说明"].iter_rows() for cell in row if cell.value
    )
    for name in ("题型", "题干", "选项A～选项H", "答案", "解析", "分类", "难度", "分值", "出处", "公式"):
        assert name in instructions


# ----------------------------------------------------------------- built-in bank


def write_csv(path, rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_builtin_bank_paths_lists_bank_files_sorted(tmp_path):
    for name in ("b.csv", "a.xlsx", "c.CSV", "notes.txt", "~$a.xlsx", ".hidden.csv"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub.csv").mkdir()
    assert [path.name for path in builtin_bank_paths(tmp_path)] == ["a.xlsx", "b.csv", "c.CSV"]
    assert builtin_bank_paths(tmp_path / "missing") == []


def test_load_builtin_bank_reports_file_names(tmp_path, make_row):
    write_csv(tmp_path / "1-消防.csv", [TEMPLATE_HEADERS, make_row(题干="火灾报警电话是多少？"), make_row(题干="坏题", 答案="Z")])
    (tmp_path / "2-文物.xlsx").write_bytes(
        records_to_xlsx(
            [
                # the same question (same options in another order) as 1-消防.csv row 2
                record(2, "single", "火灾报警电话是多少", ("拍照", "报警", "离开", "围观"), (1,)),
                record(3, "true_false", "文物可以随意触摸", ("正确", "错误"), (1,)),
                # same stem, other options: a different question, kept
                record(4, "single", "火灾报警电话是多少", ("119", "110"), (0,)),
            ]
        )
    )
    (tmp_path / "3-坏文件.csv").write_bytes(b"")

    result = load_builtin_bank(tmp_path)

    assert [(item.file, item.row, item.stem) for item in result.records] == [
        ("1-消防.csv", 2, "火灾报警电话是多少？"),
        ("2-文物.xlsx", 3, "文物可以随意触摸"),
        ("2-文物.xlsx", 4, "火灾报警电话是多少"),
    ]
    assert [(error.file, error.row, error.column) for error in result.errors] == [
        ("1-消防.csv", 3, "答案"),
        ("2-文物.xlsx", 2, "题干"),
        ("3-坏文件.csv", 0, ""),
    ]
    assert result.errors[0].message.startswith("【1-消防.csv】答案中的Z不在本题的选项中")
    assert result.errors[1].message == "【2-文物.xlsx】与1-消防.csv第2行重复"
    assert result.errors[2].message == "【3-坏文件.csv】文件是空的，没有任何内容"
    assert not result.ok


def test_shipped_builtin_bank_files_are_readable():
    """Every file in question_bank/data opens and yields questions (row problems are content, not code)."""
    paths = builtin_bank_paths()
    assert all(path.parent.name == "data" for path in paths)
    result = load_builtin_bank()
    assert [error for error in result.errors if error.row == 0] == []
    assert {item.file for item in result.records} == {path.name for path in paths}


def test_builtin_bank_repeat_inside_a_file_is_an_error(tmp_path, make_row):
    write_csv(tmp_path / "1.csv", [TEMPLATE_HEADERS, make_row(题干="同一题"), make_row(题干="同一题")])
    result = load_builtin_bank(tmp_path)
    assert [(e.row, e.column, e.message) for e in result.errors] == [(3, "题干", "【1.csv】与第2行重复")]
    assert result.warnings == []
