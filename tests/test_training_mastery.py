"""Mastery per category on a hand-built answer history, the weakest-category suggestion,
the home-page chart and the progress API."""

from __future__ import annotations

from datetime import timedelta

from quiz.extensions import db
from quiz.models import TrainingAnswer
from quiz.training import mastery

from helpers import T0


def log(user, question, pattern: str, start=T0):
    """Add answers to the log, oldest first: "1" right, "0" wrong, one minute apart."""
    for index, mark in enumerate(pattern):
        db.session.add(TrainingAnswer(
            user_id=user.id, question_id=question.id, category_id=question.category_id, is_correct=mark == "1",
            answered_at=start + timedelta(minutes=index), source="practice",
        ))
    db.session.commit()


def build_history(build):
    fire = build.question(category="消防安全")
    escape = build.question(category="疏散逃生")
    law = build.question(category="安全生产法律法规")
    build.question(category="文旅行业安全")  # never practised
    user = build.user()
    # 消防安全: 25 answers; the 5 oldest (all wrong) fall out of the window of 20,
    # which holds 15 right and 5 wrong: 75 %.
    log(user, fire, "00000" + "1110" * 5)
    # 疏散逃生: 4 answers, 1 right: 25 % (the weakest with enough answers)
    log(user, escape, "0100", start=T0 + timedelta(hours=1))
    # 法律法规: 2 answers, both wrong: too few to be called the weakest
    log(user, law, "00", start=T0 + timedelta(hours=2))
    # another employee's answers never count
    log(build.user(), escape, "1111")
    return user


def test_mastery_is_the_share_right_in_the_last_n_answers(build):
    user = build_history(build)
    figures = {m.name: (m.correct, m.answered, m.percent) for m in mastery.category_mastery(user.id)}
    assert mastery.MASTERY_WINDOW == 20
    assert figures == {
        "消防安全": (15, 20, 75),
        "疏散逃生": (1, 4, 25),
        "安全生产法律法规": (0, 2, 0),
        "文旅行业安全": (0, 0, None),
    }
    small = {m.name: (m.correct, m.answered) for m in mastery.category_mastery(user.id, window=4)}
    assert small["消防安全"] == (3, 4)  # the last four: 1,1,1,0


def test_weakest_category(build):
    user = build_history(build)
    weakest = mastery.weakest_category(mastery.category_mastery(user.id))
    assert weakest.name == "疏散逃生"
    # without measured weaknesses, the least practised category with questions is suggested
    fresh = build.user()
    suggestion = mastery.weakest_category(mastery.category_mastery(fresh.id))
    assert suggestion.answered == 0 and suggestion.name == sorted(
        ["消防安全", "疏散逃生", "安全生产法律法规", "文旅行业安全"])[0]


def test_home_page_shows_chart_and_suggestion(build, client, web_login):
    user = build_history(build)
    web_login(user)
    page = client.get("/").data.decode()
    panel = page.split('id="training-panel"')[1]
    assert '<svg class="mastery-chart"' in panel and 'data-chart="mastery"' in panel
    assert ">75%<" in panel and ">25%<" in panel and "未练习" in panel
    assert 'id="weakest-suggestion"' in panel and "<strong>疏散逃生</strong>" in panel
    assert "最近 4 次答对 1 次" in panel
    assert " style=" not in page and "<script>" not in page  # CSP: no inline styles or scripts
    training = client.get("/training/").data.decode()
    assert '<tr data-category="消防安全"><td>消防安全</td><td>15 / 20</td><td>75%</td></tr>' in training


def test_progress_api(build, api):
    user = build_history(build)
    body = api(user).get("/api/v1/training/progress").json
    assert body["window"] == 20 and body["notebook_count"] == 0
    by_name = {m["name"]: m for m in body["mastery"]}
    assert by_name["消防安全"]["share"] == 0.75 and by_name["消防安全"]["answered"] == 20
    assert by_name["文旅行业安全"]["share"] is None
    assert body["weakest_category_id"] == by_name["疏散逃生"]["category_id"]
