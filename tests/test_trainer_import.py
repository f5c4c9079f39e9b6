"""Bulk upload of questions: upload -> preview -> confirm, bad files, duplicates, export round trip."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import timedelta

import openpyxl
import pytest
import time_machine

from question_bank import MAX_ROWS, TEMPLATE_HEADERS, parse_question_file
from quiz.extensions import db
from quiz.models import AuditEntry, Category, PendingImport, Question
from quiz.trainer.question_admin import question_to_record

from helpers import T0, replace_zip_members, xlsx_file
from import_helpers import multipart, upload

VALID = {"题型": "单选", "题干": "景区发生火灾时应当首先做什么？", "选项A": "报警", "选项B": "拍照", "选项C": "围观",
         "答案": "A", "分类": "消防安全"}


def row(**fields) -> list[str]:
    """A template-ordered row: a valid 单选 question with some columns replaced."""
    values = {**VALID, **fields}
    return [values.get(name, "") for name in TEMPLATE_HEADERS]


def csv_file(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def token_of(response) -> str:
    assert response.status_code == 302, response.data.decode()[:2000]
    match = re.fullmatch(r"/trainer/imports/([\w-]{20,})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def question_count() -> int:
    return db.session.scalar(db.select(db.func.count(Question.id)))


def test_messy_file_previews_every_row_and_imports_on_confirm(client, trainer):
    """Header variants, blank rows, trailing spaces, full-width answers and numbers as text."""
    header = ["类型", "题目", "选项A", "选项B", "选项C", "选项D", "正确答案", "答案解析", "知识点", "难度", "分值", "出处"]
    rows = [
        header,
        ["单选 ", "  发现火情首先应当怎么做？ ", "报警", "拍照", "围观", "", "Ａ", "先报警", "消防安全", "１", " 2 ", ""],
        [],
        ["多选题", "疏散时应当注意哪些事项？", "走安全出口", "乘电梯", "低姿前进", "用湿毛巾捂住口鼻", "Ａ，Ｃ、D", "", "疏散逃生", "3", "5", "《消防法》"],
        ["", "", "", "", "", "", "", "", "", "", "", ""],
        ["判断", "灭火器应定期检查。", "", "", "", "", "对", "", "消防安全", "2.0", "1", ""],
    ]
    response = upload(client, "题库.xlsx", xlsx_file(rows))
    token = token_of(response)
    assert question_count() == 0  # nothing written before confirm
    assert db.session.get(PendingImport, token).row_count == 3

    page = client.get(f"/trainer/imports/{token}")
    html = page.data.decode()
    assert page.status_code == 200
    assert "新题 3" in html and "错误 0 处" in html
    assert "发现火情首先应当怎么做？" in html and "疏散时应当注意哪些事项？" in html
    assert 'data-row="2"' in html and 'data-row="4"' in html and 'data-row="6"' in html

    confirmed = client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"})
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/trainer/questions")
    questions = {q.stem: q for q in db.session.scalars(db.select(Question))}
    assert set(questions) == {"发现火情首先应当怎么做？", "疏散时应当注意哪些事项？", "灭火器应定期检查。"}
    single = questions["发现火情首先应当怎么做？"]
    assert (single.type, single.correct, single.difficulty, single.points, single.explanation) == ("single", [0], 1, 2, "先报警")
    multiple = questions["疏散时应当注意哪些事项？"]
    assert multiple.correct == [0, 2, 3] and multiple.points == 5 and multiple.category.name == "疏散逃生"
    assert questions["灭火器应定期检查。"].correct == [0]
    assert db.session.get(PendingImport, token) is None
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "question.import")).one()
    assert entry.actor_name == "trainer1" and entry.changes["imported"] == 3 and entry.changes["file"] == "题库.xlsx"
    assert "新增 3" in client.get("/trainer/questions").data.decode()


def test_errors_are_listed_with_row_and_column_and_block_the_import(client, trainer):
    rows = [
        TEMPLATE_HEADERS,
        row(),
        row(题干="单选却有两个答案？", 答案="AB"),
        row(题型="多选", 题干="多选只有一个答案？", 答案="A"),
        row(题干="答案不在选项中？", 答案="F"),
        row(题干="只有一个选项？", 选项B="", 选项C=""),
        row(题干="分值不是数字？", 分值="很多"),
    ]
    token = token_of(upload(client, "bad.csv", csv_file(rows)))
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert "不能导入" in html and 'id="confirm-import"' not in html
    errors = re.findall(r'<tr class="import-error"><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td>', html)
    by_row = {(int(number), column) for number, column, _ in errors}
    assert {(3, "答案"), (4, "答案"), (5, "答案"), (7, "分值")} <= by_row
    assert any(number == 6 for number, _ in by_row)
    assert any("单选题只能有一个正确答案" in message for _, _, message in errors)
    assert any("多选题至少需要两个正确答案" in message for _, _, message in errors)

    refused = client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"})
    assert refused.status_code == 302
    assert question_count() == 0  # the valid row 2 was not imported either: all or nothing


def test_duplicates_are_marked_and_skipped_or_updated(client, trainer, build):
    existing = build.question(stem="景区发生火灾时应当首先做什么？", options=["报警", "拍照", "围观"], correct=[0])
    rows = [TEMPLATE_HEADERS, row(题干="景区发生火灾时，应当首先做什么?", 答案="B"), row(题干="一道新题？")]
    token = token_of(upload(client, "dup.xlsx", xlsx_file(rows)))
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert f"重复 #{existing.id}" in html and "内容有变化" in html
    assert "与题库重复 1" in html and "新题 1" in html

    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"})
    db.session.refresh(existing)
    assert existing.correct == [0] and question_count() == 2

    token = token_of(upload(client, "dup.xlsx", xlsx_file(rows)))
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "update"})
    db.session.refresh(existing)
    assert existing.correct == [1] and question_count() == 2


def test_confirm_writes_all_or_nothing(client, trainer, monkeypatch):
    """A failure after some rows were written leaves the bank untouched."""
    from quiz.trainer import question_import

    rows = [TEMPLATE_HEADERS, *(row(题干=f"第{n}题？") for n in range(20))]
    token = token_of(upload(client, "many.xlsx", xlsx_file(rows)))

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(question_import, "record_audit", explode)
    response = client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"})
    assert response.status_code == 500
    assert question_count() == 0
    assert db.session.get(PendingImport, token) is not None  # the trainer can try again


def _zip_bomb() -> bytes:
    padding = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' \
              b"<sheetData/></worksheet>" + b" " * (60 * 1024 * 1024)
    return replace_zip_members(xlsx_file([["题型"]]), {"xl/worksheets/sheet1.xml": padding})


def _entity_bomb() -> bytes:
    laughs = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
              '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>')
    cells = "".join(f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
                    for col, text in zip("ABC", ("题型", "题干", "答案")))
    bomb_row = '<row r="2"><c r="A2" t="inlineStr"><is><t>判断</t></is></c>' \
               '<c r="B2" t="inlineStr"><is><t>&lol2;</t></is></c><c r="C2" t="inlineStr"><is><t>对</t></is></c></row>'
    sheet = ('<?xml version="1.0" encoding="UTF-8"?>' + laughs
             + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + f'<row r="1">{cells}</row>{bomb_row}</sheetData></worksheet>').encode()
    return replace_zip_members(xlsx_file([["x"]]), {"xl/worksheets/sheet1.xml": sheet})


def _formula_file() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(TEMPLATE_HEADERS)
    workbook.active.append(row(分值="=1+1"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


BAD_FILES = {
    "not a spreadsheet": ("picture.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, 422, "无法识别该文件的格式"),
    "text without questions": ("notes.txt", b"hello", 422, "没有任何内容"),
    "legacy xls": ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, 422, ".xls"),
    "wrong encoding": ("q.csv", "题型,题干,答案\n".encode() + b"\xff\xfe\xff\x80\x80\n", 422, "编码"),
    "empty file": ("empty.csv", b"", 422, "空"),
    "empty sheet": ("empty.xlsx", xlsx_file([]), 422, "没有任何内容"),
    "header only": ("header.csv", csv_file([TEMPLATE_HEADERS]), 422, "没有数据行"),
    "more than the row limit": ("big.csv", csv_file([TEMPLATE_HEADERS] + [row(题干=f"题{n}？") for n in range(MAX_ROWS + 1)]),
                                422, f"{MAX_ROWS} 行"),
    "larger than 5 MB": ("huge.csv", b"x" * (5 * 1024 * 1024 + 10), 413, "5 MB"),
    "zip bomb": ("bomb.xlsx", None, 422, "压缩比异常"),
    "XML entity bomb": ("lol.xlsx", None, 422, "不安全的 XML"),
    "formula in a cell": ("formula.xlsx", None, 422, "含公式"),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_files_get_a_clear_error_and_change_nothing(client, trainer, case):
    filename, data, status, message = BAD_FILES[case]
    data = {"zip bomb": _zip_bomb, "XML entity bomb": _entity_bomb, "formula in a cell": _formula_file}.get(
        case, lambda: data)()
    response = upload(client, filename, data)
    assert response.status_code == status
    html = response.data.decode()
    assert message in html, html[:3000]
    assert "is-invalid" in html  # shown under the file field, on the upload page
    assert question_count() == 0
    assert db.session.scalar(db.select(db.func.count(PendingImport.id))) == 0


def test_request_over_the_upload_limit_is_413(client, trainer):
    response = upload(client, "huge.xlsx", b"x" * (7 * 1024 * 1024))
    assert response.status_code == 413
    assert "文件太大" in response.data.decode()


def test_upload_form_errors_are_field_errors(client, trainer):
    body, content_type = multipart({"submit": "上传并预览"})
    response = client.post("/trainer/imports/new", data=body, content_type=content_type)
    assert response.status_code == 422 and "请选择要上传的文件" in response.data.decode()


def test_export_edit_reupload_round_trips_exactly(client, trainer, build):
    build.question(type="single", stem="=SUM(A1:A3) 开头的题干也要原样保留？", options=["+1 选项", "-2", "@3", "正常"],
                   correct=[3], category="消防安全")
    build.question(type="multiple", stem="多行\n题干？", options=["甲", "乙", "丙"], correct=[0, 2], points=3,
                   difficulty=3, category="疏散逃生")
    build.question(type="true_false", stem="判断题会导出为 正确/错误 吗？", correct=[1], category="应急救援")
    before = {q.id: question_to_record(q) for q in db.session.scalars(db.select(Question))}

    exported = client.get("/trainer/questions/export.xlsx")
    assert exported.status_code == 200
    assert exported.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in exported.headers["Content-Disposition"]
    parsed = parse_question_file("export.xlsx", exported.data)
    assert parsed.ok
    by_stem = lambda record: record.stem  # noqa: E731
    assert sorted((replace(r, row=0) for r in parsed.records), key=by_stem) == sorted(before.values(), key=by_stem)

    # Re-upload untouched: every row is a duplicate with the same content.
    token = token_of(upload(client, "export.xlsx", exported.data))
    html = client.get(f"/trainer/imports/{token}").data.decode()
    assert "与题库重复 3（其中内容有变化 0）" in html
    client.post(f"/trainer/imports/{token}/cancel")

    # Edit one cell in "Excel" and upload with update: exactly that change lands.
    workbook = openpyxl.load_workbook(io.BytesIO(exported.data))
    sheet = workbook.active
    answer_column = TEMPLATE_HEADERS.index("答案") + 1
    explanation_column = TEMPLATE_HEADERS.index("解析") + 1
    for cells in sheet.iter_rows(min_row=2):
        if cells[1].value == "判断题会导出为 正确/错误 吗？":
            cells[answer_column - 1].value = "正确"
            cells[explanation_column - 1].value = "改过的解析"
    buffer = io.BytesIO()
    workbook.save(buffer)
    token = token_of(upload(client, "edited.xlsx", buffer.getvalue()))
    assert "其中内容有变化 1" in client.get(f"/trainer/imports/{token}").data.decode()
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "update"})
    after = {q.id: question_to_record(q) for q in db.session.scalars(db.select(Question))}
    changed = {qid for qid in before if before[qid] != after[qid]}
    assert len(changed) == 1
    record = after[changed.pop()]
    assert record.correct == (0,) and record.explanation == "改过的解析"
    assert question_count() == 3


def test_filtered_export_and_template_download(client, trainer, build):
    build.question(category="消防安全", stem="消防题？")
    build.question(category="交通安全", stem="交通题？")
    fire = db.session.scalar(db.select(Category.id).where(Category.name == "消防安全"))
    exported = client.get(f"/trainer/questions/export.xlsx?category_id={fire}")
    assert [r.stem for r in parse_question_file("e.xlsx", exported.data).records] == ["消防题？"]

    template = client.get("/trainer/questions/template.xlsx")
    parsed = parse_question_file("template.xlsx", template.data)
    assert parsed.ok and len(parsed.records) == 2
    assert {r.type for r in parsed.records} == {"single", "multiple"}


def test_pending_import_is_private_and_expires(client, trainer, build, web_login):
    with time_machine.travel(T0, tick=False):
        web_login(trainer)  # a session signed in the future would not be accepted at T0
        token = token_of(upload(client, "q.xlsx", xlsx_file([TEMPLATE_HEADERS, row()])))
    for minute in (25, 50):  # the trainer keeps working (an idle browser session ends after 30 minutes)
        with time_machine.travel(T0 + timedelta(minutes=minute), tick=False):
            assert client.get("/trainer/imports/new").status_code == 200
    with time_machine.travel(T0 + timedelta(minutes=59), tick=False):
        assert client.get(f"/trainer/imports/{token}").status_code == 200
    with time_machine.travel(T0 + timedelta(minutes=61), tick=False):
        expired = client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"})
        assert expired.status_code == 302 and expired.headers["Location"].endswith("/trainer/imports/new")
        assert question_count() == 0
        # the next upload purges expired previews
        upload(client, "q.xlsx", xlsx_file([TEMPLATE_HEADERS, row(题干="另一题？")]))
        assert db.session.get(PendingImport, token) is None

    other = build.user("trainer2", role="trainer")
    web_login(trainer)
    token = token_of(upload(client, "q.xlsx", xlsx_file([TEMPLATE_HEADERS, row()])))
    client.post("/logout")
    web_login(other)
    assert client.get(f"/trainer/imports/{token}").status_code == 404
    assert client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"}).status_code == 302
    assert question_count() == 0


def test_cancel_discards_the_preview(client, trainer):
    token = token_of(upload(client, "q.xlsx", xlsx_file([TEMPLATE_HEADERS, row()])))
    assert client.post(f"/trainer/imports/{token}/cancel").status_code == 302
    assert db.session.get(PendingImport, token) is None and question_count() == 0


def test_long_stems_import_on_every_database(client, trainer):
    """Stems up to 2,000 characters: the duplicate key is cut to its column's 255."""
    long_stem = "安全" * 400 + "？"
    token = token_of(upload(client, "long.xlsx", xlsx_file([TEMPLATE_HEADERS, row(题干=long_stem)])))
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"})
    question = db.session.scalars(db.select(Question)).one()
    assert question.stem == long_stem and len(question.stem_key) == 255


def test_upload_and_confirm_forms_need_the_csrf_token(csrf_app_config, client, build):
    user = build.user("trainer3", role="trainer")
    login_page = client.get("/login").data.decode()
    client.post("/login", data={"username": user.username, "password": "Correct-Horse-7",
                                "csrf_token": _csrf(login_page)})
    data = xlsx_file([TEMPLATE_HEADERS, row()])
    refused = upload(client, "q.xlsx", data)
    assert refused.status_code == 400 and "页面已过期" in refused.data.decode()
    assert db.session.scalar(db.select(db.func.count(PendingImport.id))) == 0

    page = client.get("/trainer/imports/new").data.decode()
    token = token_of(upload(client, "q.xlsx", data, csrf_token=_csrf(page)))
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip"})
    assert question_count() == 0  # no token: refused
    preview = client.get(f"/trainer/imports/{token}").data.decode()
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip", "csrf_token": _csrf(preview)})
    assert question_count() == 1


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, html[:2000]
    return match.group(1)
