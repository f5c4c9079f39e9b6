"""In real Chromium on a phone: first sign-in with an admin's password, the forced change,
退出所有设备, and a copied cookie that no longer works after logout."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from quiz.extensions import db

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Mine-Own-Pass-42"


def test_first_login_change_then_sign_out_everywhere(mobile_page, browser, live_url, build, browser_login,
                                                     screenshot):
    page = mobile_page
    user = build.user("xinren", display_name="新职工")
    user.must_change_password = True
    db.session.commit()

    browser_login(page, user)
    page.wait_for_url("**/account/password")
    expect(page.get_by_test_id("first-login-notice")).to_contain_text("请先把管理员告知的初始密码改为")
    expect(page.get_by_role("heading", level=1)).to_have_text("首次登录：请设置新密码")
    screenshot(page, "first-login-375")
    page.goto(f"{live_url}/history")  # every other page leads back here
    page.wait_for_url("**/account/password")

    page.fill("#current", "Correct-Horse-7")
    page.fill("#password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.get_by_role("button", name="设置新密码").click()
    page.wait_for_url(lambda url: "/account/password" not in url)
    expect(page.locator(".alert-success")).to_contain_text("密码已设置")

    # a second browser signed in, and a copy of this browser's cookies
    other = browser.new_context()
    other_page = other.new_page()
    browser_login(other_page, user, NEW_PASSWORD)
    copied = [c for c in page.context.cookies() if c["name"] == "session"]

    page.goto(f"{live_url}/account/password")
    expect(page.get_by_role("heading", name="退出所有设备")).to_be_visible()
    screenshot(page, "account-sign-out-everywhere-375")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_test_id("sign-out-everywhere").click()
    page.wait_for_url("**/login**")
    assert questions == ["确定在所有设备上退出登录吗？本设备也会退出。"]
    expect(page.locator(".alert-info")).to_contain_text("已退出所有设备")

    other_page.goto(f"{live_url}/history")
    other_page.wait_for_url("**/login**")  # the other browser is signed out too
    thief = browser.new_context()
    thief.add_cookies(copied)
    thief_page = thief.new_page()
    thief_page.goto(f"{live_url}/history")
    thief_page.wait_for_url("**/login**")  # and the copied cookie opens nothing
    other.close()
    thief.close()


def test_the_quiz_page_keeps_the_session_alive_while_the_employee_reads(page, live_url, build, browser_login):
    """No save for 6 minutes, but the employee scrolls and types: the page pings the server once;
    left alone, it sends nothing (so an abandoned page does reach the idle timeout)."""
    quiz = build.quiz(title="长时间测验", time_limit_seconds=3600)
    user = build.user("yuedu", display_name="阅读者")
    browser_login(page, user)
    page.clock.install()
    page.goto(f"{live_url}/quizzes/{quiz.id}")
    page.get_by_role("button", name="开始答题").click()
    page.wait_for_url("**/attempts/*")
    pings: list[str] = []
    page.on("request", lambda request: pings.append(request.url) if "csrf" in request.url else None)

    page.clock.run_for("06:00")  # alone: no activity, no ping
    assert pings == []
    page.keyboard.press("Tab")  # the employee works on the page
    page.mouse.wheel(0, 200)
    page.clock.run_for("01:05")
    page.wait_for_timeout(300)
    assert len(pings) == 1, pings
