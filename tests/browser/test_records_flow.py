"""单位培训台账 and a correction in real Chromium: a unit manager opens the 台账 from the 单位管理
tabs, filters 未达标, opens a person's record and adds a paper-based training; at desktop width and 375 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from quiz.extensions import db
from quiz.models import Course, CourseCompletion
from quiz.records.requirements import install_default_requirements
from quiz.records.services import year_of
from quiz.services.clock import now_utc

pytestmark = pytest.mark.browser


def test_manager_ledger_and_correction(page, browser, live_url, build, browser_login, screenshot):
    now = now_utc()
    install_default_requirements(now)
    library = build.unit("区图书馆", kind="图书馆")
    manager = build.user("anquanyuan", role="manager", unit=library, display_name="陈安全")
    done = build.user("zhangsan", unit=library, display_name="张三")
    behind = build.user("lisi", unit=library, display_name="李四")
    course = Course(title="消防安全微课堂：初起火灾处置与疏散", category="消防安全", hours=0.5, is_published=True)
    db.session.add(course)
    db.session.flush()
    for day in (1, 2):
        db.session.add(CourseCompletion(user_id=done.id, course_id=course.id, completed_at=now - timedelta(minutes=day),
                                        hours=0.5, year=year_of(now), course_title=course.title))
        if day == 1:  # one course per person: a second course for the second training
            course = Course(title="消防安全：疏散演练复习", category="消防安全", hours=0.5, is_published=True)
            db.session.add(course)
            db.session.flush()
    db.session.commit()

    browser_login(page, manager)
    page.goto(f"{live_url}/org/people")
    page.get_by_role("link", name="培训台账").click()
    page.wait_for_url(f"**/records/units/{library.id}*")
    expect(page.locator(".ledger-row")).to_have_count(3)
    assert page.locator("#behind-count").inner_text() == "2"  # 李四 and the manager
    screenshot(page, "records-ledger")
    page.locator("#filter-behind").click()
    expect(page.locator(".ledger-row")).to_have_count(2)
    page.get_by_role("link", name="李四").click()
    page.wait_for_url(f"**/records/users/{behind.id}*")

    # 补录 a training held on paper: refused without a reason, then saved and listed with who and why
    page.locator("#correction-panel summary").click()
    page.select_option("#action", "add")
    page.fill("#entry_date", f"{year_of(now)}-01-15" if now.month > 1 else now.strftime("%Y-%m-%d"))
    page.fill("#title", "消防安全知识讲座（纸质签到）")
    page.fill("#category", "消防安全")
    page.fill("#hours", "2")
    page.fill("#result", "合格")
    page.locator("#correction-save").click()
    expect(page.locator("#reason-error")).to_contain_text("请填写更正原因")
    page.fill("#reason", "讲座使用纸质签到表，按签到表补录")
    page.locator("#correction-save").click()
    expect(page.locator("#record-corrections")).to_contain_text("陈安全")
    assert page.locator("#record-total-hours").inner_text() == "2"
    screenshot(page, "records-person-corrected")

    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    browser_login(mobile, manager)
    for name, path in (("records-ledger-375", f"/records/units/{library.id}"),
                       ("records-person-375", f"/records/users/{behind.id}")):
        mobile.goto(live_url + path)
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide"
        screenshot(mobile, name)
    phone.close()
