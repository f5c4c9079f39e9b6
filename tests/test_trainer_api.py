"""The trainer tools in the JSON API: questions, two-step import, publishing, results, item analysis, audit."""

from __future__ import annotations

import io

import openpyxl
import pytest

from question_bank import TEMPLATE_HEADERS
from quiz.extensions import db
from quiz.models import AuditEntry, PendingImport, Question
from quiz.services import attempts
from quiz.services.quizzes import RuleSpec

from helpers import T0, minutes

QUESTION = {"type": "multiple", "stem": "疏散时应当注意什么？", "options": ["走安全出口", "乘电梯", "低姿前进"],
            "answer": "A，C", "category": "疏散逃生", "difficulty": 2, "points": 3, "explanation": "", "source": ""}


@pytest.fixture
def trainer_api(build, api):
    return api(build.user("trainer1", role="trainer"))


def xlsx_file(rows) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(TEMPLATE_HEADERS)
    for values in rows:
        workbook.active.append([values.get(name, "") for name in TEMPLATE_HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_question_crud_through_the_api(trainer_api, build, api):
    created = trainer_api.post("/api/v1/questions", json=QUESTION)
    assert created.status_code == 201, created.json
    body = created.json
    assert (body["correct"], body["answer"], body["category"], body["is_active"]) == ([0, 2], "AC", "疏散逃生", True)

    listed = trainer_api.get("/api/v1/questions?q=疏散&type=multiple").json
    assert listed["total"] == 1 and listed["questions"][0]["id"] == body["id"]

    updated = trainer_api.put(f"/api/v1/questions/{body['id']}", json={**QUESTION, "answer": "ABC"})
    assert updated.status_code == 200 and updated.json["correct"] == [0, 1, 2]
    off = trainer_api.post(f"/api/v1/questions/{body['id']}/deactivate")
    assert off.json["is_active"] is False
    assert trainer_api.get("/api/v1/questions?active=true").json["total"] == 0
    assert trainer_api.delete(f"/api/v1/questions/{body['id']}").status_code == 204
    assert trainer_api.get(f"/api/v1/questions/{body['id']}/activate").status_code == 405
    actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-4:] == ["question.create", "question.update", "question.deactivate", "question.delete"]

    employee = api(build.user("emp1"))
    assert employee.get("/api/v1/questions").status_code == 403
    assert employee.post("/api/v1/questions", json=QUESTION).status_code == 403


def test_invalid_questions_get_errors_by_column(trainer_api):
    response = trainer_api.post("/api/v1/questions", json={**QUESTION, "type": "single", "answer": "AB"})
    assert response.status_code == 422
    assert response.json["error"] == "invalid_question"
    assert "单选题只能有一个正确答案" in response.json["errors"]["答案"][0]
    missing = trainer_api.post("/api/v1/questions", json={"type": "single"})
    assert missing.status_code == 422 and missing.json["error"] == "validation_error"
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def test_two_step_import_through_the_api(trainer_api, client):
    rows = [{"题型": "判断", "题干": f"第{n}题正确吗？", "答案": "对"} for n in range(3)]
    headers = {"Authorization": f"Bearer {trainer_api.token}"}
    bad = client.post("/api/v1/questions/import/preview", headers=headers,
                      data={"file": (io.BytesIO(xlsx_file(rows + [{"题型": "判断", "题干": "坏题"}])), "q.xlsx")})
    assert bad.status_code == 201 and bad.json["can_confirm"] is False
    assert bad.json["errors"] == [{"row": 5, "column": "答案", "message": bad.json["errors"][0]["message"]}]
    refused = trainer_api.post(f"/api/v1/questions/import/{bad.json['token']}/confirm", json={"on_duplicate": "skip"})
    assert refused.status_code == 422 and db.session.scalar(db.select(db.func.count(Question.id))) == 0

    good = client.post("/api/v1/questions/import/preview", headers=headers,
                       data={"file": (io.BytesIO(xlsx_file(rows)), "q.xlsx")})
    assert (good.json["new"], good.json["can_confirm"]) == (3, True)
    assert "+08:00" in good.json["expires_at"]
    confirmed = trainer_api.post(f"/api/v1/questions/import/{good.json['token']}/confirm", json={})
    assert confirmed.json == {"imported": 3, "updated": 0, "skipped_duplicates": 0, "skipped_invalid": [],
                              "skipped_unsupported": []}
    assert db.session.get(PendingImport, good.json["token"]) is None
    again = trainer_api.post(f"/api/v1/questions/import/{good.json['token']}/confirm", json={})
    assert again.status_code == 404

    rejected = client.post("/api/v1/questions/import/preview", headers=headers,
                           data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(range(256))), "q.xlsx")})
    assert rejected.status_code == 422 and rejected.json["reason"] == "unsupported_type"
    no_questions = client.post("/api/v1/questions/import/preview", headers=headers,
                               data={"file": (io.BytesIO(b"not a sheet"), "q.txt")})
    assert no_questions.status_code == 422 and no_questions.json["reason"] == "empty"


def test_foundation_endpoints_write_the_audit_log(build, api):
    admin = api(build.user("admin1", role="admin"))
    unit = admin.post("/api/v1/units", json={"name": "区博物馆"}).json
    admin.post("/api/v1/users", json={"username": "wangwu", "password": "Strong-Pass-9", "unit_id": unit["id"]})
    build.questions(2, type="single")
    admin.post("/api/v1/quizzes", json={"title": "API 测验", "time_limit_seconds": 600,
                                        "rules": [{"count": 2, "type": "single"}]})
    actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["unit.create", "user.create", "quiz.create"]
    log = admin.get("/api/v1/audit?target_type=unit").json
    assert log["total"] == 1 and log["entries"][0]["actor_name"] == "admin1"
    trainer = api(build.user("trainer2", role="trainer"))
    assert trainer.get("/api/v1/audit").status_code == 403


def test_publish_results_and_item_analysis_through_the_api(trainer_api, build):
    build.questions(2, type="single")
    quiz = build.quiz([RuleSpec(count=2, type="single", points=5)], is_published=False, shuffle_options=False)
    assert trainer_api.post(f"/api/v1/quizzes/{quiz.id}/publish").json["id"] == quiz.id
    db.session.refresh(quiz)
    assert quiz.is_published is True
    unit = build.unit("区图书馆")
    for number, right in enumerate([True, False, True]):
        user = build.user(f"e{number}", unit=unit)
        attempt, _ = attempts.start_attempt(user, quiz, T0)
        db.session.commit()
        for item in attempt.questions:
            attempts.save_answer(attempt.id, user.id, item.question_id, [item.correct[0] if right else 0], T0 + minutes(1))
        attempts.submit_attempt(attempt, T0 + minutes(2))
        db.session.commit()

    results = trainer_api.get(f"/api/v1/quizzes/{quiz.id}/results?unit_id={unit.id}").json
    assert results["total"] == 3 and results["summary"]["final_count"] == 3
    assert {a["unit"]["name"] for a in results["attempts"]} == {"区图书馆"}
    analysis = trainer_api.get(f"/api/v1/quizzes/{quiz.id}/item-analysis").json
    assert analysis["attempt_count"] == 3 and analysis["group_size"] == 1
    assert all(0 <= item["facility"] <= 1 for item in analysis["items"])
    assert trainer_api.post(f"/api/v1/quizzes/{quiz.id}/unpublish").status_code == 200
    db.session.refresh(quiz)
    assert quiz.is_published is False
    assert trainer_api.get("/api/v1/quizzes/9999/results").status_code == 404
