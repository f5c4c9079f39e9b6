"""The leaderboard endpoints of the JSON API (fixed contract)."""

from __future__ import annotations

from quiz.api.schemas import LeaderboardUnitsOut, LeaderboardUsersOut

from boards_helpers import contest, take
from helpers import T0, minutes

UNIT_KEYS = {"rank", "unit_id", "unit", "headcount", "participants", "participation_rate", "average_score",
             "pass_rate", "full_marks"}
USER_KEYS = {"rank", "user_id", "display_name", "unit", "best_score", "duration_seconds", "submitted_at"}


def _setup(build):
    quiz = contest(build)
    library = build.unit("区图书馆", headcount=4)
    museum = build.unit("区博物馆", headcount=None)
    build.unit("办公室", headcount=3)
    zhang = build.user("zhangsan", unit=library, display_name="张三")
    li = build.user("lisi", unit=library, display_name="李四")
    wang = build.user("wangwu", unit=museum, display_name="王五")
    take(zhang, quiz, 9, at=T0, seconds=300)
    take(li, quiz, 6, at=T0 + minutes(1), seconds=100)
    take(wang, quiz, 9, at=T0 + minutes(2), seconds=200)
    return quiz, library, museum, zhang


def test_units_leaderboard_contract(build, api):
    quiz, library, museum, zhang = _setup(build)
    response = api(zhang).get(f"/api/v1/quizzes/{quiz.id}/leaderboard/units")
    assert response.status_code == 200
    body = response.json
    assert LeaderboardUnitsOut().validate(body) == {}
    assert set(body) == {"metric", "updated_at", "units"} and body["metric"] == "average_score"
    assert "+08:00" in body["updated_at"]
    assert all(set(row) == UNIT_KEYS for row in body["units"])
    assert [(u["unit"], u["rank"]) for u in body["units"]] == [("区博物馆", 1), ("区图书馆", 2), ("办公室", None)]
    assert body["units"][0] == {"rank": 1, "unit_id": museum.id, "unit": "区博物馆", "headcount": 1,
                                "participants": 1, "participation_rate": 1.0, "average_score": 90.0,
                                "pass_rate": 1.0, "full_marks": 0}
    assert body["units"][1]["participation_rate"] == 0.5 and body["units"][1]["average_score"] == 75.0
    assert body["units"][2]["average_score"] is None and body["units"][2]["pass_rate"] is None


def test_users_leaderboard_contract_unit_filter_and_limit(build, api):
    quiz, library, museum, zhang = _setup(build)
    session = api(zhang)
    body = session.get(f"/api/v1/quizzes/{quiz.id}/leaderboard/users").json
    assert LeaderboardUsersOut().validate(body) == {}
    assert set(body) == {"updated_at", "users"}
    assert all(set(row) == USER_KEYS for row in body["users"])
    # 90 in 200 s beats 90 in 300 s; 60 last
    assert [(u["display_name"], u["rank"], u["best_score"]) for u in body["users"]] == [
        ("王五", 1, 90.0), ("张三", 2, 90.0), ("李四", 3, 60.0)]
    assert body["users"][1]["unit"] == "区图书馆" and body["users"][1]["duration_seconds"] == 300
    assert body["users"][1]["submitted_at"] == "2026-06-10T10:05:00+08:00"
    in_unit = session.get(f"/api/v1/quizzes/{quiz.id}/leaderboard/users?unit_id={library.id}").json["users"]
    assert [(u["display_name"], u["rank"]) for u in in_unit] == [("张三", 1), ("李四", 2)]  # ranks within the unit
    limited = session.get(f"/api/v1/quizzes/{quiz.id}/leaderboard/users?limit=1").json["users"]
    assert [u["display_name"] for u in limited] == ["王五"]
    assert session.get(f"/api/v1/quizzes/{quiz.id}/leaderboard/users?limit=0").status_code == 422
    assert session.get(f"/api/v1/quizzes/{quiz.id}/leaderboard/users?limit=5000").status_code == 422
    missing = session.get(f"/api/v1/quizzes/{quiz.id}/leaderboard/users?unit_id=9999")
    assert missing.status_code == 404 and missing.json["error"] == "unit_not_found"


def test_leaderboards_need_authentication_and_a_visible_quiz(build, api, client):
    quiz = contest(build)
    hidden = contest(build, is_published=False)
    employee, trainer = build.user(), build.user("trainer", role="trainer")
    for path in ("units", "users"):
        assert client.get(f"/api/v1/quizzes/{quiz.id}/leaderboard/{path}").status_code == 401
        assert api(employee).get(f"/api/v1/quizzes/{hidden.id}/leaderboard/{path}").status_code == 404
        assert api(employee).get(f"/api/v1/quizzes/9999/leaderboard/{path}").status_code == 404
        assert api(trainer).get(f"/api/v1/quizzes/{hidden.id}/leaderboard/{path}").status_code == 200


def test_leaderboards_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").json
    units = spec["paths"]["/api/v1/quizzes/{quiz_id}/leaderboard/units"]["get"]
    users = spec["paths"]["/api/v1/quizzes/{quiz_id}/leaderboard/users"]["get"]
    assert {p["name"] for p in users["parameters"] if p["in"] == "query"} == {"unit_id", "limit"}
    schema_ref = units["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    unit_item = spec["components"]["schemas"][schema_ref]["properties"]["units"]["items"]["$ref"].rsplit("/", 1)[1]
    assert set(spec["components"]["schemas"][unit_item]["properties"]) == UNIT_KEYS


def test_bearer_leaderboard_requests_write_no_session(build, api):
    quiz, _library, _museum, zhang = _setup(build)
    response = api(zhang).get(f"/api/v1/quizzes/{quiz.id}/leaderboard/units")
    assert "Set-Cookie" not in response.headers
