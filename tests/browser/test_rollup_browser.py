"""The unit board by level of the unit tree, in real Chromium on a phone: drill down two levels and back."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from quiz.extensions import db
from quiz.services.clock import now_utc

from boards_helpers import contest, take

pytestmark = pytest.mark.browser

#: (name, parent, 编制人数): 区 → 局 → 局属单位/科室
TREE = [("区文化和旅游局", None, 12), ("区应急管理局", None, 10), ("区图书馆", "区文化和旅游局", 20),
        ("区博物馆", "区文化和旅游局", 15), ("文化市场综合执法大队", "区文化和旅游局", None),
        ("少儿借阅部", "区图书馆", 8), ("古籍修复中心", "区图书馆", 6), ("数字资源部", "区图书馆", 5),
        ("安全生产科", "区应急管理局", 6)]


def _tree_contest(build):
    now = now_utc()
    quiz = contest(build, title="“测测你的安全力”安全知识竞赛", opens_at=now - timedelta(days=3),
                   closes_at=now + timedelta(days=20))
    units = {}
    for name, parent, headcount in TREE:
        units[name] = build.unit(name, kind="局属单位" if parent else "局", headcount=headcount)
        if parent:
            units[name].parent_id = units[parent].id
    db.session.commit()
    rng = random.Random(15)
    takers = ["区文化和旅游局", "区图书馆", "少儿借阅部", "少儿借阅部", "古籍修复中心", "区博物馆", "区博物馆",
              "安全生产科", "区应急管理局", "文化市场综合执法大队"]
    for index, unit in enumerate(takers):
        user = build.user(f"t{index}", unit=units[unit], display_name=f"职工{index}")
        take(user, quiz, rng.randrange(4, 11), at=now - timedelta(hours=rng.randrange(1, 30)))
    return quiz, units


def test_drill_down_two_levels_on_a_phone(mobile_page, live_url, build, browser_login, screenshot):
    quiz, units = _tree_contest(build)
    me = build.user("me", unit=units["古籍修复中心"], display_name="张三")
    browser_login(mobile_page, me)
    page = mobile_page
    page.goto(f"{live_url}/boards/quizzes/{quiz.id}/")
    page.click("a.level-entry")  # 按单位层级查看
    expect(page.locator("nav.level-nav .breadcrumb-item.active")).to_have_text("顶层")
    rows = page.locator("table.unit-board tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table.unit-board")).to_contain_text("区文化和旅游局")
    expect(page.locator("table.unit-board")).to_contain_text("参与 8/67")  # its 8 people and 编制 over all its levels
    screenshot(page, "rollup-top-mobile")

    page.click("a.drill-link:has-text('区文化和旅游局')")
    expect(page.locator("nav.level-nav .breadcrumb-item.active")).to_have_text("区文化和旅游局")
    expect(page.locator(".level-parent")).to_contain_text("区文化和旅游局")
    expect(rows).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "rollup-level1-mobile")

    page.click("a.drill-link:has-text('区图书馆')")
    crumbs = page.locator("nav.level-nav .breadcrumb-item")
    expect(crumbs).to_have_text(["全部单位", "顶层", "区文化和旅游局", "区图书馆"])
    expect(rows).to_have_count(3)
    assert page.locator("a.drill-link").count() == 0  # the lowest level: no further links
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "rollup-level2-mobile")

    crumbs.nth(2).locator("a").click()  # back up one level through the breadcrumb
    expect(page.locator("nav.level-nav .breadcrumb-item.active")).to_have_text("区文化和旅游局")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "rollup-level1-desktop")
