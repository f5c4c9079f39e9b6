"""A trainer in real Chromium runs the 题库体检 of the shipped bank, narrows it to one kind of
warning, follows a warning to its question, and registers a revised law in the editions table
so that the questions still citing the old one are flagged — on a phone and on a desktop."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from question_bank import load_builtin_bank
from quiz.extensions import db
from quiz.services.questions import import_question_records

pytestmark = pytest.mark.browser


@pytest.fixture
def shipped_bank(app):
    import_question_records(load_builtin_bank().records, on_duplicate="skip")
    db.session.commit()


def _walk(page, live_url, trainer, browser_login, screenshot, name: str) -> None:
    browser_login(page, trainer)
    page.goto(f"{live_url}/trainer/questions")
    page.get_by_role("link", name="题库体检").first.click()
    page.wait_for_url("**/trainer/bank-health")
    expect(page.locator("#health-verdict")).to_have_text("全部达标")  # the shipped bank meets its thresholds
    assert int(page.locator("#health-total").inner_text()) >= 500
    screenshot(page, f"bank-health-{name}")

    page.select_option("#code", "length_cue")
    page.get_by_role("button", name="体检").click()
    page.wait_for_url("**code=length_cue**")
    warnings = page.locator("li.health-warning")
    for index in range(warnings.count()):
        assert warnings.nth(index).get_attribute("data-code") == "length_cue"

    page.goto(f"{live_url}/trainer/bank-health/editions")
    page.fill("#superseded", "《中华人民共和国安全生产法》（2021年修正）")
    page.fill("#current", "《中华人民共和国安全生产法》（2031年修正）")
    page.fill("#effective", "2031-01-01")
    page.get_by_role("button", name="添加").click()
    expect(page.locator("#added-editions tr[data-edition-id]")).to_have_count(1)
    screenshot(page, f"bank-editions-{name}")

    page.get_by_role("link", name="题库体检").last.click()
    page.wait_for_url("**code=superseded_edition**")
    flagged = page.locator("li.health-warning[data-code=superseded_edition]")
    expect(flagged.first).to_be_visible()
    assert "2031年修正" in flagged.first.inner_text()
    flagged.first.locator("a").first.click()
    page.wait_for_url("**/trainer/questions/*")


def test_bank_health_on_a_desktop(page, live_url, build, browser_login, screenshot, shipped_bank):
    page.set_viewport_size({"width": 1366, "height": 900})
    _walk(page, live_url, build.user("trainer", role="trainer"), browser_login, screenshot, "desktop")


def test_bank_health_on_a_phone(mobile_page, live_url, build, browser_login, screenshot, shipped_bank):
    _walk(mobile_page, live_url, build.user("trainer", role="trainer"), browser_login, screenshot, "phone")
