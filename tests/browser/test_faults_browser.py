"""The quiz page goes on after the database refused its saves (the disk full or read-only)."""

from __future__ import annotations

import pytest

from quiz.extensions import db
from quiz.models import Answer

from test_faults import refusing_disk  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_quiz_page_retries_refused_saves_until_they_are_stored(page, live_url, build, browser_login,
                                                               refusing_disk):  # noqa: F811
    build.quiz(title="消防安全测验")
    user = build.user("zhangsan", display_name="张三")
    browser_login(page, user)
    page.get_by_role("link", name="查看详情").click()
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url("**/attempts/*")

    refusing_disk(True)
    first = page.locator(".question-card").first
    first.locator("label").nth(1).click()
    status = page.locator("#save-status")
    status.get_by_text("本次操作未保存", exact=False).wait_for()  # the server's words, not 网络异常
    assert "正在自动重试" in status.inner_text() and "网络异常" not in status.inner_text()
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == 0

    refusing_disk(False)  # the operator freed space: the page's next retry (backoff) stores it
    page.wait_for_selector("#save-status.ok", timeout=20_000)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == 1
