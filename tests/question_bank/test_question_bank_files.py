"""Whole-file handling: formats, encodings, limits and hostile uploads."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from question_bank import (
    MAX_FILE_BYTES,
    TEMPLATE_HEADERS,
    FileRejected,
    parse_question_file,
    read_table,
)

CHINESE_ROW = ["单选", "游客发现火情应当怎么做？", "报警", "拍照", "", "", "", "", "", "", "A", "", "消防", "", "", ""]


def rejection(filename: str, data: bytes, **kwargs) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        parse_question_file(filename, data, **kwargs)
    return caught.value


# ------------------------------------------------------------------ CSV decoding


def test_utf8_csv_with_and_without_bom(csv_bytes):
    plain = csv_bytes([TEMPLATE_HEADERS, CHINESE_ROW])
    for data in (plain, b"\xef\xbb\xbf" + plain):
        record = parse_question_file("q.csv", data).records[0]
        assert record.stem == "游客发现火情应当怎么做？"
        assert record.category == "消防"


def test_gb18030_csv_as_written_by_chinese_excel(csv_bytes):
    data = csv_bytes([TEMPLATE_HEADERS, CHINESE_ROW], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    record = parse_question_file("题库.CSV", data).records[0]
    assert record.stem == "游客发现火情应当怎么做？"
    assert record.options == ("报警", "拍照")


def test_undecodable_csv_is_rejected():
    error = rejection("q.csv", "题型,题干,答案\n".encode("utf-8") + b"\xff\xfe\xff\x80\x80\n")
    assert error.code == "encoding"
    assert "编码" in error.message


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_delimiter_is_sniffed(csv_bytes, delimiter):
    row = list(CHINESE_ROW)
    row[1] = "题干里有逗号,分号;和制表\t符"
    data = csv_bytes([TEMPLATE_HEADERS, row], delimiter=delimiter)
    assert parse_question_file("q.csv", data).records[0].stem == row[1]


def test_csv_multiline_cell_keeps_row_numbers(csv_bytes, make_row):
    data = csv_bytes([TEMPLATE_HEADERS, make_row(题干="第一行\r\n第二行"), make_row(题干="下一题", 答案="Q")])
    result = parse_question_file("q.csv", data)
    assert result.records[0].stem == "第一行\n第二行"
    assert [(e.row, e.column) for e in result.errors] == [(3, "答案")]


def test_malformed_csv_is_corrupt():
    error = rejection("q.csv", b'\xef\xbb\xbf\xe9\xa2\x98\xe5\x9e\x8b,"' + b"x" * 200_000 + b'"\n')
    assert error.code == "corrupt"


# ------------------------------------------------------------ type detection


@pytest.mark.parametrize(
    "filename, data",
    [
        ("题库.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
        ("题库.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
        ("题库.xlsx", bytes(range(256)) * 4),
        ("题库.xlsx", b"%PDF-1.4 not a workbook"),
        ("题库.docx", b"PK\x03\x04whatever"),
        ("题库.txt", b"a,b,c"),
        ("题库", b"a,b,c"),
        ("", b"a,b,c"),
        ("题库.csv", b"PK\x03\x04" + b"\0" * 64),
        ("题库.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64),
    ],
)
def test_unsupported_files(filename, data):
    error = rejection(filename, data)
    assert error.code == "unsupported_type"
    assert error.message


def _docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def test_renamed_docx_and_plain_zip_are_unsupported():
    assert rejection("题库.xlsx", _docx_bytes()).code == "unsupported_type"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert rejection("题库.xlsx", buffer.getvalue()).code == "unsupported_type"


def test_extension_is_case_insensitive(xlsx_bytes, csv_bytes):
    assert parse_question_file("题库.XLSX", xlsx_bytes([TEMPLATE_HEADERS, CHINESE_ROW])).ok
    assert parse_question_file("C:\\users\\题库.Csv", csv_bytes([TEMPLATE_HEADERS, CHINESE_ROW])).ok


def test_truncated_xlsx_is_corrupt(xlsx_bytes):
    data = xlsx_bytes([TEMPLATE_HEADERS, CHINESE_ROW])
    assert rejection("q.xlsx", data[: len(data) // 2]).code == "corrupt"


def test_only_the_first_sheet_is_read(xlsx_bytes):
    data = xlsx_bytes([TEMPLATE_HEADERS, CHINESE_ROW], extra_sheet=[["题型"], ["乱写"], ["=1+1"]])
    assert len(parse_question_file("q.xlsx", data).records) == 1


# ------------------------------------------------------------- empty & limits


@pytest.mark.parametrize("filename", ["q.csv", "q.xlsx"])
def test_empty_file(filename, xlsx_bytes):
    assert rejection(filename, b"").code == "empty"
    data = xlsx_bytes([]) if filename.endswith("xlsx") else b"\xef\xbb\xbf\r\n ,\t, \r\n\r\n"
    error = rejection(filename, data)
    assert error.code == "empty"
    assert "表头" in error.message


@pytest.mark.parametrize("filename", ["q.csv", "q.xlsx"])
def test_header_only(filename, csv_bytes, xlsx_bytes):
    builder = csv_bytes if filename.endswith("csv") else xlsx_bytes
    error = rejection(filename, builder([TEMPLATE_HEADERS, [], ["", ""]]))
    assert error.code == "empty"
    assert error.message == "文件中只有表头，没有数据行"


@pytest.mark.parametrize("filename", ["q.csv", "q.xlsx"])
def test_missing_required_column_in_file(filename, csv_bytes, xlsx_bytes):
    builder = csv_bytes if filename.endswith("csv") else xlsx_bytes
    header = [name for name in TEMPLATE_HEADERS if name != "答案"]
    error = rejection(filename, builder([header, CHINESE_ROW[:10] + CHINESE_ROW[11:]]))
    assert error.code == "missing_column"
    assert "“答案”" in error.message


@pytest.mark.parametrize("filename", ["q.csv", "q.xlsx"])
def test_max_rows(filename, csv_bytes, xlsx_bytes, make_row):
    builder = csv_bytes if filename.endswith("csv") else xlsx_bytes
    rows = [make_row(题干=f"第{number}题") for number in range(10)]
    # Blank rows do not count towards the limit.
    assert len(parse_question_file(filename, builder([TEMPLATE_HEADERS, *rows, []]), max_rows=10).records) == 10
    error = rejection(filename, builder([TEMPLATE_HEADERS, *rows, make_row(题干="多一题")]), max_rows=10)
    assert error.code == "too_many_rows"
    assert "10" in error.message


def test_default_row_limit_with_a_real_5001_row_csv(csv_bytes, make_row):
    rows = [TEMPLATE_HEADERS] + [make_row(题干=f"第{number}题") for number in range(5000)]
    assert len(parse_question_file("q.csv", csv_bytes(rows)).records) == 5000
    error = rejection("q.csv", csv_bytes(rows + [make_row(题干="第5001题")]))
    assert error.code == "too_many_rows"
    assert "5000" in error.message


def test_reading_stops_as_soon_as_the_limit_is_exceeded(xlsx_bytes):
    """Rows past the limit are never looked at: a formula there would otherwise win."""
    rows = [["题型", "题干", "答案"]] + [["判断", f"第{number}题", "对"] for number in range(4)]
    rows += [["判断", "=1+1", "对"]]
    error = rejection("q.xlsx", xlsx_bytes(rows), max_rows=3)
    assert error.code == "too_many_rows"
    csv_data = "题型,题干,答案\n" + "判断,题,对\n" * 4 + '判断,"unterminated' + "x" * 200_000
    assert rejection("q.csv", csv_data.encode(), max_rows=3).code == "too_many_rows"


@pytest.mark.parametrize("filename", ["q.csv", "q.xlsx"])
def test_too_large(filename):
    error = rejection(filename, b"PK\x03\x04" + b"a" * MAX_FILE_BYTES)
    assert error.code == "too_large"
    assert "5 MB" in error.message


# ------------------------------------------------------------------- read_table


def test_read_table_returns_clean_text_rows(xlsx_bytes):
    rows = [[None, " 姓名 ", "工号", None], [], ["", "张三 ", 1001.0, None], [None, "'=危险", "'-1"]]
    header, data_rows = read_table("users.xlsx", xlsx_bytes(rows))
    assert header == ["", "姓名", "工号"]
    assert data_rows == [(3, ["", "张三", "1001"]), (4, ["", "=危险", "-1"])]


# ---------------------------------------------------------- hostile archives


def _sheet_xml(body: str, prolog: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>' + prolog
        + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + f"<sheetData>{body}</sheetData></worksheet>"
    ).encode()


def _inline_row(number: int, *values: str) -> str:
    cells = "".join(
        f'<c r="{chr(65 + index)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for index, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def test_zip_bomb_is_rejected_before_parsing(xlsx_bytes, replace_zip_members):
    padding = _sheet_xml("") + b" " * (60 * 1024 * 1024)
    data = replace_zip_members(xlsx_bytes([["题型"]]), {"xl/worksheets/sheet1.xml": padding})
    assert len(data) < MAX_FILE_BYTES
    error = rejection("bomb.xlsx", data)
    assert error.code == "unsafe_archive"


def test_highly_compressed_member_is_rejected(xlsx_bytes, replace_zip_members):
    padding = b"<!--" + b"-" * (2 * 1024 * 1024) + b"-->"
    data = replace_zip_members(xlsx_bytes([["题型"]]), {"xl/padding.xml": padding})
    assert rejection("ratio.xlsx", data).code == "unsafe_archive"


def test_too_many_archive_members(xlsx_bytes, replace_zip_members):
    extra = {f"xl/media/image{number}.bin": b"x" for number in range(200)}
    data = replace_zip_members(xlsx_bytes([["题型"]]), extra)
    assert rejection("many.xlsx", data).code == "unsafe_archive"


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def test_entity_bomb_in_sheet_is_unsafe_xml(xlsx_bytes, replace_zip_members):
    sheet = _sheet_xml(_inline_row(1, "题型", "题干", "答案") + _inline_row(2, "判断", "&lol3;", "对"), BILLION_LAUGHS)
    data = replace_zip_members(xlsx_bytes([["x"]]), {"xl/worksheets/sheet1.xml": sheet})
    error = rejection("lol.xlsx", data)
    assert error.code == "unsafe_xml"
    assert "不安全" in error.message


def test_entity_bomb_in_shared_strings_is_unsafe_xml(xlsx_bytes, replace_zip_members):
    # openpyxl writes inline strings, so register a shared-strings part by hand.
    original = xlsx_bytes([["x"]])
    content_types = zipfile.ZipFile(io.BytesIO(original)).read("[Content_Types].xml").decode()
    override = (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    )
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?>' + BILLION_LAUGHS
        + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        "<si><t>&lol3;</t></si></sst>"
    ).encode()
    sheet = _sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    data = replace_zip_members(
        original,
        {
            "[Content_Types].xml": content_types.replace("</Types>", override + "</Types>").encode(),
            "xl/sharedStrings.xml": shared,
            "xl/worksheets/sheet1.xml": sheet,
        },
    )
    assert rejection("lol.xlsx", data).code == "unsafe_xml"


def test_external_entity_is_unsafe_xml(xlsx_bytes, replace_zip_members):
    xxe = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    sheet = _sheet_xml(_inline_row(1, "题型", "题干", "答案") + _inline_row(2, "判断", "&xxe;", "对"), xxe)
    data = replace_zip_members(xlsx_bytes([["x"]]), {"xl/worksheets/sheet1.xml": sheet})
    assert rejection("xxe.xlsx", data).code == "unsafe_xml"


def test_entity_in_content_types_is_unsafe_xml(xlsx_bytes, replace_zip_members):
    original = xlsx_bytes([["x"]])
    content_types = zipfile.ZipFile(io.BytesIO(original)).read("[Content_Types].xml").decode()
    hostile = BILLION_LAUGHS + content_types
    data = replace_zip_members(original, {"[Content_Types].xml": hostile.encode()})
    assert rejection("ct.xlsx", data).code == "unsafe_xml"


def test_forged_huge_row_number_does_not_hang(xlsx_bytes, replace_zip_members):
    forged_row = '<row r="99999999999"><c t="inlineStr"><is><t>判断</t></is></c></row>'
    sheet = _sheet_xml(_inline_row(1, "题型", "题干", "答案") + forged_row)
    data = replace_zip_members(xlsx_bytes([["x"]]), {"xl/worksheets/sheet1.xml": sheet})
    assert rejection("rows.xlsx", data).code == "corrupt"


# ----------------------------------------------------------- formulas & dimensions


def test_formula_cell_rejects_the_file(xlsx_bytes, make_row):
    rows = [TEMPLATE_HEADERS, make_row(), make_row(题干="第二题", 答案='=IF(1,"A","B")')]
    error = rejection("q.xlsx", xlsx_bytes(rows))
    assert error.code == "formula"
    assert error.message == "第3行 答案 列含公式，请粘贴为数值后再上传"


def test_formula_outside_known_columns_is_named_by_letter(xlsx_bytes):
    error = rejection("q.xlsx", xlsx_bytes([["题型", "题干", "答案"], ["判断", "题目", "对", "=SUM(1,2)"]]))
    assert error.code == "formula"
    assert error.message.startswith("第2行 D 列含公式")


def test_leading_equals_in_csv_is_plain_text(csv_bytes, make_row):
    record = parse_question_file("q.csv", csv_bytes([TEMPLATE_HEADERS, make_row(题干="=1+1等于几")])).records[0]
    assert record.stem == "=1+1等于几"


def test_stale_dimension_tag_does_not_hide_rows(xlsx_bytes, replace_zip_members, make_row):
    rows = [TEMPLATE_HEADERS] + [make_row(题干=f"第{number}题", 解析="详见条例") for number in range(30)]
    original = xlsx_bytes(rows)
    sheet = zipfile.ZipFile(io.BytesIO(original)).read("xl/worksheets/sheet1.xml").decode()
    stale, count = re.subn(r'<dimension ref="[^"]*"', '<dimension ref="A1:B2"', sheet)
    assert count == 1
    data = replace_zip_members(original, {"xl/worksheets/sheet1.xml": stale.encode()})
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert workbook.worksheets[0].max_row == 2  # what a naive reader would see
    workbook.close()
    result = parse_question_file("q.xlsx", data)
    assert result.ok
    assert len(result.records) == 30
    assert result.records[-1].explanation == "详见条例"
