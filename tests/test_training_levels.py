"""安全知识闯关: unlock order (also through the API), stars, progress, unit view, trainer pages."""

from __future__ import annotations

import random

import pytest

from quiz.extensions import db
from quiz.models import Attempt, AttemptQuestion, LevelSeries, Quiz
from quiz.services import attempts, quizzes
from quiz.training import levels
from quiz.training.levels import LevelLocked, stars_for
from quiz.services.quizzes import RuleSpec

from helpers import T0, minutes


def make_series(build, *, count=3, per_level=2, published=True, title="安全知识闯关") -> tuple[LevelSeries, list[Quiz]]:
    build.questions(per_level * 3, type="single", category="消防安全")
    trainer = build.user(role="trainer")
    series = levels.create_series(title, "由浅入深", trainer)
    for number in range(1, count + 1):
        levels.add_level(series, now=T0, title=f"第{number}关", rules=[RuleSpec(count=per_level, type="single")],
                         pass_percent=60, time_limit_seconds=None if number != 2 else 300, created_by=trainer)
    if published:
        levels.set_series_published(series, True)
    db.session.commit()
    return series, levels.series_levels(series)


def answer_attempt(attempt: Attempt, user, now, right: int) -> None:
    """Answer the first `right` questions correctly and the rest wrongly."""
    items = db.session.scalars(db.select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                               .order_by(AttemptQuestion.position)).all()
    for index, item in enumerate(items):
        canonical = item.correct if index < right else [c for c in range(len(item.options)) if c not in item.correct][:1]
        attempts.save_answer(attempt.id, user.id, item.question_id, [item.option_order.index(c) for c in canonical], now)
    db.session.commit()


def play(user, level, right, now=T0):
    attempt, _ = attempts.start_attempt(user, level, now, random.Random(1))
    db.session.commit()
    answer_attempt(attempt, user, now + minutes(1), right)
    attempts.submit_attempt(attempt, now + minutes(2))
    db.session.commit()
    return attempt


def test_levels_are_quizzes_of_kind_level_and_not_contests(build):
    series, (one, two, three) = make_series(build)
    assert [level.position for level in (one, two, three)] == [1, 2, 3]
    assert {level.kind for level in (one, two, three)} == {"level"}
    assert one.max_attempts is None and one.review_policy == "immediate"
    assert one.pass_score == 12  # 60 % of 2 questions x 10 points
    assert one.is_untimed and not two.is_untimed
    contest = build.quiz([RuleSpec(count=2, type="single", points=5)])
    assert quizzes.published_quizzes() == [contest]


def test_unlock_order_in_the_service(build):
    series, (one, two, three) = make_series(build)
    user = build.user()
    with pytest.raises(LevelLocked):
        attempts.start_attempt(user, two, T0)
    db.session.rollback()
    play(user, one, right=0)  # failed: level 2 stays locked
    with pytest.raises(LevelLocked):
        attempts.start_attempt(user, two, T0 + minutes(5))
    db.session.rollback()
    play(user, one, right=2, now=T0 + minutes(10))
    attempt, created = attempts.start_attempt(user, two, T0 + minutes(20))
    assert created and attempt.quiz_id == two.id
    db.session.commit()
    with pytest.raises(LevelLocked):
        attempts.start_attempt(user, three, T0 + minutes(21))
    db.session.rollback()
    # another employee has unlocked nothing
    with pytest.raises(LevelLocked):
        attempts.start_attempt(build.user(), two, T0)


def test_api_cannot_skip_a_level(build, api):
    series, (one, two, three) = make_series(build)
    user = build.user()
    session = api(user)
    refused = session.post(f"/api/v1/quizzes/{two.id}/attempts")
    assert refused.status_code == 403
    assert refused.json["error"] == "level_locked" and refused.json["required_level"] == 1
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 0

    started = session.post(f"/api/v1/quizzes/{one.id}/attempts")
    assert started.status_code == 201
    attempt = db.session.get(Attempt, started.json["id"])
    for item in attempt.questions:
        display = [item.option_order.index(c) for c in item.correct]
        assert session.put(f"/api/v1/attempts/{attempt.id}/answers/{item.question_id}",
                           json={"selected": display}).status_code == 200
    result = session.post(f"/api/v1/attempts/{attempt.id}/submit")
    assert result.status_code == 200 and result.json["passed"] is True

    assert session.post(f"/api/v1/quizzes/{two.id}/attempts").status_code == 201
    assert session.post(f"/api/v1/quizzes/{three.id}/attempts").json["error"] == "level_locked"

    listing = session.get("/api/v1/level-series").json["series"]
    assert len(listing) == 1 and listing[0]["passed_count"] == 1 and listing[0]["stars"] == 3
    states = [(lv["number"], lv["unlocked"], lv["passed"], lv["stars"]) for lv in listing[0]["levels"]]
    assert states == [(1, True, True, 3), (2, True, False, 0), (3, False, False, 0)]
    assert listing[0]["levels"][0]["time_limit_seconds"] is None
    assert listing[0]["levels"][1]["time_limit_seconds"] == 300
    assert listing[0]["levels"][1]["in_progress_attempt_id"] is not None
    one_series = session.get(f"/api/v1/level-series/{series.id}")
    assert one_series.status_code == 200 and one_series.json["levels"][0]["quiz_id"] == one.id
    # levels are not in the contest list
    assert [q["id"] for q in session.get("/api/v1/quizzes").json["quizzes"]] == []


def test_unpublished_series_is_hidden(build, api):
    series, (one, *_rest) = make_series(build, published=False)
    session = api(build.user())
    assert session.get("/api/v1/level-series").json == {"series": []}
    assert session.get(f"/api/v1/level-series/{series.id}").status_code == 404
    assert session.post(f"/api/v1/quizzes/{one.id}/attempts").status_code == 404


@pytest.mark.parametrize("score,max_score,passed,expected", [
    (20, 20, True, 3), (18, 20, True, 3), (17.9, 20, True, 2), (15, 20, True, 2), (14, 20, True, 1),
    (12, 20, True, 1), (20, 20, False, 0), (None, 20, None, 0),
])
def test_stars_by_score_share(score, max_score, passed, expected):
    assert stars_for(score, max_score, passed) == expected


def test_series_progress_and_stars_use_the_best_attempt(build):
    series, (one, two, three) = make_series(build, per_level=4)
    user = build.user()
    play(user, one, right=3)                       # 75 %: passed, 2 stars
    progress = levels.series_progress(user, series)
    assert [s.stars for s in progress.levels] == [2, 0, 0]
    assert progress.current.level.id == two.id
    play(user, one, right=2, now=T0 + minutes(10))  # worse, failed: the best still counts
    play(user, one, right=4, now=T0 + minutes(20))  # 100 %: 3 stars
    progress = levels.series_progress(user, series)
    assert progress.levels[0].stars == 3 and progress.levels[0].best_score == 40
    assert progress.levels[0].attempts == 3
    assert [s.unlocked for s in progress.levels] == [True, True, False]


def test_unit_progress(build):
    series, (one, two, three) = make_series(build)
    library, museum = build.unit("区图书馆"), build.unit("区博物馆")
    a, b, c = build.user(unit=library), build.user(unit=library), build.user(unit=museum)
    build.user(unit=museum)
    play(a, one, 2)
    play(a, two, 2, now=T0 + minutes(10))
    play(a, three, 2, now=T0 + minutes(20))
    play(b, one, 0)
    play(c, one, 2)
    rows = {row.unit.name: row for row in levels.unit_progress(series) if row.unit}
    assert (rows["区图书馆"].employees, rows["区图书馆"].started, rows["区图书馆"].passed,
            rows["区图书馆"].completed) == (2, 2, [1, 1, 1], 1)
    assert (rows["区博物馆"].employees, rows["区博物馆"].started, rows["区博物馆"].passed,
            rows["区博物馆"].completed) == (2, 1, [1, 0, 0], 0)


def test_unit_view_pages_and_api_for_trainers_only(build, api, client, web_login):
    series, (one, *_rest) = make_series(build)
    employee = build.user()
    play(employee, one, 2)
    trainer = build.user("trainer2", role="trainer")
    assert api(employee).get(f"/api/v1/level-series/{series.id}/units").status_code == 403
    body = api(trainer).get(f"/api/v1/level-series/{series.id}/units").json
    assert body["level_count"] == 3
    unit_row = next(u for u in body["units"] if u["unit"] and u["unit"]["id"] == employee.unit_id)
    assert unit_row["passed"] == [1, 0, 0] and unit_row["employees"] == 1
    web_login(employee)
    assert client.get(f"/training/levels/{series.id}/units").status_code == 403
    client.post("/logout")
    web_login(trainer)
    page = client.get(f"/training/levels/{series.id}/units").data.decode()
    assert employee.unit.name in page and "第3关" in page


def test_level_map_page_and_start_flow(build, client, web_login):
    series, (one, two, three) = make_series(build)
    user = build.user()
    web_login(user)
    page = client.get(f"/training/levels/{series.id}").data.decode()
    assert 'data-level="1" data-state="unlocked"' in page and 'data-level="2" data-state="locked"' in page
    assert "不限时" in page and "限时 5分0秒" in page
    # a locked level cannot be started from the web either
    locked = client.post(f"/training/levels/{series.id}/{two.id}/start")
    assert locked.status_code == 302 and locked.headers["Location"].endswith(f"/training/levels/{series.id}")
    assert "请先通过第 1 关" in client.get(f"/training/levels/{series.id}").data.decode()
    # nor through the take pages, which also start level quizzes
    client.post(f"/quizzes/{two.id}/start")
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 0
    started = client.post(f"/training/levels/{series.id}/{one.id}/start")
    attempt = db.session.scalar(db.select(Attempt))
    assert started.headers["Location"].endswith(f"/attempts/{attempt.id}")
    answer_attempt(attempt, user, T0, right=2)
    client.post(f"/attempts/{attempt.id}/submit")
    result = client.get(f"/attempts/{attempt.id}/result").data.decode()
    assert "返回闯关地图" in result and "下载合格证书" not in result
    page = client.get(f"/training/levels/{series.id}").data.decode()
    assert 'data-level="1" data-state="passed"' in page and 'data-level="2" data-state="unlocked"' in page
    assert 'data-level="3" data-state="locked"' in page
    # the contest home page does not list levels
    assert "第1关" not in client.get("/").data.decode().split('id="training-panel"')[0]


def test_trainer_builds_and_publishes_a_series(build, client, web_login):
    build.questions(6, type="single", category="消防安全")
    fire = build.category("消防安全")
    web_login(build.user("wangpx", role="trainer"))
    created = client.post("/training/manage", data={"title": "消防闯关", "description": "三关"})
    series = db.session.scalar(db.select(LevelSeries))
    assert created.headers["Location"].endswith(f"/training/manage/{series.id}")
    assert "至少添加一关" in client.post(f"/training/manage/{series.id}/publish", follow_redirects=True).data.decode()
    for title in ("甲", "乙", "丙"):
        response = client.post(f"/training/manage/{series.id}/levels", data={
            "title": title, "category_id": fire.id, "type": "single", "count": 2, "pass_percent": 80,
            "time_limit_minutes": 0})
        assert response.status_code == 302
    too_many = client.post(f"/training/manage/{series.id}/levels", data={
        "title": "丁", "category_id": fire.id, "type": "single", "count": 7, "pass_percent": 80,
        "time_limit_minutes": 10}, follow_redirects=True).data.decode()
    assert "题库中可用的只有 6 题" in too_many
    names = lambda: [lv.title for lv in levels.series_levels(series)]
    assert names() == ["甲", "乙", "丙"]
    third = levels.series_levels(series)[2]
    client.post(f"/training/manage/{series.id}/levels/{third.id}/up")
    assert names() == ["甲", "丙", "乙"]
    client.post(f"/training/manage/{series.id}/levels/{third.id}/delete")
    assert names() == ["甲", "乙"] and [lv.position for lv in levels.series_levels(series)] == [1, 2]
    client.post(f"/training/manage/{series.id}/publish")
    db.session.refresh(series)
    assert series.is_published and all(lv.is_published for lv in levels.series_levels(series))
    assert levels.series_levels(series)[0].pass_score == 16
    client.post(f"/training/manage/{series.id}/withdraw")
    db.session.refresh(series)
    assert not series.is_published and not any(lv.is_published for lv in levels.series_levels(series))


def test_level_with_attempts_cannot_be_deleted(build):
    series, (one, *_rest) = make_series(build)
    play(build.user(), one, 1)
    with pytest.raises(Exception) as error:
        levels.delete_level(one)
    assert getattr(error.value, "code", "") == "level_in_use"


def test_employees_cannot_manage(build, client, web_login):
    series, _levels = make_series(build)
    web_login(build.user())
    assert client.get("/training/manage").status_code == 403
    assert client.post(f"/training/manage/{series.id}/withdraw").status_code == 403
    assert client.get("/training/posters").status_code == 403


def test_openapi_lists_level_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/level-series", "/api/v1/level-series/{series_id}",
                 "/api/v1/level-series/{series_id}/units", "/api/v1/training/progress"):
        assert "get" in paths[path], path
    assert "LevelSeriesOut" in client.get("/api/v1/openapi.json").data.decode()
