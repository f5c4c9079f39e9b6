"""static/js/app.js, loaded on every page: a form with data-confirm asks first (dismissed: nothing
is sent), and a [data-print] button prints."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from quiz.extensions import db
from quiz.models import Question

pytestmark = pytest.mark.browser


def test_a_confirm_form_asks_before_it_submits(page, live_url, build, browser_login):
    question_id = build.question().id
    browser_login(page, build.user("trainer", role="trainer"))
    page.goto(f"{live_url}/trainer/questions/{question_id}")
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="删除").click()
    assert messages == ["确定删除该题目吗？删除后不能恢复。"]
    db.session.rollback()
    assert db.session.get(Question, question_id) is not None  # dismissed: nothing was sent

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="删除").click()
    page.wait_for_url("**/trainer/questions")
    db.session.rollback()
    assert db.session.get(Question, question_id) is None


def test_a_print_button_prints(page, live_url, build, browser_login):
    browser_login(page, build.user("trainer", role="trainer"))
    page.goto(f"{live_url}/training/posters")
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.get_by_role("button", name="打印").click()
    expect(page.locator("body")).to_be_visible()
    assert page.evaluate("window.__printed") == 1
