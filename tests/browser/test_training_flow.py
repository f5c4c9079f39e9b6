"""Training in real Chromium: practise five questions with one wrong, find it in the notebook,
pass level 1 of a 闯关 series and see level 2 unlock."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from quiz.extensions import db
from quiz.models import AttemptQuestion, Question
from quiz.training import levels
from quiz.services.clock import now_utc
from quiz.services.quizzes import RuleSpec

pytestmark = pytest.mark.browser


def make_series(build):
    build.questions(4, type="single", category="疏散逃生")
    trainer = build.user("trainer", role="trainer")
    escape = build.category("疏散逃生")
    series = levels.create_series("安全知识闯关", "通过一关才能解锁下一关。", trainer)
    for title in ("第一关 · 疏散逃生", "第二关 · 疏散逃生进阶"):
        levels.add_level(series, now=now_utc(), title=title, rules=[RuleSpec(count=2, category_id=escape.id, type="single")],
                         pass_percent=60, time_limit_seconds=None, created_by=trainer)
    levels.set_series_published(series, True)
    db.session.commit()
    return series


def test_practice_notebook_and_levels(page, live_url, build, browser_login, screenshot):
    build.questions(5, type="single", category="消防安全")
    fire = build.category("消防安全")
    series = make_series(build)
    user = build.user("zhangsan", display_name="张三")
    browser_login(page, user)

    # practise five questions, the first one wrong
    page.get_by_role("link", name="练习与错题").click()
    page.wait_for_url("**/training/")
    page.select_option("#category_id", str(fire.id))
    page.select_option("#count", "5")
    page.get_by_role("button", name="开始练习").click()
    page.wait_for_url("**/training/practice/*")
    wrong_question_id = None
    for number in range(1, 6):
        form = page.locator("#practice-form")
        assert f"第 {number} / 5 题" in page.locator("#practice-position").inner_text()
        expect(page.locator("#practice-submit")).to_be_disabled()  # nothing chosen yet
        db.session.rollback()
        question = db.session.get(Question, int(form.get_attribute("data-question-id")))
        if number == 1:
            wrong_question_id = question.id
            choice = next(i for i in range(len(question.options)) if i not in question.correct)
        else:
            choice = question.correct[0]
        form.locator(f"label[for=option{choice}]").click()
        if number == 1:
            screenshot(page, "training-practice-question")
        page.get_by_role("button", name="提交答案").click()
        page.wait_for_url("**/items/*")
        expected = "✗ 回答错误" if number == 1 else "✓ 回答正确"
        assert page.locator("#feedback-result").inner_text().strip() == expected
        if number == 1:
            assert "已收入错题本" in page.locator("#notebook-state").inner_text()
            assert "解析" in page.locator("#practice-feedback").inner_text()
            screenshot(page, "training-practice-feedback")
        page.locator("#next-question").click()
    assert page.locator("#practice-score").inner_text().strip() == "4 / 5"

    # the wrong one is in the notebook
    page.get_by_role("link", name="查看错题本").click()
    page.wait_for_url("**/training/notebook")
    assert page.locator("#notebook-total").inner_text() == "1"
    items = page.locator(".notebook-item")
    assert items.count() == 1
    assert items.first.get_attribute("data-question-id") == str(wrong_question_id)
    screenshot(page, "training-notebook")

    # the home page shows mastery and suggests a category
    page.get_by_role("link", name="首页").click()
    page.wait_for_url(f"{live_url}/")
    expect(page.locator("#training-panel svg.mastery-chart")).to_be_visible()
    expect(page.locator("#training-panel")).to_contain_text("80%")
    screenshot(page, "training-home-panel")

    # level 1 is open, level 2 locked
    page.get_by_role("link", name="知识闯关", exact=True).click()
    page.get_by_role("link", name="进入闯关").click()
    page.wait_for_url(f"**/training/levels/{series.id}")
    assert page.locator('[data-level="1"]').get_attribute("data-state") == "unlocked"
    assert page.locator('[data-level="2"]').get_attribute("data-state") == "locked"
    screenshot(page, "training-level-map-before")
    page.locator('[data-level="1"]').get_by_role("button", name="开始闯关").click()
    page.wait_for_url("**/attempts/*")
    attempt_id = int(page.url.rstrip("/").split("/")[-1])
    db.session.rollback()  # end the test's read snapshot to see what the server wrote
    items = db.session.scalars(db.select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)).all()
    db.session.rollback()
    assert len(items) == 2, attempt_id
    for item in items:
        display = item.option_order.index(item.correct[0])
        page.locator(f"label[for=q{item.question_id}o{display}]").click()
        page.wait_for_selector(f'.question-card[data-question-id="{item.question_id}"] .question-save-state.text-success')
    page.get_by_role("button", name="交卷").click()
    page.wait_for_selector("#submitModal.show")
    page.get_by_role("button", name="确认交卷").click()
    page.wait_for_url("**/result")
    assert page.locator("#pass-badge").inner_text() == "及格"
    page.locator("#level-map-link").click()
    page.wait_for_url(f"**/training/levels/{series.id}")
    assert page.locator('[data-level="1"]').get_attribute("data-state") == "passed"
    assert page.locator('[data-level="2"]').get_attribute("data-state") == "unlocked"
    assert page.locator('[data-level="1"] .stars .off').count() == 0  # full marks: three stars
    expect(page.locator('[data-level="2"]').get_by_role("button", name="开始闯关")).to_be_visible()
    screenshot(page, "training-level-map-after")


def test_practice_on_a_phone(mobile_page, live_url, build, browser_login, screenshot):
    page = mobile_page
    build.questions(3, type="multiple", category="应急救援与自救互救")
    make_series(build)
    user = build.user("lisi", display_name="李四")
    browser_login(page, user)
    page.goto(f"{live_url}/training/")
    page.get_by_role("button", name="开始练习").tap()
    page.wait_for_url("**/training/practice/*")
    page.locator(".practice-option label").first.tap()
    expect(page.locator("#practice-submit")).to_be_enabled()
    screenshot(page, "training-practice-mobile")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.goto(f"{live_url}/training/levels")
    page.get_by_role("link", name="进入闯关").tap()
    page.wait_for_url("**/training/levels/*")
    screenshot(page, "training-level-map-mobile")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
