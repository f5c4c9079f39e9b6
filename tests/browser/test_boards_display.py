"""The boards in real Chromium: the big-screen display refreshes in place; the unit board on a phone."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from quiz.extensions import db
from quiz.boards.links import create_display_link, revoke_display_link
from quiz.services.clock import now_utc

from boards_helpers import contest, take

pytestmark = pytest.mark.browser

UNITS = [("办公室", 8), ("文化艺术科", 6), ("旅游发展科", 7), ("文物保护科", 5), ("区图书馆", 25), ("区文化馆", 18),
         ("区博物馆", 20), ("文化市场综合执法大队", 30), ("团泊湖景区管理有限公司", None), ("安全生产科", 6),
         ("产业发展科", 5), ("非遗保护中心", 9)]
NAMES = "王伟 李娜 张敏 刘洋 陈静 杨磊 黄丽 赵强 吴芳 周杰 徐涛 孙霞 马超 朱红 胡军 郭平 何勇 高峰 林娟 罗明".split()


def _contest(build):
    now = now_utc()
    quiz = contest(build, title="“测测你的安全力”安全知识竞赛", opens_at=now - timedelta(days=6),
                   closes_at=now + timedelta(days=24))
    quiz.ranking_metric = "composite"
    units = [build.unit(name, kind="科室", headcount=headcount) for name, headcount in UNITS]
    rng = random.Random(7)
    people = []
    for index, name in enumerate(NAMES * 2):
        unit = units[index % (len(units) - 2)]  # the last two units have not started
        people.append(build.user(f"p{index}", unit=unit, display_name=name + ("" if index < 20 else "华")))
    for index, user in enumerate(people):
        when = now - timedelta(days=rng.randrange(0, 6), hours=rng.randrange(1, 8))
        take(user, quiz, rng.randrange(4, 11), at=when, seconds=rng.randrange(60, 500))
    db.session.commit()
    return quiz, units, now


def test_big_screen_refreshes_in_place(page, live_url, build, screenshot):
    quiz, units, now = _contest(build)
    token, _link = create_display_link(quiz, "一楼大厅 LED", created_by=None, now=now)
    db.session.commit()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.emulate_media(reduced_motion="reduce")  # no cross-fades: screenshots show one slide
    page.clock.install()
    page.goto(f"{live_url}/boards/display/{token}")
    assert "测测你的安全力" in page.locator("#quiz-title").inner_text()
    page.clock.run_for(1000)
    expect(page.locator("#units-table tbody tr")).to_have_count(10)
    assert page.locator("#units-table tbody tr").first.locator("td").nth(1).inner_text() != ""
    assert "*" in page.locator("#users-grid .user-name").first.inner_text()  # names masked
    screenshot(page, "boards-display-units")

    # Mark a live cell; after the next refresh the same element must still be there (patched, not replaced).
    page.evaluate("document.querySelector('#units-table tbody tr td:nth-child(2)').dataset.marker = 'kept'")
    champion = build.user("champion", unit=units[-1], display_name="欧阳冠军")
    take(champion, quiz, 10, at=now_utc() - timedelta(minutes=5), seconds=30)
    page.clock.run_for(16_000)  # the refresh interval (15 s) and one slide change
    expect(page.locator("#users-grid .user-name").first).to_have_text("欧**军")
    assert page.evaluate("document.querySelector('#units-table tbody tr td:nth-child(2)').dataset.marker") == "kept"

    # Cycle to the individuals and the charts.
    page.clock.run_for(12_000)
    page.wait_for_selector('.slide[data-slide="users"].active')
    screenshot(page, "boards-display-users")
    page.clock.run_for(12_000)
    page.wait_for_selector('.slide[data-slide="charts"].active')
    expect(page.locator("#chart-daily")).to_have_js_property("complete", True)
    assert page.evaluate("document.getElementById('chart-daily').naturalWidth") > 0
    screenshot(page, "boards-display-charts")
    assert errors == []


def test_revoked_screen_says_so(page, live_url, build):
    quiz, _units, now = _contest(build)
    token, link = create_display_link(quiz, "二楼", created_by=None, now=now)
    db.session.commit()
    page.clock.install()
    page.goto(f"{live_url}/boards/display/{token}")
    revoke_display_link(link, now_utc())
    db.session.commit()
    page.clock.run_for(16_000)
    page.wait_for_selector("#gone:not([hidden])")
    assert "已停用" in page.locator("#gone").inner_text()


def test_unit_board_on_a_phone(mobile_page, live_url, build, browser_login, screenshot):
    quiz, units, _now = _contest(build)
    me = build.user("me", unit=units[4], display_name="张三")
    browser_login(mobile_page, me)
    mobile_page.goto(f"{live_url}/boards/quizzes/{quiz.id}/")
    mine = mobile_page.locator("tr.mine")
    assert "区图书馆" in mine.inner_text()
    assert mobile_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    for image in mobile_page.locator("img.chart-img").all():
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
    assert mobile_page.evaluate("[...document.querySelectorAll('img.chart-img')].every(i => i.naturalWidth > 0)")
    screenshot(mobile_page, "boards-units-mobile")


def test_summary_page_with_charts(page, live_url, build, browser_login, screenshot):
    quiz, _units, _now = _contest(build)
    browser_login(page, build.user("admin", role="admin", display_name="管理员"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_url}/boards/quizzes/{quiz.id}/summary")
    assert "活动总结" in page.content()
    for image in page.locator("img.chart-img").all():
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
    assert page.evaluate("[...document.querySelectorAll('img.chart-img')].every(i => i.naturalWidth > 0)")
    screenshot(page, "boards-summary")
    page.goto(f"{live_url}/boards/quizzes/{quiz.id}/users")
    expect(page.locator("table.board-table tbody tr")).to_have_count(40)
    screenshot(page, "boards-users-desktop")
