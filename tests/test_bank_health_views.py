"""题库体检 wired into the platform: `flask check-bank`, the trainer page and its workbook, the
upload preview (web and API) and item analysis."""

from __future__ import annotations

import io
import json

import openpyxl

from quiz.extensions import db
from quiz.models import AuditEntry, SupersededEdition
from quiz.services import attempts
from quiz.services.quizzes import RuleSpec
from quiz.trainer import question_import

from helpers import T0, minutes, xlsx_file
from test_trainer_import import token_of, upload

LONG = "立即停止作业并按照应急预案组织人员撤离到安全地点"
#: a 单选 whose correct option is by far the longest: the length cue
CUED = dict(options=["继续作业", LONG, "等待通知", "拍照上报"], correct=[1])
#: an upload: the cued question (row 2) and a plain one (row 3)
UPLOAD = [
    ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分类"],
    ["单选", "发现有限空间内气体检测超标时应当怎么做？", "继续作业", LONG, "等待通知", "拍照上报", "B", "有限空间"],
    ["单选", "景区发生火灾时应当首先做什么？", "报警", "拍照", "围观", "离开", "A", "消防安全"],
]


def cued_question(build, stem="发现有限空间内气体检测超标时应当怎么做？"):
    return build.question(type="single", stem=stem, **CUED)


def test_cli_checks_the_database_bank_and_names_questions_by_id(build, runner):
    cued = cued_question(build)
    plain = build.question(type="single")
    result = runner.invoke(args=["check-bank"])
    assert result.exit_code == 0, result.output
    assert "题库体检：共 2 题" in result.output
    assert f"[正确选项明显最长] 题号 {cued.id}" in result.output
    assert f"题号 {plain.id}：" not in result.output.split("提示：")[1].split("正确选项明显最长")[0]


def test_cli_json_strict_and_citing(build, runner):
    build.question(type="single")
    cited = build.question(type="single")
    cited.source = "GB 2894-2008《安全标志及其使用导则》第4.1条"
    db.session.commit()
    report = json.loads(runner.invoke(args=["check-bank", "--json"]).output)
    assert report["figures"]["total"] == 2
    assert any(w["code"] == "superseded_edition" and w["row"] == cited.id for w in report["warnings"])
    citing = runner.invoke(args=["check-bank", "--citing", "GB 2894"])
    assert f"题号 {cited.id}" in citing.output and "共 1 题引用 GB 2894" in citing.output
    assert "共 0 题引用" in runner.invoke(args=["check-bank", "--citing", "GB 2894-2025"]).output
    # a bank of 25 single questions all with the length cue fails the longest-option threshold
    for n in range(25):
        cued_question(build, stem=f"第{n}个有限空间作业点检测超标时应当如何处置？")
    assert runner.invoke(args=["check-bank"]).exit_code == 0  # warnings never fail by default
    assert runner.invoke(args=["check-bank", "--strict"]).exit_code == 1


def test_cli_checks_the_builtin_bank_and_files(runner, tmp_path):
    builtin = runner.invoke(args=["check-bank", "--builtin", "--max-warnings", "0"])
    assert builtin.exit_code == 0 and "未达标" not in builtin.output
    assert "题库体检：共 5" in builtin.output  # 500+ questions
    path = tmp_path / "上传.xlsx"
    path.write_bytes(xlsx_file(UPLOAD[:2]))
    result = runner.invoke(args=["check-bank", str(path)])
    assert result.exit_code == 0, result.output
    assert "[正确选项明显最长] 上传.xlsx第2行" in result.output


def test_trainer_page_lists_warnings_with_links_and_filters(build, client, trainer):
    cued = cued_question(build)
    negation = build.question(type="single", options=["应当佩戴安全帽", "不应当佩戴安全帽", "随意", "看情况"],
                              correct=[0])
    page = client.get("/trainer/bank-health").data.decode()
    assert "题库体检" in page and 'id="health-checks"' in page
    assert f'/trainer/questions/{cued.id}"' in page and f'/trainer/questions/{negation.id}"' in page
    only = client.get("/trainer/bank-health?code=negation_pair").data.decode()
    assert f'/trainer/questions/{negation.id}"' in only and f'/trainer/questions/{cued.id}"' not in only
    assert client.get("/trainer/bank-health?code=bogus&category_id=x").status_code == 200
    citing = client.get("/trainer/bank-health?citing=安全生产法").data.decode()
    assert "引用“安全生产法”的题目：2 题" in citing


def test_trainer_workbook_has_every_warning(build, client, trainer):
    cued = cued_question(build)
    response = client.get("/trainer/bank-health/warnings.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("题号", "问题", "说明", "分类", "题干", "相关题号")
    assert any(r[0] == cued.id and r[1] == "正确选项明显最长" for r in rows[1:])


def test_employees_cannot_see_the_health_page(build, client, web_login):
    web_login(build.user())
    assert client.get("/trainer/bank-health").status_code == 403


def test_upload_preview_shows_health_warnings_per_row(build, client, trainer):
    data = xlsx_file(UPLOAD)
    token = token_of(upload(client, "bank.xlsx", data))
    page = client.get(f"/trainer/imports/{token}").data.decode()
    assert 'id="upload-health"' in page and "正确选项明显最长 1" in page
    cued_row = page.split('data-row="2"')[1].split("</tr>")[0]
    plain_row = page.split('data-row="3"')[1].split("</tr>")[0]
    assert "正确选项明显最长" in cued_row and "正确选项明显最长" not in plain_row
    # the warnings do not block the import
    assert 'id="confirm-import"' in page


def test_large_upload_gets_health_on_request(build, client, trainer, monkeypatch):
    monkeypatch.setattr(question_import, "HEALTH_INLINE_LIMIT", 1)
    data = xlsx_file(UPLOAD)
    token = token_of(upload(client, "bank.xlsx", data))
    page = client.get(f"/trainer/imports/{token}").data.decode()
    assert 'id="upload-health-run"' in page and 'id="upload-health"' not in page
    response = client.post(f"/trainer/imports/{token}/health")
    assert response.status_code == 302
    page = client.get(f"/trainer/imports/{token}").data.decode()
    assert 'id="upload-health"' in page and "正确选项明显最长 1" in page
    # confirming afterwards imports both questions as before
    client.post(f"/trainer/imports/{token}/confirm", data={"on_duplicate": "skip", "submit": "1"})
    assert db.session.scalar(db.select(db.func.count()).select_from(db.metadata.tables["question"])) == 2


def test_api_preview_reports_health(build, api):
    session = api(build.user(role="trainer"))
    data = xlsx_file(UPLOAD[:2])
    response = session.post("/api/v1/questions/import/preview",
                            data={"file": (io.BytesIO(data), "bank.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    health = response.get_json()["health"]
    assert health["warning_counts"] == {"length_cue": 1, "missing_source": 1}
    assert {(w["code"], w["row"]) for w in health["warnings"]} == {("length_cue", 2), ("missing_source", 2)}


def test_item_analysis_shows_health_beside_answer_statistics(build, client, trainer):
    cued = cued_question(build)
    quiz = build.quiz([RuleSpec(count=1, question_id=cued.id)], max_attempts=None)
    for number in range(3):
        user = build.user()
        attempt, _ = attempts.start_attempt(user, quiz, T0)
        db.session.commit()
        attempts.save_answer(attempt.id, user.id, cued.id, [0], T0 + minutes(1))  # everybody wrong
        attempts.submit_attempt(attempt, T0 + minutes(2))
        db.session.commit()
    page = client.get(f"/trainer/quizzes/{quiz.id}/analysis").data.decode()
    assert "建议复核：难度过大" in page  # from students' answers
    assert "题库体检：正确选项明显最长" in page  # from the health check


def test_trainers_extend_the_editions_table_and_the_check_follows(build, client, trainer, runner):
    question = build.question(type="single")
    question.source = "《某省旅游条例》（2015年）第十二条"
    db.session.commit()
    assert "superseded_edition" not in runner.invoke(args=["check-bank", "--json"]).output
    response = client.post("/trainer/bank-health/editions", data={
        "superseded": "《某省旅游条例》（2015年）", "current": "《某省旅游条例》（2024年修订）",
        "effective": "2024-07-01", "note": "修订"})
    assert response.status_code == 302
    report = json.loads(runner.invoke(args=["check-bank", "--json"]).output)
    assert [w["row"] for w in report["warnings"] if w["code"] == "superseded_edition"] == [question.id]
    page = client.get("/trainer/bank-health?code=superseded_edition").data.decode()
    assert f'/trainer/questions/{question.id}"' in page
    assert AuditEntry.query.filter_by(action="edition.create").count() == 1

    # refused: the same old edition again (also a shipped one), a bad date, a blank side
    for data, message in (
        ({"superseded": "《某省旅游条例》（2015年）", "current": "x"}, "已在版本替代表中"),
        ({"superseded": "GB 2894-2008", "current": "GB 2894-2025"}, "已在版本替代表中"),
        ({"superseded": "GB 1-2000", "current": "GB 1-2020", "effective": "明年"}, "实施日期应为"),
        ({"superseded": "GB 1-2000", "current": ""}, "请填写现行版本"),
    ):
        refused = client.post("/trainer/bank-health/editions", data=data)
        assert refused.status_code == 422 and message in refused.data.decode()
    assert SupersededEdition.query.count() == 1

    row = SupersededEdition.query.one()
    assert client.post(f"/trainer/bank-health/editions/{row.id}/delete").status_code == 302
    assert SupersededEdition.query.count() == 0
    assert "superseded_edition" not in runner.invoke(args=["check-bank", "--json"]).output
    assert client.post("/trainer/bank-health/editions/999999/delete").status_code == 404


def test_one_step_imports_skip_the_health_check(app):
    """The CLI and the API's one-shot import show no preview: the payload they read has no check."""
    payload = question_import.parse_question_upload("bank.xlsx", xlsx_file(UPLOAD))
    assert "health" not in payload
    assert question_import.with_health(payload)["health"]["warning_counts"]["length_cue"] == 1
