"""An employee takes a timed quiz in real Chromium: answers survive a reload, submit, result."""

from __future__ import annotations

import pytest

from quiz.extensions import db
from quiz.models import Answer, Attempt

pytestmark = pytest.mark.browser


def test_take_quiz_answer_survives_reload(page, live_url, build, browser_login, screenshot):
    quiz = build.quiz(title="消防安全测验", pass_score=1, shuffle_options=True)
    user = build.user("zhangsan", display_name="张三")
    browser_login(page, user)

    page.get_by_role("link", name="查看详情").click()
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url("**/attempts/*")
    countdown = page.locator("#countdown")
    assert countdown.inner_text() in ("10:00", "09:59")

    first = page.locator(".question-card").first
    first.locator("label").nth(1).click()
    page.wait_for_selector("#save-status.ok")
    chosen_id = first.locator("input").nth(1).get_attribute("id")
    assert page.locator("#answered-count").inner_text() == "1"

    page.reload()
    assert page.locator(f"#{chosen_id}").is_checked()
    assert page.locator("#answered-count").inner_text() == "1"

    second = page.locator(".question-card").nth(1)
    second.locator("label").first.click()
    page.wait_for_selector("#save-status.ok")

    page.get_by_role("button", name="交卷").click()
    page.wait_for_selector("#submitModal.show")
    assert "还有 3 题未作答" in page.locator("#submit-summary").inner_text()
    page.get_by_role("button", name="确认交卷").click()
    page.wait_for_url("**/result")
    assert page.locator("#score").is_visible()
    assert "答案与解析" in page.content()
    screenshot(page, "take-result-desktop")

    db.session.rollback()  # end the test's read snapshot to see what the server wrote
    attempt = db.session.scalar(db.select(Attempt).where(Attempt.user_id == user.id))
    assert attempt.status == "submitted"
    assert db.session.scalar(db.select(db.func.count(Answer.id)).where(Answer.attempt_id == attempt.id)) == 2


def test_quiz_on_a_phone(browser, live_url, build, browser_login, screenshot):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    quiz = build.quiz(title="“测测你的安全力”知识竞赛")
    user = build.user("lisi", display_name="李四")
    browser_login(page, user)
    screenshot(page, "take-home-mobile")
    page.goto(f"{live_url}/quizzes/{quiz.id}")
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url("**/attempts/*")
    page.locator(".question-card").first.locator("label").first.tap()
    page.wait_for_selector("#save-status.ok")
    screenshot(page, "take-attempt-mobile")
    # nothing overflows the phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_countdown_follows_the_server_deadline(page, live_url, build, browser_login):
    """A browser clock that runs ahead does not end the quiz early; the server's time rules."""
    quiz = build.quiz(time_limit_seconds=300)
    user = build.user()
    browser_login(page, user)
    page.goto(f"{live_url}/quizzes/{quiz.id}")
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url("**/attempts/*")
    page.locator(".question-card").first.locator("label").first.click()
    page.wait_for_selector("#save-status.ok")
    text = page.locator("#countdown").inner_text()
    minutes, seconds = map(int, text.split(":"))
    assert 4 * 60 + 50 <= minutes * 60 + seconds <= 300
