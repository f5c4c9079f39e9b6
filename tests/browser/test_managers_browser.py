"""In real Chromium: a unit manager (单位管理员) signs in, opens the 未参与名单, exports it and
resets a password; the pages at 375 px and 1280 px (screenshots in test-artifacts/)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from quiz.extensions import db

from helpers import T0
from org_helpers import build_org_tree

pytestmark = pytest.mark.browser


def test_a_manager_chases_their_people_exports_and_resets(page, live_url, build, browser_login, screenshot):
    org = build_org_tree(build)
    quiz = build.quiz(title="安全生产月知识竞赛", now=T0)
    page.set_viewport_size({"width": 1280, "height": 800})
    browser_login(page, org.bureau_manager)

    page.get_by_role("link", name="本单位人员").click()
    expect(page.locator(".people-table")).to_contain_text("班组职工")
    expect(page.locator(".people-table")).not_to_contain_text("应急职工")
    screenshot(page, "managers-people-1280")

    page.get_by_role("link", name="未参与名单").click()
    page.select_option("#target", f"quiz:{quiz.id}")
    page.get_by_role("button", name="查看").click()
    expect(page.locator(".non-participant-count")).to_have_text("3")
    expect(page.locator(".non-participants-table")).to_contain_text("13800001111")
    screenshot(page, "managers-non-participants-1280")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx") and "文旅局" in download.suggested_filename
    sheet = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert ["banzu_worker", "班组职工", "文旅区 / 文旅局 / 图书馆 / 借阅班组", "13800001111", "未开始"] in rows
    assert len(rows) == 3

    page.get_by_role("link", name="班组职工").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("班组职工")
    page.get_by_role("button", name="重置密码").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("密码已重置")
    password = page.locator(".generated-password").inner_text()
    assert len(password) == 10
    screenshot(page, "managers-reset-credentials-1280")
    db.session.commit()  # end the test body's read snapshot
    assert db.session.get(type(org.team_worker), org.team_worker.id).must_change_password

    # the sibling unit's people stay out of reach
    response = page.goto(f"{live_url}/org/people/{org.sibling_worker.id}")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("不在您的管理范围内")


def test_manager_and_reminder_pages_on_a_phone(mobile_page, live_url, build, browser_login, screenshot):
    page = mobile_page
    org = build_org_tree(build)
    quiz = build.quiz(title="安全生产月知识竞赛", now=T0)
    trainer = build.user("peixun", role="trainer", display_name="培训员")
    db.session.commit()
    browser_login(page, org.bureau_manager)
    page.goto(f"{live_url}/org/non-participants?target=quiz:{quiz.id}")
    expect(page.locator(".non-participants-table")).to_contain_text("借阅班组")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "managers-non-participants-375")
    page.goto(f"{live_url}/org/people")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "managers-people-375")

    page.context.clear_cookies()
    browser_login(page, trainer)
    page.goto(f"{live_url}/org/reminders?target=quiz:{quiz.id}&unit_id={org.district.id}")
    expect(page.locator(".reminders-table")).to_contain_text("文旅局")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "managers-reminders-375")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "managers-reminders-1280")
