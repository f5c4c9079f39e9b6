"""The contest as employees know it from other tools, in real Chromium: the 答题卡, 标记 kept
across a reload, the one-question mode, the 交卷 dialog's links, the 5-minute warning, the result
page's order, the share card, and the boards on a 375 px phone."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from quiz.extensions import db
from quiz.models import Attempt, AttemptQuestion, utcnow
from quiz.services import attempts
from quiz.take.result_page import share_font

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


def has_class(name: str):
    """A class attribute that contains ``name`` as a whole class."""
    return re.compile(rf"(^|\s){name}(\s|$)")


def start(page, live_url, quiz) -> None:
    page.goto(f"{live_url}/quizzes/{quiz.id}")
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url("**/attempts/*")


def test_answer_card_and_marks_survive_a_reload(page, live_url, build, browser_login, screenshot):
    quiz = build.quiz(title="消防安全竞赛")
    user = build.user("wangwu", display_name="王五")
    browser_login(page, user)
    start(page, live_url, quiz)
    grid = page.locator("#answer-card-grid a.card-num")
    expect(grid).to_have_count(5)

    # answer question 3 through the answer card
    grid.nth(2).click()
    third = page.locator("#q-3")
    third.locator("label").first.click()
    page.wait_for_selector("#save-status.ok")
    expect(grid.nth(2)).to_have_class(has_class("is-answered"))

    # mark question 4, reload: the mark came back from the server
    with page.expect_response(lambda r: "/marks/" in r.url and r.ok):
        page.locator("#q-4 [data-mark]").click()
    expect(page.locator("#marked-count")).to_have_text("1")
    expect(grid.nth(3)).to_have_class(has_class("is-marked"))
    page.reload()
    expect(page.locator("#q-4")).to_have_class(has_class("is-marked"))
    assert page.locator("#q-4 [data-mark]").get_attribute("aria-pressed") == "true"
    expect(page.locator("#marked-count")).to_have_text("1")
    db.session.rollback()
    attempt = db.session.scalar(db.select(Attempt).where(Attempt.user_id == user.id))
    marked = db.session.scalars(db.select(AttemptQuestion.position).where(
        AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.is_marked.is_(True))).all()
    assert len(marked) == 1
    screenshot(page, "contest-answer-card-desktop")

    # unmark, reload: gone
    with page.expect_response(lambda r: "/marks/" in r.url and r.ok):
        page.locator("#q-4 [data-mark]").click()
    expect(page.locator("#marked-count")).to_have_text("0")
    page.reload()
    expect(page.locator("#marked-count")).to_have_text("0")

    # the 交卷 dialog lists the unanswered and the marked, each a link to its question
    page.locator("#q-5 [data-mark]").click()
    page.get_by_role("button", name="交卷").click()
    page.wait_for_selector("#submitModal.show")
    unanswered = page.locator("#submit-unanswered a.card-num")
    assert [unanswered.nth(i).inner_text() for i in range(unanswered.count())] == ["1", "2", "4", "5"]
    assert page.locator("#submit-marked a.card-num").all_inner_texts() == ["5"]
    assert "还有 4 题未作答" in page.locator("#submit-summary").inner_text()
    unanswered.nth(1).click()  # question 2
    expect(page.locator("#submitModal")).not_to_be_visible()
    expect(page.locator("#q-2")).to_be_focused()


def test_one_question_mode_with_next_previous_and_swipe(browser, live_url, build, browser_login, screenshot):
    quiz = build.quiz(title="疏散逃生竞赛")
    quiz.display_mode = "single"
    db.session.commit()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    browser_login(page, build.user())
    start(page, live_url, quiz)
    cards = page.locator(".question-card")
    expect(cards.nth(0)).to_be_visible()
    expect(cards.nth(1)).to_be_hidden()
    expect(page.locator("#position-label")).to_contain_text("1")
    page.locator("#next-question").click()
    expect(cards.nth(1)).to_be_visible()
    expect(cards.nth(0)).to_be_hidden()
    page.locator("#prev-question").click()
    expect(cards.nth(0)).to_be_visible()

    # a swipe to the left goes on (touch events on the question area)
    page.evaluate("""() => {
        const area = document.getElementById('questions');
        const touch = (x) => new Touch({identifier: 1, target: area, clientX: x, clientY: 300});
        area.dispatchEvent(new TouchEvent('touchstart', {touches: [touch(300)], changedTouches: [touch(300)], bubbles: true}));
        area.dispatchEvent(new TouchEvent('touchend', {touches: [], changedTouches: [touch(120)], bubbles: true}));
    }""")
    expect(cards.nth(1)).to_be_visible()

    # the answer card drawer works in this mode too
    page.get_by_role("button", name="答题卡").click()
    page.locator("#answer-card-grid a.card-num").nth(4).click()
    expect(cards.nth(4)).to_be_visible()
    screenshot(page, "contest-single-mode-phone")

    # the employee may switch to the whole page
    page.locator(".view-switch [data-mode=list]").click()
    expect(cards.nth(0)).to_be_visible()
    expect(cards.nth(4)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_the_five_minute_warning_with_an_injected_clock(page, live_url, build, browser_login):
    quiz = build.quiz(time_limit_seconds=1200)
    browser_login(page, build.user())
    page.clock.install()
    start(page, live_url, quiz)
    expect(page.locator("#time-warning")).to_be_hidden()
    page.clock.fast_forward("15:10")  # 4 min 50 s left
    expect(page.locator("#time-warning")).to_be_visible()
    expect(page.locator("#time-warning-text")).to_contain_text("剩余不足 5 分钟")
    assert "剩余不足 5 分钟" in page.locator("#time-announcer").inner_text()
    expect(page.locator("#timer-bar")).to_have_class(has_class("warn-5"))


def test_result_page_leads_with_score_rank_and_actions_then_the_review(page, live_url, build, browser_login,
                                                                        screenshot):
    quiz = build.quiz(title="安全力竞赛", pass_score=1, max_attempts=None)
    user = build.user("zhaoliu", display_name="赵六", unit=build.unit("办公室"))
    browser_login(page, user)
    start(page, live_url, quiz)
    page.locator(".question-card").first.locator("label").first.click()
    page.wait_for_selector("#save-status.ok")
    page.get_by_role("button", name="交卷").click()
    page.wait_for_selector("#submitModal.show")
    page.get_by_role("button", name="确认交卷").click()
    page.wait_for_url("**/result")

    order = page.evaluate("""() => ['result-summary', 'rank-line', 'result-actions', 'review'].map(
        id => document.getElementById(id).getBoundingClientRect().top)""")
    assert order == sorted(order)
    assert page.locator("#rank-line").inner_text().strip() == "本单位第 1 名（共 1 人） · 全部第 1 名（共 1 人）"
    expect(page.locator("#boards-link")).to_be_visible()

    # 只看错题 hides the right ones
    page.locator("#only-wrong").click()
    for item in page.locator(".review-item.is-right").all():
        expect(item).to_be_hidden()
    screenshot(page, "contest-result-desktop")

    if share_font() is None:
        pytest.skip("no CJK font installed for the share card")
    page.locator("#share-link").click()
    page.wait_for_url("**/share*")
    url = page.locator("img[src*='share.png']").first.get_attribute("src")
    response = page.request.get(live_url + url if url.startswith("/") else url)
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.body()))
    assert image.size == (750, 1200)
    screenshot(page, "contest-share-phone")


def test_boards_on_a_phone_need_no_sideways_scroll(browser, live_url, build, browser_login, screenshot):
    quiz = build.quiz(title="排行榜竞赛")
    units = [build.unit(name) for name in ("办公室", "文物保护与考古科", "文化市场综合执法大队", "区博物馆")]
    now = utcnow()
    for number, unit in enumerate(units * 2):
        taker = build.user(unit=unit, display_name=f"欧阳长名字{number}")
        attempt, _ = attempts.start_attempt(taker, quiz, now)
        db.session.commit()
        first = attempt.questions[0]
        attempts.save_answer(attempt.id, taker.id, first.question_id, [number % 2], now)
        attempts.submit_attempt(attempt, now)
        db.session.commit()
    viewer = build.user(unit=units[0])
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    browser_login(page, viewer)
    for path, name in ((f"/boards/quizzes/{quiz.id}/", "units"), (f"/boards/quizzes/{quiz.id}/users", "users")):
        page.goto(live_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        screenshot(page, f"contest-boards-{name}-phone")
    # the ranking metric of every unit is on screen
    page.goto(f"{live_url}/boards/quizzes/{quiz.id}/")
    expect(page.get_by_text("区博物馆").first).to_be_visible()
    context.close()
