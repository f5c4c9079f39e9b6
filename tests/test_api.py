"""The JSON API contract (/api/v1)."""

from __future__ import annotations

import io
from datetime import timedelta

import time_machine

from quiz.extensions import db
from quiz.models import ApiToken, Attempt, Question

from helpers import PASSWORD, T0, minutes


def test_token_and_me(build, api, client):
    unit = build.unit("区图书馆")
    user = build.user("zhangsan", unit=unit, display_name="张三")
    response = client.post("/api/v1/tokens", json={"username": " ZhangSan ", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json
    assert body["user"] == {"id": user.id, "username": "zhangsan", "display_name": "张三", "role": "employee",
                            "unit": {"id": unit.id, "name": "区图书馆"}, "position": None}
    assert "+08:00" in body["expires_at"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json["username"] == "zhangsan"
    assert "Set-Cookie" not in me.headers  # bearer requests never write a session


def test_bad_credentials_and_tokens(build, client):
    build.user("lisi")
    bad = client.post("/api/v1/tokens", json={"username": "lisi", "password": "wrong-password"})
    assert bad.status_code == 401 and bad.json["error"] == "invalid_credentials"
    unknown = client.post("/api/v1/tokens", json={"username": "nobody", "password": "x"})
    assert unknown.status_code == 401
    assert client.get("/api/v1/me").json == {"error": "unauthorized", "message": "请先登录或提供有效的访问令牌"}
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    missing = client.post("/api/v1/tokens", json={"username": "lisi"})
    assert missing.status_code == 422 and missing.json["error"] == "validation_error"


def test_token_expiry_and_revocation(build, api, client):
    user = build.user()
    session = api(user)
    assert session.get("/api/v1/me").status_code == 200
    assert session.delete("/api/v1/tokens/current").status_code == 204
    assert session.get("/api/v1/me").status_code == 401
    session = api(user)
    token = db.session.scalars(db.select(ApiToken).order_by(ApiToken.id.desc())).first()
    with time_machine.travel(token.expires_at + timedelta(seconds=1), tick=False):
        assert session.get("/api/v1/me").status_code == 401


def test_disabled_user_token_stops_working(build, api):
    user = build.user()
    session = api(user)
    user.is_enabled = False
    db.session.commit()
    assert session.get("/api/v1/me").status_code == 401


def test_units_and_users_admin_only(build, api):
    admin = build.user("admin", role="admin")
    employee = build.user("emp")
    as_admin, as_employee = api(admin), api(employee)
    created = as_admin.post("/api/v1/units", json={"name": "区博物馆", "kind": "局属单位", "headcount": 20})
    assert created.status_code == 201
    assert created.json == {"id": created.json["id"], "name": "区博物馆", "kind": "局属单位", "headcount": 20,
                            "parent_id": None, "retired": False}  # the tree fields (issue 15)
    assert as_admin.post("/api/v1/units", json={"name": "区博物馆"}).json["error"] == "unit_exists"
    assert as_admin.post("/api/v1/units", json={"name": "x", "kind": "类" * 21}).status_code == 422  # kinds are free labels
    assert as_employee.post("/api/v1/units", json={"name": "y"}).status_code == 403
    units = as_employee.get("/api/v1/units").json["units"]
    assert any(unit["name"] == "区博物馆" for unit in units)

    payload = {"username": "wangwu", "password": "Strong-Pass-9", "display_name": "王五",
               "unit_id": created.json["id"], "role": "employee"}
    made = as_admin.post("/api/v1/users", json=payload)
    assert made.status_code == 201 and made.json["unit"]["name"] == "区博物馆"
    assert as_admin.post("/api/v1/users", json=payload).status_code == 409
    weak = as_admin.post("/api/v1/users", json={**payload, "username": "weak", "password": "12345678"})
    assert weak.status_code == 422 and weak.json["error"] == "weak_password"
    assert as_admin.post("/api/v1/users", json={**payload, "username": "ghost", "unit_id": 9999}).status_code == 404
    assert as_employee.post("/api/v1/users", json={**payload, "username": "x2"}).status_code == 403


def test_question_import_and_categories(build, api):
    trainer = build.user("trainer", role="trainer")
    session = api(trainer)
    csv_text = (
        "题型,题干,选项A,选项B,选项C,选项D,答案,解析,分类,难度,分值,出处\n"
        "单选,火警电话是（　　）。,110,119,120,122,B,火警119,消防安全,1,1,《消防法》\n"
        "判断,发生火灾时可以乘坐电梯逃生。,,,,,错误,不能乘电梯,疏散逃生,1,1,应急管理部\n"
    )
    upload = lambda text: session.post("/api/v1/questions/import", data={
        "file": (io.BytesIO(text.encode("utf-8-sig")), "题库.csv")}, content_type="multipart/form-data")
    response = upload(csv_text)
    assert response.status_code == 201 and response.json == {"imported": 2, "skipped_duplicates": 0}
    again = upload(csv_text)
    assert again.json == {"imported": 0, "skipped_duplicates": 2}
    bad = upload(csv_text + "单选,新题？,甲,乙,,,C,,,,,\n")
    assert bad.status_code == 422 and bad.json["error"] == "invalid_file"
    assert bad.json["errors"][0]["row"] == 4 and bad.json["errors"][0]["column"] == "答案"
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 2  # nothing from the bad file
    not_a_sheet = session.post("/api/v1/questions/import", data={
        "file": (io.BytesIO(b"\x00\x01garbage"), "题库.xls")}, content_type="multipart/form-data")
    assert not_a_sheet.status_code == 422 and not_a_sheet.json["error"] == "invalid_file"
    categories = session.get("/api/v1/categories").json["categories"]
    assert {c["name"]: c["question_count"] for c in categories} == {"消防安全": 1, "疏散逃生": 1}
    employee = api(build.user())
    assert employee.post("/api/v1/questions/import", data={}).status_code == 403


def quiz_payload(**override):
    payload = {
        "title": "测测你的安全力", "time_limit_seconds": 600, "max_attempts": 2, "max_attempts_per_day": 1,
        "pass_score": 6, "opens_at": "2026-06-05T00:00:00+08:00", "closes_at": "2026-07-05T23:59:59+08:00",
        "shuffle_options": True, "multiple_choice_scoring": "partial", "review_policy": "immediate",
        "rules": [{"category": "消防安全", "type": "single", "count": 3, "points": 2},
                  {"type": "multiple", "count": 2, "points": 4}],
    }
    payload.update(override)
    return payload


def test_create_quiz_validates_rules(build, api):
    build.questions(3, type="single", category="消防安全")
    build.questions(2, type="multiple", category="疏散逃生")
    session = api(build.user(role="trainer"))
    created = session.post("/api/v1/quizzes", json=quiz_payload())
    assert created.status_code == 201, created.json
    assert created.json["question_count"] == 5 and created.json["max_score"] == 14
    assert created.json["opens_at"] == "2026-06-05T00:00:00+08:00"
    short = session.post("/api/v1/quizzes", json=quiz_payload(rules=[{"type": "multiple", "count": 5}]))
    assert short.status_code == 422 and short.json["error"] == "insufficient_questions"
    assert "第 1 条" in short.json["message"] and short.json["available"] == 2
    unknown = session.post("/api/v1/quizzes", json=quiz_payload(rules=[{"category": "不存在", "count": 1}]))
    assert unknown.status_code == 422
    window = session.post("/api/v1/quizzes", json=quiz_payload(closes_at="2026-06-01T00:00:00+08:00"))
    assert window.status_code == 422 and window.json["field"] == "closes_at"
    assert api(build.user()).post("/api/v1/quizzes", json=quiz_payload()).status_code == 403


def test_full_attempt_flow(build, api):
    quiz = build.quiz(opens_at=T0 - timedelta(days=1), closes_at=T0 + timedelta(days=10), max_attempts=2,
                      pass_score=6)
    user = build.user()
    session = api(user)
    with time_machine.travel(T0, tick=False):
        listing = session.get("/api/v1/quizzes").json["quizzes"]
        assert listing[0]["status"] == "open" and listing[0]["attempts_used"] == 0
        started = session.post(f"/api/v1/quizzes/{quiz.id}/attempts")
        assert started.status_code == 201
        attempt = started.json
        assert attempt["status"] == "in_progress" and attempt["seconds_left"] == 600
        text = str(attempt)
        assert "correct" not in text and "explanation" not in text and "解析" not in text
        resumed = session.post(f"/api/v1/quizzes/{quiz.id}/attempts")
        assert resumed.status_code == 200 and resumed.json["id"] == attempt["id"]

    a = db.session.get(Attempt, attempt["id"])
    with time_machine.travel(T0 + minutes(2), tick=False):
        for item in a.questions:
            selected = [item.option_order.index(c) for c in item.correct]
            saved = session.put(f"/api/v1/attempts/{a.id}/answers/{item.question_id}", json={"selected": selected})
            assert saved.status_code == 200 and saved.json["seconds_left"] == 480
        single = next(q for q in attempt["questions"] if q["type"] == "single")
        too_many = session.put(f"/api/v1/attempts/{a.id}/answers/{single['id']}", json={"selected": [0, 1]})
        assert too_many.status_code == 422
        out_of_range = session.put(f"/api/v1/attempts/{a.id}/answers/{single['id']}", json={"selected": [6]})
        assert out_of_range.status_code == 422
        bad_type = session.put(f"/api/v1/attempts/{a.id}/answers/{single['id']}", json={"selected": "A"})
        assert bad_type.status_code == 422
        fetched = session.get(f"/api/v1/attempts/{a.id}").json
        assert all(q["selected"] for q in fetched["questions"])
    with time_machine.travel(T0 + minutes(3), tick=False):
        result = session.post(f"/api/v1/attempts/{a.id}/submit")
        assert result.status_code == 200
        body = result.json
        assert body["score"] == body["max_score"] == 14 and body["passed"] is True
        assert body["correct_count"] == body["question_count"] == 5 and body["duration_seconds"] == 180
        assert len(body["review"]) == 5 and all(item["is_correct"] for item in body["review"])
        assert session.post(f"/api/v1/attempts/{a.id}/submit").json == body
        late = session.put(f"/api/v1/attempts/{a.id}/answers/{single['id']}", json={"selected": [0]})
        assert late.status_code == 409 and late.json["error"] == "time_up"
        assert session.get(f"/api/v1/attempts/{a.id}").json["result"]["score"] == 14


def test_other_users_attempt_is_not_found(build, api):
    quiz = build.quiz()
    owner, other = api(build.user()), api(build.user())
    attempt = owner.post(f"/api/v1/quizzes/{quiz.id}/attempts").json
    assert other.get(f"/api/v1/attempts/{attempt['id']}").status_code == 404
    qid = attempt["questions"][0]["id"]
    assert other.put(f"/api/v1/attempts/{attempt['id']}/answers/{qid}", json={"selected": [0]}).status_code == 404
    assert other.post(f"/api/v1/attempts/{attempt['id']}/submit").status_code == 404
    assert owner.get("/api/v1/attempts/999999").status_code == 404


def test_deadline_is_the_server_s(build, api):
    quiz = build.quiz(time_limit_seconds=60, max_attempts=1)
    session = api(build.user())
    with time_machine.travel(T0, tick=False):
        attempt = session.post(f"/api/v1/quizzes/{quiz.id}/attempts").json
        qid = attempt["questions"][0]["id"]
        assert session.put(f"/api/v1/attempts/{attempt['id']}/answers/{qid}", json={"selected": [1]}).status_code == 200
    with time_machine.travel(T0 + minutes(2), tick=False):
        late = session.put(f"/api/v1/attempts/{attempt['id']}/answers/{qid}", json={"selected": [0]})
        assert late.status_code == 409
        fetched = session.get(f"/api/v1/attempts/{attempt['id']}").json
        assert fetched["status"] == "expired" and fetched["result"]["duration_seconds"] == 60
        saved = {item["question_id"]: item["selected"] for item in fetched["result"]["review"]}
        assert saved[qid] == [1]  # saved before the deadline, counted
        again = session.post(f"/api/v1/quizzes/{quiz.id}/attempts")
        assert again.status_code == 409 and again.json["error"] == "attempts_exhausted"


def test_closed_quiz_refuses_start(build, api):
    quiz = build.quiz(opens_at=T0 + timedelta(days=1))
    with time_machine.travel(T0, tick=False):
        response = api(build.user()).post(f"/api/v1/quizzes/{quiz.id}/attempts")
    assert response.status_code == 403 and response.json["error"] == "quiz_closed"


def test_review_policy_after_close(build, api):
    quiz = build.quiz(review_policy="after_close", closes_at=T0 + timedelta(days=1))
    session = api(build.user())
    with time_machine.travel(T0, tick=False):
        attempt = session.post(f"/api/v1/quizzes/{quiz.id}/attempts").json
        result = session.post(f"/api/v1/attempts/{attempt['id']}/submit").json
        assert result["review"] == [] and result["review_available"] is False
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        later = session.get(f"/api/v1/attempts/{attempt['id']}").json["result"]
        assert later["review_available"] is True and len(later["review"]) == 5


def test_leave_counter(build, api):
    quiz = build.quiz()
    session = api(build.user())
    attempt = session.post(f"/api/v1/quizzes/{quiz.id}/attempts").json
    for expected in (1, 2):
        assert session.post(f"/api/v1/attempts/{attempt['id']}/leave").json == {"left_page_count": expected}


def test_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ["/api/v1/tokens", "/api/v1/me", "/api/v1/units", "/api/v1/users", "/api/v1/questions/import",
                 "/api/v1/categories", "/api/v1/quizzes", "/api/v1/quizzes/{quiz_id}/attempts",
                 "/api/v1/attempts/{attempt_id}", "/api/v1/attempts/{attempt_id}/answers/{question_id}",
                 "/api/v1/attempts/{attempt_id}/submit"]:
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"


def test_session_cookie_api_calls_need_csrf(app, build, client):
    app.config["WTF_CSRF_ENABLED"] = True
    user = build.user()
    quiz = build.quiz()
    login_page = client.get("/login").data.decode()
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    without = client.post(f"/api/v1/quizzes/{quiz.id}/attempts")
    assert without.status_code == 400
    with_header = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers={"X-CSRFToken": token})
    assert with_header.status_code == 201
