"""The question import on the web beyond the template: any format, pasted text, the mapping step,
remembered mappings, warnings, partial import and the problem rows to download and fix."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from question_bank import TEMPLATE_HEADERS, header_signature
from quiz.extensions import db
from quiz.models import AuditEntry, ImportMapping, PendingImport, Question

from helpers import xlsx_file
from import_helpers import (
    OTHER_HEADER,
    OTHER_MAPPING,
    OTHER_TYPES,
    mapping_form_data,
    other_system_file,
    other_system_rows,
    paste,
    question_count,
    token_and_step,
    upload,
)

VALID = {"题型": "单选", "题干": "景区发生火灾时应当首先做什么？", "选项A": "报警", "选项B": "拍照", "选项C": "围观",
         "答案": "A", "分类": "消防安全"}


def row(**fields) -> list[str]:
    values = {**VALID, **fields}
    return [values.get(name, "") for name in TEMPLATE_HEADERS]


def map_other_system(client, token: str, *, remember: bool = True) -> None:
    """Go through the mapping step of OTHER_HEADER: first the columns, then the type codes it reveals."""
    page = client.get(f"/trainer/imports/{token}/mapping").data.decode()
    response = client.post(f"/trainer/imports/{token}/mapping", data=mapping_form_data(page, OTHER_MAPPING, remember=remember))
    assert response.status_code == 302 and response.headers["Location"].endswith("/mapping"), response.data[:500]
    page = client.get(f"/trainer/imports/{token}/mapping").data.decode()
    assert "题型列中有无法识别的取值：1、2、3、4" in page
    response = client.post(f"/trainer/imports/{token}/mapping",
                           data=mapping_form_data(page, OTHER_MAPPING, OTHER_TYPES, remember=remember))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/imports/{token}")


# ---------------------------------------------------------------- the mapping step


def test_unknown_layout_goes_to_the_mapping_step(client, trainer):
    token, step = token_and_step(upload(client, "其他系统导出.xlsx", other_system_file()))
    assert step == "mapping"
    assert question_count() == 0 and db.session.get(PendingImport, token).payload["stage"] == "mapping"
    # the preview cannot be shown before the mapping
    assert client.get(f"/trainer/imports/{token}").headers["Location"].endswith(f"/imports/{token}/mapping")

    page = client.get(f"/trainer/imports/{token}/mapping")
    html = page.data.decode()
    assert page.status_code == 200
    assert "找到的表头：编号、题目类别、内容、备选1、备选2、备选3、备选4、标答、说明" in html
    assert "还需要：题干、答案" in html
    labels = re.findall(r'<label class="form-label mb-0" for="column_\d+">([^<]*)</label>', html)
    assert labels == OTHER_HEADER
    # each column shows what it holds, so "内容" and "标答" can be told apart at a glance
    samples = re.findall(r'<span class="d-block small text-muted column-samples">例：([^<]*)</span>', html)
    assert samples[2] == "发现火情首先应当怎么做？ / 疏散时应当注意哪些事项？ / 灭火器应当定期检查。"
    assert samples[7] == "A / ACD / F"
    # every field of the drop-down, including the per-option 是否正确 flags and "leave out"
    for label in ("题干", "选项A", "选项（全部选项在一个单元格里）", "选项A是否正确", "选项H是否正确", "不导入此列"):
        assert f">{label}</option>" in html, label
    assert question_count() == 0


def test_mapping_columns_and_type_values_then_import(client, trainer):
    token, _ = token_and_step(upload(client, "其他系统导出.xlsx", other_system_file()))
    map_other_system(client, token)
    assert question_count() == 0  # nothing is written before the confirm

    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert "新题 3" in html and "错误 1 处（1 行）" in html
    assert "跳过 1 道平台不支持的题" in html and "第6行" in html
    assert "已按选择的列映射读取" in html
    assert "答案中的F不在本题的选项中" in html
    assert 'id="confirm-import"' not in html
    assert "跳过有问题的 1 行，导入其余 3 题" in html
    assert 'id="upload-health"' in html  # the 题库体检 of the upload as mapped

    response = client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip", "skip_invalid": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/trainer/questions")
    questions = {q.stem: q for q in db.session.scalars(db.select(Question))}
    assert set(questions) == {"发现火情首先应当怎么做？", "疏散时应当注意哪些事项？", "灭火器应当定期检查。"}
    assert questions["疏散时应当注意哪些事项？"].type == "multiple"
    assert questions["疏散时应当注意哪些事项？"].correct == [0, 2, 3]
    assert questions["灭火器应当定期检查。"].type == "true_false"
    assert questions["发现火情首先应当怎么做？"].explanation == "先报警，再疏散"
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "question.import")).one()
    assert entry.changes["skipped_invalid"] == 1 and entry.changes["skipped_unsupported"] == 1
    assert "跳过有问题的 1 行" in client.get("/trainer/questions").data.decode()


def test_a_mapping_is_remembered_for_the_next_file_with_the_same_header(client, trainer, build, web_login):
    token, _ = token_and_step(upload(client, "第一批.xlsx", other_system_file()))
    map_other_system(client, token)
    remembered = db.session.scalars(db.select(ImportMapping)).one()
    assert remembered.signature == header_signature(OTHER_HEADER)
    assert remembered.mapping["type_values"] == OTHER_TYPES
    assert db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "question.import_mapping")).first()

    # the next export of the same system, by another trainer, re-saved with spaces in the header
    other = build.user("trainer2", role="trainer")
    client.post("/logout")
    web_login(other)
    rows = other_system_rows("第二批：")
    rows[0] = [f" {cell} " for cell in rows[0]]
    token, step = token_and_step(upload(client, "第二批.xlsx", xlsx_file(rows)))
    assert step == "preview"
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert "已自动使用为这种表头记住的列映射" in html and "新题 3" in html
    assert 'id="adjust-mapping"' in html

    # a header the mapping was not made for still goes to the mapping step
    rows[0] = [*rows[0][:-1], "备注"]
    _, step = token_and_step(upload(client, "别的.xlsx", xlsx_file(rows)))
    assert step == "mapping"


def test_a_mapping_is_not_remembered_when_the_trainer_says_so(client, trainer):
    token, _ = token_and_step(upload(client, "一次性.xlsx", other_system_file()))
    map_other_system(client, token, remember=False)
    assert db.session.scalar(db.select(db.func.count(ImportMapping.id))) == 0
    _, step = token_and_step(upload(client, "一次性.xlsx", other_system_file()))
    assert step == "mapping"


def test_the_trainer_can_ask_for_the_mapping_of_a_recognised_file(client, trainer):
    """A column the importer ignores (备注) is mapped to 解析 on request; "automatic" forgets it again."""
    header = [*TEMPLATE_HEADERS, "备注"]
    data = xlsx_file([header, [*row(), "先报警"]])
    token, step = token_and_step(upload(client, "带备注.xlsx", data))
    assert step == "preview"
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert "以下列未识别，已忽略：备注" in html and "手动设置列映射" in html

    page = client.get(f"/trainer/imports/{token}/mapping").data.decode()
    assert "自动识别：题干" in page and "自动识别：未识别（不导入）" in page
    response = client.post(f"/trainer/imports/{token}/mapping",
                           data=mapping_form_data(page, {"备注": "解析", "解析": "忽略"}))
    assert response.headers["Location"].endswith(f"/imports/{token}")
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"})
    assert db.session.scalars(db.select(Question)).one().explanation == "先报警"
    assert db.session.scalars(db.select(ImportMapping)).one().mapping["columns"] == {"备注": "解析", "解析": "忽略"}

    # mapping every column back to "automatic" forgets the remembered mapping
    token, _ = token_and_step(upload(client, "带备注.xlsx", data))
    page = client.get(f"/trainer/imports/{token}/mapping").data.decode()
    assert '<option selected value="解析">' in page and '<option selected value="忽略">' in page
    client.post(f"/trainer/imports/{token}/mapping", data=mapping_form_data(page, {}))
    assert db.session.scalar(db.select(db.func.count(ImportMapping.id))) == 0


def test_mapping_page_refuses_bad_input_and_changes_nothing(client, trainer, build, web_login):
    token, _ = token_and_step(upload(client, "其他系统导出.xlsx", other_system_file()))
    page = client.get(f"/trainer/imports/{token}/mapping").data.decode()
    bad = mapping_form_data(page, {**OTHER_MAPPING, "内容": "不存在的字段"})
    response = client.post(f"/trainer/imports/{token}/mapping", data=bad)
    assert response.status_code == 422 and "is-invalid" in response.data.decode()
    assert db.session.get(PendingImport, token).payload["stage"] == "mapping"

    # a mapping that still lacks a required field stays on the mapping step, with the reason
    partial = mapping_form_data(page, {"内容": "题干"})
    response = client.post(f"/trainer/imports/{token}/mapping", data=partial)
    assert response.headers["Location"].endswith("/mapping")
    assert "还需要：答案" in client.get(f"/trainer/imports/{token}/mapping").data.decode()
    assert db.session.scalar(db.select(db.func.count(ImportMapping.id))) == 0  # a failed mapping is not kept

    # every header mapped to 题干 at once: the header problem is shown, nothing imported
    clash = mapping_form_data(page, {name: "题干" for name in OTHER_HEADER} | {"标答": "答案"})
    client.post(f"/trainer/imports/{token}/mapping", data=clash)
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert "出现了不止一次" in html and 'id="confirm-skip-invalid"' not in html
    refused = client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip", "skip_invalid": "1"})
    assert refused.status_code == 302 and question_count() == 0

    assert client.get("/trainer/imports/no-such-token-at-all-000/mapping").status_code == 404
    other = build.user("trainer2", role="trainer")
    client.post("/logout")
    web_login(other)
    assert client.get(f"/trainer/imports/{token}/mapping").status_code == 404
    assert client.get(f"/trainer/imports/{token}/problems.xlsx").status_code == 404


def test_pasted_text_has_no_mapping_step(client, trainer):
    token, step = token_and_step(paste(client, "1. 发现火情首先应当怎么做？（ ）\nA. 报警\nB. 拍照\n答案：A\n"))
    assert step == "preview"
    response = client.get(f"/trainer/imports/{token}/mapping")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/imports/{token}")


# ---------------------------------------------------------------- partial import and problem rows


def test_partial_import_is_an_explicit_choice(client, trainer):
    rows = [TEMPLATE_HEADERS, row(题干="好题一？"), row(题干="坏题？", 答案="F"), row(题干="好题二？")]
    token, _ = token_and_step(upload(client, "部分.xlsx", xlsx_file(rows)))
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert "跳过有问题的 1 行，导入其余 2 题" in html and 'id="confirm-import"' not in html

    # the default stays all or nothing
    refused = client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip", "submit": "确认导入"})
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/imports/{token}")
    assert question_count() == 0
    assert "文件中有错误" in client.get(f"/trainer/imports/{token}").data.decode()

    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip", "skip_invalid": "1"})
    assert sorted(db.session.scalars(db.select(Question.stem))) == ["好题一？", "好题二？"]
    assert db.session.get(PendingImport, token) is None


def test_no_partial_import_when_every_row_is_bad(client, trainer):
    rows = [TEMPLATE_HEADERS, row(题干="坏题一？", 答案="F"), row(题干="坏题二？", 答案="G")]
    token, _ = token_and_step(upload(client, "全坏.xlsx", xlsx_file(rows)))
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert 'id="confirm-skip-invalid"' not in html and 'id="download-problems"' in html
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip", "skip_invalid": "1"})
    assert question_count() == 0


def test_problem_rows_download_fix_and_upload_again(client, trainer):
    rows = [["2026年安全生产月题库"], TEMPLATE_HEADERS, row(题干="好题？"),
            row(题干="答案写错的题？", 答案="F"), row(题型="多选", 题干="多选只有一个答案？", 答案="B")]
    token, _ = token_and_step(upload(client, "原题库.xlsx", xlsx_file(rows)))
    response = client.get(f"/trainer/imports/{token}/problems.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    table = [[cell if cell is not None else "" for cell in values] for values in sheet.iter_rows(values_only=True)]
    assert table[0] == [*TEMPLATE_HEADERS, "错误原因"]
    assert [r[1] for r in table[1:]] == ["答案写错的题？", "多选只有一个答案？"]
    assert table[1][:len(TEMPLATE_HEADERS)] == row(题干="答案写错的题？", 答案="F")
    assert "第4行" in table[1][-1] and "答案" in table[1][-1] and "F" in table[1][-1]
    assert "多选题至少需要两个正确答案" in table[2][-1]
    assert question_count() == 0  # downloading changes nothing

    # import the good row now, fix the two in the downloaded file and upload it as it is
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip", "skip_invalid": "1"})
    answer = TEMPLATE_HEADERS.index("答案") + 1
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    workbook.active.cell(row=2, column=answer).value = "A"
    workbook.active.cell(row=3, column=answer).value = "AB"
    buffer = io.BytesIO()
    workbook.save(buffer)
    token, step = token_and_step(upload(client, "改好的.xlsx", buffer.getvalue()))
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert step == "preview" and "新题 2" in html and "错误 0 处" in html
    assert "以下列未识别，已忽略：错误原因" in html
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"})
    assert sorted(db.session.scalars(db.select(Question.stem))) == ["多选只有一个答案？", "好题？", "答案写错的题？"]


# ---------------------------------------------------------------- warnings and duplicates


def test_preview_lists_every_warning(client, trainer):
    header = ["序号", "题型", "题干", "选项A", "选项B", "答案", "难度", "题目图片"]
    rows = [header,
            [1, "单选", "发现火情首先应当怎么做？", "报警", "拍照", "A", "超难", ""],
            [2, "单选", "发现火情首先应当怎么做？", "报警", "拍照", "A", "", ""],
            [3, "填空", "火警电话是____。", "", "", "119", "", ""],
            [4, "简答", "简述疏散流程。", "", "", "略", "", ""]]
    token, _ = token_and_step(upload(client, "提示.xlsx", xlsx_file(rows)))
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert "新题 1" in html and "错误 0 处" in html and 'id="confirm-import"' in html
    assert "以下列未识别，已忽略：序号、题目图片" in html
    assert "难度“超难”无法识别" in html
    assert "与第2行重复，已跳过" in html and "文件内重复 1" in html
    assert "跳过 2 道平台不支持的题" in html and "第4行（填空）" in html and "第5行（简答）" in html


def test_bank_duplicates_are_the_same_question_not_the_same_stem(client, trainer, build):
    generic = "以下说法中正确的是（ ）"
    same = build.question(stem=generic, options=["电梯可用于逃生", "灭火器应定期检查", "出口可以上锁"], correct=[1])
    rows = [TEMPLATE_HEADERS,
            row(题干=generic, 选项A="出口可以上锁", 选项B="灭火器应定期检查", 选项C="电梯可用于逃生", 答案="B"),
            row(题干=generic, 选项A="用湿毛巾捂住口鼻", 选项B="乘电梯下楼", 选项C="返回取物", 答案="A")]
    token, _ = token_and_step(upload(client, "通用题干.xlsx", xlsx_file(rows)))
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert "新题 1" in html and f"重复 #{same.id}" in html and "与题库重复 1（其中内容有变化 1）" in html
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"})
    assert question_count() == 2
    token, _ = token_and_step(upload(client, "通用题干.xlsx", xlsx_file(rows)))
    assert "与题库重复 2" in client.get(f"/trainer/imports/{token}").data.decode()


def test_preview_pages_through_a_large_file(client, trainer):
    rows = [TEMPLATE_HEADERS, *(row(题干=f"第{n}题？") for n in range(1, 1201)), row(题干="坏题？", 答案="F")]
    token, _ = token_and_step(upload(client, "大文件.csv", _csv(rows)))
    first = client.get(f"/trainer/imports/{token}").data.decode()
    assert first.count('class="row-new"') == 500 and "第 1 / 3 页" in first
    last = client.get(f"/trainer/imports/{token}?page=3").data.decode()
    assert last.count('class="row-new"') == 200 and 'class="row-error"' in last
    problems = client.get(f"/trainer/imports/{token}?show=error").data.decode()
    assert problems.count('class="row-error"') == 1 and 'class="row-new"' not in problems
    assert client.get(f"/trainer/imports/{token}?page=99&show=nonsense").status_code == 200


def _csv(rows, encoding="utf-8-sig", delimiter=",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


# ---------------------------------------------------------------- formats and pasted text


def _xls(rows) -> bytes:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("题库")
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value != "":
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _docx(lines) -> bytes:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


QUESTION_TEXT = ["一、单选题", "1. 发现火情首先应当怎么做？（ ）", "A. 报警", "B. 拍照", "答案：A",
                 "二、判断题", "2. 灭火器应当定期检查。（ ）", "答案：正确"]
TWO_ROWS = [TEMPLATE_HEADERS, row(题干="发现火情首先应当怎么做？"), row(题型="判断", 题干="灭火器应当定期检查。", 答案="对")]
FORMATS = {
    "xls (WPS)": ("题库.xls", lambda: _xls(TWO_ROWS)),
    "csv in GB18030": ("题库.csv", lambda: _csv(TWO_ROWS, encoding="gb18030")),
    "tab-separated txt": ("题库.txt", lambda: _csv(TWO_ROWS, encoding="utf-8", delimiter="\t")),
    "docx": ("题库.docx", lambda: _docx(QUESTION_TEXT)),
    "question text": ("题库.txt", lambda: "\n".join(QUESTION_TEXT).encode("utf-8")),
    "xlsx named .csv": ("题库.csv", lambda: xlsx_file(TWO_ROWS)),
}


@pytest.mark.parametrize("case", list(FORMATS), ids=list(FORMATS))
def test_every_format_is_read_by_content(client, trainer, case):
    filename, build_file = FORMATS[case]
    token, step = token_and_step(upload(client, filename, build_file()))
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert step == "preview" and "新题 2" in html and "错误 0 处" in html, html[:3000]
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"})
    assert sorted(db.session.scalars(db.select(Question.type))) == ["single", "true_false"]


def test_pasted_questions_are_previewed_and_imported(client, trainer):
    token, step = token_and_step(paste(client, "\n".join(QUESTION_TEXT) + "\n三、多选题\n3. 疏散时应当注意什么？\nA. 走安全出口\nB. 低姿前进\nC. 乘电梯\n答案：AB"))
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert "导入预览：粘贴的题目.txt" in html and "新题 3" in html
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"})
    assert question_count() == 3


@pytest.mark.parametrize("fields, message", [
    ({}, "请选择要上传的文件，或在下方粘贴题目"),
    ({"text": "   \n  "}, "请选择要上传的文件，或在下方粘贴题目"),
    ({"text": "随便写的一句话"}, "没有识别到题目"),
    ({"text": "x" * 300_001}, "粘贴的内容不能超过 300000 字"),
])
def test_bad_pasted_text_gets_a_clear_error(client, trainer, fields, message):
    from import_helpers import multipart

    body, content_type = multipart({"submit": "上传并预览", **fields})
    response = client.post("/trainer/imports/new", data=body, content_type=content_type)
    assert response.status_code == 422 and message in response.data.decode()
    assert db.session.scalar(db.select(db.func.count(PendingImport.id))) == 0


def test_a_file_and_pasted_text_at_once_are_refused(client, trainer):
    response = upload(client, "q.xlsx", xlsx_file(TWO_ROWS), text="1. 题？\nA. 甲\nB. 乙\n答案：A")
    assert response.status_code == 422 and "请只用一种方式" in response.data.decode()
    assert db.session.scalar(db.select(db.func.count(PendingImport.id))) == 0
