"""Campaigns in real Chromium: a trainer starts this year's campaign from last year's (从上一年复制),
finds the copied quiz as a draft, and opens the 活动总结 comparing the two years, on a PC and a phone."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from playwright.sync_api import expect

from quiz.boards.links import create_display_link
from quiz.campaigns import services
from quiz.campaigns.services import CampaignFields
from quiz.extensions import db
from quiz.models import Campaign
from quiz.services.clock import CAMPAIGN_TZ

from boards_helpers import contest, take

pytestmark = pytest.mark.browser

OLD = datetime(2024, 1, 1, tzinfo=timezone.utc)
UNITS = [("办公室", 8), ("文化艺术科", 6), ("旅游发展科", 7), ("区图书馆", 25), ("区文化馆", 18), ("区博物馆", 20),
         ("文化市场综合执法大队", 30)]


def local(*args) -> datetime:
    return datetime(*args, tzinfo=CAMPAIGN_TZ).astimezone(timezone.utc)


def last_year(build):
    """The 2025 campaign with its contest and some results; units made long ago (one new this year)."""
    trainer = build.user("trainer", role="trainer", display_name="王培训")
    units = []
    for name, headcount in UNITS:
        unit = build.unit(name, headcount=headcount)
        unit.created_at = OLD
        units.append(unit)
    fresh = build.unit("团泊湖景区管理有限公司", kind="企业", headcount=5)
    fresh.created_at = local(2026, 3, 1)
    db.session.commit()
    campaign = services.create_campaign(CampaignFields(
        "2025年“安全生产月”活动", 2025, "落实安全责任，推动安全发展", date(2025, 6, 1), date(2025, 6, 30)),
        trainer, local(2025, 5, 1))
    quiz = contest(build, title="2025年“测测你的安全力”安全知识竞赛", opens_at=local(2025, 6, 1, 9), closes_at=local(2025, 6, 30, 18))
    services.assign_quiz(quiz, campaign, trainer, local(2025, 5, 1))
    db.session.commit()
    people = [build.user(f"p{i}", unit=units[i % 5]) for i in range(14)]
    for index, user in enumerate(people):
        take(user, quiz, 4 + index % 6, at=local(2025, 6, 10 + index % 5, 10))
    return trainer, campaign, units + [fresh], people


def test_copy_from_last_year_and_open_the_summary(page, live_url, build, browser_login, screenshot, mobile_page):
    trainer, previous, units, people = last_year(build)
    browser_login(page, trainer)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="活动管理").click()
    page.wait_for_url("**/campaigns/")
    expect(page.locator("#campaign-list")).to_contain_text("落实安全责任，推动安全发展")
    page.locator("#copy-latest").click()
    page.wait_for_url(f"**/campaigns/{previous.id}/copy")
    assert page.input_value("#year") == "2026" and page.input_value("#starts_on") == "2026-06-01"
    assert page.input_value("#title") == "2026年“安全生产月”活动"

    # a bad date range is refused in Chinese and saves nothing
    page.fill("#ends_on", "2026-05-01")
    page.fill("#theme", "人人讲安全、个个会应急")
    page.locator("#campaign-save").click()
    expect(page.locator("#ends_on-error")).to_contain_text("结束日期不能早于开始日期")
    db.session.rollback()
    assert db.session.query(Campaign).count() == 1
    screenshot(page, "campaigns-copy-refused")

    page.fill("#ends_on", "2026-06-30")
    page.locator("#campaign-save").click()
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit())
    expect(page.locator(".alert-success")).to_contain_text("复制了上一年的测验和闯关")
    expect(page.locator("#campaign-theme")).to_have_text("人人讲安全、个个会应急")
    expect(page.locator("#campaign-quizzes")).to_contain_text("2026年“测测你的安全力”安全知识竞赛")
    expect(page.locator("#campaign-quizzes")).to_contain_text("未发布")
    screenshot(page, "campaigns-detail")

    # this year's results come in on the copied quiz (published by the trainer)
    db.session.rollback()
    campaign = db.session.query(Campaign).filter_by(year=2026).one()
    [copy] = services.campaign_quizzes(campaign)
    assert copy.opens_at == local(2026, 6, 1, 9)
    copy.is_published = True
    db.session.commit()
    newcomer = build.user("newbie", unit=units[-1])
    for index, user in enumerate(people[:10] + [build.user(f"q{i}", unit=units[5 + i % 2]) for i in range(4)] + [newcomer]):
        take(user, copy, 5 + index % 6, at=local(2026, 6, 10 + index % 5, 10))
    token, _ = create_display_link(copy, "大厅", created_by=None, now=local(2026, 6, 10))
    db.session.commit()

    page.locator("#open-summary").click()
    page.wait_for_url(f"**/campaigns/{campaign.id}/summary")
    expect(page.locator("h1")).to_contain_text("2026年")
    expect(page.locator("body")).to_contain_text("与 2025 年对比")
    expect(page.locator("#summary-units")).to_contain_text("今年新增")
    assert page.locator("#summary-units tbody tr").count() == len(units)
    for image in page.locator("img.chart-img").all():
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    with page.expect_download() as download:
        page.locator("#summary-xlsx").click()
    assert download.value.suggested_filename.endswith("活动总结.xlsx")
    screenshot(page, "campaigns-summary-desktop")

    browser_login(mobile_page, trainer)
    mobile_page.goto(f"{live_url}/campaigns/{campaign.id}/summary")
    expect(mobile_page.locator("#summary-units")).to_be_visible()
    # nothing wider than the phone but the table's own scroller
    overflow = mobile_page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    screenshot(mobile_page, "campaigns-summary-375")
    mobile_page.goto(f"{live_url}/campaigns/{campaign.id}/board")
    expect(mobile_page.locator("#campaign-board")).to_contain_text("区图书馆")
    assert mobile_page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 1
    screenshot(mobile_page, "campaigns-board-375")
    # the home page shows the current campaign: its title, theme and dates
    mobile_page.goto(f"{live_url}/")
    expect(mobile_page.locator("#current-campaign")).to_contain_text("人人讲安全、个个会应急")
    expect(mobile_page.locator("#current-campaign")).to_contain_text("2026-06-01 至 2026-06-30")
    screenshot(mobile_page, "campaigns-home-375")

    # the big screen of the campaign's quiz adds a slide with the campaign board
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_url}/boards/display/{token}")
    expect(page.locator("#campaign-table tbody tr")).to_have_count(len(units))
    page.evaluate("""() => document.querySelectorAll('.slide').forEach(
        s => s.classList.toggle('active', s.dataset.slide === 'campaign'))""")
    expect(page.locator("#campaign-title")).to_have_text("2026年“安全生产月”活动")
    expect(page.locator(".display-campaign")).to_contain_text("人人讲安全、个个会应急")  # the campaign's theme
    screenshot(page, "campaigns-big-screen")
