"""线下培训 QR sign-in in real Chromium: the trainer opens the projector page, an employee on a
375 px phone opens the URL the QR code encodes, logs in, confirms, and the projector's count goes
up without a reload.  Screenshots of both pages at phone and desktop width."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from quiz.extensions import db
from quiz.offline import services
from quiz.offline.services import SessionFields
from quiz.services.clock import now_utc

from helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_qr_sign_in_on_a_phone_updates_the_projector(page, mobile_page, browser, build, browser_login, live_url,
                                                     screenshot):
    trainer = build.user("trainer", role="trainer", display_name="王培训")
    employee = build.user("zhangsan", display_name="张三", unit=build.unit("区图书馆"))
    quiz = build.quiz(title="消防安全考核")
    start = now_utc() - timedelta(minutes=5)
    session = services.create_session(SessionFields(
        "消防安全培训：灭火器的使用", "消防安全", "灭火器实操", "区图书馆报告厅", "刘教官", 2, start,
        start + timedelta(hours=2), quiz.id), trainer, now_utc())
    db.session.commit()

    page.set_viewport_size({"width": 1366, "height": 800})
    browser_login(page, trainer)
    page.goto(f"{live_url}/offline/sessions/{session.id}/qr")
    expect(page.locator("#qr-image")).to_be_visible()
    expect(page.locator("#qr-count")).to_have_text("0")
    code = page.locator("#qr-code").inner_text()
    assert len(code) == 6 and code.isdigit()
    url = page.locator("#qr-link").get_attribute("href")
    assert url.startswith(live_url) and f"c={code}" in url
    screenshot(page, "offline-qr-desktop")

    # the employee scans: the login page first, then back to the confirmation
    mobile_page.goto(url)
    mobile_page.fill("#username", employee.username)
    mobile_page.fill("#password", PASSWORD)
    mobile_page.click("#submit")
    expect(mobile_page.locator("#checkin-confirm")).to_be_visible()
    expect(mobile_page.locator("#checkin-title")).to_have_text("消防安全培训：灭火器的使用")
    screenshot(mobile_page, "offline-checkin-phone")
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    mobile_page.click("#checkin-confirm")
    expect(mobile_page.locator("#checkin-done")).to_contain_text("已签到")
    expect(mobile_page.locator("#session-quiz-link")).to_be_visible()
    screenshot(mobile_page, "offline-done-phone")

    # the projector's poll shows the new count, no reload
    expect(page.locator("#qr-count")).to_have_text("1", timeout=10_000)
    expect(page.locator("#qr-recent")).to_contain_text("张三")
    screenshot(page, "offline-qr-desktop-after")

    # the same QR page on a phone, and the confirmation at desktop width
    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True).new_page()
    browser_login(phone, trainer)
    phone.goto(f"{live_url}/offline/sessions/{session.id}/qr")
    expect(phone.locator("#qr-image")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "offline-qr-phone")
    phone.context.close()
    mobile_page.set_viewport_size({"width": 1366, "height": 800})
    mobile_page.goto(f"{live_url}/offline/checkin/{session.id}")
    expect(mobile_page.locator("#checkin-done")).to_be_visible()
    screenshot(mobile_page, "offline-done-desktop")
