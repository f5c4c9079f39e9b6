"""The contest UI of issue 13 without a browser: 标记 on the server, the quiz's page layout, the
result page's rank and actions, the share card, the charts, and the bugs the walk-through found
(each test here fails without its fix)."""

from __future__ import annotations

import io
import random
import re
from datetime import timedelta

import pytest
import time_machine
from PIL import Image

from quiz.extensions import db
from quiz.models import AttemptQuestion, AuditEntry, Quiz
from quiz.boards import charts
from quiz.services import attempts
from quiz.trainer import item_analysis
from quiz.services.marks import marked_question_ids, set_mark
from quiz.services.quizzes import RuleSpec
from quiz.boards.rankings import Summary, TrendDay
from quiz.services.share_card import CARD_SIZE, display_name, find_font

from boards_helpers import contest, take
from helpers import PASSWORD, T0, minutes


def started(build, user, quiz, at=T0):
    attempt, _ = attempts.start_attempt(user, quiz, at, random.Random(7))
    db.session.commit()
    return attempt


# ---------------------------------------------------------------- 标记


def test_marks_are_kept_with_the_attempt_and_survive_a_reload(build, client, web_login):
    quiz = contest(build)
    user = build.user("zhangsan")
    with time_machine.travel(T0, tick=False):
        attempt = started(build, user, quiz)
        second = attempt.questions[1].question_id
        set_mark(attempt.id, user.id, second, True, T0)
        db.session.commit()
        assert marked_question_ids(attempt) == {second}
        web_login(user)
        page = client.get(f"/attempts/{attempt.id}").data.decode()
    card = re.search(r'<fieldset class="card question-card[^"]*"[^>]*data-question-id="%d"' % second, page).group(0)
    assert "is-marked" in card
    assert re.search(r'class="card-num is-marked" href="#q-2"', page)
    assert 'id="marked-count">1<' in page
    set_mark(attempt.id, user.id, second, False, T0 + minutes(1))
    db.session.commit()
    assert marked_question_ids(attempt) == set()


def test_mark_api(build, api):
    quiz = contest(build)
    user, other = build.user(), build.user()
    with time_machine.travel(T0, tick=False):
        attempt = started(build, user, quiz)
        qid = attempt.questions[0].question_id
        session = api(user)
        response = session.put(f"/api/v1/attempts/{attempt.id}/marks/{qid}", json={"marked": True})
        assert response.status_code == 200 and response.json == {"question_id": qid, "marked": True}
        fetched = session.get(f"/api/v1/attempts/{attempt.id}").json
        assert [q["marked"] for q in fetched["questions"]][:2] == [True, False]
        # someone else's attempt, a question not in it, a body that is not a boolean
        assert api(other).put(f"/api/v1/attempts/{attempt.id}/marks/{qid}", json={"marked": True}).status_code == 404
        missing = session.put(f"/api/v1/attempts/{attempt.id}/marks/999999", json={"marked": True})
        assert missing.status_code == 404 and missing.json["error"] == "question_not_in_attempt"
        assert session.put(f"/api/v1/attempts/{attempt.id}/marks/{qid}", json={"marked": "x"}).status_code == 422
        assert session.put(f"/api/v1/attempts/{attempt.id}/marks/{qid}", json={}).status_code == 422
        # the answers are untouched by marking
        assert session.put(f"/api/v1/attempts/{attempt.id}/answers/{qid}", json={"selected": [0]}).status_code == 200
        session.post(f"/api/v1/attempts/{attempt.id}/submit")
        late = session.put(f"/api/v1/attempts/{attempt.id}/marks/{qid}", json={"marked": False})
        assert late.status_code == 409 and late.json["error"] == "time_up"
    db.session.rollback()
    assert db.session.scalar(db.select(AttemptQuestion.is_marked).where(
        AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.question_id == qid)) is True


def test_marking_after_the_deadline_is_refused(build, api):
    quiz = contest(build, time_limit_seconds=60)
    user = build.user()
    attempt = started(build, user, quiz)
    qid = attempt.questions[0].question_id
    with time_machine.travel(T0 + minutes(2), tick=False):
        response = api(user).put(f"/api/v1/attempts/{attempt.id}/marks/{qid}", json={"marked": True})
    assert response.status_code == 409


# ---------------------------------------------------------------- the quiz decides the layout


def test_trainer_sets_the_default_layout_and_the_page_uses_it(build, client, web_login):
    trainer = build.user("trainer1", role="trainer")
    quiz = contest(build)
    web_login(trainer)
    form = client.get(f"/trainer/quizzes/{quiz.id}/edit").data.decode()
    assert 'name="display_mode"' in form and "一屏一题" in form
    data = {"title": quiz.title, "time_limit_minutes": 10, "max_attempts": "", "pass_score": 60,
            "review_policy": "immediate", "multiple_choice_scoring": "all_or_nothing", "display_mode": "single",
            "shuffle_questions": "y", "rules-0-category_id": 0, "rules-0-type": "single", "rules-0-difficulty": 0,
            "rules-0-count": 10, "rules-0-points": 10, "save": "保存",
            "opens_at": "2026-06-09T10:00", "closes_at": "2026-06-20T10:00"}
    response = client.post(f"/trainer/quizzes/{quiz.id}/edit", data=data)
    assert response.status_code == 302, response.data.decode()[:2000]
    db.session.expire_all()
    assert db.session.get(Quiz, quiz.id).display_mode == "single"
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "quiz.update").order_by(AuditEntry.id.desc()))
    assert "display_mode" in (entry.changes or {})
    employee = build.user("zhangsan")
    with time_machine.travel(T0, tick=False):
        client.post("/logout")
        web_login(employee)
        attempt = started(build, employee, db.session.get(Quiz, quiz.id))
        page = client.get(f"/attempts/{attempt.id}").data.decode()
    assert 'class="attempt mode-single"' in page and 'data-default-mode="single"' in page
    assert 'data-mode="single" aria-pressed="true"' in page
    bogus = client.post(f"/trainer/quizzes/{quiz.id}/edit", data={**data, "display_mode": "sideways"})
    assert bogus.status_code == 422 or db.session.get(Quiz, quiz.id).display_mode == "single"


# ---------------------------------------------------------------- result page


def test_result_page_leads_with_score_rank_and_actions(build, client, web_login):
    quiz = contest(build, max_attempts=3)
    library = build.unit("区图书馆")
    user = build.user("zhangsan", unit=library)
    take(build.user(unit=library), quiz, 9)
    attempt = take(user, quiz, 7)
    with time_machine.travel(T0 + minutes(5), tick=False):
        web_login(user)
        page = client.get(f"/attempts/{attempt.id}/result").data.decode()
    assert re.search(r"本单位第 <b>2</b> 名（共 2 人） · 全部第 <b>2</b> 名（共 2 人）", page)
    order = [page.index(marker) for marker in
             ('id="score"', 'id="rank-line"', 'id="result-actions"', 'id="certificate-link"', 'id="review"')]
    assert order == sorted(order)
    assert 'id="boards-link"' in page and 'id="share-link"' in page and 'id="again-button"' in page
    assert 'id="only-wrong"' in page and page.count("<details class=\"card mb-2 review-item") == 10


# ---------------------------------------------------------------- share card


def test_share_card_is_a_png_of_the_right_size(build, client, web_login, app):
    if find_font() is None:
        pytest.skip("no CJK font installed (make test installs fonts-wqy-zenhei)")
    quiz = contest(build)
    user = build.user("zhangsan", display_name="张小三", unit=build.unit("区图书馆"))
    attempt = take(user, quiz, 8)
    web_login(user)
    page = client.get(f"/attempts/{attempt.id}/share").data.decode()
    assert f'src="/attempts/{attempt.id}/share.png?name=masked"' in page
    response = client.get(f"/attempts/{attempt.id}/share.png?name=full")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    image.load()
    assert image.size == CARD_SIZE and image.format == "PNG"
    assert display_name("张小三", "masked") == "张*三" and display_name("张小三", "hidden") == ""
    stranger = app.test_client()
    stranger.post("/login", data={"username": build.user().username, "password": PASSWORD})
    assert stranger.get(f"/attempts/{attempt.id}/share.png").status_code == 404


def test_share_card_says_so_when_the_font_is_missing(build, client, web_login, app):
    app.config["SHARE_CARD_FONT_PATH"] = "/nonexistent/font.ttc"
    quiz = contest(build)
    user = build.user("zhangsan")
    attempt = take(user, quiz, 8)
    web_login(user)
    response = client.get(f"/attempts/{attempt.id}/share.png")
    assert response.status_code == 503 and "fonts-wqy-zenhei" in response.data.decode()
    page = client.get(f"/attempts/{attempt.id}/share").data.decode()
    assert 'id="share-unavailable"' in page and "<img" not in page.split('id="share-unavailable"')[1].split("</main>")[0]
    assert 'id="share-link"' not in client.get(f"/attempts/{attempt.id}/result").data.decode()


def test_share_card_of_an_attempt_in_progress_goes_back_to_it(build, client, web_login):
    quiz = contest(build)
    user = build.user()
    with time_machine.travel(T0, tick=False):
        attempt = started(build, user, quiz)
        web_login(user)
        response = client.get(f"/attempts/{attempt.id}/share.png")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attempts/{attempt.id}")


# ---------------------------------------------------------------- charts


def _font_sizes(svg: str) -> list[int]:
    return [int(size) for size in re.findall(r"font-size:\s*(\d+)px", svg)]


@pytest.mark.parametrize("width", charts.CHART_WIDTHS)
def test_light_chart_text_is_at_least_13_px_at_every_width(width):
    summary = Summary(3, 30, 10, 10, 0.33, 12, 80.0, 0.8, 1, [1, 2, 3, 2, 1, 1])
    trend = [TrendDay(T0.date() + timedelta(days=i), 3, 2, 1, i + 1, (i + 1) / 30) for i in range(20)]
    for svg in (charts.score_distribution_chart(summary, 100, "light", width), charts.daily_chart(trend, "light", width)):
        assert f'width="{width}"' in svg.split(">")[0]
        assert min(_font_sizes(svg)) >= 13


def test_daily_chart_draws_the_cumulative_rate_as_a_line():
    trend = [TrendDay(T0.date() + timedelta(days=i), 3, 2, 1, i + 1, (i + 1) / 30) for i in range(5)]
    svg = charts.daily_chart(trend)
    assert "line-graph" in svg and "累计参与率" in svg
    assert "histbar" not in svg and 'class="rect reactive' not in svg  # no bars any more


def test_big_screen_chart_values_are_light():
    summary = Summary(3, 30, 10, 10, 0.33, 12, 80.0, 0.8, 1, [1, 2, 3, 2, 1, 1])
    svg = charts.score_distribution_chart(summary, 100, "dark")
    value_fills = re.findall(r"\.text-overlay \.color-\d+ text\s*\{\s*fill:\s*([^;}]+)", svg)
    assert value_fills and set(value_fills) == {"#ffffff"}


def test_chart_width_parameter(client, build, web_login):
    quiz = contest(build)
    web_login(build.user())
    narrow = client.get(f"/boards/quizzes/{quiz.id}/charts/scores.svg?w=360").data.decode()
    default = client.get(f"/boards/quizzes/{quiz.id}/charts/scores.svg?w=12345").data.decode()
    assert 'width="360"' in narrow.split(">")[0] and 'width="940"' in default.split(">")[0]


# ---------------------------------------------------------------- the bugs of the walk-through


def test_home_card_says_today_done_not_exhausted_after_one_of_three_daily_rounds(build, client, web_login):
    quiz = contest(build, max_attempts=3, max_attempts_per_day=1)
    user = build.user()
    take(user, quiz, 5, at=T0)
    with time_machine.travel(T0 + minutes(30), tick=False):
        web_login(user)
        home = client.get("/").data.decode()
    assert "今日已答完" in home and "次数已用完" not in home
    take(user, quiz, 5, at=T0 + timedelta(days=1))
    take(user, quiz, 5, at=T0 + timedelta(days=2))
    with time_machine.travel(T0 + timedelta(days=2, minutes=30), tick=False):
        web_login(user)
        home = client.get("/").data.decode()
    assert "次数已用完" in home and "今日已答完" not in home


def test_item_analysis_does_not_call_unanswered_questions_too_hard(build, client, web_login):
    answered, blank = build.question(type="single", correct=[0]), build.question(type="single", correct=[0])
    quiz = build.quiz([RuleSpec(count=1, question_id=answered.id), RuleSpec(count=1, question_id=blank.id)],
                      max_attempts=None)
    for number in range(4):
        user = build.user()
        attempt, _ = attempts.start_attempt(user, quiz, T0)
        db.session.commit()
        if number == 0:  # one taker answers the first question, right; nobody answers the second
            attempts.save_answer(attempt.id, user.id, answered.id, [0], T0 + minutes(1))
        attempts.submit_attempt(attempt, T0 + minutes(2))
        db.session.commit()
    items = {item.question_id: item for item in item_analysis.analyze_quiz(quiz).items}
    assert items[blank.id].answered == 0 and items[blank.id].nobody_answered and not items[blank.id].flags
    assert items[answered.id].answered == 1 and items[answered.id].answered_facility == 1.0
    assert not items[answered.id].flags  # 1 right of 1 answered; the 3 blanks are not "too hard"
    web_login(build.user(role="trainer"))
    page = client.get(f"/trainer/quizzes/{quiz.id}/analysis").data.decode()
    assert "建议复核：难度过大" not in page and "无人作答，无法判断难度" in page
    assert "抽到 4 份，作答 0 份" in page and "抽到 4 份，作答 1 份" in page


def test_no_literal_none_autocomplete(build, client, web_login):
    assert 'autocomplete="None"' not in client.get("/register").data.decode()
    web_login(build.user(role="admin"))
    page = client.get("/admin/users/new").data.decode()
    assert 'autocomplete="None"' not in page and 'autocomplete="new-password"' in page


def test_errors_are_tied_to_their_inputs(client):
    page = client.post("/register", data={"username": "", "password": "x"}).data.decode()
    field = re.search(r'<input[^>]*id="username"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="username-error"' in field
    assert 'id="username-error"' in page


def test_favicon(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200 and response.mimetype in ("image/x-icon", "image/vnd.microsoft.icon")
        assert Image.open(io.BytesIO(response.data)).format == "ICO"
    page = client.get("/login").data.decode()
    assert 'rel="icon" href="/favicon.ico"' in page and "favicon.svg" in page


def test_locked_level_shows_an_svg_icon_not_an_emoji(build, client, web_login):
    from quiz.training import levels

    trainer = build.user(role="trainer")
    build.questions(6, type="single")
    series = levels.create_series("消防闯关", "", trainer)
    for number in range(2):
        levels.add_level(series, title=f"第{number + 1}关", rules=[RuleSpec(count=2, type="single")],
                         pass_percent=60, time_limit_seconds=None, created_by=trainer, now=T0)
    levels.set_series_published(series, True)
    db.session.commit()
    web_login(build.user())
    page = client.get(f"/training/levels/{series.id}").data.decode()
    assert "🔒" not in page and 'class="icon icon-lock"' in page and "未解锁" in page


def test_notebook_shows_the_choice_the_employee_made(build, client, web_login):
    question = build.question(type="single", correct=[1], options=["甲", "乙", "丙", "丁"])
    quiz = build.quiz([RuleSpec(count=1, question_id=question.id)], review_policy="immediate", max_attempts=None)
    user = build.user()
    attempt, _ = attempts.start_attempt(user, quiz, T0)
    db.session.commit()
    item = attempt.questions[0]
    attempts.save_answer(attempt.id, user.id, question.id, [item.option_order.index(3)], T0 + minutes(1))  # chose 丁
    attempts.submit_attempt(attempt, T0 + minutes(2))
    db.session.commit()
    web_login(user)
    page = client.get("/training/notebook").data.decode()
    chosen = re.search(r'<li class="is-wrong-choice">\s*D\. 丁\s*<span class="small">（您的选择）</span>', page)
    assert chosen, page
    assert "上次您选了 <strong" in page and ">D</strong>" in page
