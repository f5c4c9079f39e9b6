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
    MappingNeeded,
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
        ("题库.xlsx", bytes(range(256)) * 4),
        ("题库.xlsx", b"%PDF-1.4 not a workbook"),
        ("题库.csv", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
        ("题库.txt", b"GIF89a" + b"\0" * 64),
        ("题库.docx", b"{\\rtf1\\ansi hello}"),
    ],
)
def test_unsupported_files(filename, data):
    error = rejection(filename, data)
    assert error.code == "unsupported_type"
    assert "Excel(.xlsx/.xls)" in error.message


@pytest.mark.parametrize(
    "filename, data, fragment",
    [
        ("题库.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        ("题库.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        ("题库.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, ".xls"),
        ("题库.docx", b"PK\x03\x04whatever", ".xlsx"),
        ("题库.csv", b"PK\x03\x04" + b"\0" * 64, ".xlsx"),
    ],
)
def test_broken_office_files_are_corrupt_whatever_their_name(filename, data, fragment):
    error = rejection(filename, data)
    assert error.code == "corrupt"
    assert fragment in error.message


@pytest.mark.parametrize("filename", ["题库.txt", "题库", "", "题库.xlsx"])
def test_text_without_a_header_asks_for_a_mapping(filename):
    with pytest.raises(MappingNeeded) as caught:
        parse_question_file(filename, "序号,内容,结果\n1,随便,写写\n".encode())
    assert caught.value.code == "missing_column"
    assert "没有找到表头行" in caught.value.message
    assert "找到的表头：序号、内容、结果" in caught.value.message
    assert caught.value.layout.headers_found == ["序号", "内容", "结果"]


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


def test_broken_docx_is_corrupt_and_plain_zip_is_unsupported():
    assert rejection("题库.xlsx", _docx_bytes()).code == "corrupt"
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


def test_sheets_without_a_header_are_ignored_formulas_included(xlsx_bytes):
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


def test_default_row_limit_with_a_real_20001_row_csv(csv_bytes):
    header = ["题型", "题干", "选项A", "选项B", "答案"]
    rows = [header] + [["单选", f"第{number}题", "甲", "乙", "A"] for number in range(20000)]
    assert len(parse_question_file("q.csv", csv_bytes(rows)).records) == 20000
    error = rejection("q.csv", csv_bytes(rows + [["单选", "第20001题", "甲", "乙", "A"]]))
    assert error.code == "too_many_rows"
    assert "20000" in error.message


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


def _with_shared_strings(replace_zip_members, original: bytes, shared: bytes, sheet: bytes) -> bytes:
    """``original`` with the shared-strings part ``shared`` registered by hand (openpyxl writes
    inline strings) and its first sheet replaced by ``sheet``."""
    content_types = zipfile.ZipFile(io.BytesIO(original)).read("[Content_Types].xml").decode()
    override = (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    )
    return replace_zip_members(original, {
        "[Content_Types].xml": content_types.replace("</Types>", override + "</Types>").encode(),
        "xl/sharedStrings.xml": shared,
        "xl/worksheets/sheet1.xml": sheet,
    })


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
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?>' + BILLION_LAUGHS
        + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        "<si><t>&lol3;</t></si></sst>"
    ).encode()
    sheet = _sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    data = _with_shared_strings(replace_zip_members, xlsx_bytes([["x"]]), shared, sheet)
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


# ------------------------------------------------------- more formats, by content

SIMPLE = [["题型", "题干", "选项A", "选项B", "答案"], ["单选", "火警电话？", "119", "110", "A"]]


def test_content_decides_not_the_name(xlsx_bytes, csv_bytes, xls_bytes, docx_bytes):
    files = {
        "xlsx": xlsx_bytes(SIMPLE),
        "xls": xls_bytes({"Sheet1": SIMPLE}),
        "csv": csv_bytes(SIMPLE),
        "docx": docx_bytes(tables=[SIMPLE]),
    }
    for kind, data in files.items():
        for name in ("题库.csv", "题库.xlsx", "题库.pdf", "题库"):
            result = parse_question_file(name, data)
            assert result.ok and result.records[0].stem == "火警电话？", (kind, name)
            assert result.layout.format == kind


@pytest.mark.parametrize("delimiter", ["\t", ";", "|"])
def test_other_delimited_text(csv_bytes, delimiter):
    data = csv_bytes([["2024年题库"], *SIMPLE], delimiter=delimiter)
    assert parse_question_file("题库.txt", data).records[0].options == ("119", "110")


def test_utf16_tab_text_as_saved_by_excel(csv_bytes):
    data = csv_bytes(SIMPLE, delimiter="\t", encoding="utf-16")
    assert data.startswith(b"\xff\xfe")
    assert parse_question_file("题库.txt", data).records[0].stem == "火警电话？"


def test_xls_cells_numbers_dates_and_sheets(xls_bytes):
    import datetime

    rows = [
        ["题型", "题干", "选项A", "选项B", "答案", "分值", "出处"],
        ["单选", "安全电压不高于多少伏？", 36.0, 0.5, "A", 2.0, datetime.date(2024, 5, 6)],
    ]
    record = parse_question_file("题库.xls", xls_bytes({"第一章": rows})).records[0]
    assert record.options == ("36", "0.5")
    assert record.points == 2
    assert record.source == "2024-05-06"
    assert record.sheet == "第一章"


def test_encrypted_and_legacy_word_ole_files_get_their_own_message():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500
    encrypted = rejection("题库.xlsx", ole + "EncryptionInfo".encode("utf-16-le"))
    assert encrypted.code == "unsupported_type" and "密码" in encrypted.message
    legacy_doc = rejection("题库.doc", ole + "WordDocument".encode("utf-16-le"))
    assert legacy_doc.code == "unsupported_type" and ".doc" in legacy_doc.message


@pytest.mark.parametrize("prefix", [b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"1. ", b"\xff\xfe"])
def test_size_limit_for_every_format(prefix):
    assert rejection("q", prefix + b"a" * MAX_FILE_BYTES).code == "too_large"


def test_docx_zip_bomb_and_member_count(docx_bytes, replace_zip_members):
    original = docx_bytes(["1. 火警电话？", "A. 119", "B. 110", "答案：A"])
    bomb = replace_zip_members(original, {"word/media/pad.bin": b"\0" * (60 * 1024 * 1024)})
    assert len(bomb) < MAX_FILE_BYTES
    assert rejection("q.docx", bomb).code == "unsafe_archive"
    many = replace_zip_members(original, {f"word/media/{n}.bin": b"x" for n in range(200)})
    assert rejection("q.docx", many).code == "unsafe_archive"


@pytest.mark.parametrize("prolog", [BILLION_LAUGHS, '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'])
def test_docx_entity_declarations_are_unsafe_xml(docx_bytes, replace_zip_members, prolog):
    original = docx_bytes(["1. 火警电话？"])
    document = zipfile.ZipFile(io.BytesIO(original)).read("word/document.xml").decode()
    hostile = document.replace("?>", "?>" + prolog, 1).replace("火警电话？", "&lol3;" if "lol" in prolog else "&xxe;")
    data = replace_zip_members(original, {"word/document.xml": hostile.encode()})
    error = rejection("q.docx", data)
    assert error.code == "unsafe_xml"


def test_formula_in_a_later_sheet_section_rejects_the_file(xlsx_sheets):
    data = xlsx_sheets({"一": SIMPLE, "二": [SIMPLE[0], ["单选", "题？", "甲", "乙", "=CHAR(65)"]]})
    error = rejection("q.xlsx", data)
    assert error.code == "formula"
    assert error.message == "第2行 答案 列含公式，请粘贴为数值后再上传"


@pytest.mark.parametrize("kind", ["xls", "docx", "txt"])
def test_row_limit_applies_to_every_format(kind, xls_bytes, docx_bytes):
    rows = [SIMPLE[0]] + [["单选", f"第{n}题？", "甲", "乙", "A"] for n in range(6)]
    if kind == "xls":
        data = xls_bytes({"一": rows[:4], "二": [rows[0], *rows[4:]]})
    elif kind == "docx":
        data = docx_bytes([f"{n}. 第{n}题？\nA. 甲\nB. 乙\n答案：A" for n in range(1, 7)])
    else:
        data = "".join(f"{n}. 第{n}题？\nA. 甲\nB. 乙\n答案：A\n" for n in range(1, 7)).encode()
    assert len(parse_question_file("q", data, max_rows=6).records) == 6
    assert rejection("q", data, max_rows=5).code == "too_many_rows"


def test_empty_word_document(docx_bytes):
    error = rejection("q.docx", docx_bytes([]))
    assert error.code == "empty"


def test_xlsx_cell_values_dates_booleans_numbers(xlsx_bytes):
    import datetime

    rows = [["题型", "题干", "选项A", "选项B", "答案", "出处", "分值"],
            ["判断", "值班表日期正确吗？", None, None, True, datetime.datetime(2024, 5, 6), 3.0],
            ["单选", "安全电压？", 36, 0.5, "A", datetime.datetime(2024, 5, 6, 8, 30), 1]]
    first, second = parse_question_file("q.xlsx", xlsx_bytes(rows)).records
    assert (first.correct, first.source, first.points) == ((0,), "2024-05-06", 3)
    assert (second.options, second.source) == (("36", "0.5"), "2024-05-06 08:30:00")


def test_xlsx_shared_strings_rich_text_and_phonetic_runs(xlsx_bytes, replace_zip_members):
    shared = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>题干</t></si><si><t>答案</t></si>"
        "<si><r><t>灭火器</t></r><r><rPr><b/></rPr><t>放在哪？</t></r><rPh><t>メツカキ</t></rPh></si>"
        "<si><t>对</t></si></sst>"
    ).encode()
    sheet = _sheet_xml(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c><c r="IW2"><v>1</v></c></row>'
    )
    data = _with_shared_strings(replace_zip_members, xlsx_bytes([["x"]]), shared, sheet)
    result = parse_question_file("q.xlsx", data)
    assert [(r.stem, r.type, r.correct) for r in result.records] == [("灭火器放在哪？", "true_false", (0,))]


def test_xlsx_columns_beyond_the_256th_are_not_read(xlsx_bytes, replace_zip_members):
    from question_bank.documents import open_document

    sheet = _sheet_xml(_inline_row(1, "题型", "题干", "答案") + '<row r="2"><c r="XFD2"><v>1</v></c></row>')
    data = replace_zip_members(xlsx_bytes([["x"]]), {"xl/worksheets/sheet1.xml": sheet})
    with open_document(data) as document:
        rows = [row for sheet_source in document.sheets for row in sheet_source.rows]
    assert rows == [(1, ["题型", "题干", "答案"]), (2, [])]
